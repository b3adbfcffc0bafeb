//! Runs the `class: pure` executions recorded from real AWS (`conformance/sfn/localstack-sfn.jsonl`)
//! and compares status, output, error and cause, and the sequence of history event types and
//! state names, modulo the snapshot placeholders the corpus README describes.
//!
//! Differences still open are listed in `tests/known-failures.txt`, which may only shrink: a listed
//! case that passes fails the run. `BATON_WRITE_KNOWN_FAILURES=1` rewrites the list.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_asl::model::WorkflowType;
use baton_asl::source::SourceFormat;
use baton_asl::{Options, analyze};
use baton_engine::driver::{self, Clock, NoTargets};
use baton_engine::{ExecutionInfo, HistoryEvent};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

fn manifest(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

thread_local! {
    /// The case's own placeholders (`substitutions[].snapshot_form`), which match any text.
    static WILDCARDS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `actual` matches `pattern`, where `<...>` placeholders match any text.
fn glob(pattern: &str, actual: &str) -> bool {
    if pattern == "date"
        || pattern == "timestamp"
        || pattern == "snf_role_arn"
        || pattern == "sfn_role_arn"
        || WILDCARDS.with(|w| w.borrow().iter().any(|x| x == pattern))
    {
        return true;
    }
    let mut parts = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('<') {
        match rest[start..].find('>') {
            Some(end) => {
                parts.push(&rest[..start]);
                rest = &rest[start + end + 1..];
            }
            None => break,
        }
    }
    parts.push(rest);
    if parts.len() == 1 {
        return pattern == actual;
    }
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !actual.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return actual.len() >= pos + part.len() && actual[pos..].ends_with(part);
        } else {
            match actual[pos..].find(part) {
                Some(j) => pos += j + part.len(),
                None => return false,
            }
        }
    }
    true
}

/// Deep comparison modulo placeholders; JSON text on one side may be a parsed value on the other.
fn same(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) => glob(e, a),
        (Value::String(e), a) => {
            glob(e, &a.to_string()) || serde_json::from_str::<Value>(e).is_ok_and(|v| same(&v, a))
        }
        (e, Value::String(a)) => serde_json::from_str::<Value>(a).is_ok_and(|v| same(e, &v)),
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| same(x, y))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len() && e.iter().all(|(k, v)| a.get(k).is_some_and(|w| same(v, w)))
        }
        (e, a) => e == a,
    }
}

fn event_name(e: &Value) -> Option<String> {
    e.as_object()?.iter().find_map(|(k, v)| {
        (k.ends_with("EventDetails") && k.starts_with("state"))
            .then(|| v.get("name").and_then(Value::as_str).map(str::to_string))
            .flatten()
    })
}

fn event_summary(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let ty = e["type"].as_str().unwrap_or("?");
            match event_name(e) {
                Some(n) => format!("{ty}({n})"),
                None => ty.to_string(),
            }
        })
        .collect()
}

fn run_case(case: &Value) -> Result<(), String> {
    let wildcards = case["substitutions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["snapshot_form"].as_str().map(str::to_string))
        .collect();
    WILDCARDS.with(|w| *w.borrow_mut() = wildcards);
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
    let ex = driver::run(
        Arc::new(machine),
        info,
        input,
        &mut NoTargets,
        Clock::Virtual,
    );
    let expected = &case["expected"];
    let status = expected["status"].as_str().unwrap_or("SUCCEEDED");
    let mut problems = Vec::new();
    if ex.status().as_str() != status {
        problems.push(format!(
            "status {} (error {:?}), AWS {status}",
            ex.status().as_str(),
            ex.error()
        ));
    }
    if let Some(out) = expected.get("output")
        && !ex.output().is_some_and(|o| same(out, &o.to_value()))
    {
        problems.push(format!(
            "output {:?}, AWS {out}",
            ex.output().map(|o| o.to_string())
        ));
    }
    if let Some(err) = expected.get("error").and_then(Value::as_str) {
        let ours = ex.error().map(|e| e.error.as_str()).unwrap_or("");
        if !glob(err, ours) {
            problems.push(format!("error {ours:?}, AWS {err:?}"));
        }
    }
    if let Some(cause) = expected.get("cause").filter(|c| !c.is_null()) {
        let ours = ex.error().and_then(|e| e.cause.clone()).unwrap_or_default();
        if !same(cause, &Value::String(ours.clone())) {
            problems.push(format!("cause {ours:?}, AWS {cause}"));
        }
    }
    let normalised = case["flags"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == "parallel_branch_events_normalised"));
    if let Some(history) = expected.get("history").and_then(Value::as_array)
        && !normalised
    {
        let mut ours: Vec<Value> = ex.history().iter().map(HistoryEvent::to_aws_json).collect();
        if case["expected"]["history_query"]["reverseOrder"] == true {
            ours.reverse();
        }
        let (a, b) = (event_summary(history), event_summary(&ours));
        if a != b {
            let at = a
                .iter()
                .zip(&b)
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            problems.push(format!(
                "history differs at event {}: AWS {:?}, Baton {:?}",
                at + 1,
                a.get(at),
                b.get(at)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn pure_executions_match_aws() {
    let text = std::fs::read_to_string(manifest("../../conformance/sfn/localstack-sfn.jsonl"))
        .expect("vendored corpus");
    let mut outcomes: BTreeMap<String, Result<(), String>> = BTreeMap::new();
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let runnable = case["class"] == "pure"
            && matches!(
                case["kind"].as_str(),
                Some("execution" | "execution_output_only" | "sync_execution")
            )
            && case["complete"] == true
            && case["definition"].is_object()
            && case["expected"]["status"] != "RUNNING";
        if !runnable {
            continue;
        }
        let id = case["id"].as_str().unwrap_or("?").to_string();
        let outcome = std::panic::catch_unwind(|| run_case(&case))
            .unwrap_or_else(|_| Err("panicked".to_string()));
        outcomes.insert(id, outcome);
    }
    let known_path = manifest("tests/known-failures.txt");
    if std::env::var_os("BATON_WRITE_KNOWN_FAILURES").is_some() {
        let mut out = String::from(
            "# Pure executions where Baton still differs from AWS: `case-id  # difference`.\n# This list may only shrink: tests/conformance.rs fails when a listed case passes.\n",
        );
        for (id, outcome) in &outcomes {
            if let Err(why) = outcome {
                let why: String = why.chars().take(160).collect();
                out.push_str(&format!("{id}  # {}\n", why.replace('\n', " ")));
            }
        }
        std::fs::write(&known_path, out).unwrap();
    }
    let known: std::collections::BTreeSet<String> = std::fs::read_to_string(&known_path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split("  #").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let total = outcomes.len();
    let passed = outcomes.values().filter(|o| o.is_ok()).count();
    println!("pure executions: {passed} of {total} match AWS");
    let mut problems = Vec::new();
    for (id, outcome) in &outcomes {
        match (outcome, known.contains(id)) {
            (Ok(()), true) => problems.push(format!(
                "{id}: passes now; remove it from known-failures.txt"
            )),
            (Err(why), false) => problems.push(format!("{id}: {why}")),
            _ => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
