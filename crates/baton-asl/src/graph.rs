//! The state graph of a machine: nodes, edges (Next, Default, Choice rules, Catch) and nested
//! subgraphs for Parallel branches and Map processors, as JSON (for the console), Graphviz DOT
//! or Mermaid.

use crate::model::*;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The kind of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// `StartAt` of a block (from the block's start marker).
    Start,
    /// `Next`.
    Next,
    /// A Choice rule's `Next`.
    Choice,
    /// A Choice state's `Default`.
    Default,
    /// A catcher's `Next`.
    Catch,
}

impl EdgeKind {
    fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Start => "start",
            EdgeKind::Next => "next",
            EdgeKind::Choice => "choice",
            EdgeKind::Default => "default",
            EdgeKind::Catch => "catch",
        }
    }
}

/// One edge between two states (by name; names are unique in a machine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Source state (or the block's start marker id for [`EdgeKind::Start`]).
    pub from: String,
    /// Target state.
    pub to: String,
    /// What made the edge.
    pub kind: EdgeKind,
    /// A short label (the choice rule index, the caught errors).
    pub label: Option<String>,
}

/// A block of the graph: the top level, a Parallel branch or a Map processor.
#[derive(Debug, Clone)]
pub struct Group {
    /// Stable id: `root`, `<state>/branch/<i>` or `<state>/processor`.
    pub id: String,
    /// The Parallel or Map state that owns it (None for the top level).
    pub owner: Option<String>,
    /// The states of the block.
    pub states: Vec<(String, &'static str, bool)>,
    /// Nested groups, one per branch/processor of the block's states.
    pub children: Vec<Group>,
    /// Edges inside the block.
    pub edges: Vec<Edge>,
}

/// Builds the graph of a machine.
pub fn build(machine: &StateMachine) -> Group {
    group(&machine.root, "root".into(), None)
}

fn group(block: &Block, id: String, owner: Option<String>) -> Group {
    let mut g = Group {
        id: id.clone(),
        owner,
        states: Vec::new(),
        children: Vec::new(),
        edges: Vec::new(),
    };
    g.edges.push(Edge {
        from: format!("{id}/start"),
        to: block.state(block.start_at).name.clone(),
        kind: EdgeKind::Start,
        label: None,
    });
    for s in &block.states {
        let end = matches!(
            (&s.kind, s.transition),
            (StateKind::Succeed | StateKind::Fail(_), _) | (_, Some(Transition::End))
        );
        g.states.push((s.name.clone(), s.kind.type_name(), end));
        let name = |sid: StateId| block.state(sid).name.clone();
        if let Some(Transition::Next(n)) = s.transition {
            g.edges.push(Edge {
                from: s.name.clone(),
                to: name(n),
                kind: EdgeKind::Next,
                label: None,
            });
        }
        match &s.kind {
            StateKind::Choice(c) => {
                for (i, rule) in c.choices.iter().enumerate() {
                    g.edges.push(Edge {
                        from: s.name.clone(),
                        to: name(rule.next),
                        kind: EdgeKind::Choice,
                        label: Some(format!("rule {i}")),
                    });
                }
                if let Some(d) = c.default {
                    g.edges.push(Edge {
                        from: s.name.clone(),
                        to: name(d),
                        kind: EdgeKind::Default,
                        label: Some("default".into()),
                    });
                }
            }
            StateKind::Parallel(p) => {
                for (i, b) in p.branches.iter().enumerate() {
                    g.children.push(group(
                        b,
                        format!("{}/branch/{i}", s.name),
                        Some(s.name.clone()),
                    ));
                }
            }
            StateKind::Map(m) => g.children.push(group(
                &m.processor,
                format!("{}/processor", s.name),
                Some(s.name.clone()),
            )),
            _ => {}
        }
        if let Some((_, catch)) = s.kind.error_handling() {
            for c in catch {
                g.edges.push(Edge {
                    from: s.name.clone(),
                    to: name(c.next),
                    kind: EdgeKind::Catch,
                    label: Some(c.error_equals.join(", ")),
                });
            }
        }
    }
    g
}

/// The graph as JSON: `{id, owner, states: [{name, type, end}], edges: [...], groups: [...]}`.
pub fn to_json(g: &Group) -> Value {
    json!({
        "id": g.id,
        "owner": g.owner,
        "states": g.states.iter().map(|(n, t, e)| json!({"name": n, "type": t, "end": e})).collect::<Vec<_>>(),
        "edges": g.edges.iter().map(|e| json!({"from": e.from, "to": e.to, "kind": e.kind.as_str(), "label": e.label})).collect::<Vec<_>>(),
        "groups": g.children.iter().map(to_json).collect::<Vec<_>>(),
    })
}

fn quote_dot(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The graph in Graphviz DOT; Parallel branches and Map processors are clusters.
pub fn to_dot(g: &Group) -> String {
    let mut out = String::from(
        "digraph StateMachine {\n  compound=true;\n  node [shape=box, style=rounded];\n",
    );
    dot_group(g, &mut out, 1);
    out.push_str("}\n");
    out
}

fn dot_group(g: &Group, out: &mut String, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{pad}{} [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];",
        quote_dot(&format!("{}/start", g.id))
    );
    for (name, ty, end) in &g.states {
        let shape = match *ty {
            "Choice" => "diamond",
            "Succeed" | "Fail" => "doubleoctagon",
            _ => "box",
        };
        let periph = if *end { ", peripheries=2" } else { "" };
        let name = quote_dot(name);
        // The label is the quoted name plus `\n(Type)`: `\n` is DOT's line break in a label.
        let label_start = name.strip_suffix('"').unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad}{name} [label={label_start}\\n({ty})\", shape={shape}{periph}];"
        );
    }
    for child in &g.children {
        let _ = writeln!(
            out,
            "{pad}subgraph {} {{",
            quote_dot(&format!("cluster_{}", child.id))
        );
        let _ = writeln!(out, "{pad}  label={};", quote_dot(&child.id));
        dot_group(child, out, depth + 1);
        let _ = writeln!(out, "{pad}}}");
    }
    for e in &g.edges {
        let style = match e.kind {
            EdgeKind::Catch => ", style=dashed, color=red",
            EdgeKind::Default => ", style=dotted",
            _ => "",
        };
        let label = e
            .label
            .as_deref()
            .map(|l| format!(", label={}", quote_dot(l)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad}{} -> {} [{}{label}{style}];",
            quote_dot(&e.from),
            quote_dot(&e.to),
            format_args!("kind={}", e.kind.as_str())
        );
    }
}

/// The graph as a Mermaid flowchart; Parallel branches and Map processors are subgraphs.
pub fn to_mermaid(g: &Group) -> String {
    let mut ids = std::collections::HashMap::new();
    collect_ids(g, &mut ids);
    let mut out = String::from("flowchart TD\n");
    mermaid_group(g, &ids, &mut out, 1);
    out
}

fn collect_ids(g: &Group, ids: &mut std::collections::HashMap<String, String>) {
    let start = format!("{}/start", g.id);
    let n = ids.len();
    ids.entry(start).or_insert_with(|| format!("n{n}"));
    for (name, _, _) in &g.states {
        let n = ids.len();
        ids.entry(name.clone()).or_insert_with(|| format!("n{n}"));
    }
    for c in &g.children {
        collect_ids(c, ids);
    }
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

fn mermaid_group(
    g: &Group,
    ids: &std::collections::HashMap<String, String>,
    out: &mut String,
    depth: usize,
) {
    let pad = "  ".repeat(depth);
    let id = |k: &str| ids.get(k).cloned().unwrap_or_default();
    let _ = writeln!(out, "{pad}{}((\" \"))", id(&format!("{}/start", g.id)));
    for (name, ty, _) in &g.states {
        let label = mermaid_text(&format!("{name} ({ty})"));
        let node = match *ty {
            "Choice" => format!("{{\"{label}\"}}"),
            "Succeed" | "Fail" => format!("([\"{label}\"])"),
            _ => format!("[\"{label}\"]"),
        };
        let _ = writeln!(out, "{pad}{}{node}", id(name));
    }
    for (i, child) in g.children.iter().enumerate() {
        let _ = writeln!(
            out,
            "{pad}subgraph g{depth}_{i}[\"{}\"]",
            mermaid_text(&child.id)
        );
        mermaid_group(child, ids, out, depth + 1);
        let _ = writeln!(out, "{pad}end");
    }
    for e in &g.edges {
        let arrow = match e.kind {
            EdgeKind::Catch | EdgeKind::Default => "-.->",
            _ => "-->",
        };
        match &e.label {
            Some(l) => {
                let _ = writeln!(
                    out,
                    "{pad}{} {arrow}|\"{}\"| {}",
                    id(&e.from),
                    mermaid_text(l),
                    id(&e.to)
                );
            }
            None => {
                let _ = writeln!(out, "{pad}{} {arrow} {}", id(&e.from), id(&e.to));
            }
        }
    }
}
