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
    let parsed =
        crate::path::parse(text).map_err(|_| "Value is not a valid JSONPath".to_string())?;
    let allowed = match kind {
        PathKind::General => true,
        PathKind::Reference => parsed.is_reference_path(),
        PathKind::ResultPath => {
            parsed.is_reference_path() && *parsed.root() == crate::path::Root::Input
        }
    };
    if !allowed {
        return Err("Value is not a Reference Path".into());
    }
    Ok(Path {
        text: text.to_string(),
        parsed,
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
    let call = crate::intrinsic::parse(text).map_err(|e| match e {
        crate::intrinsic::IntrinsicError::Syntax { message, .. } => {
            format!("Value is not a valid intrinsic function call: {message}")
        }
        other => format!("Value is not a valid intrinsic function call: {other}"),
    })?;
    Ok(Intrinsic {
        text: text.to_string(),
        call,
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
    let compiled = baton_jsonata::Expression::parse(text).map_err(|e| e.to_string())?;
    Ok(JsonataExpr {
        text: text.to_string(),
        compiled: std::sync::Arc::new(compiled),
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
