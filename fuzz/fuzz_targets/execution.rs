//! Fuzz target: any bytes split at the first NUL into a definition and an input; definitions that
//! validate run to their end through `driver::run` in virtual time, with a task handler that
//! alternates success and failure. The harness lives beside the engine's tests
//! (`crates/baton-engine/tests/common/fuzz_exec.rs`), which also replay `fuzz/seeds` through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/baton-engine/tests/common/fuzz_exec.rs"]
mod fuzz_exec;

fuzz_target!(|data: &[u8]| fuzz_exec::run_bytes(data));
