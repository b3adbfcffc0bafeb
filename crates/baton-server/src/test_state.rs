//! TestState: one state run in isolation, with its status (SUCCEEDED, FAILED, RETRIABLE,
//! CAUGHT_ERROR), output or error, the state it would go to next, and at DEBUG the data it saw.
//!
//! The state runs in a small machine of its own, through the same interpreter as executions: a
//! Pass state first when `variables` are given (it assigns them), then the state, whose every
//! transition target is a Succeed state standing in for it. The state's Retry is left out and
//! judged here instead (AWS answers RETRIABLE at the first failure a retrier takes, with the
//! interval it would wait). Tasks answer with the request's `mock`: Baton calls no AWS service,
//! so a Task without a mock is refused. A Map or Parallel state needs a mock too (as in AWS): the
//! mock stands for the result of all its branches or iterations, and the state's own input and
//! result processing, Retry and Catch run around it.

use crate::api::{ApiError, ApiResult};
use baton_asl::model::WorkflowType;
use baton_asl::{Options, analyze};
use baton_engine::driver::{self, Clock, TaskHandler};
use baton_engine::{Execution, ExecutionInfo, HistoryEvent, StatesError, TaskRequest};
use baton_json::Json;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The name of the prelude that assigns `variables`.
const PRELUDE: &str = "Baton.TestState.Variables";

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new("ValidationException", message)
}

/// What a mock answers.
enum Mock {
    Result(Json),
    Error(StatesError),
}

struct MockTasks(Option<Mock>);

impl TaskHandler for MockTasks {
    fn call(&mut self, _request: &TaskRequest) -> Result<Json, StatesError> {
        match &self.0 {
            Some(Mock::Result(v)) => Ok(v.clone()),
            Some(Mock::Error(e)) => Err(e.clone()),
            None => Err(StatesError::new(
                "States.TaskFailed",
                "TestState on Baton needs a mock for Task states",
            )),
        }
    }
}

fn mock(input: &Value) -> Result<Option<Mock>, ApiError> {
    let Some(m) = input.get("mock").filter(|m| !m.is_null()) else {
        return Ok(None);
    };
    match (m.get("result"), m.get("errorOutput")) {
        (Some(_), Some(_)) | (None, None) => Err(validation(
            "A mock must have exactly one of result and errorOutput",
        )),
        (Some(r), None) => {
            let text = r
                .as_str()
                .ok_or_else(|| validation("mock.result must be a JSON string"))?;
            Json::parse(text)
                .map(|v| Some(Mock::Result(v)))
                .map_err(|e| validation(format!("mock.result is not valid JSON: {e}")))
        }
        (None, Some(e)) => {
            let error = e.get("error").and_then(Value::as_str).unwrap_or("");
            let mut failure = StatesError::bare(error);
            failure.cause = e.get("cause").and_then(Value::as_str).map(str::to_string);
            Ok(Some(Mock::Error(failure)))
        }
    }
}

/// The state to test, its name and its query language (from its machine when it has none).
fn pick_state(definition: &Value, state_name: Option<&str>) -> Result<(String, Value), ApiError> {
    let Some(states) = definition.get("States").and_then(Value::as_object) else {
        // A single state.
        return Ok((
            state_name.unwrap_or("TestState").to_string(),
            definition.clone(),
        ));
    };
    let name = match state_name {
        Some(n) => n.to_string(),
        None => definition
            .get("StartAt")
            .and_then(Value::as_str)
            .ok_or_else(|| validation("stateName must be given with a full definition"))?
            .to_string(),
    };
    let mut state = states
        .get(&name)
        .cloned()
        .ok_or_else(|| validation(format!("The state '{name}' is not in the definition")))?;
    if let Some(s) = state.as_object_mut()
        && !s.contains_key("QueryLanguage")
        && let Some(ql) = definition.get("QueryLanguage")
    {
        s.insert("QueryLanguage".into(), ql.clone());
    }
    Ok((name, state))
}

/// Every name the state transitions to: Next, Default, the Choices' and the Catchers' Next.
fn targets(state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |v: Option<&Value>| {
        if let Some(n) = v.and_then(Value::as_str)
            && !out.iter().any(|x| x == n)
        {
            out.push(n.to_string());
        }
    };
    add(state.get("Next"));
    add(state.get("Default"));
    for key in ["Choices", "Catch"] {
        for item in state
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(item.get("Next"));
        }
    }
    out
}

/// Points the state's transitions to `from` (Next, Default, the Choices' and Catchers' Next)
/// at `to`.
fn retarget(state: &mut Value, from: &str, to: &str) {
    let rename = |v: &mut Value| {
        if v.as_str() == Some(from) {
            *v = json!(to);
        }
    };
    for key in ["Next", "Default"] {
        if let Some(v) = state.get_mut(key) {
            rename(v);
        }
    }
    for key in ["Choices", "Catch"] {
        if let Some(items) = state.get_mut(key).and_then(Value::as_array_mut) {
            for item in items {
                if let Some(v) = item.get_mut("Next") {
                    rename(v);
                }
            }
        }
    }
}

/// A retrier's or catcher's `ErrorEquals`.
fn error_names(rule: &Value) -> Vec<String> {
    rule.get("ErrorEquals")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn event_json(e: &HistoryEvent) -> Value {
    e.to_aws_json()
}

fn details(event: &Value) -> Option<&Map<String, Value>> {
    event
        .as_object()?
        .iter()
        .find(|(k, _)| k.ends_with("EventDetails"))
        .and_then(|(_, v)| v.as_object())
}

/// Runs TestState.
pub fn test_state(input: &Value) -> ApiResult {
    let definition_text = input
        .get("definition")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            validation("1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null")
        })?;
    let definition: Value = serde_json::from_str(definition_text).map_err(|e| {
        ApiError::new(
            "InvalidDefinition",
            format!("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {e}'"),
        )
    })?;
    let state_name = input.get("stateName").and_then(Value::as_str);
    let (name, mut state) = pick_state(&definition, state_name)?;
    if !state.is_object() {
        return Err(ApiError::new(
            "InvalidDefinition",
            format!(
                "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The state '{name}' must be an object'"
            ),
        ));
    }
    let state_type = state
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let state_type = state_type.as_str();
    let mut mock = mock(input)?;
    let config = input.get("stateConfiguration").filter(|c| !c.is_null());
    let composite = matches!(state_type, "Map" | "Parallel");
    if composite {
        if mock.is_none() {
            return Err(validation(format!(
                "TestState needs a mock for {state_type} states: the mock is the result of its branches or iterations"
            )));
        }
        if let Some(Mock::Result(r)) = &mock
            && !r.is_array()
        {
            return Err(validation(format!(
                "The mock result of a {state_type} state must be a JSON array"
            )));
        }
        if let Some(origin) = config
            .and_then(|c| c.get("errorCausedByState"))
            .and_then(Value::as_str)
        {
            if !matches!(mock, Some(Mock::Error(_))) {
                return Err(validation(
                    "errorCausedByState is only valid with a mocked errorOutput",
                ));
            }
            if !inner_state_names(&state).iter().any(|n| n == origin) {
                return Err(validation(format!(
                    "errorCausedByState '{origin}' is not a state of the {state_type} state '{name}'"
                )));
            }
        }
        if let Some(failures) = config
            .and_then(|c| c.get("mapIterationFailureCount"))
            .and_then(Value::as_u64)
        {
            if state_type != "Map" {
                return Err(validation(
                    "mapIterationFailureCount is only valid for Map states",
                ));
            }
            let total = match &mock {
                Some(Mock::Result(r)) => r.as_array().map_or(0, |a| a.len()),
                _ => 0,
            };
            if exceeds_tolerance(&state, failures, total)? {
                mock = Some(Mock::Error(StatesError::new(
                    "States.ExceedToleratedFailureThreshold",
                    "The specified tolerated failure threshold was exceeded",
                )));
            }
        }
    }
    if mock.is_some() && matches!(state_type, "Pass" | "Succeed" | "Fail" | "Choice" | "Wait") {
        return Err(validation(format!(
            "State type '{state_type}' is not supported when a mock is specified"
        )));
    }
    if state_type == "Task" && mock.is_none() {
        return Err(validation(
            "TestState on Baton needs a mock for Task states: it calls no AWS service",
        ));
    }
    if input.get("context").is_some_and(|c| !c.is_null()) {
        return Err(validation("TestState on Baton does not take a context yet"));
    }
    let retry_count = config
        .and_then(|c| c.get("retrierRetryCount"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let debug = matches!(
        input.get("inspectionLevel").and_then(Value::as_str),
        Some("DEBUG" | "TRACE")
    );
    let variables: Option<Map<String, Value>> = match input.get("variables").and_then(Value::as_str)
    {
        None => None,
        Some(text) => Some(
            serde_json::from_str(text)
                .map_err(|_| validation("variables must be a JSON object"))?,
        ),
    };
    let state_input = match input.get("input").and_then(Value::as_str) {
        None => json!({}),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            ApiError::new(
                "InvalidExecutionInput",
                format!("Invalid State Machine Execution Input: '{e}'"),
            )
        })?,
    };

    // The retriers are judged here; the machine runs without them (but they are validated
    // with it, below).
    let retriers = state.get("Retry").cloned();
    let with_retry = state.clone();
    if let Some(s) = state.as_object_mut() {
        s.remove("Retry");
    }
    let stand_in = |t: &str| {
        if t == name {
            format!("{t} (next)")
        } else {
            t.to_string()
        }
    };
    let mut states = Map::new();
    for t in targets(&state) {
        states.insert(stand_in(&t), json!({"Type": "Succeed"}));
    }
    // A transition to the state itself goes to its stand-in.
    let own_stand_in = stand_in(&name);
    retarget(&mut state, &name, &own_stand_in);
    // A Map or Parallel runs as a Task whose result is the mock, with its own processing.
    let run_state = if composite {
        mocked_task(&state, state_type)
    } else {
        state.clone()
    };
    let mut checked = states.clone();
    let mut with_retry = with_retry;
    retarget(&mut with_retry, &name, &own_stand_in);
    checked.insert(name.clone(), with_retry);
    let check = analyze(
        &json!({"StartAt": name, "States": checked}).to_string(),
        &Options {
            workflow_type: WorkflowType::Standard,
            ..Options::default()
        },
    );
    if check.machine.is_none() {
        let message = baton_asl::diagnostic::invalid_definition_message(&check.diagnostics);
        return Err(ApiError::new("InvalidDefinition", message));
    }
    states.insert(name.clone(), run_state);
    let start = match &variables {
        Some(vars) => {
            states.insert(
                PRELUDE.into(),
                json!({"Type": "Pass", "QueryLanguage": "JSONPath", "Assign": vars, "Next": name}),
            );
            PRELUDE.to_string()
        }
        None => name.clone(),
    };
    let machine_json = json!({"StartAt": start, "States": states});
    let analysis = analyze(
        &machine_json.to_string(),
        &Options {
            workflow_type: WorkflowType::Standard,
            ..Options::default()
        },
    );
    let Some(machine) = analysis.machine else {
        let message = baton_asl::diagnostic::invalid_definition_message(&analysis.diagnostics);
        return Err(ApiError::new("InvalidDefinition", message));
    };
    let role = input
        .get("roleArn")
        .and_then(Value::as_str)
        .unwrap_or("arn:aws:iam::123456789012:role/TestState");
    let info = ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:TestState:TestState".into(),
        name: "TestState".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:TestState".into(),
        state_machine_name: "TestState".into(),
        role_arn: role.into(),
        start_millis: 0,
        seed: baton_engine::runtime::os_random(),
    };
    let machine = Arc::new(machine);
    let processing = machine
        .root
        .states
        .iter()
        .find(|s| s.name == name)
        .map(|s| (s.query_language, s.io.clone()));
    let mut tasks = MockTasks(mock);
    let ex: Execution = driver::run(
        Arc::clone(&machine),
        info,
        Json::from(state_input),
        &mut tasks,
        Clock::Virtual,
    );
    let events: Vec<Value> = ex.history().iter().map(event_json).collect();
    outcome(
        &ex,
        &events,
        &name,
        &stand_in,
        retriers.as_ref(),
        retry_count,
        &state,
        debug.then_some(processing).flatten().as_ref(),
        variables,
    )
}

/// The names of the states inside a Map's ItemProcessor (or Iterator) or a Parallel's
/// branches, at any depth.
fn inner_state_names(state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut blocks: Vec<&Value> = Vec::new();
    for key in ["ItemProcessor", "Iterator"] {
        blocks.extend(state.get(key));
    }
    blocks.extend(
        state
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for block in blocks {
        for (n, inner) in block
            .get("States")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            out.push(n.clone());
            out.extend(inner_state_names(inner));
        }
    }
    out
}

/// Whether `failures` failed iterations of `total` exceed the Map's tolerated failures (a Map
/// that tolerates none fails at the first).
fn exceeds_tolerance(state: &Value, failures: u64, total: usize) -> Result<bool, ApiError> {
    if state.get("ToleratedFailureCountPath").is_some()
        || state.get("ToleratedFailurePercentagePath").is_some()
    {
        return Err(validation(
            "mapIterationFailureCount needs a Map with a static ToleratedFailureCount or ToleratedFailurePercentage",
        ));
    }
    let count = state.get("ToleratedFailureCount").and_then(Value::as_u64);
    let percentage = state
        .get("ToleratedFailurePercentage")
        .and_then(Value::as_f64);
    Ok(match (count, percentage) {
        (None, None) => failures > 0,
        (count, percentage) => {
            let by_count = count.is_some_and(|c| failures <= c);
            let by_percentage =
                percentage.is_some_and(|p| failures as f64 * 100.0 <= p * total as f64);
            !(by_count || by_percentage)
        }
    })
}

/// A Map or Parallel state as a Task whose result is the mock: the same input processing
/// (InputPath and a Parallel's Parameters or Arguments), result processing, Catch, Assign and
/// transition; the branches, items and concurrency are what the mock stands for.
fn mocked_task(state: &Value, state_type: &str) -> Value {
    let mut task = Map::new();
    task.insert("Type".into(), json!("Task"));
    task.insert("Resource".into(), json!("arn:aws:states:::lambda:invoke"));
    let mut keep = vec![
        "Comment",
        "QueryLanguage",
        "InputPath",
        "ResultSelector",
        "ResultPath",
        "OutputPath",
        "Catch",
        "Next",
        "End",
        "Assign",
        "Output",
    ];
    if state_type == "Parallel" {
        keep.extend(["Parameters", "Arguments"]);
    }
    for key in keep {
        if let Some(v) = state.get(key) {
            task.insert(key.into(), v.clone());
        }
    }
    Value::Object(task)
}

/// `afterInputPath`, `afterResultSelector` and `afterResultPath` of a JSONPath state, worked out
/// from its input and result as the interpreter applies them.
fn jsonpath_steps(
    io: &baton_asl::model::Io,
    input: &Value,
    result: Option<&Value>,
    vars: &Map<String, Value>,
    data: &mut Map<String, Value>,
) {
    use baton_engine::dataflow::{self, Env, Vars};
    use std::borrow::Cow;
    let raw = Json::from(input.clone());
    let vars = Vars {
        own: vars
            .iter()
            .map(|(k, v)| (Arc::from(k.as_str()), Json::from(v.clone())))
            .collect(),
        outer: None,
    };
    let context = Json::object();
    let mut entropy = baton_asl::intrinsic::SplitMix64(0);
    let mut env = Env::new(&context, &vars, &mut entropy);
    let text = |v: &Json| json!(v.to_json_string());
    if let Ok(after) = dataflow::apply_input_path(io.input_path.as_ref(), &raw, &env) {
        data.insert("afterInputPath".into(), text(&after));
    }
    let Some(result) = result
        .and_then(Value::as_str)
        .and_then(|t| Json::parse(t).ok())
    else {
        return;
    };
    let Ok(selected) = dataflow::apply_optional_template(
        io.result_selector.as_ref(),
        Cow::Owned(result),
        &mut env,
    ) else {
        return;
    };
    data.insert("afterResultSelector".into(), text(&selected));
    if let Ok(after) =
        dataflow::apply_result_path(io.result_path.as_ref(), &raw, selected.into_owned())
    {
        data.insert("afterResultPath".into(), text(&after));
    }
}

/// The answer, from the run's history.
#[allow(clippy::too_many_arguments)]
fn outcome(
    ex: &Execution,
    events: &[Value],
    name: &str,
    stand_in: &dyn Fn(&str) -> String,
    retriers: Option<&Value>,
    retry_count: u64,
    state: &Value,
    inspect: Option<&(baton_asl::model::QueryLanguage, baton_asl::model::Io)>,
    variables: Option<Map<String, Value>>,
) -> ApiResult {
    let debug = inspect.is_some();
    let is_entered = |e: &Value, n: &str| {
        e["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("StateEntered"))
            && details(e)
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                == Some(n)
    };
    let entered = events
        .iter()
        .position(|e| is_entered(e, name))
        .ok_or_else(|| validation("the state did not run"))?;
    let after = &events[entered + 1..];
    // The stand-in entered next, mapped back to the name the state names.
    let next = after.iter().find_map(|e| {
        let t = e["type"].as_str()?;
        if !t.ends_with("StateEntered") {
            return None;
        }
        let n = details(e)?.get("name")?.as_str()?;
        let original = if n == stand_in(name) && n != name {
            name.to_string()
        } else {
            n.to_string()
        };
        Some((n.to_string(), original))
    });
    // The failure inside the state (a task's, an evaluation's), if any.
    let failure = after
        .iter()
        .take_while(|e| {
            !e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("StateExited"))
        })
        .find(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("Failed") || t.ends_with("TimedOut"))
        })
        .and_then(details)
        .map(|d| {
            (
                d.get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                d.get("cause").and_then(Value::as_str).map(str::to_string),
            )
        })
        .or_else(|| ex.error().map(|e| (e.error.clone(), e.cause.clone())));
    let mut out = Map::new();
    if debug {
        let mut data = Map::new();
        if let Some(input) = details(&events[entered]).and_then(|d| d.get("input")) {
            data.insert("input".into(), input.clone());
        }
        for e in after {
            match e["type"].as_str() {
                Some(t) if t.ends_with("Scheduled") => {
                    if let Some(p) = details(e).and_then(|d| d.get("parameters")) {
                        data.insert("afterParameters".into(), p.clone());
                    }
                }
                Some(t) if t.ends_with("Succeeded") && !t.starts_with("Execution") => {
                    if let Some(o) = details(e).and_then(|d| d.get("output")) {
                        data.insert("result".into(), o.clone());
                    }
                }
                _ => {}
            }
        }
        if let Some((baton_asl::model::QueryLanguage::JsonPath, io)) = inspect
            && let Some(input) = data
                .get("input")
                .and_then(Value::as_str)
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
        {
            let result = data.get("result").cloned();
            jsonpath_steps(
                io,
                &input,
                result.as_ref(),
                variables.as_ref().unwrap_or(&Map::new()),
                &mut data,
            );
        }
        let mut vars = variables.unwrap_or_default();
        if let Some(assigned) = after
            .iter()
            .find(|e| {
                e["type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("StateExited"))
            })
            .and_then(details)
            .and_then(|d| d.get("assignedVariables"))
            .and_then(Value::as_object)
        {
            for (k, v) in assigned {
                let value = v
                    .as_str()
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_else(|| v.clone());
                vars.insert(k.clone(), value);
            }
        }
        if !vars.is_empty() {
            data.insert("variables".into(), json!(Value::Object(vars).to_string()));
        }
        out.insert("inspectionData".into(), Value::Object(data));
    }
    // A retrier that takes the error comes first: the state would run again.
    if let Some((error, cause)) = &failure {
        let err = StatesError {
            error: error.clone(),
            cause: cause.clone(),
            location: None,
        };
        for (i, r) in retriers
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if !err.matched_by(&error_names(r)) {
                continue;
            }
            let max = r.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3);
            if retry_count < max {
                let interval = r
                    .get("IntervalSeconds")
                    .and_then(Value::as_f64)
                    .unwrap_or(1.0);
                let rate = r.get("BackoffRate").and_then(Value::as_f64).unwrap_or(2.0);
                let mut wait = interval * rate.powi(retry_count.min(1_000) as i32);
                if let Some(cap) = r.get("MaxDelaySeconds").and_then(Value::as_f64) {
                    wait = wait.min(cap);
                }
                out.insert("status".into(), json!("RETRIABLE"));
                out.insert("error".into(), json!(error));
                if let Some(c) = cause {
                    out.insert("cause".into(), json!(c));
                }
                let data = out.entry("inspectionData").or_insert_with(|| json!({}));
                data["errorDetails"] =
                    json!({"retryIndex": i, "retryBackoffIntervalSeconds": wait.round() as u64});
                return Ok(Value::Object(out));
            }
            break;
        }
    }
    let caught = failure.is_some() && next.is_some();
    if caught {
        let (error, cause) = failure.clone().unwrap_or_default();
        let err = StatesError::bare(error.clone());
        let index = state.get("Catch").and_then(Value::as_array).and_then(|cs| {
            cs.iter().position(|c| {
                let names: Vec<String> = c
                    .get("ErrorEquals")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                err.matched_by(&names)
            })
        });
        out.insert("status".into(), json!("CAUGHT_ERROR"));
        out.insert("error".into(), json!(error));
        if let Some(c) = cause {
            out.insert("cause".into(), json!(c));
        }
        if let Some(i) = index {
            let data = out.entry("inspectionData").or_insert_with(|| json!({}));
            data["errorDetails"] = json!({"catchIndex": i});
        }
    } else if let Some((error, cause)) =
        failure.filter(|_| ex.status() != baton_engine::Status::Succeeded)
    {
        out.insert("status".into(), json!("FAILED"));
        out.insert("error".into(), json!(error));
        if let Some(c) = cause {
            out.insert("cause".into(), json!(c));
        }
        return Ok(Value::Object(out));
    } else {
        out.insert("status".into(), json!("SUCCEEDED"));
    }
    // The state's output: the input of what came next, or the execution's output.
    let output = match &next {
        Some((entered_name, _)) => after
            .iter()
            .find(|e| is_entered(e, entered_name))
            .and_then(details)
            .and_then(|d| d.get("input"))
            .cloned(),
        None => ex.output().map(|o| json!(o.to_json_string())),
    };
    if let Some(o) = output {
        out.insert("output".into(), o);
    }
    if let Some((_, original)) = next {
        out.insert("nextState".into(), json!(original));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(request: Value) -> Value {
        test_state(&request).unwrap()
    }

    fn refused(request: Value) -> ApiError {
        match test_state(&request) {
            Ok(v) => panic!("accepted: {v}"),
            Err(e) => e,
        }
    }

    fn parallel() -> Value {
        json!({"Type": "Parallel", "InputPath": "$.in", "ResultSelector": {"first.$": "$[0]"},
               "ResultPath": "$.out", "Next": "After", "Branches": [
                   {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                   {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}]})
    }

    fn map(extra: Value) -> Value {
        let mut m = json!({"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "Work",
            "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}});
        if let (Some(o), Value::Object(e)) = (m.as_object_mut(), extra) {
            o.extend(e);
        }
        m
    }

    #[test]
    fn a_parallel_runs_its_own_processing_around_the_mocked_result() {
        let out = run(json!({
            "definition": parallel().to_string(),
            "input": json!({"in": {"v": 1}}).to_string(),
            "mock": {"result": "[\"a\", \"b\"]"},
            "inspectionLevel": "DEBUG",
        }));
        assert_eq!(out["status"], "SUCCEEDED");
        assert_eq!(out["nextState"], "After");
        let output: Value = serde_json::from_str(out["output"].as_str().unwrap()).unwrap();
        assert_eq!(output, json!({"in": {"v": 1}, "out": {"first": "a"}}));
        let data = &out["inspectionData"];
        let parsed = |k: &str| serde_json::from_str::<Value>(data[k].as_str().unwrap()).unwrap();
        assert_eq!(parsed("afterInputPath"), json!({"v": 1}));
        assert_eq!(parsed("result"), json!(["a", "b"]));
        assert_eq!(parsed("afterResultSelector"), json!({"first": "a"}));
        assert_eq!(parsed("afterResultPath"), output);
    }

    #[test]
    fn a_map_error_is_caught_and_its_origin_must_be_inside() {
        let mut m = map(json!({}));
        m["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "Next": "Recover"}]);
        let request = |origin: &str| {
            json!({
                "definition": m.to_string(),
                "input": "[1, 2]",
                "mock": {"errorOutput": {"error": "Item.Bad", "cause": "item 2"}},
                "stateConfiguration": {"errorCausedByState": origin},
            })
        };
        let out = run(request("Work"));
        assert_eq!(out["status"], "CAUGHT_ERROR");
        assert_eq!(out["error"], "Item.Bad");
        assert_eq!(out["nextState"], "Recover");
        let e = refused(request("Elsewhere"));
        assert_eq!(e.code, "ValidationException");
    }

    #[test]
    fn map_iteration_failures_are_judged_against_the_tolerance() {
        let mut distributed = map(json!({"ToleratedFailureCount": 1}));
        distributed["ItemProcessor"]["ProcessorConfig"] =
            json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"});
        let request = |failures: u64| {
            json!({
                "definition": distributed.to_string(),
                "input": "[1, 2, 3]",
                "mock": {"result": "[1, 2, 3]"},
                "stateConfiguration": {"mapIterationFailureCount": failures},
            })
        };
        assert_eq!(run(request(1))["status"], "SUCCEEDED");
        let out = run(request(2));
        assert_eq!(out["status"], "FAILED");
        assert_eq!(out["error"], "States.ExceedToleratedFailureThreshold");
    }

    #[test]
    fn maps_and_parallels_need_an_array_mock() {
        let e = refused(json!({"definition": parallel().to_string(), "input": "{}"}));
        assert_eq!(e.code, "ValidationException");
        let e = refused(json!({
            "definition": map(json!({})).to_string(),
            "mock": {"result": "{\"not\": \"an array\"}"},
        }));
        assert_eq!(e.code, "ValidationException");
        let e = refused(json!({
            "definition": parallel().to_string(),
            "mock": {"result": "[1]"},
            "stateConfiguration": {"mapIterationFailureCount": 1},
        }));
        assert_eq!(e.code, "ValidationException");
    }

    #[test]
    fn a_catch_back_to_the_state_itself_ends_at_its_stand_in() {
        let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                          "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Again"}]});
        let definition = json!({"StartAt": "Again", "States": {"Again": task}});
        let out = run(json!({
            "definition": definition.to_string(),
            "stateName": "Again",
            "mock": {"errorOutput": {"error": "Boom"}},
        }));
        assert_eq!(out["status"], "CAUGHT_ERROR");
        assert_eq!(out["error"], "Boom");
        assert_eq!(out["nextState"], "Again");
        let par = json!({"Type": "Parallel", "End": true,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "P"}],
            "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}]});
        let out = run(json!({
            "definition": json!({"StartAt": "P", "States": {"P": par}}).to_string(),
            "mock": {"errorOutput": {"error": "Boom"}},
        }));
        assert_eq!(
            (out["status"].as_str(), out["nextState"].as_str()),
            (Some("CAUGHT_ERROR"), Some("P"))
        );
    }

    #[test]
    fn a_pass_state_shows_each_step_of_its_processing() {
        let out = run(json!({
            "definition": json!({"Type": "Pass", "InputPath": "$.a", "ResultPath": "$.b", "End": true}).to_string(),
            "input": json!({"a": {"x": 1}}).to_string(),
            "inspectionLevel": "DEBUG",
        }));
        let data = &out["inspectionData"];
        assert_eq!(data["afterInputPath"], json!("{\"x\":1}"));
        assert_eq!(
            serde_json::from_str::<Value>(out["output"].as_str().unwrap()).unwrap(),
            json!({"a": {"x": 1}, "b": {"x": 1}})
        );
    }
}
