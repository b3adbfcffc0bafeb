//! Runtime values. Input JSON is borrowed in place (`JArray`/`JObject`/`Str`),
//! values produced by evaluation are reference counted.

use std::sync::Arc;

use baton_json::Json;
use indexmap::IndexMap;

use crate::ast::{LambdaDef, RegexDef, TransformDef};
use crate::env::Env;
use crate::error::Error;

/// An owned object map.
pub(crate) type Obj<'a> = IndexMap<Arc<str>, Value<'a>>;

/// An evaluation-produced object (dropped iteratively, so deep nesting cannot overflow the stack).
#[derive(Debug, Clone, Default)]
pub(crate) struct Object<'a>(pub Obj<'a>);

impl<'a> std::ops::Deref for Object<'a> {
    type Target = Obj<'a>;
    fn deref(&self) -> &Obj<'a> {
        &self.0
    }
}

impl<'a> std::ops::DerefMut for Object<'a> {
    fn deref_mut(&mut self) -> &mut Obj<'a> {
        &mut self.0
    }
}

/// Looks a member up by name: small objects (the usual case) are scanned, which is cheaper
/// than hashing the name.
pub(crate) fn map_get<'m, V, S: std::hash::BuildHasher>(
    map: &'m IndexMap<Arc<str>, V, S>,
    key: &str,
) -> Option<&'m V> {
    if map.len() <= 8 {
        map.iter()
            .find(|(k, _)| k.len() == key.len() && ***k == *key)
            .map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// Deepest nesting of arrays and objects in a result handed back to the host (error `U1001`
/// beyond it). Values inside an evaluation may nest deeper (they are dropped and compared
/// without recursion), but the host's documents are walked recursively.
pub(crate) const MAX_RESULT_DEPTH: usize = 1000;

/// Runs `f`, growing the stack on the heap first when little of it is left, so deep
/// recursion (nested expressions or values) cannot overflow the caller's thread stack.
pub(crate) fn guard<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, f)
}

/// Whether dropping `v` may drop further values (so a long chain could recurse deeply).
fn is_container(v: &Value<'_>) -> bool {
    matches!(
        v,
        Value::Array(_) | Value::Object(_) | Value::Func(_) | Value::Tuples(_)
    )
}

/// Something being dropped by [`dispose`].
pub(crate) enum Garbage<'a> {
    Value(Value<'a>),
    Frame(crate::env::Frame<'a>),
}

impl<'a> Garbage<'a> {
    /// Queues `v` if dropping it could recurse, else drops it now.
    pub(crate) fn value(v: Value<'a>, out: &mut Vec<Garbage<'a>>) {
        if is_container(&v) {
            out.push(Garbage::Value(v));
        }
    }

    /// Queues the frame if this is its last reference, else just releases it.
    pub(crate) fn env(env: Env<'a>, out: &mut Vec<Garbage<'a>>) {
        if let Some(frame) = Arc::into_inner(env) {
            out.push(Garbage::Frame(frame));
        }
    }
}

/// Drops values, closures and scopes without recursion: a chain of nested arrays, objects,
/// closures or scopes of any length cannot overflow the stack.
pub(crate) fn dispose(mut stack: Vec<Garbage<'_>>) {
    while let Some(g) = stack.pop() {
        match g {
            Garbage::Frame(mut f) => f.take_parts(&mut stack),
            Garbage::Value(Value::Array(a)) => {
                if let Some(mut arr) = Arc::into_inner(a) {
                    for v in std::mem::take(&mut arr.items) {
                        Garbage::value(v, &mut stack);
                    }
                }
            }
            Garbage::Value(Value::Object(o)) => {
                if let Some(mut obj) = Arc::into_inner(o) {
                    for (_, v) in obj.0.drain(..) {
                        Garbage::value(v, &mut stack);
                    }
                }
            }
            Garbage::Value(Value::Tuples(t)) => {
                if let Some(ts) = Arc::into_inner(t) {
                    for t in ts {
                        Garbage::value(t.at, &mut stack);
                        for (_, v) in t.binds {
                            Garbage::value(v, &mut stack);
                        }
                    }
                }
            }
            Garbage::Value(Value::Func(f)) => {
                if let Some(mut f) = Arc::into_inner(f) {
                    f.take_values(&mut stack);
                    // the scope is moved out too (a stand-in takes its place), so that a
                    // chain closure -> scope -> closure -> ... stays in this loop
                    if let Func::Lambda(Lambda { env, .. }) | Func::Transform { env, .. } = &mut f {
                        let env = std::mem::replace(env, crate::env::Frame::root());
                        Garbage::env(env, &mut stack);
                    }
                }
            }
            Garbage::Value(_) => {}
        }
    }
}

impl<'a> Func<'a> {
    /// Moves the values this function holds (not its scope) out for [`dispose`].
    fn take_values(&mut self, out: &mut Vec<Garbage<'a>>) {
        match self {
            Func::Lambda(l) => Garbage::value(std::mem::take(&mut l.input), out),
            Func::Partial { func, args } => {
                Garbage::value(std::mem::take(func), out);
                for v in args.drain(..).flatten() {
                    Garbage::value(v, out);
                }
            }
            Func::Chain(a, b) => {
                Garbage::value(std::mem::take(a), out);
                Garbage::value(std::mem::take(b), out);
            }
            Func::Builtin(_)
            | Func::Host(_)
            | Func::Regex(_)
            | Func::RegexNext { .. }
            | Func::Transform { .. } => {}
        }
    }
}

impl Drop for Func<'_> {
    fn drop(&mut self) {
        let mut stack = Vec::new();
        self.take_values(&mut stack);
        if !stack.is_empty() {
            dispose(stack);
        }
    }
}

impl Drop for Object<'_> {
    fn drop(&mut self) {
        if self.0.values().any(is_container) {
            let mut stack = Vec::new();
            for (_, v) in self.0.drain(..) {
                Garbage::value(v, &mut stack);
            }
            dispose(stack);
        }
    }
}

impl Drop for Array<'_> {
    fn drop(&mut self) {
        if self.items.iter().any(is_container) {
            let mut stack = Vec::new();
            for v in std::mem::take(&mut self.items) {
                Garbage::value(v, &mut stack);
            }
            dispose(stack);
        }
    }
}

/// An evaluation-produced array, with JSONata's sequence flags.
#[derive(Debug, Clone, Default)]
pub(crate) struct Array<'a> {
    pub items: Vec<Value<'a>>,
    pub seq: bool,
    pub keep: bool,
    pub cons: bool,
    pub outer: bool,
}

/// A tuple in a tuple stream: `@` plus named bindings.
#[derive(Debug, Clone)]
pub(crate) struct Tuple<'a> {
    pub at: Value<'a>,
    pub binds: Vec<(Arc<str>, Value<'a>)>,
}

impl<'a> Array<'a> {
    pub(crate) fn new(items: Vec<Value<'a>>, seq: bool) -> Self {
        Array {
            items,
            seq,
            keep: false,
            cons: false,
            outer: false,
        }
    }
}

impl<'a> Tuple<'a> {
    pub(crate) fn new(at: Value<'a>) -> Self {
        Tuple {
            at,
            binds: Vec::new(),
        }
    }
    pub(crate) fn set(&mut self, name: &Arc<str>, v: Value<'a>) {
        if let Some(slot) = self.binds.iter_mut().find(|(k, _)| k == name) {
            slot.1 = v;
        } else {
            self.binds.push((name.clone(), v));
        }
    }
}

/// A closure created from a lambda definition.
#[derive(Debug)]
pub(crate) struct Lambda<'a> {
    pub def: Arc<LambdaDef>,
    pub params: Vec<Arc<str>>,
    pub input: Value<'a>,
    pub env: Env<'a>,
    pub partial: bool,
}

/// Callable values.
#[derive(Debug)]
pub(crate) enum Func<'a> {
    Lambda(Lambda<'a>),
    Builtin(crate::functions::Builtin),
    Host(Arc<str>),
    Regex(Arc<RegexDef>),
    RegexNext {
        re: Arc<RegexDef>,
        text: Arc<str>,
        from: usize,
    },
    Transform {
        def: Arc<TransformDef>,
        env: Env<'a>,
    },
    Partial {
        func: Value<'a>,
        args: Vec<Option<Value<'a>>>,
    },
    Chain(Value<'a>, Value<'a>),
}

/// A JSONata runtime value.
#[derive(Debug, Clone, Default)]
pub(crate) enum Value<'a> {
    #[default]
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    /// A string of the input document, borrowed in place.
    Str(&'a Arc<str>),
    String(Arc<str>),
    /// An array of the input document, borrowed in place.
    JArray(&'a Arc<Vec<Json>>),
    /// An object of the input document, borrowed in place.
    JObject(&'a Arc<baton_json::Map>),
    Array(Arc<Array<'a>>),
    Object(Arc<Object<'a>>),
    Func(Arc<Func<'a>>),
    Tuples(Arc<Vec<Tuple<'a>>>),
}

impl<'a> Value<'a> {
    pub(crate) fn from_json(j: &'a Json) -> Self {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            Json::String(s) => Value::Str(s),
            Json::Array(a) => Value::JArray(a),
            Json::Object(o) => Value::JObject(o),
        }
    }

    pub(crate) fn string(s: impl Into<Arc<str>>) -> Self {
        Value::String(s.into())
    }

    pub(crate) fn seq(items: Vec<Value<'a>>) -> Self {
        Value::Array(Arc::new(Array::new(items, true)))
    }

    pub(crate) fn array(items: Vec<Value<'a>>) -> Self {
        Value::Array(Arc::new(Array::new(items, false)))
    }

    /// The outer-wrapper sequence used when the focus is a JSON array.
    pub(crate) fn outer(v: Value<'a>) -> Self {
        let mut a = Array::new(vec![v], true);
        a.outer = true;
        Value::Array(Arc::new(a))
    }

    pub(crate) fn object(o: Obj<'a>) -> Self {
        Value::Object(Arc::new(Object(o)))
    }

    pub(crate) fn func(f: Func<'a>) -> Self {
        Value::Func(Arc::new(f))
    }

    pub(crate) fn is_undef(&self) -> bool {
        matches!(self, Value::Undefined)
    }

    pub(crate) fn is_array(&self) -> bool {
        matches!(self, Value::Array(_) | Value::JArray(_))
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self, Value::Object(_) | Value::JObject(_))
    }

    pub(crate) fn is_func(&self) -> bool {
        matches!(self, Value::Func(_))
    }

    pub(crate) fn is_seq(&self) -> bool {
        matches!(self, Value::Array(a) if a.seq)
    }

    pub(crate) fn is_cons(&self) -> bool {
        matches!(self, Value::Array(a) if a.cons)
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(&***s),
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_num(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn is_string(&self) -> bool {
        matches!(self, Value::Str(_) | Value::String(_))
    }

    /// Array length (0 for non-arrays).
    pub(crate) fn len(&self) -> usize {
        match self {
            Value::Array(a) => a.items.len(),
            Value::JArray(a) => a.len(),
            _ => 0,
        }
    }

    /// Array element.
    pub(crate) fn at(&self, i: usize) -> Value<'a> {
        match self {
            Value::Array(a) => a.items.get(i).cloned().unwrap_or_default(),
            Value::JArray(a) => a.get(i).map(Value::from_json).unwrap_or_default(),
            _ => Value::Undefined,
        }
    }

    /// Array items as a vector (shallow).
    pub(crate) fn items(&self) -> Vec<Value<'a>> {
        match self {
            Value::Array(a) => a.items.clone(),
            Value::JArray(a) => a.iter().map(Value::from_json).collect(),
            _ => Vec::new(),
        }
    }

    /// Items if an array, else a singleton (empty for undefined); moves the items out
    /// when this is the only reference to the array.
    pub(crate) fn into_list(self) -> Vec<Value<'a>> {
        match self {
            Value::Array(a) => match Arc::try_unwrap(a) {
                Ok(mut arr) => std::mem::take(&mut arr.items),
                Err(a) => a.items.clone(),
            },
            Value::Undefined => Vec::new(),
            v if v.is_array() => v.items(),
            v => vec![v],
        }
    }

    /// Items if an array, else a singleton (empty for undefined).
    pub(crate) fn to_list(&self) -> Vec<Value<'a>> {
        match self {
            Value::Array(_) | Value::JArray(_) => self.items(),
            Value::Undefined => Vec::new(),
            v => vec![v.clone()],
        }
    }

    /// Object field lookup.
    pub(crate) fn get(&self, key: &str) -> Value<'a> {
        match self {
            Value::Object(o) => map_get(o, key).cloned().unwrap_or_default(),
            Value::JObject(o) => map_get(o, key).map(Value::from_json).unwrap_or_default(),
            _ => Value::Undefined,
        }
    }

    /// Object entries (shallow).
    /// Object entries (shallow), in JavaScript's property order.
    pub(crate) fn entries(&self) -> Vec<(Arc<str>, Value<'a>)> {
        let mut entries: Vec<(Arc<str>, Value<'a>)> = match self {
            Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Value::JObject(o) => o
                .iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v)))
                .collect(),
            _ => Vec::new(),
        };
        js_property_order(&mut entries);
        entries
    }

    /// Calls `f` on each entry of an object, in JavaScript's property order, without
    /// collecting the entries (unless some names are array indexes, which come first).
    pub(crate) fn try_for_each_entry<E>(
        &self,
        mut f: impl FnMut(&str, Value<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Value::Object(o) if !o.keys().any(|k| is_array_index(k)) => {
                for (k, v) in o.iter() {
                    f(k, v.clone())?;
                }
            }
            Value::JObject(o) if !o.keys().any(|k| is_array_index(k)) => {
                for (k, v) in o.iter() {
                    f(k, Value::from_json(v))?;
                }
            }
            _ => {
                for (k, v) in self.entries() {
                    f(&k, v)?;
                }
            }
        }
        Ok(())
    }

    pub(crate) fn obj_len(&self) -> usize {
        match self {
            Value::Object(o) => o.len(),
            Value::JObject(o) => o.len(),
            _ => 0,
        }
    }

    /// Mutable access to the flags of an evaluation-produced array (copying if shared).
    pub(crate) fn set_keep(&mut self) {
        if let Value::Array(a) = self {
            Arc::make_mut(a).keep = true;
        }
    }

    /// Signature symbol of the value.
    pub(crate) fn symbol(&self) -> char {
        match self {
            Value::Undefined => 'm',
            Value::Null => 'l',
            Value::Bool(_) => 'b',
            Value::Number(_) => 'n',
            Value::Str(_) | Value::String(_) => 's',
            Value::JArray(_) | Value::Array(_) | Value::Tuples(_) => 'a',
            Value::JObject(_) | Value::Object(_) => 'o',
            Value::Func(_) => 'f',
        }
    }

    /// JSONata `isNumeric`: a non-NaN number; infinite numbers raise D1001.
    pub(crate) fn is_numeric(&self) -> Result<bool, Error> {
        match self {
            Value::Number(n) if n.is_nan() => Ok(false),
            Value::Number(n) if n.is_infinite() => Err(Error::val("D1001", num_to_str(*n))),
            Value::Number(_) => Ok(true),
            _ => Ok(false),
        }
    }

    /// Converts to an owned JSON value (`None` for undefined).
    pub(crate) fn to_json(&self) -> Result<Option<Json>, Error> {
        self.to_json_at(0)
    }

    /// `to_json` for a value nested `depth` containers deep in the result.
    fn to_json_at(&self, depth: usize) -> Result<Option<Json>, Error> {
        Ok(Some(match self {
            Value::Undefined => return Ok(None),
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => num_to_json(*n)?,
            Value::Str(s) => Json::String(Arc::clone(s)),
            Value::String(s) => Json::String(s.clone()),
            // Parts of the input come back shared, not copied.
            Value::JArray(a) => Json::Array(Arc::clone(a)),
            Value::JObject(o) => Json::Object(Arc::clone(o)),
            Value::Func(_) => Json::string(""),
            Value::Array(_) | Value::Tuples(_) | Value::Object(_) => {
                if depth >= MAX_RESULT_DEPTH {
                    let mut e = Error::new("U1001");
                    e.message = format!("Result nested more than {MAX_RESULT_DEPTH} levels deep");
                    return Err(e);
                }
                return crate::value::guard(|| self.container_to_json(depth + 1)).map(Some);
            }
        }))
    }

    fn container_to_json(&self, depth: usize) -> Result<Json, Error> {
        Ok(match self {
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.items.len());
                for v in &a.items {
                    // like JSON.stringify: an undefined array member becomes null
                    out.push(v.to_json_at(depth)?.unwrap_or(Json::Null));
                }
                Json::from_vec(out)
            }
            Value::Tuples(t) => {
                let mut out = Vec::with_capacity(t.len());
                for v in t.iter() {
                    if let Some(j) = v.at.to_json_at(depth)? {
                        out.push(j);
                    }
                }
                Json::from_vec(out)
            }
            Value::Object(o) => {
                let mut m = baton_json::Map::with_capacity_and_hasher(o.len(), Default::default());
                if o.keys().any(|k| is_array_index(k)) {
                    for (k, v) in self.entries() {
                        if let Some(j) = v.to_json_at(depth)? {
                            m.insert(k, j);
                        }
                    }
                } else {
                    for (k, v) in o.iter() {
                        if let Some(j) = v.to_json_at(depth)? {
                            m.insert(k.clone(), j);
                        }
                    }
                }
                Json::from_map(m)
            }
            _ => self.to_json_at(depth)?.unwrap_or(Json::Null),
        })
    }

    /// Deep copy into evaluation-owned structures (used by transforms / `$clone`).
    pub(crate) fn deep_clone(&self) -> Value<'a> {
        crate::value::guard(|| match self {
            Value::JArray(_) | Value::Array(_) => {
                let items = self.items().iter().map(|v| v.deep_clone()).collect();
                Value::array(items)
            }
            Value::JObject(_) | Value::Object(_) => {
                let mut o = Obj::new();
                for (k, v) in self.entries() {
                    o.insert(k, v.deep_clone());
                }
                Value::object(o)
            }
            Value::Str(s) => Value::String(Arc::clone(s)),
            v => v.clone(),
        })
    }
}

/// Whether `k` is an array index (a canonical integer below 2^32 - 1), which JavaScript lists
/// before the other property names of an object.
fn is_array_index(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 10
        && k.bytes().all(|b| b.is_ascii_digit())
        && (k == "0" || !k.starts_with('0'))
        && k.parse::<u64>().is_ok_and(|n| n < 4_294_967_295)
}

/// Puts entries in JavaScript's property order: array indexes ascending, then the other
/// names in insertion order.
pub(crate) fn js_property_order<T>(entries: &mut [(Arc<str>, T)]) {
    if entries.iter().any(|(k, _)| is_array_index(k)) {
        entries.sort_by_key(|(k, _)| {
            if is_array_index(k) {
                (0, k.parse::<u64>().unwrap_or(0))
            } else {
                (1, 0)
            }
        });
    }
}

/// Converts a finite number to JSON, preferring an integer representation.
pub(crate) fn num_to_json(n: f64) -> Result<Json, Error> {
    if !n.is_finite() {
        return Err(Error::val("D1001", num_to_str(n)));
    }
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        return Ok(Json::from(n as i64));
    }
    // larger integral values print with JavaScript's digits when they fit a 64-bit integer
    // (e.g. 12345678901234567000, which reads back as the same double)
    if n.fract() == 0.0 && n.abs() < 1e21 {
        let text = num_to_str(n);
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Json::from(i));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Ok(Json::from(u));
        }
    }
    Ok(serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number))
}

/// Appends `n` if it is an integer of at most 15 digits (written the same by JavaScript,
/// `-0` as `0`), without going through the general formatter; `false` otherwise.
pub(crate) fn push_integer(n: f64, out: &mut String) -> bool {
    if n.fract() != 0.0 || n.abs() >= 1e15 {
        return false;
    }
    let i = n as i64;
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut m = i.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
    true
}

/// ECMAScript `Number.prototype.toString()`.
pub(crate) fn num_to_str(n: f64) -> String {
    let mut s = String::new();
    if push_integer(n, &mut s) {
        return s;
    }
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let mut b = ryu_js::Buffer::new();
    b.format(n).to_string()
}

/// Rounds to 15 significant digits like `Number(n.toPrecision(15))`.
pub(crate) fn round15(n: f64) -> f64 {
    if !n.is_finite() || n == 0.0 {
        return n;
    }
    format!("{n:.14e}").parse::<f64>().unwrap_or(n)
}

/// Strict (`===`) equality for the `in` operator.
pub(crate) fn strict_eq<'a>(a: &Value<'a>, b: &Value<'a>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (x, y) if x.is_string() && y.is_string() => x.as_str() == y.as_str(),
        (Value::JArray(x), Value::JArray(y)) => std::ptr::eq(*x, *y),
        (Value::JObject(x), Value::JObject(y)) => std::ptr::eq(*x, *y),
        (Value::Array(x), Value::Array(y)) => Arc::ptr_eq(x, y),
        (Value::Object(x), Value::Object(y)) => Arc::ptr_eq(x, y),
        (Value::Func(x), Value::Func(y)) => Arc::ptr_eq(x, y),
        _ => false,
    }
}

/// Deep equality (`=`).
pub(crate) fn deep_eq<'a>(a: &Value<'a>, b: &Value<'a>) -> bool {
    crate::value::guard(|| match (a, b) {
        (Value::Undefined, Value::Undefined) => true,
        (x, y) if x.is_array() && y.is_array() => {
            let (xs, ys) = (x.items(), y.items());
            xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(p, q)| deep_eq(p, q))
        }
        (x, y) if x.is_object() && y.is_object() => {
            let (xs, ys) = (x.entries(), y.entries());
            xs.len() == ys.len() && xs.iter().all(|(k, v)| deep_eq(v, &y.get(k)))
        }
        _ => strict_eq(a, b),
    })
}
