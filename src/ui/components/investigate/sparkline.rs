//! A sparkline as inline SVG: one bar per bucket, scaled to the tallest (no style attributes, so the
//! Content-Security-Policy's `style-src 'self'` holds).

use yew::prelude::*;

/// Height of the drawing in SVG units.
const HEIGHT: f64 = 16.0;

#[derive(Properties, PartialEq)]
pub struct SparklineProps {
    pub counts: Vec<u32>,
    /// What it shows, for screen readers.
    pub label: AttrValue,
}

/// The SVG path of the bars: each bucket is a one-unit-wide bar from the baseline.
pub fn bars_path(counts: &[u32]) -> String {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut d = String::new();
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        // Any event at all shows at least a sliver.
        let h = (c as f64 / max * HEIGHT).max(1.0);
        d.push_str(&format!(
            "M{i} {HEIGHT}v-{h:.2}h0.8v{h:.2}z",
            h = h,
            HEIGHT = HEIGHT
        ));
    }
    d
}

#[function_component(Sparkline)]
pub fn sparkline(props: &SparklineProps) -> Html {
    let width = props.counts.len().max(1);
    html! {
        <svg
            class="sparkline"
            viewBox={format!("0 0 {width} {HEIGHT}")}
            preserveAspectRatio="none"
            role="img"
            aria-label={props.label.clone()}
        >
            <path class="sparkline__bars" d={bars_path(&props.counts)} />
        </svg>
    }
}
