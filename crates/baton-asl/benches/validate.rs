//! Benchmark: validating (and linting) a 5,000-state definition. Target: under 50 ms.
//!
//! `cargo bench -p baton-asl --bench validate` prints the figures; it is a plain binary so that
//! it needs no benchmark framework and runs on stable.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use baton_asl::model::WorkflowType;
use baton_asl::{Options, analyze, lint};
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};

/// A definition with `n` top-level states of every common kind, chained with Next, with
/// Choice branches, Retry/Catch, payload templates, intrinsic calls and nested Parallel/Map.
fn definition(n: usize) -> String {
    let mut states = Map::new();
    let name = |i: usize| format!("State{i:05}");
    for i in 0..n {
        let next = if i + 1 < n {
            json!(name(i + 1))
        } else {
            Value::Null
        };
        let mut s = match i % 6 {
            0 => {
                json!({"Type": "Pass", "Parameters": {"id.$": "$.id", "msg.$": "States.Format('item {}', $.id)", "const": [1, 2, 3]}, "ResultPath": "$.pass"})
            }
            1 => json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "TimeoutSeconds": 30,
                "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "MaxAttempts": 3, "BackoffRate": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed", "ResultPath": "$.error"}]}),
            2 => json!({"Type": "Choice", "Choices": [
                {"And": [{"Variable": "$.n", "NumericGreaterThan": 3}, {"Variable": "$.s", "StringMatches": "a*"}], "Next": name((i + 1).min(n - 1))},
                {"Variable": "$.b", "BooleanEquals": true, "Next": "Failed"}], "Default": name((i + 1).min(n - 1))}),
            3 => json!({"Type": "Wait", "SecondsPath": "$.wait"}),
            4 => json!({"Type": "Map", "MaxConcurrency": 4, "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": format!("In{i}"), "States": {format!("In{i}"): {"Type": "Pass", "End": true}}}}),
            _ => json!({"Type": "Parallel", "Branches": [
                {"StartAt": format!("B{i}a"), "States": {format!("B{i}a"): {"Type": "Pass", "End": true}}},
                {"StartAt": format!("B{i}b"), "States": {format!("B{i}b"): {"Type": "Pass", "End": true}}}]}),
        };
        if s["Type"] != "Choice" {
            if next.is_null() {
                s["End"] = json!(true);
            } else {
                s["Next"] = next;
            }
        }
        states.insert(name(i), s);
    }
    states.insert("Failed".into(), json!({"Type": "Fail", "Error": "E"}));
    serde_json::to_string_pretty(&json!({"StartAt": name(0), "States": states})).unwrap()
}

fn measure(label: &str, runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{label:<44} median {:>8.2} ms   min {:>8.2} ms   ({runs} runs)",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
    median
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing else of note.
    let n = 5_000;
    let text = definition(n);
    let states = n + 1 + n / 6 * 3;
    println!(
        "definition: {n} top-level states ({states} in all), {} KiB",
        text.len() / 1024
    );
    let options = Options {
        workflow_type: WorkflowType::Standard,
        ..Options::default()
    };
    let check = analyze(&text, &options);
    assert!(
        check.is_valid(),
        "{:?}",
        &check.diagnostics[..check.diagnostics.len().min(3)]
    );
    let machine = check.machine.unwrap();
    let validate = measure("validate (parse + validate)", 30, || {
        std::hint::black_box(analyze(&text, &options));
    });
    measure("lint", 30, || {
        std::hint::black_box(lint::lint(&machine, WorkflowType::Standard));
    });
    let minified = serde_json::to_string(&serde_json::from_str::<Value>(&text).unwrap()).unwrap();
    measure("validate, minified (one line)", 30, || {
        std::hint::black_box(analyze(&minified, &options));
    });
    let verdict = if validate < Duration::from_millis(50) {
        "PASS"
    } else {
        "FAIL"
    };
    println!("target: validate a 5,000-state definition in under 50 ms: {verdict}");
}
