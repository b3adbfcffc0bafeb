//! The runtime that drives durable executions: one stepping thread that commits the steps of many
//! executions per transaction (group commit: whatever is ready while the previous batch commits
//! goes into the next), a pool of threads that run in-process tasks, and a timer thread that
//! delivers due timers from the store.
//!
//! Everything it holds in memory can be lost at any moment: executions live in the store, tasks
//! are recorded with the step that schedules them (and dispatched again by a new runtime), and
//! timers are read from the store. One execution is stepped by one thread at a time, so steps are
//! never fenced in normal operation; a fenced step (another node) has its signals delivered again.

use crate::StatesError;
use crate::durable::{Dispatch, Durable, DurableError, Result, Step};
use crate::execution::{Signal, TaskRequest};
use baton_json::Json;
use baton_store::{ExecutionRecord, StateMachineRecord, Store, StoreError};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Runs an in-process task: its output, or its error.
pub type TaskRunner =
    Arc<dyn Fn(&TaskRequest) -> std::result::Result<Json, StatesError> + Send + Sync>;

/// The runtime's clock, in milliseconds since the epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The most executions one transaction commits.
const MAX_BATCH: usize = 500;

/// A signal waiting for its execution, with the task record it finishes (if any).
type Mail = (Signal, Option<String>);

#[derive(Default)]
struct Queues {
    /// Signals waiting per execution, each with the task record it finishes.
    mailboxes: BTreeMap<String, Vec<Mail>>,
    /// Executions with signals waiting, first come first served (each once).
    ready: VecDeque<String>,
    /// Executions being stepped now.
    busy: HashSet<String>,
    /// In-process tasks to run.
    tasks: VecDeque<Dispatch>,
    /// Timers delivered but not yet committed as fired.
    timers_in_flight: HashSet<(String, u64)>,
}

impl Queues {
    /// Adds a signal to an execution's mailbox (and the execution to the ready queue).
    fn push(&mut self, arn: &str, mail: Mail) {
        match self.mailboxes.get_mut(arn) {
            Some(mailbox) => mailbox.push(mail),
            None => {
                self.mailboxes.insert(arn.to_string(), vec![mail]);
                self.ready.push_back(arn.to_string());
            }
        }
    }

    /// Puts signals that could not be committed back in front of any that came since.
    fn requeue(&mut self, arn: String, mut signals: Vec<Mail>) {
        match self.mailboxes.get_mut(&arn) {
            Some(mailbox) => {
                signals.append(mailbox);
                *mailbox = signals;
            }
            None => {
                self.mailboxes.insert(arn.clone(), signals);
                self.ready.push_front(arn);
            }
        }
    }

    /// Takes up to `limit` executions that are not being stepped, oldest first.
    fn take_ready(&mut self, limit: usize) -> Vec<(String, Vec<Mail>)> {
        let mut out = Vec::new();
        let mut busy = Vec::new();
        while out.len() < limit {
            let Some(arn) = self.ready.pop_front() else {
                break;
            };
            if self.busy.contains(&arn) {
                busy.push(arn);
                continue;
            }
            if let Some(signals) = self.mailboxes.remove(&arn) {
                self.busy.insert(arn.clone());
                out.push((arn, signals));
            }
        }
        self.ready.extend(busy);
        out
    }
}

/// Which version or alias an execution was started through (StartExecution with their ARN).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartedVia {
    /// The version that runs, if one was named (directly, or chosen by the alias).
    pub version_arn: Option<String>,
    /// The alias named, if any.
    pub alias_arn: Option<String>,
}

/// A start waiting for the starter thread, with where to send its result.
struct QueuedStart {
    /// Its first step, run on the caller's thread (so that callers compute theirs side by
    /// side while the starter thread commits).
    prepared: crate::durable::PreparedStart,
    reply: StartReply,
}

/// Where a queued start's result goes: called once, on the starter thread, so it must not
/// block (send it on a channel).
pub type StartReply = Box<dyn FnOnce(Result<Step>) + Send>;

/// Hands a start its result. A reply that panics fails its own caller only (its channel is
/// dropped), never the starter thread that every later start waits for.
fn answer(reply: StartReply, result: Result<Step>) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || reply(result)));
}

/// Told the asynchronous Express starts of a node this one took over (to run them again).
pub type ExpressTaken = Arc<dyn Fn(Vec<baton_store::ExpressStart>) + Send + Sync>;

/// How a runtime runs: as a node among several sharing the store, and how often it looks for
/// timers when nothing tells it of one.
#[derive(Clone)]
pub struct RuntimeOptions {
    /// Join the store as this node (see [`NodeOptions`]); `None`: the only runtime on its
    /// store, which reads every timer and task.
    pub node: Option<NodeOptions>,
    /// The longest the timer thread sleeps without looking at the store. It otherwise sleeps
    /// until the next timer of its own executions falls due or a commit of this runtime sets
    /// one earlier, so this only bounds how late a timer can be when the clock jumps.
    pub timer_poll: Duration,
    /// Where a take-over's Express starts go (the Express runtime of the same node).
    pub express_taken: Option<ExpressTaken>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            node: None,
            timer_poll: Duration::from_millis(5),
            express_taken: None,
        }
    }
}

/// A node's identity and lease.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// Unique among the nodes sharing the store; a node started again with the same id takes
    /// its own executions back at once.
    pub id: String,
    /// How long the lease lasts without a renewal (renewed every third of it). Another node
    /// takes this one's executions over once it has run out.
    pub lease: Duration,
}

struct Shared {
    durable: Durable,
    /// Bumped (and notified) when something may have set a timer earlier than the timer
    /// thread knows of: a commit of this runtime, a take-over.
    timers_changed: Mutex<u64>,
    timers_wake: Condvar,
    /// The node's lease thread waits here between renewals.
    lease_wake: Condvar,
    lease_lock: Mutex<()>,
    options: RuntimeOptions,
    /// Executions taken over from nodes whose lease ran out.
    taken_over: std::sync::atomic::AtomicU64,
    queues: Mutex<Queues>,
    wake: Condvar,
    /// Starts from concurrent callers, committed together by the starter thread.
    starts: Mutex<Vec<QueuedStart>>,
    starts_wake: Condvar,
    clock: Clock,
    runner: TaskRunner,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queues> {
        // A panicking thread cannot leave the queues half-changed in a way that matters: take
        // them as they are.
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn enqueue(&self, arn: &str, signal: Signal, done: Option<String>) {
        self.lock().push(arn, (signal, done));
        self.wake.notify_all();
    }

    /// Tells the timer thread to look again.
    fn timers_changed(&self) {
        *self
            .timers_changed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.timers_wake.notify_all();
    }

    fn dispatch(&self, tasks: Vec<Dispatch>) {
        if tasks.is_empty() {
            return;
        }
        self.lock().tasks.extend(tasks);
        self.wake.notify_all();
    }
}

/// A running runtime; [`Runtime::shutdown`] (or dropping it) stops its threads.
pub struct Runtime {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Runtime {
    /// Starts a runtime over `store` with `workers` task threads, and dispatches again the tasks
    /// a previous runtime left unanswered.
    pub fn start(
        store: Arc<dyn Store>,
        runner: TaskRunner,
        clock: Clock,
        workers: usize,
    ) -> Result<Runtime> {
        Self::start_with(store, runner, clock, workers, RuntimeOptions::default())
    }

    /// [`Runtime::start`] with options: as a node sharing the store with others, it joins
    /// first and dispatches again only the tasks of the executions it owns; a lease thread
    /// renews its lease and takes over the executions of nodes whose lease ran out.
    pub fn start_with(
        store: Arc<dyn Store>,
        runner: TaskRunner,
        clock: Clock,
        workers: usize,
        options: RuntimeOptions,
    ) -> Result<Runtime> {
        let durable = Durable::new(store);
        if let Some(node) = &options.node {
            durable.join(&node.id, node.lease)?;
        }
        let shared = Arc::new(Shared {
            durable,
            timers_changed: Mutex::new(0),
            timers_wake: Condvar::new(),
            lease_wake: Condvar::new(),
            lease_lock: Mutex::new(()),
            options,
            taken_over: std::sync::atomic::AtomicU64::new(0),
            queues: Mutex::new(Queues::default()),
            wake: Condvar::new(),
            clock,
            runner,
            stop: AtomicBool::new(false),
            starts: Mutex::new(Vec::new()),
            starts_wake: Condvar::new(),
        });
        let pending = shared.durable.pending_dispatches()?;
        shared.dispatch(pending);
        let mut threads = Vec::new();
        let s = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || stepper(&s)));
        let s = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || timers(&s)));
        let s = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || starter(&s)));
        if shared.options.node.is_some() {
            let s = Arc::clone(&shared);
            threads.push(std::thread::spawn(move || leases(&s)));
        }
        for _ in 0..workers.max(1) {
            let s = Arc::clone(&shared);
            threads.push(std::thread::spawn(move || worker(&s)));
        }
        Ok(Runtime { shared, threads })
    }

    /// The durable layer (and through it, the store).
    pub fn durable(&self) -> &Durable {
        &self.shared.durable
    }

    /// How many executions this runtime took over from nodes whose lease ran out.
    pub fn taken_over(&self) -> u64 {
        self.shared.taken_over.load(Ordering::SeqCst)
    }

    /// Starts an execution (idempotently) and hands its first tasks to the workers.
    pub fn start_execution(
        &self,
        machine: &StateMachineRecord,
        name: &str,
        input: &str,
        seed: u64,
    ) -> Result<ExecutionRecord> {
        let now = (self.shared.clock)();
        let step = self.shared.durable.start(machine, name, input, now, seed)?;
        self.shared.dispatch(step.dispatch);
        self.shared.timers_changed();
        Ok(step.execution)
    }

    /// Starts several executions of `machine` (each idempotently) in one transaction, and
    /// hands their first tasks to the workers. `starts` are (name, input, seed); the results
    /// come in the same order, each succeeding or failing alone ([`Step::existed`] tells an
    /// idempotent start from a new one; its tasks are with the workers already).
    pub fn start_executions(
        &self,
        machine: &StateMachineRecord,
        starts: &[(String, String, u64)],
    ) -> Result<Vec<Result<Step>>> {
        let now = (self.shared.clock)();
        let mut prepared = Vec::with_capacity(starts.len());
        let mut out: Vec<Option<Result<Step>>> = Vec::with_capacity(starts.len());
        for (name, input, seed) in starts {
            match self
                .shared
                .durable
                .prepare_start(machine, name, input, now, *seed)
            {
                Ok(p) => {
                    prepared.push(p);
                    out.push(None);
                }
                Err(e) => out.push(Some(Err(e))),
            }
        }
        let mut stored = self.shared.durable.start_batch(prepared)?.into_iter();
        let mut dispatch = Vec::new();
        let results = out
            .into_iter()
            .map(|slot| match slot {
                Some(err) => err,
                None => match stored.next() {
                    Some(Ok(mut step)) => {
                        dispatch.append(&mut step.dispatch);
                        Ok(step)
                    }
                    Some(Err(e)) => Err(e),
                    None => Err(DurableError::Store(StoreError::Backend(
                        "the store returned fewer start results than starts".into(),
                    ))),
                },
            })
            .collect();
        self.shared.dispatch(dispatch);
        self.shared.timers_changed();
        Ok(results)
    }

    /// Starts one execution (idempotently) and returns once it is stored. Starts from callers
    /// on other threads that arrive meanwhile share its transaction (group commit), so many
    /// concurrent StartExecution requests cost a few fsyncs, not one each.
    pub fn start_execution_grouped(
        &self,
        machine: &StateMachineRecord,
        name: &str,
        input: &str,
        seed: u64,
        via: StartedVia,
    ) -> Result<Step> {
        let (reply, answer) = std::sync::mpsc::channel();
        self.start_execution_queued(
            machine,
            name,
            input,
            seed,
            via,
            Box::new(move |result| {
                let _ = reply.send(result);
            }),
        )?;
        answer
            .recv()
            .map_err(|_| DurableError::Unavailable("the runtime stopped".into()))?
    }

    /// [`Runtime::start_execution_grouped`] for callers that must not wait (an asynchronous
    /// request handler): runs the first step here, queues the start for the starter thread
    /// and returns; `reply` gets the result once it is stored. `Err` (and `reply` dropped
    /// uncalled) when the start is refused before it is queued (its name, its input).
    pub fn start_execution_queued(
        &self,
        machine: &StateMachineRecord,
        name: &str,
        input: &str,
        seed: u64,
        via: StartedVia,
        reply: StartReply,
    ) -> Result<()> {
        let now = (self.shared.clock)();
        // The core runs the first step here: if it panics, this start fails alone.
        let mut prepared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.shared
                .durable
                .prepare_start(machine, name, input, now, seed)
        }))
        .unwrap_or_else(|_| {
            Err(DurableError::Unavailable(
                "Baton could not start this execution (an internal error)".into(),
            ))
        })?;
        prepared.execution.version_arn = via.version_arn;
        prepared.execution.alias_arn = via.alias_arn;
        self.shared
            .starts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(QueuedStart { prepared, reply });
        self.shared.starts_wake.notify_one();
        if self.shared.stop.load(Ordering::SeqCst) {
            // The starter thread may have answered what it left already: answer the rest.
            let left =
                std::mem::take(&mut *self.shared.starts.lock().unwrap_or_else(|p| p.into_inner()));
            for s in left {
                answer(
                    s.reply,
                    Err(DurableError::Unavailable("the runtime stopped".into())),
                );
            }
        }
        Ok(())
    }

    /// Delivers a signal now and commits its step before returning (StopExecution): the
    /// caller sees the execution as it stands afterwards. A step fenced by the stepper (which
    /// moved the execution on meanwhile) is computed again from the newer version.
    pub fn signal_now(&self, arn: &str, signal: Signal) -> Result<Step> {
        self.retry_fenced(|| {
            let now = (self.shared.clock)();
            self.shared.durable.signal(arn, signal.clone(), now)
        })
    }

    /// Finishes the task a token names (SendTaskSuccess / SendTaskFailure) and commits the step
    /// before returning; the tasks it schedules go to the workers.
    pub fn complete(
        &self,
        token: &str,
        result: std::result::Result<Json, StatesError>,
    ) -> Result<Step> {
        self.retry_fenced(|| {
            let now = (self.shared.clock)();
            self.shared.durable.complete(token, result.clone(), now)
        })
    }

    /// Redrives an ended execution (RedriveExecution) and commits the step before returning;
    /// the tasks it schedules go to the workers, its timers to the timer thread.
    pub fn redrive(&self, arn: &str) -> Result<Step> {
        self.retry_fenced(|| {
            let now = (self.shared.clock)();
            self.shared.durable.redrive(arn, now)
        })
    }

    fn retry_fenced(&self, step: impl Fn() -> Result<Step>) -> Result<Step> {
        // The stepper may move the execution on meanwhile; back off (1, 2, 4... 32 ms) for up
        // to about 5 s before giving up.
        let mut attempts = 0u32;
        loop {
            match step() {
                Err(DurableError::Store(StoreError::Fenced { .. })) if attempts < 160 => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(1 << attempts.min(5)));
                }
                Ok(step) => {
                    self.shared.dispatch(step.dispatch.clone());
                    self.shared.timers_changed();
                    return Ok(step);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Delivers a signal to an execution (a task answer from outside, `StopExecution`...).
    pub fn signal(&self, arn: &str, signal: Signal) {
        self.shared.enqueue(arn, signal, None);
    }

    /// Stops the threads (what they hold in memory is lost; the store has everything).
    pub fn shutdown(mut self) {
        self.stop_threads();
    }

    fn stop_threads(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Under each condvar's lock, so that a thread between its check of `stop` and its wait
        // cannot miss the wakeup.
        drop(self.shared.lock());
        self.shared.wake.notify_all();
        drop(
            self.shared
                .timers_changed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        self.shared.timers_wake.notify_all();
        drop(
            self.shared
                .lease_lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        self.shared.lease_wake.notify_all();
        let joined = !self.threads.is_empty();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        if joined && self.shared.options.node.is_some() {
            // Nothing of this runtime runs any more: its executions may go at once.
            let _ = self.shared.durable.leave();
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop_threads();
    }
}

/// Steps every execution with signals waiting, commits them as one batch, then releases what
/// the committed steps asked for.
fn stepper(shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let batch: Vec<(String, Vec<Mail>)> = {
            let mut q = shared.lock();
            let batch = q.take_ready(MAX_BATCH);
            if batch.is_empty() {
                let _ = shared.wake.wait_timeout(q, Duration::from_millis(50));
                continue;
            }
            batch
        };
        let now = (shared.clock)();
        let mut prepared = Vec::new();
        let mut delivered = Vec::new();
        let mut retry = Vec::new();
        for (arn, signals) in batch {
            let fired: Vec<u64> = signals
                .iter()
                .filter_map(|(s, _)| match s {
                    Signal::TimerFired { timer } => Some(*timer),
                    _ => None,
                })
                .collect();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                shared.durable.prepare(&arn, signals.clone(), now)
            }));
            match outcome {
                Ok(Ok(Some(p))) => {
                    prepared.push(p);
                    delivered.push((arn, signals, fired));
                }
                // A store that failed may answer next time: keep the signals.
                Ok(Err(DurableError::Store(_))) => retry.push((arn, signals, fired)),
                // Ended or unknown executions drop their signals.
                Ok(Ok(None)) | Ok(Err(DurableError::NotFound(_))) => {
                    delivered.push((arn, Vec::new(), fired));
                }
                // An execution that cannot be stepped (its snapshot or definition unreadable, or
                // the core panicked) is quarantined: its timers stay in flight so that they are
                // not delivered again and again, and its signals are dropped.
                Ok(Err(_)) | Err(_) => delivered.push((arn, Vec::new(), Vec::new())),
            }
        }
        let results = shared.durable.commit_batch(prepared);
        let batch_failed = results.is_err();
        let mut q = shared.lock();
        let mut outcomes = match results {
            Ok(r) => r.into_iter().map(Some).collect::<Vec<_>>(),
            // The whole batch failed (the store is down): deliver everything again later.
            Err(_) => Vec::new(),
        }
        .into_iter();
        let store_failed = batch_failed || !retry.is_empty();
        for (arn, signals, fired) in retry {
            q.busy.remove(&arn);
            for timer in fired {
                q.timers_in_flight.remove(&(arn.clone(), timer));
            }
            q.requeue(arn, signals);
        }
        for (arn, signals, fired) in delivered {
            q.busy.remove(&arn);
            for timer in fired {
                q.timers_in_flight.remove(&(arn.clone(), timer));
            }
            if signals.is_empty() {
                continue;
            }
            match outcomes.next().flatten() {
                Some(Ok(committed)) => q.tasks.extend(committed.dispatch),
                // Nothing was written: fenced by another node, or the whole batch failed. The
                // signals wait for the next round.
                // Or refused because this node's lease was taken over twice in a row: it
                // joins again and the signals go round once more.
                Some(Err(DurableError::Store(
                    StoreError::Fenced { .. } | StoreError::LeaseLost { .. },
                )))
                | None => {
                    q.requeue(arn, signals);
                }
                // Rejected for good (a history gap, a task token in use): retrying cannot help.
                Some(Err(_)) => {}
            }
        }
        drop(q);
        shared.wake.notify_all();
        shared.timers_changed();
        if store_failed {
            // Do not spin against a store that is failing.
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Commits the starts callers queued, all that came while the previous batch committed in one
/// transaction, and answers each caller. When the runtime stops, the starts still queued are
/// answered with an error (their callers would wait forever otherwise).
fn starter(shared: &Shared) {
    starter_loop(shared);
    let left: Vec<QueuedStart> =
        std::mem::take(&mut *shared.starts.lock().unwrap_or_else(|p| p.into_inner()));
    for s in left {
        answer(
            s.reply,
            Err(DurableError::Unavailable("the runtime stopped".into())),
        );
    }
}

/// Takes up to `max` queued items, waiting up to 50 ms for one when there are none: what
/// came while the previous batch was being stored is the next batch (group commit).
pub(crate) fn take_batch<T>(queue: &Mutex<Vec<T>>, wake: &Condvar, max: usize) -> Vec<T> {
    let mut q = queue.lock().unwrap_or_else(|p| p.into_inner());
    if q.is_empty() {
        q = wake
            .wait_timeout(q, Duration::from_millis(50))
            .map_or_else(|p| p.into_inner().0, |(g, _)| g);
    }
    let n = q.len().min(max);
    q.drain(..n).collect()
}

fn starter_loop(shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let batch = take_batch(&shared.starts, &shared.starts_wake, MAX_BATCH);
        if batch.is_empty() {
            continue;
        }
        let (prepared, waiting): (Vec<_>, Vec<_>) =
            batch.into_iter().map(|s| (s.prepared, s.reply)).unzip();
        // Only starts that set a timer have something for the timer thread to look at (its
        // two queries are wasted on the others, which most starts are).
        let sets_timers = prepared.iter().any(|p| {
            p.execution
                .first
                .as_ref()
                .is_some_and(|t| !t.timers_set.is_empty())
        });
        let stored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            shared.durable.start_batch(prepared)
        }))
        .unwrap_or_else(|_| {
            Err(DurableError::Store(StoreError::Backend(
                "the store failed (an internal error)".into(),
            )))
        });
        match stored {
            Ok(results) => {
                let mut dispatch = Vec::new();
                for (result, reply) in results.into_iter().zip(waiting) {
                    let result = result.map(|mut step| {
                        dispatch.append(&mut step.dispatch);
                        step
                    });
                    answer(reply, result);
                }
                shared.dispatch(dispatch);
                if sets_timers {
                    shared.timers_changed();
                }
            }
            Err(e) => {
                let message = e.to_string();
                for reply in waiting {
                    answer(
                        reply,
                        Err(DurableError::Store(StoreError::Backend(message.clone()))),
                    );
                }
            }
        }
    }
}

/// Runs in-process tasks and hands their answers to the stepper.
fn worker(shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let task = {
            let mut q = shared.lock();
            match q.tasks.pop_front() {
                Some(t) => t,
                None => {
                    let _ = shared.wake.wait_timeout(q, Duration::from_millis(50));
                    continue;
                }
            }
        };
        let signal = run_task(&shared.runner, &task.request);
        let done = crate::durable::task_token(&task.execution_arn, task.request.task, None);
        shared.enqueue(&task.execution_arn, signal, Some(done));
    }
}

/// 64 bits from the operating system's random source (seeds of executions, so that their task
/// tokens cannot be guessed); the clock's nanoseconds if it cannot be read.
pub fn os_random() -> u64 {
    use std::io::Read as _;
    let mut bytes = [0u8; 8];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    }
}

/// Runs an in-process task to its answer. A target that panics fails its task instead of
/// taking the worker down.
pub(crate) fn run_task(runner: &TaskRunner, request: &TaskRequest) -> Signal {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner(request)))
        .unwrap_or_else(|_| {
            Err(StatesError::new(
                "States.TaskFailed",
                "The task's target panicked.",
            ))
        });
    Signal::task_result(request.task, result)
}

/// Delivers the store's due timers (of this node's executions, when it is a node), then
/// sleeps until the next one falls due, a commit of this runtime may have set an earlier one,
/// or `timer_poll` has passed.
fn timers(shared: &Shared) {
    let owner = shared.options.node.as_ref().map(|n| n.id.clone());
    let owner = owner.as_deref();
    while !shared.stop.load(Ordering::SeqCst) {
        let seen = *shared
            .timers_changed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = (shared.clock)();
        let mut wait = shared.options.timer_poll;
        // Timers in flight (being committed, or of quarantined executions) come back in the
        // page: read past them.
        let in_flight = shared.lock().timers_in_flight.len();
        let limit = 1_000 + in_flight;
        if let Ok(due) = shared.durable.store().due_timers(owner, now, limit) {
            let full = due.len() == limit;
            let mut q = shared.lock();
            for t in due {
                if q.timers_in_flight
                    .insert((t.execution_arn.clone(), t.timer_id))
                {
                    q.push(
                        &t.execution_arn,
                        (Signal::TimerFired { timer: t.timer_id }, None),
                    );
                }
            }
            drop(q);
            shared.wake.notify_all();
            if full {
                // More are due: read on when the commits of these say so (or after
                // `timer_poll`).
            } else if let Ok(Some(next)) = shared.durable.store().next_timer(owner, now) {
                let until = u64::try_from(next.saturating_sub(now)).unwrap_or(0);
                wait = wait.min(Duration::from_millis(until));
            }
        }
        let changed = shared
            .timers_changed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *changed == seen && !shared.stop.load(Ordering::SeqCst) {
            let _ = shared.timers_wake.wait_timeout(changed, wait);
        }
    }
}

/// Renews the node's lease every third of it (joining again if it was taken over) and takes
/// over the executions of nodes whose lease ran out, dispatching their in-process tasks again.
fn leases(shared: &Shared) {
    let Some(node) = shared.options.node.as_ref() else {
        return;
    };
    let every = (node.lease / 3).max(Duration::from_millis(10));
    let mut healthy_since: Option<std::time::Instant> = None;
    let mut last_round = std::time::Instant::now();
    while !shared.stop.load(Ordering::SeqCst) {
        // A round far later than planned means this process was paused (or starved): its
        // view of who is alive is stale, so it waits a lease again before taking over.
        if last_round.elapsed() > every * 2 {
            healthy_since = None;
        }
        last_round = std::time::Instant::now();
        // A failing store is tried again next round; the lease may run out meanwhile, and
        // then the commits are refused until it is back.
        match shared.durable.renew() {
            Ok(_) => {
                healthy_since.get_or_insert_with(std::time::Instant::now);
            }
            Err(_) => healthy_since = None,
        }
        // Only a node that has held its own lease for a whole lease takes others over: after
        // an outage of the database (or a pause of this node), the others get a chance to
        // renew first instead of all being taken over by whoever came back first.
        let steady = healthy_since.is_some_and(|t| t.elapsed() >= node.lease);
        if let Some(taken) = steady
            .then(|| shared.durable.take_over_expired().ok())
            .flatten()
        {
            if !taken.executions.is_empty() {
                shared
                    .taken_over
                    .fetch_add(taken.executions.len() as u64, Ordering::SeqCst);
                shared.dispatch(crate::durable::dispatches(&taken.tasks));
                shared.timers_changed();
            }
            if !taken.express.is_empty()
                && let Some(run) = &shared.options.express_taken
            {
                run(taken.express);
            }
        }
        let guard = shared
            .lease_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !shared.stop.load(Ordering::SeqCst) {
            let _ = shared.lease_wake.wait_timeout(guard, every);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(n: u64) -> Mail {
        (Signal::TimerFired { timer: n }, None)
    }

    #[test]
    fn executions_are_served_first_come_first_served() {
        let mut q = Queues::default();
        q.push("c", timer(1));
        q.push("a", timer(2));
        q.push("c", timer(3));
        q.push("b", timer(4));
        let first = q.take_ready(2);
        assert_eq!(
            first
                .iter()
                .map(|(a, m)| (a.as_str(), m.len()))
                .collect::<Vec<_>>(),
            [("c", 2), ("a", 1)]
        );
        // While `c` is being stepped, a new signal for it waits behind `b`.
        q.push("c", timer(5));
        let next = q.take_ready(10);
        assert_eq!(
            next.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
        q.busy.remove("c");
        // Signals that could not be committed go back in front of newer ones.
        q.requeue("c".into(), vec![timer(1), timer(3)]);
        let again = q.take_ready(10);
        let timers: Vec<u64> = again[0]
            .1
            .iter()
            .filter_map(|(s, _)| match s {
                Signal::TimerFired { timer } => Some(*timer),
                _ => None,
            })
            .collect();
        assert_eq!((again[0].0.as_str(), timers), ("c", vec![1, 3, 5]));
    }
}
