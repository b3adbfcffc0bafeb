//! The bridge to JSONata: evaluates `{% ... %}` expressions and JSONata templates with the
//! `$states` binding and the workflow's variables.

use crate::dataflow::Vars;
use crate::error::StatesError;
use baton_asl::intrinsic::{self, Entropy, IntrinsicContext, SplitMix64};
use baton_asl::model::{JsonataExpr, JsonataTemplate};
use baton_json::{Json, Json as Value, Map};
use baton_jsonata::{Bindings, Limits, NativeFn, Outcome};
use std::sync::{Arc, Mutex, OnceLock};

/// The `$states` reserved variable of a JSONata state.
#[derive(Debug, Clone, Default)]
pub struct States<'a> {
    /// `$states.input`: the state's input.
    pub input: Option<&'a Json>,
    /// `$states.result`: the task/branches/iterations result, where available.
    pub result: Option<&'a Json>,
    /// `$states.errorOutput`: the error output, inside a Catch.
    pub error_output: Option<&'a Json>,
    /// `$states.context`: the context object.
    pub context: Option<&'a Json>,
    /// What `$now()` and `$millis()` read: the execution's current time (milliseconds).
    pub now_millis: i64,
    /// Seeds `$random()` and `$uuid()` (mixed with the field, so that each field draws its own).
    pub seed: u64,
}

impl<'a> States<'a> {
    /// `$states` on entering a state: its input and the context object.
    pub fn entry(input: &'a Json, context: &'a Json) -> Self {
        States {
            input: Some(input),
            context: Some(context),
            ..States::default()
        }
    }

    /// The same, evaluated at `now_millis` with randomness seeded by `seed`.
    pub fn at(mut self, now_millis: i64, seed: u64) -> Self {
        self.now_millis = now_millis;
        self.seed = seed;
        self
    }

    /// `$states` as a JSON object.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("input", self.input),
            ("result", self.result),
            ("errorOutput", self.error_output),
            ("context", self.context),
        ] {
            if let Some(v) = v {
                // Shared with the execution, not copied.
                m.insert(k.into(), v.clone());
            }
        }
        Value::from_map(m)
    }
}

/// Evaluates one expression. `field` names where it sits (`Output/v`, `Arguments`) for AWS's
/// error messages.
pub fn evaluate(
    expr: &JsonataExpr,
    states: &States<'_>,
    vars: &Vars,
    field: &str,
) -> Result<Json, StatesError> {
    let text = expr.text.trim();
    let fail = |detail: String| {
        let mut e = StatesError::query(format!(
            "The JSONata expression '{text}' specified for the field '{field}' {detail}"
        ));
        e.location = Some(field.to_string());
        e
    };
    let states_value = states.to_value();
    let variables = vars.flatten();
    let now = states.now_millis as f64;
    let mut bindings = base_bindings()
        .clone()
        .var("states", &states_value)
        .clock(Arc::new(move || now));
    for (name, value) in &variables {
        bindings = bindings.var(name, value);
    }
    // Only an expression that names them can call them: skip building them otherwise.
    let bindings = if text.contains("$random") || text.contains("$uuid") {
        // FNV-1a of the field: two fields of one template draw different values.
        let field_hash = field.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        random_functions(bindings, states.seed ^ field_hash).map_err(|e| {
            fail(format!(
                "threw an error during evaluation. {}: {}",
                e.code, e.message
            ))
        })?
    } else {
        bindings
    };
    match expr.compiled.evaluate_outcome(states.input, &bindings) {
        Ok(Outcome::Value(v)) => Ok(v),
        Ok(Outcome::Undefined) => Err(fail("returned nothing (undefined).".into())),
        Ok(Outcome::Function) => Err(fail("returned an unsupported result type.".into())),
        Err(e) => Err(fail(format!(
            "threw an error during evaluation. {}: {}",
            e.code, e.message
        ))),
    }
}

fn arg_f64(args: &[Option<Value>], i: usize) -> Option<f64> {
    args.get(i).and_then(Option::as_ref).and_then(Value::as_f64)
}

fn function_error(code: &str, message: impl Into<String>) -> baton_jsonata::Error {
    baton_jsonata::Error::host(code, message)
}

/// What every evaluation starts from: `$eval` disabled, the limits, and the stateless Step
/// Functions functions, built once (their signatures are parsed once, not per evaluation).
fn base_bindings() -> &'static Bindings<'static> {
    static BASE: OnceLock<Bindings<'static>> = OnceLock::new();
    BASE.get_or_init(|| {
        let b = Bindings::new().disable("eval").limits(Limits {
            max_depth: 500,
            max_steps: Some(10_000_000),
        });
        // The signatures are constants that parse; should one not, the functions are missing
        // and expressions calling them fail with JSONata's "not a function" error.
        step_functions_functions(b.clone()).unwrap_or(b)
    })
}

/// Step Functions' additions to JSONata: `$partition`, `$range`, `$hash`, `$parse`. Integer
/// arguments are rounded down, as AWS does.
fn step_functions_functions(b: Bindings<'_>) -> Result<Bindings<'_>, baton_jsonata::Error> {
    let partition: NativeFn = Arc::new(|args: &[Option<Value>]| {
        let items = match args.first().and_then(Option::as_ref) {
            Some(Value::Array(a)) => a.clone(),
            Some(other) => Arc::new(vec![other.clone()]),
            None => return Ok(None),
        };
        let size = arg_f64(args, 1).map_or(0.0, f64::floor);
        if size < 1.0 {
            return Err(function_error(
                "D3141",
                "The size of a partition must be at least 1",
            ));
        }
        let chunks = items
            .chunks(size as usize)
            .map(|c| Value::from_vec(c.to_vec()))
            .collect();
        Ok(Some(chunks))
    });
    let range: NativeFn = Arc::new(|args: &[Option<Value>]| {
        let start = arg_f64(args, 0).map_or(0.0, f64::floor) as i64;
        let end = arg_f64(args, 1).map_or(0.0, f64::floor) as i64;
        let step = arg_f64(args, 2).map_or(1.0, f64::floor) as i64;
        if step == 0 {
            return Err(function_error("D3142", "The step of $range cannot be 0"));
        }
        let mut out = Vec::new();
        let mut x = start;
        while (step > 0 && x <= end) || (step < 0 && x >= end) {
            if out.len() >= 1_000 {
                return Err(function_error(
                    "D3143",
                    "$range cannot produce more than 1000 items",
                ));
            }
            out.push(Value::from(x));
            x += step;
        }
        // AWS returns a one-item range as the item itself (a JSONata singleton sequence).
        if out.len() == 1 {
            return Ok(out.pop());
        }
        Ok(Some(Value::from_vec(out)))
    });
    let hash: NativeFn = Arc::new(|args: &[Option<Value>]| {
        let Some(Value::String(data)) = args.first().and_then(Option::as_ref) else {
            return Ok(None);
        };
        let algorithm = match args.get(1).and_then(Option::as_ref) {
            Some(Value::String(a)) => a.to_string(),
            _ => "SHA-256".to_string(),
        };
        if !["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"].contains(&algorithm.as_str()) {
            return Err(function_error(
                "D3144",
                format!("The hash algorithm '{algorithm}' is not supported"),
            ));
        }
        // Reuse the intrinsic's digests: `States.Hash` computes exactly this.
        let call = intrinsic::parse(&format!("States.Hash($data, '{algorithm}')"))
            .map_err(|e| function_error("D3144", e.to_string()))?;
        let input = Json::Null;
        let data = Json::string(data);
        let lookup = |name: &str| (name == "data").then_some(&data);
        let mut entropy = SplitMix64(0);
        let ctx = IntrinsicContext::new(&input, &input, &lookup, &mut entropy);
        call.evaluate(&ctx)
            .map(Some)
            .map_err(|e| function_error("D3144", e.to_string()))
    });
    let parse: NativeFn =
        Arc::new(
            |args: &[Option<Value>]| match args.first().and_then(Option::as_ref) {
                Some(Value::String(s)) => serde_json::from_str(s).map(Some).map_err(|e| {
                    function_error(
                        "D3145",
                        format!("$parse: the string is not valid JSON: {e}"),
                    )
                }),
                _ => Ok(None),
            },
        );
    b.function("partition", Some("<an:a>"), partition)?
        .function("range", Some("<nnn?:a>"), range)?
        .function("hash", Some("<ss?:s>"), hash)?
        .function("parse", Some("<s:x>"), parse)
}

/// `$random` and `$uuid`, with a generator of their own for each evaluation, seeded from the
/// execution's seed, its progress and the field (deterministic for a given execution).
fn random_functions(b: Bindings<'_>, seed: u64) -> Result<Bindings<'_>, baton_jsonata::Error> {
    let seed_state = Arc::new(Mutex::new(SplitMix64(seed)));
    let random_state = Arc::clone(&seed_state);
    let random: NativeFn = Arc::new(move |args: &[Option<Value>]| {
        let bits = match arg_f64(args, 0) {
            Some(seed) => SplitMix64(seed.floor() as i64 as u64).random_u64(),
            None => random_state.lock().map_or(0, |mut g| g.random_u64()),
        };
        Ok(Some(Value::from((bits >> 11) as f64 / (1u64 << 53) as f64)))
    });
    let uuid: NativeFn = Arc::new(move |_args: &[Option<Value>]| {
        Ok(Some(Value::from(
            seed_state
                .lock()
                .map_or_else(|_| String::new(), |mut g| g.uuid()),
        )))
    });
    b.function("random", Some("<n?:n>"), random)?
        .function("uuid", Some("<:s>"), uuid)
}

/// Evaluates an optional template, or gives `default` when there is none (`Output` defaults
/// to the input or result, `Arguments` to the input).
pub fn template_or(
    template: Option<&JsonataTemplate>,
    states: &States<'_>,
    vars: &Vars,
    field: &str,
    default: &Json,
) -> Result<Json, StatesError> {
    match template {
        Some(t) => evaluate_template(t, states, vars, field),
        None => Ok(default.clone()),
    }
}

/// Evaluates a JSONata template: expressions inside, literals as they are.
pub fn evaluate_template(
    template: &JsonataTemplate,
    states: &States<'_>,
    vars: &Vars,
    field: &str,
) -> Result<Json, StatesError> {
    let mut at = field.to_string();
    evaluate_template_at(template, states, vars, &mut at)
}

/// `at` is the field's location (`Output/a/b[0]`), grown and shrunk in place as the walk goes.
fn evaluate_template_at(
    template: &JsonataTemplate,
    states: &States<'_>,
    vars: &Vars,
    at: &mut String,
) -> Result<Json, StatesError> {
    match template {
        JsonataTemplate::Literal(v) => Ok(v.clone()),
        JsonataTemplate::Expr(e) => evaluate(e, states, vars, at),
        JsonataTemplate::Object(members) => {
            let mut out = baton_json::Map::with_capacity(members.len());
            let len = at.len();
            for (k, t) in members {
                at.push('/');
                at.push_str(k);
                let v = evaluate_template_at(t, states, vars, at);
                at.truncate(len);
                out.insert(Arc::from(k.as_str()), v?);
            }
            Ok(Json::from_map(out))
        }
        JsonataTemplate::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let len = at.len();
            for (i, t) in items.iter().enumerate() {
                use std::fmt::Write;
                let _ = write!(at, "[{i}]");
                let v = evaluate_template_at(t, states, vars, at);
                at.truncate(len);
                out.push(v?);
            }
            Ok(Json::from_vec(out))
        }
    }
}
