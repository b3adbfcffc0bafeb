//! Property tests: arbitrary token soup never panics; it parses or fails with a code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_jsonata::{Bindings, Expression, Limits};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "a",
    "b",
    "c",
    "$",
    "$$",
    "$x",
    "$f",
    "*",
    "**",
    "%",
    ".",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    ",",
    ";",
    ":",
    "?",
    "??",
    "?:",
    "+",
    "-",
    "/",
    "=",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "&",
    "and",
    "or",
    "in",
    "~>",
    ":=",
    "@",
    "#",
    "^",
    "|",
    "..",
    "0",
    "1",
    "2",
    "-1",
    "1.5",
    "'s'",
    "\"t\"",
    "true",
    "false",
    "null",
    "/a+/i",
    "function($x){$x}",
    "function($a,$b)<nn:n>{$a+$b}",
    "$string",
    "$sum",
    "$map",
    "$filter",
    "$reduce",
    "$sort",
    "$keys",
    "$lookup",
    "$match",
    "$replace",
    "$split",
    "$join",
    "$substring",
    "$pad",
    "$number",
    "$round",
    "$eval",
    "$each",
    "$sift",
    "$spread",
    "$merge",
    "$distinct",
    "$zip",
    "$append",
    "$count",
    "$exists",
    "$type",
    "$formatNumber",
    "$formatInteger",
    "$fromMillis",
    "$toMillis",
    "$boolean",
    "$not",
    "$single",
    "$error",
    "$assert",
    " ",
    "%.",
    "[0]",
    "@$x",
    "#$i",
    "^(",
    "^(>",
    "|a|{'z':1}|",
    "|b|{}, ['c']|",
    "$$.a",
    "**.b",
    "a.b.c",
    "{'k': a}",
    "[1..3]",
    "$f := function($n){ $n < 1 ? 0 : $f($n - 1) }",
    "$f(3)",
    "b{$string(a): c}",
    "a#$i[$i < 2]",
];

fn input() -> serde_json::Value {
    serde_json::json!({
        "a": [1, 2, {"b": [3, {"c": "x"}]}, null],
        "b": {"c": [true, "y", 2.5], "a": {"a": {"b": 1}}},
        "c": "hello"
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(idx in proptest::collection::vec(0..TOKENS.len(), 1..14)) {
        let src: String = idx.iter().map(|i| TOKENS[*i]).collect::<Vec<_>>().join(" ");
        let data = input();
        let bindings = Bindings::new().limits(Limits { max_depth: 200, max_steps: Some(20_000) });
        match Expression::parse(&src) {
            Ok(e) => {
                if let Err(err) = e.evaluate(Some(&data), &bindings) {
                    prop_assert!(!err.code.is_empty());
                }
            }
            Err(err) => prop_assert!(err.code.starts_with('S') || err.code == "U1001", "{src}: {err:?}"),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,40}") {
        if let Ok(e) = Expression::parse(&src) {
            let bindings = Bindings::new().limits(Limits { max_depth: 200, max_steps: Some(20_000) });
            let _ = e.evaluate(Some(&input()), &bindings);
        }
    }
}
