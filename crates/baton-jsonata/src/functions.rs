//! Built-in functions.

use std::sync::{Arc, OnceLock};

use crate::env::Env;
use crate::error::{Detail, Error};
use crate::eval::{Ctx, append, lookup, merge_sort, show, utf16_index, utf16_to_byte};
use crate::pictures_adapter as pic;
use crate::signature::Signature;
use crate::value::{Func, Obj, Value, deep_eq, num_to_str, round15};

macro_rules! builtins {
    ($($id:ident => $name:literal, $sig:literal, $arity:literal;)*) => {
        /// Built-in function identifiers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Builtin { $($id,)* }

        const ALL: &[(Builtin, &str, &str, usize)] = &[$((Builtin::$id, $name, $sig, $arity),)*];

        fn by_name(name: &str) -> Option<Builtin> {
            match name {
                $($name => Some(Builtin::$id),)*
                _ => None,
            }
        }
    };
}

builtins! {
    Sum => "sum", "<a<n>:n>", 1;
    Count => "count", "<a:n>", 1;
    Max => "max", "<a<n>:n>", 1;
    Min => "min", "<a<n>:n>", 1;
    Average => "average", "<a<n>:n>", 1;
    String => "string", "<x-b?:s>", 1;
    Substring => "substring", "<s-nn?:s>", 3;
    SubstringBefore => "substringBefore", "<s-s:s>", 2;
    SubstringAfter => "substringAfter", "<s-s:s>", 2;
    Lowercase => "lowercase", "<s-:s>", 1;
    Uppercase => "uppercase", "<s-:s>", 1;
    Length => "length", "<s-:n>", 1;
    Trim => "trim", "<s-:s>", 1;
    Pad => "pad", "<s-ns?:s>", 3;
    Match => "match", "<s-f<s:o>n?:a<o>>", 3;
    Contains => "contains", "<s-(sf):b>", 2;
    Replace => "replace", "<s-(sf)(sf)n?:s>", 4;
    Split => "split", "<s-(sf)n?:a<s>>", 3;
    Join => "join", "<a<s>s?:s>", 2;
    FormatNumber => "formatNumber", "<n-so?:s>", 3;
    FormatBase => "formatBase", "<n-n?:s>", 2;
    FormatInteger => "formatInteger", "<n-s:s>", 2;
    ParseInteger => "parseInteger", "<s-s:n>", 2;
    Number => "number", "<(nsb)-:n>", 1;
    Floor => "floor", "<n-:n>", 1;
    Ceil => "ceil", "<n-:n>", 1;
    Round => "round", "<n-n?:n>", 2;
    Abs => "abs", "<n-:n>", 1;
    Sqrt => "sqrt", "<n-:n>", 1;
    Power => "power", "<n-n:n>", 2;
    Random => "random", "<:n>", 0;
    Boolean => "boolean", "<x-:b>", 1;
    Not => "not", "<x-:b>", 1;
    Map => "map", "<af>", 2;
    Zip => "zip", "<a+>", 0;
    Filter => "filter", "<af>", 2;
    Single => "single", "<af?>", 2;
    Reduce => "reduce", "<afj?:j>", 3;
    Sift => "sift", "<o-f?:o>", 2;
    Keys => "keys", "<x-:a<s>>", 1;
    Lookup => "lookup", "<x-s:x>", 2;
    Append => "append", "<xx:a>", 2;
    Exists => "exists", "<x:b>", 1;
    Spread => "spread", "<x-:a<o>>", 1;
    Merge => "merge", "<a<o>:o>", 1;
    Reverse => "reverse", "<a:a>", 1;
    Each => "each", "<o-f:a>", 2;
    Error => "error", "<s?:x>", 1;
    Assert => "assert", "<bs?:x>", 2;
    Type => "type", "<x:s>", 1;
    Sort => "sort", "<af?:a>", 2;
    Shuffle => "shuffle", "<a:a>", 1;
    Distinct => "distinct", "<x:x>", 1;
    Base64Encode => "base64encode", "<s-:s>", 1;
    Base64Decode => "base64decode", "<s-:s>", 1;
    EncodeUrlComponent => "encodeUrlComponent", "<s-:s>", 1;
    EncodeUrl => "encodeUrl", "<s-:s>", 1;
    DecodeUrlComponent => "decodeUrlComponent", "<s-:s>", 1;
    DecodeUrl => "decodeUrl", "<s-:s>", 1;
    Eval => "eval", "<sx?:x>", 2;
    ToMillis => "toMillis", "<s-s?:n>", 2;
    FromMillis => "fromMillis", "<n-s?s?:s>", 3;
    Clone => "clone", "<(oa)-:o>", 1;
    Now => "now", "<s?s?:s>", 2;
    Millis => "millis", "<:n>", 0;
}

fn signatures() -> &'static Vec<Signature> {
    static SIGS: OnceLock<Vec<Signature>> = OnceLock::new();
    SIGS.get_or_init(|| {
        ALL.iter()
            .map(|(_, _, s, _)| Signature::parse(s).unwrap_or_else(|_| Signature::any()))
            .collect()
    })
}

impl Builtin {
    pub(crate) fn by_name(name: &str) -> Option<Builtin> {
        by_name(name)
    }
    fn index(self) -> usize {
        // ALL lists the variants in declaration order
        self as usize
    }
    pub(crate) fn name(self) -> &'static str {
        ALL[self.index()].1
    }
    pub(crate) fn arity(self) -> usize {
        ALL[self.index()].3
    }
    pub(crate) fn signature(self) -> &'static Signature {
        &signatures()[self.index()]
    }
}

/// Effective boolean value (`$boolean`).
pub(crate) fn boolean(v: &Value<'_>) -> Result<bool, Error> {
    crate::value::guard(|| {
        Ok(match v {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Str(_) | Value::String(_) => !v.as_str().unwrap_or("").is_empty(),
            Value::Number(_) => v.is_numeric()? && v.as_num() != Some(0.0),
            Value::Array(_) | Value::JArray(_) => {
                let items = v.items();
                if items.len() == 1 {
                    boolean(&items[0])?
                } else {
                    let mut any = false;
                    for i in &items {
                        if boolean(i)? {
                            any = true;
                            break;
                        }
                    }
                    any
                }
            }
            Value::Tuples(t) => !t.is_empty(),
            Value::Object(_) | Value::JObject(_) => v.obj_len() > 0,
            Value::Func(_) => false,
        })
    })
}

fn js_truthy(v: &Value<'_>) -> bool {
    match v {
        Value::Undefined | Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::Str(_) | Value::String(_) => !v.as_str().unwrap_or("").is_empty(),
        _ => true,
    }
}

/// Bytes that `JSON.stringify` escapes: `"`, `\\` and control characters.
const fn escapes() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
}
static ESCAPES: [bool; 256] = escapes();

/// Whether any of the 8 bytes of `x` is a control character, `"` or `\\`.
fn word_needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q & HIGH;
    let bs = x ^ (ONES * u64::from(b'\\'));
    let backslash = bs.wrapping_sub(ONES) & !bs & HIGH;
    (below_space | quote | backslash) != 0
}

/// Appends `s` as a JSON string literal (the escaping of `JSON.stringify`).
fn json_str(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        // skip 8 bytes at a time while none needs escaping
        if let Some(chunk) = bytes.get(i..i + 8)
            && let Ok(word) = <[u8; 8]>::try_from(chunk)
            && !word_needs_escape(u64::from_le_bytes(word))
        {
            i += 8;
            continue;
        }
        let b = bytes[i];
        if ESCAPES[usize::from(b)] {
            out.push_str(&s[run..i]);
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\r' => out.push_str("\\r"),
                b'\t' => out.push_str("\\t"),
                0x08 => out.push_str("\\b"),
                0x0c => out.push_str("\\f"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.push_str("\\u00");
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0xf)]));
                }
            }
            run = i + 1;
        }
        i += 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// Appends a finite number as `JSON.stringify` writes it after JSONata's rounding to 15
/// significant digits.
fn json_num(n: f64, out: &mut String) {
    if crate::value::push_integer(n, out) {
        return;
    }
    let mut buf = ryu_js::Buffer::new();
    let text = buf.format_finite(n);
    if n.fract() == 0.0 || significant_digits(text) <= 15 {
        // the shortest representation already has at most 15 significant digits, so
        // rounding to 15 digits gives the same number back
        out.push_str(text);
    } else {
        out.push_str(buf.format_finite(round15(n)));
    }
}

/// Significant digits of a number written by `ryu_js` (`-0.00123`, `1.5e-7`, `123.25`).
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    let digits = mantissa.bytes().filter(u8::is_ascii_digit);
    digits.skip_while(|d| *d == b'0').count()
}

fn stringify_into(
    v: &Value<'_>,
    pretty: bool,
    indent: usize,
    out: &mut String,
) -> Result<(), Error> {
    match v {
        Value::Undefined | Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if v.is_numeric()? {
                json_num(*n, out);
            } else {
                out.push_str("null");
            }
        }
        Value::Str(_) | Value::String(_) => json_str(v.as_str().unwrap_or(""), out),
        Value::Func(_) => out.push_str("\"\""),
        _ => return crate::value::guard(|| stringify_container(v, pretty, indent, out)),
    }
    Ok(())
}

/// `stringify_into` for arrays and objects.
fn stringify_container(
    v: &Value<'_>,
    pretty: bool,
    indent: usize,
    out: &mut String,
) -> Result<(), Error> {
    let nl = |out: &mut String, lvl: usize| {
        if pretty {
            out.push('\n');
            for _ in 0..lvl {
                out.push_str("  ");
            }
        }
    };
    match v {
        Value::Array(_) | Value::JArray(_) | Value::Tuples(_) => {
            let mut first = true;
            let mut item = |item: &Value<'_>, out: &mut String| -> Result<(), Error> {
                out.push(if first { '[' } else { ',' });
                first = false;
                nl(out, indent + 1);
                stringify_into(item, pretty, indent + 1, out)
            };
            match v {
                Value::Tuples(t) => {
                    for t in t.iter() {
                        item(&t.at, out)?;
                    }
                }
                Value::Array(a) => {
                    for i in &a.items {
                        item(i, out)?;
                    }
                }
                _ => {
                    for i in v.items() {
                        item(&i, out)?;
                    }
                }
            }
            if first {
                out.push_str("[]");
            } else {
                nl(out, indent);
                out.push(']');
            }
        }
        Value::Object(_) | Value::JObject(_) => {
            let mut first = true;
            v.try_for_each_entry(|k, item| {
                if item.is_undef() {
                    return Ok(());
                }
                out.push(if first { '{' } else { ',' });
                first = false;
                nl(out, indent + 1);
                json_str(k, out);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                stringify_into(&item, pretty, indent + 1, out)
            })?;
            if first {
                out.push_str("{}");
            } else {
                nl(out, indent);
                out.push('}');
            }
        }
        _ => stringify_into(v, pretty, indent, out)?,
    }
    Ok(())
}

/// Appends `$string(v)` to `out`, as `&` converts its operands (nothing for undefined).
pub(crate) fn stringify_append(v: &Value<'_>, out: &mut String) -> Result<(), Error> {
    match v {
        Value::Undefined => Ok(()),
        _ => stringify_to(v, false, out),
    }
}

/// `$string()` conversion, appended to `out`.
fn stringify_to(v: &Value<'_>, pretty: bool, out: &mut String) -> Result<(), Error> {
    match v {
        Value::Str(_) | Value::String(_) => {
            out.push_str(v.as_str().unwrap_or(""));
            Ok(())
        }
        Value::Func(_) => Ok(()),
        Value::Number(n) if !n.is_finite() => Err(Error::val("D3001", num_to_str(*n))),
        Value::Array(a) if a.outer && !a.items.is_empty() => stringify_to(&a.items[0], pretty, out),
        _ => stringify_into(v, pretty, 0, out),
    }
}

/// `$string()` conversion.
pub(crate) fn stringify(v: &Value<'_>, pretty: bool) -> Result<String, Error> {
    match v {
        Value::Str(_) | Value::String(_) => Ok(v.as_str().unwrap_or("").to_string()),
        _ => {
            let mut s = String::with_capacity(64);
            stringify_to(v, pretty, &mut s)?;
            Ok(s)
        }
    }
}

/// Longest padding `$pad` may create (characters).
const MAX_STRING_CHARS: f64 = (crate::eval::MAX_STRING_BYTES / 4) as f64;

fn chars_of(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// JS-style ToIntegerOrInfinity clamp to an index range.
fn js_index(x: f64, len: usize) -> usize {
    if x.is_nan() {
        return 0;
    }
    let t = x.trunc();
    if t < 0.0 {
        let r = len as f64 + t;
        if r < 0.0 { 0 } else { r as usize }
    } else if t > len as f64 {
        len
    } else {
        t as usize
    }
}

fn substring(s: &str, start: f64, length: Option<f64>) -> String {
    let chars = chars_of(s);
    let len = chars.len();
    let mut start = start;
    if (len as f64) + start < 0.0 {
        start = 0.0;
    }
    match length {
        Some(l) => {
            if l <= 0.0 {
                return String::new();
            }
            let end = if start >= 0.0 {
                start + l
            } else {
                len as f64 + start + l
            };
            let (a, b) = (js_index(start, len), js_index(end, len));
            if a >= b {
                String::new()
            } else {
                chars[a..b].iter().collect()
            }
        }
        None => chars[js_index(start, len)..].iter().collect(),
    }
}

/// The reference's decimal shift in `round`: `+(mantissa + "e" + (exponent + p))`, with `v`
/// written as JavaScript writes numbers. The text is built on the stack.
fn shift_decimal(v: f64, p: f64) -> f64 {
    fn js_num(n: f64, buf: &mut ryu_js::Buffer) -> &str {
        if n.is_nan() {
            "NaN"
        } else if n == f64::INFINITY {
            "Infinity"
        } else if n == f64::NEG_INFINITY {
            "-Infinity"
        } else {
            buf.format_finite(n)
        }
    }
    let mut vb = ryu_js::Buffer::new();
    let s = js_num(v, &mut vb);
    let (m, e) = match s.split_once('e') {
        Some((m, e)) => (m, e.parse::<f64>().unwrap_or(0.0)),
        None => (s, 0.0),
    };
    let mut eb = ryu_js::Buffer::new();
    let es = js_num(e + p, &mut eb);
    let mut text = [0u8; 96];
    let len = m.len() + 1 + es.len();
    let Some(dst) = text.get_mut(..len) else {
        return format!("{m}e{es}").parse::<f64>().unwrap_or(f64::NAN);
    };
    dst[..m.len()].copy_from_slice(m.as_bytes());
    dst[m.len()] = b'e';
    dst[m.len() + 1..].copy_from_slice(es.as_bytes());
    std::str::from_utf8(dst)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

fn round_half_even(x: f64, precision: f64) -> f64 {
    let shift = shift_decimal;
    let p = precision.trunc();
    let arg = if p != 0.0 { shift(x, p) } else { x };
    let mut result = (arg + 0.5).floor();
    let diff = result - arg;
    if diff.abs() == 0.5 && (result % 2.0).abs() == 1.0 {
        result -= 1.0;
    }
    if p != 0.0 {
        result = shift(result, -p);
    }
    if result == 0.0 { 0.0 } else { result }
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match B64.iter().position(|x| *x == c) {
            Some(v) => v as u32,
            None if c == b'-' => 62,
            None if c == b'_' => 63,
            None => continue,
        };
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xFF) as u8);
        }
    }
    out
}

fn encode_uri(s: &str, keep: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c) || keep.contains(c) {
            out.push(c);
        } else {
            let mut b = [0u8; 4];
            for byte in c.encode_utf8(&mut b).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

fn decode_uri(s: &str, reserved: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            let b = u8::from_str_radix(hex, 16).ok()?;
            if b < 0x80 && reserved.contains(b as char) {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(b);
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn number_from_str(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s0 = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s0
    };
    if !digits(&mut i) {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn radix_number(s: &str) -> Option<f64> {
    let (radix, rest) = match s.get(..2) {
        Some("0x") | Some("0X") => (16, &s[2..]),
        Some("0o") | Some("0O") => (8, &s[2..]),
        Some("0b") | Some("0B") => (2, &s[2..]),
        _ => return None,
    };
    if rest.is_empty() {
        return None;
    }
    let mut n = 0f64;
    for c in rest.chars() {
        n = n * f64::from(radix) + f64::from(c.to_digit(radix)?);
    }
    Some(n)
}

/// A match found by a matcher (regex or custom function).
struct Found<'a> {
    start: usize,
    end: usize,
    text: String,
    groups: Vec<Value<'a>>,
    raw: Value<'a>,
}

fn str_arg<'a>(args: &[Value<'a>], i: usize) -> Option<String> {
    args.get(i).and_then(|v| v.as_str().map(str::to_string))
}

fn num_arg(args: &[Value<'_>], i: usize) -> Option<f64> {
    args.get(i).and_then(Value::as_num)
}

fn arg<'a>(args: &[Value<'a>], i: usize) -> Value<'a> {
    args.get(i).cloned().unwrap_or_default()
}

impl<'a> Ctx<'a> {
    fn hof_args(
        &self,
        f: &Value<'a>,
        v: Value<'a>,
        i: Value<'a>,
        whole: &Value<'a>,
    ) -> Vec<Value<'a>> {
        let n = self.arity(f);
        let mut args = vec![v];
        if n >= 2 {
            args.push(i);
        }
        if n >= 3 {
            args.push(whole.clone());
        }
        args
    }

    fn call_fn(
        &self,
        f: &Value<'a>,
        args: Vec<Value<'a>>,
        env: &Env<'a>,
    ) -> Result<Value<'a>, Error> {
        // like the reference, functions called back by built-ins see a null context
        self.apply(f, args, &Value::Null, env)
    }

    /// Finds matches of a regex or custom matcher.
    fn find_matches(
        &self,
        matcher: &Value<'a>,
        s: &str,
        limit: Option<usize>,
        env: &Env<'a>,
        fname: &str,
    ) -> Result<Vec<Found<'a>>, Error> {
        let mut out = Vec::new();
        if limit == Some(0) {
            return Ok(out);
        }
        if let Value::Func(f) = matcher
            && let Func::Regex(re) = &**f
        {
            let mut from = 0usize;
            let mut first = true;
            loop {
                if !first && from >= s.len() {
                    break;
                }
                let Some(m) = re.regex.find_from(s, from).next() else {
                    break;
                };
                let r = m.range();
                if !first && r.is_empty() {
                    return Err(Error::val("D1004", re.source.clone()));
                }
                first = false;
                let groups = m
                    .groups()
                    .skip(1)
                    .map(|g| g.map_or(Value::Undefined, |g| Value::string(&s[g])))
                    .collect::<Vec<_>>();
                out.push(Found {
                    start: r.start,
                    end: r.end,
                    text: s[r.clone()].to_string(),
                    groups,
                    raw: Value::Undefined,
                });
                from = r.end;
                if limit.is_some_and(|l| out.len() >= l) {
                    break;
                }
            }
            return Ok(out);
        }
        let check = |v: &Value<'a>| -> Result<(), Error> {
            if v.is_undef() {
                return Ok(());
            }
            let ok = matches!(v.get("start"), Value::Number(_))
                || matches!(v.get("end"), Value::Number(_))
                || v.get("groups").is_array()
                || v.get("next").is_func();
            if ok {
                Ok(())
            } else {
                Err(Error::tok("T1010", fname))
            }
        };
        let mut cur = self.call_fn(matcher, vec![Value::string(s)], env)?;
        check(&cur)?;
        while !cur.is_undef() {
            if limit.is_some_and(|l| out.len() >= l) {
                break;
            }
            let start = utf16_to_byte(s, cur.get("start").as_num().unwrap_or(0.0) as usize);
            let end = utf16_to_byte(s, cur.get("end").as_num().unwrap_or(0.0) as usize).max(start);
            out.push(Found {
                start,
                end,
                text: cur.get("match").as_str().unwrap_or("").to_string(),
                groups: cur.get("groups").to_list(),
                raw: cur.clone(),
            });
            let next = cur.get("next");
            if !next.is_func() {
                break;
            }
            cur = self.call_fn(&next, vec![], env)?;
            check(&cur)?;
        }
        Ok(out)
    }

    fn numbers(v: &Value<'a>) -> Vec<f64> {
        v.to_list().iter().filter_map(Value::as_num).collect()
    }

    pub(crate) fn call_builtin(
        &self,
        b: Builtin,
        args: Vec<Value<'a>>,
        input: &Value<'a>,
        env: &Env<'a>,
    ) -> Result<Value<'a>, Error> {
        use Builtin as B;
        let a0 = arg(&args, 0);
        let undefined_first = a0.is_undef();
        let str_result = |s: String| Ok(Value::string(s));
        let num = |n: f64| Ok(Value::Number(n));
        match b {
            B::Sum => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                num(Self::numbers(&a0).iter().sum())
            }
            B::Count => num(if undefined_first {
                0.0
            } else {
                a0.len() as f64
            }),
            B::Max | B::Min => {
                let ns = Self::numbers(&a0);
                if ns.is_empty() {
                    return Ok(Value::Undefined);
                }
                let init = if b == B::Max {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                };
                num(ns
                    .iter()
                    .fold(init, |m, x| if b == B::Max { m.max(*x) } else { m.min(*x) }))
            }
            B::Average => {
                let ns = Self::numbers(&a0);
                if ns.is_empty() {
                    return Ok(Value::Undefined);
                }
                num(ns.iter().sum::<f64>() / ns.len() as f64)
            }
            B::String => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                let pretty = matches!(arg(&args, 1), Value::Bool(true));
                str_result(stringify(&a0, pretty)?)
            }
            B::Substring => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                str_result(substring(
                    s,
                    num_arg(&args, 1).unwrap_or(0.0),
                    num_arg(&args, 2),
                ))
            }
            B::SubstringBefore | B::SubstringAfter => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                // an undefined separator is searched for as the text "undefined", like the reference
                let chars = str_arg(&args, 1).unwrap_or_else(|| "undefined".into());
                let r = match s.find(&chars) {
                    Some(p) if b == B::SubstringBefore => &s[..p],
                    Some(p) => &s[p + chars.len()..],
                    None => s,
                };
                str_result(r.to_string())
            }
            B::Lowercase | B::Uppercase => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                str_result(if b == B::Lowercase {
                    s.to_lowercase()
                } else {
                    s.to_uppercase()
                })
            }
            B::Length => match a0.as_str() {
                Some(s) => num(s.chars().count() as f64),
                None => Ok(Value::Undefined),
            },
            B::Trim => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                let mut out = String::new();
                let mut in_ws = false;
                for c in s.chars() {
                    if matches!(c, ' ' | '\t' | '\n' | '\r') {
                        if !in_ws {
                            out.push(' ');
                        }
                        in_ws = true;
                    } else {
                        out.push(c);
                        in_ws = false;
                    }
                }
                let out = out.strip_prefix(' ').unwrap_or(&out);
                let out = out.strip_suffix(' ').unwrap_or(out);
                str_result(out.to_string())
            }
            B::Pad => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                let width = num_arg(&args, 1).unwrap_or(0.0);
                let mut ch = str_arg(&args, 2).unwrap_or_default();
                if ch.is_empty() {
                    ch = " ".into();
                }
                let len = s.chars().count() as f64;
                let pad_len = width.abs().trunc() - len;
                if pad_len <= 0.0 {
                    return str_result(s.to_string());
                }
                if pad_len > MAX_STRING_CHARS {
                    let mut e = Error::new("U1001");
                    e.message = "$pad() would create a string that is too long".into();
                    return Err(e);
                }
                let pad_len = pad_len as usize;
                let padding: String = ch.chars().cycle().take(pad_len).collect();
                str_result(if width > 0.0 {
                    format!("{s}{padding}")
                } else {
                    format!("{padding}{s}")
                })
            }
            B::Contains => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                let tok = arg(&args, 1);
                if tok.is_undef() {
                    return Ok(Value::Undefined);
                }
                if let Some(t) = tok.as_str() {
                    return Ok(Value::Bool(s.contains(t)));
                }
                let m = self.find_matches(&tok, s, Some(1), env, "contains")?;
                Ok(Value::Bool(!m.is_empty()))
            }
            B::Match => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                let limit = num_arg(&args, 2);
                if limit.is_some_and(|l| l < 0.0) {
                    return Err(Error::val("D3040", show(&arg(&args, 2))));
                }
                let found = self.find_matches(
                    &arg(&args, 1),
                    s,
                    limit.map(|l| l.ceil() as usize),
                    env,
                    "match",
                )?;
                // UTF-16 indexes, counted incrementally (matches come in order)
                let (mut byte, mut units) = (0usize, 0usize);
                let items = found
                    .into_iter()
                    .map(|f| {
                        if f.start >= byte {
                            units += utf16_index(&s[byte..], f.start - byte);
                        } else {
                            units = utf16_index(s, f.start);
                        }
                        byte = f.start;
                        let mut o = Obj::new();
                        o.insert("match".into(), Value::string(f.text));
                        o.insert("index".into(), Value::Number(units as f64));
                        o.insert("groups".into(), Value::array(f.groups));
                        Value::object(o)
                    })
                    .collect();
                Ok(Value::seq(items))
            }
            B::Replace => self.replace(&args, env),
            B::Split => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                let limit = num_arg(&args, 2);
                if limit.is_some_and(|l| l < 0.0) {
                    return Err(Error::val("D3020", show(&arg(&args, 2))));
                }
                let limit = limit.map(|l| l as usize);
                let sep = arg(&args, 1);
                let mut parts: Vec<String> = Vec::new();
                if let Some(sep) = sep.as_str() {
                    if sep.is_empty() {
                        parts = s.chars().map(String::from).collect();
                    } else {
                        parts = s.split(sep).map(str::to_string).collect();
                    }
                    if let Some(l) = limit {
                        parts.truncate(l);
                    }
                } else if limit != Some(0) {
                    let found = self.find_matches(&sep, s, limit, env, "split")?;
                    let mut start = 0;
                    for f in &found {
                        parts.push(s.get(start..f.start).unwrap_or("").to_string());
                        start = f.end;
                    }
                    if limit.is_none_or(|l| found.len() < l) {
                        parts.push(s.get(start..).unwrap_or("").to_string());
                    }
                }
                Ok(Value::array(parts.into_iter().map(Value::string).collect()))
            }
            B::Join => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                let sep = args.get(1).and_then(Value::as_str).unwrap_or("");
                let mut out = String::new();
                let mut first = true;
                let mut part = |v: &Value<'_>| {
                    if !first {
                        out.push_str(sep);
                    }
                    first = false;
                    out.push_str(v.as_str().unwrap_or(""));
                };
                match &a0 {
                    Value::Array(a) => a.items.iter().for_each(&mut part),
                    Value::JArray(a) => a.iter().for_each(|j| part(&Value::from_json(j))),
                    v => part(v),
                }
                str_result(out)
            }
            B::FormatNumber => {
                let Some(n) = a0.as_num() else {
                    return Ok(Value::Undefined);
                };
                let picture = str_arg(&args, 1).unwrap_or_default();
                let opts = pic::NumberOptions {
                    entries: arg(&args, 2)
                        .entries()
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.as_str().unwrap_or("").to_string()))
                        .collect(),
                };
                str_result(pic::format_number(n, &picture, &opts)?)
            }
            B::FormatBase => {
                let Some(n) = a0.as_num() else {
                    return Ok(Value::Undefined);
                };
                str_result(pic::format_base(n, num_arg(&args, 1))?)
            }
            B::FormatInteger => {
                let Some(n) = a0.as_num() else {
                    return Ok(Value::Undefined);
                };
                str_result(pic::format_integer(
                    n,
                    &str_arg(&args, 1).unwrap_or_default(),
                )?)
            }
            B::ParseInteger => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                Ok(
                    match pic::parse_integer(s, &str_arg(&args, 1).unwrap_or_default())? {
                        Some(n) => Value::Number(n),
                        None => Value::Undefined,
                    },
                )
            }
            B::Number => match &a0 {
                Value::Undefined => Ok(Value::Undefined),
                Value::Number(_) => Ok(a0.clone()),
                Value::Bool(b) => num(if *b { 1.0 } else { 0.0 }),
                v if v.is_string() => {
                    let s = v.as_str().unwrap_or("");
                    match number_from_str(s).or_else(|| radix_number(s)) {
                        Some(n) => num(n),
                        None => Err(Error::val("D3030", show(v))),
                    }
                }
                v => Err(Error::val("D3030", show(v))),
            },
            B::Floor | B::Ceil | B::Abs | B::Sqrt => {
                let Some(n) = a0.as_num() else {
                    return Ok(Value::Undefined);
                };
                match b {
                    B::Floor => num(n.floor()),
                    B::Ceil => num(n.ceil()),
                    B::Abs => num(n.abs()),
                    _ => {
                        if n < 0.0 {
                            return Err(Error::val("D3060", num_to_str(n)));
                        }
                        num(n.sqrt())
                    }
                }
            }
            B::Round => {
                let Some(n) = a0.as_num() else {
                    return Ok(Value::Undefined);
                };
                num(round_half_even(n, num_arg(&args, 1).unwrap_or(0.0)))
            }
            B::Power => {
                let Some(n) = a0.as_num() else {
                    return Ok(Value::Undefined);
                };
                let e = num_arg(&args, 1).unwrap_or(f64::NAN);
                let r = n.powf(e);
                if !r.is_finite() {
                    return Err(Error::with(
                        "D3061",
                        Detail {
                            value: Some(num_to_str(n)),
                            value2: Some(num_to_str(e)),
                            ..Detail::default()
                        },
                    ));
                }
                num(r)
            }
            B::Random => num(self.random()),
            B::Boolean => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                Ok(Value::Bool(boolean(&a0)?))
            }
            B::Not => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                Ok(Value::Bool(!boolean(&a0)?))
            }
            B::Map | B::Filter => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                let f = arg(&args, 1);
                let items = a0.items();
                let mut out = Vec::new();
                for (i, v) in items.iter().enumerate() {
                    let fa = self.hof_args(&f, v.clone(), Value::Number(i as f64), &a0);
                    let r = self.call_fn(&f, fa, env)?;
                    if b == B::Map {
                        if !r.is_undef() {
                            out.push(r);
                        }
                    } else if boolean(&r)? {
                        out.push(v.clone());
                    }
                }
                Ok(Value::seq(out))
            }
            B::Single => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                let f = arg(&args, 1);
                let mut found: Option<Value<'a>> = None;
                for (i, v) in a0.items().iter().enumerate() {
                    let ok = if f.is_undef() {
                        true
                    } else {
                        let fa = self.hof_args(&f, v.clone(), Value::Number(i as f64), &a0);
                        boolean(&self.call_fn(&f, fa, env)?)?
                    };
                    if ok {
                        if found.is_some() {
                            return Err(Error::new("D3138"));
                        }
                        found = Some(v.clone());
                    }
                }
                found.ok_or_else(|| Error::new("D3139"))
            }
            B::Reduce => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                let f = arg(&args, 1);
                let arity = self.arity(&f);
                if arity < 2 {
                    return Err(Error::new("D3050"));
                }
                let items = a0.items();
                let init = arg(&args, 2);
                let (mut acc, start) = if init.is_undef() && !items.is_empty() {
                    (items[0].clone(), 1)
                } else {
                    (init, 0)
                };
                for (i, item) in items.iter().enumerate().skip(start) {
                    let mut fa = vec![acc, item.clone()];
                    if arity >= 3 {
                        fa.push(Value::Number(i as f64));
                    }
                    if arity >= 4 {
                        fa.push(a0.clone());
                    }
                    acc = self.call_fn(&f, fa, env)?;
                }
                Ok(acc)
            }
            B::Sift | B::Each => {
                let f = arg(&args, 1);
                let mut obj = Obj::new();
                let mut out = Vec::new();
                for (k, v) in a0.entries() {
                    let fa = self.hof_args(&f, v.clone(), Value::String(k.clone()), &a0);
                    let r = self.call_fn(&f, fa, env)?;
                    if b == B::Each {
                        if !r.is_undef() {
                            out.push(r);
                        }
                    } else if boolean(&r)? {
                        obj.insert(k, v);
                    }
                }
                if b == B::Each {
                    return Ok(Value::seq(out));
                }
                Ok(if obj.is_empty() {
                    Value::Undefined
                } else {
                    Value::object(obj)
                })
            }
            B::Keys => {
                let mut keys: indexmap::IndexSet<Arc<str>> = indexmap::IndexSet::new();
                collect_keys(&a0, &mut keys);
                let mut keys: Vec<(Arc<str>, ())> = keys.into_iter().map(|k| (k, ())).collect();
                crate::value::js_property_order(&mut keys);
                Ok(Value::seq(
                    keys.into_iter().map(|(k, _)| Value::String(k)).collect(),
                ))
            }
            B::Lookup => Ok(lookup(&a0, &str_arg(&args, 1).unwrap_or_default())),
            B::Append => Ok(append(a0, arg(&args, 1))),
            B::Exists => Ok(Value::Bool(!undefined_first)),
            B::Spread => Ok(spread(&a0)),
            B::Merge => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                // entries are inserted in storage order: viewed in JavaScript's property
                // order (array indexes first), the result is the same as the reference's
                let list = a0.to_list();
                let size = list.iter().map(Value::obj_len).sum();
                let mut o = Obj::with_capacity_and_hasher(size, Default::default());
                for item in &list {
                    match item {
                        Value::Object(src) => {
                            for (k, v) in src.iter() {
                                o.insert(k.clone(), v.clone());
                            }
                        }
                        Value::JObject(src) => {
                            for (k, v) in src.iter() {
                                o.insert(k.clone(), Value::from_json(v));
                            }
                        }
                        _ => {
                            for (k, v) in item.entries() {
                                o.insert(k, v);
                            }
                        }
                    }
                }
                Ok(Value::object(o))
            }
            B::Reverse => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                if a0.len() <= 1 {
                    return Ok(a0);
                }
                let mut items = a0.items();
                items.reverse();
                Ok(Value::array(items))
            }
            B::Error => {
                let msg = str_arg(&args, 0);
                Err(Error::with(
                    "D3137",
                    Detail {
                        message: msg,
                        ..Detail::default()
                    },
                ))
            }
            B::Assert => {
                if !matches!(a0, Value::Bool(true)) {
                    return Err(Error::with(
                        "D3141",
                        Detail {
                            message: str_arg(&args, 1),
                            ..Detail::default()
                        },
                    ));
                }
                Ok(Value::Undefined)
            }
            B::Type => Ok(match &a0 {
                Value::Undefined => Value::Undefined,
                Value::Null => Value::string("null"),
                Value::Number(_) => Value::string("number"),
                Value::Str(_) | Value::String(_) => Value::string("string"),
                Value::Bool(_) => Value::string("boolean"),
                Value::Array(_) | Value::JArray(_) | Value::Tuples(_) => Value::string("array"),
                Value::Func(_) => Value::string("function"),
                _ => Value::string("object"),
            }),
            B::Sort => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                if a0.len() <= 1 {
                    return Ok(a0);
                }
                let items = a0.items();
                let f = arg(&args, 1);
                let sorted = if f.is_undef() {
                    let all_num = items
                        .iter()
                        .all(|v| matches!(v, Value::Number(n) if !n.is_nan()));
                    let all_str = items.iter().all(Value::is_string);
                    if !all_num && !all_str {
                        return Err(Error::new("D3070"));
                    }
                    merge_sort(items, &mut |a, b| {
                        Ok(match (a, b) {
                            (Value::Number(x), Value::Number(y)) => x > y,
                            _ => {
                                a.as_str()
                                    .unwrap_or("")
                                    .encode_utf16()
                                    .cmp(b.as_str().unwrap_or("").encode_utf16())
                                    == std::cmp::Ordering::Greater
                            }
                        })
                    })?
                } else {
                    merge_sort(items, &mut |a, b| {
                        let r = self.call_fn(&f, vec![a.clone(), b.clone()], env)?;
                        Ok(js_truthy(&r))
                    })?
                };
                Ok(Value::array(sorted))
            }
            B::Shuffle => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                let mut items = a0.items();
                for i in (1..items.len()).rev() {
                    let j = ((self.random() * (i + 1) as f64).floor() as usize).min(i);
                    items.swap(i, j);
                }
                Ok(Value::array(items))
            }
            B::Distinct => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                if !a0.is_array() || a0.len() <= 1 {
                    return Ok(a0);
                }
                let mut out: Vec<Value<'a>> = Vec::new();
                for v in a0.items() {
                    if !out.iter().any(|x| deep_eq(x, &v)) {
                        out.push(v);
                    }
                }
                Ok(if a0.is_seq() {
                    Value::seq(out)
                } else {
                    Value::array(out)
                })
            }
            B::Base64Encode => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                // like the reference (Node's 'binary' encoding): one byte per UTF-16 code unit
                let bytes: Vec<u8> = s.encode_utf16().map(|u| (u & 0xFF) as u8).collect();
                str_result(base64_encode(&bytes))
            }
            B::Base64Decode => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                // like the reference (Node's 'binary' decoding): one character per byte
                str_result(base64_decode(s).iter().map(|b| char::from(*b)).collect())
            }
            B::EncodeUrlComponent | B::EncodeUrl => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                let keep = if b == B::EncodeUrl { ";,/?:@&=+$#" } else { "" };
                str_result(encode_uri(s, keep))
            }
            B::DecodeUrlComponent | B::DecodeUrl => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                let reserved = if b == B::DecodeUrl { ";/?:@&=+$,#" } else { "" };
                match decode_uri(s, reserved) {
                    Some(r) => str_result(r),
                    None => Err(Error::with(
                        "D3140",
                        Detail {
                            token: Some(b.name().into()),
                            value: Some(show(&a0)),
                            ..Detail::default()
                        },
                    )),
                }
            }
            B::Eval => self.eval_fn(&args, input, env),
            B::ToMillis => {
                let Some(s) = a0.as_str() else {
                    return Ok(Value::Undefined);
                };
                let picture = str_arg(&args, 1);
                Ok(
                    match pic::parse_datetime(s, picture.as_deref(), self.now)? {
                        Some(n) => Value::Number(n),
                        None => Value::Undefined,
                    },
                )
            }
            B::FromMillis => {
                let Some(n) = a0.as_num() else {
                    return Ok(Value::Undefined);
                };
                str_result(pic::format_datetime(
                    n,
                    str_arg(&args, 1).as_deref(),
                    str_arg(&args, 2).as_deref(),
                )?)
            }
            B::Now => str_result(pic::format_datetime(
                self.now,
                str_arg(&args, 0).as_deref(),
                str_arg(&args, 1).as_deref(),
            )?),
            B::Millis => num(self.now),
            B::Clone => {
                if undefined_first {
                    return Ok(Value::Undefined);
                }
                // like `$string`, the outer wrapper of an array focus is not part of the value
                match &a0 {
                    Value::Array(a) if a.outer && !a.items.is_empty() => {
                        Ok(a.items[0].deep_clone())
                    }
                    v => Ok(v.deep_clone()),
                }
            }
            B::Zip => {
                let len = args
                    .iter()
                    .map(|a| if a.is_array() { a.len() } else { 0 })
                    .min()
                    .unwrap_or(0);
                let lists: Vec<Vec<Value<'a>>> = args.iter().map(Value::items).collect();
                let out = (0..len)
                    .map(|i| Value::array(lists.iter().map(|l| l[i].clone()).collect()))
                    .collect();
                Ok(Value::array(out))
            }
        }
    }

    fn replace(&self, args: &[Value<'a>], env: &Env<'a>) -> Result<Value<'a>, Error> {
        let Some(s) = args.first().and_then(Value::as_str) else {
            return Ok(Value::Undefined);
        };
        let pattern = arg(args, 1);
        if pattern.as_str() == Some("") {
            return Err(Error::val("D3010", "\"\""));
        }
        let limit = num_arg(args, 3);
        if limit.is_some_and(|l| l < 0.0) {
            return Err(Error::val("D3011", show(&arg(args, 3))));
        }
        let limit = limit.map(|l| l.ceil() as usize);
        let replacement = arg(args, 2);
        if let Some(p) = pattern.as_str() {
            let rep = replacement.as_str().map(str::to_string).unwrap_or_default();
            let mut out = String::new();
            let mut rest = s;
            let mut count = 0;
            while let Some(i) = rest.find(p) {
                if limit.is_some_and(|l| count >= l) {
                    break;
                }
                out.push_str(&rest[..i]);
                out.push_str(&rep);
                rest = &rest[i + p.len()..];
                count += 1;
            }
            out.push_str(rest);
            return Ok(Value::string(out));
        }
        let found = self.find_matches(&pattern, s, limit, env, "replace")?;
        let mut out = String::new();
        let mut pos = 0;
        for f in found {
            out.push_str(s.get(pos..f.start).unwrap_or(""));
            let r = if let Some(rep) = replacement.as_str() {
                substitute(rep, &f)
            } else {
                let m = if f.raw.is_undef() {
                    let mut o = Obj::new();
                    o.insert("match".into(), Value::string(f.text.clone()));
                    o.insert(
                        "index".into(),
                        Value::Number(utf16_index(s, f.start) as f64),
                    );
                    o.insert("groups".into(), Value::array(f.groups.clone()));
                    Value::object(o)
                } else {
                    f.raw.clone()
                };
                let r = self.call_fn(&replacement, vec![m], env)?;
                match r.as_str() {
                    Some(x) => x.to_string(),
                    None => return Err(Error::val("D3012", show(&r))),
                }
            };
            out.push_str(&r);
            pos = f.start + f.text.len().max(f.end - f.start);
        }
        out.push_str(s.get(pos..).unwrap_or(""));
        Ok(Value::string(out))
    }

    fn eval_fn(
        &self,
        args: &[Value<'a>],
        input: &Value<'a>,
        env: &Env<'a>,
    ) -> Result<Value<'a>, Error> {
        let Some(src) = args.first().and_then(Value::as_str) else {
            return Ok(Value::Undefined);
        };
        let focus = arg(args, 1);
        let input = if focus.is_undef() {
            input.clone()
        } else if focus.is_array() && !focus.is_seq() {
            Value::outer(focus)
        } else {
            focus
        };
        let ast = crate::parser::parse(src).map_err(|e| Error::val("D3120", quote(&e.message)))?;
        self.eval(&ast, &input, env)
            .map_err(|e| Error::val("D3121", quote(&e.message)))
    }
}

fn quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn substitute(rep: &str, f: &Found<'_>) -> String {
    let mut out = String::new();
    let chars: Vec<char> = rep.chars().collect();
    let groups: Vec<String> = f
        .groups
        .iter()
        .map(|g| g.as_str().unwrap_or("").to_string())
        .collect();
    let glen = groups.len();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        match chars.get(i) {
            Some('$') => {
                out.push('$');
                i += 1;
            }
            Some('0') => {
                out.push_str(&f.text);
                i += 1;
            }
            _ => {
                let max_digits = if glen == 0 {
                    1
                } else {
                    (glen as f64).log10().floor() as usize + 1
                };
                let digits: String = chars[i..]
                    .iter()
                    .take(max_digits)
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                let mut idx: Option<usize> = digits.parse().ok();
                let mut used = digits.len();
                if max_digits > 1 && idx.is_some_and(|x| x > glen) {
                    let d2: String = digits.chars().take(max_digits - 1).collect();
                    idx = d2.parse().ok();
                    used = d2.len();
                }
                match idx {
                    Some(ix) => {
                        if glen > 0
                            && ix >= 1
                            && let Some(g) = groups.get(ix - 1)
                        {
                            out.push_str(g);
                        }
                        i += used;
                    }
                    None => out.push('$'),
                }
            }
        }
    }
    out
}

/// Keys of an object, or the merged keys of the items of an array (recursively).
fn collect_keys(v: &Value<'_>, keys: &mut indexmap::IndexSet<Arc<str>>) {
    crate::value::guard(|| {
        if v.is_array() {
            for item in v.items() {
                collect_keys(&item, keys);
            }
        } else {
            for (k, _) in v.entries() {
                keys.insert(k);
            }
        }
    })
}

fn spread<'a>(v: &Value<'a>) -> Value<'a> {
    crate::value::guard(|| {
        if v.is_array() {
            let parts: Vec<Value<'a>> = v
                .items()
                .iter()
                .map(spread)
                .filter(|p| !p.is_undef())
                .collect();
            if parts.is_empty() {
                return Value::seq(Vec::new());
            }
            let mut out = Vec::new();
            for p in parts {
                if p.is_array() {
                    out.extend(p.into_list());
                } else {
                    out.push(p);
                }
            }
            return Value::array(out);
        }
        if v.is_object() {
            let items = v
                .entries()
                .into_iter()
                .map(|(k, val)| {
                    let mut o = Obj::new();
                    o.insert(k, val);
                    Value::object(o)
                })
                .collect();
            return Value::seq(items);
        }
        v.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_variants_and_signatures_parse() {
        for (i, b) in ALL.iter().enumerate() {
            assert_eq!(b.0 as usize, i);
            assert!(Signature::parse(b.2).is_ok(), "{}", b.1);
            assert_eq!(Builtin::by_name(b.1), Some(b.0));
        }
    }
}
