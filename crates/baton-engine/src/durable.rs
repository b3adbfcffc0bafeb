//! Durable executions: every step of the core committed to a [`Store`] before its effects are
//! released.
//!
//! [`Durable`] keeps nothing in memory between steps but a cache of parsed state machines: a step
//! loads the execution's snapshot, restores it, delivers one signal, and commits the resulting
//! transition (new snapshot, history events, timers set and cleared, tasks dispatched and done,
//! maybe the ending) fenced by the version it was loaded at. Only then does the caller run what
//! the step asked for ([`Step::dispatch`]). A crash at any moment therefore loses nothing that
//! was acknowledged, never applies a step twice (a replayed signal finds a newer version and is
//! fenced), and dispatches tasks at least once: a task is recorded with the step that schedules
//! it, and [`Durable::pending_dispatches`] lists those a restarted runtime must run again.
//!
//! The threads, timers and batching that drive it live in the runtime above; this layer is the
//! part that must be exactly right, and it is testable without any of them.

use crate::execution::{
    Command, Execution, ExecutionInfo, MapRunUpdate, Signal, SnapshotError, TaskRequest,
};
use crate::history::HistoryEvent;
use crate::{StatesError, Status};
use baton_asl::model::{StateMachine, WorkflowType};
use baton_asl::{Options, analyze};
use baton_json::Json;
use baton_store::{
    Ending, ExecutionRecord, ExecutionStatus, HistoryRecord, MapRunExecutionRecord, MapRunRecord,
    NewExecution, NodeFence, Page, Redrive, Started, StateMachineRecord, Store, StoreError,
    TakeOver, TaskRecord, TimerRecord, Transition,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What can stop a durable step.
#[derive(Debug, thiserror::Error)]
pub enum DurableError {
    /// The store refused or failed (including [`StoreError::Fenced`]: someone else moved the
    /// execution on first).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored snapshot could not be read.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The state machine's definition no longer validates.
    #[error("the definition of {0} is not valid")]
    InvalidDefinition(String),
    /// The input is not JSON, or larger than AWS allows.
    #[error("the execution input is not valid: {0}")]
    InvalidInput(String),
    /// The execution name breaks AWS's rules (1 to 80 characters, none of the forbidden ones).
    #[error("invalid execution name '{0}'")]
    InvalidName(String),
    /// No such execution or state machine.
    #[error("{0} does not exist")]
    NotFound(String),
    /// The state machine is not of the workflow type the call needs (an Express start of a
    /// Standard state machine).
    #[error("{0} is not an Express state machine")]
    NotExpress(String),
    /// The runtime is stopping or stopped.
    #[error("{0}")]
    Unavailable(String),
    /// RedriveExecution refused, with AWS's reason.
    #[error("{0}")]
    NotRedrivable(String),
}

/// A durable result.
pub type Result<T> = std::result::Result<T, DurableError>;

/// A task the committed step asked for, to be run by the caller (in-process targets).
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    /// The execution.
    pub execution_arn: String,
    /// The task, as the core described it.
    pub request: TaskRequest,
}

/// What one committed step did.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The execution as stored after the step.
    pub execution: ExecutionRecord,
    /// Tasks to run now (activities and callbacks wait for their workers instead).
    pub dispatch: Vec<Dispatch>,
    /// For a start: an execution of that name and input existed already, and this is it.
    pub existed: bool,
}

/// An execution whose first step ran in memory, waiting to be stored.
#[derive(Debug, Clone)]
pub struct PreparedStart {
    /// What the store will hold.
    pub execution: NewExecution,
    /// The tasks to dispatch once it is stored.
    pub dispatch: Vec<Dispatch>,
}

/// Steps of one execution run in memory, waiting to be committed.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What the store will apply.
    pub transition: Transition,
    /// The tasks to dispatch once it is committed.
    pub dispatch: Vec<Dispatch>,
}

/// What a committed step left to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    /// The execution.
    pub execution_arn: String,
    /// Its version now.
    pub version: u64,
    /// Whether the step ended it.
    pub ended: bool,
    /// The tasks to dispatch.
    pub dispatch: Vec<Dispatch>,
}

/// The durable layer over a store.
pub struct Durable {
    store: Arc<dyn Store>,
    machines: Mutex<HashMap<(String, String), Arc<StateMachine>>>,
    /// The node this layer commits as (see [`Durable::join`]).
    node: std::sync::RwLock<Option<NodeFence>>,
    /// How long a lease lasts, once joined (milliseconds).
    lease_millis: std::sync::atomic::AtomicI64,
    /// How often the node joined again after losing its lease.
    rejoins: std::sync::atomic::AtomicU64,
}

/// Wall-clock milliseconds: leases measure the liveness of processes, not workflow time (which
/// a runtime's clock may speed up).
pub fn wall_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The store's token for a task: the callback token where there is one, else one derived from
/// the execution and the task id (unique, and derivable again for a cancellation).
pub(crate) fn task_token(execution_arn: &str, task: u64, callback: Option<&str>) -> String {
    match callback {
        Some(t) => t.to_string(),
        None => format!("{execution_arn}#task-{task}"),
    }
}

/// Whether someone outside the runtime finishes this task (an activity worker, or whoever
/// holds a callback's task token), rather than the runtime's own dispatch.
fn finished_outside(request: &TaskRequest) -> bool {
    request.task_token.is_some() || is_activity(&request.resource)
}

fn is_activity(resource: &str) -> bool {
    crate::execution::task_kind(resource) == crate::execution::TaskKind::Activity
}

/// A step's events as the store keeps them. A step's events often carry one document (a
/// state's output is the next state's input, and the execution's output): each distinct
/// document is rendered and escaped once, not once per event.
fn to_records(events: &[HistoryEvent]) -> Vec<HistoryRecord> {
    // The last few documents: a document is reused by the events right after it (a step of a
    // Map with thousands of iterations must not search them all for each event).
    const KEPT: usize = 8;
    let mut literals: std::collections::VecDeque<(Json, String)> = Default::default();
    let mut payload_literal = |value: &Json, out: &mut String| {
        if let Some((_, literal)) = literals.iter().find(|(seen, _)| seen.ptr_eq(value)) {
            out.push_str(literal);
            return;
        }
        let mut literal = String::new();
        baton_json::write_string_literal(&value.to_json_string(), &mut literal);
        out.push_str(&literal);
        // Only shared containers and strings can be recognised again (ptr_eq).
        if value.is_object() || value.is_array() || value.is_string() {
            if literals.len() == KEPT {
                literals.pop_front();
            }
            literals.push_back((value.clone(), literal));
        }
    };
    events
        .iter()
        .map(|e| {
            let mut details = String::new();
            e.write_details(&mut details, &mut payload_literal);
            HistoryRecord {
                id: e.id,
                previous_event_id: e.previous_event_id,
                timestamp_millis: e.timestamp_millis,
                event_type: e.event_type.as_str().to_string(),
                details,
            }
        })
        .collect()
}

/// The longest name of an execution (or state machine, or activity), in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// The largest execution input (and output), in UTF-8 bytes: 256 KiB.
pub const MAX_PAYLOAD_BYTES: usize = 262_144;

/// Checks a name against AWS's rules: 1 to 80 characters; no whitespace, no `< > { } [ ] ? *`,
/// no `" # % \ ^ | ~ ` $ & , ; : /`, no control characters (U+0000-001F, U+007F-009F) and no
/// U+FFFE/U+FFFF.
pub fn check_name(name: &str) -> Result<()> {
    let count = name.chars().count();
    let bad = |c: char| {
        c.is_whitespace()
            || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
            || matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
    };
    if count == 0 || count > MAX_NAME_CHARS || name.chars().any(bad) {
        return Err(DurableError::InvalidName(name.to_string()));
    }
    Ok(())
}

/// Parses an execution input: JSON text of at most [`MAX_PAYLOAD_BYTES`].
pub fn parse_input(input: &str) -> Result<Json> {
    if input.len() > MAX_PAYLOAD_BYTES {
        return Err(DurableError::InvalidInput(format!(
            "{} bytes is more than the maximum of {MAX_PAYLOAD_BYTES}",
            input.len()
        )));
    }
    Json::parse(input).map_err(|e| DurableError::InvalidInput(e.to_string()))
}

/// The store's name for an ended execution's status.
pub(crate) fn store_status(status: Status) -> ExecutionStatus {
    match status {
        Status::Running => ExecutionStatus::Running,
        Status::Succeeded => ExecutionStatus::Succeeded,
        Status::TimedOut => ExecutionStatus::TimedOut,
        Status::Aborted => ExecutionStatus::Aborted,
        Status::Failed => ExecutionStatus::Failed,
    }
}

/// A Map Run as the store keeps it: DescribeMapRun's settings and counts as JSON text.
fn map_run_record(m: &MapRunUpdate, execution_arn: &str) -> MapRunRecord {
    let counts = serde_json::json!({
        "pending": m.pending,
        "running": m.running,
        "succeeded": m.succeeded,
        "failed": m.failed,
        "timedOut": m.timed_out,
        "aborted": m.aborted,
        "total": m.total,
        "resultsWritten": m.succeeded + m.failed + m.timed_out + m.aborted,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    });
    MapRunRecord {
        arn: m.arn.clone(),
        execution_arn: execution_arn.to_string(),
        start_millis: m.start_millis,
        stop_millis: m.stop_millis,
        status: m.status.to_string(),
        details: serde_json::json!({
            "maxConcurrency": m.max_concurrency,
            "toleratedFailureCount": m.tolerated_failure_count,
            "toleratedFailurePercentage": m.tolerated_failure_percentage,
            "itemCounts": counts,
            "executionCounts": counts,
        })
        .to_string(),
    }
}

/// The tasks of `tasks` that the runtime itself runs (not activities, not callbacks), to
/// dispatch again: after a restart, or a take-over of another node's executions.
pub fn dispatches(tasks: &[TaskRecord]) -> Vec<Dispatch> {
    tasks
        .iter()
        // Tokens the runtime derived mark its own tasks; callback and activity tasks wait.
        .filter(|task| {
            task.token == task_token(&task.execution_arn, task.task_id, None)
                && !is_activity(&task.resource)
        })
        .map(|task| Dispatch {
            execution_arn: task.execution_arn.clone(),
            request: TaskRequest {
                task: task.task_id,
                resource: task.resource.clone(),
                input: Json::parse(&task.input).unwrap_or_default(),
                state_name: String::new(),
                timeout_seconds: None,
                heartbeat_seconds: None,
                credentials: None,
                task_token: None,
            },
        })
        .collect()
}

/// Turns what the core did since the last step into a transition, and the tasks to dispatch.
fn transition(
    ex: &mut Execution,
    arn: &str,
    expected_version: u64,
    now: i64,
    fired_timers: Vec<u64>,
) -> Result<(Transition, Vec<Dispatch>)> {
    let events = to_records(&ex.take_history());
    let mut t = Transition {
        execution_arn: arn.to_string(),
        expected_version,
        events,
        timers_cleared: fired_timers,
        ..Transition::default()
    };
    let mut dispatch = Vec::new();
    for command in ex.take_commands() {
        match command {
            Command::StartTimer {
                timer,
                fire_at_millis,
            } => t.timers_set.push(TimerRecord {
                execution_arn: arn.to_string(),
                timer_id: timer,
                fire_at_millis,
            }),
            Command::ScheduleTask(request) => {
                t.tasks_added.push(TaskRecord {
                    token: task_token(arn, request.task, request.task_token.as_deref()),
                    execution_arn: arn.to_string(),
                    task_id: request.task,
                    resource: request.resource.clone(),
                    input: request.input.to_json_string(),
                    created_millis: now,
                    worker: None,
                });
                if !finished_outside(&request) {
                    dispatch.push(Dispatch {
                        execution_arn: arn.to_string(),
                        request: *request,
                    });
                }
            }
            Command::CancelTask { task, token } => {
                t.tasks_removed
                    .push(task_token(arn, task, token.as_deref()));
            }
        }
    }
    let (runs, children) = ex.take_map_runs();
    t.map_runs = runs.iter().map(|m| map_run_record(m, arn)).collect();
    t.map_run_executions = children
        .into_iter()
        .map(|c| MapRunExecutionRecord {
            arn: c.arn,
            map_run_arn: c.map_run_arn,
            name: c.name,
            status: store_status(c.status),
            start_millis: c.start_millis,
            stop_millis: c.stop_millis,
        })
        .collect();
    if ex.status() != Status::Running {
        let status = store_status(ex.status());
        let error = ex.error();
        t.status = Some(Ending {
            status,
            output: ex.output().map(Json::to_json_string),
            error: error.map(|e| e.error.clone()).filter(|e| !e.is_empty()),
            cause: error.and_then(|e| e.cause.clone()),
            stop_millis: now,
        });
        // An ended execution keeps no timers: do not write the ones this step set.
        t.timers_set.clear();
    }
    // A succeeded execution is never stepped, restored or redriven again: nothing reads its
    // snapshot, so none is kept (most executions end so, many in their first step).
    t.snapshot = if ex.status() == Status::Succeeded {
        Vec::new()
    } else {
        ex.snapshot()?
    };
    Ok((t, dispatch))
}

impl Durable {
    /// The durable layer over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Durable {
            store,
            machines: Mutex::new(HashMap::new()),
            node: std::sync::RwLock::new(None),
            lease_millis: std::sync::atomic::AtomicI64::new(0),
            rejoins: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Joins the store as node `id` with leases of `lease` (a new generation): from then on
    /// starts and steps carry its fence, and a step refused because another node took this
    /// one over joins again and is tried once more (the version fence still decides).
    pub fn join(&self, id: &str, lease: std::time::Duration) -> Result<NodeFence> {
        let lease_millis = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        self.lease_millis
            .store(lease_millis, std::sync::atomic::Ordering::SeqCst);
        let now = wall_millis();
        let fence = self
            .store
            .join_node(id, now, now.saturating_add(lease_millis))?;
        self.set_node(Some(fence.clone()));
        Ok(fence)
    }

    /// Joins again if `lost` is still the current fence (another thread may have already).
    pub fn rejoin(&self, lost: &NodeFence) -> Result<NodeFence> {
        let mut node = self
            .node
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(current) = node.as_ref()
            && current != lost
        {
            return Ok(current.clone());
        }
        let lease = self.lease_millis.load(std::sync::atomic::Ordering::SeqCst);
        let now = wall_millis();
        let fence = self
            .store
            .join_node(&lost.node, now, now.saturating_add(lease))?;
        *node = Some(fence.clone());
        self.rejoins
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(fence)
    }

    /// Gives the lease up (a clean shutdown): other nodes take this one's executions over at
    /// once instead of after the lease would have run out.
    pub fn leave(&self) -> Result<()> {
        if let Some(fence) = self.node() {
            // 1 ms after the epoch: expired for everyone, and not 0 (taken over).
            self.store.renew_node(&fence, 1)?;
        }
        Ok(())
    }

    /// When some of `items` were refused because the node's lease was taken over (`lost`):
    /// joins again and stores those once more under the new fence, replacing their results.
    fn after_lease_lost<T: Clone, R>(
        &self,
        lost: Option<&NodeFence>,
        items: &mut [T],
        results: &mut [baton_store::Result<R>],
        set_node: impl Fn(&mut T, NodeFence),
        store: impl FnOnce(&[T]) -> baton_store::Result<Vec<baton_store::Result<R>>>,
    ) -> Result<()> {
        let refused = |r: &baton_store::Result<R>| matches!(r, Err(StoreError::LeaseLost { .. }));
        let Some(lost) = lost.filter(|_| results.iter().any(refused)) else {
            return Ok(());
        };
        let fence = self.rejoin(lost)?;
        let again: Vec<usize> = (0..results.len())
            .filter(|&i| refused(&results[i]))
            .collect();
        let retry: Vec<T> = again
            .iter()
            .map(|&i| {
                set_node(&mut items[i], fence.clone());
                items[i].clone()
            })
            .collect();
        for (i, r) in again.into_iter().zip(store(&retry)?) {
            results[i] = r;
        }
        Ok(())
    }

    /// How often this layer joined again after losing its lease.
    pub fn rejoins(&self) -> u64 {
        self.rejoins.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Extends the lease (or joins again when it was taken over); the fence held afterwards.
    pub fn renew(&self) -> Result<Option<NodeFence>> {
        let Some(fence) = self.node() else {
            return Ok(None);
        };
        let lease = self.lease_millis.load(std::sync::atomic::Ordering::SeqCst);
        if self
            .store
            .renew_node(&fence, wall_millis().saturating_add(lease))?
        {
            return Ok(Some(fence));
        }
        self.rejoin(&fence).map(Some)
    }

    /// Takes over the executions of every node whose lease has run out: what was taken (the
    /// executions, their pending tasks, the dead nodes' asynchronous Express starts).
    pub fn take_over_expired(&self) -> Result<TakeOver> {
        let mut out = TakeOver::default();
        let Some(me) = self.node() else {
            return Ok(out);
        };
        for dead in self.store.expired_nodes(wall_millis())? {
            if dead.node == me.node {
                continue;
            }
            if let Some(t) = self.store.take_over(&dead, &me, wall_millis())? {
                out.executions.extend(t.executions);
                out.tasks.extend(t.tasks);
                out.express.extend(t.express);
            }
        }
        Ok(out)
    }

    /// The node (and generation) this layer commits as, once it has joined.
    pub fn node(&self) -> Option<NodeFence> {
        self.node
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Commits as `fence` from now on: starts and steps carry it, so that the store refuses
    /// them once another node has taken this one over.
    pub fn set_node(&self, fence: Option<NodeFence>) {
        *self
            .node
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fence;
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The parsed state machine of a record (cached by ARN and revision).
    pub fn machine(&self, record: &StateMachineRecord) -> Result<Arc<StateMachine>> {
        let key = (record.arn.clone(), record.revision_id.clone());
        if let Some(m) = self.machines.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(m);
        }
        let workflow_type = if record.workflow_type == "EXPRESS" {
            WorkflowType::Express
        } else {
            WorkflowType::Standard
        };
        let analysis = analyze(
            &record.definition,
            &Options {
                workflow_type,
                ..Options::default()
            },
        );
        let machine = Arc::new(
            analysis
                .machine
                .ok_or_else(|| DurableError::InvalidDefinition(record.arn.clone()))?,
        );
        if let Ok(mut cache) = self.machines.lock() {
            cache.insert(key, Arc::clone(&machine));
        }
        Ok(machine)
    }

    /// Runs an execution's first step in memory, ready to be stored by
    /// [`Durable::start_batch`] together with others (one transaction for the lot).
    pub fn prepare_start(
        &self,
        machine: &StateMachineRecord,
        name: &str,
        input: &str,
        now: i64,
        seed: u64,
    ) -> Result<PreparedStart> {
        check_name(name)?;
        let parsed = self.machine(machine)?;
        let input_json = parse_input(input)?;
        let arn = machine.arn.replacen(":stateMachine:", ":execution:", 1) + ":" + name;
        let info = ExecutionInfo {
            execution_arn: arn.clone(),
            name: name.to_string(),
            state_machine_arn: machine.arn.clone(),
            state_machine_name: machine.name.clone(),
            role_arn: machine.role_arn.clone(),
            start_millis: now,
            seed,
        };
        let mut ex = Execution::start(parsed, info, input_json, now);
        let (first, dispatch) = transition(&mut ex, &arn, 1, now, Vec::new())?;
        Ok(PreparedStart {
            execution: NewExecution {
                arn,
                state_machine_arn: machine.arn.clone(),
                revision_id: machine.revision_id.clone(),
                version_arn: None,
                alias_arn: None,
                name: name.to_string(),
                input: input.to_string(),
                start_millis: now,
                snapshot: first.snapshot.clone(),
                first: Some(first),
                node: None,
            },
            dispatch,
        })
    }

    /// Stores prepared starts in one batch. Each result is the stored execution and the tasks to
    /// dispatch (none when an execution of that name and input existed already).
    pub fn start_batch(&self, starts: Vec<PreparedStart>) -> Result<Vec<Result<Step>>> {
        let node = self.node();
        // Moved, not copied: a start carries its first step's snapshot and history.
        let (mut news, dispatches): (Vec<NewExecution>, Vec<Vec<Dispatch>>) = starts
            .into_iter()
            .map(|p| {
                (
                    NewExecution {
                        node: node.clone(),
                        ..p.execution
                    },
                    p.dispatch,
                )
            })
            .unzip();
        let mut results = self.store.start_executions(&news)?;
        // Taken over while paused: join again and store the refused starts once more.
        self.after_lease_lost(
            node.as_ref(),
            &mut news,
            &mut results,
            |e, f| e.node = Some(f),
            |retry| self.store.start_executions(retry),
        )?;
        Ok(results
            .into_iter()
            .zip(dispatches)
            .map(|(r, dispatch)| match r {
                Ok(Started::Created(execution)) => Ok(Step {
                    execution,
                    dispatch,
                    existed: false,
                }),
                Ok(Started::Existing(execution)) => Ok(Step {
                    execution,
                    dispatch: Vec::new(),
                    existed: true,
                }),
                Err(e) => Err(DurableError::Store(e)),
            })
            .collect())
    }

    /// Starts an execution of `machine` and commits its first step with it (idempotently: the
    /// same name and input give back the stored execution, with nothing to dispatch).
    pub fn start(
        &self,
        machine: &StateMachineRecord,
        name: &str,
        input: &str,
        now: i64,
        seed: u64,
    ) -> Result<Step> {
        let prepared = self.prepare_start(machine, name, input, now, seed)?;
        self.start_batch(vec![prepared])?
            .pop()
            .ok_or_else(|| DurableError::Store(StoreError::Backend("no start result".into())))?
    }

    /// Delivers one signal to a running execution and commits the step. A signal for an ended
    /// execution changes nothing and returns it as stored.
    pub fn signal(&self, arn: &str, signal: Signal, now: i64) -> Result<Step> {
        let done = match &signal {
            Signal::TaskSucceeded { task, .. } | Signal::TaskFailed { task, .. } => {
                Some(task_token(arn, *task, None))
            }
            _ => None,
        };
        self.step(arn, signal, now, done)
    }

    /// Finishes the task a token names (SendTaskSuccess / SendTaskFailure): `Ok` with its
    /// output, `Err` with its error. [`DurableError::NotFound`] when no pending task has it.
    pub fn complete(
        &self,
        token: &str,
        result: std::result::Result<Json, StatesError>,
        now: i64,
    ) -> Result<Step> {
        let task = self
            .store
            .get_task(token)?
            // The runtime's own (derivable) tokens are not for others to complete.
            .filter(|t| t.token != task_token(&t.execution_arn, t.task_id, None))
            .ok_or_else(|| DurableError::NotFound(format!("task token {token}")))?;
        let signal = Signal::task_result(task.task_id, result);
        self.step(&task.execution_arn, signal, now, Some(token.to_string()))
    }

    fn step(&self, arn: &str, signal: Signal, now: i64, done: Option<String>) -> Result<Step> {
        let Some(prepared) = self.prepare(arn, vec![(signal, done)], now)? else {
            let execution = self
                .store
                .get_execution(arn)?
                .ok_or_else(|| DurableError::NotFound(arn.to_string()))?;
            return Ok(Step {
                execution,
                dispatch: Vec::new(),
                existed: false,
            });
        };
        self.commit_alone(arn, prepared)
    }

    /// Commits one prepared step on its own and reads the execution back as it now stands.
    fn commit_alone(&self, arn: &str, prepared: Prepared) -> Result<Step> {
        let committed = self
            .commit_batch(vec![prepared])?
            .pop()
            .ok_or_else(|| StoreError::Backend("no commit result".into()))??;
        let execution = self
            .store
            .get_execution(arn)?
            .ok_or_else(|| DurableError::NotFound(arn.to_string()))?;
        Ok(Step {
            execution,
            dispatch: committed.dispatch,
            existed: false,
        })
    }

    /// Delivers signals, in order, to a running execution in memory, ready to be committed by
    /// [`Durable::commit_batch`] with other executions' steps. Each signal may name the task
    /// record it is done with. `None` when the execution has ended (nothing to do).
    pub fn prepare(
        &self,
        arn: &str,
        signals: Vec<(Signal, Option<String>)>,
        now: i64,
    ) -> Result<Option<Prepared>> {
        let record = self
            .store
            .get_execution(arn)?
            .ok_or_else(|| DurableError::NotFound(arn.to_string()))?;
        if record.status != ExecutionStatus::Running {
            return Ok(None);
        }
        let mut ex = self.restore(&record)?;
        let before = ex.timer_ids();
        let mut fired = Vec::new();
        let mut done_with = Vec::new();
        for (signal, done) in signals {
            if let Signal::TimerFired { timer } = &signal {
                fired.push(*timer);
            }
            done_with.extend(done);
            ex.signal(now, signal);
        }
        // Timers the core dropped (a task answered before its timeout, a superseded heartbeat,
        // a stopped branch) are cleared in the store too, so that they never fire a step.
        let after = ex.timer_ids();
        fired.extend(before.into_iter().filter(|t| !after.contains(t)));
        fired.sort_unstable();
        fired.dedup();
        let (mut transition, dispatch) = transition(&mut ex, arn, record.version, now, fired)?;
        transition.tasks_removed.extend(done_with);
        Ok(Some(Prepared {
            transition,
            dispatch,
        }))
    }

    /// The execution in memory, on the revision of its state machine it started with: an
    /// update of the state machine changes what new executions run, never a running one.
    fn restore(&self, record: &ExecutionRecord) -> Result<Execution> {
        let machine_record = match self
            .store
            .get_state_machine_revision(&record.state_machine_arn, &record.revision_id)?
        {
            Some(m) => m,
            None => self
                .store
                .get_state_machine(&record.state_machine_arn)?
                .ok_or_else(|| DurableError::NotFound(record.state_machine_arn.clone()))?,
        };
        let machine = self.machine(&machine_record)?;
        Ok(Execution::restore(machine, &record.snapshot)?)
    }

    /// Why an execution cannot be redriven at `now` (`redriveStatusReason`), or `None` when it
    /// can (`REDRIVABLE`).
    pub fn redrive_blocker(&self, record: &ExecutionRecord, now: i64) -> Result<Option<String>> {
        if record.status == ExecutionStatus::Running {
            return Ok(Some("Execution is RUNNING and cannot be redriven".into()));
        }
        if record.status == ExecutionStatus::Succeeded {
            return Ok(Some("Execution is SUCCEEDED and cannot be redriven".into()));
        }
        if self
            .store
            .get_state_machine(&record.state_machine_arn)?
            .is_none()
        {
            return Ok(Some("State machine is in DELETING status".into()));
        }
        Ok(self
            .restore(record)?
            .redrive_blocker(now)
            .map(str::to_string))
    }

    /// Redrives a failed, timed-out or stopped execution (RedriveExecution) and commits the
    /// step: it goes on from its unsuccessful state. [`DurableError::NotRedrivable`] with
    /// AWS's reason when it cannot.
    pub fn redrive(&self, arn: &str, now: i64) -> Result<Step> {
        let record = self
            .store
            .get_execution(arn)?
            .ok_or_else(|| DurableError::NotFound(arn.to_string()))?;
        if let Some(reason) = self.redrive_blocker(&record, now)? {
            return Err(DurableError::NotRedrivable(reason));
        }
        let mut ex = self.restore(&record)?;
        ex.redrive(now)
            .map_err(|reason| DurableError::NotRedrivable(reason.to_string()))?;
        let (mut transition, dispatch) = transition(&mut ex, arn, record.version, now, Vec::new())?;
        transition.redrive = Some(Redrive {
            count: ex.redrive_count(),
            millis: now,
        });
        self.commit_alone(
            arn,
            Prepared {
                transition,
                dispatch,
            },
        )
    }

    /// Commits prepared steps as one batch (one transaction). A step fenced by a concurrent
    /// commit is rejected alone; its signals must be delivered again.
    pub fn commit_batch(&self, batch: Vec<Prepared>) -> Result<Vec<Result<Committed>>> {
        let node = self.node();
        // Moved, not copied: a transition carries the snapshot and the step's history.
        let (mut transitions, dispatches): (Vec<Transition>, Vec<Vec<Dispatch>>) = batch
            .into_iter()
            .map(|p| {
                (
                    Transition {
                        node: node.clone(),
                        ..p.transition
                    },
                    p.dispatch,
                )
            })
            .unzip();
        let mut results = self.store.commit(&transitions)?;
        // Taken over while paused: join again and commit the refused steps once more; the
        // version fence rejects those another node has moved on meanwhile.
        self.after_lease_lost(
            node.as_ref(),
            &mut transitions,
            &mut results,
            |t, f| t.node = Some(f),
            |retry| self.store.commit(retry),
        )?;
        Ok(results
            .into_iter()
            .zip(transitions.into_iter().zip(dispatches))
            .map(|(r, (t, dispatch))| {
                r.map(|version| Committed {
                    execution_arn: t.execution_arn,
                    version,
                    ended: t
                        .status
                        .as_ref()
                        .is_some_and(|e| e.status != ExecutionStatus::Running),
                    dispatch,
                })
                .map_err(DurableError::Store)
            })
            .collect())
    }

    /// Tasks the runtime itself must run that were committed but never answered: after a
    /// restart, dispatch them again (at least once).
    /// Of the executions this node owns (all of them before it joined).
    pub fn pending_dispatches(&self) -> Result<Vec<Dispatch>> {
        let node = self.node();
        let owner = node.as_ref().map(|f| f.node.as_str());
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.store.pending_tasks(
                owner,
                Page {
                    after: after.as_deref(),
                    limit: 500,
                },
            )?;
            let Some(last) = page.last() else { break };
            after = Some(last.token.clone());
            out.extend(dispatches(&page));
        }
        Ok(out)
    }

    /// Answers a task with its result (`Ok`) or error (`Err`) and commits the step.
    pub fn answer(
        &self,
        arn: &str,
        task: u64,
        result: std::result::Result<Json, StatesError>,
        now: i64,
    ) -> Result<Step> {
        let signal = Signal::task_result(task, result);
        self.signal(arn, signal, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step's records, rendered with each shared document once, are what rendering every
    /// event on its own gives (a Map's iterations and a Parallel's branches share documents).
    #[test]
    fn records_render_shared_documents_once_and_the_same() {
        let definition = r#"{"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "M", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": true}}}]},
            "M": {"Type": "Map", "ItemsPath": "$[0].items", "End": true,
                  "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}}}}"#;
        let machine = analyze(definition, &Options::default()).machine.unwrap();
        let info = ExecutionInfo {
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:m:e".into(),
            name: "e".into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
            state_machine_name: "m".into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            start_millis: 0,
            seed: 1,
        };
        let items: Vec<Json> = (0..20)
            .map(|i| Json::parse(&format!(r#"{{"n": {i}, "s": "x\"y"}}"#)).unwrap())
            .collect();
        let mut input = Json::object();
        input.set("items", Json::from_vec(items));
        let mut ex = Execution::start(Arc::new(machine), info, input, 0);
        assert_eq!(ex.status(), Status::Succeeded);
        let events = ex.take_history();
        assert!(events.len() > 60, "{}", events.len());
        let records = to_records(&events);
        for (event, record) in events.iter().zip(&records) {
            let mut alone = String::new();
            event.write_details(&mut alone, &mut |v, out| {
                baton_json::write_string_literal(&v.to_json_string(), out);
            });
            assert_eq!(record.details, alone, "event {}", event.id);
            assert_eq!(record.id, event.id);
        }
    }

    #[test]
    fn names_follow_aws_rules() {
        for ok in ["a", "order-123_x.y", "é", &"n".repeat(80)] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "a\tb",
            "a<b",
            "a}b",
            "a[b",
            "a?b",
            "a*b",
            "a\"b",
            "a#b",
            "a%b",
            "a\\b",
            "a^b",
            "a|b",
            "a~b",
            "a`b",
            "a$b",
            "a&b",
            "a,b",
            "a;b",
            "a:b",
            "a/b",
            "a\u{1}b",
            "a\u{85}b",
            "a\u{ffff}b",
        ] {
            assert!(
                matches!(check_name(bad), Err(DurableError::InvalidName(_))),
                "{bad:?}"
            );
        }
        assert!(check_name(&"n".repeat(81)).is_err());
        // Characters, not bytes.
        assert!(check_name(&"é".repeat(80)).is_ok());
    }

    #[test]
    fn inputs_are_json_of_at_most_256_kib() {
        assert!(parse_input("{}").is_ok());
        assert!(matches!(
            parse_input("{"),
            Err(DurableError::InvalidInput(_))
        ));
        let big = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES - 2));
        assert!(parse_input(&big).is_ok());
        let bigger = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES - 1));
        assert!(matches!(
            parse_input(&bigger),
            Err(DurableError::InvalidInput(_))
        ));
    }
}
