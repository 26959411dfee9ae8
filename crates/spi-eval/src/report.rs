//! Reports of a stored run: Markdown and a self-contained HTML page (inline CSS and SVG, no
//! scripts, no external files), plus the paired comparison of two runs.

use std::fmt::Write;

use crate::error::EvalError;
use crate::stats::{
    Estimate, PairedComparison, Reducer, by_category, estimate, paired, reduced_scores,
    scorer_names,
};
use crate::store::{Accounting, RunInfo, SampleRecord, SampleStatus, Store};

/// One scorer's overall estimate and its per-category estimates.
pub type ScorerSummary = (String, Estimate, Vec<(String, Estimate)>);

/// Everything a report shows, computed once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    /// The run.
    pub run: RunInfo,
    /// The plan's accounting: planned = ok + errors + not run.
    pub accounting: Accounting,
    /// Sample-epochs recorded.
    pub records: usize,
    /// Of which errors.
    pub errors: usize,
    /// Epoch reducer used.
    pub reducer: Reducer,
    /// Per scorer: overall estimate and per-category estimates.
    pub scorers: Vec<ScorerSummary>,
    /// Mean judge agreement over rubric-scored samples (when there are several judges).
    pub judge_agreement: Option<f64>,
    /// Tokens.
    pub prompt_tokens: u64,
    /// Tokens.
    pub completion_tokens: u64,
    /// USD.
    pub cost: f64,
    /// Retries.
    pub retries: u64,
    /// Latency percentiles (ms): p50, p90, p99.
    pub latency_ms: (f64, f64, f64),
    /// Up to 20 errors: key, epoch, cause.
    pub error_samples: Vec<(String, u32, String)>,
    /// One row per sample-epoch, in store order, up to [`MAX_SAMPLE_ROWS`].
    pub samples: Vec<SampleRow>,
    /// Sample-epochs the run recorded (the rows stop at [`MAX_SAMPLE_ROWS`]).
    pub samples_total: usize,
}

/// The most per-sample rows a report carries: enough for any suite here (the largest has 1,296
/// items), while a 500,000-sample run's report stays a readable page.
pub const MAX_SAMPLE_ROWS: usize = 5_000;

/// A sample-epoch as the report's per-sample table shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SampleRow {
    /// `dataset/id`.
    pub key: String,
    /// The dataset.
    pub dataset: String,
    /// 1-based epoch.
    pub epoch: u32,
    /// `ok` or `error`.
    pub status: &'static str,
    /// The sample's failure mode or category, when it has one.
    pub category: Option<String>,
    /// Per scorer: its name, the value and the answer it read.
    pub scores: Vec<(String, f64, Option<String>)>,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

impl RunReport {
    /// Computes the report of a stored run, streaming its records (without their
    /// conversations) from the store.
    pub fn from_store(
        store: &Store,
        run: &RunInfo,
        reducer: Reducer,
    ) -> Result<RunReport, EvalError> {
        let acc = store.accounting(run)?;
        let mut light = Vec::new();
        store.for_each_sample(&run.run_id, |r| {
            light.push(r.light());
            Ok(())
        })?;
        Ok(RunReport::new(run, &light, acc, reducer))
    }

    /// Computes the report.
    pub fn new(
        run: &RunInfo,
        records: &[SampleRecord],
        accounting: Accounting,
        reducer: Reducer,
    ) -> RunReport {
        let scorers = scorer_names(records)
            .into_iter()
            .map(|name| {
                let values: Vec<f64> = reduced_scores(records, &name, reducer)
                    .into_values()
                    .collect();
                let cats = by_category(records, &name, reducer).into_iter().collect();
                (name, estimate(&values), cats)
            })
            .collect();
        let agreements: Vec<f64> = records
            .iter()
            .flat_map(|r| r.scores.values())
            .filter_map(|s| s.metadata.as_ref()?.get("agreement")?.as_f64())
            .collect();
        let mut lat: Vec<f64> = records.iter().map(|r| r.latency_ms).collect();
        lat.sort_by(f64::total_cmp);
        RunReport {
            run: run.clone(),
            accounting,
            records: records.len(),
            errors: records
                .iter()
                .filter(|r| r.status == SampleStatus::Error)
                .count(),
            reducer,
            scorers,
            judge_agreement: (!agreements.is_empty())
                .then(|| agreements.iter().sum::<f64>() / agreements.len() as f64),
            prompt_tokens: records.iter().map(|r| r.calls.prompt_tokens).sum(),
            completion_tokens: records.iter().map(|r| r.calls.completion_tokens).sum(),
            cost: records.iter().map(|r| r.calls.cost).sum(),
            retries: records.iter().map(|r| r.calls.retries as u64).sum(),
            latency_ms: (
                percentile(&lat, 0.5),
                percentile(&lat, 0.9),
                percentile(&lat, 0.99),
            ),
            error_samples: records
                .iter()
                .filter(|r| r.status == SampleStatus::Error)
                .take(20)
                .map(|r| (r.key.clone(), r.epoch, r.error.clone().unwrap_or_default()))
                .collect(),
            samples: records
                .iter()
                .take(MAX_SAMPLE_ROWS)
                .map(|r| SampleRow {
                    key: r.key.clone(),
                    dataset: r.dataset.clone(),
                    epoch: r.epoch,
                    status: match r.status {
                        SampleStatus::Ok => "ok",
                        SampleStatus::Error => "error",
                    },
                    category: r
                        .sample
                        .failure_mode
                        .clone()
                        .or_else(|| r.sample.category()),
                    scores: r
                        .scores
                        .iter()
                        .map(|(n, sc)| (n.clone(), sc.value, sc.answer.clone()))
                        .collect(),
                })
                .collect(),
            samples_total: records.len(),
        }
    }

    /// The run's totals in one sentence, shared by the Markdown and HTML reports.
    fn totals_sentence(&self) -> String {
        let a = &self.accounting;
        format!(
            "Planned {}: {} ok, {} errors, {} not run (arm `{}`). Samples recorded: {} ({} errors). Tokens: {} prompt, {} completion. Cost: ${:.4}. Retries: {}. Latency p50/p90/p99: {:.0}/{:.0}/{:.0} ms.",
            a.planned,
            a.ok,
            a.errors,
            a.not_run,
            self.run.arm,
            self.records,
            self.errors,
            self.prompt_tokens,
            self.completion_tokens,
            self.cost,
            self.retries,
            self.latency_ms.0,
            self.latency_ms.1,
            self.latency_ms.2,
        )
    }

    /// Markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let r = &self.run;
        let _ = writeln!(s, "# Eval report: {} on {}\n", r.suite_name, r.model);
        let _ = writeln!(
            s,
            "| run | status | created | finished |\n|---|---|---|---|\n| `{}` | {} | {} | {} |\n",
            r.run_id,
            r.status,
            r.created_at,
            r.finished_at.as_deref().unwrap_or("-")
        );
        let _ = writeln!(
            s,
            "{} Epoch reducer: {:?}.\n",
            self.totals_sentence(),
            self.reducer
        );
        for (name, est, cats) in &self.scorers {
            let _ = writeln!(s, "## Scorer `{name}`\n");
            let _ = writeln!(
                s,
                "Accuracy **{:.3}** (95% CI {:.3}–{:.3}, {}, n = {})\n",
                est.mean, est.ci_low, est.ci_high, est.method, est.n
            );
            let _ = writeln!(
                s,
                "| category | n | accuracy | 95% CI |\n|---|---:|---:|---|"
            );
            for (c, e) in cats {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.3} | {:.3}–{:.3} |",
                    md_escape(c),
                    e.n,
                    e.mean,
                    e.ci_low,
                    e.ci_high
                );
            }
            s.push('\n');
        }
        if let Some(a) = self.judge_agreement {
            let _ = writeln!(
                s,
                "Mean judge agreement (share of rubric items scored identically by each pair of judges): {a:.3}\n"
            );
        }
        if !self.error_samples.is_empty() {
            let _ = writeln!(
                s,
                "## Errors (first {})\n\n| sample | epoch | cause |\n|---|---:|---|",
                self.error_samples.len()
            );
            for (k, e, c) in &self.error_samples {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} |",
                    md_escape(k),
                    e,
                    md_escape(&c.chars().take(200).collect::<String>())
                );
            }
        }
        s
    }

    /// Self-contained HTML with an SVG chart per scorer.
    pub fn html(&self) -> String {
        self.html_with(&HtmlOptions::default())
    }

    /// HTML, with the viewer's extras when `options` asks for them (links from each sample to its
    /// transcript, a reload while the run is in progress, a link back).
    pub fn html_with(&self, options: &HtmlOptions) -> String {
        let mut s =
            String::from("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        if let Some(secs) = options.refresh_seconds {
            let _ = write!(s, "<meta http-equiv=\"refresh\" content=\"{secs}\">");
        }
        s.push_str("<title>");
        s.push_str(&html_escape(&format!(
            "{} on {}",
            self.run.suite_name, self.run.model
        )));
        s.push_str("</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}.num{text-align:right}code{background:#f3f3f3;padding:0 .2rem}</style></head><body>\n");
        let r = &self.run;
        if let Some(back) = &options.back_link {
            let _ = writeln!(s, "<p><a href=\"{}\">all runs</a></p>", html_escape(back));
        }
        let _ = writeln!(
            s,
            "<h1>{}</h1>",
            html_escape(&format!("Eval report: {} on {}", r.suite_name, r.model))
        );
        let _ = writeln!(
            s,
            "<p>Run <code>{}</code>, status {}, created {}. {}</p>",
            html_escape(&r.run_id),
            html_escape(&r.status),
            html_escape(&r.created_at),
            html_escape(&self.totals_sentence()),
        );
        for (name, est, cats) in &self.scorers {
            let _ = writeln!(s, "<h2>Scorer <code>{}</code></h2>", html_escape(name));
            let _ = writeln!(
                s,
                "<p>Accuracy <b>{:.3}</b> (95% CI {:.3}–{:.3}, {}, n = {})</p>",
                est.mean, est.ci_low, est.ci_high, est.method, est.n
            );
            let mut rows = vec![("all".to_string(), est.clone())];
            rows.extend(cats.iter().cloned());
            s.push_str(&intervals_svg(&rows));
            s.push_str(
                "<table><tr><th>category</th><th>n</th><th>accuracy</th><th>95% CI</th></tr>\n",
            );
            for (c, e) in cats {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td class=num>{}</td><td class=num>{:.3}</td><td>{:.3}–{:.3}</td></tr>",
                    html_escape(c),
                    e.n,
                    e.mean,
                    e.ci_low,
                    e.ci_high
                );
            }
            s.push_str("</table>\n");
        }
        if let Some(a) = self.judge_agreement {
            let _ = writeln!(s, "<p>Mean judge agreement: {a:.3}</p>");
        }
        if !self.error_samples.is_empty() {
            s.push_str(
                "<h2>Errors</h2><table><tr><th>sample</th><th>epoch</th><th>cause</th></tr>\n",
            );
            for (k, e, c) in &self.error_samples {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td class=num>{}</td><td>{}</td></tr>",
                    html_escape(k),
                    e,
                    html_escape(&c.chars().take(300).collect::<String>())
                );
            }
            s.push_str("</table>\n");
        }
        self.sample_table_html(&mut s, options.sample_link_base.as_deref());
        s.push_str("</body></html>\n");
        s
    }

    /// The per-sample table, filterable by text, dataset, category (failure mode), scorer and score
    /// (a few lines of inline script; the page stays one self-contained file). The filters start
    /// from the page's query string (`?d=DATASET&c=CATEGORY&s=SCORER_INDEX&v=1|0|p|e&q=TEXT`), so a
    /// filtered view can be linked to. With `link_base`, each sample links to
    /// `LINK_BASE/EPOCH/KEY` (the viewer's transcript page).
    fn sample_table_html(&self, s: &mut String, link_base: Option<&str>) {
        if self.samples.is_empty() {
            return;
        }
        let scorers: Vec<String> = self.scorers.iter().map(|(n, _, _)| n.clone()).collect();
        let distinct = |f: &dyn Fn(&SampleRow) -> Option<String>| {
            let set: std::collections::BTreeSet<String> =
                self.samples.iter().filter_map(f).collect();
            set.into_iter().collect::<Vec<_>>()
        };
        let datasets = distinct(&|r| Some(r.dataset.clone()));
        let categories = distinct(&|r| r.category.clone());
        let options = |all: &str, values: &[String]| {
            let mut o = format!("<option value=\"\">{all}</option>");
            for v in values {
                let _ = write!(o, "<option>{}</option>", html_escape(v));
            }
            o
        };
        let mut scorer_opts = String::new();
        for (k, n) in scorers.iter().enumerate() {
            let _ = write!(scorer_opts, "<option value={k}>{}</option>", html_escape(n));
        }
        let _ = writeln!(
            s,
            "<h2>Samples</h2><p>{} of {} sample-epochs{}.</p><p>Filter: <input id=q placeholder=\"text in any cell\" size=24> <select id=d>{}</select> <select id=c>{}</select> scorer <select id=s>{scorer_opts}</select> <select id=v><option value=\"\">any score</option><option value=1>score 1</option><option value=0>score 0</option><option value=p>partial</option><option value=e>error</option></select> <span id=shown></span></p>",
            self.samples.len(),
            self.samples_total,
            if self.samples.len() < self.samples_total {
                " (the first ones; `spi eval show` and `spi eval export` have every sample)"
            } else {
                ""
            },
            options("every dataset", &datasets),
            options("every category", &categories),
        );
        s.push_str("<table id=samples><tr><th>sample</th><th>dataset</th><th>category</th><th>epoch</th><th>status</th>");
        for n in &scorers {
            let _ = write!(s, "<th>{}</th><th>answer</th>", html_escape(n));
        }
        s.push_str("</tr>\n");
        for r in &self.samples {
            // Each scorer's value gives the row a score class per scorer, for the score filter.
            let mut classes = String::new();
            for (k, n) in scorers.iter().enumerate() {
                let class = match (r.status, r.scores.iter().find(|(m, _, _)| m == n)) {
                    ("error", _) => "e",
                    (_, Some((_, v, _))) if *v >= 1.0 => "1",
                    (_, Some((_, v, _))) if *v <= 0.0 => "0",
                    (_, Some(_)) => "p",
                    _ => "",
                };
                let _ = write!(classes, " data-v{k}=\"{class}\"");
            }
            let key = match link_base {
                Some(base) => format!(
                    "<a href=\"{}/{}/{}\"><code>{}</code></a>",
                    html_escape(base),
                    r.epoch,
                    html_escape(&url_path_escape(&r.key)),
                    html_escape(&r.key)
                ),
                None => format!("<code>{}</code>", html_escape(&r.key)),
            };
            let _ = write!(
                s,
                "<tr data-d=\"{}\" data-c=\"{}\"{classes}><td>{key}</td><td>{}</td><td>{}</td><td class=num>{}</td><td>{}</td>",
                html_escape(&r.dataset),
                html_escape(r.category.as_deref().unwrap_or("")),
                html_escape(&r.dataset),
                html_escape(r.category.as_deref().unwrap_or("")),
                r.epoch,
                r.status
            );
            for n in &scorers {
                match r.scores.iter().find(|(m, _, _)| m == n) {
                    Some((_, v, a)) => {
                        let _ = write!(
                            s,
                            "<td class=num>{v}</td><td>{}</td>",
                            html_escape(
                                &a.as_deref()
                                    .unwrap_or("")
                                    .chars()
                                    .take(80)
                                    .collect::<String>()
                            )
                        );
                    }
                    None => s.push_str("<td></td><td></td>"),
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str(SAMPLE_FILTER_SCRIPT);
    }
}

/// The sample table's filter: every control narrows the rows, and the controls start from the
/// page's query string.
const SAMPLE_FILTER_SCRIPT: &str = "</table>\n<script>\n(function(){var $=function(i){return document.getElementById(i)};var q=$('q'),d=$('d'),c=$('c'),sc=$('s'),v=$('v'),out=$('shown');\nvar p=new URLSearchParams(location.search);[['q',q],['d',d],['c',c],['s',sc],['v',v]].forEach(function(x){if(p.has(x[0]))x[1].value=p.get(x[0]);});\nfunction f(){var t=q.value.toLowerCase(),n=0;document.querySelectorAll('#samples tr[data-d]').forEach(function(r){var ok=(!d.value||r.dataset.d===d.value)&&(!c.value||r.dataset.c===c.value)&&(!v.value||r.getAttribute('data-v'+(sc.value||'0'))===v.value)&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);r.style.display=ok?'':'none';if(ok)n++;});out.textContent=n+' shown';}\n[q,d,c,sc,v].forEach(function(e){e.addEventListener('input',f);e.addEventListener('change',f);});f();})();\n</script>\n";

/// What [`RunReport::html_with`] adds for the viewer.
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions {
    /// Each sample links to `BASE/EPOCH/KEY`.
    pub sample_link_base: Option<String>,
    /// Reload the page every so many seconds (a run in progress).
    pub refresh_seconds: Option<u32>,
    /// A link back to the list of runs.
    pub back_link: Option<String>,
}

/// What a sample key keeps unescaped in a URL path: the unreserved characters and `/` (keys are
/// `dataset/id`, and ids are free text).
const KEY_IN_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A sample key percent-encoded for a URL path.
pub fn url_path_escape(key: &str) -> String {
    percent_encoding::utf8_percent_encode(key, KEY_IN_PATH).to_string()
}

/// The estimates as an interval chart (a dot at the mean, a bar over the 95% interval), one row
/// per category; if the chart cannot be drawn, a line saying why, so the report still renders.
fn intervals_svg(rows: &[(String, Estimate)]) -> String {
    let rows: Vec<spi_plot::IntervalRow> = rows
        .iter()
        .map(|(label, e)| spi_plot::IntervalRow {
            label: format!("{label} (n={})", e.n),
            estimate: e.mean,
            interval: (e.ci_low, e.ci_high),
            reference: None,
        })
        .collect();
    match spi_plot::render_intervals(
        "accuracy by category",
        "accuracy (95% interval)",
        (0.0, 1.0),
        &rows,
    ) {
        Ok(svg) => svg,
        Err(e) => format!(
            "<p>(chart not drawn: {})</p>\n",
            html_escape(&e.to_string())
        ),
    }
}

/// Compares run B with run A on a scorer; Markdown.
pub fn comparison_markdown(
    a: &RunInfo,
    ra: &[SampleRecord],
    b: &RunInfo,
    rb: &[SampleRecord],
    scorer: &str,
    reducer: Reducer,
) -> (PairedComparison, String) {
    let va = reduced_scores(ra, scorer, reducer);
    let vb = reduced_scores(rb, scorer, reducer);
    let c = paired(&va, &vb, 0x5eed);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Paired comparison on `{scorer}`\n\nA = `{}` ({}, arm `{}`), B = `{}` ({}, arm `{}`)\n",
        a.run_id, a.model, a.arm, b.run_id, b.model, b.arm
    );
    let _ = writeln!(
        s,
        "| {} |\n|---:|---:|---:|---:|---|---|---:|---:|---:|",
        PAIRED_COLUMNS.join(" | ")
    );
    let _ = writeln!(s, "| {} |", paired_cells(&c).join(" | "));
    (c, s)
}

/// The columns of a paired comparison, as the Markdown report and the viewer print them.
pub const PAIRED_COLUMNS: [&str; 9] = [
    "shared samples",
    "mean A",
    "mean B",
    "B − A",
    "95% CI (paired bootstrap)",
    "test",
    "p",
    "A better",
    "B better",
];

/// A paired comparison's values under [`PAIRED_COLUMNS`], formatted once for every report.
pub fn paired_cells(c: &PairedComparison) -> [String; 9] {
    [
        c.n.to_string(),
        format!("{:.3}", c.mean_a),
        format!("{:.3}", c.mean_b),
        format!("{:+.3}", c.diff),
        format!("{:+.3} to {:+.3}", c.diff_ci.0, c.diff_ci.1),
        c.test.clone(),
        format!("{:.4}", c.p_value),
        c.a_better.to_string(),
        c.b_better.to_string(),
    ]
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Escapes text for HTML element content and attributes.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// One line per sample-epoch of a run, for `spi eval show RUN`: key, epoch, status, and each
/// scorer's value and the answer it read.
pub fn sample_lines(records: &[SampleRecord]) -> String {
    let mut out = String::new();
    for r in records {
        let scores: Vec<String> = r
            .scores
            .iter()
            .map(|(name, s)| match &s.answer {
                Some(a) => format!("{name} {} (answer {a:?})", s.value),
                None => format!("{name} {} (no answer read)", s.value),
            })
            .collect();
        let status = match r.status {
            SampleStatus::Ok => "ok".to_string(),
            SampleStatus::Error => format!("error: {}", r.error.as_deref().unwrap_or("")),
        };
        let _ = writeln!(
            out,
            "{}  epoch {}  {status}  {}",
            r.key,
            r.epoch,
            scores.join("; ")
        );
    }
    out
}

/// A sample-epoch's transcript as plain text, for `spi eval show RUN SAMPLE`: every turn of the
/// conversation by role, the options as shown (after any shuffle), the target, and each scorer's
/// value, the answer it read and its explanation.
pub fn transcript(r: &SampleRecord) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sample {} (run {}, epoch {})",
        r.key, r.run_id, r.epoch
    );
    match &r.state {
        None => {
            let _ = writeln!(out, "\n(no conversation: solving failed)");
        }
        Some(state) => {
            for m in &state.messages {
                let _ = writeln!(
                    out,
                    "\n--- {} ---\n{}",
                    m.role.as_str(),
                    m.content.trim_end()
                );
            }
            if let Some(choices) = &state.choices {
                let _ = writeln!(out, "\n--- options as shown ---");
                for (k, c) in choices.iter().enumerate() {
                    let letter = char::from(b'A' + (k % 26) as u8);
                    let _ = writeln!(out, "{letter}. {c}");
                }
            }
        }
    }
    let letters = r
        .state
        .as_ref()
        .map(|s| s.target_letters(&r.sample))
        .unwrap_or_default();
    let target = if letters.is_empty() {
        r.sample.target.join(" | ")
    } else {
        letters
            .iter()
            .map(char::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "\n--- target ---\n{target}");
    let _ = writeln!(out, "\n--- scores ---");
    for (name, s) in &r.scores {
        let _ = writeln!(
            out,
            "{name}: {} (answer: {}){}",
            s.value,
            s.answer.as_deref().unwrap_or("none read"),
            s.explanation
                .as_deref()
                .map(|e| format!("; {e}"))
                .unwrap_or_default()
        );
    }
    if let Some(e) = &r.error {
        let _ = writeln!(out, "error: {e}");
    }
    out
}
