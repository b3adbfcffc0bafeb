//! Replays the execution fuzz target's harness on known inputs, so that a panic it would find
//! shows up in `cargo test`: the fuzz seeds (`fuzz/seeds`), and every definition of the recorded
//! corpus (`conformance/sfn/localstack-sfn.jsonl`, whatever its class) with its input, its tasks
//! answered by the harness's alternating handler.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/fuzz_exec.rs"]
mod fuzz_exec;

use std::path::PathBuf;

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// The harness's input: definition, NUL, input.
fn bytes(definition: &[u8], input: &[u8]) -> Vec<u8> {
    let mut data = definition.to_vec();
    data.push(0);
    data.extend_from_slice(input);
    data
}

#[test]
fn fuzz_seeds_run_without_panicking() {
    let mut n = 0;
    for entry in std::fs::read_dir(repo("fuzz/seeds")).unwrap() {
        let path = entry.unwrap().path();
        // subfolders (`fuzz/seeds/jsonata_*`) hold the seeds of the JSONata targets
        if path.is_dir() {
            continue;
        }
        let definition = std::fs::read(path).unwrap();
        for input in [
            &b""[..],
            b"{}",
            b"[1, 2, 3]",
            b"{\"a\": [1, {\"b\": null}]}",
        ] {
            fuzz_exec::run_bytes(&bytes(&definition, input));
        }
        n += 1;
    }
    assert!(n > 10, "only {n} seeds");
}

/// Every corpus definition with its input, as harness input.
fn corpus_inputs() -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(repo("conformance/sfn/localstack-sfn.jsonl")).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|case| case["definition"].is_object())
        .map(|case| {
            bytes(
                case["definition"].to_string().as_bytes(),
                case["input"].to_string().as_bytes(),
            )
        })
        .collect()
}

#[test]
fn corpus_definitions_run_without_panicking() {
    let inputs = corpus_inputs();
    assert!(inputs.len() > 500, "only {} definitions", inputs.len());
    for data in inputs {
        fuzz_exec::run_bytes(&data);
    }
}

/// The core is deterministic (ARCHITECTURE.md, invariant 1): the same machine, input, seed and
/// task answers give the same history, event for event.
#[test]
fn executions_are_reproducible() {
    let mut compared = 0;
    for data in corpus_inputs() {
        let Some(first) = fuzz_exec::execute(&data) else {
            continue;
        };
        let second = fuzz_exec::execute(&data).unwrap();
        let events = |ex: &baton_engine::Execution| -> Vec<serde_json::Value> {
            ex.history().iter().map(|e| e.to_aws_json()).collect()
        };
        assert_eq!(first.status(), second.status());
        assert_eq!(first.output(), second.output());
        assert_eq!(events(&first), events(&second));
        compared += 1;
    }
    assert!(compared > 300, "only {compared} executions compared");
}
