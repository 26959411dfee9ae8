//! The Q4_1 matrix product behind every linear layer of the default model: activations are
//! quantized to Q8_1 per row, then each output is a dot product of a Q8_1 row with a Q4_1 weight
//! row (ggml's `ggml_vec_dot_q4_1_q8_1`), with AVX2 integer multiply-adds when the build enables
//! AVX2 and FMA, and a portable loop otherwise.
//!
//! Why our own kernel: candle 0.11 has SIMD kernels for Q8_0 and the k-quants but runs Q4_1 through
//! its scalar reference loop, which is most of the prompt-processing gap to llama.cpp on the
//! as-stored file (bench/local-model/RESULTS.md).
//!
//! **Row independence** (what batched decoding's token-for-token guarantee rests on): the value
//! written for (row r, column c) is computed by one fixed sequence of operations on row r of the
//! activations and row c of the weights, whatever the number of rows, the tile a row lands in and
//! the thread that runs it. Tiles of four activation rows share the unpacking of each weight block
//! but keep one accumulator per row, updated in block order, and reduce it with the same
//! horizontal sum a single row uses.
//!
//! # Complexity
//! `m × n × k / 32` block dot products for an `m × k` input and an `n × k` weight matrix, split
//! across candle's kernel thread pool by groups of output columns; `O(m × k)` to quantize the input.

use std::sync::atomic::{AtomicU32, Ordering};

use half::f16;

/// Elements per quantized block (Q4_1 and Q8_1 alike).
pub(crate) const BLOCK: usize = 32;
/// Bytes of one Q4_1 block as stored in GGUF: f16 scale `d`, f16 minimum `m`, 16 bytes of nibbles
/// (element `j` in the low nibble of byte `j`, element `j + 16` in its high nibble).
const Q4_1_BYTES: usize = 20;
/// Output columns per work item handed to the thread pool: enough to amortise the pool's cursor,
/// few enough that two threads balance on the smallest matrix (192 columns).
const COLUMNS_PER_ITEM: usize = 8;
/// Activation rows that share one unpacking of a weight block.
const ROW_TILE: usize = 4;

/// One row of activations quantized for the dot product: per 32 elements a scale `d`, the
/// rounded `x / d`, and `s = d × Σq` (which carries the weights' minimum through the product).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockQ8_1 {
    /// Scale, rounded through f16 as ggml stores it.
    d: f32,
    /// `d × Σ qs`, rounded through f16 as ggml stores it.
    s: f32,
    /// Quantized values.
    qs: [i8; BLOCK],
}

/// A Q4_1 weight matrix of `rows` output features by `cols` input features, in the file's bytes.
#[derive(Debug, Clone)]
pub(crate) struct Q4_1Matrix {
    /// Output features (`n`).
    rows: usize,
    /// Input features (`k`), a multiple of 32.
    cols: usize,
    /// `rows × cols / 32` blocks of 20 bytes, row-major.
    bytes: Vec<u8>,
}

impl Q4_1Matrix {
    /// Wraps GGUF bytes for a `rows × cols` matrix; `None` if the sizes do not fit the format.
    pub(crate) fn new(rows: usize, cols: usize, bytes: Vec<u8>) -> Option<Q4_1Matrix> {
        let ok = cols.is_multiple_of(BLOCK)
            && rows.checked_mul(cols / BLOCK * Q4_1_BYTES) == Some(bytes.len());
        ok.then_some(Q4_1Matrix { rows, cols, bytes })
    }

    /// Output features.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Input features.
    pub(crate) fn cols(&self) -> usize {
        self.cols
    }

    /// `x · Wᵀ` for `x` holding `m` rows of `cols` values: `m` rows of `rows` values.
    ///
    /// `x.len()` must be `m × cols` (the caller, our forward pass, builds it so).
    pub(crate) fn matmul(&self, x: &[f32], m: usize) -> Vec<f32> {
        debug_assert_eq!(x.len(), m * self.cols);
        let nb = self.cols / BLOCK;
        let mut q = Vec::with_capacity(m * nb);
        for row in x.chunks_exact(self.cols) {
            quantize_row_q8_1(row, &mut q);
        }
        let n = self.rows;
        // Each (row, column) is written by exactly one work item; relaxed atomic stores of the
        // bits are plain moves on x86 and keep the scatter free of `unsafe`.
        let out: Vec<AtomicU32> = (0..m * n).map(|_| AtomicU32::new(0)).collect();
        let items = n.div_ceil(COLUMNS_PER_ITEM);
        candle_core::utils::barrier_pool().execute_chunked(items, |range| {
            for item in range {
                let c0 = item * COLUMNS_PER_ITEM;
                for c in c0..n.min(c0 + COLUMNS_PER_ITEM) {
                    let w = &self.bytes[c * nb * Q4_1_BYTES..(c + 1) * nb * Q4_1_BYTES];
                    let mut r = 0;
                    while r + ROW_TILE <= m {
                        let xs = std::array::from_fn(|i| &q[(r + i) * nb..(r + i + 1) * nb]);
                        let dots = dot_rows::<ROW_TILE>(w, xs);
                        for (i, d) in dots.into_iter().enumerate() {
                            out[(r + i) * n + c].store(d.to_bits(), Ordering::Relaxed);
                        }
                        r += ROW_TILE;
                    }
                    for r in r..m {
                        let [d] = dot_rows::<1>(w, [&q[r * nb..(r + 1) * nb]]);
                        out[r * n + c].store(d.to_bits(), Ordering::Relaxed);
                    }
                }
            }
        });
        out.into_iter()
            .map(|a| f32::from_bits(a.into_inner()))
            .collect()
    }
}

/// ggml's AVX2 `quantize_row_q8_1`, what llama.cpp runs on x86: per block `d = max|x| / 127`,
/// `q = x · (127 / max|x|)` rounded half to even, `d` stored as f16 and `s = d · Σq` rounded to
/// f16 once. (candle's reference loop differs in the last bits: `1 / d`, half away from zero,
/// `s` from the f16 `d`; this model's greedy text is sensitive enough to notice.)
pub(crate) fn quantize_row_q8_1(x: &[f32], out: &mut Vec<BlockQ8_1>) {
    for block in x.chunks_exact(BLOCK) {
        let amax = block.iter().fold(0f32, |a, v| a.max(v.abs()));
        let d = amax / 127.0;
        let id = if amax != 0.0 { 127.0 / amax } else { 0.0 };
        let mut qs = [0i8; BLOCK];
        let mut sum = 0i32;
        for (q, v) in qs.iter_mut().zip(block) {
            // `as` saturates; |v · id| <= 127 up to rounding anyway.
            *q = (v * id).round_ties_even() as i8;
            sum += i32::from(*q);
        }
        out.push(BlockQ8_1 {
            d: f16::from_f32(d).to_f32(),
            s: f16::from_f32(d * sum as f32).to_f32(),
            qs,
        });
    }
}

/// The f16 scale and minimum and the 16 nibble bytes of one Q4_1 block.
#[inline(always)]
fn q4_1_block(b: &[u8]) -> (f32, f32, [u8; 16]) {
    let d = f16::from_le_bytes([b[0], b[1]]).to_f32();
    let m = f16::from_le_bytes([b[2], b[3]]).to_f32();
    let mut qs = [0u8; 16];
    qs.copy_from_slice(&b[4..Q4_1_BYTES]);
    (d, m, qs)
}

/// Dot products of one Q4_1 weight row `w` with `R` quantized activation rows: AVX2 version, the
/// arithmetic of ggml's AVX2 `ggml_vec_dot_q4_1_q8_1` (per block `d_w·d_x·Σ q_w q_x` fused into
/// eight f32 lanes, `m_w·s_x` summed apart, one horizontal sum at the end).
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
#[inline(always)]
fn dot_rows<const R: usize>(w: &[u8], xs: [&[BlockQ8_1]; R]) -> [f32; R] {
    use safe_arch::*;
    let mut acc = [zeroed_m256(); R];
    let mut summs = [0f32; R];
    let ones = set_splat_i16_m256i(1);
    let low_nibbles = set_splat_i8_m256i(0x0F);
    for (b, block) in w.chunks_exact(Q4_1_BYTES).enumerate() {
        let (d, m, qs) = q4_1_block(block);
        // 32 unsigned 4-bit values: the low nibbles in the first half, the high in the second.
        let lo = m128i::from(qs);
        let hi = shr_imm_u16_m128i::<4>(lo);
        let qw = bitand_m256i(set_m128i_m256i(hi, lo), low_nibbles);
        for r in 0..R {
            let y = &xs[r][b];
            summs[r] += m * y.s;
            // u8 × i8 pairs summed to i16 (at most 2·15·127, no saturation), then to i32.
            let pairs = mul_u8i8_add_horizontal_saturating_m256i(qw, m256i::from(y.qs));
            let sums = convert_to_m256_from_i32_m256i(mul_i16_horizontal_add_m256i(pairs, ones));
            acc[r] = fused_mul_add_m256(set_splat_m256(d * y.d), sums, acc[r]);
        }
    }
    std::array::from_fn(|r| {
        let lanes: [f32; 8] = acc[r].into();
        hsum8(lanes) + summs[r]
    })
}

/// Portable version of [`dot_rows`] (builds without AVX2 and FMA): the same formula, one scalar
/// accumulator per row.
#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
)))]
#[inline(always)]
fn dot_rows<const R: usize>(w: &[u8], xs: [&[BlockQ8_1]; R]) -> [f32; R] {
    let mut out = [0f32; R];
    for (b, block) in w.chunks_exact(Q4_1_BYTES).enumerate() {
        let (d, m, qs) = q4_1_block(block);
        for r in 0..R {
            let y = &xs[r][b];
            let mut sumi = 0i32;
            for j in 0..16 {
                sumi += i32::from(qs[j] & 0x0F) * i32::from(y.qs[j]);
                sumi += i32::from(qs[j] >> 4) * i32::from(y.qs[j + 16]);
            }
            out[r] += sumi as f32 * d * y.d + m * y.s;
        }
    }
    out
}

/// Pairwise sum of eight lanes in a fixed order (ggml's `hsum_float_8` shape).
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
#[inline(always)]
fn hsum8(l: [f32; 8]) -> f32 {
    let q = [l[0] + l[4], l[1] + l[5], l[2] + l[6], l[3] + l[7]];
    let h = [q[0] + q[2], q[1] + q[3]];
    h[0] + h[1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A Q4_1 matrix with deterministic pseudo-random nibbles and scales.
    fn matrix(rows: usize, cols: usize, seed: u64) -> Q4_1Matrix {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let mut bytes = Vec::new();
        for _ in 0..rows * cols / BLOCK {
            let d = f16::from_f32((next() % 1000) as f32 / 20000.0);
            let m = f16::from_f32(-((next() % 1000) as f32) / 5000.0);
            bytes.extend(d.to_le_bytes());
            bytes.extend(m.to_le_bytes());
            bytes.extend((0..16).map(|_| next() as u8));
        }
        Q4_1Matrix::new(rows, cols, bytes).expect("sizes fit")
    }

    /// The weights as f32, from the format's definition `w = d·q + m`.
    fn dequantize(w: &Q4_1Matrix) -> Vec<f32> {
        let mut out = Vec::new();
        for block in w.bytes.chunks_exact(Q4_1_BYTES) {
            let (d, m, qs) = q4_1_block(block);
            let mut vals = [0f32; BLOCK];
            for j in 0..16 {
                vals[j] = d * f32::from(qs[j] & 0x0F) + m;
                vals[j + 16] = d * f32::from(qs[j] >> 4) + m;
            }
            out.extend(vals);
        }
        out
    }

    fn inputs(m: usize, k: usize, seed: u32) -> Vec<f32> {
        (0..m * k)
            .map(|i| (((i as u32).wrapping_mul(2654435761) ^ seed) % 2001) as f32 / 1000.0 - 1.0)
            .collect()
    }

    #[test]
    fn rejects_sizes_that_do_not_fit() {
        assert!(Q4_1Matrix::new(2, 33, vec![0; 40]).is_none());
        assert!(Q4_1Matrix::new(2, 32, vec![0; 39]).is_none());
        assert!(Q4_1Matrix::new(2, 32, vec![0; 40]).is_some());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Every row of a product equals, bit for bit, the product of that row alone: what lets a
        /// batched forward pass give each sequence the logits it would get by itself.
        #[test]
        fn rows_are_independent_of_the_batch(m in 1usize..11, n in 1usize..20, kb in 1usize..5, seed in 0u64..1000) {
            let k = kb * BLOCK;
            let w = matrix(n, k, seed);
            let x = inputs(m, k, seed as u32);
            let all = w.matmul(&x, m);
            for r in 0..m {
                let alone = w.matmul(&x[r * k..(r + 1) * k], 1);
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&all[r * n..(r + 1) * n]), bits(&alone));
            }
        }

        /// The product approximates the exact one on dequantized weights: the only error is the
        /// activations' 8-bit quantization (relative 1/254 per element).
        #[test]
        fn product_matches_dequantized_reference(m in 1usize..6, n in 1usize..12, kb in 1usize..4, seed in 0u64..1000) {
            let k = kb * BLOCK;
            let w = matrix(n, k, seed);
            let x = inputs(m, k, seed as u32 ^ 0x5555);
            let wf = dequantize(&w);
            let got = w.matmul(&x, m);
            for r in 0..m {
                for c in 0..n {
                    let exact: f32 = (0..k).map(|i| x[r * k + i] * wf[c * k + i]).sum();
                    let bound: f32 = (0..k).map(|i| (x[r * k + i] * wf[c * k + i]).abs()).sum::<f32>() / 100.0 + 1e-3;
                    prop_assert!((got[r * n + c] - exact).abs() <= bound, "({r},{c}): {} vs {exact}", got[r * n + c]);
                }
            }
        }
    }
}
