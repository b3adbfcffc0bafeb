//! The deterministic core of one execution: `(state, signal) -> (new state, history events,
//! commands)`. It does no I/O and reads no clock: time, task results and randomness come in as
//! inputs, and tasks and timers go out as [`Command`]s that a driver carries out.
//!
//! An execution is a tree of *frames*: the top level, and one frame per running Parallel branch
//! or Map iteration. Each frame runs one state at a time; a frame waiting for a task, a timer or
//! its children is parked until a [`Signal`] wakes it. Ready frames run in FIFO order, so the
//! same inputs always give the same history.

use crate::choice;
use crate::dataflow::{self, Env, Vars};
use crate::error::{self, StatesError};
use crate::history::{self, HistoryEvent, HistoryEventType as T, json_text, payload_details};
use crate::jsonata::{self, States};
use crate::time;
use baton_asl::intrinsic::SplitMix64;
use baton_asl::model::*;
use baton_json::{Json as Value, Map, json};
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Identifies a task the core asked the driver to run.
pub type TaskId = u64;
/// Identifies a timer the core asked the driver to start.
pub type TimerId = u64;
type FrameId = usize;
/// The machine, a state's index and its block path: enough to find the state again.
type StateRef = (Arc<StateMachine>, usize, Vec<(usize, usize)>);

/// The largest payload (input, output, result) Step Functions accepts: 256 KiB.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// The most bytes all of an execution's variables may hold: 10 MiB.
pub const MAX_VARIABLES_BYTES: usize = 10 * 1024 * 1024;

/// The most events a Standard execution's history may hold; the last is its ExecutionFailed.
pub const MAX_HISTORY_EVENTS: usize = 25_000;

/// The most events an Express execution records in one step (see `check_express_step`).
pub const EXPRESS_STEP_EVENTS: u64 = 100_000;

/// The layout of [`Execution::snapshot`]; bumped when it changes.
const SNAPSHOT_VERSION: u32 = 1;

/// A snapshot could not be made or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("execution snapshot: {0}")]
pub struct SnapshotError(pub String);

#[derive(serde::Serialize)]
struct SnapshotRef<'a> {
    version: u32,
    info: &'a ExecutionInfo,
    input: &'a Arc<Value>,
    frames: &'a [Option<Frame>],
    ready: &'a VecDeque<FrameId>,
    events: u64,
    timers: &'a BTreeMap<TimerId, TimerPurpose>,
    tasks: &'a BTreeMap<TaskId, FrameId>,
    next_id: u64,
    now: i64,
    status: Status,
    output: &'a Option<Value>,
    error: &'a Option<StatesError>,
    entropy: u64,
    resume: &'a Option<Frame>,
    redrive_count: u64,
    redrive_millis: Option<i64>,
}

#[derive(serde::Deserialize)]
struct SnapshotOwned {
    version: u32,
    info: ExecutionInfo,
    input: Arc<Value>,
    frames: Vec<Option<Frame>>,
    ready: VecDeque<FrameId>,
    events: u64,
    timers: BTreeMap<TimerId, TimerPurpose>,
    tasks: BTreeMap<TaskId, FrameId>,
    next_id: u64,
    now: i64,
    status: Status,
    output: Option<Value>,
    error: Option<StatesError>,
    entropy: u64,
    #[serde(default)]
    resume: Option<Frame>,
    #[serde(default)]
    redrive_count: u64,
    #[serde(default)]
    redrive_millis: Option<i64>,
}

/// Who and what an execution is: the values the context object (`$$`) exposes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExecutionInfo {
    /// `Execution.Id`.
    pub execution_arn: String,
    /// `Execution.Name`.
    pub name: String,
    /// `StateMachine.Id`.
    pub state_machine_arn: String,
    /// `StateMachine.Name`.
    pub state_machine_name: String,
    /// `Execution.RoleArn`.
    pub role_arn: String,
    /// `Execution.StartTime`, in milliseconds since the epoch.
    pub start_millis: i64,
    /// Seed of the execution's randomness (`States.MathRandom`, `States.UUID`, jitter).
    pub seed: u64,
}

/// A task for the driver to run.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    /// The id to answer with.
    pub task: TaskId,
    /// The Task state's `Resource`.
    pub resource: String,
    /// The task's input (after InputPath/Parameters or Arguments).
    pub input: Value,
    /// The state that runs it.
    pub state_name: String,
    /// `TimeoutSeconds`, if set (the core times the task out itself).
    pub timeout_seconds: Option<u64>,
    /// `HeartbeatSeconds`, if set.
    pub heartbeat_seconds: Option<u64>,
    /// The evaluated `Credentials`, if any.
    pub credentials: Option<Value>,
    /// The task token of a `.waitForTaskToken` task (`$$.Task.Token`): whoever completes the
    /// task (SendTaskSuccess/Failure/Heartbeat) names it.
    pub task_token: Option<String>,
}

/// What the core asks of its driver.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run a task and answer with [`Signal::TaskSucceeded`] or [`Signal::TaskFailed`].
    ScheduleTask(Box<TaskRequest>),
    /// Answer with [`Signal::TimerFired`] at this time.
    StartTimer {
        /// The timer.
        timer: TimerId,
        /// When, in milliseconds since the epoch.
        fire_at_millis: i64,
    },
    /// The task's answer is no longer wanted (timed out, or its branch was stopped).
    CancelTask {
        /// The task.
        task: TaskId,
        /// Its task token, for a callback task (as in its [`TaskRequest`]).
        token: Option<String>,
    },
}

/// What the driver tells the core.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// A task finished with this output.
    TaskSucceeded {
        /// The task.
        task: TaskId,
        /// Its result.
        output: Value,
    },
    /// A task failed.
    TaskFailed {
        /// The task.
        task: TaskId,
        /// Its error.
        error: StatesError,
    },
    /// An activity's worker took the task (`GetActivityTask`): records ActivityStarted.
    TaskStarted {
        /// The task.
        task: TaskId,
        /// The worker's name, as it gave it.
        worker_name: Option<String>,
    },
    /// A heartbeat for the task (`SendTaskHeartbeat`): its heartbeat timeout starts again.
    TaskHeartbeat {
        /// The task.
        task: TaskId,
    },
    /// A timer fired.
    TimerFired {
        /// The timer.
        timer: TimerId,
    },
    /// `StopExecution`.
    Stop {
        /// The error recorded on the aborted execution.
        error: Option<String>,
        /// The cause recorded on the aborted execution.
        cause: Option<String>,
    },
    /// `UpdateMapRun`: new settings for a running Map Run (the fields given).
    UpdateMapRun {
        /// The Map Run.
        map_run_arn: String,
        /// `maxConcurrency` (0: no limit).
        max_concurrency: Option<u64>,
        /// `toleratedFailureCount`.
        tolerated_failure_count: Option<u64>,
        /// `toleratedFailurePercentage`.
        tolerated_failure_percentage: Option<f64>,
    },
}

/// A Map Run (a Distributed Map's run) as it stands after a step.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRunUpdate {
    /// `mapRunArn`.
    pub arn: String,
    /// `startDate`, milliseconds since the epoch.
    pub start_millis: i64,
    /// `stopDate`, once it ended.
    pub stop_millis: Option<i64>,
    /// `RUNNING`, `SUCCEEDED`, `FAILED` or `ABORTED`.
    pub status: &'static str,
    /// `maxConcurrency` (0: no limit).
    pub max_concurrency: u64,
    /// `toleratedFailureCount`.
    pub tolerated_failure_count: u64,
    /// `toleratedFailurePercentage`.
    pub tolerated_failure_percentage: f64,
    /// Items (and child executions) not started yet.
    pub pending: u64,
    /// Running now.
    pub running: u64,
    /// Succeeded.
    pub succeeded: u64,
    /// Failed.
    pub failed: u64,
    /// Timed out.
    pub timed_out: u64,
    /// Aborted.
    pub aborted: u64,
    /// All items.
    pub total: u64,
}

/// A child execution of a Map Run as it stands after a step.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRunChild {
    /// The Map Run.
    pub map_run_arn: String,
    /// `executionArn`.
    pub arn: String,
    /// `name`.
    pub name: String,
    /// `status`.
    pub status: Status,
    /// `startDate`.
    pub start_millis: i64,
    /// `stopDate`, once it ended.
    pub stop_millis: Option<i64>,
}

impl Signal {
    /// The answer of a task: [`Signal::TaskSucceeded`] with its output, or
    /// [`Signal::TaskFailed`] with its error.
    pub fn task_result(task: TaskId, result: Result<Value, StatesError>) -> Signal {
        match result {
            Ok(output) => Signal::TaskSucceeded { task, output },
            Err(error) => Signal::TaskFailed { task, error },
        }
    }
}

/// The status of an execution, as `DescribeExecution` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    /// Still running.
    Running,
    /// Ended in success.
    Succeeded,
    /// Ended in failure.
    Failed,
    /// Ran past the state machine's `TimeoutSeconds`.
    TimedOut,
    /// Stopped by `StopExecution`.
    Aborted,
}

impl Status {
    /// AWS's name (`SUCCEEDED`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum TimerPurpose {
    Wait(FrameId),
    Retry(FrameId),
    TaskTimeout(FrameId, TaskId),
    TaskHeartbeat(FrameId, TaskId),
    ExecutionTimeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum ChildKind {
    Parallel,
    Map,
}

/// A Distributed Map child's own identity, as its context object shows it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ChildExecution {
    arn: String,
    name: String,
    input: Value,
    #[serde(default)]
    start_millis: i64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Children {
    kind: ChildKind,
    /// Inputs of the children not started yet, by slot.
    inputs: Vec<Option<Value>>,
    results: Vec<Option<Value>>,
    running: Vec<FrameId>,
    next: usize,
    done: usize,
    failed: usize,
    max_concurrency: usize,
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
    /// A distributed Map: iterations are child executions of a Map Run.
    distributed: bool,
    /// The MapRunStarted event (distributed Maps): MapStateExited follows it.
    map_run_started: u64,
    /// The Map Run's ARN (distributed Maps).
    #[serde(default)]
    map_run_arn: String,
    /// Children that failed or were aborted, as they stood (state, input, variables): a
    /// redrive runs them again from there, and keeps the results of the others.
    #[serde(default)]
    unfinished: Vec<(usize, Frame)>,
    /// When the Map Run started (distributed Maps).
    #[serde(default)]
    map_run_start: i64,
    /// Children that timed out (counted in `failed` too).
    #[serde(default)]
    timed_out: usize,
    /// Children stopped because a sibling failed or the execution ended.
    #[serde(default)]
    aborted: usize,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Phase {
    /// About to enter the state (record `...StateEntered`).
    Enter,
    /// Entered: do the state's work (also after a retry delay).
    Run,
    AwaitTask {
        task: TaskId,
        resource: String,
        /// An activity's worker has taken it (ActivityStarted recorded).
        started: bool,
        /// `HeartbeatSeconds` of an activity or callback task: the longest gap between heartbeats.
        heartbeat: Option<u64>,
    },
    AwaitWait {
        output: Value,
        assigned: Option<Map>,
    },
    AwaitRetry,
    AwaitChildren(Box<Children>),
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Frame {
    /// Which block: (state index, branch index) steps from the top level.
    block: Vec<(usize, usize)>,
    state: StateId,
    /// The current state's raw input, shared with the history.
    input: Arc<Value>,
    vars: Vars,
    parent: Option<(FrameId, usize)>,
    last_event: u64,
    phase: Phase,
    /// Attempts made per retrier in the current state.
    attempts: Vec<u64>,
    entered_at: i64,
    /// Id of the current state's `...StateEntered` event.
    entered_event: u64,
    /// The event that `...StateEntered` event follows.
    entered_prev: u64,
    /// `MapStateFailed`/`ParallelStateFailed`, recorded only if the failure is not retried.
    failed_event: Option<T>,
    /// A distributed Map's child: its events belong to its own child execution, not here.
    silent: bool,
    retry_count: u64,
    /// For a Distributed Map's child execution (and the frames below it): its own
    /// `$$.Execution` (Id, Name, Input).
    child_execution: Option<Arc<ChildExecution>>,
    /// The token of the callback task this frame's current attempt waits on
    /// (`.waitForTaskToken`); `$$.Task.Token` reads it.
    task_token: Option<String>,
    /// A Parallel or Map state that failed (or was stopped) with some of its children
    /// unfinished: a redrive runs only those again.
    #[serde(default)]
    redrive: Option<Box<Children>>,
}

/// One execution of a state machine.
#[derive(Debug)]
pub struct Execution {
    machine: Arc<StateMachine>,
    info: ExecutionInfo,
    input: Arc<Value>,
    frames: Vec<Option<Frame>>,
    ready: VecDeque<FrameId>,
    /// Events recorded since the last [`Execution::take_history`].
    history: Vec<HistoryEvent>,
    /// How many events were taken before them (ids continue from here).
    history_base: u64,
    commands: Vec<Command>,
    timers: BTreeMap<TimerId, TimerPurpose>,
    tasks: BTreeMap<TaskId, FrameId>,
    next_id: u64,
    now: i64,
    status: Status,
    output: Option<Value>,
    error: Option<StatesError>,
    entropy: SplitMix64,
    /// Where a redrive picks up: the top-level frame as it stood when the execution failed,
    /// timed out or was stopped (with its unfinished branches and iterations).
    resume: Option<Frame>,
    /// `$$.Execution.RedriveCount`.
    redrive_count: u64,
    /// `$$.Execution.RedriveTime`, after a redrive.
    redrive_millis: Option<i64>,
    /// Map Runs changed since the last [`Execution::take_map_runs`] (not in the snapshot).
    map_runs: BTreeMap<String, MapRunUpdate>,
    /// Map Run child executions started or ended since then.
    map_run_children: Vec<MapRunChild>,
}

/// Finds the block a frame runs in.
fn block_of<'m>(machine: &'m StateMachine, path: &[(usize, usize)]) -> Option<&'m Block> {
    let mut block = &machine.root;
    for &(state, branch) in path {
        block = match &block.states.get(state)?.kind {
            StateKind::Parallel(p) => p.branches.get(branch)?,
            StateKind::Map(m) => &m.processor,
            _ => return None,
        };
    }
    Some(block)
}

/// Which family of history events a Task's resource records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskKind {
    /// Service integrations (`arn:aws:states:::...`): Task* events.
    Service,
    /// A bare Lambda function ARN: LambdaFunction* events.
    Lambda,
    /// An activity ARN: Activity* events.
    Activity,
}

pub(crate) fn task_kind(resource: &str) -> TaskKind {
    let mut parts = resource.splitn(7, ':');
    let (service, kind) = (parts.nth(2), parts.nth(2));
    match (service, kind) {
        (Some("lambda"), Some("function")) => TaskKind::Lambda,
        (Some("states"), Some("activity")) => TaskKind::Activity,
        _ => TaskKind::Service,
    }
}

/// `resourceType` and `resource` of a Task's history details.
fn resource_parts(arn: &str) -> (String, String) {
    if let Some(rest) = arn.split(":::").nth(1) {
        // arn:aws:states:::lambda:invoke, arn:aws:states:::aws-sdk:s3:getObject
        if let Some((ty, res)) = rest.rsplit_once(':') {
            return (ty.to_string(), res.to_string());
        }
    }
    let service = arn.split(':').nth(2).unwrap_or("").to_string();
    (service, arn.to_string())
}

fn assigned_details(assigned: &Map) -> Value {
    Value::from_map(
        assigned
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(json_text(v))))
            .collect(),
    )
}

/// The most an Express execution may run: five minutes, whatever its TimeoutSeconds says.
pub const EXPRESS_LIMIT_SECONDS: u64 = 300;

/// The most a Standard execution may run: one year.
pub const STANDARD_LIMIT_SECONDS: u64 = 365 * 24 * 3600;

/// When the execution times out (`States.Timeout`): the machine's TimeoutSeconds, capped at
/// the workflow type's limit (five minutes for Express, a year for Standard).
fn execution_limit_seconds(machine: &StateMachine) -> u64 {
    let cap = match machine.workflow_type {
        WorkflowType::Express => EXPRESS_LIMIT_SECONDS,
        WorkflowType::Standard => STANDARD_LIMIT_SECONDS,
    };
    machine.timeout_seconds.map_or(cap, |s| s.min(cap))
}

impl Execution {
    /// Starts an execution at time `now` (milliseconds since the epoch).
    pub fn start(
        machine: Arc<StateMachine>,
        info: ExecutionInfo,
        input: Value,
        now: i64,
    ) -> Execution {
        let entropy = SplitMix64(info.seed);
        let mut ex = Execution {
            machine,
            info,
            input: Arc::new(input.clone()),
            frames: Vec::new(),
            ready: VecDeque::new(),
            history: Vec::new(),
            history_base: 0,
            commands: Vec::new(),
            timers: BTreeMap::new(),
            tasks: BTreeMap::new(),
            next_id: 1,
            now,
            status: Status::Running,
            output: None,
            error: None,
            entropy,
            resume: None,
            redrive_count: 0,
            redrive_millis: None,
            map_runs: BTreeMap::new(),
            map_run_children: Vec::new(),
        };
        let input = Arc::new(input);
        let started = ex.record_payload(
            0,
            T::ExecutionStarted,
            Some(json!({
                "inputDetails": payload_details(),
                "roleArn": ex.info.role_arn,
            })),
            Some(("input", Arc::clone(&input))),
        );
        {
            let secs = execution_limit_seconds(&ex.machine);
            let timer = ex.new_id();
            ex.timers.insert(timer, TimerPurpose::ExecutionTimeout);
            ex.commands.push(Command::StartTimer {
                timer,
                fire_at_millis: now.saturating_add(secs.saturating_mul(1000) as i64),
            });
        }
        let start_at = ex.machine.root.start_at;
        // AWS records the first state's entry as following no event (previousEventId 0).
        let _ = started;
        let fid = ex.spawn(
            Vec::new(),
            start_at,
            (*input).clone(),
            Vars::default(),
            None,
            0,
        );
        ex.ready.push_back(fid);
        ex.run();
        ex
    }

    /// Applies a signal at time `now`.
    pub fn signal(&mut self, now: i64, signal: Signal) {
        self.now = now.max(self.now);
        if self.status != Status::Running {
            return;
        }
        match signal {
            Signal::TaskSucceeded { task, output } => {
                if let Some(fid) = self.tasks.remove(&task) {
                    self.task_succeeded(fid, task, output);
                }
            }
            Signal::TaskFailed { task, error } => {
                if let Some(fid) = self.tasks.remove(&task) {
                    self.task_failed(fid, error, T::TaskFailed);
                }
            }
            Signal::TaskStarted { task, worker_name } => {
                if let Some(&fid) = self.tasks.get(&task) {
                    self.activity_started(fid, worker_name);
                }
            }
            Signal::TaskHeartbeat { task } => {
                if let Some(&fid) = self.tasks.get(&task) {
                    self.heartbeat(fid, task);
                }
            }
            Signal::TimerFired { timer } => match self.timers.remove(&timer) {
                Some(TimerPurpose::Wait(fid)) => self.wait_done(fid),
                Some(TimerPurpose::Retry(fid)) => {
                    if let Some(f) = self.frame_mut(fid) {
                        f.phase = Phase::Run;
                        self.ready.push_back(fid);
                    }
                }
                Some(TimerPurpose::TaskTimeout(fid, task))
                    if self.tasks.remove(&task).is_some() =>
                {
                    let token = self.frame(fid).and_then(|f| f.task_token.clone());
                    self.commands.push(Command::CancelTask { task, token });
                    self.task_failed(fid, StatesError::bare(error::TIMEOUT), T::TaskTimedOut);
                }
                Some(TimerPurpose::TaskHeartbeat(fid, task))
                    if self.tasks.remove(&task).is_some() =>
                {
                    let token = self.frame(fid).and_then(|f| f.task_token.clone());
                    self.commands.push(Command::CancelTask { task, token });
                    let err = StatesError::new(
                        error::TIMEOUT,
                        "The task did not send a heartbeat within HeartbeatSeconds.",
                    );
                    self.task_failed(fid, err, T::TaskTimedOut);
                }
                Some(TimerPurpose::TaskTimeout(..) | TimerPurpose::TaskHeartbeat(..)) => {}
                Some(TimerPurpose::ExecutionTimeout) => {
                    let last = self.event_count();
                    self.record(
                        last,
                        T::ExecutionTimedOut,
                        Some(json!({"error": error::TIMEOUT})),
                    );
                    self.finish(
                        Status::TimedOut,
                        None,
                        Some(StatesError::bare(error::TIMEOUT)),
                    );
                }
                None => {}
            },
            Signal::Stop { error, cause } => {
                let mut details = Map::new();
                if let Some(e) = &error {
                    details.insert("error".into(), json!(e));
                }
                if let Some(c) = &cause {
                    details.insert("cause".into(), json!(c));
                }
                // AWS chains ExecutionAborted to no event (previousEventId 0).
                self.record(0, T::ExecutionAborted, Some(Value::from_map(details)));
                let err = error.map(|e| StatesError {
                    cause,
                    ..StatesError::bare(e)
                });
                self.finish(Status::Aborted, None, err);
            }
            Signal::UpdateMapRun {
                map_run_arn,
                max_concurrency,
                tolerated_failure_count,
                tolerated_failure_percentage,
            } => self.update_map_run(
                &map_run_arn,
                max_concurrency,
                tolerated_failure_count,
                tolerated_failure_percentage,
            ),
        }
        self.run();
        // Signals that record events without readying a frame count against the quota too.
        self.check_history_limit();
    }

    /// Why the execution cannot be redriven at `now` (AWS's `redriveStatusReason`), or `None`
    /// when it can.
    pub fn redrive_blocker(&self, now: i64) -> Option<&'static str> {
        const DAY_MILLIS: i64 = 24 * 3600 * 1000;
        Some(match self.status {
            Status::Running => "Execution is RUNNING and cannot be redriven",
            Status::Succeeded => "Execution is SUCCEEDED and cannot be redriven",
            _ if self.machine.workflow_type == WorkflowType::Express => {
                "Execution is of type EXPRESS and cannot be redriven"
            }
            _ if self.event_count() >= MAX_HISTORY_EVENTS as u64 - 1 => {
                "Execution history event limit exceeded"
            }
            _ if now.saturating_sub(self.info.start_millis)
                >= (STANDARD_LIMIT_SECONDS * 1000) as i64 =>
            {
                "Execution has exceeded the max execution time"
            }
            _ if now.saturating_sub(self.now) > 14 * DAY_MILLIS => {
                "Execution redrivable period exceeded"
            }
            _ if self.resume.is_none() => "Execution cannot be redriven",
            _ => return None,
        })
    }

    /// How many times the execution was redriven.
    pub fn redrive_count(&self) -> u64 {
        self.redrive_count
    }

    /// When it was last redriven (milliseconds since the epoch).
    pub fn redrive_millis(&self) -> Option<i64> {
        self.redrive_millis
    }

    /// Redrives a failed, timed-out or stopped execution at `now`: it records
    /// `ExecutionRedriven` and goes on from the state that did not succeed (only the branches
    /// and iterations that did not succeed, in a Parallel or Map), with its timeout and retry
    /// counters reset. Refused with AWS's reason when [`Execution::redrive_blocker`] gives one.
    pub fn redrive(&mut self, now: i64) -> Result<(), &'static str> {
        if let Some(reason) = self.redrive_blocker(now) {
            return Err(reason);
        }
        let Some(mut root) = self.resume.take() else {
            return Err("Execution cannot be redriven");
        };
        self.now = now.max(self.now);
        self.redrive_count += 1;
        self.redrive_millis = Some(now);
        self.status = Status::Running;
        self.output = None;
        self.error = None;
        let last = self.event_count();
        let redriven = self.record(
            last,
            T::ExecutionRedriven,
            Some(json!({"redriveCount": self.redrive_count})),
        );
        let secs = execution_limit_seconds(&self.machine);
        let year_end = self
            .info
            .start_millis
            .saturating_add((STANDARD_LIMIT_SECONDS * 1000) as i64);
        let timer = self.new_id();
        self.timers.insert(timer, TimerPurpose::ExecutionTimeout);
        self.commands.push(Command::StartTimer {
            timer,
            fire_at_millis: self
                .now
                .saturating_add(secs.saturating_mul(1000) as i64)
                .min(year_end),
        });
        root.last_event = redriven;
        root.entered_at = self.now;
        let fid = self.insert_frame(root);
        self.ready.push_back(fid);
        self.run();
        self.check_history_limit();
        Ok(())
    }

    /// The Map Runs and their child executions that changed since the last call (a durable
    /// runtime stores them with the step).
    pub fn take_map_runs(&mut self) -> (Vec<MapRunUpdate>, Vec<MapRunChild>) {
        (
            std::mem::take(&mut self.map_runs).into_values().collect(),
            std::mem::take(&mut self.map_run_children),
        )
    }

    /// The timers the execution is waiting on (a durable runtime clears the others).
    pub fn timer_ids(&self) -> Vec<TimerId> {
        self.timers.keys().copied().collect()
    }

    /// Commands issued since the last call.
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// The execution's state as bytes (versioned JSON), for a durable runtime to commit with the
    /// events and commands of the step that led to it: take those first
    /// ([`Execution::take_history`], [`Execution::take_commands`]); the snapshot holds neither,
    /// only the count of events so far. The state machine is not in it either.
    pub fn snapshot(&self) -> Result<Vec<u8>, SnapshotError> {
        let snapshot = SnapshotRef {
            version: SNAPSHOT_VERSION,
            info: &self.info,
            input: &self.input,
            frames: &self.frames,
            ready: &self.ready,
            events: self.event_count(),
            timers: &self.timers,
            tasks: &self.tasks,
            next_id: self.next_id,
            now: self.now,
            status: self.status,
            output: &self.output,
            error: &self.error,
            entropy: self.entropy.0,
            resume: &self.resume,
            redrive_count: self.redrive_count,
            redrive_millis: self.redrive_millis,
        };
        serde_json::to_vec(&snapshot).map_err(|e| SnapshotError(e.to_string()))
    }

    /// Rebuilds an execution from [`Execution::snapshot`] bytes and the state machine (the same
    /// revision) it runs. It goes on exactly as the original would have.
    pub fn restore(machine: Arc<StateMachine>, bytes: &[u8]) -> Result<Execution, SnapshotError> {
        let s: SnapshotOwned =
            serde_json::from_slice(bytes).map_err(|e| SnapshotError(e.to_string()))?;
        if s.version != SNAPSHOT_VERSION {
            return Err(SnapshotError(format!(
                "snapshot version {} is not {SNAPSHOT_VERSION}",
                s.version
            )));
        }
        // Every frame must name a state of this machine: a snapshot of another machine (or a
        // corrupted one) is refused rather than run.
        for frame in s.frames.iter().flatten() {
            let known = block_of(&machine, &frame.block)
                .is_some_and(|b| frame.state.index() < b.states.len());
            if !known {
                return Err(SnapshotError(
                    "the snapshot names a state this state machine does not have".into(),
                ));
            }
        }
        Ok(Execution {
            machine,
            info: s.info,
            input: s.input,
            frames: s.frames,
            ready: s.ready,
            history: Vec::new(),
            history_base: s.events,
            commands: Vec::new(),
            timers: s.timers,
            tasks: s.tasks,
            next_id: s.next_id,
            now: s.now,
            status: s.status,
            output: s.output,
            error: s.error,
            entropy: SplitMix64(s.entropy),
            resume: s.resume,
            redrive_count: s.redrive_count,
            redrive_millis: s.redrive_millis,
            map_runs: BTreeMap::new(),
            map_run_children: Vec::new(),
        })
    }

    /// Who the execution is: its ARN, name, state machine, start time and seed.
    pub fn info(&self) -> &ExecutionInfo {
        &self.info
    }

    /// Where the execution stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The output, once succeeded.
    pub fn output(&self) -> Option<&Value> {
        self.output.as_ref()
    }

    /// The error, once failed, timed out or aborted with one.
    pub fn error(&self) -> Option<&StatesError> {
        self.error.as_ref()
    }

    /// The history recorded since the last [`Execution::take_history`] (all of it when that
    /// was never called).
    pub fn history(&self) -> &[HistoryEvent] {
        &self.history
    }

    /// Takes the events recorded since the last call (a durable runtime commits them, then
    /// keeps nothing in memory); later events' ids continue after them.
    pub fn take_history(&mut self) -> Vec<HistoryEvent> {
        let events = std::mem::take(&mut self.history);
        self.history_base += events.len() as u64;
        events
    }

    /// How many events the execution has recorded in all.
    pub fn event_count(&self) -> u64 {
        self.history_base + self.history.len() as u64
    }

    /// The execution's input.
    pub fn input(&self) -> &Value {
        &self.input
    }

    // ----- bookkeeping -----

    fn entropy_bits(&mut self) -> u64 {
        use baton_asl::intrinsic::Entropy;
        self.entropy.random_u64()
    }

    fn new_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn record(&mut self, previous: u64, ty: T, details: Option<Value>) -> u64 {
        self.record_payload(previous, ty, details, None)
    }

    fn record_payload(
        &mut self,
        previous: u64,
        ty: T,
        details: Option<Value>,
        payload: Option<(&'static str, Arc<Value>)>,
    ) -> u64 {
        let id = self.event_count() + 1;
        self.history.push(HistoryEvent {
            id,
            previous_event_id: previous,
            timestamp_millis: self.now,
            event_type: ty,
            details,
            payload,
        });
        id
    }

    /// Records an event with a payload that follows the frame's last one.
    fn emit_payload(
        &mut self,
        fid: FrameId,
        ty: T,
        details: Value,
        payload: (&'static str, Arc<Value>),
    ) -> u64 {
        if let Some(f) = self.frame(fid)
            && f.silent
        {
            return f.last_event;
        }
        let prev = self.frame(fid).map_or(0, |f| f.last_event);
        let id = self.record_payload(prev, ty, Some(details), Some(payload));
        if let Some(f) = self.frame_mut(fid) {
            f.last_event = id;
        }
        id
    }

    /// Records an event that follows the frame's last one.
    fn emit(&mut self, fid: FrameId, ty: T, details: Option<Value>) -> u64 {
        if let Some(f) = self.frame(fid)
            && f.silent
        {
            return f.last_event;
        }
        let prev = self.frame(fid).map_or(0, |f| f.last_event);
        let id = self.record(prev, ty, details);
        if let Some(f) = self.frame_mut(fid) {
            f.last_event = id;
        }
        id
    }

    fn frame(&self, fid: FrameId) -> Option<&Frame> {
        self.frames.get(fid).and_then(Option::as_ref)
    }

    fn frame_mut(&mut self, fid: FrameId) -> Option<&mut Frame> {
        self.frames.get_mut(fid).and_then(Option::as_mut)
    }

    fn spawn(
        &mut self,
        block: Vec<(usize, usize)>,
        state: StateId,
        input: Value,
        vars: Vars,
        parent: Option<(FrameId, usize)>,
        last_event: u64,
    ) -> FrameId {
        let frame = Frame {
            block,
            state,
            input: Arc::new(input),
            vars,
            parent,
            last_event,
            phase: Phase::Enter,
            attempts: Vec::new(),
            entered_at: self.now,
            entered_event: 0,
            entered_prev: 0,
            failed_event: None,
            silent: false,
            retry_count: 0,
            task_token: None,
            child_execution: None,
            redrive: None,
        };
        self.insert_frame(frame)
    }

    fn insert_frame(&mut self, frame: Frame) -> FrameId {
        // Reuse a free slot so that long Maps do not grow the table without bound.
        if let Some(i) = self.frames.iter().position(Option::is_none) {
            self.frames[i] = Some(frame);
            i
        } else {
            self.frames.push(Some(frame));
            self.frames.len() - 1
        }
    }

    /// Removes a frame and everything running below it.
    fn kill(&mut self, fid: FrameId) {
        let Some(frame) = self.frames.get_mut(fid).and_then(Option::take) else {
            return;
        };
        if let Phase::AwaitChildren(mut children) = frame.phase {
            // A Map Run stopped with its state (a failed sibling, the execution's end) ends
            // ABORTED, its running children with it.
            let running = std::mem::take(&mut children.running);
            if children.distributed {
                for &child in &running {
                    let identity = self.frame(child).and_then(|f| f.child_execution.clone());
                    let arn = children.map_run_arn.clone();
                    self.note_map_run_child(&arn, identity.as_ref(), Status::Aborted);
                }
                children.aborted += running.len();
                self.note_map_run(&children, "ABORTED");
            }
            for child in running {
                self.kill(child);
            }
        }
        let tasks: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, f)| **f == fid)
            .map(|(t, _)| *t)
            .collect();
        for task in tasks {
            self.tasks.remove(&task);
            self.commands.push(Command::CancelTask {
                task,
                token: frame.task_token.clone(),
            });
        }
        self.timers.retain(|_, p| match p {
            TimerPurpose::Wait(f)
            | TimerPurpose::Retry(f)
            | TimerPurpose::TaskTimeout(f, _)
            | TimerPurpose::TaskHeartbeat(f, _) => *f != fid,
            TimerPurpose::ExecutionTimeout => true,
        });
    }

    /// A frame as a redrive restarts it: entering its state again, with the children that
    /// were still running kept as unfinished (recursively), and nothing in flight.
    fn captured(&self, frame: &Frame) -> Frame {
        let mut f = frame.clone();
        if let Phase::AwaitChildren(children) = &frame.phase {
            let mut saved = children.clone();
            for c in std::mem::take(&mut saved.running) {
                if let Some(child) = self.frame(c) {
                    let slot = child.parent.map_or(0, |(_, s)| s);
                    saved.unfinished.push((slot, self.captured(child)));
                }
            }
            f.redrive = Some(saved);
        }
        f.phase = Phase::Enter;
        f.task_token = None;
        f.failed_event = None;
        f
    }

    fn finish(&mut self, status: Status, output: Option<Value>, error: Option<StatesError>) {
        self.status = status;
        self.output = output;
        self.error = error;
        self.ready.clear();
        self.resume = if status == Status::Succeeded {
            None
        } else {
            self.frames
                .iter()
                .flatten()
                .find(|f| f.parent.is_none())
                .map(|f| self.captured(f))
        };
        // Top-level frames first, so that each frame is killed by its parent (a Map Run sees
        // its running children before they go).
        let roots: Vec<FrameId> = (0..self.frames.len())
            .filter(|&f| self.frame(f).is_some_and(|f| f.parent.is_none()))
            .collect();
        for fid in roots.into_iter().chain(0..self.frames.len()) {
            self.kill(fid);
        }
        self.timers.clear();
    }

    fn context(&self, frame: &Frame, state: &State) -> Value {
        if !state.reads_context {
            return Value::Null;
        }
        let (id, name, input) = match &frame.child_execution {
            Some(c) => (c.arn.as_str(), c.name.as_str(), &c.input),
            None => (
                self.info.execution_arn.as_str(),
                self.info.name.as_str(),
                &*self.input,
            ),
        };
        let redrives = if frame.child_execution.is_some() {
            0
        } else {
            self.redrive_count
        };
        let mut execution = json!({
            "Id": id,
            "Input": input,
            "Name": name,
            "RoleArn": self.info.role_arn,
            "StartTime": time::format_millis(self.info.start_millis),
            "RedriveCount": redrives,
        });
        if let Some(t) = self.redrive_millis.filter(|_| redrives > 0) {
            execution.set("RedriveTime", time::format_millis(t));
        }
        json!({
            "Execution": execution,
            "State": state_context(frame, state),
            "StateMachine": {
                "Id": self.info.state_machine_arn,
                "Name": self.info.state_machine_name,
            },
        })
    }

    // ----- the run loop -----

    /// An unguessable task token (128 bits from the execution's entropy, which a server seeds
    /// from a secure source), as 32 hex digits.
    fn new_task_token(&mut self) -> String {
        use baton_asl::intrinsic::Entropy;
        // The execution's ARN goes in too: two executions with the same seed never share tokens.
        let arn = self
            .info
            .execution_arn
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        let (a, b) = (self.entropy.random_u64(), self.entropy.random_u64() ^ arn);
        format!("{a:016x}{b:016x}")
    }

    /// A seed for JSONata's `$random`/`$uuid` that differs from one step of the execution to the
    /// next and is the same when the execution is replayed.
    fn eval_seed(&self) -> u64 {
        self.info.seed ^ self.event_count().wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn run(&mut self) {
        let step_start = self.event_count();
        while let Some(fid) = self.ready.pop_front() {
            if self.status != Status::Running {
                self.ready.clear();
                return;
            }
            self.advance(fid);
            self.check_history_limit();
            self.check_express_step(step_start);
        }
    }

    /// An Express execution has no history quota, but one step that never yields (a
    /// Pass/Choice cycle) would hold its runtime's thread for good: after
    /// [`EXPRESS_STEP_EVENTS`] events in one step it times out, as AWS would time it out at
    /// five minutes.
    fn check_express_step(&mut self, step_start: u64) {
        if self.status != Status::Running
            || self.machine.workflow_type != WorkflowType::Express
            || self.event_count() - step_start < EXPRESS_STEP_EVENTS
        {
            return;
        }
        let last = self.event_count();
        self.record(last, T::ExecutionTimedOut, Some(json!({"error": error::TIMEOUT, "cause": format!("The execution ran {EXPRESS_STEP_EVENTS} events without waiting for anything: it could not end within five minutes.")})));
        self.ready.clear();
        self.finish(
            Status::TimedOut,
            None,
            Some(StatesError::new(
                error::TIMEOUT,
                format!("The execution ran {EXPRESS_STEP_EVENTS} events without waiting for anything: it could not end within five minutes."),
            )),
        );
    }

    /// A Standard execution fails when its history reaches 25,000 events (AWS's quota; the
    /// error name is ours, AWS's is unrecorded). This also ends a loop of states that never
    /// yields (Pass/Choice cycles). Express executions keep no history in AWS: no limit.
    fn check_history_limit(&mut self) {
        if self.status != Status::Running
            || self.machine.workflow_type != WorkflowType::Standard
            || self.event_count() < MAX_HISTORY_EVENTS as u64 - 1
        {
            return;
        }
        let err = StatesError::new(
            error::RUNTIME,
            format!(
                "The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS})."
            ),
        );
        let last = self.event_count();
        let mut details = json!({"error": err.error});
        if let Some(c) = &err.cause {
            details.set("cause", json!(c));
        }
        self.record(last, T::ExecutionFailed, Some(details));
        self.finish(Status::Failed, None, Some(err));
    }

    fn advance(&mut self, fid: FrameId) {
        let machine = Arc::clone(&self.machine);
        let Some(frame) = self.frame(fid) else { return };
        let Some(state) =
            block_of(&machine, &frame.block).and_then(|b| b.states.get(frame.state.index()))
        else {
            self.fail_frame(fid, StatesError::runtime("internal error: unknown state"));
            return;
        };
        match frame.phase {
            Phase::Enter => {
                let details = history::object([
                    ("name", Value::from(state.name.as_str())),
                    ("inputDetails", payload_details()),
                ]);
                let input = Arc::clone(&frame.input);
                let now = self.now;
                if let Some(f) = self.frame_mut(fid) {
                    f.entered_at = now;
                    f.retry_count = 0;
                    f.attempts = Vec::new();
                    f.phase = Phase::Run;
                }
                let entered_prev = self.frame(fid).map_or(0, |f| f.last_event);
                let entered = self.emit_payload(
                    fid,
                    T::entered(state.kind.type_name()),
                    details,
                    ("input", input),
                );
                if let Some(f) = self.frame_mut(fid) {
                    f.entered_event = entered;
                    f.entered_prev = entered_prev;
                }
                self.execute(fid, state);
            }
            Phase::Run => self.execute(fid, state),
            _ => {}
        }
    }

    fn execute(&mut self, fid: FrameId, state: &State) {
        if let Err(e) = self.try_execute(fid, state) {
            // A Map that fails before its iterations start still records MapStateFailed
            // (runtime errors end the execution without it).
            if matches!(state.kind, StateKind::Map(_))
                && e.error != error::RUNTIME
                && let Some(f) = self.frame_mut(fid)
            {
                f.failed_event.get_or_insert(T::MapStateFailed);
            }
            self.state_failed(fid, state, e);
        }
    }

    fn try_execute(&mut self, fid: FrameId, state: &State) -> Result<(), StatesError> {
        let Some(frame) = self.frame(fid) else {
            return Ok(());
        };
        let raw = frame.input.clone();
        let mut context = self.context(frame, state);
        let vars = frame.vars.clone();
        // A callback task gets a fresh token per attempt, before its Parameters are evaluated
        // ($$.Task.Token); so does an activity task, whose worker receives it from
        // GetActivityTask. Any other state holds none.
        let token = match &state.kind {
            StateKind::Task(task) if task.resource.ends_with(".waitForTaskToken") => {
                let token = self.new_task_token();
                if !context.is_null() {
                    context.set(
                        "Task",
                        history::object([("Token", Value::from(token.as_str()))]),
                    );
                }
                Some(token)
            }
            StateKind::Task(task) if task_kind(&task.resource) == TaskKind::Activity => {
                Some(self.new_task_token())
            }
            _ => None,
        };
        if let Some(f) = self.frame_mut(fid) {
            f.task_token = token;
        }
        let jsonata = state.query_language == QueryLanguage::Jsonata;
        let states = States::entry(&raw, &context).at(self.now, self.eval_seed());
        match &state.kind {
            StateKind::Pass => {
                let (output, assigned) = if jsonata {
                    let assigned = self.assign_jsonata(state.io.assign.as_ref(), &states, &vars)?;
                    let output = jsonata::template_or(
                        state.io.output.as_ref(),
                        &states,
                        &vars,
                        "Output",
                        &raw,
                    )?;
                    (output, assigned)
                } else {
                    let mut env = Env::new(&context, &vars, &mut self.entropy);
                    let effective =
                        dataflow::apply_input_path(state.io.input_path.as_ref(), &raw, &env)?;
                    let effective = dataflow::apply_optional_template(
                        state.io.parameters.as_ref(),
                        effective,
                        &mut env,
                    )?;
                    let result = match &state.io.result {
                        Some(r) => Cow::Owned(r.clone()),
                        None => effective,
                    };
                    let assigned = assign_jsonpath(state.io.assign.as_ref(), &result, &mut env)?;
                    let output = dataflow::apply_result_path(
                        state.io.result_path.as_ref(),
                        &raw,
                        result.into_owned(),
                    )?;
                    let output =
                        dataflow::apply_output_path(state.io.output_path.as_ref(), output, &env)?;
                    (output, assigned)
                };
                self.exit(fid, state, output, assigned, state.transition);
            }
            StateKind::Succeed => {
                let output = if jsonata {
                    jsonata::template_or(state.io.output.as_ref(), &states, &vars, "Output", &raw)?
                } else {
                    let env = Env::new(&context, &vars, &mut self.entropy);
                    let effective =
                        dataflow::apply_input_path(state.io.input_path.as_ref(), &raw, &env)?;
                    dataflow::apply_output_path(
                        state.io.output_path.as_ref(),
                        effective.into_owned(),
                        &env,
                    )?
                };
                self.exit(fid, state, output, None, Some(Transition::End));
            }
            StateKind::Fail(fail) => {
                let mut env = Env::new(&context, &vars, &mut self.entropy);
                let error = string_source(fail.error.as_ref(), &raw, &mut env, &states, "Error")?;
                let cause = string_source(fail.cause.as_ref(), &raw, &mut env, &states, "Cause")?;
                self.fail_frame(
                    fid,
                    StatesError {
                        cause,
                        ..StatesError::bare(error.unwrap_or_default())
                    },
                );
            }
            StateKind::Choice(c) => self.choice(fid, state, c, &raw, &context, &vars)?,
            StateKind::Wait(w) => {
                let (seconds_or_at, output, assigned) = if jsonata {
                    let assigned = self.assign_jsonata(state.io.assign.as_ref(), &states, &vars)?;
                    let when = match w {
                        WaitState::Seconds(d) => WaitFor::Seconds(dynamic_u64(
                            d, &raw, &context, &vars, &states, "Seconds",
                        )?),
                        WaitState::Timestamp(d) => WaitFor::Timestamp(dynamic_timestamp(
                            d, &raw, &context, &vars, &states,
                        )?),
                    };
                    let output = jsonata::template_or(
                        state.io.output.as_ref(),
                        &states,
                        &vars,
                        "Output",
                        &raw,
                    )?;
                    (when, output, assigned)
                } else {
                    let mut env = Env::new(&context, &vars, &mut self.entropy);
                    let effective =
                        dataflow::apply_input_path(state.io.input_path.as_ref(), &raw, &env)?;
                    let when = match w {
                        WaitState::Seconds(d) => WaitFor::Seconds(dynamic_u64(
                            d,
                            &effective,
                            &context,
                            &vars,
                            &states,
                            "SecondsPath",
                        )?),
                        WaitState::Timestamp(d) => WaitFor::Timestamp(dynamic_timestamp(
                            d, &effective, &context, &vars, &states,
                        )?),
                    };
                    let assigned = assign_jsonpath(state.io.assign.as_ref(), &effective, &mut env)?;
                    let output = dataflow::apply_output_path(
                        state.io.output_path.as_ref(),
                        effective.into_owned(),
                        &env,
                    )?;
                    (when, output, assigned)
                };
                let fire_at = match seconds_or_at {
                    WaitFor::Seconds(s) => self.now.saturating_add((s as i64).saturating_mul(1000)),
                    // AWS considers a timestamp up to seconds and truncates milliseconds.
                    WaitFor::Timestamp(ms) => ms.div_euclid(1000) * 1000,
                };
                // AWS keeps wait delays in a signed 32-bit count of seconds.
                if fire_at.saturating_sub(self.now) / 1000 > i64::from(i32::MAX) {
                    return Err(StatesError::runtime("Wait state delay is too long."));
                }
                let timer = self.new_id();
                self.timers.insert(timer, TimerPurpose::Wait(fid));
                self.commands.push(Command::StartTimer {
                    timer,
                    fire_at_millis: fire_at,
                });
                if let Some(f) = self.frame_mut(fid) {
                    f.phase = Phase::AwaitWait { output, assigned };
                }
            }
            StateKind::Task(task) => {
                let (input, credentials, timeout, heartbeat) = if jsonata {
                    let input = jsonata::template_or(
                        state.io.arguments.as_ref(),
                        &states,
                        &vars,
                        "Arguments",
                        &raw,
                    )?;
                    let credentials = match &task.credentials {
                        Some(DataTemplate::Jsonata(t)) => Some(jsonata::evaluate_template(
                            t,
                            &states,
                            &vars,
                            "Credentials",
                        )?),
                        _ => None,
                    };
                    let timeout = task
                        .timeout_seconds
                        .as_ref()
                        .map(|d| dynamic_u64(d, &raw, &context, &vars, &states, "TimeoutSeconds"))
                        .transpose()?;
                    let heartbeat = task
                        .heartbeat_seconds
                        .as_ref()
                        .map(|d| dynamic_u64(d, &raw, &context, &vars, &states, "HeartbeatSeconds"))
                        .transpose()?;
                    (input, credentials, timeout, heartbeat)
                } else {
                    let mut env = Env::new(&context, &vars, &mut self.entropy);
                    let effective =
                        dataflow::apply_input_path(state.io.input_path.as_ref(), &raw, &env)?;
                    let input = match &state.io.parameters {
                        Some(t) => dataflow::apply_template(t, &effective, &mut env)?,
                        None => effective.clone().into_owned(),
                    };
                    let credentials = match &task.credentials {
                        Some(DataTemplate::JsonPath(t)) => {
                            Some(dataflow::apply_template(t, &effective, &mut env)?)
                        }
                        _ => None,
                    };
                    let timeout = task
                        .timeout_seconds
                        .as_ref()
                        .map(|d| {
                            dynamic_u64(
                                d,
                                &effective,
                                &context,
                                &vars,
                                &states,
                                "TimeoutSecondsPath",
                            )
                        })
                        .transpose()?;
                    let heartbeat = task
                        .heartbeat_seconds
                        .as_ref()
                        .map(|d| {
                            dynamic_u64(
                                d,
                                &effective,
                                &context,
                                &vars,
                                &states,
                                "HeartbeatSecondsPath",
                            )
                        })
                        .transpose()?;
                    (input, credentials, timeout, heartbeat)
                };
                check_size(&input, "The task input")?;
                self.schedule_task(fid, state, task, input, credentials, timeout, heartbeat);
            }
            StateKind::Parallel(_) | StateKind::Map(_)
                if self.frame(fid).is_some_and(|f| f.redrive.is_some()) =>
            {
                if let Some(saved) = self.frame_mut(fid).and_then(|f| f.redrive.take()) {
                    self.resume_children(fid, state, saved);
                }
            }
            StateKind::Parallel(p) => {
                let input = if jsonata {
                    jsonata::template_or(
                        state.io.arguments.as_ref(),
                        &states,
                        &vars,
                        "Arguments",
                        &raw,
                    )?
                } else {
                    let mut env = Env::new(&context, &vars, &mut self.entropy);
                    let effective =
                        dataflow::apply_input_path(state.io.input_path.as_ref(), &raw, &env)?;
                    dataflow::apply_optional_template(
                        state.io.parameters.as_ref(),
                        effective,
                        &mut env,
                    )?
                    .into_owned()
                };
                self.emit(fid, T::ParallelStateStarted, None);
                let n = p.branches.len();
                let children = Children {
                    kind: ChildKind::Parallel,
                    inputs: vec![Some(input); n],
                    results: vec![None; n],
                    running: Vec::new(),
                    next: 0,
                    done: 0,
                    failed: 0,
                    max_concurrency: n.max(1),
                    tolerated_count: None,
                    tolerated_percentage: None,
                    distributed: false,
                    map_run_started: 0,
                    map_run_arn: String::new(),
                    unfinished: Vec::new(),
                    map_run_start: 0,
                    timed_out: 0,
                    aborted: 0,
                };
                self.start_children(fid, children);
            }
            StateKind::Map(m) => self.map(fid, state, m, &raw, &context, &vars)?,
        }
        Ok(())
    }

    fn assign_jsonata(
        &mut self,
        assign: Option<&DataTemplate>,
        states: &States<'_>,
        vars: &Vars,
    ) -> Result<Option<Map>, StatesError> {
        match assign {
            Some(DataTemplate::Jsonata(t)) => {
                match jsonata::evaluate_template(t, states, vars, "Assign")? {
                    Value::Object(m) => Ok(Some(Arc::unwrap_or_clone(m))),
                    _ => Err(StatesError::query("The field 'Assign' must be an object")),
                }
            }
            _ => Ok(None),
        }
    }

    fn choice(
        &mut self,
        fid: FrameId,
        state: &State,
        c: &ChoiceState,
        raw: &Value,
        context: &Value,
        vars: &Vars,
    ) -> Result<(), StatesError> {
        let states = States::entry(raw, context).at(self.now, self.eval_seed());
        if state.query_language == QueryLanguage::Jsonata {
            let mut chosen = None;
            for (i, rule) in c.choices.iter().enumerate() {
                let matched = match &rule.condition {
                    Condition::Jsonata(Dynamic::Static(b)) => *b,
                    Condition::Jsonata(Dynamic::Jsonata(e)) => {
                        match jsonata::evaluate(
                            e,
                            &states,
                            vars,
                            &format!("Choices[{i}]/Condition"),
                        )? {
                            Value::Bool(b) => b,
                            other => {
                                return Err(StatesError::query(format!(
                                    "The JSONata expression '{}' specified for the field 'Choices[{i}]/Condition' returned an unexpected result type. Expected 'boolean', but was '{}' for value: {}",
                                    e.text.trim(),
                                    json_type(&other),
                                    json_text(&other)
                                )));
                            }
                        }
                    }
                    _ => false,
                };
                if matched {
                    chosen = Some((i, rule));
                    break;
                }
            }
            let Some((i, rule)) = chosen else {
                if c.default.is_none() {
                    return self.no_choice(fid, state, c, raw.clone(), None);
                }
                // On the way to Default, the state's own Assign and Output apply.
                let assigned = self.assign_jsonata(state.io.assign.as_ref(), &states, vars)?;
                let output =
                    jsonata::template_or(state.io.output.as_ref(), &states, vars, "Output", raw)?;
                return self.no_choice(fid, state, c, output, assigned);
            };
            let mut assigned = self.assign_jsonata(state.io.assign.as_ref(), &states, vars)?;
            if let Some(DataTemplate::Jsonata(t)) = &rule.assign {
                match jsonata::evaluate_template(t, &states, vars, &format!("Choices[{i}]/Assign"))?
                {
                    Value::Object(m) => assigned
                        .get_or_insert_with(Map::new)
                        .extend(Arc::unwrap_or_clone(m)),
                    _ => return Err(StatesError::query("The field 'Assign' must be an object")),
                }
            }
            let output = match (&rule.output, &state.io.output) {
                (Some(t), _) => {
                    jsonata::evaluate_template(t, &states, vars, &format!("Choices[{i}]/Output"))?
                }
                (None, Some(t)) => jsonata::evaluate_template(t, &states, vars, "Output")?,
                (None, None) => raw.clone(),
            };
            self.exit(
                fid,
                state,
                output,
                assigned,
                Some(Transition::Next(rule.next)),
            );
            return Ok(());
        }
        let mut env = Env::new(context, vars, &mut self.entropy);
        let effective = dataflow::apply_input_path(state.io.input_path.as_ref(), raw, &env)?;
        let mut chosen = None;
        for rule in &c.choices {
            if choice::evaluate(&rule.condition, &effective, &env)? {
                chosen = Some(rule);
                break;
            }
        }
        let mut assigned = assign_jsonpath(state.io.assign.as_ref(), &effective, &mut env)?;
        let next = match chosen {
            Some(rule) => {
                if let Some(extra) = assign_jsonpath(rule.assign.as_ref(), &effective, &mut env)? {
                    assigned.get_or_insert_with(Map::new).extend(extra);
                }
                rule.next
            }
            None => {
                let output = dataflow::apply_output_path(
                    state.io.output_path.as_ref(),
                    effective.into_owned(),
                    &env,
                )?;
                return self.no_choice(fid, state, c, output, assigned);
            }
        };
        let output = dataflow::apply_output_path(
            state.io.output_path.as_ref(),
            effective.into_owned(),
            &env,
        )?;
        self.exit(fid, state, output, assigned, Some(Transition::Next(next)));
        Ok(())
    }

    fn no_choice(
        &mut self,
        fid: FrameId,
        state: &State,
        c: &ChoiceState,
        output: Value,
        assigned: Option<Map>,
    ) -> Result<(), StatesError> {
        match c.default {
            Some(d) => {
                self.exit(fid, state, output, assigned, Some(Transition::Next(d)));
                Ok(())
            }
            None => Err(StatesError::new(
                error::NO_CHOICE_MATCHED,
                format!("No Matches! (state '{}')", state.name),
            )),
        }
    }

    fn map(
        &mut self,
        fid: FrameId,
        state: &State,
        m: &MapState,
        raw: &Value,
        context: &Value,
        vars: &Vars,
    ) -> Result<(), StatesError> {
        let states = States::entry(raw, context).at(self.now, self.eval_seed());
        let jsonata = state.query_language == QueryLanguage::Jsonata;
        let (effective, items) = if jsonata {
            let items = match &m.items {
                Some(t) => jsonata::evaluate_template(t, &states, vars, "Items")?,
                None => raw.clone(),
            };
            (Cow::Borrowed(raw), items)
        } else {
            let env = Env::new(context, vars, &mut self.entropy);
            let effective = dataflow::apply_input_path(state.io.input_path.as_ref(), raw, &env)?;
            let items = match &m.items_path {
                Some(p) => dataflow::read_reference(p, &effective, &env)?,
                None => effective.clone().into_owned(),
            };
            (effective, items)
        };
        let Value::Array(items) = items else {
            return Err(
                if let (true, Some(JsonataTemplate::Expr(e))) = (jsonata, &m.items) {
                    StatesError {
                        location: Some("Items".into()),
                        ..StatesError::query(format!(
                            "The JSONata expression '{}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                            e.text.trim(),
                            json_type(&items),
                            json_text(&items)
                        ))
                    }
                } else if jsonata {
                    StatesError::query(format!(
                        "Map state input must be an array but was: {}",
                        json_text(&items)
                    ))
                } else {
                    StatesError::runtime(format!(
                        "Reference path \"{}\" must point to array.",
                        m.items_path.as_ref().map_or("$", |p| p.text.as_str())
                    ))
                },
            );
        };
        let mut inputs = Vec::with_capacity(items.len());
        for (index, item) in items.iter().cloned().enumerate() {
            let input = match &m.item_selector {
                None => item,
                Some(selector) => {
                    let mut ctx = context.clone();
                    ctx.set("Map", json!({"Item": {"Index": index, "Value": item}}));
                    match selector {
                        DataTemplate::JsonPath(t) => {
                            let mut env = Env::new(&ctx, vars, &mut self.entropy);
                            dataflow::apply_template(t, &effective, &mut env)?
                        }
                        DataTemplate::Jsonata(t) => {
                            let s = States {
                                input: Some(raw),
                                context: Some(&ctx),
                                ..States::default()
                            }
                            .at(self.now, self.eval_seed());
                            jsonata::evaluate_template(t, &s, vars, "ItemSelector")?
                        }
                    }
                }
            };
            inputs.push(Some(input));
        }
        // AWS records the start before it reads the concurrency and failure thresholds.
        self.emit(
            fid,
            T::MapStateStarted,
            Some(json!({"length": inputs.len()})),
        );
        let source = if jsonata { raw } else { &effective };
        let max = m
            .max_concurrency
            .as_ref()
            .map(|d| dynamic_u64(d, source, context, vars, &states, "MaxConcurrencyPath"))
            .transpose()?
            .unwrap_or(0);
        let tolerated_count = m
            .tolerated_failure_count
            .as_ref()
            .map(|d| {
                dynamic_u64(
                    d,
                    source,
                    context,
                    vars,
                    &states,
                    "ToleratedFailureCountPath",
                )
            })
            .transpose()?;
        let tolerated_percentage = m
            .tolerated_failure_percentage
            .as_ref()
            .map(|d| dynamic_f64(d, source, context, vars, &states))
            .transpose()?;
        let n = inputs.len();
        let distributed = matches!(m.mode, ProcessorMode::Distributed(_));
        let mut map_run_started = 0;
        let mut map_run_arn = String::new();
        if distributed {
            let run_id = self.new_id();
            let arn = format!(
                "{}:{}:{:08x}-0000-4000-8000-{:012x}",
                self.info
                    .state_machine_arn
                    .replacen(":stateMachine:", ":mapRun:", 1),
                m.label.as_deref().unwrap_or(&state.name),
                run_id,
                self.entropy_bits() & 0xffff_ffff_ffff
            )
            .replacen(
                &format!(":{}:", self.info.state_machine_name),
                &format!(":{}/", self.info.state_machine_name),
                1,
            );
            map_run_started = self.emit(
                fid,
                T::MapRunStarted,
                Some(json!({"mapRunArn": arn.clone()})),
            );
            map_run_arn = arn;
        }
        let children = Children {
            kind: ChildKind::Map,
            inputs,
            results: vec![None; n],
            running: Vec::new(),
            next: 0,
            done: 0,
            failed: 0,
            max_concurrency: if max == 0 { usize::MAX } else { max as usize },
            tolerated_count,
            tolerated_percentage,
            distributed,
            map_run_started,
            map_run_arn,
            unfinished: Vec::new(),
            map_run_start: self.now,
            timed_out: 0,
            aborted: 0,
        };
        self.start_children(fid, children);
        Ok(())
    }

    // ----- children (Parallel branches, Map iterations) -----

    /// Records how a Map Run stands (for DescribeMapRun), if `children` are one.
    fn note_map_run(&mut self, c: &Children, status: &'static str) {
        if !c.distributed || c.map_run_arn.is_empty() {
            return;
        }
        let total = c.results.len() as u64;
        let (done, failed, timed_out) = (c.done as u64, c.failed as u64, c.timed_out as u64);
        let running = c.running.len() as u64;
        let aborted = c.aborted as u64;
        let update = MapRunUpdate {
            arn: c.map_run_arn.clone(),
            start_millis: c.map_run_start,
            stop_millis: (status != "RUNNING").then_some(self.now),
            status,
            max_concurrency: if c.max_concurrency == usize::MAX {
                0
            } else {
                c.max_concurrency as u64
            },
            tolerated_failure_count: c.tolerated_count.unwrap_or(0),
            tolerated_failure_percentage: c.tolerated_percentage.unwrap_or(0.0),
            pending: total.saturating_sub(done + running + aborted),
            running,
            succeeded: done.saturating_sub(failed),
            failed: failed.saturating_sub(timed_out),
            timed_out,
            aborted,
            total,
        };
        self.map_runs.insert(update.arn.clone(), update);
    }

    /// Records a Map Run child execution's start or end (for ListExecutions of the Map Run).
    fn note_map_run_child(
        &mut self,
        map_run_arn: &str,
        identity: Option<&Arc<ChildExecution>>,
        status: Status,
    ) {
        let Some(identity) = identity else {
            return;
        };
        self.map_run_children.push(MapRunChild {
            map_run_arn: map_run_arn.to_string(),
            arn: identity.arn.clone(),
            name: identity.name.clone(),
            status,
            start_millis: identity.start_millis,
            stop_millis: (status != Status::Running).then_some(self.now),
        });
    }

    /// UpdateMapRun: new limits for a running Map Run; a higher concurrency starts more
    /// children at once.
    fn update_map_run(
        &mut self,
        arn: &str,
        max_concurrency: Option<u64>,
        tolerated_count: Option<u64>,
        tolerated_percentage: Option<f64>,
    ) {
        let found = self.frames.iter().position(|f| {
            matches!(f, Some(Frame { phase: Phase::AwaitChildren(c), .. })
                if c.distributed && c.map_run_arn == arn)
        });
        let Some(fid) = found else { return };
        let Some(Phase::AwaitChildren(mut children)) = self
            .frame_mut(fid)
            .map(|f| std::mem::replace(&mut f.phase, Phase::Run))
        else {
            return;
        };
        if let Some(m) = max_concurrency {
            children.max_concurrency = if m == 0 { usize::MAX } else { m as usize };
        }
        if tolerated_count.is_some() {
            children.tolerated_count = tolerated_count;
        }
        if tolerated_percentage.is_some() {
            children.tolerated_percentage = tolerated_percentage;
        }
        self.start_children(fid, *children);
    }

    /// A redriven Parallel or Map: the children that succeeded keep their results; those that
    /// failed or were aborted go on from where they stood; those never started start.
    fn resume_children(&mut self, fid: FrameId, state: &State, mut saved: Box<Children>) {
        match saved.kind {
            ChildKind::Parallel => {
                self.emit(fid, T::ParallelStateStarted, None);
            }
            ChildKind::Map => {
                self.emit(
                    fid,
                    T::MapStateStarted,
                    Some(json!({"length": saved.results.len()})),
                );
            }
        }
        if saved.distributed {
            saved.map_run_started = self.emit(
                fid,
                T::MapRunRedriven,
                Some(json!({"mapRunArn": saved.map_run_arn.clone(), "redriveCount": self.redrive_count})),
            );
        }
        let unfinished = std::mem::take(&mut saved.unfinished);
        for (slot, _) in &unfinished {
            if let Some(r) = saved.results.get_mut(*slot) {
                *r = None;
            }
        }
        saved.running.clear();
        saved.failed = 0;
        saved.timed_out = 0;
        saved.aborted = 0;
        saved.done = saved.results.iter().filter(|r| r.is_some()).count();
        let recorded = saved.kind == ChildKind::Map
            && !saved.distributed
            && !self.frame(fid).is_some_and(|f| f.silent);
        for (slot, mut frame) in unfinished {
            if recorded {
                self.emit(
                    fid,
                    T::MapIterationStarted,
                    Some(json!({"index": slot, "name": state.name})),
                );
            }
            frame.parent = Some((fid, slot));
            frame.last_event = self.frame(fid).map_or(0, |f| f.last_event);
            frame.entered_at = self.now;
            if saved.distributed {
                let arn = saved.map_run_arn.clone();
                let identity = frame.child_execution.clone();
                self.note_map_run_child(&arn, identity.as_ref(), Status::Running);
            }
            let child = self.insert_frame(frame);
            saved.running.push(child);
            self.ready.push_back(child);
        }
        self.continue_children(fid, state, saved);
    }

    /// Ends a Parallel or Map whose children are all done, or starts more of them.
    fn continue_children(&mut self, fid: FrameId, state: &State, children: Box<Children>) {
        if children.done == children.results.len() {
            if let Some(f) = self.frame_mut(fid) {
                f.phase = Phase::AwaitChildren(children);
            }
            self.children_done(fid, state);
        } else {
            self.start_children(fid, *children);
        }
    }

    fn start_children(&mut self, fid: FrameId, mut children: Children) {
        let machine = Arc::clone(&self.machine);
        let Some(frame) = self.frame(fid) else { return };
        let block_path = frame.block.clone();
        let state_index = frame.state.index();
        let outer = Arc::new(frame.vars.clone());
        let Some(state) = block_of(&machine, &block_path).and_then(|b| b.states.get(state_index))
        else {
            return;
        };
        if children.inputs.is_empty() {
            if let Some(f) = self.frame_mut(fid) {
                f.phase = Phase::AwaitChildren(Box::new(children));
            }
            self.children_done(fid, state);
            return;
        }
        while children.running.len() < children.max_concurrency
            && children.next < children.inputs.len()
        {
            let slot = children.next;
            children.next += 1;
            let input = children.inputs[slot].take().unwrap_or(Value::Null);
            let (branch, start) = match &state.kind {
                StateKind::Parallel(p) => match p.branches.get(slot) {
                    Some(b) => (slot, b.start_at),
                    None => continue,
                },
                StateKind::Map(m) => (0, m.processor.start_at),
                _ => continue,
            };
            let prev = if children.kind == ChildKind::Map && !children.distributed {
                self.emit(
                    fid,
                    T::MapIterationStarted,
                    Some(json!({"index": slot, "name": state.name})),
                );
                self.frame(fid).map_or(0, |f| f.last_event)
            } else {
                self.frame(fid).map_or(0, |f| f.last_event)
            };
            let mut path = block_path.clone();
            path.push((state_index, branch));
            // A Distributed Map's children are executions of their own: no access to the
            // parent's variables, and their own `$$.Execution`.
            let (vars, identity) = if children.distributed {
                let name = format!(
                    "{:032x}",
                    (u128::from(self.entropy_bits()) << 64) | slot as u128
                );
                let label = match &state.kind {
                    StateKind::Map(m) => m.label.as_deref().unwrap_or(&state.name),
                    _ => &state.name,
                };
                let arn = format!(
                    "{}/{label}:{name}",
                    self.info
                        .state_machine_arn
                        .replacen(":stateMachine:", ":execution:", 1)
                );
                let identity = ChildExecution {
                    arn,
                    name,
                    input: input.clone(),
                    start_millis: self.now,
                };
                (Vars::default(), Some(Arc::new(identity)))
            } else {
                (
                    Vars::inner(Arc::clone(&outer)),
                    self.frame(fid).and_then(|f| f.child_execution.clone()),
                )
            };
            let child = self.spawn(path, start, input, vars, Some((fid, slot)), prev);
            let silent = children.distributed || self.frame(fid).is_some_and(|f| f.silent);
            if let Some(c) = self.frame_mut(child) {
                c.silent = silent;
                c.child_execution = identity.clone();
            }
            if children.distributed {
                self.note_map_run_child(&children.map_run_arn, identity.as_ref(), Status::Running);
            }
            children.running.push(child);
            self.ready.push_back(child);
        }
        self.note_map_run(&children, "RUNNING");
        if let Some(f) = self.frame_mut(fid) {
            f.phase = Phase::AwaitChildren(Box::new(children));
        }
    }

    /// The `...StateAborted` event of the state a branch frame is in, if it has entered it and
    /// AWS records one for its type.
    fn aborted_type(&self, frame: &Frame) -> Option<T> {
        if matches!(frame.phase, Phase::Enter) {
            return None;
        }
        let state = block_of(&self.machine, &frame.block)?
            .states
            .get(frame.state.index())?;
        T::aborted(state.kind.type_name())
    }

    fn child_finished(&mut self, child: FrameId, result: Result<Value, StatesError>) {
        let Some(frame) = self.frames.get_mut(child).and_then(Option::take) else {
            return;
        };
        let Some((parent, slot)) = frame.parent else {
            return;
        };
        let machine = Arc::clone(&self.machine);
        let Some(pframe) = self.frame(parent) else {
            return;
        };
        let Some(state) =
            block_of(&machine, &pframe.block).and_then(|b| b.states.get(pframe.state.index()))
        else {
            return;
        };
        let Phase::AwaitChildren(mut children) = pframe.phase.clone() else {
            return;
        };
        children.running.retain(|c| *c != child);
        // The parent continues from the child's last event (a Map Run's children record
        // their events elsewhere).
        if !children.distributed
            && let Some(p) = self.frame_mut(parent)
        {
            p.last_event = frame.last_event;
        }
        let is_map = children.kind == ChildKind::Map;
        // Iteration events go into this history only for inline Maps that are themselves
        // recorded here.
        let record_iterations =
            is_map && !children.distributed && !self.frame(parent).is_some_and(|f| f.silent);
        match result {
            Ok(output) => {
                if record_iterations {
                    let id = self.record(
                        frame.last_event,
                        T::MapIterationSucceeded,
                        Some(json!({"index": slot, "name": state.name})),
                    );
                    if children.done + 1 == children.results.len()
                        && let Some(p) = self.frame_mut(parent)
                    {
                        p.last_event = id;
                    }
                }
                children.results[slot] = Some(output);
                children.done += 1;
                if children.distributed {
                    let arn = children.map_run_arn.clone();
                    self.note_map_run_child(
                        &arn,
                        frame.child_execution.as_ref(),
                        Status::Succeeded,
                    );
                }
            }
            Err(err) => {
                if record_iterations {
                    self.record(
                        frame.last_event,
                        T::MapIterationFailed,
                        Some(json!({"index": slot, "name": state.name})),
                    );
                }
                children.failed += 1;
                children.done += 1;
                if children.distributed {
                    let timed_out = err.error == error::TIMEOUT;
                    children.timed_out += usize::from(timed_out);
                    let status = if timed_out {
                        Status::TimedOut
                    } else {
                        Status::Failed
                    };
                    let arn = children.map_run_arn.clone();
                    self.note_map_run_child(&arn, frame.child_execution.as_ref(), status);
                }
                let total = children.results.len();
                let tolerated = is_map
                    && match (children.tolerated_count, children.tolerated_percentage) {
                        (None, None) => false,
                        (count, pct) => {
                            let by_count = count.is_some_and(|c| children.failed as u64 <= c);
                            let by_pct = pct.is_some_and(|p| {
                                (children.failed as f64) * 100.0 <= p * total as f64
                            });
                            by_count || by_pct
                        }
                    };
                children.unfinished.push((slot, self.captured(&frame)));
                if tolerated {
                    children.results[slot] = Some(err.to_output());
                } else {
                    // AWS records the failing branch's state and every running sibling as
                    // aborted (MapIterationAborted, then its state's ...StateAborted), all
                    // following the event that failed.
                    let recorded =
                        !children.distributed && !self.frame(parent).is_some_and(|f| f.silent);
                    let fail_prev = frame.last_event;
                    if recorded && let Some(ty) = self.aborted_type(&frame) {
                        self.record(fail_prev, ty, None);
                    }
                    for c in std::mem::take(&mut children.running) {
                        if recorded && let Some(sibling) = self.frame(c) {
                            let ty = self.aborted_type(sibling);
                            let index = sibling.parent.map_or(0, |(_, s)| s);
                            if is_map {
                                self.record(
                                    fail_prev,
                                    T::MapIterationAborted,
                                    Some(json!({"index": index, "name": state.name})),
                                );
                            }
                            if let Some(ty) = ty {
                                self.record(fail_prev, ty, None);
                            }
                        }
                        if let Some(sibling) = self.frame(c) {
                            let index = sibling.parent.map_or(0, |(_, s)| s);
                            let kept = self.captured(sibling);
                            if children.distributed {
                                let identity = kept.child_execution.clone();
                                let arn = children.map_run_arn.clone();
                                self.note_map_run_child(&arn, identity.as_ref(), Status::Aborted);
                            }
                            children.unfinished.push((index, kept));
                            children.aborted += 1;
                        }
                        self.kill(c);
                    }
                    let thresholds = children.tolerated_count.is_some()
                        || children.tolerated_percentage.is_some();
                    let err = if is_map && thresholds {
                        StatesError::new(
                            error::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                            "The specified tolerated failure threshold was exceeded",
                        )
                    } else {
                        err
                    };
                    if is_map && children.distributed {
                        let mut details = json!({"error": err.error});
                        if let Some(c) = &err.cause {
                            details.set("cause", json!(c));
                        }
                        self.emit(parent, T::MapRunFailed, Some(details));
                    }
                    self.note_map_run(&children, "FAILED");
                    if let Some(p) = self.frame_mut(parent) {
                        p.phase = Phase::Run;
                        p.redrive = Some(children);
                        p.failed_event = Some(if is_map {
                            T::MapStateFailed
                        } else {
                            T::ParallelStateFailed
                        });
                    }
                    self.state_failed(parent, state, err);
                    return;
                }
            }
        }
        self.continue_children(parent, state, children);
    }

    fn children_done(&mut self, fid: FrameId, state: &State) {
        let Some(frame) = self.frame(fid) else { return };
        let Phase::AwaitChildren(children) = &frame.phase else {
            return;
        };
        let results: Value = children
            .results
            .iter()
            .map(|r| r.clone().unwrap_or(Value::Null))
            .collect();
        let succeeded = match children.kind {
            ChildKind::Parallel => T::ParallelStateSucceeded,
            ChildKind::Map => T::MapStateSucceeded,
        };
        let map_run_started = children.distributed.then_some(children.map_run_started);
        if map_run_started.is_some() {
            let done = children.clone();
            self.note_map_run(&done, "SUCCEEDED");
            self.emit(fid, T::MapRunSucceeded, None);
        }
        let Some(frame) = self.frame(fid) else { return };
        // `...StateSucceeded` and the following `...StateExited` both follow the last event.
        let prev = frame.last_event;
        if !frame.silent {
            self.record(prev, succeeded, None);
        }
        if let Some(f) = self.frame_mut(fid) {
            f.phase = Phase::Run;
            // AWS chains a Distributed Map's MapStateExited to its MapRunStarted event.
            if let Some(id) = map_run_started.filter(|_| !f.silent) {
                f.last_event = id;
            }
        }
        if let Err(e) = self.after_result(fid, state, results) {
            self.state_failed(fid, state, e);
        }
    }

    // ----- tasks -----

    #[allow(clippy::too_many_arguments)]
    fn schedule_task(
        &mut self,
        fid: FrameId,
        state: &State,
        task: &TaskState,
        input: Value,
        credentials: Option<Value>,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
    ) {
        let id = self.new_id();
        let kind = task_kind(&task.resource);
        match kind {
            TaskKind::Service => {
                let (resource_type, resource) = resource_parts(&task.resource);
                let mut details = json!({
                    "resourceType": resource_type,
                    "resource": resource,
                    "region": "us-east-1",
                    "parameters": json_text(&input),
                });
                if let Some(t) = timeout {
                    details.set("timeoutInSeconds", json!(t));
                }
                if let Some(h) = heartbeat {
                    details.set("heartbeatInSeconds", json!(h));
                }
                if let Some(c) = &credentials {
                    details.set(
                        "taskCredentials",
                        json!({"roleArn": c.get("RoleArn").cloned().unwrap_or(Value::Null)}),
                    );
                }
                self.emit(fid, T::TaskScheduled, Some(details));
                self.emit(
                    fid,
                    T::TaskStarted,
                    Some(json!({"resourceType": resource_type, "resource": resource})),
                );
            }
            TaskKind::Lambda | TaskKind::Activity => {
                let mut details = history::object([
                    ("resource", Value::from(task.resource.as_str())),
                    ("inputDetails", payload_details()),
                ]);
                if let Some(t) = timeout {
                    details.set("timeoutInSeconds", t);
                }
                let scheduled = if kind == TaskKind::Lambda {
                    T::LambdaFunctionScheduled
                } else {
                    if let Some(h) = heartbeat {
                        details.set("heartbeatInSeconds", h);
                    }
                    T::ActivityScheduled
                };
                self.emit_payload(fid, scheduled, details, ("input", Arc::new(input.clone())));
                if kind == TaskKind::Lambda {
                    self.emit(fid, T::LambdaFunctionStarted, None);
                }
            }
        }
        self.tasks.insert(id, fid);
        if let Some(secs) = timeout {
            let timer = self.new_id();
            self.timers
                .insert(timer, TimerPurpose::TaskTimeout(fid, id));
            self.commands.push(Command::StartTimer {
                timer,
                fire_at_millis: self.now.saturating_add((secs as i64).saturating_mul(1000)),
            });
        }
        // Only activities and callback tasks can send heartbeats, so only they are held to them.
        let enforced = heartbeat
            .filter(|_| kind == TaskKind::Activity || task.resource.ends_with(".waitForTaskToken"));
        // An activity's heartbeat clock starts when a worker takes it (ActivityStarted); until
        // then only TimeoutSeconds runs.
        if let Some(secs) = enforced.filter(|_| kind != TaskKind::Activity) {
            self.start_heartbeat_timer(fid, id, secs);
        }
        self.commands
            .push(Command::ScheduleTask(Box::new(TaskRequest {
                task: id,
                resource: task.resource.clone(),
                input,
                state_name: state.name.clone(),
                timeout_seconds: timeout,
                heartbeat_seconds: heartbeat,
                credentials,
                task_token: self.frame(fid).and_then(|f| f.task_token.clone()),
            })));
        if let Some(f) = self.frame_mut(fid) {
            f.phase = Phase::AwaitTask {
                task: id,
                resource: task.resource.clone(),
                started: kind != TaskKind::Activity,
                heartbeat: enforced,
            };
        }
    }

    fn start_heartbeat_timer(&mut self, fid: FrameId, task: TaskId, secs: u64) {
        self.timers
            .retain(|_, p| !matches!(p, TimerPurpose::TaskHeartbeat(_, t) if *t == task));
        let timer = self.new_id();
        self.timers
            .insert(timer, TimerPurpose::TaskHeartbeat(fid, task));
        self.commands.push(Command::StartTimer {
            timer,
            fire_at_millis: self.now.saturating_add((secs as i64).saturating_mul(1000)),
        });
    }

    /// A heartbeat arrived: the heartbeat timeout starts again.
    fn heartbeat(&mut self, fid: FrameId, task: TaskId) {
        let heartbeat = match self.frame(fid).map(|f| &f.phase) {
            Some(Phase::AwaitTask {
                task: t, heartbeat, ..
            }) if *t == task => *heartbeat,
            _ => None,
        };
        if let Some(secs) = heartbeat {
            self.start_heartbeat_timer(fid, task, secs);
        }
    }

    /// Records ActivityStarted once, when a worker takes the activity (or, in process, when it
    /// answers without having said so first).
    fn activity_started(&mut self, fid: FrameId, worker_name: Option<String>) {
        let Some(Phase::AwaitTask { started, .. }) = self.frame_mut(fid).map(|f| &mut f.phase)
        else {
            return;
        };
        if *started {
            return;
        }
        *started = true;
        let details = match worker_name {
            Some(w) => history::object([("workerName", Value::from(w))]),
            None => Value::object(),
        };
        self.emit(fid, T::ActivityStarted, Some(details));
        if let Some(Phase::AwaitTask {
            task,
            heartbeat: Some(secs),
            ..
        }) = self.frame(fid).map(|f| f.phase.clone())
        {
            self.start_heartbeat_timer(fid, task, secs);
        }
    }

    fn current_state(&self, fid: FrameId) -> Option<StateRef> {
        let f = self.frame(fid)?;
        Some((Arc::clone(&self.machine), f.state.index(), f.block.clone()))
    }

    fn task_succeeded(&mut self, fid: FrameId, task: TaskId, output: Value) {
        let Some((machine, index, path)) = self.current_state(fid) else {
            return;
        };
        let Some(state) = block_of(&machine, &path).and_then(|b| b.states.get(index)) else {
            return;
        };
        let resource = match self.frame(fid).map(|f| &f.phase) {
            Some(Phase::AwaitTask {
                task: t, resource, ..
            }) if *t == task => resource.clone(),
            _ => return,
        };
        let kind = task_kind(&resource);
        if kind == TaskKind::Activity {
            self.activity_started(fid, None);
        }
        let (resource_type, short_resource) = resource_parts(&resource);
        // AWS records an over-limit result as the task's failure, not a success.
        if !output.json_len_within(MAX_PAYLOAD_BYTES) {
            let named = if kind == TaskKind::Service {
                resource_type
            } else {
                resource.clone()
            };
            let err = StatesError::new(
                error::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{named}' returned a result with a size exceeding the maximum number of bytes service limit."
                ),
            );
            self.task_failed(fid, err, T::TaskFailed);
            return;
        }
        self.timers.retain(|_, p| {
            !matches!(p, TimerPurpose::TaskTimeout(_, t) | TimerPurpose::TaskHeartbeat(_, t) if *t == task)
        });
        match kind {
            TaskKind::Service => {
                self.emit(
                    fid,
                    T::TaskSucceeded,
                    Some(json!({
                        "resourceType": resource_type,
                        "resource": short_resource,
                        "output": json_text(&output),
                        "outputDetails": payload_details(),
                    })),
                );
            }
            TaskKind::Lambda | TaskKind::Activity => {
                let ty = if kind == TaskKind::Lambda {
                    T::LambdaFunctionSucceeded
                } else {
                    T::ActivitySucceeded
                };
                let details = history::object([("outputDetails", payload_details())]);
                self.emit_payload(fid, ty, details, ("output", Arc::new(output.clone())));
            }
        }
        if let Some(f) = self.frame_mut(fid) {
            f.phase = Phase::Run;
        }
        let result = self.after_result(fid, state, output);
        if let Err(e) = result {
            self.state_failed(fid, state, e);
        }
        self.run();
    }

    /// The task failed (`ty` is `TaskFailed`) or timed out (`TaskTimedOut`); the event
    /// recorded is that of the resource's family.
    fn task_failed(&mut self, fid: FrameId, err: StatesError, ty: T) {
        let Some((machine, index, path)) = self.current_state(fid) else {
            return;
        };
        let Some(state) = block_of(&machine, &path).and_then(|b| b.states.get(index)) else {
            return;
        };
        let resource = match self.frame(fid).map(|f| &f.phase) {
            Some(Phase::AwaitTask { resource, .. }) => resource.clone(),
            _ => return,
        };
        self.timers.retain(|_, p| {
            !matches!(p, TimerPurpose::TaskTimeout(f, _) | TimerPurpose::TaskHeartbeat(f, _) if *f == fid)
        });
        let kind = task_kind(&resource);
        let timed_out = ty == T::TaskTimedOut;
        if kind == TaskKind::Activity && !timed_out {
            // A worker that answers has taken the task.
            self.activity_started(fid, None);
        }
        let mut details = Value::object();
        let ty = match kind {
            TaskKind::Service => {
                let (resource_type, resource) = resource_parts(&resource);
                details.set("resourceType", resource_type);
                details.set("resource", resource);
                ty
            }
            TaskKind::Lambda if timed_out => T::LambdaFunctionTimedOut,
            TaskKind::Lambda => T::LambdaFunctionFailed,
            TaskKind::Activity if timed_out => T::ActivityTimedOut,
            TaskKind::Activity => T::ActivityFailed,
        };
        details.set("error", err.error.as_str());
        if let Some(c) = &err.cause {
            details.set("cause", c.as_str());
        }
        self.emit(fid, ty, Some(details));
        if let Some(f) = self.frame_mut(fid) {
            f.phase = Phase::Run;
        }
        self.state_failed(fid, state, err);
        self.run();
    }

    /// ResultSelector, ResultPath, OutputPath (or Output), Assign, then exit: the common end
    /// of Task, Parallel and Map.
    fn after_result(
        &mut self,
        fid: FrameId,
        state: &State,
        result: Value,
    ) -> Result<(), StatesError> {
        let Some(frame) = self.frame(fid) else {
            return Ok(());
        };
        let raw = frame.input.clone();
        let context = self.context(frame, state);
        let vars = frame.vars.clone();
        let (output, assigned) = if state.query_language == QueryLanguage::Jsonata {
            let states = States {
                input: Some(&raw),
                result: Some(&result),
                context: Some(&context),
                ..States::default()
            }
            .at(self.now, self.eval_seed());
            let assigned = self.assign_jsonata(state.io.assign.as_ref(), &states, &vars)?;
            let output =
                jsonata::template_or(state.io.output.as_ref(), &states, &vars, "Output", &result)?;
            (output, assigned)
        } else {
            let mut env = Env::new(&context, &vars, &mut self.entropy);
            let selected = match &state.io.result_selector {
                Some(t) => dataflow::apply_template(t, &result, &mut env)?,
                None => result.clone(),
            };
            let assigned = assign_jsonpath(state.io.assign.as_ref(), &result, &mut env)?;
            let output =
                dataflow::apply_result_path(state.io.result_path.as_ref(), &raw, selected)?;
            let output = dataflow::apply_output_path(state.io.output_path.as_ref(), output, &env)?;
            (output, assigned)
        };
        self.exit(fid, state, output, assigned, state.transition);
        Ok(())
    }

    fn wait_done(&mut self, fid: FrameId) {
        let Some((machine, index, path)) = self.current_state(fid) else {
            return;
        };
        let Some(state) = block_of(&machine, &path).and_then(|b| b.states.get(index)) else {
            return;
        };
        let Some(Phase::AwaitWait { output, assigned }) = self.frame(fid).map(|f| f.phase.clone())
        else {
            return;
        };
        self.exit(fid, state, output, assigned, state.transition);
    }

    // ----- leaving states -----

    /// AWS's variable quotas: 256 KiB per variable, 256 KiB per `Assign`, 10 MiB for all the
    /// variables an execution holds (here: all those visible where the state assigns). The
    /// error's name is AWS's for payloads; its name for variables is not recorded.
    fn check_variable_sizes(&self, fid: FrameId, assigned: &Map) -> Result<(), StatesError> {
        let too_big = |what: String| {
            Err(StatesError::new(
                error::DATA_LIMIT_EXCEEDED,
                format!("{what} exceeds the maximum number of bytes service limit."),
            ))
        };
        let mut total = 0usize;
        for (name, value) in assigned {
            if !value.json_len_within(MAX_PAYLOAD_BYTES) {
                return too_big(format!("The variable '{name}'"));
            }
            total += value.json_len();
        }
        if total > MAX_PAYLOAD_BYTES {
            return too_big("The variables assigned by this state".into());
        }
        if let Some(frame) = self.frame(fid) {
            let mut visible = frame.vars.flatten();
            visible.extend(assigned.iter().map(|(k, v)| (k.clone(), v.clone())));
            // Each variable is at most 256 KiB, so only more than 40 of them can pass 10 MiB.
            let all: usize = if visible.len() * MAX_PAYLOAD_BYTES <= MAX_VARIABLES_BYTES {
                0
            } else {
                visible.values().map(Value::json_len).sum()
            };
            if all > MAX_VARIABLES_BYTES {
                return too_big("The execution's variables".into());
            }
        }
        Ok(())
    }

    fn exit(
        &mut self,
        fid: FrameId,
        state: &State,
        output: Value,
        assigned: Option<Map>,
        transition: Option<Transition>,
    ) {
        if !output.json_len_within(MAX_PAYLOAD_BYTES) {
            let err = StatesError::new(
                error::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                    state.name
                ),
            );
            self.state_failed(fid, state, err);
            return;
        }
        if let Some(a) = &assigned
            && let Err(err) = self.check_variable_sizes(fid, a)
        {
            self.state_failed(fid, state, err);
            return;
        }
        let output = Arc::new(output);
        let mut details = history::object([
            ("name", Value::from(state.name.as_str())),
            ("outputDetails", payload_details()),
        ]);
        if let Some(a) = &assigned {
            details.set("assignedVariables", assigned_details(a));
            details.set("assignedVariablesDetails", payload_details());
        }
        if let Some(f) = self.frame_mut(fid) {
            f.redrive = None;
            if let Some(a) = assigned {
                f.vars.own.extend(a);
            }
        }
        self.emit_payload(
            fid,
            T::exited(state.kind.type_name()),
            details,
            ("output", Arc::clone(&output)),
        );
        match transition {
            Some(Transition::Next(next)) => {
                if let Some(f) = self.frame_mut(fid) {
                    f.state = next;
                    f.input = output;
                    f.phase = Phase::Enter;
                }
                self.ready.push_back(fid);
            }
            Some(Transition::End) | None => {
                let output = Arc::try_unwrap(output).unwrap_or_else(|shared| (*shared).clone());
                self.frame_succeeded(fid, output)
            }
        }
    }

    fn frame_succeeded(&mut self, fid: FrameId, output: Value) {
        let parent = self.frame(fid).and_then(|f| f.parent);
        match parent {
            None => {
                let shared = Arc::new(output.clone());
                self.emit_payload(
                    fid,
                    T::ExecutionSucceeded,
                    json!({"outputDetails": payload_details()}),
                    ("output", shared),
                );
                self.finish(Status::Succeeded, Some(output), None);
            }
            Some(_) => self.child_finished(fid, Ok(output)),
        }
    }

    /// A frame ends in failure: a Fail state, or an error no Retry/Catch handled.
    fn fail_frame(&mut self, fid: FrameId, err: StatesError) {
        let parent = self.frame(fid).and_then(|f| f.parent);
        match parent {
            None => {
                // A Fail state without Error records no error field (nor cause without Cause).
                let mut details = Value::object();
                if !err.error.is_empty() {
                    details.set("error", err.error.as_str());
                }
                if let Some(c) = &err.cause {
                    details.set("cause", c.as_str());
                }
                self.emit(fid, T::ExecutionFailed, Some(details));
                self.finish(Status::Failed, None, Some(err));
            }
            Some(_) => self.child_finished(fid, Err(err)),
        }
    }

    /// Gives a runtime or query error AWS's cause prefix and records EvaluationFailed for a
    /// query error, as AWS does before retrying, catching or failing.
    fn report_state_error(
        &mut self,
        fid: FrameId,
        state: &State,
        mut err: StatesError,
    ) -> StatesError {
        if (err.error == error::RUNTIME || err.error == error::QUERY_EVALUATION_ERROR)
            && let Some(cause) = &err.cause
            && !cause.starts_with("An error occurred while executing the state")
        {
            let entered = self.frame(fid).map_or(0, |f| f.entered_event);
            err.cause = Some(format!(
                "An error occurred while executing the state '{}' (entered at the event id #{entered}). {cause}",
                state.name
            ));
        }
        if err.error == error::QUERY_EVALUATION_ERROR {
            let mut details = json!({"error": err.error, "state": state.name});
            if let Some(c) = &err.cause {
                details.set("cause", json!(c));
            }
            if let Some(l) = &err.location {
                details.set("location", json!(l));
            }
            // AWS chains EvaluationFailed to the event the state's Entered event follows.
            let before_entered = self
                .frame(fid)
                .filter(|f| f.entered_event > 0)
                .map(|f| f.entered_prev);
            match before_entered {
                Some(prev) if !self.frame(fid).is_some_and(|f| f.silent) => {
                    let id = self.record(prev, T::EvaluationFailed, Some(details));
                    if let Some(f) = self.frame_mut(fid) {
                        f.last_event = id;
                    }
                }
                _ => {
                    self.emit(fid, T::EvaluationFailed, Some(details));
                }
            }
        }
        err
    }

    /// An error raised in a state: retry, catch, or fail the frame.
    fn state_failed(&mut self, fid: FrameId, state: &State, err: StatesError) {
        let err = self.report_state_error(fid, state, err);
        let Some((retry, catch)) = state.kind.error_handling() else {
            self.fail_frame(fid, err);
            return;
        };
        if let Some(i) = retry.iter().position(|r| err.matched_by(&r.error_equals)) {
            let r = &retry[i];
            let attempts = self
                .frame(fid)
                .and_then(|f| f.attempts.get(i).copied())
                .unwrap_or(0);
            if attempts < r.max_attempts {
                let mut delay = r.interval_seconds as f64 * r.backoff_rate.powf(attempts as f64);
                if let Some(max) = r.max_delay_seconds {
                    delay = delay.min(max as f64);
                }
                if r.jitter == JitterStrategy::Full {
                    use baton_asl::intrinsic::Entropy;
                    let unit = (self.entropy.random_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    delay *= unit;
                }
                let delay_ms = (delay * 1000.0).min(i64::MAX as f64 / 2.0) as i64;
                let timer = self.new_id();
                self.timers.insert(timer, TimerPurpose::Retry(fid));
                self.commands.push(Command::StartTimer {
                    timer,
                    fire_at_millis: self.now.saturating_add(delay_ms),
                });
                if let Some(f) = self.frame_mut(fid) {
                    f.failed_event = None;
                    // A retry runs the whole state again, every branch and iteration.
                    f.redrive = None;
                    if f.attempts.len() < retry.len() {
                        f.attempts.resize(retry.len(), 0);
                    }
                    f.attempts[i] += 1;
                    f.retry_count += 1;
                    f.phase = Phase::AwaitRetry;
                }
                return;
            }
        }
        if let Some(ty) = self.frame_mut(fid).and_then(|f| f.failed_event.take()) {
            self.emit(fid, ty, None);
        }
        let Some(catcher) = catch.iter().find(|c| err.matched_by(&c.error_equals)) else {
            self.fail_frame(fid, err);
            return;
        };
        let index = catch
            .iter()
            .position(|c| std::ptr::eq(c, catcher))
            .unwrap_or(0);
        match self.caught(fid, state, catcher, index, &err) {
            Ok((output, assigned)) => self.exit(
                fid,
                state,
                output,
                assigned,
                Some(Transition::Next(catcher.next)),
            ),
            // A catcher's own failure is not caught again: it fails the state's frame.
            Err(e) => {
                let e = self.report_state_error(fid, state, e);
                self.fail_frame(fid, e);
            }
        }
    }

    fn caught(
        &mut self,
        fid: FrameId,
        state: &State,
        catcher: &Catcher,
        index: usize,
        err: &StatesError,
    ) -> Result<(Value, Option<Map>), StatesError> {
        let Some(frame) = self.frame(fid) else {
            return Err(err.clone());
        };
        let raw = frame.input.clone();
        let context = self.context(frame, state);
        let vars = frame.vars.clone();
        let error_output = err.to_output();
        if state.query_language == QueryLanguage::Jsonata {
            let states = States {
                input: Some(&raw),
                error_output: Some(&error_output),
                context: Some(&context),
                ..States::default()
            }
            .at(self.now, self.eval_seed());
            let assigned = match &catcher.assign {
                Some(DataTemplate::Jsonata(t)) => {
                    match jsonata::evaluate_template(
                        t,
                        &states,
                        &vars,
                        &format!("Catch[{index}]/Assign"),
                    )? {
                        Value::Object(m) => Some(Arc::unwrap_or_clone(m)),
                        _ => {
                            return Err(StatesError::query("The field 'Assign' must be an object"));
                        }
                    }
                }
                _ => None,
            };
            let output = match &catcher.output {
                Some(t) => jsonata::evaluate_template(
                    t,
                    &states,
                    &vars,
                    &format!("Catch[{index}]/Output"),
                )?,
                None => error_output,
            };
            Ok((output, assigned))
        } else {
            let mut env = Env::new(&context, &vars, &mut self.entropy);
            let assigned = assign_jsonpath(catcher.assign.as_ref(), &error_output, &mut env)?;
            let output =
                dataflow::apply_result_path(catcher.result_path.as_ref(), &raw, error_output)?;
            Ok((output, assigned))
        }
    }
}

/// `$$.State`: `RetryCount` appears only once the state has been retried (as AWS records it).
fn state_context(frame: &Frame, state: &State) -> Value {
    let mut m = Map::new();
    m.insert(
        "EnteredTime".into(),
        json!(time::format_millis(frame.entered_at)),
    );
    m.insert("Name".into(), json!(state.name));
    // States that can retry (Task, Parallel, Map) always carry RetryCount, 0 on the first
    // attempt; the others carry none (conformance/sfn records both).
    let can_retry = matches!(
        state.kind,
        StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
    );
    if can_retry || frame.retry_count > 0 {
        m.insert("RetryCount".into(), json!(frame.retry_count));
    }
    Value::from_map(m)
}

enum WaitFor {
    Seconds(u64),
    Timestamp(i64),
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_size(v: &Value, what: &str) -> Result<(), StatesError> {
    if !v.json_len_within(MAX_PAYLOAD_BYTES) {
        let len = v.json_len();
        return Err(StatesError::new(
            error::DATA_LIMIT_EXCEEDED,
            format!("{what} is {len} bytes, over the {MAX_PAYLOAD_BYTES}-byte limit"),
        ));
    }
    Ok(())
}

fn assign_jsonpath(
    assign: Option<&DataTemplate>,
    data: &Value,
    env: &mut Env<'_>,
) -> Result<Option<Map>, StatesError> {
    match assign {
        Some(DataTemplate::JsonPath(t)) => match dataflow::apply_template(t, data, env)? {
            Value::Object(m) => Ok(Some(Arc::unwrap_or_clone(m))),
            _ => Err(StatesError::runtime("The field 'Assign' must be an object")),
        },
        _ => Ok(None),
    }
}

fn string_source(
    source: Option<&StringSource>,
    data: &Value,
    env: &mut Env<'_>,
    states: &States<'_>,
    field: &str,
) -> Result<Option<String>, StatesError> {
    let value = match source {
        None => return Ok(None),
        Some(StringSource::Static(s)) => return Ok(Some(s.clone())),
        Some(StringSource::Path(p)) => dataflow::read_reference(p, data, env)?,
        Some(StringSource::Intrinsic(i)) => dataflow::evaluate_intrinsic(i, data, env)?,
        Some(StringSource::Jsonata(e)) => jsonata::evaluate(e, states, env.vars, field)?,
    };
    match value {
        Value::String(s) => Ok(Some(s.to_string())),
        other => Err(StatesError::runtime(format!(
            "The value of the field '{field}' must be a string, but was: {}",
            json_text(&other)
        ))),
    }
}

fn dynamic_value(
    d: &Dynamic<impl Clone + Into<Value>>,
    data: &Value,
    context: &Value,
    vars: &Vars,
    states: &States<'_>,
    field: &str,
) -> Result<Value, StatesError> {
    match d {
        Dynamic::Static(v) => Ok(v.clone().into()),
        Dynamic::Path(p) => {
            let mut entropy = SplitMix64(0);
            let env = Env {
                context,
                vars,
                entropy: &mut entropy,
            };
            dataflow::read_reference(p, data, &env)
        }
        Dynamic::Jsonata(e) => jsonata::evaluate(e, states, vars, field),
    }
}

fn dynamic_u64(
    d: &Dynamic<u64>,
    data: &Value,
    context: &Value,
    vars: &Vars,
    states: &States<'_>,
    field: &str,
) -> Result<u64, StatesError> {
    let v = match d {
        Dynamic::Path(p) => path_value(p, data, context, vars, field)?,
        _ => dynamic_value(d, data, context, vars, states, field)?,
    };
    let path = match d {
        Dynamic::Path(p) => p.text.as_str(),
        _ => "",
    };
    let jsonata = matches!(d, Dynamic::Jsonata(_));
    let fail = |msg: String| {
        if jsonata {
            StatesError::query(msg)
        } else {
            StatesError::runtime(msg)
        }
    };
    // AWS reads integer strings too (`"MaxConcurrencyPath"` on `"1"` works).
    let number = match &v {
        Value::String(s) if !jsonata => s.trim().parse::<f64>().ok(),
        other => other.as_f64(),
    };
    let shown = json_text(&v);
    match number {
        Some(n) if n.fract() == 0.0 && n >= 0.0 && n <= u64::MAX as f64 => Ok(n as u64),
        Some(n) if n.fract() == 0.0 => Err(fail(match field {
            "SecondsPath" => {
                format!("The SecondsPath parameter references a negative value: {path} == {shown}")
            }
            "ToleratedFailureCountPath" => "ToleratedFailureCount cannot be negative.".to_string(),
            _ => format!("The {field} parameter references a negative value: {path} == {shown}"),
        })),
        _ => Err(fail(match field {
            "SecondsPath" => format!(
                "The SecondsPath parameter cannot be parsed as a long value: {path} == {shown}"
            ),
            "ToleratedFailureCountPath" => format!(
                "The ToleratedFailureCountPath field refers to value \"{}\" which is not a valid integer: {path}",
                raw_text(&v)
            ),
            _ if jsonata => format!(
                "The value of the field '{field}' must be a non-negative integer, but was: {shown}"
            ),
            _ => {
                format!("The {field} parameter cannot be parsed as a long value: {path} == {shown}")
            }
        })),
    }
}

/// A value as AWS quotes it in messages: strings bare, anything else as JSON.
fn raw_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => json_text(other),
    }
}

/// Reads a `...Path` field's reference path; a missing value names the field as AWS does.
fn path_value(
    p: &Path,
    data: &Value,
    context: &Value,
    vars: &Vars,
    field: &str,
) -> Result<Value, StatesError> {
    let mut entropy = SplitMix64(0);
    let env = Env::new(context, vars, &mut entropy);
    dataflow::read_optional(p, data, &env)?.ok_or_else(|| {
        StatesError::runtime(format!(
            "The {field} parameter does not reference an input value: {}",
            p.text
        ))
    })
}

fn dynamic_f64(
    d: &Dynamic<f64>,
    data: &Value,
    context: &Value,
    vars: &Vars,
    states: &States<'_>,
) -> Result<f64, StatesError> {
    let field = "ToleratedFailurePercentagePath";
    let (v, path) = match d {
        Dynamic::Static(f) => return Ok(*f),
        Dynamic::Path(p) => (path_value(p, data, context, vars, field)?, p.text.as_str()),
        Dynamic::Jsonata(e) => (
            jsonata::evaluate(e, states, vars, "ToleratedFailurePercentage")?,
            "",
        ),
    };
    let number = match &v {
        Value::String(s) => s.trim().parse::<f64>().ok(),
        other => other.as_f64(),
    };
    match number {
        Some(f) if (0.0..=100.0).contains(&f) => Ok(f),
        Some(_) => Err(StatesError::runtime(
            "ToleratedFailurePercentage must be between 0 and 100.",
        )),
        None => Err(StatesError::runtime(format!(
            "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {path}",
            raw_text(&v)
        ))),
    }
}

fn dynamic_timestamp(
    d: &Dynamic<String>,
    data: &Value,
    context: &Value,
    vars: &Vars,
    states: &States<'_>,
) -> Result<i64, StatesError> {
    let (v, path) = match d {
        Dynamic::Path(p) => (
            path_value(p, data, context, vars, "TimestampPath")?,
            p.text.as_str(),
        ),
        _ => (
            dynamic_value(d, data, context, vars, states, "Timestamp")?,
            "",
        ),
    };
    v.as_str()
        .and_then(time::parse_timestamp)
        .map(|ns| (ns / 1_000_000) as i64)
        .ok_or_else(|| {
            if matches!(d, Dynamic::Jsonata(_)) {
                let mut e = StatesError::query(format!(
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                    raw_text(&v)
                ));
                e.location = Some("Timestamp".into());
                e
            } else {
                StatesError::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {}",
                    raw_text(&v)
                ))
            }
        })
}
