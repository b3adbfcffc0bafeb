//! The `baton` command line.
//!
//! Exit codes: 0 success, 1 the input is invalid (or lint found something), 2 usage error
//! (bad arguments, unreadable file).

use anyhow::Context;
use baton_asl::model::WorkflowType;
use baton_asl::source::SourceFormat;
use baton_asl::{Diagnostic, Severity};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "baton", version, about = "Run AWS Step Functions workflows anywhere")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check definitions as AWS does (exit 0 valid, 1 invalid, 2 usage error).
    Validate(CheckArgs),
    /// Check definitions and report best-practice warnings (exit 0 clean, 1 findings).
    Lint(LintArgs),
    /// Print the state graph of a definition.
    Graph(GraphArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Definition files (JSON, or YAML by extension or content).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output for people (`text`) or for scripts (`json`, AWS's ValidateStateMachineDefinition
    /// shape, one object per file and line).
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// The workflow type the definition is for.
    #[arg(long = "type", value_enum, default_value_t = Type::Standard)]
    workflow_type: Type,
}

#[derive(clap::Args)]
struct LintArgs {
    #[command(flatten)]
    check: CheckArgs,
    /// Silence a lint code everywhere (repeatable). To silence it for one state only, write
    /// `baton:allow(CODE)` in that state's Comment.
    #[arg(long = "allow", value_name = "CODE")]
    allow: Vec<String>,
}

#[derive(clap::Args)]
struct GraphArgs {
    /// The definition file.
    file: PathBuf,
    /// Graph format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// The workflow type the definition is for.
    #[arg(long = "type", value_enum, default_value_t = Type::Standard)]
    workflow_type: Type,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Type {
    #[value(name = "STANDARD", alias = "standard")]
    Standard,
    #[value(name = "EXPRESS", alias = "express")]
    Express,
}

impl From<Type> for WorkflowType {
    fn from(t: Type) -> Self {
        match t {
            Type::Standard => WorkflowType::Standard,
            Type::Express => WorkflowType::Express,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => check(&args, None),
        Command::Lint(args) => check(&args.check, Some(&args.allow)),
        Command::Graph(args) => graph(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn format_of(path: &Path) -> SourceFormat {
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => SourceFormat::Yaml,
        Some("json") => SourceFormat::Json,
        _ => SourceFormat::Auto,
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Validates (and with `allow` set, lints) every file; prints the findings.
fn check(args: &CheckArgs, allow: Option<&Vec<String>>) -> anyhow::Result<ExitCode> {
    // Read every file first: an unreadable file is a usage error, reported before any output.
    let mut texts = Vec::new();
    for file in &args.files {
        texts.push(read(file)?);
    }
    let mut failed = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (file, text) in args.files.iter().zip(&texts) {
        let options = baton_asl::Options {
            workflow_type: args.workflow_type.into(),
            format: format_of(file),
        };
        let analysis = baton_asl::analyze(text, &options);
        let mut diagnostics = analysis.diagnostics;
        if let (Some(allow), Some(machine)) = (allow, &analysis.machine) {
            diagnostics.extend(
                baton_asl::lint::lint(machine, options.workflow_type)
                    .into_iter()
                    .filter(|d| !allow.iter().any(|a| a == d.code)),
            );
        }
        let has_error = diagnostics.iter().any(|d| d.severity == Severity::Error);
        failed |= has_error || (allow.is_some() && !diagnostics.is_empty());
        match args.output {
            Output::Json => {
                let value = json!({
                    "file": file.display().to_string(),
                    "result": if has_error { "FAIL" } else { "OK" },
                    "diagnostics": diagnostics.iter().map(diagnostic_json).collect::<Vec<_>>(),
                    "truncated": false,
                });
                writeln!(out, "{value}")?;
            }
            Output::Text => {
                for d in &diagnostics {
                    write_diagnostic(&mut out, file, d)?;
                }
                let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
                let warnings = diagnostics.len() - errors;
                if diagnostics.is_empty() {
                    writeln!(out, "{}: valid", file.display())?;
                } else {
                    writeln!(
                        out,
                        "{}: {} error{}, {} warning{}",
                        file.display(),
                        errors,
                        if errors == 1 { "" } else { "s" },
                        warnings,
                        if warnings == 1 { "" } else { "s" }
                    )?;
                }
            }
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    let mut v = json!({
        "severity": d.severity.as_str(),
        "code": d.code,
        "message": d.message,
        "line": d.pos.line,
        "column": d.pos.column,
    });
    if let Some(loc) = &d.location {
        v["location"] = json!(loc);
    }
    v
}

fn write_diagnostic(out: &mut impl Write, file: &Path, d: &Diagnostic) -> std::io::Result<()> {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(
        out,
        "{}:{}:{}: {level}[{}]: {}",
        file.display(),
        d.pos.line,
        d.pos.column,
        d.code,
        d.message
    )?;
    if let Some(loc) = &d.location {
        writeln!(out, "  = at {loc}")?;
    }
    Ok(())
}

fn graph(args: &GraphArgs) -> anyhow::Result<ExitCode> {
    let text = read(&args.file)?;
    let options = baton_asl::Options {
        workflow_type: args.workflow_type.into(),
        format: format_of(&args.file),
    };
    let analysis = baton_asl::analyze(&text, &options);
    let Some(machine) = analysis.machine else {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        for d in analysis
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            write_diagnostic(&mut err, &args.file, d)?;
        }
        return Ok(ExitCode::from(1));
    };
    let g = baton_asl::graph::build(&machine);
    let text = match args.format {
        GraphFormat::Dot => baton_asl::graph::to_dot(&g),
        GraphFormat::Mermaid => baton_asl::graph::to_mermaid(&g),
        GraphFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&baton_asl::graph::to_json(&g))?
        ),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
