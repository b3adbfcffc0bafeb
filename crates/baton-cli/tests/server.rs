//! `baton server`: it starts over a data directory, finishes the Standard executions and the
//! asynchronous Express starts a previous process left there, and stops cleanly on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_engine::durable::Durable;
use baton_store::{ExecutionStatus, ExpressStart, Page, SqliteStore, StateMachineRecord, Store};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn data_dir(tag: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("server-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts `baton server` on `dir` and waits for its "ready" line.
fn start(dir: &PathBuf) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    loop {
        let line = lines
            .next()
            .expect("server exited before it was ready")
            .unwrap();
        if line.contains("ready") {
            break;
        }
    }
    // Keep draining so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    child
}

fn terminate(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn machine(name: &str, workflow_type: &str, definition: serde_json::Value) -> StateMachineRecord {
    StateMachineRecord {
        arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}"),
        name: name.into(),
        definition: definition.to_string(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        workflow_type: workflow_type.into(),
        created_millis: now(),
        revision_id: "1".into(),
        config: json!({"loggingConfiguration": {"level": "ALL", "includeExecutionData": true}})
            .to_string(),
    }
}

#[test]
fn starts_and_stops_on_sigterm() {
    let dir = data_dir("empty");
    let child = start(&dir);
    terminate(child);
    assert!(dir.join("baton.db").exists());
}

#[test]
fn finishes_what_a_previous_process_left() {
    let dir = data_dir("resume");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("baton.db")).unwrap());
    // A Standard execution parked in a Wait, then a task no target serves (caught).
    let standard = machine(
        "parked",
        "STANDARD",
        json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 1, "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                  "Catch": [{"ErrorEquals": ["Baton.NoTaskTarget"], "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "Result": "caught", "End": true}
        }}),
    );
    store.create_state_machine(&standard).unwrap();
    let durable = Durable::new(Arc::clone(&store));
    let step = durable.start(&standard, "e1", "{}", now(), 1).unwrap();
    assert_eq!(step.execution.status, ExecutionStatus::Running);
    // An asynchronous Express start that was stored but never ran.
    let express = machine(
        "quick",
        "EXPRESS",
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    );
    store.create_state_machine(&express).unwrap();
    let pending = ExpressStart {
        arn: "arn:aws:states:us-east-1:123456789012:express:quick:x:0000".into(),
        state_machine_arn: express.arn.clone(),
        revision_id: express.revision_id.clone(),
        name: "x".into(),
        input: r#"{"hello": "world"}"#.into(),
        start_millis: now(),
        seed: 3,
        // Left by the node this server is (`local` on SQLite), as a crash would leave it.
        owner: Some("local".into()),
    };
    store
        .enqueue_express(std::slice::from_ref(&pending))
        .unwrap();
    drop(durable);
    drop(store);

    let child = start(&dir);
    let store = SqliteStore::open(dir.join("baton.db")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let arn = "arn:aws:states:us-east-1:123456789012:execution:parked:e1";
    let all = Page {
        after: None,
        limit: 10,
    };
    loop {
        let e = store.get_execution(arn).unwrap().unwrap();
        let express_done = store.pending_express(None, all).unwrap().is_empty();
        if e.status != ExecutionStatus::Running && express_done {
            assert_eq!(e.status, ExecutionStatus::Succeeded);
            assert_eq!(e.output.as_deref(), Some("\"caught\""));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not finish the work"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let records = store.express_records(&express.arn, all).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, ExecutionStatus::Succeeded);
    terminate(child);
}

#[test]
fn a_bad_listen_address_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["server", "--listen", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_config_file_with_environment_overrides() {
    let dir = data_dir("config");
    let config = dir.join("baton.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n",
            dir.join("from-file").display()
        ),
    )
    .unwrap();
    // The file's data_dir...
    let run = |env: Option<(&str, PathBuf)>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
        cmd.args(["server", "--config"])
            .arg(&config)
            .env_remove("BATON_DATA_DIR")
            .stderr(Stdio::piped());
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        for line in lines.by_ref() {
            if line.unwrap().contains("ready") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        terminate(child);
        first
    };
    assert!(run(None).contains("from-file"));
    // ...and an environment variable over it.
    let line = run(Some(("BATON_DATA_DIR", dir.join("from-env"))));
    assert!(line.contains("from-env"), "{line}");
    // An unknown key is an error that names it.
    std::fs::write(&config, "lisen = \"127.0.0.1:0\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["server", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lisen"));
}

#[test]
fn a_public_address_needs_credentials_or_an_explicit_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["server", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(data_dir("public"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-unauthenticated"));
}
