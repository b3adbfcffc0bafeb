//! JSONPath and intrinsic functions against the AWS-recorded corpus in `conformance/sfn/`:
//! every path and intrinsic call in a definition AWS accepted parses, and the intrinsic
//! function cases evaluate to what AWS returned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_asl::intrinsic::{self, IntrinsicContext, SplitMix64};
use baton_asl::path;
use baton_asl::{Options, Severity, analyze};
use baton_json::{Json, json as bjson};
use proptest::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn corpus() -> Option<Vec<Value>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../conformance/sfn/localstack-sfn.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("note: {} is missing; corpus checks skipped", path.display());
        return None;
    };
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("corpus line is JSON"))
            .collect(),
    )
}

/// Every `(key, string)` member anywhere in `v`.
fn string_members<'a>(v: &'a Value, out: &mut Vec<(&'a str, &'a str)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if let Value::String(s) = x {
                    out.push((k, s));
                }
                string_members(x, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| string_members(x, out)),
        _ => {}
    }
}

#[test]
fn corpus_paths_and_intrinsics_parse() {
    let Some(cases) = corpus() else { return };
    let (mut paths, mut calls, mut references) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let Some(definition) = case.get("definition").filter(|d| d.is_object()) else {
            continue;
        };
        let mut members = Vec::new();
        string_members(definition, &mut members);
        for (key, s) in members {
            let dynamic = key.ends_with(".$") || key.ends_with("Path") || key == "Variable";
            if !dynamic {
                continue;
            }
            if s.trim_start().starts_with("States.") {
                calls += 1;
                if let Err(e) = intrinsic::parse(s) {
                    failures.push(format!("{}: {key}: {e}", case["id"]));
                }
            } else if s.starts_with('$') {
                paths += 1;
                match path::parse(s) {
                    Ok(p) => {
                        if matches!(key, "ResultPath" | "ItemsPath") {
                            references += 1;
                            if !p.is_reference_path() {
                                failures.push(format!(
                                    "{}: {key}: '{s}' is not a reference path",
                                    case["id"]
                                ));
                            }
                        }
                    }
                    Err(e) => failures.push(format!("{}: {key}: {e}", case["id"])),
                }
            }
        }
    }
    println!("{paths} paths ({references} reference paths) and {calls} intrinsic calls parsed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(paths > 100 && calls > 50, "{paths} paths, {calls} calls");
}

/// Whether `v` holds a snapshot placeholder (`<uuid:1>`, `<ArnPart_0idx>`...).
fn has_token(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with('<') && s.ends_with('>'),
        Value::Array(items) => items.iter().any(has_token),
        Value::Object(map) => map.values().any(has_token),
        _ => false,
    }
}

/// The intrinsic-function test cases: one Pass state whose `Parameters` is
/// `{"FunctionResult.$": <call>}`; the output is `{"FunctionResult": <what AWS computed>}`.
#[test]
fn corpus_intrinsic_results_match_aws() {
    let Some(cases) = corpus() else { return };
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let expected = &case["expected"];
        if expected["status"] != "SUCCEEDED" || case["class"] != "pure" {
            continue;
        }
        let Some(states) = case["definition"]["States"].as_object() else {
            continue;
        };
        let [(_, state)] = states.iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        let Some(params) = state["Parameters"].as_object() else {
            continue;
        };
        let Some(Value::String(call)) = params.get("FunctionResult.$") else {
            continue;
        };
        let want = &expected["output"]["FunctionResult"];
        if params.len() != 1
            || state["Type"] != "Pass"
            || state.get("InputPath").is_some()
            || state.get("ResultPath").is_some()
            || state.get("OutputPath").is_some()
            || has_token(want)
            || call.contains("States.UUID")
            || call.contains("States.MathRandom")
        {
            continue;
        }
        let input = &Json::from(&case["input"]);
        let context = bjson!({"Execution": {"Input": case["input"]}});
        let none = |_: &str| None;
        let mut entropy = SplitMix64(0);
        let ctx = IntrinsicContext::new(input, &context, &none, &mut entropy);
        let got = intrinsic::parse(call)
            .map_err(|e| e.to_string())
            .and_then(|c| c.evaluate(&ctx).map_err(|e| e.to_string()));
        checked += 1;
        match got {
            Ok(v) if &v == want => {}
            other => failures.push(format!(
                "{}: {call} on {input}: expected {want}, got {other:?}",
                case["id"]
            )),
        }
    }
    println!("{checked} intrinsic results compared with AWS");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 40, "only {checked} cases compared");
}

/// Assign + reference test: State0 assigns variables, State1 uses them in intrinsics.
#[test]
fn corpus_intrinsics_with_variables() {
    let Some(cases) = corpus() else { return };
    let Some(case) = cases.iter().find(|c| {
        c["id"]
            .as_str()
            .is_some_and(|id| id.ends_with("[BASE_REFERENCE_IN_INTRINSIC_FUNCTION]"))
    }) else {
        println!("note: BASE_REFERENCE_IN_INTRINSIC_FUNCTION not in the corpus");
        return;
    };
    let vars = Json::from(&case["definition"]["States"]["State0"]["Assign"]);
    let params = &case["definition"]["States"]["State1"]["Parameters"];
    let expected = &case["expected"]["output"];
    let lookup = |n: &str| vars.get(n);
    let input = bjson!({});
    let mut entropy = SplitMix64(7);
    let ctx = IntrinsicContext::new(&input, &input, &lookup, &mut entropy);
    let mut compared = 0;
    for (group, members) in params.as_object().unwrap() {
        for (key, call) in members.as_object().unwrap() {
            let key = key.strip_suffix(".$").unwrap();
            let got = intrinsic::parse(call.as_str().unwrap())
                .unwrap()
                .evaluate(&ctx)
                .unwrap();
            let want = &expected[group][key];
            if !has_token(want) {
                assert_eq!(&got, want, "{group}.{key}");
                compared += 1;
            }
        }
    }
    assert!(compared >= 9, "{compared}");
}

/// `location: message` of every ERROR for a machine with the one state `S`.
fn errors(state: &str) -> Vec<String> {
    let text = format!(r#"{{"StartAt":"S","States":{{"S":{state}}}}}"#);
    analyze(&text, &Options::default())
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.location.as_deref().unwrap_or("-"), d.message))
        .collect()
}

#[test]
fn validator_uses_the_parsers() {
    // Accepted: general paths, reference paths, intrinsics, variables and the context object.
    for state in [
        r#"{"Type":"Pass","InputPath":"$.items[?(@.price < 10)]","OutputPath":"$..name","End":true}"#,
        r#"{"Type":"Pass","ResultPath":"$.a['b c'][0]","End":true}"#,
        r#"{"Type":"Pass","Parameters":{"x.$":"States.Format('{} {}', $.a, $$.Execution.Id)","y.$":"$.l[-1]"},"End":true}"#,
        r#"{"Type":"Map","ItemsPath":"$.list","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}"#,
        r#"{"Type":"Fail","ErrorPath":"States.Format('E{}', $.code)","CausePath":"$.cause"}"#,
        r#"{"Type":"Wait","SecondsPath":"$$.Execution.Input.wait","End":true}"#,
    ] {
        assert_eq!(errors(state), Vec::<String>::new(), "{state}");
    }
    // Rejected, each with the field that is wrong.
    for (state, want) in [
        (
            r#"{"Type":"Pass","InputPath":"$.a[","End":true}"#,
            "/States/S/InputPath: Value is not a valid JSONPath",
        ),
        (
            r#"{"Type":"Pass","InputPath":"$.a b","End":true}"#,
            "/States/S/InputPath: Value is not a valid JSONPath",
        ),
        (
            r#"{"Type":"Pass","ResultPath":"$..a","End":true}"#,
            "/States/S/ResultPath: Value is not a Reference Path",
        ),
        (
            r#"{"Type":"Pass","ResultPath":"$['a','b']","End":true}"#,
            "/States/S/ResultPath: Value is not a Reference Path",
        ),
        (
            r#"{"Type":"Pass","ResultPath":"$$.Execution","End":true}"#,
            "/States/S/ResultPath: Value is not a Reference Path",
        ),
        (
            r#"{"Type":"Pass","ResultPath":"$v.a","End":true}"#,
            "/States/S/ResultPath: Value is not a Reference Path",
        ),
        (
            r#"{"Type":"Wait","SecondsPath":"$.w[0:1]","End":true}"#,
            "/States/S/SecondsPath: Value is not a Reference Path",
        ),
        (
            r#"{"Type":"Fail","ErrorPath":"States.Format('{}{}', $.a)"}"#,
            "/States/S/ErrorPath: Value is not a valid intrinsic function call: States.Format: the template has 2 placeholder(s)",
        ),
        (
            r#"{"Type":"Pass","Parameters":{"x.$":"States.Hash($.a, 'SHA3')"},"End":true}"#,
            "/States/S/Parameters: The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call",
        ),
        // AWS rejects a backslash that escapes anything but ' { } \ (seen with '\n').
        (
            r#"{"Type":"Pass","Parameters":{"Message.$":"States.Format('Pipeline failed.\\nError: {}', States.JsonToString($.error))"},"End":true}"#,
            "/States/S/Parameters: The value for the field 'Message.$' must be a valid JSONPath or a valid intrinsic function call",
        ),
        (
            r#"{"Type":"Pass","Parameters":{"x.$":"States.Nope()"},"End":true}"#,
            "/States/S/Parameters: The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call",
        ),
    ] {
        let got = errors(state);
        assert!(
            got.len() == 1 && got[0].starts_with(want),
            "{state}: expected {want:?}, got {got:?}"
        );
    }
}

/// Small JSON values over the keys and shapes the path strategies use.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        "[a-c]{0,2}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c ]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn path_parse_never_panics(s in "\\PC{0,40}") {
        let _ = path::parse(&s);
    }

    #[test]
    fn path_like_strings_never_panic(s in "\\$[$a-z.\\[\\]'\"*?@()<>=!&|,:0-9 -]{0,30}") {
        if let Ok(p) = path::parse(&s) {
            let v = bjson!({"a": [1, {"b": 2}, [3]], "b": {"a": "x"}, "c": null});
            let _ = p.select(&v, &v, &|_| Some(&v));
            let mut t = v.clone();
            let _ = p.set(&mut t, bjson!(1));
        }
    }

    /// Whatever `set` writes at a reference path, `select` reads back from there.
    #[test]
    fn set_then_select_reads_back(
        steps in prop::collection::vec(prop_oneof![
            "[a-c]".prop_map(|n| format!(".{n}")),
            "[a-c ]{1,3}".prop_map(|n| format!("['{n}']")),
            (-3i64..3).prop_map(|i| format!("[{i}]")),
        ], 0..5),
        target in json_value(),
        value in json_value(),
    ) {
        let text = format!("${}", steps.concat());
        let p = path::parse(&text).unwrap();
        prop_assert!(p.is_reference_path() && p.is_definite());
        let mut t = Json::from(target);
        let value = Json::from(value);
        if p.set(&mut t, value.clone()).is_ok() {
            let got = p.select_input(&t).unwrap().to_value();
            prop_assert_eq!(got, value);
        }
    }

    #[test]
    fn intrinsic_parse_never_panics(s in "\\PC{0,60}") {
        let _ = intrinsic::parse(&s);
    }

    #[test]
    fn intrinsic_like_strings_never_panic(
        name in prop::sample::select(intrinsic::Function::ALL.to_vec()),
        args in "[$a-z.'\\\\{}0-9, ()\\[\\]-]{0,30}",
    ) {
        let text = format!("{}({args})", name.name());
        if let Ok(call) = intrinsic::parse(&text) {
            let v = bjson!({"a": [1, 2, 3], "b": "x,y", "c": 2.5, "d": {"k": 1}});
            let none = |_: &str| None;
            let mut entropy = SplitMix64(1);
            let ctx = IntrinsicContext::new(&v, &v, &none, &mut entropy);
            let _ = call.evaluate(&ctx);
            // What Display shows parses back to the same call.
            prop_assert_eq!(intrinsic::parse(&call.to_string()), Ok(call));
        }
    }
}
