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
        }
    }

    /// The name of a step that is a bare field name with nothing attached to it.
    pub(crate) fn plain_name(&self) -> Option<&Arc<str>> {
        match &self.kind {
            Kind::Name(n)
                if self.predicate.is_empty()
                    && self.stages.is_empty()
                    && self.group.is_none()
                    && self.focus.is_none()
                    && self.index.is_none()
                    && !self.tuple
                    && self.ancestor_label.is_none()
                    && !self.keep_array
                    && !self.cons_array
                    && !self.keep_singleton_array =>
            {
                Some(n)
            }
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
