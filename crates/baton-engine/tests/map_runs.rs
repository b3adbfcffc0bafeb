//! Map Run records: what a Distributed Map reports of its run and its child executions as it
//! goes (DescribeMapRun's counts, ListExecutions of the Map Run), and UpdateMapRun.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use baton_engine::{MapRunUpdate, Signal, Status};
use common::*;
use serde_json::json;

fn distributed(max_concurrency: u64, tolerated: Option<u64>) -> String {
    let mut m = json!({"Type": "Map", "End": true, "MaxConcurrency": max_concurrency,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": R, "End": true}}}});
    if let Some(t) = tolerated {
        m["ToleratedFailureCount"] = json!(t);
    }
    json!({"StartAt": "M", "States": {"M": m}}).to_string()
}

fn last_run(m: &mut Manual) -> MapRunUpdate {
    m.ex.take_map_runs().0.pop().expect("a Map Run update")
}

#[test]
fn counts_follow_the_run_and_update_raises_the_concurrency() {
    let mut m = Manual::start(&distributed(1, None), json!([1, 2, 3]));
    let (runs, children) = m.ex.take_map_runs();
    let run = &runs[0];
    assert_eq!(
        (
            run.status,
            run.total,
            run.running,
            run.pending,
            run.max_concurrency
        ),
        ("RUNNING", 3, 1, 2, 1)
    );
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].status, Status::Running);
    let arn = run.arn.clone();
    m.signal(
        10,
        Signal::UpdateMapRun {
            map_run_arn: arn.clone(),
            max_concurrency: Some(0),
            tolerated_failure_count: None,
            tolerated_failure_percentage: None,
        },
    );
    let run = last_run(&mut m);
    assert_eq!((run.running, run.pending, run.max_concurrency), (3, 0, 0));
    assert_eq!(m.tasks.len(), 3);
    for (i, offset) in [(0, 20), (1, 21), (2, 22)] {
        let task = m.tasks[i].task;
        m.signal(offset, Signal::task_result(task, Ok(json!(i).into())));
    }
    let (runs, children) = m.ex.take_map_runs();
    let run = runs.last().unwrap();
    assert_eq!(
        (run.status, run.succeeded, run.running),
        ("SUCCEEDED", 3, 0)
    );
    assert_eq!(run.stop_millis, Some(START + 22));
    assert_eq!(
        children
            .iter()
            .filter(|c| c.status == Status::Succeeded)
            .count(),
        3
    );
    assert_eq!(m.ex.status(), Status::Succeeded);
}

#[test]
fn a_failure_aborts_the_running_children_and_fails_the_run() {
    let mut m = Manual::start(&distributed(2, None), json!([1, 2, 3]));
    m.ex.take_map_runs();
    let task = m.tasks[0].task;
    m.signal(
        5,
        Signal::task_result(task, Err(baton_engine::StatesError::new("Bad", "x"))),
    );
    let (runs, children) = m.ex.take_map_runs();
    let run = runs.last().unwrap();
    assert_eq!(
        (run.status, run.failed, run.aborted, run.pending),
        ("FAILED", 1, 1, 1)
    );
    let statuses: Vec<Status> = children.iter().map(|c| c.status).collect();
    assert!(statuses.contains(&Status::Failed) && statuses.contains(&Status::Aborted));
    assert_eq!(m.ex.status(), Status::Failed);
}

#[test]
fn stopping_the_execution_aborts_its_map_run() {
    let mut m = Manual::start(&distributed(0, Some(5)), json!([1, 2]));
    m.ex.take_map_runs();
    m.signal(
        5,
        Signal::Stop {
            error: None,
            cause: None,
        },
    );
    let run = last_run(&mut m);
    assert_eq!(
        (run.status, run.aborted, run.tolerated_failure_count),
        ("ABORTED", 2, 5)
    );
}

#[test]
fn a_map_run_stopped_with_its_parallel_branch_ends_aborted() {
    // The Map Run runs in one branch; the other branch fails, the Parallel is caught and the
    // execution goes on: the Map Run is over, not left running.
    let def = json!({"StartAt": "Par", "States": {
        "Par": {"Type": "Parallel", "Next": "Done",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
            "Branches": [
                {"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
                    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": R, "End": true}}}}}},
                {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Nope"}}}
            ]},
        "Done": {"Type": "Pass", "End": true}
    }})
    .to_string();
    let mut m = Manual::start(&def, json!([1, 2]));
    let (runs, children) = m.ex.take_map_runs();
    let run = runs.last().expect("the Map Run");
    assert_eq!((run.status, run.aborted, run.running), ("ABORTED", 2, 0));
    assert_eq!(
        children
            .iter()
            .filter(|c| c.status == Status::Aborted)
            .count(),
        2
    );
    assert_eq!(m.ex.status(), Status::Succeeded);
}
