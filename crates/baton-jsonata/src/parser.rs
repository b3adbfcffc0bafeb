//! Tokenizer, Pratt parser and post-parse processing.

use std::sync::Arc;

use crate::ast::{BinOp, Group, Kind, LambdaDef, Node, RegexDef, SortTerm, Stage, TransformDef};
use crate::error::{Detail, Error};
use crate::signature::Signature;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    End,
    Name(String),
    Var(String),
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Regex(String, String),
    Op(&'static str),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

const OPS1: &[&str] = &[
    ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|",
    "=", "<", ">", "^", "&", "!", "~",
];
const OPS2: &[&str] = &["..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"];

fn is_op_char(c: char) -> bool {
    ".[]{}(),@#;:?+-*/%|=<>^&!~".contains(c)
}

struct Lexer {
    src: Vec<char>,
    pos: usize,
}

impl Lexer {
    fn err(code: &str, pos: usize) -> Error {
        Error::new(code).at(pos)
    }

    fn scan_regex(&mut self) -> Result<Tok, Error> {
        let start = self.pos;
        let mut depth: i32 = 0;
        let src = &self.src;
        let is_closing = |p: usize, depth: i32| {
            if src.get(p) == Some(&'/') && depth == 0 {
                let mut bs = 0;
                while p > bs && src.get(p - bs - 1) == Some(&'\\') {
                    bs += 1;
                }
                return bs % 2 == 0;
            }
            false
        };
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            if is_closing(self.pos, depth) {
                let pattern: String = self.src[start..self.pos].iter().collect();
                if pattern.is_empty() {
                    return Err(Self::err("S0301", self.pos));
                }
                self.pos += 1;
                let fstart = self.pos;
                while self.pos < self.src.len()
                    && (self.src[self.pos] == 'i' || self.src[self.pos] == 'm')
                {
                    self.pos += 1;
                }
                let flags: String = self.src[fstart..self.pos].iter().collect();
                return Ok(Tok::Regex(pattern, flags));
            }
            let prev_bs = self.pos > 0 && self.src[self.pos - 1] == '\\';
            if (c == '(' || c == '[' || c == '{') && !prev_bs {
                depth += 1;
            }
            if (c == ')' || c == ']' || c == '}') && !prev_bs {
                depth -= 1;
            }
            self.pos += 1;
        }
        Err(Self::err("S0302", self.pos))
    }

    fn next(&mut self, prefix: bool) -> Result<Option<Token>, Error> {
        let len = self.src.len();
        loop {
            while self.pos < len && " \t\n\r\u{b}".contains(self.src[self.pos]) {
                self.pos += 1;
            }
            if self.pos + 1 < len && self.src[self.pos] == '/' && self.src[self.pos + 1] == '*' {
                let start = self.pos;
                self.pos += 2;
                loop {
                    if self.pos + 1 >= len {
                        return Err(Self::err("S0106", start));
                    }
                    if self.src[self.pos] == '*' && self.src[self.pos + 1] == '/' {
                        self.pos += 2;
                        break;
                    }
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        if self.pos >= len {
            return Ok(None);
        }
        let c = self.src[self.pos];
        let start = self.pos;
        let mk = |tok: Tok, pos: usize| Ok(Some(Token { tok, pos }));
        if !prefix && c == '/' {
            self.pos += 1;
            let t = self.scan_regex()?;
            return mk(t, self.pos);
        }
        if self.pos + 1 < len {
            let two: String = self.src[self.pos..self.pos + 2].iter().collect();
            if let Some(op) = OPS2.iter().find(|o| **o == two) {
                self.pos += 2;
                return mk(Tok::Op(op), self.pos);
            }
        }
        if let Some(op) = OPS1.iter().find(|o| o.starts_with(c)) {
            self.pos += 1;
            return mk(Tok::Op(op), self.pos);
        }
        if c == '"' || c == '\'' {
            self.pos += 1;
            let mut s = String::new();
            let mut pending_high: Option<u32> = None;
            while self.pos < len {
                let ch = self.src[self.pos];
                if ch == '\\' {
                    self.pos += 1;
                    let e = self.src.get(self.pos).copied().unwrap_or('\0');
                    let simple = match e {
                        '"' => Some('"'),
                        '\\' => Some('\\'),
                        '/' => Some('/'),
                        'b' => Some('\u{8}'),
                        'f' => Some('\u{c}'),
                        'n' => Some('\n'),
                        'r' => Some('\r'),
                        't' => Some('\t'),
                        _ => None,
                    };
                    if let Some(sc) = simple {
                        flush_high(&mut s, &mut pending_high);
                        s.push(sc);
                    } else if e == 'u' {
                        let hex: String = self.src.iter().skip(self.pos + 1).take(4).collect();
                        if hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            let cp = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
                            self.pos += 4;
                            if (0xD800..0xDC00).contains(&cp) {
                                flush_high(&mut s, &mut pending_high);
                                pending_high = Some(cp);
                            } else if (0xDC00..0xE000).contains(&cp) {
                                if let Some(h) = pending_high.take() {
                                    let full = 0x10000 + ((h - 0xD800) << 10) + (cp - 0xDC00);
                                    s.push(char::from_u32(full).unwrap_or('\u{FFFD}'));
                                } else {
                                    s.push('\u{FFFD}');
                                }
                            } else {
                                flush_high(&mut s, &mut pending_high);
                                s.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            }
                        } else {
                            return Err(Self::err("S0104", self.pos));
                        }
                    } else {
                        return Err(Error::tok("S0103", e.to_string()).at(self.pos));
                    }
                } else if ch == c {
                    flush_high(&mut s, &mut pending_high);
                    self.pos += 1;
                    return mk(Tok::Str(s), self.pos);
                } else {
                    flush_high(&mut s, &mut pending_high);
                    s.push(ch);
                }
                self.pos += 1;
            }
            return Err(Self::err("S0101", self.pos));
        }
        if c.is_ascii_digit() {
            let mut p = self.pos;
            let digits = |p: &mut usize, src: &[char]| {
                let s = *p;
                while *p < src.len() && src[*p].is_ascii_digit() {
                    *p += 1;
                }
                *p > s
            };
            if self.src[p] == '0' {
                p += 1;
            } else {
                digits(&mut p, &self.src);
            }
            if p + 1 < len && self.src[p] == '.' && self.src[p + 1].is_ascii_digit() {
                p += 1;
                digits(&mut p, &self.src);
            }
            if p < len && (self.src[p] == 'e' || self.src[p] == 'E') {
                let mut q = p + 1;
                if q < len && (self.src[q] == '+' || self.src[q] == '-') {
                    q += 1;
                }
                if digits(&mut q, &self.src) {
                    p = q;
                }
            }
            let text: String = self.src[start..p].iter().collect();
            let n: f64 = text.parse().unwrap_or(f64::NAN);
            if n.is_finite() {
                self.pos = p;
                return mk(Tok::Num(n), self.pos);
            }
            return Err(Error::tok("S0102", text).at(start));
        }
        if c == '`' {
            self.pos += 1;
            if let Some(off) = self.src[self.pos..].iter().position(|ch| *ch == '`') {
                let name: String = self.src[self.pos..self.pos + off].iter().collect();
                self.pos += off + 1;
                return mk(Tok::Name(name), self.pos);
            }
            self.pos = len;
            return Err(Self::err("S0105", self.pos));
        }
        let mut i = self.pos;
        while i < len && !" \t\n\r\u{b}".contains(self.src[i]) && !is_op_char(self.src[i]) {
            i += 1;
        }
        if c == '$' {
            let name: String = self.src[self.pos + 1..i].iter().collect();
            self.pos = i;
            return mk(Tok::Var(name), self.pos);
        }
        let name: String = self.src[self.pos..i].iter().collect();
        self.pos = i;
        let tok = match name.as_str() {
            "or" => Tok::Op("or"),
            "in" => Tok::Op("in"),
            "and" => Tok::Op("and"),
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            "null" => Tok::Null,
            _ => Tok::Name(name),
        };
        mk(tok, self.pos)
    }
}

fn flush_high(s: &mut String, pending: &mut Option<u32>) {
    if pending.take().is_some() {
        s.push('\u{FFFD}');
    }
}

fn tok_value(t: &Tok) -> String {
    match t {
        Tok::End => "(end)".into(),
        Tok::Name(n) | Tok::Str(n) => n.clone(),
        Tok::Var(v) => v.clone(),
        Tok::Num(n) => crate::value::num_to_str(*n),
        Tok::Bool(b) => b.to_string(),
        Tok::Null => "null".into(),
        Tok::Regex(p, _) => p.clone(),
        Tok::Op(o) => (*o).to_string(),
    }
}

fn lbp(t: &Tok) -> u32 {
    match t {
        Tok::Op(op) => match *op {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "?" => 20,
            "+" | "-" | "&" => 50,
            "*" | "/" | "%" => 60,
            "=" | "<" | ">" | "^" | "!=" | "<=" | ">=" | "~>" | "in" | "?:" | "??" => 40,
            ":=" => 10,
            "and" => 30,
            "or" => 25,
            _ => 0,
        },
        _ => 0,
    }
}

const KNOWN_OPS: &[&str] = &[
    ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|",
    "=", "<", ">", "^", "&", "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??", "and", "or",
    "in",
];

/// Maximum nesting of sub-expressions accepted by the parser.
const MAX_NESTING: usize = 1000;

/// Maximum height of a syntax tree. Chains of operators (`a & b & c ...`, `a.b.c...`) nest
/// without nesting sub-expressions; beyond this height an expression is refused, so that
/// processing and evaluating it cannot take unbounded stack.
const MAX_HEIGHT: usize = 10 * MAX_NESTING;

struct Parser {
    lexer: Lexer,
    cur: Token,
    slots: Vec<Slot>,
    depth: usize,
}

#[derive(Debug, Clone)]
struct Slot {
    label: Arc<str>,
    level: i32,
}

/// Parses an expression into a processed syntax tree.
pub(crate) fn parse(source: &str) -> Result<Node, Error> {
    let mut p = Parser {
        lexer: Lexer {
            src: source.chars().collect(),
            pos: 0,
        },
        cur: Token {
            tok: Tok::End,
            pos: 0,
        },
        slots: Vec::new(),
        depth: 0,
    };
    p.advance(None, false)?;
    let expr = p.expression(0)?;
    if p.cur.tok != Tok::End {
        return Err(Error::tok("S0201", tok_value(&p.cur.tok)).at(p.cur.pos));
    }
    if expr.height(MAX_HEIGHT) > MAX_HEIGHT {
        let mut e = Error::new("U1001").at(expr.position);
        e.message = format!("Expression nested more than {MAX_HEIGHT} levels deep");
        return Err(e);
    }
    let mut node = p.process(expr)?;
    if matches!(node.kind, Kind::Parent(_)) || !node.seeking_parent.is_empty() {
        return Err(Error::tok("S0217", node.type_name()).at(node.position));
    }
    let labels: Vec<Arc<str>> = p.slots.iter().map(|s| s.label.clone()).collect();
    assign_labels(&mut node, &labels);
    Ok(node)
}

fn assign_labels(node: &mut Node, labels: &[Arc<str>]) {
    crate::value::guard(|| {
        if let Some(a) = node.ancestor {
            node.ancestor_label = labels.get(a).cloned();
        }
        if let Kind::Parent(s) = node.kind {
            node.parent_label = labels.get(s).cloned();
        }
        for st in node.predicate.iter_mut().chain(node.stages.iter_mut()) {
            if let Stage::Filter(n) = st {
                assign_labels(n, labels);
            }
        }
        if let Some(g) = &mut node.group {
            for (k, v) in &mut g.pairs {
                assign_labels(k, labels);
                assign_labels(v, labels);
            }
        }
        match &mut node.kind {
            Kind::Path(v) | Kind::Array(v) | Kind::Block(v) => {
                v.iter_mut().for_each(|n| assign_labels(n, labels))
            }
            Kind::Binary(_, a, b)
            | Kind::Coalesce(a, b)
            | Kind::Elvis(a, b)
            | Kind::Apply(a, b) => {
                assign_labels(a, labels);
                assign_labels(b, labels);
            }
            Kind::Neg(a) | Kind::Bind(_, a) => assign_labels(a, labels),
            Kind::Object(pairs) => {
                for (k, v) in pairs {
                    assign_labels(k, labels);
                    assign_labels(v, labels);
                }
            }
            Kind::Condition(a, b, c) => {
                assign_labels(a, labels);
                assign_labels(b, labels);
                if let Some(c) = c {
                    assign_labels(c, labels);
                }
            }
            Kind::Call(p, args) => {
                assign_labels(p, labels);
                args.iter_mut().for_each(|n| assign_labels(n, labels));
            }
            Kind::Partial(p, args) => {
                assign_labels(p, labels);
                args.iter_mut()
                    .flatten()
                    .for_each(|n| assign_labels(n, labels));
            }
            Kind::Lambda(def) => {
                if let Some(d) = Arc::get_mut(def) {
                    assign_labels(&mut d.body, labels);
                }
            }
            Kind::Sort(terms) => terms
                .iter_mut()
                .for_each(|t| assign_labels(&mut t.expr, labels)),
            Kind::Transform(def) => {
                if let Some(d) = Arc::get_mut(def) {
                    assign_labels(&mut d.pattern, labels);
                    assign_labels(&mut d.update, labels);
                    if let Some(x) = &mut d.delete {
                        assign_labels(x, labels);
                    }
                }
            }
            _ => {}
        }
    })
}

/// Whether the pattern has an inline modifier group (`(?i:...)`, `(?-m:...)`): ES2025 syntax
/// that the reference's JavaScript engine rejects, and that regress compiles wrongly.
fn has_modifier_group(pattern: &str) -> bool {
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class && chars.peek() == Some(&'?') => {
                chars.next();
                if !matches!(chars.peek(), Some(':' | '=' | '!' | '<')) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

fn compile_regex(pattern: &str, flags: &str, pos: usize) -> Result<Arc<RegexDef>, Error> {
    if has_modifier_group(pattern) {
        return Err(Error::val(
            "S0303",
            format!("Invalid regular expression: /{pattern}/: Invalid group"),
        )
        .at(pos));
    }
    // regress asserts its own invariants; a pattern that breaks one is an invalid regex here,
    // not a crash.
    let compiled = std::panic::catch_unwind(|| regress::Regex::with_flags(pattern, flags))
        .map_err(|_| {
            Error::val("S0303", format!("Invalid regular expression: /{pattern}/")).at(pos)
        })?;
    let regex = compiled.map_err(|e| Error::val("S0303", e.to_string()).at(pos))?;
    Ok(Arc::new(RegexDef {
        regex,
        source: pattern.to_string(),
    }))
}

impl Parser {
    fn advance(&mut self, expected: Option<&str>, infix: bool) -> Result<(), Error> {
        if let Some(id) = expected {
            let matches = matches!(&self.cur.tok, Tok::Op(o) if *o == id);
            if !matches {
                let code = if self.cur.tok == Tok::End {
                    "S0203"
                } else {
                    "S0202"
                };
                return Err(Error::with(
                    code,
                    Detail {
                        token: Some(tok_value(&self.cur.tok)),
                        value: Some(serde_json::Value::String(id.to_string()).to_string()),
                        ..Detail::default()
                    },
                )
                .at(self.cur.pos));
            }
        }
        match self.lexer.next(infix)? {
            None => {
                self.cur = Token {
                    tok: Tok::End,
                    pos: self.lexer.src.len(),
                };
            }
            Some(t) => {
                if let Tok::Op(o) = &t.tok
                    && !KNOWN_OPS.contains(o)
                {
                    return Err(Error::tok("S0204", *o).at(t.pos));
                }
                self.cur = t;
            }
        }
        Ok(())
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(&self.cur.tok, Tok::Op(o) if *o == op)
    }

    fn expression(&mut self, rbp: u32) -> Result<Node, Error> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let mut e = Error::new("U1001").at(self.cur.pos);
            e.message = format!("Expression nested more than {MAX_NESTING} levels deep");
            return Err(e);
        }
        let r = crate::value::guard(|| self.expression_inner(rbp));
        self.depth -= 1;
        r
    }

    fn expression_inner(&mut self, rbp: u32) -> Result<Node, Error> {
        let t = self.cur.clone();
        self.advance(None, true)?;
        let mut left = self.nud(t)?;
        while rbp < lbp(&self.cur.tok) {
            let t = self.cur.clone();
            self.advance(None, false)?;
            left = self.led(t, left)?;
        }
        Ok(left)
    }

    fn nud(&mut self, t: Token) -> Result<Node, Error> {
        let pos = t.pos;
        let kind = match t.tok {
            Tok::End => return Err(Error::new("S0207").at(pos)),
            Tok::Name(n) => Kind::Name(n.into()),
            Tok::Var(v) => Kind::Variable(v.into()),
            Tok::Str(s) => Kind::Str(s.into()),
            Tok::Num(n) => Kind::Num(n),
            Tok::Bool(b) => Kind::Bool(b),
            Tok::Null => Kind::Null,
            Tok::Regex(p, f) => Kind::Regex(compile_regex(&p, &f, pos)?),
            Tok::Op(op) => match op {
                "and" | "or" | "in" => Kind::Name(op.into()),
                "-" => Kind::Neg(Box::new(self.expression(70)?)),
                "*" => Kind::Wildcard,
                "**" => Kind::Descendant,
                "%" => Kind::Parent(0),
                "(" => {
                    let mut exprs = Vec::new();
                    while !self.is_op(")") {
                        exprs.push(self.expression(0)?);
                        if !self.is_op(";") {
                            break;
                        }
                        self.advance(Some(";"), false)?;
                    }
                    self.advance(Some(")"), true)?;
                    Kind::Block(exprs)
                }
                "[" => {
                    let mut items = Vec::new();
                    if !self.is_op("]") {
                        loop {
                            let mut item = self.expression(0)?;
                            if self.is_op("..") {
                                let rpos = self.cur.pos;
                                self.advance(Some(".."), false)?;
                                let rhs = self.expression(0)?;
                                item = Node::new(
                                    Kind::Binary(BinOp::Range, Box::new(item), Box::new(rhs)),
                                    rpos,
                                );
                            }
                            items.push(item);
                            if !self.is_op(",") {
                                break;
                            }
                            self.advance(Some(","), false)?;
                        }
                    }
                    self.advance(Some("]"), true)?;
                    Kind::Array(items)
                }
                "{" => Kind::Object(self.object_pairs()?),
                "|" => {
                    let pattern = self.expression(0)?;
                    self.advance(Some("|"), false)?;
                    let update = self.expression(0)?;
                    let mut delete = None;
                    if self.is_op(",") {
                        self.advance(Some(","), false)?;
                        delete = Some(self.expression(0)?);
                    }
                    self.advance(Some("|"), false)?;
                    Kind::Transform(Arc::new(TransformDef {
                        pattern,
                        update,
                        delete,
                        position: pos,
                    }))
                }
                _ => return Err(Error::tok("S0211", op).at(pos)),
            },
        };
        Ok(Node::new(kind, pos))
    }

    fn object_pairs(&mut self) -> Result<Vec<(Node, Node)>, Error> {
        let mut pairs = Vec::new();
        if !self.is_op("}") {
            loop {
                let k = self.expression(0)?;
                self.advance(Some(":"), false)?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if !self.is_op(",") {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some("}"), true)?;
        Ok(pairs)
    }

    fn led(&mut self, t: Token, left: Node) -> Result<Node, Error> {
        let pos = t.pos;
        let Tok::Op(op) = t.tok else {
            return Err(Error::tok("S0201", tok_value(&t.tok)).at(pos));
        };
        let bin = |op: BinOp, l: Node, r: Node| {
            Node::new(Kind::Binary(op, Box::new(l), Box::new(r)), pos)
        };
        let binop = match op {
            "+" => Some(BinOp::Add),
            "-" => Some(BinOp::Sub),
            "*" => Some(BinOp::Mul),
            "/" => Some(BinOp::Div),
            "%" => Some(BinOp::Mod),
            "=" => Some(BinOp::Eq),
            "!=" => Some(BinOp::Ne),
            "<" => Some(BinOp::Lt),
            "<=" => Some(BinOp::Le),
            ">" => Some(BinOp::Gt),
            ">=" => Some(BinOp::Ge),
            "&" => Some(BinOp::Concat),
            "and" => Some(BinOp::And),
            "or" => Some(BinOp::Or),
            "in" => Some(BinOp::In),
            _ => None,
        };
        if let Some(b) = binop {
            let rhs = self.expression(lbp(&Tok::Op(op)))?;
            return Ok(bin(b, left, rhs));
        }
        let kind = match op {
            "." => {
                let rhs = self.expression(75)?;
                Kind::Dot(Box::new(left), Box::new(rhs))
            }
            "~>" => {
                let rhs = self.expression(40)?;
                Kind::Apply(Box::new(left), Box::new(rhs))
            }
            "(" => return self.call(left, pos),
            "[" => {
                if self.is_op("]") {
                    let mut left = left;
                    mark_keep_array(&mut left);
                    self.advance(Some("]"), false)?;
                    return Ok(left);
                }
                let rhs = self.expression(0)?;
                self.advance(Some("]"), true)?;
                Kind::Filter(Box::new(left), Box::new(rhs))
            }
            "^" => {
                self.advance(Some("("), false)?;
                let mut terms = Vec::new();
                loop {
                    let mut descending = false;
                    if self.is_op("<") {
                        self.advance(Some("<"), false)?;
                    } else if self.is_op(">") {
                        descending = true;
                        self.advance(Some(">"), false)?;
                    }
                    let expr = self.expression(0)?;
                    terms.push(SortTerm { descending, expr });
                    if !self.is_op(",") {
                        break;
                    }
                    self.advance(Some(","), false)?;
                }
                self.advance(Some(")"), false)?;
                Kind::OrderBy(Box::new(left), terms)
            }
            "{" => Kind::GroupBy(Box::new(left), self.object_pairs()?),
            ":=" => {
                let Kind::Variable(name) = &left.kind else {
                    return Err(Error::tok("S0212", left_token(&left)).at(left.position));
                };
                let name = name.clone();
                let rhs = self.expression(9)?;
                Kind::Bind(name, Box::new(rhs))
            }
            "@" | "#" => {
                let rhs = self.expression(80)?;
                let Kind::Variable(name) = &rhs.kind else {
                    return Err(Error::tok("S0214", op).at(rhs.position));
                };
                if op == "@" {
                    Kind::FocusBind(Box::new(left), name.clone())
                } else {
                    Kind::IndexBind(Box::new(left), name.clone())
                }
            }
            "?" => {
                let then = self.expression(0)?;
                let mut els = None;
                if self.is_op(":") {
                    self.advance(Some(":"), false)?;
                    els = Some(Box::new(self.expression(0)?));
                }
                Kind::Condition(Box::new(left), Box::new(then), els)
            }
            "?:" => Kind::Elvis(Box::new(left), Box::new(self.expression(0)?)),
            "??" => Kind::Coalesce(Box::new(left), Box::new(self.expression(0)?)),
            _ => return Err(Error::tok("S0201", op).at(pos)),
        };
        Ok(Node::new(kind, pos))
    }

    fn call(&mut self, left: Node, pos: usize) -> Result<Node, Error> {
        let mut args: Vec<Option<Node>> = Vec::new();
        let mut partial = false;
        if !self.is_op(")") {
            loop {
                if self.is_op("?") {
                    partial = true;
                    args.push(None);
                    self.advance(Some("?"), false)?;
                } else {
                    args.push(Some(self.expression(0)?));
                }
                if !self.is_op(",") {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some(")"), true)?;
        let is_lambda =
            matches!(&left.kind, Kind::Name(n) if &**n == "function" || &**n == "\u{3bb}");
        if is_lambda {
            let mut params = Vec::new();
            for (i, a) in args.iter().enumerate() {
                match a {
                    Some(Node {
                        kind: Kind::Variable(v),
                        ..
                    }) => params.push(v.clone()),
                    other => {
                        let (tok, p) = match other {
                            Some(n) => (left_token(n), n.position),
                            None => ("?".to_string(), pos),
                        };
                        return Err(Error::with(
                            "S0208",
                            Detail {
                                token: Some(tok),
                                value: Some((i + 1).to_string()),
                                ..Detail::default()
                            },
                        )
                        .at(p));
                    }
                }
            }
            let mut signature = None;
            if self.is_op("<") {
                // scan the raw signature text up to the balancing '>'
                let start = self.cur.pos - 1;
                let src = &self.lexer.src;
                let mut depth = 0;
                let mut end = start;
                while end < src.len() {
                    match src[end] {
                        '<' => depth += 1,
                        '>' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        '{' => break,
                        _ => {}
                    }
                    end += 1;
                }
                if end >= src.len() || src[end] != '>' {
                    return Err(Error::with(
                        "S0202",
                        Detail {
                            token: Some("{".into()),
                            value: Some(">".into()),
                            ..Detail::default()
                        },
                    )
                    .at(end));
                }
                let sig: String = src[start..=end].iter().collect();
                signature = Some(Signature::parse(&sig).map_err(|mut e| {
                    e.position = Some(start + e.position.unwrap_or(0));
                    e
                })?);
                self.lexer.pos = end + 1;
                self.advance(None, false)?;
            }
            self.advance(Some("{"), false)?;
            let body = self.expression(0)?;
            self.advance(Some("}"), false)?;
            return Ok(Node::new(
                Kind::Lambda(Arc::new(LambdaDef {
                    params,
                    signature,
                    body,
                    thunk: false,
                })),
                pos,
            ));
        }
        let kind = if partial {
            Kind::Partial(Box::new(left), args)
        } else {
            Kind::Call(Box::new(left), args.into_iter().flatten().collect())
        };
        Ok(Node::new(kind, pos))
    }

    // ---------------------------------------------------------------- post-parse

    fn new_slot(&mut self) -> usize {
        let n = self.slots.len();
        self.slots.push(Slot {
            label: format!("!{n}").into(),
            level: 1,
        });
        n
    }

    fn seek_parent(&mut self, node: &mut Node, slot: usize) -> Result<(), Error> {
        match &mut node.kind {
            Kind::Name(_) | Kind::Wildcard => {
                self.slots[slot].level -= 1;
                if self.slots[slot].level == 0 {
                    if let Some(existing) = node.ancestor {
                        self.slots[slot].label = self.slots[existing].label.clone();
                    }
                    node.ancestor = Some(slot);
                    node.tuple = true;
                }
            }
            Kind::Parent(_) => self.slots[slot].level += 1,
            Kind::Block(exprs) => {
                if let Some(last) = exprs.last_mut() {
                    node.tuple = true;
                    self.seek_parent(last, slot)?;
                }
            }
            Kind::Path(steps) => {
                node.tuple = true;
                let mut index = steps.len() as isize - 1;
                if index >= 0 {
                    self.seek_parent(&mut steps[index as usize], slot)?;
                    index -= 1;
                }
                while self.slots[slot].level > 0 && index >= 0 {
                    self.seek_parent(&mut steps[index as usize], slot)?;
                    index -= 1;
                }
            }
            _ => return Err(Error::tok("S0217", node.type_name()).at(node.position)),
        }
        Ok(())
    }

    fn push_ancestry(result: &mut Node, value: &Node) {
        result
            .seeking_parent
            .extend(value.seeking_parent.iter().copied());
        if let Kind::Parent(s) = value.kind {
            result.seeking_parent.push(s);
        }
    }

    fn resolve_ancestry(&mut self, path: &mut Node) -> Result<(), Error> {
        let Kind::Path(steps) = &mut path.kind else {
            return Ok(());
        };
        let Some(last) = steps.last() else {
            return Ok(());
        };
        let mut slots = last.seeking_parent.clone();
        if let Kind::Parent(s) = last.kind {
            slots.push(s);
        }
        let mut escaped = Vec::new();
        for slot in slots {
            let mut index = steps.len() as isize - 2;
            while self.slots[slot].level > 0 {
                if index < 0 {
                    escaped.push(slot);
                    break;
                }
                let mut si = index as usize;
                index -= 1;
                while index >= 0
                    && steps[si].focus.is_some()
                    && steps[index as usize].focus.is_some()
                {
                    si = index as usize;
                    index -= 1;
                }
                self.seek_parent(&mut steps[si], slot)?;
            }
        }
        path.seeking_parent.extend(escaped);
        Ok(())
    }

    fn process_pair(&mut self, a: Node, b: Node, pos: usize) -> Result<(Node, Node, Node), Error> {
        let mut n = Node::new(Kind::Null, pos);
        let a = self.process(a)?;
        Self::push_ancestry(&mut n, &a);
        let b = self.process(b)?;
        Self::push_ancestry(&mut n, &b);
        Ok((n, a, b))
    }

    fn process(&mut self, expr: Node) -> Result<Node, Error> {
        crate::value::guard(|| {
            let mut expr = expr;
            let pos = expr.position;
            let keep_array = expr.keep_array;
            let mut result = match expr.take_kind() {
                Kind::Dot(lhs, rhs) => {
                    let lstep = self.process(*lhs)?;
                    let lparent = if let Kind::Parent(s) = lstep.kind {
                        Some(s)
                    } else {
                        None
                    };
                    let mut result = into_path(lstep, pos);
                    if let Some(s) = lparent {
                        result.seeking_parent = vec![s];
                    }
                    // steps an inner `.` already checked need no second look, except its
                    // last one, which a later `@`, `#` or `[]` may have changed
                    let from = (result.checked_steps as usize).saturating_sub(1);
                    let mut rest = self.process(*rhs)?;
                    let Kind::Path(steps) = &mut result.kind else {
                        return Err(Error::new("S0201").at(pos));
                    };
                    if matches!(rest.kind, Kind::Path(_)) {
                        if let Kind::Path(rsteps) = rest.take_kind() {
                            steps.extend(rsteps);
                        }
                    } else {
                        if !rest.predicate.is_empty() {
                            rest.stages = std::mem::take(&mut rest.predicate);
                        }
                        steps.push(rest);
                    }
                    for step in steps.iter_mut().skip(from) {
                        match &step.kind {
                            Kind::Num(n) => {
                                return Err(Error::val("S0213", crate::value::num_to_str(*n))
                                    .at(step.position));
                            }
                            Kind::Bool(b) => {
                                return Err(Error::val("S0213", b.to_string()).at(step.position));
                            }
                            Kind::Null => return Err(Error::val("S0213", "null").at(step.position)),
                            Kind::Str(s) => step.kind = Kind::Name(s.clone()),
                            _ => {}
                        }
                    }
                    let checked = steps.len();
                    if steps.iter().skip(from).any(|s| s.keep_array) {
                        result.keep_singleton_array = true;
                    }
                    if let Some(first) = steps.first_mut()
                        && matches!(first.kind, Kind::Array(_))
                    {
                        first.cons_array = true;
                    }
                    if let Some(last) = steps.last_mut()
                        && matches!(last.kind, Kind::Array(_))
                    {
                        last.cons_array = true;
                    }
                    self.resolve_ancestry(&mut result)?;
                    result.checked_steps = u32::try_from(checked).unwrap_or(u32::MAX);
                    result
                }
                Kind::Filter(lhs, rhs) => {
                    let mut result = self.process(*lhs)?;
                    let is_path = matches!(result.kind, Kind::Path(_));
                    let predicate = self.process(*rhs)?;
                    {
                        let step: &mut Node = match &mut result.kind {
                            Kind::Path(steps) if is_path => match steps.last_mut() {
                                Some(s) => s,
                                None => return Err(Error::new("S0201").at(pos)),
                            },
                            _ => &mut result,
                        };
                        if step.group.is_some() {
                            return Err(Error::new("S0209").at(pos));
                        }
                        if !predicate.seeking_parent.is_empty() {
                            for slot in predicate.seeking_parent.clone() {
                                if self.slots[slot].level == 1 {
                                    self.seek_parent(step, slot)?;
                                } else {
                                    self.slots[slot].level -= 1;
                                }
                            }
                            Self::push_ancestry(step, &predicate);
                        }
                        if is_path {
                            step.stages.push(Stage::Filter(predicate));
                        } else {
                            step.predicate.push(Stage::Filter(predicate));
                        }
                    }
                    result
                }
                Kind::GroupBy(lhs, pairs) => {
                    let mut result = self.process(*lhs)?;
                    if result.group.is_some() {
                        return Err(Error::new("S0210").at(pos));
                    }
                    let mut ps = Vec::with_capacity(pairs.len());
                    for (k, v) in pairs {
                        ps.push((self.process(k)?, self.process(v)?));
                    }
                    result.group = Some(Box::new(Group {
                        pairs: ps,
                        position: pos,
                    }));
                    result
                }
                Kind::OrderBy(lhs, terms) => {
                    let mut result = into_path(self.process(*lhs)?, pos);
                    let mut sort = Node::new(Kind::Sort(Vec::new()), pos);
                    let mut pterms = Vec::with_capacity(terms.len());
                    for t in terms {
                        let e = self.process(t.expr)?;
                        Self::push_ancestry(&mut sort, &e);
                        pterms.push(SortTerm {
                            descending: t.descending,
                            expr: e,
                        });
                    }
                    sort.kind = Kind::Sort(pterms);
                    if let Kind::Path(steps) = &mut result.kind {
                        steps.push(sort);
                    }
                    self.resolve_ancestry(&mut result)?;
                    result
                }
                Kind::Bind(name, rhs) => {
                    let rhs = self.process(*rhs)?;
                    let mut r =
                        Node::new(Kind::Bind(name, Box::new(Node::new(Kind::Null, pos))), pos);
                    Self::push_ancestry(&mut r, &rhs);
                    r.kind = match r.take_kind() {
                        Kind::Bind(n, _) => Kind::Bind(n, Box::new(rhs)),
                        k => k,
                    };
                    r
                }
                Kind::FocusBind(lhs, name) => {
                    let mut result = self.process(*lhs)?;
                    {
                        let step: &mut Node = match &mut result.kind {
                            Kind::Path(steps) => match steps.last_mut() {
                                Some(s) => s,
                                None => return Err(Error::new("S0201").at(pos)),
                            },
                            _ => &mut result,
                        };
                        if !step.stages.is_empty() || !step.predicate.is_empty() {
                            return Err(Error::new("S0215").at(pos));
                        }
                        if matches!(step.kind, Kind::Sort(_)) {
                            return Err(Error::new("S0216").at(pos));
                        }
                        if keep_array {
                            step.keep_array = true;
                        }
                        step.focus = Some(name);
                        step.tuple = true;
                    }
                    result
                }
                Kind::IndexBind(lhs, name) => {
                    let lhs = self.process(*lhs)?;
                    let mut result = if matches!(lhs.kind, Kind::Path(_)) {
                        lhs
                    } else {
                        let mut l = lhs;
                        if !l.predicate.is_empty() {
                            l.stages = std::mem::take(&mut l.predicate);
                        }
                        Node::new(Kind::Path(vec![l]), pos)
                    };
                    if let Kind::Path(steps) = &mut result.kind
                        && let Some(step) = steps.last_mut()
                    {
                        if step.stages.is_empty() {
                            step.index = Some(name);
                        } else {
                            step.stages.push(Stage::Index(name));
                        }
                        step.tuple = true;
                    }
                    result
                }
                Kind::Apply(l, r) => {
                    let l = self.process(*l)?;
                    let r = self.process(*r)?;
                    Node::new(Kind::Apply(Box::new(l), Box::new(r)), pos)
                }
                Kind::Binary(op, l, r) => {
                    let (mut n, l, r) = self.process_pair(*l, *r, pos)?;
                    n.kind = Kind::Binary(op, Box::new(l), Box::new(r));
                    n
                }
                Kind::Array(items) => {
                    let mut n = Node::new(Kind::Null, pos);
                    let mut out = Vec::with_capacity(items.len());
                    for i in items {
                        let v = self.process(i)?;
                        Self::push_ancestry(&mut n, &v);
                        out.push(v);
                    }
                    n.kind = Kind::Array(out);
                    n
                }
                Kind::Object(pairs) => {
                    let mut n = Node::new(Kind::Null, pos);
                    let mut out = Vec::with_capacity(pairs.len());
                    for (k, v) in pairs {
                        let k = self.process(k)?;
                        Self::push_ancestry(&mut n, &k);
                        let v = self.process(v)?;
                        Self::push_ancestry(&mut n, &v);
                        out.push((k, v));
                    }
                    n.kind = Kind::Object(out);
                    n
                }
                Kind::Neg(e) => {
                    let mut e = self.process(*e)?;
                    if let Kind::Num(x) = e.kind {
                        // a negated number literal keeps its predicates (`-3[cond]`)
                        e.kind = Kind::Num(-x);
                        e
                    } else {
                        let mut n = Node::new(Kind::Null, pos);
                        Self::push_ancestry(&mut n, &e);
                        n.kind = Kind::Neg(Box::new(e));
                        n
                    }
                }
                Kind::Call(p, args) => {
                    let mut n = Node::new(Kind::Null, pos);
                    let mut out = Vec::with_capacity(args.len());
                    for a in args {
                        let v = self.process(a)?;
                        Self::push_ancestry(&mut n, &v);
                        out.push(v);
                    }
                    let p = self.process(*p)?;
                    n.kind = Kind::Call(Box::new(p), out);
                    n
                }
                Kind::Partial(p, args) => {
                    let mut n = Node::new(Kind::Null, pos);
                    let mut out = Vec::with_capacity(args.len());
                    for a in args {
                        match a {
                            Some(a) => {
                                let v = self.process(a)?;
                                Self::push_ancestry(&mut n, &v);
                                out.push(Some(v));
                            }
                            None => out.push(None),
                        }
                    }
                    let p = self.process(*p)?;
                    n.kind = Kind::Partial(Box::new(p), out);
                    n
                }
                Kind::Lambda(def) => {
                    let def = Arc::try_unwrap(def).map_err(|_| Error::new("S0201").at(pos))?;
                    let body = self.process(def.body)?;
                    let body = tail_call_optimize(body);
                    Node::new(
                        Kind::Lambda(Arc::new(LambdaDef {
                            params: def.params,
                            signature: def.signature,
                            body,
                            thunk: false,
                        })),
                        pos,
                    )
                }
                Kind::Condition(c, t, e) => {
                    let mut n = Node::new(Kind::Null, pos);
                    let c = self.process(*c)?;
                    Self::push_ancestry(&mut n, &c);
                    let t = self.process(*t)?;
                    Self::push_ancestry(&mut n, &t);
                    let e = match e {
                        Some(e) => {
                            let e = self.process(*e)?;
                            Self::push_ancestry(&mut n, &e);
                            Some(Box::new(e))
                        }
                        None => None,
                    };
                    n.kind = Kind::Condition(Box::new(c), Box::new(t), e);
                    n
                }
                Kind::Coalesce(a, b) => {
                    let (mut n, a, b) = self.process_pair(*a, *b, pos)?;
                    n.kind = Kind::Coalesce(Box::new(a), Box::new(b));
                    n
                }
                Kind::Elvis(a, b) => {
                    let (mut n, a, b) = self.process_pair(*a, *b, pos)?;
                    n.kind = Kind::Elvis(Box::new(a), Box::new(b));
                    n
                }
                Kind::Transform(def) => {
                    let def = Arc::try_unwrap(def).map_err(|_| Error::new("S0201").at(pos))?;
                    let pattern = self.process(def.pattern)?;
                    let update = self.process(def.update)?;
                    let delete = match def.delete {
                        Some(d) => Some(self.process(d)?),
                        None => None,
                    };
                    Node::new(
                        Kind::Transform(Arc::new(TransformDef {
                            pattern,
                            update,
                            delete,
                            position: def.position,
                        })),
                        pos,
                    )
                }
                Kind::Block(exprs) => {
                    let mut n = Node::new(Kind::Null, pos);
                    let mut out = Vec::with_capacity(exprs.len());
                    for e in exprs {
                        let part = self.process(e)?;
                        Self::push_ancestry(&mut n, &part);
                        let cons = part.cons_array
                            || matches!(&part.kind, Kind::Path(steps) if steps.first().is_some_and(|s| s.cons_array));
                        if cons {
                            n.cons_array = true;
                        }
                        out.push(part);
                    }
                    n.kind = Kind::Block(out);
                    n
                }
                Kind::Name(name) => {
                    let mut step = Node::new(Kind::Name(name), pos);
                    step.keep_array = keep_array;
                    let mut p = Node::new(Kind::Path(vec![step]), pos);
                    if keep_array {
                        p.keep_singleton_array = true;
                    }
                    p
                }
                Kind::Parent(_) => {
                    let s = self.new_slot();
                    Node::new(Kind::Parent(s), pos)
                }
                other => Node::new(other, pos),
            };
            if keep_array {
                result.keep_array = true;
            }
            Ok(result)
        })
    }
}

/// The node itself if it is a path, else a one-step path around it.
fn into_path(node: Node, pos: usize) -> Node {
    if matches!(node.kind, Kind::Path(_)) {
        node
    } else {
        Node::new(Kind::Path(vec![node]), pos)
    }
}

fn left_token(n: &Node) -> String {
    match &n.kind {
        Kind::Name(s) | Kind::Str(s) | Kind::Variable(s) => s.to_string(),
        Kind::Num(x) => crate::value::num_to_str(*x),
        _ => n.type_name().to_string(),
    }
}

fn mark_keep_array(node: &mut Node) {
    let mut step = node;
    while let Kind::Filter(l, _) = &mut step.kind {
        step = l;
    }
    step.keep_array = true;
}

fn tail_call_optimize(mut expr: Node) -> Node {
    match expr.kind {
        Kind::Call(..) if expr.predicate.is_empty() => {
            let pos = expr.position;
            Node::new(
                Kind::Lambda(Arc::new(LambdaDef {
                    params: Vec::new(),
                    signature: None,
                    body: expr,
                    thunk: true,
                })),
                pos,
            )
        }
        Kind::Condition(..) => {
            if let Kind::Condition(c, t, e) = expr.take_kind() {
                let t = Box::new(tail_call_optimize(*t));
                let e = e.map(|e| Box::new(tail_call_optimize(*e)));
                expr.kind = Kind::Condition(c, t, e);
            }
            expr
        }
        Kind::Block(..) => {
            if let Kind::Block(mut exprs) = expr.take_kind() {
                if let Some(last) = exprs.pop() {
                    exprs.push(tail_call_optimize(last));
                }
                expr.kind = Kind::Block(exprs);
            }
            expr
        }
        _ => expr,
    }
}
