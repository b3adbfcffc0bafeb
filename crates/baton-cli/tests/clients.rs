//! Real AWS clients against `baton server`, changed in nothing but the endpoint URL and dummy
//! credentials: boto3 (`tests/clients/boto3_suite.py`) and the AWS CLI. Without Python, boto3 or
//! the AWS CLI the tests say they skipped, unless `BATON_REQUIRE_CLIENTS` is set (as `.ci/run`
//! does, after installing them), where a missing client is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    endpoint: String,
    _dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `baton server` on a free loopback port and a fresh data directory.
fn server(tag: &str) -> Server {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("clients-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    start_server(&dir, &[])
}

/// `baton server --data-dir DIR` with more arguments, once it says it is ready.
fn start_server(dir: &std::path::Path, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut endpoint = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("baton server: Step Functions API on ") {
            endpoint = Some(url.to_string());
        }
        if line.contains("ready") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        endpoint: endpoint.expect("the server printed no endpoint"),
        _dir: dir.to_path_buf(),
    }
}

/// Whether a client is there; when it is not, the test skips (or fails under
/// `BATON_REQUIRE_CLIENTS`).
fn available(what: &str, probe: &mut Command) -> bool {
    let ok = probe
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("BATON_REQUIRE_CLIENTS").is_none(),
            "{what} is required (BATON_REQUIRE_CLIENTS) but missing"
        );
        eprintln!("skipped: {what} is not installed");
    }
    ok
}

#[test]
fn boto3() {
    if !available(
        "python3 with boto3",
        Command::new("python3").args(["-c", "import boto3"]),
    ) {
        return;
    }
    let s = server("boto3");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/boto3_suite.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&s.endpoint)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "boto3 suite failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn aws(endpoint: &str, args: &[&str]) -> Value {
    let out = Command::new("aws")
        .args([
            "stepfunctions",
            "--endpoint-url",
            endpoint,
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aws {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn aws_cli() {
    if !available("the AWS CLI", Command::new("aws").arg("--version")) {
        return;
    }
    let s = server("cli");
    let e = &s.endpoint;
    let definition =
        r#"{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"done":true},"End":true}}}"#;
    let created = aws(
        e,
        &[
            "create-state-machine",
            "--name",
            "cli",
            "--definition",
            definition,
            "--role-arn",
            "arn:aws:iam::123456789012:role/r",
        ],
    );
    let arn = created["stateMachineArn"].as_str().unwrap().to_string();
    let listed = aws(e, &["list-state-machines"]);
    assert_eq!(listed["stateMachines"][0]["name"], "cli");
    let started = aws(
        e,
        &[
            "start-execution",
            "--state-machine-arn",
            &arn,
            "--name",
            "one",
        ],
    );
    let execution = started["executionArn"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let d = aws(e, &["describe-execution", "--execution-arn", &execution]);
        if d["status"] != "RUNNING" {
            assert_eq!(d["status"], "SUCCEEDED");
            assert_eq!(d["output"], r#"{"done":true}"#);
            break;
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(50));
    }
    let history = aws(e, &["get-execution-history", "--execution-arn", &execution]);
    assert_eq!(history["events"].as_array().unwrap().len(), 4);
    aws(e, &["delete-state-machine", "--state-machine-arn", &arn]);
}

/// A well-formed SigV4 Authorization header (a server without credentials accepts any).
const AUTH: &str = "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000\r\nX-Amz-Date: 20261201T000000Z\r\n";

/// One raw HTTP/1.1 request; the status and the JSON body.
fn post(endpoint: &str, host: &str, target: Option<&str>, body: &str) -> (u16, Value) {
    raw_post(endpoint, host, target, AUTH, body)
}

fn raw_post(
    endpoint: &str,
    host: &str,
    target: Option<&str>,
    auth: &str,
    body: &str,
) -> (u16, Value) {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    let target = target.map_or(String::new(), |t| format!("X-Amz-Target: {t}\r\n"));
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.0\r\n{target}{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status: u16 = response[9..12].parse().unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/x-amz-json-1.0"),
        "{head}"
    );
    (status, serde_json::from_str(body).unwrap())
}

#[test]
fn the_wire_protocol() {
    let s = server("wire");
    let e = &s.endpoint;
    // Errors: AWS's namespace and status; routed by X-Amz-Target, whatever the Host.
    let (status, body) = post(
        e,
        "sync-127.0.0.1",
        Some("AWSStepFunctions.ListStateMachines"),
        "",
    );
    assert_eq!(
        (status, body["stateMachines"].clone()),
        (200, Value::Array(vec![]))
    );
    let (status, body) = post(e, "x", None, "{}");
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazonaws.swf.service.v2.model#UnknownOperationException"
    );
    let (status, body) = post(e, "x", Some("AWSStepFunctions.DescribeExecution"), "{nope");
    assert_eq!(
        (status, body["__type"].as_str().unwrap()),
        (
            400,
            "com.amazonaws.swf.service.v2.model#SerializationException"
        )
    );
    let (status, body) = post(e, "x", Some("AWSStepFunctions.DescribeExecution"), "{}");
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null"
    );
    let (_, body) = post(
        e,
        "x",
        Some("AWSStepFunctions.ListStateMachines"),
        r#"{"maxResults": 1001}"#,
    );
    assert_eq!(
        body["message"],
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
    );
    let (_, body) = post(
        e,
        "x",
        Some("AWSStepFunctions.ListStateMachines"),
        r#"{"nextToken": "garbage"}"#,
    );
    assert_eq!(
        body["__type"],
        "com.amazonaws.swf.service.v2.model#InvalidToken"
    );
    // No signature at all, or a malformed one: refused even without credentials.
    let list = Some("AWSStepFunctions.ListStateMachines");
    let (status, body) = raw_post(e, "x", list, "", "{}");
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazonaws.swf.service.v2.model#MissingAuthenticationTokenException"
    );
    let malformed = "Authorization: AWS4-HMAC-SHA256 Credential=x\r\n";
    let (status, body) = raw_post(e, "x", list, malformed, "{}");
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazonaws.swf.service.v2.model#IncompleteSignatureException"
    );
}

#[test]
fn with_credentials_only_their_signatures_pass() {
    if !available(
        "python3 with boto3",
        Command::new("python3").args(["-c", "import boto3"]),
    ) {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clients-credentials");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        "[default]\naws_access_key_id = AKIDBATON\naws_secret_access_key = baton-secret\n\n[ci]\naws_access_key_id=AKIDCI\naws_secret_access_key=ci-secret\n",
    )
    .unwrap();
    let server = start_server(
        &dir.join("data"),
        &["--credentials", &file.display().to_string()],
    );
    let script = r#"
import sys, boto3
from botocore.exceptions import ClientError
def client(key, secret):
    return boto3.client("stepfunctions", endpoint_url=sys.argv[1], region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret)
client("AKIDBATON", "baton-secret").list_state_machines()
client("AKIDCI", "ci-secret").list_state_machines()
for key, secret, code in [("AKIDBATON", "wrong", "InvalidSignatureException"),
                          ("AKIDNOBODY", "x", "UnrecognizedClientException")]:
    try:
        client(key, secret).list_state_machines()
        raise SystemExit(f"{key}/{secret} was accepted")
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response
print("ok")
"#;
    let out = Command::new("python3")
        .args(["-c", script, &server.endpoint])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn javascript_sdk_v3() {
    if !available("node and npm", Command::new("npm").arg("--version")) {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/js");
    if !dir.join("node_modules/@aws-sdk/client-sfn").exists() {
        // The locked versions, from the npm registry.
        let installed = Command::new("npm")
            .args(["ci", "--silent", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(installed.success(), "npm ci failed in {}", dir.display());
    }
    let s = server("js");
    let out = Command::new("node")
        .arg("suite.mjs")
        .arg(&s.endpoint)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "JS SDK suite failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Executions acknowledged by StartExecution survive the server: stopped with SIGTERM, or killed
/// with SIGKILL right after the acknowledgements, a new server on the same data directory
/// finishes every one of them.
#[test]
fn acknowledged_starts_survive_sigterm_and_sigkill() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clients-survive");
    let _ = std::fs::remove_dir_all(&dir);
    let list = Some("AWSStepFunctions.CreateStateMachine");
    let definition = r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Result":"done","End":true}}}"#;
    let start_all = |endpoint: &str, prefix: &str| -> Vec<String> {
        (0..40)
            .map(|i| {
                let body = serde_json::json!({
                    "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:survive",
                    "name": format!("{prefix}{i}")})
                .to_string();
                let (status, v) = post(
                    endpoint,
                    "x",
                    Some("AWSStepFunctions.StartExecution"),
                    &body,
                );
                assert_eq!(status, 200, "{v}");
                v["executionArn"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let mut first = start_server(&dir, &[]);
    let body = serde_json::json!({"name": "survive", "definition": definition,
        "roleArn": "arn:aws:iam::123456789012:role/r"})
    .to_string();
    assert_eq!(post(&first.endpoint, "x", list, &body).0, 200);
    let mut arns = start_all(&first.endpoint, "term");
    // SIGTERM: the server stops cleanly, its executions still waiting.
    let status = Command::new("kill")
        .args(["-TERM", &first.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(first.child.wait().unwrap().success());
    let mut second = start_server(&dir, &[]);
    arns.extend(start_all(&second.endpoint, "kill"));
    // SIGKILL right after the acknowledgements.
    second.child.kill().unwrap();
    second.child.wait().unwrap();
    let third = start_server(&dir, &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    for arn in &arns {
        loop {
            let body = serde_json::json!({"executionArn": arn}).to_string();
            let (status, d) = post(
                &third.endpoint,
                "x",
                Some("AWSStepFunctions.DescribeExecution"),
                &body,
            );
            assert_eq!(status, 200, "{arn}: {d}");
            if d["status"] != "RUNNING" {
                assert_eq!(d["status"], "SUCCEEDED", "{arn}");
                assert_eq!(d["output"], "\"done\"");
                break;
            }
            assert!(Instant::now() < deadline, "{arn} still running");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// An API call through the raw protocol; the body of a 200 answer.
fn call(endpoint: &str, operation: &str, body: Value) -> Value {
    let (status, answer) = post(
        endpoint,
        "127.0.0.1",
        Some(&format!("AWSStepFunctions.{operation}")),
        &body.to_string(),
    );
    assert_eq!(status, 200, "{operation}: {answer}");
    answer
}

/// Polls until `check` gives something (10 s at most).
fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Two `baton server` processes on one PostgreSQL database answer the same: an execution
/// started through one is seen, completed (SendTaskSuccess) and stopped through the other.
#[test]
fn two_servers_share_one_postgres_database() {
    let Ok(url) = std::env::var("BATON_TEST_POSTGRES_URL") else {
        println!("skipped: BATON_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!("baton_nodes_{}", std::process::id());
    // The schema, made (with its tables) before the servers start; dropped at the end.
    baton_store::PostgresStore::connect_in_schema(&url, &schema).unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let node_url = format!("{url}{separator}options=-csearch_path%3D{schema}");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clients-nodes");
    let lease = ["--node-lease-seconds", "2"];
    let a = start_server(&dir, &[&["--database-url", &node_url][..], &lease].concat());
    let b = start_server(&dir, &[&["--database-url", &node_url][..], &lease].concat());
    let (a, b) = (&a.endpoint, &b.endpoint);
    let definition = json_text(serde_json::json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 1, "End": true}}}));
    let machine = call(
        a,
        "CreateStateMachine",
        serde_json::json!({"name": "shared", "definition": definition,
                           "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_string();
    let start = |node: &str, name: &str| {
        call(
            node,
            "StartExecution",
            serde_json::json!({"stateMachineArn": machine, "name": name}),
        )["executionArn"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let on_a = start(a, "on-a");
    // B sees A's execution and answers its callback; its Wait's timer fires on either node.
    let token = eventually("the callback's token", || {
        let history = call(
            b,
            "GetExecutionHistory",
            serde_json::json!({"executionArn": on_a}),
        );
        history["events"].as_array()?.iter().find_map(|e| {
            let p = e["taskScheduledEventDetails"]["parameters"].as_str()?;
            let p: Value = serde_json::from_str(p).ok()?;
            Some(p["MessageBody"]["token"].as_str()?.to_string())
        })
    });
    call(
        b,
        "SendTaskSuccess",
        serde_json::json!({"taskToken": token, "output": "{\"answer\":42}"}),
    );
    let done = eventually("the execution to succeed", || {
        let d = call(
            a,
            "DescribeExecution",
            serde_json::json!({"executionArn": on_a}),
        );
        (d["status"] == "SUCCEEDED").then_some(d)
    });
    assert_eq!(done["output"], "{\"answer\":42}");
    // An execution started on B is stopped through A.
    let on_b = start(b, "on-b");
    call(
        a,
        "StopExecution",
        serde_json::json!({"executionArn": on_b, "error": "Enough"}),
    );
    let d = call(
        b,
        "DescribeExecution",
        serde_json::json!({"executionArn": on_b}),
    );
    assert_eq!(
        (d["status"].as_str(), d["error"].as_str()),
        (Some("ABORTED"), Some("Enough"))
    );
    // Both list the same executions, and the history ids are contiguous.
    let names = |node: &str| -> Vec<String> {
        call(
            node,
            "ListExecutions",
            serde_json::json!({"stateMachineArn": machine}),
        )["executions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(a), ["on-b", "on-a"]);
    assert_eq!(names(a), names(b));
    let history = call(
        a,
        "GetExecutionHistory",
        serde_json::json!({"executionArn": on_a}),
    );
    for (i, e) in history["events"].as_array().unwrap().iter().enumerate() {
        assert_eq!(e["id"], i + 1);
    }
    // A third server dies (SIGKILL) while its execution waits: once its 1 s lease has run out,
    // A or B takes the execution over and fires its timer.
    let c = start_server(
        &dir,
        &["--database-url", &node_url, "--node-lease-seconds", "1"],
    );
    let napper = call(
        &c.endpoint,
        "CreateStateMachine",
        serde_json::json!({"name": "napper", "roleArn": "arn:aws:iam::123456789012:role/r",
            "definition": json_text(serde_json::json!({"StartAt": "Nap", "States": {
                "Nap": {"Type": "Wait", "Seconds": 3, "Next": "Done"},
                "Done": {"Type": "Pass", "Result": "woke", "End": true}}}))}),
    )["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_string();
    let orphan = call(
        &c.endpoint,
        "StartExecution",
        serde_json::json!({"stateMachineArn": napper, "name": "orphan"}),
    )["executionArn"]
        .as_str()
        .unwrap()
        .to_string();
    drop(c);
    let done = eventually("a dead server's execution to be taken over", || {
        let d = call(
            b,
            "DescribeExecution",
            serde_json::json!({"executionArn": orphan}),
        );
        (d["status"] != "RUNNING").then_some(d)
    });
    assert_eq!(
        (done["status"].as_str(), done["output"].as_str()),
        (Some("SUCCEEDED"), Some("\"woke\""))
    );
    drop_schema(&url, &schema);
}

fn json_text(v: Value) -> String {
    v.to_string()
}

fn drop_schema(url: &str, schema: &str) {
    let status = Command::new("psql")
        .args([
            url,
            "-qc",
            &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        ])
        .status();
    if !status.is_ok_and(|s| s.success()) {
        println!("could not drop schema {schema}");
    }
}

/// StartSyncExecution runs a state machine it read less than a second ago without the store,
/// but an update (or a deletion) through the same server is seen by the very next start.
#[test]
fn start_sync_sees_an_update_at_once() {
    let server = server("sync-cache");
    let e = &server.endpoint;
    let says = |word: &str| {
        json_text(serde_json::json!({"StartAt": "Say", "States": {
            "Say": {"Type": "Pass", "Result": word, "End": true}}}))
    };
    let arn = call(
        e,
        "CreateStateMachine",
        serde_json::json!({"name": "says", "type": "EXPRESS", "definition": says("one"),
                           "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_string();
    let run = || {
        call(
            e,
            "StartSyncExecution",
            serde_json::json!({"stateMachineArn": arn, "input": "{}"}),
        )["output"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The first start reads the store, the second runs from the cache.
    assert_eq!(run(), "\"one\"");
    assert_eq!(run(), "\"one\"");
    call(
        e,
        "UpdateStateMachine",
        serde_json::json!({"stateMachineArn": arn, "definition": says("two")}),
    );
    assert_eq!(run(), "\"two\"");
    assert_eq!(run(), "\"two\"");
    call(
        e,
        "DeleteStateMachine",
        serde_json::json!({"stateMachineArn": arn}),
    );
    let (status, answer) = post(
        e,
        "127.0.0.1",
        Some("AWSStepFunctions.StartSyncExecution"),
        &serde_json::json!({"stateMachineArn": arn, "input": "{}"}).to_string(),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("StateMachineDoesNotExist")),
        "{answer}"
    );
    // A bad input is refused on the fast path as on the slow one.
    let again = call(
        e,
        "CreateStateMachine",
        serde_json::json!({"name": "says2", "type": "EXPRESS", "definition": says("x"),
                           "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_string();
    // A good start first, so that the state machine is cached.
    call(
        e,
        "StartSyncExecution",
        serde_json::json!({"stateMachineArn": again, "input": "{}"}),
    );
    for _ in 0..2 {
        let (status, answer) = post(
            e,
            "127.0.0.1",
            Some("AWSStepFunctions.StartSyncExecution"),
            &serde_json::json!({"stateMachineArn": again, "input": "{not json"}).to_string(),
        );
        assert_eq!(status, 400, "{answer}");
        assert!(
            answer["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("InvalidExecutionInput")),
            "{answer}"
        );
    }
}
