//! Best-practice warnings. Each lint has a stable code and a page under `docs/lints/` that says
//! why it matters and how to fix it.
//!
//! A lint can be silenced for one state by writing `baton:allow(CODE)` (several codes separated
//! by commas) in that state's `Comment`: the definition stays valid ASL that AWS accepts.

use crate::diagnostic::Diagnostic;
use crate::model::*;
use baton_json::Json as Value;

/// A Task without `TimeoutSeconds`: it can wait for 99,999,999 seconds.
pub const TASK_TIMEOUT: &str = "TASK_TIMEOUT";
/// A callback (`.waitForTaskToken`) or activity Task without `HeartbeatSeconds`.
pub const CALLBACK_HEARTBEAT: &str = "CALLBACK_HEARTBEAT";
/// A Lambda Task without a Retry for Lambda's transient errors.
pub const LAMBDA_RETRY: &str = "LAMBDA_RETRY";
/// A retrier that can never match an error.
pub const UNREACHABLE_RETRIER: &str = "UNREACHABLE_RETRIER";
/// A catcher that can never match an error.
pub const UNREACHABLE_CATCHER: &str = "UNREACHABLE_CATCHER";
/// A loop in a Standard workflow that can exceed the 25,000-event history quota.
pub const HISTORY_LOOP: &str = "HISTORY_LOOP";
/// A Map state without `MaxConcurrency`.
pub const MAP_CONCURRENCY: &str = "MAP_CONCURRENCY";
/// A literal payload close to the 256 KiB limit.
pub const LARGE_PAYLOAD: &str = "LARGE_PAYLOAD";

/// Every lint code with a one-line summary.
pub const ALL: &[(&str, &str)] = &[
    (TASK_TIMEOUT, "Task without TimeoutSeconds"),
    (
        CALLBACK_HEARTBEAT,
        "callback or activity Task without HeartbeatSeconds",
    ),
    (
        LAMBDA_RETRY,
        "Lambda Task without a Retry for transient Lambda errors",
    ),
    (UNREACHABLE_RETRIER, "retrier that can never match"),
    (UNREACHABLE_CATCHER, "catcher that can never match"),
    (
        HISTORY_LOOP,
        "loop that can exceed the 25,000-event history quota",
    ),
    (MAP_CONCURRENCY, "Map without MaxConcurrency"),
    (LARGE_PAYLOAD, "literal payload close to the 256 KiB limit"),
];

/// The transient Lambda errors AWS recommends retrying.
pub const LAMBDA_TRANSIENT_ERRORS: &[&str] = &[
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
];

/// The error names Step Functions itself raises (`States.*`).
pub const PREDEFINED_ERRORS: &[&str] = &[
    "States.ALL",
    "States.DataLimitExceeded",
    "States.ExceedToleratedFailureThreshold",
    "States.HeartbeatTimeout",
    "States.Http.Socket",
    "States.IntrinsicFailure",
    "States.ItemReaderFailed",
    "States.NoChoiceMatched",
    "States.ParameterPathFailure",
    "States.Permissions",
    "States.QueryEvaluationError",
    "States.ResultPathMatchFailure",
    "States.ResultWriterFailed",
    "States.Runtime",
    "States.TaskFailed",
    "States.Timeout",
    "States.BranchFailed",
];

/// Payload size above which a literal is reported (half the 256 KiB limit).
pub const LARGE_PAYLOAD_BYTES: usize = 128 * 1024;
/// AWS's history quota for one Standard execution.
pub const HISTORY_QUOTA: usize = 25_000;

/// The lint codes silenced by `baton:allow(...)` markers in a comment.
pub fn silenced_in_comment(comment: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = comment;
    while let Some(i) = rest.find("baton:allow(") {
        rest = &rest[i + "baton:allow(".len()..];
        let Some(end) = rest.find(')') else { break };
        out.extend(
            rest[..end]
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
        );
        rest = &rest[end..];
    }
    out
}

/// Runs every lint on a validated machine.
pub fn lint(machine: &StateMachine, workflow_type: WorkflowType) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    lint_block(&machine.root, workflow_type, &mut out);
    out
}

fn push(out: &mut Vec<Diagnostic>, state: &State, code: &'static str, loc: &str, msg: String) {
    if !state.silenced_lints.iter().any(|c| c == code) {
        out.push(Diagnostic::warning(code, msg, loc, state.pos));
    }
}

fn lint_block(block: &Block, workflow_type: WorkflowType, out: &mut Vec<Diagnostic>) {
    for state in &block.states {
        lint_state(state, out);
        match &state.kind {
            StateKind::Parallel(p) => {
                for b in &p.branches {
                    lint_block(b, workflow_type, out);
                }
            }
            StateKind::Map(m) => lint_block(&m.processor, workflow_type, out),
            _ => {}
        }
    }
    if workflow_type == WorkflowType::Standard {
        lint_loops(block, out);
    }
}

/// Whether a Task resource invokes Lambda.
pub fn is_lambda_resource(resource: &str) -> bool {
    resource.starts_with("arn:aws:states:::lambda:invoke")
        || resource
            .split(':')
            .nth(2)
            .is_some_and(|svc| svc == "lambda")
            && resource.contains(":function:")
        || (resource.contains(":states:::lambda:invoke"))
}

/// Whether a Task resource waits for a callback or is an activity.
fn waits_for_worker(resource: &str) -> bool {
    resource.ends_with(".waitForTaskToken")
        || (resource.split(':').nth(2) == Some("states")
            && resource.split(':').nth(5) == Some("activity"))
}

fn lint_state(state: &State, out: &mut Vec<Diagnostic>) {
    let loc = state.location.as_str();
    match &state.kind {
        StateKind::Task(t) => {
            if t.timeout_seconds.is_none() {
                push(
                    out,
                    state,
                    TASK_TIMEOUT,
                    loc,
                    format!(
                        "Task '{}' has no TimeoutSeconds: if its target never answers, it waits 99,999,999 seconds (over three years). Set TimeoutSeconds to the longest time the task may take",
                        state.name
                    ),
                );
            }
            if waits_for_worker(&t.resource) && t.heartbeat_seconds.is_none() {
                push(
                    out,
                    state,
                    CALLBACK_HEARTBEAT,
                    loc,
                    format!(
                        "Task '{}' waits for a worker or a callback but has no HeartbeatSeconds: a worker that dies is only noticed at the timeout. Set HeartbeatSeconds and send SendTaskHeartbeat",
                        state.name
                    ),
                );
            }
            if is_lambda_resource(&t.resource) {
                let missing: Vec<&str> = LAMBDA_TRANSIENT_ERRORS
                    .iter()
                    .copied()
                    .filter(|e| {
                        !t.retry.iter().any(|r| {
                            r.max_attempts > 0 && r.error_equals.iter().any(|n| covers(n, e))
                        })
                    })
                    .collect();
                if !missing.is_empty() {
                    push(
                        out,
                        state,
                        LAMBDA_RETRY,
                        loc,
                        format!(
                            "Lambda task '{}' does not retry the transient Lambda errors [{}]: add a Retry with these ErrorEquals, IntervalSeconds 1, MaxAttempts 3, BackoffRate 2",
                            state.name,
                            missing.join(", ")
                        ),
                    );
                }
            }
        }
        StateKind::Map(m) if m.max_concurrency.is_none() => {
            let (limit, mode) = match m.mode {
                ProcessorMode::Inline => ("about 40", "inline"),
                ProcessorMode::Distributed(_) => ("10,000", "distributed"),
            };
            push(
                out,
                state,
                MAP_CONCURRENCY,
                loc,
                format!(
                    "Map '{}' has no MaxConcurrency: an {mode} Map then runs up to {limit} iterations at once, which can overwhelm the services it calls. Set MaxConcurrency",
                    state.name
                ),
            );
        }
        _ => {}
    }
    if let Some((retry, catch)) = state.kind.error_handling() {
        let lists: Vec<&[String]> = retry.iter().map(|r| r.error_equals.as_slice()).collect();
        for (i, names) in lists.iter().enumerate() {
            if let Some(why) = never_matches(names, &lists[..i]) {
                push(
                    out,
                    state,
                    UNREACHABLE_RETRIER,
                    &format!("{loc}/Retry[{i}]"),
                    format!("Retrier {i} of '{}' can never match: {why}", state.name),
                );
            }
        }
        let lists: Vec<&[String]> = catch.iter().map(|c| c.error_equals.as_slice()).collect();
        for (i, names) in lists.iter().enumerate() {
            if let Some(why) = never_matches(names, &lists[..i]) {
                push(
                    out,
                    state,
                    UNREACHABLE_CATCHER,
                    &format!("{loc}/Catch[{i}]"),
                    format!("Catcher {i} of '{}' can never match: {why}", state.name),
                );
            }
        }
    }
    for (field, value) in literal_payloads(state) {
        let size = value.json_len();
        if size >= LARGE_PAYLOAD_BYTES {
            push(
                out,
                state,
                LARGE_PAYLOAD,
                &format!("{loc}/{field}"),
                format!(
                    "The literal {field} of '{}' is {} KiB, close to the 256 KiB payload limit: store the data elsewhere (e.g. S3) and pass a reference",
                    state.name,
                    size / 1024
                ),
            );
        }
    }
}

/// Whether a retrier/catcher listing `name` catches the error `error`.
fn covers(name: &str, error: &str) -> bool {
    name == error
        || name == "States.ALL" && error != "States.Runtime"
        || name == "States.TaskFailed" && !matches!(error, "States.Timeout" | "States.Runtime")
}

/// Why a retrier/catcher with `names` can never match, given the ones before it.
fn never_matches(names: &[String], earlier: &[&[String]]) -> Option<String> {
    let mut reasons = Vec::new();
    for name in names {
        if name == "States.Runtime" {
            reasons.push("States.Runtime errors cannot be retried or caught".to_string());
        } else if name.starts_with("States.") && !PREDEFINED_ERRORS.contains(&name.as_str()) {
            reasons.push(format!("'{name}' is not an error Step Functions raises"));
        } else if let Some(prev) = earlier
            .iter()
            .position(|list| list.iter().any(|p| covers(p, name)))
        {
            reasons.push(format!("'{name}' is already matched by entry {prev}"));
        } else {
            return None;
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

fn literal_payloads(state: &State) -> Vec<(&'static str, &Value)> {
    let mut out = Vec::new();
    if let Some(Template::Literal(v)) = &state.io.parameters {
        out.push(("Parameters", v));
    }
    if let Some(JsonataTemplate::Literal(v)) = &state.io.arguments {
        out.push(("Arguments", v));
    }
    if let Some(v) = &state.io.result {
        out.push(("Result", v));
    }
    out
}

/// History events one visit of a state records, roughly (entered + exited + the work).
fn events_per_visit(state: &State) -> usize {
    match &state.kind {
        StateKind::Task(_) => 5,
        StateKind::Parallel(p) => 4 + p.branches.len() * 4,
        StateKind::Map(_) => 6,
        _ => 2,
    }
}

/// Reports every cycle of transitions (strongly connected component) in a block.
fn lint_loops(block: &Block, out: &mut Vec<Diagnostic>) {
    let n = block.states.len();
    let succ: Vec<Vec<usize>> = block.states.iter().map(successors).collect();
    for comp in strongly_connected(n, &succ) {
        let is_loop = comp.len() > 1 || succ[comp[0]].contains(&comp[0]);
        if !is_loop {
            continue;
        }
        let mut comp = comp;
        comp.sort_unstable();
        let first = &block.states[comp[0]];
        let events: usize = comp
            .iter()
            .map(|&i| events_per_visit(&block.states[i]))
            .sum();
        let names: Vec<&str> = comp
            .iter()
            .map(|&i| block.states[i].name.as_str())
            .collect();
        push(
            out,
            first,
            HISTORY_LOOP,
            &first.location,
            format!(
                "The loop through [{}] records about {events} history events per iteration: a Standard execution fails when its history reaches {HISTORY_QUOTA} events, after about {} iterations. Bound the loop with a counter, or run the loop in a child execution that starts a fresh history",
                names.join(", "),
                HISTORY_QUOTA / events.max(1)
            ),
        );
    }
}

/// The states a state can transition to, as indexes in its block.
pub fn successors(state: &State) -> Vec<usize> {
    let mut out = Vec::new();
    if let Some(Transition::Next(id)) = state.transition {
        out.push(id.index());
    }
    if let StateKind::Choice(c) = &state.kind {
        out.extend(c.choices.iter().map(|r| r.next.index()));
        out.extend(c.default.map(StateId::index));
    }
    if let Some((_, catch)) = state.kind.error_handling() {
        out.extend(catch.iter().map(|c| c.next.index()));
    }
    out
}

/// Tarjan's algorithm, iterative (definitions may hold thousands of states).
fn strongly_connected(n: usize, succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSET: usize = usize::MAX;
    let mut index = vec![UNSET; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comps = Vec::new();
    let mut next_index = 0;
    for root in 0..n {
        if index[root] != UNSET {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            if *child == 0 && index[v] == UNSET {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = succ[v].get(*child) {
                *child += 1;
                if w >= n {
                    continue;
                }
                if index[w] == UNSET {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comps.push(comp);
                }
            }
        }
    }
    comps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_markers() {
        assert_eq!(
            silenced_in_comment("slow job baton:allow(TASK_TIMEOUT, LAMBDA_RETRY) ok"),
            vec!["TASK_TIMEOUT", "LAMBDA_RETRY"]
        );
        assert!(silenced_in_comment("nothing here").is_empty());
        assert!(silenced_in_comment("baton:allow(").is_empty());
    }

    #[test]
    fn scc_finds_cycles() {
        let succ = vec![vec![1], vec![2], vec![0, 3], vec![3], vec![]];
        let mut comps: Vec<Vec<usize>> = strongly_connected(5, &succ)
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        comps.sort();
        assert_eq!(comps, vec![vec![0, 1, 2], vec![3], vec![4]]);
    }

    #[test]
    fn error_coverage() {
        assert!(covers("States.ALL", "Lambda.ServiceException"));
        assert!(!covers("States.ALL", "States.Runtime"));
        assert!(covers("States.TaskFailed", "Lambda.ServiceException"));
        assert!(!covers("States.TaskFailed", "States.Timeout"));
        let earlier: Vec<String> = vec!["States.TaskFailed".into()];
        assert!(never_matches(&["MyError".into()], &[&earlier]).is_some());
        assert!(never_matches(&["States.Timeout".into()], &[&earlier]).is_none());
        assert!(never_matches(&["States.Timeoutt".into()], &[]).is_some());
    }
}
