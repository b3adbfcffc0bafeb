//! Conformance with real AWS, from the corpora vendored in `conformance/sfn/` (recorded by
//! LocalStack's test suite against AWS; see that folder's README).
//!
//! - Every definition in `localstack-sfn.jsonl` was accepted by AWS: zero ERROR diagnostics.
//! - `localstack-sfn-validation.jsonl`: rejected definitions are rejected with AWS's message;
//!   accepted ones are valid; `variableReferences` match AWS's analysis.
//!
//! Cases where Baton still differs are listed in `tests/known-failures.txt`, which may only
//! shrink: a listed case that passes fails the run, so the list is kept honest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_asl::diagnostic::invalid_definition_message;
use baton_asl::model::WorkflowType;
use baton_asl::source::SourceFormat;
use baton_asl::variables::variable_references;
use baton_asl::{Options, Severity, analyze};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../conformance/sfn")
}

fn read_cases(file: &str) -> Vec<Value> {
    let path = corpus_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is JSON"))
        .collect()
}

fn known_failures() -> BTreeSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/known-failures.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn options(workflow_type: Option<&str>) -> Options {
    Options {
        workflow_type: match workflow_type {
            Some("EXPRESS") => WorkflowType::Express,
            _ => WorkflowType::Standard,
        },
        format: SourceFormat::Json,
    }
}

/// Checks outcomes against the known-failures list: every unlisted failure and every listed
/// case that now passes is reported.
fn settle(suite: &str, outcomes: Vec<(String, Result<(), String>)>) {
    let known = known_failures();
    let total = outcomes.len();
    let mut problems = Vec::new();
    let mut passed = 0;
    for (id, outcome) in outcomes {
        let key = format!("{suite}:{id}");
        match (outcome, known.contains(&key)) {
            (Ok(()), false) => passed += 1,
            (Ok(()), true) => problems.push(format!(
                "{key}: passes now; remove it from tests/known-failures.txt"
            )),
            (Err(_), true) => {}
            (Err(why), false) => problems.push(format!("{key}: {why}")),
        }
    }
    println!("{suite}: {passed} of {total} cases pass");
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A single state given to the TestState API, wrapped into a machine whose transitions resolve.
fn wrap_single_state(state: &Value) -> Value {
    let mut states = Map::new();
    states.insert("S".into(), state.clone());
    let mut targets = Vec::new();
    if let Some(t) = state.get("Next").and_then(Value::as_str) {
        targets.push(t.to_string());
    }
    if let Some(t) = state.get("Default").and_then(Value::as_str) {
        targets.push(t.to_string());
    }
    for key in ["Choices", "Catch"] {
        for item in state
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = item.get("Next").and_then(Value::as_str) {
                targets.push(t.to_string());
            }
        }
    }
    for t in targets {
        if t != "S" {
            states.insert(t, json!({"Type": "Succeed"}));
        }
    }
    json!({"StartAt": "S", "States": states})
}

fn errors_text(diags: &[baton_asl::Diagnostic]) -> String {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.aws_text())
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn every_definition_aws_ran_is_valid() {
    let mut outcomes = Vec::new();
    for case in read_cases("localstack-sfn.jsonl") {
        let id = case["id"].as_str().unwrap_or("?").to_string();
        let Some(definition) = case.get("definition").filter(|d| d.is_object()) else {
            continue; // definition_raw only: deployed via CloudFormation/CDK, not recorded.
        };
        let expected_message = case["expected"]["message"].as_str().unwrap_or("");
        if case["kind"] == "test_state"
            && case["expected"]["error_code"] == "InvalidDefinition"
            && expected_message.starts_with("Invalid State Machine Definition")
        {
            // AWS rejected this one: it must be rejected with the same message.
            let wrapped = if definition.get("States").is_some() {
                definition.clone()
            } else {
                wrap_single_state(definition)
            };
            let analysis = analyze(&wrapped.to_string(), &options(None));
            let ours = invalid_definition_message(&analysis.diagnostics);
            let outcome = if ours == expected_message {
                Ok(())
            } else {
                Err(format!("expected {expected_message:?}, got {ours:?}"))
            };
            outcomes.push((id, outcome));
            continue;
        }
        let text = if definition.get("States").is_some() {
            definition.to_string()
        } else {
            wrap_single_state(definition).to_string()
        };
        let analysis = analyze(&text, &options(case["state_machine_type"].as_str()));
        let outcome = if analysis.is_valid() {
            Ok(())
        } else {
            Err(format!(
                "AWS accepted it, Baton says: {}",
                errors_text(&analysis.diagnostics)
            ))
        };
        outcomes.push((id, outcome));
    }
    assert!(outcomes.len() > 900, "corpus too small: {}", outcomes.len());
    settle("execution-corpus", outcomes);
}

/// Python's `repr` of a string (the form LocalStack's ValueError messages were recorded in).
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn check_rejected(case: &Value) -> Result<(), String> {
    let raw = case["definition_raw"].as_str().unwrap_or("");
    let expected = case["expected"]["message"].as_str().unwrap_or("");
    let analysis = analyze(raw, &options(case["state_machine_type"].as_str()));
    if analysis.is_valid() {
        return Err(format!("AWS rejected it ({expected}), Baton accepts it"));
    }
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if let Some(args) = expected.strip_prefix("Error=ValueError Args=[") {
        // A Python exception recorded with its argument; the definition follows it.
        let first = &errors[0].message;
        let repr = py_repr(first);
        return if args.starts_with(&format!("{repr}]")) {
            Ok(())
        } else {
            Err(format!("expected {expected:?}, Baton's first error {repr}"))
        };
    }
    let ours = invalid_definition_message(&errors).replace("arn:aws:", "arn:<partition>:");
    if ours == expected {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, got {ours:?}"))
    }
}

fn check_variable_references(case: &Value) -> Result<(), String> {
    let raw = case["definition_raw"].as_str().unwrap_or("");
    let analysis = analyze(raw, &options(case["state_machine_type"].as_str()));
    let Some(machine) = analysis.machine else {
        return Err(format!(
            "AWS accepted it, Baton says: {}",
            errors_text(&analysis.diagnostics)
        ));
    };
    let ours = variable_references(&machine);
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(map) = case["expected"]["variableReferences"].as_object() {
        for (state, vars) in map {
            let set = vars
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            expected.insert(state.clone(), set);
        }
    }
    if ours == expected {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, got {ours:?}"))
    }
}

#[test]
fn validation_corpus_matches_aws() {
    let mut outcomes = Vec::new();
    for case in read_cases("localstack-sfn-validation.jsonl") {
        let id = case["id"].as_str().unwrap_or("?").to_string();
        let key = match case["snapshot_key"].as_str() {
            Some(k) => format!("{id}#{k}"),
            None => id,
        };
        let outcome = match (case["category"].as_str(), case["accepted"].as_bool()) {
            (Some("definition"), Some(false)) => check_rejected(&case),
            (Some("variable_references"), _) => check_variable_references(&case),
            // Rejected for another request field (name taken, logging...): the definition is
            // fine, and the API layer owns the rest.
            (Some("request"), _) | (Some("definition"), Some(true)) => {
                let raw = case["definition_raw"].as_str().unwrap_or("");
                let analysis = analyze(raw, &options(case["state_machine_type"].as_str()));
                if analysis.is_valid() {
                    Ok(())
                } else {
                    Err(errors_text(&analysis.diagnostics))
                }
            }
            other => Err(format!("unknown case shape {other:?}")),
        };
        outcomes.push((key, outcome));
    }
    assert!(
        outcomes.len() >= 125,
        "corpus too small: {}",
        outcomes.len()
    );
    settle("validation-corpus", outcomes);
}

#[test]
fn py_repr_matches_python() {
    assert_eq!(py_repr("a'b"), "\"a'b\"");
    assert_eq!(py_repr("x: '\\x00'"), "\"x: '\\\\x00'\"");
    assert_eq!(py_repr("plain"), "'plain'");
}
