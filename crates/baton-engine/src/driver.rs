//! A synchronous driver that runs one execution to its end in process: tasks through a
//! [`TaskHandler`], timers in real or virtual time. `baton run` and the tests use it; the durable
//! runtime will drive the same core from the store.

use crate::error::StatesError;
use crate::execution::{Command, Execution, ExecutionInfo, Signal, TaskRequest, TimerId};
use baton_asl::model::StateMachine;
use baton_json::Json as Value;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

/// Runs Task states' work.
pub trait TaskHandler {
    /// Runs one task to its end: its result, or the error it failed with.
    fn call(&mut self, request: &TaskRequest) -> Result<Value, StatesError>;
}

/// The error name of a Task whose resource has no target configured.
pub const NO_TASK_TARGET: &str = "Baton.NoTaskTarget";

/// A handler with no targets: every task fails with an error that names its resource.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTargets;

impl TaskHandler for NoTargets {
    fn call(&mut self, request: &TaskRequest) -> Result<Value, StatesError> {
        Err(StatesError::new(
            NO_TASK_TARGET,
            format!(
                "No target is configured for the resource '{}' (state '{}'): Baton cannot run this task yet",
                request.resource, request.state_name
            ),
        ))
    }
}

/// How time passes for timers (Wait states, retry intervals, timeouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Jump straight to the next timer: a one-year Wait completes at once.
    Virtual,
    /// Sleep until timers are due.
    Real,
}

fn wall_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Runs an execution to its end and returns it (status, output, error, history).
pub fn run(
    machine: Arc<StateMachine>,
    mut info: ExecutionInfo,
    input: impl Into<Value>,
    tasks: &mut dyn TaskHandler,
    clock: Clock,
) -> Execution {
    let input = input.into();
    // Virtual time starts at the given start (or now) and then jumps from timer to timer.
    let now = match clock {
        Clock::Virtual if info.start_millis > 0 => info.start_millis,
        _ => wall_millis(),
    };
    info.start_millis = now;
    let ex = Execution::start(machine, info, input, now);
    drive(ex, tasks, clock, now)
}

/// Drives an execution on from `now` to its end (the commands it has issued and not yet been
/// taken first): after [`run`], or after a redrive.
pub fn drive(
    mut ex: Execution,
    tasks: &mut dyn TaskHandler,
    clock: Clock,
    mut now: i64,
) -> Execution {
    let mut timers: BinaryHeap<Reverse<(i64, TimerId)>> = BinaryHeap::new();
    let mut signals: VecDeque<Signal> = VecDeque::new();
    loop {
        // Map Run records are for a store; this driver keeps none.
        let _ = ex.take_map_runs();
        for command in ex.take_commands() {
            match command {
                Command::ScheduleTask(request) => {
                    let signal = Signal::task_result(request.task, tasks.call(&request));
                    signals.push_back(signal);
                }
                Command::StartTimer {
                    timer,
                    fire_at_millis,
                } => timers.push(Reverse((fire_at_millis, timer))),
                Command::CancelTask { .. } => {}
            }
        }
        if ex.status() != crate::execution::Status::Running {
            return ex;
        }
        if let Some(signal) = signals.pop_front() {
            if clock == Clock::Real {
                now = wall_millis().max(now);
            }
            ex.signal(now, signal);
            continue;
        }
        let Some(Reverse((at, timer))) = timers.pop() else {
            // Nothing can wake the execution: it would wait forever.
            ex.signal(
                now,
                Signal::Stop {
                    error: Some("Baton.Stalled".into()),
                    cause: Some("the execution waits for something that can never happen".into()),
                },
            );
            return ex;
        };
        match clock {
            Clock::Virtual => now = now.max(at),
            Clock::Real => {
                let wait = at - wall_millis();
                if wait > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(wait as u64));
                }
                now = wall_millis().max(at);
            }
        }
        ex.signal(now, Signal::TimerFired { timer });
    }
}
