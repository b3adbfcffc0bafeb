//! [`PostgresStore`]: the backend for several nodes sharing one PostgreSQL database.
//!
//! Every call takes a connection from a small pool (opening one when none is idle, up to
//! [`MAX_OPEN`], then waiting for one to come back), so that threads run their statements side
//! by side without exhausting the server's `max_connections` under a burst. [`Store::commit`] and [`Store::start_executions`]
//! put a whole batch in one transaction, each item inside a savepoint so that a rejected one is
//! rolled back alone.
//!
//! Nodes race safely under PostgreSQL's default READ COMMITTED isolation:
//!
//! - A commit moves an execution on with `UPDATE ... WHERE arn = $1 AND version = $2`: the row
//!   lock makes concurrent commits of one execution wait for each other, and the loser sees the
//!   new version and is [`StoreError::Fenced`]. The lock is held until the batch commits, so
//!   nobody else appends to that execution's history meanwhile.
//! - [`Store::take_task`] picks its row with `FOR UPDATE SKIP LOCKED`: two workers never get
//!   the same task.
//! - A commit naming a node reads the node's generation `FOR KEY SHARE` first, so a take-over
//!   (which locks the row `FOR UPDATE`, then bumps it) waits for commits in flight and every
//!   later commit of the old generation is refused with [`StoreError::LeaseLost`]; renewals
//!   do not wait for commits.
//! - A commit that adds tasks sends `NOTIFY baton_tasks` with their resource; each store
//!   listening ([`Store::watch_tasks`]) keeps one connection of its own on `LISTEN`.
//! - Unique keys (names, ARNs, tokens) are enforced by the database; a unique violation is
//!   [`StoreError::AlreadyExists`].
//!
//! The schema is created and upgraded by numbered migrations recorded in `baton_schema`, under
//! an advisory lock, so that processes starting at once do not trip over each other.

use crate::*;
use ::postgres::error::SqlState;
use ::postgres::types::{FromSql, ToSql};
use ::postgres::{Client, Config, GenericClient, NoTls, Row, Statement};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The key of the advisory lock that serialises migrations (any constant that other
/// applications sharing the database are unlikely to use: "baton" and a 1).
const MIGRATION_LOCK: i64 = 0x6261_746f_6e00_0001;

/// Idle connections kept for later calls; more are closed when given back.
const MAX_IDLE: usize = 16;

/// Most connections a store has open at once (taken and idle).
const MAX_OPEN: usize = 32;

/// How long a call waits for a connection when [`MAX_OPEN`] are in use.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// The pool: idle connections, and how many are open in all.
#[derive(Default)]
struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// Schema migrations, in order: migration `n` (from 1) brings the schema to version `n`. Each
/// runs once per schema, in the migration transaction; add new ones at the end, never edit one
/// that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: the initial schema. ARN, name and token columns use the "C" collation so that they
    // order (and page) byte by byte, as the other backends do, whatever the database's locale.
    r#"
CREATE TABLE IF NOT EXISTS state_machines (
    arn TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    workflow_type TEXT NOT NULL,
    created_millis BIGINT NOT NULL,
    revision_id TEXT COLLATE "C" NOT NULL,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
    arn TEXT COLLATE "C" NOT NULL,
    revision_id TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    workflow_type TEXT NOT NULL,
    created_millis BIGINT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (arn, revision_id)
);
CREATE TABLE IF NOT EXISTS executions (
    arn TEXT COLLATE "C" PRIMARY KEY,
    state_machine_arn TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    start_millis BIGINT NOT NULL,
    stop_millis BIGINT,
    version BIGINT NOT NULL,
    snapshot BYTEA NOT NULL,
    owner TEXT,
    lease_until_millis BIGINT NOT NULL DEFAULT 0,
    revision_id TEXT NOT NULL DEFAULT '',
    version_arn TEXT,
    alias_arn TEXT,
    UNIQUE (state_machine_arn, name)
);
CREATE INDEX IF NOT EXISTS executions_running ON executions (lease_until_millis)
    WHERE status = 'RUNNING';
CREATE INDEX IF NOT EXISTS executions_recent
    ON executions (state_machine_arn, start_millis, arn);
CREATE TABLE IF NOT EXISTS history (
    execution_arn TEXT COLLATE "C" NOT NULL,
    id BIGINT NOT NULL,
    previous_event_id BIGINT NOT NULL,
    timestamp_millis BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
);
CREATE TABLE IF NOT EXISTS timers (
    execution_arn TEXT COLLATE "C" NOT NULL,
    timer_id BIGINT NOT NULL,
    fire_at_millis BIGINT NOT NULL,
    PRIMARY KEY (execution_arn, timer_id)
);
CREATE INDEX IF NOT EXISTS timers_due ON timers (fire_at_millis, execution_arn, timer_id);
CREATE TABLE IF NOT EXISTS tasks (
    token TEXT COLLATE "C" PRIMARY KEY,
    execution_arn TEXT COLLATE "C" NOT NULL,
    task_id BIGINT NOT NULL,
    resource TEXT NOT NULL,
    input TEXT NOT NULL,
    created_millis BIGINT NOT NULL,
    worker TEXT
);
CREATE INDEX IF NOT EXISTS tasks_untaken ON tasks (resource, created_millis, token)
    WHERE worker IS NULL;
CREATE INDEX IF NOT EXISTS tasks_by_execution ON tasks (execution_arn);
CREATE TABLE IF NOT EXISTS versions (
    arn TEXT COLLATE "C" PRIMARY KEY,
    state_machine_arn TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    revision_id TEXT NOT NULL,
    description TEXT,
    created_millis BIGINT NOT NULL,
    UNIQUE (state_machine_arn, version)
);
CREATE TABLE IF NOT EXISTS version_counters (
    state_machine_arn TEXT COLLATE "C" PRIMARY KEY,
    last BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    arn TEXT COLLATE "C" PRIMARY KEY,
    state_machine_arn TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    routing TEXT NOT NULL,
    created_millis BIGINT NOT NULL,
    updated_millis BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS aliases_by_machine ON aliases (state_machine_arn, arn);
CREATE TABLE IF NOT EXISTS activities (
    arn TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    created_millis BIGINT NOT NULL,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS express_pending (
    arn TEXT COLLATE "C" PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    revision_id TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    input TEXT NOT NULL,
    start_millis BIGINT NOT NULL,
    seed BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS express_records (
    state_machine_arn TEXT COLLATE "C" NOT NULL,
    arn TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_millis BIGINT NOT NULL,
    stop_millis BIGINT NOT NULL,
    input TEXT,
    output TEXT,
    error TEXT,
    cause TEXT,
    events TEXT NOT NULL,
    PRIMARY KEY (state_machine_arn, arn)
);
"#,
    // 2: redrives.
    r#"
ALTER TABLE executions ADD COLUMN IF NOT EXISTS redrive_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN IF NOT EXISTS redrive_millis BIGINT;
"#,
    // 3: Map Runs and their child executions.
    r#"
CREATE TABLE IF NOT EXISTS map_runs (
    arn TEXT COLLATE "C" PRIMARY KEY,
    execution_arn TEXT COLLATE "C" NOT NULL,
    start_millis BIGINT NOT NULL,
    stop_millis BIGINT,
    status TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS map_runs_by_execution ON map_runs (execution_arn, arn);
CREATE TABLE IF NOT EXISTS map_run_executions (
    arn TEXT COLLATE "C" PRIMARY KEY,
    map_run_arn TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_millis BIGINT NOT NULL,
    stop_millis BIGINT
);
CREATE INDEX IF NOT EXISTS map_run_executions_recent
    ON map_run_executions (map_run_arn, start_millis, arn);
"#,
    // 4: node leases: each running execution is owned by a node, each node holds one lease.
    r#"
CREATE TABLE IF NOT EXISTS nodes (
    node TEXT COLLATE "C" PRIMARY KEY,
    generation BIGINT NOT NULL,
    lease_until_millis BIGINT NOT NULL
);
DROP INDEX IF EXISTS executions_running;
CREATE INDEX IF NOT EXISTS executions_owned ON executions (owner) WHERE status = 'RUNNING';
"#,
    // 5: asynchronous Express starts, per node.
    r#"
ALTER TABLE express_pending ADD COLUMN IF NOT EXISTS owner TEXT;
"#,
    // 6: timers carry their execution's owner, tasks the node that dispatched them, so that a
    // node reads its own by index (not by scanning everyone's).
    r#"
ALTER TABLE timers ADD COLUMN IF NOT EXISTS owner TEXT;
UPDATE timers SET owner = e.owner FROM executions e WHERE e.arn = timers.execution_arn;
CREATE INDEX IF NOT EXISTS timers_owned ON timers (owner, fire_at_millis, execution_arn, timer_id);
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS node TEXT;
UPDATE tasks SET node = e.owner FROM executions e WHERE e.arn = tasks.execution_arn;
CREATE INDEX IF NOT EXISTS tasks_by_node ON tasks (node, token);
"#,
];

/// The channel commits notify when they add tasks (the payload is the resource).
const TASKS_CHANNEL: &str = "baton_tasks";

fn map_run_row(r: &Row) -> Result<MapRunRecord> {
    Ok(MapRunRecord {
        arn: get(r, 0)?,
        execution_arn: get(r, 1)?,
        start_millis: get(r, 2)?,
        stop_millis: get(r, 3)?,
        status: get(r, 4)?,
        details: get(r, 5)?,
    })
}

fn map_run_execution_row(r: &Row) -> Result<MapRunExecutionRecord> {
    Ok(MapRunExecutionRecord {
        arn: get(r, 0)?,
        map_run_arn: get(r, 1)?,
        name: get(r, 2)?,
        status: status(get(r, 3)?),
        start_millis: get(r, 4)?,
        stop_millis: get(r, 5)?,
    })
}

// Column lists as macros, so that statements are `&'static str` (the statement cache's key).
macro_rules! machine_columns {
    () => {
        "arn, name, definition, role_arn, workflow_type, created_millis, revision_id, config"
    };
}

macro_rules! execution_columns {
    () => {
        "arn, state_machine_arn, name, status, input, output, error, cause, start_millis, \
         stop_millis, version, snapshot, owner, revision_id, version_arn, \
         alias_arn, redrive_count, redrive_millis"
    };
}

macro_rules! task_columns {
    () => {
        "token, execution_arn, task_id, resource, input, created_millis, worker"
    };
}

macro_rules! version_columns {
    () => {
        "arn, state_machine_arn, version, revision_id, description, created_millis"
    };
}

macro_rules! alias_columns {
    () => {
        "arn, state_machine_arn, name, description, routing, created_millis, updated_millis"
    };
}

macro_rules! express_columns {
    () => {
        "arn, state_machine_arn, name, input, start_millis, seed, revision_id, owner"
    };
}

macro_rules! express_record_columns {
    () => {
        "arn, state_machine_arn, name, status, start_millis, stop_millis, input, output, error, \
         cause, events"
    };
}

/// The PostgreSQL backend: a pool of connections to one database (and schema).
pub struct PostgresStore {
    config: Config,
    /// `SET search_path ...` run on every new connection, when the store lives in a schema.
    search_path: Option<String>,
    pool: Mutex<Pool>,
    /// Signalled when a connection comes back (or closes).
    returned: std::sync::Condvar,
    /// Told of added tasks: by this store's commits, and by the `LISTEN` thread.
    listeners: std::sync::Arc<Listeners>,
    /// Whether the `LISTEN` thread runs.
    listening: std::sync::atomic::AtomicBool,
}

/// One pooled connection with the statements it has prepared.
struct Conn {
    client: Client,
    session: Session,
}

/// What a connection keeps besides the client (borrowed apart from it, so that a transaction
/// on the client can still use the statement cache).
#[derive(Default)]
struct Session {
    /// Prepared statements by SQL text: a statement is parsed and planned once per connection.
    statements: HashMap<&'static str, Statement>,
    /// Set when a call failed below SQL (I/O, protocol): the connection is not given back.
    broken: bool,
}

/// A client (a connection or a transaction on it) with its connection's session.
struct Db<'a, C> {
    client: &'a mut C,
    session: &'a mut Session,
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// An error with its causes: the client's own message is only its kind ("db error"), the
/// server's message or the I/O error is its source.
fn describe(e: &::postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn backend(e: ::postgres::Error) -> StoreError {
    StoreError::Backend(format!("postgres: {}", describe(&e)))
}

fn is_unique_violation(e: &::postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A page size as a `LIMIT` parameter.
fn sql_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An identifier quoted for SQL (schema names are not parameters).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl<C: GenericClient> Db<'_, C> {
    /// Maps an error, remembering when it leaves the connection unusable.
    fn fail(&mut self, e: ::postgres::Error) -> StoreError {
        if e.is_closed() || e.as_db_error().is_none() {
            self.session.broken = true;
        }
        backend(e)
    }

    /// The statement for `sql`, prepared on this connection the first time.
    fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.session.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(|e| self.fail(e))?;
        self.session.statements.insert(sql, s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        self.client.query(&s, params).map_err(|e| self.fail(e))
    }

    fn query_opt(&mut self, sql: &'static str, params: Params<'_>) -> Result<Option<Row>> {
        let s = self.statement(sql)?;
        self.client.query_opt(&s, params).map_err(|e| self.fail(e))
    }

    fn query_one(&mut self, sql: &'static str, params: Params<'_>) -> Result<Row> {
        let s = self.statement(sql)?;
        self.client.query_one(&s, params).map_err(|e| self.fail(e))
    }

    fn execute(&mut self, sql: &'static str, params: Params<'_>) -> Result<u64> {
        let s = self.statement(sql)?;
        self.client.execute(&s, params).map_err(|e| self.fail(e))
    }

    /// Like [`Db::execute`], but a unique violation is [`StoreError::AlreadyExists`] of `key`.
    fn insert(&mut self, sql: &'static str, params: Params<'_>, key: &str) -> Result<u64> {
        let s = self.statement(sql)?;
        self.client.execute(&s, params).map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::AlreadyExists(key.to_string())
            } else {
                self.fail(e)
            }
        })
    }

    /// Runs statements without parameters (savepoints).
    fn batch(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).map_err(|e| self.fail(e))
    }

    /// Every row of `sql`, mapped by `row`.
    fn rows<T>(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
        row: impl Fn(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.query(sql, params)?.iter().map(row).collect()
    }

    /// The first row of `sql`, if any, mapped by `row`.
    fn row<T>(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
        row: impl Fn(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        self.query_opt(sql, params)?.as_ref().map(row).transpose()
    }
}

/// Column `i` of a row.
fn get<'a, T: FromSql<'a>>(r: &'a Row, i: usize) -> Result<T> {
    r.try_get(i)
        .map_err(|e| StoreError::Backend(format!("postgres: reading column {i}: {}", describe(&e))))
}

fn machine_row(r: &Row) -> Result<StateMachineRecord> {
    Ok(StateMachineRecord {
        arn: get(r, 0)?,
        name: get(r, 1)?,
        definition: get(r, 2)?,
        role_arn: get(r, 3)?,
        workflow_type: get(r, 4)?,
        created_millis: get(r, 5)?,
        revision_id: get(r, 6)?,
        config: get(r, 7)?,
    })
}

fn status(s: &str) -> ExecutionStatus {
    ExecutionStatus::parse(s).unwrap_or(ExecutionStatus::Failed)
}

fn execution_row(r: &Row) -> Result<ExecutionRecord> {
    Ok(ExecutionRecord {
        arn: get(r, 0)?,
        state_machine_arn: get(r, 1)?,
        name: get(r, 2)?,
        status: status(get(r, 3)?),
        input: get(r, 4)?,
        output: get(r, 5)?,
        error: get(r, 6)?,
        cause: get(r, 7)?,
        start_millis: get(r, 8)?,
        stop_millis: get(r, 9)?,
        version: to_u64(get(r, 10)?),
        snapshot: get(r, 11)?,
        owner: get(r, 12)?,
        revision_id: get(r, 13)?,
        version_arn: get(r, 14)?,
        alias_arn: get(r, 15)?,
        redrive_count: to_u64(get(r, 16)?),
        redrive_millis: get(r, 17)?,
    })
}

fn history_row(r: &Row) -> Result<HistoryRecord> {
    Ok(HistoryRecord {
        id: to_u64(get(r, 0)?),
        previous_event_id: to_u64(get(r, 1)?),
        timestamp_millis: get(r, 2)?,
        event_type: get(r, 3)?,
        details: get(r, 4)?,
    })
}

fn timer_row(r: &Row) -> Result<TimerRecord> {
    Ok(TimerRecord {
        execution_arn: get(r, 0)?,
        timer_id: to_u64(get(r, 1)?),
        fire_at_millis: get(r, 2)?,
    })
}

fn task_row(r: &Row) -> Result<TaskRecord> {
    Ok(TaskRecord {
        token: get(r, 0)?,
        execution_arn: get(r, 1)?,
        task_id: to_u64(get(r, 2)?),
        resource: get(r, 3)?,
        input: get(r, 4)?,
        created_millis: get(r, 5)?,
        worker: get(r, 6)?,
    })
}

fn version_row(r: &Row) -> Result<VersionRecord> {
    Ok(VersionRecord {
        arn: get(r, 0)?,
        state_machine_arn: get(r, 1)?,
        version: to_u64(get(r, 2)?),
        revision_id: get(r, 3)?,
        description: get(r, 4)?,
        created_millis: get(r, 5)?,
    })
}

fn alias_row(r: &Row) -> Result<AliasRecord> {
    Ok(AliasRecord {
        arn: get(r, 0)?,
        state_machine_arn: get(r, 1)?,
        name: get(r, 2)?,
        description: get(r, 3)?,
        routing: crate::sqlite::routing_from_text(get(r, 4)?),
        created_millis: get(r, 5)?,
        updated_millis: get(r, 6)?,
    })
}

fn activity_row(r: &Row) -> Result<ActivityRecord> {
    Ok(ActivityRecord {
        arn: get(r, 0)?,
        name: get(r, 1)?,
        created_millis: get(r, 2)?,
        config: get(r, 3)?,
    })
}

fn express_row(r: &Row) -> Result<ExpressStart> {
    Ok(ExpressStart {
        arn: get(r, 0)?,
        state_machine_arn: get(r, 1)?,
        name: get(r, 2)?,
        input: get(r, 3)?,
        start_millis: get(r, 4)?,
        // The seed is stored bit for bit in a signed column.
        seed: get::<i64>(r, 5)?.cast_unsigned(),
        revision_id: get(r, 6)?,
        owner: get(r, 7)?,
    })
}

fn express_record_row(r: &Row) -> Result<ExpressRecord> {
    Ok(ExpressRecord {
        arn: get(r, 0)?,
        state_machine_arn: get(r, 1)?,
        name: get(r, 2)?,
        status: status(get(r, 3)?),
        start_millis: get(r, 4)?,
        stop_millis: get(r, 5)?,
        input: get(r, 6)?,
        output: get(r, 7)?,
        error: get(r, 8)?,
        cause: get(r, 9)?,
        events: get(r, 10)?,
    })
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db` or key=value
    /// settings; no TLS) and brings its schema up to date. The tables live where the
    /// connection's `search_path` puts them (usually `public`).
    pub fn connect(url: &str) -> Result<Self> {
        Self::open(url, None)
    }

    /// Like [`PostgresStore::connect`], but in `schema` (created if missing): every pooled
    /// connection sets its `search_path` to it. Several stores (tests, tenants) can so share
    /// one database without seeing each other.
    pub fn connect_in_schema(url: &str, schema: &str) -> Result<Self> {
        Self::open(url, Some(schema))
    }

    fn open(url: &str, schema: Option<&str>) -> Result<Self> {
        let mut config: Config = url.parse().map_err(|e| {
            StoreError::Backend(format!("postgres: bad connection URL: {}", describe(&e)))
        })?;
        if config.get_application_name().is_none() {
            config.application_name("baton");
        }
        // An unreachable server should fail the call, not hang it.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let store = PostgresStore {
            config,
            search_path: schema.map(|s| format!("SET search_path TO {}", quote_ident(s))),
            pool: Mutex::default(),
            returned: std::sync::Condvar::new(),
            listeners: std::sync::Arc::default(),
            listening: std::sync::atomic::AtomicBool::new(false),
        };
        let mut conn = store.take()?;
        migrate(&mut conn.client, schema)?;
        store.give_back(conn);
        Ok(store)
    }

    fn open_conn(&self) -> Result<Conn> {
        let mut client = self
            .config
            .connect(NoTls)
            .map_err(|e| StoreError::Backend(format!("postgres: connecting: {}", describe(&e))))?;
        if let Some(set) = &self.search_path {
            client.batch_execute(set).map_err(backend)?;
        }
        Ok(Conn {
            client,
            session: Session::default(),
        })
    }

    /// An idle connection, or a new one when there is none.
    fn take(&self) -> Result<Conn> {
        // A panic while holding the pool's lock cannot leave it half-changed.
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        let deadline = std::time::Instant::now() + POOL_WAIT;
        loop {
            if let Some(conn) = pool.idle.pop() {
                return Ok(conn);
            }
            if pool.open < MAX_OPEN {
                pool.open += 1;
                drop(pool);
                let opened = self.open_conn();
                if opened.is_err() {
                    self.closed();
                }
                return opened;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(StoreError::Backend(format!(
                    "postgres: all {MAX_OPEN} connections stayed busy for {} s",
                    POOL_WAIT.as_secs()
                )));
            }
            pool = self
                .returned
                .wait_timeout(pool, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// A taken connection is gone (failed to open, broken, or not kept).
    fn closed(&self) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        pool.open = pool.open.saturating_sub(1);
        drop(pool);
        self.returned.notify_one();
    }

    /// Puts a connection back in the pool, unless it is broken (closed by the server, an
    /// I/O error) or the pool is full.
    fn give_back(&self, conn: Conn) {
        if conn.session.broken || conn.client.is_closed() {
            self.closed();
            return;
        }
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.idle.len() < MAX_IDLE {
            pool.idle.push(conn);
            drop(pool);
            self.returned.notify_one();
        } else {
            drop(pool);
            drop(conn);
            self.closed();
        }
    }

    /// Keeps a connection of its own on `LISTEN baton_tasks` and tells the listeners what
    /// comes; reconnects (after a second) when the connection breaks, and ends once the store
    /// is dropped. Notifications missed while reconnecting are caught by the pollers' own
    /// slower polling.
    fn listen(&self) {
        let weak = std::sync::Arc::downgrade(&self.listeners);
        let (config, search_path) = (self.config.clone(), self.search_path.clone());
        let spawned = std::thread::Builder::new()
            .name("baton-pg-listen".into())
            .spawn(move || {
                while weak.strong_count() > 0 {
                    let connected = config.connect(NoTls).and_then(|mut c| {
                        if let Some(set) = &search_path {
                            c.batch_execute(set)?;
                        }
                        c.batch_execute(&format!("LISTEN {TASKS_CHANNEL}"))?;
                        Ok(c)
                    });
                    let Ok(mut client) = connected else {
                        std::thread::sleep(Duration::from_secs(1));
                        continue;
                    };
                    while !client.is_closed() {
                        let Some(listeners) = weak.upgrade() else {
                            return;
                        };
                        use fallible_iterator::FallibleIterator as _;
                        let mut got = Vec::new();
                        let mut notes = client.notifications();
                        match notes.timeout_iter(Duration::from_secs(2)).next() {
                            Ok(Some(n)) => got.push(n.payload().to_string()),
                            Ok(None) => {}
                            Err(_) => break,
                        }
                        // Whatever else has arrived meanwhile, without waiting.
                        while let Ok(Some(n)) = notes.iter().next() {
                            got.push(n.payload().to_string());
                        }
                        listeners.tell(got.iter().map(String::as_str));
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            });
        if spawned.is_err() {
            self.listening
                .store(false, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Runs `f` on a pooled connection (each statement in its own transaction).
    fn with<T>(&self, f: impl FnOnce(&mut Db<'_, Client>) -> Result<T>) -> Result<T> {
        let mut conn = self.take()?;
        let Conn { client, session } = &mut conn;
        let out = f(&mut Db { client, session });
        self.give_back(conn);
        out
    }

    /// Runs `f` in one transaction: committed when it succeeds, rolled back when it fails.
    fn in_transaction<T>(
        &self,
        f: impl FnOnce(&mut Db<'_, ::postgres::Transaction<'_>>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.take()?;
        let Conn { client, session } = &mut conn;
        let out = match client.transaction() {
            Ok(mut tx) => {
                let done = f(&mut Db {
                    client: &mut tx,
                    session: &mut *session,
                });
                match done {
                    Ok(v) => tx.commit().map(|()| v).map_err(|e| {
                        session.broken = true;
                        backend(e)
                    }),
                    // Dropping the transaction rolls it back.
                    Err(e) => Err(e),
                }
            }
            Err(e) => {
                session.broken = true;
                Err(backend(e))
            }
        };
        self.give_back(conn);
        out
    }
}

/// Brings the schema up to date, one process at a time.
fn migrate(client: &mut Client, schema: Option<&str>) -> Result<()> {
    let mut tx = client.transaction().map_err(backend)?;
    // "Already exists, skipping" notices are expected on every start after the first.
    tx.batch_execute("SET LOCAL client_min_messages = warning")
        .map_err(backend)?;
    // Processes starting at once wait here for the first one's migrations, rather than
    // racing on CREATE statements (which IF NOT EXISTS does not make safe).
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(backend)?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(schema)
        ))
        .map_err(backend)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS baton_schema (
             version INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .map_err(backend)?;
    let current: i32 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM baton_schema", &[])
        .map_err(backend)
        .and_then(|r| get(&r, 0))?;
    let latest = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
    if current > latest {
        return Err(StoreError::Backend(format!(
            "postgres: the database's schema is at version {current}, newer than this Baton's \
             {latest}"
        )));
    }
    for (version, sql) in (1..).zip(MIGRATIONS) {
        if version <= current {
            continue;
        }
        tx.batch_execute(sql).map_err(|e| {
            StoreError::Backend(format!("postgres: migration {version}: {}", describe(&e)))
        })?;
        tx.execute(
            "INSERT INTO baton_schema (version) VALUES ($1)",
            &[&version],
        )
        .map_err(backend)?;
    }
    tx.commit().map_err(backend)
}

/// Runs `step` on each item inside its own savepoint of the caller's transaction: a failed
/// step is rolled back alone, the others stay. One result per item, in order.
fn each_in_savepoint<'i, C: GenericClient, I: 'i, T>(
    db: &mut Db<'_, C>,
    items: impl IntoIterator<Item = &'i I>,
    mut step: impl FnMut(&mut Db<'_, C>, &I) -> Result<T>,
) -> Result<Vec<Result<T>>> {
    let mut results = Vec::new();
    // Whether the savepoint of a step that succeeded is still open: it is released together
    // with setting the next one (one round trip), the last one by COMMIT.
    let mut open = false;
    for item in items {
        db.batch(if open {
            "RELEASE SAVEPOINT baton_step; SAVEPOINT baton_step"
        } else {
            "SAVEPOINT baton_step"
        })?;
        match step(db, item) {
            Ok(v) => {
                open = true;
                results.push(Ok(v));
            }
            Err(e) => {
                // If even the rollback fails, the connection is gone: fail the whole batch
                // rather than report earlier steps as committed.
                db.batch("ROLLBACK TO SAVEPOINT baton_step; RELEASE SAVEPOINT baton_step")
                    .map_err(|r| {
                        StoreError::Backend(format!(
                            "the batch's transaction was rolled back: {e} ({r})"
                        ))
                    })?;
                open = false;
                results.push(Err(e));
            }
        }
    }
    Ok(results)
}

const BUMP: &str = "UPDATE executions SET version = version + 1, snapshot = $3, \
                    owner = COALESCE($4::TEXT, owner) \
                    WHERE arn = $1 AND version = $2 RETURNING version";

const BUMP_AND_END: &str = "UPDATE executions SET version = version + 1, snapshot = $3, \
     status = $4, output = $5, error = $6, cause = $7, stop_millis = $8, \
     owner = CASE WHEN $9::BOOLEAN THEN NULL ELSE COALESCE($10::TEXT, owner) END \
     WHERE arn = $1 AND version = $2 RETURNING version";

/// Only activity tasks: nothing else is polled for (a callback's token goes to its sender).
const NOTIFY_TASKS: &str = "SELECT pg_notify('baton_tasks', r) FROM \
                            (SELECT DISTINCT UNNEST($1::TEXT[])) AS d (r) \
                            WHERE r LIKE 'arn:%:activity:%'";

/// The fences of `fences` that are not their node's current generation, read `FOR KEY SHARE`:
/// a take-over or a join (which lock the row `FOR UPDATE` first) waits until this transaction
/// ends, while a renewal (an update of no key) does not.
fn lost_fences<'f, C: GenericClient>(
    db: &mut Db<'_, C>,
    fences: impl IntoIterator<Item = &'f NodeFence>,
) -> Result<HashSet<NodeFence>> {
    let mut seen: HashSet<&NodeFence> = HashSet::new();
    let mut lost = HashSet::new();
    for f in fences {
        if !seen.insert(f) {
            continue;
        }
        let generation = db.row(
            "SELECT generation FROM nodes WHERE node = $1 FOR KEY SHARE",
            &[&f.node],
            |r| get::<i64>(r, 0),
        )?;
        if generation.map(to_u64) != Some(f.generation) {
            lost.insert(f.clone());
        }
    }
    Ok(lost)
}

fn lease_lost(f: &NodeFence) -> StoreError {
    StoreError::LeaseLost {
        node: f.node.clone(),
        generation: f.generation,
    }
}

/// Applies one transition of execution `arn` from version `expected`, or rejects it having
/// written nothing that the caller's savepoint (or transaction) will not roll back.
fn commit_one<C: GenericClient>(
    db: &mut Db<'_, C>,
    arn: &str,
    expected: u64,
    t: &Transition,
) -> Result<u64> {
    // The fence first: the update only matches the version the step was computed from, and
    // locks the row until the batch commits, so the checks below cannot race another commit.
    let owner = t.node.as_ref().map(|f| f.node.as_str());
    let bumped = match &t.status {
        None => db.query_opt(BUMP, &[&arn, &to_i64(expected), &t.snapshot, &owner])?,
        Some(end) => {
            let ended = end.status != ExecutionStatus::Running;
            db.query_opt(
                BUMP_AND_END,
                &[
                    &arn,
                    &to_i64(expected),
                    &t.snapshot,
                    &end.status.as_str(),
                    &end.output,
                    &end.error,
                    &end.cause,
                    &end.stop_millis,
                    &ended,
                    &owner,
                ],
            )?
        }
    };
    let version = match bumped {
        Some(r) => to_u64(get(&r, 0)?),
        None => {
            let actual = db.row(
                "SELECT version FROM executions WHERE arn = $1",
                &[&arn],
                |r| get::<i64>(r, 0),
            )?;
            return Err(match actual {
                None => StoreError::NotFound(arn.to_string()),
                Some(actual) => StoreError::Fenced {
                    arn: arn.to_string(),
                    expected,
                    actual: to_u64(actual),
                },
            });
        }
    };
    if let Some(r) = &t.redrive {
        // Running again, unless the same step ended it again (then the ending above stands).
        db.execute(
            "UPDATE executions SET redrive_count = $2, redrive_millis = $3, \
             status = CASE WHEN $4::BOOLEAN THEN 'RUNNING' ELSE status END, \
             output = CASE WHEN $4::BOOLEAN THEN NULL ELSE output END, \
             error = CASE WHEN $4::BOOLEAN THEN NULL ELSE error END, \
             cause = CASE WHEN $4::BOOLEAN THEN NULL ELSE cause END, \
             stop_millis = CASE WHEN $4::BOOLEAN THEN NULL ELSE stop_millis END WHERE arn = $1",
            &[&arn, &to_i64(r.count), &r.millis, &t.status.is_none()],
        )?;
    }
    // A token names one task: a transition may not reuse a pending one.
    let fresh: Vec<&str> = t
        .tasks_added
        .iter()
        .filter(|task| !t.tasks_removed.contains(&task.token))
        .map(|task| task.token.as_str())
        .collect();
    if !fresh.is_empty() {
        let taken = db.rows(
            "SELECT token FROM tasks WHERE token = ANY($1)",
            &[&fresh],
            |r| get::<String>(r, 0),
        )?;
        if let Some(token) = fresh.iter().find(|f| taken.iter().any(|t| t == *f)) {
            return Err(StoreError::AlreadyExists(format!("task token {token}")));
        }
    }
    if !t.events.is_empty() {
        let last: i64 = db
            .query_one(
                "SELECT COALESCE(MAX(id), 0) FROM history WHERE execution_arn = $1",
                &[&arn],
            )
            .and_then(|r| get(&r, 0))?;
        let last = to_u64(last);
        for (i, e) in t.events.iter().enumerate() {
            if e.id != last + 1 + i as u64 {
                return Err(StoreError::HistoryGap {
                    arn: arn.to_string(),
                    last: last + i as u64,
                    got: e.id,
                });
            }
        }
        // All events in one statement, as arrays.
        let ids: Vec<i64> = t.events.iter().map(|e| to_i64(e.id)).collect();
        let previous: Vec<i64> = t
            .events
            .iter()
            .map(|e| to_i64(e.previous_event_id))
            .collect();
        let at: Vec<i64> = t.events.iter().map(|e| e.timestamp_millis).collect();
        let types: Vec<&str> = t.events.iter().map(|e| e.event_type.as_str()).collect();
        let details: Vec<&str> = t.events.iter().map(|e| e.details.as_str()).collect();
        db.execute(
            "INSERT INTO history (execution_arn, id, previous_event_id, timestamp_millis, \
             event_type, details) SELECT $1::TEXT, * FROM \
             UNNEST($2::BIGINT[], $3::BIGINT[], $4::BIGINT[], $5::TEXT[], $6::TEXT[])",
            &[&arn, &ids, &previous, &at, &types, &details],
        )?;
    }
    if !t.timers_cleared.is_empty() {
        let ids: Vec<i64> = t.timers_cleared.iter().map(|id| to_i64(*id)).collect();
        db.execute(
            "DELETE FROM timers WHERE execution_arn = $1 AND timer_id = ANY($2)",
            &[&arn, &ids],
        )?;
    }
    if !t.timers_set.is_empty() {
        // A timer set twice in one step fires at the later setting (one statement may not
        // upsert a row twice).
        let set: Vec<&TimerRecord> = t
            .timers_set
            .iter()
            .enumerate()
            .filter(|(i, x)| {
                !t.timers_set[i + 1..]
                    .iter()
                    .any(|y| y.timer_id == x.timer_id)
            })
            .map(|(_, x)| x)
            .collect();
        let ids: Vec<i64> = set.iter().map(|x| to_i64(x.timer_id)).collect();
        let at: Vec<i64> = set.iter().map(|x| x.fire_at_millis).collect();
        db.execute(
            "INSERT INTO timers (execution_arn, timer_id, fire_at_millis, owner) \
             SELECT $1::TEXT, u.id, u.at, $4::TEXT FROM UNNEST($2::BIGINT[], $3::BIGINT[]) \
             AS u (id, at) ON CONFLICT (execution_arn, timer_id) \
             DO UPDATE SET fire_at_millis = EXCLUDED.fire_at_millis, owner = EXCLUDED.owner",
            &[&arn, &ids, &at, &owner],
        )?;
    }
    if let Some(node) = owner {
        // The execution is the committing node's now: so are the timers it set before.
        db.execute(
            "UPDATE timers SET owner = $2 WHERE execution_arn = $1 \
             AND owner IS DISTINCT FROM $2",
            &[&arn, &node],
        )?;
    }
    for m in &t.map_runs {
        db.execute(
            "INSERT INTO map_runs (arn, execution_arn, start_millis, stop_millis, status, \
             details) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (arn) DO UPDATE SET \
             execution_arn = EXCLUDED.execution_arn, start_millis = EXCLUDED.start_millis, \
             stop_millis = EXCLUDED.stop_millis, status = EXCLUDED.status, \
             details = EXCLUDED.details",
            &[
                &m.arn,
                &m.execution_arn,
                &m.start_millis,
                &m.stop_millis,
                &m.status,
                &m.details,
            ],
        )?;
    }
    for c in &t.map_run_executions {
        db.execute(
            "INSERT INTO map_run_executions (arn, map_run_arn, name, status, start_millis, \
             stop_millis) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (arn) DO UPDATE SET \
             map_run_arn = EXCLUDED.map_run_arn, name = EXCLUDED.name, \
             status = EXCLUDED.status, start_millis = EXCLUDED.start_millis, \
             stop_millis = EXCLUDED.stop_millis",
            &[
                &c.arn,
                &c.map_run_arn,
                &c.name,
                &c.status.as_str(),
                &c.start_millis,
                &c.stop_millis,
            ],
        )?;
    }
    if !t.tasks_removed.is_empty() {
        db.execute(
            "DELETE FROM tasks WHERE token = ANY($1)",
            &[&t.tasks_removed],
        )?;
    }
    if !t.tasks_added.is_empty() {
        let tokens: Vec<&str> = t.tasks_added.iter().map(|x| x.token.as_str()).collect();
        let ids: Vec<i64> = t.tasks_added.iter().map(|x| to_i64(x.task_id)).collect();
        let resources: Vec<&str> = t.tasks_added.iter().map(|x| x.resource.as_str()).collect();
        let inputs: Vec<&str> = t.tasks_added.iter().map(|x| x.input.as_str()).collect();
        let at: Vec<i64> = t.tasks_added.iter().map(|x| x.created_millis).collect();
        let workers: Vec<Option<&str>> =
            t.tasks_added.iter().map(|x| x.worker.as_deref()).collect();
        // A unique violation here is a token repeated within the step, or one another
        // transaction added since the check above.
        db.insert(
            "INSERT INTO tasks (token, execution_arn, task_id, resource, input, \
             created_millis, worker, node) SELECT u.token, $1::TEXT, u.task_id, u.resource, \
             u.input, u.created_millis, u.worker, $8::TEXT FROM UNNEST($2::TEXT[], \
             $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[], $7::TEXT[]) \
             AS u (token, task_id, resource, input, created_millis, worker)",
            &[
                &arn, &tokens, &ids, &resources, &inputs, &at, &workers, &owner,
            ],
            &format!("a task token of {arn}"),
        )?;
        // Delivered when (and only if) the transaction commits with this step.
        db.execute(NOTIFY_TASKS, &[&resources])?;
    }
    if t.status
        .as_ref()
        .is_some_and(|end| end.status != ExecutionStatus::Running)
    {
        // An ended execution keeps no timers and no pending tasks.
        db.execute("DELETE FROM timers WHERE execution_arn = $1", &[&arn])?;
        db.execute("DELETE FROM tasks WHERE execution_arn = $1", &[&arn])?;
    }
    Ok(version)
}

/// The execution that a start of `e` would collide with: same state machine and name
/// (preferred), or same ARN.
fn colliding<C: GenericClient>(
    db: &mut Db<'_, C>,
    e: &NewExecution,
) -> Result<Option<ExecutionRecord>> {
    db.row(
        concat!(
            "SELECT ",
            execution_columns!(),
            " FROM executions WHERE (state_machine_arn = $1 AND name = $2) OR arn = $3 \
             ORDER BY (state_machine_arn = $1 AND name = $2) DESC LIMIT 1"
        ),
        &[&e.state_machine_arn, &e.name, &e.arn],
        execution_row,
    )
}

/// Stores a new execution (and its first step) inside the caller's transaction.
fn start_in<C: GenericClient>(db: &mut Db<'_, C>, e: &NewExecution) -> Result<Started> {
    if let Some(f) = &e.node
        && !lost_fences(db, [f])?.is_empty()
    {
        return Err(lease_lost(f));
    }
    if let Some(existing) = colliding(db, e)? {
        return existing_or_taken(existing, e);
    }
    // DO NOTHING rather than an error on a concurrent start of the same execution: the
    // insert waits for the other transaction, and then its row is there to compare with.
    let inserted = db.row(
        concat!(
            "INSERT INTO executions (arn, state_machine_arn, name, status, input, start_millis, \
             version, snapshot, lease_until_millis, revision_id, version_arn, alias_arn, owner) \
             VALUES ($1, $2, $3, 'RUNNING', $4, $5, 1, $6, 0, $7, $8, $9, $10) \
             ON CONFLICT DO NOTHING RETURNING ",
            execution_columns!()
        ),
        &[
            &e.arn,
            &e.state_machine_arn,
            &e.name,
            &e.input,
            &e.start_millis,
            &e.snapshot,
            &e.revision_id,
            &e.version_arn,
            &e.alias_arn,
            &e.node.as_ref().map(|f| f.node.as_str()),
        ],
        execution_row,
    )?;
    let Some(record) = inserted else {
        return match colliding(db, e)? {
            Some(existing) => existing_or_taken(existing, e),
            None => Err(StoreError::AlreadyExists(e.arn.clone())),
        };
    };
    let Some(first) = &e.first else {
        return Ok(Started::Created(record));
    };
    // The fence was checked above (commit_one does not check it); the node owns what the
    // first step sets.
    let first = Transition {
        node: e.node.clone(),
        ..first.clone()
    };
    commit_one(db, &e.arn, 1, &first)?;
    let stored = db
        .row(
            concat!(
                "SELECT ",
                execution_columns!(),
                " FROM executions WHERE arn = $1"
            ),
            &[&e.arn],
            execution_row,
        )?
        .ok_or_else(|| StoreError::NotFound(e.arn.clone()))?;
    Ok(Started::Created(stored))
}

/// Starts a batch of new executions in a handful of statements (rows, history, timers and
/// tasks each as arrays) instead of a dozen round trips per execution: the group commit of
/// StartExecution. `None` (nothing written) when the batch is not that simple (a name taken
/// or repeated, a first step that does more than add) or the bulk insert meets a conflict:
/// then each start goes on its own, with its own answer.
fn start_all_at_once<C: GenericClient>(
    db: &mut Db<'_, C>,
    executions: &[NewExecution],
) -> Result<Option<Vec<Result<Started>>>> {
    let plain = |t: &Transition| {
        t.timers_cleared.is_empty()
            && t.tasks_removed.is_empty()
            && t.redrive.is_none()
            && t.map_runs.is_empty()
            && t.map_run_executions.is_empty()
            && t.events
                .iter()
                .enumerate()
                .all(|(i, e)| e.id == i as u64 + 1)
    };
    let (mut arns_seen, mut names_seen) = (HashSet::new(), HashSet::new());
    for e in executions {
        let fresh = arns_seen.insert(e.arn.as_str())
            && names_seen.insert((e.state_machine_arn.as_str(), e.name.as_str()));
        if !fresh || !e.first.as_ref().is_none_or(plain) {
            return Ok(None);
        }
    }
    // A lost fence: each start goes on its own (and is refused).
    if !lost_fences(db, executions.iter().filter_map(|e| e.node.as_ref()))?.is_empty() {
        return Ok(None);
    }
    let arns: Vec<&str> = executions.iter().map(|e| e.arn.as_str()).collect();
    let machines: Vec<&str> = executions
        .iter()
        .map(|e| e.state_machine_arn.as_str())
        .collect();
    let names: Vec<&str> = executions.iter().map(|e| e.name.as_str()).collect();
    let taken = db.query_opt(
        "SELECT 1 FROM executions WHERE arn = ANY($1) OR (state_machine_arn, name) IN \
         (SELECT * FROM UNNEST($2::TEXT[], $3::TEXT[])) LIMIT 1",
        &[&arns, &machines, &names],
    )?;
    if taken.is_some() {
        return Ok(None);
    }
    db.batch("SAVEPOINT baton_bulk")?;
    match insert_all(db, executions) {
        Ok(records) => {
            db.batch("RELEASE SAVEPOINT baton_bulk")?;
            Ok(Some(
                records
                    .into_iter()
                    .map(|r| Ok(Started::Created(r)))
                    .collect(),
            ))
        }
        Err(_) => {
            db.batch("ROLLBACK TO SAVEPOINT baton_bulk; RELEASE SAVEPOINT baton_bulk")?;
            Ok(None)
        }
    }
}

/// [`start_all_at_once`]'s writes: each execution's row as its first step leaves it.
fn insert_all<C: GenericClient>(
    db: &mut Db<'_, C>,
    executions: &[NewExecution],
) -> Result<Vec<ExecutionRecord>> {
    fn ending(e: &NewExecution) -> Option<&Ending> {
        e.first.as_ref().and_then(|t| t.status.as_ref())
    }
    let ended =
        |e: &NewExecution| ending(e).is_some_and(|end| end.status != ExecutionStatus::Running);
    let arns: Vec<&str> = executions.iter().map(|e| e.arn.as_str()).collect();
    let machines: Vec<&str> = executions
        .iter()
        .map(|e| e.state_machine_arn.as_str())
        .collect();
    let names: Vec<&str> = executions.iter().map(|e| e.name.as_str()).collect();
    let statuses: Vec<&str> = executions
        .iter()
        .map(|e| ending(e).map_or("RUNNING", |end| end.status.as_str()))
        .collect();
    let inputs: Vec<&str> = executions.iter().map(|e| e.input.as_str()).collect();
    let outputs: Vec<Option<&str>> = executions
        .iter()
        .map(|e| ending(e).and_then(|end| end.output.as_deref()))
        .collect();
    let errors: Vec<Option<&str>> = executions
        .iter()
        .map(|e| ending(e).and_then(|end| end.error.as_deref()))
        .collect();
    let causes: Vec<Option<&str>> = executions
        .iter()
        .map(|e| ending(e).and_then(|end| end.cause.as_deref()))
        .collect();
    let starts: Vec<i64> = executions.iter().map(|e| e.start_millis).collect();
    let stops: Vec<Option<i64>> = executions
        .iter()
        .map(|e| ending(e).map(|end| end.stop_millis))
        .collect();
    let versions: Vec<i64> = executions
        .iter()
        .map(|e| if e.first.is_some() { 2 } else { 1 })
        .collect();
    let snapshots: Vec<&[u8]> = executions
        .iter()
        .map(|e| {
            e.first
                .as_ref()
                .map_or(&e.snapshot, |t| &t.snapshot)
                .as_slice()
        })
        .collect();
    let revisions: Vec<&str> = executions.iter().map(|e| e.revision_id.as_str()).collect();
    let version_arns: Vec<Option<&str>> = executions
        .iter()
        .map(|e| e.version_arn.as_deref())
        .collect();
    let alias_arns: Vec<Option<&str>> = executions.iter().map(|e| e.alias_arn.as_deref()).collect();
    let owners: Vec<Option<&str>> = executions
        .iter()
        .map(|e| {
            e.node
                .as_ref()
                .filter(|_| !ended(e))
                .map(|f| f.node.as_str())
        })
        .collect();
    let rows = db.query(
        concat!(
            "INSERT INTO executions (arn, state_machine_arn, name, status, input, output, error, \
             cause, start_millis, stop_millis, version, snapshot, lease_until_millis, \
             revision_id, version_arn, alias_arn, owner) \
             SELECT u.arn, u.m, u.name, u.status, u.input, u.output, u.error, u.cause, u.start, \
             u.stop, u.version, u.snapshot, 0, u.revision, u.version_arn, u.alias_arn, u.owner \
             FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
             $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::BIGINT[], $10::BIGINT[], $11::BIGINT[], \
             $12::BYTEA[], $13::TEXT[], $14::TEXT[], $15::TEXT[], $16::TEXT[]) AS u (arn, m, \
             name, status, input, output, error, cause, start, stop, version, snapshot, \
             revision, version_arn, alias_arn, owner) \
             ON CONFLICT DO NOTHING RETURNING ",
            execution_columns!()
        ),
        &[
            &arns,
            &machines,
            &names,
            &statuses,
            &inputs,
            &outputs,
            &errors,
            &causes,
            &starts,
            &stops,
            &versions,
            &snapshots,
            &revisions,
            &version_arns,
            &alias_arns,
            &owners,
        ],
    )?;
    let mut by_arn: HashMap<String, ExecutionRecord> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let record = execution_row(r)?;
        by_arn.insert(record.arn.clone(), record);
    }
    if by_arn.len() != executions.len() {
        // A concurrent start took one of them: let each go on its own.
        return Err(StoreError::AlreadyExists(
            "an execution of the batch".into(),
        ));
    }
    let steps = || {
        executions
            .iter()
            .filter_map(|e| Some((e, e.first.as_ref()?)))
    };
    // History.
    let mut h_arn = Vec::new();
    let (mut h_id, mut h_prev, mut h_at) = (Vec::new(), Vec::new(), Vec::new());
    let (mut h_type, mut h_details) = (Vec::new(), Vec::new());
    for (e, t) in steps() {
        for ev in &t.events {
            h_arn.push(e.arn.as_str());
            h_id.push(to_i64(ev.id));
            h_prev.push(to_i64(ev.previous_event_id));
            h_at.push(ev.timestamp_millis);
            h_type.push(ev.event_type.as_str());
            h_details.push(ev.details.as_str());
        }
    }
    if !h_arn.is_empty() {
        db.execute(
            "INSERT INTO history (execution_arn, id, previous_event_id, timestamp_millis, \
             event_type, details) SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[], \
             $4::BIGINT[], $5::TEXT[], $6::TEXT[])",
            &[&h_arn, &h_id, &h_prev, &h_at, &h_type, &h_details],
        )?;
    }
    // Timers and tasks of the executions still running (an ended one keeps none); a timer set
    // twice in one step fires at the later setting.
    let (mut t_arn, mut t_id, mut t_at, mut t_owner) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut k_token, mut k_arn, mut k_id, mut k_resource) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut k_input, mut k_at, mut k_worker, mut k_node) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (e, t) in steps().filter(|(e, _)| !ended(e)) {
        for (i, timer) in t.timers_set.iter().enumerate() {
            if t.timers_set[i + 1..]
                .iter()
                .any(|y| y.timer_id == timer.timer_id)
            {
                continue;
            }
            t_arn.push(e.arn.as_str());
            t_id.push(to_i64(timer.timer_id));
            t_at.push(timer.fire_at_millis);
            t_owner.push(e.node.as_ref().map(|f| f.node.as_str()));
        }
        for task in &t.tasks_added {
            k_token.push(task.token.as_str());
            k_arn.push(e.arn.as_str());
            k_id.push(to_i64(task.task_id));
            k_resource.push(task.resource.as_str());
            k_input.push(task.input.as_str());
            k_at.push(task.created_millis);
            k_worker.push(task.worker.as_deref());
            k_node.push(e.node.as_ref().map(|f| f.node.as_str()));
        }
    }
    if !t_arn.is_empty() {
        db.execute(
            "INSERT INTO timers (execution_arn, timer_id, fire_at_millis, owner) \
             SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[])",
            &[&t_arn, &t_id, &t_at, &t_owner],
        )?;
    }
    if !k_token.is_empty() {
        db.execute(
            "INSERT INTO tasks (token, execution_arn, task_id, resource, input, created_millis, \
             worker, node) SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], \
             $4::TEXT[], $5::TEXT[], $6::BIGINT[], $7::TEXT[], $8::TEXT[])",
            &[
                &k_token,
                &k_arn,
                &k_id,
                &k_resource,
                &k_input,
                &k_at,
                &k_worker,
                &k_node,
            ],
        )?;
        db.execute(NOTIFY_TASKS, &[&k_resource])?;
    }
    executions
        .iter()
        .map(|e| {
            by_arn
                .remove(&e.arn)
                .ok_or_else(|| StoreError::NotFound(e.arn.clone()))
        })
        .collect()
}

/// Keeps the state machine's current revision readable for good (its executions run it).
fn keep_revision<C: GenericClient>(db: &mut Db<'_, C>, arn: &str) -> Result<()> {
    db.execute(
        concat!(
            "INSERT INTO revisions (",
            machine_columns!(),
            ") SELECT ",
            machine_columns!(),
            " FROM state_machines WHERE arn = $1 ON CONFLICT DO NOTHING"
        ),
        &[&arn],
    )?;
    Ok(())
}

impl Store for PostgresStore {
    fn create_state_machine(&self, m: &StateMachineRecord) -> Result<()> {
        self.in_transaction(|db| {
            // ARN and name are both unique: a concurrent create fails on the index.
            db.insert(
                concat!(
                    "INSERT INTO state_machines (",
                    machine_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                ),
                &[
                    &m.arn,
                    &m.name,
                    &m.definition,
                    &m.role_arn,
                    &m.workflow_type,
                    &m.created_millis,
                    &m.revision_id,
                    &m.config,
                ],
                &m.arn,
            )?;
            keep_revision(db, &m.arn)
        })
    }

    fn update_state_machine(&self, m: &StateMachineRecord) -> Result<()> {
        self.in_transaction(|db| {
            let n = db.execute(
                "UPDATE state_machines SET definition = $2, role_arn = $3, revision_id = $4, \
                 config = $5 WHERE arn = $1",
                &[
                    &m.arn,
                    &m.definition,
                    &m.role_arn,
                    &m.revision_id,
                    &m.config,
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(m.arn.clone()));
            }
            keep_revision(db, &m.arn)
        })
    }

    fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>> {
        self.with(|db| {
            db.row(
                concat!(
                    "SELECT ",
                    machine_columns!(),
                    " FROM state_machines WHERE arn = $1"
                ),
                &[&arn],
                machine_row,
            )
        })
    }

    fn get_state_machine_revision(
        &self,
        arn: &str,
        revision_id: &str,
    ) -> Result<Option<StateMachineRecord>> {
        self.with(|db| {
            db.row(
                concat!(
                    "SELECT ",
                    machine_columns!(),
                    " FROM revisions WHERE arn = $1 AND revision_id = $2"
                ),
                &[&arn, &revision_id],
                machine_row,
            )
        })
    }

    fn list_state_machines(&self, page: Page<'_>) -> Result<Vec<StateMachineRecord>> {
        self.with(|db| {
            db.rows(
                concat!(
                    "SELECT ",
                    machine_columns!(),
                    " FROM state_machines WHERE arn > $1 ORDER BY arn LIMIT $2"
                ),
                &[&page.after.unwrap_or(""), &sql_limit(page.limit)],
                machine_row,
            )
        })
    }

    fn delete_state_machine(&self, arn: &str) -> Result<()> {
        self.in_transaction(|db| {
            let n = db.execute("DELETE FROM state_machines WHERE arn = $1", &[&arn])?;
            if n == 0 {
                return Err(StoreError::NotFound(arn.into()));
            }
            db.execute("DELETE FROM versions WHERE state_machine_arn = $1", &[&arn])?;
            db.execute("DELETE FROM aliases WHERE state_machine_arn = $1", &[&arn])?;
            db.execute(
                "DELETE FROM version_counters WHERE state_machine_arn = $1",
                &[&arn],
            )?;
            Ok(())
        })
    }

    fn start_execution(&self, e: &NewExecution) -> Result<Started> {
        let started = self.in_transaction(|db| start_in(db, e))?;
        if let (Started::Created(_), Some(first)) = (&started, &e.first) {
            self.listeners
                .tell(first.tasks_added.iter().map(|t| t.resource.as_str()));
        }
        Ok(started)
    }

    fn start_executions(&self, executions: &[NewExecution]) -> Result<Vec<Result<Started>>> {
        if executions.is_empty() {
            return Ok(Vec::new());
        }
        let results = self.in_transaction(|db| match start_all_at_once(db, executions)? {
            Some(started) => Ok(started),
            None => each_in_savepoint(db, executions, start_in),
        })?;
        self.listeners.tell(started_resources(executions, &results));
        Ok(results)
    }

    fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        self.with(|db| {
            db.row(
                concat!(
                    "SELECT ",
                    execution_columns!(),
                    " FROM executions WHERE arn = $1"
                ),
                &[&arn],
                execution_row,
            )
        })
    }

    fn list_executions(
        &self,
        state_machine_arn: &str,
        status: Option<ExecutionStatus>,
        page: Page<'_>,
    ) -> Result<Vec<ExecutionRecord>> {
        let status = status.map(ExecutionStatus::as_str);
        self.with(|db| {
            let Some(after) = page.after else {
                return db.rows(
                    concat!(
                        "SELECT ",
                        execution_columns!(),
                        " FROM executions WHERE state_machine_arn = $1 \
                         AND ($2::TEXT IS NULL OR status = $2::TEXT) \
                         ORDER BY start_millis DESC, arn DESC LIMIT $3"
                    ),
                    &[&state_machine_arn, &status, &sql_limit(page.limit)],
                    execution_row,
                );
            };
            // The page continues below the last execution of the previous one; after an
            // unknown execution, it is empty.
            let below = db.row(
                "SELECT start_millis, arn FROM executions WHERE arn = $1",
                &[&after],
                |r| Ok((get::<i64>(r, 0)?, get::<String>(r, 1)?)),
            )?;
            let Some((start, arn)) = below else {
                return Ok(Vec::new());
            };
            db.rows(
                concat!(
                    "SELECT ",
                    execution_columns!(),
                    " FROM executions WHERE state_machine_arn = $1 \
                     AND ($2::TEXT IS NULL OR status = $2::TEXT) \
                     AND (start_millis, arn) < ($3, $4) \
                     ORDER BY start_millis DESC, arn DESC LIMIT $5"
                ),
                &[
                    &state_machine_arn,
                    &status,
                    &start,
                    &arn,
                    &sql_limit(page.limit),
                ],
                execution_row,
            )
        })
    }

    fn history(&self, arn: &str, after_id: u64, limit: usize) -> Result<Vec<HistoryRecord>> {
        self.with(|db| {
            db.rows(
                "SELECT id, previous_event_id, timestamp_millis, event_type, details \
                 FROM history WHERE execution_arn = $1 AND id > $2 ORDER BY id LIMIT $3",
                &[&arn, &to_i64(after_id), &sql_limit(limit)],
                history_row,
            )
        })
    }

    fn commit(&self, batch: &[Transition]) -> Result<Vec<Result<u64>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // Row locks are taken in ARN order, so that two nodes' batches touching the same
        // executions wait for each other instead of deadlocking. The sort is stable: the
        // transitions of one execution keep their order.
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by(|&a, &b| batch[a].execution_arn.cmp(&batch[b].execution_arn));
        let sorted = self.in_transaction(|db| {
            let lost = lost_fences(db, batch.iter().filter_map(|t| t.node.as_ref()))?;
            each_in_savepoint(db, order.iter().map(|&i| &batch[i]), |db, t| {
                match &t.node {
                    Some(f) if lost.contains(f) => Err(lease_lost(f)),
                    _ => commit_one(db, &t.execution_arn, t.expected_version, t),
                }
            })
        })?;
        let mut results: Vec<Option<Result<u64>>> = (0..batch.len()).map(|_| None).collect();
        for (i, r) in order.into_iter().zip(sorted) {
            results[i] = Some(r);
        }
        let results = results
            .into_iter()
            .map(|r| r.ok_or_else(|| StoreError::Backend("a transition got no result".into())))
            .collect::<Result<Vec<_>>>()?;
        self.listeners.tell(added_resources(batch, &results));
        Ok(results)
    }

    fn join_node(&self, node: &str, _now: i64, lease_until_millis: i64) -> Result<NodeFence> {
        self.in_transaction(|db| {
            // An earlier incarnation's commits in flight finish first.
            db.execute("SELECT 1 FROM nodes WHERE node = $1 FOR UPDATE", &[&node])?;
            let generation: i64 = db
                .query_one(
                    "INSERT INTO nodes (node, generation, lease_until_millis) VALUES ($1, 1, $2) \
                     ON CONFLICT (node) DO UPDATE SET generation = nodes.generation + 1, \
                     lease_until_millis = EXCLUDED.lease_until_millis RETURNING generation",
                    &[&node, &lease_until_millis],
                )
                .and_then(|r| get(&r, 0))?;
            db.execute(
                "UPDATE executions SET owner = $1 WHERE status = 'RUNNING' AND owner IS NULL",
                &[&node],
            )?;
            db.execute("UPDATE timers SET owner = $1 WHERE owner IS NULL", &[&node])?;
            db.execute("UPDATE tasks SET node = $1 WHERE node IS NULL", &[&node])?;
            Ok(NodeFence {
                node: node.to_string(),
                generation: to_u64(generation),
            })
        })
    }

    fn renew_node(&self, fence: &NodeFence, lease_until_millis: i64) -> Result<bool> {
        let n = self.with(|db| {
            db.execute(
                "UPDATE nodes SET lease_until_millis = $3 WHERE node = $1 AND generation = $2",
                &[&fence.node, &to_i64(fence.generation), &lease_until_millis],
            )
        })?;
        Ok(n == 1)
    }

    fn expired_nodes(&self, now_millis: i64) -> Result<Vec<NodeFence>> {
        self.with(|db| {
            db.rows(
                "SELECT node, generation FROM nodes \
                 WHERE lease_until_millis > 0 AND lease_until_millis < $1 ORDER BY node",
                &[&now_millis],
                |r| {
                    Ok(NodeFence {
                        node: get(r, 0)?,
                        generation: to_u64(get(r, 1)?),
                    })
                },
            )
        })
    }

    fn take_over(
        &self,
        dead: &NodeFence,
        by: &NodeFence,
        now_millis: i64,
    ) -> Result<Option<TakeOver>> {
        self.in_transaction(|db| {
            if !lost_fences(db, [by])?.is_empty() {
                return Err(lease_lost(by));
            }
            // Waits for the dead node's commits in flight (they hold its row FOR KEY SHARE);
            // once bumped, none of its generation commits again.
            db.execute(
                "SELECT 1 FROM nodes WHERE node = $1 FOR UPDATE",
                &[&dead.node],
            )?;
            let taken = db.execute(
                "UPDATE nodes SET generation = generation + 1, lease_until_millis = 0 \
                 WHERE node = $1 AND generation = $2 AND lease_until_millis > 0 \
                 AND lease_until_millis < $3",
                &[&dead.node, &to_i64(dead.generation), &now_millis],
            )?;
            if taken == 0 {
                return Ok(None);
            }
            // Rows locked in ARN order, as commits lock them, so that the two cannot deadlock.
            let mut executions = db.rows(
                "UPDATE executions SET owner = $2 WHERE arn IN (SELECT arn FROM executions \
                 WHERE status = 'RUNNING' AND owner = $1 ORDER BY arn FOR UPDATE) \
                 RETURNING arn",
                &[&dead.node, &by.node],
                |r| get::<String>(r, 0),
            )?;
            executions.sort();
            db.execute(
                "UPDATE timers SET owner = $2 WHERE owner = $1",
                &[&dead.node, &by.node],
            )?;
            // The tasks the dead node dispatched, whoever owns their execution now.
            let mut tasks = db.rows(
                concat!(
                    "UPDATE tasks SET node = $2 WHERE node = $1 RETURNING ",
                    task_columns!()
                ),
                &[&dead.node, &by.node],
                task_row,
            )?;
            tasks.sort_by(|a, b| a.token.cmp(&b.token));
            let express = db.rows(
                concat!(
                    "UPDATE express_pending SET owner = $2 WHERE owner = $1 RETURNING ",
                    express_columns!()
                ),
                &[&dead.node, &by.node],
                express_row,
            )?;
            Ok(Some(TakeOver {
                executions,
                tasks,
                express,
            }))
        })
    }

    fn due_timers(
        &self,
        owner: Option<&str>,
        until_millis: i64,
        limit: usize,
    ) -> Result<Vec<TimerRecord>> {
        self.with(|db| match owner {
            None => db.rows(
                "SELECT execution_arn, timer_id, fire_at_millis FROM timers \
                 WHERE fire_at_millis <= $1 ORDER BY fire_at_millis, execution_arn, timer_id \
                 LIMIT $2",
                &[&until_millis, &sql_limit(limit)],
                timer_row,
            ),
            Some(owner) => db.rows(
                "SELECT execution_arn, timer_id, fire_at_millis FROM timers \
                 WHERE owner = $3 AND fire_at_millis <= $1 \
                 ORDER BY fire_at_millis, execution_arn, timer_id LIMIT $2",
                &[&until_millis, &sql_limit(limit), &owner],
                timer_row,
            ),
        })
    }

    fn next_timer(&self, owner: Option<&str>, after_millis: i64) -> Result<Option<i64>> {
        // Two statements, so that each uses its index (`timers_owned`, `timers_due`).
        self.with(|db| match owner {
            Some(owner) => db.row(
                "SELECT fire_at_millis FROM timers WHERE owner = $2 AND fire_at_millis > $1 \
                 ORDER BY fire_at_millis LIMIT 1",
                &[&after_millis, &owner],
                |r| get::<i64>(r, 0),
            ),
            None => db.row(
                "SELECT fire_at_millis FROM timers WHERE fire_at_millis > $1 \
                 ORDER BY fire_at_millis LIMIT 1",
                &[&after_millis],
                |r| get::<i64>(r, 0),
            ),
        })
    }

    fn get_task(&self, token: &str) -> Result<Option<TaskRecord>> {
        self.with(|db| {
            db.row(
                concat!("SELECT ", task_columns!(), " FROM tasks WHERE token = $1"),
                &[&token],
                task_row,
            )
        })
    }

    fn pending_tasks(&self, owner: Option<&str>, page: Page<'_>) -> Result<Vec<TaskRecord>> {
        self.with(|db| {
            db.rows(
                concat!(
                    "SELECT ",
                    task_columns!(),
                    " FROM tasks WHERE token > $1 AND ($3::TEXT IS NULL OR node = $3::TEXT) \
                     ORDER BY token LIMIT $2"
                ),
                &[&page.after.unwrap_or(""), &sql_limit(page.limit), &owner],
                task_row,
            )
        })
    }

    fn take_task(&self, resource: &str, worker: &str) -> Result<Option<TaskRecord>> {
        // SKIP LOCKED: workers polling at once each get a different task.
        self.with(|db| {
            db.row(
                concat!(
                    "WITH oldest (taken) AS (SELECT token FROM tasks \
                     WHERE resource = $1 AND worker IS NULL \
                     ORDER BY created_millis, token LIMIT 1 FOR UPDATE SKIP LOCKED) \
                     UPDATE tasks SET worker = $2 FROM oldest WHERE token = oldest.taken \
                     RETURNING ",
                    task_columns!()
                ),
                &[&resource, &worker],
                task_row,
            )
        })
    }

    fn watch_tasks(&self, listener: TaskListener) {
        self.listeners.add(listener);
        if !self
            .listening
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            self.listen();
        }
    }

    fn publish_version(
        &self,
        state_machine_arn: &str,
        description: Option<&str>,
        created_millis: i64,
    ) -> Result<VersionRecord> {
        self.in_transaction(|db| {
            // Locking the state machine serialises publishing (and updates) of it.
            let revision = db
                .row(
                    "SELECT revision_id FROM state_machines WHERE arn = $1 FOR UPDATE",
                    &[&state_machine_arn],
                    |r| get::<String>(r, 0),
                )?
                .ok_or_else(|| StoreError::NotFound(state_machine_arn.to_string()))?;
            let newest = db.row(
                concat!(
                    "SELECT ",
                    version_columns!(),
                    " FROM versions WHERE state_machine_arn = $1 ORDER BY version DESC LIMIT 1"
                ),
                &[&state_machine_arn],
                version_row,
            )?;
            if let Some(v) = newest.filter(|v| v.revision_id == revision) {
                return Ok(v);
            }
            // The counter outlives deleted versions: numbers are never reused.
            let n: i64 = db
                .query_one(
                    "INSERT INTO version_counters (state_machine_arn, last) VALUES ($1, 1) \
                     ON CONFLICT (state_machine_arn) \
                     DO UPDATE SET last = version_counters.last + 1 RETURNING last",
                    &[&state_machine_arn],
                )
                .and_then(|r| get(&r, 0))?;
            let v = VersionRecord {
                arn: format!("{state_machine_arn}:{n}"),
                state_machine_arn: state_machine_arn.to_string(),
                version: to_u64(n),
                revision_id: revision,
                description: description.map(str::to_string),
                created_millis,
            };
            db.insert(
                concat!(
                    "INSERT INTO versions (",
                    version_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6)"
                ),
                &[
                    &v.arn,
                    &v.state_machine_arn,
                    &n,
                    &v.revision_id,
                    &v.description,
                    &v.created_millis,
                ],
                &v.arn,
            )?;
            Ok(v)
        })
    }

    fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>> {
        self.with(|db| {
            db.row(
                concat!(
                    "SELECT ",
                    version_columns!(),
                    " FROM versions WHERE arn = $1"
                ),
                &[&arn],
                version_row,
            )
        })
    }

    fn list_versions(&self, state_machine_arn: &str, page: Page<'_>) -> Result<Vec<VersionRecord>> {
        self.with(|db| {
            // As SQLite does: after an unknown version, the listing starts from the newest.
            let below = match page.after {
                Some(a) => db
                    .row("SELECT version FROM versions WHERE arn = $1", &[&a], |r| {
                        get::<i64>(r, 0)
                    })?
                    .unwrap_or(i64::MAX),
                None => i64::MAX,
            };
            db.rows(
                concat!(
                    "SELECT ",
                    version_columns!(),
                    " FROM versions WHERE state_machine_arn = $1 AND version < $2 \
                     ORDER BY version DESC LIMIT $3"
                ),
                &[&state_machine_arn, &below, &sql_limit(page.limit)],
                version_row,
            )
        })
    }

    fn delete_version(&self, arn: &str) -> Result<()> {
        self.with(|db| db.execute("DELETE FROM versions WHERE arn = $1", &[&arn]))?;
        Ok(())
    }

    fn create_alias(&self, a: &AliasRecord) -> Result<()> {
        self.with(|db| {
            db.insert(
                concat!(
                    "INSERT INTO aliases (",
                    alias_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
                ),
                &[
                    &a.arn,
                    &a.state_machine_arn,
                    &a.name,
                    &a.description,
                    &crate::sqlite::routing_text(&a.routing),
                    &a.created_millis,
                    &a.updated_millis,
                ],
                &a.arn,
            )
        })?;
        Ok(())
    }

    fn update_alias(&self, a: &AliasRecord) -> Result<()> {
        let n = self.with(|db| {
            db.execute(
                "UPDATE aliases SET description = $2, routing = $3, updated_millis = $4 \
                 WHERE arn = $1",
                &[
                    &a.arn,
                    &a.description,
                    &crate::sqlite::routing_text(&a.routing),
                    &a.updated_millis,
                ],
            )
        })?;
        if n == 0 {
            return Err(StoreError::NotFound(a.arn.clone()));
        }
        Ok(())
    }

    fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>> {
        self.with(|db| {
            db.row(
                concat!("SELECT ", alias_columns!(), " FROM aliases WHERE arn = $1"),
                &[&arn],
                alias_row,
            )
        })
    }

    fn list_aliases(&self, state_machine_arn: &str, page: Page<'_>) -> Result<Vec<AliasRecord>> {
        self.with(|db| {
            db.rows(
                concat!(
                    "SELECT ",
                    alias_columns!(),
                    " FROM aliases WHERE state_machine_arn = $1 AND arn > $2 \
                     ORDER BY arn LIMIT $3"
                ),
                &[
                    &state_machine_arn,
                    &page.after.unwrap_or(""),
                    &sql_limit(page.limit),
                ],
                alias_row,
            )
        })
    }

    fn delete_alias(&self, arn: &str) -> Result<()> {
        self.with(|db| db.execute("DELETE FROM aliases WHERE arn = $1", &[&arn]))?;
        Ok(())
    }

    fn create_activity(&self, a: &ActivityRecord) -> Result<()> {
        self.with(|db| {
            db.insert(
                "INSERT INTO activities (arn, name, created_millis, config) \
                 VALUES ($1, $2, $3, $4)",
                &[&a.arn, &a.name, &a.created_millis, &a.config],
                &a.arn,
            )
        })?;
        Ok(())
    }

    fn get_map_run(&self, arn: &str) -> Result<Option<MapRunRecord>> {
        self.with(|db| {
            db.row(
                "SELECT arn, execution_arn, start_millis, stop_millis, status, details \
                 FROM map_runs WHERE arn = $1",
                &[&arn],
                map_run_row,
            )
        })
    }

    fn list_map_runs(&self, execution_arn: &str, page: Page<'_>) -> Result<Vec<MapRunRecord>> {
        self.with(|db| {
            db.rows(
                "SELECT arn, execution_arn, start_millis, stop_millis, status, details \
                 FROM map_runs WHERE execution_arn = $1 AND arn > $2 ORDER BY arn LIMIT $3",
                &[
                    &execution_arn,
                    &page.after.unwrap_or(""),
                    &sql_limit(page.limit),
                ],
                map_run_row,
            )
        })
    }

    fn get_map_run_execution(&self, arn: &str) -> Result<Option<MapRunExecutionRecord>> {
        self.with(|db| {
            db.row(
                "SELECT arn, map_run_arn, name, status, start_millis, stop_millis \
                 FROM map_run_executions WHERE arn = $1",
                &[&arn],
                map_run_execution_row,
            )
        })
    }

    fn list_map_run_executions(
        &self,
        map_run_arn: &str,
        status: Option<ExecutionStatus>,
        page: Page<'_>,
    ) -> Result<Vec<MapRunExecutionRecord>> {
        let status = status.map(ExecutionStatus::as_str);
        self.with(|db| {
            // The page continues below the last child of the previous one; after an unknown
            // one, it is empty.
            let (start, arn) = match page.after {
                None => (i64::MAX, String::new()),
                Some(after) => {
                    let below = db.row(
                        "SELECT start_millis, arn FROM map_run_executions WHERE arn = $1",
                        &[&after],
                        |r| Ok((get::<i64>(r, 0)?, get::<String>(r, 1)?)),
                    )?;
                    match below {
                        Some(b) => b,
                        None => return Ok(Vec::new()),
                    }
                }
            };
            db.rows(
                "SELECT arn, map_run_arn, name, status, start_millis, stop_millis \
                 FROM map_run_executions WHERE map_run_arn = $1 \
                 AND ($2::TEXT IS NULL OR status = $2::TEXT) \
                 AND (start_millis < $3 OR (start_millis = $3 AND ($4 = '' OR arn < $4))) \
                 ORDER BY start_millis DESC, arn DESC LIMIT $5",
                &[&map_run_arn, &status, &start, &arn, &sql_limit(page.limit)],
                map_run_execution_row,
            )
        })
    }

    fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>> {
        self.with(|db| {
            db.row(
                "SELECT arn, name, created_millis, config FROM activities WHERE arn = $1",
                &[&arn],
                activity_row,
            )
        })
    }

    fn list_activities(&self, page: Page<'_>) -> Result<Vec<ActivityRecord>> {
        self.with(|db| {
            db.rows(
                "SELECT arn, name, created_millis, config FROM activities WHERE arn > $1 \
                 ORDER BY arn LIMIT $2",
                &[&page.after.unwrap_or(""), &sql_limit(page.limit)],
                activity_row,
            )
        })
    }

    fn update_activity(&self, a: &ActivityRecord) -> Result<()> {
        let n = self.with(|db| {
            db.execute(
                "UPDATE activities SET config = $2 WHERE arn = $1",
                &[&a.arn, &a.config],
            )
        })?;
        if n == 0 {
            return Err(StoreError::NotFound(a.arn.clone()));
        }
        Ok(())
    }

    fn delete_activity(&self, arn: &str) -> Result<()> {
        self.with(|db| db.execute("DELETE FROM activities WHERE arn = $1", &[&arn]))?;
        Ok(())
    }

    fn enqueue_express(&self, starts: &[ExpressStart]) -> Result<()> {
        if starts.is_empty() {
            return Ok(());
        }
        let arns: Vec<&str> = starts.iter().map(|x| x.arn.as_str()).collect();
        let machines: Vec<&str> = starts
            .iter()
            .map(|x| x.state_machine_arn.as_str())
            .collect();
        let names: Vec<&str> = starts.iter().map(|x| x.name.as_str()).collect();
        let inputs: Vec<&str> = starts.iter().map(|x| x.input.as_str()).collect();
        let at: Vec<i64> = starts.iter().map(|x| x.start_millis).collect();
        // The seed is stored bit for bit in a signed column.
        let seeds: Vec<i64> = starts.iter().map(|x| x.seed.cast_signed()).collect();
        let revisions: Vec<&str> = starts.iter().map(|x| x.revision_id.as_str()).collect();
        let owners: Vec<Option<&str>> = starts.iter().map(|x| x.owner.as_deref()).collect();
        self.in_transaction(|db| {
            // One statement for the batch; the ARNs it skipped tell which one was pending.
            let stored = db.rows(
                concat!(
                    "INSERT INTO express_pending (",
                    express_columns!(),
                    ") SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], \
                     $5::BIGINT[], $6::BIGINT[], $7::TEXT[], $8::TEXT[]) \
                     ON CONFLICT (arn) DO NOTHING RETURNING arn"
                ),
                &[
                    &arns, &machines, &names, &inputs, &at, &seeds, &revisions, &owners,
                ],
                |r| get::<String>(r, 0),
            )?;
            if stored.len() == starts.len() {
                return Ok(());
            }
            // The first ARN not stored, or stored for an earlier item of the batch.
            let dup = arns
                .iter()
                .enumerate()
                .find(|(i, a)| !stored.iter().any(|s| s == *a) || arns[..*i].contains(a))
                .map_or_else(|| arns[0].to_string(), |(_, a)| a.to_string());
            // Returning an error rolls the whole batch back.
            Err(StoreError::AlreadyExists(dup))
        })
    }

    fn pending_express(&self, owner: Option<&str>, page: Page<'_>) -> Result<Vec<ExpressStart>> {
        self.with(|db| {
            db.rows(
                concat!(
                    "SELECT ",
                    express_columns!(),
                    " FROM express_pending WHERE arn > $1 AND ($3::TEXT IS NULL \
                     OR owner IS NULL OR owner = $3::TEXT) ORDER BY arn LIMIT $2"
                ),
                &[&page.after.unwrap_or(""), &sql_limit(page.limit), &owner],
                express_row,
            )
        })
    }

    fn finish_express(&self, done: &[(String, Option<ExpressRecord>)]) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        let arns: Vec<&str> = done.iter().map(|(arn, _)| arn.as_str()).collect();
        self.in_transaction(|db| {
            db.execute("DELETE FROM express_pending WHERE arn = ANY($1)", &[&arns])?;
            // One upsert each, in order: a later record for an ARN replaces an earlier one.
            for r in done.iter().filter_map(|(_, r)| r.as_ref()) {
                db.execute(
                    concat!(
                        "INSERT INTO express_records (",
                        express_record_columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                         ON CONFLICT (state_machine_arn, arn) DO UPDATE SET \
                         name = EXCLUDED.name, status = EXCLUDED.status, \
                         start_millis = EXCLUDED.start_millis, \
                         stop_millis = EXCLUDED.stop_millis, input = EXCLUDED.input, \
                         output = EXCLUDED.output, error = EXCLUDED.error, \
                         cause = EXCLUDED.cause, events = EXCLUDED.events"
                    ),
                    &[
                        &r.arn,
                        &r.state_machine_arn,
                        &r.name,
                        &r.status.as_str(),
                        &r.start_millis,
                        &r.stop_millis,
                        &r.input,
                        &r.output,
                        &r.error,
                        &r.cause,
                        &r.events,
                    ],
                )?;
            }
            Ok(())
        })
    }

    fn express_records(
        &self,
        state_machine_arn: &str,
        page: Page<'_>,
    ) -> Result<Vec<ExpressRecord>> {
        self.with(|db| {
            db.rows(
                concat!(
                    "SELECT ",
                    express_record_columns!(),
                    " FROM express_records WHERE state_machine_arn = $1 AND arn > $2 \
                     ORDER BY arn LIMIT $3"
                ),
                &[
                    &state_machine_arn,
                    &page.after.unwrap_or(""),
                    &sql_limit(page.limit),
                ],
                express_record_row,
            )
        })
    }
}
