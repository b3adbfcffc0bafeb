//! `$formatNumber` (XPath `fn:format-number` pictures) and `$formatBase`.

use super::{MAX_WIDTH, PictureError, js, regular_interval};

/// The decimal format properties of `$formatNumber` (its third, `options`, argument).
///
/// Every property is a string; the single-character ones are only recognised in a picture when
/// they are exactly one character long, as in the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct DecimalFormat {
    /// `decimal-separator` (default `.`).
    pub decimal_separator: String,
    /// `grouping-separator` (default `,`).
    pub grouping_separator: String,
    /// `exponent-separator` (default `e`).
    pub exponent_separator: String,
    /// `minus-sign` (default `-`).
    pub minus_sign: String,
    /// `infinity` (default `Infinity`).
    pub infinity: String,
    /// `NaN` (default `NaN`).
    pub nan: String,
    /// `percent` (default `%`).
    pub percent: String,
    /// `per-mille` (default `‰`).
    pub per_mille: String,
    /// `zero-digit` (default `0`): its first character starts the decimal digit family.
    pub zero_digit: String,
    /// `digit`, the optional digit sign (default `#`).
    pub digit: String,
    /// `pattern-separator` between the positive and negative sub-pictures (default `;`).
    pub pattern_separator: String,
}

impl Default for DecimalFormat {
    fn default() -> Self {
        Self {
            decimal_separator: ".".to_string(),
            grouping_separator: ",".to_string(),
            exponent_separator: "e".to_string(),
            minus_sign: "-".to_string(),
            infinity: "Infinity".to_string(),
            nan: "NaN".to_string(),
            percent: "%".to_string(),
            per_mille: "\u{2030}".to_string(),
            zero_digit: "0".to_string(),
            digit: "#".to_string(),
            pattern_separator: ";".to_string(),
        }
    }
}

impl DecimalFormat {
    /// Sets the property that JSONata's `$formatNumber` options object names `name`
    /// (`"decimal-separator"`, `"per-mille"`, `"NaN"`, ...). Returns `false`, changing nothing,
    /// for a name that is not a decimal format property.
    pub fn set(&mut self, name: &str, value: &str) -> bool {
        let slot = match name {
            "decimal-separator" => &mut self.decimal_separator,
            "grouping-separator" => &mut self.grouping_separator,
            "exponent-separator" => &mut self.exponent_separator,
            "minus-sign" => &mut self.minus_sign,
            "infinity" => &mut self.infinity,
            "NaN" => &mut self.nan,
            "percent" => &mut self.percent,
            "per-mille" => &mut self.per_mille,
            "zero-digit" => &mut self.zero_digit,
            "digit" => &mut self.digit,
            "pattern-separator" => &mut self.pattern_separator,
            _ => return false,
        };
        *slot = value.to_string();
        true
    }
}

/// The properties as char sequences, plus helpers to classify picture characters.
struct Props<'a> {
    options: &'a DecimalFormat,
    zero: u32,
    decimal: Vec<char>,
    grouping: Vec<char>,
    exponent: Vec<char>,
    percent: Vec<char>,
    per_mille: Vec<char>,
    digit: Vec<char>,
    pattern: Vec<char>,
}

/// Whether the one-character property `prop` is `c`.
fn is(c: char, prop: &[char]) -> bool {
    prop.len() == 1 && prop.first() == Some(&c)
}

/// Index of `needle` in `hay` at or after `from` (an empty needle is never found).
fn find(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|i| hay.get(*i..*i + needle.len()) == Some(needle))
}

/// Index of the last `needle` in `hay`.
fn rfind(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|i| hay.get(*i..*i + needle.len()) == Some(needle))
}

fn contains(hay: &[char], needle: &[char]) -> bool {
    find(hay, needle, 0).is_some()
}

impl<'a> Props<'a> {
    fn new(options: &'a DecimalFormat) -> Self {
        let chars = |s: &str| s.chars().collect::<Vec<char>>();
        Self {
            options,
            zero: options.zero_digit.chars().next().map_or(0x30, u32::from),
            decimal: chars(&options.decimal_separator),
            grouping: chars(&options.grouping_separator),
            exponent: chars(&options.exponent_separator),
            percent: chars(&options.percent),
            per_mille: chars(&options.per_mille),
            digit: chars(&options.digit),
            pattern: chars(&options.pattern_separator),
        }
    }

    fn is_family(&self, c: char) -> bool {
        let cp = u32::from(c);
        cp >= self.zero && cp < self.zero + 10
    }

    fn family_digit(&self, d: u32) -> char {
        char::from_u32(self.zero + d).unwrap_or('?')
    }

    fn is_digit_sign(&self, c: char) -> bool {
        is(c, &self.digit)
    }

    fn is_active(&self, c: char) -> bool {
        self.is_family(c)
            || is(c, &self.decimal)
            || is(c, &self.exponent)
            || is(c, &self.grouping)
            || is(c, &self.digit)
            || is(c, &self.pattern)
    }

    fn count_family(&self, part: &[char]) -> usize {
        part.iter().filter(|c| self.is_family(**c)).count()
    }

    fn count_digits(&self, part: &[char]) -> usize {
        part.iter()
            .filter(|c| self.is_family(**c) || self.is_digit_sign(**c))
            .count()
    }
}

/// A sub-picture split into its parts (F&O 4.7.3).
struct Parts {
    sub: Vec<char>,
    prefix: Vec<char>,
    suffix: Vec<char>,
    active: Vec<char>,
    mantissa: Vec<char>,
    exponent: Option<Vec<char>>,
    integer: Vec<char>,
    fractional: Vec<char>,
}

fn split_parts(sub: &[char], p: &Props) -> Parts {
    let is_stop = |c: &char| p.is_active(*c) && !is(*c, &p.exponent);
    let first = sub.iter().position(is_stop);
    let last = sub.iter().rposition(is_stop);
    let (prefix_len, suffix_start) = match (first, last) {
        (Some(f), Some(l)) => (f, l + 1),
        _ => (0, sub.len()),
    };
    let prefix = sub.get(..prefix_len).unwrap_or_default().to_vec();
    let suffix = sub.get(suffix_start..).unwrap_or_default().to_vec();
    let active = sub
        .get(prefix_len..suffix_start)
        .unwrap_or_default()
        .to_vec();
    let (mantissa, exponent) = match find(sub, &p.exponent, prefix_len) {
        Some(pos) if pos <= suffix_start => {
            // Reproduced slip of the reference: it cuts the active part at the separator's
            // index in the whole sub-picture, so a prefix shifts the cut (and usually ends in
            // D3093).
            let mantissa = active.get(..pos.min(active.len())).unwrap_or_default();
            let exponent = active
                .get((pos + 1).min(active.len())..)
                .unwrap_or_default();
            (mantissa.to_vec(), Some(exponent.to_vec()))
        }
        _ => (active.clone(), None),
    };
    let (integer, fractional) = match find(&mantissa, &p.decimal, 0) {
        Some(pos) => (
            mantissa.get(..pos).unwrap_or_default().to_vec(),
            mantissa.get(pos + 1..).unwrap_or_default().to_vec(),
        ),
        // the reference takes the suffix as the fractional part here
        None => (mantissa.clone(), suffix.clone()),
    };
    Parts {
        sub: sub.to_vec(),
        prefix,
        suffix,
        active,
        mantissa,
        exponent,
        integer,
        fractional,
    }
}

/// Validates a sub-picture (F&O 4.7.3). Like the reference, every rule is checked and the last
/// violated one is reported.
fn validate(parts: &Parts, p: &Props) -> Result<(), PictureError> {
    let sub = &parts.sub;
    let mut error: Option<&str> = None;
    let decimal_pos = find(sub, &p.decimal, 0);
    if decimal_pos != rfind(sub, &p.decimal) {
        error = Some("D3081");
    }
    if find(sub, &p.percent, 0) != rfind(sub, &p.percent) {
        error = Some("D3082");
    }
    if find(sub, &p.per_mille, 0) != rfind(sub, &p.per_mille) {
        error = Some("D3083");
    }
    if contains(sub, &p.percent) && contains(sub, &p.per_mille) {
        error = Some("D3084");
    }
    if !parts
        .mantissa
        .iter()
        .any(|c| p.is_family(*c) || p.is_digit_sign(*c))
    {
        error = Some("D3085");
    }
    if parts.active.iter().any(|c| !p.is_active(*c)) {
        error = Some("D3086");
    }
    match decimal_pos {
        Some(pos) => {
            let before = pos.checked_sub(1).and_then(|i| sub.get(i));
            let after = sub.get(pos + 1);
            if before.is_some_and(|c| is(*c, &p.grouping))
                || after.is_some_and(|c| is(*c, &p.grouping))
            {
                error = Some("D3087");
            }
        }
        None => {
            if parts.integer.last().is_some_and(|c| is(*c, &p.grouping)) {
                error = Some("D3088");
            }
        }
    }
    let doubled: Vec<char> = p
        .grouping
        .iter()
        .chain(p.grouping.iter())
        .copied()
        .collect();
    if contains(sub, &doubled) {
        error = Some("D3089");
    }
    if let Some(pos) = parts.integer.iter().position(|c| p.is_digit_sign(*c))
        && parts
            .integer
            .get(..pos)
            .is_some_and(|before| before.iter().any(|c| p.is_family(*c)))
    {
        error = Some("D3090");
    }
    if let Some(pos) = parts.fractional.iter().rposition(|c| p.is_digit_sign(*c))
        && parts
            .fractional
            .get(pos..)
            .is_some_and(|after| after.iter().any(|c| p.is_family(*c)))
    {
        error = Some("D3091");
    }
    if let Some(exponent) = &parts.exponent {
        if !exponent.is_empty() && (contains(sub, &p.percent) || contains(sub, &p.per_mille)) {
            error = Some("D3092");
        }
        if exponent.is_empty() || exponent.iter().any(|c| !p.is_family(*c)) {
            error = Some("D3093");
        }
    }
    match error {
        Some(code) => Err(PictureError::new(code)),
        None => Ok(()),
    }
}

/// The variables of an analysed sub-picture (F&O 4.7.4).
#[derive(Clone)]
struct Analysis {
    integer_grouping: Vec<usize>,
    regular_grouping: usize,
    min_integer: usize,
    scaling: usize,
    fractional_grouping: Vec<usize>,
    min_fractional: usize,
    max_fractional: usize,
    min_exponent: usize,
    exponent_present: bool,
    prefix: String,
    suffix: String,
    picture: Vec<char>,
}

fn analyse(parts: &Parts, p: &Props) -> Analysis {
    let mut integer_grouping = Vec::new();
    let mut from = 0;
    while let Some(pos) = find(&parts.integer, &p.grouping, from) {
        integer_grouping.push(p.count_digits(parts.integer.get(pos..).unwrap_or_default()));
        from = pos + 1;
    }
    // The reference looks for the second and later separators of the fractional part in the
    // integer part (a slip, reproduced: it decides where they land).
    let mut fractional_grouping = Vec::new();
    let mut next = find(&parts.fractional, &p.grouping, 0);
    while let Some(pos) = next {
        let left = parts.fractional.get(..pos.min(parts.fractional.len()));
        fractional_grouping.push(p.count_digits(left.unwrap_or_default()));
        next = find(&parts.integer, &p.grouping, pos + 1);
    }
    let regular_grouping = regular_interval(&integer_grouping);
    let mut min_integer = p.count_family(&parts.integer);
    let scaling = min_integer;
    let mut min_fractional = p.count_family(&parts.fractional);
    let mut max_fractional = p.count_digits(&parts.fractional);
    let exponent_present = parts.exponent.is_some();
    if min_integer == 0 && max_fractional == 0 {
        if exponent_present {
            min_fractional = 1;
            max_fractional = 1;
        } else {
            min_integer = 1;
        }
    }
    if exponent_present && min_integer == 0 && parts.integer.iter().any(|c| p.is_digit_sign(*c)) {
        min_integer = 1;
    }
    if min_integer == 0 && min_fractional == 0 {
        min_fractional = 1;
    }
    let min_exponent = parts.exponent.as_ref().map_or(0, |e| p.count_family(e));
    Analysis {
        integer_grouping,
        regular_grouping,
        min_integer: min_integer.min(MAX_WIDTH),
        scaling,
        fractional_grouping,
        min_fractional: min_fractional.min(MAX_WIDTH),
        max_fractional: max_fractional.min(MAX_WIDTH),
        min_exponent: min_exponent.min(MAX_WIDTH),
        exponent_present,
        prefix: parts.prefix.iter().collect(),
        suffix: parts.suffix.iter().collect(),
        picture: parts.sub.clone(),
    }
}

/// One character of the number being built: digits and separators are kept apart so that
/// multi-character separators cannot confuse the positional arithmetic.
#[derive(Clone, Copy, PartialEq)]
enum Tok {
    Digit(char),
    Decimal,
    Group,
    Other(char),
}

/// `toFixed(dp)` of `|value|`, with its digits mapped into the decimal digit family.
fn make_tokens(value: f64, dp: usize, p: &Props) -> Vec<Tok> {
    let mut seen_point = false;
    js::to_fixed(value.abs(), dp)
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => Tok::Digit(p.family_digit(d)),
            None if c == '.' && !seen_point => {
                seen_point = true;
                Tok::Decimal
            }
            None => Tok::Other(c),
        })
        .collect()
}

/// `[s.slice(0, at), token, s.slice(at)]` with JavaScript's clamping of `at` (negative counts
/// from the end).
fn js_insert(tokens: &mut Vec<Tok>, at: i64, token: Tok) {
    let len = i64::try_from(tokens.len()).unwrap_or(i64::MAX);
    let index = if at < 0 {
        (len + at).max(0)
    } else {
        at.min(len)
    };
    tokens.insert(usize::try_from(index).unwrap_or(0), token);
}

fn render(tokens: &[Tok], p: &Props) -> String {
    let mut out = String::new();
    for t in tokens {
        match t {
            Tok::Digit(c) | Tok::Other(c) => out.push(*c),
            Tok::Decimal => out.push_str(&p.options.decimal_separator),
            Tok::Group => out.push_str(&p.options.grouping_separator),
        }
    }
    out
}

/// Splits `picture` on the pattern separator like JavaScript's `String.prototype.split`.
fn split_sub_pictures(picture: &[char], separator: &[char]) -> Vec<Vec<char>> {
    if separator.is_empty() {
        return picture.iter().map(|c| vec![*c]).collect();
    }
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(pos) = find(picture, separator, start) {
        out.push(picture.get(start..pos).unwrap_or_default().to_vec());
        start = pos + separator.len();
    }
    out.push(picture.get(start..).unwrap_or_default().to_vec());
    out
}

/// `$formatNumber(value, picture, options)`.
///
/// Follows the reference (jsonata 2.2.2) step by step, slips included: half-even rounding
/// through the decimal string, the mantissa scaled into `[10^(n-1), 10^n]` for exponent
/// pictures, grouping separators placed by string slicing, the exponent cut misplaced by a
/// prefix. Where the reference has no answer this does: `NaN` formats as the `NaN` property,
/// infinities as prefix + `infinity` + suffix, and picture sizes are clamped to
/// [`MAX_WIDTH`](super::MAX_WIDTH) digits.
pub fn format_number(
    value: f64,
    picture: &str,
    options: &DecimalFormat,
) -> Result<String, PictureError> {
    let p = Props::new(options);
    let picture: Vec<char> = picture.chars().collect();
    let subs = split_sub_pictures(&picture, &p.pattern);
    if subs.len() > 2 {
        return Err(PictureError::new("D3080"));
    }
    let parts: Vec<Parts> = subs.iter().map(|s| split_parts(s, &p)).collect();
    for part in &parts {
        validate(part, &p)?;
    }
    let mut variables: Vec<Analysis> = parts.iter().map(|part| analyse(part, &p)).collect();
    if variables.len() == 1
        && let Some(first) = variables.first()
    {
        let mut negative = first.clone();
        negative.prefix = format!("{}{}", options.minus_sign, negative.prefix);
        variables.push(negative);
    }
    let (Some(positive), Some(negative)) = (variables.first(), variables.get(1)) else {
        return Err(PictureError::new("D3085"));
    };
    if value.is_nan() {
        return Ok(options.nan.clone());
    }
    let pic = if value >= 0.0 { positive } else { negative };
    if value.is_infinite() {
        return Ok(format!("{}{}{}", pic.prefix, options.infinity, pic.suffix));
    }
    let adjusted = if contains(&pic.picture, &p.percent) {
        value * 100.0
    } else if contains(&pic.picture, &p.per_mille) {
        value * 1000.0
    } else {
        value
    };
    let (mantissa, exponent) = if pic.min_exponent == 0 && !pic.exponent_present {
        (adjusted, None)
    } else {
        let scaling = i32::try_from(pic.scaling).unwrap_or(i32::MAX);
        let max = 10f64.powi(scaling);
        let min = 10f64.powi(scaling.saturating_sub(1));
        let mut mantissa = adjusted.abs();
        let mut exponent: i64 = 0;
        if mantissa != 0.0 && mantissa.is_finite() {
            while mantissa < min {
                mantissa *= 10.0;
                exponent -= 1;
            }
            while mantissa > max {
                mantissa /= 10.0;
                exponent += 1;
            }
        }
        (mantissa, Some(exponent))
    };
    let max_fractional = i64::try_from(pic.max_fractional).unwrap_or(0);
    let rounded = js::round_half_even(mantissa, max_fractional);
    let mut tokens = make_tokens(rounded, pic.max_fractional, &p);
    if !tokens.contains(&Tok::Decimal) {
        tokens.push(Tok::Decimal);
    }
    let zero = Tok::Digit(p.family_digit(0));
    let leading = tokens.iter().take_while(|t| **t == zero).count();
    tokens.drain(..leading);
    while tokens.last() == Some(&zero) {
        tokens.pop();
    }
    let mut decimal_pos = tokens.iter().position(|t| *t == Tok::Decimal).unwrap_or(0);
    let pad_left = pic.min_integer.saturating_sub(decimal_pos);
    let fraction_len = tokens.len() - decimal_pos - 1;
    let pad_right = pic.min_fractional.saturating_sub(fraction_len);
    tokens.splice(0..0, std::iter::repeat_n(zero, pad_left));
    tokens.extend(std::iter::repeat_n(zero, pad_right));
    decimal_pos += pad_left;
    if pic.regular_grouping > 0 {
        let every = pic.regular_grouping;
        let groups = decimal_pos.saturating_sub(1) / every;
        for group in 1..=groups {
            tokens.insert(decimal_pos - group * every, Tok::Group);
        }
    } else {
        for pos in &pic.integer_grouping {
            js_insert(&mut tokens, decimal_pos as i64 - *pos as i64, Tok::Group);
            decimal_pos += 1;
        }
    }
    let decimal_pos = tokens.iter().position(|t| *t == Tok::Decimal).unwrap_or(0);
    for pos in &pic.fractional_grouping {
        js_insert(&mut tokens, (pos + decimal_pos + 1) as i64, Tok::Group);
    }
    if !contains(&pic.picture, &p.decimal) || tokens.last() == Some(&Tok::Decimal) {
        tokens.pop();
    }
    let mut out = pic.prefix.clone();
    out.push_str(&render(&tokens, &p));
    if let Some(exponent) = exponent {
        let mut digits = make_tokens(exponent as f64, 0, &p);
        let pad = pic.min_exponent.saturating_sub(digits.len());
        digits.splice(0..0, std::iter::repeat_n(zero, pad));
        out.push_str(&options.exponent_separator);
        if exponent < 0 {
            out.push_str(&options.minus_sign);
        }
        out.push_str(&render(&digits, &p));
    }
    out.push_str(&pic.suffix);
    Ok(out)
}

/// `$formatBase(value, radix)`: the value rounded half-to-even, written in `radix` (2..=36,
/// default 10) with lower-case digits; error D3100 for any other radix.
pub fn format_base(value: f64, radix: Option<f64>) -> Result<String, PictureError> {
    let value = js::round_half_even(value, 0);
    let radix = radix.map_or(10.0, |r| js::round_half_even(r, 0));
    if radix.is_nan() || !(2.0..=36.0).contains(&radix) {
        return Err(PictureError::with_value(
            "D3100",
            js::number_to_string(radix),
        ));
    }
    Ok(js::to_radix_string(value, radix as u32))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn f(value: f64, picture: &str) -> String {
        format_number(value, picture, &DecimalFormat::default()).unwrap()
    }

    #[test]
    fn exponent_of_zero_and_negative() {
        assert_eq!(f(0.0, "0e0"), "0e0");
        assert_eq!(f(-42.0, "0e0"), "-4e1");
        assert_eq!(f(0.0, "0.00e0"), "0.00e0");
    }

    #[test]
    fn non_finite() {
        assert_eq!(f(f64::NAN, "#0.00"), "NaN");
        assert_eq!(f(f64::NEG_INFINITY, "#0.00"), "-Infinity");
        assert_eq!(f(f64::INFINITY, "0e0"), "Infinity");
    }

    #[test]
    fn grouping_follows_the_reference() {
        // separators land where the reference's string slicing puts them, digits or not
        assert_eq!(f(5.0, "#,#,##0"), ",5,");
        assert_eq!(f(1234.5, "#,#,##0.0"), ",1,234.5");
        assert_eq!(f(1234567.0, "#,##0.0##,#"), "1,234,567.0,");
        assert_eq!(f(1.2345, "0.00,00"), "1.23,45");
    }

    #[test]
    fn multi_char_separators() {
        let options = DecimalFormat {
            decimal_separator: "::".to_string(),
            ..DecimalFormat::default()
        };
        // a multi-character separator is not an active character: the picture has no
        // decimal separator, so the part after it is passive
        assert_eq!(format_number(1.5, "0", &options).unwrap(), "2".to_string());
    }

    #[test]
    fn huge_pictures_are_bounded() {
        let picture = "0".repeat(5000);
        assert!(f(1.0, &picture).len() <= MAX_WIDTH + 8);
        let picture = format!("0.{}", "0".repeat(5000));
        assert!(f(1.0, &picture).len() <= MAX_WIDTH + 8);
        let picture = format!("{}e0", "0".repeat(400));
        let _ = f(1.0, &picture);
    }

    #[test]
    fn base() {
        assert_eq!(format_base(255.0, Some(16.0)).unwrap(), "ff");
        assert_eq!(format_base(2.5, None).unwrap(), "2");
        assert_eq!(format_base(1.0, Some(f64::NAN)).unwrap_err().code, "D3100");
    }
}
