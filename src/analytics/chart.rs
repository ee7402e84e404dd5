//! Charts rendered server-side with `plotters` into SVG: text stays `<text>` elements (no fonts on the server,
//! the browser draws the Cyrillic labels), so the front end embeds them with `<img src>` as they are.

use plotters::prelude::*;

use crate::error::{AppError, AppResult};

const SIZE: (u32, u32) = (900, 500);
const FONT: &str = "sans-serif";

/// The colours of the series, in order (class comfort, business … or any other list).
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn failed(error: impl std::fmt::Debug) -> AppError {
    AppError::Internal(format!("chart rendering failed: {error:?}"))
}

/// An integer upper bound of a count axis a little above the largest value, never 0.
fn count_headroom(max: i64) -> i64 {
    (max + (max + 9) / 10).max(max + 1).max(1)
}

/// A value with thin groups of thousands, as Russian texts write numbers: 215 686.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    if value < -0.5 {
        format!("−{grouped}")
    } else {
        grouped
    }
}

/// A bar per `(label, value)`: the funnel, sales per month.
pub fn bars(title: &str, y_label: &str, bars: &[(&str, i64)]) -> AppResult<String> {
    let mut document = String::new();
    {
        let root = SVGBackend::with_string(&mut document, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let top = count_headroom(bars.iter().map(|(_, value)| *value).max().unwrap_or(0));
        let count = bars.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 24))
            .margin(20)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..count as f64 - 0.5, 0..top)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(y_label)
            .x_labels(count + 1)
            .y_labels((top + 1).min(11) as usize)
            .x_label_formatter(&|value| {
                let index = value.round();
                if (value - index).abs() < 1e-6 && index >= 0.0 {
                    bars.get(index as usize)
                        .map(|(label, _)| (*label).to_owned())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|value| thousands(*value as f64))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(index, (_, value))| {
                let x = index as f64;
                Rectangle::new([(x - 0.35, 0), (x + 0.35, *value)], PALETTE[0].filled())
            }))
            .map_err(failed)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(index, (_, value))| {
                EmptyElement::at((index as f64, *value))
                    + Text::new(thousands(*value as f64), (-10, -20), (FONT, 15))
            }))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(document)
}

/// One line per named series over the same labelled x points (months): price per m² by class.
pub fn lines(
    title: &str,
    y_label: &str,
    x_labels: &[String],
    series: &[(String, Vec<Option<f64>>)],
) -> AppResult<String> {
    let mut document = String::new();
    {
        let root = SVGBackend::with_string(&mut document, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let values: Vec<f64> = series
            .iter()
            .flat_map(|(_, points)| points.iter().flatten().copied())
            .collect();
        let (low, high) = values
            .iter()
            .fold((f64::MAX, 0.0_f64), |(low, high), value| {
                (low.min(*value), high.max(*value))
            });
        let (bottom, top) = if values.is_empty() {
            (0.0, 1.0)
        } else {
            let pad = ((high - low) * 0.15).max(high * 0.05).max(1.0);
            ((low - pad).max(0.0), high + pad)
        };
        let last = x_labels.len().max(1) as f64 - 0.5;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 24))
            .margin(20)
            .x_label_area_size(40)
            .y_label_area_size(100)
            .build_cartesian_2d(-0.5..last, bottom..top)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(y_label)
            .x_labels(x_labels.len() * 2 + 1)
            .x_label_formatter(&|value| {
                let index = value.round();
                if (value - index).abs() < 1e-6 && index >= 0.0 {
                    x_labels.get(index as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|value| thousands(*value))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(failed)?;
        for (number, (name, points)) in series.iter().enumerate() {
            let colour = PALETTE[number % PALETTE.len()];
            let present: Vec<(f64, f64)> = points
                .iter()
                .enumerate()
                .filter_map(|(index, value)| value.map(|value| (index as f64, value)))
                .collect();
            chart
                .draw_series(LineSeries::new(present.clone(), colour.stroke_width(3)))
                .map_err(failed)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
                });
            chart
                .draw_series(
                    present
                        .into_iter()
                        .map(|point| Circle::new(point, 5, colour.filled())),
                )
                .map_err(failed)?;
        }
        if !series.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font((FONT, 15))
                .draw()
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_render_russian_labels_as_svg_text() {
        let svg = bars("Воронка", "событий", &[("Просмотры", 10), ("Заявки", 2)]).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("Просмотры") && svg.contains("Заявки") && svg.contains("Воронка"));
    }

    #[test]
    fn thousands_are_grouped_the_russian_way() {
        assert_eq!(thousands(215_686.27), "215\u{202f}686");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1\u{202f}000\u{202f}000");
        assert_eq!(thousands(-1500.0), "−1\u{202f}500");
    }

    #[test]
    fn lines_survive_empty_and_gappy_series() {
        let empty = lines("Цена м²", "₽/м²", &[], &[]).unwrap();
        assert!(empty.contains("Цена м²"));
        let gappy = lines(
            "Цена м²",
            "₽/м²",
            &["10.2026".into(), "11.2026".into()],
            &[("комфорт".into(), vec![None, Some(200_000.0)])],
        )
        .unwrap();
        assert!(gappy.contains("комфорт") && gappy.contains("11.2026"));
    }
}
