//! Random but valid state machines (acyclic by construction: every transition goes forward),
//! built from a seed, run through the execution fuzz harness: every state type, Retry and
//! Catch, nested Parallel and Map, JSONPath and JSONata. The harness checks that each run ends
//! with a well-formed history; any panic is a bug.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/fuzz_exec.rs"]
mod fuzz_exec;

use baton_asl::intrinsic::{Entropy, SplitMix64};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// A small deterministic generator over baton-asl's SplitMix64.
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.random_u64()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const ERRORS: &[&str] = &[
    "States.ALL",
    "States.TaskFailed",
    "States.Timeout",
    "Fuzz.Failure",
];
const PATHS: &[&str] = &[
    "$.a",
    "$.arr",
    "$.n",
    "$.s",
    "$.missing",
    "$$.Execution.Name",
];

struct Builder {
    rng: Rng,
    names: u64,
    jsonata: bool,
}

impl Builder {
    fn name(&mut self) -> String {
        self.names += 1;
        format!("S{}", self.names)
    }

    fn retry(&mut self) -> Value {
        let rs: Vec<Value> = (0..1 + self.rng.below(2))
            .map(|_| {
                let mut r = json!({"ErrorEquals": [self.rng.pick(&ERRORS[1..])],
                                   "MaxAttempts": self.rng.below(4),
                                   "IntervalSeconds": 1 + self.rng.below(3),
                                   "BackoffRate": 1.0 + self.rng.below(3) as f64 / 2.0});
                if self.rng.chance(30) {
                    r["JitterStrategy"] = json!("FULL");
                }
                if self.rng.chance(30) {
                    r["MaxDelaySeconds"] = json!(1 + self.rng.below(5));
                }
                r
            })
            .collect();
        Value::Array(rs)
    }

    fn catch(&mut self, later: &[String]) -> Option<Value> {
        if later.is_empty() || !self.rng.chance(40) {
            return None;
        }
        let next = later[self.rng.below(later.len() as u64) as usize].clone();
        let mut c = json!({"ErrorEquals": [self.rng.pick(ERRORS)], "Next": next});
        if self.jsonata {
            if self.rng.chance(50) {
                c["Output"] = json!({"err": "{% $states.errorOutput %}"});
            }
        } else if self.rng.chance(50) {
            c["ResultPath"] = json!("$.error");
        }
        Some(json!([c]))
    }

    fn io(&mut self, state: &mut Value, has_result: bool, result_path: bool) {
        if self.jsonata {
            if self.rng.chance(40) {
                state["Output"] = if has_result {
                    json!({"r": "{% $states.result %}", "in": "{% $states.input %}"})
                } else {
                    json!({"in": "{% $states.input %}", "n": "{% $count($states.input.arr) %}"})
                };
            }
            if self.rng.chance(30) {
                state["Assign"] = json!({"v": "{% $states.input.n %}"});
            }
        } else {
            if self.rng.chance(20) {
                state["InputPath"] = json!(self.rng.pick(&["$", "$.a"]));
            }
            if result_path && self.rng.chance(30) {
                state["ResultPath"] = json!(self.rng.pick(&["$.r", "$.a.b", "$"]));
            }
            if self.rng.chance(20) {
                state["OutputPath"] = json!("$");
            }
            if self.rng.chance(20) {
                state["Assign"] = json!({"v.$": "$"});
            }
            if has_result && self.rng.chance(25) {
                state["ResultSelector"] = json!({"whole.$": "$", "lit": [1, 2]});
            }
        }
    }

    /// Task and Parallel inputs built from the state input.
    fn arguments(&mut self, state: &mut Value) {
        if self.jsonata {
            if self.rng.chance(30) {
                state["Arguments"] = json!({
                    "parts": "{% $partition($states.input.arr, 2) %}",
                    "range": "{% $range(0, $states.input.n) %}",
                    "hash": "{% $hash($string($states.input), 'MD5') %}"
                });
            }
        } else if self.rng.chance(30) {
            state["Parameters"] = json!({
                "fmt.$": "States.Format('{} and {}', $.s, $.n)",
                "len.$": "States.ArrayLength($.arr)",
                "json.$": "States.JsonToString($)",
                "ctx.$": "$$.State.Name"
            });
        }
    }

    fn condition(&mut self) -> Value {
        if self.jsonata {
            return json!({"Condition": self.rng.pick(&[
                "{% $states.input.n > 1 %}",
                "{% $exists($states.input.a) %}",
                "{% $count($states.input.arr) = 2 %}"
            ])});
        }
        let path = self.rng.pick(PATHS);
        match self.rng.below(4) {
            0 => json!({"Variable": path, "IsPresent": self.rng.chance(50)}),
            1 => json!({"Variable": path, "NumericGreaterThan": self.rng.below(5)}),
            2 => json!({"Variable": path, "StringMatches": "*a*"}),
            _ => json!({"Not": {"Variable": path, "IsNull": true}}),
        }
    }

    /// A block of 1..=4 states (depth limits nesting).
    fn block(&mut self, depth: u32) -> Value {
        let n = 1 + self.rng.below(4) as usize;
        let names: Vec<String> = (0..n).map(|_| self.name()).collect();
        let mut states = Map::new();
        for (i, name) in names.iter().enumerate() {
            let later = &names[i + 1..];
            let last = later.is_empty();
            let kind = self.rng.below(if depth < 2 { 9 } else { 7 });
            let mut s = match kind {
                0 | 1 => json!({"Type": "Pass"}),
                2 | 3 => {
                    let mut t =
                        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"});
                    if self.rng.chance(50) {
                        t["Retry"] = self.retry();
                    }
                    if self.rng.chance(20) {
                        t["TimeoutSeconds"] = json!(1 + self.rng.below(5));
                    }
                    t
                }
                4 if self.rng.chance(30) => {
                    json!({"Type": "Wait", "Timestamp": "2025-01-01T00:00:03Z"})
                }
                4 => json!({"Type": "Wait", "Seconds": self.rng.below(5)}),
                5 if !last => {
                    let rules: Vec<Value> = (0..1 + self.rng.below(2))
                        .map(|_| {
                            let mut r = self.condition();
                            r["Next"] =
                                json!(later[self.rng.below(later.len() as u64) as usize].clone());
                            r
                        })
                        .collect();
                    let mut c = json!({"Type": "Choice", "Choices": rules});
                    // The next state stays reachable through Default (or, without one, a
                    // rule that always matches).
                    if self.rng.chance(80) {
                        c["Default"] = json!(later[0].clone());
                    } else if self.jsonata {
                        c["Choices"]
                            .as_array_mut()
                            .unwrap()
                            .push(json!({"Condition": true, "Next": later[0].clone()}));
                    } else {
                        c["Choices"].as_array_mut().unwrap().push(
                            json!({"Variable": "$.missing", "IsPresent": false, "Next": later[0].clone()}),
                        );
                    }
                    states.insert(name.clone(), c);
                    continue;
                }
                5 | 6 if last => {
                    let t = if kind == 5 {
                        json!({"Type": "Succeed"})
                    } else {
                        if self.jsonata {
                            json!({"Type": "Fail", "Error": "{% 'Fuzz.' & $string($states.input.n) %}"})
                        } else {
                            json!({"Type": "Fail", "ErrorPath": "$.s", "CausePath": "States.JsonToString($)"})
                        }
                    };
                    states.insert(name.clone(), t);
                    continue;
                }
                7 => {
                    let branches: Vec<Value> = (0..1 + self.rng.below(3))
                        .map(|_| self.block(depth + 1))
                        .collect();
                    let mut p = json!({"Type": "Parallel", "Branches": branches});
                    if self.rng.chance(30) {
                        p["Retry"] = self.retry();
                    }
                    p
                }
                8 => {
                    let mut m = json!({"Type": "Map", "ItemProcessor": self.block(depth + 1),
                                       "MaxConcurrency": self.rng.below(3)});
                    if self.rng.chance(30) {
                        m["ItemProcessor"]["ProcessorConfig"] =
                            json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"});
                        m["ToleratedFailurePercentage"] = json!(self.rng.below(101));
                    }
                    if self.jsonata {
                        m["Items"] = json!("{% $states.input.arr %}");
                        if self.rng.chance(40) {
                            m["ItemSelector"] =
                                json!({"i": "{% $states.context.Map.Item.Index %}"});
                        }
                    } else {
                        m["ItemsPath"] = json!("$.arr");
                        if self.rng.chance(40) {
                            m["ItemSelector"] =
                                json!({"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"});
                        }
                    }
                    m
                }
                _ => json!({"Type": "Pass"}),
            };
            let has_result = matches!(kind, 2 | 3 | 7 | 8);
            self.io(&mut s, has_result, kind != 4);
            if matches!(kind, 2 | 3 | 7) {
                self.arguments(&mut s);
            }
            if has_result && let Some(c) = self.catch(later) {
                s["Catch"] = c;
            }
            if last {
                s["End"] = json!(true);
            } else {
                s["Next"] = json!(later[0].clone());
            }
            states.insert(name.clone(), s);
        }
        json!({"StartAt": names[0].clone(), "States": states})
    }
}

/// A machine and an input from a seed.
fn generate(seed: u64) -> (String, Value) {
    let mut b = Builder {
        rng: Rng(SplitMix64(seed)),
        names: 0,
        jsonata: false,
    };
    b.jsonata = b.rng.chance(30);
    let mut machine = b.block(0);
    if b.jsonata {
        machine["QueryLanguage"] = json!("JSONata");
    }
    if b.rng.chance(20) {
        machine["TimeoutSeconds"] = json!(1 + b.rng.below(10));
    }
    let input =
        json!({"a": {"b": 1}, "arr": [1, "two", {"x": 3}], "n": b.rng.below(4), "s": "abc"});
    (machine.to_string(), input)
}

fn harness_input(seed: u64) -> Vec<u8> {
    let (definition, input) = generate(seed);
    let mut data = definition.into_bytes();
    data.push(0);
    data.extend_from_slice(input.to_string().as_bytes());
    data
}

#[test]
fn most_generated_machines_are_valid_and_run() {
    let ran = (0..200)
        .filter(|seed| fuzz_exec::execute(&harness_input(*seed)).is_some())
        .count();
    assert!(ran >= 190, "only {ran} of 200 generated machines ran");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_machines_run_to_a_consistent_end(seed in any::<u64>()) {
        fuzz_exec::run_bytes(&harness_input(seed));
    }

    /// Same machine, input, seed and answers: same history (ARCHITECTURE.md, invariant 1).
    #[test]
    fn random_machines_are_reproducible(seed in any::<u64>()) {
        let data = harness_input(seed);
        if let (Some(a), Some(b)) = (fuzz_exec::execute(&data), fuzz_exec::execute(&data)) {
            let events = |ex: &baton_engine::Execution| -> Vec<Value> {
                ex.history().iter().map(|e| e.to_aws_json()).collect()
            };
            prop_assert_eq!(events(&a), events(&b));
        }
    }
}

/// Drives a random machine by hand for `steps` signals (tasks answered in turn with success and
/// failure, timers fired in order), then stops it. Returns the execution.
fn stopped_after(seed: u64, steps: usize) -> Option<baton_engine::Execution> {
    use baton_engine::execution::Command;
    use baton_engine::{Execution, Signal, StatesError};
    let (definition, input) = generate(seed);
    let machine =
        std::sync::Arc::new(baton_asl::analyze(&definition, &Default::default()).machine?);
    if !fuzz_exec::terminates(&machine) {
        return None;
    }
    let info = baton_engine::ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:111111111111:execution:sm:exec".into(),
        name: "exec".into(),
        state_machine_arn: "arn:aws:states:us-east-1:111111111111:stateMachine:sm".into(),
        state_machine_name: "sm".into(),
        role_arn: "arn:aws:iam::111111111111:role/r".into(),
        start_millis: 0,
        seed,
    };
    let mut ex = Execution::start(machine, info, input.into(), 0);
    let (mut tasks, mut timers, mut now) = (Vec::new(), Vec::new(), 0i64);
    for step in 0..steps {
        for c in ex.take_commands() {
            match c {
                Command::ScheduleTask(t) => tasks.push(t.task),
                Command::StartTimer {
                    timer,
                    fire_at_millis,
                } => timers.push((fire_at_millis, timer)),
                Command::CancelTask { task, .. } => tasks.retain(|t| *t != task),
            }
        }
        if ex.status() != baton_engine::Status::Running {
            break;
        }
        if let Some(task) = tasks.pop() {
            let signal = if step % 2 == 0 {
                Signal::TaskSucceeded {
                    task,
                    output: json!({"step": step}).into(),
                }
            } else {
                Signal::TaskFailed {
                    task,
                    error: StatesError::new("Fuzz.Failure", "step"),
                }
            };
            ex.signal(now, signal);
        } else if !timers.is_empty() {
            timers.sort();
            let (at, timer) = timers.remove(0);
            now = now.max(at);
            ex.signal(now, Signal::TimerFired { timer });
        } else {
            break;
        }
    }
    ex.signal(
        now + 1,
        Signal::Stop {
            error: Some("Stopped".into()),
            cause: None,
        },
    );
    Some(ex)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Stopping at any point ends a running execution as ABORTED with ExecutionAborted last;
    /// signals after the end change nothing.
    #[test]
    fn stopping_at_any_point_aborts_cleanly(seed in any::<u64>(), steps in 0usize..12) {
        let Some(mut ex) = stopped_after(seed, steps) else { return Ok(()) };
        let last = ex.history().last().unwrap().event_type.as_str();
        if ex.status() == baton_engine::Status::Aborted {
            prop_assert_eq!(last, "ExecutionAborted");
            prop_assert_eq!(ex.error().map(|e| e.error.as_str()), Some("Stopped"));
        } else {
            prop_assert!(last != "ExecutionAborted");
        }
        let len = ex.history().len();
        ex.signal(i64::MAX / 4, baton_engine::Signal::TimerFired { timer: 1 });
        ex.signal(i64::MAX / 4, baton_engine::Signal::Stop { error: None, cause: None });
        prop_assert_eq!(ex.history().len(), len);
        let _ = ex.take_commands();
    }
}
