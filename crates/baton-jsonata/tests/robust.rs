//! Robustness: arbitrary token soup never panics (it parses or fails with a code); deep
//! nesting of expressions and of values gives an error, never a stack overflow; the fast
//! paths of serialisation agree with serde_json.
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

/// Parses and evaluates `src` against `{"a": 1}` with default limits.
fn run(src: &str) -> Result<Option<serde_json::Value>, baton_jsonata::Error> {
    Expression::parse(src)?.evaluate(Some(&serde_json::json!({"a": 1})), &Bindings::new())
}

fn assert_too_deep(src: &str) {
    let err = Expression::parse(src).expect_err("too deep to parse");
    assert_eq!(err.code, "U1001", "{}: {err:?}", &src[..src.len().min(40)]);
}

#[test]
fn deeply_nested_expressions_are_errors() {
    let n = 100_000;
    assert_too_deep(&format!("{}1{}", "(".repeat(n), ")".repeat(n)));
    assert_too_deep(&format!("{}1{}", "[".repeat(n), "]".repeat(n)));
    assert_too_deep(&format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)));
    assert_too_deep(&format!("{}1", "-".repeat(n)));
    assert_too_deep(&format!("{}1", "true ? ".repeat(n)));
    assert_too_deep(&format!("{}1{}", "$string(".repeat(n), ")".repeat(n)));
    assert_too_deep(&format!("{}1{}", "function($x){".repeat(n), "}".repeat(n)));
    assert_too_deep(&format!("{}1{}", "($a := ".repeat(n), ")".repeat(n)));
    assert_too_deep(&"(".repeat(n));
    assert_too_deep(&"[{".repeat(n));
}

#[test]
fn long_operator_chains_are_errors() {
    // chains nest without nesting sub-expressions: `((a & b) & c) & ...`
    let n = 100_000;
    assert_too_deep(&format!("a{}", ".a".repeat(n)));
    assert_too_deep(&format!("'a'{}", " & 'a'".repeat(n)));
    assert_too_deep(&format!("1{}", " + 1".repeat(n)));
    assert_too_deep(&format!("a{}", "[0]".repeat(n)));
    assert_too_deep(&format!("1{}", " ~> $string".repeat(n)));
    // an error found after a long chain (the chain is dropped without recursion)
    let err = Expression::parse(&format!("1{} +", " + 1".repeat(300_000))).unwrap_err();
    assert_eq!(err.code, "S0207");
}

#[test]
fn long_chains_within_the_limits_evaluate() {
    let concat = format!("'a'{}", " & 'a'".repeat(5_000));
    assert_eq!(
        run(&concat).unwrap().unwrap().as_str().map(str::len),
        Some(5_001)
    );
    let doc = serde_json::json!({"a": {"a": {"a": 7}}});
    let path = format!("$${}", ".a".repeat(3));
    let e = Expression::parse(&format!("{path} + {}", "0 + ".repeat(2_000) + "0")).unwrap();
    assert_eq!(
        e.evaluate(Some(&doc), &Bindings::new()).unwrap(),
        Some(serde_json::json!(7))
    );
    // a long path over a value that ends early
    assert_eq!(run(&format!("a{}", ".b".repeat(5_000))).unwrap(), None);
}

#[test]
fn deep_recursion_is_an_error() {
    let err = run("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))").unwrap_err();
    assert_eq!(err.code, "U1001");
    // tail calls run in constant depth
    assert_eq!(
        run("($f := function($n){ $n = 0 ? 'done' : $f($n - 1) }; $f(100000))").unwrap(),
        Some(serde_json::json!("done"))
    );
}

#[test]
fn deeply_nested_values_are_handled_or_refused() {
    // values 100,000 levels deep are built, compared, serialised and dropped without
    // recursion; only handing one back to the host is refused
    let deep = "$f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, {'a': [$acc]}) }";
    let r = run(&format!("({deep}; $length($string($f(100000, 1))))")).unwrap();
    assert_eq!(r, Some(serde_json::json!(100_000 * 8 + 1)));
    let r = run(&format!("({deep}; $f(100000, 1) = $f(100000, 1))")).unwrap();
    assert_eq!(r, Some(serde_json::json!(true)));
    let r = run(&format!("({deep}; $count($f(100000, 1).**))")).unwrap();
    assert_eq!(r, Some(serde_json::json!(100_001)));
    let err = run(&format!("({deep}; $f(100000, 1))")).unwrap_err();
    assert_eq!(err.code, "U1001");
    // shallow enough results come back
    let r = run(&format!("({deep}; $f(400, 1))")).unwrap().unwrap();
    assert!(r.is_object());
}

#[test]
fn long_chains_of_closures_are_dropped_without_recursion() {
    for src in [
        "($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, function(){ $acc }) }; $type($f(100000, 1)))",
        "($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $append(?, $acc)) }; $type($f(100000, 1)))",
        "($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $acc ~> $string) }; $type($f(100000, $string)))",
    ] {
        assert_eq!(
            run(src).unwrap(),
            Some(serde_json::json!("function")),
            "{src}"
        );
    }
}

fn stringify(v: &serde_json::Value) -> String {
    let b = Bindings::new().var_value("v", v);
    let out = Expression::parse("$string($v)")
        .unwrap()
        .evaluate(None, &b)
        .unwrap();
    out.unwrap().as_str().unwrap().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// `$string` escapes strings (8 bytes at a time where it can) exactly as JSON.stringify
    /// and serde_json do.
    #[test]
    fn string_escaping_matches_serde(s in "(\\PC|[\u{0}-\u{1f}\"\\\\\u{7f}\u{2028}]){0,40}") {
        let v = serde_json::json!({"k": s, "l": [s]});
        prop_assert_eq!(stringify(&v), serde_json::to_string(&v).unwrap());
    }

    /// Integers print with their digits, like JavaScript.
    #[test]
    fn integers_print_like_javascript(n in -999_999_999_999_999i64..999_999_999_999_999) {
        prop_assert_eq!(stringify(&serde_json::json!([n])), format!("[{n}]"));
        prop_assert_eq!(run(&format!("'' & {n}")).unwrap(), Some(serde_json::json!(n.to_string())));
    }
}
