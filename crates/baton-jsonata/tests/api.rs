//! Public API behaviour: bindings, host functions, hooks, limits, thread safety, robustness.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use baton_jsonata::{Bindings, Expression, Limits};
use serde_json::json;

fn eval(
    expr: &str,
    input: Option<&serde_json::Value>,
    b: &Bindings,
) -> Result<Option<serde_json::Value>, baton_jsonata::Error> {
    Expression::parse(expr)?.evaluate(input, b)
}

#[test]
fn variables_are_bound_by_reference() {
    let big = json!({"items": [1, 2, 3]});
    let b = Bindings::new().var_value("data", &big);
    assert_eq!(eval("$sum($data.items)", None, &b).unwrap(), Some(json!(6)));
}

#[test]
fn host_functions_and_disabled_builtins() {
    let b = Bindings::new()
        .function(
            "double",
            Some("<n:n>"),
            Arc::new(|args| {
                Ok(args[0]
                    .as_ref()
                    .and_then(|v| v.as_f64())
                    .map(|n| json!(n * 2.0).into()))
            }),
        )
        .unwrap()
        .disable("eval");
    assert_eq!(eval("$double(21)", None, &b).unwrap(), Some(json!(42)));
    assert_eq!(
        eval("[1,2].$double($)", None, &b).unwrap(),
        Some(json!([2, 4]))
    );
    assert_eq!(eval("$double('x')", None, &b).unwrap_err().code, "T0410");
    assert_eq!(eval("$eval('1')", None, &b).unwrap_err().code, "T1006");
}

#[test]
fn injected_clock_and_random() {
    let b = Bindings::new()
        .clock(Arc::new(|| 1_500_000_000_000.0))
        .random(Arc::new(|| 0.25));
    assert_eq!(
        eval("$millis()", None, &b).unwrap(),
        Some(json!(1_500_000_000_000_i64))
    );
    assert_eq!(
        eval("$now()", None, &b).unwrap(),
        Some(json!("2017-07-14T02:40:00.000Z"))
    );
    assert_eq!(eval("$random()", None, &b).unwrap(), Some(json!(0.25)));
}

#[test]
fn limits_stop_runaway_evaluation() {
    let depth = Bindings::new().limits(Limits {
        max_depth: 50,
        max_steps: None,
    });
    let e = eval(
        "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100))",
        None,
        &depth,
    )
    .unwrap_err();
    assert_eq!(e.code, "U1001");
    let steps = Bindings::new().limits(Limits {
        max_depth: 5000,
        max_steps: Some(10_000),
    });
    let e = eval("($f := function(){ $f() }; $f())", None, &steps).unwrap_err();
    assert_eq!(e.code, "U1001");
}

#[test]
fn building_huge_values_is_charged_to_the_step_budget() {
    let b = Bindings::new().limits(Limits {
        max_depth: 5000,
        max_steps: Some(100_000),
    });
    let e = eval(
        "$reduce([1..40], function($a, $b){ $a & $a }, 'xx')",
        None,
        &b,
    )
    .unwrap_err();
    assert_eq!(e.code, "U1001");
    let e = eval("$count([1..1000000])", None, &b).unwrap_err();
    assert_eq!(e.code, "U1001");
    let e = eval("$pad('x', 1e12)", None, &Bindings::new()).unwrap_err();
    assert_eq!(e.code, "U1001");
}

#[test]
fn deep_recursion_on_a_small_thread_stack() {
    let h = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            eval(
                "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1500))",
                None,
                &Bindings::new(),
            )
        })
        .unwrap();
    assert_eq!(h.join().unwrap().unwrap(), Some(json!(1500)));
}

#[test]
fn deeply_nested_expressions_and_values_do_not_crash() {
    let expr = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(
        eval(&expr, None, &Bindings::new()).unwrap_err().code,
        "U1001"
    );
    // builds a 20000-level nested object, then drops it
    let r = eval(
        "$count([1..20000] ~> $reduce(function($acc, $x){ {'a': $acc} }, {})) ",
        None,
        &Bindings::new(),
    )
    .unwrap();
    assert_eq!(r, Some(json!(1)));
}

#[test]
fn errors_carry_code_position_and_token() {
    let e = eval("1 + 'a'", None, &Bindings::new()).unwrap_err();
    assert_eq!(e.code, "T2002");
    assert_eq!(e.token.as_deref(), Some("+"));
    assert!(e.position.is_some());
    let e = Expression::parse("(1 + ").unwrap_err();
    assert_eq!(e.code, "S0207");
}

#[test]
fn compiled_once_evaluated_from_many_threads() {
    let expr = Arc::new(Expression::parse("$sum(a.b) & '-' & $count(a)").unwrap());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let expr = expr.clone();
            std::thread::spawn(move || {
                let input = json!({"a": [{"b": i}, {"b": 1}]});
                expr.evaluate(Some(&input), &Bindings::new()).unwrap()
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), Some(json!(format!("{}-2", i + 1))));
    }
}

#[test]
fn undefined_and_null_are_distinct() {
    assert_eq!(
        eval("nothing", Some(&json!({})), &Bindings::new()).unwrap(),
        None
    );
    assert_eq!(
        eval("a", Some(&json!({"a": null})), &Bindings::new()).unwrap(),
        Some(json!(null))
    );
    assert_eq!(eval("$", None, &Bindings::new()).unwrap(), None);
}

#[test]
fn inline_regex_modifiers_are_refused_as_the_reference_refuses_them() {
    // `(?i:...)` is ES2025; the reference's engine (node 20) rejects it, and regress would
    // compile it wrongly (found by the jsonata_parse fuzz target).
    for bad in ["/(?i:c)/", "/a(?-i:b)/", "/(?im-s:x)/"] {
        let err = Expression::parse(&format!("$match('abc', {bad})")).unwrap_err();
        assert_eq!(err.code, "S0303", "{bad}");
    }
    for good in [
        "/(?:c)/i",
        "/(?=c)/",
        "/(?!c)/",
        "/(?<n>c)/",
        "/(?<=a)b/",
        r"/\(?i:/",
    ] {
        assert!(
            Expression::parse(&format!("$match('abc', {good})")).is_ok(),
            "{good}"
        );
    }
    let m = eval("$match('ABC', /(?:c)/i).match", None, &Bindings::new()).unwrap();
    assert_eq!(m, Some(json!("C")));
}
