//! The evaluator.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use crate::Bindings;
use crate::ast::{BinOp, Group, Kind, Node, SortTerm, Stage, TransformDef};
use crate::env::{Env, Frame};
use crate::error::{Detail, Error};
use crate::functions::{Builtin, boolean, stringify, stringify_append};
use crate::value::{
    Array, Func, Lambda, Obj, Tuple, Value, deep_eq, map_get, num_to_str, strict_eq,
};

/// Per-evaluation state.
pub(crate) struct Ctx<'a> {
    pub(crate) bindings: &'a Bindings<'a>,
    depth: Cell<usize>,
    steps: Cell<u64>,
    pub(crate) now: f64,
    pub(crate) rng: Cell<u64>,
    /// Frames that received `:=` bindings which may close a cycle (frame -> closure -> frame).
    bound: RefCell<Vec<std::sync::Weak<Frame<'a>>>>,
}

type R<'a> = Result<Value<'a>, Error>;

/// Longest string an expression may build (JavaScript engines stop near 2^29 characters).
pub(crate) const MAX_STRING_BYTES: usize = 1 << 28;

/// Renders a value for error messages.
pub(crate) fn show(v: &Value<'_>) -> String {
    match v.as_str() {
        Some(s) => serde_json::Value::String(s.to_string()).to_string(),
        None => stringify(v, false).unwrap_or_else(|_| "?".into()),
    }
}

/// JSONata `fn.append`.
pub(crate) fn append<'a>(a: Value<'a>, b: Value<'a>) -> Value<'a> {
    if a.is_undef() {
        return b;
    }
    if b.is_undef() {
        return a;
    }
    let mut items = a.to_list();
    if b.is_array() {
        items.extend(b.items());
    } else {
        items.push(b);
    }
    Value::array(items)
}

/// Stable merge sort with a fallible "should swap" comparator.
pub(crate) fn merge_sort<T: Clone>(
    items: Vec<T>,
    swap: &mut dyn FnMut(&T, &T) -> Result<bool, Error>,
) -> Result<Vec<T>, Error> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mid = items.len() / 2;
    let left = merge_sort(items[..mid].to_vec(), swap)?;
    let right = merge_sort(items[mid..].to_vec(), swap)?;
    let mut out = Vec::with_capacity(items.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if swap(&left[i], &right[j])? {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    Ok(out)
}

fn js_lt(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Orders two numbers or two strings (JavaScript order; `None` for NaN); values of different
/// types raise `mismatch`.
fn compare_same_type(
    a: &Value<'_>,
    b: &Value<'_>,
    mismatch: &str,
) -> Result<Option<std::cmp::Ordering>, Error> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Ok(x.partial_cmp(y)),
        _ if a.is_string() && b.is_string() => Ok(Some(js_lt(
            a.as_str().unwrap_or(""),
            b.as_str().unwrap_or(""),
        ))),
        _ => Err(Error::with(
            mismatch,
            Detail {
                value: Some(show(a)),
                value2: Some(show(b)),
                ..Detail::default()
            },
        )),
    }
}

enum PathSeg {
    Key(Arc<str>),
    Idx(usize),
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(bindings: &'a Bindings<'a>) -> Self {
        let now = bindings.clock.as_ref().map_or(0.0, |c| c());
        Ctx {
            bindings,
            depth: Cell::new(0),
            steps: Cell::new(0),
            now,
            rng: Cell::new(0x2545_F491_4F6C_DD1D),
            bound: RefCell::new(Vec::new()),
        }
    }

    /// Clears frames that may be part of closure reference cycles; call once evaluation
    /// has finished and its result has been converted.
    pub(crate) fn release(&self) {
        for w in self.bound.borrow_mut().drain(..) {
            if let Some(f) = w.upgrade() {
                f.clear();
            }
        }
    }

    pub(crate) fn random(&self) -> f64 {
        if let Some(r) = &self.bindings.random {
            return r();
        }
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn eval(&self, node: &Node, input: &Value<'a>, env: &Env<'a>) -> R<'a> {
        let d = self.depth.get() + 1;
        if d > self.bindings.limits.max_depth {
            return Err(Error::new("U1001").at(node.position));
        }
        let s = self.steps.get() + 1;
        if let Some(max) = self.bindings.limits.max_steps
            && s > max
        {
            return Err(Error::new("U1001").at(node.position));
        }
        self.steps.set(s);
        self.depth.set(d);
        // checking the remaining stack every few levels is enough: the guard keeps far more
        // headroom than a few evaluation frames use
        let r = if d.is_multiple_of(4) {
            crate::value::guard(|| self.eval_inner(node, input, env))
        } else {
            self.eval_inner(node, input, env)
        };
        self.depth.set(d - 1);
        r
    }

    fn eval_inner(&self, node: &Node, input: &Value<'a>, env: &Env<'a>) -> R<'a> {
        let mut result = match &node.kind {
            Kind::Path(steps) => self.path(node, steps, input, env)?,
            Kind::Binary(op, l, r) => self.binary(node, *op, l, r, input, env)?,
            Kind::Neg(e) => {
                let v = self.eval(e, input, env)?;
                if v.is_undef() {
                    Value::Undefined
                } else if v.is_numeric()? {
                    Value::Number(-v.as_num().unwrap_or(0.0))
                } else {
                    return Err(Error::with(
                        "D1002",
                        Detail {
                            token: Some("-".into()),
                            value: Some(show(&v)),
                            ..Detail::default()
                        },
                    )
                    .at(node.position));
                }
            }
            Kind::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    let v = self.eval(item, input, env)?;
                    if v.is_undef() {
                        continue;
                    }
                    if matches!(item.kind, Kind::Array(_)) {
                        out.push(v);
                    } else if let Value::Tuples(t) = &v {
                        out.extend(t.iter().map(|t| t.at.clone()));
                    } else if v.is_array() {
                        out.extend(v.items());
                    } else {
                        out.push(v);
                    }
                }
                let mut arr = Array::new(out, false);
                arr.cons = node.cons_array;
                Value::Array(Arc::new(arr))
            }
            Kind::Object(pairs) => self.group(pairs, node.position, input.clone(), env)?,
            Kind::Name(n) => lookup(input, n),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Num(n) => Value::Number(*n),
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Null => Value::Null,
            Kind::Wildcard => wildcard(input),
            Kind::Descendant => {
                if input.is_undef() {
                    Value::Undefined
                } else {
                    let mut out = Vec::new();
                    descendants(input, &mut out);
                    if out.len() == 1 {
                        out.pop().unwrap_or_default()
                    } else {
                        Value::seq(out)
                    }
                }
            }
            Kind::Parent(_) => match &node.parent_label {
                Some(l) => env.lookup(l).unwrap_or_default(),
                None => Value::Undefined,
            },
            Kind::Condition(c, t, e) => {
                let cv = self.eval(c, input, env)?;
                if boolean(&cv)? {
                    self.eval(t, input, env)?
                } else if let Some(e) = e {
                    self.eval(e, input, env)?
                } else {
                    Value::Undefined
                }
            }
            Kind::Coalesce(a, b) => {
                let v = self.eval(a, input, env)?;
                if v.is_undef() {
                    self.eval(b, input, env)?
                } else {
                    v
                }
            }
            Kind::Elvis(a, b) => {
                let v = self.eval(a, input, env)?;
                if boolean(&v)? {
                    v
                } else {
                    self.eval(b, input, env)?
                }
            }
            Kind::Block(exprs) => {
                let frame = Frame::child(env);
                let mut r = Value::Undefined;
                for e in exprs {
                    r = self.eval(e, input, &frame)?;
                }
                r
            }
            Kind::Bind(name, rhs) => {
                let v = self.eval(rhs, input, env)?;
                if matches!(v, Value::Func(_) | Value::Array(_) | Value::Object(_)) {
                    self.bound.borrow_mut().push(Arc::downgrade(env));
                }
                env.bind(name, v.clone());
                v
            }
            Kind::Regex(re) => Value::func(Func::Regex(re.clone())),
            Kind::Call(p, args) => self.call(node, p, args, input, env, None)?,
            Kind::Partial(p, args) => self.partial(node, p, args, input, env)?,
            Kind::Variable(name) => {
                if name.is_empty() {
                    match input {
                        Value::Array(a) if a.outer => a.items.first().cloned().unwrap_or_default(),
                        v => v.clone(),
                    }
                } else {
                    self.lookup_var(env, name).unwrap_or_default()
                }
            }
            Kind::Lambda(def) => Value::func(Func::Lambda(Lambda {
                def: def.clone(),
                params: def.params.clone(),
                input: input.clone(),
                env: env.clone(),
                partial: false,
            })),
            Kind::Apply(l, r) => self.apply_expr(node, l, r, input, env)?,
            Kind::Transform(def) => Value::func(Func::Transform {
                def: def.clone(),
                env: env.clone(),
            }),
            _ => Value::Undefined,
        };
        for p in &node.predicate {
            if let Stage::Filter(e) = p {
                result = self.filter(e, result, env)?;
            }
        }
        if !matches!(node.kind, Kind::Path(_))
            && let Some(g) = &node.group
        {
            result = self.group_by(g, result, env)?;
        }
        if let Value::Array(a) = &result
            && a.seq
        {
            if node.keep_array {
                result.set_keep();
            }
            let (len, keep) = match &result {
                Value::Array(a) => (a.items.len(), a.keep),
                _ => (2, true),
            };
            if len == 0 {
                result = Value::Undefined;
            } else if len == 1 && !keep {
                result = result.at(0);
            }
        }
        Ok(result)
    }

    pub(crate) fn lookup_var(&self, env: &Env<'a>, name: &str) -> Option<Value<'a>> {
        if let Some(v) = env.lookup(name) {
            return Some(v);
        }
        if self.bindings.functions.iter().any(|f| &*f.0 == name) {
            return Some(Value::func(Func::Host(name.into())));
        }
        if self.bindings.disabled.iter().any(|d| d == name) {
            return None;
        }
        Builtin::by_name(name).map(|b| Value::func(Func::Builtin(b)))
    }

    // ------------------------------------------------------------------ paths

    /// Counts one evaluation step against the budget (for work done without `eval`).
    fn tick(&self, position: usize) -> Result<(), Error> {
        let s = self.steps.get() + 1;
        if let Some(max) = self.bindings.limits.max_steps
            && s > max
        {
            return Err(Error::new("U1001").at(position));
        }
        self.steps.set(s);
        Ok(())
    }

    /// Fast path for a path starting with bare field names (`a.b.c`) on a single value:
    /// walks the names without building sequences. Returns the finished result, or the
    /// index of the first step left to the general algorithm with the value it applies to.
    fn plain_prefix(
        &self,
        steps: &[Node],
        input: &Value<'a>,
    ) -> Result<Result<Value<'a>, (usize, Value<'a>)>, Error> {
        let mut cur = input.clone();
        for (ii, step) in steps.iter().enumerate() {
            let Some(name) = step.plain_name() else {
                return Ok(Err((ii, cur)));
            };
            let v = match &cur {
                Value::JObject(o) => match map_get(o, name) {
                    Some(j) => Value::from_json(j),
                    None => return self.tick(step.position).map(|()| Ok(Value::Undefined)),
                },
                Value::Object(o) => match map_get(o, name) {
                    Some(v) if !matches!(v, Value::Array(_) | Value::Tuples(_)) => v.clone(),
                    Some(_) => return Ok(Err((ii, cur))),
                    None => return self.tick(step.position).map(|()| Ok(Value::Undefined)),
                },
                Value::Array(_) | Value::JArray(_) | Value::Tuples(_) => {
                    return Ok(Err((ii, cur)));
                }
                _ => return self.tick(step.position).map(|()| Ok(Value::Undefined)),
            };
            let last = ii + 1 == steps.len();
            if matches!(v, Value::JArray(_)) && !last {
                // an array in the middle of the path: the general algorithm maps over it
                return Ok(Err((ii, cur)));
            }
            self.tick(step.position)?;
            if last {
                return Ok(Ok(v));
            }
            if v.is_undef() {
                return Ok(Ok(v));
            }
            cur = v;
        }
        Ok(Ok(cur))
    }

    fn path(&self, node: &Node, steps: &[Node], input: &Value<'a>, env: &Env<'a>) -> R<'a> {
        let mut start = 0;
        let mut prefix_input = None;
        if !input.is_array()
            && !node.keep_singleton_array
            && !node.keep_array
            && node.group.is_none()
            && steps.first().is_some_and(|s| s.plain_name().is_some())
        {
            match self.plain_prefix(steps, input)? {
                Ok(v) => return Ok(v),
                Err((ii, cur)) => {
                    start = ii;
                    prefix_input = Some(cur);
                }
            }
        }
        let first_is_var = steps
            .first()
            .is_some_and(|s| matches!(s.kind, Kind::Variable(_)));
        let mut input_seq: Vec<Value<'a>> = match prefix_input {
            Some(cur) => vec![cur],
            None if input.is_array() && !first_is_var => input.items(),
            None => vec![input.clone()],
        };
        let mut result = Value::Undefined;
        let mut is_tuple = false;
        let mut tuples: Option<Vec<Tuple<'a>>> = None;
        for (ii, step) in steps.iter().enumerate().skip(start) {
            if step.tuple {
                is_tuple = true;
            }
            if ii == 0 && step.cons_array {
                result = self.eval(step, &Value::seq(input_seq.clone()), env)?;
            } else if is_tuple {
                tuples = Some(self.tuple_step(step, &input_seq, tuples.take(), env)?);
            } else {
                result = self.step(step, &input_seq, env, ii == steps.len() - 1)?;
            }
            if !is_tuple && (result.is_undef() || (result.is_array() && result.len() == 0)) {
                break;
            }
            if step.focus.is_none() && !is_tuple && ii + 1 < steps.len() {
                input_seq = if ii == 0 && step.cons_array && !result.is_array() {
                    // like the reference, which indexes what it got as if it were an array: when
                    // a predicate leaves a single value of a constructed array, the next step
                    // sees the characters of a string and nothing of any other value
                    // (`[3, 1][0].x` is undefined)
                    match result.as_str() {
                        Some(text) => text.chars().map(|c| Value::string(c.to_string())).collect(),
                        None => Vec::new(),
                    }
                } else {
                    std::mem::take(&mut result).into_list()
                };
            }
        }
        let mut tuple_stream = None;
        if is_tuple {
            let t = Arc::new(tuples.unwrap_or_default());
            result = if node.tuple {
                Value::Tuples(t.clone())
            } else {
                Value::seq(t.iter().map(|t| t.at.clone()).collect())
            };
            tuple_stream = Some(Value::Tuples(t));
        }
        if node.keep_singleton_array {
            if let Value::Array(a) = &result
                && a.cons
                && !a.seq
            {
                result = Value::seq(vec![result.clone()]);
            }
            if result.is_undef() {
                result = Value::seq(Vec::new());
            }
            result.set_keep();
        }
        if let Some(g) = &node.group {
            result = self.group_by(g, tuple_stream.unwrap_or(result), env)?;
        }
        Ok(result)
    }

    fn step(&self, step: &Node, input: &[Value<'a>], env: &Env<'a>, last: bool) -> R<'a> {
        if let Kind::Sort(terms) = &step.kind {
            let mut r = self.sort_values(step, terms, input.to_vec(), env)?;
            for st in &step.stages {
                if let Stage::Filter(e) = st {
                    r = self.filter(e, r, env)?;
                }
            }
            return Ok(r);
        }
        let mut results = Vec::with_capacity(input.len());
        match step.plain_name() {
            // a bare name over input objects (`items.sku`): read the members directly
            Some(name)
                if input.iter().all(|v| {
                    !matches!(
                        v,
                        Value::Array(_) | Value::JArray(_) | Value::Object(_) | Value::Tuples(_)
                    )
                }) =>
            {
                for item in input {
                    self.tick(step.position)?;
                    if let Value::JObject(o) = item
                        && let Some(j) = map_get(o, name)
                    {
                        results.push(Value::from_json(j));
                    }
                }
            }
            _ => {
                for item in input {
                    let mut res = self.eval(step, item, env)?;
                    for st in &step.stages {
                        if let Stage::Filter(e) = st {
                            res = self.filter(e, res, env)?;
                        }
                    }
                    if !res.is_undef() {
                        results.push(res);
                    }
                }
            }
        }
        if last && results.len() == 1 && results[0].is_array() && !results[0].is_seq() {
            return Ok(results.pop().unwrap_or_default());
        }
        let flat = |r: &Value<'a>| !matches!(r, Value::Tuples(_)) && (!r.is_array() || r.is_cons());
        if results.iter().all(flat) {
            // nothing to flatten
            return Ok(Value::seq(results));
        }
        let mut out = Vec::with_capacity(results.len());
        for r in results {
            match &r {
                Value::Tuples(t) => out.extend(t.iter().map(|t| t.at.clone())),
                _ if !r.is_array() || r.is_cons() => out.push(r),
                Value::Array(a) => out.extend(a.items.iter().cloned()),
                _ => out.extend(r.items()),
            }
        }
        Ok(Value::seq(out))
    }

    fn tuple_frame(&self, env: &Env<'a>, t: &Tuple<'a>) -> Env<'a> {
        let f = Frame::child(env);
        for (k, v) in &t.binds {
            f.bind(k, v.clone());
        }
        f
    }

    fn tuple_step(
        &self,
        step: &Node,
        input: &[Value<'a>],
        tuples: Option<Vec<Tuple<'a>>>,
        env: &Env<'a>,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        if let Kind::Sort(terms) = &step.kind {
            let mut result = match tuples {
                Some(t) => self.sort_tuples(step, terms, t, env)?,
                None => {
                    let sorted = self.sort_values(step, terms, input.to_vec(), env)?;
                    sorted
                        .to_list()
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let mut t = Tuple::new(v);
                            if let Some(ix) = &step.index {
                                t.set(ix, Value::Number(i as f64));
                            }
                            t
                        })
                        .collect()
                }
            };
            result = self.stages_tuples(&step.stages, result, env)?;
            return Ok(result);
        }
        let tuples =
            tuples.unwrap_or_else(|| input.iter().map(|v| Tuple::new(v.clone())).collect());
        let mut result = Vec::new();
        for t in &tuples {
            let step_env = self.tuple_frame(env, t);
            let res = self.eval(step, &t.at, &step_env)?;
            if res.is_undef() {
                continue;
            }
            if let Value::Tuples(rts) = &res {
                for rt in rts.iter() {
                    let mut nt = t.clone();
                    nt.at = rt.at.clone();
                    for (k, v) in &rt.binds {
                        nt.set(k, v.clone());
                    }
                    result.push(nt);
                }
                continue;
            }
            let items = if res.is_array() {
                res.items()
            } else {
                vec![res]
            };
            for (bb, item) in items.into_iter().enumerate() {
                let mut nt = t.clone();
                if let Some(f) = &step.focus {
                    nt.set(f, item);
                } else {
                    nt.at = item;
                }
                if let Some(ix) = &step.index {
                    nt.set(ix, Value::Number(bb as f64));
                }
                if let Some(label) = &step.ancestor_label {
                    nt.set(label, t.at.clone());
                }
                result.push(nt);
            }
        }
        self.stages_tuples(&step.stages, result, env)
    }

    fn stages_tuples(
        &self,
        stages: &[Stage],
        mut tuples: Vec<Tuple<'a>>,
        env: &Env<'a>,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        for st in stages {
            match st {
                Stage::Filter(e) => tuples = self.filter_tuples(e, tuples, env)?,
                Stage::Index(name) => {
                    for (i, t) in tuples.iter_mut().enumerate() {
                        t.set(name, Value::Number(i as f64));
                    }
                }
            }
        }
        Ok(tuples)
    }

    fn pred_index(n: f64, len: usize) -> Option<usize> {
        let mut i = n.floor();
        if i < 0.0 {
            i += len as f64;
        }
        if i >= 0.0 && i < len as f64 {
            Some(i as usize)
        } else {
            None
        }
    }

    /// How many times a predicate result selects the item at `index`: a number (or each
    /// number of an array of numbers) that designates it selects it once, so `[0, 0]` selects
    /// the first item twice, like the reference; any other value selects it once if truthy.
    fn pred_hits(res: &Value<'a>, index: usize, len: usize) -> Result<usize, Error> {
        if res.is_numeric()? {
            return Ok(usize::from(
                Self::pred_index(res.as_num().unwrap_or(0.0), len) == Some(index),
            ));
        }
        if res.is_array() {
            let items = res.items();
            let mut all_num = true;
            for v in &items {
                if !v.is_numeric()? {
                    all_num = false;
                    break;
                }
            }
            if all_num {
                return Ok(items
                    .iter()
                    .filter(|v| Self::pred_index(v.as_num().unwrap_or(0.0), len) == Some(index))
                    .count());
            }
        }
        Ok(usize::from(boolean(res)?))
    }

    pub(crate) fn filter(&self, pred: &Node, input: Value<'a>, env: &Env<'a>) -> R<'a> {
        if let Value::Tuples(ts) = input {
            let t = self.filter_tuples(pred, ts.to_vec(), env)?;
            return Ok(Value::Tuples(Arc::new(t)));
        }
        let items = if input.is_array() {
            input.items()
        } else {
            vec![input]
        };
        let mut results = Vec::new();
        if let Kind::Num(n) = pred.kind {
            if let Some(i) = Self::pred_index(n, items.len()) {
                let item = &items[i];
                if item.is_array() {
                    return Ok(item.clone());
                }
                if !item.is_undef() {
                    results.push(item.clone());
                }
            }
        } else {
            let len = items.len();
            for (index, item) in items.into_iter().enumerate() {
                let res = self.eval(pred, &item, env)?;
                for _ in 0..Self::pred_hits(&res, index, len)? {
                    results.push(item.clone());
                }
            }
        }
        Ok(Value::seq(results))
    }

    fn filter_tuples(
        &self,
        pred: &Node,
        tuples: Vec<Tuple<'a>>,
        env: &Env<'a>,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        if let Kind::Num(n) = pred.kind {
            return Ok(Self::pred_index(n, tuples.len())
                .map(|i| vec![tuples[i].clone()])
                .unwrap_or_default());
        }
        let len = tuples.len();
        let mut out = Vec::new();
        for (index, t) in tuples.into_iter().enumerate() {
            let e = self.tuple_frame(env, &t);
            let res = self.eval(pred, &t.at, &e)?;
            for _ in 0..Self::pred_hits(&res, index, len)? {
                out.push(t.clone());
            }
        }
        Ok(out)
    }

    // ------------------------------------------------------------------ grouping

    fn group_by(&self, g: &Group, input: Value<'a>, env: &Env<'a>) -> R<'a> {
        self.group(&g.pairs, g.position, input, env)
    }

    fn group(
        &self,
        pairs: &[(Node, Node)],
        position: usize,
        input: Value<'a>,
        env: &Env<'a>,
    ) -> R<'a> {
        enum Data<'a> {
            V(Vec<Value<'a>>),
            T(Vec<Tuple<'a>>),
        }
        if !matches!(input, Value::Tuples(_)) && !input.is_array() {
            return self.group_one(pairs, position, &input, env);
        }
        let mut groups: indexmap::IndexMap<Arc<str>, (Data<'a>, usize)> = indexmap::IndexMap::new();
        let mut handle = |key: Value<'a>, pi: usize, item: Data<'a>| -> Result<(), Error> {
            if key.is_undef() {
                return Ok(());
            }
            let Some(k) = key.as_str() else {
                return Err(Error::val("T1003", show(&key)).at(position));
            };
            match groups.get_mut(k) {
                Some((data, ei)) => {
                    if *ei != pi {
                        return Err(Error::val("D1009", format!("\"{k}\"")).at(position));
                    }
                    match (data, item) {
                        (Data::V(d), Data::V(v)) => d.extend(v),
                        (Data::T(d), Data::T(v)) => d.extend(v),
                        _ => {}
                    }
                }
                None => {
                    groups.insert(k.into(), (item, pi));
                }
            }
            Ok(())
        };
        if let Value::Tuples(ts) = &input {
            for t in ts.iter() {
                let e = self.tuple_frame(env, t);
                for (pi, (k, _)) in pairs.iter().enumerate() {
                    let key = self.eval(k, &t.at, &e)?;
                    handle(key, pi, Data::T(vec![t.clone()]))?;
                }
            }
        } else {
            let mut items = if input.is_array() {
                input.items()
            } else {
                vec![input]
            };
            if items.is_empty() {
                items.push(Value::Undefined);
            }
            for item in items {
                for (pi, (k, _)) in pairs.iter().enumerate() {
                    let key = self.eval(k, &item, env)?;
                    handle(key, pi, Data::V(vec![item.clone()]))?;
                }
            }
        }
        let mut result = Obj::new();
        for (key, (data, ei)) in groups {
            let v = match data {
                Data::V(items) => self.eval(&pairs[ei].1, &append_all(items), env)?,
                Data::T(ts) => {
                    let t = reduce_tuples(ts);
                    let e = self.tuple_frame(env, &t);
                    self.eval(&pairs[ei].1, &t.at, &e)?
                }
            };
            if !v.is_undef() {
                result.insert(key, v);
            }
        }
        Ok(Value::object(result))
    }

    /// `group` on a single item (an object constructor applied to one value): each pair
    /// yields at most one key, so no grouping is needed. Same results and errors as `group`:
    /// every key is evaluated before any value, and a key produced twice raises D1009.
    fn group_one(
        &self,
        pairs: &[(Node, Node)],
        position: usize,
        input: &Value<'a>,
        env: &Env<'a>,
    ) -> R<'a> {
        let mut keys: Vec<(Arc<str>, usize)> = Vec::with_capacity(pairs.len());
        // for large constructors, duplicates are found through a map instead of a scan
        let mut index: Option<std::collections::HashSet<Arc<str>>> = None;
        for (pi, (k, _)) in pairs.iter().enumerate() {
            let key = self.eval(k, input, env)?;
            let name: Arc<str> = match key {
                Value::Undefined => continue,
                Value::String(s) => s,
                Value::Str(s) => Arc::clone(s),
                other => return Err(Error::val("T1003", show(&other)).at(position)),
            };
            let duplicate = match &mut index {
                Some(set) => !set.insert(name.clone()),
                None if keys.len() >= 16 => {
                    let mut set: std::collections::HashSet<Arc<str>> =
                        keys.iter().map(|(k, _)| k.clone()).collect();
                    let dup = !set.insert(name.clone());
                    index = Some(set);
                    dup
                }
                None => keys.iter().any(|(k, _)| *k == name),
            };
            if duplicate {
                return Err(Error::val("D1009", format!("\"{name}\"")).at(position));
            }
            keys.push((name, pi));
        }
        let mut result = Obj::with_capacity_and_hasher(keys.len(), Default::default());
        for (key, pi) in keys {
            let v = self.eval(&pairs[pi].1, input, env)?;
            if !v.is_undef() {
                result.insert(key, v);
            }
        }
        Ok(Value::object(result))
    }

    // ------------------------------------------------------------------ sorting

    fn sort_cmp(
        &self,
        terms: &[SortTerm],
        pos: usize,
        a: (&Value<'a>, &Env<'a>),
        b: (&Value<'a>, &Env<'a>),
    ) -> Result<bool, Error> {
        let mut comp = 0i32;
        for term in terms {
            if comp != 0 {
                break;
            }
            let aa = self.eval(&term.expr, a.0, a.1)?;
            let bb = self.eval(&term.expr, b.0, b.1)?;
            if aa.is_undef() {
                comp = if bb.is_undef() { 0 } else { 1 };
                continue;
            }
            if bb.is_undef() {
                comp = -1;
                continue;
            }
            let ok = |v: &Value<'a>| matches!(v, Value::Number(_)) || v.is_string();
            if !ok(&aa) || !ok(&bb) {
                let bad = if ok(&aa) { &bb } else { &aa };
                return Err(Error::val("T2008", show(bad)).at(pos));
            }
            let ord = compare_same_type(&aa, &bb, "T2007")
                .map_err(|e| e.at(pos))?
                .unwrap_or(std::cmp::Ordering::Equal);
            comp = match ord {
                std::cmp::Ordering::Equal => continue,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Greater => 1,
            };
            if term.descending {
                comp = -comp;
            }
        }
        Ok(comp == 1)
    }

    fn sort_values(
        &self,
        step: &Node,
        terms: &[SortTerm],
        input: Vec<Value<'a>>,
        env: &Env<'a>,
    ) -> R<'a> {
        if input.len() <= 1 {
            return Ok(Value::seq(input));
        }
        let sorted = merge_sort(input, &mut |a, b| {
            self.sort_cmp(terms, step.position, (a, env), (b, env))
        })?;
        Ok(Value::array(sorted))
    }

    fn sort_tuples(
        &self,
        step: &Node,
        terms: &[SortTerm],
        input: Vec<Tuple<'a>>,
        env: &Env<'a>,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        merge_sort(input, &mut |a, b| {
            let ea = self.tuple_frame(env, a);
            let eb = self.tuple_frame(env, b);
            self.sort_cmp(terms, step.position, (&a.at, &ea), (&b.at, &eb))
        })
    }

    // ------------------------------------------------------------------ operators

    fn binary(
        &self,
        node: &Node,
        op: BinOp,
        l: &Node,
        r: &Node,
        input: &Value<'a>,
        env: &Env<'a>,
    ) -> R<'a> {
        if op == BinOp::Concat {
            return self.concat(node, input, env);
        }
        let lhs = self.eval(l, input, env)?;
        let decorate = |e: Error| e.at(node.position).with_token(op.token());
        if op == BinOp::And || op == BinOp::Or {
            let lb = boolize(&lhs).map_err(decorate)?;
            if op == BinOp::And && !lb {
                return Ok(Value::Bool(false));
            }
            if op == BinOp::Or && lb {
                return Ok(Value::Bool(true));
            }
            let rhs = self.eval(r, input, env)?;
            return Ok(Value::Bool(boolize(&rhs).map_err(decorate)?));
        }
        let rhs = self.eval(r, input, env)?;
        let result = binary_values(op, lhs, rhs).map_err(decorate)?;
        self.charge_value(&result)
            .map_err(|e| e.at(node.position))?;
        Ok(result)
    }

    /// `l & r`. A chain `a & b & c & ...` (which parses as `((a & b) & c) & ...`) is built
    /// into one string rather than one string per operator; operands are evaluated and
    /// converted in the same order as operator by operator, and errors carry the position
    /// of their own operator.
    fn concat(&self, node: &Node, input: &Value<'a>, env: &Env<'a>) -> R<'a> {
        fn operands(n: &Node) -> Option<(&Node, &Node)> {
            match &n.kind {
                Kind::Binary(BinOp::Concat, l, r) => Some((l, r)),
                _ => None,
            }
        }
        // the operators of the chain, outermost first
        let mut spine: Vec<&Node> = vec![node];
        let mut inner = node;
        while let Some((l, _)) = operands(inner)
            && operands(l).is_some()
            && l.is_bare()
        {
            spine.push(l);
            inner = l;
        }
        let decorate = |e: Error, n: &Node| e.at(n.position).with_token(BinOp::Concat.token());
        let Some((a, b)) = operands(inner) else {
            return Ok(Value::Undefined);
        };
        let va = self.eval(a, input, env)?;
        let vb = self.eval(b, input, env)?;
        let mut out = String::new();
        stringify_append(&va, &mut out).map_err(|e| decorate(e, inner))?;
        stringify_append(&vb, &mut out).map_err(|e| decorate(e, inner))?;
        self.check_string_len(out.len())
            .map_err(|e| e.at(inner.position))?;
        for op in spine.iter().rev().skip(1) {
            let Some((_, r)) = operands(op) else { break };
            let v = self.eval(r, input, env)?;
            stringify_append(&v, &mut out).map_err(|e| decorate(e, op))?;
            self.check_string_len(out.len())
                .map_err(|e| e.at(op.position))?;
        }
        if out.len() > 4096 {
            self.charge(out.len() / 64)
                .map_err(|e| e.at(node.position))?;
        }
        Ok(Value::string(out))
    }

    /// Fails when a string being built exceeds the longest string an expression may build.
    fn check_string_len(&self, len: usize) -> Result<(), Error> {
        if len > MAX_STRING_BYTES {
            let mut e = Error::new("U1001");
            e.message = format!("String longer than {MAX_STRING_BYTES} bytes");
            return Err(e);
        }
        Ok(())
    }

    /// Charges `n` extra steps for bulk work (large ranges, arrays, strings).
    pub(crate) fn charge(&self, n: usize) -> Result<(), Error> {
        let s = self.steps.get().saturating_add(n as u64);
        self.steps.set(s);
        match self.bindings.limits.max_steps {
            Some(max) if s > max => Err(Error::new("U1001")),
            _ => Ok(()),
        }
    }

    /// Checks the size of a value built by an operator or function and charges for it.
    pub(crate) fn charge_value(&self, v: &Value<'a>) -> Result<(), Error> {
        match v {
            Value::Array(a) if a.items.len() > 64 => self.charge(a.items.len()),
            Value::String(s) if s.len() > 4096 => {
                if s.len() > MAX_STRING_BYTES {
                    let mut e = Error::new("U1001");
                    e.message = format!("String longer than {MAX_STRING_BYTES} bytes");
                    return Err(e);
                }
                self.charge(s.len() / 64)
            }
            _ => Ok(()),
        }
    }

    // ------------------------------------------------------------------ functions

    fn proc_name(p: &Node) -> Option<Arc<str>> {
        match &p.kind {
            Kind::Path(steps) => match steps.first().map(|s| &s.kind) {
                Some(Kind::Name(n)) => Some(n.clone()),
                _ => None,
            },
            Kind::Variable(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// Evaluates the procedure of a call, reporting a forgotten `$` with `code`.
    fn eval_proc(
        &self,
        node: &Node,
        p: &Node,
        input: &Value<'a>,
        env: &Env<'a>,
        code: &str,
    ) -> Result<(Value<'a>, Option<Arc<str>>), Error> {
        let proc = self.eval(p, input, env)?;
        let name = Self::proc_name(p);
        if proc.is_undef()
            && matches!(p.kind, Kind::Path(_))
            && let Some(n) = &name
            && self.lookup_var(env, n).is_some()
        {
            return Err(Error::tok(code, n.to_string()).at(node.position));
        }
        Ok((proc, name))
    }

    fn call(
        &self,
        node: &Node,
        p: &Node,
        args: &[Node],
        input: &Value<'a>,
        env: &Env<'a>,
        applyto: Option<Value<'a>>,
    ) -> R<'a> {
        if let Kind::Variable(name) = &p.kind
            && p.is_bare()
            && let Some(b) = self.builtin_named(env, name)
        {
            // a built-in called by name (`$string(x)`): no function value is needed
            let mut evaluated = Vec::with_capacity(args.len() + 1);
            if let Some(c) = applyto {
                evaluated.push(c);
            }
            for a in args {
                evaluated.push(self.eval(a, input, env)?);
            }
            let result = b
                .signature()
                .validate(evaluated, input)
                .and_then(|args| self.call_builtin(b, args, input, env))
                .and_then(|r| {
                    self.charge_value(&r)?;
                    self.trampoline(r, input, env)
                });
            return result.map_err(|e| e.at(node.position).with_token(name));
        }
        let (proc, name) = self.eval_proc(node, p, input, env, "T1005")?;
        let mut evaluated = Vec::with_capacity(args.len() + 1);
        if let Some(c) = applyto {
            evaluated.push(c);
        }
        for a in args {
            evaluated.push(self.eval(a, input, env)?);
        }
        self.apply(&proc, evaluated, input, env).map_err(|e| {
            let e = e.at(node.position);
            match &name {
                Some(n) => e.with_token(n),
                None => e,
            }
        })
    }

    /// Applies a function value, running the tail-call trampoline.
    pub(crate) fn apply(
        &self,
        proc: &Value<'a>,
        args: Vec<Value<'a>>,
        input: &Value<'a>,
        env: &Env<'a>,
    ) -> R<'a> {
        let result = self.apply_inner(proc, args, input, env)?;
        self.trampoline(result, input, env)
    }

    /// The built-in `$name` refers to, unless a variable or host function of that name
    /// hides it or it is disabled (the resolution of `lookup_var`).
    fn builtin_named(&self, env: &Env<'a>, name: &str) -> Option<Builtin> {
        let b = Builtin::by_name(name)?;
        if self.bindings.functions.iter().any(|f| &*f.0 == name)
            || self.bindings.disabled.iter().any(|d| d == name)
            || env.lookup(name).is_some()
        {
            return None;
        }
        Some(b)
    }

    /// Runs tail calls (thunks) left in `result` by a function body.
    fn trampoline(&self, mut result: Value<'a>, input: &Value<'a>, env: &Env<'a>) -> R<'a> {
        while let Some((pnode, anodes, l_input, l_env)) = thunk_parts(&result) {
            let next = self.eval(pnode, &l_input, &l_env)?;
            let mut evaluated = Vec::with_capacity(anodes.len());
            for a in anodes.iter() {
                evaluated.push(self.eval(a, &l_input, &l_env)?);
            }
            let name = Self::proc_name(pnode);
            let pos = pnode.position;
            let r = self
                .apply_inner(&next, evaluated, input, env)
                .map_err(|e| {
                    let e = e.at(pos);
                    match &name {
                        Some(n) => e.with_token(n),
                        None => e,
                    }
                })?;
            result = r;
        }
        Ok(result)
    }

    fn apply_inner(
        &self,
        proc: &Value<'a>,
        args: Vec<Value<'a>>,
        input: &Value<'a>,
        env: &Env<'a>,
    ) -> R<'a> {
        let Value::Func(f) = proc else {
            return Err(Error::new("T1006"));
        };
        match &**f {
            Func::Lambda(l) => {
                let args = match &l.def.signature {
                    Some(sig) if !l.partial => sig.validate(args, input)?,
                    _ => args,
                };
                let frame = Frame::child(&l.env);
                for (i, p) in l.params.iter().enumerate() {
                    frame.bind(p, args.get(i).cloned().unwrap_or_default());
                }
                self.eval(&l.def.body, &l.input, &frame)
            }
            Func::Builtin(b) => {
                let args = b.signature().validate(args, input)?;
                let r = self.call_builtin(*b, args, input, env)?;
                self.charge_value(&r)?;
                Ok(r)
            }
            Func::Host(name) => self.call_host(name, args, input),
            Func::Regex(re) => {
                // called directly, a regex behaves like the reference's matcher closure
                // `(str, fromIndex)`: the subject is converted with JavaScript's String() and
                // a numeric second argument is the UTF-16 index to search from
                let s: Arc<str> = js_string(&args.first().cloned().unwrap_or_default()).into();
                let from = match args.get(1) {
                    Some(Value::Number(n)) if *n > 0.0 => utf16_to_byte(&s, *n as usize),
                    _ => 0,
                };
                Ok(regex_match_value(re, &s, from))
            }
            Func::RegexNext { re, text, from } => {
                if *from >= text.len() {
                    return Ok(Value::Undefined);
                }
                let v = regex_match_value(re, text, *from);
                if v.get("match").as_str() == Some("") {
                    return Err(Error::val("D1004", re.source.clone()));
                }
                Ok(v)
            }
            Func::Transform { def, env: tenv } => {
                let obj = args.into_iter().next().unwrap_or_default();
                if !(obj.is_undef() || obj.is_array() || obj.is_object()) {
                    return Err(Error::with(
                        "T0410",
                        Detail {
                            index: Some(1),
                            ..Detail::default()
                        },
                    ));
                }
                self.transform(def, tenv, obj)
            }
            Func::Partial { func, args: bound } => {
                let mut supplied = args.into_iter();
                let filled: Vec<Value<'a>> = bound
                    .iter()
                    .map(|b| match b {
                        Some(v) => v.clone(),
                        None => supplied.next().unwrap_or_default(),
                    })
                    .collect();
                self.apply_inner(func, filled, &Value::Undefined, env)
            }
            Func::Chain(a, b) => {
                let r = self.apply(a, args, &Value::Null, env)?;
                self.apply(b, vec![r], &Value::Null, env)
            }
        }
    }

    fn call_host(&self, name: &str, args: Vec<Value<'a>>, input: &Value<'a>) -> R<'a> {
        let Some((_, nf)) = self.bindings.functions.iter().find(|f| &*f.0 == name) else {
            return Err(Error::new("T1006"));
        };
        let args = match &nf.signature {
            Some(sig) => sig.validate(args, input)?,
            None => args,
        };
        let mut json_args = Vec::with_capacity(args.len());
        for a in &args {
            json_args.push(a.to_json()?);
        }
        let out = (nf.func)(&json_args)?;
        Ok(match out {
            None => Value::Undefined,
            Some(j) => owned_from_json(&j),
        })
    }

    /// Arity as seen by higher-order functions.
    pub(crate) fn arity(&self, f: &Value<'a>) -> usize {
        match f {
            Value::Func(f) => match &**f {
                Func::Lambda(l) => l.params.len(),
                Func::Builtin(b) => b.arity(),
                Func::Host(name) => self
                    .bindings
                    .functions
                    .iter()
                    .find(|x| x.0 == *name)
                    .map_or(1, |x| x.1.arity),
                Func::Regex(_) => 2,
                Func::Transform { .. } | Func::Chain(..) => 1,
                Func::RegexNext { .. } => 0,
                Func::Partial { args, .. } => args.iter().filter(|a| a.is_none()).count(),
            },
            _ => 0,
        }
    }

    fn partial(
        &self,
        node: &Node,
        p: &Node,
        args: &[Option<Node>],
        input: &Value<'a>,
        env: &Env<'a>,
    ) -> R<'a> {
        let mut evaluated: Vec<Option<Value<'a>>> = Vec::with_capacity(args.len());
        for a in args {
            evaluated.push(match a {
                Some(a) => Some(self.eval(a, input, env)?),
                None => None,
            });
        }
        let (proc, name) = self.eval_proc(node, p, input, env, "T1007")?;
        let Value::Func(f) = &proc else {
            let e = Error::new("T1008").at(node.position);
            return Err(match &name {
                Some(n) => e.with_token(n),
                None => e,
            });
        };
        if let Func::Lambda(l) = &**f {
            let frame = Frame::child(&l.env);
            let mut unbound = Vec::new();
            for (i, param) in l.params.iter().enumerate() {
                match evaluated.get(i) {
                    Some(None) => unbound.push(param.clone()),
                    Some(Some(v)) => frame.bind(param, v.clone()),
                    None => frame.bind(param, Value::Undefined),
                }
            }
            return Ok(Value::func(Func::Lambda(Lambda {
                def: l.def.clone(),
                params: unbound,
                input: l.input.clone(),
                env: frame,
                partial: true,
            })));
        }
        let arity = match &**f {
            Func::Builtin(b) => b.arity(),
            _ => self.arity(&proc).max(evaluated.len()),
        };
        let bound = (0..arity)
            .map(|i| evaluated.get(i).cloned().unwrap_or(Some(Value::Undefined)))
            .collect();
        Ok(Value::func(Func::Partial {
            func: proc,
            args: bound,
        }))
    }

    fn apply_expr(
        &self,
        node: &Node,
        l: &Node,
        r: &Node,
        input: &Value<'a>,
        env: &Env<'a>,
    ) -> R<'a> {
        let lhs = self.eval(l, input, env)?;
        if let Kind::Call(p, args) = &r.kind {
            let mut result = self.call(r, p, args, input, env, Some(lhs))?;
            if r.keep_array {
                result.set_keep();
            }
            return Ok(result);
        }
        let func = self.eval(r, input, env)?;
        if !func.is_func() {
            return Err(Error::val("T2006", show(&func)).at(node.position));
        }
        if lhs.is_func() {
            return Ok(Value::func(Func::Chain(lhs, func)));
        }
        // like the reference, the applied function sees a null context
        self.apply(&func, vec![lhs], &Value::Null, env)
    }

    // ------------------------------------------------------------------ transform

    fn transform(&self, def: &TransformDef, env: &Env<'a>, obj: Value<'a>) -> R<'a> {
        if obj.is_undef() {
            return Ok(Value::Undefined);
        }
        let mut root = obj.deep_clone();
        let matches = self.eval(&def.pattern, &root, env)?;
        let matches = matches.to_list();
        let mut paths: HashMap<usize, Vec<PathSeg>> = HashMap::new();
        collect_paths(&root, &mut Vec::new(), &mut paths);
        for m in matches {
            let path = match &m {
                Value::Object(o) => paths.get(&(Arc::as_ptr(o) as usize)),
                _ => None,
            };
            let current = match path {
                Some(p) => get_at(&root, p).unwrap_or(m.clone()),
                None => m.clone(),
            };
            let update = self.eval(&def.update, &current, env)?;
            let mut merged: Option<Obj<'a>> = match &current {
                Value::Object(o) => Some(o.0.clone()),
                _ => None,
            };
            if !update.is_undef() {
                if !update.is_object() {
                    return Err(Error::val("T2011", show(&update)).at(def.update.position));
                }
                if let Some(mo) = &mut merged {
                    for (k, v) in update.entries() {
                        mo.insert(k, v);
                    }
                }
            }
            if let Some(del) = &def.delete {
                let cur_val = match &merged {
                    Some(mo) => Value::object(mo.clone()),
                    None => current.clone(),
                };
                let deletions = self.eval(del, &cur_val, env)?;
                if !deletions.is_undef() {
                    let list = if deletions.is_array() {
                        deletions.items()
                    } else {
                        vec![deletions.clone()]
                    };
                    if !list.iter().all(|v| v.is_string()) {
                        return Err(Error::val("T2012", show(&deletions)).at(del.position));
                    }
                    if let Some(mo) = &mut merged {
                        for k in list {
                            if let Some(k) = k.as_str() {
                                mo.shift_remove(k);
                            }
                        }
                    }
                }
            }
            if let (Some(p), Some(mo)) = (path, merged) {
                set_at(&mut root, p, Value::object(mo));
            }
        }
        Ok(root)
    }
}

type ThunkParts<'n, 'a> = (&'n Node, &'n [Node], Value<'a>, Env<'a>);

fn thunk_parts<'n, 'a>(v: &'n Value<'a>) -> Option<ThunkParts<'n, 'a>> {
    let Value::Func(f) = v else { return None };
    let Func::Lambda(l) = &**f else { return None };
    if !l.def.thunk {
        return None;
    }
    match &l.def.body.kind {
        Kind::Call(p, a) => Some((p, a, l.input.clone(), l.env.clone())),
        _ => None,
    }
}

fn collect_paths(v: &Value<'_>, cur: &mut Vec<PathSeg>, out: &mut HashMap<usize, Vec<PathSeg>>) {
    crate::value::guard(|| {
        let clone_path = |c: &Vec<PathSeg>| {
            c.iter()
                .map(|s| match s {
                    PathSeg::Key(k) => PathSeg::Key(k.clone()),
                    PathSeg::Idx(i) => PathSeg::Idx(*i),
                })
                .collect::<Vec<_>>()
        };
        match v {
            Value::Object(o) => {
                out.entry(Arc::as_ptr(o) as usize)
                    .or_insert_with(|| clone_path(cur));
                for (k, child) in o.iter() {
                    cur.push(PathSeg::Key(k.clone()));
                    collect_paths(child, cur, out);
                    cur.pop();
                }
            }
            Value::Array(a) => {
                for (i, child) in a.items.iter().enumerate() {
                    cur.push(PathSeg::Idx(i));
                    collect_paths(child, cur, out);
                    cur.pop();
                }
            }
            _ => {}
        }
    })
}

fn get_at<'a>(root: &Value<'a>, path: &[PathSeg]) -> Option<Value<'a>> {
    let mut cur = root.clone();
    for seg in path {
        cur = match (seg, &cur) {
            (PathSeg::Key(k), Value::Object(o)) => o.get(k)?.clone(),
            (PathSeg::Idx(i), Value::Array(a)) => a.items.get(*i)?.clone(),
            _ => return None,
        };
    }
    Some(cur)
}

fn set_at<'a>(root: &mut Value<'a>, path: &[PathSeg], v: Value<'a>) {
    let Some((first, rest)) = path.split_first() else {
        *root = v;
        return;
    };
    match (first, root) {
        (PathSeg::Key(k), Value::Object(o)) => {
            if let Some(child) = Arc::make_mut(o).get_mut(k) {
                set_at(child, rest, v);
            }
        }
        (PathSeg::Idx(i), Value::Array(a)) => {
            if let Some(child) = Arc::make_mut(a).items.get_mut(*i) {
                set_at(child, rest, v);
            }
        }
        _ => {}
    }
}

fn reduce_tuples<'a>(ts: Vec<Tuple<'a>>) -> Tuple<'a> {
    if ts.len() <= 1 {
        return ts
            .into_iter()
            .next()
            .unwrap_or_else(|| Tuple::new(Value::Undefined));
    }
    let mut ats = Vec::with_capacity(ts.len());
    let mut binds: indexmap::IndexMap<Arc<str>, Vec<Value<'a>>> = indexmap::IndexMap::new();
    for t in ts {
        ats.push(t.at);
        for (k, v) in t.binds {
            binds.entry(k).or_default().push(v);
        }
    }
    let mut result = Tuple::new(append_all(ats));
    for (k, vs) in binds {
        result.set(&k, append_all(vs));
    }
    result
}

/// Folds `append` over `values` in one pass (same result as appending one by one).
pub(crate) fn append_all<'a>(values: Vec<Value<'a>>) -> Value<'a> {
    let mut defined: Vec<Value<'a>> = values.into_iter().filter(|v| !v.is_undef()).collect();
    if defined.len() <= 1 {
        return defined.pop().unwrap_or_default();
    }
    let mut out = Vec::with_capacity(defined.len());
    for v in defined {
        if v.is_array() {
            out.extend(v.into_list());
        } else {
            out.push(v);
        }
    }
    Value::array(out)
}

/// Converts a host JSON value into an owned runtime value.
pub(crate) fn owned_from_json<'a>(j: &baton_json::Json) -> Value<'a> {
    use baton_json::Json;
    crate::value::guard(|| match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(a) => Value::array(a.iter().map(owned_from_json).collect()),
        Json::Object(o) => {
            let mut m = Obj::new();
            for (k, v) in o.iter() {
                m.insert(k.clone(), owned_from_json(v));
            }
            Value::object(m)
        }
    })
}

/// Builds the `{match, start, end, groups, next}` structure of a regex match.
pub(crate) fn regex_match_value<'a>(
    re: &Arc<crate::ast::RegexDef>,
    text: &str,
    from: usize,
) -> Value<'a> {
    let Some(m) = re.regex.find_from(text, from).next() else {
        return Value::Undefined;
    };
    let r = m.range();
    let mut o = Obj::new();
    o.insert("match".into(), Value::string(&text[r.clone()]));
    o.insert(
        "start".into(),
        Value::Number(utf16_index(text, r.start) as f64),
    );
    o.insert("end".into(), Value::Number(utf16_index(text, r.end) as f64));
    let groups = m
        .groups()
        .skip(1)
        .map(|g| g.map_or(Value::Undefined, |g| Value::string(&text[g])))
        .collect();
    o.insert("groups".into(), Value::array(groups));
    o.insert(
        "next".into(),
        Value::func(Func::RegexNext {
            re: re.clone(),
            text: text.into(),
            from: r.end,
        }),
    );
    Value::object(o)
}

/// JavaScript's `String(v)` conversion.
pub(crate) fn js_string(v: &Value<'_>) -> String {
    match v {
        Value::Undefined => "undefined".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => num_to_str(*n),
        Value::Str(_) | Value::String(_) => v.as_str().unwrap_or("").to_string(),
        Value::Array(_) | Value::JArray(_) | Value::Tuples(_) => crate::value::guard(|| {
            let items = match v {
                Value::Tuples(t) => t.iter().map(|t| t.at.clone()).collect(),
                _ => v.items(),
            };
            items
                .iter()
                .map(|i| {
                    if matches!(i, Value::Undefined | Value::Null) {
                        String::new()
                    } else {
                        js_string(i)
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        }),
        Value::Object(_) | Value::JObject(_) => "[object Object]".into(),
        Value::Func(_) => "function".into(),
    }
}

/// Byte offset of a UTF-16 code-unit index (clamped to the end).
pub(crate) fn utf16_to_byte(s: &str, index: usize) -> usize {
    let mut units = 0;
    for (b, c) in s.char_indices() {
        if units >= index {
            return b;
        }
        units += c.len_utf16();
    }
    s.len()
}

/// UTF-16 code-unit index of a byte offset.
pub(crate) fn utf16_index(s: &str, byte: usize) -> usize {
    s.get(..byte).map_or(0, |p| p.encode_utf16().count())
}

/// JSONata `lookup` (field access, mapping over arrays).
pub(crate) fn lookup<'a>(input: &Value<'a>, key: &str) -> Value<'a> {
    crate::value::guard(|| match input {
        Value::Array(_) | Value::JArray(_) => {
            let mut out = Vec::new();
            for item in input.items() {
                let r = lookup(&item, key);
                if r.is_array() {
                    out.extend(r.items());
                } else if !r.is_undef() {
                    out.push(r);
                }
            }
            Value::seq(out)
        }
        Value::Object(_) | Value::JObject(_) => input.get(key),
        _ => Value::Undefined,
    })
}

fn flatten_into<'a>(v: Value<'a>, out: &mut Vec<Value<'a>>) {
    crate::value::guard(|| {
        if v.is_array() {
            for i in v.items() {
                flatten_into(i, out);
            }
        } else {
            out.push(v);
        }
    })
}

fn wildcard<'a>(input: &Value<'a>) -> Value<'a> {
    let input = match input {
        Value::Array(a) if a.outer && !a.items.is_empty() => a.items[0].clone(),
        v => v.clone(),
    };
    let mut out = Vec::new();
    let values: Vec<Value<'a>> = if input.is_object() {
        input.entries().into_iter().map(|(_, v)| v).collect()
    } else if input.is_array() {
        input.items()
    } else {
        Vec::new()
    };
    for v in values {
        if v.is_array() {
            flatten_into(v, &mut out);
        } else {
            out.push(v);
        }
    }
    Value::seq(out)
}

fn descendants<'a>(input: &Value<'a>, out: &mut Vec<Value<'a>>) {
    crate::value::guard(|| {
        if !input.is_array() {
            out.push(input.clone());
        }
        if input.is_array() {
            for m in input.items() {
                descendants(&m, out);
            }
        } else if input.is_object() {
            for (_, v) in input.entries() {
                descendants(&v, out);
            }
        }
    })
}

fn boolize(v: &Value<'_>) -> Result<bool, Error> {
    if v.is_undef() { Ok(false) } else { boolean(v) }
}

fn binary_values<'a>(op: BinOp, lhs: Value<'a>, rhs: Value<'a>) -> R<'a> {
    match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
            if !lhs.is_undef() && !lhs.is_numeric()? {
                return Err(Error::val("T2001", show(&lhs)));
            }
            if !rhs.is_undef() && !rhs.is_numeric()? {
                return Err(Error::val("T2002", show(&rhs)));
            }
            let (Some(a), Some(b)) = (lhs.as_num(), rhs.as_num()) else {
                return Ok(Value::Undefined);
            };
            Ok(Value::Number(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                _ => a % b,
            }))
        }
        BinOp::Eq | BinOp::Ne => {
            if lhs.is_undef() || rhs.is_undef() {
                return Ok(Value::Bool(false));
            }
            let eq = deep_eq(&lhs, &rhs);
            Ok(Value::Bool(if op == BinOp::Eq { eq } else { !eq }))
        }
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let comparable =
                |v: &Value<'a>| v.is_undef() || v.is_string() || matches!(v, Value::Number(_));
            if !comparable(&lhs) || !comparable(&rhs) {
                let bad = if comparable(&lhs) { &rhs } else { &lhs };
                return Err(Error::val("T2010", show(bad)));
            }
            if lhs.is_undef() || rhs.is_undef() {
                return Ok(Value::Undefined);
            }
            let ord = compare_same_type(&lhs, &rhs, "T2009")?;
            use std::cmp::Ordering::*;
            Ok(Value::Bool(match (op, ord) {
                (_, None) => false,
                (BinOp::Lt, Some(o)) => o == Less,
                (BinOp::Le, Some(o)) => o != Greater,
                (BinOp::Gt, Some(o)) => o == Greater,
                (_, Some(o)) => o != Less,
            }))
        }
        BinOp::Concat => {
            let l = if lhs.is_undef() {
                String::new()
            } else {
                stringify(&lhs, false)?
            };
            let r = if rhs.is_undef() {
                String::new()
            } else {
                stringify(&rhs, false)?
            };
            Ok(Value::string(l + &r))
        }
        BinOp::Range => {
            let is_int =
                |v: &Value<'a>| matches!(v, Value::Number(n) if n.fract() == 0.0 && n.is_finite());
            if !lhs.is_undef() && !is_int(&lhs) {
                return Err(Error::val("T2003", show(&lhs)));
            }
            if !rhs.is_undef() && !is_int(&rhs) {
                return Err(Error::val("T2004", show(&rhs)));
            }
            let (Some(a), Some(b)) = (lhs.as_num(), rhs.as_num()) else {
                return Ok(Value::Undefined);
            };
            if a > b {
                return Ok(Value::Undefined);
            }
            let size = b - a + 1.0;
            if size > 1e7 {
                return Err(Error::val("D2014", num_to_str(size)));
            }
            let (a, b) = (a as i64, b as i64);
            Ok(Value::seq(
                (a..=b).map(|i| Value::Number(i as f64)).collect(),
            ))
        }
        BinOp::In => {
            if lhs.is_undef() || rhs.is_undef() {
                return Ok(Value::Bool(false));
            }
            let items = if rhs.is_array() {
                rhs.items()
            } else {
                vec![rhs]
            };
            Ok(Value::Bool(items.iter().any(|v| strict_eq(v, &lhs))))
        }
        BinOp::And | BinOp::Or => Ok(Value::Undefined),
    }
}
