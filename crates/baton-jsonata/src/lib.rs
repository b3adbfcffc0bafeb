//! JSONata engine: lexer, parser, evaluator and built-in functions. Pure: no I/O, no clock.
//!
//! Implements JSONata 2.x (the language of the `jsonata` 2.2.2 reference implementation):
//! paths, predicates, wildcards, descendants, the parent operator `%`, context and index
//! binding (`@`, `#`), order-by `^( )`, group-by `{ }`, transforms `| ... |`, conditionals,
//! `?:` and `??`, function chains `~>`, lambdas and closures, partial application, function
//! signatures, regular expressions, ranges, blocks, variable binding and every built-in
//! function. The vendored conformance suite (`tests/suite`) passes 1,684 of its 1,686 cases;
//! the other two cannot be represented in Rust strings (lone UTF-16 surrogates).
//!
//! ```
//! use baton_jsonata::{Bindings, Expression};
//! let expr = Expression::parse("$sum(items.price)").unwrap();
//! let input = serde_json::json!({"items": [{"price": 2}, {"price": 3}]});
//! let out = expr.evaluate(Some(&input), &Bindings::new()).unwrap();
//! assert_eq!(out, Some(serde_json::json!(5)));
//! ```
//!
//! # Design
//!
//! - An [`Expression`] is compiled once and can be evaluated many times, from any thread.
//! - The input document and bound variables are read in place (borrowed), never deep-copied;
//!   only values the expression builds are allocated (reference counted, `Send + Sync`).
//! - [`Bindings`] carries variables, host functions (which may override built-ins, e.g.
//!   `$random`), disabled built-ins (e.g. `$eval`), the clock used by `$now()`/`$millis()`,
//!   the random source, and [`Limits`].
//! - Instead of wall-clock time limits, evaluation has a step budget and a maximum nesting
//!   depth, both reported as error `U1001`. Deep recursion never overflows the thread stack
//!   (the stack is grown on the heap when needed), and deeply nested values, chains of
//!   closures and syntax trees are dropped iteratively. The parser refuses (`U1001`)
//!   sub-expressions nested more than 1,000 deep and operator chains making a tree more than
//!   10,000 levels high; a result nested more than 1,000 arrays or objects deep is refused
//!   rather than handed to a host that would walk it recursively.
//! - Errors carry the reference implementation's codes (`S0xxx`, `T0xxx`–`T2xxx`,
//!   `D1xxx`–`D3xxx`, `U1001`), with position and token where known.
//!
//! # ECMAScript semantics
//!
//! Numbers are `f64` and print like JavaScript (`ryu-js`); regular expressions are
//! ECMAScript regular expressions (`regress`); objects keep insertion order. As in the
//! reference, `$length`, `$substring` and `$pad` count Unicode code points, while `$match`
//! reports UTF-16 indexes. Picture strings (`$formatNumber`, `$formatInteger`,
//! `$parseInteger`, `$formatBase`, `$fromMillis`, `$toMillis`, `$now`) are implemented in
//! [`picture`]. Object properties are visited in JavaScript's order (array-index names
//! first, ascending), which `$string`, `$keys`, `$each` and friends show.
//!
//! Besides the conformance suite, `tests/differential` checks thousands of random expressions
//! against the answers of the reference implementation (jsonata 2.2.2). Known differences:
//!
//! - Strings are Rust strings, so a lone UTF-16 surrogate cannot exist: `$split(s, "")` splits
//!   into code points where JavaScript would split a surrogate pair in two.
//! - Items of an array constructor are evaluated in order; the reference evaluates them
//!   concurrently, so when several items fail, it may report a different item's error.
//! - Numbers match JavaScript's IEEE arithmetic, but `$power` may differ from V8's `Math.pow`
//!   in the last bit.
//! - Regular expressions backtrack like JavaScript's, so a pathological pattern can take
//!   exponential time inside one step.

mod ast;
mod env;
mod error;
mod eval;
mod functions;
mod parser;
pub mod picture;
mod pictures_adapter;
mod signature;
mod value;

use std::borrow::Cow;
use std::sync::Arc;

pub use baton_json::Json;
pub use error::Error;

use crate::env::Frame;
use crate::eval::Ctx;
use crate::value::Value;

/// A host-provided native function: receives evaluated arguments (`None` = undefined)
/// and returns a value (`None` = undefined).
pub type NativeFn = Arc<dyn Fn(&[Option<Json>]) -> Result<Option<Json>, Error> + Send + Sync>;

/// A registered host function.
#[derive(Clone)]
pub(crate) struct NativeFunction {
    pub(crate) func: NativeFn,
    pub(crate) signature: Option<signature::Signature>,
    pub(crate) arity: usize,
}

impl std::fmt::Debug for NativeFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeFunction")
            .field("arity", &self.arity)
            .finish()
    }
}

/// Evaluation limits standing in for wall-clock time limits. The default allows 5,000
/// nested evaluation frames and 50 million steps.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum nesting of evaluation frames (error `U1001` beyond it).
    pub max_depth: usize,
    /// Maximum number of evaluation steps (error `U1001` beyond it); `None` = unlimited.
    /// Building large ranges, arrays and strings is charged in proportion to their size.
    pub max_steps: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 5000,
            max_steps: Some(50_000_000),
        }
    }
}

/// Variables, host functions, hooks and limits for one evaluation.
#[derive(Clone, Default)]
pub struct Bindings<'b> {
    pub(crate) vars: Vec<(Arc<str>, Cow<'b, Json>)>,
    pub(crate) functions: Vec<(Arc<str>, NativeFunction)>,
    pub(crate) disabled: Vec<String>,
    pub(crate) clock: Option<Arc<dyn Fn() -> f64 + Send + Sync>>,
    pub(crate) random: Option<Arc<dyn Fn() -> f64 + Send + Sync>>,
    pub(crate) limits: Limits,
}

impl std::fmt::Debug for Bindings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bindings")
            .field("vars", &self.vars)
            .field("functions", &self.functions)
            .field("disabled", &self.disabled)
            .field("limits", &self.limits)
            .finish()
    }
}

impl<'b> Bindings<'b> {
    /// Empty bindings with default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `$name` to a document (borrowed, not copied).
    pub fn var(mut self, name: &str, value: &'b Json) -> Self {
        self.vars.push((name.into(), Cow::Borrowed(value)));
        self
    }

    /// Binds `$name` to a `serde_json` value (converted once, here).
    pub fn var_value(mut self, name: &str, value: &serde_json::Value) -> Self {
        self.vars.push((name.into(), Cow::Owned(Json::from(value))));
        self
    }

    /// Registers a host function `$name`. `signature` uses JSONata signature syntax
    /// (e.g. `"<n-n:n>"`) and is validated before each call. A host function with the name
    /// of a built-in replaces it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use baton_jsonata::{Bindings, Error, Expression};
    /// let bindings = Bindings::new()
    ///     .function("double", Some("<n:n>"), Arc::new(|args| {
    ///         let n = args[0].as_ref().and_then(|v| v.as_f64())
    ///             .ok_or_else(|| Error::host("X0001", "not a number"))?;
    ///         Ok(Some(serde_json::json!(n * 2.0).into()))
    ///     }))?
    ///     .disable("eval");
    /// let out = Expression::parse("$double(21)")?.evaluate(None, &bindings)?;
    /// assert_eq!(out, Some(serde_json::json!(42)));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn function(
        mut self,
        name: &str,
        signature: Option<&str>,
        func: NativeFn,
    ) -> Result<Self, Error> {
        let sig = match signature {
            Some(s) => Some(signature::Signature::parse(s)?),
            None => None,
        };
        let arity = sig.as_ref().map_or(1, signature::Signature::arity);
        self.functions.push((
            name.into(),
            NativeFunction {
                func,
                signature: sig,
                arity,
            },
        ));
        Ok(self)
    }

    /// Makes a built-in function (e.g. `eval`) unavailable.
    pub fn disable(mut self, name: &str) -> Self {
        self.disabled.push(name.to_string());
        self
    }

    /// Injects the clock used by `$now()` and `$millis()` (milliseconds since the epoch).
    /// Without it, the clock reads 0.
    pub fn clock(mut self, clock: Arc<dyn Fn() -> f64 + Send + Sync>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Injects the random source used by `$random()` and `$shuffle()` (values in `[0, 1)`).
    /// Without it, a fixed-seed generator is used.
    pub fn random(mut self, random: Arc<dyn Fn() -> f64 + Send + Sync>) -> Self {
        self.random = Some(random);
        self
    }

    /// Sets the evaluation limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// A compiled JSONata expression: parse once, evaluate many times (from any thread).
#[derive(Debug)]
pub struct Expression {
    root: ast::Node,
    /// The name `$` binds the input to (allocated once, not per evaluation).
    dollar: Arc<str>,
}

impl Expression {
    /// Parses and compiles an expression.
    pub fn parse(source: &str) -> Result<Expression, Error> {
        Ok(Expression {
            root: parser::parse(source)?,
            dollar: Arc::from("$"),
        })
    }

    /// Evaluates against a `serde_json` input (`None` = undefined input), converting the
    /// input and the result. Returns `None` when the result is undefined. Hosts that keep
    /// their documents as [`Json`] call [`Expression::evaluate_json`], which copies nothing.
    pub fn evaluate(
        &self,
        input: Option<&serde_json::Value>,
        bindings: &Bindings<'_>,
    ) -> Result<Option<serde_json::Value>, Error> {
        let input = input.map(Json::from);
        self.evaluate_json(input.as_ref(), bindings)
            .map(|r| r.map(|j| j.to_value()))
    }

    /// Evaluates against `input` (`None` = undefined input), reading it in place; the parts
    /// of the input that the result holds are shared with it, not copied. Returns `None`
    /// when the result is undefined; a function result becomes `""`, as `JSON.stringify`
    /// gives it (see [`Expression::evaluate_outcome`] to tell it apart).
    pub fn evaluate_json(
        &self,
        input: Option<&Json>,
        bindings: &Bindings<'_>,
    ) -> Result<Option<Json>, Error> {
        Ok(match self.evaluate_outcome(input, bindings)? {
            Outcome::Value(v) => Some(v),
            Outcome::Undefined => None,
            Outcome::Function => Some(Json::string("")),
        })
    }

    /// Like [`Expression::evaluate_json`], but says when the result is a function, which
    /// hosts that hand results on as JSON (Step Functions) must refuse.
    pub fn evaluate_outcome(
        &self,
        input: Option<&Json>,
        bindings: &Bindings<'_>,
    ) -> Result<Outcome, Error> {
        let ctx = Ctx::new(bindings);
        let root = Frame::root();
        for (name, v) in &bindings.vars {
            root.bind(name, Value::from_json(v));
        }
        let input_v = input.map_or(Value::Undefined, Value::from_json);
        root.bind(&self.dollar, input_v.clone());
        let input_v = match input {
            Some(Json::Array(_)) => Value::outer(input_v),
            _ => input_v,
        };
        let result = ctx.eval(&self.root, &input_v, &root).and_then(|v| {
            if v.is_func() {
                return Ok(Outcome::Function);
            }
            Ok(match v.to_json()? {
                Some(j) => Outcome::Value(j),
                None => Outcome::Undefined,
            })
        });
        ctx.release();
        root.clear();
        result
    }
}

/// What an evaluation gave, for [`Expression::evaluate_outcome`].
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A JSON value.
    Value(Json),
    /// Nothing (JSONata's `undefined`).
    Undefined,
    /// A function (a lambda, a built-in, a partial application...).
    Function,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn thread_safe<T: Send + Sync>() {}

    #[test]
    fn types_are_thread_safe() {
        thread_safe::<Expression>();
        thread_safe::<Bindings<'static>>();
        thread_safe::<Value<'static>>();
    }

    #[test]
    fn closures_do_not_leak_frames() {
        let before = env::LIVE.with(|l| l.get());
        let e = Expression::parse(
            "($f := function($n){ $n > 0 ? $f($n - 1) : {'g': function(){ $f }} }; $o := $f(3); $o.g()(0).g ~> $type())",
        )
        .unwrap();
        let r = e.evaluate(None, &Bindings::new()).unwrap();
        assert_eq!(r, Some(serde_json::json!("function")));
        assert_eq!(env::LIVE.with(|l| l.get()), before);
    }

    #[test]
    fn simple() {
        let e = Expression::parse("a.b + 1").unwrap();
        let input = serde_json::json!({"a": {"b": 2}});
        assert_eq!(
            e.evaluate(Some(&input), &Bindings::new()).unwrap(),
            Some(serde_json::json!(3))
        );
    }
}
