//! Function signatures (`<s-n?:s>`) and argument validation.

use crate::error::{Detail, Error};
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quant {
    One,
    Opt,
    Plus,
}

#[derive(Debug, Clone)]
struct Param {
    symbols: String,
    kind: String,
    context: bool,
    quant: Quant,
    subtype: Option<String>,
}

/// A parsed function signature.
#[derive(Debug, Clone)]
pub(crate) struct Signature {
    params: Vec<Param>,
}

fn err_at(code: &str, value: &str, offset: usize) -> Error {
    let mut e = Error::val(code, value);
    e.position = Some(offset);
    e
}

impl Signature {
    /// Parses a signature including the angle brackets.
    pub(crate) fn parse(sig: &str) -> Result<Signature, Error> {
        let chars: Vec<char> = sig.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut pos = 1;
        let new_param = |symbols: &str, kind: &str| Param {
            symbols: symbols.to_string(),
            kind: kind.to_string(),
            context: false,
            quant: Quant::One,
            subtype: None,
        };
        let closing = |start: usize, open: char, close: char| {
            let mut depth = 1;
            let mut p = start;
            while p < chars.len() {
                p += 1;
                match chars.get(p) {
                    Some(c) if *c == close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Some(c) if *c == open => depth += 1,
                    _ => {}
                }
            }
            p
        };
        while pos < chars.len() {
            let c = chars[pos];
            match c {
                ':' => break,
                's' | 'n' | 'b' | 'l' | 'o' => {
                    params.push(new_param(&format!("{c}m"), &c.to_string()))
                }
                'a' => params.push(new_param("asnblfom", "a")),
                'f' => params.push(new_param("f", "f")),
                'j' => params.push(new_param("asnblom", "j")),
                'x' => params.push(new_param("asnblfom", "x")),
                '-' => {
                    if let Some(p) = params.last_mut() {
                        p.context = true;
                        p.quant = Quant::Opt;
                    }
                }
                '?' => {
                    if let Some(p) = params.last_mut() {
                        p.quant = Quant::Opt;
                    }
                }
                '+' => {
                    if let Some(p) = params.last_mut() {
                        p.quant = Quant::Plus;
                    }
                }
                '(' => {
                    let end = closing(pos, '(', ')');
                    let choice: String = chars[pos + 1..end.min(chars.len())].iter().collect();
                    if choice.contains('<') {
                        return Err(err_at("S0402", &choice, pos));
                    }
                    params.push(new_param(&format!("{choice}m"), &format!("({choice})")));
                    pos = end;
                }
                '<' => {
                    let ok = params
                        .last()
                        .is_some_and(|p| p.kind == "a" || p.kind == "f");
                    if !ok {
                        let k = params.last().map(|p| p.kind.clone()).unwrap_or_default();
                        return Err(err_at("S0401", &k, pos));
                    }
                    let end = closing(pos, '<', '>');
                    let sub: String = chars[pos + 1..end.min(chars.len())].iter().collect();
                    if let Some(p) = params.last_mut() {
                        p.subtype = Some(sub);
                    }
                    pos = end;
                }
                _ => {}
            }
            pos += 1;
        }
        Ok(Signature { params })
    }

    /// Number of declared parameters.
    pub(crate) fn arity(&self) -> usize {
        self.params.len()
    }

    /// Matches symbols against params from `pi`/`pos`; `full` requires consuming everything.
    fn matcher(
        &self,
        syms: &[char],
        pi: usize,
        pos: usize,
        full: bool,
        caps: &mut Vec<usize>,
        failed: &mut Vec<bool>,
    ) -> bool {
        if pi == self.params.len() {
            return !full || pos == syms.len();
        }
        // the outcome from (pi, pos) never changes: remember failures (no exponential
        // backtracking); the table is allocated at the first failure
        let slot = pi * (syms.len() + 1) + pos;
        if failed.get(slot).copied().unwrap_or(false) {
            return false;
        }
        let fail = |failed: &mut Vec<bool>| {
            if failed.is_empty() {
                failed.resize(self.params.len() * (syms.len() + 1), false);
            }
            if let Some(f) = failed.get_mut(slot) {
                *f = true;
            }
        };
        let p = &self.params[pi];
        let fits = |i: usize| syms.get(i).is_some_and(|c| p.symbols.contains(*c));
        let mut n = 0;
        while fits(pos + n) {
            n += 1;
            if p.quant != Quant::Plus {
                break;
            }
        }
        let min = if p.quant == Quant::One || p.quant == Quant::Plus {
            1
        } else {
            0
        };
        let mut take = n;
        loop {
            if take < min {
                fail(failed);
                return false;
            }
            caps.push(take);
            if self.matcher(syms, pi + 1, pos + take, full, caps, failed) {
                return true;
            }
            caps.pop();
            if take == 0 {
                fail(failed);
                return false;
            }
            take -= 1;
        }
    }

    /// Validates (and fixes up) arguments; `context` replaces a missing `-` argument.
    pub(crate) fn validate<'a>(
        &self,
        args: Vec<Value<'a>>,
        context: &Value<'a>,
    ) -> Result<Vec<Value<'a>>, Error> {
        let mut sym_buf = ['m'; 8];
        let sym_vec: Vec<char>;
        let syms: &[char] = if args.len() <= sym_buf.len() {
            for (slot, a) in sym_buf.iter_mut().zip(args.iter()) {
                *slot = a.symbol();
            }
            &sym_buf[..args.len()]
        } else {
            sym_vec = args.iter().map(|a| a.symbol()).collect();
            &sym_vec
        };
        let mut caps = Vec::with_capacity(self.params.len());
        if !self.matcher(syms, 0, 0, true, &mut caps, &mut Vec::new()) {
            return Err(self.validation_error(syms));
        }
        let mut out = Vec::with_capacity(caps.len());
        let mut arg_index = 0;
        for (p, &take) in self.params.iter().zip(caps.iter()) {
            if take == 0 {
                if p.context {
                    let cs = context.symbol();
                    if p.symbols.contains(cs) {
                        out.push(context.clone());
                    } else {
                        return Err(Error::with(
                            "T0411",
                            Detail {
                                index: Some(arg_index + 1),
                                ..Detail::default()
                            },
                        ));
                    }
                } else {
                    out.push(args.get(arg_index).cloned().unwrap_or_default());
                    arg_index += 1;
                }
                continue;
            }
            for k in 0..take {
                let arg = args.get(arg_index).cloned().unwrap_or_default();
                let single = syms.get(arg_index).copied().unwrap_or('m');
                if p.kind == "a" {
                    if single == 'm' {
                        out.push(Value::Undefined);
                    } else {
                        let mut ok = true;
                        if let Some(sub) = &p.subtype {
                            let first = sub.chars().next().unwrap_or('x');
                            if single != 'a' {
                                ok = take == 1 && k == 0 && sub.len() == 1 && single == first;
                            } else {
                                ok = match &arg {
                                    Value::Array(a) => a.items.iter().all(|v| v.symbol() == first),
                                    Value::JArray(a) => {
                                        a.iter().all(|j| Value::from_json(j).symbol() == first)
                                    }
                                    _ => true,
                                };
                            }
                        }
                        if !ok {
                            let kind = match p.subtype.as_deref().and_then(|s| s.chars().next()) {
                                Some('a') => "arrays",
                                Some('b') => "booleans",
                                Some('f') => "functions",
                                Some('n') => "numbers",
                                Some('o') => "objects",
                                Some('s') => "strings",
                                _ => "values",
                            };
                            return Err(Error::with(
                                "T0412",
                                Detail {
                                    index: Some(arg_index + 1),
                                    kind: Some(kind.into()),
                                    ..Detail::default()
                                },
                            ));
                        }
                        if single != 'a' {
                            out.push(Value::array(vec![arg]));
                        } else {
                            out.push(arg);
                        }
                    }
                } else {
                    out.push(arg);
                }
                arg_index += 1;
            }
        }
        Ok(out)
    }

    fn validation_error(&self, syms: &[char]) -> Error {
        let mut good_to = 0;
        for i in 0..self.params.len() {
            let partial = Signature {
                params: self.params[..=i].to_vec(),
            };
            let mut caps = Vec::new();
            if !partial.matcher(syms, 0, 0, false, &mut caps, &mut Default::default()) {
                break;
            }
            good_to = caps.iter().sum();
        }
        Error::with(
            "T0410",
            Detail {
                index: Some(good_to + 1),
                ..Detail::default()
            },
        )
    }
}

impl Signature {
    /// A signature accepting no arguments (fallback only).
    pub(crate) fn any() -> Signature {
        Signature { params: Vec::new() }
    }
}
