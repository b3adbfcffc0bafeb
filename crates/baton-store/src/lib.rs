//! Persistence behind one contract, [`Store`]: state machines, executions (with the engine's
//! snapshot as opaque bytes), their history, durable timers and pending tasks.
//!
//! The contract is built for several nodes sharing one database (PostgreSQL) as much as
//! for one process on SQLite:
//!
//! - **Fencing.** Every execution carries a `version`. A [`Transition`] names the version it was
//!   computed from; the store applies it only if that is still the current version, then bumps it.
//!   A node that lost an execution to another (or a stale in-memory copy) can never overwrite a
//!   newer state: its commit fails with [`StoreError::Fenced`].
//! - **Node leases.** A node joins ([`Store::join_node`]) and holds one lease, renewed as a
//!   whole ([`Store::renew_node`]), under a generation number. A running execution is owned by
//!   the node that committed its last step; timers ([`Store::due_timers`]) and in-process tasks
//!   ([`Store::pending_tasks`]) are read per owner. When a node's lease runs out, another takes
//!   its executions over in one transaction ([`Store::take_over`]), bumping its generation, and
//!   every commit that names a node ([`Transition::node`]) is refused with
//!   [`StoreError::LeaseLost`] unless the generation is still the node's. Leases decide who
//!   *should* work; the version fence keeps it correct when two nodes briefly both do.
//! - **One transition, one transaction.** The new snapshot, the history events, the timers set and
//!   cleared, the tasks dispatched and finished and the status all commit together or not at all.
//!   [`Store::commit`] takes a batch so that a backend can put many executions' transitions in one
//!   database transaction (group commit): one fsync for the batch.
//!
//! Backends: [`MemoryStore`] (tests, Express executions), [`SqliteStore`] (the default: one
//! file, WAL) and [`PostgresStore`] (several nodes sharing one PostgreSQL database). Every
//! backend passes the same conformance suite (`tests/conformance.rs`).

mod memory;
mod postgres;
mod sqlite;

pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StoreError {
    /// A record with this key exists already (state machine name, execution name...).
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// No record with this key.
    #[error("{0} does not exist")]
    NotFound(String),
    /// The transition was computed from an older version of the execution: someone else moved it
    /// on (another node, or a replayed commit). Nothing was written.
    #[error("execution {arn} is at version {actual}, not {expected}")]
    Fenced {
        /// The execution.
        arn: String,
        /// The version the transition was computed from.
        expected: u64,
        /// The version stored.
        actual: u64,
    },
    /// History ids must continue the stored history without a gap.
    #[error("history of {arn} ends at event {last}; the next event must be {}, not {got}", last + 1)]
    HistoryGap {
        /// The execution.
        arn: String,
        /// The last stored event id.
        last: u64,
        /// The id the transition tried to append.
        got: u64,
    },
    /// The committing node's lease was taken over (its generation moved on): it must join
    /// again before it commits. Nothing was written.
    #[error("node {node} no longer holds its lease of generation {generation}")]
    LeaseLost {
        /// The node.
        node: String,
        /// The generation it committed under.
        generation: u64,
    },
    /// The backend failed (I/O, corruption, a broken connection).
    #[error("storage backend: {0}")]
    Backend(String),
}

/// A node and one incarnation of it: what its commits carry, so that a node whose lease was
/// taken over cannot commit until it has joined again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeFence {
    /// The node's id (unique among the nodes sharing the database).
    pub node: String,
    /// Bumped each time the node joins and each time its lease is taken over.
    pub generation: u64,
}

/// What a node took over from one whose lease ran out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TakeOver {
    /// The running executions that are now the taker's.
    pub executions: Vec<String>,
    /// Their pending tasks (the taker dispatches its in-process ones again).
    pub tasks: Vec<TaskRecord>,
    /// The dead node's unfinished asynchronous Express starts, now the taker's to run again.
    pub express: Vec<ExpressStart>,
}

/// A store result.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Told the resource of a task that was added (see [`Store::watch_tasks`]).
pub type TaskListener = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// The listeners of a store, and the resources of the tasks a commit added.
#[derive(Default)]
pub(crate) struct Listeners(std::sync::RwLock<Vec<TaskListener>>);

impl Listeners {
    pub(crate) fn add(&self, listener: TaskListener) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(listener);
    }

    /// Tells every listener of each distinct resource.
    pub(crate) fn tell<'a>(&self, resources: impl IntoIterator<Item = &'a str>) {
        let listeners = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if listeners.is_empty() {
            return;
        }
        let mut seen: Vec<&str> = Vec::new();
        for r in resources {
            if !seen.contains(&r) {
                seen.push(r);
                for l in listeners.iter() {
                    l(r);
                }
            }
        }
    }
}

/// StartExecution is idempotent: the same name and input again is the existing execution; any
/// other start of that name (or ARN) is refused.
pub(crate) fn existing_or_taken(existing: ExecutionRecord, e: &NewExecution) -> Result<Started> {
    if existing.input == e.input
        && existing.state_machine_arn == e.state_machine_arn
        && existing.name == e.name
    {
        Ok(Started::Existing(existing))
    } else {
        Err(StoreError::AlreadyExists(existing.arn))
    }
}

impl NewExecution {
    /// The execution as stored at `version` with `snapshot` and `owner`: running, or as the
    /// `ending` of its first step left it.
    pub(crate) fn record(
        &self,
        version: u64,
        snapshot: Vec<u8>,
        owner: Option<String>,
        ending: Option<&Ending>,
    ) -> ExecutionRecord {
        ExecutionRecord {
            arn: self.arn.clone(),
            state_machine_arn: self.state_machine_arn.clone(),
            revision_id: self.revision_id.clone(),
            version_arn: self.version_arn.clone(),
            alias_arn: self.alias_arn.clone(),
            name: self.name.clone(),
            status: ending.map_or(ExecutionStatus::Running, |end| end.status),
            input: self.input.clone(),
            output: ending.and_then(|end| end.output.clone()),
            error: ending.and_then(|end| end.error.clone()),
            cause: ending.and_then(|end| end.cause.clone()),
            start_millis: self.start_millis,
            stop_millis: ending.map(|end| end.stop_millis),
            version,
            snapshot,
            owner,
            redrive_count: 0,
            redrive_millis: None,
        }
    }
}

/// The resources of the tasks that the first steps of newly created executions added.
pub(crate) fn started_resources<'a>(
    executions: &'a [NewExecution],
    results: &'a [Result<Started>],
) -> impl Iterator<Item = &'a str> {
    executions
        .iter()
        .zip(results)
        .filter(|(_, r)| matches!(r, Ok(Started::Created(_))))
        .filter_map(|(e, _)| e.first.as_ref())
        .flat_map(|t| t.tasks_added.iter().map(|task| task.resource.as_str()))
}

/// The resources of the tasks that committed transitions added.
pub(crate) fn added_resources<'a>(
    batch: &'a [Transition],
    results: &'a [Result<u64>],
) -> impl Iterator<Item = &'a str> {
    batch
        .iter()
        .zip(results)
        .filter(|(_, r)| r.is_ok())
        .flat_map(|(t, _)| t.tasks_added.iter().map(|task| task.resource.as_str()))
}

/// A state machine (its current revision).
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachineRecord {
    /// `stateMachineArn`.
    pub arn: String,
    /// `name`, unique among state machines.
    pub name: String,
    /// The ASL definition, as given.
    pub definition: String,
    /// `roleArn`.
    pub role_arn: String,
    /// `STANDARD` or `EXPRESS`.
    pub workflow_type: String,
    /// `creationDate`, milliseconds since the epoch.
    pub created_millis: i64,
    /// `revisionId` of the current definition.
    pub revision_id: String,
    /// Other settings (logging, tracing, description, tags) as JSON text.
    pub config: String,
}

/// Where an execution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecutionStatus {
    /// Running (possibly parked on a Wait or a task).
    Running,
    /// Ended in success.
    Succeeded,
    /// Ended in failure.
    Failed,
    /// Ran past its timeout.
    TimedOut,
    /// Stopped by `StopExecution`.
    Aborted,
}

impl ExecutionStatus {
    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }

    /// From AWS's name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RUNNING" => ExecutionStatus::Running,
            "SUCCEEDED" => ExecutionStatus::Succeeded,
            "FAILED" => ExecutionStatus::Failed,
            "TIMED_OUT" => ExecutionStatus::TimedOut,
            "ABORTED" => ExecutionStatus::Aborted,
            _ => return None,
        })
    }
}

/// A request to start an execution.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExecution {
    /// `executionArn`.
    pub arn: String,
    /// The state machine it runs.
    pub state_machine_arn: String,
    /// The revision of the state machine it runs (its definition at the start): an update of
    /// the state machine does not change what a running execution runs.
    pub revision_id: String,
    /// The version it was started through (directly or by an alias), if any.
    pub version_arn: Option<String>,
    /// The alias it was started through, if any.
    pub alias_arn: Option<String>,
    /// `name`, unique per state machine.
    pub name: String,
    /// The input, as JSON text.
    pub input: String,
    /// `startDate`, milliseconds since the epoch.
    pub start_millis: i64,
    /// The engine's initial snapshot.
    pub snapshot: Vec<u8>,
    /// What the execution's first step did (it runs as it starts: events, timers, tasks, maybe
    /// its end), applied in the same transaction as a transition from version 1, so that a
    /// stored execution is never without the history its snapshot counts. Its
    /// `execution_arn`, `expected_version` and `node` are ignored.
    pub first: Option<Transition>,
    /// The node starting it, which owns it from then on; the start is refused with
    /// [`StoreError::LeaseLost`] unless the generation is the node's.
    pub node: Option<NodeFence>,
}

/// An execution as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    /// `executionArn`.
    pub arn: String,
    /// The state machine it runs.
    pub state_machine_arn: String,
    /// The revision of the state machine it runs.
    pub revision_id: String,
    /// `stateMachineVersionArn`: the version it was started through, if any.
    pub version_arn: Option<String>,
    /// `stateMachineAliasArn`: the alias it was started through, if any.
    pub alias_arn: Option<String>,
    /// `name`.
    pub name: String,
    /// `status`.
    pub status: ExecutionStatus,
    /// The input, as JSON text.
    pub input: String,
    /// The output (JSON text), once succeeded.
    pub output: Option<String>,
    /// The error, once failed.
    pub error: Option<String>,
    /// The cause, once failed.
    pub cause: Option<String>,
    /// `startDate`, milliseconds since the epoch.
    pub start_millis: i64,
    /// `stopDate`, once ended.
    pub stop_millis: Option<i64>,
    /// Bumped by every committed transition (the fencing token).
    pub version: u64,
    /// The engine's state after the last committed transition.
    pub snapshot: Vec<u8>,
    /// The node that owns it (committed its last step) while it runs; none once it ended.
    pub owner: Option<String>,
    /// `redriveCount`: how many times it was redriven.
    pub redrive_count: u64,
    /// `redriveDate`: when it was last redriven (milliseconds since the epoch).
    pub redrive_millis: Option<i64>,
}

/// What [`Store::start_execution`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    /// A new execution was stored.
    Created(ExecutionRecord),
    /// An execution with this name and the same input exists: StartExecution is idempotent.
    Existing(ExecutionRecord),
}

/// One history event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    /// 1-based id, contiguous within the execution.
    pub id: u64,
    /// `previousEventId`.
    pub previous_event_id: u64,
    /// Milliseconds since the epoch.
    pub timestamp_millis: i64,
    /// AWS's `HistoryEventType` name.
    pub event_type: String,
    /// The event's details object in AWS's shape, as JSON text (empty for none).
    pub details: String,
}

/// A durable timer (Wait, retry interval, task timeout, heartbeat, execution timeout).
#[derive(Debug, Clone, PartialEq)]
pub struct TimerRecord {
    /// The execution it belongs to.
    pub execution_arn: String,
    /// The engine's id of the timer.
    pub timer_id: u64,
    /// When it is due, milliseconds since the epoch.
    pub fire_at_millis: i64,
}

/// A task waiting for someone else (an activity worker, a callback) to finish it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    /// The task token that names it in SendTaskSuccess/Failure/Heartbeat.
    pub token: String,
    /// The execution it belongs to.
    pub execution_arn: String,
    /// The engine's id of the task.
    pub task_id: u64,
    /// The resource: the activity ARN for activities.
    pub resource: String,
    /// The task's input, as JSON text.
    pub input: String,
    /// When it was dispatched, milliseconds since the epoch.
    pub created_millis: i64,
    /// The worker that took it (activities), if one has.
    pub worker: Option<String>,
}

/// Everything one step of an execution changes, committed atomically.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transition {
    /// The execution.
    pub execution_arn: String,
    /// The version the step was computed from; the commit fails with [`StoreError::Fenced`]
    /// unless it is still current.
    pub expected_version: u64,
    /// The engine's state after the step.
    pub snapshot: Vec<u8>,
    /// Events to append; their ids must continue the stored history.
    pub events: Vec<HistoryRecord>,
    /// The status after the step, with output/error/cause and stop time when it ended.
    pub status: Option<Ending>,
    /// Timers the step set.
    pub timers_set: Vec<TimerRecord>,
    /// Timers the step cleared (fired or cancelled), by id.
    pub timers_cleared: Vec<u64>,
    /// Tasks the step dispatched that others finish (activities, callbacks).
    pub tasks_added: Vec<TaskRecord>,
    /// Tasks the step is done with (answered, timed out, cancelled), by token.
    pub tasks_removed: Vec<String>,
    /// The step redrives an ended execution: it runs again (no output, error or stop date)
    /// unless `status` ends it again in the same step.
    pub redrive: Option<Redrive>,
    /// Map Runs the step started or changed (stored as given, replacing what was).
    pub map_runs: Vec<MapRunRecord>,
    /// Map Run child executions the step started or ended (stored as given, replacing what was).
    pub map_run_executions: Vec<MapRunExecutionRecord>,
    /// The node committing: it owns the execution afterwards, and the commit is refused with
    /// [`StoreError::LeaseLost`] unless the generation is still the node's. `None` leaves the
    /// owner as it is (a store used by one process without leases).
    pub node: Option<NodeFence>,
}

/// A Map Run: one run of a Distributed Map state, as DescribeMapRun shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRunRecord {
    /// `mapRunArn`.
    pub arn: String,
    /// The execution whose Map state it runs.
    pub execution_arn: String,
    /// `startDate`, milliseconds since the epoch.
    pub start_millis: i64,
    /// `stopDate`, once it ended.
    pub stop_millis: Option<i64>,
    /// `RUNNING`, `SUCCEEDED`, `FAILED` or `ABORTED`.
    pub status: String,
    /// `maxConcurrency`, the tolerated failures, `itemCounts` and `executionCounts`, as a JSON
    /// object's text.
    pub details: String,
}

/// A child execution of a Map Run.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRunExecutionRecord {
    /// `executionArn`.
    pub arn: String,
    /// The Map Run.
    pub map_run_arn: String,
    /// `name`.
    pub name: String,
    /// `status`.
    pub status: ExecutionStatus,
    /// `startDate`, milliseconds since the epoch.
    pub start_millis: i64,
    /// `stopDate`, once it ended.
    pub stop_millis: Option<i64>,
}

/// A redrive, as a [`Transition`] records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redrive {
    /// The execution's redrive count after it.
    pub count: u64,
    /// `redriveDate`, milliseconds since the epoch.
    pub millis: i64,
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    /// The final status.
    pub status: ExecutionStatus,
    /// The output (JSON text), on success.
    pub output: Option<String>,
    /// The error, on failure.
    pub error: Option<String>,
    /// The cause, on failure.
    pub cause: Option<String>,
    /// `stopDate`.
    pub stop_millis: i64,
}

/// A page of a listing: which records come after `after` (by key), at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page<'a> {
    /// The last key of the previous page.
    pub after: Option<&'a str>,
    /// The most records to return.
    pub limit: usize,
}

/// A published version of a state machine: an immutable revision with a number.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    /// `stateMachineVersionArn` (`<state machine ARN>:<number>`).
    pub arn: String,
    /// The state machine.
    pub state_machine_arn: String,
    /// The number, from 1, never reused.
    pub version: u64,
    /// The revision it fixes.
    pub revision_id: String,
    /// `description`.
    pub description: Option<String>,
    /// `creationDate`, milliseconds since the epoch.
    pub created_millis: i64,
}

/// An alias: a name that routes executions to one or two versions by weight.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasRecord {
    /// `stateMachineAliasArn` (`<state machine ARN>:<name>`).
    pub arn: String,
    /// The state machine.
    pub state_machine_arn: String,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `routingConfiguration`: (version ARN, weight) pairs.
    pub routing: Vec<(String, u32)>,
    /// `creationDate`, milliseconds since the epoch.
    pub created_millis: i64,
    /// `updateDate`, milliseconds since the epoch.
    pub updated_millis: i64,
}

/// An activity: a task type that workers poll for (GetActivityTask).
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRecord {
    /// `activityArn`.
    pub arn: String,
    /// `name`, unique among activities.
    pub name: String,
    /// `creationDate`, milliseconds since the epoch.
    pub created_millis: i64,
    /// Other settings (tags, encryption) as JSON text.
    pub config: String,
}

/// An asynchronous Express start (StartExecution on an Express state machine), kept until the
/// execution ends so that a restarted runtime runs it again: at least once, as AWS promises.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpressStart {
    /// `executionArn` (`...:express:<machine>:<name>:<id>`).
    pub arn: String,
    /// The state machine it runs.
    pub state_machine_arn: String,
    /// The revision of the state machine it runs.
    pub revision_id: String,
    /// `name`.
    pub name: String,
    /// The input, as JSON text.
    pub input: String,
    /// `startDate`, milliseconds since the epoch.
    pub start_millis: i64,
    /// Seed of the execution's randomness.
    pub seed: u64,
    /// The node running it: a restarted node runs again only its own (and those of no node),
    /// and a take-over moves a dead node's to the taker.
    pub owner: Option<String>,
}

/// What is kept of an ended Express execution: what its state machine's logging configuration
/// asks for (AWS sends it to CloudWatch Logs; Baton keeps it in the store).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpressRecord {
    /// `executionArn`.
    pub arn: String,
    /// The state machine it ran.
    pub state_machine_arn: String,
    /// `name`.
    pub name: String,
    /// How it ended.
    pub status: ExecutionStatus,
    /// `startDate`, milliseconds since the epoch.
    pub start_millis: i64,
    /// `stopDate`, milliseconds since the epoch.
    pub stop_millis: i64,
    /// The input (JSON text), when the logging configuration includes execution data.
    pub input: Option<String>,
    /// The output (JSON text), on success with execution data included.
    pub output: Option<String>,
    /// The error, on failure.
    pub error: Option<String>,
    /// The cause, on failure.
    pub cause: Option<String>,
    /// The history events the log level keeps, as a JSON array of AWS's event objects.
    pub events: String,
}

/// The storage contract every backend implements. Calls are synchronous: the runtime calls them
/// from its own threads (a store's writer may batch them).
pub trait Store: Send + Sync {
    /// Stores a new state machine; [`StoreError::AlreadyExists`] when its name or ARN is taken.
    fn create_state_machine(&self, machine: &StateMachineRecord) -> Result<()>;
    /// Replaces a state machine's current revision (same ARN).
    fn update_state_machine(&self, machine: &StateMachineRecord) -> Result<()>;
    /// A state machine by ARN.
    fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>>;
    /// A state machine as it was at one of its revisions (every revision created or updated
    /// stays readable, also after the state machine is deleted, for the executions that run it).
    fn get_state_machine_revision(
        &self,
        arn: &str,
        revision_id: &str,
    ) -> Result<Option<StateMachineRecord>>;
    /// State machines in ARN order.
    fn list_state_machines(&self, page: Page<'_>) -> Result<Vec<StateMachineRecord>>;
    /// Deletes a state machine with its versions and aliases (its executions, and the revisions
    /// they run, stay readable).
    fn delete_state_machine(&self, arn: &str) -> Result<()>;

    /// Stores a new execution at version 1 (2 when it comes with its first step), unless one
    /// with the same state machine and name exists: then [`Started::Existing`] if its input is
    /// the same, else [`StoreError::AlreadyExists`].
    fn start_execution(&self, execution: &NewExecution) -> Result<Started>;
    /// Starts several executions as one batch (one transaction, one fsync where the backend
    /// can); each succeeds or fails on its own, as [`Store::start_execution`] would.
    fn start_executions(&self, executions: &[NewExecution]) -> Result<Vec<Result<Started>>> {
        Ok(executions.iter().map(|e| self.start_execution(e)).collect())
    }
    /// An execution by ARN.
    fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>>;
    /// A state machine's executions, most recent first (by start time, then ARN, descending),
    /// optionally of one status; `page.after` is the ARN of the last one of the previous page.
    fn list_executions(
        &self,
        state_machine_arn: &str,
        status: Option<ExecutionStatus>,
        page: Page<'_>,
    ) -> Result<Vec<ExecutionRecord>>;
    /// History events with ids in `after_id + 1 ..`, at most `limit`, in id order.
    fn history(&self, arn: &str, after_id: u64, limit: usize) -> Result<Vec<HistoryRecord>>;

    /// Commits transitions, each atomically, as one batch (one fsync where the backend can).
    /// The result has one entry per transition: a fenced or malformed transition is rejected
    /// alone and writes nothing; the others commit.
    fn commit(&self, batch: &[Transition]) -> Result<Vec<Result<u64>>>;

    /// Joins as `node` with a lease until `lease_until_millis`: a new generation (the last one
    /// plus one, so an earlier incarnation of the node can no longer commit). The node owns
    /// what it owned before, and running executions that have no owner.
    fn join_node(&self, node: &str, now_millis: i64, lease_until_millis: i64) -> Result<NodeFence>;
    /// Extends the node's lease; `false` when its generation moved on (taken over): it must
    /// join again.
    fn renew_node(&self, fence: &NodeFence, lease_until_millis: i64) -> Result<bool>;
    /// Nodes whose lease ran out before `now_millis` and that nobody has taken over yet.
    fn expired_nodes(&self, now_millis: i64) -> Result<Vec<NodeFence>>;
    /// Takes over the running executions (and pending Express starts) of `dead` for `by`, in
    /// one transaction, bumping the
    /// dead node's generation: `None` when `dead` renewed or rejoined meanwhile, or another
    /// node took it over first. [`StoreError::LeaseLost`] when `by` itself is not current.
    fn take_over(
        &self,
        dead: &NodeFence,
        by: &NodeFence,
        now_millis: i64,
    ) -> Result<Option<TakeOver>>;

    /// Timers due at or before `until_millis`, earliest first, at most `limit`: of the running
    /// executions `owner` owns, or of every execution when `owner` is `None`.
    fn due_timers(
        &self,
        owner: Option<&str>,
        until_millis: i64,
        limit: usize,
    ) -> Result<Vec<TimerRecord>>;
    /// When the first timer after `after_millis` falls due (of `owner`'s executions, or of
    /// all), if any.
    fn next_timer(&self, owner: Option<&str>, after_millis: i64) -> Result<Option<i64>>;

    /// A pending task by token.
    fn get_task(&self, token: &str) -> Result<Option<TaskRecord>>;
    /// Pending tasks in token order: of `owner`'s executions (a restarted node dispatches its
    /// own again), or all of them when `owner` is `None`.
    fn pending_tasks(&self, owner: Option<&str>, page: Page<'_>) -> Result<Vec<TaskRecord>>;
    /// Gives the oldest task of `resource` that no worker has taken to `worker`.
    fn take_task(&self, resource: &str, worker: &str) -> Result<Option<TaskRecord>>;
    /// Calls `listener` with a task's resource soon after a commit adds a task for workers to
    /// take, made through this store or (where the backend can tell: PostgreSQL's
    /// LISTEN/NOTIFY) through another sharing the database, so that long polls wake at once
    /// instead of polling tightly. Listeners must return quickly.
    fn watch_tasks(&self, listener: TaskListener);

    /// Publishes the state machine's current revision as a new version (the next number,
    /// never one used before), or gives back the newest version if it already has that
    /// revision (publishing is idempotent).
    fn publish_version(
        &self,
        state_machine_arn: &str,
        description: Option<&str>,
        created_millis: i64,
    ) -> Result<VersionRecord>;
    /// A version by ARN.
    fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>>;
    /// A state machine's versions, newest first; `page.after` is the last version ARN seen.
    fn list_versions(&self, state_machine_arn: &str, page: Page<'_>) -> Result<Vec<VersionRecord>>;
    /// Deletes a version (its executions keep running its revision).
    fn delete_version(&self, arn: &str) -> Result<()>;
    /// Stores a new alias; [`StoreError::AlreadyExists`] when its ARN is taken.
    fn create_alias(&self, alias: &AliasRecord) -> Result<()>;
    /// Replaces an alias's description and routing; [`StoreError::NotFound`] when missing.
    fn update_alias(&self, alias: &AliasRecord) -> Result<()>;
    /// An alias by ARN.
    fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>>;
    /// A state machine's aliases in ARN order.
    fn list_aliases(&self, state_machine_arn: &str, page: Page<'_>) -> Result<Vec<AliasRecord>>;
    /// Deletes an alias.
    fn delete_alias(&self, arn: &str) -> Result<()>;

    /// Stores a new activity; [`StoreError::AlreadyExists`] when its ARN is taken.
    fn create_activity(&self, activity: &ActivityRecord) -> Result<()>;
    /// An activity by ARN.
    fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>>;
    /// Activities in ARN order.
    fn list_activities(&self, page: Page<'_>) -> Result<Vec<ActivityRecord>>;
    /// Replaces an activity's settings (tags); [`StoreError::NotFound`] when there is none.
    fn update_activity(&self, activity: &ActivityRecord) -> Result<()>;
    /// Deletes an activity (its pending tasks stay, as in AWS, until they time out).
    fn delete_activity(&self, arn: &str) -> Result<()>;

    /// Keeps asynchronous Express starts (one transaction) until [`Store::finish_express`];
    /// [`StoreError::AlreadyExists`] (and nothing written) when one of their ARNs is pending.
    fn enqueue_express(&self, starts: &[ExpressStart]) -> Result<()>;
    /// Express starts not yet finished, in ARN order (a restarted runtime runs them again): of
    /// `owner` and of no node, or all of them when `owner` is `None`.
    fn pending_express(&self, owner: Option<&str>, page: Page<'_>) -> Result<Vec<ExpressStart>>;
    /// Ends Express executions in one transaction: each `(arn, record)` removes the pending
    /// start of that ARN (if any) and keeps the record (if the logging configuration asks for
    /// one; a record for an ARN kept already replaces it).
    fn finish_express(&self, done: &[(String, Option<ExpressRecord>)]) -> Result<()>;
    /// A Map Run by ARN.
    fn get_map_run(&self, arn: &str) -> Result<Option<MapRunRecord>>;
    /// An execution's Map Runs in ARN order.
    fn list_map_runs(&self, execution_arn: &str, page: Page<'_>) -> Result<Vec<MapRunRecord>>;
    /// A Map Run child execution by ARN.
    fn get_map_run_execution(&self, arn: &str) -> Result<Option<MapRunExecutionRecord>>;
    /// A Map Run's child executions, most recent first (by start time, then ARN, descending),
    /// optionally of one status; `page.after` is the last ARN of the previous page (unknown:
    /// an empty page).
    fn list_map_run_executions(
        &self,
        map_run_arn: &str,
        status: Option<ExecutionStatus>,
        page: Page<'_>,
    ) -> Result<Vec<MapRunExecutionRecord>>;

    /// Kept Express records of a state machine, in ARN order.
    fn express_records(
        &self,
        state_machine_arn: &str,
        page: Page<'_>,
    ) -> Result<Vec<ExpressRecord>>;
}
