//! Benchmark: durable Standard state transitions per second on SQLite (file, WAL,
//! `synchronous=FULL`), one core for the steps. 200 concurrent executions of a 10-state Pass chain
//! with InputPath, Parameters and ResultPath on a 1 KiB input are started per batch; each batch is
//! one transaction (group commit): the executions' snapshots, their 22 history events each, and
//! their endings. Also prints the commit latency of a batch (p50, p99) and, for comparison, the
//! same work committed one execution per transaction.
//! `cargo bench -p baton-engine --bench durable` prints the figures. Target: 10,000 transitions/s.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use baton_engine::durable::Durable;
use baton_store::{SqliteStore, StateMachineRecord, Store};

use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run(label: &str, batch: usize, batches: usize) {
    let dir = std::env::temp_dir().join(format!(
        "baton-bench-durable-{}-{label}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("baton.db")).unwrap());
    let durable = Durable::new(Arc::clone(&store));
    let machine = StateMachineRecord {
        arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".into(),
        name: "bench".into(),
        definition: common::jsonpath_chain(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        workflow_type: "STANDARD".into(),
        created_millis: 1,
        revision_id: "1".into(),
        config: "{}".into(),
    };
    store.create_state_machine(&machine).unwrap();
    let input = common::input().to_string();
    let mut commits = Vec::with_capacity(batches);
    let mut executions = 0usize;
    let start = Instant::now();
    for b in 0..batches {
        let prepared: Vec<_> = (0..batch)
            .map(|i| {
                durable
                    .prepare_start(&machine, &format!("e-{b}-{i}"), &input, 1_000, i as u64)
                    .unwrap()
            })
            .collect();
        let t = Instant::now();
        let results = durable.start_batch(prepared).unwrap();
        commits.push(t.elapsed());
        executions += results.iter().filter(|r| r.is_ok()).count();
    }
    let secs = start.elapsed().as_secs_f64();
    commits.sort();
    let transitions = executions * 10;
    println!(
        "{label:<44} {:>8.0} transitions/s  ({executions} executions, {} per transaction; commit p50 {:.2} ms, p99 {:.2} ms)",
        transitions as f64 / secs,
        batch,
        percentile(&commits, 0.5).as_secs_f64() * 1e3,
        percentile(&commits, 0.99).as_secs_f64() * 1e3,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    run("group commit, 200 executions per batch", 200, 50);
    run("one execution per transaction", 1, 500);
}
