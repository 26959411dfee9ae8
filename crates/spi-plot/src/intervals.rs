//! Estimates with their intervals, one row each: the chart of eval and suite reports.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::{PlotError, draw_err};

/// One estimate with its interval, for [`render_intervals`].
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalRow {
    /// What the row is (e.g. `primer · missed_spi`).
    pub label: String,
    /// The estimate.
    pub estimate: f64,
    /// The interval's ends.
    pub interval: (f64, f64),
    /// A reference value to mark on the row (a chance rate, or 0 for a difference).
    pub reference: Option<f64>,
}

/// Estimates with their intervals, one row each, as an SVG: a dot at the estimate, a bar over
/// the interval and a tick at the row's reference value (chance, for accuracies). `x_desc` names
/// the axis; the axis spans `x_range`, widened to fit every interval.
pub fn render_intervals(
    title: &str,
    x_desc: &str,
    x_range: (f64, f64),
    rows: &[IntervalRow],
) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        // plotters sizes mesh text relative to the drawing area by default, which makes the
        // labels of a two-row chart unreadably small: fixed sizes, and room for the legend.
        let height = (90 + 28 * rows.len().max(1) as u32).max(190);
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let lo = rows
            .iter()
            .map(|r| r.interval.0.min(r.estimate))
            .fold(x_range.0, f64::min);
        let hi = rows
            .iter()
            .map(|r| r.interval.1.max(r.estimate))
            .fold(x_range.1, f64::max);
        let n = rows.len();
        let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(260)
            .build_cartesian_2d(lo..hi, -0.5f64..(n as f64 - 0.5))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 13))
            .y_labels(n.max(1))
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[n - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(draw_err)?;
        let row_y = |k: usize| (n - 1 - k) as f64;
        let blue = RGBColor(20, 80, 190);
        chart
            .draw_series(rows.iter().enumerate().map(|(k, r)| {
                PathElement::new(
                    vec![(r.interval.0, row_y(k)), (r.interval.1, row_y(k))],
                    blue.stroke_width(3),
                )
            }))
            .map_err(draw_err)?
            .label("95% interval")
            .legend(move |(x, y)| PathElement::new(vec![(x - 8, y), (x + 8, y)], blue));
        chart
            .draw_series(
                rows.iter()
                    .enumerate()
                    .map(|(k, r)| Circle::new((r.estimate, row_y(k)), 5, blue.filled())),
            )
            .map_err(draw_err)?
            .label("estimate")
            .legend(move |(x, y)| Circle::new((x, y), 4, blue.filled()));
        let grey = RGBColor(200, 40, 40);
        if rows.iter().any(|r| r.reference.is_some()) {
            chart
                .draw_series(rows.iter().enumerate().filter_map(|(k, r)| {
                    r.reference.map(|c| {
                        PathElement::new(
                            vec![(c, row_y(k) - 0.3), (c, row_y(k) + 0.3)],
                            grey.stroke_width(2),
                        )
                    })
                }))
                .map_err(draw_err)?
                .label("reference (chance)")
                .legend(move |(x, y)| PathElement::new(vec![(x, y - 6), (x, y + 6)], grey));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// The legend of the interval chart: one entry per labelled series, on a light box.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> Result<(), PlotError> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .draw()
        .map_err(draw_err)
}
