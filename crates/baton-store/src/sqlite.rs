//! [`SqliteStore`]: the default backend, one SQLite file in WAL mode.
//!
//! One connection serialises all access (SQLite has one writer anyway); [`Store::commit`] puts
//! a whole batch in one transaction, each transition inside a savepoint so that a fenced one is
//! rolled back alone. `synchronous=FULL` makes every committed batch survive power loss as
//! well as `kill -9`.

use crate::*;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS state_machines (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    workflow_type TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    revision_id TEXT NOT NULL,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS executions (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    start_millis INTEGER NOT NULL,
    stop_millis INTEGER,
    version INTEGER NOT NULL,
    snapshot BLOB NOT NULL,
    owner TEXT,
    lease_until_millis INTEGER NOT NULL DEFAULT 0,
    revision_id TEXT NOT NULL DEFAULT '',
    version_arn TEXT,
    alias_arn TEXT,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_millis INTEGER,
    UNIQUE (state_machine_arn, name)
);
CREATE TABLE IF NOT EXISTS revisions (
    arn TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    workflow_type TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (arn, revision_id)
);
CREATE INDEX IF NOT EXISTS executions_owned ON executions (owner) WHERE status = 'RUNNING';
CREATE TABLE IF NOT EXISTS nodes (
    node TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    lease_until_millis INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_recent ON executions (state_machine_arn, start_millis, arn);
CREATE TABLE IF NOT EXISTS history (
    execution_arn TEXT NOT NULL,
    id INTEGER NOT NULL,
    previous_event_id INTEGER NOT NULL,
    timestamp_millis INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
);
CREATE TABLE IF NOT EXISTS history_steps (
    execution_arn TEXT NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    events BLOB NOT NULL,
    PRIMARY KEY (execution_arn, first_id)
);
CREATE TABLE IF NOT EXISTS timers (
    execution_arn TEXT NOT NULL,
    timer_id INTEGER NOT NULL,
    fire_at_millis INTEGER NOT NULL,
    owner TEXT,
    PRIMARY KEY (execution_arn, timer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timers_due ON timers (fire_at_millis);
CREATE TABLE IF NOT EXISTS tasks (
    token TEXT PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    resource TEXT NOT NULL,
    input TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    worker TEXT,
    node TEXT
);
CREATE INDEX IF NOT EXISTS tasks_by_resource ON tasks (resource, worker, created_millis);
CREATE INDEX IF NOT EXISTS tasks_by_execution ON tasks (execution_arn);
CREATE TABLE IF NOT EXISTS versions (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    version INTEGER NOT NULL,
    revision_id TEXT NOT NULL,
    description TEXT,
    created_millis INTEGER NOT NULL,
    UNIQUE (state_machine_arn, version)
);
CREATE TABLE IF NOT EXISTS version_counters (
    state_machine_arn TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    routing TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    updated_millis INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS aliases_by_machine ON aliases (state_machine_arn, arn);
CREATE TABLE IF NOT EXISTS activities (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS express_pending (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    revision_id TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    input TEXT NOT NULL,
    start_millis INTEGER NOT NULL,
    seed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS express_records (
    state_machine_arn TEXT NOT NULL,
    arn TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_millis INTEGER NOT NULL,
    stop_millis INTEGER NOT NULL,
    input TEXT,
    output TEXT,
    error TEXT,
    cause TEXT,
    events TEXT NOT NULL,
    PRIMARY KEY (state_machine_arn, arn)
);
CREATE TABLE IF NOT EXISTS map_runs (
    arn TEXT PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    start_millis INTEGER NOT NULL,
    stop_millis INTEGER,
    status TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS map_runs_by_execution ON map_runs (execution_arn, arn);
CREATE TABLE IF NOT EXISTS map_run_executions (
    arn TEXT PRIMARY KEY,
    map_run_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_millis INTEGER NOT NULL,
    stop_millis INTEGER
);
CREATE INDEX IF NOT EXISTS map_run_executions_recent
    ON map_run_executions (map_run_arn, start_millis, arn);
";

const MAP_RUN_COLUMNS: &str = "arn, execution_arn, start_millis, stop_millis, status, details";

fn map_run_row(r: &Row<'_>) -> rusqlite::Result<MapRunRecord> {
    Ok(MapRunRecord {
        arn: r.get(0)?,
        execution_arn: r.get(1)?,
        start_millis: r.get(2)?,
        stop_millis: r.get(3)?,
        status: r.get(4)?,
        details: r.get(5)?,
    })
}

const MAP_RUN_EXECUTION_COLUMNS: &str = "arn, map_run_arn, name, status, start_millis, stop_millis";

fn map_run_execution_row(r: &Row<'_>) -> rusqlite::Result<MapRunExecutionRecord> {
    let status: String = r.get(3)?;
    Ok(MapRunExecutionRecord {
        arn: r.get(0)?,
        map_run_arn: r.get(1)?,
        name: r.get(2)?,
        status: ExecutionStatus::parse(&status).unwrap_or(ExecutionStatus::Failed),
        start_millis: r.get(4)?,
        stop_millis: r.get(5)?,
    })
}

/// The SQLite backend.
pub struct SqliteStore {
    /// The one writer (SQLite has one anyway); in memory, the only connection.
    conn: Arc<Mutex<Connection>>,
    /// Connections for reads, which WAL lets run while the writer commits (none in memory).
    readers: Option<Readers>,
    listeners: Listeners,
    /// Copies the WAL back into the database off the writer's path (none in memory); held
    /// for its `Drop`, which stops its thread.
    _checkpointer: Option<Checkpointer>,
}

/// The file's layout (`PRAGMA user_version`), raised when a newer one would be misread by an
/// older Baton: 1, history events in `history_steps`.
const SCHEMA_VERSION: i64 = 1;

/// WAL frames after which the checkpointer is asked to copy the WAL back (64 MiB of 4 KiB
/// pages): the rarer the checkpoints, the fewer copies of pages that every commit rewrites (the
/// ends of tables and indexes that grow); measured, 4,096 frames gave 2,200-2,500 API starts/s
/// and this 2,900-3,200 on the same machine.
const CHECKPOINT_FRAMES: i32 = 16_384;
/// WAL frames after which the writer checkpoints itself, should the checkpointer fall behind
/// a writer that never pauses (the WAL starts over only after a complete checkpoint).
const CHECKPOINT_FRAMES_INLINE: i32 = 65_536;
/// Frames few enough for the checkpointer to copy while it holds the writer off.
const CHECKPOINT_TAIL_FRAMES: i32 = 128;
/// Idle reader connections kept open.
const IDLE_READERS: usize = 8;

/// Opens a connection to the file with the settings every connection of the store uses.
fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(backend)?;
    // busy_timeout first: another process may hold the file (WAL recovery after a crash).
    conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = OFF;")
        .map_err(backend)?;
    Ok(conn)
}

/// Read connections, opened as needed (at most [`MAX_READERS`] at once) and kept for the
/// next read.
struct Readers {
    path: std::path::PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Connections open, idle or reading.
    open: std::sync::atomic::AtomicUsize,
}

/// Read connections open at most; a read beyond them uses the writer's connection (it waits
/// for the writer's transaction, as every read did before readers had their own).
const MAX_READERS: usize = 16;

/// A connection to read with: one of the pool's, or the writer (a store in memory).
enum ReadConn<'a> {
    Pooled(Option<Connection>, &'a Readers),
    Writer(MutexGuard<'a, Connection>),
}

impl std::ops::Deref for ReadConn<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            ReadConn::Pooled(Some(c), _) => c,
            ReadConn::Pooled(None, _) => unreachable!("a pooled connection is only taken on drop"),
            ReadConn::Writer(c) => c,
        }
    }
}

impl Drop for ReadConn<'_> {
    fn drop(&mut self) {
        if let ReadConn::Pooled(conn, readers) = self
            && let Some(conn) = conn.take()
        {
            match readers.idle.lock() {
                Ok(mut idle) if idle.len() < IDLE_READERS => idle.push(conn),
                _ => {
                    drop(conn);
                    readers
                        .open
                        .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                }
            }
        }
    }
}

impl Readers {
    /// An idle connection, or a new one while fewer than [`MAX_READERS`] are open; `None`
    /// when that many are reading.
    fn take(&self) -> Result<Option<ReadConn<'_>>> {
        use std::sync::atomic::Ordering;
        if let Some(conn) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(Some(ReadConn::Pooled(Some(conn), self)));
        }
        if self.open.fetch_add(1, Ordering::SeqCst) >= MAX_READERS {
            self.open.fetch_sub(1, Ordering::SeqCst);
            return Ok(None);
        }
        let opened = open_connection(&self.path).and_then(|conn| {
            // Reads only: a mistake that writes through it fails instead.
            conn.execute_batch("PRAGMA query_only = ON; PRAGMA cache_size = -16384;")
                .map_err(backend)?;
            Ok(conn)
        });
        match opened {
            Ok(conn) => Ok(Some(ReadConn::Pooled(Some(conn), self))),
            Err(e) => {
                self.open.fetch_sub(1, Ordering::SeqCst);
                Err(e)
            }
        }
    }
}

/// A thread with a connection of its own that checkpoints the WAL when the writer's commits
/// have grown it past [`CHECKPOINT_FRAMES`], so that the writer (and so every commit waiting
/// behind it) does not copy the WAL back itself. A passive checkpoint runs beside the writer;
/// the frames the writer added meanwhile are copied in a second one that holds the writer off,
/// so that the checkpoint is complete and the writer's next transaction starts the WAL over
/// (a writer that never pauses would otherwise grow it without end).
struct Checkpointer {
    wake: Arc<(Mutex<CheckpointState>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct CheckpointState {
    wanted: bool,
    stop: bool,
}

impl Checkpointer {
    fn start(path: &Path, writer: &Arc<Mutex<Connection>>) -> Result<Checkpointer> {
        let conn = open_connection(path)?;
        // A connection knows the file is in WAL mode (and so can checkpoint) once it read it.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(backend)?;
        let wake: Arc<(Mutex<CheckpointState>, std::sync::Condvar)> = Arc::default();
        let hook_wake = Arc::clone(&wake);
        // Replaces SQLite's own autocheckpoint (which would run in the writer's commit).
        writer
            .lock()
            .map_err(|_| StoreError::Backend("a thread panicked holding the store".into()))?
            .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames: i32| {
                if frames >= CHECKPOINT_FRAMES_INLINE {
                    // A failed checkpoint is tried again after the next commit.
                    let _ = wal.checkpoint();
                } else if frames >= CHECKPOINT_FRAMES {
                    let (state, cv) = &*hook_wake;
                    if let Ok(mut s) = state.lock() {
                        s.wanted = true;
                        cv.notify_one();
                    }
                }
                Ok(())
            }))
            .map_err(backend)?;
        let thread_wake = Arc::clone(&wake);
        let writer = Arc::clone(writer);
        let thread = std::thread::Builder::new()
            .name("baton-sqlite-checkpoint".into())
            .spawn(move || {
                let (state, cv) = &*thread_wake;
                loop {
                    let Ok(mut s) = state.lock() else { return };
                    while !s.wanted && !s.stop {
                        s = match cv.wait(s) {
                            Ok(s) => s,
                            Err(_) => return,
                        };
                    }
                    if s.stop {
                        return;
                    }
                    s.wanted = false;
                    drop(s);
                    let checkpoint = || {
                        conn.wal_checkpoint_v2(
                            Some(rusqlite::MAIN_DB),
                            rusqlite::wal::CheckpointMode::PASSIVE,
                        )
                    };
                    // Passive: copies what no reader still needs, never waits for the writer.
                    // Again while the writer added many frames meanwhile; then the last few
                    // holding the writer off, so that the checkpoint is complete and the
                    // writer's next transaction starts the WAL over.
                    let Ok((mut frames, _)) = checkpoint() else {
                        continue;
                    };
                    for _ in 0..4 {
                        match checkpoint() {
                            Ok((now, _)) if now - frames > CHECKPOINT_TAIL_FRAMES => frames = now,
                            _ => break,
                        }
                    }
                    if let Ok(_writer) = writer.lock() {
                        let _ = checkpoint();
                    }
                }
            })
            .map_err(|e| StoreError::Backend(format!("cannot start the checkpointer: {e}")))?;
        Ok(Checkpointer {
            wake,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (state, cv) = &*self.wake;
        if let Ok(mut s) = state.lock() {
            s.stop = true;
            cv.notify_one();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn machine_row(r: &Row<'_>) -> rusqlite::Result<StateMachineRecord> {
    Ok(StateMachineRecord {
        arn: r.get(0)?,
        name: r.get(1)?,
        definition: r.get(2)?,
        role_arn: r.get(3)?,
        workflow_type: r.get(4)?,
        created_millis: r.get(5)?,
        revision_id: r.get(6)?,
        config: r.get(7)?,
    })
}

const MACHINE_COLUMNS: &str =
    "arn, name, definition, role_arn, workflow_type, created_millis, revision_id, config";

const EXECUTION_COLUMNS: &str = "arn, state_machine_arn, name, status, input, output, error, \
     cause, start_millis, stop_millis, version, snapshot, owner, revision_id, \
     version_arn, alias_arn, redrive_count, redrive_millis";

fn execution_row(r: &Row<'_>) -> rusqlite::Result<ExecutionRecord> {
    let status: String = r.get(3)?;
    Ok(ExecutionRecord {
        arn: r.get(0)?,
        state_machine_arn: r.get(1)?,
        name: r.get(2)?,
        status: ExecutionStatus::parse(&status).unwrap_or(ExecutionStatus::Failed),
        input: r.get(4)?,
        output: r.get(5)?,
        error: r.get(6)?,
        cause: r.get(7)?,
        start_millis: r.get(8)?,
        stop_millis: r.get(9)?,
        version: to_u64(r.get(10)?),
        snapshot: r.get(11)?,
        owner: r.get(12)?,
        revision_id: r.get(13)?,
        version_arn: r.get(14)?,
        alias_arn: r.get(15)?,
        redrive_count: to_u64(r.get(16)?),
        redrive_millis: r.get(17)?,
    })
}

const EXPRESS_COLUMNS: &str =
    "arn, state_machine_arn, name, input, start_millis, seed, revision_id, owner";

fn express_row(r: &Row<'_>) -> rusqlite::Result<ExpressStart> {
    Ok(ExpressStart {
        arn: r.get(0)?,
        state_machine_arn: r.get(1)?,
        name: r.get(2)?,
        input: r.get(3)?,
        start_millis: r.get(4)?,
        seed: r.get::<_, i64>(5)?.cast_unsigned(),
        revision_id: r.get(6)?,
        owner: r.get(7)?,
    })
}

fn task_row(r: &Row<'_>) -> rusqlite::Result<TaskRecord> {
    Ok(TaskRecord {
        token: r.get(0)?,
        execution_arn: r.get(1)?,
        task_id: to_u64(r.get(2)?),
        resource: r.get(3)?,
        input: r.get(4)?,
        created_millis: r.get(5)?,
        worker: r.get(6)?,
    })
}

const TASK_COLUMNS: &str = "token, execution_arn, task_id, resource, input, created_millis, worker";

impl SqliteStore {
    /// Opens (creating if needed) the store in this file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let conn = open_connection(path)?;
        Self::prepare(&conn)?;
        let conn = Arc::new(Mutex::new(conn));
        // After the schema: the checkpointer's hook replaces the autocheckpoint set there.
        let checkpointer = Checkpointer::start(path, &conn)?;
        Ok(SqliteStore {
            conn,
            readers: Some(Readers {
                path: path.to_path_buf(),
                idle: Mutex::default(),
                open: std::sync::atomic::AtomicUsize::new(0),
            }),
            listeners: Listeners::default(),
            _checkpointer: Some(checkpointer),
        })
    }

    /// A store in memory (tests).
    pub fn in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(backend)?;
        Self::prepare(&conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            readers: None,
            listeners: Listeners::default(),
            _checkpointer: None,
        })
    }

    /// The writer's settings, the schema and its migrations.
    fn prepare(conn: &Connection) -> Result<()> {
        // A file a newer Baton wrote may keep things where this one would not look (as
        // history_steps would be to a Baton before it): refuse it rather than misread it.
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(backend)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Backend(format!(
                "the database was written by a newer Baton (schema {found}); this one reads \
                 schema {SCHEMA_VERSION} at most"
            )));
        }
        conn.execute_batch(
            // busy_timeout first: another process may hold the file (WAL recovery after a crash).
            // A 64 MiB page cache: histories are write-heavy. Checkpoints run on a thread of
            // their own (see Checkpointer) for files; this autocheckpoint is for memory.
            "PRAGMA busy_timeout = 5000;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = OFF;
             PRAGMA wal_autocheckpoint = 16384;
             PRAGMA cache_size = -65536;",
        )
        .map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        migrate(conn).map_err(backend)?;
        if found < SCHEMA_VERSION {
            conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
                .map_err(backend)?;
        }
        Ok(())
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Backend("a thread panicked holding the store".into()))
    }

    /// A connection for reads only: it does not wait for the writer's transaction.
    fn read(&self) -> Result<ReadConn<'_>> {
        if let Some(readers) = &self.readers
            && let Some(conn) = readers.take()?
        {
            return Ok(conn);
        }
        self.conn().map(ReadConn::Writer)
    }
}

/// Whether `fence` is its node's current generation.
fn fence_holds(conn: &Connection, fence: Option<&NodeFence>) -> Result<()> {
    let Some(f) = fence else { return Ok(()) };
    let generation: Option<i64> = conn
        .prepare_cached("SELECT generation FROM nodes WHERE node = ?1")
        .and_then(|mut s| s.query_row(params![f.node], |r| r.get(0)).optional())
        .map_err(backend)?;
    if generation.map(to_u64) == Some(f.generation) {
        Ok(())
    } else {
        Err(StoreError::LeaseLost {
            node: f.node.clone(),
            generation: f.generation,
        })
    }
}

fn check(conn: &Connection, t: &Transition) -> Result<()> {
    fence_holds(conn, t.node.as_ref())?;
    let version: Option<i64> = conn
        .prepare_cached("SELECT version FROM executions WHERE arn = ?1")
        .and_then(|mut s| {
            s.query_row(params![t.execution_arn], |r| r.get(0))
                .optional()
        })
        .map_err(backend)?;
    let Some(version) = version.map(to_u64) else {
        return Err(StoreError::NotFound(t.execution_arn.clone()));
    };
    if version != t.expected_version {
        return Err(StoreError::Fenced {
            arn: t.execution_arn.clone(),
            expected: t.expected_version,
            actual: version,
        });
    }
    // A token names one task: a transition may not reuse a pending one.
    for task in &t.tasks_added {
        if t.tasks_removed.contains(&task.token) {
            continue;
        }
        if token_taken(conn, &task.token)? {
            return Err(StoreError::AlreadyExists(format!(
                "task token {}",
                task.token
            )));
        }
    }
    let last = last_event_id(conn, &t.execution_arn)?;
    for (i, e) in t.events.iter().enumerate() {
        if e.id != last + 1 + i as u64 {
            return Err(StoreError::HistoryGap {
                arn: t.execution_arn.clone(),
                last: last + i as u64,
                got: e.id,
            });
        }
    }
    Ok(())
}

fn apply(conn: &Connection, t: &Transition) -> rusqlite::Result<u64> {
    let arn = &t.execution_arn;
    insert_events(conn, arn, &t.events)?;
    {
        let mut clear =
            conn.prepare_cached("DELETE FROM timers WHERE execution_arn = ?1 AND timer_id = ?2")?;
        for id in &t.timers_cleared {
            clear.execute(params![arn, to_i64(*id)])?;
        }
        let owner = t.node.as_ref().map(|f| f.node.as_str());
        insert_timers(conn, arn, &t.timers_set, owner)?;
        if let Some(node) = owner {
            // The execution is the committing node's now: so are the timers it set before.
            conn.prepare_cached(
                "UPDATE timers SET owner = ?2 WHERE execution_arn = ?1 AND owner IS NOT ?2",
            )?
            .execute(params![arn, node])?;
        }
    }
    put_map_runs(conn, t)?;
    {
        let mut remove = conn.prepare_cached("DELETE FROM tasks WHERE token = ?1")?;
        for token in &t.tasks_removed {
            remove.execute(params![token])?;
        }
    }
    insert_tasks(
        conn,
        arn,
        &t.tasks_added,
        t.node.as_ref().map(|f| f.node.as_str()),
    )?;
    match &t.status {
        None => {
            conn.prepare_cached(
                "UPDATE executions SET version = version + 1, snapshot = ?2 WHERE arn = ?1",
            )?
            .execute(params![arn, t.snapshot])?;
        }
        Some(end) => {
            let ended = end.status != ExecutionStatus::Running;
            conn.prepare_cached(
                "UPDATE executions SET version = version + 1, snapshot = ?2, status = ?3, \
                 output = ?4, error = ?5, cause = ?6, stop_millis = ?7, \
                 owner = CASE WHEN ?8 THEN NULL ELSE owner END \
                 WHERE arn = ?1",
            )?
            .execute(params![
                arn,
                t.snapshot,
                end.status.as_str(),
                end.output,
                end.error,
                end.cause,
                end.stop_millis,
                ended
            ])?;
            if ended {
                // An ended execution keeps no timers and no pending tasks.
                conn.prepare_cached("DELETE FROM timers WHERE execution_arn = ?1")?
                    .execute(params![arn])?;
                conn.prepare_cached("DELETE FROM tasks WHERE execution_arn = ?1")?
                    .execute(params![arn])?;
            }
        }
    }
    if let Some(r) = &t.redrive {
        // Running again, unless the same step ended it again (then the ending above stands).
        conn.prepare_cached(
            "UPDATE executions SET redrive_count = ?2, redrive_millis = ?3, \
             status = CASE WHEN ?4 THEN 'RUNNING' ELSE status END, \
             output = CASE WHEN ?4 THEN NULL ELSE output END, \
             error = CASE WHEN ?4 THEN NULL ELSE error END, \
             cause = CASE WHEN ?4 THEN NULL ELSE cause END, \
             stop_millis = CASE WHEN ?4 THEN NULL ELSE stop_millis END WHERE arn = ?1",
        )?
        .execute(params![arn, to_i64(r.count), r.millis, t.status.is_none()])?;
    }
    if let Some(f) = &t.node {
        conn.prepare_cached(
            "UPDATE executions SET owner = ?2 WHERE arn = ?1 AND status = 'RUNNING'",
        )?
        .execute(params![arn, f.node])?;
    }
    // check() found `expected_version`, and exactly one UPDATE above bumped it.
    Ok(t.expected_version + 1)
}

/// Every row a (cached) statement gives for `params`, mapped by `row`.
fn all_rows<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt.query_map(params, row).map_err(backend)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
}

/// A page of executions (or Map Run children), most recent first: `select` picks the rows of
/// one owner (`?1`) from `table`; the page continues below `page.after` (unknown: empty).
fn newest_first<T>(
    conn: &Connection,
    select: &str,
    table: &str,
    owner: &str,
    status: Option<ExecutionStatus>,
    page: Page<'_>,
    row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let below: (i64, String) = match page.after {
        Some(a) => conn
            .query_row(
                &format!("SELECT start_millis, arn FROM {table} WHERE arn = ?1"),
                params![a],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(backend)?
            .unwrap_or((i64::MIN, String::new())),
        None => (i64::MAX, String::new()),
    };
    all_rows(
        conn,
        &format!(
            "{select} AND (?2 IS NULL OR status = ?2) \
             AND (start_millis < ?3 OR (start_millis = ?3 AND (?4 = '' OR arn < ?4))) \
             ORDER BY start_millis DESC, arn DESC LIMIT ?5"
        ),
        params![
            owner,
            status.map(ExecutionStatus::as_str),
            below.0,
            below.1,
            to_i64(page.limit as u64)
        ],
        row,
    )
}

/// Whether `table` has `column` (older files lack the newer ones).
fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
        params![table, column],
        |r| r.get(0),
    )
}

/// Brings a database made by an older Baton up to this schema.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    if !has_column(conn, "executions", "revision_id")? {
        // Executions from before revisions run their state machine's current one.
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             ALTER TABLE executions ADD COLUMN revision_id TEXT NOT NULL DEFAULT '';
             UPDATE executions SET revision_id = COALESCE((SELECT revision_id FROM state_machines s
                 WHERE s.arn = executions.state_machine_arn), '');
             COMMIT;",
        )?;
    }
    if !has_column(conn, "executions", "version_arn")? {
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             ALTER TABLE executions ADD COLUMN version_arn TEXT;
             ALTER TABLE executions ADD COLUMN alias_arn TEXT;
             COMMIT;",
        )?;
    }
    if !has_column(conn, "executions", "redrive_count")? {
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             ALTER TABLE executions ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
             ALTER TABLE executions ADD COLUMN redrive_millis INTEGER;
             COMMIT;",
        )?;
    }
    if !has_column(conn, "express_pending", "revision_id")? {
        conn.execute_batch(
            "ALTER TABLE express_pending ADD COLUMN revision_id TEXT NOT NULL DEFAULT ''",
        )?;
    }
    if !has_column(conn, "express_pending", "owner")? {
        conn.execute_batch("ALTER TABLE express_pending ADD COLUMN owner TEXT")?;
    }
    if !has_column(conn, "timers", "owner")? {
        // Timers carry their execution's owner, tasks the node that dispatched them, so that
        // a node reads its own by index.
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             ALTER TABLE timers ADD COLUMN owner TEXT;
             UPDATE timers SET owner = (SELECT owner FROM executions e
                 WHERE e.arn = timers.execution_arn);
             ALTER TABLE tasks ADD COLUMN node TEXT;
             UPDATE tasks SET node = (SELECT owner FROM executions e
                 WHERE e.arn = tasks.execution_arn);
             COMMIT;",
        )?;
    }
    // executions_running served per-execution leases, which node leases replaced: nothing
    // reads it, and every start and ending wrote it.
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS timers_owned ON timers (owner, fire_at_millis);
         CREATE INDEX IF NOT EXISTS tasks_by_node ON tasks (node, token);
         DROP INDEX IF EXISTS executions_running;",
    )?;
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO revisions ({MACHINE_COLUMNS}) SELECT {MACHINE_COLUMNS} FROM state_machines"
        ),
        [],
    )?;
    Ok(())
}

/// Keeps the state machine's current revision readable for good (its executions run it).
fn keep_revision(tx: &Connection, arn: &str) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT OR IGNORE INTO revisions ({MACHINE_COLUMNS}) \
             SELECT {MACHINE_COLUMNS} FROM state_machines WHERE arn = ?1"
        ),
        params![arn],
    )
    .map_err(backend)?;
    Ok(())
}

/// An execution of this state machine and name, or with this ARN (idempotent starts).
fn existing_execution(tx: &Connection, e: &NewExecution) -> Result<Option<ExecutionRecord>> {
    tx.prepare_cached(&format!(
        "SELECT {EXECUTION_COLUMNS} FROM executions \
         WHERE (state_machine_arn = ?1 AND name = ?2) OR arn = ?3"
    ))
    .and_then(|mut st| {
        st.query_row(params![e.state_machine_arn, e.name, e.arn], execution_row)
            .optional()
    })
    .map_err(backend)
}

/// What a start did: `Ok` with the outcome (a refusal among them: then nothing was written),
/// or `Err` when a write failed, after which the caller's transaction is in doubt.
type StartOutcome = std::result::Result<Result<Started>, StoreError>;

/// Stores a new execution (and its first step) inside the caller's transaction. Everything that
/// can refuse the start is checked before anything is written, so that a batch of starts needs
/// no savepoint per start; the row is written once, as the first step left it.
fn start_in(tx: &Connection, e: &NewExecution) -> StartOutcome {
    if let Err(refused) = fence_holds(tx, e.node.as_ref()) {
        return Ok(Err(refused));
    }
    match existing_execution(tx, e) {
        Err(failed) => return Ok(Err(failed)),
        Ok(Some(existing)) => return Ok(existing_or_taken(existing, e)),
        Ok(None) => {}
    }
    let Some(first) = &e.first else {
        return insert_execution(tx, e, None).map(Ok);
    };
    // A first step that removes tasks or redrives is not one the engine makes: store it the
    // general way (insert, then check and apply it as a transition).
    if !first.tasks_removed.is_empty() || first.redrive.is_some() {
        return start_then_apply(tx, e, first);
    }
    for (i, event) in first.events.iter().enumerate() {
        if event.id != i as u64 + 1 {
            return Ok(Err(StoreError::HistoryGap {
                arn: e.arn.clone(),
                last: i as u64,
                got: event.id,
            }));
        }
    }
    for task in &first.tasks_added {
        match token_taken(tx, &task.token) {
            Ok(false) => {}
            Ok(true) => {
                return Ok(Err(StoreError::AlreadyExists(format!(
                    "task token {}",
                    task.token
                ))));
            }
            Err(failed) => return Ok(Err(failed)),
        }
    }
    insert_execution(tx, e, Some(first)).map(Ok)
}

/// The general way to store a start: the row at version 1, then its first step as a
/// transition (checked and applied), then the row read back.
fn start_then_apply(tx: &Connection, e: &NewExecution, first: &Transition) -> StartOutcome {
    let record = match insert_execution(tx, e, None) {
        Ok(Started::Created(record)) | Ok(Started::Existing(record)) => record,
        Err(failed) => return Err(failed),
    };
    let first = Transition {
        execution_arn: record.arn.clone(),
        expected_version: 1,
        node: e.node.clone(),
        ..first.clone()
    };
    // Refused now, with the row written: the caller must undo it (its savepoint, or the batch).
    check(tx, &first)?;
    apply(tx, &first).map_err(backend)?;
    let stored = tx
        .prepare_cached(&format!(
            "SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = ?1"
        ))
        .and_then(|mut st| st.query_row(params![e.arn], execution_row))
        .map_err(backend)?;
    Ok(Ok(Started::Created(stored)))
}

fn token_taken(conn: &Connection, token: &str) -> Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM tasks WHERE token = ?1)")
        .and_then(|mut s| s.query_row(params![token], |r| r.get(0)))
        .map_err(backend)
}

/// Writes a new execution's row as its first step (if any, already checked) left it, with that
/// step's history, timers, tasks and Map Runs, and returns the record as stored.
fn insert_execution(
    tx: &Connection,
    e: &NewExecution,
    first: Option<&Transition>,
) -> Result<Started> {
    let owner = e.node.as_ref().map(|f| f.node.as_str());
    let ending = first.and_then(|t| t.status.as_ref());
    let ended = ending.is_some_and(|end| end.status != ExecutionStatus::Running);
    let status = ending.map_or(ExecutionStatus::Running, |end| end.status);
    let version: u64 = if first.is_some() { 2 } else { 1 };
    let snapshot = first.map_or(&e.snapshot, |t| &t.snapshot);
    let row_owner = if ended { None } else { owner };
    tx.prepare_cached(
        "INSERT INTO executions (arn, state_machine_arn, name, status, input, output, error, \
         cause, start_millis, stop_millis, version, snapshot, lease_until_millis, revision_id, \
         version_arn, alias_arn, owner) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?14, ?15, ?16)",
    )
    .and_then(|mut st| {
        st.execute(params![
            e.arn,
            e.state_machine_arn,
            e.name,
            status.as_str(),
            e.input,
            ending.and_then(|end| end.output.as_deref()),
            ending.and_then(|end| end.error.as_deref()),
            ending.and_then(|end| end.cause.as_deref()),
            e.start_millis,
            ending.map(|end| end.stop_millis),
            to_i64(version),
            snapshot,
            e.revision_id,
            e.version_arn,
            e.alias_arn,
            row_owner
        ])
    })
    .map_err(backend)?;
    if let Some(t) = first {
        insert_first_step(tx, &e.arn, t, owner, ended).map_err(backend)?;
    }
    Ok(Started::Created(e.record(
        version,
        snapshot.clone(),
        row_owner.map(str::to_string),
        ending,
    )))
}

/// A new execution's first step: its history, Map Runs and, unless it ended, its timers and
/// tasks (an ended execution keeps none).
fn insert_first_step(
    tx: &Connection,
    arn: &str,
    t: &Transition,
    owner: Option<&str>,
    ended: bool,
) -> rusqlite::Result<()> {
    insert_events(tx, arn, &t.events)?;
    put_map_runs(tx, t)?;
    if ended {
        return Ok(());
    }
    insert_timers(tx, arn, &t.timers_set, owner)?;
    insert_tasks(tx, arn, &t.tasks_added, owner)
}

/// Sets (or moves) an execution's timers, owned by `owner`.
fn insert_timers(
    conn: &Connection,
    arn: &str,
    timers: &[TimerRecord],
    owner: Option<&str>,
) -> rusqlite::Result<()> {
    let mut set = conn.prepare_cached(
        "INSERT OR REPLACE INTO timers (execution_arn, timer_id, fire_at_millis, owner) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for timer in timers {
        set.execute(params![
            arn,
            to_i64(timer.timer_id),
            timer.fire_at_millis,
            owner
        ])?;
    }
    Ok(())
}

/// The id of an execution's last history event (0 before the first).
fn last_event_id(conn: &Connection, arn: &str) -> Result<u64> {
    // A step's events are one row; steps come after the rows of the older layout.
    let last: Option<i64> = conn
        .prepare_cached(
            "SELECT last_id FROM history_steps WHERE execution_arn = ?1 \
             ORDER BY first_id DESC LIMIT 1",
        )
        .and_then(|mut s| s.query_row(params![arn], |r| r.get(0)).optional())
        .map_err(backend)?;
    let last = match last {
        Some(last) => last,
        None => conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM history WHERE execution_arn = ?1")
            .and_then(|mut s| s.query_row(params![arn], |r| r.get(0)))
            .map_err(backend)?,
    };
    Ok(to_u64(last))
}

/// A step's events (ids without a gap, checked before) as one row: one insert instead of one
/// per event, and rows packed into pages whole.
fn insert_events(conn: &Connection, arn: &str, events: &[HistoryRecord]) -> rusqlite::Result<()> {
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT INTO history_steps (execution_arn, first_id, last_id, events) \
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        arn,
        to_i64(first.id),
        to_i64(last.id),
        encode_events(events)
    ])?;
    Ok(())
}

/// The encoding of a step's events: per event its id, previous event id and timestamp (8 bytes
/// each, little-endian), then its type and details, each as a 4-byte length and UTF-8 text.
fn encode_events(events: &[HistoryRecord]) -> Vec<u8> {
    let size: usize = events
        .iter()
        .map(|e| 32 + e.event_type.len() + e.details.len())
        .sum();
    let mut out = Vec::with_capacity(size);
    for e in events {
        out.extend_from_slice(&e.id.to_le_bytes());
        out.extend_from_slice(&e.previous_event_id.to_le_bytes());
        out.extend_from_slice(&e.timestamp_millis.to_le_bytes());
        for text in [&e.event_type, &e.details] {
            out.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
    out
}

/// The events of a row of `history_steps`; an error (never a panic) if it is not one.
#[cfg(test)]
fn decode_events(bytes: &[u8]) -> Result<Vec<HistoryRecord>> {
    let mut events = Vec::new();
    decode_events_after(bytes, 0, usize::MAX, &mut events)?;
    Ok(events)
}

/// Appends to `out` the events of a row of `history_steps` after id `after`, until `out` holds
/// `limit`; the events before are skipped without being built. An error (never a panic) if the
/// row is not one.
fn decode_events_after(
    mut bytes: &[u8],
    after: u64,
    limit: usize,
    out: &mut Vec<HistoryRecord>,
) -> Result<()> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8]> {
        if bytes.len() < n {
            return Err(StoreError::Backend(
                "a history row is cut short (the database file is damaged)".into(),
            ));
        }
        let (head, rest) = bytes.split_at(n);
        *bytes = rest;
        Ok(head)
    }
    fn word(bytes: &mut &[u8]) -> Result<[u8; 8]> {
        let mut w = [0u8; 8];
        w.copy_from_slice(take(bytes, 8)?);
        Ok(w)
    }
    fn text<'a>(bytes: &mut &'a [u8]) -> Result<&'a [u8]> {
        let mut n = [0u8; 4];
        n.copy_from_slice(take(bytes, 4)?);
        take(
            bytes,
            usize::try_from(u32::from_le_bytes(n)).unwrap_or(usize::MAX),
        )
    }
    fn string(text: &[u8]) -> Result<String> {
        String::from_utf8(text.to_vec()).map_err(|_| {
            StoreError::Backend("a history row is not UTF-8 (the database file is damaged)".into())
        })
    }
    while !bytes.is_empty() && out.len() < limit {
        let id = u64::from_le_bytes(word(&mut bytes)?);
        let previous_event_id = u64::from_le_bytes(word(&mut bytes)?);
        let timestamp_millis = i64::from_le_bytes(word(&mut bytes)?);
        let (event_type, details) = (text(&mut bytes)?, text(&mut bytes)?);
        if id > after {
            out.push(HistoryRecord {
                id,
                previous_event_id,
                timestamp_millis,
                event_type: string(event_type)?,
                details: string(details)?,
            });
        }
    }
    Ok(())
}

fn insert_tasks(
    conn: &Connection,
    arn: &str,
    tasks: &[TaskRecord],
    node: Option<&str>,
) -> rusqlite::Result<()> {
    let mut add = conn.prepare_cached(
        "INSERT INTO tasks (token, execution_arn, task_id, resource, input, \
         created_millis, worker, node) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for task in tasks {
        add.execute(params![
            task.token,
            arn,
            to_i64(task.task_id),
            task.resource,
            task.input,
            task.created_millis,
            task.worker,
            node
        ])?;
    }
    Ok(())
}

/// A transition's Map Runs and child executions, stored as given.
fn put_map_runs(conn: &Connection, t: &Transition) -> rusqlite::Result<()> {
    if !t.map_runs.is_empty() {
        let mut put = conn.prepare_cached(
            "INSERT OR REPLACE INTO map_runs (arn, execution_arn, start_millis, stop_millis, \
             status, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for m in &t.map_runs {
            put.execute(params![
                m.arn,
                m.execution_arn,
                m.start_millis,
                m.stop_millis,
                m.status,
                m.details
            ])?;
        }
    }
    if !t.map_run_executions.is_empty() {
        let mut put = conn.prepare_cached(
            "INSERT OR REPLACE INTO map_run_executions (arn, map_run_arn, name, status, \
             start_millis, stop_millis) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for c in &t.map_run_executions {
            put.execute(params![
                c.arn,
                c.map_run_arn,
                c.name,
                c.status.as_str(),
                c.start_millis,
                c.stop_millis
            ])?;
        }
    }
    Ok(())
}

/// One transition of a commit: checked (reads only), then applied; `Err` when a write failed.
fn commit_in(tx: &Connection, t: &Transition) -> std::result::Result<Result<u64>, StoreError> {
    if let Err(refused) = check(tx, t) {
        return Ok(Err(refused));
    }
    apply(tx, t).map(Ok).map_err(backend)
}

/// Runs `each` over `items` in one transaction and commits it: `None` (and nothing written)
/// when a write failed, which leaves which item it belongs to for [`with_savepoints`] to find.
fn in_one_transaction<T, R>(
    conn: &mut Connection,
    items: &[T],
    each: fn(&Connection, &T) -> std::result::Result<Result<R>, StoreError>,
) -> Result<Option<Vec<Result<R>>>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        match each(&tx, item) {
            Ok(result) => results.push(result),
            Err(_) => {
                tx.rollback().map_err(backend)?;
                return Ok(None);
            }
        }
        // A read that failed badly (I/O, memory) may have made SQLite roll the whole
        // transaction back: the items after it must not run outside one.
        if tx.is_autocommit() {
            return Err(StoreError::Backend(
                "the batch's transaction was rolled back by SQLite".into(),
            ));
        }
    }
    tx.commit().map_err(backend)?;
    Ok(Some(results))
}

/// Runs `each` over `items` in one transaction, each inside a savepoint rolled back alone when
/// its write fails.
fn with_savepoints<T, R>(
    conn: &mut Connection,
    items: &[T],
    each: fn(&Connection, &T) -> std::result::Result<Result<R>, StoreError>,
) -> Result<Vec<Result<R>>> {
    let mut tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let sp = tx.savepoint().map_err(backend)?;
        match each(&sp, item) {
            Ok(result) => {
                sp.commit().map_err(backend)?;
                results.push(result);
            }
            Err(e) => {
                // If SQLite has abandoned the whole transaction (I/O error, disk full), fail
                // the batch rather than report earlier items as stored.
                let mut sp = sp;
                sp.rollback().map_err(backend)?;
                drop(sp);
                if tx.is_autocommit() {
                    return Err(StoreError::Backend(format!(
                        "the batch's transaction was rolled back: {e}"
                    )));
                }
                results.push(Err(e));
            }
        }
    }
    tx.commit().map_err(backend)?;
    Ok(results)
}

impl Store for SqliteStore {
    fn create_state_machine(&self, m: &StateMachineRecord) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let taken: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM state_machines WHERE arn = ?1 OR name = ?2)",
                params![m.arn, m.name],
                |r| r.get(0),
            )
            .map_err(backend)?;
        if taken {
            return Err(StoreError::AlreadyExists(m.arn.clone()));
        }
        tx.execute(
            &format!("INSERT INTO state_machines ({MACHINE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
            params![
                m.arn,
                m.name,
                m.definition,
                m.role_arn,
                m.workflow_type,
                m.created_millis,
                m.revision_id,
                m.config
            ],
        )
        .map_err(backend)?;
        keep_revision(&tx, &m.arn)?;
        tx.commit().map_err(backend)
    }

    fn update_state_machine(&self, m: &StateMachineRecord) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let n = tx
            .execute(
                "UPDATE state_machines SET definition = ?2, role_arn = ?3, revision_id = ?4, \
                 config = ?5 WHERE arn = ?1",
                params![m.arn, m.definition, m.role_arn, m.revision_id, m.config],
            )
            .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::NotFound(m.arn.clone()));
        }
        keep_revision(&tx, &m.arn)?;
        tx.commit().map_err(backend)
    }

    fn get_state_machine_revision(
        &self,
        arn: &str,
        revision_id: &str,
    ) -> Result<Option<StateMachineRecord>> {
        self.read()?
            .query_row(
                &format!(
                    "SELECT {MACHINE_COLUMNS} FROM revisions WHERE arn = ?1 AND revision_id = ?2"
                ),
                params![arn, revision_id],
                machine_row,
            )
            .optional()
            .map_err(backend)
    }

    fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>> {
        self.read()?
            .query_row(
                &format!("SELECT {MACHINE_COLUMNS} FROM state_machines WHERE arn = ?1"),
                params![arn],
                machine_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_state_machines(&self, page: Page<'_>) -> Result<Vec<StateMachineRecord>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            &format!(
                "SELECT {MACHINE_COLUMNS} FROM state_machines WHERE arn > ?1 ORDER BY arn LIMIT ?2"
            ),
            params![page.after.unwrap_or(""), to_i64(page.limit as u64)],
            machine_row,
        )
    }

    fn delete_state_machine(&self, arn: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let n = tx
            .execute("DELETE FROM state_machines WHERE arn = ?1", params![arn])
            .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::NotFound(arn.into()));
        }
        for table in ["versions", "aliases", "version_counters"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE state_machine_arn = ?1"),
                params![arn],
            )
            .map_err(backend)?;
        }
        tx.commit().map_err(backend)
    }

    fn start_execution(&self, e: &NewExecution) -> Result<Started> {
        self.start_executions(std::slice::from_ref(e))?
            .pop()
            .unwrap_or_else(|| Err(StoreError::Backend("no start result".into())))
    }

    fn start_executions(&self, executions: &[NewExecution]) -> Result<Vec<Result<Started>>> {
        let mut conn = self.conn()?;
        // Without savepoints: a refused start wrote nothing. Should a write fail, the batch is
        // done again with a savepoint per start, so that the failure stays with its start.
        let results = match in_one_transaction(&mut conn, executions, start_in)? {
            Some(results) => results,
            None => with_savepoints(&mut conn, executions, start_in)?,
        };
        drop(conn);
        self.listeners.tell(started_resources(executions, &results));
        Ok(results)
    }

    fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        self.read()?
            .query_row(
                &format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = ?1"),
                params![arn],
                execution_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_executions(
        &self,
        state_machine_arn: &str,
        status: Option<ExecutionStatus>,
        page: Page<'_>,
    ) -> Result<Vec<ExecutionRecord>> {
        let conn = self.read()?;
        newest_first(
            &conn,
            &format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE state_machine_arn = ?1"),
            "executions",
            state_machine_arn,
            status,
            page,
            execution_row,
        )
    }

    fn history(&self, arn: &str, after_id: u64, limit: usize) -> Result<Vec<HistoryRecord>> {
        let conn = self.read()?;
        // Events stored one per row before steps were (they come first), then steps.
        let mut events = all_rows(
            &conn,
            "SELECT id, previous_event_id, timestamp_millis, event_type, details FROM history \
                 WHERE execution_arn = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            params![arn, to_i64(after_id), to_i64(limit as u64)],
            |r| {
                Ok(HistoryRecord {
                    id: to_u64(r.get(0)?),
                    previous_event_id: to_u64(r.get(1)?),
                    timestamp_millis: r.get(2)?,
                    event_type: r.get(3)?,
                    details: r.get(4)?,
                })
            },
        )?;
        let after = events.last().map_or(after_id, |e| e.id);
        if events.len() >= limit {
            return Ok(events);
        }
        // From the step holding the event after `after` on.
        let mut stmt = conn
            .prepare_cached(
                "SELECT events FROM history_steps WHERE execution_arn = ?1 AND first_id >= \
                 COALESCE((SELECT MAX(first_id) FROM history_steps \
                           WHERE execution_arn = ?1 AND first_id <= ?2), 0) \
                 ORDER BY first_id",
            )
            .map_err(backend)?;
        let mut rows = stmt
            .query(params![arn, to_i64(after.saturating_add(1))])
            .map_err(backend)?;
        while events.len() < limit {
            let Some(row) = rows.next().map_err(backend)? else {
                break;
            };
            let bytes =
                row.get_ref(0).map_err(backend)?.as_bytes().map_err(|e| {
                    StoreError::Backend(format!("a history row is not a blob: {e}"))
                })?;
            decode_events_after(bytes, after, limit, &mut events)?;
        }
        Ok(events)
    }

    fn commit(&self, batch: &[Transition]) -> Result<Vec<Result<u64>>> {
        let mut conn = self.conn()?;
        // As for starts: check() only reads, so a refused transition wrote nothing.
        let results = match in_one_transaction(&mut conn, batch, commit_in)? {
            Some(results) => results,
            None => with_savepoints(&mut conn, batch, commit_in)?,
        };
        drop(conn);
        self.listeners.tell(added_resources(batch, &results));
        Ok(results)
    }

    fn join_node(&self, node: &str, _now: i64, lease_until_millis: i64) -> Result<NodeFence> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let generation: i64 = tx
            .query_row(
                "INSERT INTO nodes (node, generation, lease_until_millis) VALUES (?1, 1, ?2) \
                 ON CONFLICT (node) DO UPDATE SET generation = generation + 1, \
                 lease_until_millis = excluded.lease_until_millis RETURNING generation",
                params![node, lease_until_millis],
                |r| r.get(0),
            )
            .map_err(backend)?;
        for sql in [
            "UPDATE executions SET owner = ?1 WHERE status = 'RUNNING' AND owner IS NULL",
            "UPDATE timers SET owner = ?1 WHERE owner IS NULL",
            "UPDATE tasks SET node = ?1 WHERE node IS NULL",
        ] {
            tx.execute(sql, params![node]).map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        Ok(NodeFence {
            node: node.to_string(),
            generation: to_u64(generation),
        })
    }

    fn renew_node(&self, fence: &NodeFence, lease_until_millis: i64) -> Result<bool> {
        let n = self
            .conn()?
            .prepare_cached(
                "UPDATE nodes SET lease_until_millis = ?3 WHERE node = ?1 AND generation = ?2",
            )
            .and_then(|mut s| {
                s.execute(params![
                    fence.node,
                    to_i64(fence.generation),
                    lease_until_millis
                ])
            })
            .map_err(backend)?;
        Ok(n == 1)
    }

    fn expired_nodes(&self, now_millis: i64) -> Result<Vec<NodeFence>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            "SELECT node, generation FROM nodes \
             WHERE lease_until_millis > 0 AND lease_until_millis < ?1 ORDER BY node",
            params![now_millis],
            |r| {
                Ok(NodeFence {
                    node: r.get(0)?,
                    generation: to_u64(r.get(1)?),
                })
            },
        )
    }

    fn take_over(
        &self,
        dead: &NodeFence,
        by: &NodeFence,
        now_millis: i64,
    ) -> Result<Option<TakeOver>> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        fence_holds(&tx, Some(by))?;
        let taken = tx
            .execute(
                "UPDATE nodes SET generation = generation + 1, lease_until_millis = 0 \
                 WHERE node = ?1 AND generation = ?2 AND lease_until_millis > 0 \
                 AND lease_until_millis < ?3",
                params![dead.node, to_i64(dead.generation), now_millis],
            )
            .map_err(backend)?;
        if taken == 0 {
            return Ok(None);
        }
        let mut executions = all_rows(
            &tx,
            "UPDATE executions SET owner = ?2 WHERE status = 'RUNNING' AND owner = ?1 \
             RETURNING arn",
            params![dead.node, by.node],
            |r| r.get::<_, String>(0),
        )?;
        executions.sort();
        tx.execute(
            "UPDATE timers SET owner = ?2 WHERE owner = ?1",
            params![dead.node, by.node],
        )
        .map_err(backend)?;
        // The tasks the dead node dispatched, whoever owns their execution now.
        let mut tasks = all_rows(
            &tx,
            &format!("UPDATE tasks SET node = ?2 WHERE node = ?1 RETURNING {TASK_COLUMNS}"),
            params![dead.node, by.node],
            task_row,
        )?;
        tasks.sort_by(|a, b| a.token.cmp(&b.token));
        let express = all_rows(
            &tx,
            &format!(
                "UPDATE express_pending SET owner = ?2 WHERE owner = ?1 RETURNING {EXPRESS_COLUMNS}"
            ),
            params![dead.node, by.node],
            express_row,
        )?;
        tx.commit().map_err(backend)?;
        Ok(Some(TakeOver {
            executions,
            tasks,
            express,
        }))
    }

    fn due_timers(
        &self,
        owner: Option<&str>,
        until_millis: i64,
        limit: usize,
    ) -> Result<Vec<TimerRecord>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            "SELECT execution_arn, timer_id, fire_at_millis FROM timers \
             WHERE fire_at_millis <= ?2 AND (?1 IS NULL OR owner = ?1) \
             ORDER BY fire_at_millis, execution_arn, timer_id LIMIT ?3",
            params![owner, until_millis, to_i64(limit as u64)],
            |r| {
                Ok(TimerRecord {
                    execution_arn: r.get(0)?,
                    timer_id: to_u64(r.get(1)?),
                    fire_at_millis: r.get(2)?,
                })
            },
        )
    }

    fn next_timer(&self, owner: Option<&str>, after_millis: i64) -> Result<Option<i64>> {
        let conn = self.read()?;
        Ok(all_rows(
            &conn,
            "SELECT fire_at_millis FROM timers WHERE fire_at_millis > ?2 \
             AND (?1 IS NULL OR owner = ?1) ORDER BY fire_at_millis LIMIT 1",
            params![owner, after_millis],
            |r| r.get::<_, i64>(0),
        )?
        .into_iter()
        .next())
    }

    fn get_task(&self, token: &str) -> Result<Option<TaskRecord>> {
        self.read()?
            .query_row(
                &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE token = ?1"),
                params![token],
                task_row,
            )
            .optional()
            .map_err(backend)
    }

    fn pending_tasks(&self, owner: Option<&str>, page: Page<'_>) -> Result<Vec<TaskRecord>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            &format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE token > ?2 \
                 AND (?1 IS NULL OR node = ?1) ORDER BY token LIMIT ?3"
            ),
            params![owner, page.after.unwrap_or(""), to_i64(page.limit as u64)],
            task_row,
        )
    }

    fn take_task(&self, resource: &str, worker: &str) -> Result<Option<TaskRecord>> {
        self.conn()?
            .query_row(
                &format!(
                    "UPDATE tasks SET worker = ?2 WHERE token = (SELECT token FROM tasks \
                     WHERE resource = ?1 AND worker IS NULL ORDER BY created_millis, token LIMIT 1) \
                     RETURNING {TASK_COLUMNS}"
                ),
                params![resource, worker],
                task_row,
            )
            .optional()
            .map_err(backend)
    }

    fn watch_tasks(&self, listener: TaskListener) {
        self.listeners.add(listener);
    }

    fn enqueue_express(&self, starts: &[ExpressStart]) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO express_pending (arn, state_machine_arn, name, input, \
                     start_millis, seed, revision_id, owner) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(backend)?;
            for x in starts {
                let inserted = stmt.execute(params![
                    x.arn,
                    x.state_machine_arn,
                    x.name,
                    x.input,
                    x.start_millis,
                    x.seed.cast_signed(),
                    x.revision_id,
                    x.owner
                ]);
                match inserted {
                    Ok(_) => {}
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        return Err(StoreError::AlreadyExists(x.arn.clone()));
                    }
                    Err(e) => return Err(backend(e)),
                }
            }
        }
        tx.commit().map_err(backend)
    }

    fn pending_express(&self, owner: Option<&str>, page: Page<'_>) -> Result<Vec<ExpressStart>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            &format!(
                "SELECT {EXPRESS_COLUMNS} FROM express_pending WHERE arn > ?1 \
                 AND (?3 IS NULL OR owner IS NULL OR owner = ?3) ORDER BY arn LIMIT ?2"
            ),
            params![page.after.unwrap_or(""), to_i64(page.limit as u64), owner],
            express_row,
        )
    }

    fn finish_express(&self, done: &[(String, Option<ExpressRecord>)]) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        {
            let mut remove = tx
                .prepare_cached("DELETE FROM express_pending WHERE arn = ?1")
                .map_err(backend)?;
            let mut keep = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO express_records (state_machine_arn, arn, name, \
                     status, start_millis, stop_millis, input, output, error, cause, events) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(backend)?;
            for (arn, record) in done {
                remove.execute(params![arn]).map_err(backend)?;
                if let Some(r) = record {
                    keep.execute(params![
                        r.state_machine_arn,
                        r.arn,
                        r.name,
                        r.status.as_str(),
                        r.start_millis,
                        r.stop_millis,
                        r.input,
                        r.output,
                        r.error,
                        r.cause,
                        r.events
                    ])
                    .map_err(backend)?;
                }
            }
        }
        tx.commit().map_err(backend)
    }

    fn get_map_run(&self, arn: &str) -> Result<Option<MapRunRecord>> {
        let conn = self.read()?;
        conn.prepare_cached(&format!(
            "SELECT {MAP_RUN_COLUMNS} FROM map_runs WHERE arn = ?1"
        ))
        .and_then(|mut s| s.query_row(params![arn], map_run_row).optional())
        .map_err(backend)
    }

    fn list_map_runs(&self, execution_arn: &str, page: Page<'_>) -> Result<Vec<MapRunRecord>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            &format!(
                "SELECT {MAP_RUN_COLUMNS} FROM map_runs WHERE execution_arn = ?1 AND arn > ?2 \
                 ORDER BY arn LIMIT ?3"
            ),
            params![
                execution_arn,
                page.after.unwrap_or(""),
                to_i64(page.limit as u64)
            ],
            map_run_row,
        )
    }

    fn get_map_run_execution(&self, arn: &str) -> Result<Option<MapRunExecutionRecord>> {
        let conn = self.read()?;
        conn.prepare_cached(&format!(
            "SELECT {MAP_RUN_EXECUTION_COLUMNS} FROM map_run_executions WHERE arn = ?1"
        ))
        .and_then(|mut s| s.query_row(params![arn], map_run_execution_row).optional())
        .map_err(backend)
    }

    fn list_map_run_executions(
        &self,
        map_run_arn: &str,
        status: Option<ExecutionStatus>,
        page: Page<'_>,
    ) -> Result<Vec<MapRunExecutionRecord>> {
        let conn = self.read()?;
        newest_first(
            &conn,
            &format!(
                "SELECT {MAP_RUN_EXECUTION_COLUMNS} FROM map_run_executions WHERE map_run_arn = ?1"
            ),
            "map_run_executions",
            map_run_arn,
            status,
            page,
            map_run_execution_row,
        )
    }

    fn express_records(
        &self,
        state_machine_arn: &str,
        page: Page<'_>,
    ) -> Result<Vec<ExpressRecord>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            "SELECT arn, state_machine_arn, name, status, start_millis, stop_millis, input, \
                 output, error, cause, events FROM express_records \
                 WHERE state_machine_arn = ?1 AND arn > ?2 ORDER BY arn LIMIT ?3",
            params![
                state_machine_arn,
                page.after.unwrap_or(""),
                to_i64(page.limit as u64)
            ],
            |r| {
                let status: String = r.get(3)?;
                Ok(ExpressRecord {
                    arn: r.get(0)?,
                    state_machine_arn: r.get(1)?,
                    name: r.get(2)?,
                    status: ExecutionStatus::parse(&status).unwrap_or(ExecutionStatus::Failed),
                    start_millis: r.get(4)?,
                    stop_millis: r.get(5)?,
                    input: r.get(6)?,
                    output: r.get(7)?,
                    error: r.get(8)?,
                    cause: r.get(9)?,
                    events: r.get(10)?,
                })
            },
        )
    }

    fn publish_version(
        &self,
        state_machine_arn: &str,
        description: Option<&str>,
        created_millis: i64,
    ) -> Result<VersionRecord> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let revision: String = tx
            .query_row(
                "SELECT revision_id FROM state_machines WHERE arn = ?1",
                params![state_machine_arn],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::NotFound(state_machine_arn.to_string()))?;
        let newest = tx
            .query_row(
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM versions WHERE state_machine_arn = ?1 \
                     ORDER BY version DESC LIMIT 1"
                ),
                params![state_machine_arn],
                version_row,
            )
            .optional()
            .map_err(backend)?;
        if let Some(v) = newest.filter(|v| v.revision_id == revision) {
            return Ok(v);
        }
        let last: i64 = tx
            .query_row(
                "SELECT last FROM version_counters WHERE state_machine_arn = ?1",
                params![state_machine_arn],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?
            .unwrap_or(0);
        let n = last + 1;
        tx.execute(
            "INSERT OR REPLACE INTO version_counters (state_machine_arn, last) VALUES (?1, ?2)",
            params![state_machine_arn, n],
        )
        .map_err(backend)?;
        let v = VersionRecord {
            arn: format!("{state_machine_arn}:{n}"),
            state_machine_arn: state_machine_arn.to_string(),
            version: to_u64(n),
            revision_id: revision,
            description: description.map(str::to_string),
            created_millis,
        };
        tx.execute(
            &format!("INSERT INTO versions ({VERSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
            params![
                v.arn,
                v.state_machine_arn,
                n,
                v.revision_id,
                v.description,
                v.created_millis
            ],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(v)
    }

    fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>> {
        self.read()?
            .query_row(
                &format!("SELECT {VERSION_COLUMNS} FROM versions WHERE arn = ?1"),
                params![arn],
                version_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_versions(&self, state_machine_arn: &str, page: Page<'_>) -> Result<Vec<VersionRecord>> {
        let conn = self.read()?;
        let below: i64 = match page.after {
            Some(a) => conn
                .query_row(
                    "SELECT version FROM versions WHERE arn = ?1",
                    params![a],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?
                .unwrap_or(i64::MAX),
            None => i64::MAX,
        };
        all_rows(
            &conn,
            &format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE state_machine_arn = ?1 \
                 AND version < ?2 ORDER BY version DESC LIMIT ?3"
            ),
            params![state_machine_arn, below, to_i64(page.limit as u64)],
            version_row,
        )
    }

    fn delete_version(&self, arn: &str) -> Result<()> {
        self.conn()?
            .execute("DELETE FROM versions WHERE arn = ?1", params![arn])
            .map_err(backend)?;
        Ok(())
    }

    fn create_alias(&self, a: &AliasRecord) -> Result<()> {
        let inserted = self.conn()?.execute(
            &format!("INSERT INTO aliases ({ALIAS_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![
                a.arn,
                a.state_machine_arn,
                a.name,
                a.description,
                routing_text(&a.routing),
                a.created_millis,
                a.updated_millis
            ],
        );
        match inserted {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::AlreadyExists(a.arn.clone()))
            }
            Err(e) => Err(backend(e)),
        }
    }

    fn update_alias(&self, a: &AliasRecord) -> Result<()> {
        let n = self
            .conn()?
            .execute(
                "UPDATE aliases SET description = ?2, routing = ?3, updated_millis = ?4 \
                 WHERE arn = ?1",
                params![
                    a.arn,
                    a.description,
                    routing_text(&a.routing),
                    a.updated_millis
                ],
            )
            .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::NotFound(a.arn.clone()));
        }
        Ok(())
    }

    fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>> {
        self.read()?
            .query_row(
                &format!("SELECT {ALIAS_COLUMNS} FROM aliases WHERE arn = ?1"),
                params![arn],
                alias_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_aliases(&self, state_machine_arn: &str, page: Page<'_>) -> Result<Vec<AliasRecord>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            &format!(
                "SELECT {ALIAS_COLUMNS} FROM aliases WHERE state_machine_arn = ?1 AND arn > ?2 \
                 ORDER BY arn LIMIT ?3"
            ),
            params![
                state_machine_arn,
                page.after.unwrap_or(""),
                to_i64(page.limit as u64)
            ],
            alias_row,
        )
    }

    fn delete_alias(&self, arn: &str) -> Result<()> {
        self.conn()?
            .execute("DELETE FROM aliases WHERE arn = ?1", params![arn])
            .map_err(backend)?;
        Ok(())
    }

    fn create_activity(&self, a: &ActivityRecord) -> Result<()> {
        let inserted = self.conn()?.execute(
            "INSERT INTO activities (arn, name, created_millis, config) VALUES (?1, ?2, ?3, ?4)",
            params![a.arn, a.name, a.created_millis, a.config],
        );
        match inserted {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::AlreadyExists(a.arn.clone()))
            }
            Err(e) => Err(backend(e)),
        }
    }

    fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>> {
        self.read()?
            .query_row(
                "SELECT arn, name, created_millis, config FROM activities WHERE arn = ?1",
                params![arn],
                activity_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_activities(&self, page: Page<'_>) -> Result<Vec<ActivityRecord>> {
        let conn = self.read()?;
        all_rows(
            &conn,
            "SELECT arn, name, created_millis, config FROM activities WHERE arn > ?1 \
                 ORDER BY arn LIMIT ?2",
            params![page.after.unwrap_or(""), to_i64(page.limit as u64)],
            activity_row,
        )
    }

    fn update_activity(&self, a: &ActivityRecord) -> Result<()> {
        let n = self
            .conn()?
            .execute(
                "UPDATE activities SET config = ?2 WHERE arn = ?1",
                params![a.arn, a.config],
            )
            .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::NotFound(a.arn.clone()));
        }
        Ok(())
    }

    fn delete_activity(&self, arn: &str) -> Result<()> {
        self.conn()?
            .execute("DELETE FROM activities WHERE arn = ?1", params![arn])
            .map_err(backend)?;
        Ok(())
    }
}

fn version_row(r: &Row<'_>) -> rusqlite::Result<VersionRecord> {
    Ok(VersionRecord {
        arn: r.get(0)?,
        state_machine_arn: r.get(1)?,
        version: to_u64(r.get(2)?),
        revision_id: r.get(3)?,
        description: r.get(4)?,
        created_millis: r.get(5)?,
    })
}

const VERSION_COLUMNS: &str =
    "arn, state_machine_arn, version, revision_id, description, created_millis";

/// Routing as stored: `version ARN weight` lines.
pub(crate) fn routing_text(routing: &[(String, u32)]) -> String {
    routing
        .iter()
        .map(|(arn, w)| format!("{arn} {w}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Routing from its stored text (see [`routing_text`]).
pub(crate) fn routing_from_text(routing: &str) -> Vec<(String, u32)> {
    routing
        .lines()
        .filter_map(|l| {
            let (arn, w) = l.rsplit_once(' ')?;
            Some((arn.to_string(), w.parse().ok()?))
        })
        .collect()
}

fn alias_row(r: &Row<'_>) -> rusqlite::Result<AliasRecord> {
    let routing: String = r.get(4)?;
    Ok(AliasRecord {
        arn: r.get(0)?,
        state_machine_arn: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        routing: routing_from_text(&routing),
        created_millis: r.get(5)?,
        updated_millis: r.get(6)?,
    })
}

const ALIAS_COLUMNS: &str =
    "arn, state_machine_arn, name, description, routing, created_millis, updated_millis";

fn activity_row(r: &Row<'_>) -> rusqlite::Result<ActivityRecord> {
    Ok(ActivityRecord {
        arn: r.get(0)?,
        name: r.get(1)?,
        created_millis: r.get(2)?,
        config: r.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64, event_type: &str, details: &str) -> HistoryRecord {
        HistoryRecord {
            id,
            previous_event_id: id.saturating_sub(1),
            timestamp_millis: -5 + id as i64,
            event_type: event_type.into(),
            details: details.into(),
        }
    }

    #[test]
    fn a_step_of_events_encodes_and_decodes() {
        let events = vec![
            record(7, "PassStateEntered", r#"{"name":"é","input":"{}"}"#),
            record(8, "PassStateExited", ""),
            record(u64::MAX, "", "x"),
        ];
        assert_eq!(decode_events(&encode_events(&events)).ok(), Some(events));
        assert_eq!(decode_events(&[]).ok(), Some(vec![]));
    }

    #[test]
    fn a_damaged_step_is_an_error_not_a_panic() {
        let bytes = encode_events(&[record(1, "ExecutionStarted", "{}")]);
        for cut in 0..bytes.len() {
            assert!(decode_events(&bytes[..cut]).is_err() || cut == 0, "{cut}");
        }
        let mut bad = bytes.clone();
        let at = bytes.len() - 1;
        bad[at] = 0xff;
        assert!(decode_events(&bad).is_err());
        let mut huge = bytes;
        huge[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_events(&huge).is_err());
    }
}
