//! Redrive as AWS defines it: a failed, timed-out or stopped Standard execution goes on from
//! the state that did not succeed, keeping what succeeded (Pass states are not run again;
//! Parallel and Map run only their unsuccessful branches and iterations), with its timeout and
//! retry counters reset and `ExecutionRedriven` in its history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use baton_engine::driver::{self, Clock};
use baton_engine::{Execution, Signal, Status};
use common::*;
use serde_json::{Value, json};

const DAY: i64 = 24 * 3600 * 1000;

/// Redrives at `at` and drives the execution to its end with `tasks`.
fn redriven(mut ex: Execution, at: i64, tasks: &mut Scripted) -> Execution {
    ex.redrive(at).expect("redrivable");
    driver::drive(ex, tasks, Clock::Virtual, at)
}

/// Snapshots and restores, as a durable runtime would between the failure and the redrive.
fn stored(ex: &Execution, definition: &str) -> Execution {
    Execution::restore(machine(definition), &ex.snapshot().unwrap()).unwrap()
}

#[test]
fn a_failed_task_is_rescheduled_and_the_pass_before_it_is_not_run_again() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"n": 1}, "Next": "T"},
        "T": {"Type": "Task", "Resource": R, "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}
    }})
    .to_string();
    let mut tasks = Scripted::echo().on(R, [fail("Boom", "first attempt")]);
    let ex = run_with(&def, json!({}), &mut tasks);
    assert_eq!(failure(&ex).error, "Boom");
    assert_eq!(ex.redrive_blocker(START + 1000), None);
    let before = ex.event_count();
    let ex = stored(&ex, &def);
    let ex = redriven(ex, START + 5000, &mut tasks);
    assert_eq!(output(&ex), json!({"n": 1}));
    assert_eq!(tasks.calls.len(), 2);
    assert_eq!(tasks.calls[1].input, json!({"n": 1}));
    assert_eq!(ex.redrive_count(), 1);
    assert_eq!(ex.redrive_millis(), Some(START + 5000));
    // The history goes on: ExecutionRedriven follows the failure, then the Task again.
    let history = aws_events(&ex);
    let redriven = &history[0];
    assert_eq!(redriven["type"], "ExecutionRedriven");
    assert_eq!(redriven["id"], before + 1);
    assert_eq!(redriven["previousEventId"], before);
    assert_eq!(
        redriven["executionRedrivenEventDetails"],
        json!({"redriveCount": 1})
    );
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "ExecutionRedriven",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(history[1]["previousEventId"], before + 1);
    // Ids stay contiguous across the redrive.
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e["id"], before + 1 + i as u64);
    }
}

#[test]
fn only_the_failed_parallel_branch_runs_again() {
    let def = json!({"StartAt": "Par", "States": {
        "Par": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": A, "End": true}}},
            {"StartAt": "B1", "States": {
                "B1": {"Type": "Pass", "Result": "b1", "Next": "B2"},
                "B2": {"Type": "Task", "Resource": B, "End": true}
            }}
        ]}
    }})
    .to_string();
    let mut tasks = Scripted::echo()
        .on(A, [Ok(json!("a"))])
        .on(B, [fail("Flaky", "down")]);
    let ex = run_with(&def, json!({"x": 1}), &mut tasks);
    assert_eq!(failure(&ex).error, "Flaky");
    let ex = stored(&ex, &def);
    let ex = redriven(ex, START + DAY, &mut tasks);
    assert_eq!(output(&ex), json!(["a", "b1"]));
    assert_eq!(
        tasks.calls_to(A).len(),
        1,
        "the branch that succeeded is not run again"
    );
    assert_eq!(tasks.calls_to(B).len(), 2);
    // The failed branch resumes at its failed state: B1 is not entered again.
    let kinds = types(&ex);
    assert_eq!(
        kinds,
        [
            "ExecutionRedriven",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ParallelStateSucceeded",
            "ParallelStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn only_failed_and_aborted_map_iterations_run_again() {
    let def = json!({"StartAt": "M", "States": {
        "M": {"Type": "Map", "End": true, "MaxConcurrency": 2,
              "ItemProcessor": {"StartAt": "T", "States": {
                  "T": {"Type": "Task", "Resource": R, "End": true}}}}
    }})
    .to_string();
    // Item 1 fails: item 0 has succeeded, items 2 and 3 never started.
    let mut failed_once = false;
    let mut tasks = Scripted::with(move |r| {
        let v: Value = r.input.clone().into();
        if v == json!(1) && !failed_once {
            failed_once = true;
            return fail("Bad", "item 1");
        }
        Ok(json!({"done": v}))
    });
    let ex = run_with(&def, json!([0, 1, 2, 3]), &mut tasks);
    assert_eq!(failure(&ex).error, "Bad");
    let first_calls = tasks.calls.len();
    let ex = stored(&ex, &def);
    let ex = redriven(ex, START + 10, &mut tasks);
    assert_eq!(
        output(&ex),
        json!([{"done": 0}, {"done": 1}, {"done": 2}, {"done": 3}])
    );
    let again: Vec<Value> = tasks.calls[first_calls..]
        .iter()
        .map(|c| c.input.clone())
        .collect();
    assert!(!again.contains(&json!(0)), "item 0 succeeded: {again:?}");
    for item in [1, 2, 3] {
        assert_eq!(again.iter().filter(|v| **v == json!(item)).count(), 1);
    }
}

#[test]
fn a_stopped_wait_is_entered_again_and_the_timeout_restarts() {
    let def = json!({"StartAt": "P", "TimeoutSeconds": 100, "States": {
        "P": {"Type": "Pass", "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 10, "End": true}
    }})
    .to_string();
    let mut m = Manual::start(&def, json!({"k": 1}));
    m.signal(
        1000,
        Signal::Stop {
            error: Some("Stopped".into()),
            cause: None,
        },
    );
    assert_eq!(m.ex.status(), Status::Aborted);
    let mut ex = stored(&m.ex, &def);
    let at = START + 200_000;
    ex.take_history();
    ex.redrive(at).unwrap();
    assert_eq!(
        types(&ex),
        ["ExecutionRedriven", "WaitStateEntered"],
        "the Pass is not run again"
    );
    let timers: Vec<(u64, i64)> = ex
        .take_commands()
        .into_iter()
        .filter_map(|c| match c {
            baton_engine::Command::StartTimer {
                timer,
                fire_at_millis,
            } => Some((timer, fire_at_millis)),
            _ => None,
        })
        .collect();
    // The execution timeout counts from the redrive; the Wait waits its 10 s again.
    assert!(timers.iter().any(|t| t.1 == at + 100_000), "{timers:?}");
    let wait = timers
        .iter()
        .find(|t| t.1 == at + 10_000)
        .expect("the Wait's timer");
    ex.signal(wait.1, Signal::TimerFired { timer: wait.0 });
    assert_eq!(output(&ex), json!({"k": 1}));
}

#[test]
fn retry_counters_reset_and_the_context_shows_the_redrive() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": R, "End": true,
              "Parameters": {"count.$": "$$.Execution.RedriveCount", "retry.$": "$$.State.RetryCount"},
              "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}]}
    }})
    .to_string();
    let mut tasks = Scripted::echo().on(R, [fail("E", "1"), fail("E", "2"), fail("E", "3")]);
    let ex = run_with(&def, json!({}), &mut tasks);
    assert_eq!(tasks.calls.len(), 2, "one attempt and one retry");
    assert_eq!(failure(&ex).error, "E");
    let ex = redriven(ex, START + 60_000, &mut tasks);
    // One retry again after the redrive: the counters started over.
    assert_eq!(output(&ex), json!({"count": 1, "retry": 1}));
    assert_eq!(tasks.calls.len(), 4);
    assert_eq!(tasks.calls[2].input, json!({"count": 1, "retry": 0}));
}

#[test]
fn redrive_is_refused_with_aws_reasons() {
    let ok = run(
        &single_state("P", json!({"Type": "Pass"}), json!({"End": true})),
        json!({}),
    );
    expect_status(&ok, Status::Succeeded);
    assert_eq!(
        ok.redrive_blocker(START),
        Some("Execution is SUCCEEDED and cannot be redriven")
    );
    let mut m = Manual::start(
        &single_state(
            "W",
            json!({"Type": "Wait", "Seconds": 5}),
            json!({"End": true}),
        ),
        json!({}),
    );
    assert_eq!(
        m.ex.redrive_blocker(START),
        Some("Execution is RUNNING and cannot be redriven")
    );
    m.signal(
        1,
        Signal::Stop {
            error: None,
            cause: None,
        },
    );
    assert_eq!(m.ex.redrive_blocker(START + 13 * DAY), None);
    assert_eq!(
        m.ex.redrive_blocker(START + 15 * DAY),
        Some("Execution redrivable period exceeded")
    );
    let mut late = stored(
        &m.ex,
        &single_state(
            "W",
            json!({"Type": "Wait", "Seconds": 5}),
            json!({"End": true}),
        ),
    );
    assert_eq!(
        late.redrive(START + 15 * DAY),
        Err("Execution redrivable period exceeded")
    );
    assert_eq!(late.status(), Status::Aborted);
}

#[test]
fn a_redriven_execution_that_fails_again_can_be_redriven_again() {
    let def = single_state("F", json!({"Type": "Fail", "Error": "Always"}), json!({}));
    let ex = run(&def, json!({}));
    assert_eq!(failure(&ex).error, "Always");
    let ex = redriven(ex, START + 1, &mut Scripted::echo());
    assert_eq!(failure(&ex).error, "Always");
    let ex = redriven(ex, START + 2, &mut Scripted::echo());
    assert_eq!(ex.redrive_count(), 2);
    assert_eq!(failure(&ex).error, "Always");
}

#[test]
fn a_parallel_inside_a_map_iteration_resumes_at_its_failed_task() {
    // A Parallel nested in a Map iteration: the redrive goes down to the failed task.
    let def = json!({"StartAt": "M", "States": {
        "M": {"Type": "Map", "End": true,
              "ItemProcessor": {"StartAt": "Par", "States": {
                  "Par": {"Type": "Parallel", "End": true, "Branches": [
                      {"StartAt": "X", "States": {"X": {"Type": "Task", "Resource": A, "End": true}}},
                      {"StartAt": "Y", "States": {"Y": {"Type": "Task", "Resource": B, "End": true}}}
                  ]}}}}
    }})
    .to_string();
    let mut tasks = Scripted::echo().on(B, [Ok(json!("y0")), fail("Nope", "item 1")]);
    let ex = run_with(&def, json!([0, 1]), &mut tasks);
    assert_eq!(failure(&ex).error, "Nope");
    let (a, b) = (tasks.calls_to(A).len(), tasks.calls_to(B).len());
    let ex = redriven(stored(&ex, &def), START + 100, &mut tasks);
    assert_eq!(output(&ex), json!([[0, "y0"], [1, 1]]));
    // Only item 1's branch Y runs again.
    assert_eq!(tasks.calls_to(A).len(), a);
    assert_eq!(tasks.calls_to(B).len(), b + 1);
}
