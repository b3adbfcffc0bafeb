//! Randomised robustness checks: no picture or input may panic, hang or blow up the output.

use super::*;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn string(&mut self, alphabet: &[char], max_len: usize) -> String {
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }

    fn number(&mut self) -> f64 {
        match self.below(8) {
            0 => 0.0,
            1 => -((self.next() % 10_000) as f64),
            2 => f64::from_bits(self.next()),
            3 => (self.next() % 4_000_000_000_000) as f64 - 1e12,
            4 => (self.next() as f64) / 1e9,
            5 => [
                f64::NAN,
                f64::INFINITY,
                -f64::INFINITY,
                8.64e15,
                -8.64e15,
                1e21,
            ][self.below(6)],
            6 => (self.next() % 100) as f64 / 8.0,
            _ => (self.next() % 1000) as f64,
        }
    }
}

const PICTURE: &str = "[[]]]YMDdFWwXxHhPmsfZzCEq0123456789#,;.-*aAiIwWnNotc: %\u{2030}e\u{0660}\u{0661}\u{FF10}\u{FF11}pm";
const INPUT: &str = "0123456789 ,.-+:/aAbcdeEfFgGhHiIjklLmMnNoOpPrsStTuUvVwxXyYzZ\u{0661}\u{FF12}";

fn words() -> Vec<&'static str> {
    vec![
        "one", "twenty", "-", " ", "and", "hundred", "thousand", "first", "March", "Mon", "am",
        "PM", "GMT", "+05:30", "-0800", "2018", "12th", "MCM", "xiv",
    ]
}

/// Iterations and seed, overridable with `PICTURE_FUZZ_ITERS` / `PICTURE_FUZZ_SEED` for longer
/// local runs.
fn fuzz_config(iterations: usize, seed: u64) -> (usize, u64) {
    let env = |name: &str| std::env::var(name).ok();
    (
        env("PICTURE_FUZZ_ITERS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(iterations),
        env("PICTURE_FUZZ_SEED")
            .and_then(|v| v.parse().ok())
            .unwrap_or(seed),
    )
}

/// A date-time picture made of plausible markers.
fn structured_picture(rng: &mut Rng) -> String {
    const COMPONENTS: &str = "YMDdFWwXxHhPmsfZzCE";
    const PRESENTATIONS: [&str; 20] = [
        "", "1", "01", "0001", "#1", "a", "A", "i", "I", "w", "W", "Ww", "N", "n", "Nn",
        "\u{0661}", "9,999", "01:01", "0101", "##01",
    ];
    const MODIFIERS: [&str; 4] = ["", "o", "t", "c"];
    const WIDTHS: [&str; 7] = ["", ",2", ",*-3", ",3-3", ",99999", ",2-", ",*"];
    const SEPARATORS: [&str; 6] = ["", "-", " ", ":", "T", "/"];
    let components: Vec<char> = COMPONENTS.chars().collect();
    let mut picture = String::new();
    for _ in 0..=rng.below(5) {
        picture.push('[');
        picture.push(components[rng.below(components.len())]);
        picture.push_str(PRESENTATIONS[rng.below(PRESENTATIONS.len())]);
        picture.push_str(MODIFIERS[rng.below(MODIFIERS.len())]);
        picture.push_str(WIDTHS[rng.below(WIDTHS.len())]);
        picture.push(']');
        picture.push_str(SEPARATORS[rng.below(SEPARATORS.len())]);
    }
    picture
}

#[test]
fn structured_pictures_round_trip_or_fail_cleanly() {
    let (iterations, seed) = fuzz_config(3000, 0x0123_4567_89ab_cdef);
    let mut rng = Rng(seed);
    for _ in 0..iterations {
        let picture = structured_picture(&mut rng);
        let value = rng.number();
        let Ok(text) = format_datetime(value, Some(&picture), None) else {
            continue;
        };
        // parsing what was formatted must not panic (it may legitimately not round-trip)
        let _ = parse_datetime_at(&text, Some(&picture), value);
    }
}

#[test]
fn random_pictures_never_panic() {
    let picture_chars: Vec<char> = PICTURE.chars().collect();
    let input_chars: Vec<char> = INPUT.chars().collect();
    let tokens = words();
    let odd_chars: Vec<char> = "0#.,;e%\u{2030}\u{D7FF}\u{10FFFF}\u{FFFF}\u{0660}Aa"
        .chars()
        .collect();
    let (iterations, seed) = fuzz_config(4000, 0x9e37_79b9_7f4a_7c15);
    let mut rng = Rng(seed);
    for _ in 0..iterations {
        let picture = rng.string(&picture_chars, 16);
        let mut input = rng.string(&input_chars, 12);
        for _ in 0..rng.below(4) {
            input.push_str(tokens[rng.below(tokens.len())]);
        }
        let value = rng.number();
        let timezone = rng.string(&input_chars, 6);
        if let Ok(s) = format_integer(value, &picture) {
            assert!(s.len() < 8 * MAX_WIDTH, "{picture}");
        }
        let _ = parse_integer(&input, &picture);
        if let Ok(s) = format_number(value, &picture, &DecimalFormat::default()) {
            assert!(s.len() < 8 * MAX_WIDTH, "{picture}");
        }
        let mut options = DecimalFormat::default();
        for name in [
            "decimal-separator",
            "grouping-separator",
            "zero-digit",
            "digit",
            "percent",
        ] {
            if rng.below(3) == 0 {
                let value = rng.string(&odd_chars, 2);
                options.set(name, &value);
            }
        }
        let _ = format_number(value, &picture, &options);
        let _ = format_base(value, Some(rng.number()));
        if let Ok(s) = format_datetime(value, Some(&picture), Some(&timezone)) {
            assert!(s.len() < 64 * MAX_WIDTH, "{picture}");
        }
        let _ = format_datetime(value, None, None);
        let _ = parse_datetime(&input, Some(&picture));
        let _ = parse_datetime_at(&input, Some(&picture), value);
        let _ = parse_datetime(&input, None);
    }
}

#[test]
fn hostile_word_inputs_stay_fast() {
    let input = format!("{}x", "one ".repeat(300));
    let start = std::time::Instant::now();
    assert_eq!(
        parse_datetime(&input, Some("[Yw][Mw][Dw]")).ok(),
        Some(None)
    );
    let long = "1".repeat(400);
    assert!(parse_datetime(&long, Some(&"[Y]".repeat(40))).is_ok());
    assert!(start.elapsed().as_secs() < 20);
}

#[test]
fn iso_like_strings_never_panic() {
    let (iterations, seed) = fuzz_config(20_000, 0x5151_aaaa_0101_7777);
    let mut rng = Rng(seed);
    let alphabet: Vec<char> = "0123456789-:.TZ+".chars().collect();
    let pieces = [
        "-0", "-1", "-2", "-3", "0", "1", "2", "3", "5", "9", "T", "T0", "T1", "T2", ":", "0:",
        "59", ".", ".0", ".999", "Z", "+", "-", "+0", "-0", ":3", "00", "12", "24", "31",
    ];
    for _ in 0..iterations {
        let year: String = format!("{:04}", rng.below(10_000));
        let tail = rng.string(&alphabet, 24);
        let _ = parse_datetime(&format!("{year}{tail}"), None);
        let mut shaped = year.clone();
        for _ in 0..rng.below(9) {
            shaped.push_str(pieces[rng.below(pieces.len())]);
        }
        let _ = parse_datetime(&shaped, None);
        let long = format!("{year}.{}", "9".repeat(rng.below(60)));
        let _ = parse_datetime(&long, None);
    }
}
