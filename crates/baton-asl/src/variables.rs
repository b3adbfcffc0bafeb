//! Which workflow variables each state reads: AWS's `variableReferences` (returned by
//! DescribeStateMachine), also useful to the console and to lints.

use crate::checks;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// State name → the names of the variables it references, sorted. States that reference none
/// are left out, as AWS does.
pub fn variable_references(machine: &StateMachine) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    block(&machine.root, &mut out);
    out
}

fn block(b: &Block, out: &mut BTreeMap<String, BTreeSet<String>>) {
    for s in &b.states {
        let mut refs = BTreeSet::new();
        state(s, &mut refs);
        if !refs.is_empty() {
            out.insert(s.name.clone(), refs);
        }
        match &s.kind {
            StateKind::Parallel(p) => p.branches.iter().for_each(|b| block(b, out)),
            StateKind::Map(m) => block(&m.processor, out),
            _ => {}
        }
    }
}

fn path(p: &Path, refs: &mut BTreeSet<String>) {
    if !p.text.starts_with("$$")
        && let Some(v) = checks::variable_name(&p.text)
    {
        refs.insert(v.to_string());
    }
}

fn nullable(p: &Option<NullablePath>, refs: &mut BTreeSet<String>) {
    if let Some(NullablePath::Path(p)) = p {
        path(p, refs);
    }
}

/// Paths inside an intrinsic call: every `$name` outside single-quoted literals.
fn intrinsic(i: &Intrinsic, refs: &mut BTreeSet<String>) {
    let text = &i.text;
    let mut in_literal = false;
    let mut escaped = false;
    for (idx, c) in text.char_indices() {
        if in_literal {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '\'' {
                in_literal = false;
            }
            continue;
        }
        match c {
            '\'' => in_literal = true,
            '$' if !text[..idx].ends_with('$') => {
                if let Some(v) = checks::variable_name(&text[idx..]) {
                    refs.insert(v.to_string());
                }
            }
            _ => {}
        }
    }
}

fn jsonata(e: &JsonataExpr, refs: &mut BTreeSet<String>) {
    refs.extend(checks::jsonata_variables(&e.text));
}

fn template(t: &Template, refs: &mut BTreeSet<String>) {
    match t {
        Template::Literal(_) => {}
        Template::Path(p) => path(p, refs),
        Template::Intrinsic(i) => intrinsic(i, refs),
        Template::Object(items) => items.iter().for_each(|(_, t)| template(t, refs)),
        Template::Array(items) => items.iter().for_each(|t| template(t, refs)),
    }
}

fn jsonata_template(t: &JsonataTemplate, refs: &mut BTreeSet<String>) {
    match t {
        JsonataTemplate::Literal(_) => {}
        JsonataTemplate::Expr(e) => jsonata(e, refs),
        JsonataTemplate::Object(items) => items.iter().for_each(|(_, t)| jsonata_template(t, refs)),
        JsonataTemplate::Array(items) => items.iter().for_each(|t| jsonata_template(t, refs)),
    }
}

fn data(t: &Option<DataTemplate>, refs: &mut BTreeSet<String>) {
    match t {
        Some(DataTemplate::JsonPath(t)) => template(t, refs),
        Some(DataTemplate::Jsonata(t)) => jsonata_template(t, refs),
        None => {}
    }
}

fn dynamic<T>(d: &Option<Dynamic<T>>, refs: &mut BTreeSet<String>) {
    match d {
        Some(Dynamic::Path(p)) => path(p, refs),
        Some(Dynamic::Jsonata(e)) => jsonata(e, refs),
        _ => {}
    }
}

fn string_source(s: &Option<StringSource>, refs: &mut BTreeSet<String>) {
    match s {
        Some(StringSource::Path(p)) => path(p, refs),
        Some(StringSource::Intrinsic(i)) => intrinsic(i, refs),
        Some(StringSource::Jsonata(e)) => jsonata(e, refs),
        _ => {}
    }
}

fn condition(c: &Condition, refs: &mut BTreeSet<String>) {
    match c {
        Condition::Jsonata(d) => dynamic(&Some(d.clone()), refs),
        Condition::Compare {
            variable, operand, ..
        } => {
            path(variable, refs);
            if let Operand::Path(p) = operand {
                path(p, refs);
            }
        }
        Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| condition(c, refs)),
        Condition::Not(c) => condition(c, refs),
    }
}

fn catchers(catch: &[Catcher], refs: &mut BTreeSet<String>) {
    for c in catch {
        if let Some(o) = &c.output {
            jsonata_template(o, refs);
        }
        data(&c.assign, refs);
    }
}

fn state(s: &State, refs: &mut BTreeSet<String>) {
    let io = &s.io;
    nullable(&io.input_path, refs);
    nullable(&io.output_path, refs);
    if let Some(t) = &io.parameters {
        template(t, refs);
    }
    if let Some(t) = &io.result_selector {
        template(t, refs);
    }
    if let Some(t) = &io.arguments {
        jsonata_template(t, refs);
    }
    if let Some(t) = &io.output {
        jsonata_template(t, refs);
    }
    data(&io.assign, refs);
    match &s.kind {
        StateKind::Task(t) => {
            dynamic(&t.timeout_seconds, refs);
            dynamic(&t.heartbeat_seconds, refs);
            data(&t.credentials, refs);
            catchers(&t.catch, refs);
        }
        StateKind::Choice(c) => {
            for rule in &c.choices {
                condition(&rule.condition, refs);
                data(&rule.assign, refs);
                if let Some(o) = &rule.output {
                    jsonata_template(o, refs);
                }
            }
        }
        StateKind::Wait(WaitState::Seconds(d)) => dynamic(&Some(d.clone()), refs),
        StateKind::Wait(WaitState::Timestamp(d)) => dynamic(&Some(d.clone()), refs),
        StateKind::Fail(f) => {
            string_source(&f.error, refs);
            string_source(&f.cause, refs);
        }
        StateKind::Parallel(p) => catchers(&p.catch, refs),
        StateKind::Map(m) => {
            if let Some(p) = &m.items_path {
                path(p, refs);
            }
            if let Some(t) = &m.items {
                jsonata_template(t, refs);
            }
            data(&m.item_selector, refs);
            dynamic(&m.max_concurrency, refs);
            dynamic(&m.tolerated_failure_count, refs);
            dynamic(&m.tolerated_failure_percentage, refs);
            if let Some(r) = &m.item_reader {
                data(&r.parameters, refs);
                dynamic(&r.reader_config.max_items, refs);
            }
            if let Some(b) = &m.item_batcher {
                dynamic(&b.max_items_per_batch, refs);
                dynamic(&b.max_input_bytes_per_batch, refs);
                data(&b.batch_input, refs);
            }
            if let Some(w) = &m.result_writer {
                data(&w.parameters, refs);
            }
            catchers(&m.catch, refs);
        }
        StateKind::Pass | StateKind::Succeed => {}
    }
}
