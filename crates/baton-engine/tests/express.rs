//! Express executions in memory: synchronous and asynchronous starts, the five-minute limit,
//! final records as the logging configuration asks, and asynchronous starts that a restarted
//! runtime runs again (at least once). Time is dilated (one real millisecond is one virtual
//! second) so that minutes take a fraction of a second; the tests wait for outcomes, they do
//! not measure time.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::TempDb;

use baton_engine::StatesError;
use baton_engine::durable::DurableError;
use baton_engine::express::Express;
use baton_engine::runtime::{Clock, TaskRunner};
use baton_store::{ExecutionStatus, MemoryStore, Page, StateMachineRecord, Store};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SM: &str = "arn:aws:states:us-east-1:111111111111:stateMachine:fast";

fn machine(definition: Value, workflow_type: &str, logging: Value) -> StateMachineRecord {
    StateMachineRecord {
        arn: SM.into(),
        name: "fast".into(),
        definition: definition.to_string(),
        role_arn: "arn:aws:iam::111111111111:role/r".into(),
        workflow_type: workflow_type.into(),
        created_millis: 0,
        revision_id: "1".into(),
        config: json!({ "loggingConfiguration": logging }).to_string(),
    }
}

/// A task (which fails when its input says so), a short wait, and a Parallel of two tasks.
fn flow() -> Value {
    let task = |end: bool| {
        let mut t = json!({"Type": "Task", "Resource": common::R});
        if end {
            t["End"] = json!(true);
        } else {
            t["Next"] = json!("W");
        }
        t
    };
    json!({"StartAt": "T", "States": {
        "T": task(false),
        "W": {"Type": "Wait", "Seconds": 3, "Next": "P"},
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": task(true)}},
            {"StartAt": "B", "States": {"B": task(true)}}
        ]}
    }})
}

fn dilated_clock() -> Clock {
    let origin = Instant::now();
    Arc::new(move || common::START + origin.elapsed().as_millis() as i64 * 1_000)
}

/// Echoes its input, or fails with `Boom` when the input has `"fail": true`.
fn runner() -> TaskRunner {
    Arc::new(|request| {
        if request.input.get("fail").and_then(|f| f.as_bool()) == Some(true) {
            Err(StatesError::new("Boom", "asked to fail"))
        } else {
            Ok(request.input.clone())
        }
    })
}

fn all<T>(f: impl Fn(Page<'_>) -> baton_store::Result<Vec<T>>) -> Vec<T> {
    f(Page {
        after: None,
        limit: 1_000,
    })
    .unwrap()
}

#[test]
fn a_synchronous_start_returns_the_outcome_and_keeps_nothing_when_logging_is_off() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let m = machine(flow(), "EXPRESS", json!({"level": "OFF"}));
    store.create_state_machine(&m).unwrap();
    let x = Express::start(Arc::clone(&store), runner(), dilated_clock(), 2).unwrap();
    let out = x.start_sync(&m, Some("one"), r#"{"n": 1}"#).unwrap();
    assert_eq!(out.status, ExecutionStatus::Succeeded, "{out:?}");
    let output: Value = serde_json::from_str(out.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, json!([{"n": 1}, {"n": 1}]));
    assert!(
        out.execution_arn
            .starts_with("arn:aws:states:us-east-1:111111111111:express:fast:one:")
    );
    assert_eq!(out.name, "one");
    assert!(
        out.stop_millis >= out.start_millis + 3_000,
        "the wait took its time"
    );
    let types: Vec<&str> = out.history.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types.first(), Some(&"ExecutionStarted"));
    assert_eq!(types.last(), Some(&"ExecutionSucceeded"));
    // Without a name, the name is the ARN's id; and names may repeat (not idempotent).
    let unnamed = x.start_sync(&m, None, "{}").unwrap();
    assert!(
        unnamed
            .execution_arn
            .ends_with(&format!(":{}", unnamed.name))
    );
    let again = x.start_sync(&m, Some("one"), r#"{"n": 1}"#).unwrap();
    assert_ne!(again.execution_arn, out.execution_arn);
    assert!(all(|p| store.express_records(SM, p)).is_empty());
    assert!(all(|p| store.pending_express(None, p)).is_empty());
    assert_eq!(x.running(), 0);
}

#[test]
fn the_logging_level_decides_what_is_kept() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let x = Express::start(Arc::clone(&store), runner(), dilated_clock(), 2).unwrap();
    // ALL without execution data: every event, no inputs or outputs.
    let m = machine(
        flow(),
        "EXPRESS",
        json!({"level": "ALL", "includeExecutionData": false}),
    );
    let out = x.start_sync(&m, Some("all"), r#"{"secret": 1}"#).unwrap();
    let kept = all(|p| store.express_records(SM, p));
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].arn, out.execution_arn);
    assert_eq!(
        (kept[0].input.as_deref(), kept[0].output.as_deref()),
        (None, None)
    );
    let events: Vec<Value> = serde_json::from_str(&kept[0].events).unwrap();
    assert_eq!(events.len(), out.history.len());
    assert!(!kept[0].events.contains("secret"), "{}", kept[0].events);
    // ERROR: a success keeps nothing; a failure keeps its error events only, with data.
    let m = machine(
        flow(),
        "EXPRESS",
        json!({"level": "ERROR", "includeExecutionData": true}),
    );
    x.start_sync(&m, Some("fine"), "{}").unwrap();
    let failed = x.start_sync(&m, Some("bad"), r#"{"fail": true}"#).unwrap();
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("Boom"));
    let kept = all(|p| store.express_records(SM, p));
    assert_eq!(kept.len(), 2);
    let bad = kept.iter().find(|r| r.name == "bad").unwrap();
    assert_eq!(bad.input.as_deref(), Some(r#"{"fail": true}"#));
    let types: Vec<String> = serde_json::from_str::<Vec<Value>>(&bad.events)
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["TaskFailed", "ExecutionFailed"]);
}

#[test]
fn an_express_execution_times_out_after_five_minutes() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let def = json!({"StartAt": "W", "TimeoutSeconds": 3600, "States": {
        "W": {"Type": "Wait", "Seconds": 290, "Next": "V"},
        "V": {"Type": "Wait", "Seconds": 290, "End": true}}});
    let m = machine(def, "EXPRESS", json!({"level": "FATAL"}));
    let x = Express::start(Arc::clone(&store), runner(), dilated_clock(), 1).unwrap();
    let out = x.start_sync(&m, None, "{}").unwrap();
    assert_eq!(out.status, ExecutionStatus::TimedOut);
    assert_eq!(out.error.as_deref(), Some("States.Timeout"));
    let elapsed = out.stop_millis - out.start_millis;
    assert!((300_000..400_000).contains(&elapsed), "{elapsed} ms");
    let kept = all(|p| store.express_records(SM, p));
    assert!(kept[0].events.contains("ExecutionTimedOut"));
}

#[test]
fn only_express_state_machines_run_here() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let x = Express::start(Arc::clone(&store), runner(), dilated_clock(), 1).unwrap();
    let m = machine(flow(), "STANDARD", json!({}));
    assert!(matches!(
        x.start_sync(&m, None, "{}"),
        Err(DurableError::NotExpress(_))
    ));
    let mut m = machine(flow(), "EXPRESS", json!({}));
    m.revision_id = "2".into();
    assert!(matches!(
        x.start_async(&m, None, "not json"),
        Err(DurableError::InvalidInput(_))
    ));
    assert!(all(|p| store.pending_express(None, p)).is_empty());
}

#[test]
fn asynchronous_starts_run_at_least_once_across_a_restart() {
    let db = TempDb::new("express-restart");
    let store = db.open();
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": common::R, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 120, "End": true}}});
    let m = machine(
        def,
        "EXPRESS",
        json!({"level": "ALL", "includeExecutionData": true}),
    );
    store.create_state_machine(&m).unwrap();
    // Time stands still for the first runtime, so that no start can finish before it dies
    // however slowly this machine runs the test.
    let frozen: Clock = Arc::new(|| common::START);
    let x = Express::start(Arc::clone(&store), runner(), frozen, 2).unwrap();
    let starts: Vec<_> = (0..20)
        .map(|i| {
            x.start_async(&m, Some(&format!("a{i}")), &format!("{{\"i\": {i}}}"))
                .unwrap()
        })
        .collect();
    assert_eq!(all(|p| store.pending_express(None, p)).len(), 20);
    // The runtime dies while they wait: everything in memory is gone.
    x.shutdown();
    assert!(all(|p| store.express_records(SM, p)).is_empty());
    let store = db.open();
    let x = Express::start(Arc::clone(&store), runner(), dilated_clock(), 2).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !all(|p| store.pending_express(None, p)).is_empty() {
        assert!(Instant::now() < deadline, "pending starts never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(x.running(), 0);
    x.shutdown();
    let kept = all(|p| store.express_records(SM, p));
    assert_eq!(kept.len(), 20);
    for s in &starts {
        let r = kept.iter().find(|r| r.arn == s.arn).unwrap();
        assert_eq!(r.status, ExecutionStatus::Succeeded);
        let output: Value = serde_json::from_str(r.output.as_deref().unwrap()).unwrap();
        assert_eq!(output, serde_json::from_str::<Value>(&s.input).unwrap());
    }
}

/// Node `a` dies with asynchronous starts pending: node `b` leaves them alone while `a`'s
/// lease runs, then takes them over and runs them (once each).
#[test]
fn a_dead_nodes_asynchronous_starts_are_taken_over() {
    use baton_engine::runtime::{NodeOptions, Runtime, RuntimeOptions};
    let db = TempDb::new("express-takeover");
    let store = db.open();
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": common::R, "End": true}}});
    let m = machine(
        def,
        "EXPRESS",
        json!({"level": "ALL", "includeExecutionData": true}),
    );
    store.create_state_machine(&m).unwrap();
    // Node a: its lease runs for 400 ms; it stores starts but never runs them (time stands
    // still for it), then dies.
    let frozen: Clock = Arc::new(|| common::START);
    let lease = Duration::from_millis(400);
    let a = Runtime::start_with(
        Arc::clone(&store),
        runner(),
        Arc::clone(&frozen),
        1,
        RuntimeOptions {
            node: Some(NodeOptions {
                id: "a".into(),
                lease: Duration::from_secs(3_600),
            }),
            ..RuntimeOptions::default()
        },
    )
    .unwrap();
    let xa = Express::start_as(Arc::clone(&store), runner(), frozen, 1, Some("a".into())).unwrap();
    let def_wait = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let mut waits = machine(def_wait, "EXPRESS", json!({}));
    waits.arn.push_str("-waits");
    waits.name.push_str("-waits");
    store.create_state_machine(&waits).unwrap();
    let starts: Vec<_> = (0..5)
        .map(|i| {
            xa.start_async(&waits, Some(&format!("s{i}")), "{}")
                .unwrap()
        })
        .collect();
    assert!(starts.iter().all(|s| s.owner.as_deref() == Some("a")));
    // "Dies" without a clean shutdown: its lease is left to run out. (Its threads go on, but
    // its clock stands still and it is joined again below under a new generation, so it
    // neither runs nor renews anything that matters.)
    std::mem::forget(a);
    std::mem::forget(xa);
    let fence = store.join_node("a", 0, 0).unwrap();
    let soon = baton_engine::durable::wall_millis() + lease.as_millis() as i64;
    assert!(store.renew_node(&fence, soon).unwrap());
    // Node b, on a clock that runs: it does not run a's starts while a's lease holds...
    let xb = Express::start_as(
        Arc::clone(&store),
        runner(),
        dilated_clock(),
        1,
        Some("b".into()),
    )
    .unwrap();
    let resumer = xb.resumer();
    assert_eq!(xb.running(), 0);
    // ...and takes them over once it has run out.
    let b = Runtime::start_with(
        Arc::clone(&store),
        runner(),
        dilated_clock(),
        1,
        RuntimeOptions {
            node: Some(NodeOptions {
                id: "b".into(),
                lease: Duration::from_millis(300),
            }),
            express_taken: Some(Arc::new(move |taken| resumer.resume(taken).unwrap())),
            ..RuntimeOptions::default()
        },
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !all(|p| store.pending_express(None, p)).is_empty() {
        assert!(
            Instant::now() < deadline,
            "a's starts were never taken over"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(b.taken_over() == 0, "a owned no Standard executions");
    b.shutdown();
    xb.shutdown();
}

#[test]
fn many_synchronous_callers_at_once() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let m = machine(flow(), "EXPRESS", json!({}));
    let x = Arc::new(Express::start(Arc::clone(&store), runner(), dilated_clock(), 2).unwrap());
    let callers: Vec<_> = (0..8)
        .map(|t| {
            let (x, m) = (Arc::clone(&x), m.clone());
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| {
                        x.start_sync(&m, None, &format!("{{\"t\": {t}, \"i\": {i}}}"))
                            .unwrap()
                    })
                    .filter(|o| o.status == ExecutionStatus::Succeeded)
                    .count()
            })
        })
        .collect();
    let ok: usize = callers.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(ok, 200);
    assert_eq!(x.running(), 0);
}

#[test]
fn an_endless_loop_times_out_instead_of_holding_the_runtime() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "D"}], "Default": "P"},
        "D": {"Type": "Succeed"}}});
    let m = machine(def, "EXPRESS", json!({}));
    let x = Express::start(Arc::clone(&store), runner(), dilated_clock(), 1).unwrap();
    let out = x.start_sync(&m, None, "{}").unwrap();
    assert_eq!(out.status, ExecutionStatus::TimedOut);
    assert_eq!(out.error.as_deref(), Some("States.Timeout"));
    // The runtime still serves others.
    let fine = x.start_sync(&m, None, r#"{"stop": 1}"#).unwrap();
    assert_eq!(fine.status, ExecutionStatus::Succeeded);
}

#[test]
fn concurrent_asynchronous_starts_are_stored_together_and_all_run() {
    let db = TempDb::new("express-grouped");
    let store = db.open();
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let m = machine(
        def,
        "EXPRESS",
        json!({"level": "ALL", "includeExecutionData": true}),
    );
    let x = Arc::new(Express::start(Arc::clone(&store), runner(), dilated_clock(), 2).unwrap());
    let callers: Vec<_> = (0..8)
        .map(|t| {
            let (x, m) = (Arc::clone(&x), m.clone());
            std::thread::spawn(move || {
                (0..20)
                    .map(|i| {
                        x.start_async(&m, Some(&format!("t{t}-{i}")), "{}")
                            .unwrap()
                            .arn
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let arns: Vec<String> = callers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while all(|p| store.express_records(SM, p)).len() < arns.len() {
        assert!(Instant::now() < deadline, "not every start ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kept = all(|p| store.express_records(SM, p));
    assert!(arns.iter().all(|a| kept.iter().any(|r| &r.arn == a)));
    assert!(all(|p| store.pending_express(None, p)).is_empty());
}
