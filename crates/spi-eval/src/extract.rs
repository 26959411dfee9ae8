//! Answer extraction from model output: the `ANSWER:` line, a multiple-choice letter, the last
//! number, and exact rationals (`3/4`, `0.75`, `-2`, `1e-3`).
//!
//! Every function here is total over arbitrary UTF-8 of any length: model output is untrusted
//! and arrives in every language, so nothing slices text at a byte offset that was not found on
//! a character boundary, and numbers are bounded in length before they are parsed (a reply of a
//! million digits is "no number", not a quadratic parse). `tests/extract_props.rs` and the
//! `fuzz/fuzz_targets/eval_scorers.rs` target hold these properties.

use std::sync::OnceLock;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};

/// Longest number (in characters) the extractors parse; longer digit runs are not numbers.
pub const MAX_NUMBER_CHARS: usize = 400;

/// The text after the last `ANSWER:` line (any case, markdown emphasis and headings ignored),
/// else the whole trimmed output.
pub fn extract_answer(output: &str) -> String {
    for line in output.lines().rev() {
        let l = line.trim().trim_start_matches(['*', '#', ' ']);
        // `get` returns None unless byte 6 is a character boundary, so `l[6..]` below is safe
        // for any text (the first six bytes are then the ASCII word).
        if l.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("answer")) {
            let rest = l[6..].trim_start_matches(['*', ' ']);
            if let Some(a) = rest.strip_prefix(':') {
                return a.trim().trim_matches('*').trim().to_string();
            }
        }
    }
    output.trim().to_string()
}

/// The letter a multiple-choice output picked, if any: the first character of the extracted
/// answer (after an opening bracket or emphasis), when it is one of the first `n_choices`
/// capital letters and is not the start of a longer word.
pub fn extract_letter(output: &str, n_choices: usize) -> Option<char> {
    let ans = extract_answer(output);
    let t = ans.trim().trim_start_matches(['(', '[', '*']);
    let mut chars = t.chars();
    let c = chars.next()?.to_ascii_uppercase();
    let next = chars.next();
    let valid = c.is_ascii_uppercase() && ((c as u8 - b'A') as usize) < n_choices;
    (valid && next.is_none_or(|n| !n.is_alphanumeric())).then_some(c)
}

fn number_regex() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    // ASCII digits only: `\d` would match other scripts' digits, which no parser below reads.
    RE.get_or_init(|| {
        regex::Regex::new(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]{1,4})?(?:/-?[0-9]+)?")
            .expect("static regex")
    })
}

/// The last number in `s` (thousands separators `,` removed), as written.
pub fn last_number(s: &str) -> Option<String> {
    let cleaned = s.replace(',', "");
    number_regex()
        .find_iter(&cleaned)
        .last()
        .map(|m| m.as_str().to_string())
        .filter(|m| m.chars().count() <= MAX_NUMBER_CHARS)
}

/// Parses a decimal (`-2`, `0.75`, `1.5e-3`) exactly.
fn parse_decimal(s: &str) -> Option<BigRational> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > MAX_NUMBER_CHARS {
        return None;
    }
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    if exp.unsigned_abs() > 10_000 {
        return None;
    }
    let (neg, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let all: String = format!("{int}{frac}");
    let n: BigInt = if all.is_empty() {
        BigInt::zero()
    } else {
        all.parse().ok()?
    };
    let scale = exp - frac.len() as i32;
    let ten = BigInt::from(10u32);
    let mut r = BigRational::from_integer(n);
    if scale >= 0 {
        r *= BigRational::from_integer(num_traits::pow(ten, scale as usize));
    } else {
        r /= BigRational::from_integer(num_traits::pow(ten, scale.unsigned_abs() as usize));
    }
    Some(if neg { -r } else { r })
}

/// Parses a number exactly: a decimal or a fraction `p/q` of decimals (`q` non-zero).
pub fn parse_rational(s: &str) -> Option<BigRational> {
    match s.split_once('/') {
        Some((p, q)) => {
            let (p, q) = (parse_decimal(p)?, parse_decimal(q)?);
            (!q.is_zero()).then(|| p / q)
        }
        None => parse_decimal(s),
    }
}

/// An `f64` tolerance as an exact rational (`None` for NaN, infinities or negatives).
pub fn tolerance_rational(t: f64) -> Option<BigRational> {
    if !t.is_finite() || t < 0.0 {
        return None;
    }
    if t == 0.0 {
        return Some(BigRational::zero());
    }
    BigRational::from_float(t).or_else(|| Some(BigRational::one()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_letters_are_extracted() {
        assert_eq!(extract_answer("thinking...\nANSWER: Defect"), "Defect");
        assert_eq!(extract_answer("**Answer:** 42"), "42");
        assert_eq!(extract_answer(" plain "), "plain");
        assert_eq!(extract_letter("ANSWER: B", 4), Some('B'));
        assert_eq!(extract_letter("(c) because", 4), Some('C'));
        assert_eq!(extract_letter("ANSWER: E", 4), None);
        assert_eq!(extract_letter("Defect", 4), None);
    }

    #[test]
    fn issue9_multibyte_reply_does_not_panic() {
        // The reply that made `extract_answer` slice inside `é` and lose the sample.
        assert_eq!(extract_answer("Hé là là"), "Hé là là");
        assert_eq!(extract_answer("Answé: x"), "Answé: x");
        assert_eq!(extract_answer("ANSWER：B"), "ANSWER：B");
        assert_eq!(extract_letter("Hé", 4), None);
        assert_eq!(extract_letter("ANSWER: Ä", 4), None);
        assert_eq!(last_number("٣ و ٤"), None);
    }

    #[test]
    fn rationals_are_exact() {
        let r = |s| parse_rational(s).unwrap();
        assert_eq!(r("3/4"), r("0.75"));
        assert_eq!(r("-2"), BigRational::from_integer((-2).into()));
        assert_eq!(r("1.5e-3"), r("3/2000"));
        assert_eq!(r("6/-4"), r("-1.5"));
        assert_ne!(r("0.1") + r("0.2"), r("0.30000000000000004"));
        assert_eq!(r("0.1") + r("0.2"), r("0.3"));
        assert_eq!(parse_rational("1/0"), None);
        assert_eq!(parse_rational("."), None);
        assert_eq!(parse_rational("x"), None);
        assert_eq!(last_number("so 1,000 or 3/4."), Some("3/4".into()));
        assert_eq!(last_number(&"9".repeat(5000)), None);
    }
}
