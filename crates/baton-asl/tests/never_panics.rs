//! Property tests: the definition parser answers every input with a model or diagnostics, never a
//! panic, and a definition it accepts stays accepted when re-serialised.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_asl::source::SourceFormat;
use baton_asl::{Options, analyze};
use proptest::prelude::*;

fn options(format: SourceFormat) -> Options {
    Options {
        format,
        ..Options::default()
    }
}

/// JSON-ish text built from ASL's own vocabulary, so that the walk goes deep into the validator.
fn asl_like() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("\"StartAt\"".to_string()),
        Just("\"States\"".to_string()),
        Just("\"Type\"".to_string()),
        Just("\"Pass\"".to_string()),
        Just("\"Task\"".to_string()),
        Just("\"Choice\"".to_string()),
        Just("\"Map\"".to_string()),
        Just("\"Parallel\"".to_string()),
        Just("\"Next\"".to_string()),
        Just("\"End\"".to_string()),
        Just("\"Choices\"".to_string()),
        Just("\"Variable\"".to_string()),
        Just("\"Parameters\"".to_string()),
        Just("\"a.$\"".to_string()),
        Just("\"$.x[0]\"".to_string()),
        Just("\"States.Format('{}', $.a)\"".to_string()),
        Just("\"{% $states.input %}\"".to_string()),
        Just("\"QueryLanguage\"".to_string()),
        Just("\"JSONata\"".to_string()),
        Just("\"ItemProcessor\"".to_string()),
        Just("\"Branches\"".to_string()),
        Just("\"Retry\"".to_string()),
        Just("\"ErrorEquals\"".to_string()),
        Just("\"States.ALL\"".to_string()),
        Just("\"A\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("-1".to_string()),
        Just("1e999".to_string()),
        Just("0".to_string()),
        "[a-zA-Z0-9$.@*?(){}'\\[\\] ]{0,12}".prop_map(|s| format!("{s:?}")),
    ];
    atom.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec((inner.clone(), inner.clone()), 0..6).prop_map(|kv| {
                let members: Vec<String> = kv.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", members.join(","))
            }),
            prop::collection::vec(inner, 0..6).prop_map(|v| format!("[{}]", v.join(","))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = analyze(&text, &options(SourceFormat::Json));
        let _ = analyze(&text, &options(SourceFormat::Yaml));
    }

    #[test]
    fn asl_shaped_text_never_panics(body in asl_like()) {
        let text = format!(r#"{{"StartAt":"A","States":{{"A":{body}}}}}"#);
        let a = analyze(&text, &options(SourceFormat::Json));
        // The model exists exactly when there is no error.
        let has_error = a.diagnostics.iter().any(|d| d.severity == baton_asl::Severity::Error);
        prop_assert_eq!(a.machine.is_some(), !has_error);
        let _ = analyze(&body, &options(SourceFormat::Auto));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = "[".repeat(100_000);
    let a = analyze(&text, &options(SourceFormat::Json));
    assert!(!a.is_valid());
    let yaml = "- ".repeat(10_000) + "x";
    let a = analyze(&yaml, &options(SourceFormat::Yaml));
    assert!(!a.is_valid());
}
