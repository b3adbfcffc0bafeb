//! Scaffolding shared by the semantics tests: parsing definitions, a scripted task handler that
//! records its calls, running in virtual time, and reading histories.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use baton_asl::model::StateMachine;
use baton_asl::{Options, analyze};
use baton_engine::driver::{self, Clock, TaskHandler};
use baton_engine::execution::{Command, TaskId, TimerId};
use baton_engine::{Execution, ExecutionInfo, HistoryEvent, StatesError, Status, TaskRequest};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Start time of every test execution: 2025-01-01T00:00:00Z.
pub const START: i64 = 1_735_689_600_000;

/// The resource of most test Tasks: an optimized integration, which AWS records with
/// `Task...` events (a bare Lambda function ARN gets `LambdaFunction...` events instead).
pub const R: &str = "arn:aws:states:::lambda:invoke";
/// Two more resources, for machines whose tasks must be told apart.
pub const A: &str = "arn:aws:states:::sqs:sendMessage";
/// See [`A`].
pub const B: &str = "arn:aws:states:::sns:publish";

/// Parses a definition that must be valid.
pub fn machine(definition: &str) -> Arc<StateMachine> {
    let analysis = analyze(definition, &Options::default());
    match analysis.machine {
        Some(m) => Arc::new(m),
        None => panic!("invalid definition: {:#?}", analysis.diagnostics),
    }
}

/// A machine of one state `name`: `base` with `fields` added (or replaced).
pub fn single_state(name: &str, base: Value, fields: Value) -> String {
    let mut state = base;
    if let (Some(s), Value::Object(f)) = (state.as_object_mut(), fields) {
        s.extend(f);
    }
    serde_json::json!({"StartAt": name, "States": {name: state}}).to_string()
}

/// A JSONPath machine whose output is whether its one Choice rule matches (true or false).
pub fn true_false_choice(rule: Value) -> String {
    let mut rule = rule;
    rule["Next"] = serde_json::json!("Yes");
    serde_json::json!({
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [rule], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": true, "End": true},
            "No": {"Type": "Pass", "Result": false, "End": true}
        }
    })
    .to_string()
}

/// Whether a definition validates.
pub fn is_valid(definition: &str) -> bool {
    analyze(definition, &Options::default()).machine.is_some()
}

/// The identity of every test execution.
pub fn info() -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:111111111111:execution:sm:exec".into(),
        name: "exec".into(),
        state_machine_arn: "arn:aws:states:us-east-1:111111111111:stateMachine:sm".into(),
        state_machine_name: "sm".into(),
        role_arn: "arn:aws:iam::111111111111:role/test".into(),
        start_millis: START,
        seed: 42,
    }
}

/// One call a [`Scripted`] handler received.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The Task state's resource.
    pub resource: String,
    /// The state that ran it.
    pub state: String,
    /// The task input.
    pub input: Value,
}

/// What a scripted task answers.
pub type Answer = Result<Value, StatesError>;

/// A test double: answers per resource from a script (in order), then with a fallback;
/// records every call.
pub struct Scripted {
    script: HashMap<String, VecDeque<Answer>>,
    fallback: Box<dyn FnMut(&TaskRequest) -> Answer>,
    /// Every call, in order.
    pub calls: Vec<Call>,
}

impl Default for Scripted {
    fn default() -> Self {
        Self::echo()
    }
}

impl Scripted {
    /// Answers every task with its own input.
    pub fn echo() -> Self {
        Scripted {
            script: HashMap::new(),
            fallback: Box::new(|r| Ok(r.input.clone().into())),
            calls: Vec::new(),
        }
    }

    /// Answers every task that has no script with `f`.
    pub fn with(f: impl FnMut(&TaskRequest) -> Answer + 'static) -> Self {
        Scripted {
            script: HashMap::new(),
            fallback: Box::new(f),
            calls: Vec::new(),
        }
    }

    /// Queues answers for a resource (used in order, then the fallback).
    pub fn on(mut self, resource: &str, answers: impl IntoIterator<Item = Answer>) -> Self {
        self.script
            .entry(resource.to_string())
            .or_default()
            .extend(answers);
        self
    }

    /// Calls made to one resource.
    pub fn calls_to(&self, resource: &str) -> Vec<&Call> {
        self.calls
            .iter()
            .filter(|c| c.resource == resource)
            .collect()
    }
}

impl TaskHandler for Scripted {
    fn call(&mut self, request: &TaskRequest) -> Result<baton_json::Json, StatesError> {
        self.calls.push(Call {
            resource: request.resource.clone(),
            state: request.state_name.clone(),
            input: request.input.clone().into(),
        });
        match self
            .script
            .get_mut(&request.resource)
            .and_then(VecDeque::pop_front)
        {
            Some(answer) => answer.map(baton_json::Json::from),
            None => (self.fallback)(request).map(baton_json::Json::from),
        }
    }
}

/// An error answer.
pub fn fail(error: &str, cause: &str) -> Answer {
    Err(StatesError::new(error, cause))
}

/// Runs a definition in virtual time with a handler.
pub fn run_with(definition: &str, input: Value, tasks: &mut Scripted) -> Execution {
    driver::run(machine(definition), info(), input, tasks, Clock::Virtual)
}

/// Runs a definition with other execution details or another clock, tasks echoing their input.
pub fn run_as(definition: &str, info: ExecutionInfo, input: Value, clock: Clock) -> Execution {
    driver::run(
        machine(definition),
        info,
        input,
        &mut Scripted::echo(),
        clock,
    )
}

/// Runs a definition in virtual time, tasks echoing their input.
pub fn run(definition: &str, input: Value) -> Execution {
    run_with(definition, input, &mut Scripted::echo())
}

/// Asserts an execution ended with this status.
pub fn expect_status(ex: &Execution, status: Status) {
    assert_eq!(
        ex.status(),
        status,
        "output: {:?}\nerror: {:?}\nhistory: {:#?}",
        ex.output(),
        ex.error(),
        types(ex)
    );
}

/// The output of an execution that must have succeeded.
pub fn output(ex: &Execution) -> Value {
    expect_status(ex, Status::Succeeded);
    ex.output().cloned().unwrap().into()
}

/// Runs and returns the output, which must exist.
pub fn run_ok(definition: &str, input: Value) -> Value {
    output(&run(definition, input))
}

/// The error of an execution that must have failed.
pub fn failure(ex: &Execution) -> StatesError {
    expect_status(ex, Status::Failed);
    ex.error().cloned().unwrap()
}

/// Runs and returns the error, which must exist.
pub fn run_err(definition: &str, input: Value) -> StatesError {
    failure(&run(definition, input))
}

/// The history as AWS's `GetExecutionHistory` shapes it.
pub fn aws_events(ex: &Execution) -> Vec<Value> {
    ex.history().iter().map(HistoryEvent::to_aws_json).collect()
}

/// The event types of the history, in order.
pub fn types(ex: &Execution) -> Vec<&'static str> {
    ex.history().iter().map(|e| e.event_type.as_str()).collect()
}

/// Asserts the history's event types, given as one space-separated string.
pub fn assert_history(ex: &Execution, expected: &str) {
    let expected: Vec<&str> = expected.split_whitespace().collect();
    assert_eq!(types(ex), expected);
}

/// The events of one type.
pub fn events_of<'a>(ex: &'a Execution, ty: &str) -> Vec<&'a HistoryEvent> {
    ex.history()
        .iter()
        .filter(|e| e.event_type.as_str() == ty)
        .collect()
}

/// The `...EventDetails` of an event as AWS shapes them (`{}` when it has none).
pub fn event_details(e: &HistoryEvent) -> Value {
    e.event_type
        .details_field()
        .and_then(|field| e.to_aws_json().get(field).cloned())
        .unwrap_or_else(|| Value::Object(Default::default()))
}

/// The details of the first event of a type.
pub fn details(ex: &Execution, ty: &str) -> Value {
    events_of(ex, ty)
        .first()
        .map(|e| event_details(e))
        .unwrap_or_else(|| panic!("no {ty} event in {:#?}", types(ex)))
}

/// Timestamps (ms after [`START`]) of the events of a type.
pub fn offsets(ex: &Execution, ty: &str) -> Vec<i64> {
    events_of(ex, ty)
        .iter()
        .map(|e| e.timestamp_millis - START)
        .collect()
}

/// Parses the JSON text a history detail carries.
pub fn parsed(text: &Value) -> Value {
    serde_json::from_str(text.as_str().expect("a JSON text")).expect("valid JSON")
}

/// Drives the core by hand: start it, then inspect the commands it issues.
pub struct Manual {
    /// The execution.
    pub ex: Execution,
    /// Tasks scheduled and not answered.
    pub tasks: Vec<TaskRequest>,
    /// Timers started and not fired: (id, fire at).
    pub timers: Vec<(TimerId, i64)>,
    /// Tasks the core cancelled.
    pub cancelled: Vec<TaskId>,
}

impl Manual {
    /// Starts an execution at [`START`].
    pub fn start(definition: &str, input: Value) -> Self {
        let ex = Execution::start(machine(definition), info(), input.into(), START);
        let mut m = Manual {
            ex,
            tasks: Vec::new(),
            timers: Vec::new(),
            cancelled: Vec::new(),
        };
        m.collect();
        m
    }

    fn collect(&mut self) {
        for c in self.ex.take_commands() {
            match c {
                Command::ScheduleTask(t) => self.tasks.push(*t),
                Command::StartTimer {
                    timer,
                    fire_at_millis,
                } => self.timers.push((timer, fire_at_millis)),
                Command::CancelTask { task, .. } => self.cancelled.push(task),
            }
        }
    }

    /// Sends a signal at `START + offset` ms and collects the commands it caused.
    pub fn signal(&mut self, offset: i64, signal: baton_engine::Signal) {
        self.ex.signal(START + offset, signal);
        self.collect();
    }

    /// Fires the earliest pending timer (at its own time) and returns when it fired, relative
    /// to [`START`].
    pub fn fire_next_timer(&mut self) -> i64 {
        self.timers.sort_by_key(|t| t.1);
        let (timer, at) = self.timers.remove(0);
        self.signal(at - START, baton_engine::Signal::TimerFired { timer });
        at - START
    }

    /// Takes the oldest unanswered task.
    pub fn take_task(&mut self) -> TaskRequest {
        self.tasks.remove(0)
    }
}

/// A SQLite database file in a folder of its own under the temp directory, deleted on drop.
pub struct TempDb(pub std::path::PathBuf);

impl TempDb {
    /// A fresh folder named after the process and `tag`.
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("baton-test-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDb(dir.join("baton.db"))
    }

    /// Opens (again) the store in the file, as a restarted process would.
    pub fn open(&self) -> Arc<dyn baton_store::Store> {
        Arc::new(baton_store::SqliteStore::open(&self.0).unwrap())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
