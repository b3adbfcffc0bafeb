//! JSONPath Choice rules: every comparison operator, the `...Path` forms, the type tests, and
//! `And`/`Or`/`Not`, with AWS's no-coercion semantics.

use crate::dataflow::{Env, read_optional, read_reference};
use crate::error::StatesError;
use crate::time::parse_timestamp;
use baton_asl::model::{Comparison, Condition, Operand};
use baton_json::Json as Value;
use std::cmp::Ordering;

/// Evaluates a JSONPath condition against the state's effective input. JSONata conditions are
/// not handled here (the caller evaluates them).
pub fn evaluate(condition: &Condition, data: &Value, env: &Env<'_>) -> Result<bool, StatesError> {
    match condition {
        Condition::And(items) => {
            for c in items {
                if !evaluate(c, data, env)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(items) => {
            for c in items {
                if evaluate(c, data, env)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!evaluate(inner, data, env)?),
        Condition::Compare {
            variable,
            op,
            operand,
        } => {
            if *op == Comparison::IsPresent {
                let present = read_optional(variable, data, env)?.is_some();
                return Ok(present == (operand_literal(operand) == Some(&Value::Bool(true))));
            }
            let value = read_reference(variable, data, env)?;
            let rhs = match operand {
                Operand::Literal(v) => v.clone(),
                Operand::Path(p) => read_reference(p, data, env)?,
            };
            Ok(compare(*op, &value, &rhs))
        }
        Condition::Jsonata(_) => Err(StatesError::runtime(
            "a JSONata condition reached the JSONPath evaluator",
        )),
    }
}

fn operand_literal(operand: &Operand) -> Option<&Value> {
    match operand {
        Operand::Literal(v) => Some(v),
        Operand::Path(_) => None,
    }
}

/// Applies one comparison: a type mismatch is simply false.
pub fn compare(op: Comparison, value: &Value, rhs: &Value) -> bool {
    use Comparison::*;
    let flag = rhs.as_bool();
    match op {
        IsNull => Some(value.is_null()) == flag,
        IsPresent => flag == Some(true),
        IsNumeric => Some(value.is_number()) == flag,
        IsString => Some(value.is_string()) == flag,
        IsBoolean => Some(value.is_boolean()) == flag,
        IsTimestamp => {
            let is = value.as_str().is_some_and(|s| parse_timestamp(s).is_some());
            Some(is) == flag
        }
        BooleanEquals => value.is_boolean() && value.as_bool() == rhs.as_bool(),
        NumericEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals
        | NumericLessThan
        | NumericLessThanEquals => match (value.as_f64(), rhs.as_f64()) {
            (Some(a), Some(b)) if value.is_number() && rhs.is_number() => {
                ordered(op, a.partial_cmp(&b))
            }
            _ => false,
        },
        StringEquals
        | StringGreaterThan
        | StringGreaterThanEquals
        | StringLessThan
        | StringLessThanEquals => match (value.as_str(), rhs.as_str()) {
            // Java's String.compareTo: UTF-16 code units.
            (Some(a), Some(b)) => ordered(op, Some(a.encode_utf16().cmp(b.encode_utf16()))),
            _ => false,
        },
        StringMatches => match (value.as_str(), rhs.as_str()) {
            (Some(a), Some(pattern)) => string_matches(a, pattern),
            _ => false,
        },
        TimestampEquals
        | TimestampGreaterThan
        | TimestampGreaterThanEquals
        | TimestampLessThan
        | TimestampLessThanEquals => {
            match (
                value.as_str().and_then(parse_timestamp),
                rhs.as_str().and_then(parse_timestamp),
            ) {
                (Some(a), Some(b)) => ordered(op, Some(a.cmp(&b))),
                _ => false,
            }
        }
    }
}

fn ordered(op: Comparison, ord: Option<Ordering>) -> bool {
    use Comparison::*;
    let Some(ord) = ord else { return false };
    match op {
        NumericEquals | StringEquals | TimestampEquals => ord == Ordering::Equal,
        NumericGreaterThan | StringGreaterThan | TimestampGreaterThan => ord == Ordering::Greater,
        NumericGreaterThanEquals | StringGreaterThanEquals | TimestampGreaterThanEquals => {
            ord != Ordering::Less
        }
        NumericLessThan | StringLessThan | TimestampLessThan => ord == Ordering::Less,
        NumericLessThanEquals | StringLessThanEquals | TimestampLessThanEquals => {
            ord != Ordering::Greater
        }
        _ => false,
    }
}

/// `StringMatches`: `*` matches any run of characters; `\*` is a literal asterisk and `\\` a
/// literal backslash.
pub fn string_matches(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Char(char),
        Star,
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => toks.push(Tok::Char(n)),
                None => toks.push(Tok::Char('\\')),
            },
            '*' => toks.push(Tok::Star),
            c => toks.push(Tok::Char(c)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Greedy matching with backtracking to the last star: linear in practice, never exponential.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| *t == Tok::Star)
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_json::json;

    #[test]
    fn string_matches_globs() {
        assert!(string_matches("log-2024.txt", "log-*.txt"));
        assert!(string_matches("abc", "*"));
        assert!(string_matches("", "*"));
        assert!(!string_matches("abc", "ab"));
        assert!(string_matches("a*c", "a\\*c"));
        assert!(!string_matches("abc", "a\\*c"));
        assert!(string_matches("a\\b", "a\\\\b"));
        assert!(string_matches("aaa", "*a*a*a*"));
        assert!(!string_matches("aa", "*a*a*a*"));
    }

    #[test]
    fn no_coercion() {
        assert!(!compare(Comparison::NumericEquals, &json!("1"), &json!(1)));
        assert!(compare(Comparison::NumericEquals, &json!(1.0), &json!(1)));
        assert!(!compare(Comparison::StringEquals, &json!(1), &json!("1")));
        assert!(!compare(
            Comparison::BooleanEquals,
            &json!("true"),
            &json!(true)
        ));
        assert!(compare(Comparison::IsNull, &json!(null), &json!(true)));
        assert!(compare(Comparison::IsString, &json!(1), &json!(false)));
    }

    #[test]
    fn ordering() {
        assert!(compare(
            Comparison::StringLessThan,
            &json!("a"),
            &json!("b")
        ));
        assert!(compare(
            Comparison::NumericGreaterThanEquals,
            &json!(2),
            &json!(2)
        ));
        assert!(compare(
            Comparison::TimestampGreaterThan,
            &json!("2016-03-14T01:59:00Z"),
            &json!("2016-03-14T02:00:00+01:00")
        ));
        assert!(compare(
            Comparison::TimestampEquals,
            &json!("2016-03-14T01:00:00.000Z"),
            &json!("2016-03-14T02:00:00+01:00")
        ));
        assert!(!compare(
            Comparison::TimestampEquals,
            &json!("yesterday"),
            &json!("yesterday")
        ));
        assert!(compare(
            Comparison::IsTimestamp,
            &json!("2016-03-14T01:59:00Z"),
            &json!(true)
        ));
    }
}
