//! SVG charts a person would otherwise draw by hand from the analytics rows: a yield trend
//! per period, a Pareto of top failures and a measurement histogram with its limits and Cpk.
//!
//! Plain SVG 1.1 text, no scripts or external references. Every drawn number is also in a
//! `data-*` attribute (and most in a `<text>`), so a test or a scraper can read the chart.

use std::fmt::Write as _;

const W: f64 = 800.0;
const H: f64 = 400.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 70.0;

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

fn start(title: &str) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
         viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">\
         <title>{t}</title><rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\
         <text class=\"title\" x=\"{x}\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">{t}</text>",
        t = escape(title),
        x = W / 2.0
    );
    // Plot frame.
    let _ = write!(
        s,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>",
        W - LEFT - RIGHT,
        H - TOP - BOTTOM
    );
    s
}

fn empty(mut s: String) -> String {
    let _ = write!(
        s,
        "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">No data</text></svg>",
        W / 2.0,
        H / 2.0
    );
    s
}

fn num(v: f64) -> String {
    format!("{v:.1}")
}

/// One period of a yield trend.
#[derive(Clone, Debug, PartialEq)]
pub struct YieldPoint {
    /// The period's label.
    pub period: String,
    /// Units whose first run is in the period.
    pub units: i64,
    /// First pass yield, %; none without units.
    pub fpy: Option<f64>,
    /// Report-based yield, %.
    pub test_yield: Option<f64>,
}

/// A yield trend: FPY (solid) and TRY (dashed) per period on a 0–100 % axis.
pub fn yield_trend(title: &str, points: &[YieldPoint]) -> String {
    let mut s = start(title);
    if points.is_empty() {
        return empty(s);
    }
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let y_of = |pct: f64| TOP + plot_h * (1.0 - pct.clamp(0.0, 100.0) / 100.0);
    for pct in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let y = y_of(pct);
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{pct}%</text>",
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let step = plot_w / points.len() as f64;
    let x_of = |i: usize| LEFT + step * (i as f64 + 0.5);
    for (series, dash, pick) in [
        (
            "fpy",
            "",
            (|p: &YieldPoint| p.fpy) as fn(&YieldPoint) -> Option<f64>,
        ),
        (
            "testYield",
            " stroke-dasharray=\"6 4\"",
            |p: &YieldPoint| p.test_yield,
        ),
    ] {
        let pts: Vec<String> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| pick(p).map(|v| format!("{:.1},{:.1}", x_of(i), y_of(v))))
            .collect();
        let _ = write!(
            s,
            "<polyline class=\"{series}\" points=\"{}\" fill=\"none\" stroke=\"{}\" \
             stroke-width=\"2\"{dash}/>",
            pts.join(" "),
            if series == "fpy" {
                "#1f77b4"
            } else {
                "#ff7f0e"
            }
        );
    }
    for (i, p) in points.iter().enumerate() {
        let x = x_of(i);
        let label = escape(&p.period);
        let short = escape(p.period.get(..10).unwrap_or(&p.period));
        let _ = write!(
            s,
            "<g class=\"period\" data-period=\"{label}\" data-units=\"{}\"{}{}>",
            p.units,
            p.fpy
                .map_or(String::new(), |v| format!(" data-fpy=\"{v}\"")),
            p.test_yield
                .map_or(String::new(), |v| format!(" data-test-yield=\"{v}\"")),
        );
        if let Some(v) = p.fpy {
            let y = y_of(v);
            let _ = write!(
                s,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#1f77b4\"/>\
                 <text class=\"value\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y - 8.0,
                num(v)
            );
        }
        let _ = write!(
            s,
            "<text class=\"label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{short}</text>\
             <text class=\"units\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">n={}</text></g>",
            H - BOTTOM + 16.0,
            H - BOTTOM + 30.0,
            p.units
        );
    }
    let _ = write!(
        s,
        "<text x=\"{LEFT}\" y=\"{}\">— FPY   - - TRY (report yield)</text></svg>",
        H - 12.0
    );
    s
}

/// One bar of a Pareto.
#[derive(Clone, Debug, PartialEq)]
pub struct ParetoBar {
    /// The step path.
    pub label: String,
    /// Failures.
    pub count: i64,
}

/// A Pareto: failure counts as bars, most first, and the cumulative share as a line.
pub fn pareto(title: &str, bars: &[ParetoBar]) -> String {
    let mut s = start(title);
    let total: i64 = bars.iter().map(|b| b.count).sum();
    if bars.is_empty() || total == 0 {
        return empty(s);
    }
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let max = bars.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let step = plot_w / bars.len() as f64;
    let mut cumulative = 0i64;
    let mut line = Vec::new();
    for (i, b) in bars.iter().enumerate() {
        let h = plot_h * b.count as f64 / max;
        let x = LEFT + step * i as f64 + step * 0.1;
        let y = TOP + plot_h - h;
        cumulative += b.count;
        let share = cumulative as f64 * 100.0 / total as f64;
        line.push(format!(
            "{:.1},{:.1}",
            x + step * 0.4,
            TOP + plot_h * (1.0 - share / 100.0)
        ));
        let name = b.label.rsplit('¶').next().unwrap_or(&b.label);
        let _ = write!(
            s,
            "<g class=\"bar\" data-step=\"{}\" data-count=\"{}\" data-cumulative=\"{share}\">\
             <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#d62728\"/>\
             <text class=\"value\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
            escape(&b.label),
            b.count,
            step * 0.8,
            x + step * 0.4,
            y - 4.0,
            b.count,
            x + step * 0.4,
            H - BOTTOM + 16.0,
            escape(name)
        );
    }
    let _ = write!(
        s,
        "<polyline class=\"cumulative\" points=\"{}\" fill=\"none\" stroke=\"#333\" \
         stroke-width=\"1.5\"/><text x=\"{LEFT}\" y=\"{}\">bars: failures; line: cumulative \
         share of {total}</text></svg>",
        line.join(" "),
        H - 12.0
    );
    s
}

/// What a histogram shows beside the values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistogramInfo {
    /// Lower specification limit.
    pub low: Option<f64>,
    /// Upper specification limit.
    pub high: Option<f64>,
    /// Process capability.
    pub cpk: Option<f64>,
    /// Mean.
    pub avg: Option<f64>,
}

/// The bin counts of `values` over `[lo, hi]` in `k` equal bins.
pub fn bins(values: &[f64], lo: f64, hi: f64, k: usize) -> Vec<usize> {
    let mut out = vec![0; k.max(1)];
    let width = (hi - lo) / out.len() as f64;
    for v in values {
        let i = if width > 0.0 {
            (((v - lo) / width).floor().max(0.0) as usize).min(out.len() - 1)
        } else {
            0
        };
        out[i] += 1;
    }
    out
}

/// A histogram of measured values, the limits as red lines, the mean and Cpk in the title
/// line. Bins: √n, between 5 and 30, over the values and the limits.
pub fn histogram(title: &str, values: &[f64], info: &HistogramInfo) -> String {
    let mut s = start(title);
    if values.is_empty() {
        return empty(s);
    }
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let mut lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for l in [info.low, info.high].into_iter().flatten() {
        lo = lo.min(l);
        hi = hi.max(l);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let k = ((values.len() as f64).sqrt().ceil() as usize).clamp(5, 30);
    let counts = bins(values, lo, hi, k);
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let x_of = |v: f64| LEFT + plot_w * (v - lo) / (hi - lo);
    let bw = plot_w / k as f64;
    for (i, c) in counts.iter().enumerate() {
        let h = plot_h * *c as f64 / max;
        let from = lo + (hi - lo) * i as f64 / k as f64;
        let _ = write!(
            s,
            "<rect class=\"bin\" data-from=\"{from}\" data-count=\"{c}\" x=\"{:.1}\" y=\"{:.1}\" \
             width=\"{:.1}\" height=\"{h:.1}\" fill=\"#1f77b4\" stroke=\"white\"/>",
            LEFT + bw * i as f64,
            TOP + plot_h - h,
            bw
        );
    }
    for (class, value, name) in [("low", info.low, "LSL"), ("high", info.high, "USL")] {
        if let Some(v) = value {
            let x = x_of(v);
            let _ = write!(
                s,
                "<line class=\"limit {class}\" data-value=\"{v}\" x1=\"{x:.1}\" y1=\"{TOP}\" \
                 x2=\"{x:.1}\" y2=\"{}\" stroke=\"#d62728\" stroke-width=\"2\"/>\
                 <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#d62728\">{name} {v}</text>",
                TOP + plot_h,
                TOP - 4.0
            );
        }
    }
    for v in [lo, (lo + hi) / 2.0, hi] {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{:.3}</text>",
            x_of(v),
            H - BOTTOM + 16.0,
            v
        );
    }
    let cpk = info.cpk.map_or("–".to_owned(), |c| format!("{c:.3}"));
    let avg = info.avg.map_or("–".to_owned(), |a| format!("{a:.4}"));
    let _ = write!(
        s,
        "<text class=\"stats\" data-n=\"{}\"{}{} x=\"{LEFT}\" y=\"{}\">n = {}, mean = {avg}, \
         Cpk = {cpk}</text></svg>",
        values.len(),
        info.cpk
            .map_or(String::new(), |c| format!(" data-cpk=\"{c}\"")),
        info.avg
            .map_or(String::new(), |a| format!(" data-avg=\"{a}\"")),
        H - 12.0,
        values.len()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_hold_every_value() {
        assert_eq!(bins(&[0.0, 0.1, 0.5, 0.99, 1.0], 0.0, 1.0, 2), vec![2, 3]);
        assert_eq!(bins(&[3.0, 3.0], 3.0, 3.0, 4), vec![2, 0, 0, 0]);
    }

    #[test]
    fn text_is_escaped() {
        let svg = pareto(
            "a<b",
            &[ParetoBar {
                label: "x&y\"".into(),
                count: 1,
            }],
        );
        assert!(svg.contains("a&lt;b") && svg.contains("x&amp;y&quot;"));
        assert!(yield_trend("t", &[]).contains("No data"));
    }
}
