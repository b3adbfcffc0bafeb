//! Adapter to the picture-string module (`$formatNumber`, `$formatInteger`,
//! `$parseInteger`, `$formatBase`, date/time pictures): maps JSONata arguments onto
//! the picture API and picture errors onto engine errors.

use crate::error::Error;
use crate::picture::{self, DecimalFormat, PictureError};

/// Decimal-format options for `$formatNumber` (the JSONata options object).
#[derive(Debug, Clone, Default)]
pub(crate) struct NumberOptions {
    pub entries: Vec<(String, String)>,
}

fn convert(e: PictureError) -> Error {
    let mut err = Error::val(&e.code, e.value.clone().unwrap_or_default());
    err.message = e.message;
    err.value = e.value;
    err
}

pub(crate) fn format_integer(value: f64, pic: &str) -> Result<String, Error> {
    picture::format_integer(value, pic).map_err(convert)
}

pub(crate) fn parse_integer(s: &str, pic: &str) -> Result<Option<f64>, Error> {
    picture::parse_integer(s, pic).map_err(convert)
}

pub(crate) fn format_number(
    value: f64,
    pic: &str,
    options: &NumberOptions,
) -> Result<String, Error> {
    let mut f = DecimalFormat::default();
    for (k, v) in &options.entries {
        f.set(k, v);
    }
    picture::format_number(value, pic, &f).map_err(convert)
}

pub(crate) fn format_base(value: f64, radix: Option<f64>) -> Result<String, Error> {
    picture::format_base(value, radix).map_err(convert)
}

pub(crate) fn format_datetime(
    millis: f64,
    pic: Option<&str>,
    timezone: Option<&str>,
) -> Result<String, Error> {
    picture::format_datetime(millis, pic, timezone).map_err(convert)
}

pub(crate) fn parse_datetime(s: &str, pic: Option<&str>, now: f64) -> Result<Option<f64>, Error> {
    picture::parse_datetime_at(s, pic, now).map_err(convert)
}
