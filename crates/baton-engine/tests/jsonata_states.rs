//! JSONata states: Arguments, Output and Assign, `$states`, variables, Step Functions' own
//! functions, and the `States.QueryEvaluationError` failures with AWS's causes and
//! `EvaluationFailed` events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};

/// A JSONata machine of these states, starting at the first one named.
fn jsonata(start: &str, states: Value) -> String {
    json!({"QueryLanguage": "JSONata", "StartAt": start, "States": states}).to_string()
}

/// A JSONata machine of one Pass state `S` with this Output.
fn output_of(expr: Value) -> String {
    jsonata(
        "S",
        json!({"S": {"Type": "Pass", "Output": expr, "End": true}}),
    )
}

/// The value of one expression on an input.
fn eval(expr: &str, input: Value) -> Value {
    run_ok(&output_of(json!(format!("{{% {expr} %}}"))), input)
}

#[test]
fn task_arguments_output_and_states_result() {
    let def = jsonata(
        "T",
        json!({"T": {"Type": "Task", "Resource": R, "End": true,
            "Arguments": {"id": "{% $states.input.id %}", "fixed": [1, "{% 1 + 1 %}"]},
            "Output": {"got": "{% $states.result.answer %}", "in": "{% $states.input.id %}"}}}),
    );
    let mut tasks = Scripted::echo().on(R, [Ok(json!({"answer": 42}))]);
    let ex = run_with(&def, json!({"id": "x"}), &mut tasks);
    assert_eq!(tasks.calls[0].input, json!({"id": "x", "fixed": [1, 2]}));
    assert_eq!(output(&ex), json!({"got": 42, "in": "x"}));
}

#[test]
fn defaults_arguments_are_the_input_and_output_the_result() {
    let def = jsonata(
        "T",
        json!({"T": {"Type": "Task", "Resource": R, "End": true}}),
    );
    let mut tasks = Scripted::echo().on(R, [Ok(json!("result"))]);
    let ex = run_with(&def, json!({"in": 1}), &mut tasks);
    assert_eq!(tasks.calls[0].input, json!({"in": 1}));
    assert_eq!(output(&ex), json!("result"));
    // Pass states output their input.
    assert_eq!(
        run_ok(
            &jsonata("S", json!({"S": {"Type": "Pass", "End": true}})),
            json!([1])
        ),
        json!([1])
    );
}

#[test]
fn output_may_be_any_json_value_or_a_single_expression() {
    assert_eq!(run_ok(&output_of(json!(7)), json!({})), json!(7));
    assert_eq!(
        run_ok(&output_of(json!({"a": [true, null, "s"]})), json!({})),
        json!({"a": [true, null, "s"]})
    );
    assert_eq!(
        run_ok(
            &output_of(json!("{% $states.input.v * 2 %}")),
            json!({"v": 4})
        ),
        json!(8)
    );
    // A string that does not start with {% and end with %} is a literal.
    assert_eq!(
        run_ok(&output_of(json!(" {% 1 %}")), json!({})),
        json!(" {% 1 %}")
    );
}

#[test]
fn states_context_exposes_the_context_object() {
    let out = eval(
        "{'name': $states.context.Execution.Name, 'state': $states.context.State.Name, 'start': $states.context.Execution.StartTime, 'input': $states.context.Execution.Input, 'sm': $states.context.StateMachine.Name}",
        json!({"a": 1}),
    );
    assert_eq!(
        out,
        json!({"name": "exec", "state": "S", "start": "2025-01-01T00:00:00.000Z", "input": {"a": 1}, "sm": "sm"})
    );
}

#[test]
fn assign_and_output_see_the_same_entry_values() {
    let def = jsonata(
        "A",
        json!({
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
            "B": {"Type": "Pass", "Assign": {"x": "{% $x + 10 %}", "y": "{% $x %}"},
                  "Output": {"x": "{% $x %}"}, "Next": "C"},
            "C": {"Type": "Pass", "Output": {"x": "{% $x %}", "y": "{% $y %}"}, "End": true}
        }),
    );
    let ex = run(&def, json!({}));
    assert_eq!(output(&ex), json!({"x": 11, "y": 1}));
    // B's Output read x from before B's Assign.
    let exited = events_of(&ex, "PassStateExited");
    let b = event_details(exited[1]);
    assert_eq!(parsed(&b["output"]), json!({"x": 1}));
    assert_eq!(b["assignedVariables"], json!({"x": "11", "y": "1"}));
}

#[test]
fn task_assign_reads_the_result() {
    let def = jsonata(
        "T",
        json!({
            "T": {"Type": "Task", "Resource": R, "Assign": {"r": "{% $states.result.v %}"},
                  "Output": "{% $states.input %}", "Next": "P"},
            "P": {"Type": "Pass", "Output": {"r": "{% $r %}", "in": "{% $states.input %}"}, "End": true}
        }),
    );
    let mut tasks = Scripted::echo().on(R, [Ok(json!({"v": "from task"}))]);
    let ex = run_with(&def, json!({"q": 1}), &mut tasks);
    assert_eq!(output(&ex), json!({"r": "from task", "in": {"q": 1}}));
}

#[test]
fn step_functions_functions() {
    assert_eq!(
        eval("$partition([1, 2, 3, 4, 5], 2)", json!({})),
        json!([[1, 2], [3, 4], [5]])
    );
    assert_eq!(
        eval("$range(0, 10, 2)", json!({})),
        json!([0, 2, 4, 6, 8, 10])
    );
    assert_eq!(eval("$range(3, 1, -1)", json!({})), json!([3, 2, 1]));
    assert_eq!(
        eval("$hash('abc', 'SHA-256')", json!({})),
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(
        eval("$hash('abc', 'MD5')", json!({})),
        json!("900150983cd24fb0d6963f7d28e17f72")
    );
    assert_eq!(
        eval(
            "$parse($states.input.text)",
            json!({"text": "{\"a\": [1, {\"b\": null}]}"})
        ),
        json!({"a": [1, {"b": null}]})
    );
    let uuid = eval("$uuid()", json!({}));
    let uuid = uuid.as_str().unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(uuid.matches('-').count(), 4);
    assert_eq!(&uuid[14..15], "4");
    let r = eval("$random()", json!({})).as_f64().unwrap();
    assert!((0.0..1.0).contains(&r));
    // The same seed gives the same number.
    assert_eq!(eval("$random(7) = $random(7)", json!({})), json!(true));
}

#[test]
fn standard_jsonata_functions_work() {
    assert_eq!(
        eval(
            "{'sum': $sum($states.input.n), 'up': $uppercase('a'), 'joined': $join(['a','b'], '-'), 'keys': $keys($states.input)}",
            json!({"n": [1, 2, 3]})
        ),
        json!({"sum": 6, "up": "A", "joined": "a-b", "keys": "n"})
    );
}

#[test]
fn eval_is_refused() {
    let ex = run(&output_of(json!("{% $eval('1 + 1') %}")), json!({}));
    let err = failure(&ex);
    assert_eq!(err.error, "States.QueryEvaluationError");
    let cause = err.cause.unwrap();
    assert!(
        cause.starts_with(
            "An error occurred while executing the state 'S' (entered at the event id #2). The JSONata expression '$eval('1 + 1')' specified for the field 'Output' threw an error during evaluation."
        ),
        "{cause}"
    );
}

#[test]
fn undefined_results_fail_with_query_evaluation_error() {
    let def = jsonata(
        "State0",
        json!({"State0": {"Type": "Pass", "Output": {"v": "{% $states.input.nope %}"}, "End": true}}),
    );
    let ex = run(&def, json!({}));
    let err = failure(&ex);
    let cause = "An error occurred while executing the state 'State0' (entered at the event id #2). The JSONata expression '$states.input.nope' specified for the field 'Output/v' returned nothing (undefined).";
    assert_eq!(err.error, "States.QueryEvaluationError");
    assert_eq!(err.cause.as_deref(), Some(cause));
    assert_history(
        &ex,
        "ExecutionStarted PassStateEntered EvaluationFailed ExecutionFailed",
    );
    assert_eq!(
        details(&ex, "EvaluationFailed"),
        json!({"error": "States.QueryEvaluationError", "cause": cause, "location": "Output/v", "state": "State0"})
    );
    assert_eq!(
        details(&ex, "ExecutionFailed"),
        json!({"error": "States.QueryEvaluationError", "cause": cause})
    );
}

#[test]
fn undefined_in_arguments_and_assign_name_their_field() {
    // As recorded from AWS (conformance/sfn: the `$doesNotExist` cases).
    let field = |state: Value| {
        let def = jsonata("State0", json!({"State0": state}));
        details(&run(&def, json!({})), "EvaluationFailed")["location"].clone()
    };
    assert_eq!(
        field(
            json!({"Type": "Task", "Resource": R, "Arguments": "{% $doesNotExist %}", "End": true})
        ),
        json!("Arguments")
    );
    assert_eq!(
        field(
            json!({"Type": "Task", "Resource": R, "Arguments": {"FunctionName": "{% $doesNotExist %}"}, "End": true})
        ),
        json!("Arguments/FunctionName")
    );
    assert_eq!(
        field(json!({"Type": "Pass", "Assign": {"result": "{% $doesNotExist %}"}, "End": true})),
        json!("Assign/result")
    );
    assert_eq!(
        field(json!({"Type": "Pass", "Output": {"values": ["{% $doesNotExist %}"]}, "End": true})),
        json!("Output/values[0]")
    );
}

#[test]
fn query_evaluation_errors_can_be_caught_and_retried() {
    let def = jsonata(
        "T",
        json!({
            "T": {"Type": "Task", "Resource": R, "Output": "{% $states.result.missing %}", "End": true,
                  "Retry": [{"ErrorEquals": ["States.QueryEvaluationError"], "MaxAttempts": 1}],
                  "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "C"}]},
            "C": {"Type": "Pass", "Output": "{% $states.input.Error %}", "End": true}
        }),
    );
    let mut tasks = Scripted::echo();
    let ex = run_with(&def, json!({}), &mut tasks);
    assert_eq!(output(&ex), json!("States.QueryEvaluationError"));
    assert_eq!(tasks.calls.len(), 2);
    assert_eq!(events_of(&ex, "EvaluationFailed").len(), 2);
}

#[test]
fn jsonata_choice_conditions_and_rule_output() {
    let def = jsonata(
        "C",
        json!({
            "C": {"Type": "Choice", "Choices": [
                {"Condition": "{% $states.input.n > 10 %}", "Next": "Big", "Output": {"size": "big"}},
                {"Condition": "{% $states.input.n > 5 %}", "Next": "Big", "Assign": {"mid": true}}
            ], "Default": "Small", "Output": {"size": "default output"}},
            "Big": {"Type": "Pass", "End": true},
            "Small": {"Type": "Pass", "Output": {"n": "{% $states.input %}"}, "End": true}
        }),
    );
    assert_eq!(run_ok(&def, json!({"n": 11})), json!({"size": "big"}));
    assert_eq!(
        run_ok(&def, json!({"n": 6})),
        json!({"size": "default output"})
    );
    // Taking Default applies the state's Output too (conformance/sfn test_output_in_choice).
    assert_eq!(
        run_ok(&def, json!({"n": 1})),
        json!({"n": {"size": "default output"}})
    );
}

#[test]
fn jsonata_choice_condition_must_be_boolean() {
    let def = jsonata(
        "C",
        json!({
            "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "X"}]},
            "X": {"Type": "Succeed"}
        }),
    );
    let err = run_err(&def, json!({"n": 1}));
    assert_eq!(err.error, "States.QueryEvaluationError");
    assert!(err.cause.unwrap().ends_with(
        "The JSONata expression '$states.input.n' specified for the field 'Choices[0]/Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 1"
    ));
}

#[test]
fn jsonata_wait_seconds_and_timestamp() {
    let def = jsonata(
        "W",
        json!({
            "W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "Next": "V"},
            "V": {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "Next": "P"},
            "P": {"Type": "Pass", "Output": "{% $states.context.State.EnteredTime %}", "End": true}
        }),
    );
    let ex = run(&def, json!({"s": 60, "at": "2025-01-01T01:00:00Z"}));
    assert_eq!(output(&ex), json!("2025-01-01T01:00:00.000Z"));
    assert_eq!(offsets(&ex, "WaitStateExited"), [60_000, 3_600_000]);
}

#[test]
fn jsonata_wait_seconds_must_be_a_non_negative_integer() {
    let def = jsonata(
        "W",
        json!({"W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "End": true}}),
    );
    for bad in [json!(-1), json!(1.5), json!("10")] {
        let err = run_err(&def, json!({"s": bad}));
        assert_eq!(err.error, "States.QueryEvaluationError", "{bad}");
    }
}

#[test]
fn jsonata_fail_error_and_cause_expressions() {
    let def = jsonata(
        "F",
        json!({"F": {"Type": "Fail", "Error": "{% $states.input.code %}", "Cause": "{% 'because ' & $states.input.why %}"}}),
    );
    let err = run_err(&def, json!({"code": "Dyn.Error", "why": "x"}));
    assert_eq!(err.error, "Dyn.Error");
    assert_eq!(err.cause.as_deref(), Some("because x"));
}

#[test]
fn jsonata_variables_cross_into_parallel_branches_read_only() {
    let def = jsonata(
        "A",
        json!({
            "A": {"Type": "Pass", "Assign": {"v": 1}, "Next": "P"},
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"w": 2}, "Next": "B2"},
                                           "B2": {"Type": "Pass", "Output": "{% $v + $w %}", "End": true}}}
            ], "Output": "{% $states.result[0] + $v %}"}
        }),
    );
    assert_eq!(run_ok(&def, json!({})), json!(4));
}

#[test]
fn jsonpath_and_jsonata_states_mix() {
    let def = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Parameters": {"a.$": "$.x"}, "Assign": {"v": 5}, "Next": "J"},
            "J": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.a + $v %}", "End": true}
        }
    });
    assert_eq!(run_ok(&def.to_string(), json!({"x": 1})), json!(6));
}

#[test]
fn assign_outputs_large_values_in_history_as_json_text() {
    let def = jsonata(
        "A",
        json!({"A": {"Type": "Pass", "Assign": {"obj": {"k": [1, "{% 'two' %}"]}}, "End": true}}),
    );
    let ex = run(&def, json!({}));
    let exited = details(&ex, "PassStateExited");
    let text = exited["assignedVariables"]["obj"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"k": [1, "two"]})
    );
}

#[test]
fn jsonata_task_credentials_timeout_and_heartbeat_expressions() {
    let def = jsonata(
        "T",
        json!({"T": {"Type": "Task", "Resource": R, "End": true,
            "Credentials": {"RoleArn": "{% $states.input.role %}"},
            "TimeoutSeconds": "{% $states.input.t %}", "HeartbeatSeconds": "{% 2 %}"}}),
    );
    let role = "arn:aws:iam::222222222222:role/x";
    let m = Manual::start(&def, json!({"role": role, "t": 3}));
    let request = &m.tasks[0];
    assert_eq!(request.credentials, Some(json!({"RoleArn": role}).into()));
    assert_eq!(
        (request.timeout_seconds, request.heartbeat_seconds),
        (Some(3), Some(2))
    );
    let scheduled = details(&m.ex, "TaskScheduled");
    assert_eq!(scheduled["taskCredentials"], json!({"roleArn": role}));
    assert_eq!(scheduled["timeoutInSeconds"], json!(3));
}

#[test]
fn jsonata_map_concurrency_expression_and_assign_from_the_result() {
    let def = jsonata(
        "M",
        json!({
            "M": {"Type": "Map", "Next": "N", "MaxConcurrency": "{% 1 %}",
                  "Assign": {"n": "{% $count($states.result) %}"},
                  "ItemProcessor": {"StartAt": "W", "States": {
                      "W": {"Type": "Wait", "Seconds": "{% $states.input %}", "End": true}
                  }}},
            "N": {"Type": "Pass", "Output": "{% $n %}", "End": true}
        }),
    );
    let ex = run(&def, json!([2, 3, 1]));
    assert_eq!(output(&ex), json!(3));
    assert_eq!(offsets(&ex, "MapIterationStarted"), [0, 2_000, 5_000]);
}

/// Design reference §2.5 and §4.3: every JSONata failure is preceded by an EvaluationFailed
/// event, its cause carries the "An error occurred while executing the state ..." prefix, and
/// the field path names the catcher (`Catch[1]/Output/v`).
#[test]
fn failing_catch_output_is_reported_like_other_evaluation_errors() {
    let def = jsonata(
        "T",
        json!({
            "T": {"Type": "Task", "Resource": R, "End": true, "Catch": [
                {"ErrorEquals": ["Other"], "Next": "C"},
                {"ErrorEquals": ["States.ALL"], "Next": "C", "Output": {"v": "{% $nope %}"}}
            ]},
            "C": {"Type": "Pass", "End": true}
        }),
    );
    let mut tasks = Scripted::echo().on(R, [fail("E", "c")]);
    let ex = run_with(&def, json!({}), &mut tasks);
    let err = failure(&ex);
    assert_eq!(err.error, "States.QueryEvaluationError");
    assert_eq!(
        err.cause.as_deref(),
        Some(
            "An error occurred while executing the state 'T' (entered at the event id #2). The JSONata expression '$nope' specified for the field 'Catch[1]/Output/v' returned nothing (undefined)."
        )
    );
    assert_eq!(
        details(&ex, "EvaluationFailed")["location"],
        json!("Catch[1]/Output/v")
    );
}

/// conformance/sfn: test_output_in_choice[CONDITION_FALSE]: when no rule matches, the Choice
/// state's own Output still applies on the way to Default (AWS's ChoiceStateExited output is
/// "Default Output block"); the final status alone (FAILED) does not show it.
#[test]
fn jsonata_choice_default_applies_the_state_output() {
    let def = jsonata(
        "ChoiceState",
        json!({
            "ChoiceState": {"Type": "Choice", "Choices": [
                {"Condition": "{% $states.input.condition %}", "Next": "ConditionTrue", "Output": "Condition Output block"}
            ], "Default": "DefaultState", "Output": "Default Output block"},
            "ConditionTrue": {"Type": "Pass", "End": true},
            "DefaultState": {"Type": "Pass", "End": true}
        }),
    );
    assert_eq!(
        run_ok(&def, json!({"condition": true})),
        json!("Condition Output block")
    );
    assert_eq!(
        run_ok(&def, json!({"condition": false})),
        json!("Default Output block")
    );
}

/// conformance/sfn: in every recorded JSONata evaluation failure of an expression
/// (test_undefined_reference[*], test_map_state_items_eval_jsonata_fail[*], ...) the
/// EvaluationFailed event's previousEventId is that of the state's Entered event (0 for the
/// first state), not the Entered event itself.
#[test]
fn evaluation_failed_follows_the_event_before_the_state() {
    let def = jsonata(
        "State0",
        json!({"State0": {"Type": "Pass", "Output": "{% $doesNotExist %}", "End": true}}),
    );
    let events = aws_events(&run(&def, json!({})));
    assert_eq!(events[2]["type"], json!("EvaluationFailed"));
    assert_eq!(events[2]["previousEventId"], json!(0));
    assert_eq!(events[3]["previousEventId"], json!(3));
    let def = jsonata(
        "First",
        json!({
            "First": {"Type": "Pass", "Next": "Second"},
            "Second": {"Type": "Pass", "Output": "{% $doesNotExist %}", "End": true}
        }),
    );
    let events = aws_events(&run(&def, json!({})));
    // Entered #4 follows #3; EvaluationFailed #5 follows #3 too.
    assert_eq!(events[4]["type"], json!("EvaluationFailed"));
    assert_eq!(events[4]["previousEventId"], json!(3));
}

/// conformance/sfn: test_wait_timestamp_jsonata[NO_Z] (and INVALID_DATE, INVALID_ISO,
/// INVALID_TIME, NO_T) record `"location": "Timestamp"` in EvaluationFailed.
#[test]
fn jsonata_wait_timestamp_errors_name_their_location() {
    let def = jsonata(
        "WaitState",
        json!({"WaitState": {"Type": "Wait", "Timestamp": "{% $states.input.TimestampValue %}", "End": true}}),
    );
    let ex = run(&def, json!({"TimestampValue": "2016-12-05T21:29:29"}));
    let cause = "An error occurred while executing the state 'WaitState' (entered at the event id #2). The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-12-05T21:29:29";
    assert_eq!(failure(&ex).cause.as_deref(), Some(cause));
    assert_eq!(
        details(&ex, "EvaluationFailed"),
        json!({"error": "States.QueryEvaluationError", "cause": cause, "location": "Timestamp", "state": "WaitState"})
    );
}

/// JSONata's `$now()` and `$millis()` give the time of evaluation (AWS: the current time).
/// Baton's core reads no clock, so they must come from the execution's time: here the virtual
/// time after a 10-second Wait.
#[test]
fn jsonata_now_is_the_execution_time() {
    let def = jsonata(
        "W",
        json!({
            "W": {"Type": "Wait", "Seconds": 10, "Next": "S"},
            "S": {"Type": "Pass", "Output": {"now": "{% $now() %}", "millis": "{% $millis() %}"}, "End": true}
        }),
    );
    assert_eq!(
        run_ok(&def, json!({})),
        json!({"now": "2025-01-01T00:00:10.000Z", "millis": START + 10_000})
    );
}

/// `$uuid()` gives a fresh v4 UUID on every call (docs: Step Functions' JSONata functions), and
/// `$random()` without a seed a fresh number. Baton restarts their generator from a fixed seed
/// for every expression, so every call in every state of every execution returns the same
/// UUID (and the same first random number).
#[test]
fn jsonata_uuid_and_random_differ_between_calls() {
    let def = jsonata(
        "A",
        json!({
            "A": {"Type": "Pass", "Assign": {"first": "{% $uuid() %}", "r1": "{% $random() %}"}, "Next": "B"},
            "B": {"Type": "Pass", "Output": {
                "first": "{% $first %}", "second": "{% $uuid() %}", "third": "{% $uuid() %}",
                "r1": "{% $r1 %}", "r2": "{% $random() %}"
            }, "End": true}
        }),
    );
    let out = run_ok(&def, json!({}));
    assert_ne!(out["first"], out["second"]);
    assert_ne!(out["second"], out["third"]);
    assert_ne!(out["r1"], out["r2"]);
    // Executions with different seeds get different values.
    let mut other = info();
    other.seed += 1;
    let ex = run_as(&def, other, json!({}), baton_engine::driver::Clock::Virtual);
    assert_ne!(output(&ex)["first"], out["first"]);
}
