//! Statistics: accuracy with Wilson intervals, per-category breakdowns, epoch reducers, and
//! paired comparison of two runs (McNemar's exact test for binary scores; sign test and a
//! seeded paired bootstrap otherwise).

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::store::{SampleRecord, SampleStatus};

/// How a sample's epochs are combined into one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reducer {
    /// Arithmetic mean.
    Mean,
    /// Most frequent value (ties go to the larger value).
    Mode,
    /// Best epoch (pass@k for binary scores).
    Max,
}

impl Reducer {
    /// Parses `mean`, `mode` or `max`.
    pub fn parse(s: &str) -> Option<Reducer> {
        match s {
            "mean" => Some(Reducer::Mean),
            "mode" => Some(Reducer::Mode),
            "max" => Some(Reducer::Max),
            _ => None,
        }
    }

    /// Reduces epoch values (non-empty).
    pub fn reduce(self, values: &[f64]) -> f64 {
        match self {
            Reducer::Mean => values.iter().sum::<f64>() / values.len() as f64,
            Reducer::Max => values.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            Reducer::Mode => {
                let mut counts: Vec<(f64, usize)> = Vec::new();
                for &v in values {
                    match counts.iter_mut().find(|(x, _)| *x == v) {
                        Some((_, c)) => *c += 1,
                        None => counts.push((v, 1)),
                    }
                }
                counts
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(a.0.total_cmp(&b.0)))
                    .map_or(f64::NAN, |(v, _)| v)
            }
        }
    }
}

/// The 95% Wilson score interval for `k` successes in `n` trials.
pub fn wilson(k: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * ((p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt()) / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// An accuracy estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Samples scored (after epoch reduction).
    pub n: usize,
    /// Mean score.
    pub mean: f64,
    /// 95% interval low.
    pub ci_low: f64,
    /// 95% interval high.
    pub ci_high: f64,
    /// Wilson (binary scores) or normal (graded scores).
    pub method: String,
}

/// Mean with a 95% interval: Wilson when every value is 0 or 1, else mean ± 1.96·SE.
pub fn estimate(values: &[f64]) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate {
            n,
            mean: 0.0,
            ci_low: 0.0,
            ci_high: 1.0,
            method: "none".into(),
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let binary = values.iter().all(|v| *v == 0.0 || *v == 1.0);
    let var = if n > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    // Graded scores with no spread (one sample, or all equal) would get a zero-width normal
    // interval (one sample whose two epochs split read "0.500–0.500"); the Wilson interval of the
    // summed scores as fractional successes is as wide as that many binary trials at this mean,
    // which is what little data of values in [0, 1] supports.
    if binary || var == 0.0 {
        let (lo, hi) = wilson(values.iter().sum(), n as f64);
        return Estimate {
            n,
            mean,
            ci_low: lo,
            ci_high: hi,
            method: if binary {
                "wilson"
            } else {
                "wilson (fractional)"
            }
            .into(),
        };
    }
    let half = 1.96 * (var / n as f64).sqrt();
    Estimate {
        n,
        mean,
        ci_low: (mean - half).max(0.0),
        ci_high: (mean + half).min(1.0),
        method: "normal".into(),
    }
}

/// Per-sample values of one scorer after epoch reduction, keyed by sample key; samples whose
/// epochs all errored are left out (they are counted as errors, not as wrong answers).
pub fn reduced_scores(
    records: &[SampleRecord],
    scorer: &str,
    reducer: Reducer,
) -> BTreeMap<String, f64> {
    let mut by_key: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.status == SampleStatus::Ok) {
        if let Some(s) = r.scores.get(scorer) {
            by_key.entry(r.key.clone()).or_default().push(s.value);
        }
    }
    by_key
        .into_iter()
        .map(|(k, v)| (k, reducer.reduce(&v)))
        .collect()
}

/// The headline scorer of a run: the first scorer name seen in key order.
pub fn scorer_names(records: &[SampleRecord]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in records {
        for k in r.scores.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    names
}

/// Estimates per category (`metadata.category`, else `failure_mode`, else the dataset).
pub fn by_category(
    records: &[SampleRecord],
    scorer: &str,
    reducer: Reducer,
) -> BTreeMap<String, Estimate> {
    let reduced = reduced_scores(records, scorer, reducer);
    let mut cats: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for r in records {
        if let Some(v) = reduced.get(&r.key)
            && seen.insert(r.key.clone())
        {
            let c = r.sample.category().unwrap_or_else(|| r.dataset.clone());
            cats.entry(c).or_default().push(*v);
        }
    }
    cats.into_iter().map(|(c, v)| (c, estimate(&v))).collect()
}

/// Two-sided exact binomial test of `k` successes in `n` trials at p = 1/2.
pub fn binomial_two_sided(k: u64, n: u64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let k = k.min(n - k);
    // Sum in log space so large n does not overflow.
    let ln_choose = |n: u64, r: u64| -> f64 { ln_fact(n) - ln_fact(r) - ln_fact(n - r) };
    let tail: f64 = (0..=k)
        .map(|i| (ln_choose(n, i) - n as f64 * std::f64::consts::LN_2).exp())
        .sum();
    (2.0 * tail).min(1.0)
}

fn ln_fact(n: u64) -> f64 {
    (1..=n).map(|i| (i as f64).ln()).sum()
}

/// A paired comparison of run B against run A on the samples both scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedComparison {
    /// Samples in both runs.
    pub n: usize,
    /// Mean of A on those samples.
    pub mean_a: f64,
    /// Mean of B on those samples.
    pub mean_b: f64,
    /// B − A.
    pub diff: f64,
    /// 95% paired-bootstrap interval of the difference.
    pub diff_ci: (f64, f64),
    /// `mcnemar_exact` (binary scores) or `sign_test`.
    pub test: String,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Binary: A right and B wrong. Graded: A higher.
    pub a_better: u64,
    /// Binary: B right and A wrong. Graded: B higher.
    pub b_better: u64,
}

/// Compares two runs' reduced scores on their shared samples.
pub fn paired(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>, seed: u64) -> PairedComparison {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .filter_map(|(k, va)| b.get(k).map(|vb| (*va, *vb)))
        .collect();
    let n = pairs.len();
    let binary = pairs
        .iter()
        .all(|(x, y)| (*x == 0.0 || *x == 1.0) && (*y == 0.0 || *y == 1.0));
    let a_better = pairs.iter().filter(|(x, y)| x > y).count() as u64;
    let b_better = pairs.iter().filter(|(x, y)| y > x).count() as u64;
    let p_value = binomial_two_sided(a_better, a_better + b_better);
    let mean = |f: &dyn Fn(&(f64, f64)) -> f64| {
        if n == 0 {
            0.0
        } else {
            pairs.iter().map(f).sum::<f64>() / n as f64
        }
    };
    let (mean_a, mean_b) = (mean(&|p| p.0), mean(&|p| p.1));
    let diffs: Vec<f64> = pairs.iter().map(|(x, y)| y - x).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut boots: Vec<f64> = (0..2000)
        .map(|_| {
            if n == 0 {
                0.0
            } else {
                (0..n).map(|_| diffs[rng.random_range(0..n)]).sum::<f64>() / n as f64
            }
        })
        .collect();
    boots.sort_by(f64::total_cmp);
    let diff_ci = (boots[49], boots[1949]);
    PairedComparison {
        n,
        mean_a,
        mean_b,
        diff: mean_b - mean_a,
        diff_ci,
        test: if binary {
            "mcnemar_exact".into()
        } else {
            "sign_test".into()
        },
        p_value,
        a_better,
        b_better,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn graded_scores_without_spread_get_a_real_interval() {
        // One sample whose two epochs split: its reduced value is 0.5, and one value says little.
        let e = estimate(&[0.5]);
        assert_eq!(e.method, "wilson (fractional)");
        assert!(e.ci_low < 0.2 && e.ci_high > 0.8, "{e:?}");
        let e = estimate(&[0.5; 20]);
        assert!(
            e.ci_low < 0.5 && e.ci_high > 0.5 && e.ci_high - e.ci_low < 0.5,
            "{e:?}"
        );
        // With spread, the normal interval as before.
        assert_eq!(estimate(&[0.25, 0.75, 0.5]).method, "normal");
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775.
        let (lo, hi) = wilson(81.0, 263.0);
        assert!(
            (lo - 0.2553).abs() < 5e-4 && (hi - 0.3662).abs() < 5e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0.0, 10.0);
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 5e-4, "{hi}");
    }

    #[test]
    fn mcnemar_exact_small_cases() {
        // b=1, c=6: p = 2 * P(X<=1 | n=7) = 2 * 8/128 = 0.125.
        assert!((binomial_two_sided(1, 7) - 0.125).abs() < 1e-12);
        assert_eq!(binomial_two_sided(0, 0), 1.0);
        assert!((binomial_two_sided(5, 10) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn reducers() {
        assert_eq!(Reducer::Mean.reduce(&[1.0, 0.0, 1.0, 0.0]), 0.5);
        assert_eq!(Reducer::Mode.reduce(&[1.0, 0.0, 0.0]), 0.0);
        assert_eq!(Reducer::Mode.reduce(&[1.0, 0.0]), 1.0);
        assert_eq!(Reducer::Max.reduce(&[0.0, 0.5, 0.25]), 0.5);
    }

    fn naive_binom(k: u64, n: u64) -> f64 {
        let choose = |n: u64, r: u64| -> f64 {
            (0..r).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
        };
        let k = k.min(n - k);
        ((0..=k).map(|i| choose(n, i)).sum::<f64>() * 2.0 / 2f64.powi(n as i32)).min(1.0)
    }

    proptest! {
        #[test]
        fn wilson_contains_the_estimate(n in 1u32..500, kf in 0.0f64..=1.0) {
            let k = (kf * n as f64).floor();
            let (lo, hi) = wilson(k, n as f64);
            let p = k / n as f64;
            prop_assert!(lo <= p + 1e-12 && p <= hi + 1e-12 && 0.0 <= lo && hi <= 1.0);
        }

        #[test]
        fn binomial_matches_naive(n in 1u64..60, kf in 0.0f64..=1.0) {
            let k = (kf * n as f64).floor() as u64;
            prop_assert!((binomial_two_sided(k, n) - naive_binom(k, n)).abs() < 1e-9);
        }
    }
}
