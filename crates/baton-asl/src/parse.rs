//! From source text to the validated [`StateMachine`]: one walk over the definition that builds
//! the model and reports every problem it meets (it never stops at the first).

use crate::checks::{self, PathKind};
use crate::diagnostic::{Diagnostic, codes};
use crate::fields::{self, Lang, STATE_TYPES};
use crate::model::*;
use crate::source::{self, Member, Node, NodeValue, SourceFormat};
use baton_json::Json as Value;
use std::collections::{HashMap, HashSet};

/// Options for [`analyze`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// The workflow type the definition is for (Express forbids some resources).
    pub workflow_type: WorkflowType,
    /// The source format.
    pub format: SourceFormat,
}

/// The result of analysing a definition: the model when it is valid, and every diagnostic.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The validated model: `Some` exactly when there is no ERROR diagnostic.
    pub machine: Option<StateMachine>,
    /// Errors and AWS's own warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether there is no ERROR.
    pub fn is_valid(&self) -> bool {
        self.machine.is_some()
    }
}

/// Whether any string in a state's definition (its own fields, not nested states) could read the
/// context object: `$$...` paths, intrinsic arguments, or JSONata `$states.context`.
/// Over-approximate on purpose: it only spares the interpreter building `$$` when unused.
fn mentions_context(node: &Node) -> bool {
    match &node.value {
        NodeValue::String(s) => s.contains("$$") || s.contains("context"),
        NodeValue::Array(items) => items.iter().any(mentions_context),
        NodeValue::Object(members) => members.iter().any(|m| {
            m.key != "Branches"
                && m.key != "ItemProcessor"
                && m.key != "Iterator"
                && mentions_context(&m.value)
        }),
        _ => false,
    }
}

/// Parses and validates a definition.
pub fn analyze(text: &str, options: &Options) -> Analysis {
    let node = match source::parse(text, options.format) {
        Ok(node) => node,
        Err(e) => {
            return Analysis {
                machine: None,
                diagnostics: vec![Diagnostic::error(
                    codes::INVALID_JSON_DESCRIPTION,
                    format!("The definition is not valid JSON: {}", e.message),
                    "/",
                    e.pos,
                )],
            };
        }
    };
    analyze_node(&node, options)
}

/// Validates a definition already parsed into a [`Node`] tree.
pub fn analyze_node(node: &Node, options: &Options) -> Analysis {
    let mut b = Builder {
        diags: Vec::new(),
        options: *options,
        state_names: HashMap::new(),
        labels: HashMap::new(),
        failed: false,
    };
    let machine = b.machine(node);
    let failed = b.failed || b.diags.iter().any(|d| d.severity == crate::Severity::Error);
    Analysis {
        machine: if failed { None } else { machine },
        diagnostics: b.diags,
    }
}

/// An object being read: remembers which members were consumed.
struct Obj<'a> {
    members: &'a [Member],
    loc: String,
    pos: Position,
}

impl<'a> Obj<'a> {
    fn get(&self, key: &str) -> Option<&'a Member> {
        self.members.iter().find(|m| m.key == key)
    }
}

fn join(loc: &str, key: &str) -> String {
    // Built by hand: this runs for every field of every state, and `format!` costs twice as much.
    let base = if loc == "/" { "" } else { loc };
    let mut out = String::with_capacity(base.len() + 1 + key.len());
    out.push_str(base);
    out.push('/');
    out.push_str(key);
    out
}

/// Facts about one state needed for the graph checks, gathered even when the state is invalid.
struct GraphNode {
    name: String,
    location: String,
    pos: Position,
    terminal: bool,
    successors: Vec<String>,
}

struct Builder {
    diags: Vec<Diagnostic>,
    options: Options,
    /// Every state name in the machine (names are unique across all blocks) and where.
    state_names: HashMap<String, String>,
    /// Map labels and where.
    labels: HashMap<String, String>,
    failed: bool,
}

/// Per-block context: the names of its states, for resolving transitions.
struct Scope {
    ids: HashMap<String, StateId>,
}

impl Builder {
    fn err(&mut self, code: &'static str, msg: impl Into<String>, loc: &str, pos: Position) {
        self.diags.push(Diagnostic::error(code, msg, loc, pos));
    }

    fn schema(&mut self, msg: impl Into<String>, loc: &str, pos: Position) {
        self.err(codes::SCHEMA_VALIDATION_FAILED, msg, loc, pos);
    }

    fn warn(&mut self, code: &'static str, msg: impl Into<String>, loc: &str, pos: Position) {
        self.diags.push(Diagnostic::warning(code, msg, loc, pos));
    }

    fn object<'a>(&mut self, node: &'a Node, loc: &str) -> Option<Obj<'a>> {
        match node.as_object() {
            Some(members) => {
                // Most objects are small: a scan beats hashing every key of the document.
                let mut seen = HashSet::new();
                for (i, m) in members.iter().enumerate() {
                    let duplicate = if members.len() <= 16 {
                        members[..i].iter().any(|p| p.key == m.key)
                    } else {
                        !seen.insert(m.key.as_str())
                    };
                    if duplicate {
                        self.schema(
                            format!("Duplicate field '{}'", m.key),
                            &join(loc, &m.key),
                            m.key_pos,
                        );
                    }
                }
                Some(Obj {
                    members,
                    loc: loc.to_string(),
                    pos: node.pos,
                })
            }
            None => {
                self.schema(
                    format!("Expected value of type object but got {}", node.type_name()),
                    loc,
                    node.pos,
                );
                None
            }
        }
    }

    fn require(&mut self, obj: &Obj<'_>, names: &[&str]) {
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| obj.get(n).is_none())
            .collect();
        if !missing.is_empty() {
            self.schema(
                format!("These fields are required: [{}]", missing.join(", ")),
                &obj.loc,
                obj.pos,
            );
        }
    }

    fn unsupported(&mut self, obj: &Obj<'_>, allowed: &[&str]) {
        for m in obj.members {
            if !allowed.contains(&m.key.as_str()) {
                self.schema(
                    format!("Field '{}' is not supported", m.key),
                    &obj.loc,
                    m.key_pos,
                );
            }
        }
    }

    fn exclusive(&mut self, obj: &Obj<'_>, names: &[&str]) {
        let present = names.iter().filter(|n| obj.get(n).is_some()).count();
        if present > 1 {
            self.schema(
                format!(
                    "There should only be one of the following fields: [{}]",
                    names.join(", ")
                ),
                &obj.loc,
                obj.pos,
            );
        }
    }

    fn string(&mut self, obj: &Obj<'_>, key: &str) -> Option<String> {
        let m = obj.get(key)?;
        match m.value.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.schema(
                    format!(
                        "Expected value of type string but got {}",
                        m.value.type_name()
                    ),
                    &join(&obj.loc, key),
                    m.value.pos,
                );
                None
            }
        }
    }

    fn boolean(&mut self, obj: &Obj<'_>, key: &str) -> Option<bool> {
        let m = obj.get(key)?;
        match m.value.value {
            NodeValue::Bool(b) => Some(b),
            _ => {
                self.schema(
                    format!(
                        "Expected value of type boolean but got {}",
                        m.value.type_name()
                    ),
                    &join(&obj.loc, key),
                    m.value.pos,
                );
                None
            }
        }
    }

    /// A number field with AWS's range messages. `integer` rejects fractions.
    fn number(
        &mut self,
        node: &Node,
        loc: &str,
        integer: bool,
        min: f64,
        max: Option<f64>,
    ) -> Option<f64> {
        let NodeValue::Number(n) = &node.value else {
            let want = if integer { "integer" } else { "number" };
            self.schema(
                format!("Expected value of type {want} but got {}", node.type_name()),
                loc,
                node.pos,
            );
            return None;
        };
        let v = n.as_f64().unwrap_or(f64::NAN);
        if integer && (v.fract() != 0.0 || !v.is_finite()) {
            self.schema(
                format!("Expected value of type integer but got {n}"),
                loc,
                node.pos,
            );
            return None;
        }
        let fmt = |x: f64| {
            if integer {
                format!("{}", x as i64)
            } else {
                format!("{x:?}")
            }
        };
        if v < min {
            self.schema(format!("Minimum value is {}", fmt(min)), loc, node.pos);
            return None;
        }
        if let Some(max) = max
            && v > max
        {
            self.schema(format!("Maximum value is {}", fmt(max)), loc, node.pos);
            return None;
        }
        Some(v)
    }

    fn uint(&mut self, obj: &Obj<'_>, key: &str, min: u64, max: u64) -> Option<u64> {
        let m = obj.get(key)?;
        self.number(
            &m.value,
            &join(&obj.loc, key),
            true,
            min as f64,
            Some(max as f64),
        )
        .map(|v| v as u64)
    }

    fn path_value(&mut self, node: &Node, loc: &str, kind: PathKind) -> Option<Path> {
        let Some(text) = node.as_str() else {
            self.schema(
                format!("Expected value of type string but got {}", node.type_name()),
                loc,
                node.pos,
            );
            return None;
        };
        match checks::path(text, kind) {
            Ok(p) => Some(p),
            Err(msg) => {
                self.schema(msg, loc, node.pos);
                None
            }
        }
    }

    fn path_field(&mut self, obj: &Obj<'_>, key: &str, kind: PathKind) -> Option<Path> {
        let m = obj.get(key)?;
        self.path_value(&m.value, &join(&obj.loc, key), kind)
    }

    fn nullable_path(&mut self, obj: &Obj<'_>, key: &str, kind: PathKind) -> Option<NullablePath> {
        let m = obj.get(key)?;
        if matches!(m.value.value, NodeValue::Null) {
            return Some(NullablePath::Null);
        }
        self.path_value(&m.value, &join(&obj.loc, key), kind)
            .map(NullablePath::Path)
    }

    fn jsonata_expr(&mut self, body: &str, loc: &str, pos: Position) -> Option<JsonataExpr> {
        match checks::jsonata(body) {
            Ok(e) => Some(e),
            Err(msg) => {
                self.schema(
                    format!("The JSONata expression '{body}' is not valid: {msg}"),
                    loc,
                    pos,
                );
                None
            }
        }
    }

    /// A JSONata-mode value: expressions inside strings `{% ... %}`, everything else literal.
    fn jsonata_template(&mut self, node: &Node, loc: &str) -> Option<JsonataTemplate> {
        let mut ok = true;
        let t = self.jsonata_template_inner(node, loc, &mut ok);
        ok.then_some(t)
    }

    fn jsonata_template_inner(&mut self, node: &Node, loc: &str, ok: &mut bool) -> JsonataTemplate {
        match &node.value {
            NodeValue::String(s) => match checks::jsonata_body(s) {
                Some(body) => match self.jsonata_expr(body, loc, node.pos) {
                    Some(e) => JsonataTemplate::Expr(e),
                    None => {
                        *ok = false;
                        JsonataTemplate::Literal(Value::Null)
                    }
                },
                None => JsonataTemplate::Literal(node.to_json()),
            },
            NodeValue::Object(members) => {
                let mut items = Vec::with_capacity(members.len());
                let mut dynamic = false;
                for m in members {
                    if m.key.ends_with(".$") {
                        // AWS keeps such a key as a literal (recorded in the corpus), so this
                        // is a warning: the author almost certainly meant a JSONPath reference.
                        self.warn(
                            codes::JSONATA_DOLLAR_KEY,
                            format!(
                                "The key '{}' is a literal in a JSONata state: '.$' keys are not evaluated; use a {{% ... %}} expression instead",
                                m.key
                            ),
                            &join(loc, &m.key),
                            m.key_pos,
                        );
                    }
                    let t = self.jsonata_template_inner(&m.value, &join(loc, &m.key), ok);
                    dynamic |= !matches!(t, JsonataTemplate::Literal(_));
                    items.push((m.key.clone(), t));
                }
                if dynamic {
                    JsonataTemplate::Object(items)
                } else {
                    JsonataTemplate::Literal(node.to_json())
                }
            }
            NodeValue::Array(values) => {
                let mut items = Vec::with_capacity(values.len());
                let mut dynamic = false;
                for (i, v) in values.iter().enumerate() {
                    let t = self.jsonata_template_inner(v, &format!("{loc}[{i}]"), ok);
                    dynamic |= !matches!(t, JsonataTemplate::Literal(_));
                    items.push(t);
                }
                if dynamic {
                    JsonataTemplate::Array(items)
                } else {
                    JsonataTemplate::Literal(node.to_json())
                }
            }
            _ => JsonataTemplate::Literal(node.to_json()),
        }
    }

    /// A JSONPath payload template. `field_loc` is where AWS reports problems (the template's
    /// own field, e.g. `/States/X/Parameters`).
    fn template(&mut self, node: &Node, field_loc: &str) -> Option<Template> {
        let mut ok = true;
        let t = self.template_inner(node, field_loc, &mut ok);
        ok.then_some(t)
    }

    fn template_inner(&mut self, node: &Node, field_loc: &str, ok: &mut bool) -> Template {
        match &node.value {
            NodeValue::Object(members) => {
                let mut items = Vec::with_capacity(members.len());
                let mut dynamic = false;
                for m in members {
                    if let Some(key) = m.key.strip_suffix(".$") {
                        dynamic = true;
                        let parsed = match m.value.as_str() {
                            Some(s) if checks::looks_like_intrinsic(s) => {
                                checks::intrinsic(s).map(Template::Intrinsic)
                            }
                            Some(s) => checks::path(s, PathKind::General).map(Template::Path),
                            None => Err(String::new()),
                        };
                        match parsed {
                            Ok(t) => items.push((key.to_string(), t)),
                            Err(_) => {
                                *ok = false;
                                self.schema(
                                    format!(
                                        "The value for the field '{}' must be a valid JSONPath or a valid intrinsic function call",
                                        m.key
                                    ),
                                    field_loc,
                                    m.value.pos,
                                );
                            }
                        }
                    } else {
                        if let Some(s) = m.value.as_str()
                            && (s.starts_with("$.")
                                || s.starts_with("$$.")
                                || (checks::looks_like_intrinsic(s) && s.ends_with(')')))
                        {
                            self.warn(
                                codes::NO_DOLLAR,
                                format!(
                                    "The value of the field '{}' looks like a path or an intrinsic function, but the field name does not end with '.$', so it is used as a literal string",
                                    m.key
                                ),
                                field_loc,
                                m.value.pos,
                            );
                        }
                        let t = self.template_inner(&m.value, field_loc, ok);
                        dynamic |= !matches!(t, Template::Literal(_));
                        items.push((m.key.clone(), t));
                    }
                }
                if dynamic {
                    Template::Object(items)
                } else {
                    Template::Literal(node.to_json())
                }
            }
            NodeValue::Array(values) => {
                let items: Vec<Template> = values
                    .iter()
                    .map(|v| self.template_inner(v, field_loc, ok))
                    .collect();
                if items.iter().all(|t| matches!(t, Template::Literal(_))) {
                    Template::Literal(node.to_json())
                } else {
                    Template::Array(items)
                }
            }
            _ => Template::Literal(node.to_json()),
        }
    }

    /// A template in the state's language; JSONPath templates must be objects.
    fn data_template(
        &mut self,
        obj: &Obj<'_>,
        key: &str,
        lang: QueryLanguage,
    ) -> Option<DataTemplate> {
        let m = obj.get(key)?;
        let loc = join(&obj.loc, key);
        match lang {
            QueryLanguage::JsonPath => {
                if m.value.as_object().is_none() && key != "ItemSelector" {
                    self.schema(
                        format!(
                            "Expected value of type object but got {}",
                            m.value.type_name()
                        ),
                        &loc,
                        m.value.pos,
                    );
                    return None;
                }
                self.template(&m.value, &loc).map(DataTemplate::JsonPath)
            }
            QueryLanguage::Jsonata => self
                .jsonata_template(&m.value, &loc)
                .map(DataTemplate::Jsonata),
        }
    }

    fn assign(&mut self, obj: &Obj<'_>, lang: QueryLanguage) -> Option<DataTemplate> {
        let m = obj.get("Assign")?;
        let loc = join(&obj.loc, "Assign");
        let Some(members) = m.value.as_object() else {
            self.schema(
                format!(
                    "Expected value of type object but got {}",
                    m.value.type_name()
                ),
                &loc,
                m.value.pos,
            );
            return None;
        };
        for mem in members {
            let name = match lang {
                QueryLanguage::JsonPath => mem.key.strip_suffix(".$").unwrap_or(&mem.key),
                QueryLanguage::Jsonata => &mem.key,
            };
            if !is_variable_name(name) {
                self.schema(
                    format!(
                        "The variable name '{name}' is not valid: it must be an identifier of at most 80 characters"
                    ),
                    &loc,
                    mem.key_pos,
                );
            } else if name == "states" {
                self.schema(
                    "The variable name 'states' is reserved".to_string(),
                    &loc,
                    mem.key_pos,
                );
            }
        }
        self.data_template(obj, "Assign", lang)
    }

    fn jsonata_or<T>(
        &mut self,
        node: &Node,
        loc: &str,
        lang: QueryLanguage,
        literal: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Dynamic<T>> {
        if lang == QueryLanguage::Jsonata
            && let Some(body) = node.as_str().and_then(checks::jsonata_body)
        {
            return self.jsonata_expr(body, loc, node.pos).map(Dynamic::Jsonata);
        }
        literal(self).map(Dynamic::Static)
    }

    /// An integer field that may also come from `<key>Path` (JSONPath) or be an expression
    /// (JSONata).
    fn dynamic_uint(
        &mut self,
        obj: &Obj<'_>,
        key: &str,
        lang: QueryLanguage,
        min: u64,
        max: u64,
    ) -> Option<Dynamic<u64>> {
        let path_key = format!("{key}Path");
        self.exclusive(obj, &[key, &path_key]);
        if let Some(m) = obj.get(key) {
            let loc = join(&obj.loc, key);
            return self.jsonata_or(&m.value, &loc, lang, |b| {
                b.number(&m.value, &loc, true, min as f64, Some(max as f64))
                    .map(|v| v as u64)
            });
        }
        self.path_field(obj, &path_key, PathKind::Reference)
            .map(Dynamic::Path)
    }

    fn retriers(&mut self, obj: &Obj<'_>) -> Vec<Retrier> {
        let Some(m) = obj.get("Retry") else {
            return Vec::new();
        };
        let loc = join(&obj.loc, "Retry");
        let Some(items) = m.value.as_array() else {
            self.schema(
                format!(
                    "Expected value of type array but got {}",
                    m.value.type_name()
                ),
                &loc,
                m.value.pos,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        let n = items.len();
        for (i, item) in items.iter().enumerate() {
            let iloc = format!("{loc}[{i}]");
            let Some(r) = self.object(item, &iloc) else {
                continue;
            };
            self.unsupported(
                &r,
                &[
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                ],
            );
            self.require(&r, &["ErrorEquals"]);
            let errors = self.error_equals(&r, i + 1 == n);
            let interval = self.uint(&r, "IntervalSeconds", 1, 99_999_999).unwrap_or(1);
            let attempts = self.uint(&r, "MaxAttempts", 0, 99_999_999).unwrap_or(3);
            let backoff = r
                .get("BackoffRate")
                .and_then(|m| self.number(&m.value, &join(&iloc, "BackoffRate"), false, 1.0, None))
                .unwrap_or(2.0);
            let max_delay = self.uint(&r, "MaxDelaySeconds", 1, 31_622_400);
            let jitter = match self.string(&r, "JitterStrategy").as_deref() {
                None | Some("NONE") => JitterStrategy::None,
                Some("FULL") => JitterStrategy::Full,
                Some(_) => {
                    let pos = r.get("JitterStrategy").map_or(r.pos, |m| m.value.pos);
                    self.schema(
                        "The field 'JitterStrategy' should have one of these values: [FULL, NONE]",
                        &join(&iloc, "JitterStrategy"),
                        pos,
                    );
                    JitterStrategy::None
                }
            };
            let comment = self.string(&r, "Comment");
            out.push(Retrier {
                error_equals: errors,
                interval_seconds: interval,
                max_attempts: attempts,
                backoff_rate: backoff,
                max_delay_seconds: max_delay,
                jitter,
                comment,
            });
        }
        out
    }

    fn error_equals(&mut self, obj: &Obj<'_>, last: bool) -> Vec<String> {
        let Some(m) = obj.get("ErrorEquals") else {
            return Vec::new();
        };
        let loc = join(&obj.loc, "ErrorEquals");
        let Some(items) = m.value.as_array() else {
            self.schema(
                format!(
                    "Expected value of type array but got {}",
                    m.value.type_name()
                ),
                &loc,
                m.value.pos,
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.schema("Value cannot be empty", &loc, m.value.pos);
        }
        let mut out = Vec::new();
        for item in items {
            match item.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.schema(
                    format!("Expected value of type string but got {}", item.type_name()),
                    &loc,
                    item.pos,
                ),
            }
        }
        if out.iter().any(|e| e == "States.ALL") {
            if out.len() > 1 {
                self.schema(
                    "States.ALL must appear alone in ErrorEquals",
                    &loc,
                    m.value.pos,
                );
            } else if !last {
                self.schema(
                    "A retrier or catcher with States.ALL must be the last one",
                    &loc,
                    m.value.pos,
                );
            }
        }
        out
    }

    fn catchers(&mut self, obj: &Obj<'_>, lang: QueryLanguage, scope: &Scope) -> Vec<Catcher> {
        let Some(m) = obj.get("Catch") else {
            return Vec::new();
        };
        let loc = join(&obj.loc, "Catch");
        let Some(items) = m.value.as_array() else {
            self.schema(
                format!(
                    "Expected value of type array but got {}",
                    m.value.type_name()
                ),
                &loc,
                m.value.pos,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        let n = items.len();
        for (i, item) in items.iter().enumerate() {
            let iloc = format!("{loc}[{i}]");
            let Some(c) = self.object(item, &iloc) else {
                continue;
            };
            let mut allowed = vec!["ErrorEquals", "Next", "Assign", "Comment"];
            self.language_fields(
                &c,
                lang,
                &[("ResultPath", Lang::JsonPath), ("Output", Lang::Jsonata)],
                &mut allowed,
            );
            self.unsupported(&c, &allowed);
            self.require(&c, &["ErrorEquals", "Next"]);
            let errors = self.error_equals(&c, i + 1 == n);
            let next = self.target(&c, "Next", scope);
            let result_path = if lang == QueryLanguage::JsonPath {
                self.nullable_path(&c, "ResultPath", PathKind::ResultPath)
            } else {
                None
            };
            let output = self.output(&c, lang);
            let assign = self.assign(&c, lang);
            let comment = self.string(&c, "Comment");
            if let Some(next) = next {
                out.push(Catcher {
                    error_equals: errors,
                    next,
                    result_path,
                    output,
                    assign,
                    comment,
                });
            }
        }
        out
    }

    /// Adds the fields of `extra` that the language allows to `allowed`, and reports the ones
    /// it does not.
    fn language_fields<'k>(
        &mut self,
        obj: &Obj<'_>,
        lang: QueryLanguage,
        extra: &[(&'k str, Lang)],
        allowed: &mut Vec<&'k str>,
    ) {
        for (name, rule) in extra {
            allowed.push(name);
            if let Some(m) = obj.get(name) {
                self.check_language(name, *rule, lang, &obj.loc, m.key_pos);
            }
        }
    }

    fn check_language(
        &mut self,
        name: &str,
        rule: Lang,
        lang: QueryLanguage,
        loc: &str,
        pos: Position,
    ) {
        let wrong = match (rule, lang) {
            (Lang::JsonPath, QueryLanguage::Jsonata) => Some("JSONPath"),
            (Lang::Jsonata, QueryLanguage::JsonPath) => Some("JSONata"),
            _ => None,
        };
        if let Some(only) = wrong {
            self.schema(
                format!(
                    "The QueryLanguage is set to '{}', but field '{name}' is only supported for the '{only}' QueryLanguage",
                    lang.as_str()
                ),
                loc,
                pos,
            );
        }
    }

    fn output(&mut self, obj: &Obj<'_>, lang: QueryLanguage) -> Option<JsonataTemplate> {
        if lang != QueryLanguage::Jsonata {
            return None;
        }
        let m = obj.get("Output")?;
        self.jsonata_template(&m.value, &join(&obj.loc, "Output"))
    }

    /// Resolves a transition target named by `key`.
    fn target(&mut self, obj: &Obj<'_>, key: &str, scope: &Scope) -> Option<StateId> {
        let name = self.string(obj, key)?;
        let loc = join(&obj.loc, key);
        match scope.ids.get(&name) {
            Some(id) => Some(*id),
            None => {
                let pos = obj.get(key).map_or(obj.pos, |m| m.value.pos);
                self.err(
                    codes::MISSING_TRANSITION_TARGET,
                    format!("Missing 'Next' target: {name}"),
                    &loc,
                    pos,
                );
                None
            }
        }
    }

    fn machine(&mut self, node: &Node) -> Option<StateMachine> {
        let obj = self.object(node, "/")?;
        self.unsupported(
            &obj,
            &[
                "Comment",
                "StartAt",
                "States",
                "TimeoutSeconds",
                "Version",
                "QueryLanguage",
            ],
        );
        self.require(&obj, &["StartAt", "States"]);
        let comment = self.string(&obj, "Comment");
        let version = self.string(&obj, "Version");
        let query_language = self.query_language(&obj, QueryLanguage::JsonPath, true);
        let timeout_seconds = self.uint(&obj, "TimeoutSeconds", 0, 99_999_999);
        let root = self.block(&obj, query_language, 0);
        Some(StateMachine {
            comment,
            query_language,
            timeout_seconds,
            version,
            workflow_type: self.options.workflow_type,
            root: root?,
        })
    }

    fn query_language(
        &mut self,
        obj: &Obj<'_>,
        inherited: QueryLanguage,
        top: bool,
    ) -> QueryLanguage {
        let Some(value) = self.string(obj, "QueryLanguage") else {
            return inherited;
        };
        let pos = obj.get("QueryLanguage").map_or(obj.pos, |m| m.value.pos);
        let loc = join(&obj.loc, "QueryLanguage");
        match value.as_str() {
            "JSONPath" => {
                if inherited == QueryLanguage::Jsonata && !top {
                    self.schema(
                        "A state cannot set QueryLanguage to 'JSONPath' when the state machine's QueryLanguage is 'JSONata'",
                        &loc,
                        pos,
                    );
                    return QueryLanguage::Jsonata;
                }
                QueryLanguage::JsonPath
            }
            "JSONata" => QueryLanguage::Jsonata,
            _ => {
                self.schema(
                    "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
                    &loc,
                    pos,
                );
                inherited
            }
        }
    }

    /// A block (`StartAt` + `States`) of the object `obj`.
    fn block(&mut self, obj: &Obj<'_>, lang: QueryLanguage, depth: usize) -> Option<Block> {
        let comment = self.string(obj, "Comment");
        let start_m = obj.get("StartAt");
        let states_m = obj.get("States")?;
        let states_loc = join(&obj.loc, "States");
        let states_obj = self.object(&states_m.value, &states_loc)?;
        // Names first, so that transitions resolve to ids.
        let mut ids = HashMap::with_capacity(states_obj.members.len());
        for (i, m) in states_obj.members.iter().enumerate() {
            let loc = join(&states_loc, &m.key);
            let len = m.key.chars().count();
            if len == 0 || len > 80 {
                self.err(
                    codes::INVALID_STATE_NAME,
                    format!(
                        "State name '{}' must be between 1 and 80 characters long",
                        m.key
                    ),
                    &loc,
                    m.key_pos,
                );
            }
            if let Some(first) = self.state_names.get(&m.key) {
                let msg = format!("Duplicate State name: {} (first defined at {first})", m.key);
                self.err(codes::DUPLICATE_STATE_NAME, msg, &loc, m.key_pos);
            } else {
                self.state_names.insert(m.key.clone(), loc);
            }
            ids.entry(m.key.clone())
                .or_insert(StateId(u32::try_from(i).unwrap_or(u32::MAX)));
        }
        let scope = Scope { ids };
        let mut states = Vec::with_capacity(states_obj.members.len());
        let mut graph = Vec::with_capacity(states_obj.members.len());
        for m in states_obj.members {
            let loc = join(&states_loc, &m.key);
            let (state, node) = self.state(&m.key, &m.value, &loc, m.key_pos, lang, &scope, depth);
            if let Some(node) = node {
                graph.push(node);
            }
            if let Some(s) = state {
                states.push(s);
            } else {
                self.failed = true;
            }
        }
        // StartAt.
        let start_at = match start_m {
            None => None,
            Some(sm) => match sm.value.as_str() {
                None => {
                    self.schema(
                        format!(
                            "Expected value of type string but got {}",
                            sm.value.type_name()
                        ),
                        &join(&obj.loc, "StartAt"),
                        sm.value.pos,
                    );
                    None
                }
                Some(name) => match scope.ids.get(name) {
                    Some(id) => Some(*id),
                    None => {
                        self.err(
                            codes::MISSING_TRANSITION_TARGET,
                            format!("Missing 'Next' target: {name}"),
                            &join(&obj.loc, "StartAt"),
                            sm.value.pos,
                        );
                        None
                    }
                },
            },
        };
        self.graph_checks(&graph, start_m.and_then(|m| m.value.as_str()));
        Some(Block {
            start_at: start_at?,
            states,
            comment,
            location: states_loc,
        })
    }

    /// Terminal state and reachability, as AWS checks them: no terminal state at all is
    /// MISSING_END_STATE (and then reachability is not reported); otherwise every state must be
    /// reachable from StartAt.
    fn graph_checks(&mut self, graph: &[GraphNode], start: Option<&str>) {
        if graph.is_empty() {
            return;
        }
        if !graph.iter().any(|n| n.terminal) {
            self.diags.push(Diagnostic {
                severity: crate::Severity::Error,
                code: codes::MISSING_END_STATE,
                message: "Workflow has no terminal state".into(),
                location: None,
                pos: graph[0].pos,
            });
            return;
        }
        let Some(start) = start else { return };
        let index: HashMap<&str, usize> = graph
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        let Some(&s) = index.get(start) else { return };
        let mut seen = vec![false; graph.len()];
        let mut stack = vec![s];
        seen[s] = true;
        while let Some(i) = stack.pop() {
            for succ in &graph[i].successors {
                if let Some(&j) = index.get(succ.as_str())
                    && !seen[j]
                {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        for (i, n) in graph.iter().enumerate() {
            if !seen[i] {
                self.err(
                    codes::MISSING_TRANSITION_TARGET,
                    format!("State \"{}\" is not reachable.", n.name),
                    &n.location,
                    n.pos,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn state(
        &mut self,
        name: &str,
        node: &Node,
        loc: &str,
        key_pos: Position,
        inherited: QueryLanguage,
        scope: &Scope,
        depth: usize,
    ) -> (Option<State>, Option<GraphNode>) {
        let Some(obj) = self.object(node, loc) else {
            return (None, None);
        };
        let ty = match self.string(&obj, "Type") {
            Some(t) if STATE_TYPES.contains(&t.as_str()) => t,
            Some(_) => {
                let pos = obj.get("Type").map_or(obj.pos, |m| m.value.pos);
                self.schema(
                    format!(
                        "The field 'Type' should have one of these values: [{}]",
                        STATE_TYPES.join(", ")
                    ),
                    &join(loc, "Type"),
                    pos,
                );
                return (None, None);
            }
            None => {
                if obj.get("Type").is_none() {
                    self.require(&obj, &["Type"]);
                }
                return (None, None);
            }
        };
        let lang = self.query_language(&obj, inherited, false);
        // Field table: unknown fields and fields of the other language.
        let mut bad_field = false;
        for m in obj.members {
            match fields::state_field(&ty, &m.key) {
                None => {
                    bad_field = true;
                    self.schema(
                        format!("Field '{}' is not supported", m.key),
                        loc,
                        m.key_pos,
                    );
                }
                Some(rule) => {
                    let before = self.diags.len();
                    self.check_language(&m.key, rule, lang, loc, m.key_pos);
                    bad_field |= self.diags.len() > before;
                }
            }
        }

        // Transitions and graph facts.
        let mut successors = Vec::new();
        let terminal;
        let mut transition = None;
        let has_next = obj.get("Next").is_some();
        let has_end = obj.get("End").is_some();
        match ty.as_str() {
            "Choice" | "Succeed" | "Fail" => terminal = ty != "Choice",
            _ => {
                let end = if has_end {
                    self.boolean(&obj, "End")
                } else {
                    None
                };
                if has_next && end == Some(true) {
                    self.exclusive(&obj, &["Next", "End"]);
                } else if !has_next && end != Some(true) {
                    self.schema(
                        "These fields are required: [Next or End]".to_string(),
                        loc,
                        obj.pos,
                    );
                }
                // With both Next and End, the error above is enough: count the state as
                // terminal so that no MISSING_END_STATE follows from the same mistake.
                terminal = end == Some(true);
                if has_next {
                    if let Some(n) = obj.get("Next").and_then(|m| m.value.as_str()) {
                        successors.push(n.to_string());
                    }
                    transition = self.target(&obj, "Next", scope).map(Transition::Next);
                } else if terminal {
                    transition = Some(Transition::End);
                }
            }
        }
        for list in ["Catch", "Choices"] {
            if let Some(items) = obj.get(list).and_then(|m| m.value.as_array()) {
                for item in items {
                    if let Some(n) = item
                        .as_object()
                        .and_then(|ms| ms.iter().find(|m| m.key == "Next"))
                        .and_then(|m| m.value.as_str())
                    {
                        successors.push(n.to_string());
                    }
                }
            }
        }
        if let Some(d) = obj.get("Default").and_then(|m| m.value.as_str()) {
            successors.push(d.to_string());
        }
        let graph = GraphNode {
            name: name.to_string(),
            location: loc.to_string(),
            pos: key_pos,
            terminal,
            successors,
        };

        let comment = self.string(&obj, "Comment");
        let io = self.io(&obj, &ty, lang);
        let kind = match ty.as_str() {
            "Pass" => Some(StateKind::Pass),
            "Succeed" => Some(StateKind::Succeed),
            "Task" => self.task(&obj, lang, scope).map(StateKind::Task),
            "Choice" => self.choice(&obj, lang, scope).map(StateKind::Choice),
            "Wait" => self.wait(&obj, lang).map(StateKind::Wait),
            "Fail" => self.fail(&obj, lang).map(StateKind::Fail),
            "Parallel" => self
                .parallel(&obj, lang, scope, depth)
                .map(StateKind::Parallel),
            "Map" => self
                .map(&obj, lang, scope, depth)
                .map(|m| StateKind::Map(Box::new(m))),
            _ => None,
        };
        let needs_transition = !matches!(ty.as_str(), "Choice" | "Succeed" | "Fail");
        let (Some(kind), Some(io)) = (kind, io) else {
            return (None, Some(graph));
        };
        if bad_field || (needs_transition && transition.is_none()) {
            return (None, Some(graph));
        }
        let silenced_lints = comment
            .as_deref()
            .map(crate::lint::silenced_in_comment)
            .unwrap_or_default();
        (
            Some(State {
                name: name.to_string(),
                comment,
                query_language: lang,
                io,
                kind,
                transition,
                location: loc.to_string(),
                pos: key_pos,
                silenced_lints,
                reads_context: mentions_context(node),
            }),
            Some(graph),
        )
    }

    /// The input/output fields common to several state types.
    fn io(&mut self, obj: &Obj<'_>, ty: &str, lang: QueryLanguage) -> Option<Io> {
        let before = self.diags.len();
        let mut io = Io::default();
        let allowed = |f: &str| fields::state_field(ty, f).is_some();
        if lang == QueryLanguage::JsonPath {
            if allowed("InputPath") {
                io.input_path = self.nullable_path(obj, "InputPath", PathKind::General);
            }
            if allowed("OutputPath") {
                io.output_path = self.nullable_path(obj, "OutputPath", PathKind::General);
            }
            if allowed("ResultPath") {
                io.result_path = self.nullable_path(obj, "ResultPath", PathKind::ResultPath);
            }
            if allowed("Parameters")
                && ty != "Map"
                && let Some(m) = obj.get("Parameters")
            {
                let loc = join(&obj.loc, "Parameters");
                if m.value.as_object().is_none() && ty != "Pass" {
                    self.schema(
                        format!(
                            "Expected value of type object but got {}",
                            m.value.type_name()
                        ),
                        &loc,
                        m.value.pos,
                    );
                } else {
                    io.parameters = self.template(&m.value, &loc);
                }
            }
            if allowed("ResultSelector")
                && let Some(m) = obj.get("ResultSelector")
            {
                let loc = join(&obj.loc, "ResultSelector");
                io.result_selector = self.template(&m.value, &loc);
            }
            if allowed("Result")
                && let Some(m) = obj.get("Result")
            {
                let v = m.value.to_json();
                if contains_path_like_string(&v) {
                    self.warn(
                        codes::PASS_RESULT_IS_STATIC,
                        "The Result of a Pass state is static: paths and intrinsic functions inside it are not evaluated (use Parameters with '.$' keys)",
                        &join(&obj.loc, "Result"),
                        m.value.pos,
                    );
                }
                io.result = Some(v);
            }
        } else {
            if allowed("Arguments")
                && let Some(m) = obj.get("Arguments")
            {
                io.arguments = self.jsonata_template(&m.value, &join(&obj.loc, "Arguments"));
            }
            io.output = if allowed("Output") {
                self.output(obj, lang)
            } else {
                None
            };
        }
        if allowed("Assign") {
            io.assign = self.assign(obj, lang);
        }
        (self
            .diags
            .iter()
            .skip(before)
            .all(|d| d.severity != crate::Severity::Error))
        .then_some(io)
    }

    fn task(&mut self, obj: &Obj<'_>, lang: QueryLanguage, scope: &Scope) -> Option<TaskState> {
        let before = self.errors();
        self.require(obj, &["Resource"]);
        let resource = self.string(obj, "Resource");
        if let Some(r) = &resource {
            let pos = obj.get("Resource").map_or(obj.pos, |m| m.value.pos);
            self.resource(r, &join(&obj.loc, "Resource"), pos);
        }
        let timeout = self.dynamic_uint(obj, "TimeoutSeconds", lang, 1, 99_999_999);
        let heartbeat = self.dynamic_uint(obj, "HeartbeatSeconds", lang, 1, 99_999_998);
        if let (Some(Dynamic::Static(t)), Some(Dynamic::Static(h))) = (&timeout, &heartbeat)
            && h >= t
        {
            let pos = obj.get("HeartbeatSeconds").map_or(obj.pos, |m| m.value.pos);
            self.schema(
                "HeartbeatSeconds must be smaller than TimeoutSeconds",
                &join(&obj.loc, "HeartbeatSeconds"),
                pos,
            );
        }
        let credentials = self.credentials(obj, lang);
        let retry = self.retriers(obj);
        let catch = self.catchers(obj, lang, scope);
        (self.errors() == before).then(|| TaskState {
            resource: resource.unwrap_or_default(),
            timeout_seconds: timeout,
            heartbeat_seconds: heartbeat,
            credentials,
            retry,
            catch,
        })
    }

    fn errors(&self) -> usize {
        self.diags
            .iter()
            .filter(|d| d.severity == crate::Severity::Error)
            .count()
    }

    fn resource(&mut self, r: &str, loc: &str, pos: Position) {
        let parts: Vec<&str> = r.split(':').collect();
        if parts.len() < 6 || parts[0] != "arn" || parts[1].is_empty() || parts[2].is_empty() {
            self.err(
                codes::INVALID_RESOURCE,
                format!("Value is not a valid resource ARN: '{r}'"),
                loc,
                pos,
            );
            return;
        }
        if self.options.workflow_type == WorkflowType::Express {
            if parts[2] == "states" && parts.get(5) == Some(&"activity") {
                self.schema(
                    "Express state machine does not support Activity ARN",
                    loc,
                    pos,
                );
            } else if r.ends_with(".sync") || r.contains(".sync:") {
                self.schema(
                    "Express state machine does not support '.sync' service integration",
                    loc,
                    pos,
                );
            } else if r.ends_with(".waitForTaskToken") {
                self.schema(
                    "Express state machine does not support '.waitForTaskToken' service integration",
                    loc,
                    pos,
                );
            }
        }
    }

    fn credentials(&mut self, obj: &Obj<'_>, lang: QueryLanguage) -> Option<DataTemplate> {
        let m = obj.get("Credentials")?;
        let loc = join(&obj.loc, "Credentials");
        let c = self.object(&m.value, &loc)?;
        let has_role = match lang {
            QueryLanguage::JsonPath => c.get("RoleArn").or_else(|| c.get("RoleArn.$")).is_some(),
            QueryLanguage::Jsonata => c.get("RoleArn").is_some(),
        };
        if !has_role {
            self.schema(
                "The field 'RoleArn' is required but was missing",
                &loc,
                m.value.pos,
            );
            return None;
        }
        self.unsupported(&c, &["RoleArn", "RoleArn.$"]);
        self.data_template(obj, "Credentials", lang)
    }

    fn choice(&mut self, obj: &Obj<'_>, lang: QueryLanguage, scope: &Scope) -> Option<ChoiceState> {
        let before = self.errors();
        self.require(obj, &["Choices"]);
        let mut choices = Vec::new();
        if let Some(m) = obj.get("Choices") {
            let loc = join(&obj.loc, "Choices");
            match m.value.as_array() {
                None => self.schema(
                    format!(
                        "Expected value of type array but got {}",
                        m.value.type_name()
                    ),
                    &loc,
                    m.value.pos,
                ),
                Some([]) => self.schema("Value cannot be empty", &loc, m.value.pos),
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let iloc = format!("{loc}[{i}]");
                        if let Some(rule) = self.choice_rule(item, &iloc, lang, scope) {
                            choices.push(rule);
                        }
                    }
                }
            }
        }
        let default = if obj.get("Default").is_some() {
            self.target(obj, "Default", scope)
        } else {
            None
        };
        (self.errors() == before).then_some(ChoiceState { choices, default })
    }

    fn choice_rule(
        &mut self,
        node: &Node,
        loc: &str,
        lang: QueryLanguage,
        scope: &Scope,
    ) -> Option<ChoiceRule> {
        let obj = self.object(node, loc)?;
        let before = self.errors();
        self.require(&obj, &["Next"]);
        let next = self.target(&obj, "Next", scope);
        let comment = self.string(&obj, "Comment");
        let assign = self.assign(&obj, lang);
        let (condition, output) = match lang {
            QueryLanguage::Jsonata => {
                self.unsupported(&obj, &["Condition", "Next", "Assign", "Output", "Comment"]);
                self.require(&obj, &["Condition"]);
                let cond = obj.get("Condition").and_then(|m| {
                    let cloc = join(loc, "Condition");
                    self.jsonata_or(&m.value, &cloc, lang, |b| match m.value.value {
                        NodeValue::Bool(v) => Some(v),
                        _ => {
                            b.schema(
                                "The field 'Condition' must be a boolean or a JSONata expression",
                                &cloc,
                                m.value.pos,
                            );
                            None
                        }
                    })
                });
                (cond.map(Condition::Jsonata), self.output(&obj, lang))
            }
            QueryLanguage::JsonPath => {
                if let Some(m) = obj.get("Output") {
                    self.check_language("Output", Lang::Jsonata, lang, loc, m.key_pos);
                }
                if let Some(m) = obj.get("Condition") {
                    self.check_language("Condition", Lang::Jsonata, lang, loc, m.key_pos);
                }
                (self.condition(&obj, loc, true, 0), None)
            }
        };
        let (Some(condition), Some(next)) = (condition, next) else {
            return None;
        };
        (self.errors() == before).then_some(ChoiceRule {
            condition,
            next,
            assign,
            output,
            comment,
        })
    }

    /// A JSONPath condition (`Variable` + operator, or And/Or/Not).
    fn condition(
        &mut self,
        obj: &Obj<'_>,
        loc: &str,
        top: bool,
        depth: usize,
    ) -> Option<Condition> {
        if depth > 64 {
            self.schema("Choice rules are nested too deeply", loc, obj.pos);
            return None;
        }
        let mut allowed: Vec<&str> = vec!["Variable", "Comment", "And", "Or", "Not"];
        if top {
            allowed.extend(["Next", "Assign", "Output", "Condition"]);
        }
        let ops: Vec<&Member> = obj
            .members
            .iter()
            .filter(|m| !allowed.contains(&m.key.as_str()))
            .collect();
        let composite: Vec<&Member> = obj
            .members
            .iter()
            .filter(|m| matches!(m.key.as_str(), "And" | "Or" | "Not"))
            .collect();
        for m in &ops {
            if comparison(&m.key).is_none() {
                self.schema(
                    format!("Field '{}' is not supported", m.key),
                    loc,
                    m.key_pos,
                );
                return None;
            }
        }
        if ops.len() + composite.len() != 1 {
            self.schema(
                "A choice rule must have exactly one comparison operator or one of And, Or, Not",
                loc,
                obj.pos,
            );
            return None;
        }
        if let Some(c) = composite.first() {
            if let Some(v) = obj.get("Variable") {
                self.schema("Field 'Variable' is not supported", loc, v.key_pos);
            }
            let cloc = join(loc, &c.key);
            return match c.key.as_str() {
                "Not" => {
                    // A nested `Next` is reported by the recursive call as unsupported.
                    let inner = self.object(&c.value, &cloc)?;
                    self.condition(&inner, &cloc, false, depth + 1)
                        .map(|c| Condition::Not(Box::new(c)))
                }
                kind => {
                    let Some(items) = c.value.as_array() else {
                        self.schema(
                            format!(
                                "Expected value of type array but got {}",
                                c.value.type_name()
                            ),
                            &cloc,
                            c.value.pos,
                        );
                        return None;
                    };
                    if items.is_empty() {
                        self.schema("Value cannot be empty", &cloc, c.value.pos);
                        return None;
                    }
                    let mut rules = Vec::new();
                    let mut ok = true;
                    for (i, item) in items.iter().enumerate() {
                        let iloc = format!("{cloc}[{i}]");
                        let Some(inner) = self.object(item, &iloc) else {
                            ok = false;
                            continue;
                        };
                        match self.condition(&inner, &iloc, false, depth + 1) {
                            Some(r) => rules.push(r),
                            None => ok = false,
                        }
                    }
                    if !ok {
                        return None;
                    }
                    Some(if kind == "And" {
                        Condition::And(rules)
                    } else {
                        Condition::Or(rules)
                    })
                }
            };
        }
        let op_m = ops[0];
        let (op, is_path) = comparison(&op_m.key)?;
        if obj.get("Variable").is_none() {
            self.require(obj, &["Variable"]);
            return None;
        }
        let variable = self.path_field(obj, "Variable", PathKind::Reference)?;
        let oloc = join(loc, &op_m.key);
        let operand = if is_path {
            Operand::Path(self.path_value(&op_m.value, &oloc, PathKind::Reference)?)
        } else {
            let v = &op_m.value;
            let ok = match op {
                Comparison::BooleanEquals
                | Comparison::IsNull
                | Comparison::IsPresent
                | Comparison::IsNumeric
                | Comparison::IsString
                | Comparison::IsBoolean
                | Comparison::IsTimestamp => matches!(v.value, NodeValue::Bool(_)),
                Comparison::NumericEquals
                | Comparison::NumericGreaterThan
                | Comparison::NumericGreaterThanEquals
                | Comparison::NumericLessThan
                | Comparison::NumericLessThanEquals => matches!(v.value, NodeValue::Number(_)),
                Comparison::TimestampEquals
                | Comparison::TimestampGreaterThan
                | Comparison::TimestampGreaterThanEquals
                | Comparison::TimestampLessThan
                | Comparison::TimestampLessThanEquals => {
                    if let Some(s) = v.as_str() {
                        if !is_timestamp(s) {
                            self.schema(
                                format!("The value '{s}' is not a valid timestamp (RFC 3339, e.g. 2016-03-14T01:59:00Z)"),
                                &oloc,
                                v.pos,
                            );
                            return None;
                        }
                        true
                    } else {
                        false
                    }
                }
                Comparison::StringMatches => match v.as_str() {
                    Some(s) => {
                        if s.ends_with('\\') && !s.ends_with("\\\\") {
                            self.schema(
                                "The StringMatches pattern ends with an unfinished escape",
                                &oloc,
                                v.pos,
                            );
                            return None;
                        }
                        true
                    }
                    None => false,
                },
                _ => v.as_str().is_some(),
            };
            if !ok {
                self.schema(
                    format!(
                        "The value of the field '{}' has the wrong type: {}",
                        op_m.key,
                        v.type_name()
                    ),
                    &oloc,
                    v.pos,
                );
                return None;
            }
            Operand::Literal(v.to_json())
        };
        Some(Condition::Compare {
            variable,
            op,
            operand,
        })
    }

    fn wait(&mut self, obj: &Obj<'_>, lang: QueryLanguage) -> Option<WaitState> {
        let keys = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];
        let present: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| obj.get(k).is_some())
            .collect();
        if present.len() != 1 {
            self.schema(
                format!(
                    "Exactly one of the following fields is required: [{}]",
                    keys.join(", ")
                ),
                &obj.loc,
                obj.pos,
            );
            return None;
        }
        match present[0] {
            "Seconds" | "SecondsPath" => self
                .dynamic_uint(obj, "Seconds", lang, 0, 99_999_999)
                .map(WaitState::Seconds),
            "TimestampPath" => self
                .path_field(obj, "TimestampPath", PathKind::Reference)
                .map(|p| WaitState::Timestamp(Dynamic::Path(p))),
            _ => {
                let m = obj.get("Timestamp")?;
                let loc = join(&obj.loc, "Timestamp");
                self.jsonata_or(&m.value, &loc, lang, |b| match m.value.as_str() {
                    Some(s) if is_timestamp(s) => Some(s.to_string()),
                    _ => {
                        b.schema(
                            "The field 'Timestamp' must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z",
                            &loc,
                            m.value.pos,
                        );
                        None
                    }
                })
                .map(WaitState::Timestamp)
            }
        }
    }

    fn fail(&mut self, obj: &Obj<'_>, lang: QueryLanguage) -> Option<FailState> {
        let before = self.errors();
        let mut f = FailState::default();
        for (key, slot) in [("Error", &mut f.error), ("Cause", &mut f.cause)] {
            let path_key = format!("{key}Path");
            self.exclusive(obj, &[key, &path_key]);
            if let Some(m) = obj.get(key) {
                let loc = join(&obj.loc, key);
                *slot = match (lang, m.value.as_str()) {
                    (_, None) => {
                        self.schema(
                            format!(
                                "Expected value of type string but got {}",
                                m.value.type_name()
                            ),
                            &loc,
                            m.value.pos,
                        );
                        None
                    }
                    (QueryLanguage::Jsonata, Some(s)) => match checks::jsonata_body(s) {
                        Some(body) => self
                            .jsonata_expr(body, &loc, m.value.pos)
                            .map(StringSource::Jsonata),
                        None => Some(StringSource::Static(s.to_string())),
                    },
                    (QueryLanguage::JsonPath, Some(s)) => {
                        if s.starts_with("$.") || s.starts_with("$$.") {
                            self.warn(
                                codes::NO_PATH,
                                format!("The value of the field '{key}' looks like a path, but it is used as a literal string; use '{key}Path' to read it"),
                                &loc,
                                m.value.pos,
                            );
                        }
                        Some(StringSource::Static(s.to_string()))
                    }
                };
            } else if let Some(m) = obj.get(&path_key) {
                let loc = join(&obj.loc, &path_key);
                *slot = match m.value.as_str() {
                    Some(s) if checks::looks_like_intrinsic(s) => {
                        const STRING_FUNCTIONS: &[&str] = &[
                            "States.Format",
                            "States.JsonToString",
                            "States.ArrayGetItem",
                            "States.Base64Encode",
                            "States.Base64Decode",
                            "States.Hash",
                            "States.UUID",
                        ];
                        let name = s.trim().split('(').next().unwrap_or("").trim();
                        if !STRING_FUNCTIONS.contains(&name) {
                            self.schema(
                                format!("The value for the field '{path_key}' must be a valid Reference Path or one of the intrinsic functions [{}]", STRING_FUNCTIONS.join(", ")),
                                &loc,
                                m.value.pos,
                            );
                            None
                        } else {
                            match checks::intrinsic(s) {
                                Ok(i) => Some(StringSource::Intrinsic(i)),
                                Err(msg) => {
                                    self.schema(msg, &loc, m.value.pos);
                                    None
                                }
                            }
                        }
                    }
                    _ => self
                        .path_value(&m.value, &loc, PathKind::Reference)
                        .map(StringSource::Path),
                };
            }
        }
        (self.errors() == before).then_some(f)
    }

    fn parallel(
        &mut self,
        obj: &Obj<'_>,
        lang: QueryLanguage,
        scope: &Scope,
        depth: usize,
    ) -> Option<ParallelState> {
        let before = self.errors();
        self.require(obj, &["Branches"]);
        let mut branches = Vec::new();
        if let Some(m) = obj.get("Branches") {
            let loc = join(&obj.loc, "Branches");
            match m.value.as_array() {
                None => self.schema(
                    format!(
                        "Expected value of type array but got {}",
                        m.value.type_name()
                    ),
                    &loc,
                    m.value.pos,
                ),
                Some([]) => self.schema("Value cannot be empty", &loc, m.value.pos),
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let bloc = format!("{loc}[{i}]");
                        if let Some(b) = self.sub_block(item, &bloc, lang, depth, &[]) {
                            branches.push(b);
                        }
                    }
                }
            }
        }
        let retry = self.retriers(obj);
        let catch = self.catchers(obj, lang, scope);
        (self.errors() == before).then_some(ParallelState {
            branches,
            retry,
            catch,
        })
    }

    /// A branch or item processor: `StartAt`, `States`, `Comment`, `QueryLanguage` and `extra`.
    fn sub_block(
        &mut self,
        node: &Node,
        loc: &str,
        lang: QueryLanguage,
        depth: usize,
        extra: &[&str],
    ) -> Option<Block> {
        let obj = self.object(node, loc)?;
        let mut allowed = vec!["StartAt", "States", "Comment", "QueryLanguage"];
        allowed.extend_from_slice(extra);
        self.unsupported(&obj, &allowed);
        self.require(&obj, &["StartAt", "States"]);
        let lang = self.query_language(&obj, lang, false);
        self.block(&obj, lang, depth + 1)
    }

    fn map(
        &mut self,
        obj: &Obj<'_>,
        lang: QueryLanguage,
        scope: &Scope,
        depth: usize,
    ) -> Option<MapState> {
        let before = self.errors();
        self.exclusive(obj, &["ItemProcessor", "Iterator"]);
        self.exclusive(obj, &["ItemSelector", "Parameters"]);
        let proc_key = if obj.get("ItemProcessor").is_some() {
            "ItemProcessor"
        } else {
            "Iterator"
        };
        let mut mode = ProcessorMode::Inline;
        let processor = match obj.get(proc_key) {
            None => {
                self.schema(
                    "These fields are required: [ItemProcessor]",
                    &obj.loc,
                    obj.pos,
                );
                None
            }
            Some(m) => {
                let ploc = join(&obj.loc, proc_key);
                if let Some(p) = m.value.as_object()
                    && let Some(cfg) = p.iter().find(|c| c.key == "ProcessorConfig")
                {
                    mode = self.processor_config(&cfg.value, &join(&ploc, "ProcessorConfig"));
                }
                self.sub_block(&m.value, &ploc, lang, depth, &["ProcessorConfig"])
            }
        };
        let distributed = matches!(mode, ProcessorMode::Distributed(_));
        if distributed && self.options.workflow_type == WorkflowType::Express {
            self.schema(
                "Express state machine does not support the DISTRIBUTED mode of the Map state",
                &obj.loc,
                obj.pos,
            );
        }
        if !distributed {
            for key in [
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
                "ToleratedFailureCount",
                "ToleratedFailureCountPath",
            ] {
                if let Some(m) = obj.get(key) {
                    self.schema(
                        format!("Field '{key}' is only supported when the Map's ProcessorConfig Mode is 'DISTRIBUTED'"),
                        &obj.loc,
                        m.key_pos,
                    );
                }
            }
        }
        let items_path = if lang == QueryLanguage::JsonPath {
            self.path_field(obj, "ItemsPath", PathKind::Reference)
        } else {
            None
        };
        let items = match (lang, obj.get("Items")) {
            (QueryLanguage::Jsonata, Some(m)) => {
                let loc = join(&obj.loc, "Items");
                let t = self.jsonata_template(&m.value, &loc);
                if let Some(JsonataTemplate::Literal(v)) = &t
                    && !v.is_array()
                {
                    self.schema(
                        "The field 'Items' must be an array or a JSONata expression",
                        &loc,
                        m.value.pos,
                    );
                }
                t
            }
            _ => None,
        };
        let item_selector = if obj.get("ItemSelector").is_some() {
            self.data_template(obj, "ItemSelector", lang)
        } else if lang == QueryLanguage::JsonPath && obj.get("Parameters").is_some() {
            self.data_template(obj, "Parameters", lang)
        } else {
            None
        };
        let max_concurrency = self.dynamic_uint(obj, "MaxConcurrency", lang, 0, u32::MAX as u64);
        let tolerated_failure_count =
            self.dynamic_uint(obj, "ToleratedFailureCount", lang, 0, u32::MAX as u64);
        self.exclusive(
            obj,
            &[
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
            ],
        );
        let tolerated_failure_percentage = if let Some(m) = obj.get("ToleratedFailurePercentage") {
            let loc = join(&obj.loc, "ToleratedFailurePercentage");
            self.jsonata_or(&m.value, &loc, lang, |b| {
                b.number(&m.value, &loc, false, 0.0, Some(100.0))
            })
        } else {
            self.path_field(obj, "ToleratedFailurePercentagePath", PathKind::Reference)
                .map(Dynamic::Path)
        };
        let label = self.string(obj, "Label");
        if let Some(l) = &label {
            let pos = obj.get("Label").map_or(obj.pos, |m| m.value.pos);
            self.label(l, &join(&obj.loc, "Label"), pos);
        }
        let item_reader = obj
            .get("ItemReader")
            .and_then(|m| self.item_reader(&m.value, &join(&obj.loc, "ItemReader"), lang));
        let item_batcher = obj
            .get("ItemBatcher")
            .and_then(|m| self.item_batcher(&m.value, &join(&obj.loc, "ItemBatcher"), lang));
        let result_writer = obj
            .get("ResultWriter")
            .and_then(|m| self.result_writer(&m.value, &join(&obj.loc, "ResultWriter"), lang));
        let retry = self.retriers(obj);
        let catch = self.catchers(obj, lang, scope);
        let processor = processor?;
        (self.errors() == before).then_some(MapState {
            processor,
            mode,
            items_path,
            items,
            item_selector,
            max_concurrency,
            tolerated_failure_count,
            tolerated_failure_percentage,
            label,
            item_reader,
            item_batcher,
            result_writer,
            retry,
            catch,
        })
    }

    fn processor_config(&mut self, node: &Node, loc: &str) -> ProcessorMode {
        let Some(cfg) = self.object(node, loc) else {
            return ProcessorMode::Inline;
        };
        self.unsupported(&cfg, &["Mode", "ExecutionType"]);
        let mode = self.string(&cfg, "Mode");
        let exec = self.string(&cfg, "ExecutionType");
        match mode.as_deref() {
            None | Some("INLINE") => {
                if let Some(m) = cfg.get("ExecutionType") {
                    self.schema(
                        "Field 'ExecutionType' is only supported when Mode is 'DISTRIBUTED'",
                        loc,
                        m.key_pos,
                    );
                }
                ProcessorMode::Inline
            }
            Some("DISTRIBUTED") => match exec.as_deref() {
                Some("STANDARD") => ProcessorMode::Distributed(WorkflowType::Standard),
                Some("EXPRESS") => ProcessorMode::Distributed(WorkflowType::Express),
                Some(_) => {
                    self.schema(
                        "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]",
                        &join(loc, "ExecutionType"),
                        cfg.get("ExecutionType").map_or(cfg.pos, |m| m.value.pos),
                    );
                    ProcessorMode::Distributed(WorkflowType::Standard)
                }
                None => {
                    self.schema("These fields are required: [ExecutionType]", loc, cfg.pos);
                    ProcessorMode::Distributed(WorkflowType::Standard)
                }
            },
            Some(_) => {
                self.schema(
                    "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]",
                    &join(loc, "Mode"),
                    cfg.get("Mode").map_or(cfg.pos, |m| m.value.pos),
                );
                ProcessorMode::Inline
            }
        }
    }

    fn label(&mut self, label: &str, loc: &str, pos: Position) {
        let msg = if label.is_empty() {
            Some("Label cannot be empty".to_string())
        } else if label.chars().count() > 40 {
            Some("Label cannot exceed 40 characters".to_string())
        } else {
            label
                .chars()
                .find(|&c| is_invalid_label_char(c))
                .map(|c| format!("Label contains invalid character: {}", python_repr_char(c)))
        };
        if let Some(msg) = msg {
            self.err(codes::INVALID_LABEL_NAME, msg, loc, pos);
        } else if let Some(first) = self.labels.get(label) {
            let msg = format!("Duplicate Label: {label} (first used at {first})");
            self.err(codes::DUPLICATE_LABEL_NAME, msg, loc, pos);
        } else {
            self.labels.insert(label.to_string(), loc.to_string());
        }
    }

    fn item_reader(&mut self, node: &Node, loc: &str, lang: QueryLanguage) -> Option<ItemReader> {
        let obj = self.object(node, loc)?;
        let before = self.errors();
        let mut allowed = vec!["Resource", "ReaderConfig"];
        self.language_fields(
            &obj,
            lang,
            &[("Parameters", Lang::JsonPath), ("Arguments", Lang::Jsonata)],
            &mut allowed,
        );
        self.unsupported(&obj, &allowed);
        self.require(&obj, &["Resource"]);
        let resource = self.string(&obj, "Resource").unwrap_or_default();
        let parameters = match lang {
            QueryLanguage::JsonPath => self.data_template(&obj, "Parameters", lang),
            QueryLanguage::Jsonata => self.data_template(&obj, "Arguments", lang),
        };
        let mut rc = ReaderConfig::default();
        if let Some(m) = obj.get("ReaderConfig") {
            let cloc = join(loc, "ReaderConfig");
            if let Some(c) = self.object(&m.value, &cloc) {
                self.unsupported(
                    &c,
                    &[
                        "InputType",
                        "Transformation",
                        "ManifestType",
                        "CSVHeaderLocation",
                        "CSVHeaders",
                        "CSVDelimiter",
                        "MaxItems",
                        "MaxItemsPath",
                        "ItemsPointer",
                    ],
                );
                rc.input_type = self.enum_field(
                    &c,
                    "InputType",
                    &["CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"],
                );
                rc.transformation =
                    self.enum_field(&c, "Transformation", &["NONE", "LOAD_AND_FLATTEN"]);
                rc.manifest_type =
                    self.enum_field(&c, "ManifestType", &["ATHENA_DATA", "S3_INVENTORY"]);
                rc.csv_header_location =
                    self.enum_field(&c, "CSVHeaderLocation", &["FIRST_ROW", "GIVEN"]);
                rc.csv_delimiter = self.enum_field(
                    &c,
                    "CSVDelimiter",
                    &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
                );
                rc.items_pointer = self.string(&c, "ItemsPointer");
                if let Some(h) = c.get("CSVHeaders") {
                    let hs: Option<Vec<String>> = h
                        .value
                        .as_array()
                        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect());
                    if hs.is_none() {
                        self.schema(
                            "The field 'CSVHeaders' must be an array of strings",
                            &join(&cloc, "CSVHeaders"),
                            h.value.pos,
                        );
                    }
                    rc.csv_headers = hs;
                }
                if rc.csv_header_location.as_deref() == Some("GIVEN") && rc.csv_headers.is_none() {
                    self.schema(
                        "CSVHeaders is required when CSVHeaderLocation is GIVEN",
                        &cloc,
                        c.pos,
                    );
                }
                rc.max_items = self.dynamic_uint(&c, "MaxItems", lang, 0, 100_000_000);
            }
        }
        (self.errors() == before).then_some(ItemReader {
            resource,
            parameters,
            reader_config: rc,
        })
    }

    fn enum_field(&mut self, obj: &Obj<'_>, key: &str, values: &[&str]) -> Option<String> {
        let v = self.string(obj, key)?;
        if values.contains(&v.as_str()) {
            Some(v)
        } else {
            let pos = obj.get(key).map_or(obj.pos, |m| m.value.pos);
            self.schema(
                format!(
                    "The field '{key}' should have one of these values: [{}]",
                    values.join(", ")
                ),
                &join(&obj.loc, key),
                pos,
            );
            None
        }
    }

    fn item_batcher(&mut self, node: &Node, loc: &str, lang: QueryLanguage) -> Option<ItemBatcher> {
        let obj = self.object(node, loc)?;
        let before = self.errors();
        let mut allowed = vec!["MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"];
        self.language_fields(
            &obj,
            lang,
            &[
                ("MaxItemsPerBatchPath", Lang::JsonPath),
                ("MaxInputBytesPerBatchPath", Lang::JsonPath),
            ],
            &mut allowed,
        );
        self.unsupported(&obj, &allowed);
        let max_items = self.dynamic_uint(&obj, "MaxItemsPerBatch", lang, 0, u32::MAX as u64);
        let max_bytes = self.dynamic_uint(&obj, "MaxInputBytesPerBatch", lang, 0, 262_144);
        if max_items.is_none() && max_bytes.is_none() && self.errors() == before {
            self.schema(
                "At least one of the following fields is required: [MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath]",
                loc,
                obj.pos,
            );
        }
        let batch_input = self.data_template(&obj, "BatchInput", lang);
        (self.errors() == before).then_some(ItemBatcher {
            max_items_per_batch: max_items,
            max_input_bytes_per_batch: max_bytes,
            batch_input,
        })
    }

    fn result_writer(
        &mut self,
        node: &Node,
        loc: &str,
        lang: QueryLanguage,
    ) -> Option<ResultWriter> {
        let obj = self.object(node, loc)?;
        let before = self.errors();
        let mut allowed = vec!["Resource", "WriterConfig"];
        self.language_fields(
            &obj,
            lang,
            &[("Parameters", Lang::JsonPath), ("Arguments", Lang::Jsonata)],
            &mut allowed,
        );
        self.unsupported(&obj, &allowed);
        if obj.members.is_empty() {
            self.schema("Value cannot be empty", loc, obj.pos);
        }
        let resource = self.string(&obj, "Resource");
        let parameters = match lang {
            QueryLanguage::JsonPath => self.data_template(&obj, "Parameters", lang),
            QueryLanguage::Jsonata => self.data_template(&obj, "Arguments", lang),
        };
        if resource.is_some() != parameters.is_some() && self.errors() == before {
            self.schema(
                "Resource and Parameters must be given together",
                loc,
                obj.pos,
            );
        }
        let mut rw = ResultWriter {
            resource,
            parameters,
            transformation: None,
            output_type: None,
        };
        if let Some(m) = obj.get("WriterConfig") {
            let cloc = join(loc, "WriterConfig");
            if let Some(c) = self.object(&m.value, &cloc) {
                self.unsupported(&c, &["Transformation", "OutputType"]);
                rw.transformation =
                    self.enum_field(&c, "Transformation", &["NONE", "COMPACT", "FLATTEN"]);
                rw.output_type = self.enum_field(&c, "OutputType", &["JSON", "JSONL"]);
            }
        }
        (self.errors() == before).then_some(rw)
    }
}

/// The comparison operator named `key`, and whether it is the `...Path` form.
fn comparison(key: &str) -> Option<(Comparison, bool)> {
    use Comparison::*;
    let (base, is_path) = match key.strip_suffix("Path") {
        Some(b) if !b.starts_with("Is") && b != "StringMatches" => (b, true),
        _ => (key, false),
    };
    let op = match base {
        "BooleanEquals" => BooleanEquals,
        "NumericEquals" => NumericEquals,
        "NumericGreaterThan" => NumericGreaterThan,
        "NumericGreaterThanEquals" => NumericGreaterThanEquals,
        "NumericLessThan" => NumericLessThan,
        "NumericLessThanEquals" => NumericLessThanEquals,
        "StringEquals" => StringEquals,
        "StringGreaterThan" => StringGreaterThan,
        "StringGreaterThanEquals" => StringGreaterThanEquals,
        "StringLessThan" => StringLessThan,
        "StringLessThanEquals" => StringLessThanEquals,
        "StringMatches" => StringMatches,
        "TimestampEquals" => TimestampEquals,
        "TimestampGreaterThan" => TimestampGreaterThan,
        "TimestampGreaterThanEquals" => TimestampGreaterThanEquals,
        "TimestampLessThan" => TimestampLessThan,
        "TimestampLessThanEquals" => TimestampLessThanEquals,
        "IsNull" => IsNull,
        "IsPresent" => IsPresent,
        "IsNumeric" => IsNumeric,
        "IsString" => IsString,
        "IsBoolean" => IsBoolean,
        "IsTimestamp" => IsTimestamp,
        _ => return None,
    };
    Some((op, is_path))
}

/// Whether `s` is an RFC 3339 timestamp as Step Functions accepts it (uppercase `T`, `Z` or a
/// numeric offset, optional fraction).
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || b[10] != b'T'
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    let (month, day, hour, min, sec) =
        (num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            b.len() == i + 6 && digits(i + 1..i + 3) && b[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

/// Whether `name` is a valid variable name: an identifier (Unicode letters, digits and `_`, not
/// starting with a digit) of at most 80 characters.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name.chars().count() <= 80
}

fn is_invalid_label_char(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || "?*<>{}[]:;,\\|^~$#%&`\"".contains(c)
}

/// The character as Python's `repr` shows it (AWS's messages quote characters that way).
fn python_repr_char(c: char) -> String {
    match c {
        '\n' => "'\\n'".into(),
        '\r' => "'\\r'".into(),
        '\t' => "'\\t'".into(),
        '\\' => "'\\\\'".into(),
        '\'' => "\"'\"".into(),
        c if (c as u32) < 0x20 || ((c as u32) >= 0x7f && (c as u32) <= 0xa0) => {
            format!("'\\x{:02x}'", c as u32)
        }
        c => format!("'{c}'"),
    }
}

fn contains_path_like_string(v: &Value) -> bool {
    match v {
        Value::String(s) => {
            s.starts_with("$.")
                || s.starts_with("$$.")
                || (s.starts_with("States.") && s.ends_with(')'))
        }
        Value::Array(a) => a.iter().any(contains_path_like_string),
        Value::Object(o) => o
            .iter()
            .any(|(k, v)| k.ends_with(".$") || contains_path_like_string(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert!(is_timestamp("2016-03-14T01:59:00Z"));
        assert!(is_timestamp("2016-03-14T01:59:00.123Z"));
        assert!(is_timestamp("2016-03-14T01:59:00+01:00"));
        assert!(!is_timestamp("2016-03-14t01:59:00Z"));
        assert!(!is_timestamp("2016-03-14T01:59:00z"));
        assert!(!is_timestamp("2016-13-14T01:59:00Z"));
        assert!(!is_timestamp("2016-03-14"));
    }

    #[test]
    fn variable_names() {
        assert!(is_variable_name("x"));
        assert!(is_variable_name("_a1"));
        assert!(is_variable_name("résumé"));
        assert!(!is_variable_name("1a"));
        assert!(!is_variable_name("a.b"));
        assert!(!is_variable_name(""));
        assert!(!is_variable_name(&"a".repeat(81)));
    }

    #[test]
    fn python_repr() {
        assert_eq!(python_repr_char('~'), "'~'");
        assert_eq!(python_repr_char('\u{9f}'), "'\\x9f'");
        assert_eq!(python_repr_char('\n'), "'\\n'");
        assert_eq!(python_repr_char('"'), "'\"'");
        assert_eq!(python_repr_char('\\'), "'\\\\'");
    }
}
