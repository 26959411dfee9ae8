//! The engine's pictures: the payoff space of a two-player game, an SPI drawn on it, and a
//! tournament's payoff matrix.

use plotters::prelude::*;
use spi_games::equilibrium::{self, EquilibriumError};
use spi_games::{Game, Rational, bargaining, pareto, threat};

use crate::{PlotError, draw_err};

/// What a marked point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkerKind {
    /// A pure outcome of the game.
    Outcome,
    /// The payoffs of an extreme Nash equilibrium.
    Equilibrium,
    /// The threat point (each player's minimax value).
    ThreatPoint,
    /// The Pareto meet minimum.
    Pmm,
    /// The disagreement point of the bargaining solutions.
    Disagreement,
    /// The Nash bargaining solution.
    NashBargaining,
    /// The Kalai–Smorodinsky solution.
    KalaiSmorodinsky,
}

impl MarkerKind {
    /// The legend's name for the kind.
    pub fn name(self) -> &'static str {
        match self {
            MarkerKind::Outcome => "pure outcome",
            MarkerKind::Equilibrium => "Nash equilibrium",
            MarkerKind::ThreatPoint => "threat point",
            MarkerKind::Pmm => "PMM",
            MarkerKind::Disagreement => "disagreement point",
            MarkerKind::NashBargaining => "Nash bargaining",
            MarkerKind::KalaiSmorodinsky => "Kalai-Smorodinsky",
        }
    }

    fn color(self) -> RGBColor {
        match self {
            MarkerKind::Outcome => RGBColor(60, 60, 60),
            MarkerKind::Equilibrium => RGBColor(200, 30, 30),
            MarkerKind::ThreatPoint => RGBColor(120, 60, 170),
            MarkerKind::Pmm => RGBColor(20, 130, 60),
            MarkerKind::Disagreement => RGBColor(150, 110, 20),
            MarkerKind::NashBargaining => RGBColor(20, 90, 200),
            MarkerKind::KalaiSmorodinsky => RGBColor(0, 150, 160),
        }
    }
}

/// A point to mark, with its exact value for the label.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// What it is.
    pub kind: MarkerKind,
    /// Its label (a profile for outcomes, the exact payoffs for the others).
    pub label: String,
    /// The exact payoffs, as `p/q` text.
    pub exact: [String; 2],
    /// Where it is drawn.
    pub at: (f64, f64),
}

/// The payoff space of a two-player game, computed exactly and ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoffSpace {
    /// The game's name.
    pub title: String,
    /// The two players (the axes).
    pub players: [String; 2],
    /// C(Γ): the convex hull of the pure outcomes, counter-clockwise (one or two points when the
    /// outcomes are degenerate).
    pub feasible: Vec<(f64, f64)>,
    /// The Pareto frontier of C(Γ), from the best point for player 1 to the best for player 2.
    pub frontier: Vec<(f64, f64)>,
    /// Every marked point: the outcomes first, then the solution concepts.
    pub markers: Vec<Marker>,
    /// Equilibria that could not be enumerated within the budget (only the pure ones are marked).
    pub equilibria_note: Option<String>,
    /// Arrows from an outcome to the outcome an SPI puts in its place (empty unless drawn with
    /// [`with_spi`]).
    pub arrows: Vec<Arrow>,
}

/// An arrow from a default outcome's payoffs to its image's under an SPI.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    /// The reduced profile and its image, as `(a) -> (Φ(a))`.
    pub label: String,
    /// u(a).
    pub from: (f64, f64),
    /// u(Φ(a)).
    pub to: (f64, f64),
    /// Whether some player gains strictly (a zero-length arrow is drawn as a ring).
    pub strict: bool,
}

/// The payoff space with an SPI drawn on it: an arrow from each reduced profile's payoffs to its
/// image's (OC's outcome correspondence), so a reader sees every outcome move weakly up and right.
pub fn with_spi(mut space: PayoffSpace, cert: &spi_theory::SpiCertificate) -> PayoffSpace {
    space.title = format!("{} with an SPI", space.title);
    space.arrows = cert
        .improvements()
        .iter()
        .map(|imp| Arrow {
            label: format!("({}) -> ({})", imp.from.join(", "), imp.to.join(", ")),
            from: xy(&imp.payoffs_from),
            to: xy(&imp.payoffs_to),
            strict: imp.payoffs_from != imp.payoffs_to,
        })
        .collect();
    space
}

fn xy(p: &[Rational]) -> (f64, f64) {
    (p[0].to_f64(), p[1].to_f64())
}

fn exact(p: &[Rational]) -> [String; 2] {
    [p[0].to_string(), p[1].to_string()]
}

fn marker(kind: MarkerKind, p: &[Rational]) -> Marker {
    let e = exact(p);
    Marker {
        kind,
        label: format!("{} ({}, {})", kind.name(), e[0], e[1]),
        exact: e,
        at: xy(p),
    }
}

/// Computes the payoff space of `g`: the disagreement point is `disagreement` or, by default, the
/// threat point (as `spi game bargain` does); equilibria are enumerated exactly within `max_mib`
/// MiB, and only the pure ones are marked if that budget is not enough.
pub fn payoff_space(
    g: &Game,
    disagreement: Option<&[Rational]>,
    max_mib: usize,
) -> Result<PayoffSpace, PlotError> {
    if g.num_players() != 2 {
        return Err(PlotError::NotTwoPlayer(g.num_players()));
    }
    let tp = threat::threat_point(g);
    let d: Vec<Rational> = match disagreement {
        Some(d) if d.len() != 2 => return Err(PlotError::Disagreement(d.len())),
        Some(d) => d.to_vec(),
        None => tp.values.clone(),
    };
    let mut markers: Vec<Marker> = Vec::new();
    let mut seen: Vec<Vec<Rational>> = Vec::new();
    for p in g.profiles() {
        let u = g.payoffs(&p).to_vec();
        let label = g.profile_label(&p);
        // Profiles with equal payoffs share a point: one marker, every profile in its label.
        if let Some(i) = seen.iter().position(|v| *v == u) {
            markers[i].label.push_str(&format!(" {label}"));
            continue;
        }
        seen.push(u.clone());
        markers.push(Marker {
            kind: MarkerKind::Outcome,
            label,
            exact: exact(&u),
            at: xy(&u),
        });
    }
    let (eqs, note) = match equilibrium::enumerate_within(g, max_mib) {
        Ok(eqs) => (eqs.into_iter().map(|e| e.payoffs).collect::<Vec<_>>(), None),
        Err(e @ (EquilibriumError::MemoryBudget { .. } | EquilibriumError::TooLarge)) => (
            equilibrium::pure_nash(g)
                .iter()
                .map(|p| g.payoffs(p).to_vec())
                .collect(),
            Some(format!("only pure equilibria are marked: {e}")),
        ),
        Err(e) => (Vec::new(), Some(format!("no equilibria are marked: {e}"))),
    };
    let mut eq_points: Vec<Vec<Rational>> = Vec::new();
    for u in eqs {
        if !eq_points.contains(&u) {
            eq_points.push(u);
        }
    }
    markers.extend(eq_points.iter().map(|u| marker(MarkerKind::Equilibrium, u)));
    markers.push(marker(MarkerKind::ThreatPoint, &tp.values));
    markers.push(marker(MarkerKind::Pmm, &pareto::pmm(g)));
    if disagreement.is_some() {
        markers.push(marker(MarkerKind::Disagreement, &d));
    }
    // The bargaining solutions need a disagreement point inside C(Γ) with room to gain; when there
    // is none they are simply not marked (`spi game bargain` says why).
    if let Ok(n) = bargaining::nash_bargaining(g, &d) {
        markers.push(marker(MarkerKind::NashBargaining, &n));
    }
    if let Ok(k) = bargaining::kalai_smorodinsky(g, &d) {
        markers.push(marker(MarkerKind::KalaiSmorodinsky, &k));
    }
    let poly = |v: Option<Vec<Vec<Rational>>>| -> Vec<(f64, f64)> {
        v.unwrap_or_default().iter().map(|p| xy(p)).collect()
    };
    Ok(PayoffSpace {
        title: g.name().to_string(),
        players: [g.players()[0].clone(), g.players()[1].clone()],
        feasible: poly(pareto::hull_2d(g)),
        frontier: poly(pareto::frontier_2d(g)),
        markers,
        equilibria_note: note,
        arrows: Vec::new(),
    })
}

/// The name of the heatmap cell whose centre is at `v` on an axis of `names.len()` cells
/// (counted from the top when `from_top`), or nothing between centres.
fn cell_name(v: f64, names: &[String], from_top: bool) -> String {
    let i = v.floor();
    let n = names.len();
    if v - i > 0.4 && v - i < 0.6 && i >= 0.0 && (i as usize) < n {
        let k = i as usize;
        names[if from_top { n - 1 - k } else { k }].clone()
    } else {
        String::new()
    }
}

/// The axis range covering `values` with a margin, never empty.
fn range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return -1.0..1.0;
    }
    let pad = ((hi - lo) * 0.12).max(0.5);
    (lo - pad)..(hi + pad)
}

/// A pixel box, `(left, top, right, bottom)`.
type PixelBox = (i32, i32, i32, i32);

fn overlaps(a: PixelBox, b: PixelBox) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Label text is 12 px sans-serif; this is a generous average advance, so a box estimated from it
/// covers the drawn text in the common fonts.
const LABEL_CHAR_PX: i32 = 7;
const LABEL_LINE_PX: i32 = 14;

/// A long label split into lines at `") ("` (between profiles) so no line is much wider than
/// `width` characters.
fn label_lines(label: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in label.split_inclusive(") ") {
        match lines.last_mut() {
            Some(line) if line.len() + part.len() <= width => line.push_str(part),
            _ => lines.push(part.to_string()),
        }
    }
    lines.iter().map(|l| l.trim_end().to_string()).collect()
}

/// Where each label goes, as the top-left pixel of its box: the first of several offsets around
/// its point (right, then left, stepping outwards above and below) whose box stays inside `area`
/// and clear of every point and of every label placed before it. Labels are placed in order, so the
/// caller puts the solution concepts first; a label with no free offset takes the one that overlaps
/// least. Plotters does not avoid collisions itself, and coincident solution points (an equilibrium
/// that is also the threat point) are the rule in the games people plot, not the exception.
fn place_labels(points: &[(i32, i32)], sizes: &[(i32, i32)], area: PixelBox) -> Vec<(i32, i32)> {
    let dots: Vec<PixelBox> = points
        .iter()
        .map(|&(x, y)| (x - 6, y - 6, x + 6, y + 6))
        .collect();
    let mut placed: Vec<PixelBox> = Vec::new();
    let mut out = Vec::with_capacity(points.len());
    for (&(x, y), &(w, h)) in points.iter().zip(sizes) {
        let mut candidates = Vec::new();
        for step in 0..6 {
            let up = y - 8 - h - step * LABEL_LINE_PX;
            let down = y + 8 + step * LABEL_LINE_PX;
            for top in [up, down] {
                candidates.push((x + 9, top));
                candidates.push((x - 9 - w, top));
            }
        }
        candidates.push((x + 9, y - h / 2));
        candidates.push((x - 9 - w, y - h / 2));
        let cost = |&(l, t): &(i32, i32)| {
            let b = (l, t, l + w, t + h);
            let outside = i32::from(l < area.0 || t < area.1 || l + w > area.2 || t + h > area.3);
            let hits = placed
                .iter()
                .chain(&dots)
                .filter(|o| overlaps(b, **o))
                .count() as i32;
            (outside * 1000 + hits, 0)
        };
        let best = candidates
            .iter()
            .find(|c| cost(c).0 == 0)
            .or_else(|| candidates.iter().min_by_key(|c| cost(c)))
            .copied()
            .unwrap_or((x + 9, y - h));
        placed.push((best.0, best.1, best.0 + w, best.1 + h));
        out.push(best);
    }
    out
}

/// Draws the payoff space as an SVG document (900×560): the feasible set shaded, the Pareto
/// frontier as a thick line, every marker labelled with its exact value where the label collides
/// with no other label or point, and the legend in its own column, where it cannot cover a point.
pub fn render_svg(space: &PayoffSpace) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (plot_area, legend_area) = root.split_horizontally(720);
        let xs = range(space.markers.iter().map(|m| m.at.0));
        let ys = range(space.markers.iter().map(|m| m.at.1));
        let (xs_len, ys_len) = (xs.end - xs.start, ys.end - ys.start);
        let mut chart = ChartBuilder::on(&plot_area)
            .caption(
                format!("payoff space of {}", space.title),
                ("sans-serif", 20),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(xs, ys)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("payoff of {}", space.players[0]))
            .y_desc(format!("payoff of {}", space.players[1]))
            .max_light_lines(1)
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(draw_err)?;
        // The legend's entries, drawn in the right-hand column after the chart.
        let mut entries: Vec<(&str, RGBColor, LegendIcon)> = Vec::new();
        if space.feasible.len() >= 3 {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    space.feasible.clone(),
                    RGBColor(90, 140, 220).mix(0.18),
                )))
                .map_err(draw_err)?;
            entries.push((
                "feasible set C(G)",
                RGBColor(90, 140, 220),
                LegendIcon::Area,
            ));
        }
        if space.frontier.len() >= 2 {
            chart
                .draw_series(LineSeries::new(
                    space.frontier.clone(),
                    RGBColor(20, 60, 160).stroke_width(3),
                ))
                .map_err(draw_err)?;
            entries.push(("Pareto frontier", RGBColor(20, 60, 160), LegendIcon::Line));
        }
        if !space.arrows.is_empty() {
            // An arrowhead in data units: a fixed share of the axes, so it looks the same at any
            // scale.
            let (w, h) = (xs_len, ys_len);
            let color = RGBColor(230, 110, 0);
            let heads = space.arrows.iter().filter(|a| a.strict).map(|a| {
                let (dx, dy) = ((a.to.0 - a.from.0) / w, (a.to.1 - a.from.1) / h);
                let len = (dx * dx + dy * dy).sqrt().max(1e-12);
                let (ux, uy) = (dx / len, dy / len);
                let (l, half) = (0.03, 0.012);
                let base = (a.to.0 - ux * l * w, a.to.1 - uy * l * h);
                Polygon::new(
                    vec![
                        a.to,
                        (base.0 - uy * half * w, base.1 + ux * half * h),
                        (base.0 + uy * half * w, base.1 - ux * half * h),
                    ],
                    color.filled(),
                )
            });
            chart
                .draw_series(
                    space
                        .arrows
                        .iter()
                        .map(|a| PathElement::new(vec![a.from, a.to], color.stroke_width(2))),
                )
                .map_err(draw_err)?;
            chart.draw_series(heads).map_err(draw_err)?;
            chart
                .draw_series(
                    space
                        .arrows
                        .iter()
                        .filter(|a| !a.strict)
                        .map(|a| Circle::new(a.to, 9, color.stroke_width(2))),
                )
                .map_err(draw_err)?;
            entries.push(("SPI: each outcome to its image", color, LegendIcon::Line));
        }
        let mut kinds: Vec<MarkerKind> = space.markers.iter().map(|m| m.kind).collect();
        kinds.sort();
        kinds.dedup();
        for &kind in &kinds {
            let color = kind.color();
            let size = if kind == MarkerKind::Outcome { 4 } else { 6 };
            chart
                .draw_series(
                    space
                        .markers
                        .iter()
                        .filter(|m| m.kind == kind)
                        .map(|m| Circle::new(m.at, size, color.filled())),
                )
                .map_err(draw_err)?;
            entries.push((kind.name(), color, LegendIcon::Dot));
        }
        // Labels: solution concepts first (they matter most and coincide most), then outcomes,
        // each in its kind's colour, placed clear of one another.
        let mut order: Vec<&Marker> = space.markers.iter().collect();
        order.sort_by_key(|m| (m.kind == MarkerKind::Outcome, m.kind));
        let lines: Vec<Vec<String>> = order.iter().map(|m| label_lines(&m.label, 30)).collect();
        let sizes: Vec<(i32, i32)> = lines
            .iter()
            .map(|ls| {
                let chars = ls.iter().map(|l| l.chars().count()).max().unwrap_or(0);
                (
                    chars as i32 * LABEL_CHAR_PX,
                    ls.len() as i32 * LABEL_LINE_PX,
                )
            })
            .collect();
        let points: Vec<(i32, i32)> = order.iter().map(|m| chart.backend_coord(&m.at)).collect();
        let (px, py) = chart.plotting_area().get_pixel_range();
        let spots = place_labels(&points, &sizes, (px.start, py.start, px.end, py.end));
        for ((m, ls), (x, y)) in order.iter().zip(&lines).zip(spots) {
            let color = if m.kind == MarkerKind::Outcome {
                RGBColor(40, 40, 40)
            } else {
                m.kind.color()
            };
            for (k, l) in ls.iter().enumerate() {
                root.draw(&Text::new(
                    l.clone(),
                    (x, y + k as i32 * LABEL_LINE_PX),
                    ("sans-serif", 12).into_font().color(&color),
                ))
                .map_err(draw_err)?;
            }
        }
        draw_legend(&legend_area, &entries)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
enum LegendIcon {
    /// A translucent area, as the feasible set is drawn.
    Area,
    /// A solid colour, as a heatmap cell is drawn.
    Swatch,
    /// A box outline, as a marked heatmap cell is drawn.
    Outline,
    Line,
    Dot,
}

/// The payoff space's legend, one entry per line, in its own column beside the chart.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(&str, RGBColor, LegendIcon)],
) -> Result<(), PlotError> {
    let top = 60;
    for (k, (name, color, icon)) in entries.iter().enumerate() {
        let y = top + k as i32 * 20;
        match icon {
            LegendIcon::Area => area.draw(&Rectangle::new(
                [(4, y - 5), (20, y + 5)],
                color.mix(0.3).filled(),
            )),
            LegendIcon::Swatch => {
                area.draw(&Rectangle::new([(4, y - 6), (20, y + 6)], color.filled()))
                    .map_err(draw_err)?;
                area.draw(&Rectangle::new(
                    [(4, y - 6), (20, y + 6)],
                    RGBColor(160, 160, 160).stroke_width(1),
                ))
            }
            LegendIcon::Outline => area.draw(&Rectangle::new(
                [(4, y - 6), (20, y + 6)],
                color.stroke_width(2),
            )),
            LegendIcon::Line => area.draw(&PathElement::new(
                vec![(4, y), (20, y)],
                color.stroke_width(3),
            )),
            LegendIcon::Dot => area.draw(&Circle::new((12, y), 5, color.filled())),
        }
        .map_err(draw_err)?;
        area.draw(&Text::new(
            name.to_string(),
            (26, y - 6),
            ("sans-serif", 12).into_font(),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// A tournament's payoff matrix as a heatmap: row entrant in seat 1, column entrant in seat 2,
/// each cell coloured by the two payoffs' sum and labelled `u1, u2` (exact), with the program
/// game's pure equilibria outlined.
pub fn render_heatmap(
    title: &str,
    names: &[String],
    cells: &[Vec<[Rational; 2]>],
    equilibria: &[Vec<usize>],
) -> Result<String, PlotError> {
    let n = names.len();
    let mut svg = String::new();
    {
        // Cells wide enough for the longest name under its column, so the labels never run
        // into each other.
        let longest = names.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        let cell = 70.max(7 * longest + 8);
        let side = (120 + cell * n.max(1)) as u32;
        let grid_width = side + 150;
        let root = SVGBackend::with_string(&mut svg, (grid_width + 260, side)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        // The legend has its own column: inside the grid it would cover cells.
        let (grid_area, legend_area) = root.split_horizontally(grid_width);
        let sums: Vec<f64> = cells
            .iter()
            .flatten()
            .map(|u| u[0].to_f64() + u[1].to_f64())
            .collect();
        let (lo, hi) = sums
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let mut chart = ChartBuilder::on(&grid_area)
            .caption(title, ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(150)
            .build_cartesian_2d(0f64..n as f64, 0f64..n as f64)
            .map_err(draw_err)?;
        let label = |v: &f64| cell_name(*v, names, false);
        let ylabel = |v: &f64| cell_name(*v, names, true);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(2 * n + 1)
            .y_labels(2 * n + 1)
            .x_label_formatter(&label)
            .y_label_formatter(&ylabel)
            .x_desc("seat 2")
            .y_desc("seat 1")
            .draw()
            .map_err(draw_err)?;
        let shade = |v: f64| {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            RGBColor(
                (250.0 - 180.0 * t) as u8,
                (245.0 - 90.0 * t) as u8,
                (240.0 - 20.0 * t) as u8,
            )
        };
        for (i, row) in cells.iter().enumerate() {
            for (j, u) in row.iter().enumerate() {
                let (x, y) = (j as f64, (n - 1 - i) as f64);
                let v = u[0].to_f64() + u[1].to_f64();
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, y), (x + 1.0, y + 1.0)],
                        shade(v).filled(),
                    )))
                    .map_err(draw_err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{}, {}", u[0], u[1]),
                        (x + 0.2, y + 0.55),
                        ("sans-serif", 13).into_font(),
                    )))
                    .map_err(draw_err)?;
            }
        }
        let red = RGBColor(200, 30, 30);
        chart
            .draw_series(equilibria.iter().filter(|p| p.len() == 2).map(|p| {
                let (x, y) = (p[1] as f64, (n - 1 - p[0]) as f64);
                Rectangle::new(
                    [(x + 0.04, y + 0.04), (x + 0.96, y + 0.96)],
                    red.stroke_width(3),
                )
            }))
            .map_err(draw_err)?;
        let (low, high) = (
            format!("sum of payoffs {lo}"),
            format!("sum of payoffs {hi}"),
        );
        let mut entries = vec![(
            "pure equilibrium of the program game",
            red,
            LegendIcon::Outline,
        )];
        if hi > lo {
            entries.push((low.as_str(), shade(lo), LegendIcon::Swatch));
            entries.push((high.as_str(), shade(hi), LegendIcon::Swatch));
        }
        draw_legend(&legend_area, &entries)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IntervalRow, render_intervals};

    #[test]
    fn the_prisoners_dilemma_has_its_points_where_the_theory_puts_them() {
        let g = spi_games::examples::prisoners_dilemma();
        let s = payoff_space(&g, None, 256).unwrap();
        let find = |k: MarkerKind| {
            s.markers
                .iter()
                .filter(|m| m.kind == k)
                .map(|m| m.exact.clone())
                .collect::<Vec<_>>()
        };
        // The unique equilibrium is mutual defection, which is also the threat point.
        let dd = g.payoffs(&[1, 1]).to_vec();
        assert_eq!(find(MarkerKind::Equilibrium), vec![exact(&dd)]);
        assert_eq!(find(MarkerKind::ThreatPoint), vec![exact(&dd)]);
        assert_eq!(find(MarkerKind::Outcome).len(), 4);
        assert!(s.feasible.len() >= 3 && s.frontier.len() >= 2, "{s:?}");
        // Symmetric game, symmetric disagreement point: both solutions are on the diagonal.
        for k in [MarkerKind::NashBargaining, MarkerKind::KalaiSmorodinsky] {
            let p = find(k);
            assert_eq!(p.len(), 1, "{k:?}");
            assert_eq!(p[0][0], p[0][1], "{k:?}");
        }
        let svg = render_svg(&s).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        for text in [
            "Pareto frontier",
            "threat point",
            "Nash equilibrium",
            "PMM",
            "(D, D)",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn three_players_and_bad_disagreement_points_are_errors() {
        let g3 = spi_games::Game::from_fn(
            "three",
            vec!["A".into(), "B".into(), "C".into()],
            vec![vec!["x".into()], vec!["x".into()], vec!["x".into()]],
            |_| vec![Rational::from(0); 3],
        );
        match g3 {
            Ok(g) => assert_eq!(payoff_space(&g, None, 16), Err(PlotError::NotTwoPlayer(3))),
            Err(e) => panic!("{e}"),
        }
        let g = spi_games::examples::prisoners_dilemma();
        let d = [Rational::from(0)];
        assert_eq!(
            payoff_space(&g, Some(&d), 16),
            Err(PlotError::Disagreement(1))
        );
    }

    #[test]
    fn an_spi_of_the_demand_game_moves_every_outcome_weakly_up_and_right() {
        let g = spi_games::examples::demand_game();
        let q = spi_theory::SpiQuery {
            kind: spi_theory::SpiKind::Omnilateral,
            strict: true,
            all: false,
            limit: 10,
        };
        let c = spi_theory::certified::search_certified(&g, &q).unwrap();
        let cert = &c.certificates[0];
        let s = with_spi(payoff_space(&g, None, 64).unwrap(), cert);
        assert_eq!(s.arrows.len(), cert.improvements().len());
        assert!(s.arrows.iter().any(|a| a.strict));
        for a in &s.arrows {
            assert!(a.to.0 >= a.from.0 && a.to.1 >= a.from.1, "{a:?}");
        }
        assert!(
            render_svg(&s)
                .unwrap()
                .contains("SPI: each outcome to its image")
        );
    }

    #[test]
    fn interval_and_heatmap_charts_carry_their_labels_and_values() {
        let rows = vec![
            IntervalRow {
                label: "baseline · missed_spi".into(),
                estimate: 0.3,
                interval: (0.2, 0.4),
                reference: Some(0.25),
            },
            IntervalRow {
                label: "primer · missed_spi".into(),
                estimate: 0.5,
                interval: (0.35, 0.65),
                reference: Some(0.25),
            },
        ];
        let svg = render_intervals("accuracy", "accuracy", (0.0, 1.0), &rows).unwrap();
        assert!(
            svg.contains("baseline · missed_spi") && svg.contains("primer · missed_spi"),
            "{svg:.400}"
        );
        assert!(svg.contains("reference (chance)"));
        let r = |a: i64, b: i64| [Rational::from(a), Rational::from(b)];
        let names = vec!["CliqueBot".to_string(), "DefectBot".to_string()];
        let cells = vec![vec![r(2, 2), r(0, 3)], vec![r(3, 0), r(1, 1)]];
        let svg = render_heatmap("tournament", &names, &cells, &[vec![0, 0]]).unwrap();
        for t in [
            "CliqueBot",
            "DefectBot",
            "2, 2",
            "3, 0",
            "pure equilibrium of the program game",
        ] {
            assert!(svg.contains(t), "{t} missing");
        }
    }

    #[test]
    fn labels_of_coincident_points_do_not_overlap_and_stay_inside() {
        // Five labels on one point (an equilibrium that is also the threat point, the PMM and
        // both bargaining solutions) and one near the right edge.
        let area = (0, 0, 400, 300);
        let mut points = vec![(200, 150); 5];
        points.push((395, 40));
        let sizes = vec![(120, 14); 6];
        let spots = place_labels(&points, &sizes, area);
        let boxes: Vec<PixelBox> = spots
            .iter()
            .zip(&sizes)
            .map(|(&(x, y), &(w, h))| (x, y, x + w, y + h))
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.0 >= area.0 && a.1 >= area.1 && a.2 <= area.2 && a.3 <= area.3,
                "{a:?}"
            );
            for b in &boxes[i + 1..] {
                assert!(!overlaps(*a, *b), "{a:?} overlaps {b:?}");
            }
        }
        assert_eq!(
            label_lines("(DM, DL) (DM, RL) (RM, DL) (RM, RL)", 20),
            vec!["(DM, DL) (DM, RL)", "(RM, DL) (RM, RL)"]
        );
    }

    #[test]
    fn equal_payoffs_share_one_labelled_point() {
        // The demand game has 16 profiles but 6 distinct payoff vectors; (5, -5) alone is four
        // profiles, and its one marker must name all of them.
        let g = spi_games::examples::demand_game();
        let s = payoff_space(&g, None, 16).unwrap();
        let outcomes: Vec<&Marker> = s
            .markers
            .iter()
            .filter(|m| m.kind == MarkerKind::Outcome)
            .collect();
        assert_eq!(outcomes.len(), 6, "{outcomes:?}");
        let five = outcomes
            .iter()
            .find(|m| m.exact == ["5".to_string(), "-5".to_string()])
            .unwrap();
        for p in ["(DM, DL)", "(DM, RL)", "(RM, DL)", "(RM, RL)"] {
            assert!(five.label.contains(p), "{p} missing from {}", five.label);
        }
    }
}
