//! The runtime's threads over SQLite: many executions with tasks, retries and waits run to their
//! end; a runtime shut down in the middle (everything in memory lost) is replaced by a new one
//! that finishes them from the store. Time is dilated (one real millisecond is one virtual
//! second) so that the machines' 600-second waits take 600 ms; the tests wait for an outcome with a
//! generous deadline, they do not measure time.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::TempDb;

use baton_engine::StatesError;
use baton_engine::runtime::{Clock, Runtime, TaskRunner};
use baton_store::{ExecutionStatus, StateMachineRecord, Store};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SM: &str = "arn:aws:states:us-east-1:111111111111:stateMachine:rt";

fn machine() -> StateMachineRecord {
    let task = |next: Option<&str>| {
        let mut t = json!({"Type": "Task", "Resource": common::R,
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 5}]});
        match next {
            Some(n) => t["Next"] = json!(n),
            None => t["End"] = json!(true),
        }
        t
    };
    StateMachineRecord {
        arn: SM.into(),
        name: "rt".into(),
        definition: json!({"StartAt": "T", "States": {
            "T": task(Some("W")),
            "W": {"Type": "Wait", "Seconds": 600, "Next": "P"},
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "A", "States": {"A": task(None)}},
                {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 5, "Next": "C"}, "C": task(None)}}
            ]}
        }})
        .to_string(),
        role_arn: "arn:aws:iam::111111111111:role/r".into(),
        workflow_type: "STANDARD".into(),
        created_millis: 0,
        revision_id: "1".into(),
        config: "{}".into(),
    }
}

fn dilated_clock() -> Clock {
    let origin = Instant::now();
    Arc::new(move || common::START + origin.elapsed().as_millis() as i64 * 1_000)
}

/// Answers with the input; every fifth call fails with `Flaky`. Counts calls.
fn runner(calls: Arc<AtomicUsize>) -> TaskRunner {
    Arc::new(move |request| {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n.is_multiple_of(5) {
            Err(StatesError::new("Flaky", "every fifth call"))
        } else {
            Ok(request.input.clone())
        }
    })
}

fn arn(name: &str) -> String {
    format!("{}:{name}", SM.replacen(":stateMachine:", ":execution:", 1))
}

/// Waits (up to a minute) until every execution has ended; returns them.
fn wait_for_all(store: &dyn Store, names: &[String]) -> Vec<baton_store::ExecutionRecord> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let records: Vec<_> = names
            .iter()
            .map(|n| store.get_execution(&arn(n)).unwrap().unwrap())
            .collect();
        if records.iter().all(|r| r.status != ExecutionStatus::Running) {
            return records;
        }
        assert!(
            Instant::now() < deadline,
            "{} executions still running",
            records
                .iter()
                .filter(|r| r.status == ExecutionStatus::Running)
                .count()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn check_histories(store: &dyn Store, names: &[String]) {
    for n in names {
        let h = store.history(&arn(n), 0, 100_000).unwrap();
        assert!(
            h.iter().enumerate().all(|(i, e)| e.id == i as u64 + 1),
            "{n}: ids not contiguous"
        );
        assert_eq!(h.last().unwrap().event_type, "ExecutionSucceeded", "{n}");
        // Each state was entered as often as it ran: no step applied twice.
        let entered = h
            .iter()
            .filter(|e| e.event_type.ends_with("StateEntered"))
            .count();
        let exited = h
            .iter()
            .filter(|e| e.event_type.ends_with("StateExited"))
            .count();
        assert_eq!(entered, exited, "{n}");
    }
}

#[test]
fn many_executions_run_to_their_end() {
    let db = TempDb::new("runtime-many");
    let store = db.open();
    store.create_state_machine(&machine()).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::start(
        Arc::clone(&store),
        runner(Arc::clone(&calls)),
        dilated_clock(),
        2,
    )
    .unwrap();
    let names: Vec<String> = (0..50).map(|i| format!("e{i}")).collect();
    for (i, n) in names.iter().enumerate() {
        rt.start_execution(&machine(), n, &format!("{{\"i\": {i}}}"), i as u64)
            .unwrap();
    }
    let records = wait_for_all(&*store, &names);
    rt.shutdown();
    assert!(
        records
            .iter()
            .all(|r| r.status == ExecutionStatus::Succeeded)
    );
    check_histories(&*store, &names);
    // Three tasks per execution, plus the retried failures.
    assert!(calls.load(Ordering::SeqCst) >= 150);
    assert!(store.due_timers(None, i64::MAX, 10).unwrap().is_empty());
}

#[test]
fn a_new_runtime_finishes_what_a_stopped_one_left() {
    let db = TempDb::new("runtime-restart");
    let store = db.open();
    store.create_state_machine(&machine()).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let names: Vec<String> = (0..30).map(|i| format!("r{i}")).collect();
    let clock = dilated_clock();
    let rt = Runtime::start(
        Arc::clone(&store),
        runner(Arc::clone(&calls)),
        Arc::clone(&clock),
        2,
    )
    .unwrap();
    for (i, n) in names.iter().enumerate() {
        rt.start_execution(&machine(), n, "{}", i as u64).unwrap();
    }
    // Stop while executions are parked in their 600-second waits: what the runtime held (its
    // task queue, its in-flight timers) is gone.
    std::thread::sleep(Duration::from_millis(30));
    rt.shutdown();
    let running = names
        .iter()
        .filter(|n| {
            store.get_execution(&arn(n)).unwrap().unwrap().status == ExecutionStatus::Running
        })
        .count();
    assert!(running > 0, "everything ended before the restart");
    // A new runtime on a freshly opened store (as after a process restart).
    let store = db.open();
    let rt = Runtime::start(Arc::clone(&store), runner(Arc::clone(&calls)), clock, 2).unwrap();
    let records = wait_for_all(&*store, &names);
    rt.shutdown();
    assert!(
        records
            .iter()
            .all(|r| r.status == ExecutionStatus::Succeeded)
    );
    check_histories(&*store, &names);
}

#[test]
fn concurrent_starts_share_transactions_and_stay_idempotent() {
    let db = TempDb::new("runtime-grouped");
    let store = db.open();
    store.create_state_machine(&machine()).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let rt = Arc::new(
        Runtime::start(
            Arc::clone(&store),
            runner(Arc::clone(&calls)),
            dilated_clock(),
            2,
        )
        .unwrap(),
    );
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let rt = Arc::clone(&rt);
            std::thread::spawn(move || {
                (0..10)
                    .map(|i| {
                        let name = format!("g{t}-{i}");
                        let step = rt
                            .start_execution_grouped(&machine(), &name, "{}", i, Default::default())
                            .unwrap();
                        assert!(!step.existed);
                        assert_eq!(step.execution.arn, arn(&name));
                        name
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let names: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    // The same start again is the same execution; another input is refused.
    let again = rt
        .start_execution_grouped(&machine(), &names[0], "{}", 0, Default::default())
        .unwrap();
    assert!(again.existed);
    assert!(
        rt.start_execution_grouped(&machine(), &names[0], r#"{"x":1}"#, 0, Default::default())
            .is_err()
    );
    let records = wait_for_all(&*store, &names);
    assert!(
        records
            .iter()
            .all(|r| r.status == ExecutionStatus::Succeeded)
    );
    check_histories(&*store, &names);
}
