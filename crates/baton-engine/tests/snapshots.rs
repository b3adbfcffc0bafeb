//! Snapshots: an execution restored from [`Execution::snapshot`] at any step goes on exactly as
//! the original would have. Every `class: pure` case of the AWS-recorded corpus, and machines with
//! tasks, retries, waits, Parallel and Map, run twice, once restored before every signal; the
//! histories, statuses and outputs must be identical.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use baton_asl::model::StateMachine;
use baton_asl::{Options, analyze};
use baton_engine::{Command, Execution, Signal, StatesError, Status};
use baton_json::Json;
use common::{START, info};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

struct Outcome {
    status: Status,
    output: Option<Json>,
    error: Option<StatesError>,
    history: Vec<Value>,
}

/// Runs to the end in virtual time. Tasks answer with their input, except every third call,
/// which fails (so that Retry and Catch run too). With `restore`, the execution is rebuilt from
/// its snapshot before every signal.
fn run(machine: &Arc<StateMachine>, input: Json, restore: bool) -> Outcome {
    let mut ex = Execution::start(Arc::clone(machine), info(), input, START);
    let mut history = Vec::new();
    let mut pending: VecDeque<Signal> = VecDeque::new();
    let mut timers: Vec<(i64, u64)> = Vec::new();
    let mut now = START;
    let mut calls = 0;
    for _ in 0..100_000 {
        history.extend(ex.take_history().iter().map(|e| e.to_aws_json()));
        for command in ex.take_commands() {
            match command {
                Command::ScheduleTask(request) => {
                    calls += 1;
                    pending.push_back(if calls % 3 == 0 {
                        Signal::TaskFailed {
                            task: request.task,
                            error: StatesError::new("Task.Flaky", "every third call fails"),
                        }
                    } else {
                        Signal::TaskSucceeded {
                            task: request.task,
                            output: request.input.clone(),
                        }
                    });
                }
                Command::StartTimer {
                    timer,
                    fire_at_millis,
                } => timers.push((fire_at_millis, timer)),
                Command::CancelTask { task, .. } => {
                    pending.retain(|s| {
                        !matches!(s, Signal::TaskSucceeded { task: t, .. }
                            | Signal::TaskFailed { task: t, .. } if *t == task)
                    });
                }
            }
        }
        if ex.status() != Status::Running {
            break;
        }
        let signal = match pending.pop_front() {
            Some(s) => s,
            None => {
                timers.sort();
                if timers.is_empty() {
                    break;
                }
                let (at, timer) = timers.remove(0);
                now = now.max(at);
                Signal::TimerFired { timer }
            }
        };
        if restore {
            let bytes = ex.snapshot().unwrap();
            ex = Execution::restore(Arc::clone(machine), &bytes).unwrap();
        }
        ex.signal(now, signal);
    }
    history.extend(ex.take_history().iter().map(|e| e.to_aws_json()));
    Outcome {
        status: ex.status(),
        output: ex.output().cloned(),
        error: ex.error().cloned(),
        history,
    }
}

fn same_run(definition: &str, input: Value) -> bool {
    let Some(machine) = analyze(definition, &Options::default()).machine else {
        return false;
    };
    let machine = Arc::new(machine);
    let plain = run(&machine, Json::from(&input), false);
    let restored = run(&machine, Json::from(&input), true);
    assert_eq!(plain.status, restored.status, "{definition}");
    assert_eq!(plain.output, restored.output, "{definition}");
    assert_eq!(plain.error, restored.error, "{definition}");
    assert_eq!(plain.history, restored.history, "{definition}");
    true
}

#[test]
fn restored_executions_go_on_as_the_original_on_the_aws_corpus() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../conformance/sfn/localstack-sfn.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("note: {} is missing; skipped", path.display());
        return;
    };
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        if case["class"] != "pure" {
            continue;
        }
        let definition = match &case["definition"] {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        if same_run(&definition, case["input"].clone()) {
            n += 1;
        }
    }
    println!("{n} corpus executions restored at every step");
    assert!(n > 300, "only {n} corpus cases ran");
}

#[test]
fn restored_executions_go_on_as_the_original_with_tasks_waits_and_branches() {
    let task = |next: Value| {
        let mut t = json!({"Type": "Task", "Resource": common::R,
            "Retry": [{"ErrorEquals": ["Task.Flaky"], "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 2.0}]});
        match next {
            Value::Null => t["End"] = json!(true),
            n => t["Next"] = n,
        }
        t
    };
    let machines = [
        json!({"StartAt": "T", "States": {
            "T": task(json!("W")),
            "W": {"Type": "Wait", "Seconds": 30, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "A", "States": {"A": task(Value::Null)}},
                {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 5, "Next": "C"}, "C": task(Value::Null)}}
            ], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "Next": "M"},
            "M": {"Type": "Map", "MaxConcurrency": 2, "ItemsPath": "$[0].items",
                  "ItemProcessor": {"StartAt": "I", "States": {"I": task(Value::Null)}},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}
        }}),
        json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"n": 0, "id": "{% $uuid() %}"}, "Next": "Loop"},
            "Loop": {"Type": "Choice", "Choices": [{"Condition": "{% $n >= 3 %}", "Next": "End"}], "Default": "Inc"},
            "Inc": {"Type": "Task", "Resource": common::R, "Arguments": {"n": "{% $n %}"},
                    "Assign": {"n": "{% $n + 1 %}"}, "Next": "Loop",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"n": "{% $n + 1 %}"}, "Next": "Loop"}]},
            "End": {"Type": "Pass", "Output": {"n": "{% $n %}", "id": "{% $id %}", "r": "{% $random() %}"}, "End": true}
        }}),
        // Randomness after a restore: intrinsics and retry jitter draw from the restored entropy.
        json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 1, "Next": "U"},
            "U": {"Type": "Pass", "Parameters": {"u.$": "States.UUID()", "r.$": "States.MathRandom(1, 1000000)"}, "Next": "T"},
            "T": {"Type": "Task", "Resource": common::R, "End": true,
                  "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 3, "JitterStrategy": "FULL"}]}
        }}),
    ];
    let input = json!({"items": [1, 2, 3, 4, 5]});
    for m in &machines {
        assert!(same_run(&m.to_string(), input.clone()), "{m}");
    }
}

#[test]
fn a_snapshot_of_another_machine_is_refused() {
    let parse = |v: Value| {
        Arc::new(
            analyze(&v.to_string(), &Options::default())
                .machine
                .unwrap(),
        )
    };
    // Parked in a Wait inside a Parallel branch: a frame in a nested block.
    let one = parse(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
        "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": true}}}]}}}),
    );
    let other = parse(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}));
    let ex = Execution::start(Arc::clone(&one), info(), Json::object(), START);
    assert_eq!(ex.status(), Status::Running);
    let bytes = ex.snapshot().unwrap();
    assert!(Execution::restore(Arc::clone(&one), &bytes).is_ok());
    assert!(Execution::restore(other, &bytes).is_err());
    assert!(Execution::restore(Arc::clone(&one), b"not json").is_err());
    assert!(Execution::restore(one, b"{\"version\": 1}").is_err());
}
