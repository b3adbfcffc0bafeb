//! Benchmark: state transitions per CPU-second, in process (no HTTP), one core, history recorded.
//!
//! A 10-state Pass chain with InputPath, Parameters and ResultPath on a 1 KiB input, and the
//! same chain written in JSONata. Targets: 200,000 and 100,000 transitions per second.
//! `cargo bench -p baton-engine --bench transitions` prints the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use baton_asl::{Options, analyze};
use baton_engine::driver::{self, Clock, NoTargets};
use baton_engine::{ExecutionInfo, Status};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

mod common;
use common::{input, jsonpath_chain};

fn jsonata_chain() -> String {
    let mut states = serde_json::Map::new();
    for i in 0..10 {
        let mut s = json!({
            "Type": "Pass",
            "Output": {
                "order": "{% $states.input.order %}",
                "customer": "{% $states.input.customer %}",
                "last": {"step": i, "total": "{% $sum($states.input.order.items.price) %}"}
            },
        });
        if i < 9 {
            s["Next"] = json!(format!("S{}", i + 1));
        } else {
            s["End"] = json!(true);
        }
        states.insert(format!("S{i}"), s);
    }
    json!({"StartAt": "S0", "QueryLanguage": "JSONata", "States": states}).to_string()
}

fn measure(label: &str, definition: &str, target: f64) {
    let machine = Arc::new(
        analyze(definition, &Options::default())
            .machine
            .expect("valid"),
    );
    // Converted once: each run shares it, as a stored execution input would be.
    let input = baton_json::Json::from(input());
    let info = ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:bench:run".into(),
        name: "run".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".into(),
        state_machine_name: "bench".into(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        start_millis: 1,
        seed: 1,
    };
    let run = || {
        let ex = driver::run(
            Arc::clone(&machine),
            info.clone(),
            input.clone(),
            &mut NoTargets,
            Clock::Virtual,
        );
        assert_eq!(ex.status(), Status::Succeeded);
        ex.history().len()
    };
    run();
    let executions = 2_000;
    let start = Instant::now();
    let mut events = 0;
    for _ in 0..executions {
        events += run();
    }
    let secs = start.elapsed().as_secs_f64();
    let transitions = (executions * 10) as f64;
    let rate = transitions / secs;
    println!(
        "{label:<32} {rate:>10.0} transitions/s  ({executions} executions, {events} history events, {:.1} µs/transition)  target {target:.0}: {}",
        secs * 1e6 / transitions,
        if rate >= target { "PASS" } else { "FAIL" }
    );
}

fn main() {
    println!("input: {} bytes", input().to_string().len());
    measure("JSONPath Pass chain", &jsonpath_chain(), 200_000.0);
    measure("JSONata Pass chain", &jsonata_chain(), 100_000.0);
}
