//! Step Functions semantics pinned down through `driver::run` in virtual time: JSONPath data
//! flow, the context object, variables, Choice, Wait, timeouts, stopping and payload limits.
//! Each test names the rule it checks; expectations follow the AWS documentation and the
//! executions recorded from AWS in `conformance/sfn/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use baton_engine::{Signal, Status};
use common::*;
use serde_json::{Value, json};

/// A one-state machine around a state definition named `S`.
fn single(state: Value) -> String {
    single_state("S", state, json!({}))
}

/// A Pass state with extra fields that ends the machine.
fn pass(fields: Value) -> String {
    single_state("S", json!({"Type": "Pass", "End": true}), fields)
}

/// A Task state on resource `R` with extra fields that ends the machine.
fn task(fields: Value) -> String {
    single_state(
        "S",
        json!({"Type": "Task", "Resource": R, "End": true}),
        fields,
    )
}

// ----- JSONPath data flow -----

#[test]
fn input_path_selects_the_effective_input() {
    let out = run_ok(
        &pass(json!({"InputPath": "$.a"})),
        json!({"a": {"b": 1}, "c": 2}),
    );
    assert_eq!(out, json!({"b": 1}));
}

#[test]
fn input_path_null_gives_an_empty_object() {
    let out = run_ok(&pass(json!({"InputPath": null})), json!({"a": 1}));
    assert_eq!(out, json!({}));
}

#[test]
fn input_path_missing_field_is_a_runtime_error() {
    let err = run_err(&pass(json!({"InputPath": "$.x"})), json!({"a": 1}));
    assert_eq!(err.error, "States.Runtime");
    let cause = err.cause.unwrap();
    assert!(
        cause.starts_with("An error occurred while executing the state 'S' (entered at the event id #2). Invalid path '$.x' : "),
        "{cause}"
    );
}

#[test]
fn parameters_build_the_task_input_from_input_context_and_intrinsics() {
    let def = task(json!({
        "Parameters": {
            "static": "v",
            "fromInput.$": "$.a",
            "nested": {"deep.$": "$.b[1]", "list": [1, {"x.$": "$.a"}]},
            "execName.$": "$$.Execution.Name",
            "formatted.$": "States.Format('{}-{}', $.a, $.b[0])",
            "arr.$": "States.Array($.a, 2)",
            "json.$": "States.JsonToString($.b)",
            "len.$": "States.ArrayLength($.b)"
        }
    }));
    let mut tasks = Scripted::echo();
    let ex = run_with(&def, json!({"a": "A", "b": [10, 20]}), &mut tasks);
    assert_eq!(ex.status(), Status::Succeeded);
    assert_eq!(
        tasks.calls[0].input,
        json!({
            "static": "v",
            "fromInput": "A",
            "nested": {"deep": 20, "list": [1, {"x": "A"}]},
            "execName": "exec",
            "formatted": "A-10",
            "arr": ["A", 2],
            "json": "[10,20]",
            "len": 2
        })
    );
}

#[test]
fn parameters_path_to_a_missing_field_is_a_runtime_error() {
    let err = run_err(
        &task(json!({"Parameters": {"value.$": "$.missing"}})),
        json!({"a": 1}),
    );
    assert_eq!(err.error, "States.Runtime");
    assert!(err.cause.unwrap().ends_with(
        "The JSONPath '$.missing' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"
    ));
}

#[test]
fn result_selector_then_result_path_then_output_path() {
    let def = task(json!({
        "InputPath": "$.in",
        "ResultSelector": {"picked.$": "$.payload.v", "lit": 1},
        "ResultPath": "$.res",
        "OutputPath": "$.res"
    }));
    let mut tasks = Scripted::echo().on(R, [Ok(json!({"payload": {"v": 7}, "noise": true}))]);
    let ex = run_with(&def, json!({"in": {"q": 1}, "other": 2}), &mut tasks);
    assert_eq!(tasks.calls[0].input, json!({"q": 1}));
    assert_eq!(output(&ex), json!({"picked": 7, "lit": 1}));
}

#[test]
fn result_path_applies_to_the_raw_input_not_the_effective_input() {
    // ResultPath combines the result with the state's *raw* input, before InputPath.
    let def = task(json!({"InputPath": "$.in", "ResultPath": "$.out"}));
    let mut tasks = Scripted::echo().on(R, [Ok(json!("r"))]);
    let ex = run_with(&def, json!({"in": 1, "keep": true}), &mut tasks);
    assert_eq!(output(&ex), json!({"in": 1, "keep": true, "out": "r"}));
}

#[test]
fn result_path_dollar_replaces_the_input() {
    let out = run_ok(
        &pass(json!({"Result": {"r": 1}, "ResultPath": "$"})),
        json!({"a": 1}),
    );
    assert_eq!(out, json!({"r": 1}));
}

#[test]
fn result_path_null_discards_the_result() {
    let out = run_ok(
        &pass(json!({"Result": {"r": 1}, "ResultPath": null})),
        json!({"a": 1}),
    );
    assert_eq!(out, json!({"a": 1}));
}

#[test]
fn result_path_creates_missing_intermediate_objects() {
    let out = run_ok(
        &pass(json!({"Result": "deep", "ResultPath": "$.x.y.z"})),
        json!({"a": 1, "x": {"keep": 2}}),
    );
    assert_eq!(out, json!({"a": 1, "x": {"keep": 2, "y": {"z": "deep"}}}));
}

#[test]
fn result_path_overwrites_an_existing_field() {
    let out = run_ok(
        &pass(json!({"Result": [1], "ResultPath": "$.a"})),
        json!({"a": {"old": true}, "b": 2}),
    );
    assert_eq!(out, json!({"a": [1], "b": 2}));
}

#[test]
fn result_path_through_a_scalar_is_a_match_failure() {
    let err = run_err(
        &pass(json!({"Result": 1, "ResultPath": "$.a.b"})),
        json!({"a": "scalar"}),
    );
    assert_eq!(err.error, "States.ResultPathMatchFailure");
}

#[test]
fn result_path_match_failure_can_be_caught() {
    let def = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "ResultPath": "$.a.b", "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "End": true}
        }
    });
    let ex = run(&def.to_string(), json!({"a": [1]}));
    assert_eq!(output(&ex)["Error"], json!("States.ResultPathMatchFailure"));
}

#[test]
fn output_path_selects_and_null_gives_empty_object() {
    assert_eq!(
        run_ok(
            &pass(json!({"OutputPath": "$.a"})),
            json!({"a": [1, 2], "b": 3})
        ),
        json!([1, 2])
    );
    assert_eq!(
        run_ok(&pass(json!({"OutputPath": null})), json!({"a": 1})),
        json!({})
    );
}

#[test]
fn output_path_to_a_missing_field_is_a_runtime_error() {
    let err = run_err(
        &pass(json!({"OutputPath": "$.no.such.path"})),
        json!({"a": 1}),
    );
    assert_eq!(err.error, "States.Runtime");
    assert!(
        err.cause
            .as_deref()
            .unwrap()
            .contains("Invalid path '$.no.such.path' : "),
        "{err:?}"
    );
}

#[test]
fn input_and_output_paths_may_be_general_paths() {
    let out = run_ok(
        &pass(json!({"InputPath": "$.items[0:2]"})),
        json!({"items": [1, 2, 3]}),
    );
    assert_eq!(out, json!([1, 2]));
    let out = run_ok(
        &pass(json!({"OutputPath": "$.items[?(@.ok == true)].id"})),
        json!({"items": [{"id": 1, "ok": true}, {"id": 2, "ok": false}, {"id": 3, "ok": true}]}),
    );
    assert_eq!(out, json!([1, 3]));
}

#[test]
fn pass_parameters_become_the_result() {
    let out = run_ok(
        &pass(json!({"Parameters": {"x.$": "$.a", "y": 2}, "ResultPath": "$.p"})),
        json!({"a": 1}),
    );
    assert_eq!(out, json!({"a": 1, "p": {"x": 1, "y": 2}}));
}

#[test]
fn pass_result_wins_over_parameters_and_input() {
    let out = run_ok(
        &pass(json!({"InputPath": "$.a", "Result": "fixed"})),
        json!({"a": 1}),
    );
    assert_eq!(out, json!("fixed"));
    let out = run_ok(
        &pass(json!({"Parameters": {"p": 1}, "Result": "fixed", "ResultPath": "$.r"})),
        json!({"a": 1}),
    );
    assert_eq!(out, json!({"a": 1, "r": "fixed"}));
}

#[test]
fn history_shows_each_stage() {
    let def = task(json!({"Parameters": {"x.$": "$.a"}, "ResultPath": "$.r"}));
    let mut tasks = Scripted::echo().on(R, [Ok(json!({"done": 1}))]);
    let ex = run_with(&def, json!({"a": 5}), &mut tasks);
    assert_history(
        &ex,
        "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded",
    );
    let scheduled = details(&ex, "TaskScheduled");
    assert_eq!(scheduled["resourceType"], json!("lambda"));
    assert_eq!(scheduled["resource"], json!("invoke"));
    assert_eq!(scheduled["region"], json!("us-east-1"));
    assert_eq!(parsed(&scheduled["parameters"]), json!({"x": 5}));
    let exited = details(&ex, "TaskStateExited");
    assert_eq!(exited["name"], json!("S"));
    assert_eq!(parsed(&exited["output"]), json!({"a": 5, "r": {"done": 1}}));
    // Events are numbered from 1 and chained; the first state follows no event.
    let events = aws_events(&ex);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["id"], json!(i + 1));
    }
    assert_eq!(events[1]["previousEventId"], json!(0));
    assert_eq!(events[2]["previousEventId"], json!(2));
    assert!(events[1]["stateEnteredEventDetails"].is_object());
    assert!(events[4]["taskSucceededEventDetails"].is_object());
}

// ----- the context object -----

#[test]
fn context_object_fields() {
    let def = pass(json!({"Parameters": {
        "id.$": "$$.Execution.Id",
        "name.$": "$$.Execution.Name",
        "input.$": "$$.Execution.Input",
        "role.$": "$$.Execution.RoleArn",
        "start.$": "$$.Execution.StartTime",
        "redrives.$": "$$.Execution.RedriveCount",
        "state.$": "$$.State.Name",
        "entered.$": "$$.State.EnteredTime",
        "sm.$": "$$.StateMachine.Id",
        "smName.$": "$$.StateMachine.Name"
    }}));
    let out = run_ok(&def, json!({"in": 1}));
    assert_eq!(
        out,
        json!({
            "id": info().execution_arn,
            "name": "exec",
            "input": {"in": 1},
            "role": info().role_arn,
            "start": "2025-01-01T00:00:00.000Z",
            "redrives": 0,
            "state": "S",
            "entered": "2025-01-01T00:00:00.000Z",
            "sm": info().state_machine_arn,
            "smName": "sm"
        })
    );
}

#[test]
fn context_entered_time_follows_virtual_time() {
    let def = json!({
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 90, "Next": "P"},
            "P": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime", "s.$": "$$.Execution.StartTime"}, "End": true}
        }
    });
    assert_eq!(
        run_ok(&def.to_string(), json!({})),
        json!({"t": "2025-01-01T00:01:30.000Z", "s": "2025-01-01T00:00:00.000Z"})
    );
}

#[test]
fn context_retry_count_counts_retries_of_the_state() {
    let def = task(json!({
        "ResultSelector": {"n.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 3, "IntervalSeconds": 1}]
    }));
    let mut tasks = Scripted::echo().on(R, [fail("E", "1"), fail("E", "2")]);
    let ex = run_with(&def, json!({}), &mut tasks);
    assert_eq!(output(&ex), json!({"n": 2}));
}

/// AWS records `"RetryCount": 0` in a Task's context object on the first attempt
/// (`conformance/sfn`: test_lambda_invoke_with_retry_extended_input passes `$$` to the function;
/// test_state_task_context_object[ALL] reads it in a Task without Retry).
#[test]
fn context_retry_count_is_zero_on_the_first_attempt() {
    let def = task(json!({
        "Parameters": {"n.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 3, "IntervalSeconds": 1}]
    }));
    let mut tasks = Scripted::echo().on(R, [fail("E", "1"), fail("E", "2")]);
    let ex = run_with(&def, json!({}), &mut tasks);
    assert_eq!(output(&ex), json!({"n": 2}));
    let seen: Vec<Value> = tasks.calls.iter().map(|c| c.input["n"].clone()).collect();
    assert_eq!(seen, [json!(0), json!(1), json!(2)]);
    let no_retry = task(json!({"Parameters": {"n.$": "$$.State.RetryCount"}}));
    assert_eq!(run_ok(&no_retry, json!({})), json!({"n": 0}));
}

#[test]
fn context_usable_in_input_path_and_output_path() {
    assert_eq!(
        run_ok(&pass(json!({"InputPath": "$$.Execution.Name"})), json!({})),
        json!("exec")
    );
    assert_eq!(
        run_ok(&pass(json!({"OutputPath": "$$.State.Name"})), json!({})),
        json!("S")
    );
}

// ----- variables -----

#[test]
fn assigned_variables_are_visible_from_the_next_state_only() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
            "B": {"Type": "Pass", "Assign": {"x": 2, "old.$": "$x"}, "Parameters": {"seen.$": "$x"}, "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"x.$": "$x", "old.$": "$old"}, "End": true}
        }
    });
    let ex = run(&def.to_string(), json!({}));
    // B's Parameters and Assign read the value from before B; C sees B's assignments.
    assert_eq!(output(&ex), json!({"x": 2, "old": 1}));
    let exited = events_of(&ex, "PassStateExited");
    let b = event_details(exited[1]);
    assert_eq!(b["assignedVariables"], json!({"x": "2", "old": "1"}));
    assert_eq!(b["assignedVariablesDetails"], json!({"truncated": false}));
}

#[test]
fn jsonpath_assign_reads_the_pass_result() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": {"r": 5}, "ResultPath": "$.res", "Assign": {"v.$": "$.r"}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"v.$": "$v"}, "End": true}
        }
    });
    assert_eq!(run_ok(&def.to_string(), json!({})), json!({"v": 5}));
}

#[test]
fn jsonpath_assign_on_a_task_reads_the_raw_result() {
    let def = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "ResultSelector": {"sel": 1},
                  "ResultPath": "$.out", "Assign": {"raw.$": "$.payload"}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"raw.$": "$raw", "out.$": "$.out"}, "End": true}
        }
    });
    let mut tasks = Scripted::echo().on(R, [Ok(json!({"payload": "p"}))]);
    let ex = run_with(&def.to_string(), json!({}), &mut tasks);
    assert_eq!(output(&ex), json!({"raw": "p", "out": {"sel": 1}}));
}

#[test]
fn variables_in_intrinsics_and_choice() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"limit": 3, "name": "n"}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.v", "NumericGreaterThanPath": "$limit", "Next": "Big"}
            ], "Default": "Small"},
            "Big": {"Type": "Pass", "Parameters": {"s.$": "States.Format('{} big', $name)"}, "End": true},
            "Small": {"Type": "Pass", "Parameters": {"s.$": "States.Format('{} small', $name)"}, "End": true}
        }
    });
    assert_eq!(
        run_ok(&def.to_string(), json!({"v": 4})),
        json!({"s": "n big"})
    );
    assert_eq!(
        run_ok(&def.to_string(), json!({"v": 3})),
        json!({"s": "n small"})
    );
}

#[test]
fn branches_read_outer_variables_and_do_not_leak_their_own() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "B1", "States": {
                    "B1": {"Type": "Pass", "Assign": {"inner": 1}, "Next": "B2"},
                    "B2": {"Type": "Pass", "Parameters": {"outer.$": "$outer", "inner.$": "$inner"}, "End": true}
                }},
                {"StartAt": "C1", "States": {
                    "C1": {"Type": "Pass", "Parameters": {"outer.$": "$outer"}, "End": true}
                }}
            ], "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"outer.$": "$outer", "branches.$": "$"}, "End": true}
        }
    });
    let out = run_ok(&def.to_string(), json!({}));
    assert_eq!(
        out,
        json!({"outer": "o", "branches": [{"outer": "o", "inner": 1}, {"outer": "o"}]})
    );
    // Reading the branch's variable after the Parallel fails: it did not leak.
    let leaky = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Assign": {"inner": 1}, "End": true}}}
            ], "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"inner.$": "$inner"}, "End": true}
        }
    });
    if is_valid(&leaky.to_string()) {
        let err = run_err(&leaky.to_string(), json!({}));
        assert_eq!(err.error, "States.Runtime");
    }
}

#[test]
fn map_iterations_read_outer_variables() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"k": 10}, "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {
                "I": {"Type": "Pass", "Parameters": {"v.$": "$", "k.$": "$k"}, "End": true}
            }}, "End": true}
        }
    });
    assert_eq!(
        run_ok(&def.to_string(), json!([1, 2])),
        json!([{"v": 1, "k": 10}, {"v": 2, "k": 10}])
    );
}

#[test]
fn paths_read_variables_except_result_path() {
    // Variables are usable in any path field but ResultPath (design reference §2.11).
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"secs": 3, "list": [1, 2], "obj": {"k": "v"}}, "Next": "W"},
            "W": {"Type": "Wait", "SecondsPath": "$secs", "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$list", "ItemProcessor": {"StartAt": "I", "States": {
                "I": {"Type": "Pass", "End": true}
            }}, "ResultPath": "$.items", "Next": "P"},
            "P": {"Type": "Pass", "InputPath": "$obj", "OutputPath": "$.k", "Next": "Q"},
            "Q": {"Type": "Pass", "Parameters": {"in.$": "$", "secs.$": "$secs"}, "End": true}
        }
    });
    let ex = run(&def.to_string(), json!({"x": 0}));
    assert_eq!(output(&ex), json!({"in": "v", "secs": 3}));
    assert_eq!(offsets(&ex, "WaitStateExited"), [3_000]);
    let exited = events_of(&ex, "MapStateExited");
    assert_eq!(
        parsed(&event_details(exited[0])["output"]),
        json!({"x": 0, "items": [1, 2]})
    );
}

#[test]
fn catch_assign_writes_the_outer_scope_from_the_error_output() {
    let def = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "why"}}}
            ], "Catch": [{"ErrorEquals": ["Boom"], "Assign": {"err.$": "$.Error", "cause.$": "$.Cause"},
                          "ResultPath": "$.caught", "Next": "After"}], "End": true},
            "After": {"Type": "Pass", "Parameters": {"err.$": "$err", "cause.$": "$cause", "caught.$": "$.caught"}, "End": true}
        }
    });
    assert_eq!(
        run_ok(&def.to_string(), json!({})),
        json!({"err": "Boom", "cause": "why", "caught": {"Error": "Boom", "Cause": "why"}})
    );
}

#[test]
fn unassigned_variable_is_a_runtime_error() {
    let def = pass(json!({"Parameters": {"v.$": "$nope"}}));
    // A reference to a variable no state assigns may be rejected at validation time.
    if is_valid(&def) {
        assert_eq!(run_err(&def, json!({})).error, "States.Runtime");
    }
}

#[test]
fn intrinsics_in_parameters() {
    let def = pass(json!({"Parameters": {
        "split.$": "States.StringSplit($.csv, ',')",
        "merged.$": "States.JsonMerge($.a, $.b, false)",
        "parsed.$": "States.StringToJson($.text)",
        "range.$": "States.ArrayRange(1, 9, 3)",
        "item.$": "States.ArrayGetItem($.list, 1)",
        "contains.$": "States.ArrayContains($.list, 'y')",
        "unique.$": "States.ArrayUnique($.dups)",
        "parts.$": "States.ArrayPartition($.list, 2)",
        "add.$": "States.MathAdd(40, 2)",
        "b64.$": "States.Base64Encode('hi')",
        "unb64.$": "States.Base64Decode('aGk=')",
        "hash.$": "States.Hash('abc', 'SHA-256')",
        "escaped.$": "States.Format('\\{\\} {}', 'x')"
    }}));
    let out = run_ok(
        &def,
        json!({
            "csv": "a,b",
            "a": {"x": 1, "y": {"z": 1}},
            "b": {"y": {"w": 2}},
            "text": "{\"k\":[1]}",
            "list": ["x", "y", "z"],
            "dups": [1, 1, 2]
        }),
    );
    assert_eq!(
        out,
        json!({
            "split": ["a", "b"],
            "merged": {"x": 1, "y": {"w": 2}},
            "parsed": {"k": [1]},
            "range": [1, 4, 7],
            "item": "y",
            "contains": true,
            "unique": [1, 2],
            "parts": [["x", "y"], ["z"]],
            "add": 42,
            "b64": "aGk=",
            "unb64": "hi",
            "hash": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "escaped": "{} x"
        })
    );
}

#[test]
fn uuid_and_random_intrinsics_are_well_formed() {
    let out = run_ok(
        &pass(json!({"Parameters": {"u.$": "States.UUID()", "r.$": "States.MathRandom(5, 10)"}})),
        json!({}),
    );
    let u = out["u"].as_str().unwrap();
    assert_eq!(u.len(), 36);
    assert_eq!(&u[14..15], "4", "v4 UUID: {u}");
    let r = out["r"].as_i64().unwrap();
    assert!((5..10).contains(&r));
}

#[test]
fn failing_intrinsic_fails_the_state() {
    let err = run_err(
        &pass(json!({"Parameters": {"x.$": "States.ArrayGetItem($.list, 5)"}})),
        json!({"list": [1]}),
    );
    assert!(
        ["States.IntrinsicFailure", "States.Runtime"].contains(&err.error.as_str()),
        "{err:?}"
    );
}

// ----- Choice -----

fn choice_on(rule: Value) -> String {
    true_false_choice(rule)
}

/// Whether the rule matches the input.
fn matches(rule: Value, input: Value) -> bool {
    run_ok(&choice_on(rule), input) == json!(true)
}

/// Checks each `(rule, expected)` against the input.
fn expect_rules(input: Value, cases: &[(Value, bool)]) {
    for (rule, expected) in cases {
        assert_eq!(
            matches(rule.clone(), input.clone()),
            *expected,
            "{rule} on {input}"
        );
    }
}

/// A rule `{"Variable": variable, op: operand}`.
fn rule(variable: &str, op: &str, operand: Value) -> Value {
    json!({"Variable": variable, op: operand})
}

#[test]
fn choice_numeric_operators() {
    let n = |op: &str, v: Value| rule("$.n", op, v);
    expect_rules(
        json!({"n": 5, "m": 5.0, "k": 7}),
        &[
            (n("NumericEquals", json!(5)), true),
            (n("NumericEquals", json!(5.0)), true),
            (n("NumericEquals", json!(6)), false),
            (n("NumericGreaterThan", json!(4.5)), true),
            (n("NumericGreaterThan", json!(5)), false),
            (n("NumericGreaterThanEquals", json!(5)), true),
            (n("NumericLessThan", json!(6)), true),
            (n("NumericLessThan", json!(5)), false),
            (n("NumericLessThanEquals", json!(5)), true),
            (n("NumericEqualsPath", json!("$.m")), true),
            (n("NumericLessThanPath", json!("$.k")), true),
            (n("NumericLessThanEqualsPath", json!("$.m")), true),
            (n("NumericGreaterThanPath", json!("$.k")), false),
            (n("NumericGreaterThanEqualsPath", json!("$.m")), true),
        ],
    );
    // No coercion: a numeric string is not a number.
    expect_rules(json!({"n": "5"}), &[(n("NumericEquals", json!(5)), false)]);
}

#[test]
fn choice_string_operators() {
    let s = |op: &str, v: &str| rule("$.s", op, json!(v));
    expect_rules(
        json!({"s": "b", "a": "a", "same": "b"}),
        &[
            (s("StringEquals", "b"), true),
            (s("StringEquals", "B"), false),
            (s("StringGreaterThan", "a"), true),
            (s("StringGreaterThanEquals", "b"), true),
            (s("StringLessThan", "c"), true),
            (s("StringLessThanEquals", "b"), true),
            (s("StringLessThan", "b"), false),
            (s("StringEqualsPath", "$.same"), true),
            (s("StringGreaterThanPath", "$.a"), true),
            (s("StringLessThanPath", "$.a"), false),
            (s("StringGreaterThanEqualsPath", "$.same"), true),
            (s("StringLessThanEqualsPath", "$.same"), true),
        ],
    );
    // Java String.compareTo order: UTF-16 code units ("\u{FF61}" > "\u{1F600}" in UTF-16).
    expect_rules(
        json!({"s": "\u{FF61}"}),
        &[(s("StringGreaterThan", "\u{1F600}"), true)],
    );
    // No coercion: a number is not a string.
    expect_rules(json!({"s": 1}), &[(s("StringEquals", "1"), false)]);
}

#[test]
fn choice_string_matches_wildcards() {
    let m = |pattern: &str| rule("$.s", "StringMatches", json!(pattern));
    expect_rules(
        json!({"s": "log-2024.txt"}),
        &[
            (m("log-*.txt"), true),
            (m("log-*.csv"), false),
            (m("*"), true),
        ],
    );
    expect_rules(json!({"s": ""}), &[(m("*"), true), (m("?"), false)]);
    expect_rules(json!({"s": "a*c"}), &[(m("a\\*c"), true)]);
    expect_rules(
        json!({"s": "abc"}),
        &[(m("a\\*c"), false), (m("a*c"), true)],
    );
}

#[test]
fn choice_boolean_and_timestamp_operators() {
    let b = |op: &str, v: Value| rule("$.b", op, v);
    expect_rules(
        json!({"b": false, "c": false}),
        &[
            (b("BooleanEquals", json!(false)), true),
            (b("BooleanEquals", json!(true)), false),
            (b("BooleanEqualsPath", json!("$.c")), true),
        ],
    );
    expect_rules(
        json!({"b": "true"}),
        &[(b("BooleanEquals", json!(true)), false)],
    );
    let t = |op: &str, v: &str| rule("$.t", op, json!(v));
    let later = |op: &str, v: &str| rule("$.later", op, json!(v));
    expect_rules(
        json!({"t": "2024-05-01T10:00:00Z", "u": "2024-05-01T12:00:00+02:00", "later": "2024-06-01T00:00:00Z"}),
        &[
            (t("TimestampEquals", "2024-05-01T10:00:00.000Z"), true),
            (t("TimestampGreaterThan", "2024-05-01T09:59:59Z"), true),
            (
                t("TimestampGreaterThanEquals", "2024-05-01T10:00:00Z"),
                true,
            ),
            (t("TimestampLessThan", "2024-05-01T10:00:01Z"), true),
            (t("TimestampLessThanEquals", "2024-05-01T10:00:00Z"), true),
            (t("TimestampLessThan", "2024-05-01T10:00:00Z"), false),
            (t("TimestampEqualsPath", "$.u"), true),
            (t("TimestampLessThanPath", "$.later"), true),
            (t("TimestampLessThanEqualsPath", "$.u"), true),
            (later("TimestampGreaterThanPath", "$.t"), true),
            (later("TimestampGreaterThanEqualsPath", "$.t"), true),
        ],
    );
    // A string that is not a timestamp never matches a timestamp operator.
    expect_rules(
        json!({"t": "2024-05-01 10:00:00"}),
        &[(t("TimestampEquals", "2024-05-01T10:00:00Z"), false)],
    );
}

#[test]
fn choice_type_tests() {
    let is = |op: &str, path: &str, flag: bool| (rule(path, op, json!(flag)), true);
    expect_rules(
        json!({"n": 1, "s": "x", "b": false, "z": null, "ts": "2024-01-01T00:00:00Z", "o": {}}),
        &[
            is("IsNumeric", "$.n", true),
            is("IsNumeric", "$.s", false),
            is("IsString", "$.s", true),
            is("IsString", "$.n", false),
            is("IsBoolean", "$.b", true),
            is("IsNull", "$.z", true),
            is("IsNull", "$.o", false),
            is("IsTimestamp", "$.ts", true),
            is("IsTimestamp", "$.s", false),
            is("IsPresent", "$.z", true),
            is("IsPresent", "$.missing", false),
            (rule("$.missing", "IsPresent", json!(true)), false),
            is("IsPresent", "$.o.deeper.still", false),
        ],
    );
}

#[test]
fn choice_composites() {
    let a1 = rule("$.a", "NumericEquals", json!(1));
    let a2 = rule("$.a", "NumericEquals", json!(2));
    let bx = rule("$.b", "StringEquals", json!("x"));
    let missing = rule("$.missing", "NumericEquals", json!(1));
    expect_rules(
        json!({"a": 1, "b": "x"}),
        &[
            (json!({"And": [a1, bx]}), true),
            (json!({"And": [a1, a2]}), false),
            (json!({"Or": [a2, bx]}), true),
            (json!({"Or": [a2, {"Not": bx}]}), false),
            (json!({"Not": a2}), true),
            (
                json!({"And": [{"Not": rule("$.c", "IsPresent", json!(true))}, {"Or": [a2, a1]}]}),
                true,
            ),
            // And and Or short-circuit: a missing variable after the deciding rule is never read.
            (json!({"And": [a2, missing]}), false),
            (json!({"Or": [a1, missing]}), true),
        ],
    );
}

#[test]
fn choice_first_match_wins_and_variables_and_context_are_readable() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"lim": 10}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$lim", "NumericEquals": 10, "Next": "First"},
                {"Variable": "$$.State.Name", "StringEquals": "C", "Next": "Second"}
            ]},
            "First": {"Type": "Pass", "Result": 1, "End": true},
            "Second": {"Type": "Pass", "Result": 2, "End": true}
        }
    });
    assert_eq!(run_ok(&def.to_string(), json!({})), json!(1));
}

#[test]
fn choice_input_and_output_paths() {
    let def = json!({
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "InputPath": "$.inner", "OutputPath": "$.v",
                  "Choices": [{"Variable": "$.v", "NumericEquals": 1, "Next": "Done"}]},
            "Done": {"Type": "Succeed"}
        }
    });
    assert_eq!(
        run_ok(&def.to_string(), json!({"inner": {"v": 1}})),
        json!(1)
    );
}

#[test]
fn choice_without_match_or_default_fails_with_no_choice_matched() {
    let def = json!({
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "X"}]},
            "X": {"Type": "Succeed"}
        }
    });
    let ex = run(&def.to_string(), json!({"a": 2}));
    let err = failure(&ex);
    assert_eq!(err.error, "States.NoChoiceMatched");
    assert_history(&ex, "ExecutionStarted ChoiceStateEntered ExecutionFailed");
}

#[test]
fn choice_on_a_missing_variable_is_a_runtime_error() {
    let err = run_err(
        &choice_on(json!({"Variable": "$.missing", "StringEquals": "x"})),
        json!({}),
    );
    assert_eq!(err.error, "States.Runtime");
    assert!(err.cause.unwrap().contains("Invalid path '$.missing'"));
}

#[test]
fn choice_assign_per_rule() {
    let def = json!({
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Assign": {"state": "s"}, "Choices": [
                {"Variable": "$.a", "NumericEquals": 1, "Assign": {"rule": "r1"}, "Next": "X"}
            ]},
            "X": {"Type": "Pass", "Parameters": {"s.$": "$state", "r.$": "$rule"}, "End": true}
        }
    });
    assert_eq!(
        run_ok(&def.to_string(), json!({"a": 1})),
        json!({"s": "s", "r": "r1"})
    );
}

// ----- Wait -----

fn wait_then_pass(wait: Value) -> String {
    let mut w = wait;
    w["Type"] = json!("Wait");
    w["Next"] = json!("P");
    json!({
        "StartAt": "W",
        "States": {"W": w, "P": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": true}}
    })
    .to_string()
}

#[test]
fn wait_seconds_advances_virtual_time() {
    let ex = run(&wait_then_pass(json!({"Seconds": 10})), json!({}));
    assert_eq!(output(&ex), json!({"t": "2025-01-01T00:00:10.000Z"}));
    assert_eq!(offsets(&ex, "WaitStateEntered"), [0]);
    assert_eq!(offsets(&ex, "WaitStateExited"), [10_000]);
    assert_history(
        &ex,
        "ExecutionStarted WaitStateEntered WaitStateExited PassStateEntered PassStateExited ExecutionSucceeded",
    );
}

#[test]
fn wait_zero_seconds_and_past_timestamps_proceed_at_once() {
    let ex = run(&wait_then_pass(json!({"Seconds": 0})), json!({}));
    assert_eq!(offsets(&ex, "WaitStateExited"), [0]);
    let ex = run(
        &wait_then_pass(json!({"Timestamp": "2000-01-01T00:00:00Z"})),
        json!({}),
    );
    assert_eq!(offsets(&ex, "WaitStateExited"), [0]);
}

#[test]
fn wait_timestamp_and_paths() {
    let ex = run(
        &wait_then_pass(json!({"Timestamp": "2025-01-01T01:00:00Z"})),
        json!({}),
    );
    assert_eq!(output(&ex), json!({"t": "2025-01-01T01:00:00.000Z"}));
    let ex = run(
        &wait_then_pass(json!({"TimestampPath": "$.when"})),
        json!({"when": "2025-01-01T03:00:00+02:00"}),
    );
    assert_eq!(output(&ex), json!({"t": "2025-01-01T01:00:00.000Z"}));
    let ex = run(
        &wait_then_pass(json!({"SecondsPath": "$.s"})),
        json!({"s": 5}),
    );
    assert_eq!(output(&ex), json!({"t": "2025-01-01T00:00:05.000Z"}));
}

#[test]
fn wait_output_is_its_input_through_input_and_output_paths() {
    let def = json!({
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 1, "InputPath": "$.a", "OutputPath": "$.b", "End": true}}
    });
    assert_eq!(run_ok(&def.to_string(), json!({"a": {"b": 3}})), json!(3));
}

#[test]
fn wait_seconds_path_errors() {
    let def = wait_then_pass(json!({"SecondsPath": "$.s"}));
    let negative = run_err(&def, json!({"s": -1}));
    assert_eq!(negative.error, "States.Runtime");
    assert!(
        negative
            .cause
            .unwrap()
            .ends_with("The SecondsPath parameter references a negative value: $.s == -1")
    );
    let text = run_err(&def, json!({"s": "soon"}));
    assert_eq!(text.error, "States.Runtime");
    assert!(
        text.cause
            .unwrap()
            .contains("cannot be parsed as a long value")
    );
    let missing = run_err(&def, json!({}));
    assert_eq!(missing.error, "States.Runtime");
    assert!(
        missing
            .cause
            .unwrap()
            .ends_with("The SecondsPath parameter does not reference an input value: $.s")
    );
}

#[test]
fn wait_timestamp_path_errors() {
    let def = wait_then_pass(json!({"TimestampPath": "$.t"}));
    for bad in [json!("tomorrow"), json!("2025-01-01t00:00:00Z"), json!(12)] {
        let err = run_err(&def, json!({"t": bad}));
        assert_eq!(err.error, "States.Runtime");
        assert!(
            err.cause
                .unwrap()
                .contains("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == ")
        );
    }
}

#[test]
fn a_wait_of_almost_a_year_completes_at_once_in_virtual_time() {
    let days = 364 * 24 * 3600;
    let started = std::time::Instant::now();
    let ex = run(&wait_then_pass(json!({"Seconds": days})), json!({}));
    assert_eq!(output(&ex), json!({"t": "2025-12-31T00:00:00.000Z"}));
    assert_eq!(offsets(&ex, "WaitStateExited"), [days * 1000]);
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn a_standard_execution_times_out_after_a_year() {
    // TimeoutSeconds cannot stretch it: one year is the most a Standard execution runs.
    let mut def: Value =
        serde_json::from_str(&wait_then_pass(json!({"Seconds": 99_999_999}))).unwrap();
    def["TimeoutSeconds"] = json!(99_999_999);
    let ex = run(&def.to_string(), json!({}));
    expect_status(&ex, Status::TimedOut);
    assert_eq!(ex.error().unwrap().error, "States.Timeout");
    assert_eq!(offsets(&ex, "ExecutionTimedOut"), [365 * 24 * 3600 * 1000]);
}

#[test]
fn the_real_clock_runs_short_waits_in_wall_time() {
    let def = wait_then_pass(json!({"Seconds": 0}));
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut info = info();
    info.start_millis = 0;
    let ex = run_as(&def, info, json!({}), baton_engine::driver::Clock::Real);
    expect_status(&ex, Status::Succeeded);
    let started = ex.history()[0].timestamp_millis;
    assert!(started >= before, "{started} < {before}");
    assert!(
        ex.history()
            .windows(2)
            .all(|w| w[0].timestamp_millis <= w[1].timestamp_millis)
    );
}

// ----- timeouts and stopping -----

#[test]
fn task_timeout_records_task_timed_out_and_fails_with_states_timeout() {
    let def = task(json!({"TimeoutSeconds": 30}));
    let mut m = Manual::start(&def, json!({}));
    assert_eq!(m.tasks.len(), 1);
    assert_eq!(m.tasks[0].timeout_seconds, Some(30));
    // The task's timeout, and the execution's own one-year limit.
    let mut due: Vec<i64> = m.timers.iter().map(|t| t.1).collect();
    due.sort_unstable();
    assert_eq!(due, [START + 30_000, START + 365 * 24 * 3600 * 1000]);
    let task = m.tasks[0].task;
    assert_eq!(m.fire_next_timer(), 30_000);
    assert_eq!(m.ex.status(), Status::Failed);
    assert_eq!(m.ex.error().unwrap().error, "States.Timeout");
    assert_eq!(m.cancelled, [task]);
    assert_history(
        &m.ex,
        "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskTimedOut ExecutionFailed",
    );
    // As AWS records it (conformance/sfn: test_fixed_timeout_service_lambda).
    assert_eq!(
        details(&m.ex, "TaskTimedOut"),
        json!({"error": "States.Timeout", "resource": "invoke", "resourceType": "lambda"})
    );
    assert_eq!(offsets(&m.ex, "TaskTimedOut"), [30_000]);
    assert_eq!(
        details(&m.ex, "ExecutionFailed"),
        json!({"error": "States.Timeout"})
    );
    // A late answer changes nothing.
    m.signal(
        31_000,
        Signal::TaskSucceeded {
            task,
            output: json!(1).into(),
        },
    );
    assert_eq!(m.ex.status(), Status::Failed);
}

#[test]
fn task_timeout_is_retried_by_states_timeout_and_not_by_task_failed() {
    let def = task(json!({
        "TimeoutSeconds": 5,
        "Retry": [
            {"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 5},
            {"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1, "IntervalSeconds": 2}
        ]
    }));
    let mut m = Manual::start(&def, json!({}));
    assert_eq!(m.fire_next_timer(), 5_000); // the timeout
    assert_eq!(m.ex.status(), Status::Running);
    assert_eq!(m.fire_next_timer(), 7_000); // the retry delay
    assert_eq!(m.tasks.len(), 2, "the task is scheduled again");
    assert_eq!(m.fire_next_timer(), 12_000); // the second timeout, no retries left
    assert_eq!(m.ex.error().unwrap().error, "States.Timeout");
    assert_eq!(events_of(&m.ex, "TaskTimedOut").len(), 2);
}

#[test]
fn an_answer_before_the_timeout_cancels_it() {
    let def = task(json!({"TimeoutSeconds": 30}));
    let mut m = Manual::start(&def, json!({}));
    let t = m.take_task();
    m.signal(
        1_000,
        Signal::TaskSucceeded {
            task: t.task,
            output: json!("ok").into(),
        },
    );
    assert_eq!(m.ex.status(), Status::Succeeded);
    assert_eq!(m.ex.output(), Some(&json!("ok").into()));
}

#[test]
fn execution_timeout_times_the_execution_out() {
    let def = json!({
        "TimeoutSeconds": 60,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}
    });
    let ex = run(&def.to_string(), json!({}));
    assert_eq!(ex.status(), Status::TimedOut);
    assert_eq!(ex.error().unwrap().error, "States.Timeout");
    assert_history(&ex, "ExecutionStarted WaitStateEntered ExecutionTimedOut");
    assert_eq!(offsets(&ex, "ExecutionTimedOut"), [60_000]);
    assert_eq!(
        details(&ex, "ExecutionTimedOut")["error"],
        json!("States.Timeout")
    );
}

#[test]
fn execution_timeout_is_not_caught() {
    let def = json!({
        "TimeoutSeconds": 10,
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}]},
            "C": {"Type": "Succeed"}
        }
    });
    let mut m = Manual::start(&def.to_string(), json!({}));
    assert_eq!(m.fire_next_timer(), 10_000);
    assert_eq!(m.ex.status(), Status::TimedOut);
}

#[test]
fn stop_aborts_the_execution() {
    let def = task(json!({}));
    let mut m = Manual::start(&def, json!({}));
    let t = m.take_task();
    m.signal(
        500,
        Signal::Stop {
            error: Some("User.Stop".into()),
            cause: Some("because".into()),
        },
    );
    assert_eq!(m.ex.status(), Status::Aborted);
    assert_eq!(m.ex.output(), None);
    assert_history(
        &m.ex,
        "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted ExecutionAborted",
    );
    assert_eq!(
        details(&m.ex, "ExecutionAborted"),
        json!({"error": "User.Stop", "cause": "because"})
    );
    assert!(m.cancelled.contains(&t.task));
    // Signals after the end are ignored.
    let len = m.ex.history().len();
    m.signal(
        600,
        Signal::TaskSucceeded {
            task: t.task,
            output: json!(1).into(),
        },
    );
    assert_eq!(m.ex.history().len(), len);
    assert_eq!(m.ex.status(), Status::Aborted);
}

#[test]
fn stop_without_error_or_cause() {
    let def = wait_then_pass(json!({"Seconds": 100}));
    let mut m = Manual::start(&def, json!({}));
    m.signal(
        1,
        Signal::Stop {
            error: None,
            cause: None,
        },
    );
    assert_eq!(m.ex.status(), Status::Aborted);
    assert_eq!(details(&m.ex, "ExecutionAborted"), json!({}));
}

// ----- Fail and Succeed -----

#[test]
fn fail_state_error_and_cause() {
    let def = single(json!({"Type": "Fail", "Error": "Custom.Error", "Cause": "it broke"}));
    let ex = run(&def, json!({}));
    let err = failure(&ex);
    assert_eq!(
        (err.error.as_str(), err.cause.as_deref()),
        ("Custom.Error", Some("it broke"))
    );
    assert_history(&ex, "ExecutionStarted FailStateEntered ExecutionFailed");
    assert_eq!(
        details(&ex, "ExecutionFailed"),
        json!({"error": "Custom.Error", "cause": "it broke"})
    );
}

#[test]
fn fail_state_error_path_and_cause_path() {
    let def = single(
        json!({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('code {}', $.c)"}),
    );
    let err = run_err(&def, json!({"e": "Dyn.Error", "c": 7}));
    assert_eq!(err.error, "Dyn.Error");
    assert_eq!(err.cause.as_deref(), Some("code 7"));
}

#[test]
fn succeed_state_applies_input_and_output_paths() {
    let def = single(json!({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}));
    let ex = run(&def, json!({"a": {"b": [1]}}));
    assert_eq!(output(&ex), json!([1]));
    assert_history(
        &ex,
        "ExecutionStarted SucceedStateEntered SucceedStateExited ExecutionSucceeded",
    );
}

// ----- payload limits -----

#[test]
fn a_state_output_over_256_kib_fails_with_data_limit_exceeded() {
    let big = "x".repeat(256 * 1024 + 1);
    let def = pass(json!({"Parameters": {"big.$": "$.big"}}));
    let err = run_err(&def, json!({"big": big}));
    assert_eq!(err.error, "States.DataLimitExceeded");
}

#[test]
fn a_task_result_over_256_kib_fails_with_data_limit_exceeded() {
    let big = "y".repeat(300 * 1024);
    let mut tasks = Scripted::with(move |_| Ok(json!(big.clone())));
    let ex = run_with(&task(json!({"ResultPath": null})), json!({}), &mut tasks);
    assert_eq!(failure(&ex).error, "States.DataLimitExceeded");
}

#[test]
fn an_output_just_under_the_limit_is_fine() {
    // `{"b":"…"}` is 8 bytes plus the string.
    let s = "z".repeat(256 * 1024 - 8);
    let out = run_ok(
        &pass(json!({"Parameters": {"b.$": "$.s"}})),
        json!({"s": s}),
    );
    assert_eq!(out["b"].as_str().unwrap().len(), 256 * 1024 - 8);
}

#[test]
fn the_payload_limit_counts_utf8_bytes_not_characters() {
    let def = pass(json!({"Parameters": {"s.$": "$.s"}}));
    // 140,000 two-byte characters: fewer characters than the limit, more bytes.
    let err = run_err(&def, json!({"s": "\u{e9}".repeat(140_000)}));
    assert_eq!(err.error, "States.DataLimitExceeded");
    assert_eq!(
        err.cause.as_deref(),
        Some(
            "The state/task 'S' returned a result with a size exceeding the maximum number of bytes service limit."
        )
    );
    let out = run_ok(&def, json!({"s": "\u{e9}".repeat(100_000)}));
    assert_eq!(out["s"].as_str().unwrap().chars().count(), 100_000);
}

// ----- Task details -----

#[test]
fn task_paths_and_credentials_reach_the_request_and_the_history() {
    let def = task(json!({
        "TimeoutSecondsPath": "$.t",
        "HeartbeatSecondsPath": "$.h",
        "Credentials": {"RoleArn.$": "$.role"},
        "Parameters": {"p.$": "$.p"}
    }));
    let role = "arn:aws:iam::222222222222:role/other";
    let m = Manual::start(&def, json!({"t": 30, "h": 10, "role": role, "p": 1}));
    let request = &m.tasks[0];
    assert_eq!(request.resource, R);
    assert_eq!(request.state_name, "S");
    assert_eq!(request.input, json!({"p": 1}));
    assert_eq!(request.timeout_seconds, Some(30));
    assert_eq!(request.heartbeat_seconds, Some(10));
    assert_eq!(request.credentials, Some(json!({"RoleArn": role}).into()));
    let scheduled = details(&m.ex, "TaskScheduled");
    assert_eq!(scheduled["timeoutInSeconds"], json!(30));
    assert_eq!(scheduled["heartbeatInSeconds"], json!(10));
    assert_eq!(scheduled["taskCredentials"], json!({"roleArn": role}));
    assert_eq!(
        details(&m.ex, "TaskStarted"),
        json!({"resourceType": "lambda", "resource": "invoke"})
    );
}

#[test]
fn timeout_seconds_path_must_be_a_non_negative_integer() {
    let def = task(json!({"TimeoutSecondsPath": "$.t"}));
    for bad in [json!(-5), json!("soon"), json!(1.5)] {
        let err = run_err(&def, json!({"t": bad}));
        assert_eq!(err.error, "States.Runtime", "{bad}");
    }
    assert_eq!(run_err(&def, json!({})).error, "States.Runtime");
}

#[test]
fn a_task_input_over_256_kib_fails_before_the_task_runs() {
    let big = "p".repeat(256 * 1024);
    let mut tasks = Scripted::echo();
    let ex = run_with(
        &task(json!({"Parameters": {"big.$": "$.big"}})),
        json!({"big": big}),
        &mut tasks,
    );
    assert_eq!(failure(&ex).error, "States.DataLimitExceeded");
    assert!(tasks.calls.is_empty());
}

#[test]
fn stop_during_a_parallel_cancels_every_running_task() {
    let def = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "TA", "States": {"TA": {"Type": "Task", "Resource": A, "End": true}}},
            {"StartAt": "TB", "States": {"TB": {"Type": "Task", "Resource": B, "End": true}}}
        ]}}
    });
    let mut m = Manual::start(&def.to_string(), json!({}));
    let ids: Vec<u64> = m.tasks.iter().map(|t| t.task).collect();
    assert_eq!(ids.len(), 2);
    m.signal(
        10,
        Signal::Stop {
            error: None,
            cause: None,
        },
    );
    assert_eq!(m.ex.status(), Status::Aborted);
    for id in ids {
        assert!(m.cancelled.contains(&id));
    }
}

#[test]
fn the_execution_timeout_stops_a_running_map() {
    let def = json!({
        "TimeoutSeconds": 5,
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 60, "End": true}
        }}}}
    });
    let ex = run(&def.to_string(), json!([1, 2]));
    assert_eq!(ex.status(), Status::TimedOut);
    assert_eq!(offsets(&ex, "ExecutionTimedOut"), [5_000]);
    assert!(events_of(&ex, "WaitStateExited").is_empty());
}

#[test]
fn events_are_chained_through_a_run() {
    // Each event follows the one before it in a sequential machine (the first state follows
    // no event), and ExecutionSucceeded follows the last state's exit.
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "T"},
            "T": {"Type": "Task", "Resource": R, "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 1, "End": true}
        }
    });
    let events = aws_events(&run(&def.to_string(), json!({})));
    let prev: Vec<u64> = events
        .iter()
        .map(|e| e["previousEventId"].as_u64().unwrap())
        .collect();
    assert_eq!(prev, [0, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
}

// ----- known differences from AWS (ignored until fixed) -----

/// Docs (Wait state): "if you specify the wait time as a timestamp, Step Functions considers
/// the time value up to seconds and truncates milliseconds".
#[test]
fn wait_timestamps_are_truncated_to_whole_seconds() {
    let ex = run(
        &wait_then_pass(json!({"Timestamp": "2025-01-01T00:00:10.900Z"})),
        json!({}),
    );
    assert_eq!(offsets(&ex, "WaitStateExited"), [10_000]);
    let ex = run(
        &wait_then_pass(json!({"TimestampPath": "$.t"})),
        json!({"t": "2025-01-01T00:00:03.999Z"}),
    );
    assert_eq!(offsets(&ex, "WaitStateExited"), [3_000]);
}

/// conformance/sfn: test_state_fail_empty records `"executionFailedEventDetails": {}` for a
/// Fail state without Error or Cause; test_output_in_choice[CONDITION_FALSE] records
/// `{"cause": "Condition is false"}` for one with only a Cause.
#[test]
fn fail_state_without_error_records_no_error() {
    let ex = run(&single(json!({"Type": "Fail"})), json!({}));
    expect_status(&ex, Status::Failed);
    assert_eq!(details(&ex, "ExecutionFailed"), json!({}));
    let ex = run(
        &single(json!({"Type": "Fail", "Cause": "Condition is false"})),
        json!({}),
    );
    assert_eq!(
        details(&ex, "ExecutionFailed"),
        json!({"cause": "Condition is false"})
    );
}

/// A loop of Pass and Choice states: 4 events per round.
fn counting_loop(rounds: u64) -> String {
    json!({
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.i", "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$.i", "NumericGreaterThanEquals": rounds, "Next": "Done"}
            ], "Default": "Inc"},
            "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"},
            "Done": {"Type": "Succeed"}
        }
    })
    .to_string()
}

#[test]
fn a_loop_under_the_history_limit_runs_to_its_end() {
    let ex = run(&counting_loop(100), json!({}));
    assert_eq!(output(&ex), json!({"i": 100}));
}

/// Docs (service quotas) and the design reference §4.3: a Standard execution's history holds
/// at most 25,000 events; reaching the limit fails the execution.
#[test]
fn history_is_limited_to_25000_events() {
    let ex = run(&counting_loop(13_000), json!({}));
    assert_eq!(ex.status(), Status::Failed);
    assert!(
        ex.history().len() <= 25_000,
        "{} events",
        ex.history().len()
    );
}

/// Without the history limit, a loop of states that neither run tasks nor wait never gives
/// control back: `Execution::start` does not return and the history grows until memory runs
/// out. (The fuzz target skips cyclic machines for this reason.)
#[test]
fn an_endless_synchronous_loop_ends() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "End"}], "Default": "A"},
            "End": {"Type": "Succeed"}
        }
    })
    .to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let ex = run(&def, json!({}));
        let _ = tx.send((ex.status(), ex.history().len()));
    });
    let (status, events) = rx
        .recv_timeout(std::time::Duration::from_secs(2))
        .expect("the execution should end (at the history limit)");
    assert_eq!(status, Status::Failed);
    assert!(events <= 25_000);
}

/// conformance/sfn (lambda cases, e.g. test_base_cases[BASE_LAMBDA_EMPTY],
/// test_lambda_invoke_with_retry_base, test_fixed_timeout_lambda): a Task whose Resource is a
/// bare Lambda function ARN records LambdaFunctionScheduled/Started/Succeeded (or Failed,
/// TimedOut), not Task... events.
#[test]
fn bare_lambda_function_arns_record_lambda_function_events() {
    let lambda = "arn:aws:lambda:us-east-1:111111111111:function:f";
    let def = single(json!({"Type": "Task", "Resource": lambda, "End": true,
        "Retry": [{"ErrorEquals": ["Exception"], "MaxAttempts": 1}]}));
    let mut tasks = Scripted::echo().on(lambda, [fail("Exception", "boom")]);
    let ex = run_with(&def, json!({"a": 1}), &mut tasks);
    assert_history(
        &ex,
        "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted \
         LambdaFunctionFailed LambdaFunctionScheduled LambdaFunctionStarted \
         LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded",
    );
    let scheduled = details(&ex, "LambdaFunctionScheduled");
    assert_eq!(scheduled["resource"], json!(lambda));
    assert_eq!(parsed(&scheduled["input"]), json!({"a": 1}));
    assert_eq!(
        details(&ex, "LambdaFunctionFailed"),
        json!({"error": "Exception", "cause": "boom"})
    );
    let timed =
        single(json!({"Type": "Task", "Resource": lambda, "TimeoutSeconds": 5, "End": true}));
    let mut m = Manual::start(&timed, json!({}));
    m.fire_next_timer();
    assert_history(
        &m.ex,
        "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted \
         LambdaFunctionTimedOut ExecutionFailed",
    );
}

/// Docs (context object): `$$.Task.Token` is available in Task states that wait for a task
/// token (`.waitForTaskToken`); conformance/sfn's callback cases pass it in Parameters.
#[test]
fn task_token_is_in_the_context_of_callback_tasks() {
    let def = single(json!({
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true,
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}
    }));
    let m = Manual::start(&def, json!({}));
    assert_eq!(m.tasks.len(), 1, "{:?}", m.ex.error());
    let token = &m.tasks[0].input["MessageBody"]["token"];
    assert!(token.as_str().is_some_and(|t| !t.is_empty()), "{token}");
}

/// conformance/sfn: test_heartbeat_no_timeout (HeartbeatSeconds 5, no heartbeat sent) ends
/// with TaskTimedOut and States.Timeout; the design reference §2.8 describes the same.
#[test]
fn missing_heartbeats_time_the_task_out() {
    let def = single(json!({
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true,
        "HeartbeatSeconds": 5, "TimeoutSeconds": 100,
        "Parameters": {"QueueUrl": "q", "MessageBody": "m"}
    }));
    let mut m = Manual::start(&def, json!({}));
    assert_eq!(m.fire_next_timer(), 5_000);
    assert_eq!(m.ex.status(), Status::Failed);
    assert_eq!(m.ex.error().unwrap().error, "States.Timeout");
    assert!(types(&m.ex).contains(&"TaskTimedOut"));
}

/// conformance/sfn: test_stop_execution (a Wait state stopped by StopExecution) records
/// `ExecutionAborted` with previousEventId 0 and empty details.
#[test]
fn execution_aborted_follows_no_event() {
    let def = single(json!({"Type": "Wait", "Seconds": 100, "End": true}));
    let mut m = Manual::start(&def, json!({}));
    m.signal(
        1_000,
        Signal::Stop {
            error: None,
            cause: None,
        },
    );
    assert_history(&m.ex, "ExecutionStarted WaitStateEntered ExecutionAborted");
    let aborted = &aws_events(&m.ex)[2];
    assert_eq!(aborted["previousEventId"], json!(0));
    assert_eq!(aborted["executionAbortedEventDetails"], json!({}));
}

/// conformance/sfn: test_activity_task_with_heartbeat and test_activity_task_start_timeout: a
/// Task on an activity ARN records ActivityScheduled (with input, timeoutInSeconds and
/// heartbeatInSeconds), ActivityStarted, then ActivitySucceeded or ActivityTimedOut.
#[test]
fn activity_tasks_record_activity_events() {
    let activity = "arn:aws:states:us-east-1:111111111111:activity:a";
    let def =
        single(json!({"Type": "Task", "Resource": activity, "End": true, "TimeoutSeconds": 60}));
    let ex = run(&def, json!({"Value1": "HelloWorld"}));
    let t = types(&ex);
    assert_eq!(t[2], "ActivityScheduled", "{t:?}");
    assert!(t.contains(&"ActivitySucceeded"), "{t:?}");
    let scheduled = details(&ex, "ActivityScheduled");
    assert_eq!(scheduled["resource"], json!(activity));
    assert_eq!(scheduled["timeoutInSeconds"], json!(60));
    let mut m = Manual::start(&def, json!({}));
    m.fire_next_timer();
    assert!(types(&m.ex).contains(&"ActivityTimedOut"));
}

/// A worker taking an activity records ActivityStarted with its name; each heartbeat restarts
/// the HeartbeatSeconds clock, and the task times out HeartbeatSeconds after the last one.
#[test]
fn heartbeats_restart_the_heartbeat_timeout() {
    let activity = "arn:aws:states:us-east-1:111111111111:activity:a";
    let def = single(json!({"Type": "Task", "Resource": activity, "End": true,
        "HeartbeatSeconds": 5, "TimeoutSeconds": 100}));
    let mut m = Manual::start(&def, json!({}));
    let task = m.tasks[0].task;
    m.signal(
        1_000,
        Signal::TaskStarted {
            task,
            worker_name: Some("w1".into()),
        },
    );
    m.signal(4_000, Signal::TaskHeartbeat { task });
    // The heartbeat clock started when the worker took the task (1 s); that first timer (due
    // at 6 s) was superseded by the heartbeat: firing it changes nothing.
    assert_eq!(m.fire_next_timer(), 6_000);
    assert_eq!(m.ex.status(), Status::Running);
    assert_eq!(m.fire_next_timer(), 9_000);
    assert_eq!(m.ex.status(), Status::Failed);
    assert_eq!(m.ex.error().unwrap().error, "States.Timeout");
    assert_history(
        &m.ex,
        "ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivityTimedOut \
         ExecutionFailed",
    );
    assert_eq!(
        details(&m.ex, "ActivityStarted"),
        json!({"workerName": "w1"})
    );
}

/// Variable quotas (design reference: 256 KiB per variable and per Assign).
#[test]
fn oversized_variables_fail_the_state() {
    let big = "x".repeat(200 * 1024);
    let one = pass(json!({"Assign": {"v": big.clone() + &big}}));
    assert_eq!(run_err(&one, json!({})).error, "States.DataLimitExceeded");
    let two = pass(json!({"Assign": {"a": big.clone(), "b": big.clone()}}));
    assert_eq!(run_err(&two, json!({})).error, "States.DataLimitExceeded");
    let fine = pass(json!({"Assign": {"a": big}}));
    run_ok(&fine, json!({}));
}
