//! Fuzz target: the bytes up to the first NUL are a JSONata expression, the rest a JSON
//! document (without a NUL, or when it is not JSON, a fixed document stands in). Expressions
//! that parse are evaluated against the document under bounded limits (the engine's depth
//! limit of 500 frames and a step budget), with a bound variable, a host function, a clock and
//! a random source, so every part of the API is exercised. The only acceptable outcomes are a
//! result or an error with a code; the result must serialise.
#![no_main]

use std::sync::Arc;

use baton_json::Json;
use baton_jsonata::{Bindings, Expression, Limits};
use libfuzzer_sys::fuzz_target;

const DOCUMENT: &str = r#"{"a": [1, 2, {"b": [3, {"c": "x"}]}, null], "b": {"c": [true, "y", 2.5], "a": {"a": {"b": 1}}},
 "items": [{"sku": "A1", "price": 24.5, "qty": 2, "tags": ["x", "y"]}, {"sku": "B2", "price": 18, "qty": 1, "tags": []}],
 "s": "Hello, World", "n": -3.75, "t": "2024-05-14T09:21:37.412Z"}"#;

fuzz_target!(|data: &[u8]| {
    let (expr, doc) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(expr) = std::str::from_utf8(expr) else {
        return;
    };
    let Ok(expr) = Expression::parse(expr) else {
        return;
    };
    let fallback = || Json::parse(DOCUMENT).ok();
    let doc = match doc {
        Some(d) => std::str::from_utf8(d)
            .ok()
            .and_then(|d| Json::parse(d).ok())
            .or_else(fallback),
        None => fallback(),
    };
    let var = Json::parse(r#"{"input": {"x": 1}, "list": [3, 1, 2]}"#).ok();
    let mut bindings = Bindings::new();
    if let Some(v) = &var {
        bindings = bindings.var("states", v);
    }
    bindings = bindings
        .clock(Arc::new(|| 1_715_678_497_412.0))
        .random(Arc::new(|| 0.5))
        .limits(Limits {
            max_depth: 500,
            max_steps: Some(200_000),
        });
    if let Ok(b) = bindings.clone().function(
        "double",
        Some("<n:n>"),
        Arc::new(|args| Ok(args[0].as_ref().and_then(Json::as_f64).map(|n| Json::from(n * 2.0)))),
    ) {
        bindings = b;
    }
    match expr.evaluate_json(doc.as_ref(), &bindings) {
        Ok(Some(result)) => {
            let _ = result.to_json_string();
        }
        Ok(None) => {}
        Err(e) => {
            assert!(!e.code.is_empty(), "error without a code: {e:?}");
            let _ = e.to_string();
        }
    }
});
