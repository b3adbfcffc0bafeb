//! A JSON tree that remembers where each value came from: the definition as written, JSON or YAML,
//! with a line and column for every value and key, so that diagnostics can point into the source.
//!
//! `serde_json` does not keep positions, so JSON is read by a small parser here; YAML is read with
//! `yaml-rust2`'s event parser, whose markers carry positions. Both produce the same [`Node`] tree.

use baton_json::Json;
use serde_json::Number;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Maximum nesting of arrays and objects accepted in a definition (guards the stack).
pub const MAX_DEPTH: usize = 256;
/// Maximum number of nodes a YAML document may expand to through aliases.
const MAX_YAML_NODES: usize = 1_000_000;

/// A position in the source text: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A JSON value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub pos: Position,
    /// The value.
    pub value: NodeValue,
}

/// The value of a [`Node`]; object members keep their order and their key positions.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, exactly as `serde_json` reads it.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object: members in source order, duplicates kept (the validator reports them).
    Object(Vec<Member>),
}

/// One member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The key.
    pub key: String,
    /// Where the key starts.
    pub key_pos: Position,
    /// The value.
    pub value: Node,
}

/// The format of a definition's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceFormat {
    /// JSON if the text starts with `{` (after whitespace), YAML otherwise.
    #[default]
    Auto,
    /// JSON only (what the AWS API accepts).
    Json,
    /// YAML 1.2 (what the console and SAM accept).
    Yaml,
}

/// A syntax error in the source text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {}, column {}", pos.line, pos.column)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub pos: Position,
}

impl Node {
    /// The value as plain JSON (positions dropped; for duplicate keys the last one wins, as
    /// JSON parsers commonly do).
    pub fn to_json(&self) -> Json {
        match &self.value {
            NodeValue::Null => Json::Null,
            NodeValue::Bool(b) => Json::Bool(*b),
            NodeValue::Number(n) => Json::Number(n.clone()),
            NodeValue::String(s) => Json::string(s),
            NodeValue::Array(items) => items.iter().map(Node::to_json).collect(),
            NodeValue::Object(members) => {
                let mut map = baton_json::Map::with_capacity(members.len());
                for m in members {
                    map.insert(m.key.as_str().into(), m.value.to_json());
                }
                Json::from_map(map)
            }
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.value {
            NodeValue::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The JSON type name used in messages (`string`, `object`, ...).
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "boolean",
            NodeValue::Number(_) => "number",
            NodeValue::String(_) => "string",
            NodeValue::Array(_) => "array",
            NodeValue::Object(_) => "object",
        }
    }
}

/// Parses `text` in the given format into a positioned tree.
pub fn parse(text: &str, format: SourceFormat) -> Result<Node, SyntaxError> {
    let format = match format {
        SourceFormat::Auto => {
            if text.trim_start().starts_with('{') {
                SourceFormat::Json
            } else {
                SourceFormat::Yaml
            }
        }
        f => f,
    };
    match format {
        SourceFormat::Yaml => parse_yaml(text),
        _ => parse_json(text),
    }
}

/// Parses JSON text (RFC 8259) into a positioned tree.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let mut p = JsonParser {
        src: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        line_start: 0,
        col_cache: std::cell::Cell::new((0, 0)),
    };
    // A UTF-8 byte order mark is tolerated, as AWS's parser does.
    if text.starts_with('\u{feff}') {
        p.i = 3;
        p.line_start = 3;
    }
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.i < p.src.len() {
        return Err(p.error("unexpected characters after the JSON value"));
    }
    Ok(node)
}

struct JsonParser<'a> {
    src: &'a [u8],
    text: &'a str,
    i: usize,
    line: u32,
    line_start: usize,
    /// (byte offset, column in characters) of the last position computed.
    col_cache: std::cell::Cell<(usize, usize)>,
}

impl JsonParser<'_> {
    fn pos(&self) -> Position {
        // Count characters from the last position asked for on this line, not from the line's
        // start: a minified definition is one long line, and positions are asked for often.
        let (from, chars_before) = match self.col_cache.get() {
            (at, chars) if at >= self.line_start && at <= self.i => (at, chars),
            _ => (self.line_start, 0),
        };
        let col = chars_before
            + self
                .text
                .get(from..self.i)
                .map_or(self.i - from, |s| s.chars().count());
        self.col_cache.set((self.i, col));
        Position {
            line: self.line,
            column: u32::try_from(col + 1).unwrap_or(u32::MAX),
        }
    }

    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError {
            message: message.to_string(),
            pos: self.pos(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(&c) = self.src.get(self.i) {
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                _ => break,
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("the definition is nested too deeply"));
        }
        let pos = self.pos();
        let value = match self.src.get(self.i) {
            None => return Err(self.error("unexpected end of input")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => NodeValue::String(self.string()?),
            Some(b't') => self.keyword("true", NodeValue::Bool(true))?,
            Some(b'f') => self.keyword("false", NodeValue::Bool(false))?,
            Some(b'n') => self.keyword("null", NodeValue::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a JSON value")),
        };
        Ok(Node { pos, value })
    }

    fn keyword(&mut self, word: &str, value: NodeValue) -> Result<NodeValue, SyntaxError> {
        if self.src[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<NodeValue, SyntaxError> {
        let start = self.i;
        if self.src.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while matches!(p.src.get(p.i), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i - s
        };
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.src[int_start] == b'0') {
            return Err(self.error("invalid number"));
        }
        if self.src.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.src.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.src.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let literal = &self.text[start..self.i];
        match serde_json::from_str::<Number>(literal) {
            Ok(n) => Ok(NodeValue::Number(n)),
            Err(_) => Err(self.error("number out of range")),
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .text
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.i;
            while let Some(&c) = self.src.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(&self.text[run_start..self.i]);
            match self.src.get(self.i) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let esc = self.src.get(self.i).copied();
                    self.i += 1;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if self.src.get(self.i..self.i + 2) == Some(b"\\u") {
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    if !(0xDC00..0xE000).contains(&lo) {
                                        return Err(self.error("invalid surrogate pair"));
                                    }
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    return Err(self.error("lone surrogate in string"));
                                }
                            } else {
                                hi
                            };
                            let ch = char::from_u32(c)
                                .ok_or_else(|| self.error("invalid unicode escape"))?;
                            out.push(ch);
                        }
                        _ => return Err(self.error("invalid escape in string")),
                    }
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<NodeValue, SyntaxError> {
        self.i += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.src.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(NodeValue::Object(members));
        }
        loop {
            self.skip_ws();
            if self.src.get(self.i) != Some(&b'"') {
                return Err(self.error("expected a string key"));
            }
            let key_pos = self.pos();
            let key = self.string()?;
            self.skip_ws();
            if self.src.get(self.i) != Some(&b':') {
                return Err(self.error("expected ':'"));
            }
            self.i += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_pos,
                value,
            });
            self.skip_ws();
            match self.src.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(NodeValue::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<NodeValue, SyntaxError> {
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.src.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(NodeValue::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.src.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(NodeValue::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }
}

/// Parses a YAML document into a positioned tree (core schema: plain scalars may be null,
/// booleans or numbers; quoted scalars are strings; anchors and aliases are expanded).
pub fn parse_yaml(text: &str) -> Result<Node, SyntaxError> {
    let mut builder = YamlBuilder::default();
    let mut parser = Parser::new_from_str(text);
    // Drive the event stream ourselves: yaml-rust2's `load` recurses once per nesting level (a
    // deep document overflows the stack) and panics on some malformed streams.
    loop {
        let (event, mark) = parser.next_token().map_err(|e| SyntaxError {
            message: e.info().to_string(),
            pos: marker_pos(e.marker()),
        })?;
        let done = matches!(event, Event::DocumentEnd | Event::StreamEnd);
        builder.on_event(event, mark);
        if done || builder.error.is_some() {
            break;
        }
    }
    if let Some(err) = builder.error {
        return Err(err);
    }
    builder.root.ok_or(SyntaxError {
        message: "the document is empty".into(),
        pos: Position { line: 1, column: 1 },
    })
}

fn marker_pos(m: &Marker) -> Position {
    Position {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    }
}

enum Frame {
    Seq(Position, Vec<Node>, usize),
    Map(Position, Vec<Member>, Option<(String, Position)>, usize),
}

#[derive(Default)]
struct YamlBuilder {
    stack: Vec<Frame>,
    anchors: std::collections::HashMap<usize, Node>,
    root: Option<Node>,
    error: Option<SyntaxError>,
    nodes: usize,
}

impl YamlBuilder {
    fn fail(&mut self, message: &str, pos: Position) {
        if self.error.is_none() {
            self.error = Some(SyntaxError {
                message: message.into(),
                pos,
            });
        }
    }

    fn push_value(&mut self, node: Node) {
        self.nodes += count_nodes(&node);
        if self.nodes > MAX_YAML_NODES {
            self.fail("the YAML document expands to too many nodes", node.pos);
            return;
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(_, items, _)) => items.push(node),
            Some(Frame::Map(_, members, pending, _)) => match pending.take() {
                None => match node.value {
                    NodeValue::String(s) => *pending = Some((s, node.pos)),
                    NodeValue::Null => *pending = Some(("null".into(), node.pos)),
                    NodeValue::Bool(b) => *pending = Some((b.to_string(), node.pos)),
                    NodeValue::Number(n) => *pending = Some((n.to_string(), node.pos)),
                    _ => {
                        let pos = node.pos;
                        self.fail("mapping keys must be scalars", pos);
                    }
                },
                Some((key, key_pos)) => members.push(Member {
                    key,
                    key_pos,
                    value: node,
                }),
            },
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    match &node.value {
        NodeValue::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        NodeValue::Object(m) => 1 + m.iter().map(|m| count_nodes(&m.value)).sum::<usize>(),
        _ => 1,
    }
}

fn yaml_scalar(text: &str, style: TScalarStyle) -> NodeValue {
    if style != TScalarStyle::Plain {
        return NodeValue::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        _ => {}
    }
    let looks_numeric = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'-' || b == b'+' || b == b'.');
    if looks_numeric {
        let t = text.strip_prefix('+').unwrap_or(text);
        if let Ok(i) = t.parse::<i64>() {
            return NodeValue::Number(i.into());
        }
        if t.bytes()
            .all(|b| b.is_ascii_digit() || b"-.eE+".contains(&b))
            && let Ok(f) = t.parse::<f64>()
            && let Some(n) = Number::from_f64(f)
        {
            return NodeValue::Number(n);
        }
    }
    NodeValue::String(text.to_string())
}

impl MarkedEventReceiver for YamlBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = marker_pos(&mark);
        match ev {
            Event::SequenceStart(anchor, _) => {
                if self.stack.len() > MAX_DEPTH {
                    self.fail("the definition is nested too deeply", pos);
                    return;
                }
                self.stack.push(Frame::Seq(pos, Vec::new(), anchor));
            }
            Event::MappingStart(anchor, _) => {
                if self.stack.len() > MAX_DEPTH {
                    self.fail("the definition is nested too deeply", pos);
                    return;
                }
                self.stack.push(Frame::Map(pos, Vec::new(), None, anchor));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq(p, items, a)) => (
                        Node {
                            pos: p,
                            value: NodeValue::Array(items),
                        },
                        a,
                    ),
                    Some(Frame::Map(p, members, _, a)) => (
                        Node {
                            pos: p,
                            value: NodeValue::Object(members),
                        },
                        a,
                    ),
                    None => return,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                // The container itself was counted child by child.
                self.nodes = self.nodes.saturating_sub(count_nodes(&node));
                self.push_value(node);
            }
            Event::Scalar(text, style, anchor, _) => {
                let node = Node {
                    pos,
                    value: yaml_scalar(&text, style),
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push_value(node);
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(node) => self.push_value(node),
                None => self.fail("unknown alias", pos),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_positions_and_values() {
        let text = "{\n  \"StartAt\": \"A\",\n  \"n\": [1, 2.5, -3e2, true, null]\n}";
        let node = parse_json(text).unwrap();
        let members = node.as_object().unwrap();
        assert_eq!(members[0].key, "StartAt");
        assert_eq!(members[0].key_pos, Position { line: 2, column: 3 });
        assert_eq!(
            members[0].value.pos,
            Position {
                line: 2,
                column: 14
            }
        );
        assert_eq!(
            node.to_json(),
            baton_json::json!({"StartAt": "A", "n": [1, 2.5, -300.0, true, null]})
        );
    }

    #[test]
    fn json_errors_have_positions() {
        let err = parse_json("{\n \"a\": [1,]\n}").unwrap_err();
        assert_eq!(err.pos.line, 2);
        assert!(parse_json("{\"a\": \"\\ud800\"}").is_err());
        assert!(parse_json("01").is_err());
        assert!(parse_json("{} x").is_err());
        let deep = "[".repeat(10_000);
        assert!(parse_json(&deep).is_err());
    }

    #[test]
    fn json_unicode_columns() {
        let node = parse_json("{\"é\": \"ü\", \"b\": 1}").unwrap();
        // Columns count characters, not bytes: the key's opening quote is the 12th.
        assert_eq!(node.as_object().unwrap()[1].key_pos.column, 12);
        assert_eq!(
            parse_json("\"\\ud83d\\ude00\"").unwrap().as_str(),
            Some("\u{1F600}")
        );
    }

    #[test]
    fn yaml_matches_json() {
        let yaml = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n    Result: [1, 'x', 2.5, ~]\n";
        let node = parse_yaml(yaml).unwrap();
        assert_eq!(
            node.to_json(),
            baton_json::json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": [1, "x", 2.5, null]}}})
        );
        let states = &node.as_object().unwrap()[1];
        assert_eq!(states.key_pos, Position { line: 2, column: 1 });
    }

    #[test]
    fn yaml_alias_bomb_is_bounded() {
        let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='p' {
            doc.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        assert!(parse_yaml(&doc).is_err());
    }

    #[test]
    fn auto_detects_format() {
        assert!(parse("  {\"a\": 1}", SourceFormat::Auto).is_ok());
        assert!(parse("a: 1", SourceFormat::Auto).is_ok());
    }
}
