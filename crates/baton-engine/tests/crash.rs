//! The crash test: 200 concurrent Standard executions (waits, retried tasks, Parallel branches)
//! run by a runtime in a child process over one SQLite file, and the child is killed with
//! SIGKILL at random moments and started again, over and over. Afterwards every execution must
//! have finished exactly as an uninterrupted run would: history ids contiguous, every state
//! entered as often as the workload says (no transition applied twice), every task completed
//! exactly once and invoked at least once.
//!
//! The child is this test binary run again with `BATON_CRASH_CHILD` set; it runs the same
//! `Runtime` that `baton server` runs. `BATON_CRASH_KILLS` sets how many kills (default 50);
//! `BATON_CRASH_SEED` replays a run's random moments. When a wave of 200 executions has finished
//! before the kills are done, the next child starts another wave, so that every kill lands on
//! running work. Time is dilated (one real millisecond is 100 virtual ones).
//!
//! `two_nodes_on_postgres_killed_and_paused` runs the same workload on two nodes sharing one
//! PostgreSQL database (when `BATON_TEST_POSTGRES_URL` is set): at random moments one node is
//! killed and started again, or the other is paused (SIGSTOP) and resumed, and the same checks
//! hold: the version fence keeps two nodes (or a paused one that wakes up) from both applying a
//! step. `BATON_CRASH_NODE_EVENTS` sets how many kills and pauses (default 20).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::TempDb;

use baton_engine::StatesError;
use baton_engine::runtime::{Clock, NodeOptions, Runtime, RuntimeOptions, TaskRunner};
use baton_json::Json;
use baton_store::{ExecutionStatus, Page, PostgresStore, SqliteStore, StateMachineRecord, Store};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SM: &str = "arn:aws:states:us-east-1:111111111111:stateMachine:crash";
/// Concurrent executions per wave.
const WAVE: usize = 200;
/// Loop rounds per execution.
const ROUNDS: u64 = 4;
/// Virtual milliseconds per real one.
const DILATION: i64 = 100;

fn machine() -> StateMachineRecord {
    let task = |next: Option<&str>, result_path: Option<&str>| {
        let mut t = json!({"Type": "Task", "Resource": common::R, "Parameters": {
            "execution.$": "$$.Execution.Name", "state.$": "$$.State.Name",
            "round.$": "$.round", "attempt.$": "$$.State.RetryCount"}});
        match next {
            Some(n) => t["Next"] = json!(n),
            None => t["End"] = json!(true),
        }
        if let Some(p) = result_path {
            t["ResultPath"] = json!(p);
        }
        t
    };
    let mut work = task(Some("Nap"), Some("$.w"));
    work["Retry"] = json!([{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}]);
    StateMachineRecord {
        arn: SM.into(),
        name: "crash".into(),
        definition: json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Parameters": {"i.$": "$.i", "rounds.$": "$.rounds", "round": 0, "count": 0}, "Next": "Work"},
            "Work": work,
            "Nap": {"Type": "Wait", "Seconds": 2, "Next": "Fan"},
            "Fan": {"Type": "Parallel", "Next": "Add",
                "ResultSelector": {"sum.$": "States.MathAdd($[0], $[1])"}, "ResultPath": "$.fan",
                "Branches": [
                    {"StartAt": "A", "States": {"A": task(None, None)}},
                    {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "Next": "C"}, "C": task(None, None)}}
                ]},
            "Add": {"Type": "Pass", "Next": "Loop", "Parameters": {
                "i.$": "$.i", "rounds.$": "$.rounds",
                "round.$": "States.MathAdd($.round, 1)",
                "count.$": "States.MathAdd($.count, States.MathAdd($.w, $.fan.sum))"}},
            "Loop": {"Type": "Choice", "Default": "Done", "Choices": [
                {"Variable": "$.round", "NumericLessThanPath": "$.rounds", "Next": "Work"}]},
            "Done": {"Type": "Succeed"}
        }})
        .to_string(),
        role_arn: "arn:aws:iam::111111111111:role/r".into(),
        workflow_type: "STANDARD".into(),
        created_millis: 0,
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

fn name(wave: usize, i: usize) -> String {
    format!("w{wave}-e{i:03}")
}

/// The child: a runtime over the database that (re)starts every execution of the waves asked
/// for (idempotently) and runs until it is killed. Tasks append one line per invocation to the
/// log and answer 1; `Work` fails with `Flaky` on its first attempt in every third round.
fn child() {
    let var = |k: &str| std::env::var(k).unwrap();
    let origin: i64 = var("BATON_CRASH_ORIGIN").parse().unwrap();
    let waves: usize = var("BATON_CRASH_WAVES").parse().unwrap();
    let log = PathBuf::from(var("BATON_CRASH_LOG"));
    let store = Backend::from_env().open();
    let _ = store.create_state_machine(&machine());
    let clock: Clock = Arc::new(move || common::START + (wall_millis() - origin) * DILATION);
    let runner: TaskRunner = Arc::new(move |request| {
        let input = request.input.to_value();
        let field = |k: &str| input[k].to_string();
        let line = format!(
            "{} {} {} {}\n",
            input["execution"].as_str().unwrap_or("?"),
            input["state"].as_str().unwrap_or("?"),
            field("round"),
            field("attempt"),
        );
        // One write(2) of a short line on an O_APPEND file: whole lines even when killed.
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        f.write_all(line.as_bytes()).unwrap();
        let first_try = input["attempt"].as_u64() == Some(0);
        let third_round = input["round"].as_u64().is_some_and(|r| r % 3 == 0);
        if input["state"] == "Work" && first_try && third_round {
            return Err(StatesError::new(
                "Flaky",
                "first attempt of every third round",
            ));
        }
        Ok(Json::from(1i64))
    });
    // Leave when the parent is gone (its end of our stdin closes), whoever reaps us.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    // Each child joins as a node: `local` on SQLite (a restart takes its work back at once);
    // on PostgreSQL the id the parent gives, with a lease of BATON_CRASH_LEASE_MS.
    let node = NodeOptions {
        id: std::env::var("BATON_CRASH_NODE_ID").unwrap_or_else(|_| "local".into()),
        lease: Duration::from_millis(
            std::env::var("BATON_CRASH_LEASE_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(15_000),
        ),
    };
    let options = RuntimeOptions {
        node: Some(node),
        ..RuntimeOptions::default()
    };
    let rt = Arc::new(Runtime::start_with(Arc::clone(&store), runner, clock, 2, options).unwrap());
    // Report take-overs and re-joins (after a pause past the lease) to the parent.
    if let Ok(path) = std::env::var("BATON_CRASH_NODE_LOG") {
        let rt = Arc::clone(&rt);
        std::thread::spawn(move || {
            let mut told = (0, 0);
            loop {
                std::thread::sleep(Duration::from_millis(50));
                let now = (rt.taken_over(), rt.durable().rejoins());
                if now != told {
                    let line = format!("{} {} {}\n", std::process::id(), now.0, now.1);
                    if let Ok(mut f) = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                    {
                        let _ = f.write_all(line.as_bytes());
                    }
                    told = now;
                }
            }
        });
    }
    for wave in 0..waves {
        let starts: Vec<(String, String, u64)> = (0..WAVE)
            .map(|i| {
                let input = json!({"i": i, "rounds": ROUNDS}).to_string();
                (name(wave, i), input, (wave * WAVE + i) as u64)
            })
            .collect();
        for r in rt.start_executions(&machine(), &starts).unwrap() {
            r.unwrap();
        }
    }
    // Run until killed.
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Where the nodes keep their data.
#[derive(Clone)]
enum Backend {
    Sqlite(PathBuf),
    Postgres { url: String, schema: String },
}

impl Backend {
    fn from_env() -> Backend {
        match std::env::var("BATON_CRASH_PG_SCHEMA") {
            Ok(schema) => Backend::Postgres {
                url: std::env::var("BATON_CRASH_PG_URL").unwrap(),
                schema,
            },
            Err(_) => Backend::Sqlite(PathBuf::from(std::env::var("BATON_CRASH_DB").unwrap())),
        }
    }

    fn open(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(path) => Arc::new(SqliteStore::open(path).unwrap()),
            Backend::Postgres { url, schema } => {
                Arc::new(PostgresStore::connect_in_schema(url, schema).unwrap())
            }
        }
    }

    fn env(&self, command: &mut Command) {
        match self {
            Backend::Sqlite(path) => command.env("BATON_CRASH_DB", path),
            Backend::Postgres { url, schema } => command
                .env("BATON_CRASH_PG_URL", url)
                .env("BATON_CRASH_PG_SCHEMA", schema),
        };
    }
}

/// A child node, killed with SIGKILL when dropped (also when the test fails).
struct Node(std::process::Child);

impl Node {
    fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A node: this test binary run again as a child of the test `test`.
fn spawn(test: &str, backend: &Backend, log: &Path, origin: i64, waves: usize) -> Node {
    spawn_as(test, backend, log, origin, waves, "local")
}

/// [`spawn`] as node `id`, with a lease of 1 s and a log of its take-overs beside `log`.
fn spawn_as(
    test: &str,
    backend: &Backend,
    log: &Path,
    origin: i64,
    waves: usize,
    id: &str,
) -> Node {
    let mut command = Command::new(std::env::current_exe().unwrap());
    backend.env(&mut command);
    command
        .env("BATON_CRASH_NODE_ID", id)
        .env("BATON_CRASH_LEASE_MS", LEASE_MS.to_string())
        .env("BATON_CRASH_NODE_LOG", log.with_file_name("nodes.log"));
    let child = command
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env("BATON_CRASH_CHILD", "1")
        .env("BATON_CRASH_LOG", log)
        .env("BATON_CRASH_ORIGIN", origin.to_string())
        .env("BATON_CRASH_WAVES", waves.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    Node(child)
}

/// Every execution of the state machine, in ARN order.
fn all_executions(store: &dyn Store) -> Vec<baton_store::ExecutionRecord> {
    let mut out: Vec<baton_store::ExecutionRecord> = Vec::new();
    loop {
        let after = out.last().map(|e| e.arn.clone());
        let page = store
            .list_executions(
                SM,
                None,
                Page {
                    after: after.as_deref(),
                    limit: 500,
                },
            )
            .unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// Whether all `waves` have been started and have ended, and how many steps were committed.
fn progress(store: &dyn Store, waves: usize) -> (bool, u64) {
    let all = all_executions(store);
    let done =
        all.len() == waves * WAVE && all.iter().all(|e| e.status != ExecutionStatus::Running);
    (done, all.iter().map(|e| e.version).sum())
}

/// A small xorshift generator: the kill moments, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn kill_9_at_random_moments() {
    if std::env::var_os("BATON_CRASH_CHILD").is_some() {
        child();
        return;
    }
    let kills: usize = std::env::var("BATON_CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("BATON_CRASH_SEED")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| wall_millis() as u64 | 1);
    eprintln!("crash test: {kills} kills, BATON_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let tmp = TempDb::new("crash");
    let backend = Backend::Sqlite(tmp.0.clone());
    let log = tmp.0.with_file_name("invocations.log");
    let origin = wall_millis();
    let started = Instant::now();
    let mut waves = 1;
    let mut committed = 0;
    // Kills after which more steps had been committed: they landed on running work.
    let mut landed = 0;
    const TEST: &str = "kill_9_at_random_moments";
    let _alone = ONE_AT_A_TIME.lock();
    // The kills fall within this many ms of a node's start; on a machine so slow that none has
    // landed on running work yet, the window widens.
    let mut window = 250;
    for _ in 0..kills {
        let node = spawn(TEST, &backend, &log, origin, waves);
        // A random moment: while it opens the store, starts executions, or steps them.
        std::thread::sleep(Duration::from_millis(5 + rng.below(window)));
        node.kill();
        let store = SqliteStore::open(&tmp.0).unwrap();
        let (done, now_committed) = progress(&store, waves);
        if now_committed > committed {
            landed += 1;
        } else if landed == 0 {
            window = (window * 3 / 2).min(5_000);
        }
        committed = now_committed;
        if done {
            waves += 1;
        }
    }
    assert!(landed > 0, "no kill landed while executions were running");
    // A last node runs everything to its end.
    let node = spawn(TEST, &backend, &log, origin, waves);
    let store = SqliteStore::open(&tmp.0).unwrap();
    finish(&store, waves);
    node.kill();
    let elapsed = started.elapsed();
    let (executions, transitions, redispatched) = verify(&store, &log, waves);
    eprintln!(
        "crash test: {kills} kills ({landed} while steps were being committed), {executions} \
         executions in {waves} waves, {transitions} history events, {redispatched} tasks invoked \
         again after a crash, {:.1} s",
        elapsed.as_secs_f64()
    );
}

/// The lease of the nodes of the PostgreSQL test (ms): short, so that pauses outlast it.
const LEASE_MS: u64 = 1_000;

/// The crash tests run one after the other: each wants the machine's cores for its nodes.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits until every execution of `waves` has ended (5 minutes at most).
fn finish(store: &dyn Store, waves: usize) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !progress(store, waves).0 {
        assert!(Instant::now() < deadline, "executions did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends a signal (`-STOP`, `-CONT`) to a node.
fn signal(node: &Node, which: &str) {
    let status = Command::new("kill")
        .args([which, &node.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn two_nodes_on_postgres_killed_and_paused() {
    if std::env::var_os("BATON_CRASH_CHILD").is_some() {
        child();
        return;
    }
    let Ok(url) = std::env::var("BATON_TEST_POSTGRES_URL") else {
        println!("skipped: BATON_TEST_POSTGRES_URL is not set");
        return;
    };
    let events: usize = std::env::var("BATON_CRASH_NODE_EVENTS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("BATON_CRASH_SEED")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| wall_millis() as u64 | 1);
    eprintln!("two-node crash test: {events} kills and pauses, BATON_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let schema = format!("baton_crash_{}", std::process::id());
    let backend = Backend::Postgres {
        url: url.clone(),
        schema: schema.clone(),
    };
    let store = backend.open();
    let tmp = TempDb::new("crash-nodes");
    let log = tmp.0.with_file_name("invocations.log");
    let origin = wall_millis();
    let started = Instant::now();
    let mut waves = 1;
    const TEST: &str = "two_nodes_on_postgres_killed_and_paused";
    let _alone = ONE_AT_A_TIME.lock();
    // Node ids: a node killed and started again under the same id takes its executions back
    // at once; under a new id, the other node takes them over once the old lease runs out.
    let mut ids = [0_u32, 1];
    let id = |n: u32| format!("node-{n}");
    let mut nodes = [
        spawn_as(TEST, &backend, &log, origin, waves, &id(ids[0])),
        spawn_as(TEST, &backend, &log, origin, waves, &id(ids[1])),
    ];
    let (mut kills, mut renamed, mut pauses, mut long_pauses) = (0, 0, 0, 0);
    let mut next_id = 2;
    for _ in 0..events {
        std::thread::sleep(Duration::from_millis(50 + rng.below(250)));
        let which = rng.below(2) as usize;
        if rng.below(3) == 0 {
            // Within the lease, the other node may move the same executions on (fenced by
            // version); past it, the other node takes the paused one's executions over, and
            // the paused one's commits are refused until it joins again.
            let past_lease = rng.below(2) == 0;
            let millis = if past_lease {
                LEASE_MS * 3 / 2 + rng.below(LEASE_MS)
            } else {
                200 + rng.below(LEASE_MS / 2)
            };
            signal(&nodes[which], "-STOP");
            std::thread::sleep(Duration::from_millis(millis));
            signal(&nodes[which], "-CONT");
            pauses += 1;
            long_pauses += usize::from(past_lease);
        } else {
            if rng.below(2) == 0 {
                ids[which] = next_id;
                next_id += 1;
                renamed += 1;
            }
            let fresh = spawn_as(TEST, &backend, &log, origin, waves, &id(ids[which]));
            std::mem::replace(&mut nodes[which], fresh).kill();
            kills += 1;
        }
        if progress(&*store, waves).0 {
            waves += 1;
            // The nodes start the new wave (each start is idempotent).
            let fresh = spawn_as(TEST, &backend, &log, origin, waves, &id(ids[0]));
            std::mem::replace(&mut nodes[0], fresh).kill();
        }
    }
    finish(&*store, waves);
    for node in nodes {
        node.kill();
    }
    let elapsed = started.elapsed();
    let (executions, transitions, redispatched) = verify(&*store, &log, waves);
    // What the nodes reported: the last line of each process has its totals.
    let mut totals: HashMap<String, (u64, u64)> = HashMap::new();
    for line in std::fs::read_to_string(log.with_file_name("nodes.log"))
        .unwrap_or_default()
        .lines()
    {
        let f: Vec<&str> = line.split(' ').collect();
        if let [pid, taken, rejoins] = f[..] {
            totals.insert(
                pid.to_string(),
                (taken.parse().unwrap_or(0), rejoins.parse().unwrap_or(0)),
            );
        }
    }
    let taken: u64 = totals.values().map(|t| t.0).sum();
    let rejoins: u64 = totals.values().map(|t| t.1).sum();
    eprintln!(
        "two-node crash test: {kills} kills ({renamed} under a new id), {pauses} pauses \
         ({long_pauses} past the lease), {taken} executions taken over, {rejoins} re-joins, \
         {executions} executions in {waves} waves, {transitions} history events, \
         {redispatched} tasks invoked more than once, {:.1} s",
        elapsed.as_secs_f64()
    );
    if let Ok(mut client) = postgres::Client::connect(&url, postgres::NoTls) {
        let _ = client.batch_execute(&format!(
            "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
        ));
    }
}

/// Checks every execution of `waves` event by event against the workload and the task log;
/// gives the executions, history events and repeated task invocations counted.
fn verify(store: &dyn Store, log: &Path, waves: usize) -> (usize, usize, usize) {
    let mut invocations: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for line in std::fs::read_to_string(log).unwrap().lines() {
        let (execution, key) = line.split_once(' ').unwrap();
        *invocations
            .entry(execution.to_string())
            .or_default()
            .entry(key.to_string())
            .or_default() += 1;
    }
    let executions = all_executions(store);
    assert_eq!(executions.len(), waves * WAVE);
    let mut transitions = 0;
    let mut redispatched = 0;
    for e in &executions {
        assert_eq!(e.status, ExecutionStatus::Succeeded, "{}", e.arn);
        let output: Value = serde_json::from_str(e.output.as_deref().unwrap()).unwrap();
        assert_eq!(output["count"], json!(3 * ROUNDS), "{}", e.arn);
        assert_eq!(output["round"], json!(ROUNDS), "{}", e.arn);
        let h = store.history(&e.arn, 0, 100_000).unwrap();
        transitions += h.len();
        for (i, event) in h.iter().enumerate() {
            assert_eq!(event.id, i as u64 + 1, "{}: ids not contiguous", e.arn);
            assert!(event.previous_event_id < event.id, "{}", e.arn);
        }
        let count = |t: &str| h.iter().filter(|x| x.event_type == t).count();
        let entered = |state: &str| {
            h.iter()
                .filter(|x| x.event_type.ends_with("StateEntered"))
                .filter(|x| x.details.contains(&format!("\"name\":\"{state}\"")))
                .count()
        };
        let rounds = ROUNDS as usize;
        let flaky_rounds = (0..ROUNDS).filter(|r| r % 3 == 0).count();
        assert_eq!(count("ExecutionStarted"), 1, "{}", e.arn);
        assert_eq!(count("ExecutionSucceeded"), 1, "{}", e.arn);
        assert_eq!(entered("Init"), 1, "{}", e.arn);
        for state in ["Work", "Nap", "Fan", "A", "B", "C", "Add", "Loop"] {
            assert_eq!(entered(state), rounds, "{}: {state} entered", e.arn);
        }
        assert_eq!(count("TaskSucceeded"), 3 * rounds, "{}", e.arn);
        assert_eq!(count("TaskFailed"), flaky_rounds, "{}", e.arn);
        assert_eq!(
            count("TaskScheduled"),
            3 * rounds + flaky_rounds,
            "{}",
            e.arn
        );
        // At least once: every scheduled task was invoked; re-invocations are the crashes'.
        let name = e.arn.rsplit(':').next().unwrap();
        let calls = invocations.get(name).cloned().unwrap_or_default();
        assert_eq!(
            calls.len(),
            3 * rounds + flaky_rounds,
            "{}: {calls:?}",
            e.arn
        );
        redispatched += calls.values().map(|n| n - 1).sum::<usize>();
    }
    assert!(store.due_timers(None, i64::MAX, 10).unwrap().is_empty());
    assert!(
        store
            .pending_tasks(
                None,
                Page {
                    after: None,
                    limit: 10
                }
            )
            .unwrap()
            .is_empty()
    );
    (executions.len(), transitions, redispatched)
}
