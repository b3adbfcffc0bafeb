//! Parallel and Map states: output order, concurrency, failure and tolerated failures, Retry
//! re-running every branch or iteration, ItemsPath/ItemSelector (and their JSONata forms) and
//! the history AWS records for them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use baton_engine::Status;
use common::*;
use serde_json::{Value, json};

/// A machine made of one Map state `M` with these fields, processing items with `processor`.
fn map(fields: Value, processor: Value) -> String {
    let base = json!({"Type": "Map", "End": true, "ItemProcessor": processor});
    single_state("M", base, fields)
}

/// A processor of one state `I`.
fn one(state: Value) -> Value {
    json!({"StartAt": "I", "States": {"I": state}})
}

fn pass_item() -> Value {
    one(json!({"Type": "Pass", "End": true}))
}

fn task_item() -> Value {
    one(json!({"Type": "Task", "Resource": R, "End": true}))
}

/// Each item waits `$.wait` seconds, then passes its input on.
fn waiting_item() -> Value {
    json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "P"},
        "P": {"Type": "Pass", "End": true}
    }})
}

fn distributed(fields: Value, processor: Value) -> String {
    let mut p = processor;
    p["ProcessorConfig"] = json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"});
    map(fields, p)
}

/// Tasks fail when their input has `"fail": true`.
fn fail_flagged() -> Scripted {
    Scripted::with(|r| {
        if r.input["fail"] == json!(true) {
            fail("Item.Failed", &r.input.to_string())
        } else {
            Ok(r.input.clone().into())
        }
    })
}

// ----- Map -----

#[test]
fn map_output_is_in_input_order_whatever_finishes_first() {
    let items = json!([{"wait": 30, "i": 0}, {"wait": 10, "i": 1}, {"wait": 20, "i": 2}]);
    let ex = run(&map(json!({}), waiting_item()), items.clone());
    assert_eq!(output(&ex), items);
    // Without MaxConcurrency all iterations start at once.
    assert_eq!(offsets(&ex, "MapIterationStarted"), [0, 0, 0]);
    assert_eq!(offsets(&ex, "MapStateExited"), [30_000]);
}

#[test]
fn map_max_concurrency_one_runs_items_one_after_another_in_order() {
    let items = json!([{"wait": 5, "i": 0}, {"wait": 1, "i": 1}, {"wait": 2, "i": 2}]);
    let ex = run(
        &map(json!({"MaxConcurrency": 1}), waiting_item()),
        items.clone(),
    );
    assert_eq!(output(&ex), items);
    assert_eq!(offsets(&ex, "MapIterationStarted"), [0, 5_000, 6_000]);
    let started: Vec<Value> = events_of(&ex, "MapIterationStarted")
        .iter()
        .map(|e| event_details(e)["index"].clone())
        .collect();
    assert_eq!(started, [json!(0), json!(1), json!(2)]);
    let mut tasks = Scripted::echo();
    let ex = run_with(
        &map(json!({"MaxConcurrency": 1}), task_item()),
        json!(["a", "b", "c"]),
        &mut tasks,
    );
    assert_eq!(output(&ex), json!(["a", "b", "c"]));
    let inputs: Vec<Value> = tasks.calls.iter().map(|c| c.input.clone()).collect();
    assert_eq!(inputs, [json!("a"), json!("b"), json!("c")]);
}

#[test]
fn map_max_concurrency_two_keeps_two_running() {
    let items = json!([{"wait": 10}, {"wait": 4}, {"wait": 4}, {"wait": 1}]);
    let ex = run(&map(json!({"MaxConcurrency": 2}), waiting_item()), items);
    // 0 and 1 start at 0; 1 ends at 4 so 2 starts; 2 ends at 8 so 3 starts.
    assert_eq!(offsets(&ex, "MapIterationStarted"), [0, 0, 4_000, 8_000]);
}

#[test]
fn map_history_and_details() {
    // MaxConcurrency 1 makes the order of events exact (AWS: test_map_state_items_input_array).
    let ex = run(
        &map(json!({"MaxConcurrency": 1}), pass_item()),
        json!([1, 2]),
    );
    assert_history(
        &ex,
        "ExecutionStarted MapStateEntered MapStateStarted \
         MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded \
         MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded \
         MapStateSucceeded MapStateExited ExecutionSucceeded",
    );
    assert_eq!(details(&ex, "MapStateStarted"), json!({"length": 2}));
    assert_eq!(
        details(&ex, "MapIterationStarted"),
        json!({"index": 0, "name": "M"})
    );
    assert_eq!(
        details(&ex, "MapIterationSucceeded"),
        json!({"index": 0, "name": "M"})
    );
}

#[test]
fn map_over_an_empty_array_succeeds_at_once() {
    let ex = run(&map(json!({}), task_item()), json!([]));
    assert_eq!(output(&ex), json!([]));
    assert_history(
        &ex,
        "ExecutionStarted MapStateEntered MapStateStarted MapStateSucceeded MapStateExited ExecutionSucceeded",
    );
    assert_eq!(details(&ex, "MapStateStarted"), json!({"length": 0}));
}

#[test]
fn map_items_path_item_selector_and_result_path() {
    let def = map(
        json!({
            "ItemsPath": "$.list",
            "ItemSelector": {
                "index.$": "$$.Map.Item.Index",
                "value.$": "$$.Map.Item.Value",
                "shared.$": "$.shared"
            },
            "ResultPath": "$.results"
        }),
        pass_item(),
    );
    let out = run_ok(&def, json!({"list": ["a", "b"], "shared": 7}));
    assert_eq!(
        out,
        json!({
            "list": ["a", "b"],
            "shared": 7,
            "results": [
                {"index": 0, "value": "a", "shared": 7},
                {"index": 1, "value": "b", "shared": 7}
            ]
        })
    );
}

#[test]
fn map_legacy_parameters_and_iterator() {
    let def = json!({
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "End": true, "Parameters": {"v.$": "$$.Map.Item.Value"},
                         "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}}}
    });
    assert_eq!(
        run_ok(&def.to_string(), json!([1, 2])),
        json!([{"v": 1}, {"v": 2}])
    );
}

#[test]
fn map_result_selector_sees_the_results_array() {
    let def = map(
        json!({"ResultSelector": {"count.$": "States.ArrayLength($)", "first.$": "$[0]"}}),
        pass_item(),
    );
    assert_eq!(
        run_ok(&def, json!([5, 6, 7])),
        json!({"count": 3, "first": 5})
    );
}

#[test]
fn map_items_must_be_an_array() {
    let err = run_err(
        &map(json!({"ItemsPath": "$.x"}), pass_item()),
        json!({"x": 1}),
    );
    assert_eq!(err.error, "States.Runtime");
    assert!(
        err.cause
            .unwrap()
            .ends_with("Reference path \"$.x\" must point to array."),
    );
}

#[test]
fn a_failing_iteration_fails_the_map_with_its_error() {
    let mut tasks = fail_flagged();
    let ex = run_with(
        &map(json!({"MaxConcurrency": 1}), task_item()),
        json!([{"fail": false}, {"fail": true}, {"fail": false}]),
        &mut tasks,
    );
    let err = failure(&ex);
    assert_eq!(err.error, "Item.Failed");
    // Remaining iterations never start.
    assert_eq!(tasks.calls.len(), 2);
    let t = types(&ex);
    // The failing iteration's state is recorded as aborted (conformance/sfn:
    // test_service_lambda_map_timeout).
    assert_eq!(
        &t[t.len() - 5..],
        [
            "TaskFailed",
            "MapIterationFailed",
            "TaskStateAborted",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
}

#[test]
fn a_fail_state_in_an_iteration_is_caught_on_the_map() {
    let def = json!({
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
                  "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "item"}}},
                  "Catch": [{"ErrorEquals": ["Bad"], "ResultPath": "$.error", "Next": "H"}]},
            "H": {"Type": "Pass", "End": true}
        }
    });
    let ex = run(&def.to_string(), json!({"items": [1]}));
    assert_eq!(
        output(&ex),
        json!({"items": [1], "error": {"Error": "Bad", "Cause": "item"}})
    );
    // As AWS recorded it (conformance/sfn: test_map_state_catch).
    assert_history(
        &ex,
        "ExecutionStarted MapStateEntered MapStateStarted MapIterationStarted FailStateEntered \
         MapIterationFailed MapStateFailed MapStateExited PassStateEntered PassStateExited ExecutionSucceeded",
    );
}

#[test]
fn map_retry_reruns_every_iteration() {
    let def = map(
        json!({"Retry": [{"ErrorEquals": ["Item.Failed"], "MaxAttempts": 1, "IntervalSeconds": 3}]}),
        task_item(),
    );
    let mut tasks = Scripted::echo().on(R, [Ok(json!("a")), fail("Item.Failed", "once")]);
    let ex = run_with(&def, json!(["x", "y"]), &mut tasks);
    assert_eq!(output(&ex), json!(["x", "y"]));
    assert_eq!(tasks.calls.len(), 4);
    assert_eq!(events_of(&ex, "MapStateStarted").len(), 2);
    assert_eq!(offsets(&ex, "MapStateStarted"), [0, 3_000]);
    assert_eq!(events_of(&ex, "MapStateEntered").len(), 1);
}

#[test]
fn distributed_map_tolerated_failure_count() {
    let items = json!([{"fail": true}, {"fail": false}, {"fail": true}, {"fail": false}]);
    let ok = distributed(json!({"ToleratedFailureCount": 2}), task_item());
    let ex = run_with(&ok, items.clone(), &mut fail_flagged());
    assert_eq!(ex.status(), Status::Succeeded);
    let over = distributed(json!({"ToleratedFailureCount": 1}), task_item());
    let ex = run_with(&over, items, &mut fail_flagged());
    let err = failure(&ex);
    assert_eq!(err.error, "States.ExceedToleratedFailureThreshold");
    assert_eq!(
        err.cause.as_deref(),
        Some("The specified tolerated failure threshold was exceeded")
    );
}

#[test]
fn distributed_map_tolerated_failure_percentage() {
    let items = json!([{"fail": true}, {"fail": false}, {"fail": true}, {"fail": false}]);
    let ok = distributed(json!({"ToleratedFailurePercentage": 50}), task_item());
    assert_eq!(
        run_with(&ok, items.clone(), &mut fail_flagged()).status(),
        Status::Succeeded
    );
    let over = distributed(json!({"ToleratedFailurePercentage": 49.9}), task_item());
    let err = failure(&run_with(&over, items, &mut fail_flagged()));
    assert_eq!(err.error, "States.ExceedToleratedFailureThreshold");
}

#[test]
fn distributed_map_history_has_a_map_run_and_no_iteration_events() {
    let ex = run(&distributed(json!({}), pass_item()), json!([1, 2, 3]));
    assert_eq!(output(&ex), json!([1, 2, 3]));
    assert_history(
        &ex,
        "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded",
    );
}

#[test]
fn jsonata_map_items_and_item_selector() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {"M": {
            "Type": "Map", "End": true,
            "Items": "{% $states.input.list %}",
            "ItemSelector": {
                "i": "{% $states.context.Map.Item.Index %}",
                "v": "{% $states.context.Map.Item.Value %}",
                "n": "{% $states.input.n %}"
            },
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
            "Output": "{% $states.result ~> |$|{'sum': i + v}| %}"
        }}
    });
    assert_eq!(
        run_ok(&def.to_string(), json!({"list": [10, 20], "n": "x"})),
        json!([{"i": 0, "v": 10, "n": "x", "sum": 10}, {"i": 1, "v": 20, "n": "x", "sum": 21}])
    );
}

#[test]
fn jsonata_map_items_that_are_not_an_array() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {"M": {
            "Type": "Map", "End": true, "Items": "{% $states.input.n %}",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}
        }}
    });
    let ex = run(&def.to_string(), json!({"n": 1}));
    let err = failure(&ex);
    assert_eq!(err.error, "States.QueryEvaluationError");
    assert!(err.cause.unwrap().contains(
        "returned an unexpected result type. Expected 'array', but was 'number' for value: 1"
    ));
    assert!(types(&ex).contains(&"EvaluationFailed"));
}

// ----- Parallel -----

fn parallel(fields: Value, branches: Value) -> String {
    let base = json!({"Type": "Parallel", "End": true, "Branches": branches});
    single_state("P", base, fields)
}

/// A branch that waits, then returns `result` (state names are unique per `seconds`).
fn waiting_branch(seconds: u64, result: Value) -> Value {
    let (w, r) = (format!("W{seconds}"), format!("R{seconds}"));
    json!({"StartAt": w, "States": {
        w.clone(): {"Type": "Wait", "Seconds": seconds, "Next": r},
        r.clone(): {"Type": "Pass", "Result": result, "End": true}
    }})
}

/// A branch of one Task on `resource` (named after the resource's last part).
fn task_branch(resource: &str) -> Value {
    let name = format!("T-{}", resource.rsplit(':').next().unwrap_or(resource));
    json!({"StartAt": name, "States": {name.clone(): {"Type": "Task", "Resource": resource, "End": true}}})
}

#[test]
fn parallel_output_is_in_branch_order() {
    let def = parallel(
        json!({}),
        json!([
            waiting_branch(30, json!("slow")),
            waiting_branch(10, json!({"mid": 1})),
            waiting_branch(20, json!([3]))
        ]),
    );
    let ex = run(&def, json!({}));
    assert_eq!(output(&ex), json!(["slow", {"mid": 1}, [3]]));
    // Branches run concurrently: the state ends when the slowest does.
    assert_eq!(offsets(&ex, "ParallelStateExited"), [30_000]);
    let t = types(&ex);
    assert_eq!(
        &t[..3],
        [
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted"
        ]
    );
    assert_eq!(
        &t[t.len() - 2..],
        ["ParallelStateExited", "ExecutionSucceeded"]
    );
}

#[test]
fn every_branch_gets_the_same_input_from_parameters() {
    let (a, b) = (A, B);
    let def = parallel(
        json!({"Parameters": {"x.$": "$.x"}, "ResultSelector": {"a.$": "$[0].x", "b.$": "$[1]"}, "ResultPath": "$.r"}),
        json!([task_branch(a), task_branch(b)]),
    );
    let mut tasks = Scripted::echo();
    let ex = run_with(&def, json!({"x": 1, "y": 2}), &mut tasks);
    assert_eq!(tasks.calls_to(a)[0].input, json!({"x": 1}));
    assert_eq!(tasks.calls_to(b)[0].input, json!({"x": 1}));
    assert_eq!(
        output(&ex),
        json!({"x": 1, "y": 2, "r": {"a": 1, "b": {"x": 1}}})
    );
}

#[test]
fn a_failing_branch_fails_the_parallel_with_the_branch_error() {
    let def = parallel(
        json!({}),
        json!([
            waiting_branch(10, json!(1)),
            {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Branch.Error", "Cause": "b1"}}}
        ]),
    );
    let ex = run(&def, json!({}));
    let err = failure(&ex);
    assert_eq!(
        (err.error.as_str(), err.cause.as_deref()),
        ("Branch.Error", Some("b1"))
    );
    let t = types(&ex);
    // The waiting sibling is recorded as aborted; a Fail state has no Aborted event.
    assert_eq!(
        &t[t.len() - 4..],
        [
            "FailStateEntered",
            "WaitStateAborted",
            "ParallelStateFailed",
            "ExecutionFailed"
        ]
    );
    // The slow branch was stopped: the execution ended at once.
    assert_eq!(offsets(&ex, "ExecutionFailed"), [0]);
}

#[test]
fn a_failing_branch_cancels_the_tasks_of_the_others() {
    let (a, b) = (A, B);
    let def = parallel(json!({}), json!([task_branch(a), task_branch(b)]));
    let mut m = Manual::start(&def, json!({}));
    assert_eq!(m.tasks.len(), 2);
    let (ta, tb) = (m.take_task(), m.take_task());
    m.signal(
        100,
        baton_engine::Signal::TaskFailed {
            task: tb.task,
            error: baton_engine::StatesError::new("B.Failed", "b"),
        },
    );
    assert_eq!(m.ex.status(), Status::Failed);
    assert_eq!(m.ex.error().unwrap().error, "B.Failed");
    assert!(m.cancelled.contains(&ta.task), "{:?}", m.cancelled);
}

#[test]
fn parallel_retry_reruns_all_branches() {
    let (a, b) = (A, B);
    let def = parallel(
        json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 2}]}),
        json!([task_branch(a), task_branch(b)]),
    );
    let mut tasks = Scripted::echo().on(b, [fail("B.Failed", "1")]);
    let ex = run_with(&def, json!({"v": 1}), &mut tasks);
    assert_eq!(output(&ex), json!([{"v": 1}, {"v": 1}]));
    assert_eq!(tasks.calls_to(a).len(), 2);
    assert_eq!(tasks.calls_to(b).len(), 2);
    assert_eq!(offsets(&ex, "ParallelStateStarted"), [0, 2_000]);
}

#[test]
fn parallel_retry_history_repeats_started() {
    let def = parallel(
        json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}]}),
        json!([{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}]),
    );
    let ex = run(&def, json!({}));
    assert_eq!(failure(&ex).error, "E");
    assert_history(
        &ex,
        "ExecutionStarted ParallelStateEntered ParallelStateStarted FailStateEntered \
         ParallelStateStarted FailStateEntered ParallelStateStarted FailStateEntered \
         ParallelStateFailed ExecutionFailed",
    );
}

#[test]
fn jsonata_parallel_arguments_and_output() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {
            "Type": "Parallel", "End": true,
            "Arguments": {"n": "{% $states.input.n * 2 %}"},
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $states.input.n + 1 %}", "End": true}}},
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Output": "{% $states.input.n - 1 %}", "End": true}}}
            ],
            "Output": {"sum": "{% $sum($states.result) %}", "was": "{% $states.input.n %}"}
        }}
    });
    assert_eq!(
        run_ok(&def.to_string(), json!({"n": 5})),
        json!({"sum": 20, "was": 5})
    );
}

#[test]
fn nested_map_in_parallel() {
    let def = parallel(
        json!({}),
        json!([
            {"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemsPath": "$.a",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}}}},
            {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "InputPath": "$.b", "End": true}}}
        ]),
    );
    assert_eq!(
        run_ok(&def, json!({"a": [1, 2], "b": "x"})),
        json!([[1, 2], "x"])
    );
}

#[test]
fn a_caught_parallel_failure_exits_the_state_then_moves_on() {
    let def = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "End": true,
                  "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}],
                  "Catch": [{"ErrorEquals": ["E"], "Next": "H"}]},
            "H": {"Type": "Pass", "End": true}
        }
    });
    let ex = run(&def.to_string(), json!({}));
    assert_eq!(output(&ex), json!({"Error": "E"}));
    assert_history(
        &ex,
        "ExecutionStarted ParallelStateEntered ParallelStateStarted FailStateEntered \
         ParallelStateFailed ParallelStateExited PassStateEntered PassStateExited ExecutionSucceeded",
    );
}

#[test]
fn map_max_concurrency_path() {
    let def = map(
        json!({"ItemsPath": "$.items", "MaxConcurrencyPath": "$.c"}),
        waiting_item(),
    );
    let items = json!([{"wait": 3}, {"wait": 3}, {"wait": 3}]);
    let ex = run(&def, json!({"items": items, "c": 1}));
    assert_eq!(offsets(&ex, "MapIterationStarted"), [0, 3_000, 6_000]);
    let ex = run(&def, json!({"items": items, "c": 0}));
    assert_eq!(offsets(&ex, "MapIterationStarted"), [0, 0, 0]);
}

#[test]
fn invalid_tolerated_failure_paths_are_runtime_errors() {
    // Causes as recorded from AWS (conformance/sfn: test_map_state_tolerated_failure_*_path).
    let count = distributed(
        json!({"ItemsPath": "$.Items", "ToleratedFailureCountPath": "$.n"}),
        pass_item(),
    );
    let ex = run(&count, json!({"Items": [0], "n": -1}));
    let err = failure(&ex);
    assert_eq!(err.error, "States.Runtime");
    assert_eq!(
        err.cause.as_deref(),
        Some(
            "An error occurred while executing the state 'M' (entered at the event id #2). ToleratedFailureCount cannot be negative."
        )
    );
    assert_history(
        &ex,
        "ExecutionStarted MapStateEntered MapStateStarted ExecutionFailed",
    );
    let pct = distributed(
        json!({"ItemsPath": "$.Items", "ToleratedFailurePercentagePath": "$.p"}),
        pass_item(),
    );
    let err = run_err(&pct, json!({"Items": [0], "p": 100.1}));
    assert!(
        err.cause
            .unwrap()
            .ends_with("ToleratedFailurePercentage must be between 0 and 100.")
    );
}

#[test]
fn variables_assigned_in_iterations_do_not_leak() {
    let def = json!({
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "Next": "After", "ItemProcessor": {"StartAt": "I", "States": {
                "I": {"Type": "Pass", "Assign": {"inner": 1}, "End": true}
            }}},
            "After": {"Type": "Pass", "Parameters": {"v.$": "$inner"}, "End": true}
        }
    });
    assert_eq!(
        run_err(&def.to_string(), json!([1])).error,
        "States.Runtime"
    );
}

/// Design reference §2.11 (from the docs on variable scope): Distributed Map children run as
/// child executions and cannot read the parent's variables (an inline Map's iterations can).
#[test]
fn distributed_map_children_cannot_read_outer_variables() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
            "M": {"Type": "Map", "End": true, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": true}}
            }}
        }
    })
    .to_string();
    // Either the definition is refused or the reference fails at run time.
    if is_valid(&def) {
        let ex = run(&def, json!([1]));
        assert_ne!(ex.status(), Status::Succeeded, "output {:?}", ex.output());
    }
}

/// conformance/sfn: test_map_state_nested_config_distributed (and two variable-reference
/// cases) record MapStateExited with previousEventId = the MapRunStarted event, while
/// MapStateSucceeded follows MapRunSucceeded.
#[test]
fn distributed_map_exited_follows_map_run_started() {
    let ex = run(&distributed(json!({}), pass_item()), json!([1]));
    let events = aws_events(&ex);
    let id_of = |ty: &str| {
        events
            .iter()
            .find(|e| e["type"] == json!(ty))
            .map(|e| e["id"].clone())
            .unwrap()
    };
    let exited = events
        .iter()
        .find(|e| e["type"] == json!("MapStateExited"))
        .unwrap();
    assert_eq!(exited["previousEventId"], id_of("MapRunStarted"));
    let succeeded = events
        .iter()
        .find(|e| e["type"] == json!("MapStateSucceeded"))
        .unwrap();
    assert_eq!(succeeded["previousEventId"], id_of("MapRunSucceeded"));
}

/// conformance/sfn: test_service_lambda_map_timeout (an inline Map whose four iterations' tasks
/// time out together) records, after the first MapIterationFailed, a TaskStateAborted and a
/// MapIterationAborted for each iteration still running, then MapStateFailed.
#[test]
fn a_failing_iteration_aborts_the_running_ones_in_the_history() {
    let def = map(json!({}), task_item());
    let mut m = Manual::start(&def, json!([1, 2]));
    assert_eq!(m.tasks.len(), 2);
    let first = m.take_task();
    m.signal(
        100,
        baton_engine::Signal::TaskFailed {
            task: first.task,
            error: baton_engine::StatesError::new("E", "first"),
        },
    );
    // As conformance/sfn records it (test_service_lambda_map_timeout): the failing
    // iteration's state aborted, then each running sibling's MapIterationAborted and
    // ...StateAborted, all following the failed event.
    let t = types(&m.ex);
    let tail: Vec<&str> = t[t.len() - 6..].to_vec();
    assert_eq!(
        tail,
        [
            "MapIterationFailed",
            "TaskStateAborted",
            "MapIterationAborted",
            "TaskStateAborted",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
    let events = aws_events(&m.ex);
    let failed_id = events
        .iter()
        .find(|e| e["type"] == json!("TaskFailed"))
        .map(|e| e["id"].clone())
        .unwrap();
    for e in &events[events.len() - 6..events.len() - 1] {
        assert_eq!(e["previousEventId"], failed_id, "{e}");
    }
}

/// Each item of a Distributed Map runs as a child workflow execution with its own execution
/// ARN (docs: DescribeStateMachineForExecution returns `mapRunArn`/`label` "only if the
/// executionArn is a child workflow execution that was started by a Distributed Map state"),
/// so its context object describes the child: its own `Execution.Id`, and the item as
/// `Execution.Input`. Baton gives children the parent's context.
#[test]
fn distributed_map_children_have_their_own_execution_context() {
    let processor = one(json!({"Type": "Pass", "End": true,
        "Parameters": {"id.$": "$$.Execution.Id", "input.$": "$$.Execution.Input"}}));
    let ex = run(&distributed(json!({}), processor), json!([{"item": 1}]));
    let out = output(&ex);
    assert_ne!(out[0]["id"], json!(info().execution_arn));
    assert_eq!(out[0]["input"], json!({"item": 1}));
}
