//! Fuzz target: any bytes given to the definition parser, as JSON and as YAML, then lint and graph
//! on whatever validates. The only acceptable outcomes are a model or diagnostics.
#![no_main]

use baton_asl::model::WorkflowType;
use baton_asl::source::SourceFormat;
use baton_asl::{Options, analyze, graph, lint, variables};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [SourceFormat::Json, SourceFormat::Yaml] {
        for workflow_type in [WorkflowType::Standard, WorkflowType::Express] {
            let analysis = analyze(text, &Options { workflow_type, format });
            if let Some(machine) = analysis.machine {
                let _ = lint::lint(&machine, workflow_type);
                let g = graph::build(&machine);
                let _ = graph::to_dot(&g);
                let _ = graph::to_mermaid(&g);
                let _ = variables::variable_references(&machine);
            }
        }
    }
});
