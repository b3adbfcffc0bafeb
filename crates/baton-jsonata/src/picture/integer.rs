//! `$formatInteger` / `$parseInteger`: the XPath `fn:format-integer` picture (decimal digit
//! patterns in any Unicode decimal digit family, `a`/`A`, `i`/`I`, `w`/`W`/`Ww`, `;o` ordinals).

use super::{Case, MAX_WIDTH, PictureError, js, regular_interval};

/// Primary format token of an integer picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Primary {
    Decimal,
    Letters,
    Roman,
    Words,
    /// A numbering sequence the reference does not support (error D3130 when used).
    Sequence,
}

/// How grouping separators are placed in a decimal digit pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Grouping {
    /// The same separator every `every` digits.
    Regular { every: usize, separator: char },
    /// Separators at fixed distances from the right, in ascending order of distance.
    Irregular(Vec<(usize, char)>),
}

/// An analysed integer picture.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IntegerFormat {
    pub(crate) primary: Primary,
    pub(crate) case: Case,
    pub(crate) ordinal: bool,
    /// Code point of the zero digit of the decimal digit family.
    pub(crate) zero: u32,
    pub(crate) mandatory: usize,
    pub(crate) optional: usize,
    pub(crate) grouping: Grouping,
    /// The primary token, reported by D3130.
    pub(crate) token: String,
}

/// Zero digits of the Unicode decimal digit families the reference recognises.
const DECIMAL_GROUPS: [u32; 37] = [
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// The zero digit of the family `c` belongs to, if it is a decimal digit.
pub(crate) fn digit_family(c: char) -> Option<u32> {
    let cp = u32::from(c);
    DECIMAL_GROUPS
        .iter()
        .copied()
        .find(|zero| cp >= *zero && cp <= zero + 9)
}

/// Analyses an integer picture (`primary[;modifier]`).
pub(crate) fn analyse(picture: &str) -> Result<IntegerFormat, PictureError> {
    let mut format = IntegerFormat {
        primary: Primary::Decimal,
        case: Case::Lower,
        ordinal: false,
        zero: 0x30,
        mandatory: 0,
        optional: 0,
        grouping: Grouping::Irregular(Vec::new()),
        token: String::new(),
    };
    let primary = match picture.rfind(';') {
        None => picture,
        Some(semicolon) => {
            let modifier = picture.get(semicolon + 1..).unwrap_or("");
            if modifier.starts_with('o') {
                format.ordinal = true;
            }
            picture.get(..semicolon).unwrap_or("")
        }
    };
    match primary {
        "A" => {
            format.case = Case::Upper;
            format.primary = Primary::Letters;
        }
        "a" => format.primary = Primary::Letters,
        "I" => {
            format.case = Case::Upper;
            format.primary = Primary::Roman;
        }
        "i" => format.primary = Primary::Roman,
        "W" => {
            format.case = Case::Upper;
            format.primary = Primary::Words;
        }
        "Ww" => {
            format.case = Case::Title;
            format.primary = Primary::Words;
        }
        "w" => format.primary = Primary::Words,
        _ => analyse_digit_pattern(primary, &mut format)?,
    }
    Ok(format)
}

fn analyse_digit_pattern(primary: &str, format: &mut IntegerFormat) -> Result<(), PictureError> {
    let mut zero: Option<u32> = None;
    let mut mandatory = 0usize;
    let mut optional = 0usize;
    let mut separators: Vec<(usize, char)> = Vec::new();
    let mut position = 0usize;
    // scan right to left to find the separator positions
    for c in primary.chars().rev() {
        if let Some(family) = digit_family(c) {
            mandatory += 1;
            position += 1;
            match zero {
                None => zero = Some(family),
                Some(z) if z != family => return Err(PictureError::new("D3131")),
                Some(_) => {}
            }
        } else if c == '#' {
            position += 1;
            optional += 1;
        } else {
            separators.push((position, c));
        }
    }
    if mandatory == 0 {
        format.primary = Primary::Sequence;
        format.token = primary.to_string();
        return Ok(());
    }
    format.primary = Primary::Decimal;
    format.zero = zero.unwrap_or(0x30);
    format.mandatory = mandatory;
    format.optional = optional;
    let same_char = separators
        .first()
        .is_some_and(|(_, first)| separators.iter().all(|(_, c)| c == first));
    let positions: Vec<usize> = separators.iter().map(|(p, _)| *p).collect();
    let every = if same_char {
        regular_interval(&positions)
    } else {
        0
    };
    format.grouping = match separators.first() {
        Some((_, separator)) if every > 0 => Grouping::Regular {
            every,
            separator: *separator,
        },
        _ => Grouping::Irregular(separators),
    };
    Ok(())
}

/// `$formatInteger(value, picture)`.
///
/// The value is floored first. Non-finite values format as `NaN`/`Infinity` (the reference
/// would crash or hang for most presentations). Roman numerals above ten million are written in
/// decimal digits (the reference recurses once per thousand and overflows its stack there).
pub fn format_integer(value: f64, picture: &str) -> Result<String, PictureError> {
    let format = analyse(picture)?;
    format_with(value.floor(), &format)
}

/// Formats an (already integral) value with an analysed picture.
pub(crate) fn format_with(value: f64, format: &IntegerFormat) -> Result<String, PictureError> {
    let negative = value < 0.0;
    let value = value.abs();
    let mut out = match format.primary {
        Primary::Letters => {
            if value.is_infinite() {
                js::number_to_string(value)
            } else {
                // NaN makes no letters, as in the reference
                to_letters(value, if format.case == Case::Upper { 'A' } else { 'a' })
            }
        }
        Primary::Roman => {
            if value.is_nan() {
                String::new()
            } else if value.is_infinite() || value > 1e7 {
                js::number_to_string(value)
            } else {
                let roman = to_roman(value);
                if format.case == Case::Upper {
                    roman.to_uppercase()
                } else {
                    roman
                }
            }
        }
        Primary::Words => {
            if value.is_finite() {
                let words = to_words(value, format.ordinal);
                match format.case {
                    Case::Upper => words.to_uppercase(),
                    Case::Lower => words.to_lowercase(),
                    Case::Title => words,
                }
            } else {
                js::number_to_string(value)
            }
        }
        Primary::Decimal => format_decimal(value, format),
        Primary::Sequence => {
            return Err(PictureError::with_value("D3130", format.token.clone()));
        }
    };
    if negative {
        out.insert(0, '-');
    }
    Ok(out)
}

fn format_decimal(value: f64, format: &IntegerFormat) -> String {
    let mut chars: Vec<char> = js::number_to_string(value).chars().collect();
    let mandatory = format.mandatory.min(MAX_WIDTH);
    if chars.len() < mandatory {
        let mut padded = vec!['0'; mandatory - chars.len()];
        padded.extend(chars);
        chars = padded;
    }
    if format.zero != 0x30 {
        // the reference shifts every character (even the "e+" of "1e+21") by the offset
        for c in &mut chars {
            *c = char::from_u32(u32::from(*c) + format.zero - 0x30).unwrap_or(*c);
        }
    }
    match &format.grouping {
        Grouping::Regular { every, separator } => {
            let every = *every;
            let len = chars.len();
            let groups = (len.saturating_sub(1)) / every;
            // insert from the left so that earlier positions stay valid
            for group in (1..=groups).rev() {
                let pos = len - group * every;
                let shift = groups - group;
                chars.insert(pos + shift, *separator);
            }
        }
        Grouping::Irregular(separators) => {
            // `s.substr(0, len - position) + separator + s.substr(len - position)`, including
            // what JavaScript's `substr` does with a negative start (separators placed beyond
            // the digits of a short number)
            for (position, separator) in separators.iter().rev() {
                let len = chars.len();
                if *position <= len {
                    chars.insert(len - position, *separator);
                } else {
                    let keep = (position - len).min(len);
                    let mut next = Vec::with_capacity(keep + 1);
                    next.push(*separator);
                    next.extend_from_slice(chars.get(len - keep..).unwrap_or_default());
                    chars = next;
                }
            }
        }
    }
    let mut out: String = chars.iter().collect();
    if format.ordinal {
        let last = chars.last().copied();
        let before = chars
            .len()
            .checked_sub(2)
            .and_then(|i| chars.get(i))
            .copied();
        let suffix = match last {
            Some('1') if before != Some('1') => "st",
            Some('2') if before != Some('1') => "nd",
            Some('3') if before != Some('1') => "rd",
            _ => "th",
        };
        out.push_str(suffix);
    }
    out
}

/// Spreadsheet-style letters: 1 → a, 26 → z, 27 → aa.
fn to_letters(mut value: f64, a: char) -> String {
    let mut letters = Vec::new();
    let base = u32::from(a);
    while value > 0.0 {
        let offset = ((value - 1.0) % 26.0) as u32;
        letters.push(char::from_u32(base + offset).unwrap_or(a));
        value = ((value - 1.0) / 26.0).floor();
    }
    letters.iter().rev().collect()
}

const ROMAN: [(f64, &str); 13] = [
    (1000.0, "m"),
    (900.0, "cm"),
    (500.0, "d"),
    (400.0, "cd"),
    (100.0, "c"),
    (90.0, "xc"),
    (50.0, "l"),
    (40.0, "xl"),
    (10.0, "x"),
    (9.0, "ix"),
    (5.0, "v"),
    (4.0, "iv"),
    (1.0, "i"),
];

fn to_roman(mut value: f64) -> String {
    let mut out = String::new();
    for (n, numeral) in ROMAN {
        while value >= n {
            out.push_str(numeral);
            value -= n;
        }
    }
    out
}

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
const DECADES: [&str; 9] = [
    "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred",
];
const MAGNITUDES: [(&str, f64); 4] = [
    ("Thousand", 1e3),
    ("Million", 1e6),
    ("Billion", 1e9),
    ("Trillion", 1e12),
];

/// English words, title-cased, as the reference writes them ("Three Thousand, Seven Hundred
/// and Thirty").
fn to_words(value: f64, ordinal: bool) -> String {
    words_lookup(value, false, ordinal)
}

fn words_lookup(num: f64, prev: bool, ord: bool) -> String {
    let mut words = String::new();
    if num <= 19.0 {
        if prev {
            words.push_str(" and ");
        }
        let i = num.max(0.0) as usize;
        let table = if ord { &ORDINALS } else { &FEW };
        words.push_str(table.get(i).copied().unwrap_or(""));
    } else if num < 100.0 {
        let tens = (num / 10.0).floor() as usize;
        let remainder = num % 10.0;
        if prev {
            words.push_str(" and ");
        }
        let decade = DECADES.get(tens.saturating_sub(2)).copied().unwrap_or("");
        words.push_str(decade);
        if remainder > 0.0 {
            words.push('-');
            words.push_str(&words_lookup(remainder, false, ord));
        } else if ord {
            words.pop();
            words.push_str("ieth");
        }
    } else if num < 1000.0 {
        let hundreds = (num / 100.0).floor() as usize;
        let remainder = num % 100.0;
        if prev {
            words.push_str(", ");
        }
        words.push_str(FEW.get(hundreds).copied().unwrap_or(""));
        words.push_str(" Hundred");
        if remainder > 0.0 {
            words.push_str(&words_lookup(remainder, true, ord));
        } else if ord {
            words.push_str("th");
        }
    } else {
        let (name, factor) = MAGNITUDES
            .iter()
            .rev()
            .find(|(_, factor)| num >= *factor)
            .copied()
            .unwrap_or(MAGNITUDES[0]);
        let mant = (num / factor).floor();
        let remainder = num - mant * factor;
        if prev {
            words.push_str(", ");
        }
        words.push_str(&words_lookup(mant, false, false));
        words.push(' ');
        words.push_str(name);
        if remainder > 0.0 {
            words.push_str(&words_lookup(remainder, true, ord));
        } else if ord {
            words.push_str("th");
        }
    }
    words
}

/// Value of one lower-case number word, as the reference's word table has it.
pub(crate) fn word_value(word: &str) -> Option<f64> {
    let eq = |w: &str| w.eq_ignore_ascii_case(word);
    if let Some(i) = FEW.iter().position(|w| eq(w)) {
        return Some(i as f64);
    }
    if let Some(i) = ORDINALS.iter().position(|w| eq(w)) {
        return Some(i as f64);
    }
    for (i, decade) in DECADES.iter().enumerate() {
        let value = ((i + 2) * 10) as f64;
        if eq(decade) {
            return Some(value);
        }
        // "twentieth" ... and the reference's "hundreieth"
        let stem = decade.get(..decade.len() - 1).unwrap_or("");
        if word.len() == stem.len() + 4
            && word
                .get(..stem.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(stem))
            && word.get(stem.len()..) == Some("ieth")
        {
            return Some(value);
        }
    }
    if word == "hundredth" {
        return Some(100.0);
    }
    for (name, value) in MAGNITUDES {
        if eq(name) {
            return Some(value);
        }
        if word.len() == name.len() + 2
            && word
                .get(..name.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(name))
            && word.get(name.len()..) == Some("th")
        {
            return Some(value);
        }
    }
    None
}

/// Every token the reference's words regex alternates over (lower case).
pub(crate) const WORD_TOKENS: [&str; 71] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twenty",
    "twentieth",
    "thirty",
    "thirtieth",
    "forty",
    "fortieth",
    "fifty",
    "fiftieth",
    "sixty",
    "sixtieth",
    "seventy",
    "seventieth",
    "eighty",
    "eightieth",
    "ninety",
    "ninetieth",
    "hundred",
    "hundreieth",
    "hundredth",
    "thousand",
    "thousandth",
    "million",
    "millionth",
    "billion",
    "billionth",
    "trillion",
    "trillionth",
    "and",
    "-",
    ",",
    " ",
];

/// Converts English number words (lower case) to a value the way the reference does; `NaN`
/// when a word is unknown.
fn words_to_number(text: &str) -> f64 {
    let mut segs: Vec<f64> = vec![0.0];
    for part in split_words(text) {
        let value = word_value(&part);
        match value {
            Some(v) if v < 100.0 => {
                let mut top = segs.pop().unwrap_or(0.0);
                if top >= 1000.0 {
                    segs.push(top);
                    top = 0.0;
                }
                segs.push(top + v);
            }
            other => {
                let top = segs.pop().unwrap_or(0.0);
                segs.push(top * other.unwrap_or(f64::NAN));
            }
        }
    }
    segs.iter().fold(0.0, |sum, v| sum + v)
}

/// Splits on `,\s`, `\sand\s` and `[\s\\-]` as the reference's `split` does.
fn split_words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next_ws = chars.get(i + 1).is_some_and(|n| n.is_whitespace());
        if c == ',' && next_ws {
            parts.push(std::mem::take(&mut current));
            i += 2;
        } else if c.is_whitespace()
            && chars.get(i + 1..i + 4) == Some(&['a', 'n', 'd'][..])
            && chars.get(i + 4).is_some_and(|n| n.is_whitespace())
        {
            parts.push(std::mem::take(&mut current));
            i += 5;
        } else if c.is_whitespace() || c == '\\' || c == '-' {
            parts.push(std::mem::take(&mut current));
            i += 1;
        } else {
            current.push(c);
            i += 1;
        }
    }
    parts.push(current);
    parts
}

fn roman_to_number(roman: &str) -> f64 {
    let mut decimal = 0.0;
    let mut max = 1.0;
    for c in roman.chars().rev() {
        let value = match c {
            'M' => 1000.0,
            'D' => 500.0,
            'C' => 100.0,
            'L' => 50.0,
            'X' => 10.0,
            'V' => 5.0,
            'I' => 1.0,
            _ => return f64::NAN,
        };
        if value < max {
            decimal -= value;
        } else {
            max = value;
            decimal += value;
        }
    }
    decimal
}

fn letters_to_number(letters: &str, a: char) -> f64 {
    let base = f64::from(u32::from(a));
    letters.chars().rev().enumerate().fold(0.0, |sum, (i, c)| {
        sum + (f64::from(u32::from(c)) - base + 1.0) * 26f64.powf(i as f64)
    })
}

/// Parses `text` with an analysed picture; `NaN` when it does not make a number.
pub(crate) fn parse_with(text: &str, format: &IntegerFormat) -> Result<f64, PictureError> {
    let upper = format.case == Case::Upper;
    Ok(match format.primary {
        Primary::Letters => letters_to_number(text, if upper { 'A' } else { 'a' }),
        Primary::Roman => {
            if upper {
                roman_to_number(text)
            } else {
                roman_to_number(&text.to_uppercase())
            }
        }
        Primary::Words => words_to_number(&text.to_lowercase()),
        Primary::Decimal => {
            let mut chars: Vec<char> = text.chars().collect();
            if format.ordinal {
                chars.truncate(chars.len().saturating_sub(2));
            }
            match &format.grouping {
                // the reference strips commas here, whatever the separator
                Grouping::Regular { .. } => chars.retain(|c| *c != ','),
                Grouping::Irregular(separators) => {
                    chars.retain(|c| !separators.iter().any(|(_, s)| s == c));
                }
            }
            let digits: String = chars
                .iter()
                .map(|c| {
                    let cp = u32::from(*c);
                    if format.zero != 0x30 && cp >= format.zero && cp <= format.zero + 9 {
                        char::from_u32(cp - format.zero + 0x30).unwrap_or(*c)
                    } else {
                        *c
                    }
                })
                .collect();
            js::parse_int(&digits)
        }
        Primary::Sequence => {
            return Err(PictureError::with_value("D3130", format.token.clone()));
        }
    })
}

/// `$parseInteger(string, picture)`: the inverse of [`format_integer`].
///
/// `Ok(None)` when the string does not make a number (the reference returns `NaN`).
pub fn parse_integer(s: &str, picture: &str) -> Result<Option<f64>, PictureError> {
    let format = analyse(picture)?;
    let value = parse_with(s, &format)?;
    Ok(if value.is_nan() { None } else { Some(value) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn words_round_trip() {
        for n in [
            0.0, 7.0, 19.0, 20.0, 21.0, 99.0, 100.0, 101.0, 999.0, 1000.0, 1001.0,
        ] {
            let w = format_integer(n, "w").unwrap();
            assert_eq!(parse_integer(&w, "w").unwrap(), Some(n), "{w}");
            let o = format_integer(n, "w;o").unwrap();
            assert_eq!(parse_integer(&o, "w;o").unwrap(), Some(n), "{o}");
        }
    }

    #[test]
    fn word_tokens_have_values() {
        for token in WORD_TOKENS.iter().take(WORD_TOKENS.len() - 4) {
            assert!(word_value(token).is_some(), "{token}");
        }
    }

    #[test]
    fn decimal_edge_cases() {
        // separators beyond the digits land where JavaScript's `substr` puts them
        assert_eq!(format_integer(5.0, "#:###,##0").unwrap(), ",5");
        assert_eq!(format_integer(1e21, "0").unwrap(), "1e+21");
        assert_eq!(format_integer(-0.5, "0").unwrap(), "-1");
        assert_eq!(format_integer(11.0, "0;o").unwrap(), "11th");
        assert_eq!(format_integer(112.0, "0;o").unwrap(), "112th");
        assert_eq!(format_integer(22.0, "0;o").unwrap(), "22nd");
        assert_eq!(format_integer(f64::NAN, "0").unwrap(), "NaN");
        assert_eq!(format_integer(f64::INFINITY, "w").unwrap(), "Infinity");
        assert_eq!(format_integer(2e7, "I").unwrap(), "20000000");
        assert_eq!(format_integer(1e7, "I").unwrap().len(), 10_000);
        assert_eq!(format_integer(0.0, "a").unwrap(), "");
        for picture in ["w", "W;o", "a", "A", "i", "0", "#,##0", "\u{0661}"] {
            for value in [f64::MAX, -f64::MAX, 1e300, 5e-324, 9_007_199_254_740_993.0] {
                assert!(format_integer(value, picture).is_ok(), "{picture} {value}");
            }
        }
    }

    #[test]
    fn parse_failures_are_none() {
        assert_eq!(parse_integer("abc", "0").unwrap(), None);
        assert_eq!(parse_integer("eleventy", "w").unwrap(), None);
        assert_eq!(parse_integer("xiv", "I").unwrap(), None);
    }
}
