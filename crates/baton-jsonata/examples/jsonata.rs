//! Evaluates a JSONata expression: `cargo run -p baton-jsonata --example jsonata -- EXPR [INPUT.json]`.

use baton_jsonata::{Bindings, Expression};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(expr) = args.next() else {
        eprintln!("usage: jsonata EXPR [INPUT.json]");
        std::process::exit(2);
    };
    let input: Option<serde_json::Value> = args
        .next()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str(&t).ok());
    let result =
        Expression::parse(&expr).and_then(|e| e.evaluate(input.as_ref(), &Bindings::new()));
    match result {
        Ok(Some(v)) => println!("{v}"),
        Ok(None) => println!("(undefined)"),
        Err(e) => {
            println!(
                "error {}: {} (token {:?}, position {:?})",
                e.code, e.message, e.token, e.position
            );
            std::process::exit(1);
        }
    }
}
