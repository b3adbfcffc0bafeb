//! JSONPath data flow: InputPath, Parameters and other payload templates, ResultSelector,
//! ResultPath, OutputPath, reference paths and intrinsic functions, as AWS applies them.

use crate::error::StatesError;
use baton_asl::intrinsic::{self, Entropy, IntrinsicContext};
use baton_asl::model::{Intrinsic, NullablePath, Path, Template};
use baton_asl::path::{JsonPath, PathError, Selected};
use baton_json::{Json as Value, Map};
use std::borrow::Cow;
use std::sync::Arc;

/// The variables a state can read: its own scope and, through `outer`, the enclosing ones
/// (Parallel branches and Map iterations read outer variables but write their own scope).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Vars {
    /// Variables assigned in this scope.
    pub own: Map,
    /// The enclosing scope.
    pub outer: Option<Arc<Vars>>,
}

impl Vars {
    /// A new inner scope below `outer`.
    pub fn inner(outer: Arc<Vars>) -> Self {
        Vars {
            own: Map::new(),
            outer: Some(outer),
        }
    }

    /// Looks a variable up, innermost scope first.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self.own.get(name) {
            Some(v) => Some(v),
            None => self.outer.as_deref().and_then(|o| o.get(name)),
        }
    }

    /// Every visible variable, inner scopes shadowing outer ones.
    pub fn flatten(&self) -> Map {
        let mut out = self.outer.as_deref().map(Vars::flatten).unwrap_or_default();
        for (k, v) in &self.own {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

/// What paths and intrinsics evaluate against, besides the state's data.
pub struct Env<'a> {
    /// The context object (`$$`).
    pub context: &'a Value,
    /// The variables in scope.
    pub vars: &'a Vars,
    /// Randomness for `States.MathRandom` and `States.UUID`.
    pub entropy: &'a mut dyn Entropy,
}

impl<'a> Env<'a> {
    /// An environment over these values.
    pub fn new(context: &'a Value, vars: &'a Vars, entropy: &'a mut dyn Entropy) -> Self {
        Env {
            context,
            vars,
            entropy,
        }
    }
}

fn selected(path: &JsonPath, data: &Value, env: &Env<'_>) -> Result<Value, PathError> {
    let vars = |name: &str| env.vars.get(name);
    path.select(data, env.context, &vars).map(|s| match s {
        Selected::One(v) => v.clone(),
        Selected::Many(vs) => vs.into_iter().cloned().collect(),
    })
}

/// Applies `InputPath` (or any path that may be `null`) to borrowed data: `null` gives `{}`,
/// `$` or no path gives the data itself without copying it.
pub fn apply_input_path<'d>(
    path: Option<&NullablePath>,
    data: &'d Value,
    env: &Env<'_>,
) -> Result<Cow<'d, Value>, StatesError> {
    match path {
        None => Ok(Cow::Borrowed(data)),
        Some(NullablePath::Null) => Ok(Cow::Owned(Value::object())),
        Some(NullablePath::Path(p)) if p.text == "$" => Ok(Cow::Borrowed(data)),
        Some(NullablePath::Path(p)) => selected(&p.parsed, data, env)
            .map(Cow::Owned)
            .map_err(|e| invalid_path(&p.text, &e)),
    }
}

/// Applies `OutputPath` to an owned value, moving it through when the path is `$` or absent.
pub fn apply_output_path(
    path: Option<&NullablePath>,
    data: Value,
    env: &Env<'_>,
) -> Result<Value, StatesError> {
    match apply_input_path(path, &data, env)? {
        Cow::Borrowed(_) => Ok(data),
        Cow::Owned(v) => Ok(v),
    }
}

fn invalid_path(text: &str, e: &PathError) -> StatesError {
    let detail = match e {
        PathError::NotFound { message, .. } => message.clone(),
        other => other.to_string(),
    };
    StatesError::runtime(format!("Invalid path '{text}' : {detail}"))
}

/// Reads a reference path (Choice variables, `...Path` fields, `ItemsPath`).
pub fn read_reference(path: &Path, data: &Value, env: &Env<'_>) -> Result<Value, StatesError> {
    selected(&path.parsed, data, env).map_err(|e| invalid_path(&path.text, &e))
}

/// Like [`read_reference`], but a missing value is `None` rather than an error.
pub fn read_optional(
    path: &Path,
    data: &Value,
    env: &Env<'_>,
) -> Result<Option<Value>, StatesError> {
    match selected(&path.parsed, data, env) {
        Ok(v) => Ok(Some(v)),
        Err(PathError::NotFound { .. }) => Ok(None),
        Err(e) => Err(invalid_path(&path.text, &e)),
    }
}

/// Evaluates a payload template (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath
/// `Assign`) against `data`.
pub fn apply_template(
    template: &Template,
    data: &Value,
    env: &mut Env<'_>,
) -> Result<Value, StatesError> {
    apply_template_at(template, data, env, "")
}

fn apply_template_at(
    template: &Template,
    data: &Value,
    env: &mut Env<'_>,
    key: &str,
) -> Result<Value, StatesError> {
    match template {
        Template::Literal(v) => Ok(v.clone()),
        Template::Path(p) => {
            selected(&p.parsed, data, env).map_err(|_| {
                StatesError::runtime(format!(
                    "The JSONPath '{}' specified for the field '{key}.$' could not be found in the input '{}'",
                    p.text,
                    crate::history::json_text(data)
                ))
            })
        }
        Template::Intrinsic(call) => evaluate_intrinsic(call, data, env),
        Template::Object(members) => {
            let mut out = Map::with_capacity(members.len());
            for (k, t) in members {
                let v = apply_template_at(t, data, env, k)?;
                out.insert(Arc::from(k.as_str()), v);
            }
            Ok(Value::from_map(out))
        }
        Template::Array(items) => items
            .iter()
            .map(|t| apply_template_at(t, data, env, key))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::from_vec),
    }
}

/// Applies a template when there is one (`Parameters`), else passes `data` through.
pub fn apply_optional_template<'d>(
    template: Option<&Template>,
    data: Cow<'d, Value>,
    env: &mut Env<'_>,
) -> Result<Cow<'d, Value>, StatesError> {
    match template {
        Some(t) => apply_template(t, &data, env).map(Cow::Owned),
        None => Ok(data),
    }
}

/// Evaluates an intrinsic function call.
pub fn evaluate_intrinsic(
    call: &Intrinsic,
    data: &Value,
    env: &mut Env<'_>,
) -> Result<Value, StatesError> {
    let parsed = intrinsic::parse(&call.text).map_err(|e| StatesError::intrinsic(e.to_string()))?;
    let vars_ref: &Vars = env.vars;
    let vars = |name: &str| vars_ref.get(name);
    let ctx = IntrinsicContext::new(data, env.context, &vars, &mut *env.entropy);
    parsed
        .evaluate(&ctx)
        .map_err(|e| StatesError::new(e.error_code(), e.to_string()))
}

/// Combines a state's raw input with its result as `ResultPath` says.
pub fn apply_result_path(
    path: Option<&NullablePath>,
    raw_input: &Value,
    result: Value,
) -> Result<Value, StatesError> {
    match path {
        None => Ok(result),
        Some(NullablePath::Null) => Ok(raw_input.clone()),
        Some(NullablePath::Path(p)) if p.text == "$" => Ok(result),
        Some(NullablePath::Path(p)) => {
            let mut target = raw_input.clone();
            p.parsed.set(&mut target, result).map_err(|e| {
                StatesError::new(
                    crate::error::RESULT_PATH_MATCH_FAILURE,
                    format!("Unable to apply ResultPath '{}': {e}", p.text),
                )
            })?;
            Ok(target)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_asl::intrinsic::SplitMix64;
    use baton_json::json;

    fn env<'a>(ctx: &'a Value, vars: &'a Vars, e: &'a mut SplitMix64) -> Env<'a> {
        Env {
            context: ctx,
            vars,
            entropy: e,
        }
    }

    fn path(t: &str) -> Path {
        Path::parse(t).unwrap()
    }

    #[test]
    fn io_paths() {
        let ctx = json!({});
        let vars = Vars::default();
        let mut e = SplitMix64(1);
        let env = env(&ctx, &vars, &mut e);
        let data = json!({"a": {"b": 1}, "l": [1, 2, 3]});
        assert_eq!(
            *apply_input_path(Some(&NullablePath::Path(path("$.a"))), &data, &env).unwrap(),
            json!({"b": 1})
        );
        assert_eq!(
            *apply_input_path(Some(&NullablePath::Null), &data, &env).unwrap(),
            json!({})
        );
        assert_eq!(
            apply_output_path(
                Some(&NullablePath::Path(path("$.l[0:2]"))),
                data.clone(),
                &env
            )
            .unwrap(),
            json!([1, 2])
        );
        let err =
            apply_output_path(Some(&NullablePath::Path(path("$.x"))), data, &env).unwrap_err();
        assert_eq!(err.error, "States.Runtime");
        assert!(err.cause.unwrap().starts_with("Invalid path '$.x' : "));
    }

    #[test]
    fn result_path_combines() {
        let raw = json!({"a": 1});
        assert_eq!(
            apply_result_path(Some(&NullablePath::Path(path("$.r.s"))), &raw, json!(2)).unwrap(),
            json!({"a": 1, "r": {"s": 2}})
        );
        assert_eq!(
            apply_result_path(Some(&NullablePath::Null), &raw, json!(2)).unwrap(),
            raw
        );
        assert_eq!(apply_result_path(None, &raw, json!(2)).unwrap(), json!(2));
        let err = apply_result_path(
            Some(&NullablePath::Path(path("$.a.b"))),
            &json!({"a": 1}),
            json!(2),
        )
        .unwrap_err();
        assert_eq!(err.error, "States.ResultPathMatchFailure");
    }

    #[test]
    fn templates_read_input_context_variables_and_intrinsics() {
        let ctx = json!({"Execution": {"Id": "arn:x"}});
        let mut vars = Vars::default();
        vars.own.insert("v".into(), json!({"n": 5}));
        let mut e = SplitMix64(1);
        let mut env = env(&ctx, &vars, &mut e);
        let t = Template::Object(vec![
            ("lit".into(), Template::Literal(json!([1]))),
            ("in".into(), Template::Path(path("$.a"))),
            ("ctx".into(), Template::Path(path("$$.Execution.Id"))),
            ("var".into(), Template::Path(path("$v.n"))),
            (
                "fmt".into(),
                Template::Intrinsic(Intrinsic::parse("States.Format('{}-{}', $.a, $v.n)").unwrap()),
            ),
        ]);
        let out = apply_template(&t, &json!({"a": "x"}), &mut env).unwrap();
        assert_eq!(
            out,
            json!({"lit": [1], "in": "x", "ctx": "arn:x", "var": 5, "fmt": "x-5"})
        );
        let missing = Template::Object(vec![("value".into(), Template::Path(path("$.x")))]);
        let err = apply_template(&missing, &json!({"a": 1}), &mut env).unwrap_err();
        assert_eq!(
            err.cause.unwrap(),
            "The JSONPath '$.x' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"
        );
    }
}
