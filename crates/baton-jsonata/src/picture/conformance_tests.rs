//! The reference conformance cases of the picture functions, as a table.
//!
//! Rows were generated from the JSONata test suite (v2.2.2) in
//! `/work/shared/conformance/jsonata/groups/` (groups `function-formatInteger`,
//! `function-parseInteger`, `function-formatNumber`, `function-formatBase`, `function-fromMillis`,
//! `function-tomillis`): every case whose expression is a direct call with literal arguments,
//! or `$toMillis(..) ~> $fromMillis()` / `$ts := $toMillis(..); $fromMillis($ts, ..)`. The
//! first column names the case file. Cases whose first argument is undefined are the engine's
//! business and are not here; the few remaining composite expressions are checked by hand in
//! `composite_cases`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

enum Call {
    FormatInteger(f64, &'static str),
    ParseInteger(&'static str, &'static str),
    FormatNumber(f64, &'static str, &'static [(&'static str, &'static str)]),
    FormatBase(f64, Option<f64>),
    FromMillis(f64, Option<&'static str>, Option<&'static str>),
    ToMillis(&'static str, Option<&'static str>),
    /// `$toMillis(s, picture)` then `$fromMillis(millis, picture2)`
    ToFrom(&'static str, Option<&'static str>, Option<&'static str>),
}

#[derive(Debug, PartialEq)]
enum Out {
    S(&'static str),
    N(f64),
}

#[derive(Debug, PartialEq)]
enum Got {
    S(String),
    N(f64),
}

fn options(pairs: &[(&str, &str)]) -> DecimalFormat {
    let mut format = DecimalFormat::default();
    for (key, value) in pairs {
        assert!(format.set(key, value), "unknown option {key}");
    }
    format
}

fn run(call: &Call) -> Result<Option<Got>, PictureError> {
    Ok(match call {
        Call::FormatInteger(v, p) => Some(Got::S(format_integer(*v, p)?)),
        Call::ParseInteger(s, p) => parse_integer(s, p)?.map(Got::N),
        Call::FormatNumber(v, p, o) => Some(Got::S(format_number(*v, p, &options(o))?)),
        Call::FormatBase(v, r) => Some(Got::S(format_base(*v, *r)?)),
        Call::FromMillis(v, p, tz) => Some(Got::S(format_datetime(*v, *p, *tz)?)),
        Call::ToMillis(s, p) => parse_datetime(s, *p)?.map(Got::N),
        Call::ToFrom(s, p, q) => match parse_datetime(s, *p)? {
            Some(millis) => Some(Got::S(format_datetime(millis, *q, None)?)),
            None => None,
        },
    })
}

#[test]
fn reference_suite() {
    let mut failures = Vec::new();
    for (index, (file, call, expected)) in CASES.iter().enumerate() {
        let got = run(call);
        let ok = match (&got, expected) {
            (Err(e), Err(code)) => e.code == *code,
            (Ok(None), Ok(None)) => true,
            (Ok(Some(Got::S(g))), Ok(Some(Out::S(e)))) => g == e,
            (Ok(Some(Got::N(g))), Ok(Some(Out::N(e)))) => g == e,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "#{index} {file}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn composite_cases() {
    // $toMillis('2018-10-21T13:05:00Z').[$fromMillis(), $fromMillis($, (),'-0500'), $fromMillis($, (),'0000')]
    let t = parse_datetime("2018-10-21T13:05:00Z", None)
        .unwrap()
        .unwrap();
    assert_eq!(
        format_datetime(t, None, None).unwrap(),
        "2018-10-21T13:05:00.000Z"
    );
    assert_eq!(
        format_datetime(t, None, Some("-0500")).unwrap(),
        "2018-10-21T08:05:00.000-05:00"
    );
    assert_eq!(
        format_datetime(t, None, Some("0000")).unwrap(),
        "2018-10-21T13:05:00.000Z"
    );
    // $toMillis('2024-01-01T12:38:49Z') = $toMillis('20240101123849', '[Y0000][M00][D00][H00][m00][s00]')
    assert_eq!(
        parse_datetime("2024-01-01T12:38:49Z", None).unwrap(),
        parse_datetime("20240101123849", Some("[Y0000][M00][D00][H00][m00][s00]")).unwrap()
    );
    // $toMillis('13:45', '[H]:[m]') ~> $fromMillis(): today's date at 13:45
    let now = parse_datetime("2026-11-25T09:01:02.345Z", None)
        .unwrap()
        .unwrap();
    let t = parse_datetime_at("13:45", Some("[H]:[m]"), now)
        .unwrap()
        .unwrap();
    assert_eq!(
        format_datetime(t, None, None).unwrap(),
        "2026-11-25T13:45:00.000Z"
    );
    // $formatBase(big_id) with big_id = 5890840712243076 (dataset)
    assert_eq!(
        format_base(5_890_840_712_243_076.0, None).unwrap(),
        "5890840712243076"
    );
}

/// (case file, call, expected value or error code)
type Case = (&'static str, Call, Result<Option<Out>, &'static str>);

#[rustfmt::skip]
const CASES: &[Case] = &[
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(123.0, "000"), Ok(Some(Out::S("123")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(123.0, "0000"), Ok(Some(Out::S("0123")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(-3.0, "0000"), Ok(Some(Out::S("-0003")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234.0, "0;c"), Ok(Some(Out::S("1234")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234.0, "###0"), Ok(Some(Out::S("1234")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12.0, "###0"), Ok(Some(Out::S("12")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12.6, "###0"), Ok(Some(Out::S("12")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(123.0, "000;o"), Ok(Some(Out::S("123rd")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1.0, "0;o"), Ok(Some(Out::S("1st")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(28.0, "#0;o"), Ok(Some(Out::S("28th")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234.0, "###0;o"), Ok(Some(Out::S("1234th")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12.0, "###0;o"), Ok(Some(Out::S("12th")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12340.0, "###١"), Ok(Some(Out::S("١٢٣٤٠")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12340.0, "###０"), Ok(Some(Out::S("１２３４０")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12340.0, "##0０"), Err("D3131")),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12.0, "#,##0"), Ok(Some(Out::S("12")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1200.0, "#,##0"), Ok(Some(Out::S("1,200")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(120000.0, "#,##0"), Ok(Some(Out::S("120,000")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12345678.0, "#,##0"), Ok(Some(Out::S("12,345,678")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234567890.0, "#,##0"), Ok(Some(Out::S("1,234,567,890")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234567890.0, "#,###,##0"), Ok(Some(Out::S("1,234,567,890")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234567890.0, "#:###,##0"), Ok(Some(Out::S("1234:567,890")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234567890.0, "##,##,##0"), Ok(Some(Out::S("12345,67,890")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(0.0, "I"), Ok(Some(Out::S("")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1984.0, "I"), Ok(Some(Out::S("MCMLXXXIV")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(99.0, "i"), Ok(Some(Out::S("xcix")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12.0, "w"), Ok(Some(Out::S("twelve")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(20.0, "w"), Ok(Some(Out::S("twenty")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(34.0, "w"), Ok(Some(Out::S("thirty-four")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(99.0, "W"), Ok(Some(Out::S("NINETY-NINE")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(100.0, "w"), Ok(Some(Out::S("one hundred")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(555.0, "W"), Ok(Some(Out::S("FIVE HUNDRED AND FIFTY-FIVE")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(555.0, "Ww"), Ok(Some(Out::S("Five Hundred and Fifty-Five")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(919.0, "w"), Ok(Some(Out::S("nine hundred and nineteen")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(730.0, "w"), Ok(Some(Out::S("seven hundred and thirty")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1000.0, "w"), Ok(Some(Out::S("one thousand")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(3730.0, "w"), Ok(Some(Out::S("three thousand, seven hundred and thirty")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(327730.0, "w"), Ok(Some(Out::S("three hundred and twenty-seven thousand, seven hundred and thirty")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(4327730.0, "w"), Ok(Some(Out::S("four million, three hundred and twenty-seven thousand, seven hundred and thirty")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1000000000001.0, "w"), Ok(Some(Out::S("one trillion and one")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234567890123.0, "w"), Ok(Some(Out::S("one trillion, two hundred and thirty-four billion, five hundred and sixty-seven million, eight hundred and ninety thousand, one hundred and twenty-three")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1000000000000000.0, "w"), Ok(Some(Out::S("one thousand trillion")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1e46_f64, "w"), Ok(Some(Out::S("ten billion trillion trillion trillion")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1234567890123456.0, "w"), Ok(Some(Out::S("one thousand, two hundred and thirty-four trillion, five hundred and sixty-seven billion, eight hundred and ninety million, one hundred and twenty-three thousand, four hundred and fifty-six")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12.0, "w;o"), Ok(Some(Out::S("twelfth")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(20.0, "w;o"), Ok(Some(Out::S("twentieth")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(34.0, "w;o"), Ok(Some(Out::S("thirty-fourth")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(99.0, "W;o"), Ok(Some(Out::S("NINETY-NINTH")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(100.0, "w;o"), Ok(Some(Out::S("one hundredth")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(555.0, "W;o"), Ok(Some(Out::S("FIVE HUNDRED AND FIFTY-FIFTH")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(919.0, "w;o"), Ok(Some(Out::S("nine hundred and nineteenth")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(730.0, "w;o"), Ok(Some(Out::S("seven hundred and thirtieth")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1000.0, "w;o"), Ok(Some(Out::S("one thousandth")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(3731.0, "w;o"), Ok(Some(Out::S("three thousand, seven hundred and thirty-first")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(327713.0, "w;o"), Ok(Some(Out::S("three hundred and twenty-seven thousand, seven hundred and thirteenth")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(4327732.0, "w;o"), Ok(Some(Out::S("four million, three hundred and twenty-seven thousand, seven hundred and thirty-second")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1000000000001.0, "w;o"), Ok(Some(Out::S("one trillion and first")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(1.0, "A"), Ok(Some(Out::S("A")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(12.0, "a"), Ok(Some(Out::S("l")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(26.0, "a"), Ok(Some(Out::S("z")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(27.0, "a"), Ok(Some(Out::S("aa")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(300.0, "A"), Ok(Some(Out::S("KN")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(123456.0, "A"), Ok(Some(Out::S("FZPH")))),
    ("function-formatInteger/formatInteger.json", Call::FormatInteger(123456.0, "α"), Err("D3130")),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("123", "000"), Ok(Some(Out::N(123.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("0123", "0000"), Ok(Some(Out::N(123.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("1234", "0"), Ok(Some(Out::N(1234.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("1234", "###0"), Ok(Some(Out::N(1234.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("12", "###0"), Ok(Some(Out::N(12.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("123rd", "000;o"), Ok(Some(Out::N(123.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("1st", "0;o"), Ok(Some(Out::N(1.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("28th", "#0;o"), Ok(Some(Out::N(28.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("1234th", "###0;o"), Ok(Some(Out::N(1234.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("12th", "###0;o"), Ok(Some(Out::N(12.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("١٢٣٤٠", "###١"), Ok(Some(Out::N(12340.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("１２３４０", "###０"), Ok(Some(Out::N(12340.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("12", "#,##0"), Ok(Some(Out::N(12.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("1,200", "#,##0"), Ok(Some(Out::N(1200.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("12,345,678", "#,##0"), Ok(Some(Out::N(12345678.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("1,234,567,890", "#,##0"), Ok(Some(Out::N(1234567890.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("1,234,567,890", "#,###,##0"), Ok(Some(Out::N(1234567890.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("1234:567,890", "#:###,##0"), Ok(Some(Out::N(1234567890.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("12345,67,890", "##,##,##0"), Ok(Some(Out::N(1234567890.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("", "I"), Ok(Some(Out::N(0.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("MCMLXXXIV", "I"), Ok(Some(Out::N(1984.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("xcix", "i"), Ok(Some(Out::N(99.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("twelve", "w"), Ok(Some(Out::N(12.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("twenty", "w"), Ok(Some(Out::N(20.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("thirty-four", "w"), Ok(Some(Out::N(34.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("NINETY-NINE", "W"), Ok(Some(Out::N(99.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("one hundred", "w"), Ok(Some(Out::N(100.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("FIVE HUNDRED AND FIFTY-FIVE", "W"), Ok(Some(Out::N(555.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("Five Hundred and Fifty-Five", "Ww"), Ok(Some(Out::N(555.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("nine hundred and nineteen", "w"), Ok(Some(Out::N(919.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("seven hundred and thirty", "w"), Ok(Some(Out::N(730.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("one thousand", "w"), Ok(Some(Out::N(1000.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("three thousand, seven hundred and thirty", "w"), Ok(Some(Out::N(3730.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("three hundred and twenty-seven thousand, seven hundred and thirty", "w"), Ok(Some(Out::N(327730.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("four million, three hundred and twenty-seven thousand, seven hundred and thirty", "w"), Ok(Some(Out::N(4327730.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("one trillion and one", "w"), Ok(Some(Out::N(1000000000001.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("one trillion, two hundred and thirty-four billion, five hundred and sixty-seven million, eight hundred and ninety thousand, one hundred and twenty-three", "w"), Ok(Some(Out::N(1234567890123.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("one thousand trillion", "w"), Ok(Some(Out::N(1000000000000000.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("ten billion trillion trillion trillion", "w"), Ok(Some(Out::N(1e46_f64)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("twelfth", "w;o"), Ok(Some(Out::N(12.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("twentieth", "w;o"), Ok(Some(Out::N(20.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("thirty-fourth", "w;o"), Ok(Some(Out::N(34.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("NINETY-NINTH", "W;o"), Ok(Some(Out::N(99.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("one hundredth", "w;o"), Ok(Some(Out::N(100.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("FIVE HUNDRED AND FIFTY-FIFTH", "W;o"), Ok(Some(Out::N(555.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("nine hundred and nineteenth", "w;o"), Ok(Some(Out::N(919.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("seven hundred and thirtieth", "w;o"), Ok(Some(Out::N(730.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("Seven Hundred and Thirty-Third", "Ww;o"), Ok(Some(Out::N(733.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("one thousandth", "w;o"), Ok(Some(Out::N(1000.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("three thousand, seven hundred and thirty-first", "w;o"), Ok(Some(Out::N(3731.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("three hundred and twenty-seven thousand, seven hundred and thirteenth", "w;o"), Ok(Some(Out::N(327713.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("four million, three hundred and twenty-seven thousand, seven hundred and thirty-second", "w;o"), Ok(Some(Out::N(4327732.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("one trillion and first", "w;o"), Ok(Some(Out::N(1000000000001.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("A", "A"), Ok(Some(Out::N(1.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("l", "a"), Ok(Some(Out::N(12.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("z", "a"), Ok(Some(Out::N(26.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("aa", "a"), Ok(Some(Out::N(27.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("KN", "A"), Ok(Some(Out::N(300.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("FZPH", "A"), Ok(Some(Out::N(123456.0)))),
    ("function-parseInteger/parseInteger.json", Call::ParseInteger("50", "#"), Err("D3130")),
    ("function-formatNumber/case000.json", Call::FormatNumber(12345.6, "#,###.00", &[]), Ok(Some(Out::S("12,345.60")))),
    ("function-formatNumber/case001.json", Call::FormatNumber(12345678.9, "9,999.99", &[]), Ok(Some(Out::S("12,345,678.90")))),
    ("function-formatNumber/case002.json", Call::FormatNumber(123412345678.9, "9,9,99.99", &[]), Ok(Some(Out::S("123412345,6,78.90")))),
    ("function-formatNumber/case003.json", Call::FormatNumber(1234.56789, "9,999.999,999", &[]), Ok(Some(Out::S("1,234.567,890")))),
    ("function-formatNumber/case004.json", Call::FormatNumber(123.9, "9999", &[]), Ok(Some(Out::S("0124")))),
    ("function-formatNumber/case005.json", Call::FormatNumber(0.14, "01%", &[]), Ok(Some(Out::S("14%")))),
    ("function-formatNumber/case006.json", Call::FormatNumber(0.4857, "###.###‰", &[]), Ok(Some(Out::S("485.7‰")))),
    ("function-formatNumber/case007.json", Call::FormatNumber(0.14, "###pm", &[("per-mille", "pm")]), Ok(Some(Out::S("140pm")))),
    ("function-formatNumber/case008.json", Call::FormatNumber(-6.0, "000", &[]), Ok(Some(Out::S("-006")))),
    ("function-formatNumber/case009.json", Call::FormatNumber(1234.5678, "00.000e0", &[]), Ok(Some(Out::S("12.346e2")))),
    ("function-formatNumber/case010.json", Call::FormatNumber(1234.5678, "00.000e000", &[]), Ok(Some(Out::S("12.346e002")))),
    ("function-formatNumber/case011.json", Call::FormatNumber(1234.5678, "①①.①①①e①", &[("zero-digit", "⑟")]), Ok(Some(Out::S("①②.③④⑥e②")))),
    ("function-formatNumber/case012.json", Call::FormatNumber(0.234, "0.0e0", &[]), Ok(Some(Out::S("2.3e-1")))),
    ("function-formatNumber/case013.json", Call::FormatNumber(0.234, "#.00e0", &[]), Ok(Some(Out::S("0.23e0")))),
    ("function-formatNumber/case014.json", Call::FormatNumber(0.123, "#.e9", &[]), Ok(Some(Out::S("0.1e0")))),
    ("function-formatNumber/case015.json", Call::FormatNumber(0.234, ".00e0", &[]), Ok(Some(Out::S(".23e0")))),
    ("function-formatNumber/case016.json", Call::FormatNumber(-87504.4812, "000,000.000###;###,###.000###", &[]), Ok(Some(Out::S("87,504.4812")))),
    ("function-formatNumber/case017.json", Call::FormatNumber(185.2812, "PREFIX##00.000###SUFFIX", &[]), Ok(Some(Out::S("PREFIX185.2812SUFFIX")))),
    ("function-formatNumber/case018.json", Call::FormatNumber(1e20_f64, "#,######", &[]), Ok(Some(Out::S("100,000000,000000,000000")))),
    ("function-formatNumber/case019.json", Call::FormatNumber(20.0, "#;#;#", &[]), Err("D3080")),
    ("function-formatNumber/case020.json", Call::FormatNumber(20.0, "#.0.0", &[]), Err("D3081")),
    ("function-formatNumber/case021.json", Call::FormatNumber(20.0, "#0%%", &[]), Err("D3082")),
    ("function-formatNumber/case022.json", Call::FormatNumber(20.0, "#0‰‰", &[]), Err("D3083")),
    ("function-formatNumber/case023.json", Call::FormatNumber(20.0, "#0%‰", &[]), Err("D3084")),
    ("function-formatNumber/case024.json", Call::FormatNumber(20.0, ".e0", &[]), Err("D3085")),
    ("function-formatNumber/case025.json", Call::FormatNumber(20.0, "0+.e0", &[]), Err("D3086")),
    ("function-formatNumber/case026.json", Call::FormatNumber(20.0, "0,.e0", &[]), Err("D3087")),
    ("function-formatNumber/case027.json", Call::FormatNumber(20.0, "0,", &[]), Err("D3088")),
    ("function-formatNumber/case028.json", Call::FormatNumber(20.0, "0,,0", &[]), Err("D3089")),
    ("function-formatNumber/case029.json", Call::FormatNumber(20.0, "0#.e0", &[]), Err("D3090")),
    ("function-formatNumber/case030.json", Call::FormatNumber(20.0, "#0.#0e0", &[]), Err("D3091")),
    ("function-formatNumber/case031.json", Call::FormatNumber(20.0, "#0.0e0%", &[]), Err("D3092")),
    ("function-formatNumber/case032.json", Call::FormatNumber(20.0, "#0.0e0,0", &[]), Err("D3093")),
    ("function-formatNumber/case033.json", Call::FormatNumber(2.0, "000.000", &[]), Ok(Some(Out::S("002.000")))),
    ("function-formatNumber/case034.json", Call::FormatNumber(2.0, "AAA.AAA", &[("zero-digit", "A")]), Ok(Some(Out::S("AAC.AAA")))),
    ("function-formatNumber/case035.json", Call::FormatNumber(0.1, "AeAAA", &[("zero-digit", "A")]), Ok(Some(Out::S("Be-AAB")))),
    ("function-formatNumber/issue785.json", Call::FormatNumber(0.0, "0e0", &[]), Ok(Some(Out::S("0e0")))),
    ("function-formatNumber/issue785.json", Call::FormatNumber(-42.0, "0e0", &[]), Ok(Some(Out::S("-4e1")))),
    ("function-formatNumber/issue785.json", Call::FormatNumber(42.0, "0e0", &[]), Ok(Some(Out::S("4e1")))),
    ("function-formatNumber/issue785.json", Call::FormatNumber(0.0, "0.00e0", &[]), Ok(Some(Out::S("0.00e0")))),
    ("function-formatNumber/issue786.json", Call::FormatNumber(42.0, "%%", &[]), Err("D3086")),
    ("function-formatNumber/issue786.json", Call::FormatNumber(42.0, "‰‰", &[]), Err("D3086")),
    ("function-formatNumber/issue786.json", Call::FormatNumber(42.0, "%‰", &[]), Err("D3086")),
    ("function-formatNumber/issue786.json", Call::FormatNumber(42.0, "---", &[]), Err("D3086")),
    ("function-formatBase/case000.json", Call::FormatBase(100.0, None), Ok(Some(Out::S("100")))),
    ("function-formatBase/case002.json", Call::FormatBase(100.0, Some(2.0)), Ok(Some(Out::S("1100100")))),
    ("function-formatBase/case003.json", Call::FormatBase(-100.0, Some(2.0)), Ok(Some(Out::S("-1100100")))),
    ("function-formatBase/case004.json", Call::FormatBase(100.0, Some(36.0)), Ok(Some(Out::S("2s")))),
    ("function-formatBase/case005.json", Call::FormatBase(99.5, Some(2.5)), Ok(Some(Out::S("1100100")))),
    ("function-formatBase/case006.json", Call::FormatBase(100.0, Some(1.0)), Err("D3100")),
    ("function-formatBase/case007.json", Call::FormatBase(100.0, Some(37.0)), Err("D3100")),
    ("function-fromMillis/case000.json", Call::FromMillis(1.0, None, None), Ok(Some(Out::S("1970-01-01T00:00:00.001Z")))),
    ("function-fromMillis/case001.json", Call::FromMillis(1509380732935.0, None, None), Ok(Some(Out::S("2017-10-30T16:25:32.935Z")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("Hello"), None), Ok(Some(Out::S("Hello")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("Year: [Y0001]"), None), Ok(Some(Out::S("Year: 2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("Year: <[Y0001]>"), None), Ok(Some(Out::S("Year: <2018>")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("Year: <[Y9,999,*]>"), None), Ok(Some(Out::S("Year: <2,018>")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[[Year: <[Y0001]>"), None), Ok(Some(Out::S("[Year: <2018>")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("Year]]: <[Y0001]>"), None), Ok(Some(Out::S("Year]: <2018>")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[[Year]]: [[[Y0001]]]"), None), Ok(Some(Out::S("[Year]: [2018]")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D#1]/[M#1]/[Y0001]"), None), Ok(Some(Out::S("23/3/2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1522616700000.0, Some("[F0] [FNn]"), None), Ok(Some(Out::S("7 Sunday")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1522703100000.0, Some("[F0] [FNn]"), None), Ok(Some(Out::S("1 Monday")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[Y0001]-[M01]-[D01]"), None), Ok(Some(Out::S("2018-03-23")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[M01]/[D01]/[Y0001] at [H01]:[m01]:[s01]"), None), Ok(Some(Out::S("03/23/2018 at 10:33:36")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z01:01t]"), None), Ok(Some(Out::S("2018-03-23T10:33:36.617Z")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[Y]-[ M01]-[D 01]T[H01 ]:[ m   ]:[s].[f0  01][Z01:\n 01t]"), None), Ok(Some(Out::S("2018-03-23T10:33:36.617Z")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]"), Some("+0100")), Ok(Some(Out::S("2018-03-23T11:33:36.617+0100")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1531310400000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01]"), None), Ok(Some(Out::S("2018-07-11T12:00:00+00:00")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1531310400000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01t]"), None), Ok(Some(Out::S("2018-07-11T12:00:00Z")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1531310400000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]"), Some("-0500")), Ok(Some(Out::S("2018-07-11T07:00:00-05:00")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1531310400000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]"), Some("-0500")), Ok(Some(Out::S("2018-07-11T07:00:00-5")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1531310400000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]"), Some("+1000")), Ok(Some(Out::S("2018-07-11T22:00:00+10:00")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1531310400000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]"), Some("+1000")), Ok(Some(Out::S("2018-07-11T22:00:00+10")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1531310400000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]"), Some("+0530")), Ok(Some(Out::S("2018-07-11T17:30:00+5:30")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1531310400000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][z]"), Some("-0500")), Ok(Some(Out::S("2018-07-11T07:00:00GMT-05:00")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1204405500000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]"), Some("+0530")), Ok(Some(Out::S("2008-03-02T02:35:00.000+0530")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1230757500000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]"), Some("+0530")), Ok(Some(Out::S("2009-01-01T02:35:00.000+0530")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1230757500000.0, Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z010101t]"), Some("+0530")), Err("D3134")),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D#1,2]/[M1,2]/[Y,2]"), None), Ok(Some(Out::S("23/03/18")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D#1,2]/[M1,2]/[Y0001,2]"), None), Ok(Some(Out::S("23/03/2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D#1,2]/[M1,2]/[Y##01,2-2]"), None), Ok(Some(Out::S("23/03/18")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D#1,2]/[M1,2]/[Y0001,2-2]"), None), Ok(Some(Out::S("23/03/18")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D1] [M01] [YI]"), None), Ok(Some(Out::S("23 03 MMXVIII")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[Da] [MA] [Yi]"), None), Ok(Some(Out::S("w C mmxviii")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D1o] [M01] [Y]"), None), Ok(Some(Out::S("23rd 03 2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[Yw]"), None), Ok(Some(Out::S("two thousand and eighteen")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[Dwo] [M01] [Y]"), None), Ok(Some(Out::S("twenty-third 03 2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D1o] [MNn] [Y]"), None), Ok(Some(Out::S("23rd March 2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[D1o] [MN] [Y]"), None), Ok(Some(Out::S("23rd MARCH 2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[FNn], [D1o] [MNn] [Y]"), None), Ok(Some(Out::S("Friday, 23rd March 2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[FNn], the [Dwo] of [MNn] [Y] [E]"), None), Ok(Some(Out::S("Friday, the twenty-third of March 2018 ISO")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[FNn,3-3], [D1o] [MNn,3-3] [Y] [C]"), None), Ok(Some(Out::S("Fri, 23rd Mar 2018 ISO")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [P]"), None), Ok(Some(Out::S("friday, 23/3/2018 10:33:36 am")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1204405500000.0, Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [P]"), None), Ok(Some(Out::S("saturday, 1/3/2008 9:05:00 pm")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1199664000000.0, Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [P]"), None), Ok(Some(Out::S("monday, 7/1/2008 12:00:00 am")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1514808000000.0, Some("[dwo] day of the year"), None), Ok(Some(Out::S("first day of the year")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1546257600000.0, Some("[d] days in [Y0001]"), None), Ok(Some(Out::S("365 days in 2018")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1483185600000.0, Some("[d] days in [Y0001]"), None), Ok(Some(Out::S("366 days in 2016")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1514808000000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 1")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1515326400000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 1")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1545739200000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 52")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1388577600000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 1")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1419854400000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 1")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1419768000000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 52")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1419336000000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 52")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1420113600000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 1")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1420459200000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 2")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1451304000000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 53")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1451563200000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 53")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1451736000000.0, Some("Week: [W]"), None), Ok(Some(Out::S("Week: 53")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1359460800000.0, Some("Week: [w] of [xNn]"), None), Ok(Some(Out::S("Week: 5 of January")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1359633600000.0, Some("Week: [w] of [xNn]"), None), Ok(Some(Out::S("Week: 5 of January")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1359720000000.0, Some("Week: [w] of [xNn]"), None), Ok(Some(Out::S("Week: 5 of January")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1514808000000.0, Some("Week: [w] of [xNn]"), None), Ok(Some(Out::S("Week: 1 of January")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1483272000000.0, Some("Week: [w] of [xNn]"), None), Ok(Some(Out::S("Week: 5 of December")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1533038400000.0, Some("Week: [w] of [xNn]"), None), Ok(Some(Out::S("Week: 1 of August")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1419940800000.0, Some("Week: [w] of [xNn]"), None), Ok(Some(Out::S("Week: 1 of January")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [PN]"), None), Ok(Some(Out::S("friday, 23/3/2018 10:33:36 AM")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1521801216617.0, Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [Pn]"), None), Ok(Some(Out::S("friday, 23/3/2018 10:33:36 am")))),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1419940800000.0, Some("[YN]-[M]-[D]"), None), Err("D3133")),
    ("function-fromMillis/formatDateTime.json", Call::FromMillis(1419940800000.0, Some("[YN]-[M"), None), Err("D3135")),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2005-01-01", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2004-W53-6")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2005-01-02", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2004-W53-7")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2005-12-31", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2005-W52-6")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2006-01-01", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2005-W52-7")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2006-01-02", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2006-W01-1")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2006-12-31", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2006-W52-7")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2007-01-01", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2007-W01-1")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2007-12-30", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2007-W52-7")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2007-12-31", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2008-W01-1")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2008-01-01", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2008-W01-2")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2008-12-28", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2008-W52-7")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2008-12-29", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2009-W01-1")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2008-12-30", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2009-W01-2")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2008-12-31", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2009-W01-3")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2009-01-01", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2009-W01-4")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2009-12-31", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2009-W53-4")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2010-01-01", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2009-W53-5")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2010-01-02", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2009-W53-6")))),
    ("function-fromMillis/isoWeekDate.json", Call::ToFrom("2010-01-03", Some("[Y]-[M]-[D]"), Some("[X0001]-W[W01]-[F1]")), Ok(Some(Out::S("2009-W53-7")))),
    ("function-tomillis/case001.json", Call::ToMillis("1970-01-01T00:00:00.001Z", None), Ok(Some(Out::N(1.0)))),
    ("function-tomillis/case002.json", Call::ToMillis("2018-02-01T09:42:13.123+0000", None), Ok(Some(Out::N(1517478133123.0)))),
    ("function-tomillis/case003.json", Call::ToMillis("2017-10-30", None), Ok(Some(Out::N(1509321600000.0)))),
    ("function-tomillis/case004.json", Call::ToMillis("2017-10-30T15:28:34Z", None), Ok(Some(Out::N(1509377314000.0)))),
    ("function-tomillis/case005.json", Call::ToMillis("2018", None), Ok(Some(Out::N(1514764800000.0)))),
    ("function-tomillis/case007.json", Call::ToMillis("foo", None), Err("D3110")),
    ("function-tomillis/case008.json", Call::ToMillis("01-02-2018", None), Err("D3110")),
    ("function-tomillis/case009.json", Call::ToMillis("2018-02-03 11:15:33", None), Err("D3110")),
    ("function-tomillis/case010.json", Call::ToMillis("201802", Some("[Y0001][M01]")), Ok(Some(Out::N(1517443200000.0)))),
    ("function-tomillis/case011.json", Call::ToMillis("201802", Some("[Y,*-4][M01]")), Ok(Some(Out::N(1517443200000.0)))),
    ("function-tomillis/case012.json", Call::ToMillis("20180205", Some("[Y0001][M01][D01]")), Ok(Some(Out::N(1517788800000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("Hello", Some("Hello")), Ok(None)),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018", Some("[Y1]")), Ok(Some(Out::N(1514764800000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018-03-27", Some("[Y1]-[M01]-[D01]")), Ok(Some(Out::N(1522108800000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018-03-27T14:03:00.123Z", Some("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]Z")), Ok(Some(Out::N(1522159380123.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("27th 3 1976", Some("[D1o] [M#1] [Y0001]")), Ok(Some(Out::N(196732800000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("21st 12 1881", Some("[D1o] [M01] [Y0001]")), Ok(Some(Out::N(-2777932800000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2nd 12 2012", Some("[D1o] [M01] [Y0001]")), Ok(Some(Out::N(1354406400000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("MCMLXXXIV", Some("[YI]")), Ok(Some(Out::N(441763200000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("27 03 MMXVIII", Some("[D1] [M01] [YI]")), Ok(Some(Out::N(1522108800000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("27 iii MMXVIII", Some("[D1] [Mi] [YI]")), Ok(Some(Out::N(1522108800000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("w C mmxviii", Some("[Da] [MA] [Yi]")), Ok(Some(Out::N(1521763200000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("ae C mmxviii", Some("[Da] [MA] [Yi]")), Ok(Some(Out::N(1522454400000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("27th April 2008", Some("[D1o] [MNn] [Y0001]")), Ok(Some(Out::N(1209254400000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("21 August 2017", Some("[D1] [MNn] [Y0001]")), Ok(Some(Out::N(1503273600000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2 Feb 2012", Some("[D1] [MNn,3-3] [Y0001]")), Ok(Some(Out::N(1328140800000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("one thousand, nine hundred and eighty-four", Some("[Yw]")), Ok(Some(Out::N(441763200000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("nineteen hundred and eighty-four", Some("[Yw]")), Ok(Some(Out::N(441763200000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("twenty-seven April 2008", Some("[Dw] [MNn] [Y0001]")), Ok(Some(Out::N(1209254400000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("twenty-seventh April 2008", Some("[Dw] [MNn] [Y0001]")), Ok(Some(Out::N(1209254400000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("twenty-first August two thousand and seventeen", Some("[Dw] [MNn] [Yw]")), Ok(Some(Out::N(1503273600000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("TWENTY-SECOND August two thousand and seventeen", Some("[DW] [MNn] [Yw]")), Ok(Some(Out::N(1503360000000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("Twentieth of August, two thousand and seventeen", Some("[DW] of [MNn], [Yw]")), Ok(Some(Out::N(1503187200000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("4/4/2018 12:06 am", Some("[D1]/[M1]/[Y0001] [h]:[m] [P]")), Ok(Some(Out::N(1522800360000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("4/4/2018 06:30 am", Some("[D1]/[M1]/[Y0001] [h]:[m] [P]")), Ok(Some(Out::N(1522823400000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("4/4/2018 12:06 pm", Some("[D1]/[M1]/[Y0001] [h]:[m] [P]")), Ok(Some(Out::N(1522843560000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("4/4/2018 11:30 pm", Some("[D1]/[M1]/[Y0001] [h]:[m] [P]")), Ok(Some(Out::N(1522884600000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018-094", Some("[Y0001]-[d001]")), Ok(Some(Out::N(1522800000000.0)))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("Wednesday, 14th November 2018", Some("[FNn], [D1o] [MNn] [Y]"), None), Ok(Some(Out::S("2018-11-14T00:00:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("Mon, Twelfth November 2018", Some("[FNn,*-3], [DWwo] [MNn] [Y]"), None), Ok(Some(Out::S("2018-11-12T00:00:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("2018--180", Some("[Y]--[d]"), None), Ok(Some(Out::S("2018-06-29T00:00:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("three hundred and sixty-fifth day of 2018", Some("[dwo] day of [Y]"), None), Ok(Some(Out::S("2018-12-31T00:00:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("irrelevent string", Some("[Y]-[M]-[D]")), Ok(None)),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018-05-22", Some("[Y]-[M]-[q]")), Err("D3132")),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018-05-22", Some("[YN]-[M]-[D]")), Err("D3133")),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018-22", Some("[Y]-[D]")), Err("D3136")),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("5-22 23:59", Some("[M]-[D] [m]:[s]")), Err("D3136")),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018-3-2-5", Some("[X]-[x]-[w]-[F1]")), Err("D3136")),
    ("function-tomillis/parseDateTime.json", Call::ToMillis("2018-32-5", Some("[X]-[W]-[F1]")), Err("D3136")),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("2020-09-09 08:00:00 +02:00", Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]"), None), Ok(Some(Out::S("2020-09-09T06:00:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("2020-09-09 08:00:00 GMT-05:00", Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [z]"), None), Ok(Some(Out::S("2020-09-09T13:00:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("2020-09-09 12:00:00 +05:30", Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]"), None), Ok(Some(Out::S("2020-09-09T06:30:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("2020-09-09 12:00:00 GMT-5", Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [z01]"), None), Ok(Some(Out::S("2020-09-09T17:00:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("2020-09-09 12:00:00 +0530", Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z0001]"), None), Ok(Some(Out::S("2020-09-09T06:30:00.000Z")))),
    ("function-tomillis/parseDateTime.json", Call::ToFrom("2026-04-08T19:05:04.01987", Some("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f1]"), None), Ok(Some(Out::S("2026-04-08T19:05:04.019Z")))),
];
