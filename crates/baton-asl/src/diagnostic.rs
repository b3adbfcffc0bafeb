//! Diagnostics: what validation and lint report, in the shape of AWS's
//! `ValidateStateMachineDefinition` answer plus a line and column in the source.

use crate::source::Position;
use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The definition is invalid: AWS would reject it.
    Error,
    /// The definition is valid but departs from best practice.
    Warning,
}

impl Severity {
    /// The name AWS uses (`ERROR`, `WARNING`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stable diagnostic codes. AWS's own codes where AWS has one; Baton's lint codes otherwise.
pub mod codes {
    /// The text is not valid JSON (or YAML).
    pub const INVALID_JSON_DESCRIPTION: &str = "INVALID_JSON_DESCRIPTION";
    /// A field is unknown, missing, ill-typed, out of range or not allowed here.
    pub const SCHEMA_VALIDATION_FAILED: &str = "SCHEMA_VALIDATION_FAILED";
    /// A `Resource` is not a valid ARN or is not allowed here.
    pub const INVALID_RESOURCE: &str = "INVALID_RESOURCE";
    /// No state can end the workflow.
    pub const MISSING_END_STATE: &str = "MISSING_END_STATE";
    /// A transition names no state, or a state cannot be reached.
    pub const MISSING_TRANSITION_TARGET: &str = "MISSING_TRANSITION_TARGET";
    /// Two states share a name.
    pub const DUPLICATE_STATE_NAME: &str = "DUPLICATE_STATE_NAME";
    /// A state name is too long or has forbidden characters.
    pub const INVALID_STATE_NAME: &str = "INVALID_STATE_NAME";
    /// Two Map states share a Label.
    pub const DUPLICATE_LABEL_NAME: &str = "DUPLICATE_LABEL_NAME";
    /// A Map Label is empty, too long or has forbidden characters.
    pub const INVALID_LABEL_NAME: &str = "INVALID_LABEL_NAME";
    /// The definition nests Parallel/Map states too deeply.
    pub const TOO_DEEPLY_NESTED: &str = "TOO_DEEPLY_NESTED";
    /// A value looks like a path but its key does not end in `.$` (AWS warning).
    pub const NO_DOLLAR: &str = "NO_DOLLAR";
    /// A value looks like a path but its field name does not end in `Path` (AWS warning).
    pub const NO_PATH: &str = "NO_PATH";
    /// A key ending in `.$` inside a JSONata template: AWS keeps it as a literal key.
    pub const JSONATA_DOLLAR_KEY: &str = "JSONATA_DOLLAR_KEY";
    /// A path inside a Pass state's `Result` is not evaluated (AWS warning).
    pub const PASS_RESULT_IS_STATIC: &str = "PASS_RESULT_IS_STATIC";
}

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// ERROR or WARNING.
    pub severity: Severity,
    /// Stable code (see [`codes`] and the lint codes in [`crate::lint`]).
    pub code: &'static str,
    /// What is wrong, in AWS's words where AWS has words for it.
    pub message: String,
    /// JSON-pointer-like location as AWS gives it (`/States/Foo/Next`); `None` for problems of
    /// the whole workflow (AWS omits the location then).
    pub location: Option<String>,
    /// Where in the source text.
    pub pos: Position,
}

impl Diagnostic {
    /// A new ERROR.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        location: &str,
        pos: Position,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: Some(location.to_string()),
            pos,
        }
    }

    /// A new WARNING.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        location: &str,
        pos: Position,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, location, pos)
        }
    }

    /// The text AWS puts in an `InvalidDefinition` message for this diagnostic:
    /// `CODE: message at /location`.
    pub fn aws_text(&self) -> String {
        format!(
            "{}: {} at {}",
            self.code,
            self.message,
            self.location.as_deref().unwrap_or("null")
        )
    }
}

/// The message of AWS's `InvalidDefinition` error for a list of error diagnostics:
/// `Invalid State Machine Definition: 'CODE: message at /loc, CODE: ...'`.
pub fn invalid_definition_message(diagnostics: &[Diagnostic]) -> String {
    let parts: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(Diagnostic::aws_text)
        .collect();
    format!("Invalid State Machine Definition: '{}'", parts.join(", "))
}
