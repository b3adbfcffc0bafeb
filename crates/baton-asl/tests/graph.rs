//! The state graph: nodes, edges for every transition, nested groups; DOT and Mermaid renderings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_asl::graph::{build, to_dot, to_json, to_mermaid};
use baton_asl::{Options, analyze};
use serde_json::Value;

const DEFINITION: &str = r#"{"StartAt":"C","States":{
 "C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"P"}],"Default":"M"},
 "P":{"Type":"Parallel","Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Pass","Next":"B2"},"B2":{"Type":"Succeed"}}}],
      "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"End":true},
 "M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"Next":"F"},
 "F":{"Type":"Fail"}}}"#;

fn graph_json() -> Value {
    let machine = analyze(DEFINITION, &Options::default()).machine.unwrap();
    to_json(&build(&machine))
}

fn edges(group: &Value) -> Vec<String> {
    group["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}->{}:{}",
                e["from"].as_str().unwrap(),
                e["to"].as_str().unwrap(),
                e["kind"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn nodes_and_edges_of_every_kind() {
    let g = graph_json();
    let names: Vec<&str> = g["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["C", "P", "M", "F"]);
    assert_eq!(
        edges(&g),
        [
            "root/start->C:start",
            "C->P:choice",
            "C->M:default",
            "P->F:catch",
            "M->F:next"
        ]
    );
}

#[test]
fn parallel_and_map_are_nested_groups() {
    let g = graph_json();
    let groups = g["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["owner"], "P");
    assert_eq!(
        edges(&groups[0]),
        ["P/branch/0/start->B1:start", "B1->B2:next"]
    );
    assert_eq!(groups[1]["owner"], "M");
    assert_eq!(groups[1]["states"][0]["name"], "I");
}

#[test]
fn dot_and_mermaid_render_every_node_and_cluster() {
    let machine = analyze(DEFINITION, &Options::default()).machine.unwrap();
    let g = build(&machine);
    let dot = to_dot(&g);
    assert!(dot.starts_with("digraph StateMachine {"));
    assert!(
        dot.contains(r#""C" [label="C\n(Choice)", shape=diamond];"#),
        "{dot}"
    );
    assert!(dot.contains(r#"subgraph "cluster_P/branch/0" {"#), "{dot}");
    assert!(
        dot.contains(r#""P" -> "F" [kind=catch, label="States.ALL""#),
        "{dot}"
    );
    let mermaid = to_mermaid(&g);
    assert!(mermaid.starts_with("flowchart TD\n"));
    assert_eq!(mermaid.matches("subgraph").count(), 2, "{mermaid}");
    assert!(mermaid.contains(r#"-.->|"States.ALL"|"#), "{mermaid}");
}

#[test]
fn quotes_in_state_names_are_escaped() {
    let text = r#"{"StartAt":"say \"hi\"","States":{"say \"hi\"":{"Type":"Succeed"}}}"#;
    let machine = analyze(text, &Options::default()).machine.unwrap();
    let g = build(&machine);
    assert!(to_dot(&g).contains(r#""say \"hi\"" [label="say \"hi\"\n(Succeed)""#));
    assert!(to_mermaid(&g).contains("say #quot;hi#quot; (Succeed)"));
}
