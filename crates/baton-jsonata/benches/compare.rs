//! Side-by-side benchmark: `cargo bench -p baton-jsonata --bench compare [-- NAME-FILTER]`.
//!
//! Expressions typical of Step Functions' JSONata fields (Arguments, Output, Assign, Condition,
//! Items) are evaluated against a 1.6 KB state input (`benches/reference/input.json`) by three
//! engines, and the table gives evaluations per second including the cost of handing the input in:
//!
//! - baton-jsonata: `Expression::evaluate_json`, the call the Step Functions engine makes: the
//!   input is a `baton_json::Json` document parsed once and read in place; the result is a
//!   `Json` document (sharing the parts of the input it returns).
//! - jsonata-core (dev-dependency only): its values are its own `JValue`, so each evaluation
//!   first converts the input into one (from the `serde_json::Value` or from the JSON text,
//!   whichever is faster; the choice is printed). Its result stays a `JValue`.
//! - the reference, the npm `jsonata` 2.2.2 package under node (`benches/reference/bench.js`):
//!   the document is a JavaScript object parsed once; each evaluation is awaited (`evaluate` is
//!   async in jsonata 2.x) in a warm loop. `npm ci` is run there when `node_modules` is missing;
//!   without node or npm that column is skipped with a note.
//!
//! Each measurement warms up, then takes the fastest of three timed rounds. `BATON_BENCH_MS`
//! sets the timed milliseconds per case and engine (default 1500). The results of the three
//! engines are compared, and any difference is printed under the table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use baton_json::Json as Doc;
use baton_jsonata::{Bindings, Expression};
use serde_json::Value as Json;

/// (name, expression): what Step Functions users write in JSONata fields.
const CASES: &[(&str, &str)] = &[
    ("field access", "customer.address.city"),
    ("$sum over items", "$sum(items.(price * quantity))"),
    (
        "filter + map",
        r#"items[price > 30].{"sku": sku, "total": price * quantity}"#,
    ),
    (
        "string building",
        r#""Order " & orderId & " for " & customer.name.first & " " & $uppercase(customer.name.last) & ": " & $join(items.sku, ", ")"#,
    ),
    (
        "object construction",
        r#"{"orderId": orderId, "customerId": customer.id, "email": customer.email, "itemCount": $count(items), "total": $sum(items.(price * quantity)) + shipping.cost, "express": shipping.service = "express"}"#,
    ),
    (
        "partition (chunks of 3)",
        "$map([0..$ceil($count(items) / 3) - 1], function($i) { [items[[$i * 3..$i * 3 + 2]]] })",
    ),
    (
        "condition (Choice)",
        r#"payment.authorised and payment.amount >= 1000 and customer.tier in ["gold", "platinum"]"#,
    ),
    ("group-by", "items{category: $sum($.(price * quantity))}"),
    ("sort + top 3", "(items^(>price))[[0..2]].name"),
    ("$string (serialise)", "$string(customer)"),
    (
        "$merge (Assign)",
        r#"$merge([metadata, {"attempt": metadata.attempt + 1, "lastStatus": status}])"#,
    ),
    (
        "block + lambda",
        r#"($rate := 0.2; $vat := function($i) { $round($i.price * $i.quantity * $rate, 2) }; items.{"sku": sku, "vat": $vat($)})"#,
    ),
];

const ROUNDS: u32 = 3;
const BATCH: u64 = 32;

/// Evaluations per second of `f`: a warm-up, then the fastest of `ROUNDS` timed rounds.
fn measure(millis: u64, mut f: impl FnMut()) -> f64 {
    let run = |f: &mut dyn FnMut(), budget: Duration| {
        let start = Instant::now();
        let mut n = 0u64;
        loop {
            for _ in 0..BATCH {
                f();
            }
            n += BATCH;
            let elapsed = start.elapsed();
            if elapsed >= budget {
                return n as f64 / elapsed.as_secs_f64();
            }
        }
    };
    run(&mut f, Duration::from_millis((millis / 2).max(200)));
    (0..ROUNDS)
        .map(|_| run(&mut f, Duration::from_millis(millis / u64::from(ROUNDS))))
        .fold(0.0, f64::max)
}

/// Equal as JSON, numbers compared as f64 (1 and 1.0 are the same JSONata number).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn show(v: Option<&Json>) -> String {
    let s = v.map_or_else(|| "undefined".to_string(), Json::to_string);
    if s.len() > 160 {
        format!("{}...", &s[..s.floor_char_boundary(160)])
    } else {
        s
    }
}

/// How jsonata-core receives the input on each evaluation.
#[derive(Clone, Copy)]
enum CoreInput {
    /// `JValue::from(value.clone())`.
    FromValue,
    /// `JValue::from_json_str(text)`.
    FromText,
}

fn core_input(mode: CoreInput, input: &Json, text: &str) -> jsonata_core::value::JValue {
    match mode {
        CoreInput::FromValue => jsonata_core::value::JValue::from(input.clone()),
        CoreInput::FromText => jsonata_core::value::JValue::from_json_str(text).unwrap(),
    }
}

struct NodeRun {
    versions: String,
    rates: Vec<Option<f64>>,
    results: Vec<Option<Result<Option<Json>, String>>>,
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `benches/reference/bench.js`; `Err` is the note printed instead of the node column.
fn run_node(
    dir: &Path,
    cases: &[(&str, &str)],
    input: &Json,
    millis: u64,
) -> Result<NodeRun, String> {
    if !available("node") {
        return Err("node is not installed: the node column is skipped".into());
    }
    if !dir.join("node_modules/jsonata/package.json").exists() {
        if !available("npm") {
            return Err(
                "npm is not installed (needed once for `npm ci` in benches/reference): the node column is skipped"
                    .into(),
            );
        }
        eprintln!("running `npm ci` in {}", dir.display());
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("`npm ci` failed to start ({e}): the node column is skipped"))?;
        if !status.success() {
            return Err(format!(
                "`npm ci` in {} failed ({status}): the node column is skipped",
                dir.display()
            ));
        }
    }
    let spec = serde_json::json!({
        "millis": millis,
        "input": input,
        "cases": cases.iter().map(|(n, e)| serde_json::json!({"name": n, "expr": e})).collect::<Vec<_>>(),
    });
    let mut child = Command::new("node")
        .arg("bench.js")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("node failed to start ({e}): the node column is skipped"))?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(spec.to_string().as_bytes())
        .map_err(|e| format!("writing to node failed ({e}): the node column is skipped"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("node failed ({e}): the node column is skipped"))?;
    if !out.status.success() {
        return Err(format!(
            "bench.js failed ({}): the node column is skipped",
            out.status
        ));
    }
    let report: Json = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("bench.js printed no report ({e}): the node column is skipped"))?;
    let results = report["results"].as_array().cloned().unwrap_or_default();
    let mut run = NodeRun {
        versions: format!(
            "node {}, jsonata {}",
            report["node"].as_str().unwrap_or("?"),
            report["jsonata"].as_str().unwrap_or("?")
        ),
        rates: Vec::new(),
        results: Vec::new(),
    };
    for (name, _) in cases {
        let r = results.iter().find(|r| r["name"] == *name);
        run.rates.push(r.and_then(|r| r["evals_per_sec"].as_f64()));
        run.results.push(r.map(|r| match r.get("error") {
            Some(e) => Err(e.as_str().unwrap_or("?").to_string()),
            None if r["undefined"] == true => Ok(None),
            None => Ok(Some(r["result"].clone())),
        }));
    }
    Ok(run)
}

/// Evaluations per second in full, digits grouped by thousands.
fn fmt_rate(r: Option<f64>) -> String {
    let Some(r) = r else {
        return "-".into();
    };
    let digits = format!("{:.0}", r.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fmt_ratio(a: f64, b: Option<f64>) -> String {
    b.map_or_else(|| "-".into(), |b| format!("{:.1}x", a / b))
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let millis: u64 = std::env::var("BATON_BENCH_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let reference = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/reference");
    let text = std::fs::read_to_string(reference.join("input.json")).unwrap();
    let input: Json = serde_json::from_str(&text).unwrap();
    let doc = Doc::from(&input);
    let compact = input.to_string();
    let cases: Vec<(&str, &str)> = CASES
        .iter()
        .copied()
        .filter(|(n, _)| filter.as_deref().is_none_or(|f| n.contains(f)))
        .collect();
    let bindings = Bindings::new();
    let mut notes = Vec::new();

    // jsonata-core: pick its cheaper way of receiving the input.
    let from_value = measure(200, || {
        black_box(core_input(
            CoreInput::FromValue,
            black_box(&input),
            &compact,
        ));
    });
    let from_text = measure(200, || {
        black_box(core_input(CoreInput::FromText, &input, black_box(&compact)));
    });
    let mode = if from_value >= from_text {
        CoreInput::FromValue
    } else {
        CoreInput::FromText
    };
    notes.push(format!(
        "jsonata-core input conversion alone: {:.2} µs from serde_json::Value (clone + From), {:.2} µs from JSON text (from_json_str); the bench uses the faster",
        1e6 / from_value,
        1e6 / from_text
    ));

    let mut baton_rates = Vec::new();
    let mut core_rates = Vec::new();
    let mut baton_results = Vec::new();
    let mut core_results = Vec::new();
    for (name, src) in &cases {
        eprintln!("measuring {name}");
        let expr = Expression::parse(src).unwrap();
        let result = expr.evaluate_json(Some(&doc), &bindings).unwrap();
        baton_rates.push(measure(millis, || {
            black_box(
                expr.evaluate_json(Some(black_box(&doc)), &bindings)
                    .unwrap(),
            );
        }));
        baton_results.push(result.map(|r| r.to_value()));

        match jsonata_core::Expression::compile(src) {
            Err(e) => {
                core_rates.push(None);
                core_results.push(Err(e.to_string()));
            }
            Ok(core) => match core.evaluate(&core_input(mode, &input, &compact)) {
                Err(e) => {
                    core_rates.push(None);
                    core_results.push(Err(e.to_string()));
                }
                Ok(v) => {
                    let json = if v.is_undefined() {
                        None
                    } else {
                        Some(serde_json::from_str::<Json>(&v.to_json_string().unwrap()).unwrap())
                    };
                    core_results.push(Ok(json));
                    core_rates.push(Some(measure(millis, || {
                        let data = core_input(mode, black_box(&input), black_box(&compact));
                        black_box(core.evaluate(&data).unwrap());
                    })));
                }
            },
        }
    }

    eprintln!("measuring the reference under node");
    let node = match run_node(&reference, &cases, &input, millis) {
        Ok(n) => Some(n),
        Err(note) => {
            notes.push(note);
            None
        }
    };

    println!();
    println!(
        "Input: benches/reference/input.json ({} bytes as compact JSON). Evaluations per second, fastest of {ROUNDS} rounds of {} ms after warm-up.",
        compact.len(),
        millis / u64::from(ROUNDS)
    );
    if let Some(n) = &node {
        println!("Reference: {}.", n.versions);
    }
    println!();
    println!(
        "| {:<24} | {:>12} | {:>12} | {:>12} | {:>10} | {:>10} |",
        "expression", "baton", "jsonata-core", "node", "baton/node", "baton/core"
    );
    println!(
        "|{:-<26}|{:->14}|{:->14}|{:->14}|{:->12}|{:->12}|",
        ":", ":", ":", ":", ":", ":"
    );
    let mut met = 0;
    for (i, (name, src)) in cases.iter().enumerate() {
        let b = baton_rates[i];
        let c = core_rates[i];
        let n = node.as_ref().and_then(|n| n.rates[i]);
        let ok = n.is_none_or(|n| b >= 5.0 * n) && c.is_none_or(|c| b > c);
        met += usize::from(ok);
        println!(
            "| {:<24} | {:>12} | {:>12} | {:>12} | {:>10} | {:>10} |",
            name,
            fmt_rate(Some(b)),
            fmt_rate(c),
            fmt_rate(n),
            fmt_ratio(b, n),
            fmt_ratio(b, c)
        );
        // Results must agree across engines.
        let mine = baton_results[i].as_ref();
        match &core_results[i] {
            Ok(v)
                if v.as_ref().is_some_and(|v| mine.is_some_and(|m| same(m, v)))
                    || (v.is_none() && mine.is_none()) => {}
            Ok(v) => notes.push(format!(
                "{name}: jsonata-core gives {} where baton gives {} ({src})",
                show(v.as_ref()),
                show(mine)
            )),
            Err(e) => notes.push(format!("{name}: jsonata-core fails: {e} ({src})")),
        }
        if let Some(n) = &node {
            match &n.results[i] {
                Some(Ok(v))
                    if v.as_ref().is_some_and(|v| mine.is_some_and(|m| same(m, v)))
                        || (v.is_none() && mine.is_none()) => {}
                Some(Ok(v)) => notes.push(format!(
                    "{name}: the reference gives {} where baton gives {} ({src})",
                    show(v.as_ref()),
                    show(mine)
                )),
                Some(Err(e)) => notes.push(format!("{name}: the reference fails: {e} ({src})")),
                None => notes.push(format!("{name}: no result from the reference")),
            }
        }
    }
    println!();
    println!(
        "Target (baton >= 5x node and ahead of jsonata-core): met on {met} of {} expressions.",
        cases.len()
    );
    for note in notes {
        println!("note: {note}");
    }
    println!();
    println!("Expressions:");
    for (name, src) in &cases {
        println!("  {name:<24} {src}");
    }
}
