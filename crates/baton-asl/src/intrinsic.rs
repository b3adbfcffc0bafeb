//! Step Functions intrinsic functions (`States.Format(...)` and the 17 others): parse a call as
//! written in a `.$` field, check what can be checked before running, and evaluate it on
//! `serde_json` values.
//!
//! The crate is pure: `States.MathRandom` and `States.UUID` draw from an injected [`Entropy`].
//! Runtime failures are AWS's `States.IntrinsicFailure` (see [`IntrinsicError::error_code`]).
//!
//! Semantics, from AWS's documentation and the executions recorded in `conformance/sfn/`:
//! - Literals are `'strings'` (escapes `\'`, `\{`, `\}`, `\\` only; any other backslash is
//!   rejected, as AWS rejects `\n`), numbers, `true`, `false`, `null`; paths on `$`, `$$` or a
//!   variable (an indefinite path passes the array of its matches); nested calls, at most
//!   [`MAX_NESTING`] deep.
//! - Numbers where integers are expected are rounded half up (Java's `Math.round`:
//!   `MathAdd(1.5, -1.51)` is `2 + -2`).
//! - `States.Format` inserts strings as they are and other values as Java's `toString` shows
//!   them (`{a=1, b=[x]}`); escaped braces in a literal template are not placeholders.
//! - `States.StringSplit` splits at every character of its second argument and drops empty
//!   pieces (Java's `StringTokenizer`); `States.StringToJson` of a blank string is `null`.
//! - `States.ArrayRange` includes its last value and makes at most [`MAX_RANGE_ITEMS`] items;
//!   `States.MathRandom(start, end)` draws from `start` (included) to `end` (excluded), and
//!   with a seed always gives the same number (not AWS's number for that seed).
//! - `States.JsonMerge` is shallow (the second object wins) and its third argument must be
//!   `false`; `States.Hash`, `States.Base64Encode` and `States.Base64Decode` take at most
//!   [`MAX_STRING_INPUT`] characters.

use crate::path::{self, Cursor, JsonPath, PathError, Selected};
use baton_json::{Json as Value, Number};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// How deeply intrinsic calls may nest (AWS: up to 10 functions in a field).
pub const MAX_NESTING: usize = 10;

/// Longest input (in characters) of `States.Hash`, `States.Base64Encode` and
/// `States.Base64Decode`.
pub const MAX_STRING_INPUT: usize = 10_000;

/// Most items `States.ArrayRange` may produce.
pub const MAX_RANGE_ITEMS: usize = 1000;

/// The hash algorithms `States.Hash` accepts.
pub const HASH_ALGORITHMS: [&str; 5] = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

/// An intrinsic function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `States.Format(template, values...)`.
    Format,
    /// `States.StringToJson(string)`.
    StringToJson,
    /// `States.JsonToString(value)`.
    JsonToString,
    /// `States.Array(values...)`.
    Array,
    /// `States.ArrayPartition(array, chunkSize)`.
    ArrayPartition,
    /// `States.ArrayContains(array, value)`.
    ArrayContains,
    /// `States.ArrayRange(first, last, step)`.
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`.
    ArrayGetItem,
    /// `States.ArrayLength(array)`.
    ArrayLength,
    /// `States.ArrayUnique(array)`.
    ArrayUnique,
    /// `States.Base64Encode(string)`.
    Base64Encode,
    /// `States.Base64Decode(string)`.
    Base64Decode,
    /// `States.Hash(data, algorithm)`.
    Hash,
    /// `States.JsonMerge(object, object, false)`.
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`.
    MathRandom,
    /// `States.MathAdd(a, b)`.
    MathAdd,
    /// `States.StringSplit(string, delimiters)`.
    StringSplit,
    /// `States.UUID()`.
    Uuid,
}

/// The JSON type an argument must have or a function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Any,
    String,
    Number,
    Bool,
    Array,
    Object,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Any => "any value",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }

    fn of(v: &Value) -> Kind {
        match v {
            Value::Null => Kind::Any,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }
}

impl Function {
    /// All 18 functions.
    pub const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::MathRandom,
        Function::MathAdd,
        Function::StringSplit,
        Function::Uuid,
    ];

    /// The name as written (`States.Format`).
    pub fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::StringSplit => "States.StringSplit",
            Function::Uuid => "States.UUID",
        }
    }

    /// The function with this name (`States.Format`), if there is one.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The fewest and most arguments (`None`: no maximum).
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Function::Format => (1, None),
            Function::Array => (0, None),
            Function::Uuid => (0, Some(0)),
            Function::StringToJson
            | Function::JsonToString
            | Function::ArrayLength
            | Function::ArrayUnique
            | Function::Base64Encode
            | Function::Base64Decode => (1, Some(1)),
            Function::ArrayPartition
            | Function::ArrayContains
            | Function::ArrayGetItem
            | Function::Hash
            | Function::MathAdd
            | Function::StringSplit => (2, Some(2)),
            Function::ArrayRange | Function::JsonMerge => (3, Some(3)),
            Function::MathRandom => (2, Some(3)),
        }
    }

    /// The type argument `index` must have.
    fn param(self, index: usize) -> Kind {
        use Kind::*;
        let params: &[Kind] = match self {
            Function::Format => &[String],
            Function::StringToJson | Function::Base64Encode | Function::Base64Decode => &[String],
            Function::ArrayPartition | Function::ArrayGetItem => &[Array, Number],
            Function::ArrayContains | Function::ArrayLength | Function::ArrayUnique => &[Array],
            Function::ArrayRange | Function::MathRandom | Function::MathAdd => {
                &[Number, Number, Number]
            }
            Function::Hash | Function::StringSplit => &[String, String],
            Function::JsonMerge => &[Object, Object, Bool],
            Function::JsonToString | Function::Array | Function::Uuid => &[],
        };
        params.get(index).copied().unwrap_or(Any)
    }

    /// The type the function returns.
    fn returns(self) -> Kind {
        match self {
            Function::Format
            | Function::JsonToString
            | Function::Base64Encode
            | Function::Base64Decode
            | Function::Hash
            | Function::Uuid => Kind::String,
            Function::StringToJson | Function::ArrayGetItem => Kind::Any,
            Function::Array
            | Function::ArrayPartition
            | Function::ArrayRange
            | Function::ArrayUnique
            | Function::StringSplit => Kind::Array,
            Function::ArrayContains => Kind::Bool,
            Function::ArrayLength | Function::MathRandom | Function::MathAdd => Kind::Number,
            Function::JsonMerge => Kind::Object,
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    /// A string (`'...'`), number, `true`, `false` or `null`.
    Literal(Value),
    /// A path on `$`, `$$` or a variable. An indefinite path passes the array of its matches.
    Path(JsonPath),
    /// A nested call.
    Call(IntrinsicCall),
}

/// A parsed intrinsic function call.
#[derive(Debug, Clone, PartialEq)]
pub struct IntrinsicCall {
    function: Function,
    args: Vec<Argument>,
    /// `States.Format` with a literal template: the text around its `{}` placeholders
    /// (escaped braces `\{` `\}` are not placeholders).
    format_parts: Option<Vec<String>>,
}

/// Why a call could not be parsed or evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntrinsicError {
    /// The text is not a valid call (found when the definition is validated).
    #[error("Invalid intrinsic function call '{text}': {message} (at character {position})")]
    Syntax {
        /// The text.
        text: String,
        /// Character offset (0-based) where the problem was found.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// The call failed at run time (AWS: `States.IntrinsicFailure`).
    #[error("{function}: {message}")]
    Failure {
        /// The function that failed.
        function: Function,
        /// Why.
        message: String,
    },
    /// A path argument selects nothing (AWS: `States.Runtime`).
    #[error(transparent)]
    Path(#[from] PathError),
}

impl IntrinsicError {
    /// The AWS error name a state fails with: `States.IntrinsicFailure`, or `States.Runtime`
    /// for a path argument that selects nothing.
    pub fn error_code(&self) -> &'static str {
        match self {
            IntrinsicError::Path(_) => "States.Runtime",
            _ => "States.IntrinsicFailure",
        }
    }
}

/// Where `States.MathRandom` and `States.UUID` get their randomness: injected so that the crate
/// stays deterministic.
pub trait Entropy {
    /// 64 random bits.
    fn random_u64(&mut self) -> u64;

    /// A random (version 4) UUID in its lowercase hyphenated form. The default builds it from
    /// two [`Entropy::random_u64`] draws.
    fn uuid(&mut self) -> String {
        let hi = (self.random_u64() & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let lo = (self.random_u64() & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        )
    }
}

/// A small deterministic generator (SplitMix64): reproducible runs and tests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SplitMix64(pub u64);

impl Entropy for SplitMix64 {
    fn random_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// What a call is evaluated against: the state's data (`$`), the context object (`$$`), the
/// variables in scope (`$name`) and a source of randomness.
pub struct IntrinsicContext<'a> {
    input: &'a Value,
    context: &'a Value,
    vars: &'a dyn Fn(&str) -> Option<&'a Value>,
    entropy: RefCell<&'a mut dyn Entropy>,
}

impl<'a> IntrinsicContext<'a> {
    /// A context over these values.
    pub fn new(
        input: &'a Value,
        context: &'a Value,
        vars: &'a dyn Fn(&str) -> Option<&'a Value>,
        entropy: &'a mut dyn Entropy,
    ) -> Self {
        IntrinsicContext {
            input,
            context,
            vars,
            entropy: RefCell::new(entropy),
        }
    }

    fn random_u64(&self) -> u64 {
        self.entropy.borrow_mut().random_u64()
    }

    fn uuid(&self) -> String {
        self.entropy.borrow_mut().uuid()
    }
}

impl fmt::Debug for IntrinsicContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntrinsicContext")
            .field("input", &self.input)
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

/// Parses an intrinsic function call (`States.Format('{}', $.name)`), checking the function
/// name, the number of arguments and the types of literal arguments.
pub fn parse(text: &str) -> Result<IntrinsicCall, IntrinsicError> {
    let mut p = Parser {
        cur: Cursor { text, pos: 0 },
    };
    p.skip_ws();
    let call = p.call(1)?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(p.error(format!("unexpected '{c}' after the call")));
    }
    Ok(call)
}

impl IntrinsicCall {
    /// The function called.
    pub fn function(&self) -> Function {
        self.function
    }

    /// The arguments, in order.
    pub fn args(&self) -> &[Argument] {
        &self.args
    }

    /// Every path the call reads, nested calls included, in order.
    pub fn paths(&self) -> Vec<&JsonPath> {
        fn collect<'c>(call: &'c IntrinsicCall, out: &mut Vec<&'c JsonPath>) {
            for arg in &call.args {
                match arg {
                    Argument::Path(p) => out.push(p),
                    // Nesting is bounded by the parser (MAX_NESTING).
                    Argument::Call(c) => collect(c, out),
                    Argument::Literal(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        collect(self, &mut out);
        out
    }

    /// Evaluates the call.
    pub fn evaluate(&self, ctx: &IntrinsicContext<'_>) -> Result<Value, IntrinsicError> {
        let mut args = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            args.push(match arg {
                Argument::Literal(v) => v.clone(),
                Argument::Path(p) => match p.select(ctx.input, ctx.context, ctx.vars)? {
                    Selected::One(v) => v.clone(),
                    many @ Selected::Many(_) => many.to_value(),
                },
                Argument::Call(c) => c.evaluate(ctx)?,
            });
        }
        self.apply(args, ctx)
    }

    fn fail(&self, message: impl Into<String>) -> IntrinsicError {
        IntrinsicError::Failure {
            function: self.function,
            message: message.into(),
        }
    }

    /// Checks that argument `index` has the type the function needs.
    fn check_kind(&self, index: usize, v: &Value) -> Result<(), IntrinsicError> {
        let want = self.function.param(index);
        if want == Kind::Any || Kind::of(v) == want {
            Ok(())
        } else {
            Err(self.fail(format!(
                "argument {} must be {}, but was: {}",
                index + 1,
                want.name(),
                short(v)
            )))
        }
    }

    /// Argument `index` as an integer: numbers are rounded to the nearest integer (half up).
    fn int(&self, index: usize, v: &Value) -> Result<i64, IntrinsicError> {
        let out_of_range = || {
            self.fail(format!(
                "argument {} must be an integer, but was: {}",
                index + 1,
                short(v)
            ))
        };
        let Value::Number(n) = v else {
            return Err(out_of_range());
        };
        if let Some(i) = n.as_i64() {
            return Ok(i);
        }
        let f = n.as_f64().ok_or_else(out_of_range)?;
        // Java's Math.round: half up, without the `floor(x + 0.5)` error at 0.49999999999999994.
        let floor = f.floor();
        let r = if f - floor >= 0.5 { floor + 1.0 } else { floor };
        if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&r) {
            // In range: the conversion is exact for integral floats.
            Ok(r as i64)
        } else {
            Err(out_of_range())
        }
    }

    fn apply(&self, args: Vec<Value>, ctx: &IntrinsicContext<'_>) -> Result<Value, IntrinsicError> {
        for (i, v) in args.iter().enumerate() {
            self.check_kind(i, v)?;
        }
        let str_arg = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or("");
        match self.function {
            Function::Format => self.format(&args),
            Function::StringToJson => {
                let s = str_arg(0).trim();
                if s.is_empty() {
                    return Ok(Value::Null);
                }
                if s == "-0" {
                    // Jackson reads the integer -0 as 0.
                    return Ok(Value::from(0));
                }
                serde_json::from_str(s)
                    .map_err(|e| self.fail(format!("the string is not valid JSON: {e}")))
            }
            Function::JsonToString => Ok(Value::from(
                args.first().map(Value::to_string).unwrap_or_default(),
            )),
            Function::Array => Ok(Value::from(args)),
            Function::ArrayPartition => {
                let items = array_arg(&args, 0);
                let size = self.int(1, &args[1])?;
                if size <= 0 {
                    return Err(self.fail(format!(
                        "the chunk size must be a positive integer, but was: {size}"
                    )));
                }
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                Ok(Value::from(
                    items
                        .chunks(size)
                        .map(|c| Value::from(c.to_vec()))
                        .collect::<Vec<_>>(),
                ))
            }
            Function::ArrayContains => Ok(Value::Bool(array_arg(&args, 0).contains(&args[1]))),
            Function::ArrayRange => {
                let first = self.int(0, &args[0])?;
                let last = self.int(1, &args[1])?;
                let step = self.int(2, &args[2])?;
                range(first, last, step).map_err(|m| self.fail(m))
            }
            Function::ArrayGetItem => {
                let items = array_arg(&args, 0);
                let index = self.int(1, &args[1])?;
                usize::try_from(index)
                    .ok()
                    .and_then(|i| items.get(i))
                    .cloned()
                    .ok_or_else(|| {
                        self.fail(format!(
                            "index {index} is out of bounds for an array of length {}",
                            items.len()
                        ))
                    })
            }
            Function::ArrayLength => Ok(Value::from(array_arg(&args, 0).len())),
            Function::ArrayUnique => {
                let mut seen = HashSet::new();
                let mut out = Vec::new();
                for item in array_arg(&args, 0) {
                    let mut key = String::new();
                    canonical(item, &mut key);
                    if seen.insert(key) {
                        out.push(item.clone());
                    }
                }
                Ok(Value::from(out))
            }
            Function::Base64Encode => {
                let s = self.limited(str_arg(0))?;
                Ok(Value::from(base64_encode(s.as_bytes())))
            }
            Function::Base64Decode => {
                let s = self.limited(str_arg(0))?;
                let bytes = base64_decode(s)
                    .ok_or_else(|| self.fail("the input is not a valid Base64 string"))?;
                Ok(Value::from(String::from_utf8_lossy(&bytes).into_owned()))
            }
            Function::Hash => {
                let data = self.limited(str_arg(0))?.as_bytes();
                let hex = match str_arg(1) {
                    "MD5" => to_hex(&digest::md5(data)),
                    "SHA-1" => to_hex(&digest::sha1(data)),
                    "SHA-256" => to_hex(&digest::sha256(data)),
                    "SHA-384" => to_hex(&digest::sha384(data)),
                    "SHA-512" => to_hex(&digest::sha512(data)),
                    other => return Err(self.fail(unknown_algorithm(other))),
                };
                Ok(Value::from(hex))
            }
            Function::JsonMerge => {
                if args[2] != Value::Bool(false) {
                    return Err(self.fail(DEEP_MERGE));
                }
                let mut merged = args[0].as_object().cloned().unwrap_or_default();
                for (k, v) in args[1].as_object().into_iter().flatten() {
                    merged.insert(k.clone(), v.clone());
                }
                Ok(Value::from(merged))
            }
            Function::MathRandom => {
                let start = self.int(0, &args[0])?;
                let end = self.int(1, &args[1])?;
                let span = i128::from(end) - i128::from(start);
                if span <= 0 {
                    return Err(self.fail(format!(
                        "the end number ({end}) must be greater than the start number ({start})"
                    )));
                }
                let bits = match args.get(2) {
                    Some(seed) => SplitMix64(self.int(2, seed)?.cast_unsigned()).random_u64(),
                    None => ctx.random_u64(),
                };
                // Multiply-shift: uniform over [start, end).
                let offset = (u128::from(bits) * span.cast_unsigned()) >> 64;
                let value = i128::from(start) + offset.cast_signed();
                Ok(i64::try_from(value).map(Value::from).unwrap_or(Value::Null))
            }
            Function::MathAdd => {
                let a = self.int(0, &args[0])?;
                let b = self.int(1, &args[1])?;
                a.checked_add(b)
                    .map(Value::from)
                    .ok_or_else(|| self.fail(format!("{a} + {b} overflows")))
            }
            Function::StringSplit => {
                let delimiters: Vec<char> = str_arg(1).chars().collect();
                Ok(Value::from(
                    str_arg(0)
                        .split(|c| delimiters.contains(&c))
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::from(s.to_string()))
                        .collect::<Vec<_>>(),
                ))
            }
            Function::Uuid => Ok(Value::from(ctx.uuid())),
        }
    }

    fn limited<'s>(&self, s: &'s str) -> Result<&'s str, IntrinsicError> {
        let n = s.chars().count();
        if n > MAX_STRING_INPUT {
            Err(self.fail(format!(
                "the input string must have at most {MAX_STRING_INPUT} characters, but has {n}"
            )))
        } else {
            Ok(s)
        }
    }

    fn format(&self, args: &[Value]) -> Result<Value, IntrinsicError> {
        let runtime_parts;
        let parts: &[String] = match &self.format_parts {
            Some(parts) => parts,
            None => {
                let template = args.first().and_then(Value::as_str).unwrap_or("");
                runtime_parts = template.split("{}").map(str::to_string).collect::<Vec<_>>();
                &runtime_parts
            }
        };
        let values = args.get(1..).unwrap_or(&[]);
        if parts.len() != values.len() + 1 {
            return Err(self.fail(placeholder_mismatch(parts.len() - 1, values.len())));
        }
        let mut out = String::new();
        for (i, part) in parts.iter().enumerate() {
            out.push_str(part);
            if let Some(v) = values.get(i) {
                java_string(v, &mut out);
            }
        }
        Ok(Value::from(out))
    }
}

impl fmt::Display for IntrinsicCall {
    /// The call in canonical form (literals re-escaped, single spaces after commas).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.function.name())?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match arg {
                Argument::Literal(Value::String(s)) => {
                    let escape = |text: &str| -> String {
                        let mut out = String::new();
                        for c in text.chars() {
                            if matches!(c, '\'' | '{' | '}' | '\\') {
                                out.push('\\');
                            }
                            out.push(c);
                        }
                        out
                    };
                    let body = match &self.format_parts {
                        Some(parts) if i == 0 => parts
                            .iter()
                            .map(|p| escape(p))
                            .collect::<Vec<_>>()
                            .join("{}"),
                        _ => escape(s),
                    };
                    write!(f, "'{body}'")?;
                }
                Argument::Literal(v) => write!(f, "{v}")?,
                Argument::Path(p) => write!(f, "{p}")?,
                Argument::Call(c) => write!(f, "{c}")?,
            }
        }
        f.write_str(")")
    }
}

const DEEP_MERGE: &str =
    "deep merge is not supported: the third argument (deep merge) must be false";

fn unknown_algorithm(name: &str) -> String {
    format!(
        "unknown hash algorithm '{name}'; the algorithm must be one of {}",
        HASH_ALGORITHMS.join(", ")
    )
}

fn placeholder_mismatch(placeholders: usize, values: usize) -> String {
    format!(
        "the template has {placeholders} placeholder(s) '{{}}' but {values} value(s) follow it; they must match"
    )
}

fn array_arg(args: &[Value], i: usize) -> &[Value] {
    args.get(i)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `[first, first+step, ...]` up to and including `last`.
fn range(first: i64, last: i64, step: i64) -> Result<Value, String> {
    if step == 0 {
        return Err("the step (third argument) must not be zero".into());
    }
    let span = i128::from(last) - i128::from(first);
    let count = if span == 0 || (span > 0) == (step > 0) {
        span / i128::from(step) + 1
    } else {
        0
    };
    if count > MAX_RANGE_ITEMS as i128 {
        return Err(format!(
            "the range would have {count} items; an array can have at most {MAX_RANGE_ITEMS}"
        ));
    }
    let mut out = Vec::new();
    let mut v = i128::from(first);
    for _ in 0..count {
        out.extend(i64::try_from(v).ok().map(Value::from));
        v += i128::from(step);
    }
    Ok(Value::from(out))
}

/// A value as it appears in an error message: its JSON, shortened.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 100 {
        let cut: String = s.chars().take(100).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// How `States.Format` shows a value: strings as they are, objects and arrays as Java's
/// `toString` does (`{a=1, b=[x, y]}`), the rest as JSON.
fn java_string(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_string(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                java_string(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A key equal for equal values (object member order ignored), for `States.ArrayUnique`.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Array(items) => {
            out.push('[');
            for item in items.iter() {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&Arc<str>, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (k, item) in members {
                out.push_str(&Value::from(k.clone()).to_string());
                out.push(':');
                canonical(item, out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes Base64 as a MIME decoder does (AWS documents the MIME scheme): characters outside
/// the alphabet (line breaks...) are ignored and padding is optional, but nothing may follow the
/// padding and the data cannot end with a lone character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = false;
    for c in s.chars() {
        if c == '=' {
            padding = true;
            continue;
        }
        let Some(v) = BASE64.iter().position(|&b| char::from(b) == c) else {
            continue;
        };
        if padding {
            return None;
        }
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // A single leftover character (6 bits) cannot encode a byte.
    (bits != 6).then_some(out)
}

struct Parser<'t> {
    cur: Cursor<'t>,
}

impl<'t> std::ops::Deref for Parser<'t> {
    type Target = Cursor<'t>;

    fn deref(&self) -> &Cursor<'t> {
        &self.cur
    }
}

impl std::ops::DerefMut for Parser<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.cur
    }
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> IntrinsicError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> IntrinsicError {
        IntrinsicError::Syntax {
            text: self.text.to_string(),
            position: self.char_offset(pos),
            message: message.into(),
        }
    }

    /// `States.Name(args)`, at `States`.
    fn call(&mut self, depth: usize) -> Result<IntrinsicCall, IntrinsicError> {
        let start = self.pos;
        if depth > MAX_NESTING {
            return Err(self.error(format!(
                "intrinsic functions can be nested at most {MAX_NESTING} deep"
            )));
        }
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '_')
        {
            self.bump();
        }
        let name = &self.text[start..self.pos];
        if name.is_empty() {
            return Err(self.error("expected an intrinsic function such as States.Format(...)"));
        }
        let Some(function) = Function::from_name(name) else {
            return Err(self.error_at(start, format!("unknown intrinsic function '{name}'")));
        };
        self.skip_ws();
        if !self.eat('(') {
            return Err(self.error(format!("expected '(' after {name}")));
        }
        let mut args = Vec::new();
        let mut format_parts = None;
        let mut arg_starts = Vec::new();
        self.skip_ws();
        if !self.eat(')') {
            loop {
                self.skip_ws();
                arg_starts.push(self.pos);
                let (arg, parts) = self.argument(depth)?;
                if function == Function::Format && args.is_empty() {
                    format_parts = parts;
                }
                args.push(arg);
                self.skip_ws();
                if self.eat(',') {
                    continue;
                }
                if self.eat(')') {
                    break;
                }
                return Err(match self.peek() {
                    Some(c) => self.error(format!("expected ',' or ')' but found '{c}'")),
                    None => self.error(format!("missing ')' closing {name}(")),
                });
            }
        }
        let call = IntrinsicCall {
            function,
            args,
            format_parts,
        };
        self.check(&call, start, &arg_starts)?;
        Ok(call)
    }

    /// What can be checked before running: argument count and literal types and values.
    fn check(
        &self,
        call: &IntrinsicCall,
        start: usize,
        arg_starts: &[usize],
    ) -> Result<(), IntrinsicError> {
        let f = call.function;
        let n = call.args.len();
        let (min, max) = f.arity();
        if n < min || max.is_some_and(|m| n > m) {
            let expected = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min} to {m}"),
                None => format!("at least {min}"),
            };
            return Err(self.error_at(
                start,
                format!("{f} takes {expected} argument(s) but was given {n}"),
            ));
        }
        for (i, arg) in call.args.iter().enumerate() {
            let at = arg_starts.get(i).copied().unwrap_or(start);
            let want = f.param(i);
            let got = match arg {
                Argument::Literal(v) => Some(Kind::of(v)),
                Argument::Call(c) => Some(c.function.returns()),
                Argument::Path(_) => None,
            };
            let null_literal = matches!(arg, Argument::Literal(Value::Null));
            if let Some(got) = got
                && want != Kind::Any
                && (got != want && (got != Kind::Any || null_literal))
            {
                return Err(self.error_at(
                    at,
                    format!(
                        "argument {} of {f} must be {}, but {}",
                        i + 1,
                        want.name(),
                        match arg {
                            Argument::Call(c) => format!("{} returns {}", c.function, got.name()),
                            _ => format!("{} is {}", short_literal(arg), got_name(arg)),
                        }
                    ),
                ));
            }
            let literal = match arg {
                Argument::Literal(v) => v,
                _ => continue,
            };
            let problem = match (f, i) {
                (Function::Hash, 1) => literal
                    .as_str()
                    .filter(|s| !HASH_ALGORITHMS.contains(s))
                    .map(unknown_algorithm),
                (Function::JsonMerge, 2) => {
                    (literal != &Value::Bool(false)).then(|| DEEP_MERGE.to_string())
                }
                (Function::ArrayPartition, 1) => call
                    .int(1, literal)
                    .ok()
                    .filter(|&size| size <= 0)
                    .map(|size| {
                        format!("the chunk size must be a positive integer, but was {size}")
                    }),
                (Function::ArrayRange, 2) => {
                    let ints: Vec<Option<i64>> = call
                        .args
                        .iter()
                        .enumerate()
                        .map(|(j, a)| match a {
                            Argument::Literal(v) => call.int(j, v).ok(),
                            _ => None,
                        })
                        .collect();
                    match ints.as_slice() {
                        [_, _, Some(0)] => {
                            Some("the step (third argument) must not be zero".into())
                        }
                        [Some(a), Some(b), Some(s)] => range(*a, *b, *s).err(),
                        _ => None,
                    }
                }
                (Function::Base64Encode | Function::Base64Decode | Function::Hash, 0) => literal
                    .as_str()
                    .filter(|s| s.chars().count() > MAX_STRING_INPUT)
                    .map(|_| {
                        format!("the input string must have at most {MAX_STRING_INPUT} characters")
                    }),
                _ => None,
            };
            if let Some(message) = problem {
                return Err(self.error_at(at, format!("{f}: {message}")));
            }
        }
        if let Some(parts) = &call.format_parts
            && parts.len() != n
        {
            return Err(self.error_at(
                start,
                format!("{f}: {}", placeholder_mismatch(parts.len() - 1, n - 1)),
            ));
        }
        Ok(())
    }

    /// One argument; for a string literal also the text around its unescaped `{}`.
    fn argument(
        &mut self,
        depth: usize,
    ) -> Result<(Argument, Option<Vec<String>>), IntrinsicError> {
        match self.peek() {
            Some('\'') => {
                let (s, parts) = self.string()?;
                Ok((Argument::Literal(Value::from(s)), Some(parts)))
            }
            Some('$') => Ok((Argument::Path(self.path()?), None)),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
                {
                    self.bump();
                }
                let text = &self.text[start..self.pos];
                let n: Number = serde_json::from_str(text)
                    .map_err(|_| self.error_at(start, format!("invalid number '{text}'")))?;
                Ok((Argument::Literal(Value::Number(n)), None))
            }
            Some(c) if c.is_alphabetic() => {
                let start = self.pos;
                let word: String = self
                    .rest()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let literal = match word.as_str() {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    "null" => Some(Value::Null),
                    _ => None,
                };
                if let Some(v) = literal {
                    self.pos += word.len();
                    return Ok((Argument::Literal(v), None));
                }
                if word == "States" {
                    return Ok((Argument::Call(self.call(depth + 1)?), None));
                }
                Err(self.error_at(
                    start,
                    format!(
                        "unexpected '{word}': an argument is a string in single quotes, a number, true, false, null, a path or an intrinsic function"
                    ),
                ))
            }
            Some('"') => Err(self.error("string literals are written in single quotes ('...')")),
            Some(c) => Err(self.error(format!("unexpected '{c}' where an argument was expected"))),
            None => Err(self.error("the call ended where an argument was expected")),
        }
    }

    /// A path argument: up to the first `,`, `)` or blank outside brackets and quotes.
    fn path(&mut self) -> Result<JsonPath, IntrinsicError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            if let Some(q) = quote {
                self.bump();
                if c == '\\' {
                    self.bump();
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' if depth > 0 => depth -= 1,
                '\'' | '"' if depth > 0 => quote = Some(c),
                ',' | ')' if depth == 0 => break,
                c if c.is_whitespace() && depth == 0 => break,
                _ => {}
            }
            self.bump();
        }
        let text = &self.text[start..self.pos];
        path::parse(text).map_err(|e| match e {
            PathError::Syntax {
                position, message, ..
            } => {
                let byte = text
                    .char_indices()
                    .nth(position)
                    .map_or(self.pos, |(b, _)| start + b);
                self.error_at(byte, format!("invalid path '{text}': {message}"))
            }
            other => self.error_at(start, other.to_string()),
        })
    }

    /// A `'...'` literal: its value, and the text around unescaped `{}` (for States.Format).
    fn string(&mut self) -> Result<(String, Vec<String>), IntrinsicError> {
        let open = self.pos;
        self.bump();
        let mut value = String::new();
        let mut parts = vec![String::new()];
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error_at(open, "unterminated string literal"));
            };
            let current = parts.len() - 1;
            match c {
                '\'' => return Ok((value, parts)),
                '\\' => {
                    let at = self.pos - 1;
                    match self.bump() {
                        Some(e @ ('\'' | '{' | '}' | '\\')) => {
                            value.push(e);
                            parts[current].push(e);
                        }
                        Some(e) => {
                            return Err(self.error_at(
                                at,
                                format!(
                                    "invalid escape '\\{e}': only \\', \\{{, \\}} and \\\\ are escapes; write a backslash as \\\\"
                                ),
                            ));
                        }
                        None => return Err(self.error_at(open, "unterminated string literal")),
                    }
                }
                '{' if self.peek() == Some('}') => {
                    self.bump();
                    value.push_str("{}");
                    parts.push(String::new());
                }
                c => {
                    value.push(c);
                    parts[current].push(c);
                }
            }
        }
    }
}

fn short_literal(arg: &Argument) -> String {
    match arg {
        Argument::Literal(v) => short(v),
        _ => String::new(),
    }
}

fn got_name(arg: &Argument) -> &'static str {
    match arg {
        Argument::Literal(Value::Null) => "null",
        Argument::Literal(v) => Kind::of(v).name(),
        _ => "",
    }
}

/// MD5, SHA-1 and SHA-2 (FIPS 180-4), for `States.Hash`.
mod digest {
    const SHA256_K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    const SHA256_H: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    const SHA512_K: [u64; 80] = [
        0x428a2f98d728ae22,
        0x7137449123ef65cd,
        0xb5c0fbcfec4d3b2f,
        0xe9b5dba58189dbbc,
        0x3956c25bf348b538,
        0x59f111f1b605d019,
        0x923f82a4af194f9b,
        0xab1c5ed5da6d8118,
        0xd807aa98a3030242,
        0x12835b0145706fbe,
        0x243185be4ee4b28c,
        0x550c7dc3d5ffb4e2,
        0x72be5d74f27b896f,
        0x80deb1fe3b1696b1,
        0x9bdc06a725c71235,
        0xc19bf174cf692694,
        0xe49b69c19ef14ad2,
        0xefbe4786384f25e3,
        0x0fc19dc68b8cd5b5,
        0x240ca1cc77ac9c65,
        0x2de92c6f592b0275,
        0x4a7484aa6ea6e483,
        0x5cb0a9dcbd41fbd4,
        0x76f988da831153b5,
        0x983e5152ee66dfab,
        0xa831c66d2db43210,
        0xb00327c898fb213f,
        0xbf597fc7beef0ee4,
        0xc6e00bf33da88fc2,
        0xd5a79147930aa725,
        0x06ca6351e003826f,
        0x142929670a0e6e70,
        0x27b70a8546d22ffc,
        0x2e1b21385c26c926,
        0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df,
        0x650a73548baf63de,
        0x766a0abb3c77b2a8,
        0x81c2c92e47edaee6,
        0x92722c851482353b,
        0xa2bfe8a14cf10364,
        0xa81a664bbc423001,
        0xc24b8b70d0f89791,
        0xc76c51a30654be30,
        0xd192e819d6ef5218,
        0xd69906245565a910,
        0xf40e35855771202a,
        0x106aa07032bbd1b8,
        0x19a4c116b8d2d0c8,
        0x1e376c085141ab53,
        0x2748774cdf8eeb99,
        0x34b0bcb5e19b48a8,
        0x391c0cb3c5c95a63,
        0x4ed8aa4ae3418acb,
        0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3,
        0x748f82ee5defb2fc,
        0x78a5636f43172f60,
        0x84c87814a1f0ab72,
        0x8cc702081a6439ec,
        0x90befffa23631e28,
        0xa4506cebde82bde9,
        0xbef9a3f7b2c67915,
        0xc67178f2e372532b,
        0xca273eceea26619c,
        0xd186b8c721c0c207,
        0xeada7dd6cde0eb1e,
        0xf57d4f7fee6ed178,
        0x06f067aa72176fba,
        0x0a637dc5a2c898a6,
        0x113f9804bef90dae,
        0x1b710b35131c471b,
        0x28db77f523047d84,
        0x32caab7b40c72493,
        0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c,
        0x4cc5d4becb3e42b6,
        0x597f299cfc657e2a,
        0x5fcb6fab3ad6faec,
        0x6c44198c4a475817,
    ];
    const SHA512_H: [u64; 8] = [
        0x6a09e667f3bcc908,
        0xbb67ae8584caa73b,
        0x3c6ef372fe94f82b,
        0xa54ff53a5f1d36f1,
        0x510e527fade682d1,
        0x9b05688c2b3e6c1f,
        0x1f83d9abfb41bd6b,
        0x5be0cd19137e2179,
    ];
    const SHA384_H: [u64; 8] = [
        0xcbbb9d5dc1059ed8,
        0x629a292a367cd507,
        0x9159015a3070dd17,
        0x152fecd8f70e5939,
        0x67332667ffc00b31,
        0x8eb44a8768581511,
        0xdb0c2e0d64f98fa7,
        0x47b5481dbefa4fa4,
    ];
    const MD5_K: [u32; 64] = [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391,
    ];

    /// The message padded to whole blocks: `0x80`, zeros, then the bit length.
    fn pad(data: &[u8], block: usize, big_endian: bool) -> Vec<u8> {
        let len_bytes = block / 8;
        let mut m = data.to_vec();
        m.push(0x80);
        while m.len() % block != block - len_bytes {
            m.push(0);
        }
        let bits = (data.len() as u128).wrapping_mul(8);
        let len = if big_endian {
            bits.to_be_bytes()
        } else {
            bits.to_le_bytes()
        };
        if big_endian {
            m.extend_from_slice(&len[16 - len_bytes..]);
        } else {
            m.extend_from_slice(&len[..len_bytes]);
        }
        m
    }

    fn words32(chunk: &[u8], big_endian: bool) -> [u32; 16] {
        let mut w = [0u32; 16];
        for (i, b) in chunk.chunks_exact(4).enumerate().take(16) {
            let bytes = [b[0], b[1], b[2], b[3]];
            w[i] = if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            };
        }
        w
    }

    pub(super) fn md5(data: &[u8]) -> Vec<u8> {
        const S: [u32; 16] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
        let mut h: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
        for chunk in pad(data, 64, false).chunks_exact(64) {
            let m = words32(chunk, false);
            let [mut a, mut b, mut c, mut d] = h;
            for i in 0..64 {
                let (f, g) = match i / 16 {
                    0 => ((b & c) | (!b & d), i),
                    1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                    2 => (b ^ c ^ d, (3 * i + 5) % 16),
                    _ => (c ^ (b | !d), (7 * i) % 16),
                };
                let f = f.wrapping_add(a).wrapping_add(MD5_K[i]).wrapping_add(m[g]);
                a = d;
                d = c;
                c = b;
                b = b.wrapping_add(f.rotate_left(S[(i / 16) * 4 + i % 4]));
            }
            for (x, y) in h.iter_mut().zip([a, b, c, d]) {
                *x = x.wrapping_add(y);
            }
        }
        h.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    pub(super) fn sha1(data: &[u8]) -> Vec<u8> {
        let mut h: [u32; 5] = [
            0x6745_2301,
            0xefcd_ab89,
            0x98ba_dcfe,
            0x1032_5476,
            0xc3d2_e1f0,
        ];
        for chunk in pad(data, 64, true).chunks_exact(64) {
            let mut w = [0u32; 80];
            w[..16].copy_from_slice(&words32(chunk, true));
            for i in 16..80 {
                w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
            }
            let [mut a, mut b, mut c, mut d, mut e] = h;
            for (i, wi) in w.iter().enumerate() {
                let (f, k) = match i / 20 {
                    0 => ((b & c) | (!b & d), 0x5a82_7999),
                    1 => (b ^ c ^ d, 0x6ed9_eba1),
                    2 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                    _ => (b ^ c ^ d, 0xca62_c1d6),
                };
                let t = a
                    .rotate_left(5)
                    .wrapping_add(f)
                    .wrapping_add(e)
                    .wrapping_add(k)
                    .wrapping_add(*wi);
                e = d;
                d = c;
                c = b.rotate_left(30);
                b = a;
                a = t;
            }
            for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
                *x = x.wrapping_add(y);
            }
        }
        h.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    pub(super) fn sha256(data: &[u8]) -> Vec<u8> {
        let mut h = SHA256_H;
        for chunk in pad(data, 64, true).chunks_exact(64) {
            let mut w = [0u32; 64];
            w[..16].copy_from_slice(&words32(chunk, true));
            for i in 16..64 {
                let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
                let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[i - 7])
                    .wrapping_add(s1);
            }
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
            for i in 0..64 {
                let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
                let ch = (e & f) ^ (!e & g);
                let t1 = hh
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(SHA256_K[i])
                    .wrapping_add(w[i]);
                let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
                let maj = (a & b) ^ (a & c) ^ (b & c);
                let t2 = s0.wrapping_add(maj);
                hh = g;
                g = f;
                f = e;
                e = d.wrapping_add(t1);
                d = c;
                c = b;
                b = a;
                a = t1.wrapping_add(t2);
            }
            for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
                *x = x.wrapping_add(y);
            }
        }
        h.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    fn sha512_with(data: &[u8], iv: [u64; 8]) -> [u64; 8] {
        let mut h = iv;
        for chunk in pad(data, 128, true).chunks_exact(128) {
            let mut w = [0u64; 80];
            for (i, b) in chunk.chunks_exact(8).enumerate() {
                w[i] = u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            }
            for i in 16..80 {
                let s0 = w[i - 15].rotate_right(1) ^ w[i - 15].rotate_right(8) ^ (w[i - 15] >> 7);
                let s1 = w[i - 2].rotate_right(19) ^ w[i - 2].rotate_right(61) ^ (w[i - 2] >> 6);
                w[i] = w[i - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[i - 7])
                    .wrapping_add(s1);
            }
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
            for i in 0..80 {
                let s1 = e.rotate_right(14) ^ e.rotate_right(18) ^ e.rotate_right(41);
                let ch = (e & f) ^ (!e & g);
                let t1 = hh
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(SHA512_K[i])
                    .wrapping_add(w[i]);
                let s0 = a.rotate_right(28) ^ a.rotate_right(34) ^ a.rotate_right(39);
                let maj = (a & b) ^ (a & c) ^ (b & c);
                let t2 = s0.wrapping_add(maj);
                hh = g;
                g = f;
                f = e;
                e = d.wrapping_add(t1);
                d = c;
                c = b;
                b = a;
                a = t1.wrapping_add(t2);
            }
            for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
                *x = x.wrapping_add(y);
            }
        }
        h
    }

    pub(super) fn sha512(data: &[u8]) -> Vec<u8> {
        sha512_with(data, SHA512_H)
            .iter()
            .flat_map(|x| x.to_be_bytes())
            .collect()
    }

    pub(super) fn sha384(data: &[u8]) -> Vec<u8> {
        sha512_with(data, SHA384_H)
            .iter()
            .take(6)
            .flat_map(|x| x.to_be_bytes())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_json::json;

    /// Evaluates `text` with `input` as `$`, a small context object and variables.
    fn eval_with(text: &str, input: &Value) -> Result<Value, IntrinsicError> {
        let ctx_obj = json!({"Execution": {"Id": "arn:exec", "Input": input.clone()}, "StateMachine": {"Name": "my-machine-name"}});
        let vars = json!({"name": "John", "place": "LocalStack", "tmpl": "It's {}!", "n": 3});
        let lookup = |n: &str| vars.get(n);
        let mut entropy = SplitMix64(42);
        let ctx = IntrinsicContext::new(input, &ctx_obj, &lookup, &mut entropy);
        parse(text)?.evaluate(&ctx)
    }

    fn eval(text: &str) -> Value {
        match eval_with(text, &json!({})) {
            Ok(v) => v,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn fails(text: &str, input: Value, msg: &str) {
        match eval_with(text, &input) {
            Err(e @ IntrinsicError::Failure { .. }) => {
                assert!(e.to_string().contains(msg), "{text}: {e}");
                assert_eq!(e.error_code(), "States.IntrinsicFailure");
            }
            other => panic!("{text}: expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn parse_accepts() {
        for t in [
            "States.UUID()",
            " States.UUID( ) ",
            "States.Array()",
            "States.Array(1, -2, 3.5, -1e3, true, false, null, 'x', $, $$, $x, $.a[0], $$.Execution.Id)",
            "States.Format('a{}b', $.x)",
            "States.Format('no placeholders')",
            "States.Format('Welcome to {} {}\\'s playlist.', $.firstName, $.lastName)",
            "States.Format('\\{\\}')",
            "States.Format('{\"a\": {}}', $.x)",
            "States.Format($.template, $.a, $.b)",
            "States.StringToJson('{\"constant_in_literal\": \"false\"}')",
            "States.JsonMerge(States.StringToJson('{}'), $$.Execution.Input.f, false)",
            "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
            "States.Hash($.data, 'SHA-256')",
            "States.Hash($.data, $.algorithm)",
            "States.MathRandom(1, 999)",
            "States.MathRandom($.a, $.b, 7)",
            "States.ArrayRange(1, 9, 2)",
            "States.ArrayRange(9, 1, -2)",
            "States.ArrayPartition($.a, 4)",
            "States.Array($.items[?(@.a == 'x,y)')], $['a b'])",
            "States.Array($..a, $.b[*], $.c[0:2])",
            "States.StringSplit('Hello\nWorld', '\n')",
        ] {
            assert!(parse(t).is_ok(), "{t}: {:?}", parse(t));
        }
    }

    #[test]
    fn parse_rejects() {
        for (t, msg) in [
            ("", "expected an intrinsic function"),
            ("Format('x')", "unknown intrinsic function 'Format'"),
            ("States.Foo()", "unknown intrinsic function 'States.Foo'"),
            ("States.format('x')", "unknown intrinsic function"),
            ("States.UUID", "expected '(' after States.UUID"),
            ("States.UUID(", "the call ended"),
            ("States.Array(1", "missing ')'"),
            ("States.Array(1 2)", "expected ',' or ')'"),
            ("States.Array(1,)", "unexpected ')'"),
            ("States.UUID() x", "unexpected 'x' after the call"),
            (
                "States.UUID(1)",
                "States.UUID takes 0 argument(s) but was given 1",
            ),
            (
                "States.Format()",
                "takes at least 1 argument(s) but was given 0",
            ),
            ("States.MathRandom(1)", "takes 2 to 3 argument(s)"),
            (
                "States.ArrayRange(1, 2)",
                "takes 3 argument(s) but was given 2",
            ),
            ("States.Array(\"x\")", "single quotes"),
            ("States.Array('x)", "unterminated string"),
            ("States.Array('a\\nb')", "invalid escape '\\n'"),
            ("States.Array(foo)", "unexpected 'foo'"),
            ("States.Array(1.2.3)", "invalid number"),
            ("States.Array($.a b)", "expected ',' or ')'"),
            ("States.Array($.[)", "invalid path"),
            ("States.Array(a.b)", "unexpected 'a'"),
            (
                "States.Format('{} {}', $.a)",
                "2 placeholder(s) '{}' but 1 value(s)",
            ),
            (
                "States.Format('{}')",
                "1 placeholder(s) '{}' but 0 value(s)",
            ),
            ("States.Format('x', 1)", "0 placeholder(s)"),
            (
                "States.Format(1)",
                "argument 1 of States.Format must be a string, but 1 is a number",
            ),
            (
                "States.Hash($.a, 'SHA256')",
                "unknown hash algorithm 'SHA256'",
            ),
            ("States.Hash($.a, 'md5')", "unknown hash algorithm 'md5'"),
            (
                "States.JsonMerge($.a, $.b, true)",
                "deep merge is not supported",
            ),
            ("States.JsonMerge($.a, $.b, 'false')", "must be a boolean"),
            (
                "States.JsonMerge('a', $.b, false)",
                "argument 1 of States.JsonMerge must be an object",
            ),
            ("States.ArrayRange(1, 2, 0)", "must not be zero"),
            ("States.ArrayRange(0, 2000, 1)", "at most 1000"),
            ("States.ArrayPartition($.a, 0)", "positive integer"),
            ("States.ArrayPartition($.a, -1)", "positive integer"),
            (
                "States.ArrayLength('abc')",
                "must be an array, but \"abc\" is a string",
            ),
            (
                "States.ArrayLength(States.Format('x'))",
                "States.Format returns a string",
            ),
            (
                "States.StringSplit(null, ',')",
                "must be a string, but null is null",
            ),
            ("States.MathAdd(1, 'a')", "must be a number"),
            (
                "States.Base64Encode(States.ArrayLength($.a))",
                "States.ArrayLength returns a number",
            ),
        ] {
            match parse(t) {
                Err(e @ IntrinsicError::Syntax { .. }) => {
                    assert!(e.to_string().contains(msg), "{t}: {e}");
                }
                other => panic!("{t}: expected a syntax error, got {other:?}"),
            }
        }
        let long = format!("States.Hash('{}', 'MD5')", "x".repeat(MAX_STRING_INPUT + 1));
        assert!(parse(&long).is_err());
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |n: usize| format!("{}1{}", "States.Array(".repeat(n), ")".repeat(n));
        assert!(parse(&nested(MAX_NESTING)).is_ok());
        let e = parse(&nested(MAX_NESTING + 1)).unwrap_err();
        assert!(e.to_string().contains("nested at most 10"), "{e}");
        assert!(parse(&nested(100_000)).is_err());
    }

    #[test]
    fn display_round_trips() {
        for t in [
            "States.Format('Hello {}, it\\'s \\{\\} \\\\ {}', $.a, $$.b)",
            "States.Array(1, -2.5, true, null, 'x', $x.y[0], States.UUID())",
        ] {
            let call = parse(t).unwrap();
            let shown = call.to_string();
            assert_eq!(parse(&shown).unwrap(), call, "{shown}");
        }
        assert_eq!(
            parse("States.Array( 1 ,'a' )").unwrap().to_string(),
            "States.Array(1, 'a')"
        );
    }

    #[test]
    fn paths_listed() {
        let call = parse("States.Format('{}{}{}', $.a, States.Array($$.b, $c), 'x')").unwrap();
        let paths: Vec<&str> = call.paths().iter().map(|p| p.as_str()).collect();
        assert_eq!(paths, ["$.a", "$$.b", "$c"]);
        assert_eq!(call.function(), Function::Format);
        assert_eq!(call.args().len(), 4);
    }

    #[test]
    fn function_names() {
        assert_eq!(Function::ALL.len(), 18);
        for f in Function::ALL {
            assert_eq!(Function::from_name(f.name()), Some(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!(Function::from_name("States.Nope"), None);
    }

    #[test]
    fn format() {
        let input = json!({"name": "Arnav", "template": "Hello, my name is {}."});
        assert_eq!(
            eval_with("States.Format('Hello, my name is {}.', $.name)", &input).unwrap(),
            json!("Hello, my name is Arnav.")
        );
        assert_eq!(
            eval_with("States.Format($.template, $.name)", &input).unwrap(),
            json!("Hello, my name is Arnav.")
        );
        assert_eq!(
            eval("States.Format('Hello {}, welcome to {}!', $name, $place)"),
            json!("Hello John, welcome to LocalStack!")
        );
        assert_eq!(
            eval("States.Format($tmpl, 'Pikachu')"),
            json!("It's Pikachu!")
        );
        assert_eq!(
            eval("States.Format('Welcome to {} {}\\'s playlist.', 'A', 'B')"),
            json!("Welcome to A B's playlist.")
        );
        assert_eq!(eval("States.Format('\\{\\} {}', 1)"), json!("{} 1"));
        assert_eq!(eval("States.Format('{\"a\": {}}', 1)"), json!("{\"a\": 1}"));
        assert_eq!(
            eval("States.Format('back\\\\slash {}', 'x')"),
            json!("back\\slash x")
        );
        // Values: strings raw, JSON scalars as JSON, objects and arrays as Java shows them.
        for (arg, shown) in [
            (json!(""), ""),
            (json!(" "), " "),
            (json!(null), "null"),
            (json!(1), "1"),
            (json!(1.1), "1.1"),
            (json!(true), "true"),
            (
                json!("{\"Arg1\": 1, \"Arg2\": []}"),
                "{\"Arg1\": 1, \"Arg2\": []}",
            ),
            (json!({"Arg1": 1, "Arg2": []}), "{Arg1=1, Arg2=[]}"),
            (json!([1, "a", {"b": null}]), "[1, a, {b=null}]"),
        ] {
            let input = json!({"FunctionInput": arg});
            assert_eq!(
                eval_with(
                    "States.Format('Formatting argument {}.', $.FunctionInput)",
                    &input
                )
                .unwrap(),
                json!(format!("Formatting argument {shown}."))
            );
        }
        fails(
            "States.Format($.t, 1)",
            json!({"t": "{} {}"}),
            "2 placeholder(s)",
        );
        fails(
            "States.Format($.t)",
            json!({"t": 5}),
            "argument 1 must be a string, but was: 5",
        );
    }

    #[test]
    fn string_to_json_and_back() {
        for (s, v) in [
            ("", json!(null)),
            (" ", json!(null)),
            ("null", json!(null)),
            ("-0", json!(0)),
            ("1", json!(1)),
            ("1.1", json!(1.1)),
            ("true", json!(true)),
            ("\"HelloWorld\"", json!("HelloWorld")),
            ("[1, 2, \"HelloWorld\"]", json!([1, 2, "HelloWorld"])),
            (
                "{\"Arg1\": 1, \"Arg2\": []}",
                json!({"Arg1": 1, "Arg2": []}),
            ),
        ] {
            let input = json!({"s": s});
            assert_eq!(
                eval_with("States.StringToJson($.s)", &input).unwrap(),
                v,
                "{s:?}"
            );
        }
        fails(
            "States.StringToJson($.s)",
            json!({"s": "{"}),
            "not valid JSON",
        );
        fails(
            "States.StringToJson($.s)",
            json!({"s": 1}),
            "must be a string",
        );
        for (v, s) in [
            (json!(null), "null"),
            (json!(0), "0"),
            (json!(1.1), "1.1"),
            (json!(true), "true"),
            (json!("HelloWorld"), "\"HelloWorld\""),
            (json!([1, 2, "HelloWorld"]), "[1,2,\"HelloWorld\"]"),
            (json!({"Arg1": 1, "Arg2": []}), "{\"Arg1\":1,\"Arg2\":[]}"),
        ] {
            let input = json!({"v": v});
            assert_eq!(
                eval_with("States.JsonToString($.v)", &input).unwrap(),
                json!(s)
            );
        }
    }

    #[test]
    fn arrays() {
        assert_eq!(eval("States.Array()"), json!([]));
        assert_eq!(
            eval_with("States.Array($.Id)", &json!({"Id": 123456})).unwrap(),
            json!([123456])
        );
        assert_eq!(
            eval("States.Array('Foo', 2020, null, true)"),
            json!(["Foo", 2020, null, true])
        );
        assert_eq!(
            eval_with(
                "States.Array($.a[*].b)",
                &json!({"a": [{"b": 1}, {"b": 2}]})
            )
            .unwrap(),
            json!([[1, 2]])
        );
        let input = json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]});
        assert_eq!(
            eval_with("States.ArrayPartition($.inputArray, 4)", &input).unwrap(),
            json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
        );
        assert_eq!(
            eval_with("States.ArrayPartition($.inputArray, 9.4)", &input).unwrap(),
            json!([[1, 2, 3, 4, 5, 6, 7, 8, 9]])
        );
        assert_eq!(
            eval_with("States.ArrayPartition(States.Array(), 2)", &input).unwrap(),
            json!([])
        );
        fails(
            "States.ArrayPartition($.inputArray, $.z)",
            json!({"inputArray": [], "z": 0}),
            "positive integer",
        );
        fails(
            "States.ArrayPartition($.inputArray, 2)",
            json!({"inputArray": {}}),
            "argument 1 must be an array",
        );
        assert_eq!(
            eval_with("States.ArrayContains($.inputArray, 5)", &input).unwrap(),
            json!(true)
        );
        assert_eq!(
            eval_with("States.ArrayContains($.inputArray, 10)", &input).unwrap(),
            json!(false)
        );
        for (arr, v, want) in [
            (json!([]), json!(null), false),
            (json!([[1, 2, 3], 2]), json!([1, 2, 3]), true),
            (json!([{"1": 2, "2": []}]), json!({"2": [], "1": 2}), true),
            (json!([{"1": 2, "2": []}]), json!([]), false),
            (json!([true, false]), json!(false), true),
            (json!([null]), json!(null), true),
        ] {
            let input = json!({"a": arr, "v": v});
            assert_eq!(
                eval_with("States.ArrayContains($.a, $.v)", &input).unwrap(),
                json!(want)
            );
        }
        assert_eq!(eval("States.ArrayRange(1, 9, 2)"), json!([1, 3, 5, 7, 9]));
        assert_eq!(eval("States.ArrayRange(0, 10, 3)"), json!([0, 3, 6, 9]));
        assert_eq!(eval("States.ArrayRange(1, 9, 9)"), json!([1]));
        assert_eq!(eval("States.ArrayRange(9, 1, -2)"), json!([9, 7, 5, 3, 1]));
        assert_eq!(eval("States.ArrayRange(1, 9, -2)"), json!([]));
        assert_eq!(eval("States.ArrayRange(5, 5, 1)"), json!([5]));
        assert_eq!(eval("States.ArrayRange(0.6, 2.4, 1)"), json!([1, 2]));
        assert_eq!(
            eval("States.ArrayRange(1, 1000, 1)")
                .as_array()
                .map(Vec::len),
            Some(1000)
        );
        fails(
            "States.ArrayRange($.a, $.b, 1)",
            json!({"a": 0, "b": 1000}),
            "at most 1000",
        );
        fails(
            "States.ArrayRange($.a, $.b, 1)",
            json!({"a": -9223372036854775807i64, "b": 9223372036854775807i64}),
            "at most 1000",
        );
        fails(
            "States.ArrayRange($.a, 1, 1)",
            json!({"a": "0"}),
            "must be a number",
        );
        fails(
            "States.ArrayRange($.a, 1, 1)",
            json!({"a": 1e300}),
            "must be an integer",
        );
        fails(
            "States.ArrayRange(0, 9, $.s)",
            json!({"s": 0.2}),
            "must not be zero",
        );
        let input = json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5});
        assert_eq!(
            eval_with("States.ArrayGetItem($.inputArray, $.index)", &input).unwrap(),
            json!(6)
        );
        assert_eq!(
            eval_with("States.ArrayGetItem($.inputArray, 0)", &input).unwrap(),
            json!(1)
        );
        fails(
            "States.ArrayGetItem($.inputArray, 9)",
            input.clone(),
            "index 9 is out of bounds for an array of length 9",
        );
        fails(
            "States.ArrayGetItem($.inputArray, $.i)",
            json!({"inputArray": [1], "i": -1}),
            "out of bounds",
        );
        assert_eq!(
            eval_with("States.ArrayLength($.inputArray)", &input).unwrap(),
            json!(9)
        );
        let dupes = json!({"a": [1, 2, 3, 3, 3, 3, 3, 3, 4]});
        assert_eq!(
            eval_with("States.ArrayUnique($.a)", &dupes).unwrap(),
            json!([1, 2, 3, 4])
        );
        let mixed = json!({"a": [null, null, true, true, false, false, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld", [], [], [null], [null], {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1, "b": 1}, 1.0]});
        assert_eq!(
            eval_with("States.ArrayUnique($.a)", &mixed).unwrap(),
            json!([null, true, false, 1, 1.1, 0, "HelloWorld", [], [null], {"a": 1, "b": 2}, {"a": 1, "b": 1}, 1.0])
        );
        fails(
            "States.ArrayLength($.a)",
            json!({"a": "abc"}),
            "argument 1 must be an array, but was: \"abc\"",
        );
    }

    #[test]
    fn base64() {
        assert_eq!(
            eval("States.Base64Encode('Data to encode')"),
            json!("RGF0YSB0byBlbmNvZGU=")
        );
        assert_eq!(
            eval("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')"),
            json!("Data to encode")
        );
        assert_eq!(
            eval("States.Base64Decode('RGF0YSB0byBlbmNvZGU')"),
            json!("Data to encode")
        );
        assert_eq!(eval("States.Base64Decode('')"), json!(""));
        assert_eq!(eval("States.Base64Encode('')"), json!(""));
        for s in ["f", "fo", "foo", "foob", "fooba", "foobar", "héllo wörld ✓"] {
            let input = json!({"s": s});
            let enc = eval_with("States.Base64Encode($.s)", &input).unwrap();
            let back = eval_with("States.Base64Decode($.e)", &json!({"e": enc})).unwrap();
            assert_eq!(back, json!(s));
        }
        assert_eq!(eval("States.Base64Encode('foobar')"), json!("Zm9vYmFy"));
        assert_eq!(eval("States.Base64Encode('fooba')"), json!("Zm9vYmE="));
        assert_eq!(eval("States.Base64Encode('foob')"), json!("Zm9vYg=="));
        // MIME decoding skips what is not Base64 (line breaks...).
        let wrapped = json!({"e": "Zm9v\r\nYmFy !"});
        assert_eq!(
            eval_with("States.Base64Decode($.e)", &wrapped).unwrap(),
            json!("foobar")
        );
        fails(
            "States.Base64Decode('Zm9vY')",
            json!({}),
            "not a valid Base64",
        );
        fails(
            "States.Base64Decode('Zm=9v')",
            json!({}),
            "not a valid Base64",
        );
        let big = json!({"s": "x".repeat(MAX_STRING_INPUT + 1)});
        fails(
            "States.Base64Encode($.s)",
            big.clone(),
            "at most 10000 characters",
        );
        fails("States.Base64Decode($.s)", big, "at most 10000 characters");
        let ok_size = json!({"s": "é".repeat(MAX_STRING_INPUT)});
        assert!(eval_with("States.Base64Encode($.s)", &ok_size).is_ok());
    }

    #[test]
    fn hash() {
        let vectors = [
            ("MD5", "", "d41d8cd98f00b204e9800998ecf8427e"),
            ("MD5", "input data", "812f45842bc6d66ee14572ce20db8e86"),
            ("SHA-1", "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (
                "SHA-1",
                "input data",
                "aaff4a450a104cd177d28d18d74485e8cae074b7",
            ),
            (
                "SHA-256",
                "",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                "SHA-256",
                "Hash this string",
                "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e",
            ),
            (
                "SHA-384",
                "",
                "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
            ),
            (
                "SHA-384",
                "input data",
                "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562",
            ),
            (
                "SHA-512",
                "",
                "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            ),
            (
                "SHA-512",
                "Hash this string",
                "876cd6463eece0fb7841979ee32d2e01f15fca63308f931adcb82837597327fd7d002e19bb3ffe088e4e333ff8dce5cda5a181ad5883ec33fa9838c3834bd881",
            ),
        ];
        for (alg, data, want) in vectors {
            let input = json!({"Data": data, "Algorithm": alg});
            assert_eq!(
                eval_with("States.Hash($.Data, $.Algorithm)", &input).unwrap(),
                json!(want),
                "{alg} {data:?}"
            );
        }
        // Several blocks.
        let long = json!({"d": "a".repeat(200)});
        for (alg, want) in [
            ("MD5", "887f30b43b2867f4a9accceee7d16e6c"),
            ("SHA-1", "e61cfffe0d9195a525fc6cf06ca2d77119c24a40"),
            (
                "SHA-256",
                "c2a908d98f5df987ade41b5fce213067efbcc21ef2240212a41e54b5e7c28ae5",
            ),
            (
                "SHA-384",
                "0691b6e978614b67d60557b2a2cddd53406508522efa21c624dbbfa8ab6e726d5c586b489c7c09f24109a64c10211d48",
            ),
            (
                "SHA-512",
                "4b11459c33f52a22ee8236782714c150a3b2c60994e9acee17fe68947a3e6789f31e7668394592da7bef827cddca88c4e6f86e4df7ed1ae6cba71f3e98faee9f",
            ),
        ] {
            let text = format!("States.Hash($.d, '{alg}')");
            assert_eq!(eval_with(&text, &long).unwrap(), json!(want), "{alg}");
        }
        fails(
            "States.Hash($.d, $.a)",
            json!({"d": "x", "a": "SHA-3"}),
            "unknown hash algorithm 'SHA-3'",
        );
        fails(
            "States.Hash($.d, 'MD5')",
            json!({"d": 1}),
            "argument 1 must be a string",
        );
        fails(
            "States.Hash($.d, 'MD5')",
            json!({"d": "x".repeat(10_001)}),
            "at most 10000 characters",
        );
    }

    #[test]
    fn json_merge() {
        let input = json!({"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}});
        assert_eq!(
            eval_with("States.JsonMerge($.json1, $.json2, false)", &input).unwrap(),
            json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3})
        );
        assert_eq!(
            eval_with("States.JsonMerge(States.StringToJson('{\"constant_in_literal\": \"false\"}'), $$.Execution.Input.input_field, false)", &json!({"input_field": {"constant_input_field": "constant_value"}})).unwrap(),
            json!({"constant_in_literal": "false", "constant_input_field": "constant_value"})
        );
        fails(
            "States.JsonMerge($.json1, $.json2, $.deep)",
            json!({"json1": {}, "json2": {}, "deep": true}),
            "deep merge is not supported",
        );
        fails(
            "States.JsonMerge($.json1, $.json2, false)",
            json!({"json1": [], "json2": {}}),
            "argument 1 must be an object",
        );
    }

    #[test]
    fn math() {
        for (a, b, sum) in [
            (json!(-9), json!(3), -6),
            (json!(1.49), json!(1.5), 3),
            (json!(1.5), json!(1.51), 4),
            (json!(-1.49), json!(-1.5), -2),
            (json!(-1.5), json!(-1.51), -3),
            (json!(1.49), json!(-1.49), 0),
            (json!(0.5), json!(0), 1),
            (json!(2.5), json!(0), 3),
            (json!(-0.5), json!(0), 0),
            (json!(-0.5), json!(0.5), 1),
            (json!(-2.5), json!(0), -2),
            (json!(-3.5), json!(0), -3),
        ] {
            let input = json!({"a": a, "b": b});
            assert_eq!(
                eval_with("States.MathAdd($.a, $.b)", &input).unwrap(),
                json!(sum),
                "{input}"
            );
        }
        assert_eq!(eval("States.MathAdd($n, -1)"), json!(2));
        assert_eq!(eval("States.MathAdd(0.49999999999999994, 0)"), json!(0));
        assert_eq!(eval("States.MathAdd(-0.49999999999999994, 0)"), json!(0));
        assert_eq!(
            eval("States.MathAdd(4503599627370495.5, 0)"),
            json!(4503599627370496i64)
        );
        fails(
            "States.MathAdd($.a, 1)",
            json!({"a": 9223372036854775807i64}),
            "overflows",
        );
        fails(
            "States.MathAdd($.a, 1)",
            json!({"a": "1"}),
            "must be a number",
        );
        for _ in 0..3 {
            for (start, end) in [(1, 999), (-99999, -9999), (12, 13)] {
                let text = format!("States.MathRandom({start}, {end})");
                let v = eval(&text).as_i64().unwrap();
                assert!((start..end).contains(&v), "{text} -> {v}");
            }
        }
        assert_eq!(eval("States.MathRandom(12, 13)"), json!(12));
        let v = eval("States.MathRandom(12.5, 44.51)").as_i64().unwrap();
        assert!((13..45).contains(&v));
        // A seed makes the draw reproducible, whatever the entropy.
        let a = eval("States.MathRandom(0, 1000000, 7)");
        let input = json!({});
        let ctx_obj = json!({});
        let none = |_: &str| None;
        let mut other = SplitMix64(1234);
        let ctx = IntrinsicContext::new(&input, &ctx_obj, &none, &mut other);
        assert_eq!(
            parse("States.MathRandom(0, 1000000, 7)")
                .unwrap()
                .evaluate(&ctx)
                .unwrap(),
            a
        );
        fails(
            "States.MathRandom(5, 5)",
            json!({}),
            "must be greater than the start number",
        );
        fails(
            "States.MathRandom(5, $.e)",
            json!({"e": 1}),
            "must be greater",
        );
    }

    #[test]
    fn string_split() {
        let input = json!({"inputString": "1,2,3,4,5", "splitter": ","});
        assert_eq!(
            eval_with("States.StringSplit($.inputString, $.splitter)", &input).unwrap(),
            json!(["1", "2", "3", "4", "5"])
        );
        let input = json!({"inputString": "This.is+a,test=string", "splitter": ".+,="});
        assert_eq!(
            eval_with("States.StringSplit($.inputString, $.splitter)", &input).unwrap(),
            json!(["This", "is", "a", "test", "string"])
        );
        let csv = json!({"FunctionInput": "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"});
        assert_eq!(
            eval_with(
                "States.StringSplit($$.Execution.Input.FunctionInput, ',')",
                &csv
            )
            .unwrap(),
            json!([
                "Value1",
                "Value2",
                "Value3\nValue4",
                "Value5",
                "Value6\n",
                "\ntrue",
                "1",
                "'HelloWorld'\nNull",
                "None",
                "\n   \n"
            ])
        );
        assert_eq!(
            eval("States.StringSplit('Hello\nWorld', '\n')"),
            json!(["Hello", "World"])
        );
        assert_eq!(eval("States.StringSplit('abc', '')"), json!(["abc"]));
        assert_eq!(eval("States.StringSplit('', ',')"), json!([]));
        assert_eq!(eval("States.StringSplit('a←b', '←')"), json!(["a", "b"]));
        assert_eq!(
            eval("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)"),
            json!("my")
        );
        assert_eq!(
            eval(
                "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))"
            ),
            json!("name")
        );
    }

    #[test]
    fn uuid() {
        let u = eval("States.UUID()");
        let s = u.as_str().unwrap();
        assert_eq!(s.len(), 36);
        let groups: Vec<&str> = s.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('4'), "{s}");
        assert!(
            matches!(groups[3].chars().next(), Some('8' | '9' | 'a' | 'b')),
            "{s}"
        );
        assert!(
            s.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        // Two draws differ, and the same seed gives the same UUID.
        assert_ne!(SplitMix64(1).uuid(), SplitMix64(2).uuid());
        assert_eq!(SplitMix64(1).uuid(), SplitMix64(1).uuid());
        assert_eq!(eval("States.UUID()"), u);
    }

    #[test]
    fn path_arguments() {
        let e = eval_with("States.Array($undefined)", &json!({})).unwrap_err();
        assert!(e.to_string().contains("'undefined' is not defined"), "{e}");
        let e = eval_with("States.Array($.missing)", &json!({})).unwrap_err();
        assert!(
            matches!(e, IntrinsicError::Path(PathError::NotFound { .. })),
            "{e:?}"
        );
        assert_eq!(e.error_code(), "States.Runtime");
        assert!(
            e.to_string()
                .contains("Missing property in path $['missing']"),
            "{e}"
        );
        assert_eq!(
            eval("States.Array($$.Execution.Id, $name)"),
            json!(["arn:exec", "John"])
        );
        assert_eq!(
            eval_with(
                "States.Array($.a[?(@.x == 'a,b)')].y)",
                &json!({"a": [{"x": "a,b)", "y": 1}, {"x": "c", "y": 2}]})
            )
            .unwrap(),
            json!([[1]])
        );
    }
}
