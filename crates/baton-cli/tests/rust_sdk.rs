//! The AWS SDK for Rust (`aws-sdk-sfn`) against `baton server`, changed in nothing but the
//! endpoint URL and dummy credentials: state machines, executions with history, StopExecution,
//! activities and task tokens, versions and aliases, tags, validation and errors.
//! (StartSyncExecution is left out: the SDK sends it to `sync-127.0.0.1`, which does not resolve,
//! and offers no switch to leave the host prefix off.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sfn::types::{ExecutionStatus, RoutingConfigurationListItem, Tag};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> (Server, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rust-sdk");
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut endpoint = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("baton server: Step Functions API on ") {
            endpoint = url.to_string();
        }
        if line.contains("ready") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (Server(child), endpoint)
}

fn client(endpoint: &str) -> Client {
    let conf = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "baton-tests",
        ))
        .build();
    Client::from_conf(conf)
}

const ROLE: &str = "arn:aws:iam::123456789012:role/rust";

async fn wait_for(
    sfn: &Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let d = sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        if d.status() != &ExecutionStatus::Running {
            return d;
        }
        assert!(Instant::now() < deadline, "{arn} still running");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_family() {
    let (_server, endpoint) = start();
    let sfn = client(&endpoint);
    let definition = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"End":true}}}"#;

    // State machines.
    let created = sfn
        .create_state_machine()
        .name("rust")
        .definition(definition)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let arn = created.state_machine_arn().to_string();
    assert_eq!(
        arn,
        "arn:aws:states:us-east-1:123456789012:stateMachine:rust"
    );
    let d = sfn
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.name(), "rust");
    let listed = sfn.list_state_machines().send().await.unwrap();
    assert_eq!(listed.state_machines().len(), 1);
    let err = sfn
        .describe_state_machine()
        .state_machine_arn(format!("{arn}x"))
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_state_machine_does_not_exist());
    let err = sfn
        .create_state_machine()
        .name("bad")
        .definition(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Z"}}}"#)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_invalid_definition());

    // Executions and history.
    let started = sfn
        .start_execution()
        .state_machine_arn(&arn)
        .name("one")
        .input(r#"{"n": 1}"#)
        .send()
        .await
        .unwrap();
    let done = wait_for(&sfn, started.execution_arn()).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"{"n":2}"#));
    let history = sfn
        .get_execution_history()
        .execution_arn(started.execution_arn())
        .send()
        .await
        .unwrap();
    let types: Vec<String> = history
        .events()
        .iter()
        .map(|e| e.r#type().as_str().to_string())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let waiting = sfn
        .create_state_machine()
        .name("waiting")
        .definition(r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}"#)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let long = sfn
        .start_execution()
        .state_machine_arn(waiting.state_machine_arn())
        .send()
        .await
        .unwrap();
    sfn.stop_execution()
        .execution_arn(long.execution_arn())
        .error("Stop")
        .send()
        .await
        .unwrap();
    let stopped = sfn
        .describe_execution()
        .execution_arn(long.execution_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.status(), &ExecutionStatus::Aborted);
    let running = sfn
        .list_executions()
        .state_machine_arn(&arn)
        .status_filter(ExecutionStatus::Succeeded)
        .send()
        .await
        .unwrap();
    assert_eq!(running.executions().len(), 1);

    // Activities and task tokens.
    let activity = sfn.create_activity().name("rustwork").send().await.unwrap();
    let worker = sfn
        .create_state_machine()
        .name("worker")
        .definition(format!(
            r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{}","End":true}}}}}}"#,
            activity.activity_arn()
        ))
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let job = sfn
        .start_execution()
        .state_machine_arn(worker.state_machine_arn())
        .input(r#"{"job": 7}"#)
        .send()
        .await
        .unwrap();
    let task = sfn
        .get_activity_task()
        .activity_arn(activity.activity_arn())
        .worker_name("rust")
        .send()
        .await
        .unwrap();
    assert_eq!(task.input(), Some(r#"{"job":7}"#));
    let token = task.task_token().unwrap().to_string();
    sfn.send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .unwrap();
    sfn.send_task_success()
        .task_token(&token)
        .output(r#"{"ok":true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        wait_for(&sfn, job.execution_arn()).await.output(),
        Some(r#"{"ok":true}"#)
    );
    let err = sfn
        .send_task_failure()
        .task_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_task_does_not_exist());

    // Versions, aliases, tags.
    let version = sfn
        .publish_state_machine_version()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    let alias = sfn
        .create_state_machine_alias()
        .name("live")
        .routing_configuration(
            RoutingConfigurationListItem::builder()
                .state_machine_version_arn(version.state_machine_version_arn())
                .weight(100)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let via = sfn
        .start_execution()
        .state_machine_arn(alias.state_machine_alias_arn())
        .input(r#"{"n": 10}"#)
        .send()
        .await
        .unwrap();
    let d = wait_for(&sfn, via.execution_arn()).await;
    assert_eq!(d.output(), Some(r#"{"n":11}"#));
    assert_eq!(
        d.state_machine_alias_arn(),
        Some(alias.state_machine_alias_arn())
    );
    sfn.tag_resource()
        .resource_arn(&arn)
        .tags(Tag::builder().key("team").value("rust").build())
        .send()
        .await
        .unwrap();
    let tags = sfn
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);

    // Validation.
    let v = sfn
        .validate_state_machine_definition()
        .definition(definition)
        .send()
        .await
        .unwrap();
    assert_eq!(v.result().as_str(), "OK");
    sfn.delete_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
}
