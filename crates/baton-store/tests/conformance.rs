//! The storage contract's conformance suite: every backend runs every case.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use baton_store::*;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

fn machine(name: &str) -> StateMachineRecord {
    StateMachineRecord {
        arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}"),
        name: name.into(),
        definition: r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#.into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        workflow_type: "STANDARD".into(),
        created_millis: 1_000,
        revision_id: "r1".into(),
        config: "{}".into(),
    }
}

const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:m";

fn new_execution(name: &str, input: &str) -> NewExecution {
    NewExecution {
        arn: format!("arn:aws:states:us-east-1:123456789012:execution:m:{name}"),
        state_machine_arn: SM.into(),
        revision_id: "r1".into(),
        version_arn: None,
        alias_arn: None,
        name: name.into(),
        input: input.into(),
        start_millis: 2_000,
        snapshot: vec![0],
        first: None,
        node: None,
    }
}

fn started(store: &dyn Store, name: &str) -> ExecutionRecord {
    match store.start_execution(&new_execution(name, "{}")).unwrap() {
        Started::Created(r) => r,
        Started::Existing(r) => panic!("{} existed", r.arn),
    }
}

fn event(id: u64, ty: &str) -> HistoryRecord {
    HistoryRecord {
        id,
        previous_event_id: id.saturating_sub(1),
        timestamp_millis: 2_000 + id as i64,
        event_type: ty.into(),
        details: "{}".into(),
    }
}

fn step(arn: &str, version: u64, events: Vec<HistoryRecord>) -> Transition {
    Transition {
        execution_arn: arn.into(),
        expected_version: version,
        snapshot: vec![version as u8 + 1],
        events,
        ..Transition::default()
    }
}

fn one(store: &dyn Store, t: Transition) -> Result<u64> {
    store.commit(&[t]).unwrap().pop().unwrap()
}

fn state_machines(store: &dyn Store) {
    let a = machine("a");
    store.create_state_machine(&a).unwrap();
    assert!(matches!(
        store.create_state_machine(&a),
        Err(StoreError::AlreadyExists(_))
    ));
    let mut same_name = machine("a");
    same_name.arn.push_str("-other");
    assert!(matches!(
        store.create_state_machine(&same_name),
        Err(StoreError::AlreadyExists(_))
    ));
    store.create_state_machine(&machine("b")).unwrap();
    store.create_state_machine(&machine("c")).unwrap();
    assert_eq!(store.get_state_machine(&a.arn).unwrap(), Some(a.clone()));
    let first = store
        .list_state_machines(Page {
            after: None,
            limit: 2,
        })
        .unwrap();
    assert_eq!(
        first.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let rest = store
        .list_state_machines(Page {
            after: Some(&first[1].arn),
            limit: 10,
        })
        .unwrap();
    assert_eq!(rest.len(), 1);
    let mut updated = a.clone();
    updated.revision_id = "r2".into();
    store.update_state_machine(&updated).unwrap();
    assert_eq!(
        store
            .get_state_machine(&a.arn)
            .unwrap()
            .unwrap()
            .revision_id,
        "r2"
    );
    store.delete_state_machine(&a.arn).unwrap();
    assert_eq!(store.get_state_machine(&a.arn).unwrap(), None);
    assert!(matches!(
        store.delete_state_machine(&a.arn),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.update_state_machine(&a),
        Err(StoreError::NotFound(_))
    ));
}

fn idempotent_start(store: &dyn Store) {
    let first = started(store, "e1");
    assert_eq!(first.version, 1);
    assert_eq!(first.status, ExecutionStatus::Running);
    match store.start_execution(&new_execution("e1", "{}")).unwrap() {
        Started::Existing(r) => assert_eq!(r.arn, first.arn),
        Started::Created(_) => panic!("started twice"),
    }
    assert!(matches!(
        store.start_execution(&new_execution("e1", r#"{"other":1}"#)),
        Err(StoreError::AlreadyExists(_))
    ));
    started(store, "e2");
    let all = store
        .list_executions(
            SM,
            None,
            Page {
                after: None,
                limit: 10,
            },
        )
        .unwrap();
    assert_eq!(all.len(), 2);
    let running = store
        .list_executions(
            SM,
            Some(ExecutionStatus::Succeeded),
            Page {
                after: None,
                limit: 10,
            },
        )
        .unwrap();
    assert!(running.is_empty());
}

fn commits_are_fenced_and_contiguous(store: &dyn Store) {
    let ex = started(store, "e");
    let v2 = one(
        store,
        step(
            &ex.arn,
            1,
            vec![event(1, "ExecutionStarted"), event(2, "PassStateEntered")],
        ),
    )
    .unwrap();
    assert_eq!(v2, 2);
    // A stale copy (version 1) cannot write.
    assert_eq!(
        one(store, step(&ex.arn, 1, vec![event(3, "PassStateExited")])),
        Err(StoreError::Fenced {
            arn: ex.arn.clone(),
            expected: 1,
            actual: 2
        })
    );
    // Ids must continue the history.
    assert!(matches!(
        one(store, step(&ex.arn, 2, vec![event(4, "PassStateExited")])),
        Err(StoreError::HistoryGap {
            last: 2,
            got: 4,
            ..
        })
    ));
    // In one batch, a rejected transition writes nothing and does not stop the others.
    let other = started(store, "other");
    let results = store
        .commit(&[
            step(&ex.arn, 7, vec![event(3, "Bogus")]),
            step(&other.arn, 1, vec![event(1, "ExecutionStarted")]),
            step(&ex.arn, 2, vec![event(3, "PassStateExited")]),
        ])
        .unwrap();
    assert!(matches!(results[0], Err(StoreError::Fenced { .. })));
    assert_eq!(results[1], Ok(2));
    assert_eq!(results[2], Ok(3));
    let history = store.history(&ex.arn, 0, 100).unwrap();
    assert_eq!(
        history
            .iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
        ["ExecutionStarted", "PassStateEntered", "PassStateExited"]
    );
    assert_eq!(
        store.history(&ex.arn, 1, 1).unwrap(),
        vec![event(2, "PassStateEntered")]
    );
    // Pages cut through the steps anywhere.
    for after in 0..4 {
        for limit in 1..4 {
            let ids: Vec<u64> = store
                .history(&ex.arn, after, limit)
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect();
            let expected: Vec<u64> = (after + 1..=3).take(limit).collect();
            assert_eq!(ids, expected, "after {after}, limit {limit}");
        }
    }
    let stored = store.get_execution(&ex.arn).unwrap().unwrap();
    assert_eq!((stored.version, stored.snapshot), (3, vec![3]));
    assert!(matches!(
        one(store, step("arn:missing", 1, vec![])),
        Err(StoreError::NotFound(_))
    ));
}

fn endings(store: &dyn Store) {
    let ex = started(store, "e");
    let mut t = step(&ex.arn, 1, vec![event(1, "ExecutionStarted")]);
    t.timers_set = vec![TimerRecord {
        execution_arn: ex.arn.clone(),
        timer_id: 1,
        fire_at_millis: 5_000,
    }];
    one(store, t).unwrap();
    let mut end = step(&ex.arn, 2, vec![event(2, "ExecutionSucceeded")]);
    end.status = Some(Ending {
        status: ExecutionStatus::Succeeded,
        output: Some(r#"{"ok":true}"#.into()),
        error: None,
        cause: None,
        stop_millis: 3_000,
    });
    one(store, end).unwrap();
    let stored = store.get_execution(&ex.arn).unwrap().unwrap();
    assert_eq!(stored.status, ExecutionStatus::Succeeded);
    assert_eq!(stored.output.as_deref(), Some(r#"{"ok":true}"#));
    assert_eq!(stored.stop_millis, Some(3_000));
    // An ended execution keeps no timers and no owner.
    assert!(store.due_timers(None, i64::MAX, 10).unwrap().is_empty());
    assert_eq!(stored.owner, None);
    let succeeded = store
        .list_executions(
            SM,
            Some(ExecutionStatus::Succeeded),
            Page {
                after: None,
                limit: 10,
            },
        )
        .unwrap();
    assert_eq!(succeeded.len(), 1);
}

fn timers(store: &dyn Store) {
    let a = started(store, "a");
    let b = started(store, "b");
    let timer = |arn: &str, id, at| TimerRecord {
        execution_arn: arn.to_string(),
        timer_id: id,
        fire_at_millis: at,
    };
    let mut t = step(&a.arn, 1, vec![]);
    t.timers_set = vec![timer(&a.arn, 1, 300), timer(&a.arn, 2, 100)];
    one(store, t).unwrap();
    let mut t = step(&b.arn, 1, vec![]);
    t.timers_set = vec![timer(&b.arn, 7, 200)];
    one(store, t).unwrap();
    assert_eq!(
        store.due_timers(None, 250, 10).unwrap(),
        vec![timer(&a.arn, 2, 100), timer(&b.arn, 7, 200)]
    );
    assert_eq!(
        store.due_timers(None, 1_000, 1).unwrap(),
        vec![timer(&a.arn, 2, 100)]
    );
    let mut t = step(&a.arn, 2, vec![]);
    t.timers_cleared = vec![2];
    // Setting a timer again moves it.
    t.timers_set = vec![timer(&a.arn, 1, 50)];
    one(store, t).unwrap();
    assert_eq!(
        store.due_timers(None, 1_000, 10).unwrap(),
        vec![timer(&a.arn, 1, 50), timer(&b.arn, 7, 200)]
    );
}

fn tasks(store: &dyn Store) {
    let ex = started(store, "e");
    let task = |token: &str, at| TaskRecord {
        token: token.into(),
        execution_arn: ex.arn.clone(),
        task_id: 1,
        resource: "arn:aws:states:us-east-1:123456789012:activity:act".into(),
        input: "{}".into(),
        created_millis: at,
        worker: None,
    };
    let mut t = step(&ex.arn, 1, vec![]);
    t.tasks_added = vec![task("t2", 20), task("t1", 10)];
    one(store, t).unwrap();
    assert_eq!(store.get_task("t1").unwrap(), Some(task("t1", 10)));
    // A pending token cannot be given to another task.
    let mut again = step(&ex.arn, 2, vec![]);
    again.tasks_added = vec![task("t1", 30)];
    assert!(matches!(
        one(store, again),
        Err(StoreError::AlreadyExists(_))
    ));
    let pending = store
        .pending_tasks(
            None,
            Page {
                after: None,
                limit: 10,
            },
        )
        .unwrap();
    assert_eq!(
        pending.iter().map(|t| t.token.as_str()).collect::<Vec<_>>(),
        ["t1", "t2"]
    );
    let after = store
        .pending_tasks(
            None,
            Page {
                after: Some("t1"),
                limit: 10,
            },
        )
        .unwrap();
    assert_eq!(after.len(), 1);
    let resource = "arn:aws:states:us-east-1:123456789012:activity:act";
    let taken = store.take_task(resource, "w").unwrap().unwrap();
    assert_eq!(
        (taken.token.as_str(), taken.worker.as_deref()),
        ("t1", Some("w"))
    );
    assert_eq!(
        store.take_task(resource, "w2").unwrap().unwrap().token,
        "t2"
    );
    assert_eq!(store.take_task(resource, "w3").unwrap(), None);
    assert_eq!(store.take_task("arn:other", "w").unwrap(), None);
    let mut t = step(&ex.arn, 2, vec![]);
    t.tasks_removed = vec!["t1".into()];
    one(store, t).unwrap();
    assert_eq!(store.get_task("t1").unwrap(), None);
    assert!(store.get_task("t2").unwrap().is_some());
}

fn start_with_first_step(store: &dyn Store) {
    let mut e = new_execution("first", "{}");
    let arn = e.arn.clone();
    let mut first = step(
        "",
        0,
        vec![event(1, "ExecutionStarted"), event(2, "ExecutionSucceeded")],
    );
    first.snapshot = vec![9];
    first.status = Some(Ending {
        status: ExecutionStatus::Succeeded,
        output: Some("1".into()),
        error: None,
        cause: None,
        stop_millis: 2_000,
    });
    e.first = Some(first);
    let Started::Created(record) = store.start_execution(&e).unwrap() else {
        panic!("not created");
    };
    assert_eq!(
        (record.version, record.status, record.snapshot.clone()),
        (2, ExecutionStatus::Succeeded, vec![9])
    );
    assert_eq!(store.history(&arn, 0, 10).unwrap().len(), 2);
    // A first step that does not start the history at 1 stores nothing.
    let mut bad = new_execution("bad", "{}");
    bad.first = Some(step("", 0, vec![event(2, "ExecutionStarted")]));
    assert!(matches!(
        store.start_execution(&bad),
        Err(StoreError::HistoryGap { .. })
    ));
    assert_eq!(store.get_execution(&bad.arn).unwrap(), None);
    assert!(matches!(
        store.start_execution(&new_execution("bad", "{}")).unwrap(),
        Started::Created(_)
    ));
}

fn batched_starts(store: &dyn Store) {
    started(store, "taken");
    let results = store
        .start_executions(&[
            new_execution("n1", "{}"),
            new_execution("taken", r#"{"different":true}"#),
            new_execution("taken", "{}"),
            new_execution("n2", "{}"),
        ])
        .unwrap();
    assert!(matches!(results[0], Ok(Started::Created(_))));
    assert!(matches!(results[1], Err(StoreError::AlreadyExists(_))));
    assert!(matches!(results[2], Ok(Started::Existing(_))));
    assert!(matches!(results[3], Ok(Started::Created(_))));
    let all = store
        .list_executions(
            SM,
            None,
            Page {
                after: None,
                limit: 10,
            },
        )
        .unwrap();
    assert_eq!(all.len(), 3);
}

/// A batch of fresh starts, each with its first step (events, a timer, a task; one ends at
/// once), is stored as the same starts one by one would be.
fn batched_starts_with_first_steps(store: &dyn Store) {
    let start = |name: &str, ends: bool| {
        let mut e = new_execution(name, "{}");
        let arn = e.arn.clone();
        let mut first = step(
            &arn,
            1,
            vec![event(1, "ExecutionStarted"), event(2, "TaskStateEntered")],
        );
        if ends {
            first.status = Some(Ending {
                status: ExecutionStatus::Succeeded,
                output: Some("1".into()),
                error: None,
                cause: None,
                stop_millis: 2_500,
            });
        } else {
            first.timers_set = vec![TimerRecord {
                execution_arn: arn.clone(),
                timer_id: 1,
                fire_at_millis: 9_000,
            }];
            first.tasks_added = vec![TaskRecord {
                token: format!("token-{name}"),
                execution_arn: arn.clone(),
                task_id: 2,
                resource: "arn:aws:states:us-east-1:123456789012:activity:w".into(),
                input: "{}".into(),
                created_millis: 2_000,
                worker: None,
            }];
        }
        e.first = Some(first);
        e
    };
    let batch: Vec<NewExecution> = (0..5).map(|i| start(&format!("b{i}"), i == 4)).collect();
    let results = store.start_executions(&batch).unwrap();
    for (r, e) in results.iter().zip(&batch) {
        let Ok(Started::Created(record)) = r else {
            panic!("{r:?}")
        };
        assert_eq!((record.arn.as_str(), record.version), (e.arn.as_str(), 2));
        assert_eq!(record.snapshot, vec![2]);
        assert_eq!(store.history(&e.arn, 0, 10).unwrap().len(), 2);
        // What the start answers is what is stored.
        assert_eq!(Some(record), store.get_execution(&e.arn).unwrap().as_ref());
    }
    let last = store.get_execution(&batch[4].arn).unwrap().unwrap();
    assert_eq!(
        (last.status, last.output.as_deref(), last.stop_millis),
        (ExecutionStatus::Succeeded, Some("1"), Some(2_500))
    );
    assert_eq!(store.due_timers(None, i64::MAX, 10).unwrap().len(), 4);
    let task = store.get_task("token-b1").unwrap().unwrap();
    assert_eq!(
        (task.execution_arn, task.task_id),
        (batch[1].arn.clone(), 2)
    );
    assert!(store.get_task("token-b4").unwrap().is_none());
    // The same batch again: every start exists already, with the same input.
    let again = store.start_executions(&batch).unwrap();
    assert!(again.iter().all(|r| matches!(r, Ok(Started::Existing(_)))));
    assert_eq!(store.history(&batch[0].arn, 0, 10).unwrap().len(), 2);
}

fn timer_at(id: u64, at: i64) -> TimerRecord {
    TimerRecord {
        execution_arn: String::new(),
        timer_id: id,
        fire_at_millis: at,
    }
}

fn owner_of(store: &dyn Store, arn: &str) -> Option<String> {
    store.get_execution(arn).unwrap().unwrap().owner
}

fn leases(store: &dyn Store) {
    // Started before any node joined: nobody's, until a node joins.
    let a = started(store, "a");
    assert_eq!(a.owner, None);
    let n1 = store.join_node("n1", 1_000, 5_000).unwrap();
    assert_eq!(n1.generation, 1);
    assert_eq!(owner_of(store, &a.arn).as_deref(), Some("n1"));
    let n2 = store.join_node("n2", 1_000, 5_000).unwrap();
    // A start names its node, which owns the execution.
    let mut b = new_execution("b", "{}");
    b.node = Some(n2.clone());
    let Started::Created(b) = store.start_execution(&b).unwrap() else {
        panic!("b existed")
    };
    assert_eq!(b.owner.as_deref(), Some("n2"));
    // Timers and tasks are read per owner.
    let mut ta = step(&a.arn, 1, vec![event(1, "ExecutionStarted")]);
    ta.timers_set = vec![timer_at(1, 3_000)];
    ta.node = Some(n1.clone());
    one(store, ta).unwrap();
    let mut tb = step(&b.arn, 1, vec![event(1, "ExecutionStarted")]);
    tb.timers_set = vec![timer_at(1, 4_000)];
    tb.tasks_added = vec![pending_task(
        "token-b",
        &b.arn,
        "arn:aws:states:us-east-1:123456789012:activity:x",
    )];
    tb.node = Some(n2.clone());
    one(store, tb).unwrap();
    let arns = |timers: Vec<TimerRecord>| -> Vec<String> {
        timers.into_iter().map(|t| t.execution_arn).collect()
    };
    assert_eq!(
        arns(store.due_timers(Some("n1"), i64::MAX, 10).unwrap()),
        std::slice::from_ref(&a.arn)
    );
    assert_eq!(
        arns(store.due_timers(Some("n2"), i64::MAX, 10).unwrap()),
        std::slice::from_ref(&b.arn)
    );
    assert_eq!(store.due_timers(None, i64::MAX, 10).unwrap().len(), 2);
    assert!(
        store
            .due_timers(Some("n3"), i64::MAX, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.next_timer(Some("n1"), 0).unwrap(), Some(3_000));
    assert_eq!(store.next_timer(Some("n1"), 3_000).unwrap(), None);
    assert_eq!(store.next_timer(None, 3_000).unwrap(), Some(4_000));
    let all = Page {
        after: None,
        limit: 10,
    };
    assert!(store.pending_tasks(Some("n1"), all).unwrap().is_empty());
    assert_eq!(store.pending_tasks(Some("n2"), all).unwrap().len(), 1);
    assert_eq!(store.pending_tasks(None, all).unwrap().len(), 1);
    // A node committing a step takes the execution on.
    let mut moved = step(&a.arn, 2, vec![event(2, "PassStateEntered")]);
    moved.node = Some(n2.clone());
    one(store, moved).unwrap();
    assert_eq!(owner_of(store, &a.arn).as_deref(), Some("n2"));
    assert_eq!(store.due_timers(Some("n2"), i64::MAX, 10).unwrap().len(), 2);
    // Asynchronous Express starts are read per node too (and those of no node by anyone).
    let mut x2 = express_start("arn:aws:states:us-east-1:123456789012:express:m:x2:1");
    x2.owner = Some("n2".into());
    let x0 = express_start("arn:aws:states:us-east-1:123456789012:express:m:x0:1");
    store.enqueue_express(&[x2.clone(), x0.clone()]).unwrap();
    let express_of = |owner| {
        store
            .pending_express(owner, all)
            .unwrap()
            .into_iter()
            .map(|x| x.arn)
            .collect::<Vec<_>>()
    };
    assert_eq!(express_of(Some("n1")), std::slice::from_ref(&x0.arn));
    assert_eq!(express_of(Some("n2")), [x0.arn.clone(), x2.arn.clone()]);
    // n1 renews; n2's lease runs out at 5,000.
    assert!(store.renew_node(&n1, 9_000).unwrap());
    assert!(store.expired_nodes(5_000).unwrap().is_empty());
    assert_eq!(
        store.expired_nodes(6_000).unwrap(),
        std::slice::from_ref(&n2)
    );
    // A live node is not taken over.
    assert_eq!(store.take_over(&n1, &n2, 6_000).unwrap(), None);
    let taken = store.take_over(&n2, &n1, 6_000).unwrap().unwrap();
    let mut both = vec![a.arn.clone(), b.arn.clone()];
    both.sort();
    assert_eq!(taken.executions, both);
    assert_eq!(
        taken
            .tasks
            .iter()
            .map(|t| t.token.as_str())
            .collect::<Vec<_>>(),
        ["token-b"]
    );
    assert_eq!(owner_of(store, &b.arn).as_deref(), Some("n1"));
    assert_eq!(
        taken.express,
        [ExpressStart {
            owner: Some("n1".into()),
            ..x2.clone()
        }]
    );
    assert_eq!(express_of(Some("n1")), [x0.arn.clone(), x2.arn.clone()]);
    // Once only, and n2 is no longer listed as expired.
    assert_eq!(store.take_over(&n2, &n1, 6_000).unwrap(), None);
    assert!(store.expired_nodes(7_000).unwrap().is_empty());
    // n2's generation can no longer commit, start, renew or take over; nothing is written.
    let mut stale = step(&b.arn, 2, vec![event(2, "PassStateEntered")]);
    stale.node = Some(n2.clone());
    assert_eq!(
        one(store, stale),
        Err(StoreError::LeaseLost {
            node: "n2".into(),
            generation: n2.generation,
        })
    );
    assert_eq!(store.history(&b.arn, 0, 10).unwrap().len(), 1);
    let mut late = new_execution("c", "{}");
    late.node = Some(n2.clone());
    assert!(matches!(
        store.start_execution(&late),
        Err(StoreError::LeaseLost { .. })
    ));
    assert!(store.get_execution(&late.arn).unwrap().is_none());
    assert!(matches!(
        store.start_executions(std::slice::from_ref(&late)).unwrap()[..],
        [Err(StoreError::LeaseLost { .. })]
    ));
    assert!(store.get_execution(&late.arn).unwrap().is_none());
    assert!(!store.renew_node(&n2, 20_000).unwrap());
    assert!(matches!(
        store.take_over(&n1, &n2, 30_000),
        Err(StoreError::LeaseLost { .. })
    ));
    // Joining again gives a newer generation, which commits; the executions stay n1's.
    let n2 = store.join_node("n2", 7_000, 12_000).unwrap();
    assert_eq!(n2.generation, 3);
    assert_eq!(owner_of(store, &b.arn).as_deref(), Some("n1"));
    let mut again = step(&b.arn, 2, vec![event(2, "PassStateEntered")]);
    again.node = Some(n2.clone());
    one(store, again).unwrap();
    assert_eq!(owner_of(store, &b.arn).as_deref(), Some("n2"));
    // An ended execution has no owner.
    let mut end = step(&b.arn, 3, vec![event(3, "ExecutionSucceeded")]);
    end.node = Some(n2.clone());
    end.status = Some(Ending {
        status: ExecutionStatus::Succeeded,
        output: Some("{}".into()),
        error: None,
        cause: None,
        stop_millis: 8_000,
    });
    one(store, end).unwrap();
    assert_eq!(owner_of(store, &b.arn), None);
}

/// A task stays with the node that dispatched it when another node moves its execution on, so
/// that a take-over of the dispatching node hands it over (and its restart dispatches it).
fn tasks_follow_the_node_that_dispatched_them(store: &dyn Store) {
    let n1 = store.join_node("n1", 0, 1_000).unwrap();
    let n2 = store.join_node("n2", 0, 60_000).unwrap();
    let ex = started(store, "x");
    let mut t = step(&ex.arn, 1, vec![event(1, "ExecutionStarted")]);
    t.node = Some(n1.clone());
    t.tasks_added = vec![pending_task(
        "token-x",
        &ex.arn,
        "arn:aws:states:::lambda:invoke",
    )];
    one(store, t).unwrap();
    // n2 moves the execution on (another branch's answer came through it).
    let mut moved = step(&ex.arn, 2, vec![event(2, "PassStateEntered")]);
    moved.node = Some(n2.clone());
    one(store, moved).unwrap();
    assert_eq!(owner_of(store, &ex.arn).as_deref(), Some("n2"));
    let all = Page {
        after: None,
        limit: 10,
    };
    let tokens = |owner| {
        store
            .pending_tasks(owner, all)
            .unwrap()
            .into_iter()
            .map(|t| t.token)
            .collect::<Vec<_>>()
    };
    assert_eq!(tokens(Some("n1")), ["token-x"]);
    assert!(tokens(Some("n2")).is_empty());
    // n1 dies: n2 takes its task over, though n1 owned no execution any more.
    let taken = store.take_over(&n1, &n2, 5_000).unwrap().unwrap();
    assert!(taken.executions.is_empty());
    assert_eq!(
        taken
            .tasks
            .iter()
            .map(|t| t.token.as_str())
            .collect::<Vec<_>>(),
        ["token-x"]
    );
    assert_eq!(tokens(Some("n2")), ["token-x"]);
}

/// A pending task of `execution` for `resource`, added at 2,000.
fn pending_task(token: &str, execution: &str, resource: &str) -> TaskRecord {
    TaskRecord {
        token: token.into(),
        execution_arn: execution.into(),
        task_id: 1,
        resource: resource.into(),
        input: "{}".into(),
        created_millis: 2_000,
        worker: None,
    }
}

/// The resources `store` tells its task listeners of, as they come.
fn listen(store: &dyn Store) -> Arc<Mutex<Vec<String>>> {
    let heard: Arc<Mutex<Vec<String>>> = Arc::default();
    let h = Arc::clone(&heard);
    store.watch_tasks(Arc::new(move |r: &str| {
        h.lock().unwrap().push(r.to_string());
    }));
    heard
}

/// Whether a resource ending in `suffix` is heard within `seconds`.
fn hears(heard: &Mutex<Vec<String>>, suffix: &str, seconds: u64) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if heard.lock().unwrap().iter().any(|r| r.ends_with(suffix)) {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// A commit that adds a task tells the store's task listeners its resource.
fn task_listeners(store: &dyn Store) {
    let heard = listen(store);
    let ex = started(store, "t");
    let mut t = step(&ex.arn, 1, vec![event(1, "ExecutionStarted")]);
    t.tasks_added = vec![pending_task(
        "token-t",
        &ex.arn,
        "arn:aws:states:us-east-1:123456789012:activity:heard",
    )];
    one(store, t).unwrap();
    // PostgreSQL may also tell it again through LISTEN, a moment later.
    assert!(
        hears(&heard, "activity:heard", 5),
        "{:?}",
        heard.lock().unwrap()
    );
}

fn express_start(arn: &str) -> ExpressStart {
    ExpressStart {
        arn: arn.into(),
        state_machine_arn: SM.into(),
        revision_id: "r1".into(),
        name: arn.rsplit(':').nth(1).unwrap_or("x").into(),
        input: r#"{"a":1}"#.into(),
        start_millis: 5_000,
        seed: u64::MAX - 1,
        owner: None,
    }
}

fn express_record(arn: &str, status: ExecutionStatus) -> ExpressRecord {
    ExpressRecord {
        arn: arn.into(),
        state_machine_arn: SM.into(),
        name: "x".into(),
        status,
        start_millis: 5_000,
        stop_millis: 6_000,
        input: Some("{}".into()),
        output: None,
        error: Some("E".into()),
        cause: None,
        events: "[]".into(),
    }
}

fn express(store: &dyn Store) {
    let a = "arn:aws:states:us-east-1:123456789012:express:m:a:1";
    let b = "arn:aws:states:us-east-1:123456789012:express:m:b:2";
    let c = "arn:aws:states:us-east-1:123456789012:express:m:c:3";
    let all = Page {
        after: None,
        limit: 10,
    };
    store
        .enqueue_express(&[express_start(a), express_start(b)])
        .unwrap();
    // A batch with a pending ARN writes nothing.
    assert!(matches!(
        store.enqueue_express(&[express_start(c), express_start(a)]),
        Err(StoreError::AlreadyExists(_))
    ));
    let pending = store.pending_express(None, all).unwrap();
    assert_eq!(pending, vec![express_start(a), express_start(b)]);
    let after_a = Page {
        after: Some(a),
        limit: 10,
    };
    assert_eq!(
        store.pending_express(None, after_a).unwrap(),
        vec![express_start(b)]
    );
    // Finishing removes the start and keeps the record if there is one (a sync run, never
    // pending, may keep one too).
    store
        .finish_express(&[
            (a.into(), Some(express_record(a, ExecutionStatus::Failed))),
            (b.into(), None),
            (
                c.into(),
                Some(express_record(c, ExecutionStatus::Succeeded)),
            ),
        ])
        .unwrap();
    assert!(store.pending_express(None, all).unwrap().is_empty());
    let kept = store.express_records(SM, all).unwrap();
    assert_eq!(
        kept,
        vec![
            express_record(a, ExecutionStatus::Failed),
            express_record(c, ExecutionStatus::Succeeded)
        ]
    );
    assert!(store.express_records("other", all).unwrap().is_empty());
    // An ARN can be started again once it has finished.
    store.enqueue_express(&[express_start(a)]).unwrap();
    assert_eq!(store.pending_express(None, all).unwrap().len(), 1);
}

fn activities(store: &dyn Store) {
    let record = |name: &str| ActivityRecord {
        arn: format!("arn:aws:states:us-east-1:123456789012:activity:{name}"),
        name: name.into(),
        created_millis: 7,
        config: "{}".into(),
    };
    store.create_activity(&record("b")).unwrap();
    store.create_activity(&record("a")).unwrap();
    assert!(matches!(
        store.create_activity(&record("a")),
        Err(StoreError::AlreadyExists(_))
    ));
    assert_eq!(
        store.get_activity(&record("a").arn).unwrap(),
        Some(record("a"))
    );
    let all = |after: Option<&str>| {
        store
            .list_activities(Page { after, limit: 10 })
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(all(None), ["a", "b"]);
    assert_eq!(all(Some(&record("a").arn)), ["b"]);
    let mut tagged = record("a");
    tagged.config = r#"{"tags":[]}"#.into();
    store.update_activity(&tagged).unwrap();
    assert_eq!(store.get_activity(&tagged.arn).unwrap(), Some(tagged));
    assert!(matches!(
        store.update_activity(&record("zzz")),
        Err(StoreError::NotFound(_))
    ));
    store.delete_activity(&record("a").arn).unwrap();
    assert_eq!(store.get_activity(&record("a").arn).unwrap(), None);
    assert_eq!(all(None), ["b"]);
}

fn revisions(store: &dyn Store) {
    let first = machine("m");
    store.create_state_machine(&first).unwrap();
    let e = started(store, "e");
    assert_eq!(e.revision_id, "r1");
    let mut second = first.clone();
    second.definition = r#"{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}"#.into();
    second.revision_id = "r2".into();
    store.update_state_machine(&second).unwrap();
    let at = |r: &str| store.get_state_machine_revision(SM, r).unwrap();
    assert_eq!(at("r1"), Some(first.clone()));
    assert_eq!(at("r2"), Some(second.clone()));
    assert_eq!(at("r3"), None);
    // A deleted state machine's revisions stay for the executions that run them.
    store.delete_state_machine(SM).unwrap();
    assert_eq!(at("r1"), Some(first));
}

fn versions_and_aliases(store: &dyn Store) {
    let mut m = machine("m");
    store.create_state_machine(&m).unwrap();
    let v1 = store.publish_version(SM, Some("first"), 10).unwrap();
    assert_eq!((v1.arn.as_str(), v1.version), (&*format!("{SM}:1"), 1));
    assert_eq!(v1.revision_id, "r1");
    // The same revision again: the same version.
    assert_eq!(store.publish_version(SM, None, 11).unwrap(), v1);
    m.revision_id = "r2".into();
    store.update_state_machine(&m).unwrap();
    let v2 = store.publish_version(SM, None, 12).unwrap();
    assert_eq!((v2.version, v2.revision_id.as_str()), (2, "r2"));
    let all = |after: Option<&str>| {
        store
            .list_versions(SM, Page { after, limit: 10 })
            .unwrap()
            .iter()
            .map(|v| v.version)
            .collect::<Vec<_>>()
    };
    assert_eq!(all(None), [2, 1]);
    assert_eq!(all(Some(&v2.arn)), [1]);
    // Numbers are never reused.
    store.delete_version(&v2.arn).unwrap();
    assert_eq!(store.get_version(&v2.arn).unwrap(), None);
    m.revision_id = "r3".into();
    store.update_state_machine(&m).unwrap();
    assert_eq!(store.publish_version(SM, None, 13).unwrap().version, 3);
    assert!(matches!(
        store.publish_version(
            "arn:aws:states:us-east-1:123456789012:stateMachine:no",
            None,
            1
        ),
        Err(StoreError::NotFound(_))
    ));

    let alias = AliasRecord {
        arn: format!("{SM}:live"),
        state_machine_arn: SM.into(),
        name: "live".into(),
        description: Some("d".into()),
        routing: vec![(v1.arn.clone(), 90), (format!("{SM}:3"), 10)],
        created_millis: 20,
        updated_millis: 20,
    };
    store.create_alias(&alias).unwrap();
    assert!(matches!(
        store.create_alias(&alias),
        Err(StoreError::AlreadyExists(_))
    ));
    assert_eq!(store.get_alias(&alias.arn).unwrap(), Some(alias.clone()));
    let mut changed = alias.clone();
    changed.routing = vec![(v1.arn.clone(), 100)];
    changed.description = None;
    changed.updated_millis = 30;
    store.update_alias(&changed).unwrap();
    assert_eq!(store.get_alias(&alias.arn).unwrap(), Some(changed.clone()));
    let page = Page {
        after: None,
        limit: 10,
    };
    assert_eq!(store.list_aliases(SM, page).unwrap(), vec![changed]);
    store.delete_alias(&alias.arn).unwrap();
    assert!(store.list_aliases(SM, page).unwrap().is_empty());
    // Deleting the state machine deletes its versions and aliases; a new one of that name
    // numbers its versions from 1 again.
    store.create_alias(&alias).unwrap();
    store.delete_state_machine(SM).unwrap();
    assert!(store.list_versions(SM, page).unwrap().is_empty());
    assert!(store.list_aliases(SM, page).unwrap().is_empty());
    let mut again = machine("m");
    again.revision_id = "r9".into();
    store.create_state_machine(&again).unwrap();
    assert_eq!(store.publish_version(SM, None, 50).unwrap().version, 1);
}

fn executions_are_listed_newest_first(store: &dyn Store) {
    for (name, start) in [("a", 3_000), ("b", 1_000), ("c", 2_000), ("d", 2_000)] {
        let mut e = new_execution(name, "{}");
        e.start_millis = start;
        store.start_execution(&e).unwrap();
    }
    let names = |after: Option<&str>, limit: usize| {
        store
            .list_executions(SM, None, Page { after, limit })
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(None, 10), ["a", "d", "c", "b"]);
    let first = names(None, 2);
    assert_eq!(first, ["a", "d"]);
    let after = format!(
        "arn:aws:states:us-east-1:123456789012:execution:m:{}",
        first[1]
    );
    assert_eq!(names(Some(&after), 10), ["c", "b"]);
    // What it was started through is kept.
    let mut via = new_execution("v", "{}");
    via.version_arn = Some(format!("{SM}:3"));
    via.alias_arn = Some(format!("{SM}:live"));
    let Started::Created(stored) = store.start_execution(&via).unwrap() else {
        panic!("existed")
    };
    assert_eq!(stored.version_arn, via.version_arn);
    let read = store.get_execution(&via.arn).unwrap().unwrap();
    assert_eq!(
        (read.version_arn, read.alias_arn),
        (via.version_arn, via.alias_arn)
    );
}

/// Every case against one backend. `$make` gives `Some(store)` (anything that derefs to a
/// [`Store`]), or `None` to skip the backend (one that needs a server this run does not have).
/// A redrive puts an ended execution back to running, counted and dated, and its timers and
/// claims work again; a redrive whose step ends it again keeps that ending.
fn redrives(store: &dyn Store) {
    let ex = started(store, "r");
    assert_eq!((ex.redrive_count, ex.redrive_millis), (0, None));
    let mut fail = step(&ex.arn, 1, vec![event(1, "ExecutionFailed")]);
    fail.status = Some(Ending {
        status: ExecutionStatus::Failed,
        output: None,
        error: Some("E".into()),
        cause: Some("c".into()),
        stop_millis: 3_000,
    });
    one(store, fail).unwrap();
    let mut again = step(&ex.arn, 2, vec![event(2, "ExecutionRedriven")]);
    again.redrive = Some(Redrive {
        count: 1,
        millis: 4_000,
    });
    again.timers_set = vec![TimerRecord {
        execution_arn: ex.arn.clone(),
        timer_id: 9,
        fire_at_millis: 5_000,
    }];
    one(store, again).unwrap();
    let stored = store.get_execution(&ex.arn).unwrap().unwrap();
    assert_eq!(stored.status, ExecutionStatus::Running);
    assert_eq!(
        (stored.error, stored.cause, stored.stop_millis),
        (None, None, None)
    );
    assert_eq!(
        (stored.redrive_count, stored.redrive_millis),
        (1, Some(4_000))
    );
    assert_eq!(store.due_timers(None, i64::MAX, 10).unwrap().len(), 1);
    // Running again: a node joining adopts it.
    store.join_node("n1", 0, 10_000).unwrap();
    assert_eq!(
        store
            .get_execution(&ex.arn)
            .unwrap()
            .unwrap()
            .owner
            .as_deref(),
        Some("n1")
    );
    // Redriven and failed again in one step.
    let mut fail = step(&ex.arn, 3, vec![event(3, "ExecutionFailed")]);
    fail.status = Some(Ending {
        status: ExecutionStatus::Failed,
        output: None,
        error: Some("E".into()),
        cause: None,
        stop_millis: 6_000,
    });
    one(store, fail).unwrap();
    let mut both = step(
        &ex.arn,
        4,
        vec![event(4, "ExecutionRedriven"), event(5, "ExecutionFailed")],
    );
    both.redrive = Some(Redrive {
        count: 2,
        millis: 7_000,
    });
    both.status = Some(Ending {
        status: ExecutionStatus::Failed,
        output: None,
        error: Some("Again".into()),
        cause: None,
        stop_millis: 7_000,
    });
    one(store, both).unwrap();
    let stored = store.get_execution(&ex.arn).unwrap().unwrap();
    assert_eq!(stored.status, ExecutionStatus::Failed);
    assert_eq!(stored.error.as_deref(), Some("Again"));
    assert_eq!(stored.stop_millis, Some(7_000));
    assert_eq!(
        (stored.redrive_count, stored.redrive_millis),
        (2, Some(7_000))
    );
    assert_eq!(store.history(&ex.arn, 0, 10).unwrap().len(), 5);
}

/// Map Runs and their children are stored with the steps that change them, replaced as they
/// change, and listed (children newest first, by status, paged).
fn map_runs(store: &dyn Store) {
    let ex = started(store, "m");
    let run = |status: &str, stop: Option<i64>| MapRunRecord {
        arn: format!("{SM}/Map:run1"),
        execution_arn: ex.arn.clone(),
        start_millis: 2_000,
        stop_millis: stop,
        status: status.into(),
        details: format!("{{\"status\":\"{status}\"}}"),
    };
    let child = |n: u32, status: ExecutionStatus, start: i64| MapRunExecutionRecord {
        arn: format!("{SM}/Map:c{n}"),
        map_run_arn: format!("{SM}/Map:run1"),
        name: format!("c{n}"),
        status,
        start_millis: start,
        stop_millis: (status != ExecutionStatus::Running).then_some(start + 1),
    };
    let mut t = step(&ex.arn, 1, vec![event(1, "MapRunStarted")]);
    t.map_runs = vec![run("RUNNING", None)];
    t.map_run_executions = (0..3)
        .map(|n| child(n, ExecutionStatus::Running, 2_000 + i64::from(n)))
        .collect();
    one(store, t).unwrap();
    assert_eq!(
        store.get_map_run(&run("", None).arn).unwrap(),
        Some(run("RUNNING", None))
    );
    // A child that starts and ends in one step ends up ended.
    let mut t = step(&ex.arn, 2, vec![event(2, "MapRunSucceeded")]);
    t.map_runs = vec![run("SUCCEEDED", Some(9_000))];
    t.map_run_executions = vec![
        child(1, ExecutionStatus::Succeeded, 2_001),
        child(3, ExecutionStatus::Running, 2_003),
        child(3, ExecutionStatus::Failed, 2_003),
    ];
    one(store, t).unwrap();
    assert_eq!(
        store.get_map_run(&run("", None).arn).unwrap(),
        Some(run("SUCCEEDED", Some(9_000)))
    );
    assert_eq!(
        store
            .list_map_runs(
                &ex.arn,
                Page {
                    after: None,
                    limit: 10
                }
            )
            .unwrap(),
        vec![run("SUCCEEDED", Some(9_000))]
    );
    assert!(
        store
            .list_map_runs(
                "other",
                Page {
                    after: None,
                    limit: 10
                }
            )
            .unwrap()
            .is_empty()
    );
    let names = |status, after: Option<&str>, limit| -> Vec<String> {
        store
            .list_map_run_executions(&run("", None).arn, status, Page { after, limit })
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    assert_eq!(names(None, None, 10), ["c3", "c2", "c1", "c0"]);
    let second = format!("{SM}/Map:c2");
    assert_eq!(names(None, Some(&second), 10), ["c1", "c0"]);
    assert_eq!(names(None, None, 2), ["c3", "c2"]);
    assert_eq!(
        names(Some(ExecutionStatus::Running), None, 10),
        ["c2", "c0"]
    );
    assert!(names(None, Some("unknown"), 10).is_empty());
    assert_eq!(
        store
            .get_map_run_execution(&format!("{SM}/Map:c3"))
            .unwrap(),
        Some(child(3, ExecutionStatus::Failed, 2_003))
    );
    assert_eq!(store.get_map_run_execution("none").unwrap(), None);
}

macro_rules! suite {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn state_machines() {
                let Some(store) = $make else { return };
                super::state_machines(&*store);
            }

            #[test]
            fn idempotent_start() {
                let Some(store) = $make else { return };
                super::idempotent_start(&*store);
            }

            #[test]
            fn commits_are_fenced_and_contiguous() {
                let Some(store) = $make else { return };
                super::commits_are_fenced_and_contiguous(&*store);
            }

            #[test]
            fn endings() {
                let Some(store) = $make else { return };
                super::endings(&*store);
            }

            #[test]
            fn timers() {
                let Some(store) = $make else { return };
                super::timers(&*store);
            }

            #[test]
            fn tasks() {
                let Some(store) = $make else { return };
                super::tasks(&*store);
            }

            #[test]
            fn start_with_first_step() {
                let Some(store) = $make else { return };
                super::start_with_first_step(&*store);
            }

            #[test]
            fn batched_starts() {
                let Some(store) = $make else { return };
                super::batched_starts(&*store);
            }

            #[test]
            fn leases() {
                let Some(store) = $make else { return };
                super::leases(&*store);
            }

            #[test]
            fn tasks_follow_the_node_that_dispatched_them() {
                let Some(store) = $make else { return };
                super::tasks_follow_the_node_that_dispatched_them(&*store);
            }

            #[test]
            fn task_listeners() {
                let Some(store) = $make else { return };
                super::task_listeners(&*store);
            }

            #[test]
            fn versions_and_aliases() {
                let Some(store) = $make else { return };
                super::versions_and_aliases(&*store);
            }

            #[test]
            fn executions_are_listed_newest_first() {
                let Some(store) = $make else { return };
                super::executions_are_listed_newest_first(&*store);
            }

            #[test]
            fn revisions() {
                let Some(store) = $make else { return };
                super::revisions(&*store);
            }

            #[test]
            fn activities() {
                let Some(store) = $make else { return };
                super::activities(&*store);
            }

            #[test]
            fn express() {
                let Some(store) = $make else { return };
                super::express(&*store);
            }

            #[test]
            fn redrives() {
                let Some(store) = $make else { return };
                super::redrives(&*store);
            }

            #[test]
            fn batched_starts_with_first_steps() {
                let Some(store) = $make else { return };
                super::batched_starts_with_first_steps(&*store);
            }

            #[test]
            fn map_runs() {
                let Some(store) = $make else { return };
                super::map_runs(&*store);
            }
        }
    };
}

/// A fresh database file under the system's temp directory.
fn temp_db(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "baton-store-test-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("baton.db")
}

suite!(memory, Some(Box::new(MemoryStore::new())));
suite!(
    sqlite_memory,
    Some(Box::new(SqliteStore::in_memory().unwrap()))
);
/// A SQLite file store that deletes its folder when dropped.
struct FileStore(SqliteStore, PathBuf);

impl FileStore {
    fn new() -> Self {
        let path = temp_db("suite");
        FileStore(SqliteStore::open(&path).unwrap(), path)
    }
}

impl Drop for FileStore {
    fn drop(&mut self) {
        if let Some(dir) = self.1.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl std::ops::Deref for FileStore {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.0
    }
}

suite!(sqlite_file, Some(FileStore::new()));

/// What one process committed, another process opening the same file reads back.
#[test]
fn sqlite_file_survives_reopening() {
    let path = temp_db("reopen");
    let arn;
    {
        let store = SqliteStore::open(&path).unwrap();
        store.create_state_machine(&machine("m")).unwrap();
        arn = started(&store, "e").arn;
        let mut t = step(&arn, 1, vec![event(1, "ExecutionStarted")]);
        t.timers_set = vec![TimerRecord {
            execution_arn: arn.clone(),
            timer_id: 3,
            fire_at_millis: 42,
        }];
        one(&store, t).unwrap();
    }
    {
        let store = SqliteStore::open(&path).unwrap();
        assert!(store.get_state_machine(SM).unwrap().is_some());
        let ex = store.get_execution(&arn).unwrap().unwrap();
        assert_eq!((ex.version, ex.snapshot), (2, vec![2]));
        assert_eq!(store.history(&arn, 0, 10).unwrap().len(), 1);
        assert_eq!(store.due_timers(None, 100, 10).unwrap().len(), 1);
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Checkpoints run beside a writer that never pauses, and complete: the WAL starts over
/// instead of growing with everything written (SQLite's own checkpoints would run inside the
/// writer's commits; a checkpoint that never completes never lets the WAL start over).
#[test]
fn sqlite_wal_starts_over_under_continuous_writes() {
    let path = temp_db("wal");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let arn = started(&*store, "busy").arn;
    // Readers all along, as the API's reads are.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (store, stop, arn) = (Arc::clone(&store), Arc::clone(&stop), arn.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    assert!(store.get_execution(&arn).unwrap().is_some());
                }
            })
        })
        .collect();
    // 160 MiB of history in 2,560 commits, one after the other: past the 64 MiB at which the
    // checkpointer starts, short of the 256 MiB at which the writer would checkpoint itself.
    let details = format!("{{\"input\":\"{}\"}}", "x".repeat(64 * 1024));
    for i in 0..2_560u64 {
        let mut e = event(i + 1, "PassStateEntered");
        e.details = details.clone();
        let t = Transition {
            execution_arn: arn.clone(),
            expected_version: i + 1,
            events: vec![e],
            ..Transition::default()
        };
        one(&*store, t).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    let wal = std::fs::metadata(path.with_extension("db-wal"))
        .unwrap()
        .len();
    assert!(wal < 100 << 20, "the WAL grew to {} MiB", wal >> 20);
    assert_eq!(store.history(&arn, 0, 5_000).unwrap().len(), 2_560);
    drop(store);
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// More concurrent reads than the store opens reader connections for all succeed (the rest
/// read through the writer's connection), while a writer commits.
#[test]
fn sqlite_many_concurrent_readers() {
    let path = temp_db("readers");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let arn = started(&*store, "read").arn;
    let readers: Vec<_> = (0..40)
        .map(|_| {
            let (store, arn) = (Arc::clone(&store), arn.clone());
            std::thread::spawn(move || {
                for _ in 0..50 {
                    assert!(store.get_execution(&arn).unwrap().is_some());
                    store.history(&arn, 0, 10).unwrap();
                }
            })
        })
        .collect();
    for i in 0..50u64 {
        one(
            &*store,
            step(&arn, i + 1, vec![event(i + 1, "PassStateEntered")]),
        )
        .unwrap();
    }
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(store.history(&arn, 0, 100).unwrap().len(), 50);
    drop(store);
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A write that fails inside a batch (here a trigger refuses some history events) fails its
/// own start or transition alone: the others of the batch are stored, the failed one left
/// exactly as it was.
#[test]
fn sqlite_a_failed_write_fails_only_its_own_item() {
    let path = temp_db("failed-write");
    let store = SqliteStore::open(&path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON history_steps \
             WHEN instr(NEW.events, 'Refused') > 0 \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
        )
        .unwrap();
    let with_first = |name: &str, second: &str| {
        let mut e = new_execution(name, "{}");
        e.first = Some(step(
            "",
            0,
            vec![event(1, "ExecutionStarted"), event(2, second)],
        ));
        e
    };
    let batch = [
        with_first("s0", "PassStateEntered"),
        with_first("s1", "Refused"),
        with_first("s2", "PassStateEntered"),
    ];
    let results = store.start_executions(&batch).unwrap();
    assert!(matches!(results[0], Ok(Started::Created(_))), "{results:?}");
    assert!(
        matches!(results[1], Err(StoreError::Backend(_))),
        "{results:?}"
    );
    assert!(matches!(results[2], Ok(Started::Created(_))), "{results:?}");
    assert_eq!(store.get_execution(&batch[1].arn).unwrap(), None);
    assert_eq!(store.history(&batch[1].arn, 0, 10).unwrap(), vec![]);
    for e in [&batch[0], &batch[2]] {
        assert_eq!(store.history(&e.arn, 0, 10).unwrap().len(), 2);
    }
    // The same for a commit: the refused transition changes nothing, the others commit.
    let (a, b) = (&batch[0].arn, &batch[2].arn);
    let results = store
        .commit(&[
            step(a, 2, vec![event(3, "PassStateExited")]),
            step(b, 2, vec![event(3, "Refused")]),
            step(a, 3, vec![event(4, "ExecutionSucceeded")]),
        ])
        .unwrap();
    assert_eq!(results[0], Ok(3));
    assert!(
        matches!(results[1], Err(StoreError::Backend(_))),
        "{results:?}"
    );
    assert_eq!(results[2], Ok(4));
    assert_eq!(store.get_execution(b).unwrap().unwrap().version, 2);
    assert_eq!(store.history(b, 0, 10).unwrap().len(), 2);
    assert_eq!(store.history(a, 0, 10).unwrap().len(), 4);
    drop(store);
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A file of a newer layout than this Baton knows is refused with a clear error, not misread.
#[test]
fn sqlite_refuses_a_file_of_a_newer_layout() {
    let path = temp_db("newer");
    drop(SqliteStore::open(&path).unwrap());
    let version = |path: &PathBuf| -> i64 {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&path), 1);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::Backend(message)) => assert!(message.contains("newer Baton"), "{message}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a newer file was opened"),
    }
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A file made before revisions, versions and Express revisions existed opens, and its running
/// execution is pinned to its state machine's revision.
#[test]
fn sqlite_migrates_an_older_file() {
    let path = temp_db("migrate");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE state_machines (arn TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                 definition TEXT NOT NULL, role_arn TEXT NOT NULL, workflow_type TEXT NOT NULL,
                 created_millis INTEGER NOT NULL, revision_id TEXT NOT NULL, config TEXT NOT NULL);
             CREATE TABLE executions (arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL,
                 name TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, output TEXT,
                 error TEXT, cause TEXT, start_millis INTEGER NOT NULL, stop_millis INTEGER,
                 version INTEGER NOT NULL, snapshot BLOB NOT NULL, owner TEXT,
                 lease_until_millis INTEGER NOT NULL DEFAULT 0, UNIQUE (state_machine_arn, name));
             CREATE TABLE express_pending (arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL,
                 name TEXT NOT NULL, input TEXT NOT NULL, start_millis INTEGER NOT NULL,
                 seed INTEGER NOT NULL);
             CREATE TABLE history (execution_arn TEXT NOT NULL, id INTEGER NOT NULL,
                 previous_event_id INTEGER NOT NULL, timestamp_millis INTEGER NOT NULL,
                 event_type TEXT NOT NULL, details TEXT NOT NULL,
                 PRIMARY KEY (execution_arn, id));
             INSERT INTO history VALUES ('x', 1, 0, 2001, 'ExecutionStarted', '{}'),
                 ('x', 2, 1, 2002, 'PassStateEntered', '{}'),
                 ('x', 3, 2, 2003, 'PassStateExited', '{}');",
        )
        .unwrap();
        let m = machine("m");
        conn.execute(
            "INSERT INTO state_machines VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                m.arn,
                m.name,
                m.definition,
                m.role_arn,
                m.workflow_type,
                m.created_millis,
                m.revision_id,
                m.config
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO executions (arn, state_machine_arn, name, status, input, start_millis,
                 version, snapshot) VALUES ('x', ?1, 'old', 'RUNNING', '{}', 1, 1, X'00')",
            rusqlite::params![SM],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let old = store.get_execution("x").unwrap().unwrap();
    assert_eq!(old.revision_id, "r1");
    assert_eq!((old.version_arn, old.alias_arn), (None, None));
    assert_eq!(
        store.get_state_machine_revision(SM, "r1").unwrap(),
        Some(machine("m"))
    );
    // Its history, one row per event, goes on in steps (one row per step), read as one.
    one(
        &store,
        step(
            "x",
            1,
            vec![event(4, "WaitStateEntered"), event(5, "WaitStateExited")],
        ),
    )
    .unwrap();
    assert!(matches!(
        one(&store, step("x", 2, vec![event(5, "ExecutionSucceeded")])),
        Err(StoreError::HistoryGap { last: 5, .. })
    ));
    one(&store, step("x", 2, vec![event(6, "ExecutionSucceeded")])).unwrap();
    let ids = |after: u64, limit: usize| -> Vec<u64> {
        let page = store.history("x", after, limit).unwrap();
        page.iter().map(|e| e.id).collect()
    };
    assert_eq!(ids(0, 100), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(ids(0, 2), vec![1, 2]);
    assert_eq!(ids(2, 2), vec![3, 4]);
    assert_eq!(ids(3, 1), vec![4]);
    assert_eq!(ids(4, 5), vec![5, 6]);
    assert_eq!(ids(6, 5), Vec::<u64>::new());
    let all = store.history("x", 0, 100).unwrap();
    assert_eq!(all[0].event_type, "ExecutionStarted");
    assert_eq!(all[4], event(5, "WaitStateExited"));
    // And it works as a new file does.
    started(&store, "new");
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// The PostgreSQL server the postgres cases run against, from `BATON_TEST_POSTGRES_URL` (for
/// example `postgres://postgres@127.0.0.1:5432/test`); `None`, with a note, when it is unset.
fn pg_url() -> Option<String> {
    match std::env::var("BATON_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!("skipped: BATON_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// A schema name no other test (of this run or a parallel one) uses.
fn pg_schema(tag: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "baton_test_{}_{}_{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh schema that is dropped, with everything in it, when the value is.
struct PgSchema {
    url: String,
    name: String,
}

impl PgSchema {
    fn new(tag: &str) -> Option<Self> {
        Some(PgSchema {
            url: pg_url()?,
            name: pg_schema(tag),
        })
    }

    fn open(&self) -> PostgresStore {
        PostgresStore::connect_in_schema(&self.url, &self.name).unwrap()
    }

    /// A plain client on the same schema, to look behind the store.
    fn client(&self) -> ::postgres::Client {
        let mut client = ::postgres::Client::connect(&self.url, ::postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("SET search_path TO \"{}\"", self.name))
            .unwrap();
        client
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = ::postgres::Client::connect(&self.url, ::postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.name
            ));
        }
    }
}

/// A PostgreSQL store in a schema of its own, dropped with the store.
struct PgTestStore {
    // Declared first: the store's connections close before the schema is dropped.
    store: PostgresStore,
    _schema: PgSchema,
}

impl std::ops::Deref for PgTestStore {
    type Target = PostgresStore;
    fn deref(&self) -> &PostgresStore {
        &self.store
    }
}

fn pg_store() -> Option<PgTestStore> {
    let schema = PgSchema::new("suite")?;
    Some(PgTestStore {
        store: schema.open(),
        _schema: schema,
    })
}

suite!(postgres, pg_store());

/// A second open of the same schema (migrations run again) keeps what the first stored, and
/// records each migration once.
#[test]
fn postgres_survives_reopening() {
    let Some(schema) = PgSchema::new("reopen") else {
        return;
    };
    let arn;
    {
        let store = schema.open();
        store.create_state_machine(&machine("m")).unwrap();
        arn = started(&store, "e").arn;
        let mut t = step(&arn, 1, vec![event(1, "ExecutionStarted")]);
        t.timers_set = vec![TimerRecord {
            execution_arn: arn.clone(),
            timer_id: 3,
            fire_at_millis: 42,
        }];
        one(&store, t).unwrap();
    }
    {
        let store = schema.open();
        assert!(store.get_state_machine(SM).unwrap().is_some());
        let ex = store.get_execution(&arn).unwrap().unwrap();
        assert_eq!((ex.version, ex.snapshot), (2, vec![2]));
        assert_eq!(store.history(&arn, 0, 10).unwrap().len(), 1);
        assert_eq!(store.due_timers(None, 100, 10).unwrap().len(), 1);
        // And it goes on working.
        assert_eq!(
            one(&store, step(&arn, 2, vec![event(2, "PassStateEntered")])),
            Ok(3)
        );
    }
    let row = schema
        .client()
        .query_one(
            "SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM baton_schema",
            &[],
        )
        .unwrap();
    let (rows, distinct, latest): (i64, i64, i32) = (row.get(0), row.get(1), row.get(2));
    assert!(latest >= 1);
    assert_eq!((rows, distinct), (i64::from(latest), i64::from(latest)));
}

/// Processes starting at once on a new schema all get a working store (the migrations run
/// once, behind the advisory lock).
#[test]
fn postgres_concurrent_migrations() {
    let Some(schema) = PgSchema::new("migrate") else {
        return;
    };
    let stores: Vec<PostgresStore> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| schema.open())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    stores[0].create_state_machine(&machine("m")).unwrap();
    assert!(stores[3].get_state_machine(SM).unwrap().is_some());
}

/// Two nodes (two stores, two pools) taking over a dead node at once: exactly one gets its
/// executions, all of them, and the dead node's generation commits nothing afterwards.
#[test]
fn postgres_concurrent_take_overs_are_exclusive() {
    use std::sync::Barrier;
    let Some(schema) = PgSchema::new("takeover") else {
        return;
    };
    let nodes = [schema.open(), schema.open()];
    let dead = nodes[0].join_node("dead", 0, 1_000).unwrap();
    let executions: Vec<NewExecution> = (0..200)
        .map(|i| {
            let mut e = new_execution(&format!("e{i:03}"), "{}");
            e.node = Some(dead.clone());
            e
        })
        .collect();
    for r in nodes[0].start_executions(&executions).unwrap() {
        assert!(matches!(r, Ok(Started::Created(_))));
    }
    let fences = [
        nodes[0].join_node("n0", 0, 60_000).unwrap(),
        nodes[1].join_node("n1", 0, 60_000).unwrap(),
    ];
    let barrier = Barrier::new(2);
    let results: Vec<Option<TakeOver>> = std::thread::scope(|s| {
        let handles: Vec<_> = nodes
            .iter()
            .zip(&fences)
            .map(|(store, by)| {
                let (barrier, dead) = (&barrier, &dead);
                s.spawn(move || {
                    barrier.wait();
                    store.take_over(dead, by, 2_000).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<usize> = (0..2).filter(|&i| results[i].is_some()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let winner = winners[0];
    assert_eq!(results[winner].as_ref().unwrap().executions.len(), 200);
    for e in &executions {
        assert_eq!(
            nodes[1].get_execution(&e.arn).unwrap().unwrap().owner,
            Some(format!("n{winner}"))
        );
    }
    let mut stale = step(&executions[0].arn, 1, vec![event(1, "ExecutionStarted")]);
    stale.node = Some(dead.clone());
    assert!(matches!(
        nodes[1].commit(&[stale]).unwrap()[..],
        [Err(StoreError::LeaseLost { .. })]
    ));
}

/// A task added through one store wakes a listener of another on the same database
/// (NOTIFY/LISTEN), without polling.
#[test]
fn postgres_task_notifications_cross_stores() {
    let Some(schema) = PgSchema::new("notify") else {
        return;
    };
    let (listener, committer) = (schema.open(), schema.open());
    let heard = listen(&listener);
    // The LISTEN connection is opened by a thread: give it a moment before committing.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let ex = started(&committer, "n");
    let mut t = step(&ex.arn, 1, vec![event(1, "ExecutionStarted")]);
    t.tasks_added = vec![pending_task(
        "token-n",
        &ex.arn,
        "arn:aws:states:us-east-1:123456789012:activity:notified",
    )];
    one(&committer, t).unwrap();
    assert!(
        hears(&heard, "activity:notified", 10),
        "{:?}",
        heard.lock().unwrap()
    );
}

/// Two nodes committing the same step of one execution at once: exactly one wins, the other
/// is fenced, and the history has the winner's events only.
#[test]
fn postgres_concurrent_commits_are_fenced() {
    use std::sync::Barrier;
    let Some(schema) = PgSchema::new("fence") else {
        return;
    };
    let nodes = [schema.open(), schema.open()];
    let arns: Vec<String> = (0..20)
        .map(|i| started(&nodes[0], &format!("e{i:02}")).arn)
        .collect();
    let barrier = Barrier::new(nodes.len());
    let results: Vec<Vec<Result<u64>>> = std::thread::scope(|s| {
        let handles: Vec<_> = nodes
            .iter()
            .enumerate()
            .map(|(n, store)| {
                let (arns, barrier) = (&arns, &barrier);
                s.spawn(move || {
                    // The two nodes list the executions in opposite orders.
                    let mut batch: Vec<Transition> = arns
                        .iter()
                        .map(|arn| {
                            let mut t = step(arn, 1, vec![event(1, "ExecutionStarted")]);
                            t.snapshot = vec![10 + n as u8];
                            t
                        })
                        .collect();
                    if n == 1 {
                        batch.reverse();
                    }
                    barrier.wait();
                    let mut results = store.commit(&batch).unwrap();
                    if n == 1 {
                        results.reverse();
                    }
                    results
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, arn) in arns.iter().enumerate() {
        let (a, b) = (&results[0][i], &results[1][i]);
        let winner = match (a, b) {
            (Ok(2), Err(StoreError::Fenced { actual: 2, .. })) => 10,
            (Err(StoreError::Fenced { actual: 2, .. }), Ok(2)) => 11,
            other => panic!("{arn}: {other:?}"),
        };
        let ex = nodes[0].get_execution(arn).unwrap().unwrap();
        assert_eq!((ex.version, ex.snapshot), (2, vec![winner]));
        assert_eq!(nodes[0].history(arn, 0, 10).unwrap().len(), 1);
    }
}

/// Workers of two nodes polling one activity at once each get a different task.
#[test]
fn postgres_concurrent_take_task_is_exclusive() {
    use std::collections::BTreeSet;
    let Some(schema) = PgSchema::new("take") else {
        return;
    };
    let nodes = [schema.open(), schema.open()];
    let ex = started(&nodes[0], "e");
    let resource = "arn:aws:states:us-east-1:123456789012:activity:act";
    let mut t = step(&ex.arn, 1, vec![]);
    t.tasks_added = (0..60)
        .map(|i| TaskRecord {
            token: format!("t{i:02}"),
            execution_arn: ex.arn.clone(),
            task_id: i,
            resource: resource.into(),
            input: "{}".into(),
            created_millis: i as i64,
            worker: None,
        })
        .collect();
    one(&nodes[0], t).unwrap();
    let mut taken: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|w| {
                let store = &nodes[w % 2];
                s.spawn(move || {
                    // Until a poll finds nothing (SKIP LOCKED may hide tasks others are
                    // taking: the rest are drained below).
                    let mut mine = Vec::new();
                    while let Some(task) = store.take_task(resource, &format!("w{w}")).unwrap() {
                        assert_eq!(task.worker, Some(format!("w{w}")));
                        mine.push(task.token);
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    while let Some(task) = nodes[0].take_task(resource, "late").unwrap() {
        taken.push(task.token);
    }
    let distinct: BTreeSet<&String> = taken.iter().collect();
    assert_eq!(taken.len(), 60, "a task was given twice or not at all");
    assert_eq!(distinct.len(), 60);
}

/// More callers at once than the pool opens connections: they wait their turn, and all of
/// them get their answer.
#[test]
fn postgres_pool_serves_more_callers_than_connections() {
    let Some(schema) = PgSchema::new("pool") else {
        return;
    };
    // The store's connections carry a name of their own, to be counted.
    let name = format!("baton_pool_{}", std::process::id());
    let separator = if schema.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}application_name={name}", schema.url);
    let store = PostgresStore::connect_in_schema(&url, &schema.name).unwrap();
    let ex = started(&store, "e");
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut watcher = schema.client();
    let (answered, most) = std::thread::scope(|s| {
        let peak = s.spawn(|| {
            let mut most = 0i64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let n: i64 = watcher
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                        &[&name],
                    )
                    .unwrap()
                    .get(0);
                most = most.max(n);
            }
            most
        });
        let handles: Vec<_> = (0..96)
            .map(|_| {
                let store = &store;
                let arn = ex.arn.clone();
                s.spawn(move || {
                    (0..5)
                        .filter(|_| store.get_execution(&arn).unwrap().is_some())
                        .count()
                })
            })
            .collect();
        let answered = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum::<usize>();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (answered, peak.join().unwrap())
    });
    assert_eq!(answered, 96 * 5);
    assert!((1..=32).contains(&most), "{most} connections open at once");
}
