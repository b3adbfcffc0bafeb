//! Express executions: the core driven in memory, with no per-transition persistence.
//!
//! One stepping thread owns every running Express execution (a plain [`Execution`], never
//! snapshotted) and its timers; task threads run in-process targets and hand their answers back.
//! What AWS promises, Baton keeps:
//!
//! - **Five minutes at most.** The core times an Express execution out after 300 s
//!   (`States.Timeout`, status TIMED_OUT), whatever its TimeoutSeconds says.
//! - **At least once for asynchronous starts.** [`Express::start_async`] stores the start
//!   ([`Store::enqueue_express`]) before it returns; the start is removed when the execution
//!   ends, so a runtime started after a crash runs the unfinished ones again from the beginning.
//!   Synchronous starts ([`Express::start_sync`]) are at most once: the caller holds the result.
//! - **A final record as the logging configuration asks.** The state machine's
//!   `loggingConfiguration` (level ALL, ERROR, FATAL or OFF; `includeExecutionData`) decides
//!   which history events of an ended execution are kept ([`Store::finish_express`]); with OFF,
//!   nothing is.

use crate::durable::{Durable, DurableError, Result, check_name, parse_input, store_status};
use crate::execution::{Command, Execution, ExecutionInfo, Signal, TaskRequest, TimerId};
use crate::history::HistoryEvent;
use crate::runtime::{Clock, TaskRunner, run_task};
use crate::{HistoryEventType, Status};
use baton_asl::intrinsic::{Entropy, SplitMix64};
use baton_asl::model::{StateMachine, WorkflowType};
use baton_json::Json;
use baton_store::{ExecutionStatus, ExpressRecord, ExpressStart, Page, StateMachineRecord, Store};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Which events of an ended execution are kept (`loggingConfiguration.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Every event.
    All,
    /// Error events: failures, aborts, time-outs and Fail states.
    Error,
    /// Only the execution's own failure, abort or time-out.
    Fatal,
    /// Nothing.
    Off,
}

/// A state machine's `loggingConfiguration`, as far as the final record goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Logging {
    /// Which events are kept.
    pub level: LogLevel,
    /// Whether inputs and outputs are kept with them.
    pub include_execution_data: bool,
}

impl Logging {
    /// Reads `loggingConfiguration` from a state machine record's `config` (JSON text); OFF when
    /// it is absent or unreadable, as for a state machine created through the API without one.
    pub fn from_config(config: &str) -> Logging {
        let value: serde_json::Value = serde_json::from_str(config).unwrap_or_default();
        let logging = &value["loggingConfiguration"];
        let level = match logging["level"].as_str() {
            Some("ALL") => LogLevel::All,
            Some("ERROR") => LogLevel::Error,
            Some("FATAL") => LogLevel::Fatal,
            _ => LogLevel::Off,
        };
        Logging {
            level,
            include_execution_data: logging["includeExecutionData"].as_bool().unwrap_or(false),
        }
    }

    /// Whether an event of this type is kept.
    pub fn keeps(&self, event_type: HistoryEventType) -> bool {
        let name = event_type.as_str();
        let fatal = matches!(
            name,
            "ExecutionAborted" | "ExecutionFailed" | "ExecutionTimedOut"
        );
        match self.level {
            LogLevel::All => true,
            LogLevel::Fatal => fatal,
            LogLevel::Off => false,
            LogLevel::Error => {
                fatal
                    || matches!(
                        name,
                        "FailStateEntered"
                            | "LambdaFunctionFailed"
                            | "LambdaFunctionScheduleFailed"
                            | "LambdaFunctionStartFailed"
                            | "LambdaFunctionTimedOut"
                            | "MapIterationAborted"
                            | "MapIterationFailed"
                            | "MapRunAborted"
                            | "MapRunFailed"
                            | "MapStateAborted"
                            | "MapStateFailed"
                            | "ParallelStateAborted"
                            | "ParallelStateFailed"
                            | "TaskFailed"
                            | "TaskStartFailed"
                            | "TaskSubmitFailed"
                            | "TaskTimedOut"
                            | "TaskStateAborted"
                            | "WaitStateAborted"
                    )
            }
        }
    }
}

/// How an Express execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpressOutcome {
    /// `executionArn`.
    pub execution_arn: String,
    /// `stateMachineArn`.
    pub state_machine_arn: String,
    /// `name`.
    pub name: String,
    /// `startDate`, milliseconds since the epoch.
    pub start_millis: i64,
    /// `stopDate`, milliseconds since the epoch.
    pub stop_millis: i64,
    /// SUCCEEDED, FAILED, TIMED_OUT (or ABORTED when the runtime stopped it).
    pub status: ExecutionStatus,
    /// The input, as JSON text.
    pub input: String,
    /// The output (JSON text), on success.
    pub output: Option<String>,
    /// The error, on failure.
    pub error: Option<String>,
    /// The cause, on failure.
    pub cause: Option<String>,
    /// Every event, as the core recorded them.
    pub history: Vec<HistoryEvent>,
}

impl ExpressOutcome {
    /// The outcome of an ended execution.
    fn of(ex: &Execution, input: String, now: i64) -> ExpressOutcome {
        let error = ex.error();
        let info = ex.info();
        ExpressOutcome {
            execution_arn: info.execution_arn.clone(),
            state_machine_arn: info.state_machine_arn.clone(),
            name: info.name.clone(),
            start_millis: info.start_millis,
            stop_millis: now,
            status: store_status(ex.status()),
            input,
            output: ex.output().map(Json::to_json_string),
            error: error.map(|e| e.error.clone()).filter(|e| !e.is_empty()),
            cause: error.and_then(|e| e.cause.clone()),
            history: ex.history().to_vec(),
        }
    }

    /// What the logging configuration keeps of it: `None` when it keeps nothing.
    pub fn record(&self, logging: Logging) -> Option<ExpressRecord> {
        let data = logging.include_execution_data;
        let events: Vec<serde_json::Value> = self
            .history
            .iter()
            .filter(|e| logging.keeps(e.event_type))
            .map(|e| {
                let mut wire = e.to_aws_json();
                let details = e
                    .event_type
                    .details_field()
                    .and_then(|f| wire.get_mut(f))
                    .and_then(|d| d.as_object_mut());
                if let (false, Some(details)) = (data, details) {
                    for k in ["input", "output", "parameters"] {
                        details.remove(k);
                    }
                }
                wire
            })
            .collect();
        if events.is_empty() {
            return None;
        }
        Some(ExpressRecord {
            arn: self.execution_arn.clone(),
            state_machine_arn: self.state_machine_arn.clone(),
            name: self.name.clone(),
            status: self.status,
            start_millis: self.start_millis,
            stop_millis: self.stop_millis,
            input: data.then(|| self.input.clone()),
            output: self.output.clone().filter(|_| data),
            error: self.error.clone(),
            cause: self.cause.clone(),
            events: serde_json::Value::Array(events).to_string(),
        })
    }
}

/// An execution to begin.
struct Begin {
    machine: Arc<StateMachine>,
    info: ExecutionInfo,
    input: Json,
    input_text: String,
    logging: Logging,
    /// Whether a pending start is stored for it (asynchronous starts).
    persisted: bool,
    reply: Option<mpsc::Sender<ExpressOutcome>>,
    /// Started already by the caller (a synchronous start that did not end at once).
    started: Option<Execution>,
}

/// A running execution, owned by the stepping thread.
struct Live {
    ex: Execution,
    input_text: String,
    logging: Logging,
    persisted: bool,
    reply: Option<mpsc::Sender<ExpressOutcome>>,
    /// Its timers in the stepper's timer set, removed when it ends.
    timers: Vec<(i64, TimerId)>,
}

#[derive(Default)]
struct Queues {
    begins: VecDeque<Begin>,
    signals: VecDeque<(String, Signal)>,
    tasks: VecDeque<(String, TaskRequest)>,
}

/// An asynchronous start waiting to be stored, with its caller's answer.
struct Enqueue {
    start: ExpressStart,
    begin: Begin,
    reply: mpsc::Sender<Result<ExpressStart>>,
}

struct Shared {
    store: Arc<dyn Store>,
    machines: Durable,
    queues: Mutex<Queues>,
    wake: Condvar,
    /// Asynchronous starts from concurrent callers, stored together (one transaction).
    enqueues: Mutex<Vec<Enqueue>>,
    enqueues_wake: Condvar,
    clock: Clock,
    runner: TaskRunner,
    stop: AtomicBool,
    running: AtomicU64,
    entropy: Mutex<SplitMix64>,
    /// The node this runtime runs for (its asynchronous starts are stored as its own).
    node: Option<String>,
}

impl Shared {
    fn resume(&self, starts: Vec<ExpressStart>) -> Result<()> {
        let store = &self.store;
        let mut finished_badly = Vec::new();
        for start in starts {
            // The revision it was started with, as for Standard executions.
            let machine = match store
                .get_state_machine_revision(&start.state_machine_arn, &start.revision_id)?
            {
                Some(m) => Some(m),
                None => store.get_state_machine(&start.state_machine_arn)?,
            };
            let begin = machine
                .ok_or_else(|| DurableError::NotFound(start.state_machine_arn.clone()))
                .and_then(|m| self.begin(&m, &start, true, None));
            match begin {
                Ok(b) => {
                    self.running.fetch_add(1, Ordering::SeqCst);
                    self.lock().begins.push_back(b);
                }
                // Its state machine is gone or no longer valid: it can never run.
                Err(_) => finished_badly.push((start.arn, None)),
            }
        }
        if !finished_badly.is_empty() {
            store.finish_express(&finished_badly)?;
        }
        self.wake.notify_all();
        Ok(())
    }

    fn begin(
        &self,
        machine: &StateMachineRecord,
        start: &ExpressStart,
        persisted: bool,
        reply: Option<mpsc::Sender<ExpressOutcome>>,
    ) -> Result<Begin> {
        let parsed = self.machines.machine(machine)?;
        if parsed.workflow_type != WorkflowType::Express {
            return Err(DurableError::NotExpress(machine.arn.clone()));
        }
        let input = parse_input(&start.input)?;
        Ok(Begin {
            machine: parsed,
            info: ExecutionInfo {
                execution_arn: start.arn.clone(),
                name: start.name.clone(),
                state_machine_arn: machine.arn.clone(),
                state_machine_name: machine.name.clone(),
                role_arn: machine.role_arn.clone(),
                start_millis: start.start_millis,
                seed: start.seed,
            },
            input,
            input_text: start.input.clone(),
            logging: Logging::from_config(&machine.config),
            persisted,
            reply,
            started: None,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn random(&self) -> u64 {
        self.entropy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .random_u64()
    }
}

/// The Express runtime; [`Express::shutdown`] (or dropping it) stops its threads.
pub struct Express {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

/// A version-4 UUID from 128 random bits.
fn uuid(a: u64, b: u64) -> String {
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

impl Express {
    /// Starts the runtime with `workers` task threads, and runs again the asynchronous starts
    /// that a previous runtime left unfinished.
    pub fn start(
        store: Arc<dyn Store>,
        runner: TaskRunner,
        clock: Clock,
        workers: usize,
    ) -> Result<Express> {
        Self::start_as(store, runner, clock, workers, None)
    }

    /// [`Express::start`] for node `node` (the Standard runtime's node id): its asynchronous
    /// starts are stored as the node's, and only the node's (and those of no node) are run
    /// again; a dead node's come through [`Express::resume`] after a take-over.
    pub fn start_as(
        store: Arc<dyn Store>,
        runner: TaskRunner,
        clock: Clock,
        workers: usize,
        node: Option<String>,
    ) -> Result<Express> {
        let seed = crate::runtime::os_random();
        let shared = Arc::new(Shared {
            machines: Durable::new(Arc::clone(&store)),
            store,
            queues: Mutex::new(Queues::default()),
            wake: Condvar::new(),
            clock,
            runner,
            stop: AtomicBool::new(false),
            running: AtomicU64::new(0),
            entropy: Mutex::new(SplitMix64(seed)),
            enqueues: Mutex::new(Vec::new()),
            enqueues_wake: Condvar::new(),
            node,
        });
        let express = Express {
            shared,
            threads: Vec::new(),
        };
        express.resume_pending()?;
        let mut express = express;
        let s = Arc::clone(&express.shared);
        express
            .threads
            .push(std::thread::spawn(move || stepper(&s)));
        let s = Arc::clone(&express.shared);
        express
            .threads
            .push(std::thread::spawn(move || enqueuer(&s)));
        for _ in 0..workers.max(1) {
            let s = Arc::clone(&express.shared);
            express.threads.push(std::thread::spawn(move || worker(&s)));
        }
        Ok(express)
    }

    fn resume_pending(&self) -> Result<()> {
        let store = &self.shared.store;
        let mut after: Option<String> = None;
        loop {
            let page = store.pending_express(
                self.shared.node.as_deref(),
                Page {
                    after: after.as_deref(),
                    limit: 500,
                },
            )?;
            let Some(last) = page.last() else { break };
            after = Some(last.arn.clone());
            self.resume(page)?;
        }
        Ok(())
    }

    /// Runs stored asynchronous starts again (a restart, or a take-over of a dead node's).
    pub fn resume(&self, starts: Vec<ExpressStart>) -> Result<()> {
        self.shared.resume(starts)
    }

    /// The parsed state machine of a record (cached by ARN and revision).
    pub fn machine(&self, record: &StateMachineRecord) -> Result<Arc<StateMachine>> {
        self.shared.machines.machine(record)
    }

    /// A handle that runs stored starts on this runtime (for the Standard runtime's take-overs,
    /// which come from its own thread).
    pub fn resumer(&self) -> ExpressResumer {
        ExpressResumer(Arc::clone(&self.shared))
    }

    /// A new start of `machine`: its ARN (`...:express:<machine>:<name>:<uuid>`), a generated
    /// name when none is given, the time and a seed.
    fn new_start(
        &self,
        machine: &StateMachineRecord,
        name: Option<&str>,
        input: &str,
    ) -> Result<ExpressStart> {
        if let Some(name) = name {
            check_name(name)?;
        }
        let id = uuid(self.shared.random(), self.shared.random());
        let name = name.map_or_else(|| id.clone(), str::to_string);
        let arn = format!(
            "{}:{name}:{id}",
            machine.arn.replacen(":stateMachine:", ":express:", 1)
        );
        Ok(ExpressStart {
            arn,
            state_machine_arn: machine.arn.clone(),
            revision_id: machine.revision_id.clone(),
            name,
            input: input.to_string(),
            start_millis: (self.shared.clock)(),
            // The OS's, so that the execution's randomness (and its tokens) cannot be guessed
            // from another execution's.
            seed: crate::runtime::os_random(),
            owner: self.shared.node.clone(),
        })
    }

    fn submit(&self, begin: Begin) {
        self.shared.running.fetch_add(1, Ordering::SeqCst);
        self.shared.lock().begins.push_back(begin);
        self.shared.wake.notify_all();
    }

    /// Runs an execution to its end and returns its outcome (StartSyncExecution): nothing is
    /// stored unless its logging configuration asks for a record.
    pub fn start_sync(
        &self,
        machine: &StateMachineRecord,
        name: Option<&str>,
        input: &str,
    ) -> Result<ExpressOutcome> {
        match self.begin_sync(machine, name, input)? {
            SyncStart::Done(outcome, record) => {
                if let Some(record) = record.map(|r| *r) {
                    // Best-effort, as AWS's log delivery is.
                    let _ = self
                        .shared
                        .store
                        .finish_express(&[(outcome.execution_arn.clone(), Some(record))]);
                }
                Ok(*outcome)
            }
            SyncStart::Waiting(wait) => wait.outcome(),
        }
    }

    /// The part of [`Express::start_sync`] that never waits for the store or another thread:
    /// runs the first step here, and either gives the outcome (with the record to keep, which
    /// the caller stores) or hands the execution to the stepping thread and gives what to wait
    /// on. An async caller runs this on its own thread and waits elsewhere.
    pub fn begin_sync(
        &self,
        machine: &StateMachineRecord,
        name: Option<&str>,
        input: &str,
    ) -> Result<SyncStart> {
        let start = self.new_start(machine, name, input)?;
        let (tx, rx) = mpsc::channel();
        let mut begin = self.shared.begin(machine, &start, false, Some(tx))?;
        // Run its first step here: a machine that needs no task and no timer (Pass, Choice,
        // JSONata...) ends at once, without a trip through the stepping thread.
        let now = (self.shared.clock)();
        let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Execution::start(
                Arc::clone(&begin.machine),
                begin.info.clone(),
                begin.input.clone(),
                now,
            )
        }));
        if let Ok(ex) = first {
            if ex.status() != Status::Running {
                let outcome = ExpressOutcome::of(&ex, begin.input_text, now);
                let record = outcome.record(begin.logging).map(Box::new);
                return Ok(SyncStart::Done(Box::new(outcome), record));
            }
            begin.started = Some(ex);
        }
        self.submit(begin);
        Ok(SyncStart::Waiting(SyncWait(rx)))
    }

    /// Starts an execution and returns once its start is stored (StartExecution on an Express
    /// state machine): it runs at least once, even if the runtime dies first.
    pub fn start_async(
        &self,
        machine: &StateMachineRecord,
        name: Option<&str>,
        input: &str,
    ) -> Result<ExpressStart> {
        let start = self.new_start(machine, name, input)?;
        let begin = self.shared.begin(machine, &start, true, None)?;
        // Stored with the starts of concurrent callers in one transaction (group commit).
        let (reply, answer) = mpsc::channel();
        self.shared
            .enqueues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Enqueue {
                start,
                begin,
                reply,
            });
        self.shared.enqueues_wake.notify_one();
        answer
            .recv()
            .map_err(|_| DurableError::Unavailable("the Express runtime stopped".into()))?
    }

    /// How many executions are running now.
    pub fn running(&self) -> u64 {
        self.shared.running.load(Ordering::SeqCst)
    }

    /// Stops the threads. Running executions are dropped: asynchronous ones run again when a
    /// new runtime starts over the same store; synchronous callers get an error.
    pub fn shutdown(mut self) {
        self.stop_threads();
    }

    fn stop_threads(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// What [`Express::begin_sync`] did.
pub enum SyncStart {
    /// The execution ended in its first step: its outcome, and the record its logging
    /// configuration asks to keep (the caller stores it).
    Done(Box<ExpressOutcome>, Option<Box<ExpressRecord>>),
    /// It runs on: wait for its outcome.
    Waiting(SyncWait),
}

/// An Express execution's outcome to come (see [`SyncStart::Waiting`]).
pub struct SyncWait(mpsc::Receiver<ExpressOutcome>);

impl SyncWait {
    /// Blocks until the execution ends.
    pub fn outcome(self) -> Result<ExpressOutcome> {
        self.0
            .recv()
            .map_err(|_| DurableError::Unavailable("the Express runtime stopped".into()))
    }
}

/// Runs stored asynchronous starts on an Express runtime (see [`Express::resumer`]).
#[derive(Clone)]
pub struct ExpressResumer(Arc<Shared>);

impl ExpressResumer {
    /// Runs these stored starts (taken over from a dead node).
    pub fn resume(&self, starts: Vec<ExpressStart>) -> Result<()> {
        self.0.resume(starts)
    }
}

impl Drop for Express {
    fn drop(&mut self) {
        self.stop_threads();
    }
}

/// The stepping thread's own state.
#[derive(Default)]
struct Stepper {
    live: HashMap<String, Live>,
    /// (fire at, execution, timer), earliest first.
    timers: BTreeSet<(i64, String, TimerId)>,
    tasks: Vec<(String, TaskRequest)>,
    finished: Vec<(String, Option<ExpressRecord>)>,
    /// Synchronous callers to answer once the final records are stored.
    replies: Vec<(mpsc::Sender<ExpressOutcome>, ExpressOutcome)>,
}

impl Stepper {
    /// Delivers a signal to a running execution. If the core panics, the execution is ended
    /// as failed (its caller answered) instead of taking the stepping thread down.
    fn deliver(&mut self, shared: &Shared, arn: &str, signal: Signal, now: i64) {
        let Some(live) = self.live.get_mut(arn) else {
            return;
        };
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            live.ex.signal(now, signal);
        }))
        .is_ok();
        if ok {
            self.after(shared, arn, now);
            return;
        }
        if let Some(live) = self.live.remove(arn) {
            for (at, timer) in &live.timers {
                self.timers.remove(&(*at, arn.to_string(), *timer));
            }
            let info = live.ex.info().clone();
            let history = live.ex.history().to_vec();
            self.broken(
                shared,
                &info,
                live.input_text,
                live.logging,
                live.persisted,
                live.reply,
                history,
                now,
            );
        }
    }

    /// Ends an execution the core could not run: FAILED with `States.Runtime`.
    #[allow(clippy::too_many_arguments)]
    fn broken(
        &mut self,
        shared: &Shared,
        info: &ExecutionInfo,
        input_text: String,
        logging: Logging,
        persisted: bool,
        reply: Option<mpsc::Sender<ExpressOutcome>>,
        history: Vec<HistoryEvent>,
        now: i64,
    ) {
        shared.running.fetch_sub(1, Ordering::SeqCst);
        let outcome = ExpressOutcome {
            execution_arn: info.execution_arn.clone(),
            state_machine_arn: info.state_machine_arn.clone(),
            name: info.name.clone(),
            start_millis: info.start_millis,
            stop_millis: now,
            status: ExecutionStatus::Failed,
            input: input_text,
            output: None,
            error: Some("States.Runtime".into()),
            cause: Some(
                "Baton could not run this execution (an internal error); it was stopped.".into(),
            ),
            history,
        };
        let record = outcome.record(logging);
        if persisted || record.is_some() {
            self.finished.push((info.execution_arn.clone(), record));
        }
        if let Some(reply) = reply {
            self.replies.push((reply, outcome));
        }
    }

    /// Takes what the core asked for after a step, and ends the execution if it has ended.
    fn after(&mut self, shared: &Shared, arn: &str, now: i64) {
        let Some(live) = self.live.get_mut(arn) else {
            return;
        };
        // Express executions keep no Map Run records.
        let _ = live.ex.take_map_runs();
        for command in live.ex.take_commands() {
            match command {
                Command::StartTimer {
                    timer,
                    fire_at_millis,
                } => {
                    self.timers.insert((fire_at_millis, arn.to_string(), timer));
                    live.timers.push((fire_at_millis, timer));
                }
                Command::ScheduleTask(request) => self.tasks.push((arn.to_string(), *request)),
                // In-process tasks run to their end; the core ignores a cancelled one's answer.
                Command::CancelTask { .. } => {}
            }
        }
        if live.ex.status() == Status::Running {
            return;
        }
        let Some(live) = self.live.remove(arn) else {
            return;
        };
        for (at, timer) in &live.timers {
            self.timers.remove(&(*at, arn.to_string(), *timer));
        }
        shared.running.fetch_sub(1, Ordering::SeqCst);
        let outcome = ExpressOutcome::of(&live.ex, live.input_text, now);
        let record = outcome.record(live.logging);
        if live.persisted || record.is_some() {
            self.finished.push((arn.to_string(), record));
        }
        if let Some(reply) = live.reply {
            self.replies.push((reply, outcome));
        }
    }
}

/// Owns the running executions: begins new ones, delivers task answers and due timers, and
/// stores what ended.
fn stepper(shared: &Shared) {
    let mut st = Stepper::default();
    while !shared.stop.load(Ordering::SeqCst) {
        let (begins, signals) = {
            let mut q = shared.lock();
            if q.begins.is_empty() && q.signals.is_empty() {
                let now = (shared.clock)();
                let due_in = st
                    .timers
                    .first()
                    .map_or(50, |(at, _, _)| (*at - now).clamp(0, 10));
                if due_in > 0 {
                    q = shared
                        .wake
                        .wait_timeout(q, Duration::from_millis(due_in.cast_unsigned()))
                        .map_or_else(|p| p.into_inner().0, |(g, _)| g);
                }
            }
            (
                std::mem::take(&mut q.begins),
                std::mem::take(&mut q.signals),
            )
        };
        let now = (shared.clock)();
        for b in begins {
            let arn = b.info.execution_arn.clone();
            let info = b.info.clone();
            let started = match b.started {
                Some(ex) => Ok(ex),
                None => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    Execution::start(b.machine, b.info, b.input, now)
                })),
            };
            let Ok(ex) = started else {
                st.broken(
                    shared,
                    &info,
                    b.input_text,
                    b.logging,
                    b.persisted,
                    b.reply,
                    Vec::new(),
                    now,
                );
                continue;
            };
            st.live.insert(
                arn.clone(),
                Live {
                    ex,
                    input_text: b.input_text,
                    logging: b.logging,
                    persisted: b.persisted,
                    reply: b.reply,
                    timers: Vec::new(),
                },
            );
            st.after(shared, &arn, now);
        }
        for (arn, signal) in signals {
            st.deliver(shared, &arn, signal, now);
        }
        while let Some((at, arn, timer)) = st.timers.first().cloned() {
            if at > now {
                break;
            }
            st.timers.remove(&(at, arn.clone(), timer));
            if let Some(live) = st.live.get_mut(&arn) {
                live.timers.retain(|t| *t != (at, timer));
                st.deliver(shared, &arn, Signal::TimerFired { timer }, now);
            }
        }
        if !st.tasks.is_empty() {
            shared.lock().tasks.extend(st.tasks.drain(..));
            shared.wake.notify_all();
        }
        if !st.finished.is_empty() {
            // A failed write leaves asynchronous starts pending: a later runtime runs them
            // again (at least once). Records are best-effort, as AWS's log delivery is.
            let _ = shared.store.finish_express(&st.finished);
            st.finished.clear();
        }
        for (reply, outcome) in st.replies.drain(..) {
            let _ = reply.send(outcome);
        }
    }
}

/// Stores the asynchronous starts callers queued (all that came while the last batch was
/// stored, in one transaction), then hands them to the stepper and answers the callers. When
/// the runtime stops, the starts still queued are answered with an error.
fn enqueuer(shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let batch = crate::runtime::take_batch(&shared.enqueues, &shared.enqueues_wake, 500);
        if batch.is_empty() {
            continue;
        }
        let starts: Vec<ExpressStart> = batch.iter().map(|e| e.start.clone()).collect();
        let stored = match shared.store.enqueue_express(&starts) {
            Ok(()) => (0..batch.len()).map(|_| Ok(())).collect::<Vec<_>>(),
            // One start refused refuses the batch: store them one by one.
            Err(_) => starts
                .iter()
                .map(|s| shared.store.enqueue_express(std::slice::from_ref(s)))
                .collect(),
        };
        for (e, result) in batch.into_iter().zip(stored) {
            match result {
                Ok(()) => {
                    shared.running.fetch_add(1, Ordering::SeqCst);
                    shared.lock().begins.push_back(e.begin);
                    shared.wake.notify_all();
                    let _ = e.reply.send(Ok(e.start));
                }
                Err(err) => {
                    let _ = e.reply.send(Err(DurableError::Store(err)));
                }
            }
        }
    }
    let left: Vec<Enqueue> =
        std::mem::take(&mut *shared.enqueues.lock().unwrap_or_else(|p| p.into_inner()));
    for e in left {
        let _ = e.reply.send(Err(DurableError::Unavailable(
            "the Express runtime stopped".into(),
        )));
    }
}

/// Runs in-process tasks and hands their answers to the stepper.
fn worker(shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let (arn, request) = {
            let mut q = shared.lock();
            match q.tasks.pop_front() {
                Some(t) => t,
                None => {
                    let _ = shared.wake.wait_timeout(q, Duration::from_millis(50));
                    continue;
                }
            }
        };
        let signal = run_task(&shared.runner, &request);
        shared.lock().signals.push_back((arn, signal));
        shared.wake.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4() {
        let u = uuid(u64::MAX, 0);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(uuid(1, 2), uuid(2, 1));
    }

    #[test]
    fn log_levels_keep_what_aws_logs() {
        let at = |level| Logging {
            level,
            include_execution_data: true,
        };
        use HistoryEventType as T;
        assert!(at(LogLevel::All).keeps(T::PassStateEntered));
        assert!(at(LogLevel::Error).keeps(T::TaskFailed));
        assert!(!at(LogLevel::Error).keeps(T::TaskSucceeded));
        assert!(at(LogLevel::Fatal).keeps(T::ExecutionFailed));
        assert!(!at(LogLevel::Fatal).keeps(T::TaskFailed));
        assert!(!at(LogLevel::Off).keeps(T::ExecutionFailed));
        assert_eq!(Logging::from_config("{}").level, LogLevel::Off);
        let c = r#"{"loggingConfiguration": {"level": "ERROR", "includeExecutionData": true}}"#;
        assert_eq!(Logging::from_config(c), at(LogLevel::Error));
    }
}
