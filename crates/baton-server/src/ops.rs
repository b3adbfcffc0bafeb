//! The operations of the Step Functions API: request members in, response members out, errors
//! as AWS names and words them.

use crate::Server;
use crate::api::{ApiError, ApiResult};
use baton_asl::diagnostic::invalid_definition_message;
use baton_asl::model::WorkflowType;
use baton_asl::{Options, Severity, analyze};
use baton_engine::durable::{DurableError, check_name};
use baton_engine::execution::Signal;
use baton_engine::express::ExpressOutcome;
use baton_engine::{HistoryEventType, StatesError};
use baton_json::Json;
use baton_store::{
    ActivityRecord, AliasRecord, ExecutionRecord, ExecutionStatus, HistoryRecord, Page,
    StateMachineRecord, StoreError, VersionRecord,
};
use serde_json::{Map, Value, json};

/// Runs one operation.
pub fn dispatch(server: &Server, operation: &str, input: &Value) -> ApiResult {
    if matches!(
        operation,
        "CreateStateMachine"
            | "UpdateStateMachine"
            | "DeleteStateMachine"
            | "TagResource"
            | "UntagResource"
    ) {
        // Before and after: a StartSyncExecution in between reads the store again.
        server.forget_machines();
        let out = dispatch_uncached(server, operation, input);
        server.forget_machines();
        return out;
    }
    dispatch_uncached(server, operation, input)
}

fn dispatch_uncached(server: &Server, operation: &str, input: &Value) -> ApiResult {
    let r = Request { input };
    match operation {
        "CreateStateMachine" => create_state_machine(server, &r),
        "DescribeStateMachine" => describe_state_machine(server, &r),
        "UpdateStateMachine" => update_state_machine(server, &r),
        "DeleteStateMachine" => delete_state_machine(server, &r),
        "ListStateMachines" => list_state_machines(server, &r),
        "DescribeStateMachineForExecution" => describe_state_machine_for_execution(server, &r),
        "ValidateStateMachineDefinition" => validate_definition(&r),
        "StartExecution" => start_execution(server, &r),
        "StartSyncExecution" => start_sync_execution(server, &r),
        "DescribeExecution" => describe_execution(server, &r),
        "StopExecution" => stop_execution(server, &r),
        "RedriveExecution" => redrive_execution(server, &r),
        "ListExecutions" => list_executions(server, &r),
        "GetExecutionHistory" => get_execution_history(server, &r),
        "SendTaskSuccess" => send_task_success(server, &r),
        "SendTaskFailure" => send_task_failure(server, &r),
        "SendTaskHeartbeat" => send_task_heartbeat(server, &r),
        "CreateActivity" => create_activity(server, &r),
        "DescribeActivity" => describe_activity(server, &r),
        "DeleteActivity" => delete_activity(server, &r),
        "ListActivities" => list_activities(server, &r),
        "GetActivityTask" => get_activity_task(server, &r),
        "PublishStateMachineVersion" => publish_version(server, &r),
        "ListStateMachineVersions" => list_versions(server, &r),
        "DeleteStateMachineVersion" => delete_version(server, &r),
        "CreateStateMachineAlias" => create_alias(server, &r),
        "DescribeStateMachineAlias" => describe_alias(server, &r),
        "UpdateStateMachineAlias" => update_alias(server, &r),
        "DeleteStateMachineAlias" => delete_alias(server, &r),
        "ListStateMachineAliases" => list_aliases(server, &r),
        "TestState" => crate::test_state::test_state(r.input),
        "DescribeMapRun" => describe_map_run(server, &r),
        "ListMapRuns" => list_map_runs(server, &r),
        "UpdateMapRun" => update_map_run(server, &r),
        "TagResource" => tag_resource(server, &r),
        "UntagResource" => untag_resource(server, &r),
        "ListTagsForResource" => list_tags_for_resource(server, &r),
        _ => Err(ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation AWSStepFunctions.{operation}"),
        )),
    }
}

// ----- request members -----

struct Request<'a> {
    input: &'a Value,
}

fn validation(member: &str, value: &Value, constraint: &str) -> ApiError {
    let shown = match value {
        Value::Null => "null".to_string(),
        Value::String(s) => format!("'{s}'"),
        other => format!("'{other}'"),
    };
    ApiError::new(
        "ValidationException",
        format!(
            "1 validation error detected: Value {shown} at '{member}' failed to satisfy constraint: {constraint}"
        ),
    )
}

impl Request<'_> {
    fn get(&self, member: &str) -> Option<&Value> {
        self.input.get(member).filter(|v| !v.is_null())
    }

    /// A string member of at most `max` characters, if present.
    fn opt_str(&self, member: &str, max: usize) -> Result<Option<&str>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::String(s)) if s.chars().count() > max => Err(validation(
                member,
                &Value::String(s.clone()),
                &format!("Member must have length less than or equal to {max}"),
            )),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(ApiError::new(
                "SerializationException",
                format!("'{member}' must be a string, not {other}"),
            )),
        }
    }

    /// A required string member.
    fn str(&self, member: &str, max: usize) -> Result<&str, ApiError> {
        self.opt_str(member, max)?
            .ok_or_else(|| validation(member, &Value::Null, "Member must not be null"))
    }

    fn opt_bool(&self, member: &str) -> Result<Option<bool>, ApiError> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(ApiError::new(
                "SerializationException",
                format!("'{member}' must be a boolean, not {other}"),
            )),
        }
    }

    /// `maxResults`: 0 to 1000, 0 or absent meaning the default of 100.
    fn max_results(&self) -> Result<usize, ApiError> {
        match self.get("maxResults") {
            None => Ok(100),
            Some(v) => match v.as_i64() {
                Some(n) if n > 1000 => Err(validation(
                    "maxResults",
                    v,
                    "Member must have value less than or equal to 1000",
                )),
                Some(n) if n < 0 => Err(validation(
                    "maxResults",
                    v,
                    "Member must have value greater than or equal to 0",
                )),
                Some(0) => Ok(100),
                Some(n) => Ok(n as usize),
                None => Err(ApiError::new(
                    "SerializationException",
                    "'maxResults' must be an integer",
                )),
            },
        }
    }

    /// `nextToken`, decoded: the key the previous page ended at.
    fn next_token(&self) -> Result<Option<String>, ApiError> {
        let Some(token) = self.opt_str("nextToken", 1024)? else {
            return Ok(None);
        };
        decode_token(token)
            .map(Some)
            .ok_or_else(|| ApiError::new("InvalidToken", format!("Invalid Token: '{token}'")))
    }
}

/// Page tokens are the last key of the page, hex-encoded behind a version tag: opaque to
/// clients, and checkable.
fn encode_token(key: &str) -> String {
    let mut s = String::from("v1.");
    for b in key.as_bytes() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn decode_token(token: &str) -> Option<String> {
    let hex = token.strip_prefix("v1.")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

// ----- ARNs, names, dates -----

/// Checks that `arn` is a Step Functions ARN of one of the `expected` resource types.
fn parse_arn(arn: &str, expected: &[&str]) -> Result<(), ApiError> {
    let invalid = |why: &str| ApiError::new("InvalidArn", format!("Invalid Arn: '{why}'"));
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    if parts.len() < 7 || parts[0] != "arn" || parts[2] != "states" {
        return Err(invalid(&format!("Invalid ARN prefix: {arn}")));
    }
    let resource_type = parts[5];
    if !expected.contains(&resource_type) {
        return Err(invalid(&format!(
            "Resource type not valid in this context: {resource_type}"
        )));
    }
    if parts[6].is_empty() {
        return Err(invalid(&format!("Invalid resource name: {arn}")));
    }
    Ok(())
}

fn invalid_name(name: &str) -> ApiError {
    ApiError::new("InvalidName", format!("Invalid Name: '{name}'"))
}

/// AWS sends dates as epoch seconds with a fraction.
fn date(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new("InternalFailure", format!("Internal failure: {e}"))
}

fn store_error(e: StoreError) -> ApiError {
    internal(e)
}

fn machine_not_found(arn: &str) -> ApiError {
    ApiError::new(
        "StateMachineDoesNotExist",
        format!("State Machine Does Not Exist: '{arn}'"),
    )
}

fn execution_not_found(arn: &str) -> ApiError {
    ApiError::new(
        "ExecutionDoesNotExist",
        format!("Execution Does Not Exist: '{arn}'"),
    )
}

fn get_machine(server: &Server, arn: &str) -> Result<StateMachineRecord, ApiError> {
    parse_arn(arn, &["stateMachine"])?;
    server
        .store()
        .get_state_machine(arn)
        .map_err(store_error)?
        .ok_or_else(|| machine_not_found(arn))
}

fn get_execution(server: &Server, arn: &str) -> Result<ExecutionRecord, ApiError> {
    parse_arn(arn, &["execution"])?;
    server
        .store()
        .get_execution(arn)
        .map_err(store_error)?
        .ok_or_else(|| execution_not_found(arn))
}

/// A state machine record's settings (`config`): loggingConfiguration, tracingConfiguration,
/// description, tags, updateDate.
fn config(record: &StateMachineRecord) -> Map<String, Value> {
    serde_json::from_str(&record.config).unwrap_or_default()
}

fn new_uuid() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let a = t ^ n.rotate_left(32) ^ u64::from(std::process::id()).rotate_left(17);
    let b = t.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ n;
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

fn workflow_type(r: &Request<'_>) -> Result<(WorkflowType, &'static str), ApiError> {
    match r.opt_str("type", 16)? {
        None | Some("STANDARD") => Ok((WorkflowType::Standard, "STANDARD")),
        Some("EXPRESS") => Ok((WorkflowType::Express, "EXPRESS")),
        Some(other) => Err(validation(
            "type",
            &Value::String(other.into()),
            "Member must satisfy enum value set: [STANDARD, EXPRESS]",
        )),
    }
}

fn check_definition(definition: &str, workflow_type: WorkflowType) -> Result<(), ApiError> {
    let analysis = analyze(
        definition,
        &Options {
            workflow_type,
            ..Options::default()
        },
    );
    if analysis.machine.is_some() {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidDefinition",
            invalid_definition_message(&analysis.diagnostics),
        ))
    }
}

fn logging_configuration(r: &Request<'_>) -> Result<Option<Value>, ApiError> {
    let Some(logging) = r.get("loggingConfiguration") else {
        return Ok(None);
    };
    let level = logging
        .get("level")
        .and_then(Value::as_str)
        .unwrap_or("OFF");
    if !matches!(level, "ALL" | "ERROR" | "FATAL" | "OFF") {
        return Err(validation(
            "loggingConfiguration.level",
            &Value::String(level.into()),
            "Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]",
        ));
    }
    let mut out = json!({
        "level": level,
        "includeExecutionData": logging.get("includeExecutionData").and_then(Value::as_bool).unwrap_or(false),
    });
    if let Some(d) = logging.get("destinations") {
        out["destinations"] = d.clone();
    }
    Ok(Some(out))
}

// ----- state machines -----

fn create_state_machine(server: &Server, r: &Request<'_>) -> ApiResult {
    let name = r.str("name", 80)?;
    let definition = r.str("definition", 1_048_576)?;
    let role_arn = r.str("roleArn", 256)?;
    let (wf, type_name) = workflow_type(r)?;
    check_name(name).map_err(|_| invalid_name(name))?;
    check_definition(definition, wf)?;
    let (publish_it, version_description) = publish_request(r)?;
    let logging = logging_configuration(r)?;
    let tracing = r
        .get("tracingConfiguration")
        .cloned()
        .unwrap_or_else(|| json!({"enabled": false}));
    let cfg = server.config();
    let arn = format!(
        "arn:aws:states:{}:{}:stateMachine:{name}",
        cfg.region, cfg.account
    );
    let now = (server.clock())();
    let mut settings = Map::new();
    settings.insert(
        "loggingConfiguration".into(),
        logging
            .clone()
            .unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false})),
    );
    settings.insert("tracingConfiguration".into(), tracing.clone());
    if let Some(tags) = r.get("tags") {
        settings.insert("tags".into(), tags.clone());
    }
    settings.insert("updateDate".into(), json!(now));
    let record = StateMachineRecord {
        arn: arn.clone(),
        name: name.to_string(),
        definition: definition.to_string(),
        role_arn: role_arn.to_string(),
        workflow_type: type_name.to_string(),
        created_millis: now,
        revision_id: new_uuid(),
        config: Value::Object(settings).to_string(),
    };
    let created = match server.store().create_state_machine(&record) {
        Ok(()) => Ok(json!({"stateMachineArn": arn, "creationDate": date(now)})),
        Err(StoreError::AlreadyExists(_)) => {
            // Idempotent on name, definition, type and settings (roleArn and tags aside).
            let existing = server
                .store()
                .get_state_machine(&arn)
                .map_err(store_error)?
                .ok_or_else(|| machine_not_found(&arn))?;
            let settings = config(&existing);
            let default_logging = json!({"level": "OFF", "includeExecutionData": false});
            let same = existing.definition == definition
                && existing.workflow_type == type_name
                && settings.get("loggingConfiguration")
                    == Some(logging.as_ref().unwrap_or(&default_logging))
                && settings.get("tracingConfiguration") == Some(&tracing);
            if same {
                Ok(json!({"stateMachineArn": arn, "creationDate": date(existing.created_millis)}))
            } else {
                Err(ApiError::new(
                    "StateMachineAlreadyExists",
                    format!("State Machine Already Exists: '{arn}'"),
                ))
            }
        }
        Err(e) => Err(store_error(e)),
    };
    let mut out = created?;
    if publish_it {
        let v = publish(server, &arn, version_description)?;
        out["stateMachineVersionArn"] = json!(v.arn);
    }
    Ok(out)
}

/// `publish` and `versionDescription` (which needs `publish`).
fn publish_request<'a>(r: &'a Request<'_>) -> Result<(bool, Option<&'a str>), ApiError> {
    let publish = r.opt_bool("publish")?.unwrap_or(false);
    let description = r.opt_str("versionDescription", 256)?;
    if description.is_some() && !publish {
        return Err(ApiError::new(
            "ValidationException",
            "Version description can only be set when publish is true",
        ));
    }
    Ok((publish, description))
}

fn describe_machine_json(record: &StateMachineRecord) -> Value {
    let settings = config(record);
    let mut out = json!({
        "stateMachineArn": record.arn,
        "name": record.name,
        "status": "ACTIVE",
        "definition": record.definition,
        "roleArn": record.role_arn,
        "type": record.workflow_type,
        "creationDate": date(record.created_millis),
        "revisionId": record.revision_id,
    });
    for key in [
        "loggingConfiguration",
        "tracingConfiguration",
        "description",
    ] {
        if let Some(v) = settings.get(key) {
            out[key] = v.clone();
        }
    }
    out
}

fn describe_state_machine(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineArn", 256)?;
    let target = resolve(server, arn)?;
    if target.alias.is_some() {
        return Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Resource type not valid in this context: alias' ({arn})"),
        ));
    }
    let mut out = describe_machine_json(&target.machine);
    if let Some(v) = target.version {
        out["stateMachineArn"] = json!(v.arn);
        if let Some(d) = v.description {
            out["description"] = json!(d);
        }
    }
    Ok(out)
}

fn update_state_machine(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineArn", 256)?;
    let definition = r.opt_str("definition", 1_048_576)?;
    let role_arn = r.opt_str("roleArn", 256)?;
    let logging = logging_configuration(r)?;
    let tracing = r.get("tracingConfiguration").cloned();
    let (publish_it, version_description) = publish_request(r)?;
    if definition.is_none() && role_arn.is_none() && logging.is_none() && tracing.is_none() {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified",
        ));
    }
    let mut record = get_machine(server, arn)?;
    if let Some(d) = definition {
        let wf = if record.workflow_type == "EXPRESS" {
            WorkflowType::Express
        } else {
            WorkflowType::Standard
        };
        check_definition(d, wf)?;
        record.definition = d.to_string();
    }
    if let Some(role) = role_arn {
        record.role_arn = role.to_string();
    }
    let now = (server.clock())();
    let mut settings = config(&record);
    if let Some(l) = logging {
        settings.insert("loggingConfiguration".into(), l);
    }
    if let Some(t) = tracing {
        settings.insert("tracingConfiguration".into(), t);
    }
    settings.insert("updateDate".into(), json!(now));
    record.config = Value::Object(settings).to_string();
    record.revision_id = new_uuid();
    server
        .store()
        .update_state_machine(&record)
        .map_err(store_error)?;
    let mut out = json!({"updateDate": date(now), "revisionId": record.revision_id});
    if publish_it {
        let v = publish(server, arn, version_description)?;
        out["stateMachineVersionArn"] = json!(v.arn);
    }
    Ok(out)
}

fn delete_state_machine(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineArn", 256)?;
    parse_arn(arn, &["stateMachine"])?;
    match server.store().delete_state_machine(arn) {
        Ok(()) | Err(StoreError::NotFound(_)) => Ok(json!({})),
        Err(e) => Err(store_error(e)),
    }
}

/// A listing's page as AWS answers it: at most `maxResults` items under `field`, and a
/// `nextToken` (the last item's key) when more follow. `fetch` is asked for one item more than
/// the page holds, to know.
fn listing<T>(
    r: &Request<'_>,
    field: &str,
    fetch: impl FnOnce(Page<'_>) -> baton_store::Result<Vec<T>>,
    key: impl Fn(&T) -> &str,
    item: impl Fn(&T) -> Value,
) -> ApiResult {
    let limit = r.max_results()?;
    let after = r.next_token()?;
    let page = fetch(Page {
        after: after.as_deref(),
        limit: limit + 1,
    })
    .map_err(store_error)?;
    Ok(page_answer(page, limit, field, key, item))
}

/// [`listing`]'s answer for a page of up to `limit + 1` items.
fn page_answer<T>(
    mut page: Vec<T>,
    limit: usize,
    field: &str,
    key: impl Fn(&T) -> &str,
    item: impl Fn(&T) -> Value,
) -> Value {
    let more = page.len() > limit;
    page.truncate(limit);
    let mut out = json!({ field: page.iter().map(&item).collect::<Vec<_>>() });
    if more && let Some(last) = page.last() {
        out["nextToken"] = json!(encode_token(key(last)));
    }
    out
}

fn list_state_machines(server: &Server, r: &Request<'_>) -> ApiResult {
    listing(
        r,
        "stateMachines",
        |page| server.store().list_state_machines(page),
        |m| &m.arn,
        |m| {
            json!({"stateMachineArn": m.arn, "name": m.name, "type": m.workflow_type,
                   "creationDate": date(m.created_millis)})
        },
    )
}

fn describe_state_machine_for_execution(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("executionArn", 256)?;
    let execution = get_execution(server, arn)?;
    // The definition the execution runs: its revision, whatever updates came since.
    let machine = match server
        .store()
        .get_state_machine_revision(&execution.state_machine_arn, &execution.revision_id)
        .map_err(store_error)?
    {
        Some(m) => m,
        None => get_machine(server, &execution.state_machine_arn)?,
    };
    let mut out = describe_machine_json(&machine);
    let settings = config(&machine);
    out["updateDate"] = date(
        settings
            .get("updateDate")
            .and_then(Value::as_i64)
            .unwrap_or(machine.created_millis),
    );
    if let Some(o) = out.as_object_mut() {
        o.remove("status");
        o.remove("type");
        o.remove("creationDate");
    }
    Ok(out)
}

fn validate_definition(r: &Request<'_>) -> ApiResult {
    let definition = r.str("definition", 1_048_576)?;
    let (wf, _) = workflow_type(r)?;
    let min_severity = match r.opt_str("severity", 16)? {
        None | Some("ERROR") => Severity::Error,
        Some("WARNING") => Severity::Warning,
        Some(other) => {
            return Err(validation(
                "severity",
                &Value::String(other.into()),
                "Member must satisfy enum value set: [ERROR, WARNING]",
            ));
        }
    };
    // This operation's maxResults goes to 100, not 1000.
    let max = match r.get("maxResults").and_then(Value::as_i64) {
        Some(n) if n > 100 => {
            return Err(validation(
                "maxResults",
                &json!(n),
                "Member must have value less than or equal to 100",
            ));
        }
        _ => r.max_results()?,
    };
    let mut analysis = analyze(
        definition,
        &Options {
            workflow_type: wf,
            ..Options::default()
        },
    );
    if min_severity == Severity::Warning
        && let Some(m) = &analysis.machine
    {
        analysis.diagnostics.extend(baton_asl::lint::lint(m, wf));
    }
    let diagnostics: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| min_severity == Severity::Warning || d.severity == Severity::Error)
        .collect();
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    let truncated = diagnostics.len() > max;
    let shown: Vec<Value> = diagnostics
        .iter()
        .take(max)
        .map(|d| {
            let mut v =
                json!({"severity": d.severity.as_str(), "code": d.code, "message": d.message});
            if let Some(loc) = &d.location {
                v["location"] = json!(loc);
            }
            v
        })
        .collect();
    Ok(json!({
        "result": if failed { "FAIL" } else { "OK" },
        "diagnostics": shown,
        "truncated": truncated,
    }))
}

// ----- executions -----

fn execution_input(r: &Request<'_>) -> Result<String, ApiError> {
    Ok(r.opt_str("input", 262_144)?.unwrap_or("{}").to_string())
}

fn start_error(e: DurableError, machine_arn: &str, name: &str, arn: &str) -> ApiError {
    match e {
        DurableError::InvalidName(_) => invalid_name(name),
        DurableError::InvalidInput(why) => ApiError::new(
            "InvalidExecutionInput",
            format!("Invalid State Machine Execution Input: '{why}'"),
        ),
        DurableError::Store(StoreError::AlreadyExists(_)) => ApiError::new(
            "ExecutionAlreadyExists",
            format!("Execution Already Exists: '{arn}'"),
        ),
        DurableError::NotFound(_) => machine_not_found(machine_arn),
        DurableError::NotExpress(_) => ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ),
        other => internal(other),
    }
}

fn start_execution(server: &Server, r: &Request<'_>) -> ApiResult {
    let machine_arn = r.str("stateMachineArn", 256)?;
    let name = r.opt_str("name", 80)?.map(str::to_string);
    let input = execution_input(r)?;
    let epoch = server.machines_epoch();
    let target = resolve(server, machine_arn)?;
    let via = baton_engine::runtime::StartedVia {
        version_arn: target.version.as_ref().map(|v| v.arn.clone()),
        alias_arn: target.alias.as_ref().map(|a| a.arn.clone()),
    };
    let machine = target.machine;
    let machine_arn = machine.arn.as_str();
    if machine.workflow_type == "EXPRESS" {
        let start = server
            .express()
            .start_async(&machine, name.as_deref(), &input)
            .map_err(|e| start_error(e, machine_arn, name.as_deref().unwrap_or(""), ""))?;
        return Ok(json!({"executionArn": start.arn, "startDate": date(start.start_millis)}));
    }
    // Only a machine whose first step is short may start on the request's thread next time.
    if target.version.is_none()
        && server
            .standard()
            .durable()
            .machine(&machine)
            .is_ok_and(|m| runs_briefly(&m))
    {
        server.remember_machine(&machine, epoch);
    }
    let (name, arn) = execution_name(machine_arn, name);
    let step = server
        .standard()
        .start_execution_grouped(
            &machine,
            &name,
            &input,
            baton_engine::runtime::os_random(),
            via,
        )
        .map_err(|e| start_error(e, machine_arn, &name, &arn))?;
    started_answer(step, machine_arn, &name, &arn)
}

/// The execution's name (a new UUID when the request has none) and its ARN.
fn execution_name(machine_arn: &str, name: Option<String>) -> (String, String) {
    let name = name.unwrap_or_else(new_uuid);
    let arn = format!(
        "{}:{name}",
        machine_arn.replacen(":stateMachine:", ":execution:", 1)
    );
    (name, arn)
}

/// StartExecution's answer for a stored start of a Standard execution.
fn started_answer(
    step: baton_engine::durable::Step,
    machine_arn: &str,
    name: &str,
    arn: &str,
) -> ApiResult {
    let record = step.execution;
    // Idempotent only while the execution runs; an ended one keeps its name.
    if step.existed && record.status != ExecutionStatus::Running {
        return Err(start_error(
            DurableError::Store(StoreError::AlreadyExists(arn.to_string())),
            machine_arn,
            name,
            arn,
        ));
    }
    Ok(json!({"executionArn": record.arn, "startDate": date(record.start_millis)}))
}

/// StartExecution of a Standard execution without the blocking pool, when the state machine
/// is cached (an unqualified ARN of a machine whose first step is short, read within the last
/// second): its first step runs here and the answer comes on the receiver once the start is
/// stored. `None` when it is not cached, and the request must go the usual way; nothing has
/// happened then.
pub fn start_execution_inline(
    server: &Server,
    input: &Value,
) -> Result<Option<tokio::sync::oneshot::Receiver<ApiResult>>, ApiError> {
    let r = Request { input };
    let machine_arn = r.str("stateMachineArn", 256)?;
    let Some(machine) = server.cached_machine(machine_arn) else {
        return Ok(None);
    };
    if machine.workflow_type != "STANDARD" {
        return Ok(None);
    }
    let name = r.opt_str("name", 80)?.map(str::to_string);
    let input = execution_input(&r)?;
    let (name, arn) = execution_name(&machine.arn, name);
    server.count_inline_start();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let machine_arn = machine.arn.clone();
    let (reply_name, reply_arn) = (name.clone(), arn.clone());
    server
        .standard()
        .start_execution_queued(
            &machine,
            &name,
            &input,
            baton_engine::runtime::os_random(),
            baton_engine::runtime::StartedVia::default(),
            Box::new(move |result| {
                let answer = result
                    .map_err(|e| start_error(e, &machine_arn, &reply_name, &reply_arn))
                    .and_then(|step| started_answer(step, &machine_arn, &reply_name, &reply_arn));
                let _ = tx.send(answer);
            }),
        )
        .map_err(|e| start_error(e, &machine.arn, &name, &arn))?;
    Ok(Some(rx))
}

fn payload_details() -> Value {
    json!({"included": true})
}

fn sync_outcome_json(o: &ExpressOutcome) -> Value {
    let mut out = json!({
        "executionArn": o.execution_arn,
        "stateMachineArn": o.state_machine_arn,
        "name": o.name,
        "startDate": date(o.start_millis),
        "stopDate": date(o.stop_millis),
        "status": match o.status {
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            _ => "FAILED",
        },
        "input": o.input,
        "inputDetails": payload_details(),
        "billingDetails": {
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": ((o.stop_millis - o.start_millis).max(1) + 99) / 100 * 100,
        },
    });
    if let Some(output) = &o.output {
        out["output"] = json!(output);
        out["outputDetails"] = payload_details();
    }
    if let Some(e) = &o.error {
        out["error"] = json!(e);
    }
    if let Some(c) = &o.cause {
        out["cause"] = json!(c);
    }
    out
}

fn start_sync_execution(server: &Server, r: &Request<'_>) -> ApiResult {
    let machine_arn = r.str("stateMachineArn", 256)?;
    let name = r.opt_str("name", 80)?;
    let input = execution_input(r)?;
    let epoch = server.machines_epoch();
    let machine = resolve(server, machine_arn)?.machine;
    if machine.workflow_type != "EXPRESS" {
        return Err(start_error(
            DurableError::NotExpress(machine_arn.into()),
            machine_arn,
            "",
            "",
        ));
    }
    // Only a machine whose first step is short may run on the request's thread.
    if split_qualified(machine_arn).1.is_none()
        && server
            .express()
            .machine(&machine)
            .is_ok_and(|m| runs_briefly(&m))
    {
        server.remember_machine(&machine, epoch);
    }
    let outcome = server
        .express()
        .start_sync(&machine, name, &input)
        .map_err(|e| start_error(e, machine_arn, name.unwrap_or(""), ""))?;
    Ok(sync_outcome_json(&outcome))
}

/// Whether every path through a machine is short: no loop in any block (a Choice going back,
/// a Catch retrying) and no Map (whose items may be many). Such a machine runs on the
/// request's thread; any other could hold it for up to 100,000 events.
fn runs_briefly(machine: &baton_asl::model::StateMachine) -> bool {
    fn acyclic(g: &baton_asl::graph::Group) -> bool {
        use std::collections::HashMap;
        let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in &g.edges {
            next.entry(e.from.as_str()).or_default().push(e.to.as_str());
        }
        // 0 unseen, 1 on the path, 2 done.
        let mut mark: HashMap<&str, u8> = HashMap::new();
        fn visit<'a>(
            n: &'a str,
            next: &HashMap<&'a str, Vec<&'a str>>,
            mark: &mut HashMap<&'a str, u8>,
        ) -> bool {
            match mark.get(n) {
                Some(1) => return false,
                Some(2) => return true,
                _ => {}
            }
            mark.insert(n, 1);
            for m in next.get(n).into_iter().flatten() {
                if !visit(m, next, mark) {
                    return false;
                }
            }
            mark.insert(n, 2);
            true
        }
        let starts: Vec<&str> = next.keys().copied().collect();
        starts.into_iter().all(|n| visit(n, &next, &mut mark))
            && g.states.iter().all(|(_, kind, _)| *kind != "Map")
            && g.children.iter().all(acyclic)
    }
    acyclic(&baton_asl::graph::build(machine))
}

/// A StartSyncExecution begun on the caller's (async) thread.
pub enum InlineSync {
    /// Ended in its first step: the answer, and the record to keep (a store write, for the
    /// blocking pool) with its execution ARN.
    Done(Value, Option<Box<(String, baton_store::ExpressRecord)>>),
    /// Runs on: wait on the blocking pool (see [`InlineSync::wait`]).
    Waiting(baton_engine::express::SyncWait, String, String),
}

impl InlineSync {
    /// Waits for a running execution's outcome (blocks).
    pub fn wait(wait: baton_engine::express::SyncWait, machine_arn: &str, name: &str) -> ApiResult {
        let outcome = wait
            .outcome()
            .map_err(|e| start_error(e, machine_arn, name, ""))?;
        Ok(sync_outcome_json(&outcome))
    }
}

/// StartSyncExecution without touching the store, when the state machine is cached (an
/// unqualified ARN read within the last second): `None` when it is not, and the request must
/// go the usual way. Never blocks; nothing has happened when it gives `None`.
pub fn start_sync_inline(server: &Server, input: &Value) -> Result<Option<InlineSync>, ApiError> {
    let r = Request { input };
    let machine_arn = r.str("stateMachineArn", 256)?;
    let Some(machine) = server.cached_machine(machine_arn) else {
        return Ok(None);
    };
    let name = r.opt_str("name", 80)?;
    let input = execution_input(&r)?;
    if machine.workflow_type != "EXPRESS" {
        return Ok(None);
    }
    let started = server
        .express()
        .begin_sync(&machine, name, &input)
        .map_err(|e| start_error(e, machine_arn, name.unwrap_or(""), ""))?;
    Ok(Some(match started {
        baton_engine::express::SyncStart::Done(outcome, record) => InlineSync::Done(
            sync_outcome_json(&outcome),
            record.map(|r| Box::new((outcome.execution_arn.clone(), *r))),
        ),
        baton_engine::express::SyncStart::Waiting(wait) => InlineSync::Waiting(
            wait,
            machine_arn.to_string(),
            name.unwrap_or("").to_string(),
        ),
    }))
}

fn describe_execution(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("executionArn", 256)?;
    let e = match get_execution(server, arn) {
        Ok(e) => e,
        Err(not_found) => {
            // A Map Run's child execution.
            let Some(child) = server
                .store()
                .get_map_run_execution(arn)
                .map_err(store_error)?
            else {
                return Err(not_found);
            };
            let mut out = map_run_child_json(&child, &map_run_state_machine(&child.map_run_arn));
            out["redriveStatus"] = json!("NOT_REDRIVABLE");
            out["redriveStatusReason"] =
                json!("Map Run child executions are redriven through their parent");
            return Ok(out);
        }
    };
    let metadata_only = r.opt_str("includedData", 16)? == Some("METADATA_ONLY");
    let mut out = json!({
        "executionArn": e.arn,
        "stateMachineArn": e.state_machine_arn,
        "name": e.name,
        "status": e.status.as_str(),
        "startDate": date(e.start_millis),
        "redriveCount": e.redrive_count,
    });
    if let Some(at) = e.redrive_millis {
        out["redriveDate"] = date(at);
    }
    if let Some(v) = &e.version_arn {
        out["stateMachineVersionArn"] = json!(v);
    }
    if let Some(a) = &e.alias_arn {
        out["stateMachineAliasArn"] = json!(a);
    }
    if !metadata_only {
        out["input"] = json!(e.input);
        out["inputDetails"] = payload_details();
    }
    if let Some(stop) = e.stop_millis {
        out["stopDate"] = date(stop);
    }
    if let Some(output) = e.output.as_ref().filter(|_| !metadata_only) {
        out["output"] = json!(output);
        out["outputDetails"] = payload_details();
    }
    if let Some(err) = &e.error {
        out["error"] = json!(err);
    }
    if let Some(cause) = &e.cause {
        out["cause"] = json!(cause);
    }
    let now = (server.clock())();
    // An execution whose state cannot be read back is described all the same, as one that
    // cannot be redriven.
    let blocker = server
        .standard()
        .durable()
        .redrive_blocker(&e, now)
        .unwrap_or_else(|err| Some(format!("Execution cannot be redriven: {err}")));
    match blocker {
        None => out["redriveStatus"] = json!("REDRIVABLE"),
        Some(reason) => {
            out["redriveStatus"] = json!("NOT_REDRIVABLE");
            out["redriveStatusReason"] = json!(reason);
        }
    }
    Ok(out)
}

fn redrive_execution(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("executionArn", 256)?;
    let token = r.opt_str("clientToken", 64)?;
    get_execution(server, arn)?;
    let now = (server.clock())();
    // Redrives of one server go one at a time, so that the same client token twice at once
    // is one redrive.
    let _one_at_a_time = server.redrives_lock();
    if let Some(at) = token.and_then(|t| server.redrive_by_token(arn, t, now)) {
        return Ok(json!({"redriveDate": date(at)}));
    }
    let step = server.standard().redrive(arn).map_err(|e| match e {
        DurableError::NotRedrivable(reason) => ApiError::new("ExecutionNotRedrivable", reason),
        DurableError::NotFound(_) => execution_not_found(arn),
        other => internal(other),
    })?;
    let at = step.execution.redrive_millis.unwrap_or(now);
    if let Some(t) = token {
        server.remember_redrive(arn, t, at);
    }
    Ok(json!({"redriveDate": date(at)}))
}

fn stop_execution(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("executionArn", 256)?;
    let error = r.opt_str("error", 256)?.map(str::to_string);
    let cause = r.opt_str("cause", 32_768)?.map(str::to_string);
    let e = get_execution(server, arn)?;
    if e.status != ExecutionStatus::Running {
        return Ok(json!({"stopDate": date(e.stop_millis.unwrap_or(e.start_millis))}));
    }
    let step = server
        .standard()
        .signal_now(arn, Signal::Stop { error, cause })
        .map_err(internal)?;
    let stop = step
        .execution
        .stop_millis
        .unwrap_or_else(|| (server.clock())());
    Ok(json!({"stopDate": date(stop)}))
}

// ----- Map Runs -----

fn map_run_not_found(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

fn get_map_run(server: &Server, arn: &str) -> Result<baton_store::MapRunRecord, ApiError> {
    parse_arn(arn, &["mapRun"])?;
    server
        .store()
        .get_map_run(arn)
        .map_err(store_error)?
        .ok_or_else(|| map_run_not_found(arn))
}

/// The state machine a Map Run's children run: `<machine>/<label>`, named after the run.
fn map_run_state_machine(map_run_arn: &str) -> String {
    let base = map_run_arn.rsplit_once(':').map_or(map_run_arn, |(b, _)| b);
    base.replacen(":mapRun:", ":stateMachine:", 1)
}

fn describe_map_run(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("mapRunArn", 2048)?;
    let m = get_map_run(server, arn)?;
    let details: Map<String, Value> = serde_json::from_str(&m.details).unwrap_or_default();
    let mut out = json!({
        "mapRunArn": m.arn,
        "executionArn": m.execution_arn,
        "status": m.status,
        "startDate": date(m.start_millis),
        "redriveCount": 0,
    });
    for key in [
        "maxConcurrency",
        "toleratedFailurePercentage",
        "toleratedFailureCount",
        "itemCounts",
        "executionCounts",
    ] {
        out[key] = details.get(key).cloned().unwrap_or(json!(0));
    }
    if let Some(stop) = m.stop_millis {
        out["stopDate"] = date(stop);
    }
    Ok(out)
}

fn list_map_runs(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("executionArn", 256)?;
    get_execution(server, arn)?;
    listing(
        r,
        "mapRuns",
        |page| server.store().list_map_runs(arn, page),
        |m| &m.arn,
        |m| {
            let mut v = json!({"executionArn": m.execution_arn, "mapRunArn": m.arn,
                               "stateMachineArn": map_run_state_machine(&m.arn),
                               "startDate": date(m.start_millis)});
            if let Some(stop) = m.stop_millis {
                v["stopDate"] = date(stop);
            }
            v
        },
    )
}

fn update_map_run(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("mapRunArn", 2048)?;
    let number = |member: &str| -> Result<Option<f64>, ApiError> {
        match r.get(member) {
            None => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| {
                ApiError::new(
                    "SerializationException",
                    format!("'{member}' must be a number"),
                )
            }),
        }
    };
    let max_concurrency = number("maxConcurrency")?;
    let count = number("toleratedFailureCount")?;
    let percentage = number("toleratedFailurePercentage")?;
    for (member, value, max) in [
        ("maxConcurrency", max_concurrency, f64::from(u32::MAX)),
        ("toleratedFailureCount", count, f64::from(u32::MAX)),
        ("toleratedFailurePercentage", percentage, 100.0),
    ] {
        if let Some(v) = value {
            if v < 0.0 {
                return Err(validation(
                    member,
                    &json!(v),
                    "Member must have value greater than or equal to 0",
                ));
            }
            if v > max {
                return Err(validation(
                    member,
                    &json!(v),
                    &format!("Member must have value less than or equal to {max}"),
                ));
            }
        }
    }
    if max_concurrency.is_none() && count.is_none() && percentage.is_none() {
        return Err(ApiError::new(
            "ValidationException",
            "At least one of maxConcurrency, toleratedFailurePercentage and toleratedFailureCount must be given",
        ));
    }
    let m = get_map_run(server, arn)?;
    if m.status != "RUNNING" {
        return Err(ApiError::new(
            "ValidationException",
            format!("The Map Run '{arn}' is {} and cannot be updated", m.status),
        ));
    }
    server
        .standard()
        .signal_now(
            &m.execution_arn,
            Signal::UpdateMapRun {
                map_run_arn: arn.to_string(),
                max_concurrency: max_concurrency.map(|v| v as u64),
                tolerated_failure_count: count.map(|v| v as u64),
                tolerated_failure_percentage: percentage,
            },
        )
        .map_err(internal)?;
    Ok(json!({}))
}

/// ListExecutions' `statusFilter` (`PENDING_REDRIVE` is a Map Run's, handled there).
fn status_filter(r: &Request<'_>) -> Result<Option<ExecutionStatus>, ApiError> {
    match r.opt_str("statusFilter", 32)? {
        None => Ok(None),
        Some("PENDING_REDRIVE") => Err(ApiError::new(
            "ValidationException",
            "The statusFilter PENDING_REDRIVE is only valid with a mapRunArn",
        )),
        Some(s) => ExecutionStatus::parse(s).map(Some).ok_or_else(|| {
            validation(
                "statusFilter",
                &Value::String(s.into()),
                "Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]",
            )
        }),
    }
}

/// ListExecutions of a Map Run: its child executions.
fn list_map_run_executions(server: &Server, r: &Request<'_>, map_run_arn: &str) -> ApiResult {
    if r.get("stateMachineArn").is_some() {
        return Err(ApiError::new(
            "ValidationException",
            "Only one of stateMachineArn and mapRunArn may be given",
        ));
    }
    get_map_run(server, map_run_arn)?;
    // Baton redrives a Map Run's children with their parent, at once: none waits for it.
    if r.opt_str("statusFilter", 32)? == Some("PENDING_REDRIVE") {
        return Ok(json!({"executions": []}));
    }
    let status = status_filter(r)?;
    let child_machine = map_run_state_machine(map_run_arn);
    listing(
        r,
        "executions",
        |page| {
            server
                .store()
                .list_map_run_executions(map_run_arn, status, page)
        },
        |e| &e.arn,
        |e| map_run_child_json(e, &child_machine),
    )
}

fn map_run_child_json(e: &baton_store::MapRunExecutionRecord, child_machine: &str) -> Value {
    let mut v = json!({"executionArn": e.arn, "stateMachineArn": child_machine,
                       "name": e.name, "status": e.status.as_str(),
                       "startDate": date(e.start_millis), "mapRunArn": e.map_run_arn,
                       "redriveCount": 0});
    if let Some(stop) = e.stop_millis {
        v["stopDate"] = date(stop);
    }
    v
}

fn list_executions(server: &Server, r: &Request<'_>) -> ApiResult {
    if let Some(map_run) = r.opt_str("mapRunArn", 2048)? {
        return list_map_run_executions(server, r, map_run);
    }
    let given_arn = r.str("stateMachineArn", 256)?;
    // A version or alias ARN lists the executions started through it.
    let target = resolve_listed(server, given_arn)?;
    let machine_arn = target.0.arn.as_str();
    if target.0.workflow_type == "EXPRESS" {
        return Err(start_error(
            DurableError::NotExpress(machine_arn.into()),
            machine_arn,
            "",
            "",
        ));
    }
    let through = target.1;
    let status = status_filter(r)?;
    let redriven = match r.opt_str("redriveFilter", 16)? {
        None => None,
        Some("REDRIVEN") => Some(true),
        Some("NOT_REDRIVEN") => Some(false),
        Some(other) => {
            return Err(validation(
                "redriveFilter",
                &Value::String(other.into()),
                "Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]",
            ));
        }
    };
    let limit = r.max_results()?;
    let after = r.next_token()?;
    if let Some(a) = &after
        && server
            .store()
            .get_execution(a)
            .map_err(store_error)?
            .is_none()
    {
        return Err(ApiError::new(
            "InvalidToken",
            "Invalid Token: 'the token names no execution'",
        ));
    }
    let mut page = Vec::new();
    let mut cursor = after.clone();
    // The store lists by state machine; executions through a version or alias are picked out.
    let filtered = through.is_some() || redriven.is_some();
    let chunk_size = if filtered { 500 } else { limit + 1 };
    loop {
        let chunk = server
            .store()
            .list_executions(
                machine_arn,
                status,
                Page {
                    after: cursor.as_deref(),
                    limit: chunk_size,
                },
            )
            .map_err(store_error)?;
        let exhausted = chunk.len() < chunk_size;
        cursor = chunk.last().map(|e| e.arn.clone());
        page.extend(chunk.into_iter().filter(|e| {
            let by_target = match &through {
                None => true,
                Some(Through::Version(v)) => e.version_arn.as_deref() == Some(v.as_str()),
                Some(Through::Alias(a)) => e.alias_arn.as_deref() == Some(a.as_str()),
            };
            by_target && redriven.is_none_or(|r| (e.redrive_count > 0) == r)
        }));
        if page.len() > limit || exhausted || !filtered {
            break;
        }
    }
    Ok(page_answer(
        page,
        limit,
        "executions",
        |e| &e.arn,
        |e| {
            let mut v = json!({"executionArn": e.arn, "stateMachineArn": e.state_machine_arn,
                               "name": e.name, "status": e.status.as_str(),
                               "startDate": date(e.start_millis), "redriveCount": e.redrive_count});
            if let Some(stop) = e.stop_millis {
                v["stopDate"] = date(stop);
            }
            if let Some(at) = e.redrive_millis {
                v["redriveDate"] = date(at);
            }
            if let Some(version) = &e.version_arn {
                v["stateMachineVersionArn"] = json!(version);
            }
            if let Some(alias) = &e.alias_arn {
                v["stateMachineAliasArn"] = json!(alias);
            }
            v
        },
    ))
}

/// A stored event as GetExecutionHistory returns it.
fn event_json(e: &HistoryRecord, include_data: bool) -> Value {
    let mut out = json!({
        "timestamp": date(e.timestamp_millis),
        "type": e.event_type,
        "id": e.id,
        "previousEventId": e.previous_event_id,
    });
    let field = serde_json::from_value::<HistoryEventType>(json!(e.event_type))
        .ok()
        .and_then(HistoryEventType::details_field);
    if let (Some(field), false) = (field, e.details.is_empty()) {
        let mut details: Value = serde_json::from_str(&e.details).unwrap_or_else(|_| json!({}));
        if !include_data && let Some(d) = details.as_object_mut() {
            for data in ["input", "output", "parameters"] {
                d.remove(data);
            }
        }
        out[field] = details;
    }
    out
}

fn get_execution_history(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("executionArn", 256)?;
    get_execution(server, arn)?;
    let limit = r.max_results()?;
    let reverse = r.opt_bool("reverseOrder")?.unwrap_or(false);
    let include_data = r.opt_bool("includeExecutionData")?.unwrap_or(true);
    let after: Option<u64> = match r.next_token()? {
        None => None,
        Some(t) => Some(t.parse().map_err(|_| {
            ApiError::new(
                "InvalidToken",
                "Invalid Token: 'the token is not a history token'",
            )
        })?),
    };
    let (events, next) = if reverse {
        // Newest first: everything up to the token's event, from the end.
        let all = server
            .store()
            .history(arn, 0, 100_000)
            .map_err(store_error)?;
        let end = after.map_or(all.len(), |id| {
            (id.saturating_sub(1) as usize).min(all.len())
        });
        let start = end.saturating_sub(limit);
        let page: Vec<&HistoryRecord> = all[start..end].iter().rev().collect();
        let next = (start > 0).then(|| page.last().map(|e| e.id)).flatten();
        (page.into_iter().cloned().collect::<Vec<_>>(), next)
    } else {
        let mut page = server
            .store()
            .history(arn, after.unwrap_or(0), limit + 1)
            .map_err(store_error)?;
        let more = page.len() > limit;
        page.truncate(limit);
        let next = if more {
            page.last().map(|e| e.id)
        } else {
            None
        };
        (page, next)
    };
    let mut out =
        json!({"events": events.iter().map(|e| event_json(e, include_data)).collect::<Vec<_>>()});
    if let Some(id) = next {
        out["nextToken"] = json!(encode_token(&id.to_string()));
    }
    Ok(out)
}

// ----- task tokens -----

fn task_error(e: DurableError, token: &str) -> ApiError {
    match e {
        DurableError::NotFound(_) => ApiError::new(
            "TaskDoesNotExist",
            format!("Task Does Not Exist: '{token}'"),
        ),
        other => internal(other),
    }
}

fn send_task_success(server: &Server, r: &Request<'_>) -> ApiResult {
    let token = r.str("taskToken", 2048)?;
    let output = r.str("output", 262_144)?;
    let output = Json::parse(output)
        .map_err(|e| ApiError::new("InvalidOutput", format!("Invalid Output: '{e}'")))?;
    server
        .standard()
        .complete(token, Ok(output))
        .map_err(|e| task_error(e, token))?;
    Ok(json!({}))
}

fn send_task_failure(server: &Server, r: &Request<'_>) -> ApiResult {
    let token = r.str("taskToken", 2048)?;
    let error = r.opt_str("error", 256)?.unwrap_or("");
    let cause = r.opt_str("cause", 32_768)?;
    let mut failure = StatesError::bare(error);
    failure.cause = cause.map(str::to_string);
    server
        .standard()
        .complete(token, Err(failure))
        .map_err(|e| task_error(e, token))?;
    Ok(json!({}))
}

fn send_task_heartbeat(server: &Server, r: &Request<'_>) -> ApiResult {
    let token = r.str("taskToken", 2048)?;
    let task = server
        .store()
        .get_task(token)
        .map_err(store_error)?
        .ok_or_else(|| task_error(DurableError::NotFound(token.into()), token))?;
    server
        .standard()
        .signal_now(
            &task.execution_arn,
            Signal::TaskHeartbeat { task: task.task_id },
        )
        .map_err(internal)?;
    Ok(json!({}))
}

// ----- activities -----

fn activity_not_found(arn: &str) -> ApiError {
    ApiError::new(
        "ActivityDoesNotExist",
        format!("Activity Does Not Exist: '{arn}'"),
    )
}

fn create_activity(server: &Server, r: &Request<'_>) -> ApiResult {
    let name = r.str("name", 80)?;
    check_name(name).map_err(|_| invalid_name(name))?;
    let cfg = server.config();
    let arn = format!(
        "arn:aws:states:{}:{}:activity:{name}",
        cfg.region, cfg.account
    );
    let now = (server.clock())();
    let mut settings = Map::new();
    if let Some(tags) = r.get("tags") {
        settings.insert("tags".into(), tags.clone());
    }
    let record = ActivityRecord {
        arn: arn.clone(),
        name: name.to_string(),
        created_millis: now,
        config: Value::Object(settings).to_string(),
    };
    match server.store().create_activity(&record) {
        Ok(()) => Ok(json!({"activityArn": arn, "creationDate": date(now)})),
        // Idempotent on the name.
        Err(StoreError::AlreadyExists(_)) => {
            let existing = server
                .store()
                .get_activity(&arn)
                .map_err(store_error)?
                .ok_or_else(|| activity_not_found(&arn))?;
            Ok(json!({"activityArn": arn, "creationDate": date(existing.created_millis)}))
        }
        Err(e) => Err(store_error(e)),
    }
}

fn get_activity(server: &Server, arn: &str) -> Result<ActivityRecord, ApiError> {
    parse_arn(arn, &["activity"])?;
    server
        .store()
        .get_activity(arn)
        .map_err(store_error)?
        .ok_or_else(|| activity_not_found(arn))
}

fn describe_activity(server: &Server, r: &Request<'_>) -> ApiResult {
    let a = get_activity(server, r.str("activityArn", 256)?)?;
    Ok(json!({"activityArn": a.arn, "name": a.name, "creationDate": date(a.created_millis)}))
}

fn delete_activity(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("activityArn", 256)?;
    parse_arn(arn, &["activity"])?;
    server.store().delete_activity(arn).map_err(store_error)?;
    Ok(json!({}))
}

fn list_activities(server: &Server, r: &Request<'_>) -> ApiResult {
    listing(
        r,
        "activities",
        |page| server.store().list_activities(page),
        |a| &a.arn,
        |a| json!({"activityArn": a.arn, "name": a.name, "creationDate": date(a.created_millis)}),
    )
}

/// How long GetActivityTask waits for a task before it answers with none (AWS: 60 s).
const ACTIVITY_POLL_MILLIS: u64 = 60_000;

/// A validated GetActivityTask request.
#[derive(Debug, Clone)]
pub struct ActivityPoll {
    /// The activity.
    pub activity_arn: String,
    /// `workerName`, as given.
    pub worker_name: Option<String>,
    /// The name the store records as the task's worker.
    pub worker_id: String,
    /// How long to wait for a task.
    pub wait: std::time::Duration,
}

/// Checks a GetActivityTask request (the activity must exist).
pub fn activity_poll(server: &Server, input: &Value) -> Result<ActivityPoll, ApiError> {
    let r = Request { input };
    let arn = r.str("activityArn", 256)?;
    let worker = r.opt_str("workerName", 80)?;
    get_activity(server, arn)?;
    Ok(ActivityPoll {
        activity_arn: arn.to_string(),
        worker_name: worker.map(str::to_string),
        worker_id: worker.map_or_else(|| format!("worker-{}", new_uuid()), str::to_string),
        wait: std::time::Duration::from_millis(
            server
                .config()
                .activity_poll_millis
                .unwrap_or(ACTIVITY_POLL_MILLIS),
        ),
    })
}

/// Gives the oldest untaken task of the activity to the worker, if there is one.
pub fn take_activity_task(server: &Server, poll: &ActivityPoll) -> Result<Option<Value>, ApiError> {
    let Some(task) = server
        .store()
        .take_task(&poll.activity_arn, &poll.worker_id)
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    // The worker has it: the execution records ActivityStarted and its heartbeat clock starts.
    server.standard().signal(
        &task.execution_arn,
        Signal::TaskStarted {
            task: task.task_id,
            worker_name: poll.worker_name.clone(),
        },
    );
    Ok(Some(json!({"taskToken": task.token, "input": task.input})))
}

fn get_activity_task(server: &Server, r: &Request<'_>) -> ApiResult {
    // Served by the API's async long poll; a direct call takes a task if one is there.
    let poll = activity_poll(server, r.input)?;
    Ok(take_activity_task(server, &poll)?.unwrap_or_else(|| json!({})))
}

// ----- tags -----

/// The most tags a resource may carry.
const MAX_TAGS: usize = 50;

fn resource_not_found(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

/// A tagged resource's settings, and a way to store them back.
enum Tagged {
    Machine(StateMachineRecord),
    Activity(ActivityRecord),
}

impl Tagged {
    fn load(server: &Server, arn: &str) -> Result<Tagged, ApiError> {
        parse_arn(arn, &["stateMachine", "activity"])?;
        let store = server.store();
        if let Some(m) = store.get_state_machine(arn).map_err(store_error)? {
            return Ok(Tagged::Machine(m));
        }
        if let Some(a) = store.get_activity(arn).map_err(store_error)? {
            return Ok(Tagged::Activity(a));
        }
        Err(resource_not_found(arn))
    }

    fn config(&self) -> Map<String, Value> {
        let text = match self {
            Tagged::Machine(m) => &m.config,
            Tagged::Activity(a) => &a.config,
        };
        serde_json::from_str(text).unwrap_or_default()
    }

    fn tags(&self) -> Vec<(String, String)> {
        self.config()
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(|t| {
                        Some((
                            t.get("key")?.as_str()?.to_string(),
                            t.get("value")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn save(self, server: &Server, tags: &[(String, String)]) -> Result<(), ApiError> {
        let mut config = self.config();
        let list: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        config.insert("tags".into(), Value::Array(list));
        let text = Value::Object(config).to_string();
        match self {
            Tagged::Machine(mut m) => {
                m.config = text;
                server.store().update_state_machine(&m).map_err(store_error)
            }
            Tagged::Activity(mut a) => {
                a.config = text;
                server.store().update_activity(&a).map_err(store_error)
            }
        }
    }
}

fn tag_resource(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("resourceArn", 256)?;
    let given = r
        .get("tags")
        .and_then(Value::as_array)
        .ok_or_else(|| validation("tags", &Value::Null, "Member must not be null"))?;
    let resource = Tagged::load(server, arn)?;
    let mut tags = resource.tags();
    for t in given {
        let key = t.get("key").and_then(Value::as_str).unwrap_or("");
        let value = t.get("value").and_then(Value::as_str).unwrap_or("");
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(validation(
                "tags",
                t,
                "Member must satisfy constraint: keys of 1 to 128 and values of at most 256 characters",
            ));
        }
        match tags.iter_mut().find(|(k, _)| k == key) {
            Some(existing) => existing.1 = value.to_string(),
            None => tags.push((key.to_string(), value.to_string())),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::new(
            "TooManyTags",
            format!("Too many tags: a resource may have {MAX_TAGS} at most ('{arn}')"),
        ));
    }
    resource.save(server, &tags)?;
    Ok(json!({}))
}

fn untag_resource(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("resourceArn", 256)?;
    let keys: Vec<&str> = r
        .get("tagKeys")
        .and_then(Value::as_array)
        .ok_or_else(|| validation("tagKeys", &Value::Null, "Member must not be null"))?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let resource = Tagged::load(server, arn)?;
    let tags: Vec<(String, String)> = resource
        .tags()
        .into_iter()
        .filter(|(k, _)| !keys.contains(&k.as_str()))
        .collect();
    resource.save(server, &tags)?;
    Ok(json!({}))
}

fn list_tags_for_resource(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("resourceArn", 256)?;
    let tags: Vec<Value> = Tagged::load(server, arn)?
        .tags()
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    Ok(json!({"tags": tags}))
}

// ----- versions and aliases -----

/// What a state machine, version or alias ARN leads to.
struct Target {
    /// The state machine as of the revision to run (its ARN is the state machine's own).
    machine: StateMachineRecord,
    /// The version, when the ARN named one (or the alias routed to one).
    version: Option<VersionRecord>,
    /// The alias, when the ARN named one.
    alias: Option<AliasRecord>,
}

/// The state machine ARN of a version or alias ARN, and the qualifier.
fn split_qualified(arn: &str) -> (&str, Option<&str>) {
    let Some(at) = arn.find(":stateMachine:") else {
        return (arn, None);
    };
    let rest = &arn[at + ":stateMachine:".len()..];
    match rest.split_once(':') {
        Some((name, qualifier)) => (
            &arn[..at + ":stateMachine:".len() + name.len()],
            Some(qualifier),
        ),
        None => (arn, None),
    }
}

fn version_not_found(arn: &str) -> ApiError {
    ApiError::new(
        "StateMachineDoesNotExist",
        format!("State Machine Does Not Exist: '{arn}'"),
    )
}

fn alias_not_found(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

fn version_target(server: &Server, version: VersionRecord) -> Result<Target, ApiError> {
    // A version lives only as long as its state machine.
    get_machine(server, &version.state_machine_arn)?;
    let machine = server
        .store()
        .get_state_machine_revision(&version.state_machine_arn, &version.revision_id)
        .map_err(store_error)?
        .ok_or_else(|| version_not_found(&version.arn))?;
    Ok(Target {
        machine,
        version: Some(version),
        alias: None,
    })
}

/// Resolves a state machine, version or alias ARN (an alias picks one of its versions by
/// weight).
fn resolve(server: &Server, arn: &str) -> Result<Target, ApiError> {
    parse_arn(arn, &["stateMachine"])?;
    let (base, qualifier) = split_qualified(arn);
    let store = server.store();
    match qualifier {
        None => Ok(Target {
            machine: get_machine(server, base)?,
            version: None,
            alias: None,
        }),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
            let version = store
                .get_version(arn)
                .map_err(store_error)?
                .ok_or_else(|| version_not_found(arn))?;
            version_target(server, version)
        }
        Some(_) => {
            let alias = store
                .get_alias(arn)
                .map_err(store_error)?
                .ok_or_else(|| alias_not_found(arn))?;
            let total: u32 = alias.routing.iter().map(|(_, w)| *w).sum();
            let mut pick = (new_uuid()
                .as_bytes()
                .iter()
                .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(*b))))
                % total.max(1);
            let mut chosen = alias
                .routing
                .first()
                .map(|(a, _)| a.clone())
                .unwrap_or_default();
            for (version_arn, weight) in &alias.routing {
                if pick < *weight {
                    chosen = version_arn.clone();
                    break;
                }
                pick -= weight;
            }
            let version = store
                .get_version(&chosen)
                .map_err(store_error)?
                .ok_or_else(|| version_not_found(&chosen))?;
            let mut target = version_target(server, version)?;
            target.alias = Some(alias);
            Ok(target)
        }
    }
}

fn publish(
    server: &Server,
    machine_arn: &str,
    description: Option<&str>,
) -> Result<VersionRecord, ApiError> {
    server
        .store()
        .publish_version(machine_arn, description, (server.clock())())
        .map_err(|e| match e {
            StoreError::NotFound(_) => machine_not_found(machine_arn),
            other => store_error(other),
        })
}

fn publish_version(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineArn", 256)?;
    let description = r.opt_str("description", 256)?;
    let machine = get_machine(server, arn)?;
    if let Some(revision) = r.opt_str("revisionId", 256)?
        && revision != machine.revision_id
    {
        return Err(ApiError::new(
            "ConflictException",
            format!(
                "Failed to publish the State Machine version for revision {revision}. The current State Machine revision is {}.",
                machine.revision_id
            ),
        ));
    }
    let v = publish(server, arn, description)?;
    Ok(json!({"creationDate": date(v.created_millis), "stateMachineVersionArn": v.arn}))
}

fn list_versions(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineArn", 256)?;
    get_machine(server, arn)?;
    listing(
        r,
        "stateMachineVersions",
        |page| server.store().list_versions(arn, page),
        |v| &v.arn,
        |v| json!({"stateMachineVersionArn": v.arn, "creationDate": date(v.created_millis)}),
    )
}

/// Every alias of a state machine.
fn all_aliases(server: &Server, machine_arn: &str) -> Result<Vec<AliasRecord>, ApiError> {
    let mut out: Vec<AliasRecord> = Vec::new();
    loop {
        let after = out.last().map(|a| a.arn.clone());
        let page = server
            .store()
            .list_aliases(
                machine_arn,
                Page {
                    after: after.as_deref(),
                    limit: 100,
                },
            )
            .map_err(store_error)?;
        if page.is_empty() {
            return Ok(out);
        }
        out.extend(page);
    }
}

fn delete_version(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineVersionArn", 256)?;
    parse_arn(arn, &["stateMachine"])?;
    let (base, _) = split_qualified(arn);
    if all_aliases(server, base)?
        .iter()
        .any(|a| a.routing.iter().any(|(v, _)| v == arn))
    {
        return Err(ApiError::new(
            "ConflictException",
            format!(
                "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: {arn}"
            ),
        ));
    }
    server.store().delete_version(arn).map_err(store_error)?;
    Ok(json!({}))
}

/// Alias names: 1 to 80 of `[a-zA-Z0-9_.-]`, not all digits (it would look like a version).
fn check_alias_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 80
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !name.bytes().all(|b| b.is_ascii_digit());
    if ok { Ok(()) } else { Err(invalid_name(name)) }
}

/// `routingConfiguration`: one or two versions of `machine_arn` whose weights add up to 100.
fn routing(
    server: &Server,
    r: &Request<'_>,
    machine_arn: &str,
) -> Result<Option<Vec<(String, u32)>>, ApiError> {
    let Some(config) = r.get("routingConfiguration") else {
        return Ok(None);
    };
    let entries = config.as_array().ok_or_else(|| {
        ApiError::new(
            "SerializationException",
            "'routingConfiguration' must be a list",
        )
    })?;
    if entries.is_empty() || entries.len() > 2 {
        return Err(validation(
            "routingConfiguration",
            config,
            "Member must have length less than or equal to 2 and greater than or equal to 1",
        ));
    }
    let mut out: Vec<(String, u32)> = Vec::new();
    for e in entries {
        let version = e
            .get("stateMachineVersionArn")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                validation(
                    "routingConfiguration.member.stateMachineVersionArn",
                    &Value::Null,
                    "Member must not be null",
                )
            })?;
        let weight = e
            .get("weight")
            .and_then(Value::as_u64)
            .filter(|w| *w <= 100)
            .ok_or_else(|| {
                validation(
                    "routingConfiguration.member.weight",
                    e.get("weight").unwrap_or(&Value::Null),
                    "Member must have value less than or equal to 100",
                )
            })?;
        let (base, qualifier) = split_qualified(version);
        if base != machine_arn || !qualifier.is_some_and(|q| q.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ApiError::new(
                "ValidationException",
                format!(
                    "Routing configuration must contain versions of {machine_arn}: '{version}'"
                ),
            ));
        }
        server
            .store()
            .get_version(version)
            .map_err(store_error)?
            .ok_or_else(|| {
                ApiError::new(
                    "ResourceNotFound",
                    format!("Resource not found: '{version}'"),
                )
            })?;
        if out.iter().any(|(v, _)| v == version) {
            return Err(ApiError::new(
                "ValidationException",
                "Routing configuration must contain distinct state machine versions",
            ));
        }
        out.push((version.to_string(), weight as u32));
    }
    if out.iter().map(|(_, w)| *w).sum::<u32>() != 100 {
        return Err(ApiError::new(
            "ValidationException",
            "Sum of routing configuration weights must be equal to 100",
        ));
    }
    Ok(Some(out))
}

fn alias_json(a: &AliasRecord) -> Value {
    let routing: Vec<Value> = a
        .routing
        .iter()
        .map(|(v, w)| json!({"stateMachineVersionArn": v, "weight": w}))
        .collect();
    let mut out = json!({
        "stateMachineAliasArn": a.arn,
        "name": a.name,
        "routingConfiguration": routing,
        "creationDate": date(a.created_millis),
        "updateDate": date(a.updated_millis),
    });
    if let Some(d) = &a.description {
        out["description"] = json!(d);
    }
    out
}

fn create_alias(server: &Server, r: &Request<'_>) -> ApiResult {
    let name = r.str("name", 80)?;
    check_alias_name(name)?;
    let description = r.opt_str("description", 256)?.map(str::to_string);
    let first = r
        .get("routingConfiguration")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|e| e.get("stateMachineVersionArn"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            validation(
                "routingConfiguration",
                &Value::Null,
                "Member must not be null",
            )
        })?;
    let (machine_arn, _) = split_qualified(first);
    let machine_arn = machine_arn.to_string();
    get_machine(server, &machine_arn)?;
    let routing = routing(server, r, &machine_arn)?.unwrap_or_default();
    let now = (server.clock())();
    let alias = AliasRecord {
        arn: format!("{machine_arn}:{name}"),
        state_machine_arn: machine_arn,
        name: name.to_string(),
        description,
        routing,
        created_millis: now,
        updated_millis: now,
    };
    match server.store().create_alias(&alias) {
        Ok(()) => Ok(json!({"stateMachineAliasArn": alias.arn, "creationDate": date(now)})),
        Err(StoreError::AlreadyExists(_)) => {
            // Idempotent on the same description and routing.
            let existing = server
                .store()
                .get_alias(&alias.arn)
                .map_err(store_error)?
                .ok_or_else(|| alias_not_found(&alias.arn))?;
            if existing.description == alias.description && existing.routing == alias.routing {
                Ok(
                    json!({"stateMachineAliasArn": existing.arn, "creationDate": date(existing.created_millis)}),
                )
            } else {
                Err(ApiError::new(
                    "ConflictException",
                    format!(
                        "Failed to create alias because an alias with the same name and a different routing configuration already exists: '{}'",
                        alias.arn
                    ),
                ))
            }
        }
        Err(e) => Err(store_error(e)),
    }
}

fn get_alias(server: &Server, arn: &str) -> Result<AliasRecord, ApiError> {
    parse_arn(arn, &["stateMachine"])?;
    server
        .store()
        .get_alias(arn)
        .map_err(store_error)?
        .ok_or_else(|| alias_not_found(arn))
}

fn describe_alias(server: &Server, r: &Request<'_>) -> ApiResult {
    Ok(alias_json(&get_alias(
        server,
        r.str("stateMachineAliasArn", 256)?,
    )?))
}

fn update_alias(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineAliasArn", 256)?;
    let mut alias = get_alias(server, arn)?;
    let description = r.opt_str("description", 256)?;
    let routing = routing(server, r, &alias.state_machine_arn.clone())?;
    if description.is_none() && routing.is_none() {
        return Err(ApiError::new(
            "ValidationException",
            "Either the description or the RoutingConfiguration must be specified",
        ));
    }
    if let Some(d) = description {
        alias.description = Some(d.to_string());
    }
    if let Some(rc) = routing {
        alias.routing = rc;
    }
    alias.updated_millis = (server.clock())();
    server.store().update_alias(&alias).map_err(store_error)?;
    Ok(json!({"updateDate": date(alias.updated_millis)}))
}

fn delete_alias(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineAliasArn", 256)?;
    parse_arn(arn, &["stateMachine"])?;
    server.store().delete_alias(arn).map_err(store_error)?;
    Ok(json!({}))
}

fn list_aliases(server: &Server, r: &Request<'_>) -> ApiResult {
    let arn = r.str("stateMachineArn", 256)?;
    get_machine(server, arn)?;
    listing(
        r,
        "stateMachineAliases",
        |page| server.store().list_aliases(arn, page),
        |a| &a.arn,
        |a| json!({"stateMachineAliasArn": a.arn, "creationDate": date(a.created_millis)}),
    )
}

/// A version or alias that ListExecutions narrows to.
enum Through {
    Version(String),
    Alias(String),
}

/// The state machine a ListExecutions ARN names, and the version or alias, if it names one.
fn resolve_listed(
    server: &Server,
    arn: &str,
) -> Result<(StateMachineRecord, Option<Through>), ApiError> {
    parse_arn(arn, &["stateMachine"])?;
    let (base, qualifier) = split_qualified(arn);
    let machine = get_machine(server, base)?;
    let through = match qualifier {
        None => None,
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
            server
                .store()
                .get_version(arn)
                .map_err(store_error)?
                .ok_or_else(|| version_not_found(arn))?;
            Some(Through::Version(arn.to_string()))
        }
        Some(_) => {
            get_alias(server, arn)?;
            Some(Through::Alias(arn.to_string()))
        }
    };
    Ok((machine, through))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parsed(definition: Value) -> baton_asl::model::StateMachine {
        baton_asl::analyze(
            &definition.to_string(),
            &baton_asl::Options {
                workflow_type: WorkflowType::Express,
                ..baton_asl::Options::default()
            },
        )
        .machine
        .unwrap()
    }

    #[test]
    fn only_machines_without_loops_or_maps_run_on_the_request_thread() {
        let straight = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "C"},
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.x", "IsPresent": true, "Next": "D"}], "Default": "D"},
            "D": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}]}}});
        assert!(runs_briefly(&parsed(straight)));
        let looping = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "C"},
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.x", "IsPresent": true, "Next": "A"}], "Default": "E"},
            "E": {"Type": "Succeed"}}});
        assert!(!runs_briefly(&parsed(looping)));
        let nested_loop = json!({"StartAt": "D", "States": {
            "D": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "P", "States": {
                    "P": {"Type": "Pass", "Next": "Q"},
                    "Q": {"Type": "Choice", "Choices": [
                        {"Variable": "$.x", "IsPresent": true, "Next": "P"}],
                        "Default": "R"},
                    "R": {"Type": "Succeed"}}}]}}});
        assert!(!runs_briefly(&parsed(nested_loop)));
        let map = json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "End": true, "ItemProcessor": {
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
        assert!(!runs_briefly(&parsed(map)));
    }
}
