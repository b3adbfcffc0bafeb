//! The Step Functions interpreter.
//!
//! [`execution`] is the deterministic core: an [`execution::Execution`] takes signals (task
//! results, timers, stop requests) with the time they happen and produces history events and
//! commands (run this task, start that timer). It does no I/O and reads no clock. [`driver`]
//! runs the core in process; the durable runtime drives it from the store.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod choice;
pub mod dataflow;
pub mod driver;
pub mod durable;
pub mod error;
pub mod execution;
pub mod express;
pub mod history;
pub mod jsonata;
pub mod runtime;
pub mod time;

pub use error::StatesError;
pub use execution::{
    Command, Execution, ExecutionInfo, MapRunChild, MapRunUpdate, Signal, SnapshotError, Status,
    TaskRequest,
};
pub use history::{HistoryEvent, HistoryEventType};
