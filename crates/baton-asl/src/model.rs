//! The validated model of a state machine. The interpreter only ever sees this: every field has
//! been checked, every transition resolved to a [`StateId`] within its block, every path and
//! expression parsed.

use baton_json::Json as Value;

pub use crate::source::Position;

/// The query language of the whole machine or one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum QueryLanguage {
    /// JSONPath with payload templates and intrinsic functions (the default).
    #[default]
    JsonPath,
    /// JSONata expressions written as `{% ... %}`.
    Jsonata,
}

impl QueryLanguage {
    /// The name used in definitions (`JSONPath`, `JSONata`).
    pub fn as_str(self) -> &'static str {
        match self {
            QueryLanguage::JsonPath => "JSONPath",
            QueryLanguage::Jsonata => "JSONata",
        }
    }
}

/// Standard (durable) or Express (in memory) workflow: some rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum WorkflowType {
    /// Durable, exactly-once, up to a year.
    #[default]
    Standard,
    /// In memory, at most five minutes.
    Express,
}

/// A whole state machine.
#[derive(Debug, Clone)]
pub struct StateMachine {
    /// `Comment`.
    pub comment: Option<String>,
    /// `QueryLanguage` of the top level (states inherit it unless they set their own).
    pub query_language: QueryLanguage,
    /// `TimeoutSeconds` of the whole execution.
    pub timeout_seconds: Option<u64>,
    /// `Version` of ASL.
    pub version: Option<String>,
    /// The workflow type the definition was validated for (Standard or Express).
    pub workflow_type: WorkflowType,
    /// The top-level states.
    pub root: Block,
}

/// The index of a state inside its [`Block`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct StateId(pub u32);

impl StateId {
    /// The index as `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A set of states with a start: the top level, a Parallel branch or a Map's item processor.
/// Transitions never leave their block.
#[derive(Debug, Clone)]
pub struct Block {
    /// `StartAt`.
    pub start_at: StateId,
    /// The states, in source order; a [`StateId`] indexes this.
    pub states: Vec<State>,
    /// `Comment` of the branch or processor.
    pub comment: Option<String>,
    /// JSON-pointer location of the block's `States` object (for messages).
    pub location: String,
}

impl Block {
    /// The state with this id.
    pub fn state(&self, id: StateId) -> &State {
        &self.states[id.index()]
    }

    /// Looks a state up by name.
    pub fn find(&self, name: &str) -> Option<StateId> {
        self.states
            .iter()
            .position(|s| s.name == name)
            .and_then(|i| u32::try_from(i).ok())
            .map(StateId)
    }
}

/// What a state does after it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// `Next`.
    Next(StateId),
    /// `End: true`.
    End,
}

/// One state.
#[derive(Debug, Clone)]
pub struct State {
    /// The state's name (its key in `States`).
    pub name: String,
    /// `Comment`.
    pub comment: Option<String>,
    /// The effective query language (its own or inherited).
    pub query_language: QueryLanguage,
    /// Input and output processing (only the fields this state type and language allow are set).
    pub io: Io,
    /// The type-specific part.
    pub kind: StateKind,
    /// Where it goes next: `None` for Choice, Succeed and Fail.
    pub transition: Option<Transition>,
    /// Where the state is defined (`/States/Name`).
    pub location: String,
    /// Where the state is defined in the source text.
    pub pos: Position,
    /// Lint codes silenced for this state (see [`crate::lint`]).
    pub silenced_lints: Vec<String>,
    /// Whether the state may read the context object (`$$`, `$states.context`); when false,
    /// the interpreter need not build it.
    pub reads_context: bool,
}

/// A JSONPath or reference path whose syntax has been checked, parsed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The path as written.
    pub text: String,
    /// The parsed path.
    pub parsed: crate::path::JsonPath,
}

impl Path {
    /// Parses a path.
    pub fn parse(text: &str) -> Result<Path, crate::path::PathError> {
        Ok(Path {
            text: text.to_string(),
            parsed: crate::path::parse(text)?,
        })
    }
}

/// A path field that may also be `null` (`InputPath`, `OutputPath`, `ResultPath`).
#[derive(Debug, Clone, PartialEq)]
pub enum NullablePath {
    /// `null`: `{}` for InputPath/OutputPath; discard the result for ResultPath.
    Null,
    /// A path.
    Path(Path),
}

/// An intrinsic function call whose syntax has been checked, parsed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Intrinsic {
    /// The call as written.
    pub text: String,
    /// The parsed call.
    pub call: crate::intrinsic::IntrinsicCall,
}

impl Intrinsic {
    /// Parses an intrinsic function call.
    pub fn parse(text: &str) -> Result<Intrinsic, crate::intrinsic::IntrinsicError> {
        Ok(Intrinsic {
            text: text.to_string(),
            call: crate::intrinsic::parse(text)?,
        })
    }
}

/// A JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath `Assign`).
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// A literal value copied as is.
    Literal(Value),
    /// A `key.$` whose value is a path (`$`, `$$` or `$var`).
    Path(Path),
    /// A `key.$` whose value is an intrinsic function call.
    Intrinsic(Intrinsic),
    /// An object whose members are templates; keys have `.$` removed.
    Object(Vec<(String, Template)>),
    /// An array whose items are templates.
    Array(Vec<Template>),
}

/// A JSONata expression written as `{% ... %}`, compiled once when the definition is validated.
#[derive(Debug, Clone)]
pub struct JsonataExpr {
    /// The text between `{%` and `%}`.
    pub text: String,
    /// The compiled expression, shared by every evaluation.
    pub compiled: std::sync::Arc<baton_jsonata::Expression>,
}

impl PartialEq for JsonataExpr {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// A JSONata-mode value: any JSON in which strings of the form `{% ... %}` are expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonataTemplate {
    /// A value with no expression inside, copied as is.
    Literal(Value),
    /// An expression.
    Expr(JsonataExpr),
    /// An object with at least one expression somewhere inside.
    Object(Vec<(String, JsonataTemplate)>),
    /// An array with at least one expression somewhere inside.
    Array(Vec<JsonataTemplate>),
}

/// A template in either query language (`Assign`, `ItemSelector`, `Credentials`, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum DataTemplate {
    /// JSONPath payload template.
    JsonPath(Template),
    /// JSONata template.
    Jsonata(JsonataTemplate),
}

/// A value given literally, by a reference path (JSONPath `...Path` fields) or by a JSONata
/// expression (`TimeoutSeconds: "{% ... %}"`).
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic<T> {
    /// Given in the definition.
    Static(T),
    /// Read at run time from a reference path.
    Path(Path),
    /// Computed at run time by a JSONata expression.
    Jsonata(JsonataExpr),
}

/// A string given literally, by a path, by an intrinsic (Fail `ErrorPath`/`CausePath`) or by a
/// JSONata expression.
#[derive(Debug, Clone, PartialEq)]
pub enum StringSource {
    /// Given in the definition.
    Static(String),
    /// Read at run time from a reference path.
    Path(Path),
    /// Computed by an intrinsic function.
    Intrinsic(Intrinsic),
    /// Computed by a JSONata expression.
    Jsonata(JsonataExpr),
}

/// Input and output processing of a state, in the order the interpreter applies it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Io {
    /// `InputPath` (JSONPath).
    pub input_path: Option<NullablePath>,
    /// `Parameters` (JSONPath; also the legacy name of a Map's `ItemSelector`).
    pub parameters: Option<Template>,
    /// `Arguments` (JSONata).
    pub arguments: Option<JsonataTemplate>,
    /// `Result` of a Pass state (JSONPath).
    pub result: Option<Value>,
    /// `ResultSelector` (JSONPath).
    pub result_selector: Option<Template>,
    /// `ResultPath` (JSONPath).
    pub result_path: Option<NullablePath>,
    /// `OutputPath` (JSONPath).
    pub output_path: Option<NullablePath>,
    /// `Output` (JSONata).
    pub output: Option<JsonataTemplate>,
    /// `Assign` (both languages).
    pub assign: Option<DataTemplate>,
}

/// The type-specific part of a state.
#[derive(Debug, Clone)]
pub enum StateKind {
    /// `Pass`.
    Pass,
    /// `Task`.
    Task(TaskState),
    /// `Choice`.
    Choice(ChoiceState),
    /// `Wait`.
    Wait(WaitState),
    /// `Succeed`.
    Succeed,
    /// `Fail`.
    Fail(FailState),
    /// `Parallel`.
    Parallel(ParallelState),
    /// `Map`.
    Map(Box<MapState>),
}

impl StateKind {
    /// The `Type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }

    /// The retriers and catchers of a Task, Parallel or Map state.
    pub fn error_handling(&self) -> Option<(&[Retrier], &[Catcher])> {
        match self {
            StateKind::Task(t) => Some((&t.retry, &t.catch)),
            StateKind::Parallel(p) => Some((&p.retry, &p.catch)),
            StateKind::Map(m) => Some((&m.retry, &m.catch)),
            _ => None,
        }
    }
}

/// A Task state.
#[derive(Debug, Clone)]
pub struct TaskState {
    /// `Resource` ARN.
    pub resource: String,
    /// `TimeoutSeconds` / `TimeoutSecondsPath`.
    pub timeout_seconds: Option<Dynamic<u64>>,
    /// `HeartbeatSeconds` / `HeartbeatSecondsPath`.
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    /// `Credentials` (its `RoleArn`).
    pub credentials: Option<DataTemplate>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
}

/// A retrier of `Retry`.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `IntervalSeconds` (default 1).
    pub interval_seconds: u64,
    /// `MaxAttempts` (default 3; 0 never retries).
    pub max_attempts: u64,
    /// `BackoffRate` (default 2.0).
    pub backoff_rate: f64,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy`.
    pub jitter: JitterStrategy,
    /// `Comment`.
    pub comment: Option<String>,
}

/// `JitterStrategy` of a retrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JitterStrategy {
    /// No jitter.
    #[default]
    None,
    /// Uniformly random between 0 and the computed delay.
    Full,
}

/// A catcher of `Catch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `Next`.
    pub next: StateId,
    /// `ResultPath` (JSONPath).
    pub result_path: Option<NullablePath>,
    /// `Output` (JSONata).
    pub output: Option<JsonataTemplate>,
    /// `Assign`.
    pub assign: Option<DataTemplate>,
    /// `Comment`.
    pub comment: Option<String>,
}

/// A Choice state.
#[derive(Debug, Clone)]
pub struct ChoiceState {
    /// `Choices`, in order.
    pub choices: Vec<ChoiceRule>,
    /// `Default`.
    pub default: Option<StateId>,
}

/// A top-level rule of `Choices`.
#[derive(Debug, Clone)]
pub struct ChoiceRule {
    /// The condition.
    pub condition: Condition,
    /// `Next`.
    pub next: StateId,
    /// `Assign` of the rule.
    pub assign: Option<DataTemplate>,
    /// `Output` of the rule (JSONata).
    pub output: Option<JsonataTemplate>,
    /// `Comment`.
    pub comment: Option<String>,
}

/// A Choice condition.
#[derive(Debug, Clone)]
pub enum Condition {
    /// JSONata `Condition`: a boolean literal or an expression.
    Jsonata(Dynamic<bool>),
    /// A JSONPath comparison `Variable` + operator.
    Compare {
        /// `Variable`.
        variable: Path,
        /// The operator.
        op: Comparison,
        /// The value compared with: a literal, or a path for `...Path` operators.
        operand: Operand,
    },
    /// `And`.
    And(Vec<Condition>),
    /// `Or`.
    Or(Vec<Condition>),
    /// `Not`.
    Not(Box<Condition>),
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A literal from the definition.
    Literal(Value),
    /// A path (the `...Path` operators).
    Path(Path),
}

/// The comparison operators of JSONPath Choice rules (the `...Path` variants are the same
/// operator with a [`Operand::Path`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Comparison {
    BooleanEquals,
    NumericEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    NumericLessThan,
    NumericLessThanEquals,
    StringEquals,
    StringGreaterThan,
    StringGreaterThanEquals,
    StringLessThan,
    StringLessThanEquals,
    StringMatches,
    TimestampEquals,
    TimestampGreaterThan,
    TimestampGreaterThanEquals,
    TimestampLessThan,
    TimestampLessThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

/// What a `Wait` state waits for.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitState {
    /// `Seconds` / `SecondsPath`.
    Seconds(Dynamic<u64>),
    /// `Timestamp` / `TimestampPath` (static timestamps are RFC 3339, checked).
    Timestamp(Dynamic<String>),
}

/// A Fail state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FailState {
    /// `Error` / `ErrorPath`.
    pub error: Option<StringSource>,
    /// `Cause` / `CausePath`.
    pub cause: Option<StringSource>,
}

/// A Parallel state.
#[derive(Debug, Clone)]
pub struct ParallelState {
    /// `Branches`.
    pub branches: Vec<Block>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
}

/// How a Map state runs its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProcessorMode {
    /// Iterations run inside the execution (the default).
    #[default]
    Inline,
    /// Each item (or batch) runs as a child execution of the given type.
    Distributed(WorkflowType),
}

/// A Map state.
#[derive(Debug, Clone)]
pub struct MapState {
    /// `ItemProcessor` (or legacy `Iterator`).
    pub processor: Block,
    /// `ProcessorConfig.Mode` and `ExecutionType`.
    pub mode: ProcessorMode,
    /// `ItemsPath` (JSONPath).
    pub items_path: Option<Path>,
    /// `Items` (JSONata).
    pub items: Option<JsonataTemplate>,
    /// `ItemSelector` (or legacy `Parameters`).
    pub item_selector: Option<DataTemplate>,
    /// `MaxConcurrency` / `MaxConcurrencyPath`.
    pub max_concurrency: Option<Dynamic<u64>>,
    /// `ToleratedFailureCount` / `...Path`.
    pub tolerated_failure_count: Option<Dynamic<u64>>,
    /// `ToleratedFailurePercentage` / `...Path`.
    pub tolerated_failure_percentage: Option<Dynamic<f64>>,
    /// `Label`.
    pub label: Option<String>,
    /// `ItemReader`.
    pub item_reader: Option<ItemReader>,
    /// `ItemBatcher`.
    pub item_batcher: Option<ItemBatcher>,
    /// `ResultWriter`.
    pub result_writer: Option<ResultWriter>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
}

/// A distributed Map's `ItemReader`.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemReader {
    /// `Resource`.
    pub resource: String,
    /// `Parameters` / `Arguments`.
    pub parameters: Option<DataTemplate>,
    /// `ReaderConfig`.
    pub reader_config: ReaderConfig,
}

/// `ItemReader.ReaderConfig`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReaderConfig {
    /// `InputType`: CSV, JSON, JSONL, PARQUET or MANIFEST.
    pub input_type: Option<String>,
    /// `Transformation`: NONE or LOAD_AND_FLATTEN.
    pub transformation: Option<String>,
    /// `ManifestType`: ATHENA_DATA or S3_INVENTORY.
    pub manifest_type: Option<String>,
    /// `CSVHeaderLocation`: FIRST_ROW or GIVEN.
    pub csv_header_location: Option<String>,
    /// `CSVHeaders`.
    pub csv_headers: Option<Vec<String>>,
    /// `CSVDelimiter`.
    pub csv_delimiter: Option<String>,
    /// `MaxItems` / `MaxItemsPath`.
    pub max_items: Option<Dynamic<u64>>,
    /// `ItemsPointer`.
    pub items_pointer: Option<String>,
}

/// A distributed Map's `ItemBatcher`.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemBatcher {
    /// `MaxItemsPerBatch` / `...Path`.
    pub max_items_per_batch: Option<Dynamic<u64>>,
    /// `MaxInputBytesPerBatch` / `...Path`.
    pub max_input_bytes_per_batch: Option<Dynamic<u64>>,
    /// `BatchInput`.
    pub batch_input: Option<DataTemplate>,
}

/// A distributed Map's `ResultWriter`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultWriter {
    /// `Resource`.
    pub resource: Option<String>,
    /// `Parameters` / `Arguments`.
    pub parameters: Option<DataTemplate>,
    /// `WriterConfig.Transformation`: NONE, COMPACT or FLATTEN.
    pub transformation: Option<String>,
    /// `WriterConfig.OutputType`: JSON or JSONL.
    pub output_type: Option<String>,
}
