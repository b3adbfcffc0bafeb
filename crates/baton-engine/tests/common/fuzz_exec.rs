//! The execution fuzz target's harness, shared with the tests: bytes split at the first NUL
//! into a definition and an input; a definition that validates runs to its end through
//! `driver::run` in virtual time with a task handler that alternates success and failure, and
//! the finished execution must be consistent. Any panic is a bug.
//!
//! Loops run: a Standard execution ends at the 25,000-event history quota. Machines whose work
//! would only be slow are skipped (retriers allowing more than a few attempts, Maps nested deeper
//! than three). Included by `fuzz/fuzz_targets/execution.rs` with `#[path]`.
#![allow(dead_code)]

use baton_asl::model::{Block, StateKind, StateMachine};
use baton_asl::{Options, analyze, graph};
use baton_engine::driver::{self, Clock, TaskHandler};
use baton_engine::{Execution, ExecutionInfo, StatesError, Status, TaskRequest};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Succeeds (echoing its input) and fails in turn, cycling through error names that Retry and
/// Catch treat differently.
struct Alternating {
    calls: usize,
    /// The input of every call, in order.
    inputs: Vec<Value>,
}

impl TaskHandler for Alternating {
    fn call(&mut self, request: &TaskRequest) -> Result<baton_json::Json, StatesError> {
        self.calls += 1;
        self.inputs.push(request.input.clone().into());
        if self.calls % 2 == 1 {
            return Ok(request.input.clone());
        }
        let names = [
            "Fuzz.Failure",
            "States.Timeout",
            "States.TaskFailed",
            "States.Runtime",
        ];
        let name = names[(self.calls / 2) % names.len()];
        Err(StatesError::new(name, format!("call {}", self.calls)))
    }
}

fn acyclic(g: &graph::Group) -> bool {
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &g.edges {
        if e.kind != graph::EdgeKind::Start {
            next.entry(e.from.as_str()).or_default().push(e.to.as_str());
        }
    }
    // Depth-first search with colours: grey = on the stack.
    fn visit<'a>(
        n: &'a str,
        next: &HashMap<&'a str, Vec<&'a str>>,
        grey: &mut HashSet<&'a str>,
        black: &mut HashSet<&'a str>,
    ) -> bool {
        if black.contains(n) {
            return true;
        }
        if !grey.insert(n) {
            return false;
        }
        for m in next.get(n).into_iter().flatten() {
            if !visit(m, next, grey, black) {
                return false;
            }
        }
        grey.remove(n);
        black.insert(n);
        true
    }
    let (mut grey, mut black) = (HashSet::new(), HashSet::new());
    g.states
        .iter()
        .all(|(name, _, _)| visit(name, &next, &mut grey, &mut black))
        && g.children.iter().all(acyclic)
}

fn few_retries(block: &Block, depth: usize) -> bool {
    // Nested Maps multiply their items; keep the work of one input bounded.
    depth <= 3
        && block.states.iter().all(|s| {
            let retries_ok = s
                .kind
                .error_handling()
                .is_none_or(|(retry, _)| retry.iter().all(|r| r.max_attempts <= 3));
            let nested_ok = match &s.kind {
                StateKind::Parallel(p) => p.branches.iter().all(|b| few_retries(b, depth + 1)),
                StateKind::Map(m) => few_retries(&m.processor, depth + 1),
                _ => true,
            };
            retries_ok && nested_ok
        })
}

pub fn terminates(machine: &StateMachine) -> bool {
    few_retries(&machine.root, 0)
}

/// Whether no block's transitions form a cycle (such machines end only at the history quota).
pub fn is_acyclic(machine: &StateMachine) -> bool {
    acyclic(&graph::build(machine))
}

/// Runs one fuzz input to its end, or `None` when it is not a valid, terminating machine.
pub fn execute(data: &[u8]) -> Option<Execution> {
    execute_recorded(data).map(|(ex, _)| ex)
}

/// Like [`execute`], with the inputs the tasks were called with, in order.
pub fn execute_recorded(data: &[u8]) -> Option<(Execution, Vec<Value>)> {
    let (definition, input) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let text = std::str::from_utf8(definition).ok()?;
    let machine = analyze(text, &Options::default()).machine?;
    if !terminates(&machine) {
        return None;
    }
    let input: Value = serde_json::from_slice(input).unwrap_or_else(|_| json!({}));
    let info = ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:111111111111:execution:fuzz:run".into(),
        name: "run".into(),
        state_machine_arn: "arn:aws:states:us-east-1:111111111111:stateMachine:fuzz".into(),
        state_machine_name: "fuzz".into(),
        role_arn: "arn:aws:iam::111111111111:role/fuzz".into(),
        start_millis: 1_735_689_600_000,
        seed: data.len() as u64,
    };
    let mut tasks = Alternating {
        calls: 0,
        inputs: Vec::new(),
    };
    let ex = driver::run(Arc::new(machine), info, input, &mut tasks, Clock::Virtual);
    Some((ex, tasks.inputs))
}

/// Runs one fuzz input (see the module documentation) and checks the execution.
pub fn run_bytes(data: &[u8]) {
    let Some((ex, inputs)) = execute_recorded(data) else {
        return;
    };
    // The history records what the tasks were called with: the TaskScheduled parameters, in
    // order, are a subsequence of the calls (Distributed Map children record elsewhere).
    let mut calls = inputs.iter();
    for e in ex.history() {
        if e.event_type.as_str() == "TaskScheduled" {
            let json = e.to_aws_json();
            let text = json["taskScheduledEventDetails"]["parameters"]
                .as_str()
                .unwrap_or("");
            let parameters: Value = serde_json::from_str(text).expect("parameters are JSON text");
            assert!(
                calls.any(|input| *input == parameters),
                "TaskScheduled parameters {parameters} were never sent"
            );
        }
    }
    // The execution ended, with what its status promises.
    assert_ne!(ex.status(), Status::Running);
    assert_eq!(ex.output().is_some(), ex.status() == Status::Succeeded);
    if matches!(ex.status(), Status::Failed | Status::TimedOut) {
        assert!(ex.error().is_some());
    }
    // The history starts with ExecutionStarted and ends with the event of the status.
    let history = ex.history();
    let last = history.last().map(|e| e.event_type.as_str());
    let expected_last = match ex.status() {
        Status::Succeeded => "ExecutionSucceeded",
        Status::Failed => "ExecutionFailed",
        Status::TimedOut => "ExecutionTimedOut",
        Status::Aborted => "ExecutionAborted",
        Status::Running => "",
    };
    assert_eq!(last, Some(expected_last));
    assert_eq!(history[0].event_type.as_str(), "ExecutionStarted");
    assert_eq!(
        history
            .iter()
            .filter(|e| e.event_type.as_str().starts_with("Execution"))
            .count(),
        2
    );
    if let Some(output) = ex.output() {
        assert!(serde_json::to_string(output).map_or(0, |t| t.len()) <= 256 * 1024);
    }
    // The history is numbered from 1, each event follows an earlier one, time never goes back.
    let mut last_time = i64::MIN;
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1);
        assert!(e.previous_event_id < e.id);
        assert!(e.timestamp_millis >= last_time);
        last_time = e.timestamp_millis;
        let _ = e.to_aws_json();
    }
}
