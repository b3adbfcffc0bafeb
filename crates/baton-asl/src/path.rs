//! JSONPath as Step Functions uses it: the Jayway dialect AWS runs, on shared [`baton_json::Json`] documents.
//!
//! A path starts at the state's data (`$`), the context object (`$$`) or a workflow variable
//! (`$name`), then takes steps: `.name`, `['name']`, `[0]`, `[-1]`, `.*`, `[*]`, `..name`,
//! `[1:3]`, `[::2]`, `[0,1]`, `['a','b']` and filters `[?(@.price < 10 && @.isbn)]`.
//!
//! A *definite* path (only names and single indexes) selects one node or fails with
//! [`PathError::NotFound`]; an *indefinite* one (wildcards, descendants, slices, unions,
//! filters) always selects a list, possibly empty, as Jayway does. [`JsonPath::set`] writes a
//! result at a reference path (`ResultPath`).
//!
//! As AWS documents, a filter's `@` only ever matches objects, and regular expressions (`=~`),
//! lexical operators (`in`, `subsetof`...) and script expressions are rejected. Functions
//! (`.length()`) parse, as AWS accepts them in a definition, but selecting through one fails,
//! as it does at run time on AWS. One departure from Jayway: a union of names as the last
//! step (`$['a','b']`) selects a list of the members, not an object holding them.

use baton_json::Json as Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// How deeply filter expressions may nest (parentheses, `!`, nested filters).
const MAX_FILTER_DEPTH: usize = 32;

/// Where a path starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Root {
    /// `$`: the state's data (its input, or the effective input of the field).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

/// A parsed JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    text: String,
    root: Root,
    segments: Vec<Segment>,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// `.name`, `[...]`: select among the children of each node.
    Child(Selector),
    /// `..name`, `..*`, `..[...]`: select among each node and all its descendants.
    Descendant(Selector),
    /// `.name()`: a Jayway function. AWS accepts the syntax but supports no function, so
    /// selecting through one always fails.
    Function(String),
}

/// What a step selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// A member by name.
    Name(String),
    /// Several members by name (`['a','b']`).
    Names(Vec<String>),
    /// An array item; negative counts from the end.
    Index(i64),
    /// Several array items (`[0,1]`).
    Indexes(Vec<i64>),
    /// All members or items (`*`).
    Wildcard,
    /// `[start:end:step]` with Python semantics (end excluded, negatives count from the end).
    Slice {
        /// First index (default: the start, or the end for a negative step).
        start: Option<i64>,
        /// Index not reached (default: past the end, or before the start for a negative step).
        end: Option<i64>,
        /// Stride, never 0 (default 1).
        step: Option<i64>,
    },
    /// `[?(...)]`: the items of an array (or the object itself) for which the filter holds.
    /// Like AWS, only objects ever match.
    Filter(Filter),
}

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `a || b || ...` (flat, so that long chains do not nest).
    Or(Vec<Filter>),
    /// `a && b && ...` (flat).
    And(Vec<Filter>),
    /// `!a`.
    Not(Box<Filter>),
    /// `@.isbn`: the path selects something.
    Exists(Operand),
    /// `@.price < 10`.
    Compare(Operand, CompareOp, Operand),
}

/// A side of a filter comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `@...`: relative to the node being tested.
    Current(Vec<Segment>),
    /// `$...`: relative to the state's data.
    Root(Vec<Segment>),
    /// A string, number, boolean or null literal.
    Literal(Value),
}

/// A filter comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// Why a path could not be parsed, read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The text is not a JSONPath.
    #[error("Invalid JSONPath '{path}': {message} (at character {position})")]
    Syntax {
        /// The text.
        path: String,
        /// Character offset (0-based) where the problem was found.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// A definite path selects nothing (AWS fails the state with `States.Runtime`).
    #[error("Invalid path '{path}' : {message}")]
    NotFound {
        /// The path.
        path: String,
        /// What is missing, in Jayway's words (`Missing property in path $['a']`).
        message: String,
    },
    /// A result cannot be written at the path (AWS: `States.ResultPathMatchFailure`).
    #[error("Unable to apply ResultPath '{path}': {message}")]
    ResultPathMatchFailure {
        /// The path.
        path: String,
        /// Why.
        message: String,
    },
}

impl PathError {
    /// The path the error is about.
    pub fn path(&self) -> &str {
        match self {
            PathError::Syntax { path, .. }
            | PathError::NotFound { path, .. }
            | PathError::ResultPathMatchFailure { path, .. } => path,
        }
    }
}

/// What a path selected: one node for a definite path, a list for an indefinite one.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected<'a> {
    /// The node a definite path selects.
    One(&'a Value),
    /// The nodes an indefinite path selects, in document order.
    Many(Vec<&'a Value>),
}

impl Selected<'_> {
    /// The selection as a value: the node itself, or an array of the nodes.
    pub fn to_value(&self) -> Value {
        match self {
            Selected::One(v) => (*v).clone(),
            Selected::Many(vs) => vs.iter().map(|v| (*v).clone()).collect(),
        }
    }
}

/// Parses a JSONPath.
pub fn parse(text: &str) -> Result<JsonPath, PathError> {
    let mut p = Parser {
        cur: Cursor { text, pos: 0 },
        depth: 0,
    };
    let root = p.root()?;
    let segments = p.segments(false)?;
    if let Some(c) = p.peek() {
        return Err(p.error(format!("unexpected character '{c}'")));
    }
    Ok(JsonPath {
        text: text.to_string(),
        root,
        segments,
    })
}

impl JsonPath {
    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Where the path starts.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The steps after the root.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The variable the path reads, if it starts at one.
    pub fn variable(&self) -> Option<&str> {
        match &self.root {
            Root::Variable(name) => Some(name),
            _ => None,
        }
    }

    /// Whether the path is an AWS *Reference Path*: only `.name`, `['name']` and `[index]`
    /// steps, so it identifies a single node.
    pub fn is_reference_path(&self) -> bool {
        self.segments.iter().all(|s| {
            matches!(
                s,
                Segment::Child(Selector::Name(_)) | Segment::Child(Selector::Index(_))
            )
        })
    }

    /// Whether the path selects at most one node (Jayway's "definite" path): a reference
    /// path, possibly ending in an (unsupported) function.
    pub fn is_definite(&self) -> bool {
        is_definite(&self.segments)
    }

    /// Selects from `input` (`$`), `context` (`$$`) or a variable (`$name`, looked up with
    /// `vars`). A definite path yields [`Selected::One`] or [`PathError::NotFound`]; an
    /// indefinite one yields [`Selected::Many`], possibly empty.
    pub fn select<'a>(
        &self,
        input: &'a Value,
        context: &'a Value,
        vars: &dyn Fn(&str) -> Option<&'a Value>,
    ) -> Result<Selected<'a>, PathError> {
        let start = match &self.root {
            Root::Input => input,
            Root::Context => context,
            Root::Variable(name) => vars(name).ok_or_else(|| PathError::NotFound {
                path: self.text.clone(),
                message: format!("The variable '{name}' is not defined"),
            })?,
        };
        if self.is_definite() {
            walk_definite(start, &self.segments, &root_text(&self.root))
                .map(Selected::One)
                .map_err(|message| PathError::NotFound {
                    path: self.text.clone(),
                    message,
                })
        } else {
            let mut nodes = vec![start];
            for segment in &self.segments {
                let mut next = Vec::new();
                for node in nodes {
                    apply_segment(segment, node, input, &mut next).map_err(|message| {
                        PathError::NotFound {
                            path: self.text.clone(),
                            message,
                        }
                    })?;
                }
                nodes = next;
            }
            Ok(Selected::Many(nodes))
        }
    }

    /// Selects from the state's data only (`$` paths); `$$` and variables select nothing
    /// here (they fail with [`PathError::NotFound`]).
    pub fn select_input<'a>(&self, input: &'a Value) -> Result<Selected<'a>, PathError> {
        static NULL: Value = Value::Null;
        if self.root != Root::Input {
            return Err(PathError::NotFound {
                path: self.text.clone(),
                message: "The path does not read the state's data".into(),
            });
        }
        self.select(input, &NULL, &|_| None)
    }

    /// Writes `value` at this path inside `target`, as `ResultPath` does: `$` replaces the
    /// whole target; missing members on the way are created as objects. Fails (AWS:
    /// `States.ResultPathMatchFailure`) when a step names a member of something that is not
    /// an object, indexes something that is not an array or past its end, or when the path
    /// is not a reference path on `$`.
    pub fn set(&self, target: &mut Value, value: Value) -> Result<(), PathError> {
        let fail = |message: String| PathError::ResultPathMatchFailure {
            path: self.text.clone(),
            message,
        };
        if self.root != Root::Input {
            return Err(fail(
                "only paths on the state's data ('$') can be written".into(),
            ));
        }
        if !self.is_reference_path() {
            return Err(fail("the path is not a Reference Path".into()));
        }
        let mut current = target;
        let count = self.segments.len();
        for (i, segment) in self.segments.iter().enumerate() {
            let last = i + 1 == count;
            let at = || location("$", &self.segments[..i]);
            current = match segment {
                Segment::Child(Selector::Name(name)) => {
                    let kind = describe(current);
                    // Copies this container only if it is shared: the rest stays shared.
                    let Some(map) = current.as_object_mut() else {
                        return Err(fail(format!(
                            "cannot set property ['{name}'] of {kind} at {}",
                            at()
                        )));
                    };
                    if last {
                        map.insert(Arc::from(name.as_str()), value);
                        return Ok(());
                    }
                    map.entry(Arc::from(name.as_str()))
                        .or_insert_with(Value::object)
                }
                Segment::Child(Selector::Index(index)) => {
                    let kind = describe(current);
                    let Some(items) = current.as_array_mut() else {
                        return Err(fail(format!(
                            "cannot set index [{index}] of {kind} at {}",
                            at()
                        )));
                    };
                    let Some(at) = normalize_index(*index, items.len()) else {
                        return Err(fail(format!(
                            "index [{index}] is out of bounds of the array at {} (length {})",
                            at(),
                            items.len()
                        )));
                    };
                    let Some(slot) = items.get_mut(at) else {
                        return Err(fail(format!("index [{index}] is out of bounds")));
                    };
                    if last {
                        *slot = value;
                        return Ok(());
                    }
                    slot
                }
                _ => return Err(fail("the path is not a Reference Path".into())),
            };
        }
        *current = value;
        Ok(())
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for JsonPath {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

fn is_definite(segments: &[Segment]) -> bool {
    segments.iter().all(|s| {
        matches!(
            s,
            Segment::Child(Selector::Name(_))
                | Segment::Child(Selector::Index(_))
                | Segment::Function(_)
        )
    })
}

fn root_text(root: &Root) -> String {
    match root {
        Root::Input => "$".into(),
        Root::Context => "$$".into(),
        Root::Variable(name) => format!("${name}"),
    }
}

/// A JSON type name for messages.
fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The position `index` designates in an array of `len` items (negative counts from the end).
fn normalize_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let at = if index < 0 {
        len.checked_add(index)?
    } else {
        index
    };
    if (0..len).contains(&at) {
        usize::try_from(at).ok()
    } else {
        None
    }
}

/// Follows a definite path from `start` (written `root` in messages); the error is Jayway's
/// description of what is missing.
fn walk_definite<'a>(
    start: &'a Value,
    segments: &[Segment],
    root: &str,
) -> Result<&'a Value, String> {
    let mut current = start;
    for (i, segment) in segments.iter().enumerate() {
        // Only rendered on failure: the walk itself allocates nothing.
        let before = || location(root, &segments[..i]);
        let through = || location(root, &segments[..=i]);
        current = match (segment, current) {
            (Segment::Child(Selector::Name(name)), Value::Object(map)) => map
                .get(name.as_str())
                .ok_or_else(|| format!("Missing property in path {}", through()))?,
            (Segment::Child(Selector::Name(name)), other) => {
                return Err(format!(
                    "Expected to find an object with property ['{name}'] in path {} but found {}",
                    before(),
                    describe(other)
                ));
            }
            (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
                normalize_index(*index, items.len())
                    .and_then(|i| items.get(i))
                    .ok_or_else(|| format!("No results for path: {}", through()))?
            }
            (Segment::Child(Selector::Index(index)), other) => {
                return Err(format!(
                    "Expected to find an array with index [{index}] in path {} but found {}",
                    before(),
                    describe(other)
                ));
            }
            (Segment::Function(name), _) => {
                return Err(format!(
                    "Function {name}() is not supported in path {}",
                    before()
                ));
            }
            _ => return Err(format!("No results for path: {}", through())),
        };
    }
    Ok(current)
}

/// A path in Jayway's normalized form (`$['a'][0]`), for messages.
fn location(root: &str, segments: &[Segment]) -> String {
    let mut out = root.to_string();
    for segment in segments {
        match segment {
            Segment::Child(Selector::Name(name)) => {
                out.push_str("['");
                out.push_str(name);
                out.push_str("']");
            }
            Segment::Child(Selector::Index(index)) => out.push_str(&format!("[{index}]")),
            Segment::Function(name) => out.push_str(&format!(".{name}()")),
            _ => out.push_str("[...]"),
        }
    }
    out
}

/// Applies one step of an indefinite path to `node`, adding what it selects to `out`.
fn apply_segment<'a>(
    segment: &Segment,
    node: &'a Value,
    data: &'a Value,
    out: &mut Vec<&'a Value>,
) -> Result<(), String> {
    match segment {
        Segment::Child(selector) => {
            apply_child(selector, node, data, out);
            Ok(())
        }
        Segment::Descendant(selector) => {
            // Pre-order walk with an explicit stack: no recursion on the data.
            let mut stack = vec![node];
            while let Some(n) = stack.pop() {
                match selector {
                    Selector::Filter(f) => {
                        if n.is_object() && filter_holds(f, n, data) {
                            out.push(n);
                        }
                    }
                    other => apply_child(other, n, data, out),
                }
                match n {
                    Value::Array(items) => stack.extend(items.iter().rev()),
                    Value::Object(map) => stack.extend(map.values().rev()),
                    _ => {}
                }
            }
            Ok(())
        }
        Segment::Function(name) => Err(format!("Function {name}() is not supported")),
    }
}

fn apply_child<'a>(
    selector: &Selector,
    node: &'a Value,
    data: &'a Value,
    out: &mut Vec<&'a Value>,
) {
    match (selector, node) {
        (Selector::Name(name), Value::Object(map)) => out.extend(map.get(name.as_str())),
        (Selector::Names(names), Value::Object(map)) => {
            out.extend(names.iter().filter_map(|n| map.get(n.as_str())));
        }
        (Selector::Index(i), Value::Array(items)) => {
            out.extend(normalize_index(*i, items.len()).and_then(|i| items.get(i)));
        }
        (Selector::Indexes(indexes), Value::Array(items)) => out.extend(
            indexes
                .iter()
                .filter_map(|i| normalize_index(*i, items.len()).and_then(|i| items.get(i))),
        ),
        (Selector::Wildcard, Value::Array(items)) => out.extend(items.iter()),
        (Selector::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Selector::Slice { start, end, step }, Value::Array(items)) => {
            for i in slice_indexes(*start, *end, *step, items.len()) {
                out.extend(items.get(i));
            }
        }
        (Selector::Filter(f), Value::Array(items)) => out.extend(
            items
                .iter()
                .filter(|item| item.is_object() && filter_holds(f, item, data)),
        ),
        (Selector::Filter(f), Value::Object(_)) if filter_holds(f, node, data) => out.push(node),
        _ => {}
    }
}

/// The indexes a slice selects in an array of `len` items, in order (Python semantics).
fn slice_indexes(
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
    len: usize,
) -> Vec<usize> {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let step = step.unwrap_or(1);
    let norm = |v: i64| if v < 0 { v.saturating_add(n) } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let mut i = start.map_or(0, norm).clamp(0, n);
        let stop = end.map_or(n, norm).clamp(0, n);
        while i < stop {
            out.extend(usize::try_from(i).ok());
            i = i.saturating_add(step);
        }
    } else if step < 0 {
        let mut i = start.map_or(n - 1, norm).clamp(-1, n - 1);
        let stop = end.map_or(-1, norm).clamp(-1, n - 1);
        while i > stop {
            out.extend(usize::try_from(i).ok());
            i = i.saturating_add(step);
        }
    }
    out
}

/// Evaluates a filter on `node` (the `@`), with `data` as `$`.
fn filter_holds(filter: &Filter, node: &Value, data: &Value) -> bool {
    match filter {
        Filter::Or(terms) => terms.iter().any(|t| filter_holds(t, node, data)),
        Filter::And(terms) => terms.iter().all(|t| filter_holds(t, node, data)),
        Filter::Not(a) => !filter_holds(a, node, data),
        Filter::Exists(op) => operand_value(op, node, data).is_some(),
        Filter::Compare(left, op, right) => {
            let l = operand_value(left, node, data);
            let r = operand_value(right, node, data);
            match (l, r) {
                (Some(l), Some(r)) => compare(&l, *op, &r),
                // A missing side equals nothing: only `!=` holds.
                _ => *op == CompareOp::Ne,
            }
        }
    }
}

/// The value of a filter operand, `None` when its path selects nothing.
fn operand_value<'a>(op: &'a Operand, node: &'a Value, data: &'a Value) -> Option<Cow<'a, Value>> {
    let (start, segments) = match op {
        Operand::Literal(v) => return Some(Cow::Borrowed(v)),
        Operand::Current(s) => (node, s),
        Operand::Root(s) => (data, s),
    };
    if is_definite(segments) {
        walk_definite(start, segments, "@").ok().map(Cow::Borrowed)
    } else {
        let mut nodes = vec![start];
        for segment in segments {
            let mut next = Vec::new();
            for n in nodes {
                apply_segment(segment, n, data, &mut next).ok()?;
            }
            nodes = next;
        }
        (!nodes.is_empty()).then(|| Cow::Owned(nodes.into_iter().cloned().collect()))
    }
}

fn compare(l: &Value, op: CompareOp, r: &Value) -> bool {
    match op {
        CompareOp::Eq => values_equal(l, r),
        CompareOp::Ne => !values_equal(l, r),
        _ => {
            let ord = match (l, r) {
                (Value::Number(a), Value::Number(b)) => number_cmp(a, b),
                (Value::String(a), Value::String(b)) => Some(java_string_cmp(a, b)),
                _ => None,
            };
            match (ord, op) {
                (Some(o), CompareOp::Lt) => o == Ordering::Less,
                (Some(o), CompareOp::Le) => o != Ordering::Greater,
                (Some(o), CompareOp::Gt) => o == Ordering::Greater,
                (Some(o), CompareOp::Ge) => o != Ordering::Less,
                _ => false,
            }
        }
    }
}

fn values_equal(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::Number(a), Value::Number(b)) => number_cmp(a, b) == Some(Ordering::Equal),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| values_equal(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => l == r,
    }
}

/// Compares two JSON numbers by value (exactly for integers).
pub(crate) fn number_cmp(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// Java's `String.compareTo`: UTF-16 code unit order.
fn java_string_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A read position in a text being parsed; always at a char boundary, so slicing at it never
/// panics. Shared by the JSONPath and intrinsic function parsers.
pub(crate) struct Cursor<'t> {
    pub(crate) text: &'t str,
    /// Byte offset.
    pub(crate) pos: usize,
}

impl Cursor<'_> {
    /// The character offset of byte offset `pos` (for messages).
    pub(crate) fn char_offset(&self, pos: usize) -> usize {
        self.text.get(..pos).map_or(pos, |s| s.chars().count())
    }

    pub(crate) fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(crate) fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(crate) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    pub(crate) fn eat_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }
}

struct Parser<'t> {
    cur: Cursor<'t>,
    depth: usize,
}

impl<'t> std::ops::Deref for Parser<'t> {
    type Target = Cursor<'t>;

    fn deref(&self) -> &Cursor<'t> {
        &self.cur
    }
}

impl std::ops::DerefMut for Parser<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.cur
    }
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> PathError {
        let position = self.char_offset(self.pos);
        PathError::Syntax {
            path: self.text.to_string(),
            position,
            message: message.into(),
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), PathError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(match self.peek() {
                Some(found) => format!("expected {what} but found '{found}'"),
                None => format!("expected {what} but the path ended"),
            }))
        }
    }

    fn root(&mut self) -> Result<Root, PathError> {
        if !self.eat('$') {
            return Err(self.error("a path must start with '$'"));
        }
        if self.eat('$') {
            return Ok(Root::Context);
        }
        match self.peek() {
            Some(c) if c.is_alphabetic() || c == '_' => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    self.bump();
                }
                Ok(Root::Variable(self.text[start..self.pos].to_string()))
            }
            _ => Ok(Root::Input),
        }
    }

    /// Steps until the end of the text (or, inside a filter, the first character that cannot
    /// continue a path).
    fn segments(&mut self, in_filter: bool) -> Result<Vec<Segment>, PathError> {
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some('.') => {
                    self.bump();
                    if self.eat('.') {
                        let selector = match self.peek() {
                            Some('*') => {
                                self.bump();
                                Selector::Wildcard
                            }
                            Some('[') => {
                                self.bump();
                                self.bracket()?
                            }
                            _ => Selector::Name(self.name(in_filter)?),
                        };
                        out.push(Segment::Descendant(selector));
                    } else {
                        match self.peek() {
                            Some('*') => {
                                self.bump();
                                out.push(Segment::Child(Selector::Wildcard));
                            }
                            Some('[') => {
                                self.bump();
                                out.push(Segment::Child(self.bracket()?));
                            }
                            _ => {
                                let name = self.name(in_filter)?;
                                if self.eat('(') {
                                    self.skip_ws();
                                    self.expect(')', "')' (functions take no arguments)")?;
                                    out.push(Segment::Function(name));
                                } else {
                                    out.push(Segment::Child(Selector::Name(name)));
                                }
                            }
                        }
                    }
                }
                Some('[') => {
                    self.bump();
                    out.push(Segment::Child(self.bracket()?));
                }
                Some(_) if in_filter => break,
                Some(c) => return Err(self.error(format!("unexpected character '{c}'"))),
            }
        }
        Ok(out)
    }

    /// A member name in dot notation.
    fn name(&mut self, in_filter: bool) -> Result<String, PathError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            let stop = matches!(c, '.' | '[' | ']' | '(' | ')')
                || c.is_whitespace()
                || (in_filter && matches!(c, '=' | '!' | '<' | '>' | '&' | '|' | ',' | '\'' | '"'));
            if stop {
                break;
            }
            self.bump();
        }
        if self.pos == start {
            return Err(match self.peek() {
                Some(c) if c.is_whitespace() => self.error(
                    "use bracket notation ['my prop'] if a property name contains blank characters",
                ),
                Some(c) => self.error(format!("expected a property name but found '{c}'")),
                None => self.error("expected a property name but the path ended"),
            });
        }
        let name = &self.text[start..self.pos];
        if !in_filter && self.peek().is_some_and(char::is_whitespace) {
            return Err(self.error(
                "use bracket notation ['my prop'] if a property name contains blank characters",
            ));
        }
        Ok(name.to_string())
    }

    /// The inside of `[...]`, after the `[`.
    fn bracket(&mut self) -> Result<Selector, PathError> {
        self.skip_ws();
        let selector = match self.peek() {
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some('?') => {
                self.bump();
                self.skip_ws();
                self.expect('(', "'(' after '?' (filters are written [?(...)])")?;
                let f = self.filter_or()?;
                self.skip_ws();
                self.expect(')', "')' closing the filter")?;
                Selector::Filter(f)
            }
            Some('\'' | '"') => {
                let mut names = vec![self.string()?];
                self.skip_ws();
                while self.eat(',') {
                    self.skip_ws();
                    if !matches!(self.peek(), Some('\'' | '"')) {
                        return Err(self.error("expected a quoted property name after ','"));
                    }
                    names.push(self.string()?);
                    self.skip_ws();
                }
                if names.len() == 1 {
                    Selector::Name(names.remove(0))
                } else {
                    Selector::Names(names)
                }
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.index_or_slice()?,
            Some('(') => return Err(self.error("script expressions [(...)] are not supported")),
            Some(']') => return Err(self.error("empty brackets '[]'")),
            Some(c) => return Err(self.error(format!("unexpected character '{c}' in brackets"))),
            None => return Err(self.error("unclosed '['")),
        };
        self.skip_ws();
        self.expect(']', "']'")?;
        Ok(selector)
    }

    fn int(&mut self) -> Result<Option<i64>, PathError> {
        self.skip_ws();
        let start = self.pos;
        self.eat('-');
        let digits = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        if self.pos == digits {
            if self.pos != start {
                return Err(self.error("expected digits after '-'"));
            }
            return Ok(None);
        }
        let text = &self.text[start..self.pos];
        let n = text
            .parse::<i64>()
            .map_err(|_| self.error(format!("index {text} is too large")))?;
        self.skip_ws();
        Ok(Some(n))
    }

    fn index_or_slice(&mut self) -> Result<Selector, PathError> {
        let first = self.int()?;
        if self.eat(':') {
            let end = self.int()?;
            let step = if self.eat(':') { self.int()? } else { None };
            if step == Some(0) {
                return Err(self.error("slice step cannot be zero"));
            }
            return Ok(Selector::Slice {
                start: first,
                end,
                step,
            });
        }
        let Some(first) = first else {
            return Err(self.error("expected an index"));
        };
        if self.peek() != Some(',') {
            return Ok(Selector::Index(first));
        }
        let mut indexes = vec![first];
        while self.eat(',') {
            match self.int()? {
                Some(i) => indexes.push(i),
                None => return Err(self.error("expected an index after ','")),
            }
        }
        Ok(Selector::Indexes(indexes))
    }

    /// A quoted string, at its opening quote.
    fn string(&mut self) -> Result<String, PathError> {
        let Some(quote) = self.bump() else {
            return Err(self.error("expected a string"));
        };
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated string")),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => match self.bump() {
                    None => return Err(self.error("unterminated string")),
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('u') => {
                        let hex: String = self.rest().chars().take(4).collect();
                        let code = (hex.len() == 4)
                            .then(|| u32::from_str_radix(&hex, 16).ok())
                            .flatten()
                            .and_then(char::from_u32)
                            .ok_or_else(|| self.error("invalid \\u escape"))?;
                        self.pos += 4;
                        out.push(code);
                    }
                    Some(c) => out.push(c),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn enter(&mut self) -> Result<(), PathError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(self.error("the filter is nested too deeply"));
        }
        Ok(())
    }

    fn filter_or(&mut self) -> Result<Filter, PathError> {
        self.enter()?;
        let mut terms = vec![self.filter_and()?];
        loop {
            self.skip_ws();
            if !self.eat_str("||") {
                break;
            }
            terms.push(self.filter_and()?);
        }
        self.depth -= 1;
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::Or(terms)
        })
    }

    fn filter_and(&mut self) -> Result<Filter, PathError> {
        let mut terms = vec![self.filter_unary()?];
        loop {
            self.skip_ws();
            if !self.eat_str("&&") {
                break;
            }
            terms.push(self.filter_unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::And(terms)
        })
    }

    fn filter_unary(&mut self) -> Result<Filter, PathError> {
        self.skip_ws();
        if self.peek() == Some('!') && self.peek2() != Some('=') {
            self.bump();
            self.enter()?;
            let inner = self.filter_unary()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.eat('(') {
            let inner = self.filter_or()?;
            self.skip_ws();
            self.expect(')', "')'")?;
            return Ok(inner);
        }
        let left = self.operand()?;
        self.skip_ws();
        let op = if self.eat_str("==") {
            Some(CompareOp::Eq)
        } else if self.eat_str("!=") {
            Some(CompareOp::Ne)
        } else if self.eat_str("<=") {
            Some(CompareOp::Le)
        } else if self.eat_str(">=") {
            Some(CompareOp::Ge)
        } else if self.eat('<') {
            Some(CompareOp::Lt)
        } else if self.eat('>') {
            Some(CompareOp::Gt)
        } else if self.rest().starts_with("=~") {
            return Err(self.error("filtering by regular expression (=~) is not supported"));
        } else if self.rest().starts_with('=') {
            return Err(self.error("use '==' to compare"));
        } else {
            let word: String = self
                .rest()
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            if !word.is_empty() {
                return Err(self.error(format!(
                    "lexical operators such as '{word}' are not supported"
                )));
            }
            None
        };
        match op {
            Some(op) => {
                self.skip_ws();
                let right = self.operand()?;
                Ok(Filter::Compare(left, op, right))
            }
            None => match left {
                Operand::Literal(_) => Err(self.error("expected a comparison operator")),
                path => Ok(Filter::Exists(path)),
            },
        }
    }

    fn operand(&mut self) -> Result<Operand, PathError> {
        self.skip_ws();
        match self.peek() {
            Some('@') => {
                self.bump();
                Ok(Operand::Current(self.segments(true)?))
            }
            Some('$') => {
                self.bump();
                if matches!(self.peek(), Some(c) if c == '$' || c.is_alphabetic() || c == '_') {
                    return Err(self.error(
                        "filters can only refer to the current node (@) or the state's data ($)",
                    ));
                }
                Ok(Operand::Root(self.segments(true)?))
            }
            Some('\'' | '"') => Ok(Operand::Literal(Value::from(self.string()?))),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
                {
                    self.bump();
                }
                let text = &self.text[start..self.pos];
                serde_json::from_str::<serde_json::Number>(text)
                    .map(|n| Operand::Literal(Value::Number(n)))
                    .map_err(|_| self.error(format!("invalid number '{text}'")))
            }
            Some(_) => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.rest().starts_with(word)
                        && !self
                            .rest()
                            .get(word.len()..)
                            .and_then(|r| r.chars().next())
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        self.pos += word.len();
                        return Ok(Operand::Literal(value));
                    }
                }
                Err(self.error(
                    "expected '@', '$', a string, a number, true, false or null in the filter",
                ))
            }
            None => Err(self.error("the filter ended unexpectedly")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_json::json;

    fn store() -> Value {
        json!({
            "store": {
                "book": [
                    {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
                    {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
                    {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
                    {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
                ],
                "bicycle": {"color": "red", "price": 19.95}
            },
            "expensive": 10,
            "foo": 123,
            "bar": ["a", "b", "c"],
            "car": {"cdr": true},
            "jar": [{"a": 1}, {"a": 5}, {"a": 2}, {"a": 7}, {"a": 3}],
            "odd key": {"x.y": 1},
            "nums": [0, 1, 2, 3, 4, 5]
        })
    }

    fn sel(path: &str, input: &Value) -> Result<Value, PathError> {
        let ctx = json!({"Execution": {"Id": "exec-1", "Input": {"k": 1}}, "Map": {"Item": {"Index": 2}}});
        let vars = json!({"x": {"y": [10, 20]}, "n": 5});
        let p = parse(path)?;
        let r = p.select(input, &ctx, &|name| vars.get(name));
        r.map(|s| s.to_value())
    }

    fn ok(path: &str) -> Value {
        match sel(path, &store()) {
            Ok(v) => v,
            Err(e) => panic!("{path}: {e}"),
        }
    }

    #[test]
    fn parse_accepts() {
        for p in [
            "$",
            "$$",
            "$.a",
            "$.a.b.c",
            "$['a']",
            "$[\"a\"]",
            "$['a b']['c.d']",
            "$.abc.['def ghi']",
            "$[0]",
            "$[-1]",
            "$.a[0][1]",
            "$.*",
            "$[*]",
            "$..a",
            "$..*",
            "$..[0]",
            "$[1:3]",
            "$[::2]",
            "$[:2]",
            "$[-2:]",
            "$[5:1:-1]",
            "$[0,1]",
            "$[ 0 , 1 ]",
            "$['a','b']",
            "$[?(@.price < 10)]",
            "$[?(@.price <= 10 && @.category == 'fiction')]",
            "$[?(@.a || @.b)]",
            "$[?(!@.isbn)]",
            "$[?((@.a == 1) || (@.b != \"x\"))]",
            "$[?(@.isbn)]",
            "$[?(@.a == null)]",
            "$[?(@.a == true)]",
            "$[?(@.a > -1.5e3)]",
            "$[?(@.price < $.expensive)]",
            "$[?(@['odd key'] == 1)]",
            "$[?(@.a[0] == 1)]",
            "$x",
            "$x.y[0]",
            "$_v1",
            "$$.Execution.Id",
            "$$.Map.Item.Value",
            "$.a.length()",
            "$.detail.x-amz-id",
            "$.a.b$c",
            "$.résumé",
        ] {
            assert!(parse(p).is_ok(), "{p}: {:?}", parse(p));
        }
    }

    #[test]
    fn parse_rejects() {
        for (p, msg) in [
            ("", "must start with '$'"),
            ("a.b", "must start with '$'"),
            (" $", "must start with '$'"),
            ("$.", "expected a property name"),
            ("$..", "expected a property name"),
            ("$.a.", "expected a property name"),
            ("$a b", "unexpected character"),
            ("$.a b", "bracket notation"),
            ("$[", "unclosed"),
            ("$[]", "empty brackets"),
            ("$[0", "expected ']'"),
            ("$['a", "unterminated string"),
            ("$['a' 'b']", "expected ']'"),
            ("$[0:1:0]", "step cannot be zero"),
            ("$[99999999999999999999]", "too large"),
            ("$[-]", "digits after '-'"),
            ("$[?(@.a =~ /x/)]", "regular expression"),
            ("$[?(@.a in ['x'])]", "lexical operators"),
            ("$[?(@.a = 1)]", "'=='"),
            ("$[?(1)]", "comparison operator"),
            ("$[?(@.a == )]", "expected '@'"),
            ("$[?(@.a == 1]", "')' closing the filter"),
            ("$[?@.a]", "'(' after '?'"),
            ("$[(@.length-1)]", "script expressions"),
            ("$[?(@.a == $$.x)]", "current node"),
            ("$.a)", "unexpected character"),
            ("$[0]x", "unexpected character"),
        ] {
            match parse(p) {
                Err(e @ PathError::Syntax { .. }) => {
                    assert!(e.to_string().contains(msg), "{p}: {e}");
                }
                other => panic!("{p}: expected a syntax error, got {other:?}"),
            }
        }
    }

    #[test]
    fn deep_filters_are_bounded() {
        let deep = format!("$[?({}@.a{})]", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).is_err());
        let nots = format!("$[?({}@.a)]", "!".repeat(500));
        assert!(parse(&nots).is_err());
        let ok_depth = format!("$[?({}@.a{})]", "(".repeat(10), ")".repeat(10));
        assert!(parse(&ok_depth).is_ok());
        // Long chains stay flat: no deep recursion to evaluate or drop them.
        let chain = format!("$[?(@.a{})]", " && @.a || @.b".repeat(50_000));
        let p = parse(&chain).unwrap();
        let v = baton_json::json!([{"a": 1}, {"c": 1}]);
        assert_eq!(
            p.select_input(&v).unwrap().to_value(),
            baton_json::json!([{"a": 1}])
        );
    }

    #[test]
    fn roots() {
        assert_eq!(parse("$.a").unwrap().root(), &Root::Input);
        assert_eq!(parse("$[0]").unwrap().root(), &Root::Input);
        assert_eq!(parse("$$.a").unwrap().root(), &Root::Context);
        assert_eq!(
            parse("$var.a").unwrap().root(),
            &Root::Variable("var".into())
        );
        assert_eq!(parse("$var").unwrap().variable(), Some("var"));
        assert_eq!(parse("$.var").unwrap().variable(), None);
    }

    #[test]
    fn reference_paths() {
        for p in [
            "$",
            "$.a",
            "$['a b'].c[0]",
            "$[-1]",
            "$$.Execution.Id",
            "$x.y",
        ] {
            assert!(parse(p).unwrap().is_reference_path(), "{p}");
        }
        for p in [
            "$.*",
            "$[*]",
            "$..a",
            "$[0:1]",
            "$[0,1]",
            "$['a','b']",
            "$[?(@.a)]",
            "$.a.length()",
        ] {
            assert!(!parse(p).unwrap().is_reference_path(), "{p}");
        }
        assert!(parse("$.a.length()").unwrap().is_definite());
        assert!(!parse("$[0,1]").unwrap().is_definite());
    }

    #[test]
    fn definite_selection() {
        assert_eq!(ok("$.foo"), json!(123));
        assert_eq!(ok("$.bar"), json!(["a", "b", "c"]));
        assert_eq!(ok("$.car.cdr"), json!(true));
        assert_eq!(ok("$['car']['cdr']"), json!(true));
        assert_eq!(ok("$.bar[0]"), json!("a"));
        assert_eq!(ok("$.bar[-1]"), json!("c"));
        assert_eq!(ok("$.bar[-3]"), json!("a"));
        assert_eq!(ok("$['odd key']['x.y']"), json!(1));
        assert_eq!(ok("$.store.book[2].isbn"), json!("0-553-21311-3"));
        assert_eq!(ok("$"), store());
    }

    #[test]
    fn roots_select() {
        let input = json!({});
        assert_eq!(sel("$$.Execution.Id", &input).unwrap(), json!("exec-1"));
        assert_eq!(sel("$$.Map.Item.Index", &input).unwrap(), json!(2));
        assert_eq!(sel("$x.y[1]", &input).unwrap(), json!(20));
        assert_eq!(sel("$n", &input).unwrap(), json!(5));
        let e = sel("$missing", &input).unwrap_err();
        assert!(matches!(e, PathError::NotFound { .. }), "{e}");
        assert!(e.to_string().contains("'missing' is not defined"), "{e}");
        let p = parse("$.a").unwrap();
        assert_eq!(
            p.select_input(&json!({"a": 1})).unwrap().to_value(),
            json!(1)
        );
        assert!(parse("$$.a").unwrap().select_input(&json!({})).is_err());
    }

    #[test]
    fn definite_not_found() {
        let input = json!({"a": {"b": 1}, "arr": [1, 2], "s": "x"});
        let cases = [
            (
                "$.no.such.result.path",
                "Invalid path '$.no.such.result.path' : Missing property in path $['no']",
            ),
            ("$.a.c", "Missing property in path $['a']['c']"),
            ("$.arr[2]", "No results for path: $['arr'][2]"),
            ("$.arr[-3]", "No results for path: $['arr'][-3]"),
            (
                "$.s.x",
                "Expected to find an object with property ['x'] in path $['s'] but found a string",
            ),
            (
                "$.a[0]",
                "Expected to find an array with index [0] in path $['a'] but found an object",
            ),
            ("$.arr.length()", "Function length() is not supported"),
        ];
        for (p, msg) in cases {
            let e = sel(p, &input).unwrap_err();
            assert!(matches!(e, PathError::NotFound { .. }), "{p}: {e:?}");
            assert!(e.to_string().contains(msg), "{p}: {e}");
            assert_eq!(e.path(), p);
        }
    }

    #[test]
    fn indefinite_selection() {
        assert_eq!(ok("$.bar[*]"), json!(["a", "b", "c"]));
        assert_eq!(ok("$.car.*"), json!([true]));
        assert_eq!(
            ok("$.store.book[*].author"),
            json!([
                "Nigel Rees",
                "Evelyn Waugh",
                "Herman Melville",
                "J. R. R. Tolkien"
            ])
        );
        assert_eq!(
            ok("$..author"),
            json!([
                "Nigel Rees",
                "Evelyn Waugh",
                "Herman Melville",
                "J. R. R. Tolkien"
            ])
        );
        assert_eq!(
            ok("$.store..price"),
            json!([8.95, 12.99, 8.99, 22.99, 19.95])
        );
        assert_eq!(ok("$..book[2].title"), json!(["Moby Dick"]));
        assert_eq!(ok("$..book[-1].title"), json!(["The Lord of the Rings"]));
        assert_eq!(
            ok("$..book[0,1].title"),
            json!(["Sayings of the Century", "Sword of Honour"])
        );
        assert_eq!(ok("$..book[:2].price"), json!([8.95, 12.99]));
        assert_eq!(ok("$..book[-2:].price"), json!([8.99, 22.99]));
        assert_eq!(ok("$.store['bicycle','book'].color"), json!(["red"]));
        assert_eq!(ok("$.car['cdr','none']"), json!([true]));
        assert_eq!(ok("$.missing[*]"), json!([]));
        assert_eq!(
            ok("$.store.book[*].isbn"),
            json!(["0-553-21311-3", "0-395-19395-8"])
        );
        assert_eq!(ok("$..isbn"), json!(["0-553-21311-3", "0-395-19395-8"]));
        assert_eq!(ok("$.car..*"), json!([true]));
        assert_eq!(ok("$.jar..a"), json!([1, 5, 2, 7, 3]));
        assert_eq!(ok("$.store.bicycle..*"), json!(["red", 19.95]));
    }

    #[test]
    fn descendants_are_pre_order() {
        let v = json!({"a": {"a": {"a": 1}}, "b": [{"a": 2}]});
        assert_eq!(
            sel("$..a", &v).unwrap(),
            json!([{"a": {"a": 1}}, {"a": 1}, 1, 2])
        );
        assert_eq!(
            sel("$..*", &json!({"x": [1, {"y": 2}], "z": 3})).unwrap(),
            json!([[1, {"y": 2}], 3, 1, {"y": 2}, 2])
        );
    }

    #[test]
    fn slices() {
        let s = |p: &str| ok(&format!("$.nums{p}"));
        assert_eq!(s("[1:3]"), json!([1, 2]));
        assert_eq!(s("[::2]"), json!([0, 2, 4]));
        assert_eq!(s("[1::2]"), json!([1, 3, 5]));
        assert_eq!(s("[:]"), json!([0, 1, 2, 3, 4, 5]));
        assert_eq!(s("[-2:]"), json!([4, 5]));
        assert_eq!(s("[:-4]"), json!([0, 1]));
        assert_eq!(s("[4:100]"), json!([4, 5]));
        assert_eq!(s("[-100:1]"), json!([0]));
        assert_eq!(s("[3:1]"), json!([]));
        assert_eq!(s("[::-1]"), json!([5, 4, 3, 2, 1, 0]));
        assert_eq!(s("[4:1:-2]"), json!([4, 2]));
        assert_eq!(
            s("[-9223372036854775808:9223372036854775807:9223372036854775807]"),
            json!([0])
        );
        assert_eq!(ok("$.foo[0:2]"), json!([]));
    }

    #[test]
    fn unions_and_negative_indexes() {
        assert_eq!(ok("$.bar[0,2]"), json!(["a", "c"]));
        assert_eq!(ok("$.bar[-1,0,7]"), json!(["c", "a"]));
        assert_eq!(ok("$['foo','expensive']"), json!([123, 10]));
    }

    #[test]
    fn filters() {
        assert_eq!(ok("$.jar[?(@.a >= 5)]"), json!([{"a": 5}, {"a": 7}]));
        assert_eq!(
            ok("$.jar[?(@.a < 2 || @.a > 6)]"),
            json!([{"a": 1}, {"a": 7}])
        );
        assert_eq!(
            ok("$.jar[?(@.a > 1 && @.a < 5)]"),
            json!([{"a": 2}, {"a": 3}])
        );
        assert_eq!(ok("$.jar[?(@.a == 2)]"), json!([{"a": 2}]));
        assert_eq!(ok("$.jar[?(@.a != 2)].a"), json!([1, 5, 7, 3]));
        assert_eq!(ok("$.jar[?(!(@.a <= 3))].a"), json!([5, 7]));
        assert_eq!(
            ok("$.store.book[?(@.price < 10)].title"),
            json!(["Sayings of the Century", "Moby Dick"])
        );
        assert_eq!(
            ok("$.store.book[?(@.isbn)].title"),
            json!(["Moby Dick", "The Lord of the Rings"])
        );
        assert_eq!(
            ok("$.store.book[?(!@.isbn)].title"),
            json!(["Sayings of the Century", "Sword of Honour"])
        );
        assert_eq!(
            ok("$.store.book[?(@.category == 'reference')].author"),
            json!(["Nigel Rees"])
        );
        assert_eq!(
            ok("$.store.book[?(@.category == \"fiction\" && @.price > 20)].author"),
            json!(["J. R. R. Tolkien"])
        );
        assert_eq!(
            ok("$.store.book[?(@.price > $.expensive)].price"),
            json!([12.99, 22.99])
        );
        assert_eq!(
            ok("$..book[?(@.author > 'I')].author"),
            json!(["Nigel Rees", "J. R. R. Tolkien"])
        );
        assert_eq!(ok("$..[?(@.color)].price"), json!([19.95]));
        // The filter tests the object itself when applied to an object (Jayway).
        assert_eq!(ok("$.car[?(@.cdr == true)]"), json!([{"cdr": true}]));
        assert_eq!(ok("$.car[?(@.cdr == false)]"), json!([]));
        // Scalars never match (AWS: '@' only matches objects).
        assert_eq!(ok("$.bar[?(@ == 'a')]"), json!([]));
        // Missing members: comparisons fail, except '!='.
        assert_eq!(ok("$.jar[?(@.b == 1)]"), json!([]));
        assert_eq!(ok("$.jar[?(@.b != 1)]").as_array().map(Vec::len), Some(5));
        // Mixed types never order.
        assert_eq!(ok("$.jar[?(@.a < 'z')]"), json!([]));
        let v = json!({"items": [{"v": null}, {"v": 1.0}, {"v": [1, 2]}, {"v": {"k": 1}}, {"v": false}]});
        assert_eq!(
            sel("$.items[?(@.v == null)]", &v).unwrap(),
            json!([{"v": null}])
        );
        assert_eq!(
            sel("$.items[?(@.v == 1)]", &v).unwrap(),
            json!([{"v": 1.0}])
        );
        assert_eq!(
            sel("$.items[?(@.v == false)]", &v).unwrap(),
            json!([{"v": false}])
        );
        assert_eq!(
            sel("$.items[?(@.v[1] == 2)]", &v).unwrap(),
            json!([{"v": [1, 2]}])
        );
        assert_eq!(
            sel("$.items[?(@.v.k)]", &v).unwrap(),
            json!([{"v": {"k": 1}}])
        );
        assert_eq!(
            sel("$.items[?(@.v[*])]", &v).unwrap(),
            json!([{"v": [1, 2]}, {"v": {"k": 1}}])
        );
    }

    #[test]
    fn set_result_path() {
        let set = |path: &str, mut target: Value, value: Value| {
            parse(path)
                .unwrap()
                .set(&mut target, value)
                .map(|()| target)
        };
        assert_eq!(set("$", json!({"a": 1}), json!("r")).unwrap(), json!("r"));
        assert_eq!(
            set("$.r", json!({"a": 1}), json!(2)).unwrap(),
            json!({"a": 1, "r": 2})
        );
        assert_eq!(
            set("$.a", json!({"a": 1}), json!(2)).unwrap(),
            json!({"a": 2})
        );
        assert_eq!(
            set("$.x.y.z", json!({"a": 1}), json!(true)).unwrap(),
            json!({"a": 1, "x": {"y": {"z": true}}})
        );
        assert_eq!(
            set("$.a['b c']", json!({"a": {"d": 1}}), json!(3)).unwrap(),
            json!({"a": {"d": 1, "b c": 3}})
        );
        assert_eq!(
            set("$.l[1]", json!({"l": [1, 2, 3]}), json!(9)).unwrap(),
            json!({"l": [1, 9, 3]})
        );
        assert_eq!(
            set("$.l[-1]", json!({"l": [1, 2, 3]}), json!(9)).unwrap(),
            json!({"l": [1, 2, 9]})
        );
        assert_eq!(
            set("$.l[0].k", json!({"l": [{}]}), json!(9)).unwrap(),
            json!({"l": [{"k": 9}]})
        );
        for (path, target, msg) in [
            (
                "$.a.b",
                json!({"a": 1}),
                "cannot set property ['b'] of a number at $['a']",
            ),
            (
                "$.a",
                json!("hello"),
                "cannot set property ['a'] of a string at $",
            ),
            ("$.a", json!([1]), "cannot set property ['a'] of an array"),
            (
                "$.a[0]",
                json!({"a": {}}),
                "cannot set index [0] of an object",
            ),
            ("$.a[0]", json!({}), "cannot set index [0] of an object"),
            ("$.l[3]", json!({"l": [1, 2, 3]}), "out of bounds"),
            ("$[*]", json!([1]), "not a Reference Path"),
            ("$$.a", json!({}), "only paths on the state's data"),
            ("$v.a", json!({}), "only paths on the state's data"),
        ] {
            let e = set(path, target, json!(0)).unwrap_err();
            assert!(
                matches!(e, PathError::ResultPathMatchFailure { .. }),
                "{path}: {e:?}"
            );
            assert!(e.to_string().contains(msg), "{path}: {e}");
        }
    }

    #[test]
    fn display_and_from_str() {
        let p: JsonPath = "$.a[0]".parse().unwrap();
        assert_eq!(p.to_string(), "$.a[0]");
        assert_eq!(p.as_str(), "$.a[0]");
        assert_eq!(
            p.segments(),
            &[
                Segment::Child(Selector::Name("a".into())),
                Segment::Child(Selector::Index(0))
            ]
        );
        let e = parse("$.a b").unwrap_err();
        assert!(
            e.to_string().starts_with("Invalid JSONPath '$.a b': "),
            "{e}"
        );
    }

    #[test]
    fn escapes_in_bracket_names() {
        let v = json!({"it's": 1, "a\"b": 2, "é": 3, "\n": 4});
        assert_eq!(sel("$['it\\'s']", &v).unwrap(), json!(1));
        assert_eq!(sel("$[\"it's\"]", &v).unwrap(), json!(1));
        assert_eq!(sel("$['a\"b']", &v).unwrap(), json!(2));
        assert_eq!(sel("$['\\u00e9']", &v).unwrap(), json!(3));
        assert_eq!(sel("$['\\n']", &v).unwrap(), json!(4));
        assert!(parse("$['\\u12']").is_err());
        assert!(parse("$['\\uZZZZ']").is_err());
        assert!(parse("$['\\ud800']").is_err());
    }
}
