//! Benchmark of the API over loopback: `cargo bench -p baton-server --bench api`.
//!
//! A server runs in this process on a free port (its data in a temporary SQLite file); a load
//! generator of our own (raw HTTP/1.1 with keep-alive, one thread per connection, so that the
//! client is not what is measured) drives it with 8 connections:
//!
//! - StartSyncExecution of a 5-state Express machine with a 1 KiB input: round trips per second
//!   and latency p50/p99 (target: 10,000/s, p50 at most 0.5 ms);
//! - StartExecution of a Standard machine (durable: each start is committed before it is
//!   acknowledged): starts per second (target: 3,000/s).
//!
//! `BATON_BENCH_SECONDS` sets the seconds per measurement (default 5); `BATON_BENCH_ONLY`
//! (`sync` or `start`) runs one of the two. `BATON_BENCH_ENDPOINT=HOST:PORT` measures another
//! Step Functions endpoint (a peer emulator) with the same load generator instead of a server
//! in this process; the state machines get names of their own there.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use baton_server::{Server, ServerConfig};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 8;

// As the `baton` binary does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn serve(dir: &std::path::Path) -> SocketAddr {
    let config = ServerConfig {
        data_dir: dir.to_path_buf(),
        ..ServerConfig::default()
    };
    let server = Arc::new(Server::start(config).unwrap());
    baton_server::api::serve_in_background(server, "127.0.0.1:0".parse().unwrap()).unwrap()
}

/// A keep-alive connection.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn call(&mut self, operation: &str, body: &str) -> (u16, String) {
        // The whole request in one write, as an SDK's HTTP client sends it (a write per
        // header line would cost a segment and a wakeup each).
        let mut request = Vec::with_capacity(512 + body.len());
        write!(
            request,
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n\
             X-Amz-Target: AWSStepFunctions.{operation}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature={}\r\n\
             X-Amz-Date: 20261201T000000Z\r\nContent-Length: {}\r\n\r\n{body}",
            "0".repeat(64),
            body.len()
        )
        .unwrap();
        self.writer.write_all(&request).unwrap();
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line).unwrap();
        let status: u16 = status_line[9..12].parse().unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        (status, String::from_utf8(body).unwrap())
    }
}

fn call_once(addr: SocketAddr, operation: &str, body: &Value) -> Value {
    let (status, text) = Client::new(addr).call(operation, &body.to_string());
    assert_eq!(status, 200, "{operation}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Runs `make_body` requests on 8 connections for `seconds`; (calls/s, sorted latencies).
fn load(
    addr: SocketAddr,
    operation: &'static str,
    seconds: f64,
    make_body: Arc<dyn Fn(usize, usize) -> String + Send + Sync>,
    check: fn(&str) -> bool,
) -> (f64, Vec<Duration>) {
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|c| {
            let (stop, make_body) = (Arc::clone(&stop), Arc::clone(&make_body));
            std::thread::spawn(move || {
                let mut client = Client::new(addr);
                let mut latencies = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let body = make_body(c, i);
                    let t = Instant::now();
                    let (status, text) = client.call(operation, &body);
                    latencies.push(t.elapsed());
                    assert!(
                        status == 200 && check(&text),
                        "{operation}: {status} {text}"
                    );
                    i += 1;
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    (all.len() as f64 / elapsed, all)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1e3
}

fn five_states() -> String {
    json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"order.$": "$.order", "step": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "ResultPath": "$.b", "Result": {"ok": true}, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.b.ok", "BooleanEquals": true, "Next": "D"}], "Default": "E"},
        "D": {"Type": "Pass", "OutputPath": "$.a", "Next": "E"},
        "E": {"Type": "Succeed"}
    }})
    .to_string()
}

fn input_1k() -> String {
    let items: Vec<Value> = (0..14)
        .map(|i| json!({"sku": format!("SKU-{i:05}"), "name": format!("Item number {i}"), "price": 10.5 + f64::from(i), "qty": i + 1}))
        .collect();
    json!({"order": {"id": "ord-123456", "items": items, "currency": "EUR"},
           "customer": {"name": "Ada Lovelace", "email": "ada@example.com"}})
    .to_string()
}

fn main() {
    let seconds: f64 = std::env::var("BATON_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let dir = std::env::temp_dir().join(format!("baton-bench-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let endpoint = std::env::var("BATON_BENCH_ENDPOINT").ok();
    let addr = match &endpoint {
        Some(peer) => peer.parse().expect("BATON_BENCH_ENDPOINT is HOST:PORT"),
        None => serve(&dir),
    };
    // A peer keeps what earlier runs created: names of this run's own there.
    let suffix = if endpoint.is_some() {
        format!("-{}", std::process::id())
    } else {
        String::new()
    };
    let role = "arn:aws:iam::123456789012:role/bench";
    let express = call_once(
        addr,
        "CreateStateMachine",
        &json!({"name": format!("express5{suffix}"), "type": "EXPRESS", "definition": five_states(), "roleArn": role}),
    )["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_string();
    let standard = call_once(
        addr,
        "CreateStateMachine",
        &json!({"name": format!("standard5{suffix}"), "definition": five_states(), "roleArn": role}),
    )["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_string();
    let input = input_1k();
    println!(
        "input {} bytes, {CONNECTIONS} connections, {seconds} s per measurement",
        input.len()
    );

    // BATON_BENCH_ONLY=sync or =start runs one of the two (for profiling).
    let only = std::env::var("BATON_BENCH_ONLY").unwrap_or_default();
    let body = json!({"stateMachineArn": express, "input": input}).to_string();
    let sync_body = Arc::new(move |_: usize, _: usize| body.clone());
    if only != "start" {
        load(addr, "StartSyncExecution", 1.0, sync_body.clone(), |t| {
            t.contains("SUCCEEDED")
        });
        let (rate, lat) = load(addr, "StartSyncExecution", seconds, sync_body, |t| {
            t.contains("SUCCEEDED")
        });
        println!(
            "StartSyncExecution (Express, 5 states)  {rate:>9.0}/s  p50 {:.3} ms  p99 {:.3} ms   target 10,000/s, p50 <= 0.5 ms: {}",
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            if rate >= 10_000.0 && pct(&lat, 0.5) <= 0.5 {
                "PASS"
            } else {
                "FAIL"
            }
        );
    }

    let input2 = input_1k();
    if only == "sync" {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let start_body = Arc::new(move |c: usize, i: usize| {
        json!({"stateMachineArn": standard, "name": format!("c{c}-{i}"), "input": input2})
            .to_string()
    });
    let (rate, lat) = load(addr, "StartExecution", seconds, start_body, |t| {
        t.contains("executionArn")
    });
    println!(
        "StartExecution (Standard, durable)      {rate:>9.0}/s  p50 {:.3} ms  p99 {:.3} ms   target 3,000/s: {}",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        if rate >= 3_000.0 { "PASS" } else { "FAIL" }
    );
    if std::env::var_os("BATON_BENCH_KEEP").is_some() {
        println!("data kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
