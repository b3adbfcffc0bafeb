//! Retry and Catch as Step Functions applies them: which errors match, the delays between
//! attempts (checked on the history's timestamps in virtual time), per-retrier counters, jitter,
//! catchers' ResultPath/Output/Assign, and the history they leave.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};

/// A machine whose Task `T` has these retriers and catchers and then ends; catchers go to
/// `Caught` (a Pass, present only when there are catchers).
/// Empty lists are left out (AWS rejects `"Catch": []`).
fn guarded(retry: Value, catch: Value) -> String {
    let mut t = json!({"Type": "Task", "Resource": R, "End": true});
    let mut states = json!({});
    for (field, list) in [("Retry", retry), ("Catch", catch)] {
        if list.as_array().is_some_and(|l| !l.is_empty()) {
            t[field] = list;
            if field == "Catch" {
                states["Caught"] = json!({"Type": "Pass", "End": true});
            }
        }
    }
    states["T"] = t;
    json!({"StartAt": "T", "States": states}).to_string()
}

fn retrying(retry: Value) -> String {
    guarded(retry, json!([]))
}

/// `n` failures with this error, then the fallback (echo).
fn failing(n: usize, error: &str) -> Scripted {
    Scripted::echo().on(R, (0..n).map(|i| fail(error, &format!("attempt {i}"))))
}

/// Runs `T` with these retriers against `n` failures with `error`, input `{}`.
fn retried(retry: Value, n: usize, error: &str) -> (baton_engine::Execution, Scripted) {
    let mut tasks = failing(n, error);
    let ex = run_with(&retrying(retry), json!({}), &mut tasks);
    (ex, tasks)
}

/// When each attempt was scheduled, in seconds after the start.
fn attempt_times(ex: &baton_engine::Execution) -> Vec<f64> {
    offsets(ex, "TaskScheduled")
        .into_iter()
        .map(|ms| ms as f64 / 1000.0)
        .collect()
}

// ----- matching -----

#[test]
fn states_all_retries_any_error() {
    let (ex, tasks) = retried(json!([{"ErrorEquals": ["States.ALL"]}]), 2, "Custom");
    assert_eq!(output(&ex), json!({}));
    assert_eq!(tasks.calls.len(), 3);
}

#[test]
fn names_match_exactly_and_case_sensitively() {
    let (ex, tasks) = retried(json!([{"ErrorEquals": ["Custom"]}]), 1, "custom");
    assert_eq!(failure(&ex).error, "custom");
    assert_eq!(tasks.calls.len(), 1);
}

#[test]
fn task_failed_matches_custom_errors_but_not_timeouts() {
    let retry = json!([{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1}]);
    let mut tasks = failing(1, "Custom");
    assert_eq!(
        output(&run_with(&retrying(retry.clone()), json!(1), &mut tasks)),
        json!(1)
    );
    let mut tasks = failing(1, "States.Timeout");
    let ex = run_with(&retrying(retry), json!(1), &mut tasks);
    assert_eq!(failure(&ex).error, "States.Timeout");
    assert_eq!(tasks.calls.len(), 1);
}

#[test]
fn states_runtime_is_never_retried_nor_caught() {
    let def = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "Parameters": {"x.$": "$.missing"},
                  "Retry": [{"ErrorEquals": ["States.ALL"]}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Pass", "End": true}
        }
    });
    let mut tasks = Scripted::echo();
    let ex = run_with(&def.to_string(), json!({}), &mut tasks);
    assert_eq!(failure(&ex).error, "States.Runtime");
    assert!(tasks.calls.is_empty());
    assert_history(&ex, "ExecutionStarted TaskStateEntered ExecutionFailed");
    // Not even when a task reports it, nor when named explicitly.
    let mut tasks = failing(1, "States.Runtime");
    let ex = run_with(
        &guarded(
            json!([{"ErrorEquals": ["States.Runtime"]}]),
            json!([{"ErrorEquals": ["States.Runtime"], "Next": "Caught"}]),
        ),
        json!({}),
        &mut tasks,
    );
    assert_eq!(failure(&ex).error, "States.Runtime");
    assert_eq!(tasks.calls.len(), 1);
}

#[test]
fn the_first_matching_retrier_applies() {
    // The first retrier matching the error is used even if a later one allows more attempts.
    let retry = json!([
        {"ErrorEquals": ["E"], "MaxAttempts": 1, "IntervalSeconds": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1}
    ]);
    let (ex, tasks) = retried(retry, 3, "E");
    assert_eq!(failure(&ex).error, "E");
    assert_eq!(tasks.calls.len(), 2);
}

// ----- delays -----

#[test]
fn defaults_are_one_second_three_attempts_backoff_two() {
    let (ex, _) = retried(json!([{"ErrorEquals": ["E"]}]), 4, "E");
    assert_eq!(failure(&ex).error, "E");
    assert_eq!(attempt_times(&ex), [0.0, 1.0, 3.0, 7.0]);
}

#[test]
fn interval_times_backoff_rate_to_the_power_of_the_attempt() {
    let (ex, _) = retried(
        json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}]),
        3,
        "E",
    );
    assert_eq!(output(&ex), json!({}));
    // Delays 2, 6, 18.
    assert_eq!(attempt_times(&ex), [0.0, 2.0, 8.0, 26.0]);
    assert_eq!(offsets(&ex, "TaskStateExited"), [26_000]);
}

#[test]
fn fractional_backoff_rates() {
    let (ex, _) = retried(
        json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 1.5, "MaxAttempts": 3}]),
        3,
        "E",
    );
    // Delays 2, 3, 4.5.
    assert_eq!(attempt_times(&ex), [0.0, 2.0, 5.0, 9.5]);
}

#[test]
fn max_delay_seconds_caps_the_delay() {
    let (ex, _) = retried(
        json!([{"ErrorEquals": ["E"], "IntervalSeconds": 3, "BackoffRate": 4,
                         "MaxAttempts": 4, "MaxDelaySeconds": 20}]),
        4,
        "E",
    );
    // Delays 3, 12, min(48, 20), min(192, 20).
    assert_eq!(attempt_times(&ex), [0.0, 3.0, 15.0, 35.0, 55.0]);
}

#[test]
fn max_attempts_zero_never_retries() {
    let mut tasks = failing(1, "E");
    let ex = run_with(
        &guarded(
            json!([{"ErrorEquals": ["E"], "MaxAttempts": 0}]),
            json!([{"ErrorEquals": ["E"], "Next": "Caught"}]),
        ),
        json!({}),
        &mut tasks,
    );
    assert_eq!(output(&ex), json!({"Error": "E", "Cause": "attempt 0"}));
    assert_eq!(tasks.calls.len(), 1);
}

#[test]
fn each_retrier_counts_its_own_attempts() {
    let retry = json!([
        {"ErrorEquals": ["A"], "MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 10},
        {"ErrorEquals": ["B"], "MaxAttempts": 2, "IntervalSeconds": 5, "BackoffRate": 1}
    ]);
    // A, B, A, B use both retriers' two attempts; the third A fails the state.
    let mut tasks = Scripted::echo().on(
        R,
        [
            fail("A", "1"),
            fail("B", "2"),
            fail("A", "3"),
            fail("B", "4"),
            fail("A", "5"),
        ],
    );
    let ex = run_with(&retrying(retry), json!({}), &mut tasks);
    assert_eq!(failure(&ex).error, "A");
    assert_eq!(tasks.calls.len(), 5);
    // A's delays: 1 then 10 (its own second attempt); B's: 5 and 5.
    assert_eq!(attempt_times(&ex), [0.0, 1.0, 6.0, 16.0, 21.0]);
}

#[test]
fn retry_history_repeats_scheduled_started_inside_the_state() {
    let (ex, _) = retried(json!([{"ErrorEquals": ["E"]}]), 1, "E");
    assert_history(
        &ex,
        "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded",
    );
    assert_eq!(
        details(&ex, "TaskFailed"),
        json!({"resourceType": "lambda", "resource": "invoke", "error": "E", "cause": "attempt 0"})
    );
}

#[test]
fn full_jitter_stays_within_the_computed_delay() {
    let retry = json!([{"ErrorEquals": ["E"], "IntervalSeconds": 10, "BackoffRate": 2,
                        "MaxAttempts": 5, "JitterStrategy": "FULL"}]);
    let (ex, _) = retried(retry, 5, "E");
    let times = attempt_times(&ex);
    assert_eq!(times.len(), 6);
    let delays: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (k, d) in delays.iter().enumerate() {
        let cap = 10.0 * 2f64.powi(k as i32);
        assert!(*d >= 0.0 && *d <= cap, "delay {k} = {d}, cap {cap}");
    }
    // Jitter randomises: five delays all equal to their caps would mean no jitter.
    assert!(
        delays
            .iter()
            .enumerate()
            .any(|(k, d)| *d < 10.0 * 2f64.powi(k as i32))
    );
}

#[test]
fn full_jitter_respects_max_delay_seconds() {
    let retry = json!([{"ErrorEquals": ["E"], "IntervalSeconds": 50, "BackoffRate": 3,
                        "MaxAttempts": 4, "MaxDelaySeconds": 60, "JitterStrategy": "FULL"}]);
    let (ex, _) = retried(retry, 4, "E");
    for w in attempt_times(&ex).windows(2) {
        assert!(w[1] - w[0] <= 60.0, "{w:?}");
    }
}

#[test]
fn retry_then_catch_when_attempts_run_out() {
    let mut tasks = failing(10, "E");
    let ex = run_with(
        &guarded(
            json!([{"ErrorEquals": ["E"], "MaxAttempts": 2, "IntervalSeconds": 1}]),
            json!([{"ErrorEquals": ["E"], "Next": "Caught"}]),
        ),
        json!({}),
        &mut tasks,
    );
    assert_eq!(output(&ex), json!({"Error": "E", "Cause": "attempt 2"}));
    assert_eq!(tasks.calls.len(), 3);
}

// ----- Catch -----

#[test]
fn catch_history_task_failed_then_exited_then_next_state() {
    let mut tasks = failing(1, "E");
    let ex = run_with(
        &guarded(json!([]), json!([{"ErrorEquals": ["E"], "Next": "Caught"}])),
        json!({"in": 1}),
        &mut tasks,
    );
    assert_history(
        &ex,
        "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded",
    );
    let exited = details(&ex, "TaskStateExited");
    assert_eq!(
        parsed(&exited["output"]),
        json!({"Error": "E", "Cause": "attempt 0"})
    );
}

#[test]
fn catch_result_path_places_the_error_output() {
    let mut tasks = failing(1, "E");
    let ex = run_with(
        &guarded(
            json!([]),
            json!([{"ErrorEquals": ["E"], "ResultPath": "$.error", "Next": "Caught"}]),
        ),
        json!({"in": 1}),
        &mut tasks,
    );
    assert_eq!(
        output(&ex),
        json!({"in": 1, "error": {"Error": "E", "Cause": "attempt 0"}})
    );
    let mut tasks = failing(1, "E");
    let ex = run_with(
        &guarded(
            json!([]),
            json!([{"ErrorEquals": ["E"], "ResultPath": null, "Next": "Caught"}]),
        ),
        json!({"in": 1}),
        &mut tasks,
    );
    assert_eq!(output(&ex), json!({"in": 1}));
}

#[test]
fn catch_error_output_omits_a_missing_cause() {
    let mut tasks = Scripted::echo().on(R, [Err(baton_engine::StatesError::bare("E"))]);
    let ex = run_with(
        &guarded(json!([]), json!([{"ErrorEquals": ["E"], "Next": "Caught"}])),
        json!({}),
        &mut tasks,
    );
    assert_eq!(output(&ex), json!({"Error": "E"}));
}

#[test]
fn catchers_are_tried_in_order() {
    let def = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "End": true, "Catch": [
                {"ErrorEquals": ["Other"], "Next": "First"},
                {"ErrorEquals": ["E", "Other2"], "Next": "Second"},
                {"ErrorEquals": ["States.ALL"], "Next": "Third"}
            ]},
            "First": {"Type": "Pass", "Result": 1, "End": true},
            "Second": {"Type": "Pass", "Result": 2, "End": true},
            "Third": {"Type": "Pass", "Result": 3, "End": true}
        }
    });
    let result = |error: &str| {
        let mut tasks = failing(1, error);
        output(&run_with(&def.to_string(), json!({}), &mut tasks))
    };
    assert_eq!(result("Other"), json!(1));
    assert_eq!(result("E"), json!(2));
    assert_eq!(result("Other2"), json!(2));
    assert_eq!(result("Anything"), json!(3));
    assert_eq!(result("States.Timeout"), json!(3));
}

#[test]
fn uncaught_error_fails_the_execution_with_its_error_and_cause() {
    let mut tasks = failing(1, "E");
    let ex = run_with(
        &guarded(
            json!([]),
            json!([{"ErrorEquals": ["Other"], "Next": "Caught"}]),
        ),
        json!({}),
        &mut tasks,
    );
    let err = failure(&ex);
    assert_eq!(
        (err.error.as_str(), err.cause.as_deref()),
        ("E", Some("attempt 0"))
    );
    assert_history(
        &ex,
        "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed ExecutionFailed",
    );
    assert_eq!(
        details(&ex, "ExecutionFailed"),
        json!({"error": "E", "cause": "attempt 0"})
    );
}

#[test]
fn jsonata_catch_output_defaults_to_the_error_output() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "End": true,
                  "Catch": [{"ErrorEquals": ["E"], "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "End": true}
        }
    });
    let mut tasks = failing(1, "E");
    let ex = run_with(&def.to_string(), json!({"in": 1}), &mut tasks);
    assert_eq!(output(&ex), json!({"Error": "E", "Cause": "attempt 0"}));
}

#[test]
fn jsonata_catch_output_and_assign() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught",
                             "Output": {"err": "{% $states.errorOutput.Error %}", "in": "{% $states.input %}"},
                             "Assign": {"why": "{% $states.errorOutput.Cause %}"}}]},
            "Caught": {"Type": "Pass", "Output": {"o": "{% $states.input %}", "why": "{% $why %}"}, "End": true}
        }
    });
    let mut tasks = failing(1, "E");
    let ex = run_with(&def.to_string(), json!({"in": 1}), &mut tasks);
    assert_eq!(
        output(&ex),
        json!({"o": {"err": "E", "in": {"in": 1}}, "why": "attempt 0"})
    );
}

#[test]
fn jsonpath_catch_assign_reads_the_error_output() {
    let def = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught", "ResultPath": null,
                             "Assign": {"err.$": "$.Error", "input.$": "$$.Execution.Input"}}]},
            "Caught": {"Type": "Pass", "Parameters": {"err.$": "$err", "input.$": "$input", "state.$": "$"}, "End": true}
        }
    });
    let mut tasks = failing(1, "E");
    let ex = run_with(&def.to_string(), json!({"a": 1}), &mut tasks);
    assert_eq!(
        output(&ex),
        json!({"err": "E", "input": {"a": 1}, "state": {"a": 1}})
    );
}

#[test]
fn catch_handles_errors_of_the_state_itself_not_only_of_the_task() {
    // A ResultSelector path that does not resolve is a runtime error: not caught.
    let def = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "ResultSelector": {"x.$": "$.nope"}, "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "End": true}
        }
    });
    let ex = run(&def.to_string(), json!({}));
    assert_eq!(failure(&ex).error, "States.Runtime");
    // A Fail state inside a Parallel branch is caught on the Parallel.
    let def = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "End": true,
                  "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Inner", "Cause": "c"}}}],
                  "Catch": [{"ErrorEquals": ["Inner"], "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "End": true}
        }
    });
    assert_eq!(
        run_ok(&def.to_string(), json!({})),
        json!({"Error": "Inner", "Cause": "c"})
    );
}

#[test]
fn no_choice_matched_in_a_branch_is_caught_on_the_parallel() {
    let def = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "End": true,
                  "Branches": [{"StartAt": "C", "States": {
                      "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "X"}]},
                      "X": {"Type": "Succeed"}
                  }}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "H"}]},
            "H": {"Type": "Pass", "End": true}
        }
    });
    let out = run_ok(&def.to_string(), json!({"a": 2}));
    assert_eq!(out["a"], json!(2));
    assert_eq!(out["err"]["Error"], json!("States.NoChoiceMatched"));
}

#[test]
fn a_caught_state_can_loop_back_and_retries_restart_on_reentry() {
    // Retry counters belong to one visit of the state: re-entering starts them again.
    let def = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": R, "End": true,
                  "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                  "Catch": [{"ErrorEquals": ["E"], "Next": "Again", "ResultPath": "$.err"}]},
            "Again": {"Type": "Choice", "Choices": [
                {"Variable": "$.looped", "IsPresent": true, "Next": "Stop"}
            ], "Default": "Mark"},
            "Mark": {"Type": "Pass", "Result": true, "ResultPath": "$.looped", "Next": "T"},
            "Stop": {"Type": "Fail", "Error": "Looped"}
        }
    });
    let mut tasks = failing(10, "E");
    let ex = run_with(&def.to_string(), json!({}), &mut tasks);
    assert_eq!(failure(&ex).error, "Looped");
    // Two visits of T, two attempts each.
    assert_eq!(tasks.calls.len(), 4);
    assert_eq!(events_of(&ex, "TaskStateEntered").len(), 2);
}

/// conformance/sfn: test_service_task_lambada_data_limit_exceeded_on_large_utf8_response (and
/// the two bare-Lambda variants): a result over 256 KiB is recorded as a TaskFailed with
/// States.DataLimitExceeded (no TaskSucceeded), which a catcher then handles.
#[test]
fn an_over_limit_result_is_recorded_as_a_task_failure() {
    let def = json!({
        "StartAt": "InvokeLambda",
        "States": {
            "InvokeLambda": {"Type": "Task", "Resource": R, "Next": "ProcessResult",
                "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "HandleDataLimitExceeded"}]},
            "HandleDataLimitExceeded": {"Type": "Pass", "End": true},
            "ProcessResult": {"Type": "Pass", "End": true}
        }
    });
    let big = "x".repeat(300 * 1024);
    let mut tasks = Scripted::with(move |_| Ok(json!(big.clone())));
    let ex = run_with(&def.to_string(), json!({}), &mut tasks);
    let cause = "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.";
    assert_eq!(
        output(&ex),
        json!({"Error": "States.DataLimitExceeded", "Cause": cause})
    );
    assert_history(
        &ex,
        "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateExited \
         PassStateEntered PassStateExited ExecutionSucceeded",
    );
    assert_eq!(
        details(&ex, "TaskFailed"),
        json!({"resourceType": "lambda", "resource": "invoke", "error": "States.DataLimitExceeded", "cause": cause})
    );
}
