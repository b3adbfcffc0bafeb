//! The `baton` command line.
//!
//! Exit codes: 0 success, 1 the input is invalid (or lint found something), 2 usage error
//! (bad arguments, unreadable file).

use anyhow::Context;

// The server allocates many small JSON values per request; mimalloc is markedly faster at it
// than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use baton_asl::model::WorkflowType;
use baton_asl::source::SourceFormat;
use baton_asl::{Diagnostic, Severity};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "baton",
    version,
    about = "Run AWS Step Functions workflows anywhere"
)]
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
    /// Run one execution in process and print its output (exit 0 succeeded, 1 ended
    /// otherwise, 2 invalid definition or usage).
    Run(RunArgs),
    /// Start the server: the durable runtime for Standard executions and the in-memory one for
    /// Express executions over the data directory's store. Runs until SIGINT or SIGTERM, then
    /// stops without losing anything.
    Server(ServerArgs),
}

#[derive(clap::Args)]
struct ServerArgs {
    /// A TOML configuration file (see docs/server.md); flags and environment variables
    /// override what it says.
    #[arg(long, value_name = "FILE", env = "BATON_CONFIG")]
    config: Option<PathBuf>,
    /// Where the Step Functions API listens [default: 127.0.0.1:8083].
    #[arg(long, value_name = "ADDR:PORT", env = "BATON_LISTEN")]
    listen: Option<std::net::SocketAddr>,
    /// Where the data lives (the SQLite file `baton.db`); created if missing [default:
    /// baton-data].
    #[arg(long, value_name = "DIR", env = "BATON_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Keep the data in PostgreSQL instead (postgres://user[:password]@host[:port]/database);
    /// several servers may share one database.
    #[arg(long, value_name = "URL", env = "BATON_DATABASE_URL")]
    database_url: Option<String>,
    /// This server's id among the servers sharing the database [default: `local` on SQLite;
    /// host name and port on PostgreSQL]. A server started again with the same id takes its
    /// executions back at once.
    #[arg(long, value_name = "ID", env = "BATON_NODE_ID")]
    node_id: Option<String>,
    /// How long this server's lease lasts without a renewal; once it has run out, another
    /// server takes over its executions [default: 15].
    #[arg(long, value_name = "SECONDS", env = "BATON_NODE_LEASE_SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    node_lease_seconds: Option<u64>,
    /// Accept only requests signed with these keys (an AWS shared-credentials file; every
    /// profile's key pair counts). Without any, any well-formed signature is accepted.
    #[arg(long, value_name = "FILE", env = "BATON_CREDENTIALS")]
    credentials: Option<PathBuf>,
    /// The region in the ARNs the server makes [default: us-east-1].
    #[arg(long, env = "BATON_REGION")]
    region: Option<String>,
    /// The account in the ARNs the server makes [default: 123456789012].
    #[arg(long, env = "BATON_ACCOUNT")]
    account: Option<String>,
    /// Serve a non-loopback address although no credentials are configured (anyone who can
    /// reach it can run workflows).
    #[arg(long)]
    allow_unauthenticated: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The definition file.
    file: PathBuf,
    /// The execution input (JSON text).
    #[arg(long, conflicts_with = "input_file")]
    input: Option<String>,
    /// Read the execution input from a file.
    #[arg(long, value_name = "FILE")]
    input_file: Option<PathBuf>,
    /// `text` prints the output; `json` prints status, output, error, cause and history.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Run Wait states and retry intervals in virtual time (they complete at once).
    #[arg(long)]
    fast_forward: bool,
    /// The workflow type the definition is for.
    #[arg(long = "type", value_enum, default_value_t = Type::Standard)]
    workflow_type: Type,
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
        Command::Run(args) => run(&args),
        Command::Server(args) => server(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `baton server`: serves the API until SIGINT or SIGTERM, then stops without losing anything.
fn server(args: &ServerArgs) -> anyhow::Result<ExitCode> {
    use std::sync::Arc;
    let file = match &args.config {
        Some(path) => baton_server::FileConfig::parse(&read(path)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => baton_server::FileConfig::default(),
    };
    let defaults = baton_server::ServerConfig::default();
    let mut credentials = file.credentials.clone().unwrap_or_default();
    if let Some(path) = args.credentials.as_ref().or(file.credentials_file.as_ref()) {
        let keys = baton_server::read_credentials(&read(path)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        credentials.extend(keys);
    }
    let listen = args.listen.or(file.listen).unwrap_or(defaults.listen);
    let allow_unauthenticated =
        args.allow_unauthenticated || file.allow_unauthenticated.unwrap_or(false);
    if !listen.ip().is_loopback() && credentials.is_empty() && !allow_unauthenticated {
        anyhow::bail!(
            "{listen} is not a loopback address and no credentials are configured: anyone who \
             can reach it could run workflows. Listen on 127.0.0.1, configure credentials, or \
             pass --allow-unauthenticated"
        );
    }
    if let Some(n) = file.node_lease_seconds
        && !(1..=3600).contains(&n)
    {
        anyhow::bail!("node_lease_seconds must be 1 to 3600 (seconds), not {n}");
    }
    let config = baton_server::ServerConfig {
        listen,
        data_dir: args
            .data_dir
            .clone()
            .or(file.data_dir.clone())
            .unwrap_or(defaults.data_dir),
        database_url: args.database_url.clone().or(file.database_url.clone()),
        task_workers: file.task_workers.unwrap_or(defaults.task_workers),
        region: args
            .region
            .clone()
            .or(file.region.clone())
            .unwrap_or(defaults.region),
        account: args
            .account
            .clone()
            .or(file.account.clone())
            .unwrap_or(defaults.account),
        activity_poll_millis: None,
        credentials,
        node_id: args.node_id.clone().or(file.node_id.clone()),
        node_lease: args
            .node_lease_seconds
            .or(file.node_lease_seconds)
            .map_or(defaults.node_lease, std::time::Duration::from_secs),
    };
    let database = config.database_description();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let listener = tokio
        .block_on(tokio::net::TcpListener::bind(listen))
        .with_context(|| format!("cannot listen on {listen}"))?;
    let local = listener.local_addr().context("no local address")?;
    let server = Arc::new(baton_server::Server::start(config).context("cannot start the server")?);
    eprintln!("baton server: data in {database}; Standard and Express runtimes running");
    eprintln!("baton server: Step Functions API on http://{local}");
    // The handlers are in place before "ready": a SIGTERM right after it stops the server
    // cleanly instead of killing it.
    let signal = tokio
        .block_on(async { shutdown_signal() })
        .context("cannot install the signal handlers")?;
    let stopping = Arc::new(tokio::sync::Notify::new());
    let shutdown = {
        let stopping = Arc::clone(&stopping);
        async move {
            signal.await;
            eprintln!("baton server: stopping");
            stopping.notify_one();
        }
    };
    eprintln!("baton server: ready");
    let served = tokio.block_on(async {
        let serve = baton_server::api::serve(Arc::clone(&server), listener, shutdown);
        tokio::pin!(serve);
        tokio::select! {
            served = &mut serve => served,
            // Requests still running (a long poll, a synchronous Express run) get a few
            // seconds; what they started is in the store either way.
            () = async {
                stopping.notified().await;
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            } => {
                eprintln!("baton server: requests still running after 5 s; stopping anyway");
                Ok(())
            }
        }
    });
    tokio.shutdown_timeout(std::time::Duration::from_secs(1));
    match Arc::try_unwrap(server) {
        Ok(server) => server.shutdown(),
        // A request still holds it: the runtimes' threads end with the process, and nothing
        // committed is lost.
        Err(_) => eprintln!("baton server: a request was still running; its work is in the store"),
    }
    served.context("the API server failed")?;
    eprintln!("baton server: stopped");
    Ok(ExitCode::SUCCESS)
}

/// A future that completes on SIGINT or SIGTERM (the handlers are installed at once).
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
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
                let errors = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
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
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
    if baton_asl::lint::ALL.iter().any(|(code, _)| *code == d.code) {
        writeln!(out, "  = help: see docs/lints/{}.md", d.code)?;
    }
    Ok(())
}

fn graph(args: &GraphArgs) -> anyhow::Result<ExitCode> {
    let text = read(&args.file)?;
    let Some(machine) = usable_machine(&args.file, &text, args.workflow_type)? else {
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

fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let text = read(&args.file)?;
    let input: serde_json::Value = match (&args.input, &args.input_file) {
        (Some(s), _) => serde_json::from_str(s).context("--input is not valid JSON")?,
        (None, Some(f)) => serde_json::from_str(&read(f)?)
            .with_context(|| format!("{} is not valid JSON", f.display()))?,
        (None, None) => serde_json::json!({}),
    };
    let Some(machine) = usable_machine(&args.file, &text, args.workflow_type)? else {
        return Ok(ExitCode::from(2));
    };
    let name = args
        .file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("StateMachine")
        .split('.')
        .next()
        .unwrap_or("StateMachine")
        .to_string();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let execution_name = format!("run-{:016x}", seed);
    let info = baton_engine::ExecutionInfo {
        execution_arn: format!(
            "arn:aws:states:us-east-1:123456789012:execution:{name}:{execution_name}"
        ),
        name: execution_name,
        state_machine_arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}"),
        state_machine_name: name,
        role_arn: "arn:aws:iam::123456789012:role/baton-local".into(),
        start_millis: 0,
        seed,
    };
    let clock = if args.fast_forward {
        baton_engine::driver::Clock::Virtual
    } else {
        baton_engine::driver::Clock::Real
    };
    let ex = baton_engine::driver::run(
        std::sync::Arc::new(machine),
        info,
        input,
        &mut baton_engine::driver::NoTargets,
        clock,
    );
    let status = ex.status();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.output {
        Output::Json => {
            let value = json!({
                "status": status.as_str(),
                "output": ex.output(),
                "error": ex.error().map(|e| e.error.clone()).filter(|e| !e.is_empty()),
                "cause": ex.error().and_then(|e| e.cause.clone()),
                "history": ex.history().iter().map(|e| e.to_aws_json()).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        Output::Text => match (status, ex.output()) {
            (baton_engine::Status::Succeeded, Some(output)) => {
                writeln!(out, "{}", serde_json::to_string_pretty(output)?)?;
            }
            _ => {
                let e = ex.error();
                eprintln!(
                    "execution {}: {}{}",
                    status.as_str(),
                    e.map_or("", |e| e.error.as_str()),
                    e.and_then(|e| e.cause.as_deref())
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default()
                );
            }
        },
    }
    Ok(if status == baton_engine::Status::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints the ERROR diagnostics of a definition that cannot be used, to stderr.
fn write_errors(file: &Path, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        write_diagnostic(&mut err, file, d)?;
    }
    Ok(())
}

/// Analyses a definition for `graph` and `run`: the model, or `None` after printing its errors.
fn usable_machine(
    file: &Path,
    text: &str,
    workflow_type: Type,
) -> std::io::Result<Option<baton_asl::model::StateMachine>> {
    let options = baton_asl::Options {
        workflow_type: workflow_type.into(),
        format: format_of(file),
    };
    let analysis = baton_asl::analyze(text, &options);
    if analysis.machine.is_none() {
        write_errors(file, &analysis.diagnostics)?;
    }
    Ok(analysis.machine)
}
