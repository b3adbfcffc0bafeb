//! Validation rules, one definition per rule: the codes, locations and messages AWS gives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_asl::model::WorkflowType;
use baton_asl::source::SourceFormat;
use baton_asl::{Options, Severity, analyze};

/// `CODE at LOCATION: message` for every ERROR, in order.
fn errors(text: &str) -> Vec<String> {
    errors_as(text, WorkflowType::Standard)
}

fn errors_as(text: &str, workflow_type: WorkflowType) -> Vec<String> {
    let analysis = analyze(
        text,
        &Options {
            workflow_type,
            format: SourceFormat::Json,
        },
    );
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{} at {}: {}",
                d.code,
                d.location.as_deref().unwrap_or("-"),
                d.message
            )
        })
        .collect()
}

fn warnings(text: &str) -> Vec<String> {
    let analysis = analyze(text, &Options::default());
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| format!("{} at {}", d.code, d.location.as_deref().unwrap_or("-")))
        .collect()
}

/// A machine with one state `S` (given as JSON text) that ends the workflow.
fn one(state: &str) -> String {
    format!(r#"{{"StartAt":"S","States":{{"S":{state}}}}}"#)
}

macro_rules! cases {
    ($($name:ident: $text:expr => [$($want:expr),* $(,)?];)*) => {$(
        #[test]
        fn $name() {
            let got = errors(&$text);
            let want: Vec<String> = vec![$($want.to_string()),*];
            assert_eq!(got, want, "definition: {}", $text);
        }
    )*};
}

cases! {
    valid_pass: one(r#"{"Type":"Pass","End":true}"#) => [];
    every_state_type_valid: r#"{"StartAt":"P","States":{
        "P":{"Type":"Pass","Result":{"a":1},"ResultPath":"$.r","Next":"W"},
        "W":{"Type":"Wait","Seconds":1,"Next":"C"},
        "C":{"Type":"Choice","Choices":[{"Variable":"$.r.a","NumericEquals":1,"Next":"T"}],"Default":"F"},
        "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
             "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":2}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"TimeoutSeconds":5,"Next":"Par"},
        "Par":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"Next":"M"},
        "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"MaxConcurrency":2,"Next":"OK"},
        "OK":{"Type":"Succeed"},
        "F":{"Type":"Fail","Error":"E","Cause":"c"}}}"# => [];
    missing_states: r#"{"StartAt":"S"}"# =>
        ["SCHEMA_VALIDATION_FAILED at /: These fields are required: [States]"];
    unknown_field: one(r#"{"Type":"Pass","End":true,"Bogus":1}"#) =>
        ["SCHEMA_VALIDATION_FAILED at /States/S: Field 'Bogus' is not supported"];
    bad_type: one(r#"{"Type":"Nope","End":true}"#) =>
        ["SCHEMA_VALIDATION_FAILED at /States/S/Type: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]"];
    missing_next_target: r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Z"},"B":{"Type":"Succeed"}}}"# => [
        "MISSING_TRANSITION_TARGET at /States/A/Next: Missing 'Next' target: Z",
        "MISSING_TRANSITION_TARGET at /States/B: State \"B\" is not reachable.",
    ];
    no_terminal_state: r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}"# =>
        ["MISSING_END_STATE at -: Workflow has no terminal state"];
    next_and_end: one(r#"{"Type":"Pass","End":true,"Next":"S"}"#) =>
        ["SCHEMA_VALIDATION_FAILED at /States/S: There should only be one of the following fields: [Next, End]"];
    jsonpath_field_in_jsonata: one(r#"{"Type":"Pass","QueryLanguage":"JSONata","InputPath":"$.a","End":true}"#) =>
        ["SCHEMA_VALIDATION_FAILED at /States/S: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"];
    wait_seconds_negative: one(r#"{"Type":"Wait","Seconds":-1,"End":true}"#) =>
        ["SCHEMA_VALIDATION_FAILED at /States/S/Seconds: Minimum value is 0"];
    retry_max_attempts_negative: one(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["E"],"MaxAttempts":-1}],"End":true}"#) =>
        ["SCHEMA_VALIDATION_FAILED at /States/S/Retry[0]/MaxAttempts: Minimum value is 0"];
    result_path_not_reference: one(r#"{"Type":"Pass","ResultPath":"$.a[*]","End":true}"#) =>
        ["SCHEMA_VALIDATION_FAILED at /States/S/ResultPath: Value is not a Reference Path"];
    credentials_need_role: r#"{"StartAt":"S","QueryLanguage":"JSONata","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":{},"End":true}}}"# =>
        ["SCHEMA_VALIDATION_FAILED at /States/S/Credentials: The field 'RoleArn' is required but was missing"];
    duplicate_state_name_in_branch: r#"{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}],"End":true}}}"# =>
        ["DUPLICATE_STATE_NAME at /States/A/Branches[0]/States/A: Duplicate State name: A (first defined at /States/A)"];
    state_name_too_long: format!(r#"{{"StartAt":"{0}","States":{{"{0}":{{"Type":"Succeed"}}}}}}"#, "x".repeat(81)) =>
        [format!("INVALID_STATE_NAME at /States/{0}: State name '{0}' must be between 1 and 80 characters long", "x".repeat(81))];
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let text = r#"{"StartAt":"A","States":{
        "A":{"Type":"Pass","Next":"Nowhere","Bogus":1},
        "B":{"Type":"Wait","End":true},
        "C":{"Type":"Task","End":true}}}"#;
    let got = errors(text);
    assert!(got.len() >= 4, "{got:#?}");
}

#[test]
fn states_all_must_be_last() {
    let got = errors(&one(
        r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["E"]}],"End":true}"#,
    ));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].contains("/States/S/Retry"), "{got:#?}");
}

#[test]
fn malformed_choice_rules() {
    // Nested rules may not have Next; top-level rules need one; a rule needs an operator.
    let got = errors(
        r#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
            {"Not":{"Variable":"$.a","IsNull":true,"Next":"E"},"Next":"E"},
            {"Variable":"$.a","StringEquals":"x"},
            {"Variable":"$.a","Next":"E"}],"Default":"E"},"E":{"Type":"Succeed"}}}"#,
    );
    assert_eq!(got.len(), 3, "{got:#?}");
}

#[test]
fn invalid_jsonpath_and_intrinsic() {
    let got = errors(&one(
        r#"{"Type":"Pass","Parameters":{"a.$":"not a path","b.$":"States.Format('{}'"},"End":true}"#,
    ));
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(
        got.iter().all(|e| e.contains("/States/S/Parameters")),
        "{got:#?}"
    );
}

#[test]
fn jsonata_that_does_not_parse() {
    let got = errors(
        r#"{"StartAt":"S","QueryLanguage":"JSONata","States":{"S":{"Type":"Pass","Output":"{% $states.input. %}","End":true}}}"#,
    );
    assert_eq!(got.len(), 1, "{got:#?}");
}

#[test]
fn express_rejects_activities_and_callbacks() {
    let got = errors_as(
        r#"{"StartAt":"A","States":{
            "A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:x","Next":"B"},
            "B":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}"#,
        WorkflowType::Express,
    );
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].contains("Express state machine does not support Activity ARN"));
}

#[test]
fn map_label_rules() {
    let map = |label: &str| {
        format!(
            r#"{{"StartAt":"M","States":{{"M":{{"Type":"Map","Label":{},"ItemProcessor":{{"ProcessorConfig":{{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}},"StartAt":"I","States":{{"I":{{"Type":"Pass","End":true}}}}}},"End":true}}}}}}"#,
            serde_json::to_string(label).unwrap()
        )
    };
    assert_eq!(errors(&map("ok-label")), Vec::<String>::new());
    assert_eq!(errors(&map("")).len(), 1);
    assert_eq!(errors(&map("a b")).len(), 1);
    assert_eq!(errors(&map(&"x".repeat(41))).len(), 1);
}

#[test]
fn aws_warnings_for_paths_without_dollar() {
    let w = warnings(&one(
        r#"{"Type":"Pass","Parameters":{"a":"$.x"},"End":true}"#,
    ));
    assert_eq!(w, vec!["NO_DOLLAR at /States/S/Parameters"]);
}

#[test]
fn dollar_keys_in_jsonata_are_literal_with_a_warning() {
    let text = r#"{"StartAt":"S","QueryLanguage":"JSONata","States":{"S":{"Type":"Pass","Output":{"a.$":"$"},"End":true}}}"#;
    assert_eq!(errors(text), Vec::<String>::new());
    assert_eq!(
        warnings(text),
        vec!["JSONATA_DOLLAR_KEY at /States/S/Output/a.$"]
    );
}

#[test]
fn yaml_definitions_are_accepted() {
    let yaml = "StartAt: S\nStates:\n  S:\n    Type: Pass\n    End: true\n";
    let analysis = analyze(
        yaml,
        &Options {
            workflow_type: WorkflowType::Standard,
            format: SourceFormat::Yaml,
        },
    );
    assert!(analysis.is_valid(), "{:?}", analysis.diagnostics);
}

#[test]
fn line_and_column_point_at_the_problem() {
    let text = "{\"StartAt\":\"S\",\"States\":{\n  \"S\":{\"Type\":\"Pass\",\n   \"Bogus\":1,\"End\":true}}}";
    let analysis = analyze(text, &Options::default());
    let d = &analysis.diagnostics[0];
    assert_eq!((d.pos.line, d.pos.column), (3, 4), "{d:?}");
}
