//! Exact `i128` kernels of fraction-free pivoting: `(a·b − c·d) / e` through a 256-bit intermediate,
//! and the sign of `a·b − c·d`, without ever leaving machine integers.
//!
//! Fraction-free (Bareiss) pivoting divides every updated entry by the previous pivot, and the
//! division is exact. Two facts make that cheap here:
//! - the entries are minors of the input, so at 16×16 with payoffs below 100 they stay near 2¹⁰⁰
//!   while their *products* reach 2²⁰⁰: the product needs 256 bits, the quotient fits `i128`;
//! - an exact quotient is `x · e⁻¹ mod 2¹²⁸` once `e`'s factors of two are shifted out (odd numbers
//!   are invertible modulo a power of two), which costs three word multiplications instead of
//!   `i128` division's long loop; the inverse is computed once per pivot ([`Divisor`]).
//!
//! Products of operands that fit `i64` take a one-multiplication path; the 256-bit path runs only
//! once entries pass 2⁶³. A quotient that does not fit `i128` is reported (`None`) so the caller can
//! restart on `BigInt`.

use std::cmp::Ordering;

/// A positive divisor prepared for exact division: `value = odd · 2^shift`, `inverse = odd⁻¹ mod 2¹²⁸`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Divisor {
    value: i128,
    shift: u32,
    odd: u128,
    inverse: u128,
}

impl Divisor {
    /// Prepares `value` (which must be positive: pivots are) for exact division.
    pub fn new(value: i128) -> Divisor {
        debug_assert!(value > 0, "pivots are positive");
        let shift = value.trailing_zeros();
        let odd = (value >> shift) as u128;
        // Newton's iteration doubles the correct low bits each step; an odd number is its own
        // inverse modulo 8, so six steps reach 3·2⁶ = 192 ≥ 128 bits.
        let mut inverse = odd;
        for _ in 0..6 {
            inverse = inverse.wrapping_mul(2u128.wrapping_sub(odd.wrapping_mul(inverse)));
        }
        debug_assert_eq!(odd.wrapping_mul(inverse), 1);
        Divisor {
            value,
            shift,
            odd,
            inverse,
        }
    }

    /// The divisor itself.
    pub fn value(&self) -> i128 {
        self.value
    }

    /// `x / self` for an `x` that is a multiple of it.
    #[inline(always)]
    fn div_exact_narrow(&self, x: i128) -> i128 {
        // The quotient's magnitude is at most |x|, so it fits and arithmetic modulo 2¹²⁸ is exact.
        ((x >> self.shift) as u128).wrapping_mul(self.inverse) as i128
    }

    /// `x / self` for a 256-bit multiple `x`, or `None` if the quotient does not fit `i128`.
    fn div_exact_wide(&self, x: Wide) -> Option<i128> {
        let (hi, lo) = if self.shift == 0 {
            (x.hi, x.lo)
        } else {
            (
                x.hi >> self.shift,
                (x.lo >> self.shift) | (x.hi << (128 - self.shift)),
            )
        };
        if hi >= self.odd {
            return None; // the quotient needs more than 128 bits
        }
        let q = lo.wrapping_mul(self.inverse);
        if q > i128::MAX as u128 {
            return None;
        }
        Some(if x.negative { -(q as i128) } else { q as i128 })
    }
}

/// A 256-bit integer in sign–magnitude form (`hi·2¹²⁸ + lo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wide {
    negative: bool,
    hi: u128,
    lo: u128,
}

/// The full product of two magnitudes.
#[inline]
fn mul_u128(a: u128, b: u128) -> (u128, u128) {
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // The middle column sums three numbers below 2⁶⁴ each, so it cannot overflow.
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let lo = (p00 & LOW) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

impl Wide {
    #[inline]
    fn product(a: i128, b: i128) -> Wide {
        let (hi, lo) = mul_u128(a.unsigned_abs(), b.unsigned_abs());
        Wide {
            negative: (a < 0) != (b < 0) && (hi | lo) != 0,
            hi,
            lo,
        }
    }

    fn magnitude_cmp(&self, other: &Wide) -> Ordering {
        (self.hi, self.lo).cmp(&(other.hi, other.lo))
    }

    /// `self − other`; magnitudes are products of two `i128`, below 2²⁵⁴, so sums cannot overflow.
    fn sub(self, other: Wide) -> Wide {
        let other = Wide {
            negative: !other.negative && (other.hi | other.lo) != 0,
            ..other
        };
        if self.negative == other.negative {
            let (lo, carry) = self.lo.overflowing_add(other.lo);
            return Wide {
                negative: self.negative,
                hi: self.hi + other.hi + u128::from(carry),
                lo,
            };
        }
        let (big, small) = if self.magnitude_cmp(&other) == Ordering::Less {
            (other, self)
        } else {
            (self, other)
        };
        let (lo, borrow) = big.lo.overflowing_sub(small.lo);
        let hi = big.hi - small.hi - u128::from(borrow);
        Wide {
            negative: big.negative && (hi | lo) != 0,
            hi,
            lo,
        }
    }

    fn cmp(&self, other: &Wide) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.magnitude_cmp(other),
            (true, true) => other.magnitude_cmp(self),
        }
    }
}

#[inline(always)]
fn fits_i64(x: i128) -> bool {
    x as i64 as i128 == x
}

/// Whether |x| < 2⁶²: products of two such values stay below 2¹²⁴ and their differences below
/// 2¹²⁵, so [`mul_sub_div_small`] needs no checks. A dictionary whose entries are all small
/// (most of them, on games with payoffs below 100) pivots without a branch per entry.
#[inline(always)]
pub fn is_small(x: i128) -> bool {
    (x as u128).wrapping_add(1 << 62) < (1 << 63)
}

/// [`mul_sub_div`] for operands that are all [`is_small`]: two single-word multiplications, a
/// subtraction and the multiplication by the inverse, with nothing to check.
#[inline(always)]
pub fn mul_sub_div_small(a: i128, b: i128, c: i128, d: i128, e: &Divisor) -> i128 {
    debug_assert!([a, b, c, d].into_iter().all(is_small));
    let x = (a as i64 as i128) * (b as i64 as i128) - (c as i64 as i128) * (d as i64 as i128);
    e.div_exact_narrow(x)
}

/// [`cmp_products`] for operands that are all [`is_small`].
#[inline(always)]
pub fn cmp_products_small(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    debug_assert!([a, b, c, d].into_iter().all(is_small));
    ((a as i64 as i128) * (b as i64 as i128)).cmp(&((c as i64 as i128) * (d as i64 as i128)))
}

/// `(a·b − c·d) / e`, exact by the caller's guarantee, or `None` if the quotient leaves `i128`.
#[inline(always)]
pub fn mul_sub_div(a: i128, b: i128, c: i128, d: i128, e: &Divisor) -> Option<i128> {
    if fits_i64(a) && fits_i64(b) && fits_i64(c) && fits_i64(d) {
        // Each product is below 2¹²⁶ in magnitude; only the difference of two extreme ones
        // can reach 2¹²⁷.
        if let Some(x) = (a * b).checked_sub(c * d) {
            return Some(e.div_exact_narrow(x));
        }
    }
    mul_sub_div_wide(a, b, c, d, e)
}

// The wide paths stay out of line: inlining them into every pivot loop would crowd out the
// narrow path that nearly every entry takes.
#[cold]
#[inline(never)]
fn mul_sub_div_wide(a: i128, b: i128, c: i128, d: i128, e: &Divisor) -> Option<i128> {
    e.div_exact_wide(Wide::product(a, b).sub(Wide::product(c, d)))
}

/// `a·b / e`, exact by the caller's guarantee, or `None` if the quotient leaves `i128`.
#[inline(always)]
pub fn mul_div(a: i128, b: i128, e: &Divisor) -> Option<i128> {
    if fits_i64(a) && fits_i64(b) {
        return Some(e.div_exact_narrow(a * b));
    }
    mul_div_wide(a, b, e)
}

#[cold]
#[inline(never)]
fn mul_div_wide(a: i128, b: i128, e: &Divisor) -> Option<i128> {
    e.div_exact_wide(Wide::product(a, b))
}

/// How `a·b` compares with `c·d`, exactly.
#[inline(always)]
pub fn cmp_products(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    if fits_i64(a) && fits_i64(b) && fits_i64(c) && fits_i64(d) {
        return (a * b).cmp(&(c * d));
    }
    cmp_products_wide(a, b, c, d)
}

#[cold]
#[inline(never)]
fn cmp_products_wide(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    Wide::product(a, b).cmp(&Wide::product(c, d))
}

/// A signed 256-bit sum of products in two's complement, for [`dot_div`].
#[derive(Clone, Copy, Debug)]
struct Sum {
    hi: u128,
    lo: u128,
}

impl Sum {
    fn from_i128(x: i128) -> Sum {
        Sum {
            hi: if x < 0 { u128::MAX } else { 0 },
            lo: x as u128,
        }
    }

    fn negative(&self) -> bool {
        self.hi >> 127 == 1
    }

    /// Adds a·b, or `None` if the sum leaves the signed 256-bit range.
    fn add_product(&mut self, a: i128, b: i128) -> Option<()> {
        let p = Wide::product(a, b);
        let (mut hi, mut lo) = (p.hi, p.lo);
        if p.negative {
            let (l, carry) = (!lo).overflowing_add(1);
            lo = l;
            hi = (!hi).wrapping_add(u128::from(carry));
        }
        let before = self.negative();
        let addend_negative = p.negative;
        let (l, carry) = self.lo.overflowing_add(lo);
        self.lo = l;
        self.hi = self.hi.wrapping_add(hi).wrapping_add(u128::from(carry));
        // Two summands of one sign giving the other sign is signed overflow.
        (before != addend_negative || self.negative() == before).then_some(())
    }

    fn to_wide(self) -> Wide {
        if !self.negative() {
            return Wide {
                negative: false,
                hi: self.hi,
                lo: self.lo,
            };
        }
        let (lo, carry) = (!self.lo).overflowing_add(1);
        Wide {
            negative: true,
            hi: (!self.hi).wrapping_add(u128::from(carry)),
            lo,
        }
    }
}

/// `(Σ aᵢ·bᵢ) / e`, exact by the caller's guarantee, or `None` if the quotient (or the sum,
/// beyond 2²⁵⁵) leaves the range.
pub fn dot_div(terms: impl IntoIterator<Item = (i128, i128)>, e: &Divisor) -> Option<i128> {
    let mut narrow: i128 = 0;
    let mut wide: Option<Sum> = None;
    for (a, b) in terms {
        match &mut wide {
            None => {
                if fits_i64(a)
                    && fits_i64(b)
                    && let Some(s) = narrow.checked_add(a * b)
                {
                    narrow = s;
                    continue;
                }
                let mut sum = Sum::from_i128(narrow);
                sum.add_product(a, b)?;
                wide = Some(sum);
            }
            Some(sum) => sum.add_product(a, b)?,
        }
    }
    match wide {
        None => Some(e.div_exact_narrow(narrow)),
        Some(sum) => e.div_exact_wide(sum.to_wide()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;
    use proptest::prelude::*;

    /// Operands from every magnitude class: small, near 2⁶³ (the fast path's edge), near 2¹²⁰.
    fn operand() -> impl Strategy<Value = i128> {
        prop_oneof![
            -1000i128..1000,
            any::<i64>().prop_map(i128::from),
            any::<i128>().prop_map(|x| x >> 7),
            any::<i128>().prop_map(|x| x >> 60),
        ]
    }

    /// Positive divisors, odd and even, small and large.
    fn divisor() -> impl Strategy<Value = i128> {
        prop_oneof![1i128..64, 1i128..(1 << 40), 1i128..(1 << 100)]
    }

    fn big(x: i128) -> BigInt {
        BigInt::from(x)
    }

    /// What the kernels must return: the exact quotient when it fits `i128`, else `None`.
    fn want(exact: BigInt) -> Option<i128> {
        i128::try_from(exact).ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// (e·s)·b − (e·t)·d is a multiple of e by construction, as Bareiss guarantees in a pivot.
        #[test]
        fn mul_sub_div_matches_bigint(s in operand(), b in operand(), t in operand(), d in operand(),
                                      e in divisor()) {
            let (Some(a), Some(c)) = (s.checked_mul(e), t.checked_mul(e)) else { return Ok(()) };
            let exact = (big(a) * big(b) - big(c) * big(d)) / big(e);
            prop_assert_eq!(mul_sub_div(a, b, c, d, &Divisor::new(e)), want(exact));
        }

        #[test]
        fn mul_div_matches_bigint(s in operand(), b in operand(), e in divisor()) {
            let Some(a) = s.checked_mul(e) else { return Ok(()) };
            let exact = big(a) * big(b) / big(e);
            prop_assert_eq!(mul_div(a, b, &Divisor::new(e)), want(exact));
        }

        /// A dot product scaled to be a multiple of e, as in fraction-free back substitution.
        #[test]
        fn dot_div_matches_bigint(terms in proptest::collection::vec((operand(), operand()), 0..6),
                                  e in divisor()) {
            let scaled: Vec<(i128, i128)> = terms
                .iter()
                .filter_map(|&(s, b)| Some((s.checked_mul(e)?, b)))
                .collect();
            let exact: BigInt = scaled.iter().map(|&(a, b)| big(a) * big(b)).sum::<BigInt>() / big(e);
            prop_assert_eq!(dot_div(scaled.iter().copied(), &Divisor::new(e)), want(exact));
        }

        #[test]
        fn cmp_products_matches_bigint(a in operand(), b in operand(), c in operand(), d in operand()) {
            let want = (big(a) * big(b)).cmp(&(big(c) * big(d)));
            prop_assert_eq!(cmp_products(a, b, c, d), want);
            if [a, b, c, d].into_iter().all(is_small) {
                prop_assert_eq!(cmp_products_small(a, b, c, d), want);
            }
        }

        /// The unchecked kernel agrees with the checked one on small operands.
        #[test]
        fn small_kernel_matches_checked(s in -(1i128 << 40)..(1 << 40), b in -(1i128 << 61)..(1 << 61),
                                        t in -(1i128 << 40)..(1 << 40), d in -(1i128 << 61)..(1 << 61),
                                        e in 1i128..(1 << 21)) {
            let (a, c) = (s * e, t * e);
            prop_assert!([a, b, c, d].into_iter().all(is_small));
            let div = Divisor::new(e);
            prop_assert_eq!(Some(mul_sub_div_small(a, b, c, d, &div)), mul_sub_div(a, b, c, d, &div));
        }
    }

    #[test]
    fn extreme_operands() {
        let (min, max) = (i128::from(i64::MIN), i128::from(i64::MAX));
        // The one-multiplication path's difference overflows here; the wide path takes over.
        let exact = big(min) * big(min) - big(max) * big(min);
        assert_eq!(
            mul_sub_div(min, min, max, min, &Divisor::new(1)),
            want(exact)
        );
        let exact = big(min) * big(min) - big(min) * big(max) * big(-1);
        assert_eq!(
            mul_sub_div(min, min, min, -max, &Divisor::new(1)),
            want(exact)
        );
        assert_eq!(mul_div(i128::MAX, 2, &Divisor::new(2)), Some(i128::MAX));
        assert_eq!(mul_div(i128::MAX, 4, &Divisor::new(2)), None);
        assert_eq!(mul_div(-i128::MAX, 6, &Divisor::new(6)), Some(-i128::MAX));
        assert_eq!(
            cmp_products(i128::MAX, i128::MAX, i128::MAX, i128::MAX - 1),
            Ordering::Greater
        );
        assert_eq!(cmp_products(-5, 0, 0, 7), Ordering::Equal);
    }
}
