//! Picture-string functions of JSONata: `$formatInteger`, `$parseInteger`, `$formatNumber`,
//! `$formatBase`, `$fromMillis` and `$toMillis`.
//!
//! The semantics are XPath/XQuery 3.1 F&O picture strings exactly as the JSONata reference
//! implementation (jsonata 2.2.2) interprets them, quirks included: besides the official suite
//! (`conformance_tests`), a corpus of random calls evaluated by the reference
//! (`reference_corpus`, `testdata/`) must give identical results. Everything here is pure: no
//! I/O and no clock. Date arithmetic is proleptic Gregorian on `f64` milliseconds since the
//! Unix epoch, like ECMAScript `Date`.
//!
//! Where the reference crashes, loops forever or returns `NaN` this module does something
//! bounded instead (documented on each function), and widths and digit counts are clamped to
//! [`MAX_WIDTH`] so that no picture can make it allocate without bound. The known differences:
//!
//! - `$toMillis` without a picture: a string that passes the reference's ISO 8601 gate but that
//!   V8's `Date.parse` rejects (the reference then returns `NaN`) is D3110. A timestamp without
//!   a zone is UTC (V8 uses the host's zone).
//! - `$parseInteger` that makes no number (`NaN` in the reference) is `Ok(None)`; alphabetic
//!   numerals of more than eleven letters may differ in the last bit (the reference's
//!   `Math.pow(26, i)` is not correctly rounded).
//! - Crashes of the reference become results: names on `[f]` are D3133, roman numerals above
//!   ten million are decimal digits, words of non-finite numbers and letters or roman numerals of
//!   infinities are `NaN`/`Infinity`, `$formatNumber` of `NaN`/`Infinity` gives the
//!   `NaN`/`infinity` properties, more than 100 fraction digits are allowed, and a `$toMillis`
//!   match that would backtrack without bound is given up (`Ok(None)`).

mod datetime;
mod integer;
mod js;
mod number;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod reference_corpus;

use std::fmt;

pub use datetime::{format_datetime, parse_datetime, parse_datetime_at};
pub use integer::{format_integer, parse_integer};
pub use number::{DecimalFormat, format_base, format_number};

/// An error raised by a picture function, carrying JSONata's error code.
#[derive(Debug, Clone, PartialEq)]
pub struct PictureError {
    /// JSONata error code, e.g. `D3080` or `D3133`.
    pub code: String,
    /// Human-readable message (the reference's message text with the value inserted).
    pub message: String,
    /// The offending value, when the reference reports one.
    pub value: Option<String>,
}

impl PictureError {
    /// Builds an error from a code; the message is the reference's text for that code.
    pub(crate) fn new(code: &str) -> Self {
        Self::build(code, None)
    }

    /// Builds an error from a code and the value it refers to.
    pub(crate) fn with_value(code: &str, value: impl Into<String>) -> Self {
        Self::build(code, Some(value.into()))
    }

    fn build(code: &str, value: Option<String>) -> Self {
        let template = message_template(code);
        let message = template.replace("{{value}}", value.as_deref().unwrap_or(""));
        Self {
            code: code.to_string(),
            message,
            value,
        }
    }
}

impl fmt::Display for PictureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for PictureError {}

fn message_template(code: &str) -> &'static str {
    match code {
        "D3080" => "The picture string must only contain a maximum of two sub-pictures",
        "D3081" => {
            "The sub-picture must not contain more than one instance of the 'decimal-separator' character"
        }
        "D3082" => {
            "The sub-picture must not contain more than one instance of the 'percent' character"
        }
        "D3083" => {
            "The sub-picture must not contain more than one instance of the 'per-mille' character"
        }
        "D3084" => "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
        "D3085" => {
            "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'"
        }
        "D3086" => {
            "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character"
        }
        "D3087" => {
            "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character"
        }
        "D3088" => {
            "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"
        }
        "D3089" => {
            "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character"
        }
        "D3090" => {
            "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'"
        }
        "D3091" => {
            "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'"
        }
        "D3092" => {
            "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'"
        }
        "D3093" => {
            "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'"
        }
        "D3100" => {
            "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}"
        }
        "D3110" => {
            "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}"
        }
        "D3130" => {
            "Formatting or parsing an integer as a sequence starting with {{value}} is not supported by this implementation"
        }
        "D3131" => "In a decimal digit pattern, all digits must be from the same decimal group",
        "D3132" => "Unknown component specifier {{value}} in date/time picture string",
        "D3133" => {
            "The 'name' modifier can only be applied to months and days in the date/time picture string, not {{value}}"
        }
        "D3134" => "The timezone integer format specifier cannot have more than four digits",
        "D3135" => "No matching closing bracket ']' in date/time picture string",
        "D3136" => {
            "The date/time picture string is missing specifiers required to parse the timestamp"
        }
        _ => "Picture string error",
    }
}

/// Letter case requested by a presentation modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Upper,
    Lower,
    Title,
}

/// Largest number of digits any width or padding may ask for; larger requests are clamped so
/// that a hostile picture cannot allocate without bound.
pub const MAX_WIDTH: usize = 1024;

/// Greatest common divisor used by the "regular grouping" test of both integer and number
/// pictures.
fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The XPath "regular grouping" test: `positions` are the distances of grouping separators from
/// the right end of the digits. Returns the interval when every multiple of the common divisor up
/// to the count of separators is present, else 0.
pub(crate) fn regular_interval(positions: &[usize]) -> usize {
    let Some(first) = positions.first() else {
        return 0;
    };
    let factor = positions.iter().skip(1).fold(*first, |a, b| gcd(a, *b));
    if factor == 0 {
        return 0;
    }
    for index in 1..=positions.len() {
        if !positions.contains(&(index * factor)) {
            return 0;
        }
    }
    factor
}
