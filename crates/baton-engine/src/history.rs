//! History events as AWS records them: `HistoryEventType` names, ids, `previousEventId`, and the
//! `...EventDetails` shapes that `GetExecutionHistory` returns.

use baton_json::{Json as Value, json};
use std::sync::Arc;

/// The type of a history event (AWS's `HistoryEventType`), for the events Baton records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[allow(missing_docs)]
pub enum HistoryEventType {
    ExecutionStarted,
    ExecutionSucceeded,
    ExecutionFailed,
    ExecutionAborted,
    ExecutionTimedOut,
    ExecutionRedriven,
    PassStateEntered,
    PassStateExited,
    TaskStateEntered,
    TaskStateExited,
    TaskStateAborted,
    ChoiceStateEntered,
    ChoiceStateExited,
    WaitStateEntered,
    WaitStateExited,
    WaitStateAborted,
    SucceedStateEntered,
    SucceedStateExited,
    FailStateEntered,
    ParallelStateEntered,
    ParallelStateExited,
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    ParallelStateAborted,
    MapStateEntered,
    MapStateExited,
    MapStateStarted,
    MapStateSucceeded,
    MapStateFailed,
    MapStateAborted,
    MapIterationStarted,
    MapIterationSucceeded,
    MapIterationFailed,
    MapIterationAborted,
    MapRunStarted,
    MapRunSucceeded,
    MapRunFailed,
    MapRunRedriven,
    TaskScheduled,
    TaskStarted,
    TaskSucceeded,
    TaskFailed,
    TaskTimedOut,
    LambdaFunctionScheduled,
    LambdaFunctionStarted,
    LambdaFunctionSucceeded,
    LambdaFunctionFailed,
    LambdaFunctionTimedOut,
    ActivityScheduled,
    ActivityStarted,
    ActivitySucceeded,
    ActivityFailed,
    ActivityTimedOut,
    EvaluationFailed,
}

impl HistoryEventType {
    /// AWS's name of the type.
    pub fn as_str(self) -> &'static str {
        use HistoryEventType::*;
        match self {
            ExecutionStarted => "ExecutionStarted",
            ExecutionSucceeded => "ExecutionSucceeded",
            ExecutionFailed => "ExecutionFailed",
            ExecutionAborted => "ExecutionAborted",
            ExecutionTimedOut => "ExecutionTimedOut",
            ExecutionRedriven => "ExecutionRedriven",
            PassStateEntered => "PassStateEntered",
            PassStateExited => "PassStateExited",
            TaskStateEntered => "TaskStateEntered",
            TaskStateExited => "TaskStateExited",
            TaskStateAborted => "TaskStateAborted",
            ChoiceStateEntered => "ChoiceStateEntered",
            ChoiceStateExited => "ChoiceStateExited",
            WaitStateEntered => "WaitStateEntered",
            WaitStateExited => "WaitStateExited",
            WaitStateAborted => "WaitStateAborted",
            SucceedStateEntered => "SucceedStateEntered",
            SucceedStateExited => "SucceedStateExited",
            FailStateEntered => "FailStateEntered",
            ParallelStateEntered => "ParallelStateEntered",
            ParallelStateExited => "ParallelStateExited",
            ParallelStateStarted => "ParallelStateStarted",
            ParallelStateSucceeded => "ParallelStateSucceeded",
            ParallelStateFailed => "ParallelStateFailed",
            ParallelStateAborted => "ParallelStateAborted",
            MapStateEntered => "MapStateEntered",
            MapStateExited => "MapStateExited",
            MapStateStarted => "MapStateStarted",
            MapStateSucceeded => "MapStateSucceeded",
            MapStateFailed => "MapStateFailed",
            MapStateAborted => "MapStateAborted",
            MapIterationStarted => "MapIterationStarted",
            MapIterationSucceeded => "MapIterationSucceeded",
            MapIterationFailed => "MapIterationFailed",
            MapIterationAborted => "MapIterationAborted",
            MapRunStarted => "MapRunStarted",
            MapRunSucceeded => "MapRunSucceeded",
            MapRunFailed => "MapRunFailed",
            MapRunRedriven => "MapRunRedriven",
            TaskScheduled => "TaskScheduled",
            TaskStarted => "TaskStarted",
            TaskSucceeded => "TaskSucceeded",
            TaskFailed => "TaskFailed",
            TaskTimedOut => "TaskTimedOut",
            LambdaFunctionScheduled => "LambdaFunctionScheduled",
            LambdaFunctionStarted => "LambdaFunctionStarted",
            LambdaFunctionSucceeded => "LambdaFunctionSucceeded",
            LambdaFunctionFailed => "LambdaFunctionFailed",
            LambdaFunctionTimedOut => "LambdaFunctionTimedOut",
            ActivityScheduled => "ActivityScheduled",
            ActivityStarted => "ActivityStarted",
            ActivitySucceeded => "ActivitySucceeded",
            ActivityFailed => "ActivityFailed",
            ActivityTimedOut => "ActivityTimedOut",
            EvaluationFailed => "EvaluationFailed",
        }
    }

    /// The field of `HistoryEvent` that carries this type's details, if it has any.
    pub fn details_field(self) -> Option<&'static str> {
        use HistoryEventType::*;
        Some(match self {
            ExecutionStarted => "executionStartedEventDetails",
            ExecutionSucceeded => "executionSucceededEventDetails",
            ExecutionFailed => "executionFailedEventDetails",
            ExecutionAborted => "executionAbortedEventDetails",
            ExecutionTimedOut => "executionTimedOutEventDetails",
            ExecutionRedriven => "executionRedrivenEventDetails",
            PassStateEntered | TaskStateEntered | ChoiceStateEntered | WaitStateEntered
            | SucceedStateEntered | FailStateEntered | ParallelStateEntered | MapStateEntered => {
                "stateEnteredEventDetails"
            }
            PassStateExited | TaskStateExited | ChoiceStateExited | WaitStateExited
            | SucceedStateExited | ParallelStateExited | MapStateExited => {
                "stateExitedEventDetails"
            }
            MapStateStarted => "mapStateStartedEventDetails",
            MapIterationStarted => "mapIterationStartedEventDetails",
            MapIterationSucceeded => "mapIterationSucceededEventDetails",
            MapIterationFailed => "mapIterationFailedEventDetails",
            MapIterationAborted => "mapIterationAbortedEventDetails",
            MapRunStarted => "mapRunStartedEventDetails",
            MapRunFailed => "mapRunFailedEventDetails",
            MapRunRedriven => "mapRunRedrivenEventDetails",
            TaskScheduled => "taskScheduledEventDetails",
            TaskStarted => "taskStartedEventDetails",
            TaskSucceeded => "taskSucceededEventDetails",
            TaskFailed => "taskFailedEventDetails",
            TaskTimedOut => "taskTimedOutEventDetails",
            LambdaFunctionScheduled => "lambdaFunctionScheduledEventDetails",
            LambdaFunctionStarted => return None,
            LambdaFunctionSucceeded => "lambdaFunctionSucceededEventDetails",
            LambdaFunctionFailed => "lambdaFunctionFailedEventDetails",
            LambdaFunctionTimedOut => "lambdaFunctionTimedOutEventDetails",
            ActivityScheduled => "activityScheduledEventDetails",
            ActivityStarted => "activityStartedEventDetails",
            ActivitySucceeded => "activitySucceededEventDetails",
            ActivityFailed => "activityFailedEventDetails",
            ActivityTimedOut => "activityTimedOutEventDetails",
            EvaluationFailed => "evaluationFailedEventDetails",
            ParallelStateStarted
            | ParallelStateSucceeded
            | ParallelStateFailed
            | ParallelStateAborted
            | TaskStateAborted
            | WaitStateAborted
            | MapStateSucceeded
            | MapStateFailed
            | MapStateAborted
            | MapRunSucceeded => {
                return None;
            }
        })
    }

    /// The `...StateEntered` type of a state type.
    pub fn entered(state_type: &str) -> Self {
        use HistoryEventType::*;
        match state_type {
            "Task" => TaskStateEntered,
            "Choice" => ChoiceStateEntered,
            "Wait" => WaitStateEntered,
            "Succeed" => SucceedStateEntered,
            "Fail" => FailStateEntered,
            "Parallel" => ParallelStateEntered,
            "Map" => MapStateEntered,
            _ => PassStateEntered,
        }
    }

    /// The `...StateAborted` type of a state type, for the states AWS records it for (those that
    /// can be in flight when a sibling branch or iteration fails).
    pub fn aborted(state_type: &str) -> Option<Self> {
        use HistoryEventType::*;
        Some(match state_type {
            "Task" => TaskStateAborted,
            "Wait" => WaitStateAborted,
            "Parallel" => ParallelStateAborted,
            "Map" => MapStateAborted,
            _ => return None,
        })
    }

    /// The `...StateExited` type of a state type (Fail states never exit).
    pub fn exited(state_type: &str) -> Self {
        use HistoryEventType::*;
        match state_type {
            "Task" => TaskStateExited,
            "Choice" => ChoiceStateExited,
            "Wait" => WaitStateExited,
            "Succeed" => SucceedStateExited,
            "Parallel" => ParallelStateExited,
            "Map" => MapStateExited,
            _ => PassStateExited,
        }
    }
}

/// One event of an execution's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// 1-based, in the order recorded.
    pub id: u64,
    /// The event this one follows from (0 for none).
    pub previous_event_id: u64,
    /// When it was recorded, in milliseconds since the Unix epoch.
    pub timestamp_millis: i64,
    /// What happened.
    pub event_type: HistoryEventType,
    /// The `...EventDetails` object, in AWS's shape, without its payload.
    pub details: Option<Value>,
    /// The payload (`input`, `output`...): shared with the execution, rendered as JSON text
    /// into the details only when the event is read.
    pub payload: Option<(&'static str, Arc<Value>)>,
}

impl HistoryEvent {
    /// The event as `GetExecutionHistory` returns it (timestamps as epoch seconds).
    pub fn to_aws_json(&self) -> serde_json::Value {
        use serde_json::Value as Wire;
        let mut m = serde_json::Map::new();
        // Integral milliseconds divided by 1000 is exact enough for JSON's doubles.
        m.insert(
            "timestamp".into(),
            serde_json::json!(self.timestamp_millis as f64 / 1000.0),
        );
        m.insert("type".into(), Wire::from(self.event_type.as_str()));
        m.insert("id".into(), Wire::from(self.id));
        m.insert("previousEventId".into(), Wire::from(self.previous_event_id));
        if let Some(field) = self.event_type.details_field() {
            let mut details = self
                .details
                .as_ref()
                .map_or_else(|| serde_json::json!({}), Value::to_value);
            if let (Some((key, value)), Some(d)) = (&self.payload, details.as_object_mut()) {
                d.insert((*key).into(), Wire::String(json_text(value)));
            }
            if self.details.is_some() || self.payload.is_some() {
                m.insert(field.into(), details);
            }
        }
        Wire::Object(m)
    }
}

impl HistoryEvent {
    /// Appends the event's `...EventDetails` object as compact JSON text to `out`, as
    /// [`HistoryEvent::to_aws_json`] has it (nothing when the event has none), without building
    /// a `serde_json::Value`. `payload_literal` appends the payload's JSON text as a JSON string
    /// literal: the events of a step often carry one document, which the caller can render once.
    pub fn write_details(
        &self,
        out: &mut String,
        payload_literal: &mut dyn FnMut(&Value, &mut String),
    ) {
        let Some(field) = self.event_type.details_field() else {
            return;
        };
        if self.details.is_none() && self.payload.is_none() {
            return;
        }
        let empty = baton_json::Map::new();
        let members = match &self.details {
            None => Some(&empty),
            Some(d) => d.as_object(),
        };
        match (&self.payload, members) {
            (Some((key, value)), Some(members)) if !members.contains_key(*key) => {
                out.push('{');
                for (k, v) in members {
                    baton_json::write_string_literal(k, out);
                    out.push(':');
                    v.write_json(out);
                    out.push(',');
                }
                baton_json::write_string_literal(key, out);
                out.push(':');
                payload_literal(value, out);
                out.push('}');
            }
            // Not the usual shapes (details that are not an object, or that name the payload's
            // member already): as the wire form has them.
            (Some(_), _) => {
                if let Some(d) = self.to_aws_json().get(field) {
                    out.push_str(&d.to_string());
                }
            }
            (None, _) => match &self.details {
                Some(d) => d.write_json(out),
                None => out.push_str("{}"),
            },
        }
    }
}

/// The `...Details` of a payload: `{"truncated": false}` (Baton never truncates history).
pub fn payload_details() -> Value {
    static DETAILS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DETAILS.get_or_init(|| json!({"truncated": false})).clone()
}

/// An object of these members (cheaper than `json!` where every transition builds one).
pub fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::from_map(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// JSON text of a value, as history details carry payloads.
pub fn json_text(v: &Value) -> String {
    v.to_json_string()
}

/// Length in bytes of a value's JSON text, without building the text.
pub fn json_len(v: &Value) -> usize {
    v.json_len()
}
