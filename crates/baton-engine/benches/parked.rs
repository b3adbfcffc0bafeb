//! Benchmark: a runtime over 1,000,000 parked Standard executions on SQLite.
//!
//! `cargo bench -p baton-engine --bench parked` prints:
//! - **start-up**: opening the store and starting the runtime over N open executions (each
//!   parked in a Wait a year long), target at most 2 s for 1,000,000;
//! - **memory per parked execution**: the process's resident memory once the runtime runs over
//!   them, less what it was before the store was opened, divided by N; target at most 1 KiB;
//! - **timer lateness**: while the N stay parked, 2,000 more executions are started over 10 s,
//!   each with a 3-second Wait; lateness is when the Wait was left (its `WaitStateExited`
//!   event) minus when it was due; target p99 at most 20 ms.
//!
//! `BATON_BENCH_PARKED` sets N (default 1,000,000). The database is built once in
//! `target/bench-parked-N/` (building 1,000,000 takes a minute or two) and reused by later runs;
//! each run measures in a fresh process (the bench runs itself again) so that nothing the build
//! allocated counts.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use baton_engine::durable::Durable;
use baton_engine::runtime::{Clock, Runtime, TaskRunner};
use baton_store::{ExecutionStatus, SqliteStore, StateMachineRecord, Store};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:parked";
const NEAR: usize = 2_000;

fn machine() -> StateMachineRecord {
    StateMachineRecord {
        arn: SM.into(),
        name: "parked".into(),
        definition: json!({"StartAt": "Park", "States": {
            "Park": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}
        }})
        .to_string(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        workflow_type: "STANDARD".into(),
        created_millis: 1,
        revision_id: "1".into(),
        config: "{}".into(),
    }
}

fn wall_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Builds the database of `n` executions parked for a year (unless a complete one is there).
fn build(db: &Path, n: usize) {
    let done = db.with_extension("complete");
    if done.exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db).unwrap());
    store.create_state_machine(&machine()).unwrap();
    let durable = Durable::new(Arc::clone(&store));
    let input = json!({"seconds": 365 * 24 * 3600}).to_string();
    let started = Instant::now();
    let mut made = 0;
    while made < n {
        let now = wall_millis();
        let batch: Vec<_> = (made..(made + 5_000).min(n))
            .map(|i| {
                durable
                    .prepare_start(&machine(), &format!("p{i:07}"), &input, now, i as u64)
                    .unwrap()
            })
            .collect();
        made += batch.len();
        for r in durable.start_batch(batch).unwrap() {
            r.unwrap();
        }
        if made % 100_000 == 0 || made == n {
            eprintln!(
                "  built {made} parked executions ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    drop(durable);
    drop(store);
    std::fs::write(done, n.to_string()).unwrap();
}

/// Measures in this (fresh) process.
fn measure(db: &Path, n: usize) {
    let rss_before = rss_kib();
    let clock: Clock = Arc::new(wall_millis);
    let runner: TaskRunner = Arc::new(|r| Ok(r.input.clone()));
    let t0 = Instant::now();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db).unwrap());
    let rt = Runtime::start(Arc::clone(&store), runner, clock, 1).unwrap();
    let startup = t0.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let rss_parked = rss_kib();

    // Near timers while the n stay parked: one start every 5 ms, each waiting 3 s.
    let input = json!({"seconds": 3}).to_string();
    // Names of this run's own: the database is reused by later runs.
    let run = wall_millis();
    let names: Vec<String> = (0..NEAR).map(|i| format!("near-{run}-{i:05}")).collect();
    let t_start = Instant::now();
    for (i, name) in names.iter().enumerate() {
        let due = t_start + Duration::from_millis(5 * i as u64);
        if let Some(d) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        rt.start_executions(&machine(), &[(name.clone(), input.clone(), i as u64)])
            .unwrap()
            .pop()
            .unwrap()
            .unwrap();
    }
    let arn = |name: &str| format!("{}:{name}", SM.replacen(":stateMachine:", ":execution:", 1));
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline
        && names.iter().any(|name| {
            store
                .get_execution(&arn(name))
                .unwrap()
                .is_some_and(|e| e.status == ExecutionStatus::Running)
        })
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    let rss_running = rss_kib();
    rt.shutdown();
    let mut lateness: Vec<i64> = names
        .iter()
        .filter_map(|name| {
            let h = store.history(&arn(name), 0, 100).unwrap();
            let entered = h.iter().find(|e| e.event_type == "WaitStateEntered")?;
            let exited = h.iter().find(|e| e.event_type == "WaitStateExited")?;
            Some(exited.timestamp_millis - (entered.timestamp_millis + 3_000))
        })
        .collect();
    lateness.sort_unstable();
    let per_parked = (rss_parked.saturating_sub(rss_before)) as f64 * 1024.0 / n as f64;
    println!("{n} parked Standard executions on SQLite (each in a one-year Wait)");
    println!(
        "start-up (open store + start runtime)   {:>9.1} ms   target <= 2000 ms: {}",
        startup.as_secs_f64() * 1e3,
        pass(startup.as_secs_f64() <= 2.0)
    );
    println!(
        "memory per parked execution             {per_parked:>9.1} B    target <= 1024 B: {}  \
         (RSS {rss_before} KiB before the store, {rss_parked} KiB parked, {rss_running} KiB \
         after the timers)",
        pass(per_parked <= 1024.0)
    );
    if lateness.len() < NEAR {
        println!(
            "timer lateness: only {} of {NEAR} waits ended",
            lateness.len()
        );
        return;
    }
    let p99 = percentile(&lateness, 0.99);
    println!(
        "timer lateness ({NEAR} waits due)        p50 {} ms  p99 {p99} ms  max {} ms   target p99 <= 20 ms: {}",
        percentile(&lateness, 0.5),
        lateness[lateness.len() - 1],
        pass(p99 <= 20)
    );
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = std::env::var("BATON_BENCH_PARKED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(Path::new(&args[i + 1]), n);
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(format!("bench-parked-{n}"));
    let db = dir.join("baton.db");
    build(&db, n);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--measure")
        .arg(&db)
        .status()
        .unwrap();
    assert!(status.success());
}
