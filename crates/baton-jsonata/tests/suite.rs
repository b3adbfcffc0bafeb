//! Runs the vendored JSONata conformance suite (`tests/suite/`).
//!
//! The test fails if a case fails that is not listed in `tests/known-failures.txt`, or if a
//! listed case passes (so the list can only shrink). Set `JSONATA_SUITE_WRITE_KNOWN_FAILURES=1`
//! to rewrite the list from the current results.
//!
//! Special handling (the cases themselves are unchanged):
//! - Files that `serde_json` cannot read (a lone UTF-16 surrogate such as `\uD800` cannot be
//!   held in a Rust string) are counted as not applicable.
//! - `timelimit`/`depth` map onto the engine's step budget (2,000 steps per millisecond) and
//!   evaluation depth limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use baton_jsonata::{Bindings, Error, Expression, Limits};
use serde_json::Value;

struct Case {
    id: String,
    group_dir: PathBuf,
    case: Value,
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suite")
}

fn load_cases(not_applicable: &mut Vec<String>) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut groups: Vec<PathBuf> = fs::read_dir(suite_dir().join("groups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    groups.sort();
    for g in groups {
        let gname = g.file_name().unwrap().to_string_lossy().to_string();
        let mut files: Vec<PathBuf> = fs::read_dir(&g)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let stem = f.file_stem().unwrap().to_string_lossy().to_string();
            let text = fs::read_to_string(&f).unwrap();
            let Ok(parsed) = serde_json::from_str::<Value>(&text) else {
                not_applicable.push(format!("{gname}/{stem}"));
                continue;
            };
            match parsed {
                Value::Array(items) => {
                    for (i, c) in items.into_iter().enumerate() {
                        cases.push(Case {
                            id: format!("{gname}/{stem}[{i}]"),
                            group_dir: g.clone(),
                            case: c,
                        });
                    }
                }
                c => cases.push(Case {
                    id: format!("{gname}/{stem}"),
                    group_dir: g.clone(),
                    case: c,
                }),
            }
        }
    }
    cases
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn multiset_eq(a: &Value, b: &Value) -> bool {
    let (Value::Array(x), Value::Array(y)) = (a, b) else {
        return json_eq(a, b);
    };
    if x.len() != y.len() {
        return false;
    }
    let mut used = vec![false; y.len()];
    x.iter().all(|p| {
        for (i, q) in y.iter().enumerate() {
            if !used[i] && json_eq(p, q) {
                used[i] = true;
                return true;
            }
        }
        false
    })
}

fn run_case(c: &Case, datasets: &HashMap<String, Value>) -> Result<(), String> {
    let case = &c.case;
    let expr = match (case.get("expr"), case.get("expr-file")) {
        (Some(Value::String(e)), _) => e.clone(),
        (_, Some(Value::String(f))) => {
            fs::read_to_string(c.group_dir.join(f)).map_err(|e| e.to_string())?
        }
        _ => return Err("no expression".into()),
    };
    let input: Option<Value> = if let Some(d) = case.get("data") {
        Some(d.clone())
    } else {
        match case.get("dataset") {
            Some(Value::String(name)) => {
                Some(datasets.get(name).cloned().ok_or("missing dataset")?)
            }
            _ => None,
        }
    };
    let empty = serde_json::Map::new();
    let vars = case
        .get("bindings")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut bindings = Bindings::new().clock(Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0)
    }));
    for (k, v) in vars {
        bindings = bindings.var_value(k, v);
    }
    let mut limits = Limits::default();
    if let Some(d) = case.get("depth").and_then(Value::as_u64) {
        limits.max_depth = d as usize;
    }
    if let Some(t) = case.get("timelimit").and_then(Value::as_u64) {
        limits.max_steps = Some(t * 2_000);
    }
    bindings = bindings.limits(limits);
    let result: Result<Option<Value>, Error> =
        Expression::parse(&expr).and_then(|e| e.evaluate(input.as_ref(), &bindings));
    let show = |r: &Result<Option<Value>, Error>| match r {
        Ok(Some(v)) => {
            let s = v.to_string();
            if s.len() > 200 {
                format!("{}...", &s[..s.floor_char_boundary(200)])
            } else {
                s
            }
        }
        Ok(None) => "undefined".into(),
        Err(e) => format!("error {} ({})", e.code, e.message),
    };
    if let Some(code) = case.get("code").and_then(Value::as_str) {
        return match &result {
            Err(e) if e.code == code => Ok(()),
            r => Err(format!("expected error {code}, got {}", show(r))),
        };
    }
    if let Some(err) = case.get("error").and_then(Value::as_object) {
        let Err(e) = &result else {
            return Err(format!(
                "expected error {}, got {}",
                Value::Object(err.clone()),
                show(&result)
            ));
        };
        for (k, v) in err {
            let ok = match k.as_str() {
                "code" => v.as_str() == Some(e.code.as_str()),
                "message" => v.as_str() == Some(e.message.as_str()),
                "token" => v.as_str() == e.token.as_deref(),
                _ => true,
            };
            if !ok {
                return Err(format!(
                    "error field {k}: expected {v}, got {}",
                    show(&result)
                ));
            }
        }
        return Ok(());
    }
    if case.get("undefinedResult") == Some(&Value::Bool(true)) {
        return match &result {
            Ok(None) => Ok(()),
            r => Err(format!("expected undefined, got {}", show(r))),
        };
    }
    let Some(expected) = case.get("result") else {
        return Err("case has no expectation".into());
    };
    let unordered = case.get("unordered") == Some(&Value::Bool(true));
    match &result {
        Ok(Some(v))
            if (if unordered {
                multiset_eq(v, expected)
            } else {
                json_eq(v, expected)
            }) =>
        {
            Ok(())
        }
        r => Err(format!("expected {}, got {}", expected, show(r))),
    }
}

fn known_failures_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/known-failures.txt")
}

fn read_known() -> BTreeMap<String, String> {
    let text = fs::read_to_string(known_failures_path()).unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, reason) = match line.split_once('#') {
            Some((id, r)) => (id.trim().to_string(), r.trim().to_string()),
            None => (line.to_string(), String::new()),
        };
        out.insert(id, reason);
    }
    out
}

#[test]
fn conformance_suite() {
    let mut not_applicable = Vec::new();
    let cases = load_cases(&mut not_applicable);
    let mut datasets = HashMap::new();
    for e in fs::read_dir(suite_dir().join("datasets")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        datasets.insert(
            name,
            serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap(),
        );
    }
    let datasets = Arc::new(datasets);
    let filter = std::env::var("JSONATA_SUITE_FILTER").ok();
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let mut passed = 0;
    let mut ran = 0;
    for c in cases {
        if filter.as_ref().is_some_and(|f| !c.id.contains(f.as_str())) {
            continue;
        }
        ran += 1;
        let ds = datasets.clone();
        let id = c.id.clone();
        let outcome = std::thread::Builder::new()
            .stack_size(256 * 1024 * 1024)
            .spawn(move || run_case(&c, &ds))
            .unwrap()
            .join()
            .unwrap_or_else(|_| Err("panicked".into()));
        match outcome {
            Ok(()) => passed += 1,
            Err(msg) => {
                failures.insert(id, msg);
            }
        }
    }
    let total = ran + not_applicable.len();
    // written to the stderr handle directly so the summary shows even when output is captured
    let _ = writeln!(
        std::io::stderr(),
        "JSONata suite: {passed} passed, {} failed, {} not applicable (of {total})",
        failures.len(),
        not_applicable.len()
    );
    for id in &not_applicable {
        println!("  n/a {id}: file holds a lone UTF-16 surrogate that serde_json rejects");
    }
    if std::env::var("JSONATA_SUITE_VERBOSE").is_ok() {
        for (id, msg) in &failures {
            println!("FAIL {id}: {msg}");
        }
    }
    if filter.is_some() {
        return;
    }
    // Cases that cannot run are listed in the known-failures file too, with their reason.
    for id in &not_applicable {
        failures.insert(
            id.clone(),
            "not applicable: the case file holds a lone UTF-16 surrogate, which JSON text in a Rust string cannot".into(),
        );
    }
    let known = read_known();
    if std::env::var("JSONATA_SUITE_WRITE_KNOWN_FAILURES").is_ok() {
        let mut text = String::from(
            "# Conformance cases currently failing (id # reason). Regenerate with\n\
             # JSONATA_SUITE_WRITE_KNOWN_FAILURES=1 cargo test -p baton-jsonata --test suite\n",
        );
        for (id, msg) in &failures {
            // hand-written reasons are kept; generated ones ("auto: ...") are refreshed
            let reason = known
                .get(id)
                .filter(|r| !r.is_empty() && !r.starts_with("auto: "))
                .cloned()
                .unwrap_or_else(|| {
                    let m: String = msg.chars().take(160).collect();
                    format!("auto: {}", m.replace('\n', " "))
                });
            text.push_str(&format!("{id} # {reason}\n"));
        }
        fs::write(known_failures_path(), text).unwrap();
        return;
    }
    let unexpected: Vec<_> = failures
        .keys()
        .filter(|id| !known.contains_key(*id))
        .collect();
    let fixed: Vec<_> = known
        .keys()
        .filter(|id| !failures.contains_key(*id))
        .collect();
    for id in &unexpected {
        println!("UNEXPECTED FAILURE {id}: {}", failures[*id]);
    }
    for id in &fixed {
        println!("NOW PASSING (remove from known-failures.txt) {id}");
    }
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "{} unexpected failures, {} known failures now pass",
        unexpected.len(),
        fixed.len()
    );
}
