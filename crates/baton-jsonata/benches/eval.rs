//! Evaluation micro-benchmarks: `cargo bench -p baton-jsonata`.
//! Each expression is compiled once and evaluated repeatedly against a suite dataset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use baton_jsonata::{Bindings, Expression};

const CASES: &[(&str, &str)] = &[
    (
        "field path",
        "Account.Order[0].Product[0].Description.Colour",
    ),
    (
        "sum of products",
        "$sum(Account.Order.Product.(Price * Quantity))",
    ),
    (
        "filter + map",
        "Account.Order.Product[Price > 30].{ 'name': `Product Name`, 'cost': Price * Quantity }",
    ),
    (
        "group-by",
        "Account.Order.Product{ `Product Name`: $sum(Quantity) }",
    ),
    ("sort", "Account.Order.Product^(>Price).SKU"),
    (
        "parent",
        "Account.Order.Product.{ 'order': %.OrderID, 'name': `Product Name` }",
    ),
    (
        "string functions",
        "$join(Account.Order.Product.$uppercase(`Product Name`), ', ')",
    ),
    (
        "lambda + reduce",
        "$reduce([1..100], function($a, $b){ $a + $b })",
    ),
    (
        "transform",
        "$ ~> |Account.Order.Product|{ 'Total': Price * Quantity }, ['Description']|",
    ),
];

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/suite/datasets/dataset5.json"
    );
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let bindings = Bindings::new();
    for (name, src) in CASES {
        let expr = Expression::parse(src).unwrap();
        let mut iters = 0u64;
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(300) {
            for _ in 0..100 {
                black_box(expr.evaluate(Some(black_box(&input)), &bindings).unwrap());
            }
            iters += 100;
        }
        let per = start.elapsed().as_nanos() as f64 / iters as f64;
        println!("{name:<18} {per:>10.0} ns/eval  ({src})");
    }
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < Duration::from_millis(300) {
        for (_, src) in CASES {
            black_box(Expression::parse(src).unwrap());
            n += 1;
        }
    }
    println!(
        "{:<18} {:>10.0} ns/parse",
        "parse (avg)",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}
