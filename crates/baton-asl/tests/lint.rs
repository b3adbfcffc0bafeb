//! Lints: each fires on the definition it is about, stays quiet on the fixed one, and can be
//! silenced for one state.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_asl::lint::{self, lint};
use baton_asl::model::WorkflowType;
use baton_asl::{Options, analyze};

fn lints_as(text: &str, workflow_type: WorkflowType) -> Vec<String> {
    let analysis = analyze(
        text,
        &Options {
            workflow_type,
            ..Options::default()
        },
    );
    let machine = analysis
        .machine
        .unwrap_or_else(|| panic!("invalid: {:?}", analysis.diagnostics));
    lint(&machine, workflow_type)
        .iter()
        .map(|d| format!("{} at {}", d.code, d.location.as_deref().unwrap_or("-")))
        .collect()
}

fn lints(text: &str) -> Vec<String> {
    lints_as(text, WorkflowType::Standard)
}

fn task(fields: &str) -> String {
    format!(r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task",{fields},"End":true}}}}}}"#)
}

const LAMBDA_RETRY: &str = r#""Retry":[{"ErrorEquals":["Lambda.ServiceException","Lambda.AWSLambdaException","Lambda.SdkClientException","Lambda.TooManyRequestsException"],"MaxAttempts":3}]"#;

#[test]
fn task_without_timeout() {
    let bad = task(r#""Resource":"arn:aws:states:::sns:publish""#);
    assert_eq!(lints(&bad), vec!["TASK_TIMEOUT at /States/T"]);
    let good = task(r#""Resource":"arn:aws:states:::sns:publish","TimeoutSeconds":30"#);
    assert!(lints(&good).is_empty());
    let path = task(r#""Resource":"arn:aws:states:::sns:publish","TimeoutSecondsPath":"$.t""#);
    assert!(lints(&path).is_empty());
}

#[test]
fn callback_without_heartbeat() {
    let bad = task(
        r#""Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","TimeoutSeconds":300"#,
    );
    assert_eq!(lints(&bad), vec!["CALLBACK_HEARTBEAT at /States/T"]);
    let activity = task(
        r#""Resource":"arn:aws:states:us-east-1:123456789012:activity:work","TimeoutSeconds":300"#,
    );
    assert_eq!(lints(&activity), vec!["CALLBACK_HEARTBEAT at /States/T"]);
    let good = task(
        r#""Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","TimeoutSeconds":300,"HeartbeatSeconds":60"#,
    );
    assert!(lints(&good).is_empty());
}

#[test]
fn lambda_without_transient_retry() {
    for resource in [
        "arn:aws:states:::lambda:invoke",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
    ] {
        let bad = task(&format!(r#""Resource":"{resource}","TimeoutSeconds":30"#));
        assert_eq!(lints(&bad), vec!["LAMBDA_RETRY at /States/T"], "{resource}");
        let good = task(&format!(
            r#""Resource":"{resource}","TimeoutSeconds":30,{LAMBDA_RETRY}"#
        ));
        assert!(lints(&good).is_empty(), "{resource}");
    }
    let all = task(
        r#""Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":30,"Retry":[{"ErrorEquals":["States.ALL"]}]"#,
    );
    assert!(lints(&all).is_empty());
    // MaxAttempts 0 retries nothing.
    let zero = task(
        r#""Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":30,"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}]"#,
    );
    assert_eq!(lints(&zero), vec!["LAMBDA_RETRY at /States/T"]);
}

#[test]
fn retriers_and_catchers_that_never_match() {
    let text = r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","TimeoutSeconds":5,
        "Retry":[{"ErrorEquals":["States.TaskFailed"]},{"ErrorEquals":["MyError"]},{"ErrorEquals":["States.Timout"]}],
        "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"End":true},"F":{"Type":"Fail"}}}"#;
    assert_eq!(
        lints(text),
        vec![
            "UNREACHABLE_RETRIER at /States/T/Retry[1]",
            "UNREACHABLE_RETRIER at /States/T/Retry[2]",
        ]
    );
    let catch = r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","TimeoutSeconds":5,
        "Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"F"},{"ErrorEquals":["MyError"],"Next":"F"}],"End":true},"F":{"Type":"Fail"}}}"#;
    assert_eq!(
        lints(catch),
        vec!["UNREACHABLE_CATCHER at /States/T/Catch[1]"]
    );
}

#[test]
fn loops_in_standard_workflows_only() {
    let text = r#"{"StartAt":"Check","States":{
        "Check":{"Type":"Choice","Choices":[{"Variable":"$.done","BooleanEquals":true,"Next":"End"}],"Default":"Wait"},
        "Wait":{"Type":"Wait","Seconds":5,"Next":"Check"},
        "End":{"Type":"Succeed"}}}"#;
    assert_eq!(lints(text), vec!["HISTORY_LOOP at /States/Check"]);
    assert!(lints_as(text, WorkflowType::Express).is_empty());
}

#[test]
fn map_without_max_concurrency() {
    let text = r#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}"#;
    assert_eq!(lints(text), vec!["MAP_CONCURRENCY at /States/M"]);
    let good = text.replace(r#""Type":"Map","#, r#""Type":"Map","MaxConcurrency":5,"#);
    assert!(lints(&good).is_empty(), "{good}");
}

#[test]
fn large_literal_payload() {
    let blob = "x".repeat(130 * 1024);
    let text = format!(
        r#"{{"StartAt":"P","States":{{"P":{{"Type":"Pass","Parameters":{{"blob":"{blob}"}},"End":true}}}}}}"#
    );
    assert_eq!(lints(&text), vec!["LARGE_PAYLOAD at /States/P/Parameters"]);
    let small = text.replace(&blob, "x");
    assert!(lints(&small).is_empty());
}

#[test]
fn one_lint_silenced_for_one_state() {
    let text = r#"{"StartAt":"A","States":{
        "A":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Comment":"fire and forget baton:allow(TASK_TIMEOUT)","Next":"B"},
        "B":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","End":true}}}"#;
    assert_eq!(lints(text), vec!["TASK_TIMEOUT at /States/B"]);
}

#[test]
fn silencing_markers_parse() {
    assert_eq!(
        lint::silenced_in_comment("x baton:allow(A, B) y baton:allow(C)"),
        vec!["A", "B", "C"]
    );
    assert!(lint::silenced_in_comment("baton:allow(").is_empty());
}

#[test]
fn every_lint_has_a_docs_page() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/lints");
    for (code, _) in lint::ALL {
        let page = docs.join(format!("{code}.md"));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert!(text.starts_with(&format!("# {code}")), "{}", page.display());
    }
}
