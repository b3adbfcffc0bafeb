//! Runs the `class: pure` executions recorded from real AWS (`conformance/sfn/localstack-sfn.jsonl`)
//! through the in-process driver and compares status, output, error and cause, and the sequence
//! of history event types and state names, modulo the snapshot placeholders the corpus README
//! describes (`common/sfn_cases.rs`).
//!
//! Differences still open are listed in `tests/known-failures.txt`, which may only shrink: a listed
//! case that passes fails the run. `BATON_WRITE_KNOWN_FAILURES=1` rewrites the list.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/sfn_cases.rs"]
mod sfn_cases;

use baton_asl::model::WorkflowType;
use baton_asl::source::SourceFormat;
use baton_asl::{Options, analyze};
use baton_engine::driver::{self, Clock, NoTargets};
use baton_engine::{ExecutionInfo, HistoryEvent};
use serde_json::Value;
use sfn_cases::Outcome;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

fn manifest(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn run_case(case: &Value) -> Result<(), String> {
    sfn_cases::set_wildcards(case);
    let ex = execute(case)?;
    sfn_cases::compare(
        case,
        &Outcome {
            status: ex.status().as_str().to_string(),
            output: ex.output().map(|o| o.to_value()),
            error: ex.error().map(|e| e.error.clone()),
            cause: ex.error().and_then(|e| e.cause.clone()),
            history: Some(ex.history().iter().map(HistoryEvent::to_aws_json).collect()),
        },
    )
}

fn execute(case: &Value) -> Result<baton_engine::Execution, String> {
    let definition = case["definition"].to_string();
    let workflow_type = match case["state_machine_type"].as_str() {
        Some("EXPRESS") => WorkflowType::Express,
        _ => WorkflowType::Standard,
    };
    let analysis = analyze(
        &definition,
        &Options {
            workflow_type,
            format: SourceFormat::Json,
        },
    );
    let Some(machine) = analysis.machine else {
        return Err(format!(
            "definition rejected: {:?}",
            analysis.diagnostics.first()
        ));
    };
    let info = ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:111111111111:execution:sm:exec".into(),
        name: "exec".into(),
        state_machine_arn: "arn:aws:states:us-east-1:111111111111:stateMachine:sm".into(),
        state_machine_name: "sm".into(),
        role_arn: "arn:aws:iam::111111111111:role/snf_role_arn".into(),
        // Inputs derived from the wall clock assume 2025-01-01T00:00:00Z (corpus README).
        start_millis: 1_735_689_600_000,
        seed: 7,
    };
    let input = case.get("input").cloned().unwrap_or(Value::Null);
    let input = if input.is_null() {
        serde_json::json!({})
    } else {
        input
    };
    Ok(driver::run(
        Arc::new(machine),
        info,
        input,
        &mut NoTargets,
        Clock::Virtual,
    ))
}

/// The details text the store keeps for each event (`HistoryEvent::write_details`, which
/// renders without the wire form) is the wire form's details, for every event of every case.
#[test]
fn stored_details_are_the_wire_details() {
    let mut events = 0;
    for (id, case) in
        sfn_cases::runnable_cases(&manifest("../../conformance/sfn/localstack-sfn.jsonl"))
    {
        let Ok(Ok(ex)) = std::panic::catch_unwind(|| execute(&case)) else {
            continue;
        };
        for event in ex.history() {
            let wire = event.to_aws_json();
            let expected = event
                .event_type
                .details_field()
                .and_then(|field| wire.get(field));
            let mut text = String::new();
            event.write_details(&mut text, &mut |payload, out| {
                baton_json::write_string_literal(&payload.to_json_string(), out);
            });
            let stored: Option<Value> =
                (!text.is_empty()).then(|| serde_json::from_str(&text).unwrap());
            assert_eq!(
                stored.as_ref(),
                expected,
                "{id}: event {}: {text}",
                event.id
            );
            if let Some(expected) = expected {
                assert_eq!(text, expected.to_string(), "{id}: event {}", event.id);
            }
            events += 1;
        }
    }
    assert!(events > 3_000, "only {events} events compared");
}

#[test]
fn pure_executions_match_aws() {
    let mut outcomes: BTreeMap<String, Result<(), String>> = BTreeMap::new();
    for (id, case) in
        sfn_cases::runnable_cases(&manifest("../../conformance/sfn/localstack-sfn.jsonl"))
    {
        let outcome = std::panic::catch_unwind(|| run_case(&case))
            .unwrap_or_else(|_| Err("panicked".to_string()));
        outcomes.insert(id, outcome);
    }
    let (passed, total) = sfn_cases::check_known(
        &outcomes,
        &manifest("tests/known-failures.txt"),
        "Pure executions where Baton still differs from AWS",
    );
    println!("pure executions: {passed} of {total} match AWS");
}
