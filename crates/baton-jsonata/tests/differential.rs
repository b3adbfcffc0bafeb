//! Differential test against the reference implementation: `tests/differential/` holds random
//! expressions (see `generate.js`) with the results jsonata 2.2.2 gave for them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;

use baton_jsonata::{Bindings, Expression};
use serde_json::Value;

/// Expressions where the reference's answer comes from a defect that Baton does not reproduce.
const REFERENCE_DEFECTS: &[(&str, &str)] = &[(
    r##"[[], false, -0.5][[{"#0.00": true, "1.5": true}, "1.5", -1]]"##,
    "an object constructor evaluated with an empty array as its context pushes undefined into \
     that array (the reference mutates its input), so [] is later output as [null]",
)];

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        // V8's Math.pow is not correctly rounded; allow a difference in the last digits
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn matches_the_reference_implementation() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let docs: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("docs.json")).unwrap()).unwrap();
    // JSONATA_DIFF_CORPUS=FILE checks another corpus made by generate.js
    let corpus = match std::env::var("JSONATA_DIFF_CORPUS") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => [
            "reference-2.2.2.jsonl",
            "reference-typed-2.2.2.jsonl",
            "reference-paths-2.2.2.jsonl",
            "reference-funcs-2.2.2.jsonl",
        ]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
        .collect::<Vec<_>>()
        .join("\n"),
    };
    let bindings = Bindings::new();
    let mut failures = String::new();
    let mut count = 0;
    let mut failed = 0;
    for line in corpus.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let expr = case["expr"].as_str().unwrap();
        let doc = &docs[case["doc"].as_u64().unwrap() as usize];
        let expect = &case["expect"];
        count += 1;
        if REFERENCE_DEFECTS.iter().any(|(e, _)| *e == expr) {
            continue;
        }
        let got = Expression::parse(expr).and_then(|e| e.evaluate(Some(doc), &bindings));
        let ok = match (&got, expect) {
            (Ok(Some(v)), e) if e.get("ok").is_some() => same(v, &e["ok"]),
            (Ok(None), e) => e.get("undef").is_some(),
            // "anyErr": the reference evaluates array items concurrently, so which item's
            // error surfaces first is a matter of scheduling; Baton reports the first in order
            (Err(err), e) => {
                e.get("err").and_then(Value::as_str) == Some(err.code.as_str())
                    || (e.get("err").is_some() && e.get("anyErr").is_some())
            }
            _ => false,
        };
        if !ok {
            failed += 1;
            let got = match &got {
                Ok(Some(v)) => v.to_string(),
                Ok(None) => "undefined".into(),
                Err(e) => format!("error {} ({})", e.code, e.message),
            };
            let _ = writeln!(
                failures,
                "{expr}\n    doc {}: expected {expect}, got {got}",
                case["doc"]
            );
        }
    }
    assert!(
        failed == 0,
        "{failed} of {count} differ from the reference:\n{failures}"
    );
}
