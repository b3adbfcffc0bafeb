//! Durable executions over a real SQLite file: every step committed before its effects, and a
//! runtime that "crashes" (loses everything in memory) after any step goes on from the store
//! with nothing lost or applied twice.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use baton_engine::StatesError;
use baton_engine::durable::{Dispatch, Durable, DurableError};
use baton_engine::execution::Signal;
use baton_json::Json;
use baton_store::{
    ExecutionRecord, ExecutionStatus, HistoryRecord, StateMachineRecord, StoreError,
};
use common::{START, TempDb};
use serde_json::json;
use std::collections::VecDeque;

const SM: &str = "arn:aws:states:us-east-1:111111111111:stateMachine:durable";

fn record(definition: &serde_json::Value) -> StateMachineRecord {
    StateMachineRecord {
        arn: SM.into(),
        name: "durable".into(),
        definition: definition.to_string(),
        role_arn: "arn:aws:iam::111111111111:role/r".into(),
        workflow_type: "STANDARD".into(),
        created_millis: START,
        revision_id: "1".into(),
        config: "{}".into(),
    }
}

/// A machine with a task that retries, a wait, and a Parallel of a task and a wait + task.
fn definition() -> serde_json::Value {
    let task = |end: bool, next: &str| {
        let mut t = json!({"Type": "Task", "Resource": common::R,
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3, "MaxAttempts": 3}]});
        if end {
            t["End"] = json!(true);
        } else {
            t["Next"] = json!(next);
        }
        t
    };
    json!({"StartAt": "T", "States": {
        "T": task(false, "W"),
        "W": {"Type": "Wait", "Seconds": 60, "Next": "P"},
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": task(true, "")}},
            {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 5, "Next": "C"}, "C": task(true, "")}}
        ]}
    }})
}

/// Drives executions to their end in virtual time. Every fourth task call fails with `Flaky`.
/// With `crash_every`, the runtime forgets everything it holds in memory (its dispatch queue
/// and the `Durable` itself) after every that many steps, reopens the store and recovers from
/// it alone.
fn drive(db: &TempDb, names: &[&str], crash_every: Option<usize>) -> (Vec<ExecutionRecord>, usize) {
    let mut durable = Durable::new(db.open());
    let machine = record(&definition());
    let _ = durable.store().create_state_machine(&machine);
    let mut queue: VecDeque<Dispatch> = VecDeque::new();
    let mut now = START;
    let mut calls = 0usize;
    let mut steps = 0usize;
    for (i, name) in names.iter().enumerate() {
        let step = durable
            .start(&machine, name, &format!("{{\"n\": {i}}}"), now, 7)
            .unwrap();
        queue.extend(step.dispatch);
    }
    loop {
        steps += 1;
        if crash_every.is_some_and(|k| steps.is_multiple_of(k)) {
            // Crash: only the store survives.
            queue.clear();
            durable = Durable::new(db.open());
            queue.extend(durable.pending_dispatches().unwrap());
        }
        if let Some(d) = queue.pop_front() {
            calls += 1;
            let result = if calls.is_multiple_of(4) {
                Err(StatesError::new("Flaky", "every fourth call"))
            } else {
                Ok(d.request.input.clone())
            };
            let step = durable
                .answer(&d.execution_arn, d.request.task, result, now)
                .unwrap();
            queue.extend(step.dispatch);
            continue;
        }
        let due = durable.store().due_timers(None, i64::MAX, 1).unwrap();
        let Some(timer) = due.first() else { break };
        now = now.max(timer.fire_at_millis);
        let step = durable
            .signal(
                &timer.execution_arn,
                Signal::TimerFired {
                    timer: timer.timer_id,
                },
                now,
            )
            .unwrap();
        queue.extend(step.dispatch);
    }
    let store = durable.store();
    let records = names
        .iter()
        .map(|n| {
            store
                .get_execution(&format!(
                    "{}:{n}",
                    SM.replacen(":stateMachine:", ":execution:", 1)
                ))
                .unwrap()
                .unwrap()
        })
        .collect();
    (records, calls)
}

fn history(db: &TempDb, arn: &str) -> Vec<HistoryRecord> {
    db.open().history(arn, 0, 10_000).unwrap()
}

fn types(h: &[HistoryRecord]) -> Vec<String> {
    h.iter().map(|e| e.event_type.clone()).collect()
}

#[test]
fn executions_run_to_their_end_through_the_store() {
    let db = TempDb::new("durable-plain");
    let names = ["a", "b", "c"];
    let (records, _) = drive(&db, &names, None);
    for r in &records {
        assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
        let h = history(&db, &r.arn);
        assert_eq!(h.first().unwrap().event_type, "ExecutionStarted");
        assert_eq!(h.last().unwrap().event_type, "ExecutionSucceeded");
        // Ids are contiguous from 1.
        assert!(h.iter().enumerate().all(|(i, e)| e.id == i as u64 + 1));
    }
    // No timers or tasks are left behind.
    let store = db.open();
    assert!(store.due_timers(None, i64::MAX, 10).unwrap().is_empty());
}

#[test]
fn a_runtime_that_crashes_after_any_step_loses_nothing_and_repeats_nothing() {
    let names = ["a", "b", "c", "d"];
    let reference_db = TempDb::new("durable-reference");
    let (reference, _) = drive(&reference_db, &names, None);
    for every in [2, 3, 5, 7] {
        let db = TempDb::new(&format!("durable-crash-{every}"));
        let (records, _) = drive(&db, &names, Some(every));
        for (r, want) in records.iter().zip(&reference) {
            assert_eq!(r.status, want.status, "crash every {every}: {r:?}");
            assert_eq!(r.output, want.output, "crash every {every}");
            let got = history(&db, &r.arn);
            assert!(got.iter().enumerate().all(|(i, e)| e.id == i as u64 + 1));
            // Re-dispatched tasks may run twice, but their answers apply once: every recorded
            // step is one the execution took. The sequence matches a run without crashes up to
            // the order of retries, so compare the multiset of event types.
            let mut a = types(&got);
            let mut b = types(&history(&reference_db, &want.arn));
            a.sort();
            b.sort();
            assert_eq!(a, b, "crash every {every}");
        }
    }
}

#[test]
fn starting_is_idempotent() {
    let db = TempDb::new("durable-idempotent");
    let durable = Durable::new(db.open());
    let machine = record(&definition());
    durable.store().create_state_machine(&machine).unwrap();
    let first = durable.start(&machine, "x", "{}", START, 1).unwrap();
    assert_eq!(first.dispatch.len(), 1);
    let again = durable.start(&machine, "x", "{}", START + 5, 1).unwrap();
    assert_eq!(again.execution.arn, first.execution.arn);
    assert!(again.dispatch.is_empty());
    assert!(matches!(
        durable.start(&machine, "x", "{\"other\": 1}", START, 1),
        Err(DurableError::Store(StoreError::AlreadyExists(_)))
    ));
    assert!(matches!(
        durable.start(&machine, "y", "not json", START, 1),
        Err(DurableError::InvalidInput(_))
    ));
}

#[test]
fn callback_tasks_complete_by_token() {
    let db = TempDb::new("durable-callback");
    let durable = Durable::new(db.open());
    let machine = record(&json!({"StartAt": "Cb", "States": {"Cb": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true,
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}}}}));
    durable.store().create_state_machine(&machine).unwrap();
    let step = durable.start(&machine, "cb", "{}", START, 3).unwrap();
    // A callback task waits for its token's holder: nothing to dispatch in process.
    assert!(step.dispatch.is_empty());
    let pending = durable
        .store()
        .pending_tasks(
            None,
            baton_store::Page {
                after: None,
                limit: 10,
            },
        )
        .unwrap();
    assert_eq!(pending.len(), 1);
    let token = pending[0].token.clone();
    assert!(pending[0].input.contains(&token), "{}", pending[0].input);
    assert!(matches!(
        durable.complete("no-such-token", Ok(Json::Null), START),
        Err(DurableError::NotFound(_))
    ));
    let done = durable
        .complete(&token, Ok(Json::from(json!({"ok": true}))), START + 10)
        .unwrap();
    assert_eq!(done.execution.status, ExecutionStatus::Succeeded);
    assert_eq!(done.execution.output.as_deref(), Some(r#"{"ok":true}"#));
    assert_eq!(durable.store().get_task(&token).unwrap(), None);
    // A succeeded execution keeps no snapshot (nothing restores it); a running one does.
    assert!(step.execution.snapshot.len() > 10);
    assert!(done.execution.snapshot.is_empty());
    assert!(
        durable
            .store()
            .get_execution(&done.execution.arn)
            .unwrap()
            .unwrap()
            .snapshot
            .is_empty()
    );
}
