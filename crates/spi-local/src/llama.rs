//! [`Llama`]: the Llama-architecture forward pass over several sequences at once, each with its
//! own KV cache ([`SequenceCache`]).
//!
//! **Why per-sequence caches rather than one padded batch.** A step's tokens (whole prompts of
//! sequences that just joined, one token of each sequence that is decoding) are laid end to end
//! as the rows of one matrix for every linear layer, so the weights are read once per step, not
//! once per sequence; only attention is split per sequence, against that sequence's own cache and
//! positions. Left padding would instead make every sequence attend over the longest one's length
//! and change the shapes of the attention products with the company a sequence keeps, so its
//! floating-point sums (and, at near ties, its greedy tokens) would depend on the batch. Here each
//! sequence's attention is computed exactly as it is when the sequence runs alone, and the linear
//! layers are row-independent (`q4_1.rs`; candle's Q8_0 loop likewise computes each output from
//! one row), so a sequence's logits do not depend on what else is in the batch. Sequences join and
//! leave between steps without moving anyone else's cache.
//!
//! The arithmetic follows candle's `quantized_llama` (RMS norm, interleaved RoPE as llama.cpp's
//! `LLAMA_ROPE_TYPE_NORM`, grouped-query attention, SiLU-gated MLP, tied output embedding).

use std::sync::Arc;

use candle_core::quantized::gguf_file::Content;
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};

use crate::batch::Chunk;
use crate::q4_1::Q4_1Matrix;

/// One linear layer's weights (`out × in`).
#[derive(Debug, Clone)]
enum Linear {
    /// Q4_1 (the default model's layers), through our kernel.
    Q4_1(Q4_1Matrix),
    /// Anything else, through candle's quantized matmul.
    Candle {
        /// candle's matmul over the tensor.
        weights: QMatMul,
        /// Output features.
        rows: usize,
        /// Input features.
        cols: usize,
    },
}

impl Linear {
    fn from_qtensor(t: QTensor) -> candle_core::Result<Linear> {
        let (rows, cols) = t.shape().dims2()?;
        if t.dtype() == GgmlDType::Q4_1 {
            let bytes = t.data()?.into_owned();
            if let Some(m) = Q4_1Matrix::new(rows, cols, bytes) {
                return Ok(Linear::Q4_1(m));
            }
        }
        Ok(Linear::Candle {
            weights: QMatMul::from_arc(Arc::new(t))?,
            rows,
            cols,
        })
    }

    fn rows(&self) -> usize {
        match self {
            Linear::Q4_1(m) => m.rows(),
            Linear::Candle { rows, .. } => *rows,
        }
    }

    fn cols(&self) -> usize {
        match self {
            Linear::Q4_1(m) => m.cols(),
            Linear::Candle { cols, .. } => *cols,
        }
    }

    /// `x · Wᵀ` for `m` rows of input.
    fn forward(&self, x: &[f32], m: usize) -> candle_core::Result<Vec<f32>> {
        match self {
            Linear::Q4_1(w) => Ok(w.matmul(x, m)),
            Linear::Candle { weights, cols, .. } => {
                let t = Tensor::from_slice(x, (m, *cols), &Device::Cpu)?;
                weights.forward(&t)?.flatten_all()?.to_vec1::<f32>()
            }
        }
    }
}

/// One transformer block.
#[derive(Debug, Clone)]
struct Layer {
    attn_norm: Vec<f32>,
    wq: Linear,
    wk: Linear,
    wv: Linear,
    wo: Linear,
    ffn_norm: Vec<f32>,
    gate: Linear,
    up: Linear,
    down: Linear,
}

/// The KV cache of one sequence: per layer, the keys and values of every position fed so far,
/// position-major (`[pos][kv_head][head_dim]`), so appending a step's rows is an `extend`.
#[derive(Debug, Clone)]
pub(crate) struct SequenceCache {
    keys: Vec<Vec<f32>>,
    values: Vec<Vec<f32>>,
    /// Positions held.
    len: usize,
}

/// A Llama-architecture model's weights and shapes.
#[derive(Debug, Clone)]
pub(crate) struct Llama {
    /// Token embeddings (also the output head when the file has no `output.weight`).
    embeddings: QMatMul,
    layers: Vec<Layer>,
    output_norm: Vec<f32>,
    output: Linear,
    n_head: usize,
    n_kv_head: usize,
    head_dim: usize,
    hidden: usize,
    rms_eps: f32,
    /// RoPE inverse frequencies, one per rotated pair.
    inv_freq: Vec<f32>,
}

impl Llama {
    /// Reads the weights named as in llama.cpp's GGUF export.
    pub(crate) fn from_gguf<R: std::io::Seek + std::io::Read>(
        ct: &Content,
        reader: &mut R,
    ) -> candle_core::Result<Llama> {
        let device = Device::Cpu;
        let md_u32 = |key: &str| -> candle_core::Result<usize> {
            match ct.metadata.get(key) {
                Some(v) => Ok(v.to_u32()? as usize),
                None => candle_core::bail!("cannot find {key} in metadata"),
            }
        };
        let n_head = md_u32("llama.attention.head_count")?;
        let n_kv_head = md_u32("llama.attention.head_count_kv")?;
        let n_layer = md_u32("llama.block_count")?;
        let hidden = md_u32("llama.embedding_length")?;
        let rope_dim = md_u32("llama.rope.dimension_count")?;
        let rms_eps = match ct.metadata.get("llama.attention.layer_norm_rms_epsilon") {
            Some(v) => v.to_f32()?,
            None => candle_core::bail!("cannot find llama.attention.layer_norm_rms_epsilon"),
        };
        let freq_base = ct
            .metadata
            .get("llama.rope.freq_base")
            .and_then(|v| v.to_f32().ok())
            .unwrap_or(10000.0);
        if let Some(arch) = ct.metadata.get("general.architecture")
            && !matches!(arch.to_string(), Ok(a) if a == "llama")
        {
            // Other architectures differ in RoPE layout, norms or biases.
            candle_core::bail!("only the llama architecture is supported");
        }
        if n_head == 0 || n_kv_head == 0 || !n_head.is_multiple_of(n_kv_head) {
            candle_core::bail!("head counts {n_head}/{n_kv_head} do not group");
        }
        let head_dim = hidden / n_head;
        if head_dim * n_head != hidden || rope_dim != head_dim || !head_dim.is_multiple_of(2) {
            candle_core::bail!("unsupported head layout: hidden {hidden}, rope {rope_dim}");
        }
        // candle's `precomput_freqs_cis`: 1 / base^(2i / d).
        let inv_freq = (0..head_dim)
            .step_by(2)
            .map(|i| 1f32 / freq_base.powf(i as f32 / head_dim as f32))
            .collect();
        let vector = |name: &str, reader: &mut R| -> candle_core::Result<Vec<f32>> {
            ct.tensor(reader, name, &device)?
                .dequantize(&device)?
                .to_vec1::<f32>()
        };
        let embd = Arc::new(ct.tensor(reader, "token_embd.weight", &device)?);
        let output = match ct.tensor(reader, "output.weight", &device) {
            Ok(t) => Linear::from_qtensor(t)?,
            Err(_) => {
                let (rows, cols) = embd.shape().dims2()?;
                Linear::Candle {
                    weights: QMatMul::from_arc(embd.clone())?,
                    rows,
                    cols,
                }
            }
        };
        let mut layers = Vec::with_capacity(n_layer);
        for i in 0..n_layer {
            let p = format!("blk.{i}");
            let mut lin = |name: &str| -> candle_core::Result<Linear> {
                Linear::from_qtensor(ct.tensor(reader, &format!("{p}.{name}.weight"), &device)?)
            };
            let wq = lin("attn_q")?;
            let wk = lin("attn_k")?;
            let wv = lin("attn_v")?;
            let wo = lin("attn_output")?;
            let gate = lin("ffn_gate")?;
            let up = lin("ffn_up")?;
            let down = lin("ffn_down")?;
            let kv = n_kv_head * head_dim;
            let shapes_ok = [(&wq, hidden), (&wk, kv), (&wv, kv)]
                .iter()
                .all(|(l, r)| l.rows() == *r && l.cols() == hidden)
                && wo.rows() == hidden
                && wo.cols() == hidden
                && gate.cols() == hidden
                && up.rows() == gate.rows()
                && up.cols() == hidden
                && down.rows() == hidden
                && down.cols() == gate.rows();
            if !shapes_ok {
                candle_core::bail!("layer {i}: weight shapes do not match the metadata");
            }
            layers.push(Layer {
                attn_norm: vector(&format!("{p}.attn_norm.weight"), reader)?,
                ffn_norm: vector(&format!("{p}.ffn_norm.weight"), reader)?,
                wq,
                wk,
                wv,
                wo,
                gate,
                up,
                down,
            });
        }
        Ok(Llama {
            embeddings: QMatMul::from_arc(embd)?,
            output_norm: vector("output_norm.weight", reader)?,
            layers,
            output,
            n_head,
            n_kv_head,
            head_dim,
            hidden,
            rms_eps,
            inv_freq,
        })
    }

    /// An empty cache for a new sequence.
    pub(crate) fn new_cache(&self) -> SequenceCache {
        SequenceCache {
            keys: vec![Vec::new(); self.layers.len()],
            values: vec![Vec::new(); self.layers.len()],
            len: 0,
        }
    }

    /// Vocabulary size (columns of the logits).
    pub(crate) fn vocab(&self) -> usize {
        self.output.rows()
    }

    /// Runs one step: feeds every chunk's tokens after its cache, appends their keys and values,
    /// and returns each chunk's logits for the token after its last one.
    ///
    /// Every chunk must have at least one token; the caller keeps positions within the context.
    pub(crate) fn forward(
        &self,
        chunks: &mut [Chunk<'_, SequenceCache>],
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let total: usize = chunks.iter().map(|c| c.tokens.len()).sum();
        if total == 0 || chunks.iter().any(|c| c.tokens.is_empty()) {
            candle_core::bail!("every sequence in a step needs at least one token");
        }
        let ids: Vec<u32> = chunks
            .iter()
            .flat_map(|c| c.tokens.iter().copied())
            .collect();
        let ids = Tensor::new(ids.as_slice(), &Device::Cpu)?;
        let mut x = self
            .embeddings
            .embedding(&ids)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        if chunks
            .iter()
            .any(|c| c.cache.keys.len() != self.layers.len())
        {
            candle_core::bail!("a sequence cache was not made by this model");
        }
        let h = self.hidden;
        let kv_width = self.n_kv_head * self.head_dim;
        for (li, layer) in self.layers.iter().enumerate() {
            let normed = self.rms_norm(&x, &layer.attn_norm);
            let mut q = layer.wq.forward(&normed, total)?;
            let mut k = layer.wk.forward(&normed, total)?;
            let v = layer.wv.forward(&normed, total)?;
            let mut attn = vec![0f32; total * h];
            let mut row = 0;
            for c in chunks.iter_mut() {
                let n = c.tokens.len();
                let start = c.cache.len;
                for t in 0..n {
                    let pos = start + t;
                    self.rope(&mut q[(row + t) * h..(row + t + 1) * h], pos);
                    self.rope(&mut k[(row + t) * kv_width..(row + t + 1) * kv_width], pos);
                }
                c.cache.keys[li].extend_from_slice(&k[row * kv_width..(row + n) * kv_width]);
                c.cache.values[li].extend_from_slice(&v[row * kv_width..(row + n) * kv_width]);
                self.attend(
                    &q[row * h..(row + n) * h],
                    &c.cache.keys[li],
                    &c.cache.values[li],
                    start,
                    &mut attn[row * h..(row + n) * h],
                );
                row += n;
            }
            let o = layer.wo.forward(&attn, total)?;
            add_into(&mut x, &o);
            let normed = self.rms_norm(&x, &layer.ffn_norm);
            let mut g = layer.gate.forward(&normed, total)?;
            let u = layer.up.forward(&normed, total)?;
            for (g, u) in g.iter_mut().zip(&u) {
                // candle's silu: x / (1 + e^-x).
                *g = *g / (1.0 + (-*g).exp()) * u;
            }
            let d = layer.down.forward(&g, total)?;
            add_into(&mut x, &d);
        }
        for c in chunks.iter_mut() {
            c.cache.len += c.tokens.len();
        }
        // Only each chunk's last position needs logits.
        let mut last = Vec::with_capacity(chunks.len() * h);
        let mut end = 0;
        for c in chunks.iter() {
            end += c.tokens.len();
            last.extend_from_slice(&x[(end - 1) * h..end * h]);
        }
        let last = self.rms_norm(&last, &self.output_norm);
        let logits = self.output.forward(&last, chunks.len())?;
        let vocab = self.vocab();
        Ok(logits.chunks_exact(vocab).map(<[f32]>::to_vec).collect())
    }

    /// RMS norm of every row of `x` (candle's `rms_norm`: `x / sqrt(mean(x²) + eps) · w`).
    fn rms_norm(&self, x: &[f32], w: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(x.len());
        for row in x.chunks_exact(self.hidden) {
            let sum2: f32 = row.iter().map(|v| v * v).sum();
            let m = (sum2 / self.hidden as f32 + self.rms_eps).sqrt();
            out.extend(row.iter().zip(w).map(|(v, w)| v / m * w));
        }
        out
    }

    /// Interleaved RoPE at `pos` on every head of one row (pairs `(2i, 2i+1)`).
    fn rope(&self, row: &mut [f32], pos: usize) {
        for head in row.chunks_exact_mut(self.head_dim) {
            for (i, f) in self.inv_freq.iter().enumerate() {
                let angle = pos as f32 * f;
                let (sin, cos) = angle.sin_cos();
                let (a, b) = (head[2 * i], head[2 * i + 1]);
                head[2 * i] = a * cos - b * sin;
                head[2 * i + 1] = a * sin + b * cos;
            }
        }
    }

    /// Causal attention of `n` query rows at positions `start..start + n` over one sequence's
    /// cached keys and values (which already include those positions).
    fn attend(&self, q: &[f32], keys: &[f32], values: &[f32], start: usize, out: &mut [f32]) {
        let h = self.hidden;
        let d = self.head_dim;
        let kv_width = self.n_kv_head * d;
        let group = self.n_head / self.n_kv_head;
        let scale = 1.0 / (d as f32).sqrt();
        let n = q.len() / h;
        let mut scores = Vec::with_capacity(start + n);
        for t in 0..n {
            let visible = start + t + 1;
            for head in 0..self.n_head {
                let kvh = head / group;
                let qh = &q[t * h + head * d..t * h + (head + 1) * d];
                scores.clear();
                scores.extend((0..visible).map(|p| {
                    let kp = &keys[p * kv_width + kvh * d..p * kv_width + (kvh + 1) * d];
                    dot(qh, kp) * scale
                }));
                let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0f32;
                for s in scores.iter_mut() {
                    *s = (*s - max).exp();
                    sum += *s;
                }
                let o = &mut out[t * h + head * d..t * h + (head + 1) * d];
                for (p, s) in scores.iter().enumerate() {
                    let w = s / sum;
                    let vp = &values[p * kv_width + kvh * d..p * kv_width + (kvh + 1) * d];
                    for (o, v) in o.iter_mut().zip(vp) {
                        *o += w * v;
                    }
                }
            }
        }
    }
}

/// `x += y` elementwise (the residual connections).
fn add_into(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

/// Dot product with eight partial sums, so the compiler can vectorise it (a single running sum
/// would pin the order of additions and keep it scalar).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model file for live tests (`SPI_LIVE_LOCAL_MODEL=1`), found as
    /// `tests/live_model.rs` finds it; `None` (the test is skipped, and says so) otherwise.
    fn live_model(test: &str) -> Option<std::path::PathBuf> {
        if std::env::var("SPI_LIVE_LOCAL_MODEL").as_deref() != Ok("1") {
            eprintln!(
                "{test}: skipped (set SPI_LIVE_LOCAL_MODEL=1 after `spi model fetch smollm2`)"
            );
            return None;
        }
        if let Some(p) = std::env::var_os("SPI_LOCAL_MODEL_PATH") {
            return Some(p.into());
        }
        let cache = std::env::var_os("SPI_CACHE_DIR")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME")
                    .map(|d| std::path::PathBuf::from(d).join("safepareto"))
            })
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|h| std::path::PathBuf::from(h).join(".cache/safepareto"))
            })
            .expect("no cache directory: set SPI_CACHE_DIR or SPI_LOCAL_MODEL_PATH");
        Some(
            crate::resolve_model("smollm2", &cache)
                .expect("SPI_LIVE_LOCAL_MODEL=1 but the model is not cached"),
        )
    }

    /// Our Q4_1 kernel against candle's reference loop on the file's real matrices: the two
    /// quantize activations with different rounding (ours is llama.cpp's), so they agree to
    /// within a few rounding steps of the activations, not bit for bit.
    #[test]
    fn live_q4_1_kernel_agrees_with_candle_on_smollm2_matrices() {
        let Some(path) = live_model("live_q4_1_kernel_agrees_with_candle_on_smollm2_matrices")
        else {
            return;
        };
        let mut f = std::fs::File::open(&path).unwrap();
        let ct = Content::read(&mut f).unwrap();
        for name in [
            "blk.0.attn_q.weight",
            "blk.0.ffn_down.weight",
            "blk.29.ffn_gate.weight",
        ] {
            let t = ct.tensor(&mut f, name, &Device::Cpu).unwrap();
            let (_, k) = t.shape().dims2().unwrap();
            let candle = Linear::Candle {
                weights: QMatMul::from_arc(Arc::new(
                    ct.tensor(&mut f, name, &Device::Cpu).unwrap(),
                ))
                .unwrap(),
                rows: 0,
                cols: k,
            };
            let ours = Linear::from_qtensor(t).unwrap();
            assert!(
                matches!(ours, Linear::Q4_1(_)),
                "{name} is Q4_1 in the file"
            );
            let m = 5;
            let x: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
                .collect();
            let a = ours.forward(&x, m).unwrap();
            let b = candle.forward(&x, m).unwrap();
            let diff = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs())
                .fold(0f32, f32::max);
            let scale = b.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!(
                diff <= scale * 2e-3,
                "{name}: max difference {diff} against max |y| {scale}"
            );
        }
    }
}
