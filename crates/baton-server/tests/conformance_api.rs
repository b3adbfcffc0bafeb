//! The `class: pure` executions recorded from real AWS, run through the HTTP API of a server in
//! this process: CreateStateMachine, then StartExecution with DescribeExecution and
//! GetExecutionHistory (Standard) or StartSyncExecution (Express). The comparison is the one
//! `baton-engine/tests/conformance.rs` makes through the in-process driver, and the pass rate
//! must be the same: the differences are listed in `tests/known-failures-api.txt`, which may
//! only shrink. Time is dilated (one real millisecond is one virtual second) and starts at
//! 2025-01-01T00:00:00Z, as the corpus assumes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../baton-engine/tests/common/sfn_cases.rs"]
mod sfn_cases;

use baton_server::{Server, ServerConfig, task_targets};
use serde_json::{Value, json};
use sfn_cases::Outcome;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn manifest(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A server on a free loopback port, serving from a thread of its own.
fn serve(dir: &std::path::Path) -> SocketAddr {
    let origin = Instant::now();
    let clock: baton_engine::runtime::Clock =
        Arc::new(move || 1_735_689_600_000 + origin.elapsed().as_millis() as i64 * 1_000);
    // The account the corpus was recorded in.
    let config = ServerConfig {
        data_dir: dir.to_path_buf(),
        account: "111111111111".into(),
        ..ServerConfig::default()
    };
    let server = Arc::new(Server::start_with(config, task_targets(), clock).unwrap());
    baton_server::api::serve_in_background(server, "127.0.0.1:0".parse().unwrap()).unwrap()
}

/// One API call: (HTTP status, body).
fn call(addr: SocketAddr, operation: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: AWSStepFunctions.{operation}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature={}\r\n\
         X-Amz-Date: 20250101T000000Z\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        "0".repeat(64),
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status: u16 = response[9..12].parse().unwrap();
    let text = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(text).unwrap_or(Value::Null))
}

fn ok(addr: SocketAddr, operation: &str, body: &Value) -> Result<Value, String> {
    match call(addr, operation, body) {
        (200, v) => Ok(v),
        (status, v) => Err(format!("{operation}: HTTP {status} {v}")),
    }
}

fn parsed(text: Option<&Value>) -> Option<Value> {
    text.and_then(Value::as_str)
        .map(|t| serde_json::from_str(t).unwrap_or(Value::String(t.to_string())))
}

fn input_text(case: &Value) -> String {
    match case.get("input") {
        None | Some(Value::Null) => "{}".to_string(),
        Some(v) => v.to_string(),
    }
}

/// Creates the case's state machine; Express ones run at once, Standard ones are started and
/// return their execution ARN to wait for.
enum Started {
    Done(Result<(), String>),
    Running(String),
}

fn start(addr: SocketAddr, n: usize, case: &Value) -> Started {
    sfn_cases::set_wildcards(case);
    let express = case["state_machine_type"] == "EXPRESS" || case["kind"] == "sync_execution";
    let created = ok(
        addr,
        "CreateStateMachine",
        &json!({"name": format!("sm{n}"), "definition": case["definition"].to_string(),
                "roleArn": "arn:aws:iam::111111111111:role/snf_role_arn",
                "type": if express { "EXPRESS" } else { "STANDARD" }}),
    );
    let arn = match created {
        Ok(v) => v["stateMachineArn"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        Err(e) => return Started::Done(Err(format!("definition rejected: {e}"))),
    };
    let request = json!({"stateMachineArn": arn, "name": "exec", "input": input_text(case)});
    if express {
        let result = ok(addr, "StartSyncExecution", &request).and_then(|r| {
            sfn_cases::compare(
                case,
                &Outcome {
                    status: r["status"].as_str().unwrap_or("?").to_string(),
                    output: parsed(r.get("output")),
                    error: r["error"].as_str().map(str::to_string),
                    cause: r["cause"].as_str().map(str::to_string),
                    history: None,
                },
            )
        });
        return Started::Done(result);
    }
    match ok(addr, "StartExecution", &request) {
        Ok(v) => Started::Running(v["executionArn"].as_str().unwrap_or_default().to_string()),
        Err(e) => Started::Done(Err(e)),
    }
}

fn finish(addr: SocketAddr, case: &Value, arn: &str) -> Result<(), String> {
    sfn_cases::set_wildcards(case);
    let deadline = Instant::now() + Duration::from_secs(60);
    let described = loop {
        let d = ok(addr, "DescribeExecution", &json!({"executionArn": arn}))?;
        if d["status"] != "RUNNING" {
            break d;
        }
        if Instant::now() > deadline {
            return Err("still running after 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = json!({"executionArn": arn, "maxResults": 1000});
        if let Some(t) = &token {
            request["nextToken"] = json!(t);
        }
        let page = ok(addr, "GetExecutionHistory", &request)?;
        events.extend(page["events"].as_array().cloned().unwrap_or_default());
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    sfn_cases::compare(
        case,
        &Outcome {
            status: described["status"].as_str().unwrap_or("?").to_string(),
            output: parsed(described.get("output")),
            error: described["error"].as_str().map(str::to_string),
            cause: described["cause"].as_str().map(str::to_string),
            history: Some(events),
        },
    )
}

#[test]
fn pure_executions_through_the_api_match_aws() {
    let dir = std::env::temp_dir().join(format!("baton-conformance-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let addr = serve(&dir);
    let cases = sfn_cases::runnable_cases(&manifest("../../conformance/sfn/localstack-sfn.jsonl"));
    let mut outcomes: BTreeMap<String, Result<(), String>> = BTreeMap::new();
    let mut running = Vec::new();
    for (n, (id, case)) in cases.iter().enumerate() {
        match start(addr, n, case) {
            Started::Done(result) => {
                outcomes.insert(id.clone(), result);
            }
            Started::Running(arn) => running.push((id, case, arn)),
        }
    }
    for (id, case, arn) in running {
        outcomes.insert(id.clone(), finish(addr, case, &arn));
    }
    let (passed, total) = sfn_cases::check_known(
        &outcomes,
        &manifest("tests/known-failures-api.txt"),
        "Pure executions that differ from AWS through the API",
    );
    println!("pure executions through the API: {passed} of {total} match AWS");
    let _ = std::fs::remove_dir_all(&dir);
}

/// StartExecution of a Standard execution answers the same whether it goes through the
/// blocking pool (the first start of a state machine) or starts on the request's thread
/// (a state machine read within the last second): idempotent starts, ended names, refused
/// names and inputs, and the execution it stored.
#[test]
fn standard_starts_on_the_request_thread_answer_as_through_the_pool() {
    let dir = std::env::temp_dir().join(format!("baton-api-inline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server = Arc::new(
        Server::start(ServerConfig {
            data_dir: dir.clone(),
            ..ServerConfig::default()
        })
        .unwrap(),
    );
    let addr =
        baton_server::api::serve_in_background(Arc::clone(&server), "127.0.0.1:0".parse().unwrap())
            .unwrap();
    let create = |name: &str, definition: Value| {
        ok(
            addr,
            "CreateStateMachine",
            &json!({"name": name, "definition": definition.to_string(),
                    "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .unwrap()["stateMachineArn"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let pass = create(
        "pass",
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": 1}, "ResultPath": "$.r", "End": true}}}),
    );
    let wait = create(
        "wait",
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
    );
    let start = |machine: &str, name: &str, input: &str| {
        call(
            addr,
            "StartExecution",
            &json!({"stateMachineArn": machine, "name": name, "input": input}),
        )
    };
    for (machine, ends) in [(&pass, true), (&wait, false)] {
        // The first start reads the state machine from the store, and keeps it.
        let inline_before = server.inline_starts();
        let cached_at = Instant::now();
        let (status, first) = start(machine, "first", r#"{"n": 1}"#);
        assert_eq!(status, 200, "{first}");
        assert_eq!(server.inline_starts(), inline_before);
        assert!(server.cached_machine(machine).is_some());
        // Then the same answers from the request's thread.
        let (status, again) = start(machine, "first", r#"{"n": 1}"#);
        if ends {
            assert_eq!(status, 400, "{again}");
            assert!(
                again["__type"]
                    .as_str()
                    .unwrap()
                    .ends_with("#ExecutionAlreadyExists")
            );
        } else {
            assert_eq!((status, &again), (200, &first));
        }
        let (status, other) = start(machine, "first", r#"{"n": 2}"#);
        assert_eq!(status, 400, "{other}");
        assert!(
            other["__type"]
                .as_str()
                .unwrap()
                .ends_with("#ExecutionAlreadyExists")
        );
        let (status, bad) = start(machine, "a b", "{}");
        assert_eq!(status, 400, "{bad}");
        assert!(
            bad["__type"].as_str().unwrap().ends_with("#InvalidName"),
            "{bad}"
        );
        let (status, bad) = start(machine, "c", "{");
        assert_eq!(status, 400, "{bad}");
        assert!(
            bad["__type"]
                .as_str()
                .unwrap()
                .ends_with("#InvalidExecutionInput"),
            "{bad}"
        );
        let (status, second) = start(machine, "second", r#"{"n": 2}"#);
        assert_eq!(status, 200, "{second}");
        let described = ok(
            addr,
            "DescribeExecution",
            &json!({"executionArn": second["executionArn"]}),
        )
        .unwrap();
        assert_eq!(described["input"], r#"{"n": 2}"#);
        if ends {
            assert_eq!(described["status"], "SUCCEEDED");
            assert_eq!(described["output"], r#"{"n":2,"r":{"ok":1}}"#);
        } else {
            assert_eq!(described["status"], "RUNNING");
        }
        // No name: a new UUID each time.
        let unnamed = ok(addr, "StartExecution", &json!({"stateMachineArn": machine})).unwrap();
        let unnamed_too = ok(addr, "StartExecution", &json!({"stateMachineArn": machine})).unwrap();
        assert_ne!(unnamed["executionArn"], unnamed_too["executionArn"]);
        // The seven starts after the first ran on the request's thread (the refused name and
        // input among them), unless the machine stalled past the cache's second.
        let inline = server.inline_starts() - inline_before;
        if cached_at.elapsed() < Duration::from_millis(900) {
            assert_eq!(inline, 7, "starts on the request's thread");
        } else {
            assert!(inline > 0, "no start ran on the request's thread");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
