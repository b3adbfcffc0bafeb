//! Differential regression test against the JSONata reference implementation.
//!
//! `testdata/reference-2.2.2.jsonl` holds random calls of the picture functions together with
//! what jsonata 2.2.2 (the npm package) returned for them; `testdata/generate-reference-corpus.js`
//! made it (see its header to regenerate). Every call must give the same result here; where the
//! reference returns `NaN`, this module answers `Ok(None)` or, for `$toMillis` without a
//! picture, D3110.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use super::*;

const CORPUS: &str = include_str!("testdata/reference-2.2.2.jsonl");

fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

fn options(o: &Value) -> DecimalFormat {
    let mut format = DecimalFormat::default();
    for (key, value) in o.as_object().into_iter().flatten() {
        assert!(
            format.set(key, value.as_str().unwrap_or_default()),
            "unknown option {key}"
        );
    }
    format
}

fn call(function: &str, a: &[Value]) -> Result<Option<Value>, PictureError> {
    let number = |i: usize| a.get(i).and_then(Value::as_f64);
    let string = |i: usize| a.get(i).and_then(text);
    let some = |s: String| Some(Value::from(s));
    Ok(match function {
        "formatInteger" => some(format_integer(number(0).unwrap(), string(1).unwrap())?),
        "parseInteger" => parse_integer(string(0).unwrap(), string(1).unwrap())?.map(Value::from),
        "formatNumber" => some(format_number(
            number(0).unwrap(),
            string(1).unwrap(),
            &DecimalFormat::default(),
        )?),
        "formatNumberOpts" => some(format_number(
            number(0).unwrap(),
            string(1).unwrap(),
            &options(&a[2]),
        )?),
        "formatBase" => some(format_base(number(0).unwrap(), number(1))?),
        "fromMillis" => some(format_datetime(number(0).unwrap(), string(1), string(2))?),
        "toMillis" => parse_datetime_at(string(0).unwrap(), string(1), number(2).unwrap_or(0.0))?
            .map(Value::from),
        other => panic!("unknown function {other}"),
    })
}

#[test]
fn matches_the_reference() {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in CORPUS.lines().filter(|l| !l.is_empty()) {
        let case: Value = serde_json::from_str(line).expect("corpus line");
        let function = case["fn"].as_str().expect("fn");
        let args = case["args"].as_array().expect("args");
        let expect = &case["expect"];
        let got = call(function, args);
        let ok = match &got {
            Err(e) => {
                expect["err"].as_str() == Some(e.code.as_str())
                    || (e.code == "D3110" && expect.get("nan").is_some())
            }
            Ok(None) => expect.get("undef").is_some() || expect.get("nan").is_some(),
            Ok(Some(v)) => match (v.as_f64(), expect["ok"].as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => Some(v) == expect.get("ok"),
            },
        };
        count += 1;
        if !ok && failures.len() < 20 {
            failures.push(format!("{line}\n  got {got:?}"));
        }
    }
    assert!(count > 4000, "corpus has {count} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
