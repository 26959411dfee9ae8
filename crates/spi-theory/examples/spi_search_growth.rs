//! The SPI-search growth measurement behind `bench/spi-search/run.sh`: two families of seeded
//! m×m games measured in the same run (an SPI planted by construction; the same padding with
//! nothing planted and no SPI), the fast search against the naive enumeration of injections, median
//! time per size, the ratio, and an SVG plot of time against actions.
//!
//! Usage: `spi_search_growth [--out DIR] [--instances N] [--naive-seconds S] [--sizes 4,8,...]`.
//! Writes DIR/results.csv, DIR/results.md and DIR/growth.svg and prints the table.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use spi_theory::generate::padded_game;
use spi_theory::{SpiQuery, naive_search, search};

struct Row {
    family: &'static str,
    m: usize,
    k: usize,
    instances: usize,
    fast_median: Duration,
    fast_max: Duration,
    naive_median: Option<Duration>,
    naive_note: String,
    rejected: usize,
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn secs(d: Duration) -> String {
    format!("{:.6}", d.as_secs_f64())
}

fn main() {
    let mut out_dir = String::from("bench/spi-search/results");
    let mut instances = 5usize;
    let mut naive_seconds = 60u64;
    let mut sizes: Vec<usize> = vec![4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 36, 40];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--out" => out_dir = v.clone(),
            "--instances" => instances = v.parse().expect("--instances N"),
            "--naive-seconds" => naive_seconds = v.parse().expect("--naive-seconds S"),
            "--sizes" => {
                sizes = v
                    .split(',')
                    .map(|s| s.parse().expect("--sizes 4,8,..."))
                    .collect()
            }
            other => panic!("unknown argument {other}"),
        }
    }
    std::fs::create_dir_all(&out_dir).expect("create the output directory");
    let query = SpiQuery::omnilateral();
    let mut rows = Vec::new();
    for family in ["planted", "no-spi"] {
        let mut naive_alive = true;
        for &m in &sizes {
            let k = (m / 4).max(2);
            let mut fast = Vec::new();
            let mut naive = Vec::new();
            let mut naive_note = String::new();
            let mut rejected = 0;
            let mut seed = (m as u64) * 1000;
            while fast.len() < instances {
                seed += 1;
                let g = padded_game(seed, m, k, family == "planted").game;
                let t = Instant::now();
                let found = search(&g, &query).expect("a valid query");
                let dt = t.elapsed();
                let exists = !found.witnesses.is_empty();
                if family == "planted" {
                    assert!(exists, "planted SPI missed on {}", g.name());
                } else if exists {
                    // A random padding block can contain an improved copy of the core by chance
                    // (likely for tiny cores); such games do not belong to this family.
                    rejected += 1;
                    continue;
                }
                fast.push(dt);
                if naive_alive {
                    let deadline = Instant::now() + Duration::from_secs(naive_seconds);
                    let t = Instant::now();
                    let r = naive_search(&g, &query, &mut |_| Instant::now() > deadline)
                        .expect("a valid query");
                    let dt = t.elapsed();
                    if r.stopped {
                        naive_alive = false;
                        naive_note = format!(
                            "did not finish in {naive_seconds} s ({} candidates tried)",
                            r.candidates
                        );
                    } else {
                        assert_eq!(
                            r.witnesses.is_empty(),
                            !exists,
                            "naive and fast disagree on {}",
                            g.name()
                        );
                        naive.push(dt);
                    }
                }
            }
            let naive_median = if naive_alive && naive.len() == fast.len() {
                Some(median(&mut naive))
            } else {
                None
            };
            if naive_median.is_none() && naive_note.is_empty() {
                naive_note = "not run (a smaller size already exceeded the limit)".into();
            }
            let fast_max = *fast.iter().max().expect("at least one instance");
            let row = Row {
                family,
                m,
                k,
                instances,
                fast_median: median(&mut fast),
                fast_max,
                naive_median,
                naive_note,
                rejected,
            };
            eprintln!(
                "{family:8} m={m:3} k={k:2}: fast median {} s, naive {}",
                secs(row.fast_median),
                row.naive_median
                    .map(secs)
                    .unwrap_or_else(|| row.naive_note.clone())
            );
            rows.push(row);
        }
    }
    let mut csv = String::from(
        "family,m,k,instances,fast_median_s,fast_max_s,naive_median_s,ratio,rejected_instances\n",
    );
    let mut md = String::from(
        "| family | actions m×m | core k×k | instances | fast median (s) | fast max (s) | naive median (s) | naive / fast |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in &rows {
        let ratio = r
            .naive_median
            .map(|n| n.as_secs_f64() / r.fast_median.as_secs_f64());
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            r.family,
            r.m,
            r.k,
            r.instances,
            secs(r.fast_median),
            secs(r.fast_max),
            r.naive_median.map(secs).unwrap_or_default(),
            ratio.map(|x| format!("{x:.1}")).unwrap_or_default(),
            r.rejected
        );
        let _ = writeln!(
            md,
            "| {} | {}×{} | {}×{} | {} | {} | {} | {} | {} |",
            r.family,
            r.m,
            r.m,
            r.k,
            r.k,
            r.instances,
            secs(r.fast_median),
            secs(r.fast_max),
            r.naive_median
                .map(secs)
                .unwrap_or_else(|| r.naive_note.clone()),
            ratio
                .map(|x| format!("{x:.0}×"))
                .unwrap_or_else(|| "–".into())
        );
    }
    std::fs::write(format!("{out_dir}/results.csv"), &csv).expect("write results.csv");
    std::fs::write(format!("{out_dir}/results.md"), &md).expect("write results.md");
    std::fs::write(format!("{out_dir}/growth.svg"), svg(&rows)).expect("write growth.svg");
    print!("{md}");
}

/// A log-scale plot of median time against m, one line per (family, solver).
fn svg(rows: &[Row]) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 440.0, 70.0, 180.0, 20.0, 50.0);
    // (label, colour, points (actions, seconds))
    type Series<'a> = (String, &'a str, Vec<(f64, f64)>);
    let mut series: Vec<Series> = Vec::new();
    for (family, fast_colour, naive_colour) in [
        ("planted", "#1f77b4", "#aec7e8"),
        ("no-spi", "#d62728", "#ff9896"),
    ] {
        let fam: Vec<&Row> = rows.iter().filter(|r| r.family == family).collect();
        series.push((
            format!("fast, {family}"),
            fast_colour,
            fam.iter()
                .map(|r| (r.m as f64, r.fast_median.as_secs_f64()))
                .collect(),
        ));
        series.push((
            format!("naive, {family}"),
            naive_colour,
            fam.iter()
                .filter_map(|r| r.naive_median.map(|n| (r.m as f64, n.as_secs_f64())))
                .collect(),
        ));
    }
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.2.iter().copied()).collect();
    let xmax = all.iter().map(|p| p.0).fold(1.0, f64::max);
    let lo = all
        .iter()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
        .max(1e-7)
        .log10()
        .floor();
    let hi = all
        .iter()
        .map(|p| p.1)
        .fold(0.0, f64::max)
        .max(1e-6)
        .log10()
        .ceil();
    let px = |x: f64| left + (x / xmax) * (w - left - right);
    let py = |y: f64| top + (hi - y.max(1e-9).log10()) / (hi - lo).max(1.0) * (h - top - bottom);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>",
        h - bottom,
        w - right,
        h - bottom
    );
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"black\"/>",
        h - bottom
    );
    let mut e = lo;
    while e <= hi {
        let y = py(10f64.powf(e));
        let _ = writeln!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>",
            w - right
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">1e{}</text>",
            left - 6.0,
            y + 4.0,
            e as i64
        );
        e += 1.0;
    }
    let mut m = 0.0;
    while m <= xmax {
        let x = px(m);
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{m}</text>",
            h - bottom + 18.0
        );
        m += 8.0;
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">actions per player (m; core k = max(2, m/4))</text>",
        (left + w - right) / 2.0,
        h - 10.0
    );
    let _ = writeln!(
        s,
        "<text x=\"16\" y=\"{}\" transform=\"rotate(-90 16 {})\" text-anchor=\"middle\">median seconds (log scale)</text>",
        h / 2.0,
        h / 2.0
    );
    for (k, (label, colour, pts)) in series.iter().enumerate() {
        if pts.is_empty() {
            continue;
        }
        let path: Vec<String> = pts
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        for &(x, y) in pts {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"/>",
                px(x),
                py(y)
            );
        }
        let ly = top + 20.0 + 20.0 * k as f64;
        let _ = writeln!(
            s,
            "<line x1=\"{}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            w - right + 10.0,
            w - right + 30.0
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\">{label}</text>",
            w - right + 36.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}
