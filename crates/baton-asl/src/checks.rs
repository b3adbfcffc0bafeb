//! The bridge from the validator to the expression languages: JSONPath, intrinsic functions and
//! JSONata. Each function parses a string found in a definition into the model's type, or says
//! why it cannot.

use crate::model::{Intrinsic, JsonataExpr, Path};

/// Which paths a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathKind {
    /// Any JSONPath (filters, wildcards, slices...) on `$`, `$$` or a variable.
    General,
    /// A reference path (single node) on `$`, `$$` or a variable.
    Reference,
    /// A reference path on the state's data only (`ResultPath`: no `$$`, no variables).
    ResultPath,
}

/// Parses a path for a field that accepts paths of `kind`.
pub(crate) fn path(text: &str, kind: PathKind) -> Result<Path, String> {
    if !text.starts_with('$') {
        return Err("Value is not a valid JSONPath".into());
    }
    let indefinite = text.contains("..")
        || text.contains('*')
        || text.contains("?(")
        || text.contains(':')
        || text.contains(',');
    match kind {
        PathKind::General => {}
        PathKind::Reference => {
            if indefinite {
                return Err("Value is not a Reference Path".into());
            }
        }
        PathKind::ResultPath => {
            if indefinite || text.starts_with("$$") || variable_name(text).is_some() {
                return Err("Value is not a Reference Path".into());
            }
        }
    }
    Ok(Path {
        text: text.to_string(),
    })
}

/// The variable a path reads (`$name...`), if it reads one.
pub(crate) fn variable_name(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('$')?;
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Whether a string is meant as an intrinsic function call.
pub(crate) fn looks_like_intrinsic(text: &str) -> bool {
    text.trim_start().starts_with("States.")
}

/// Parses an intrinsic function call.
pub(crate) fn intrinsic(text: &str) -> Result<Intrinsic, String> {
    let t = text.trim();
    if !(t.starts_with("States.") && t.ends_with(')') && t.contains('(')) {
        return Err("Value is not a valid intrinsic function call".into());
    }
    Ok(Intrinsic {
        text: text.to_string(),
    })
}

/// The body of a `{% ... %}` string, if it is one.
pub(crate) fn jsonata_body(text: &str) -> Option<&str> {
    text.strip_prefix("{%")?.strip_suffix("%}")
}

/// Parses a JSONata expression (the text between `{%` and `%}`).
pub(crate) fn jsonata(text: &str) -> Result<JsonataExpr, String> {
    if text.trim().is_empty() {
        return Err("the expression is empty".into());
    }
    Ok(JsonataExpr {
        text: text.to_string(),
    })
}

/// The variables a JSONata expression reads (`$name` not bound inside the expression),
/// excluding `$states` and built-in functions.
pub(crate) fn jsonata_variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut in_string: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        if let Some(q) = in_string {
            if c == '\\' {
                chars.next();
            } else if c == q {
                in_string = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            in_string = Some(c);
            continue;
        }
        if c == '$' {
            let rest = &text[i + 1..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            let is_call = rest[end..].trim_start().starts_with('(');
            if !name.is_empty() && name != "states" && !is_call {
                out.push(name.to_string());
            }
        }
    }
    out
}
