//! Property tests of the data-flow rules: whatever the JSON, paths that should be identities
//! are, ResultPath puts the result where reading the same path finds it, Pass chains preserve
//! their input, and Choice rule trees follow boolean logic (and never panic).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use baton_engine::Status;
use common::*;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Any JSON value, a few levels deep, with short keys so that paths hit them.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        // JSON numbers as JavaScript (and so JSONata, in AWS too) holds them exactly: integers
        // beyond 2^53 round to the nearest double there, so JSONPath and JSONata would differ.
        (-(1i64 << 53) + 1..(1i64 << 53)).prop_map(Value::from),
        (-1e15f64..1e15).prop_map(Value::from),
        "[a-z0-9 \\-_.$\u{e9}\u{1F600}]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-d]{1,2}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Equal JSON, numbers compared by value (`3.0` is `3`).
fn same_numbers(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_numbers(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_numbers(v, w)))
        }
        _ => a == b,
    }
}

/// A JSON object (state inputs are usually objects).
fn arb_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-d]{1,2}", arb_json(), 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn pass_machine(fields: Value) -> String {
    single_state("S", json!({"Type": "Pass", "End": true}), fields)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn input_and_output_path_dollar_are_identities(input in arb_json()) {
        let def = pass_machine(json!({"InputPath": "$", "OutputPath": "$"}));
        prop_assert_eq!(run_ok(&def, input.clone()), input);
    }

    #[test]
    fn a_pass_chain_preserves_any_input(input in arb_json(), n in 1usize..6) {
        let mut states = Map::new();
        for i in 0..n {
            let mut s = json!({"Type": "Pass"});
            if i + 1 == n {
                s["End"] = json!(true);
            } else {
                s["Next"] = json!(format!("S{}", i + 1));
            }
            states.insert(format!("S{i}"), s);
        }
        let def = json!({"StartAt": "S0", "States": states}).to_string();
        let ex = run(&def, input.clone());
        prop_assert_eq!(output(&ex), input);
        prop_assert_eq!(ex.history().len(), 2 * n + 2);
    }

    #[test]
    fn result_path_null_returns_the_input_unchanged(input in arb_json(), result in arb_json()) {
        let def = pass_machine(json!({"Result": result, "ResultPath": null}));
        prop_assert_eq!(run_ok(&def, input.clone()), input);
    }

    #[test]
    fn a_pass_result_is_reproduced_exactly(result in arb_json()) {
        // The definition's literal goes through the definition parser: numbers and strings
        // must come out as written.
        let def = pass_machine(json!({"Result": result}));
        prop_assert_eq!(run_ok(&def, json!({})), result);
    }

    #[test]
    fn result_path_then_the_same_path_reads_the_result(
        input in arb_object(),
        result in arb_json(),
        k1 in "[a-d]{1,2}",
        k2 in "[a-d]{1,2}",
    ) {
        let path = format!("$.{k1}.{k2}");
        let def = pass_machine(json!({"Result": result, "ResultPath": path}));
        let ex = run(&def, input.clone());
        match input.get(&k1) {
            // The path can be created or extended only through objects.
            Some(v) if !v.is_object() => {
                prop_assert_eq!(failure(&ex).error, "States.ResultPathMatchFailure");
            }
            _ => {
                let out = output(&ex);
                prop_assert_eq!(&out[&k1][&k2], &result);
                // Everything else is untouched.
                for (k, v) in input.as_object().unwrap() {
                    if k != &k1 {
                        prop_assert_eq!(&out[k], v);
                    }
                }
                if let Some(Value::Object(old)) = input.get(&k1) {
                    for (k, v) in old {
                        if k != &k2 {
                            prop_assert_eq!(&out[&k1][k], v);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn input_path_then_result_path_dollar_gives_the_result(input in arb_object(), result in arb_json()) {
        let def = pass_machine(json!({"Result": result, "ResultPath": "$"}));
        prop_assert_eq!(run_ok(&def, input), result);
    }

    #[test]
    fn literal_parameters_are_copied(input in arb_json(), params in arb_object()) {
        // Keys without `.$` are copied as they are (keys here never end in `.$`).
        let def = pass_machine(json!({"Parameters": params}));
        prop_assert_eq!(run_ok(&def, input), params);
    }

    #[test]
    fn parameters_paths_read_what_input_path_reads(input in arb_object(), key in "[a-d]{1,2}") {
        let by_param = pass_machine(json!({"Parameters": {"v.$": format!("$.{key}")}}));
        let by_input_path = pass_machine(json!({"InputPath": format!("$.{key}")}));
        match input.get(&key) {
            Some(v) => {
                prop_assert_eq!(run_ok(&by_param, input.clone()), json!({"v": v}));
                prop_assert_eq!(&run_ok(&by_input_path, input.clone()), v);
            }
            None => {
                prop_assert_eq!(run_err(&by_param, input.clone()).error, "States.Runtime");
                prop_assert_eq!(run_err(&by_input_path, input).error, "States.Runtime");
            }
        }
    }

    #[test]
    fn assign_then_read_a_variable_gives_the_value(value in arb_json(), name in "[a-z][a-z0-9_]{0,6}") {
        let def = json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Assign": {name.clone(): value}, "Next": "B"},
                "B": {"Type": "Pass", "Parameters": {"v.$": format!("${name}")}, "End": true}
            }
        });
        prop_assert_eq!(run_ok(&def.to_string(), json!({})), json!({"v": value}));
    }
}

// ----- Choice rule trees -----

/// Paths the rules read: present, missing, nested, context and variable.
const PATHS: &[&str] = &[
    "$.n",
    "$.s",
    "$.b",
    "$.t",
    "$.z",
    "$.o.n",
    "$.missing",
    "$.arr[0]",
    "$$.Execution.Name",
    "$v",
];

/// A comparison leaf: an operator with an operand of the type the validator expects.
fn arb_leaf() -> impl Strategy<Value = Value> {
    let path = prop::sample::select(PATHS);
    let number = prop_oneof![
        (-3i64..4).prop_map(Value::from),
        (-3.0f64..3.0).prop_map(Value::from)
    ];
    let string = prop::sample::select(vec![
        "",
        "a",
        "b",
        "exec",
        "a*",
        "*b*",
        "2024-01-01T00:00:00Z",
    ])
    .prop_map(Value::from);
    let timestamp = prop::sample::select(vec!["2024-01-01T00:00:00Z", "2025-06-01T12:00:00+02:00"])
        .prop_map(Value::from);
    let numeric_op = prop::sample::select(vec![
        "NumericEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
    ]);
    let string_op = prop::sample::select(vec![
        "StringEquals",
        "StringGreaterThan",
        "StringGreaterThanEquals",
        "StringLessThan",
        "StringLessThanEquals",
        "StringMatches",
    ]);
    let timestamp_op = prop::sample::select(vec![
        "TimestampEquals",
        "TimestampGreaterThan",
        "TimestampGreaterThanEquals",
        "TimestampLessThan",
        "TimestampLessThanEquals",
    ]);
    let type_op = prop::sample::select(vec![
        "IsNull",
        "IsPresent",
        "IsNumeric",
        "IsString",
        "IsBoolean",
        "IsTimestamp",
    ]);
    let path_op = prop::sample::select(vec![
        "NumericEqualsPath",
        "NumericLessThanPath",
        "StringEqualsPath",
        "StringGreaterThanEqualsPath",
        "BooleanEqualsPath",
        "TimestampLessThanEqualsPath",
        "TimestampEqualsPath",
    ]);
    prop_oneof![
        (path.clone(), numeric_op, number).prop_map(|(p, op, v)| json!({"Variable": p, op: v})),
        (path.clone(), string_op, string).prop_map(|(p, op, v)| json!({"Variable": p, op: v})),
        (path.clone(), timestamp_op, timestamp)
            .prop_map(|(p, op, v)| json!({"Variable": p, op: v})),
        (path.clone(), type_op, any::<bool>()).prop_map(|(p, op, v)| json!({"Variable": p, op: v})),
        (path.clone(), any::<bool>()).prop_map(|(p, v)| json!({"Variable": p, "BooleanEquals": v})),
        (path.clone(), path_op, path).prop_map(|(p, op, q)| json!({"Variable": p, op: q})),
    ]
}

fn arb_rule() -> impl Strategy<Value = Value> {
    arb_leaf().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(|v| json!({"And": v})),
            prop::collection::vec(inner.clone(), 1..4).prop_map(|v| json!({"Or": v})),
            inner.prop_map(|r| json!({"Not": r})),
        ]
    })
}

/// Inputs with fields of every type, some missing.
fn arb_choice_input() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![
            (-3i64..4).prop_map(Value::from),
            Just(json!("1"))
        ]),
        prop::option::of(prop::sample::select(vec![
            "a",
            "b",
            "ab",
            "exec",
            "2024-01-01T00:00:00Z",
        ])),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec![
            "2024-01-01T00:00:00Z",
            "2025-06-01T10:00:00Z",
            "nope",
        ])),
        any::<bool>(),
        prop::option::of(-3i64..4),
    )
        .prop_map(|(n, s, b, t, z, on)| {
            let mut m = Map::new();
            if let Some(n) = n {
                m.insert("n".into(), n);
            }
            if let Some(s) = s {
                m.insert("s".into(), json!(s));
            }
            if let Some(b) = b {
                m.insert("b".into(), json!(b));
            }
            if let Some(t) = t {
                m.insert("t".into(), json!(t));
            }
            if z {
                m.insert("z".into(), Value::Null);
            }
            m.insert("o".into(), on.map_or(json!({}), |n| json!({"n": n})));
            m.insert("arr".into(), json!([1, "x"]));
            Value::Object(m)
        })
}

/// Runs a Choice on one rule (after a state assigning `$v`): `Some(matched)`, or `None` when
/// the rule could not be evaluated (a runtime error, e.g. a missing variable).
fn decide(rule: &Value, input: &Value) -> Option<bool> {
    let mut rule = rule.clone();
    rule["Next"] = json!("Yes");
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"v": 2}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [rule], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": true, "End": true},
            "No": {"Type": "Pass", "Result": false, "End": true}
        }
    })
    .to_string();
    if !is_valid(&def) {
        return None;
    }
    let ex = run(&def, input.clone());
    match ex.status() {
        Status::Succeeded => ex.output().and_then(baton_json::Json::as_bool),
        Status::Failed => {
            let err = ex.error().unwrap();
            assert_eq!(err.error, "States.Runtime", "{rule} on {input}: {err:?}");
            None
        }
        other => panic!("{rule} on {input}: {other:?}"),
    }
}

/// And (`decisive` false) or Or (`decisive` true) over rules evaluated one by one: the first
/// rule deciding `decisive` ends it; a rule that errs before that is a failure.
fn short_circuit(items: &[Value], decisive: bool, input: &Value) -> Result<bool, String> {
    for r in items {
        match decide(r, input) {
            Some(d) if d == decisive => return Ok(decisive),
            Some(_) => {}
            None => return Err(format!("a rule that errs was evaluated: {r}")),
        }
    }
    Ok(!decisive)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn choice_rule_trees_follow_boolean_logic(rule in arb_rule(), input in arb_choice_input()) {
        let Some(matched) = decide(&rule, &input) else { return Ok(()) };
        if let Some(inner) = rule.get("Not") {
            // Not inverts whatever its rule decides.
            prop_assert_eq!(decide(inner, &input), Some(!matched));
        } else if let Some(items) = rule.get("And").and_then(Value::as_array) {
            // And: true iff every rule is; evaluation stops at the first false one.
            prop_assert_eq!(Ok(matched), short_circuit(items, false, &input));
        } else if let Some(items) = rule.get("Or").and_then(Value::as_array) {
            prop_assert_eq!(Ok(matched), short_circuit(items, true, &input));
        }
    }

    #[test]
    fn is_present_never_errs(path in prop::sample::select(PATHS), flag in any::<bool>(), input in arb_choice_input()) {
        let decided = decide(&json!({"Variable": path, "IsPresent": flag}), &input);
        prop_assert!(decided.is_some());
    }
}

// ----- Retry arithmetic -----

/// Runs a Task with one retrier against `failures` failures; returns the attempts' start
/// times (ms after the start) and whether the execution succeeded.
fn retry_times(retrier: Value, failures: usize) -> (Vec<i64>, bool) {
    let def = single_state(
        "T",
        json!({"Type": "Task", "Resource": R, "End": true, "Retry": [retrier]}),
        json!({}),
    );
    let mut tasks = Scripted::echo().on(R, (0..failures).map(|_| fail("E", "x")));
    let ex = run_with(&def, json!({}), &mut tasks);
    (
        offsets(&ex, "TaskScheduled"),
        ex.status() == Status::Succeeded,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn retry_delays_follow_interval_backoff_and_cap(
        interval in 1u64..10,
        rate_tenths in 10u64..40,
        max_attempts in 0u64..5,
        max_delay in prop::option::of(1u64..40),
        failures in 0usize..7,
        full_jitter in any::<bool>(),
    ) {
        let rate = rate_tenths as f64 / 10.0;
        let mut retrier = json!({"ErrorEquals": ["E"], "IntervalSeconds": interval,
                                 "BackoffRate": rate, "MaxAttempts": max_attempts});
        if let Some(m) = max_delay {
            retrier["MaxDelaySeconds"] = json!(m);
        }
        if full_jitter {
            retrier["JitterStrategy"] = json!("FULL");
        }
        let (times, succeeded) = retry_times(retrier, failures);
        let retries = failures.min(max_attempts as usize);
        prop_assert_eq!(times.len(), retries + 1);
        prop_assert_eq!(succeeded, failures <= max_attempts as usize);
        for (k, w) in times.windows(2).enumerate() {
            let mut delay = interval as f64 * rate.powi(k as i32);
            if let Some(m) = max_delay {
                delay = delay.min(m as f64);
            }
            let expected = (delay * 1000.0) as i64;
            let actual = w[1] - w[0];
            if full_jitter {
                prop_assert!((0..=expected + 1).contains(&actual), "retry {}: {} > {}", k, actual, expected);
            } else {
                prop_assert!((actual - expected).abs() <= 1, "retry {}: {} != {}", k, actual, expected);
            }
        }
    }
}

// ----- JSONPath and JSONata agree -----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn jsonpath_parameters_and_jsonata_output_read_the_same_field(input in arb_object(), key in "[a-d]{1,2}") {
        let by_path = pass_machine(json!({"Parameters": {"v.$": format!("$.{key}")}}));
        let by_jsonata = pass_machine(json!({"QueryLanguage": "JSONata",
                                             "Output": {"v": format!("{{% $states.input.{key} %}}")}}));
        let a = run(&by_path, input.clone());
        let b = run(&by_jsonata, input.clone());
        match input.get(&key) {
            // JSONata flattens a one-item array ("singleton sequence"); compare where it cannot.
            Some(v) if !v.is_array() => {
                prop_assert_eq!(output(&a), json!({"v": v}));
                // JSONata numbers are JavaScript's: 3.0 comes out as 3, the same number.
                let (got, want) = (output(&b), json!({"v": v}));
                prop_assert!(same_numbers(&got, &want), "{} != {}", got, want);
            }
            Some(_) => {}
            None => {
                prop_assert_eq!(failure(&a).error, "States.Runtime");
                prop_assert_eq!(failure(&b).error, "States.QueryEvaluationError");
            }
        }
    }

    #[test]
    fn jsonpath_and_jsonata_choices_agree_on_numbers(n in -1e6f64..1e6, m in -1e6f64..1e6) {
        let jsonpath = true_false_choice(json!({"Variable": "$.n", "NumericLessThanPath": "$.m"}));
        let jsonata = json!({
            "QueryLanguage": "JSONata",
            "StartAt": "C",
            "States": {
                "C": {"Type": "Choice", "Choices": [
                    {"Condition": "{% $states.input.n < $states.input.m %}", "Next": "Yes"}
                ], "Default": "No"},
                "Yes": {"Type": "Pass", "Output": true, "End": true},
                "No": {"Type": "Pass", "Output": false, "End": true}
            }
        });
        let input = json!({"n": n, "m": m});
        let a = run_ok(&jsonpath, input.clone());
        let b = run_ok(&jsonata.to_string(), input);
        prop_assert_eq!(&a, &json!(n < m));
        prop_assert_eq!(a, b);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Both languages order strings by UTF-16 code units (Java's compareTo, JavaScript's `<`):
    /// U+FF61 sorts after U+1F600 although its scalar value is smaller.
    #[test]
    fn jsonpath_and_jsonata_order_strings_by_utf16(
        a in "[a\u{e9}\u{ff61}\u{1f600}]{0,3}",
        b in "[a\u{e9}\u{ff61}\u{1f600}]{0,3}",
    ) {
        let jsonpath = true_false_choice(json!({"Variable": "$.a", "StringLessThanPath": "$.b"}));
        let expected = a.encode_utf16().lt(b.encode_utf16());
        let input = json!({"a": a, "b": b});
        prop_assert_eq!(run_ok(&jsonpath, input.clone()), json!(expected));
        let jsonata = pass_machine(json!({"QueryLanguage": "JSONata",
                                          "Output": "{% $states.input.a < $states.input.b %}"}));
        prop_assert_eq!(run_ok(&jsonata, input), json!(expected));
    }
}
