//! Engine errors carrying JSONata error codes.

use std::fmt;

/// An error raised while parsing or evaluating a JSONata expression.
///
/// `code` is the JSONata error code (`S0xxx` syntax, `T0xxx`–`T2xxx` type,
/// `D1xxx`–`D3xxx` dynamic, `U1001` runaway evaluation).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct Error {
    /// JSONata error code, e.g. `T2001`.
    pub code: String,
    /// Human-readable message, modelled on the reference implementation.
    pub message: String,
    /// Character offset in the expression the error refers to, when known.
    pub position: Option<usize>,
    /// The token (operator, function name, ...) the error refers to, when known.
    pub token: Option<String>,
    /// The offending value rendered as JSON text, when relevant.
    pub value: Option<String>,
    detail: Box<Detail>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(p) = self.position {
            write!(f, " (at position {p})")?;
        }
        Ok(())
    }
}

/// Extra fields used to fill in message templates.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Detail {
    pub token: Option<String>,
    pub value: Option<String>,
    pub value2: Option<String>,
    pub index: Option<usize>,
    pub kind: Option<String>,
    pub message: Option<String>,
}

impl Error {
    /// An error raised by a host function (see [`crate::Bindings::function`]), with its own
    /// code and message.
    pub fn host(code: &str, message: impl Into<String>) -> Self {
        Self::with(
            code,
            Detail {
                message: Some(message.into()),
                ..Detail::default()
            },
        )
    }

    /// Creates an error with the given code and the reference message template.
    pub(crate) fn new(code: &str) -> Self {
        Self::with(code, Detail::default())
    }

    /// Creates an error filling the message template from `detail`.
    pub(crate) fn with(code: &str, detail: Detail) -> Self {
        let message = match &detail.message {
            Some(m) => m.clone(),
            None => render(code, &detail),
        };
        Error {
            code: code.to_string(),
            message,
            position: None,
            token: detail.token.clone(),
            value: detail.value.clone(),
            detail: Box::new(detail),
        }
    }

    /// Error with a token.
    pub(crate) fn tok(code: &str, token: impl Into<String>) -> Self {
        Self::with(
            code,
            Detail {
                token: Some(token.into()),
                ..Detail::default()
            },
        )
    }

    /// Error with a value.
    pub(crate) fn val(code: &str, value: impl Into<String>) -> Self {
        Self::with(
            code,
            Detail {
                value: Some(value.into()),
                ..Detail::default()
            },
        )
    }

    /// Sets the position if not already set.
    pub(crate) fn at(mut self, position: usize) -> Self {
        if self.position.is_none() {
            self.position = Some(position);
        }
        self
    }

    /// Sets the token if not already set, re-rendering the message.
    pub(crate) fn with_token(mut self, token: &str) -> Self {
        if self.token.is_none() {
            self.token = Some(token.to_string());
            self.detail.token = Some(token.to_string());
            if self.detail.message.is_none() {
                self.message = render(&self.code, &self.detail);
            }
        }
        self
    }
}

fn template(code: &str) -> Option<&'static str> {
    Some(match code {
        "S0101" => "String literal must be terminated by a matching quote",
        "S0102" => "Number out of range: {{token}}",
        "S0103" => "Unsupported escape sequence: \\{{token}}",
        "S0104" => "The escape sequence \\u must be followed by 4 hex digits",
        "S0105" => "Quoted property name must be terminated with a backquote (`)",
        "S0106" => "Comment has no closing tag",
        "S0201" => "Syntax error: {{token}}",
        "S0202" => "Expected {{value}}, got {{token}}",
        "S0203" => "Expected {{value}} before end of expression",
        "S0204" => "Unknown operator: {{token}}",
        "S0205" => "Unexpected token: {{token}}",
        "S0206" => "Unknown expression type: {{token}}",
        "S0207" => "Unexpected end of expression",
        "S0208" => {
            "Parameter {{value}} of function definition must be a variable name (start with $)"
        }
        "S0209" => "A predicate cannot follow a grouping expression in a step",
        "S0210" => "Each step can only have one grouping expression",
        "S0211" => "The symbol {{token}} cannot be used as a unary operator",
        "S0212" => "The left side of := must be a variable name (start with $)",
        "S0213" => "The literal value {{value}} cannot be used as a step within a path expression",
        "S0214" => "The right side of {{token}} must be a variable name (start with $)",
        "S0215" => "A context variable binding must precede any predicates on a step",
        "S0216" => "A context variable binding must precede the 'order-by' clause on a step",
        "S0217" => "The object representing the 'parent' cannot be derived from this expression",
        "S0301" => "Empty regular expressions are not allowed",
        "S0302" => "No terminating / in regular expression",
        "S0303" => "Invalid regular expression: {{value}}",
        "S0401" => "Type parameters can only be applied to functions and arrays",
        "S0402" => "Choice groups containing parameterized types are not supported",
        "T0410" => "Argument {{index}} of function {{token}} does not match function signature",
        "T0411" => {
            "Context value is not a compatible type with argument {{index}} of function {{token}}"
        }
        "T0412" => "Argument {{index}} of function {{token}} must be an array of {{type}}",
        "D1001" => "Number out of range: {{value}}",
        "D1002" => "Cannot negate a non-numeric value: {{value}}",
        "T1003" => "Key in object structure must evaluate to a string; got: {{value}}",
        "D1004" => "Regular expression matches zero length string",
        "T1005" => "Attempted to invoke a non-function. Did you mean ${{{token}}}?",
        "T1006" => "Attempted to invoke a non-function",
        "T1007" => "Attempted to partially apply a non-function. Did you mean ${{{token}}}?",
        "T1008" => "Attempted to partially apply a non-function",
        "D1009" => "Multiple key definitions evaluate to same key: {{value}}",
        "T1010" => {
            "The matcher function argument passed to function {{token}} does not return the correct object structure"
        }
        "T2001" => "The left side of the {{token}} operator must evaluate to a number",
        "T2002" => "The right side of the {{token}} operator must evaluate to a number",
        "T2003" => "The left side of the range operator (..) must evaluate to an integer",
        "T2004" => "The right side of the range operator (..) must evaluate to an integer",
        "T2006" => "The right side of the function application operator ~> must be a function",
        "T2007" => {
            "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause"
        }
        "T2008" => {
            "The expressions within an order-by clause must evaluate to numeric or string values"
        }
        "T2009" => {
            "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type"
        }
        "T2010" => {
            "The expressions either side of operator {{token}} must evaluate to numeric or string values"
        }
        "T2011" => {
            "The insert/update clause of the transform expression must evaluate to an object: {{value}}"
        }
        "T2012" => {
            "The delete clause of the transform expression must evaluate to a string or array of strings: {{value}}"
        }
        "T2013" => {
            "The transform expression clones the input object using the $clone() function.  This has been overridden in the current scope by a non-function."
        }
        "D2014" => {
            "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {{value}}."
        }
        "D3001" => "Attempting to invoke string function on Infinity or NaN",
        "D3010" => "Second argument of replace function cannot be an empty string",
        "D3011" => "Fourth argument of replace function must evaluate to a positive number",
        "D3012" => "Attempted to replace a matched string with a non-string value",
        "D3020" => "Third argument of split function must evaluate to a positive number",
        "D3030" => "Unable to cast value to a number: {{value}}",
        "D3040" => "Third argument of match function must evaluate to a positive number",
        "D3050" => {
            "The second argument of reduce function must be a function with at least two arguments"
        }
        "D3060" => "The sqrt function cannot be applied to a negative number: {{value}}",
        "D3061" => {
            "The power function has resulted in a value that cannot be represented as a JSON number: base={{value}}, exponent={{value2}}"
        }
        "D3070" => {
            "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function"
        }
        "D3100" => {
            "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}"
        }
        "D3110" => {
            "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}"
        }
        "D3120" => "Syntax error in expression passed to function eval: {{value}}",
        "D3121" => "Dynamic error evaluating the expression passed to function eval: {{value}}",
        "D3137" => "$error() function evaluated",
        "D3138" => {
            "The $single() function expected exactly 1 matching result.  Instead it matched more."
        }
        "D3139" => {
            "The $single() function expected exactly 1 matching result.  Instead it matched 0."
        }
        "D3140" => "Malformed URL passed to ${{{token}}}(): {{value}}",
        "D3141" => "$assert() statement failed",
        "U1001" => {
            "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."
        }
        _ => return None,
    })
}

fn render(code: &str, d: &Detail) -> String {
    let Some(t) = template(code) else {
        return match &d.value {
            Some(v) => format!("Error {code}: {v}"),
            None => format!("Error {code}"),
        };
    };
    // like the reference: {{{x}}} inserts x as is, {{x}} inserts it JSON-encoded (values are
    // already rendered as JSON text), and a missing field renders as `undefined`
    let quote = |v: &Option<String>| {
        v.as_ref()
            .map(|t| serde_json::Value::String(t.clone()).to_string())
    };
    let mut out = String::new();
    let mut rest = t;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let raw = rest[start..].starts_with("{{{");
        let open = if raw { 3 } else { 2 };
        let Some(len) = rest[start + open..].find("}}") else {
            rest = &rest[start..];
            break;
        };
        let key = &rest[start + open..start + open + len];
        let value = match key {
            "token" if raw => d.token.clone(),
            "token" => quote(&d.token),
            "value" => d.value.clone(),
            "value2" => d.value2.clone(),
            "index" => d.index.map(|i| i.to_string()),
            "type" => quote(&d.kind),
            _ => None,
        };
        out.push_str(value.as_deref().unwrap_or("undefined"));
        rest = &rest[start + open + len + open..];
    }
    out.push_str(rest);
    out
}
