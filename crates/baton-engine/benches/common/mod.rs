//! The workload the engine benchmarks share: a 10-state Pass chain with InputPath, Parameters
//! and ResultPath, and about 1 KiB of order data as its input.
#![allow(dead_code)]

use serde_json::{Value, json};

/// The 10-state JSONPath Pass chain.
pub fn jsonpath_chain() -> String {
    let mut states = serde_json::Map::new();
    for i in 0..10 {
        let mut s = json!({
            "Type": "Pass",
            "InputPath": "$",
            "Parameters": {"order.$": "$.order", "step": i, "customer.$": "$.customer.name"},
            "ResultPath": "$.last",
        });
        if i < 9 {
            s["Next"] = json!(format!("S{}", i + 1));
        } else {
            s["End"] = json!(true);
        }
        states.insert(format!("S{i}"), s);
    }
    json!({"StartAt": "S0", "States": states}).to_string()
}

/// About 1 KiB of order data.
pub fn input() -> Value {
    let items: Vec<Value> = (0..14)
        .map(|i| json!({"sku": format!("SKU-{i:05}"), "name": format!("Item number {i}"), "price": 10.5 + i as f64, "qty": i + 1}))
        .collect();
    json!({
        "order": {"id": "ord-123456", "items": items, "currency": "EUR"},
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com", "tier": "gold"},
    })
}
