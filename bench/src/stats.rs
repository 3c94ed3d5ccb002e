//! Latency histograms and their summary in the result line.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// The longest latency recorded exactly (longer ones are clamped).
const MAX_MICROS: u64 = 120_000_000;

/// A latency histogram in microseconds.
#[derive(Debug, Clone)]
pub struct Latency {
    histogram: Histogram<u64>,
}

impl Default for Latency {
    fn default() -> Self {
        Latency::new()
    }
}

impl Latency {
    /// An empty histogram, 1 µs to 120 s, 3 significant digits.
    pub fn new() -> Latency {
        Latency {
            histogram: Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("static histogram bounds are valid"),
        }
    }

    /// Records one latency.
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(MAX_MICROS);
        self.record_micros(micros);
    }

    /// Records one latency given in microseconds.
    pub fn record_micros(&mut self, micros: u64) {
        self.histogram.saturating_record(micros.clamp(1, MAX_MICROS));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Latency) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.histogram.add(&other.histogram);
    }

    /// The summary written into the result line, in milliseconds, and the
    /// percentile spectrum used for the charts.
    pub fn summary(&self) -> Value {
        let h = &self.histogram;
        if h.is_empty() {
            return json!({ "count": 0 });
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        let spectrum: Vec<Value> = SPECTRUM
            .iter()
            .map(|&q| json!([q, ms(h.value_at_quantile(q / 100.0))]))
            .collect();
        json!({
            "count": h.len(),
            "mean_ms": h.mean() / 1000.0,
            "p50_ms": ms(h.value_at_quantile(0.50)),
            "p90_ms": ms(h.value_at_quantile(0.90)),
            "p99_ms": ms(h.value_at_quantile(0.99)),
            "p999_ms": ms(h.value_at_quantile(0.999)),
            "max_ms": ms(h.max()),
            "spectrum": spectrum,
        })
    }
}

/// The percentiles kept for the latency-distribution charts.
const SPECTRUM: [f64; 13] = [
    0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 100.0,
];

/// Deliveries, acks or connections per second, from a count and a span.
pub fn per_second(count: u64, span: Duration) -> f64 {
    if span.is_zero() {
        0.0
    } else {
        count as f64 / span.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarizes_in_milliseconds() {
        let mut latency = Latency::new();
        for micros in 1..=1000 {
            latency.record_micros(micros);
        }
        let summary = latency.summary();
        assert_eq!(summary["count"], 1000);
        let p50 = summary["p50_ms"].as_f64().expect("a number");
        assert!((0.49..=0.51).contains(&p50), "{p50}");
    }
}
