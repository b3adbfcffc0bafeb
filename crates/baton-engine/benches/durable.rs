//! Benchmark: durable Standard state transitions per second on SQLite (file, WAL,
//! `synchronous=FULL`), one core for the steps. 200 concurrent executions of a 10-state Pass chain
//! with InputPath, Parameters and ResultPath on a 1 KiB input are started per batch; each batch is
//! one transaction (group commit): the executions' snapshots, their 22 history events each, and
//! their endings. Also prints the commit latency of a batch (p50, p99) and, for comparison, the
//! same work committed one execution per transaction.
//! `cargo bench -p baton-engine --bench durable` prints the figures. Target: 10,000 transitions/s.
//!
//! With `BATON_BENCH_POSTGRES_URL` (or `BATON_TEST_POSTGRES_URL`) set, the same on PostgreSQL
//! in a schema of its own: one node, then two nodes (two stores, each with its own connections,
//! committing their own executions at once). Target: 5,000 transitions/s for one node.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use baton_engine::durable::Durable;
use baton_store::{PostgresStore, SqliteStore, StateMachineRecord, Store};

use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn machine() -> StateMachineRecord {
    StateMachineRecord {
        arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".into(),
        name: "bench".into(),
        definition: common::jsonpath_chain(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        workflow_type: "STANDARD".into(),
        created_millis: 1,
        revision_id: "1".into(),
        config: "{}".into(),
    }
}

/// Starts `batches` batches of `batch` executions (each runs to its end as it starts) through
/// `store`, named after `node`; the executions started and each batch's commit time.
fn work(store: Arc<dyn Store>, node: &str, batch: usize, batches: usize) -> (usize, Vec<Duration>) {
    let durable = Durable::new(store);
    // As a server does: every start carries the node's fence (checked in the transaction).
    durable.join(node, Duration::from_secs(60)).unwrap();
    let machine = machine();
    let input = common::input().to_string();
    let mut commits = Vec::with_capacity(batches);
    let mut executions = 0usize;
    for b in 0..batches {
        let prepared: Vec<_> = (0..batch)
            .map(|i| {
                durable
                    .prepare_start(
                        &machine,
                        &format!("{node}-{b}-{i}"),
                        &input,
                        1_000,
                        i as u64,
                    )
                    .unwrap()
            })
            .collect();
        let t = Instant::now();
        let results = durable.start_batch(prepared).unwrap();
        commits.push(t.elapsed());
        executions += results.iter().filter(|r| r.is_ok()).count();
    }
    (executions, commits)
}

fn run(label: &str, batch: usize, batches: usize) {
    let dir = std::env::temp_dir().join(format!(
        "baton-bench-durable-{}-{label}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("baton.db")).unwrap());
    store.create_state_machine(&machine()).unwrap();
    let start = Instant::now();
    let (executions, commits) = work(store, "e", batch, batches);
    report(
        label,
        batch,
        executions,
        commits,
        start.elapsed().as_secs_f64(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same on PostgreSQL, with `nodes` stores committing at once.
fn run_postgres(url: &str, label: &str, nodes: usize, batch: usize, batches: usize) {
    let schema = format!("baton_bench_{}_{nodes}_{batch}", std::process::id());
    let first = PostgresStore::connect_in_schema(url, &schema).unwrap();
    first.create_state_machine(&machine()).unwrap();
    let stores: Vec<Arc<dyn Store>> = std::iter::once(Arc::new(first) as Arc<dyn Store>)
        .chain((1..nodes).map(|_| {
            Arc::new(PostgresStore::connect_in_schema(url, &schema).unwrap()) as Arc<dyn Store>
        }))
        .collect();
    let start = Instant::now();
    let results: Vec<(usize, Vec<Duration>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(n, store)| scope.spawn(move || work(store, &format!("n{n}"), batch, batches)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let executions = results.iter().map(|r| r.0).sum();
    let commits = results.into_iter().flat_map(|r| r.1).collect();
    report(label, batch, executions, commits, secs);
    if let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) {
        let _ = client.batch_execute(&format!(
            "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
        ));
    }
}

fn report(label: &str, batch: usize, executions: usize, mut commits: Vec<Duration>, secs: f64) {
    commits.sort();
    let transitions = executions * 10;
    println!(
        "{label:<44} {:>8.0} transitions/s  ({executions} executions, {} per transaction; commit p50 {:.2} ms, p99 {:.2} ms)",
        transitions as f64 / secs,
        batch,
        percentile(&commits, 0.5).as_secs_f64() * 1e3,
        percentile(&commits, 0.99).as_secs_f64() * 1e3,
    );
}

fn main() {
    run("group commit, 200 executions per batch", 200, 50);
    run("one execution per transaction", 1, 500);
    let url = std::env::var("BATON_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("BATON_TEST_POSTGRES_URL"));
    if let Ok(url) = url {
        run_postgres(&url, "PostgreSQL, 1 node, group commit of 200", 1, 200, 50);
        run_postgres(
            &url,
            "PostgreSQL, 2 nodes, group commit of 200 each",
            2,
            200,
            25,
        );
        run_postgres(
            &url,
            "PostgreSQL, 1 node, one execution per transaction",
            1,
            1,
            500,
        );
    }
}
