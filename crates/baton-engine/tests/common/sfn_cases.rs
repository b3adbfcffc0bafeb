//! What the conformance runners share: the recorded AWS cases (`conformance/sfn`), comparison
//! modulo the corpus's snapshot placeholders, and the known-failures list that may only shrink.
//! Included by `baton-engine/tests/conformance.rs` (through the in-process driver) and
//! `baton-server/tests/conformance_api.rs` (through the HTTP API).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

thread_local! {
    /// The case's own placeholders (`substitutions[].snapshot_form`), which match any text.
    static WILDCARDS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `actual` matches `pattern`, where `<...>` placeholders match any text.
pub fn glob(pattern: &str, actual: &str) -> bool {
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
pub fn same(expected: &Value, actual: &Value) -> bool {
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

pub fn event_summary(events: &[Value]) -> Vec<String> {
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

/// The cases that need no external service and ended: `(id, case)`.
pub fn runnable_cases(corpus: &Path) -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(corpus).expect("vendored corpus");
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|case| {
            case["class"] == "pure"
                && matches!(
                    case["kind"].as_str(),
                    Some("execution" | "execution_output_only" | "sync_execution")
                )
                && case["complete"] == true
                && case["definition"].is_object()
                && case["expected"]["status"] != "RUNNING"
        })
        .map(|case| (case["id"].as_str().unwrap_or("?").to_string(), case))
        .collect()
}

/// Makes the case's own placeholders (`substitutions[].snapshot_form`) match any text.
pub fn set_wildcards(case: &Value) {
    let wildcards = case["substitutions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["snapshot_form"].as_str().map(str::to_string))
        .collect();
    WILDCARDS.with(|w| *w.borrow_mut() = wildcards);
}

/// What an execution ended with, from whichever runner.
pub struct Outcome {
    /// SUCCEEDED, FAILED, TIMED_OUT, ABORTED.
    pub status: String,
    /// The output, parsed.
    pub output: Option<Value>,
    /// The error name.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
    /// The history in GetExecutionHistory's shape, oldest first, when the runner has it.
    pub history: Option<Vec<Value>>,
}

/// Compares an outcome with what AWS recorded for the case.
pub fn compare(case: &Value, got: &Outcome) -> Result<(), String> {
    let expected = &case["expected"];
    let status = expected["status"].as_str().unwrap_or("SUCCEEDED");
    let mut problems = Vec::new();
    if got.status != status {
        problems.push(format!(
            "status {} (error {:?}), AWS {status}",
            got.status, got.error
        ));
    }
    if let Some(out) = expected.get("output")
        && !got.output.as_ref().is_some_and(|o| same(out, o))
    {
        problems.push(format!("output {:?}, AWS {out}", got.output));
    }
    if let Some(err) = expected.get("error").and_then(Value::as_str) {
        let ours = got.error.as_deref().unwrap_or("");
        if !glob(err, ours) {
            problems.push(format!("error {ours:?}, AWS {err:?}"));
        }
    }
    if let Some(cause) = expected.get("cause").filter(|c| !c.is_null()) {
        let ours = got.cause.clone().unwrap_or_default();
        if !same(cause, &Value::String(ours.clone())) {
            problems.push(format!("cause {ours:?}, AWS {cause}"));
        }
    }
    let normalised = case["flags"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == "parallel_branch_events_normalised"));
    if let (Some(history), Some(ours), false) = (
        expected.get("history").and_then(Value::as_array),
        &got.history,
        normalised,
    ) {
        let mut ours = ours.clone();
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

/// Checks outcomes against a known-failures file (`case-id  # difference` lines): every
/// unlisted case must pass and every listed one must still fail, so the list only shrinks.
/// With `BATON_WRITE_KNOWN_FAILURES` set, the file is rewritten first. Returns (passed, total).
pub fn check_known(
    outcomes: &BTreeMap<String, Result<(), String>>,
    known_path: &Path,
    title: &str,
) -> (usize, usize) {
    if std::env::var_os("BATON_WRITE_KNOWN_FAILURES").is_some() {
        let mut out = format!(
            "# {title}: `case-id  # difference`.\n# This list may only shrink: the runner fails when a listed case passes.\n",
        );
        for (id, outcome) in outcomes {
            if let Err(why) = outcome {
                let why: String = why.chars().take(160).collect();
                out.push_str(&format!("{id}  # {}\n", why.replace('\n', " ")));
            }
        }
        std::fs::write(known_path, out).unwrap();
    }
    let known: std::collections::BTreeSet<String> = std::fs::read_to_string(known_path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split("  #").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let total = outcomes.len();
    let passed = outcomes.values().filter(|o| o.is_ok()).count();
    let mut problems = Vec::new();
    for (id, outcome) in outcomes {
        match (outcome, known.contains(id)) {
            (Ok(()), true) => problems.push(format!(
                "{id}: passes now; remove it from {}",
                known_path.display()
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
    (passed, total)
}
