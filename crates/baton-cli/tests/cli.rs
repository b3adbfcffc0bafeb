//! The `baton` binary: exit codes, human output, `--output json`, lint and graph.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn baton(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .output()
        .expect("run baton")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes `text` to a fresh file under the target's temporary directory.
fn file(name: &str, text: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn example() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/hello.asl.json")
        .display()
        .to_string()
}

const INVALID: &str =
    "{\"StartAt\":\"A\",\n \"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"Z\"}}}";

#[test]
fn valid_definition_exits_0() {
    let o = baton(&["validate", &example()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("valid"));
}

#[test]
fn invalid_definition_exits_1_with_rustc_style_output() {
    let f = file("invalid.json", INVALID);
    let o = baton(&["validate", &f]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "{f}:2:38: error[MISSING_TRANSITION_TARGET]: Missing 'Next' target: Z"
        )),
        "{out}"
    );
    assert!(out.contains("  = at /States/A/Next"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(baton(&["validate"]).status.code(), Some(2));
    assert_eq!(
        baton(&["validate", "/no/such/file.json"]).status.code(),
        Some(2)
    );
    assert_eq!(
        baton(&["validate", "--output", "xml", &example()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_output_has_aws_shape_per_file() {
    let bad = file("invalid2.json", INVALID);
    let o = baton(&["validate", "--output", "json", &example(), &bad]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["result"], "OK");
    assert_eq!(lines[1]["result"], "FAIL");
    assert_eq!(lines[1]["truncated"], false);
    let d = &lines[1]["diagnostics"][0];
    assert_eq!(d["severity"], "ERROR");
    assert_eq!(d["code"], "MISSING_TRANSITION_TARGET");
    assert_eq!(d["location"], "/States/A/Next");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(38))
    );
}

#[test]
fn express_type_is_checked() {
    let f = file(
        "activity.json",
        r#"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:x","End":true}}}"#,
    );
    assert_eq!(baton(&["validate", &f]).status.code(), Some(0));
    assert_eq!(
        baton(&["validate", "--type", "EXPRESS", &f]).status.code(),
        Some(1)
    );
}

#[test]
fn yaml_files_are_read() {
    let f = file(
        "machine.yaml",
        "StartAt: S\nStates:\n  S:\n    Type: Succeed\n",
    );
    assert_eq!(baton(&["validate", &f]).status.code(), Some(0));
}

#[test]
fn lint_reports_and_can_be_allowed() {
    let f = file(
        "lint.json",
        r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","End":true}}}"#,
    );
    let o = baton(&["lint", &f]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("warning[TASK_TIMEOUT]"), "{out}");
    assert!(
        out.contains("= help: see docs/lints/TASK_TIMEOUT.md"),
        "{out}"
    );
    let o = baton(&["lint", "--allow", "TASK_TIMEOUT", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn graph_formats() {
    for (format, start) in [
        ("dot", "digraph"),
        ("mermaid", "flowchart TD"),
        ("json", "{"),
    ] {
        let o = baton(&["graph", &example(), "--format", format]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).starts_with(start), "{format}");
    }
    let f = file("invalid3.json", INVALID);
    assert_eq!(baton(&["graph", &f]).status.code(), Some(1));
}

#[test]
fn run_prints_output_and_exits_0() {
    let o = baton(&[
        "run",
        &example(),
        "--input",
        r#"{"name":"Ada","count":3}"#,
        "--fast-forward",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(out["greeting"], "Hello, Ada!");
}

#[test]
fn run_json_output_has_status_output_error_cause_history() {
    let f = file(
        "fail.json",
        r#"{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"bad"}}}"#,
    );
    let o = baton(&["run", &f, "--output", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["status"], "FAILED");
    assert_eq!(v["error"], "Oops");
    assert_eq!(v["cause"], "bad");
    assert!(v["output"].is_null());
    let types: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    );
    assert_eq!(v["history"][1]["stateEnteredEventDetails"]["input"], "{}");
}

#[test]
fn run_fast_forward_skips_a_year_of_waiting() {
    // 364 days: a Standard execution runs for a year at the most.
    let f = file(
        "year.json",
        r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":31449600,"End":true}}}"#,
    );
    let o = baton(&["run", &f, "--fast-forward", "--input", "[1]"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(stdout(&o).trim(), "[\n  1\n]");
}

#[test]
fn run_task_without_target_names_the_resource() {
    let f = file(
        "task.json",
        r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}"#,
    );
    let o = baton(&["run", &f, "--output", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        v["cause"]
            .as_str()
            .unwrap()
            .contains("arn:aws:states:::lambda:invoke"),
        "{v}"
    );
}

#[test]
fn run_usage_and_invalid_definitions_exit_2() {
    let bad = file("invalid4.json", INVALID);
    assert_eq!(baton(&["run", &bad]).status.code(), Some(2));
    assert_eq!(
        baton(&["run", &example(), "--input", "{not json"])
            .status
            .code(),
        Some(2)
    );
    let input = file("input.json", r#"{"name":"Bo","count":1}"#);
    let o = baton(&["run", &example(), "--input-file", &input, "--fast-forward"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        baton(&["run", &example(), "--input", "{}", "--input-file", &input])
            .status
            .code(),
        Some(2)
    );
}
