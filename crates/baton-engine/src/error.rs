//! Errors as Step Functions names them: an error name and a cause, matched by `ErrorEquals`.

use baton_json::{Json as Value, Map, json};

/// `States.ALL`: matches every error except `States.Runtime`.
pub const ALL: &str = "States.ALL";
/// A runtime error that cannot be retried or caught (bad path, wrong type...).
pub const RUNTIME: &str = "States.Runtime";
/// Any task failure except a timeout.
pub const TASK_FAILED: &str = "States.TaskFailed";
/// A task or the execution ran past its `TimeoutSeconds`, or a heartbeat was missed.
pub const TIMEOUT: &str = "States.Timeout";
/// An intrinsic function failed.
pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
/// A JSONata expression failed or returned something the field cannot take.
pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
/// No Choice rule matched and there is no `Default`.
pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
/// `ResultPath` could not be applied to the input.
pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
/// A payload exceeded 256 KiB.
pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
/// A Map's failures exceeded its tolerated failure threshold.
pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
/// A Parallel branch failed (unused by AWS in practice: the branch's own error propagates).
pub const BRANCH_FAILED: &str = "States.BranchFailed";

/// An error raised while running a state: what `Retry` and `Catch` match on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatesError {
    /// The error name (`States.Timeout`, or a user's own name).
    pub error: String,
    /// Human-readable details; may be absent.
    pub cause: Option<String>,
    /// The field a JSONata evaluation failed in (`Output/v`), for `EvaluationFailed` events.
    pub location: Option<String>,
}

impl StatesError {
    /// An error with a cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        StatesError {
            error: error.into(),
            cause: Some(cause.into()),
            location: None,
        }
    }

    /// An error without a cause.
    pub fn bare(error: impl Into<String>) -> Self {
        StatesError {
            error: error.into(),
            cause: None,
            location: None,
        }
    }

    /// `States.Runtime` with a cause.
    pub fn runtime(cause: impl Into<String>) -> Self {
        Self::new(RUNTIME, cause)
    }

    /// `States.QueryEvaluationError` with a cause.
    pub fn query(cause: impl Into<String>) -> Self {
        Self::new(QUERY_EVALUATION_ERROR, cause)
    }

    /// `States.IntrinsicFailure` with a cause.
    pub fn intrinsic(cause: impl Into<String>) -> Self {
        Self::new(INTRINSIC_FAILURE, cause)
    }

    /// The error output a `Catch` passes on: `{"Error": ..., "Cause": ...}`.
    pub fn to_output(&self) -> Value {
        let mut m = Map::new();
        m.insert("Error".into(), json!(self.error));
        if let Some(c) = &self.cause {
            m.insert("Cause".into(), json!(c));
        }
        Value::from_map(m)
    }

    /// Whether a retrier or catcher listing `names` handles this error. `States.Runtime` is
    /// never retried nor caught, whatever the list says.
    pub fn matched_by(&self, names: &[String]) -> bool {
        if self.error == RUNTIME {
            return false;
        }
        names.iter().any(|n| {
            n == &self.error
                || (n == ALL && self.error != RUNTIME)
                || (n == TASK_FAILED && self.error != TIMEOUT && self.error != RUNTIME)
        })
    }
}

impl std::fmt::Display for StatesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cause {
            Some(c) => write!(f, "{}: {c}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for StatesError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matching_rules() {
        let user = StatesError::new("MyError", "x");
        assert!(user.matched_by(&names(&["MyError"])));
        assert!(user.matched_by(&names(&[ALL])));
        assert!(user.matched_by(&names(&[TASK_FAILED])));
        assert!(!user.matched_by(&names(&["myerror"])));
        let timeout = StatesError::new(TIMEOUT, "t");
        assert!(!timeout.matched_by(&names(&[TASK_FAILED])));
        assert!(timeout.matched_by(&names(&[ALL])));
        let runtime = StatesError::runtime("r");
        assert!(!runtime.matched_by(&names(&[ALL])));
        assert!(!runtime.matched_by(&names(&[RUNTIME])));
    }

    #[test]
    fn error_output_omits_missing_cause() {
        let e = StatesError::bare("E");
        assert_eq!(e.to_output(), json!({"Error": "E"}));
        assert_eq!(
            StatesError::new("E", "c").to_output(),
            json!({"Error": "E", "Cause": "c"})
        );
    }
}
