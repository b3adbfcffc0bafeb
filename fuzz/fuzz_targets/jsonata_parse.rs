//! Fuzz target: any text given to the JSONata parser. The only acceptable outcomes are an
//! expression or an error with a code (`S0xxx`, or `U1001` for nesting beyond the limits);
//! never a panic or a stack overflow, however deep the nesting.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match baton_jsonata::Expression::parse(src) {
        Ok(expr) => drop(expr),
        Err(e) => {
            assert!(
                e.code.starts_with('S') || e.code == "U1001",
                "unexpected parse error code {e:?}"
            );
            let _ = e.to_string();
        }
    }
});
