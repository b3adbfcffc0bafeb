//! Amazon States Language model: parse, validate and lint state machine definitions. Pure.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
//!
//! [`analyze`] turns a definition (JSON or YAML) into a validated [`model::StateMachine`] or a list
//! of [`Diagnostic`]s with AWS's codes and locations; [`lint`] adds best-practice warnings;
//! [`graph`] exports the state graph.

mod checks;
pub mod diagnostic;
mod fields;
pub mod graph;
pub mod intrinsic;
pub mod lint;
pub mod model;
mod parse;
pub mod path;
pub mod source;
pub mod variables;

pub use diagnostic::{Diagnostic, Severity};
pub use parse::{Analysis, Options, analyze, analyze_node, is_timestamp, is_variable_name};
