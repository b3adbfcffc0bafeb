//! [`MemoryStore`]: the contract in memory, for tests and Express executions.

use crate::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct Inner {
    machines: BTreeMap<String, StateMachineRecord>,
    /// (ARN, revision id) -> the state machine at that revision.
    revisions: BTreeMap<(String, String), StateMachineRecord>,
    executions: BTreeMap<String, ExecutionRecord>,
    /// (state machine ARN, name) -> execution ARN.
    names: BTreeMap<(String, String), String>,
    history: BTreeMap<String, Vec<HistoryRecord>>,
    timers: BTreeMap<(String, u64), i64>,
    /// (fire_at, execution, timer) for due-order scans.
    timer_order: BTreeSet<(i64, String, u64)>,
    tasks: BTreeMap<String, TaskRecord>,
    activities: BTreeMap<String, ActivityRecord>,
    versions: BTreeMap<String, VersionRecord>,
    /// The last version number each state machine has used.
    version_counters: BTreeMap<String, u64>,
    aliases: BTreeMap<String, AliasRecord>,
    express_pending: BTreeMap<String, ExpressStart>,
    /// (state machine ARN, execution ARN) -> record.
    express_records: BTreeMap<(String, String), ExpressRecord>,
    map_runs: BTreeMap<String, MapRunRecord>,
    map_run_executions: BTreeMap<String, MapRunExecutionRecord>,
    /// node -> (generation, lease until; 0 once taken over).
    nodes: BTreeMap<String, (u64, i64)>,
    /// task token -> the node that dispatched it.
    task_nodes: BTreeMap<String, String>,
}

/// The whole store in one mutex: simple, and as consistent as the contract asks.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    listeners: Listeners,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Backend("a thread panicked holding the store".into()))
    }
}

fn page<T: Clone>(items: impl Iterator<Item = (String, T)>, page: Page<'_>) -> Vec<T> {
    items
        .filter(|(k, _)| page.after.is_none_or(|a| k.as_str() > a))
        .take(page.limit)
        .map(|(_, v)| v)
        .collect()
}

/// The records `keep` selects, most recent first by `key`, below the record `page.after` names
/// (as SQLite does: a page after an unknown record is empty).
fn newest_first<T: Clone>(
    records: &BTreeMap<String, T>,
    key: impl Fn(&T) -> (i64, String),
    keep: impl Fn(&T) -> bool,
    p: Page<'_>,
) -> Vec<T> {
    let below = match p.after {
        Some(a) => match records.get(a) {
            Some(e) => Some(key(e)),
            None => return Vec::new(),
        },
        None => None,
    };
    let mut out: Vec<T> = records
        .values()
        .filter(|e| keep(e) && below.as_ref().is_none_or(|b| key(e) < *b))
        .cloned()
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(key(e)));
    out.truncate(p.limit);
    out
}

impl Inner {
    /// Whether `fence` is its node's current generation.
    fn fence_holds(&self, fence: Option<&NodeFence>) -> Result<()> {
        match fence {
            Some(f) if self.nodes.get(&f.node).map(|n| n.0) != Some(f.generation) => {
                Err(StoreError::LeaseLost {
                    node: f.node.clone(),
                    generation: f.generation,
                })
            }
            _ => Ok(()),
        }
    }

    /// Whether `owner` (if any) owns the execution.
    fn owned_by(&self, arn: &str, owner: Option<&str>) -> bool {
        owner.is_none_or(|o| {
            self.executions
                .get(arn)
                .is_some_and(|e| e.owner.as_deref() == Some(o))
        })
    }

    fn check(&self, t: &Transition) -> Result<()> {
        self.fence_holds(t.node.as_ref())?;
        let ex = self
            .executions
            .get(&t.execution_arn)
            .ok_or_else(|| StoreError::NotFound(t.execution_arn.clone()))?;
        if ex.version != t.expected_version {
            return Err(StoreError::Fenced {
                arn: t.execution_arn.clone(),
                expected: t.expected_version,
                actual: ex.version,
            });
        }
        // A token names one task: a transition may not reuse a pending one.
        if let Some(task) = t.tasks_added.iter().find(|task| {
            self.tasks.contains_key(&task.token) && !t.tasks_removed.contains(&task.token)
        }) {
            return Err(StoreError::AlreadyExists(format!(
                "task token {}",
                task.token
            )));
        }
        let last = self
            .history
            .get(&t.execution_arn)
            .map_or(0, |h| h.len() as u64);
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

    fn apply(&mut self, t: &Transition) -> u64 {
        let arn = &t.execution_arn;
        self.history
            .entry(arn.clone())
            .or_default()
            .extend(t.events.iter().cloned());
        for id in &t.timers_cleared {
            if let Some(at) = self.timers.remove(&(arn.clone(), *id)) {
                self.timer_order.remove(&(at, arn.clone(), *id));
            }
        }
        for timer in &t.timers_set {
            let key = (arn.clone(), timer.timer_id);
            if let Some(old) = self.timers.insert(key, timer.fire_at_millis) {
                self.timer_order.remove(&(old, arn.clone(), timer.timer_id));
            }
            self.timer_order
                .insert((timer.fire_at_millis, arn.clone(), timer.timer_id));
        }
        for run in &t.map_runs {
            self.map_runs.insert(run.arn.clone(), run.clone());
        }
        for child in &t.map_run_executions {
            self.map_run_executions
                .insert(child.arn.clone(), child.clone());
        }
        for token in &t.tasks_removed {
            self.tasks.remove(token);
            self.task_nodes.remove(token);
        }
        for task in &t.tasks_added {
            self.tasks.insert(task.token.clone(), task.clone());
            if let Some(f) = &t.node {
                self.task_nodes.insert(task.token.clone(), f.node.clone());
            }
        }
        let Some(ex) = self.executions.get_mut(arn) else {
            return 0;
        };
        ex.version += 1;
        ex.snapshot = t.snapshot.clone();
        if let Some(f) = &t.node {
            ex.owner = Some(f.node.clone());
        }
        if let Some(r) = &t.redrive {
            ex.redrive_count = r.count;
            ex.redrive_millis = Some(r.millis);
            ex.status = ExecutionStatus::Running;
            ex.output = None;
            ex.error = None;
            ex.cause = None;
            ex.stop_millis = None;
        }
        if let Some(end) = &t.status {
            ex.status = end.status;
            ex.output = end.output.clone();
            ex.error = end.error.clone();
            ex.cause = end.cause.clone();
            ex.stop_millis = Some(end.stop_millis);
            if end.status != ExecutionStatus::Running {
                ex.owner = None;
                // An ended execution keeps no timers and no pending tasks.
                let timers: Vec<(String, u64)> = self
                    .timers
                    .keys()
                    .filter(|(a, _)| a == arn)
                    .cloned()
                    .collect();
                for key in timers {
                    if let Some(at) = self.timers.remove(&key) {
                        self.timer_order.remove(&(at, key.0, key.1));
                    }
                }
                self.tasks.retain(|_, task| &task.execution_arn != arn);
                let tasks = &self.tasks;
                self.task_nodes.retain(|token, _| tasks.contains_key(token));
            }
        }
        ex.version
    }
}

impl Store for MemoryStore {
    fn create_state_machine(&self, machine: &StateMachineRecord) -> Result<()> {
        let mut s = self.lock()?;
        if s.machines.contains_key(&machine.arn)
            || s.machines.values().any(|m| m.name == machine.name)
        {
            return Err(StoreError::AlreadyExists(machine.arn.clone()));
        }
        s.machines.insert(machine.arn.clone(), machine.clone());
        s.revisions.insert(
            (machine.arn.clone(), machine.revision_id.clone()),
            machine.clone(),
        );
        Ok(())
    }

    fn update_state_machine(&self, machine: &StateMachineRecord) -> Result<()> {
        let mut s = self.lock()?;
        match s.machines.get_mut(&machine.arn) {
            Some(m) => {
                // As SQLite does: the name, type and creation date never change.
                m.definition = machine.definition.clone();
                m.role_arn = machine.role_arn.clone();
                m.revision_id = machine.revision_id.clone();
                m.config = machine.config.clone();
                // As SQLite does: a revision, once kept, stays as it was first kept.
                let revision = m.clone();
                s.revisions
                    .entry((machine.arn.clone(), machine.revision_id.clone()))
                    .or_insert(revision);
                Ok(())
            }
            None => Err(StoreError::NotFound(machine.arn.clone())),
        }
    }

    fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>> {
        Ok(self.lock()?.machines.get(arn).cloned())
    }

    fn get_state_machine_revision(
        &self,
        arn: &str,
        revision_id: &str,
    ) -> Result<Option<StateMachineRecord>> {
        Ok(self
            .lock()?
            .revisions
            .get(&(arn.to_string(), revision_id.to_string()))
            .cloned())
    }

    fn list_state_machines(&self, p: Page<'_>) -> Result<Vec<StateMachineRecord>> {
        let s = self.lock()?;
        Ok(page(
            s.machines.iter().map(|(k, v)| (k.clone(), v.clone())),
            p,
        ))
    }

    fn delete_state_machine(&self, arn: &str) -> Result<()> {
        let mut s = self.lock()?;
        if s.machines.remove(arn).is_none() {
            return Err(StoreError::NotFound(arn.into()));
        }
        s.versions.retain(|_, v| v.state_machine_arn != arn);
        s.aliases.retain(|_, a| a.state_machine_arn != arn);
        s.version_counters.remove(arn);
        Ok(())
    }

    fn start_execution(&self, e: &NewExecution) -> Result<Started> {
        let mut s = self.lock()?;
        s.fence_holds(e.node.as_ref())?;
        let key = (e.state_machine_arn.clone(), e.name.clone());
        if let Some(existing) = s.names.get(&key).and_then(|a| s.executions.get(a)) {
            return existing_or_taken(existing.clone(), e);
        }
        if s.executions.contains_key(&e.arn) {
            return Err(StoreError::AlreadyExists(e.arn.clone()));
        }
        let record = e.record(
            1,
            e.snapshot.clone(),
            e.node.as_ref().map(|f| f.node.clone()),
            None,
        );
        s.names.insert(key, e.arn.clone());
        s.executions.insert(e.arn.clone(), record);
        if let Some(first) = &e.first {
            let first = Transition {
                execution_arn: e.arn.clone(),
                expected_version: 1,
                node: e.node.clone(),
                ..first.clone()
            };
            if let Err(err) = s.check(&first) {
                s.executions.remove(&e.arn);
                s.names
                    .remove(&(e.state_machine_arn.clone(), e.name.clone()));
                return Err(err);
            }
            s.apply(&first);
            self.listeners
                .tell(first.tasks_added.iter().map(|t| t.resource.as_str()));
        }
        let stored = s
            .executions
            .get(&e.arn)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(e.arn.clone()))?;
        Ok(Started::Created(stored))
    }

    fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        Ok(self.lock()?.executions.get(arn).cloned())
    }

    fn list_executions(
        &self,
        state_machine_arn: &str,
        status: Option<ExecutionStatus>,
        p: Page<'_>,
    ) -> Result<Vec<ExecutionRecord>> {
        let s = self.lock()?;
        Ok(newest_first(
            &s.executions,
            |e| (e.start_millis, e.arn.clone()),
            |e| e.state_machine_arn == state_machine_arn && status.is_none_or(|st| e.status == st),
            p,
        ))
    }

    fn history(&self, arn: &str, after_id: u64, limit: usize) -> Result<Vec<HistoryRecord>> {
        let s = self.lock()?;
        Ok(s.history.get(arn).map_or_else(Vec::new, |h| {
            h.iter()
                .skip(usize::try_from(after_id).unwrap_or(usize::MAX))
                .take(limit)
                .cloned()
                .collect()
        }))
    }

    fn commit(&self, batch: &[Transition]) -> Result<Vec<Result<u64>>> {
        let mut s = self.lock()?;
        let results: Vec<Result<u64>> = batch
            .iter()
            .map(|t| s.check(t).map(|()| s.apply(t)))
            .collect();
        drop(s);
        self.listeners.tell(added_resources(batch, &results));
        Ok(results)
    }

    fn join_node(&self, node: &str, _now: i64, lease_until_millis: i64) -> Result<NodeFence> {
        let mut s = self.lock()?;
        let generation = s.nodes.get(node).map_or(0, |n| n.0) + 1;
        s.nodes
            .insert(node.to_string(), (generation, lease_until_millis));
        for ex in s.executions.values_mut() {
            if ex.status == ExecutionStatus::Running && ex.owner.is_none() {
                ex.owner = Some(node.to_string());
            }
        }
        let Inner {
            tasks, task_nodes, ..
        } = &mut *s;
        for token in tasks.keys() {
            task_nodes
                .entry(token.clone())
                .or_insert_with(|| node.to_string());
        }
        Ok(NodeFence {
            node: node.to_string(),
            generation,
        })
    }

    fn renew_node(&self, fence: &NodeFence, lease_until_millis: i64) -> Result<bool> {
        let mut s = self.lock()?;
        match s.nodes.get_mut(&fence.node) {
            Some(n) if n.0 == fence.generation => {
                n.1 = lease_until_millis;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn expired_nodes(&self, now_millis: i64) -> Result<Vec<NodeFence>> {
        let s = self.lock()?;
        Ok(s.nodes
            .iter()
            .filter(|(_, (_, until))| *until > 0 && *until < now_millis)
            .map(|(node, (generation, _))| NodeFence {
                node: node.clone(),
                generation: *generation,
            })
            .collect())
    }

    fn take_over(
        &self,
        dead: &NodeFence,
        by: &NodeFence,
        now_millis: i64,
    ) -> Result<Option<TakeOver>> {
        let mut s = self.lock()?;
        s.fence_holds(Some(by))?;
        match s.nodes.get_mut(&dead.node) {
            Some(n) if n.0 == dead.generation && n.1 > 0 && n.1 < now_millis => {
                *n = (n.0 + 1, 0);
            }
            _ => return Ok(None),
        }
        let mut out = TakeOver::default();
        for ex in s.executions.values_mut() {
            if ex.status == ExecutionStatus::Running && ex.owner.as_deref() == Some(&dead.node) {
                ex.owner = Some(by.node.clone());
                out.executions.push(ex.arn.clone());
            }
        }
        // The tasks the dead node dispatched, whoever owns their execution now.
        let Inner {
            tasks, task_nodes, ..
        } = &mut *s;
        for (token, node) in task_nodes.iter_mut() {
            if *node == dead.node {
                *node = by.node.clone();
                if let Some(t) = tasks.get(token) {
                    out.tasks.push(t.clone());
                }
            }
        }
        for x in s.express_pending.values_mut() {
            if x.owner.as_deref() == Some(&dead.node) {
                x.owner = Some(by.node.clone());
                out.express.push(x.clone());
            }
        }
        Ok(Some(out))
    }

    fn due_timers(
        &self,
        owner: Option<&str>,
        until_millis: i64,
        limit: usize,
    ) -> Result<Vec<TimerRecord>> {
        let s = self.lock()?;
        Ok(s.timer_order
            .iter()
            .take_while(|(at, _, _)| *at <= until_millis)
            .filter(|(_, arn, _)| s.owned_by(arn, owner))
            .take(limit)
            .map(|(at, arn, id)| TimerRecord {
                execution_arn: arn.clone(),
                timer_id: *id,
                fire_at_millis: *at,
            })
            .collect())
    }

    fn get_task(&self, token: &str) -> Result<Option<TaskRecord>> {
        Ok(self.lock()?.tasks.get(token).cloned())
    }

    fn next_timer(&self, owner: Option<&str>, after_millis: i64) -> Result<Option<i64>> {
        let s = self.lock()?;
        Ok(s.timer_order
            .range((after_millis.saturating_add(1), String::new(), 0)..)
            .find(|(_, arn, _)| s.owned_by(arn, owner))
            .map(|(at, _, _)| *at))
    }

    fn pending_tasks(&self, owner: Option<&str>, p: Page<'_>) -> Result<Vec<TaskRecord>> {
        let s = self.lock()?;
        Ok(page(
            s.tasks
                .iter()
                .filter(|(k, _)| {
                    owner.is_none_or(|o| s.task_nodes.get(*k).map(String::as_str) == Some(o))
                })
                .map(|(k, v)| (k.clone(), v.clone())),
            p,
        ))
    }

    fn take_task(&self, resource: &str, worker: &str) -> Result<Option<TaskRecord>> {
        let mut s = self.lock()?;
        let oldest = s
            .tasks
            .values()
            .filter(|t| t.resource == resource && t.worker.is_none())
            .min_by(|a, b| (a.created_millis, &a.token).cmp(&(b.created_millis, &b.token)))
            .map(|t| t.token.clone());
        Ok(oldest.and_then(|token| {
            s.tasks.get_mut(&token).map(|t| {
                t.worker = Some(worker.to_string());
                t.clone()
            })
        }))
    }

    fn watch_tasks(&self, listener: TaskListener) {
        self.listeners.add(listener);
    }

    fn enqueue_express(&self, starts: &[ExpressStart]) -> Result<()> {
        let mut s = self.lock()?;
        if let Some(dup) = starts
            .iter()
            .enumerate()
            .find(|(i, x)| {
                s.express_pending.contains_key(&x.arn)
                    || starts[..*i].iter().any(|y| y.arn == x.arn)
            })
            .map(|(_, x)| x.arn.clone())
        {
            return Err(StoreError::AlreadyExists(dup));
        }
        for x in starts {
            s.express_pending.insert(x.arn.clone(), x.clone());
        }
        Ok(())
    }

    fn pending_express(&self, owner: Option<&str>, p: Page<'_>) -> Result<Vec<ExpressStart>> {
        let s = self.lock()?;
        Ok(page(
            s.express_pending
                .iter()
                .filter(|(_, x)| {
                    owner.is_none() || x.owner.is_none() || x.owner.as_deref() == owner
                })
                .map(|(k, v)| (k.clone(), v.clone())),
            p,
        ))
    }

    fn finish_express(&self, done: &[(String, Option<ExpressRecord>)]) -> Result<()> {
        let mut s = self.lock()?;
        for (arn, record) in done {
            s.express_pending.remove(arn);
            if let Some(r) = record {
                s.express_records
                    .insert((r.state_machine_arn.clone(), r.arn.clone()), r.clone());
            }
        }
        Ok(())
    }

    fn get_map_run(&self, arn: &str) -> Result<Option<MapRunRecord>> {
        Ok(self.lock()?.map_runs.get(arn).cloned())
    }

    fn list_map_runs(&self, execution_arn: &str, p: Page<'_>) -> Result<Vec<MapRunRecord>> {
        let s = self.lock()?;
        Ok(page(
            s.map_runs
                .iter()
                .filter(|(_, r)| r.execution_arn == execution_arn)
                .map(|(a, r)| (a.clone(), r.clone())),
            p,
        ))
    }

    fn get_map_run_execution(&self, arn: &str) -> Result<Option<MapRunExecutionRecord>> {
        Ok(self.lock()?.map_run_executions.get(arn).cloned())
    }

    fn list_map_run_executions(
        &self,
        map_run_arn: &str,
        status: Option<ExecutionStatus>,
        p: Page<'_>,
    ) -> Result<Vec<MapRunExecutionRecord>> {
        let s = self.lock()?;
        Ok(newest_first(
            &s.map_run_executions,
            |e| (e.start_millis, e.arn.clone()),
            |e| e.map_run_arn == map_run_arn && status.is_none_or(|st| e.status == st),
            p,
        ))
    }

    fn express_records(&self, state_machine_arn: &str, p: Page<'_>) -> Result<Vec<ExpressRecord>> {
        let s = self.lock()?;
        Ok(page(
            s.express_records
                .range((state_machine_arn.to_string(), String::new())..)
                .take_while(|((m, _), _)| m == state_machine_arn)
                .map(|((_, a), r)| (a.clone(), r.clone())),
            p,
        ))
    }

    fn create_activity(&self, activity: &ActivityRecord) -> Result<()> {
        let mut s = self.lock()?;
        if s.activities.contains_key(&activity.arn) {
            return Err(StoreError::AlreadyExists(activity.arn.clone()));
        }
        s.activities.insert(activity.arn.clone(), activity.clone());
        Ok(())
    }

    fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>> {
        Ok(self.lock()?.activities.get(arn).cloned())
    }

    fn list_activities(&self, p: Page<'_>) -> Result<Vec<ActivityRecord>> {
        let s = self.lock()?;
        Ok(page(
            s.activities.iter().map(|(k, v)| (k.clone(), v.clone())),
            p,
        ))
    }

    fn update_activity(&self, activity: &ActivityRecord) -> Result<()> {
        match self.lock()?.activities.get_mut(&activity.arn) {
            Some(a) => {
                a.config = activity.config.clone();
                Ok(())
            }
            None => Err(StoreError::NotFound(activity.arn.clone())),
        }
    }

    fn delete_activity(&self, arn: &str) -> Result<()> {
        self.lock()?.activities.remove(arn);
        Ok(())
    }

    fn publish_version(
        &self,
        state_machine_arn: &str,
        description: Option<&str>,
        created_millis: i64,
    ) -> Result<VersionRecord> {
        let mut s = self.lock()?;
        let machine = s
            .machines
            .get(state_machine_arn)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(state_machine_arn.to_string()))?;
        let newest = s
            .versions
            .values()
            .filter(|v| v.state_machine_arn == state_machine_arn)
            .max_by_key(|v| v.version)
            .cloned();
        if let Some(v) = newest.filter(|v| v.revision_id == machine.revision_id) {
            return Ok(v);
        }
        let n = s
            .version_counters
            .get(state_machine_arn)
            .copied()
            .unwrap_or(0)
            + 1;
        s.version_counters.insert(state_machine_arn.to_string(), n);
        let v = VersionRecord {
            arn: format!("{state_machine_arn}:{n}"),
            state_machine_arn: state_machine_arn.to_string(),
            version: n,
            revision_id: machine.revision_id,
            description: description.map(str::to_string),
            created_millis,
        };
        s.versions.insert(v.arn.clone(), v.clone());
        Ok(v)
    }

    fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>> {
        Ok(self.lock()?.versions.get(arn).cloned())
    }

    fn list_versions(&self, state_machine_arn: &str, p: Page<'_>) -> Result<Vec<VersionRecord>> {
        let s = self.lock()?;
        let below = p
            .after
            .and_then(|a| s.versions.get(a))
            .map_or(u64::MAX, |v| v.version);
        let mut out: Vec<VersionRecord> = s
            .versions
            .values()
            .filter(|v| v.state_machine_arn == state_machine_arn && v.version < below)
            .cloned()
            .collect();
        out.sort_by_key(|v| std::cmp::Reverse(v.version));
        out.truncate(p.limit);
        Ok(out)
    }

    fn delete_version(&self, arn: &str) -> Result<()> {
        self.lock()?.versions.remove(arn);
        Ok(())
    }

    fn create_alias(&self, alias: &AliasRecord) -> Result<()> {
        let mut s = self.lock()?;
        if s.aliases.contains_key(&alias.arn) {
            return Err(StoreError::AlreadyExists(alias.arn.clone()));
        }
        s.aliases.insert(alias.arn.clone(), alias.clone());
        Ok(())
    }

    fn update_alias(&self, alias: &AliasRecord) -> Result<()> {
        match self.lock()?.aliases.get_mut(&alias.arn) {
            Some(a) => {
                a.description = alias.description.clone();
                a.routing = alias.routing.clone();
                a.updated_millis = alias.updated_millis;
                Ok(())
            }
            None => Err(StoreError::NotFound(alias.arn.clone())),
        }
    }

    fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>> {
        Ok(self.lock()?.aliases.get(arn).cloned())
    }

    fn list_aliases(&self, state_machine_arn: &str, p: Page<'_>) -> Result<Vec<AliasRecord>> {
        let s = self.lock()?;
        Ok(page(
            s.aliases
                .iter()
                .filter(|(_, a)| a.state_machine_arn == state_machine_arn)
                .map(|(k, v)| (k.clone(), v.clone())),
            p,
        ))
    }

    fn delete_alias(&self, arn: &str) -> Result<()> {
        self.lock()?.aliases.remove(arn);
        Ok(())
    }
}
