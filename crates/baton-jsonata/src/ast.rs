//! Processed syntax tree (after the post-parse stage).

use std::sync::Arc;

use crate::signature::Signature;

/// Binary operators evaluated by `evaluate_binary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Concat,
    And,
    Or,
    In,
    Range,
}

impl BinOp {
    pub(crate) fn token(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Concat => "&",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::Range => "..",
        }
    }
}

/// A stage applied to a step: a filter predicate or an index binding.
#[derive(Debug)]
pub(crate) enum Stage {
    Filter(Node),
    Index(Arc<str>),
}

/// A group-by / object constructor definition.
#[derive(Debug)]
pub(crate) struct Group {
    pub pairs: Vec<(Node, Node)>,
    pub position: usize,
}

/// One term of an order-by clause.
#[derive(Debug)]
pub(crate) struct SortTerm {
    pub descending: bool,
    pub expr: Node,
}

/// A lambda definition, shared by every closure created from it.
#[derive(Debug)]
pub(crate) struct LambdaDef {
    pub params: Vec<Arc<str>>,
    pub signature: Option<Signature>,
    pub body: Node,
    pub thunk: bool,
}

/// A transform definition `| pattern | update, delete |`.
#[derive(Debug)]
pub(crate) struct TransformDef {
    pub pattern: Node,
    pub update: Node,
    pub delete: Option<Node>,
    pub position: usize,
}

/// A compiled regular expression literal.
#[derive(Debug)]
pub(crate) struct RegexDef {
    pub regex: regress::Regex,
    pub source: String,
}

/// Node kinds.
#[derive(Debug)]
pub(crate) enum Kind {
    Path(Vec<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    Array(Vec<Node>),
    Object(Vec<(Node, Node)>),
    Name(Arc<str>),
    Str(Arc<str>),
    Num(f64),
    Bool(bool),
    Null,
    Wildcard,
    Descendant,
    Parent(usize),
    Condition(Box<Node>, Box<Node>, Option<Box<Node>>),
    Coalesce(Box<Node>, Box<Node>),
    Elvis(Box<Node>, Box<Node>),
    Block(Vec<Node>),
    Bind(Arc<str>, Box<Node>),
    Regex(Arc<RegexDef>),
    Call(Box<Node>, Vec<Node>),
    Partial(Box<Node>, Vec<Option<Node>>),
    Variable(Arc<str>),
    Lambda(Arc<LambdaDef>),
    Apply(Box<Node>, Box<Node>),
    Sort(Vec<SortTerm>),
    Transform(Arc<TransformDef>),
    // parse-only kinds (removed by the post-parse stage)
    Dot(Box<Node>, Box<Node>),
    Filter(Box<Node>, Box<Node>),
    GroupBy(Box<Node>, Vec<(Node, Node)>),
    OrderBy(Box<Node>, Vec<SortTerm>),
    FocusBind(Box<Node>, Arc<str>),
    IndexBind(Box<Node>, Arc<str>),
}

/// A syntax tree node with the annotations the evaluator needs.
#[derive(Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    pub position: usize,
    pub keep_array: bool,
    pub cons_array: bool,
    pub keep_singleton_array: bool,
    pub predicate: Vec<Stage>,
    pub stages: Vec<Stage>,
    pub group: Option<Box<Group>>,
    pub focus: Option<Arc<str>>,
    pub index: Option<Arc<str>>,
    pub tuple: bool,
    pub ancestor: Option<usize>,
    pub ancestor_label: Option<Arc<str>>,
    pub parent_label: Option<Arc<str>>,
    pub seeking_parent: Vec<usize>,
    /// Parse-time only: how many leading steps of this path the parser has already checked
    /// and converted, so a long chain `a.b.c...` is processed in linear time.
    pub checked_steps: u32,
}

impl Node {
    pub(crate) fn new(kind: Kind, position: usize) -> Self {
        Node {
            kind,
            position,
            keep_array: false,
            cons_array: false,
            keep_singleton_array: false,
            predicate: Vec::new(),
            stages: Vec::new(),
            group: None,
            focus: None,
            index: None,
            tuple: false,
            ancestor: None,
            ancestor_label: None,
            parent_label: None,
            seeking_parent: Vec::new(),
            checked_steps: 0,
        }
    }

    /// Whether nothing (predicate, stages, grouping, bindings, array flags) is attached to
    /// this node, so its value is just that of its kind.
    pub(crate) fn is_bare(&self) -> bool {
        self.predicate.is_empty()
            && self.stages.is_empty()
            && self.group.is_none()
            && self.focus.is_none()
            && self.index.is_none()
            && !self.tuple
            && self.ancestor_label.is_none()
            && !self.keep_array
            && !self.cons_array
            && !self.keep_singleton_array
    }

    /// The name of a step that is a bare field name with nothing attached to it.
    pub(crate) fn plain_name(&self) -> Option<&Arc<str>> {
        match &self.kind {
            Kind::Name(n) if self.is_bare() => Some(n),
            _ => None,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Path(_) => "path",
            Kind::Binary(..) | Kind::Dot(..) | Kind::Filter(..) => "binary",
            Kind::Neg(_) | Kind::Array(_) | Kind::Object(_) => "unary",
            Kind::Name(_) => "name",
            Kind::Str(_) => "string",
            Kind::Num(_) => "number",
            Kind::Bool(_) | Kind::Null => "value",
            Kind::Wildcard => "wildcard",
            Kind::Descendant => "descendant",
            Kind::Parent(_) => "parent",
            Kind::Condition(..) | Kind::Coalesce(..) | Kind::Elvis(..) => "condition",
            Kind::Block(_) => "block",
            Kind::Bind(..) => "bind",
            Kind::Regex(_) => "regex",
            Kind::Call(..) => "function",
            Kind::Partial(..) => "partial",
            Kind::Variable(_) => "variable",
            Kind::Lambda(_) => "lambda",
            Kind::Apply(..) => "apply",
            Kind::Sort(_) | Kind::OrderBy(..) => "sort",
            Kind::Transform(_) => "transform",
            Kind::GroupBy(..) => "binary",
            Kind::FocusBind(..) | Kind::IndexBind(..) => "binary",
        }
    }
}

impl Node {
    /// Moves the kind out, leaving `Null` (a node with a destructor cannot be taken apart
    /// by moving its fields out).
    pub(crate) fn take_kind(&mut self) -> Kind {
        std::mem::replace(&mut self.kind, Kind::Null)
    }

    /// Moves every child node out of this node into `out`, leaving it a leaf.
    fn take_children(&mut self, out: &mut Vec<Node>) {
        for stage in self.predicate.drain(..).chain(self.stages.drain(..)) {
            if let Stage::Filter(n) = stage {
                out.push(n);
            }
        }
        if let Some(g) = self.group.take() {
            let g = *g;
            for (k, v) in g.pairs {
                out.push(k);
                out.push(v);
            }
        }
        match self.take_kind() {
            Kind::Path(v) | Kind::Array(v) | Kind::Block(v) => out.extend(v),
            Kind::Binary(_, a, b)
            | Kind::Coalesce(a, b)
            | Kind::Elvis(a, b)
            | Kind::Apply(a, b)
            | Kind::Dot(a, b)
            | Kind::Filter(a, b) => {
                out.push(*a);
                out.push(*b);
            }
            Kind::Neg(a) | Kind::Bind(_, a) | Kind::FocusBind(a, _) | Kind::IndexBind(a, _) => {
                out.push(*a)
            }
            Kind::Object(pairs) => {
                for (k, v) in pairs {
                    out.push(k);
                    out.push(v);
                }
            }
            Kind::Condition(c, t, e) => {
                out.push(*c);
                out.push(*t);
                if let Some(e) = e {
                    out.push(*e);
                }
            }
            Kind::Call(p, args) => {
                out.push(*p);
                out.extend(args);
            }
            Kind::Partial(p, args) => {
                out.push(*p);
                out.extend(args.into_iter().flatten());
            }
            Kind::Sort(terms) => out.extend(terms.into_iter().map(|t| t.expr)),
            Kind::GroupBy(a, pairs) => {
                out.push(*a);
                for (k, v) in pairs {
                    out.push(k);
                    out.push(v);
                }
            }
            Kind::OrderBy(a, terms) => {
                out.push(*a);
                out.extend(terms.into_iter().map(|t| t.expr));
            }
            Kind::Lambda(def) => {
                if let Ok(def) = Arc::try_unwrap(def) {
                    out.push(def.body);
                }
            }
            Kind::Transform(def) => {
                if let Ok(def) = Arc::try_unwrap(def) {
                    out.push(def.pattern);
                    out.push(def.update);
                    out.extend(def.delete);
                }
            }
            Kind::Name(_)
            | Kind::Str(_)
            | Kind::Num(_)
            | Kind::Bool(_)
            | Kind::Null
            | Kind::Wildcard
            | Kind::Descendant
            | Kind::Parent(_)
            | Kind::Regex(_)
            | Kind::Variable(_) => {}
        }
    }

    /// Calls `f` on every child node (by reference).
    pub(crate) fn for_each_child<'n>(&'n self, mut f: impl FnMut(&'n Node)) {
        for stage in self.predicate.iter().chain(self.stages.iter()) {
            if let Stage::Filter(n) = stage {
                f(n);
            }
        }
        if let Some(g) = &self.group {
            for (k, v) in &g.pairs {
                f(k);
                f(v);
            }
        }
        match &self.kind {
            Kind::Path(v) | Kind::Array(v) | Kind::Block(v) => v.iter().for_each(f),
            Kind::Binary(_, a, b)
            | Kind::Coalesce(a, b)
            | Kind::Elvis(a, b)
            | Kind::Apply(a, b)
            | Kind::Dot(a, b)
            | Kind::Filter(a, b) => {
                f(a);
                f(b);
            }
            Kind::Neg(a) | Kind::Bind(_, a) | Kind::FocusBind(a, _) | Kind::IndexBind(a, _) => f(a),
            Kind::Object(pairs) => {
                for (k, v) in pairs {
                    f(k);
                    f(v);
                }
            }
            Kind::Condition(c, t, e) => {
                f(c);
                f(t);
                if let Some(e) = e {
                    f(e);
                }
            }
            Kind::Call(p, args) => {
                f(p);
                args.iter().for_each(f);
            }
            Kind::Partial(p, args) => {
                f(p);
                args.iter().flatten().for_each(f);
            }
            Kind::Sort(terms) => terms.iter().for_each(|t| f(&t.expr)),
            Kind::GroupBy(a, pairs) => {
                f(a);
                for (k, v) in pairs {
                    f(k);
                    f(v);
                }
            }
            Kind::OrderBy(a, terms) => {
                f(a);
                terms.iter().for_each(|t| f(&t.expr));
            }
            Kind::Lambda(def) => f(&def.body),
            Kind::Transform(def) => {
                f(&def.pattern);
                f(&def.update);
                if let Some(d) = &def.delete {
                    f(d);
                }
            }
            Kind::Name(_)
            | Kind::Str(_)
            | Kind::Num(_)
            | Kind::Bool(_)
            | Kind::Null
            | Kind::Wildcard
            | Kind::Descendant
            | Kind::Parent(_)
            | Kind::Regex(_)
            | Kind::Variable(_) => {}
        }
    }

    /// Height of the tree (a leaf is 1), computed without recursion; stops counting at
    /// `limit + 1`.
    pub(crate) fn height(&self, limit: usize) -> usize {
        let mut max = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((n, h)) = stack.pop() {
            max = max.max(h);
            if max > limit {
                break;
            }
            n.for_each_child(|c| stack.push((c, h + 1)));
        }
        max
    }

    fn is_leaf(&self) -> bool {
        self.predicate.is_empty()
            && self.stages.is_empty()
            && self.group.is_none()
            && matches!(
                self.kind,
                Kind::Name(_)
                    | Kind::Str(_)
                    | Kind::Num(_)
                    | Kind::Bool(_)
                    | Kind::Null
                    | Kind::Wildcard
                    | Kind::Descendant
                    | Kind::Parent(_)
                    | Kind::Regex(_)
                    | Kind::Variable(_)
            )
    }
}

/// Trees are taken apart without recursion, so dropping a very deep tree (a long chain of
/// operators, which the parser builds without nesting limits) cannot overflow the stack.
impl Drop for Node {
    fn drop(&mut self) {
        if self.is_leaf() {
            return;
        }
        let mut stack = Vec::new();
        self.take_children(&mut stack);
        while let Some(mut n) = stack.pop() {
            n.take_children(&mut stack);
        }
    }
}
