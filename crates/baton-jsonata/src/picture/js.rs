//! The few ECMAScript number primitives the reference implementation leans on, reproduced so
//! that results match it digit for digit: `Number.prototype.toString`, `toFixed`, `parseInt`,
//! `Math.round`, JSONata's half-even `$round`, and radix conversion.

/// `Number.prototype.toString()` (radix 10): shortest round-trip digits, exponential notation
/// outside `1e-7 < |x| < 1e21`.
pub(crate) fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if x < 0.0 {
        return format!("-{}", number_to_string(-x));
    }
    let (digits, n) = shortest_digits(x);
    let k = digits.len() as i64;
    let mut out = String::new();
    if k <= n && n <= 21 {
        out.push_str(&digits);
        for _ in 0..(n - k) {
            out.push('0');
        }
    } else if 0 < n && n <= 21 {
        let split = n as usize;
        out.push_str(digits.get(..split).unwrap_or(""));
        out.push('.');
        out.push_str(digits.get(split..).unwrap_or(""));
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        for _ in 0..(-n) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let e = n - 1;
        out.push_str(digits.get(..1).unwrap_or(""));
        if k > 1 {
            out.push('.');
            out.push_str(digits.get(1..).unwrap_or(""));
        }
        out.push('e');
        out.push(if e >= 0 { '+' } else { '-' });
        out.push_str(&e.abs().to_string());
    }
    out
}

/// Shortest round-trip decimal digits of a positive finite `x` and the position `n` of the
/// decimal point relative to them (`x = 0.d1d2... * 10^n`). Of two equally short candidates
/// equally close to `x`, ECMAScript takes the even one; Rust's formatter may take the other.
fn shortest_digits(x: f64) -> (String, i64) {
    let (digits, exponent) = split_exp(&format!("{x:e}"));
    let k = digits.len();
    // Only an exact tie needs a second look: the exact expansion continues with "5000…".
    let (wide, wide_exponent) = split_exp(&format!("{:.*e}", k + 24, x));
    let tail = wide.get(k..).unwrap_or("");
    if wide_exponent == exponent && tail.starts_with('5') && tail[1..].bytes().all(|b| b == b'0') {
        let (exact, _) = split_exp(&format!("{:.1100e}", x));
        let head = exact.get(..k).unwrap_or("");
        let rest = exact.get(k..).unwrap_or("");
        let tie = rest.starts_with('5') && rest[1..].bytes().all(|b| b == b'0');
        let head_even = head
            .bytes()
            .last()
            .is_some_and(|d| (d - b'0').is_multiple_of(2));
        let even = if head_even {
            (head.to_string(), exponent)
        } else {
            increment(head, exponent)
        };
        if tie && even.0 != digits {
            let candidate = format!("{}e{}", even.0, even.1 - even.0.len() as i64 + 1);
            if candidate.parse::<f64>().ok() == Some(x) {
                let (d, e) = split_exp(&format!("{}e{}", even.0, even.1));
                return (d, e + 1);
            }
        }
    }
    (digits, exponent + 1)
}

/// `digits` (a mantissa `d.ddd` with decimal exponent `exponent`) plus one unit in the last
/// place, carrying into a new leading digit if need be.
fn increment(digits: &str, exponent: i64) -> (String, i64) {
    let mut bytes: Vec<u8> = digits.bytes().collect();
    let mut i = bytes.len();
    loop {
        if i == 0 {
            bytes.insert(0, b'1');
            bytes.pop();
            return (String::from_utf8(bytes).unwrap_or_default(), exponent + 1);
        }
        i -= 1;
        if bytes[i] == b'9' {
            bytes[i] = b'0';
        } else {
            bytes[i] += 1;
            return (String::from_utf8(bytes).unwrap_or_default(), exponent);
        }
    }
}

/// Splits Rust's `d.ddde±x` form into its digits (trailing zeros trimmed, at least one) and
/// exponent.
fn split_exp(s: &str) -> (String, i64) {
    let (mantissa, exponent) = s.split_once('e').unwrap_or((s, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let trimmed = digits.trim_end_matches('0');
    if trimmed.is_empty() {
        ("0".to_string(), exponent)
    } else {
        (trimmed.to_string(), exponent)
    }
}

/// `Math.round`: nearest integer, ties towards positive infinity.
pub(crate) fn math_round(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let floor = x.floor();
    if x - floor >= 0.5 { floor + 1.0 } else { floor }
}

/// Shifts the decimal point of `x` by `places` the way the reference does: through the
/// string form of the number, which avoids binary multiplication error.
fn shift_decimal(x: f64, places: i64) -> f64 {
    let s = number_to_string(x);
    let (mantissa, exponent) = match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i64>().unwrap_or(0)),
        None => (s.clone(), 0),
    };
    format!("{mantissa}e{}", exponent + places)
        .parse::<f64>()
        .unwrap_or(f64::NAN)
}

/// JSONata `$round(x, precision)`: round half to even at `precision` decimal places.
pub(crate) fn round_half_even(x: f64, precision: i64) -> f64 {
    let mut arg = x;
    if precision != 0 {
        // as in the reference, a shift past the double range ends in NaN
        arg = shift_decimal(arg, precision);
    }
    let mut result = math_round(arg);
    let diff = result - arg;
    if diff.abs() == 0.5 && (result % 2.0).abs() == 1.0 {
        result -= 1.0;
    }
    if precision != 0 {
        result = shift_decimal(result, -precision);
    }
    if result == 0.0 {
        // JSON has no negative zero
        result = 0.0;
    }
    result
}

/// `Number.prototype.toFixed(dp)`: exact decimal expansion rounded half-up in magnitude;
/// values of 1e21 and more fall back to `toString()`.
pub(crate) fn to_fixed(x: f64, dp: usize) -> String {
    if !x.is_finite() {
        return number_to_string(x);
    }
    if x < 0.0 {
        return format!("-{}", to_fixed(-x, dp));
    }
    if x >= 1e21 {
        return number_to_string(x);
    }
    // Rounded at 30 more places the first dropped digit is exact unless a carry could have
    // come from further right (everything after it printed as 0); then take the exact value,
    // which 1100 fractional digits always hold.
    let mut exact = format!("{:.*}", dp + 30, x);
    let carry_possible = exact
        .split_once('.')
        .and_then(|(_, frac)| frac.get(dp + 1..))
        .is_none_or(|tail| tail.bytes().all(|b| b == b'0'));
    if carry_possible {
        exact = format!("{:.*}", dp.max(1100), x);
    }
    let (int_part, frac_part) = exact.split_once('.').unwrap_or((exact.as_str(), ""));
    let mut digits: Vec<u8> = int_part.bytes().collect();
    digits.extend(frac_part.bytes().take(dp));
    let round_up = frac_part.as_bytes().get(dp).is_some_and(|d| *d >= b'5');
    if round_up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let int_len = digits.len().saturating_sub(dp);
    let mut out = String::with_capacity(digits.len() + 1);
    for (i, d) in digits.iter().enumerate() {
        if i == int_len {
            out.push('.');
        }
        out.push(char::from(*d));
    }
    out
}

/// `parseInt(s)` without a radix: leading whitespace, optional sign, `0x` hex prefix, then as
/// many digits as there are; `NaN` when there are none.
pub(crate) fn parse_int(s: &str) -> f64 {
    let t = s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (radix, t) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(rest) => (16, rest),
        None => (10, t),
    };
    let mut value = 0.0f64;
    let mut any = false;
    let mut decimal = String::new();
    for c in t.chars() {
        match c.to_digit(radix) {
            Some(d) => {
                any = true;
                if radix == 10 {
                    decimal.push(c);
                } else {
                    value = value * 16.0 + f64::from(d);
                }
            }
            None => break,
        }
    }
    if !any {
        return f64::NAN;
    }
    if radix == 10 {
        value = decimal.parse::<f64>().unwrap_or(f64::NAN);
    }
    if negative { -value } else { value }
}

/// `Number.prototype.toString(radix)` for an integral `x` and `radix` in 2..=36, following V8:
/// digits that a double cannot represent are written as zeros.
pub(crate) fn to_radix_string(x: f64, radix: u32) -> String {
    if radix == 10 || !x.is_finite() {
        return number_to_string(x);
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let negative = x < 0.0;
    let mut integer = x.abs().floor();
    let base = f64::from(radix);
    let mut digits: Vec<char> = Vec::new();
    // 2^53: from here on a double cannot hold every integer
    const TWO_53: f64 = 9_007_199_254_740_992.0;
    while integer / base >= TWO_53 {
        integer /= base;
        digits.push('0');
    }
    loop {
        let remainder = integer % base;
        let d = remainder as u32;
        digits.push(char::from_digit(d, radix).unwrap_or('0'));
        integer = (integer - remainder) / base;
        if integer <= 0.0 {
            break;
        }
    }
    if negative {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_string_matches_ecmascript() {
        assert_eq!(number_to_string(1.0), "1");
        assert_eq!(number_to_string(1e21), "1e+21");
        assert_eq!(number_to_string(1e20), "100000000000000000000");
        assert_eq!(number_to_string(2f64.powi(60)), "1152921504606847000");
        assert_eq!(number_to_string(0.000001), "0.000001");
        assert_eq!(number_to_string(1e-7), "1e-7");
        assert_eq!(number_to_string(-1.5e-9), "-1.5e-9");
        assert_eq!(number_to_string(123.456), "123.456");
        assert_eq!(number_to_string(12.345678000000001), "12.345678000000001");
        // two shortest candidates equally close: ECMAScript takes the even one
        assert_eq!(
            number_to_string(960_042_933_002_114.0 + 0.25),
            "960042933002114.2"
        );
    }

    #[test]
    fn rounding() {
        assert_eq!(round_half_even(2.5, 0), 2.0);
        assert_eq!(round_half_even(3.5, 0), 4.0);
        assert_eq!(round_half_even(-2.5, 0), -2.0);
        assert_eq!(round_half_even(1234.5678, 3), 1234.568);
        assert_eq!(round_half_even(0.125, 2), 0.12);
        assert_eq!(round_half_even(12345.6, 2), 12345.6);
        assert!(round_half_even(f64::INFINITY, 2).is_nan());
        assert!(round_half_even(1.5, 400).is_nan());
        assert!(round_half_even(1e300, 20).is_nan());
    }

    #[test]
    fn fixed() {
        assert_eq!(to_fixed(0.5, 0), "1");
        assert_eq!(to_fixed(1.005, 2), "1.00");
        assert_eq!(to_fixed(12345.6, 2), "12345.60");
        assert_eq!(to_fixed(9.995, 2), "9.99");
        assert_eq!(to_fixed(99.5, 0), "100");
        assert_eq!(to_fixed(0.0, 3), "0.000");
        assert_eq!(to_fixed(1e21, 2), "1e+21");
    }

    #[test]
    fn parse_int_like_js() {
        assert_eq!(parse_int("  -12ab"), -12.0);
        assert_eq!(parse_int("+0530"), 530.0);
        assert_eq!(parse_int("0x1A"), 26.0);
        assert!(parse_int("abc").is_nan());
        assert!(parse_int("").is_nan());
    }

    #[test]
    fn radix() {
        assert_eq!(to_radix_string(100.0, 2), "1100100");
        assert_eq!(to_radix_string(-100.0, 2), "-1100100");
        assert_eq!(to_radix_string(100.0, 36), "2s");
        assert_eq!(to_radix_string(2f64.powi(60), 16), "1000000000000000");
        assert_eq!(to_radix_string(1e30, 10), "1e+30");
    }
}
