//! `Rational`: the exact number type of every payoff and probability.
//!
//! Weak Pareto comparisons with equality are the heart of every SPI test, so nothing here rounds.
//! Most payoffs in practice are small integers or simple fractions, so the value is kept as a pair of
//! `i64` whenever it fits and every operation is done in `i128` with one gcd; only when a result leaves
//! `i64` does it move to `num_rational::BigRational`, and it moves back as soon as it fits again.
//! Invariant: `Small(n, d)` has `d > 0` and `gcd(n, d) = 1`; `Big` never holds a value that fits `Small`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Add, Mul, Neg, Sub};
use std::str::FromStr;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// An exact rational number.
#[derive(Clone)]
pub struct Rational(Repr);

#[derive(Clone)]
enum Repr {
    Small(i64, i64),
    Big(BigRational),
}

/// The most digits one integer of a number literal may have (each side of `p/q`, the digits of a
/// decimal). The exponent is capped at 4,096 too, so no literal parses to a number far beyond
/// what the exponent alone allows; a 20,000-digit payoff kept `pmm` and `equilibria` busy for
/// tens of seconds on a 4×4 game.
pub const MAX_DIGITS: usize = 4096;

/// Why a string is not a number of the game format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseRationalError {
    /// Not of the shape of a number.
    #[error(
        "expected an integer, a decimal like \"0.25\" or a fraction like \"3/8\", found {}",
        shown(found)
    )]
    Malformed {
        /// The text that failed to parse.
        found: String,
    },
    /// Of the right shape, but beyond the caps on digits or exponent.
    #[error(
        "expected a number of at most {MAX_DIGITS} digits and an exponent of at most 4096, found {}",
        shown(found)
    )]
    TooLarge {
        /// The text that failed to parse.
        found: String,
    },
}

impl ParseRationalError {
    /// The offending text, quoted and cut to a readable length, for messages that say what was
    /// expected themselves.
    pub fn found_shown(&self) -> String {
        match self {
            ParseRationalError::Malformed { found } | ParseRationalError::TooLarge { found } => {
                shown(found)
            }
        }
    }
}

/// The offending text quoted, cut to a readable length: a 100,000-digit literal must not become a
/// 100,000-character error line.
fn shown(found: &str) -> String {
    const KEEP: usize = 40;
    match found.char_indices().nth(KEEP) {
        None => format!("{found:?}"),
        Some((i, _)) => format!("{:?}… ({} bytes)", &found[..i], found.len()),
    }
}

/// Whether a rounded decimal's digits are not all zero (so `-1/1000` at two places is `0.00`, not
/// `-0.00`).
fn scaled_is_nonzero(digits: &str) -> bool {
    digits.bytes().any(|b| b != b'0')
}

fn gcd_i128(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Rational {
    /// Zero.
    pub const ZERO: Rational = Rational(Repr::Small(0, 1));
    /// One.
    pub const ONE: Rational = Rational(Repr::Small(1, 1));

    /// The integer `n`.
    pub const fn from_int(n: i64) -> Rational {
        Rational(Repr::Small(n, 1))
    }

    /// `n / d`, reduced. Returns `None` when `d == 0`.
    pub fn new(n: i64, d: i64) -> Option<Rational> {
        if d == 0 {
            return None;
        }
        Some(Self::from_i128(n as i128, d as i128))
    }

    /// `n / d` from arbitrary-precision integers. Returns `None` when `d == 0`.
    pub fn from_bigints(n: BigInt, d: BigInt) -> Option<Rational> {
        if d.is_zero() {
            return None;
        }
        Some(Self::from_big(BigRational::new(n, d)))
    }

    /// `n / d` with `d != 0`, reduced and demoted to the small form when it fits.
    fn from_i128(mut n: i128, mut d: i128) -> Rational {
        debug_assert!(d != 0);
        if d < 0 {
            n = -n;
            d = -d;
        }
        let g = gcd_i128(n, d);
        if g > 1 {
            n /= g;
            d /= g;
        }
        match (i64::try_from(n), i64::try_from(d)) {
            (Ok(n), Ok(d)) => Rational(Repr::Small(n, d)),
            _ => Rational(Repr::Big(BigRational::new_raw(
                BigInt::from(n),
                BigInt::from(d),
            ))),
        }
    }

    fn from_big(r: BigRational) -> Rational {
        // BigRational keeps itself reduced with a positive denominator.
        match (r.numer().to_i64(), r.denom().to_i64()) {
            (Some(n), Some(d)) => Rational(Repr::Small(n, d)),
            _ => Rational(Repr::Big(r)),
        }
    }

    fn to_big(&self) -> BigRational {
        match &self.0 {
            Repr::Small(n, d) => BigRational::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Repr::Big(r) => r.clone(),
        }
    }

    /// The numerator (the sign is carried here).
    pub fn numer(&self) -> BigInt {
        match &self.0 {
            Repr::Small(n, _) => BigInt::from(*n),
            Repr::Big(r) => r.numer().clone(),
        }
    }

    /// The denominator, always positive.
    pub fn denom(&self) -> BigInt {
        match &self.0 {
            Repr::Small(_, d) => BigInt::from(*d),
            Repr::Big(r) => r.denom().clone(),
        }
    }

    /// The value as `(numerator, denominator)` when both fit in `i64`.
    pub fn as_small(&self) -> Option<(i64, i64)> {
        match self.0 {
            Repr::Small(n, d) => Some((n, d)),
            Repr::Big(_) => None,
        }
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        matches!(self.0, Repr::Small(0, _))
    }

    /// Whether this is an integer.
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Small(_, d) => *d == 1,
            Repr::Big(r) => r.is_integer(),
        }
    }

    /// -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match &self.0 {
            Repr::Small(n, _) => n.signum() as i32,
            Repr::Big(r) => {
                if r.is_positive() {
                    1
                } else if r.is_negative() {
                    -1
                } else {
                    0
                }
            }
        }
    }

    /// Strictly greater than zero.
    pub fn is_positive(&self) -> bool {
        self.signum() > 0
    }

    /// Strictly less than zero.
    pub fn is_negative(&self) -> bool {
        self.signum() < 0
    }

    /// Absolute value.
    pub fn abs(&self) -> Rational {
        if self.is_negative() {
            -self
        } else {
            self.clone()
        }
    }

    /// `1 / self`, or `None` for zero.
    pub fn recip(&self) -> Option<Rational> {
        match &self.0 {
            Repr::Small(0, _) => None,
            Repr::Small(n, d) => Some(Self::from_i128(*d as i128, *n as i128)),
            Repr::Big(r) => Some(Self::from_big(r.recip())),
        }
    }

    /// `self / other`, or `None` when `other` is zero.
    pub fn checked_div(&self, other: &Rational) -> Option<Rational> {
        other.recip().map(|r| self * &r)
    }

    /// The nearest `f64` (for plots and floating-point peers only; never for decisions).
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            Repr::Small(n, d) => *n as f64 / *d as f64,
            Repr::Big(r) => r.to_f64().unwrap_or(f64::NAN),
        }
    }

    /// The value as a decimal with exactly `digits` places, rounded half away from zero from the
    /// exact value (not through `f64`, so a 40-digit fraction rounds correctly): `2/3` at 4 is
    /// `0.6667`, `-1/8` at 2 is `-0.13`. A reading aid beside the exact form, never a substitute.
    pub fn to_decimal(&self, digits: u32) -> String {
        let (n, d) = (self.numer(), self.denom());
        let negative = n.is_negative();
        let scale = num_traits::pow(BigInt::from(10), digits as usize);
        // round(|n|·10^k / d) with halves away from zero: floor((2·|n|·10^k + d) / (2d)).
        let scaled = (n.abs() * &scale * 2u32 + &d) / (d * 2u32);
        let all = scaled.to_string();
        let k = digits as usize;
        let padded = if all.len() <= k {
            format!("{}{all}", "0".repeat(k + 1 - all.len()))
        } else {
            all
        };
        let (int, frac) = padded.split_at(padded.len() - k);
        let sign = if negative && scaled_is_nonzero(&padded) {
            "-"
        } else {
            ""
        };
        if k == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    }

    /// The larger of two values.
    pub fn max_of(a: &Rational, b: &Rational) -> Rational {
        if a >= b { a.clone() } else { b.clone() }
    }

    /// The smaller of two values.
    pub fn min_of(a: &Rational, b: &Rational) -> Rational {
        if a <= b { a.clone() } else { b.clone() }
    }

    /// Sum of an iterator of values.
    pub fn sum<'a>(it: impl IntoIterator<Item = &'a Rational>) -> Rational {
        it.into_iter().fold(Rational::ZERO, |acc, x| &acc + x)
    }

    /// Exact conversion of a finite `f64` (every finite double is a dyadic rational).
    pub fn from_f64_exact(x: f64) -> Option<Rational> {
        BigRational::from_float(x).map(Self::from_big)
    }
}

impl Default for Rational {
    fn default() -> Self {
        Rational::ZERO
    }
}

impl From<i64> for Rational {
    fn from(n: i64) -> Self {
        Rational::from_int(n)
    }
}

impl From<i32> for Rational {
    fn from(n: i32) -> Self {
        Rational::from_int(n as i64)
    }
}

impl From<BigInt> for Rational {
    fn from(n: BigInt) -> Self {
        Rational::from_big(BigRational::from_integer(n))
    }
}

impl PartialEq for Rational {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            // Both reduced: equal values have equal representations.
            (Repr::Small(a, b), Repr::Small(c, d)) => a == c && b == d,
            (Repr::Big(x), Repr::Big(y)) => x == y,
            _ => false,
        }
    }
}

impl Eq for Rational {}

impl Hash for Rational {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            Repr::Small(n, d) => {
                0u8.hash(state);
                n.hash(state);
                d.hash(state);
            }
            Repr::Big(r) => {
                1u8.hash(state);
                r.hash(state);
            }
        }
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Small(a, b), Repr::Small(c, d)) => {
                (*a as i128 * *d as i128).cmp(&(*c as i128 * *b as i128))
            }
            _ => self.to_big().cmp(&other.to_big()),
        }
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Add<&Rational> for &Rational {
    type Output = Rational;
    fn add(self, rhs: &Rational) -> Rational {
        if let (Repr::Small(a, b), Repr::Small(c, d)) = (&self.0, &rhs.0) {
            let (a, b, c, d) = (*a as i128, *b as i128, *c as i128, *d as i128);
            if b == d {
                return Rational::from_i128(a + c, b);
            }
            return Rational::from_i128(a * d + c * b, b * d);
        }
        Rational::from_big(self.to_big() + rhs.to_big())
    }
}

impl Sub<&Rational> for &Rational {
    type Output = Rational;
    fn sub(self, rhs: &Rational) -> Rational {
        if let (Repr::Small(a, b), Repr::Small(c, d)) = (&self.0, &rhs.0) {
            let (a, b, c, d) = (*a as i128, *b as i128, *c as i128, *d as i128);
            if b == d {
                return Rational::from_i128(a - c, b);
            }
            return Rational::from_i128(a * d - c * b, b * d);
        }
        Rational::from_big(self.to_big() - rhs.to_big())
    }
}

impl Mul<&Rational> for &Rational {
    type Output = Rational;
    fn mul(self, rhs: &Rational) -> Rational {
        if let (Repr::Small(a, b), Repr::Small(c, d)) = (&self.0, &rhs.0) {
            return Rational::from_i128(*a as i128 * *c as i128, *b as i128 * *d as i128);
        }
        Rational::from_big(self.to_big() * rhs.to_big())
    }
}

impl Neg for &Rational {
    type Output = Rational;
    fn neg(self) -> Rational {
        match &self.0 {
            Repr::Small(n, d) => Rational::from_i128(-(*n as i128), *d as i128),
            Repr::Big(r) => Rational::from_big(-r.clone()),
        }
    }
}

macro_rules! forward_owned {
    ($tr:ident, $m:ident) => {
        impl $tr<Rational> for Rational {
            type Output = Rational;
            fn $m(self, rhs: Rational) -> Rational {
                (&self).$m(&rhs)
            }
        }
        impl $tr<&Rational> for Rational {
            type Output = Rational;
            fn $m(self, rhs: &Rational) -> Rational {
                (&self).$m(rhs)
            }
        }
        impl $tr<Rational> for &Rational {
            type Output = Rational;
            fn $m(self, rhs: Rational) -> Rational {
                self.$m(&rhs)
            }
        }
    };
}
forward_owned!(Add, add);
forward_owned!(Sub, sub);
forward_owned!(Mul, mul);

impl Neg for Rational {
    type Output = Rational;
    fn neg(self) -> Rational {
        -&self
    }
}

impl fmt::Display for Rational {
    /// `p/q`, or `p` for integers: the product's one printed form for exact numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Small(n, 1) => write!(f, "{n}"),
            Repr::Small(n, d) => write!(f, "{n}/{d}"),
            Repr::Big(r) if r.is_integer() => write!(f, "{}", r.numer()),
            Repr::Big(r) => write!(f, "{}/{}", r.numer(), r.denom()),
        }
    }
}

impl fmt::Debug for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Rational {
    type Err = ParseRationalError;

    /// Reads `"-3"`, `"0.25"`, `"-1.5e3"`, `"3/8"` exactly.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseRationalError::Malformed {
            found: s.to_string(),
        };
        let too_large = || ParseRationalError::TooLarge {
            found: s.to_string(),
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(err());
        }
        if let Some((n, d)) = t.split_once('/') {
            let digits = |x: &str| x.trim().trim_start_matches(['+', '-']).len();
            if digits(n) > MAX_DIGITS || digits(d) > MAX_DIGITS {
                return Err(too_large());
            }
            let n = parse_int(n.trim()).ok_or_else(err)?;
            let d = parse_int(d.trim()).ok_or_else(err)?;
            if d.is_zero() {
                return Err(err());
            }
            return Ok(Rational::from_big(BigRational::new(n, d)));
        }
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], parse_exponent(&t[i + 1..]).ok_or_else(err)?),
            None => (t, 0),
        };
        if exp.unsigned_abs() > 4096 {
            return Err(too_large());
        }
        let (neg, digits) = match mantissa.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err());
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        if int_part.len() + frac_part.len() > MAX_DIGITS {
            return Err(too_large());
        }
        let all: String = format!("{int_part}{frac_part}");
        let mut n: BigInt = all.parse::<BigInt>().map_err(|_| err())?;
        if neg {
            n = -n;
        }
        let scale = exp - frac_part.len() as i64;
        let ten = BigInt::from(10);
        let r = if scale >= 0 {
            BigRational::from_integer(n * num_traits::pow(ten, scale as usize))
        } else {
            BigRational::new(n, num_traits::pow(ten, (-scale) as usize))
        };
        Ok(Rational::from_big(r))
    }
}

/// An exponent's digits; a long run of digits is "too large" (i64 saturates), not "malformed".
fn parse_exponent(s: &str) -> Option<i64> {
    let body = s
        .strip_prefix('-')
        .or_else(|| s.strip_prefix('+'))
        .unwrap_or(s);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<i64>().unwrap_or(if s.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    }))
}

fn parse_int(s: &str) -> Option<BigInt> {
    let body = s
        .strip_prefix('-')
        .or_else(|| s.strip_prefix('+'))
        .unwrap_or(s);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<BigInt>().ok()
}

impl Zero for Rational {
    fn zero() -> Self {
        Rational::ZERO
    }
    fn is_zero(&self) -> bool {
        Rational::is_zero(self)
    }
}

impl One for Rational {
    fn one() -> Self {
        Rational::ONE
    }
}

impl std::ops::Div<&Rational> for &Rational {
    type Output = Rational;
    /// Panics on division by zero, like the integer types; library code uses `checked_div` on input.
    fn div(self, rhs: &Rational) -> Rational {
        self.checked_div(rhs).expect("division by zero")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Rational {
        s.parse().unwrap()
    }

    #[test]
    fn decimals_round_the_exact_value_half_away_from_zero() {
        for (x, k, want) in [
            ("2/3", 4, "0.6667"),
            ("-2/3", 4, "-0.6667"),
            ("1/8", 2, "0.13"),
            ("-1/8", 2, "-0.13"),
            ("-1/1000", 2, "0.00"),
            ("5", 3, "5.000"),
            ("7/2", 0, "4"),
            ("-7/2", 0, "-4"),
            ("1/3", 0, "0"),
            (
                "123456789012345678901234567890/7",
                3,
                "17636684144620811271604938270.000",
            ),
            (
                "1/123456789012345678901234567890",
                31,
                "0.0000000000000000000000000000081",
            ),
        ] {
            assert_eq!(q(x).to_decimal(k), want, "{x} at {k} places");
        }
    }

    #[test]
    fn a_decimal_is_within_half_a_unit_of_its_last_place() {
        for n in -60i64..=60 {
            for d in 1i64..=24 {
                let x = Rational::new(n, d).unwrap();
                for k in 0..4u32 {
                    let back = q(&x.to_decimal(k));
                    let half = Rational::new(1, 2 * 10i64.pow(k)).unwrap();
                    assert!((&back - &x).abs() <= half, "{x} at {k}: {back}");
                }
            }
        }
    }

    #[test]
    fn literals_beyond_the_caps_are_refused_with_a_short_message() {
        let long = "9".repeat(MAX_DIGITS + 1);
        for text in [
            long.clone(),
            format!("1/{long}"),
            format!("0.{long}"),
            "1e4097".into(),
            "1e99999999999999999999".into(),
        ] {
            let e = text.parse::<Rational>().unwrap_err();
            assert!(
                matches!(e, ParseRationalError::TooLarge { .. }),
                "{text:.20}: {e:?}"
            );
            assert!(e.to_string().len() < 200, "{}", e.to_string().len());
        }
        assert_eq!(
            q(&"9".repeat(MAX_DIGITS)).to_string(),
            "9".repeat(MAX_DIGITS)
        );
        let e = "two".parse::<Rational>().unwrap_err().to_string();
        assert_eq!(
            e,
            "expected an integer, a decimal like \"0.25\" or a fraction like \"3/8\", found \"two\""
        );
    }

    #[test]
    fn parses_every_form_exactly() {
        assert_eq!(q("0.25"), Rational::new(1, 4).unwrap());
        assert_eq!(q("-3/6"), Rational::new(-1, 2).unwrap());
        assert_eq!(q("1.5e3"), Rational::from_int(1500));
        assert_eq!(q("-2.5E-1"), Rational::new(-1, 4).unwrap());
        assert_eq!(q(".5"), Rational::new(1, 2).unwrap());
        for bad in ["", "1/0", "abc", "1.2.3", "--1", "1/", "e5", "."] {
            assert!(bad.parse::<Rational>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn promotes_and_demotes_across_i64() {
        let big = Rational::from_int(i64::MAX);
        let sum = &big + &big;
        assert_eq!(sum.to_string(), "18446744073709551614");
        let back = &sum - &big;
        assert_eq!(back.as_small(), Some((i64::MAX, 1)));
        assert_eq!(
            (&sum * &Rational::new(1, 2).unwrap()).as_small(),
            Some((i64::MAX, 1))
        );
    }

    #[test]
    fn prints_p_over_q() {
        assert_eq!(Rational::new(6, -8).unwrap().to_string(), "-3/4");
        assert_eq!(Rational::from_int(5).to_string(), "5");
    }
}
