//! The Baton server: one store, the durable runtime that runs Standard executions over it and
//! the in-memory runtime that runs Express ones. `baton server` starts a [`Server`]; the AWS
//! Step Functions API on `listen` is built on it.
//!
//! Everything a Standard execution needs lives in the store, so a server started over the data
//! directory a killed one left goes on with every running execution: overdue timers fire at
//! once, unanswered tasks are dispatched again, unfinished asynchronous Express starts run again.

pub mod api;
pub mod ops;
pub mod sigv4;
pub mod test_state;

use baton_engine::StatesError;
use baton_engine::driver::NO_TASK_TARGET;
use baton_engine::durable::DurableError;
use baton_engine::express::Express;
use baton_engine::runtime::{Clock, NodeOptions, Runtime, RuntimeOptions, TaskRunner};
use baton_store::{SqliteStore, StateMachineRecord, Store, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// The port Step Functions Local listens on, so that existing set-ups work unchanged.
pub const DEFAULT_PORT: u16 = 8083;

/// What can stop a server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The data directory cannot be made or read.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// The store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A runtime cannot start (its store failed while it recovered).
    #[error(transparent)]
    Runtime(#[from] DurableError),
}

/// How a server runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// Where the API listens.
    pub listen: SocketAddr,
    /// Where the data lives (`baton.db` in it), unless `database_url` is given.
    pub data_dir: PathBuf,
    /// A PostgreSQL connection URL: keep the data there instead (several servers may share
    /// one database).
    pub database_url: Option<String>,
    /// Threads that run in-process task targets, for each runtime.
    pub task_workers: usize,
    /// The region in the ARNs the server makes.
    pub region: String,
    /// The account in the ARNs the server makes.
    pub account: String,
    /// How long GetActivityTask waits for a task (default: AWS's 60 s; tests shorten it).
    pub activity_poll_millis: Option<u64>,
    /// Access key id -> secret key. Empty: any well-formed signature is accepted (as Step
    /// Functions Local does), which `baton server` allows on loopback addresses only.
    pub credentials: std::collections::BTreeMap<String, String>,
    /// This server's node id among those sharing the database (see [`ServerConfig::node`]).
    pub node_id: Option<String>,
    /// How long this server's lease lasts without a renewal: another server takes over its
    /// executions once it has run out.
    pub node_lease: std::time::Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            data_dir: PathBuf::from("baton-data"),
            database_url: None,
            task_workers: 4,
            // Step Functions Local's, so that ARNs in existing tests and scripts match.
            region: "us-east-1".into(),
            account: "123456789012".into(),
            activity_poll_millis: None,
            credentials: std::collections::BTreeMap::new(),
            node_id: None,
            node_lease: std::time::Duration::from_secs(DEFAULT_NODE_LEASE_SECONDS),
        }
    }
}

/// How long a server's lease lasts by default.
pub const DEFAULT_NODE_LEASE_SECONDS: u64 = 15;

impl ServerConfig {
    /// The node id: as configured; else `local` on SQLite (one server per file, so a restart
    /// takes its work back at once); on PostgreSQL the host name and listening port (unique
    /// per machine, and the same after a restart), with the process id when the port is 0.
    pub fn node(&self) -> String {
        if let Some(id) = &self.node_id {
            return id.clone();
        }
        if self.database_url.is_none() {
            return "local".into();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "baton".into());
        match self.listen.port() {
            0 => format!("{host}:0:{}", std::process::id()),
            port => format!("{host}:{port}"),
        }
    }

    /// The SQLite file in the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("baton.db")
    }

    /// Where the data is, for people: the SQLite file, or the PostgreSQL server and database
    /// (without the URL's password).
    pub fn database_description(&self) -> String {
        match &self.database_url {
            None => self.database_path().display().to_string(),
            Some(url) => match url.split_once("://") {
                Some((scheme, rest)) => {
                    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
                    format!("{scheme}://{rest}")
                }
                // A key=value connection string may hold a password anywhere: show none of it.
                None => "PostgreSQL (a key=value connection string)".into(),
            },
        }
    }
}

/// The server's TOML configuration file. Every key is optional; `baton server`'s flags and
/// their environment variables (`BATON_LISTEN`, `BATON_DATA_DIR`...) override it.
///
/// ```toml
/// listen = "127.0.0.1:8083"
/// data_dir = "baton-data"
/// database_url = "postgres://baton@db.internal/baton"   # instead of data_dir's SQLite file
/// region = "us-east-1"
/// account = "123456789012"
/// task_workers = 4
/// credentials_file = "/etc/baton/credentials"   # AWS shared-credentials format
/// allow_unauthenticated = false
/// node_id = "baton-1"                           # among servers sharing a database
/// node_lease_seconds = 15
///
/// [credentials]                                 # or keys inline: access key id = secret
/// AKIDEXAMPLE = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Where the API listens.
    pub listen: Option<SocketAddr>,
    /// Where the data lives.
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL connection URL to keep the data in instead.
    pub database_url: Option<String>,
    /// The region in ARNs.
    pub region: Option<String>,
    /// The account in ARNs.
    pub account: Option<String>,
    /// Threads for in-process task targets.
    pub task_workers: Option<usize>,
    /// A shared-credentials file of the keys that may sign requests.
    pub credentials_file: Option<PathBuf>,
    /// Keys that may sign requests, inline.
    pub credentials: Option<std::collections::BTreeMap<String, String>>,
    /// Serve a non-loopback address without credentials.
    pub allow_unauthenticated: Option<bool>,
    /// This server's id among those sharing the database.
    pub node_id: Option<String>,
    /// How long its lease lasts without a renewal, in seconds.
    pub node_lease_seconds: Option<u64>,
}

impl FileConfig {
    /// Parses the TOML text of a configuration file.
    pub fn parse(text: &str) -> Result<FileConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

/// Reads an AWS shared-credentials file (`[profile]` sections with `aws_access_key_id` and
/// `aws_secret_access_key`): every profile's key pair.
pub fn read_credentials(text: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut key: Option<String> = None;
    let mut secret: Option<String> = None;
    let mut flush =
        |key: &mut Option<String>, secret: &mut Option<String>| match (key.take(), secret.take()) {
            (Some(k), Some(s)) => {
                out.insert(k, s);
                Ok(())
            }
            (None, None) => Ok(()),
            (Some(k), None) => Err(format!("access key {k} has no aws_secret_access_key")),
            (None, Some(_)) => Err("an aws_secret_access_key has no aws_access_key_id".to_string()),
        };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            flush(&mut key, &mut secret)?;
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!("not a 'key = value' line: {line}"));
        };
        match k.trim() {
            "aws_access_key_id" | "aws_secret_access_key" if v.trim().is_empty() => {
                return Err(format!("{} is empty", k.trim()));
            }
            "aws_access_key_id" => key = Some(v.trim().to_string()),
            "aws_secret_access_key" => secret = Some(v.trim().to_string()),
            _ => {}
        }
    }
    flush(&mut key, &mut secret)?;
    if out.is_empty() {
        return Err("no aws_access_key_id / aws_secret_access_key pair".into());
    }
    Ok(out)
}

/// The wall clock, in milliseconds since the epoch.
pub fn wall_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    })
}

/// Task targets the server runs in process. None are configured yet: such a task fails with
/// `Baton.NoTaskTarget` (catchable, as `baton run` does); activities and callbacks
/// (`.waitForTaskToken`) wait for their workers instead and never come here.
pub fn task_targets() -> TaskRunner {
    Arc::new(|request| {
        Err(StatesError::new(
            NO_TASK_TARGET,
            format!(
                "No target is configured for the resource '{}' (state '{}')",
                request.resource, request.state_name
            ),
        ))
    })
}

/// A running server.
pub struct Server {
    config: ServerConfig,
    clock: Clock,
    store: Arc<dyn Store>,
    standard: Runtime,
    express: Express,
    /// RedriveExecution's recent client tokens: (execution ARN, token, redrive date).
    redrive_tokens: std::sync::Mutex<std::collections::VecDeque<(String, String, i64)>>,
    /// Held while a RedriveExecution runs.
    redrives: std::sync::Mutex<()>,
    /// Woken when a task is added for workers (here or, on PostgreSQL, on another server):
    /// GetActivityTask's long polls wait on it.
    tasks_added: Arc<tokio::sync::Notify>,
    /// State machines recently read by StartSyncExecution, so that a start that ends in its
    /// first step needs no store access (and so no trip to the blocking pool).
    machines: std::sync::RwLock<
        std::collections::HashMap<String, (Arc<StateMachineRecord>, std::time::Instant)>,
    >,
    /// Bumped by every [`Server::forget_machines`]: a read that began before is not cached.
    machines_epoch: std::sync::atomic::AtomicU64,
    /// StartExecution requests whose first step ran on the request's thread.
    inline_starts: std::sync::atomic::AtomicU64,
}

/// How long a cached state machine is used. AWS's UpdateStateMachine is eventually consistent
/// too: "executions started immediately after calling UpdateStateMachine may use the previous
/// state machine definition". Changes through this server clear the cache at once; this
/// bounds how long a change made through another server (PostgreSQL) takes to be seen.
const MACHINE_CACHE: std::time::Duration = std::time::Duration::from_secs(1);

impl Server {
    /// Opens (or creates) the data directory's store and starts both runtimes over it with the
    /// wall clock and the server's task targets.
    pub fn start(config: ServerConfig) -> Result<Server, ServerError> {
        Self::start_with(config, task_targets(), wall_clock())
    }

    /// [`Server::start`] with other task targets and another clock (tests).
    pub fn start_with(
        config: ServerConfig,
        targets: TaskRunner,
        clock: Clock,
    ) -> Result<Server, ServerError> {
        let store: Arc<dyn Store> = match &config.database_url {
            Some(url) => Arc::new(baton_store::PostgresStore::connect(url)?),
            None => {
                std::fs::create_dir_all(&config.data_dir).map_err(|source| {
                    ServerError::DataDir {
                        path: config.data_dir.clone(),
                        source,
                    }
                })?;
                Arc::new(SqliteStore::open(config.database_path())?)
            }
        };
        let tasks_added = Arc::new(tokio::sync::Notify::new());
        let notify = Arc::clone(&tasks_added);
        store.watch_tasks(Arc::new(move |resource: &str| {
            // Only activity tasks are polled for.
            if resource.contains(":activity:") {
                notify.notify_waiters();
            }
        }));
        let runtime_clock = Arc::clone(&clock);
        let node = config.node();
        // Express first: a take-over by the Standard runtime hands it the dead node's
        // asynchronous Express starts.
        let express = Express::start_as(
            Arc::clone(&store),
            Arc::clone(&targets),
            Arc::clone(&clock),
            config.task_workers,
            Some(node.clone()),
        )?;
        let resumer = express.resumer();
        let standard = Runtime::start_with(
            Arc::clone(&store),
            targets,
            clock,
            config.task_workers,
            RuntimeOptions {
                node: Some(NodeOptions {
                    id: node,
                    lease: config.node_lease,
                }),
                // Timers are found by waiting for the next one; this only bounds a clock jump.
                timer_poll: std::time::Duration::from_millis(250),
                express_taken: Some(Arc::new(move |starts| {
                    // A start that cannot be begun now stays stored for the next restart.
                    let _ = resumer.resume(starts);
                })),
            },
        )?;
        Ok(Server {
            config,
            clock: runtime_clock,
            store,
            standard,
            express,
            redrive_tokens: std::sync::Mutex::default(),
            redrives: std::sync::Mutex::default(),
            tasks_added,
            machines: std::sync::RwLock::default(),
            machines_epoch: std::sync::atomic::AtomicU64::new(0),
            inline_starts: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Held by a RedriveExecution from its client-token check to its commit: one at a time.
    pub fn redrives_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.redrives
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The redrive date of a RedriveExecution with this client token in the last 15 minutes
    /// (the same request again: AWS answers it without redriving twice).
    pub fn redrive_by_token(&self, arn: &str, token: &str, now: i64) -> Option<i64> {
        let mut tokens = self.redrive_tokens.lock().ok()?;
        tokens.retain(|(_, _, at)| now - at < 15 * 60 * 1000);
        tokens
            .iter()
            .find(|(a, t, _)| a == arn && t == token)
            .map(|(_, _, at)| *at)
    }

    /// Remembers a redrive's client token (AWS keeps an execution's last 10).
    pub fn remember_redrive(&self, arn: &str, token: &str, at: i64) {
        if let Ok(mut tokens) = self.redrive_tokens.lock() {
            if tokens.iter().filter(|(a, _, _)| a == arn).count() >= 10
                && let Some(i) = tokens.iter().position(|(a, _, _)| a == arn)
            {
                tokens.remove(i);
            }
            tokens.push_back((arn.to_string(), token.to_string(), at));
        }
    }

    /// How it was started.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The server's clock (milliseconds since the epoch).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The runtime of Standard executions.
    pub fn standard(&self) -> &Runtime {
        &self.standard
    }

    /// A state machine read less than a second ago (see [`Server::remember_machine`]).
    pub fn cached_machine(&self, arn: &str) -> Option<Arc<StateMachineRecord>> {
        let cache = self.machines.read().ok()?;
        let (m, at) = cache.get(arn)?;
        (at.elapsed() < MACHINE_CACHE).then(|| Arc::clone(m))
    }

    /// Where the cache's changes stand: read it before reading a state machine from the store,
    /// and give it to [`Server::remember_machine`].
    pub fn machines_epoch(&self) -> u64 {
        self.machines_epoch
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Keeps a state machine as read from the store, unless a change came through this server
    /// since `epoch` (then what was read may be the older one).
    pub fn remember_machine(&self, machine: &StateMachineRecord, epoch: u64) {
        if let Ok(mut cache) = self.machines.write() {
            if self.machines_epoch() != epoch {
                return;
            }
            // Bounded: a server with very many state machines keeps only the recent ones.
            if cache.len() >= 4_096 {
                cache.retain(|_, (_, at)| at.elapsed() < MACHINE_CACHE);
                if cache.len() >= 4_096 {
                    cache.clear();
                }
            }
            cache.insert(
                machine.arn.clone(),
                (Arc::new(machine.clone()), std::time::Instant::now()),
            );
        }
    }

    /// How many StartExecution requests ran their first step on the request's thread (a
    /// cached state machine) rather than on the blocking pool.
    pub fn inline_starts(&self) -> u64 {
        self.inline_starts
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Counts a StartExecution that ran on the request's thread.
    pub fn count_inline_start(&self) {
        self.inline_starts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Forgets every cached state machine (one was created, changed or deleted).
    pub fn forget_machines(&self) {
        if let Ok(mut cache) = self.machines.write() {
            self.machines_epoch
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            cache.clear();
        }
    }

    /// Notified when a task is added for workers (activities, callbacks).
    pub fn tasks_added(&self) -> &Arc<tokio::sync::Notify> {
        &self.tasks_added
    }

    /// The runtime of Express executions.
    pub fn express(&self) -> &Express {
        &self.express
    }

    /// Stops both runtimes. Nothing is lost: every committed step is in the store, and what
    /// was in memory (queued signals, running Express starts) is recovered by the next start.
    pub fn shutdown(self) {
        self.express.shutdown();
        self.standard.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_described_without_its_password() {
        let with = |url: &str| ServerConfig {
            database_url: Some(url.into()),
            ..ServerConfig::default()
        };
        assert_eq!(
            with("postgres://baton:secret@db:5432/baton?sslmode=disable").database_description(),
            "postgres://db:5432/baton"
        );
        let text = with("host=db user=baton password=secret").database_description();
        assert!(!text.contains("secret"), "{text}");
        assert!(
            ServerConfig::default()
                .database_description()
                .ends_with("baton.db")
        );
    }
}
