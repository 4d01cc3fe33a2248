//! Prometheus text: the reference's metric names, then galley's own.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Upper bounds of the duration histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    durations: Mutex<BTreeMap<(String, String), Histogram>>,
    pub in_flight: AtomicI64,
    pub rate_limit_rejects: AtomicU64,
    pub bundles_in_flight: AtomicI64,
    pub bundles_busy: AtomicU64,
    pub bundle_cache_hits: AtomicU64,
}

impl Metrics {
    /// One finished request; `route` is the matched route (never the raw path, which a
    /// client could make unbounded).
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let key = (method.to_string(), route.to_string());
        {
            let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            *requests
                .entry((key.0.clone(), key.1.clone(), status))
                .or_default() += 1;
        }
        let mut durations = self.durations.lock().unwrap_or_else(|p| p.into_inner());
        let h = durations.entry(key).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    pub fn render(&self, overlays: usize) -> String {
        let mut out = String::new();
        self.render_requests(&mut out);
        self.render_durations(&mut out);
        let gauges: [(&str, &str, &str, i128); 7] = [
            (
                "aicr_http_requests_in_flight",
                "gauge",
                "Requests being served.",
                i128::from(self.in_flight.load(Ordering::Relaxed)),
            ),
            (
                "aicr_rate_limit_rejects_total",
                "counter",
                "Requests refused by the rate limit.",
                i128::from(self.rate_limit_rejects.load(Ordering::Relaxed)),
            ),
            (
                "galley_bundle_builds_in_flight",
                "gauge",
                "Bundles being built.",
                i128::from(self.bundles_in_flight.load(Ordering::Relaxed)),
            ),
            (
                "galley_bundle_builds_rejected_total",
                "counter",
                "Bundle requests refused because the build cap was reached.",
                i128::from(self.bundles_busy.load(Ordering::Relaxed)),
            ),
            (
                "galley_bundle_cache_hits_total",
                "counter",
                "Bundle requests answered with a zip built before (same query, same body).",
                i128::from(self.bundle_cache_hits.load(Ordering::Relaxed)),
            ),
            (
                "galley_library_overlays",
                "gauge",
                "Overlays in the loaded library.",
                overlays as i128,
            ),
            (
                "galley_build_info",
                "gauge",
                "The galley version serving.",
                1,
            ),
        ];
        for (name, kind, help, value) in gauges {
            let labels = if name == "galley_build_info" {
                format!("{{version=\"{}\"}}", env!("CARGO_PKG_VERSION"))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name}{labels} {value}"
            );
        }
        out
    }

    fn render_requests(&self, out: &mut String) {
        out.push_str(
            "# HELP aicr_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE aicr_http_requests_total counter\n");
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        for ((method, path, status), n) in requests.iter() {
            let _ = writeln!(
                out,
                "aicr_http_requests_total{{method=\"{method}\",path=\"{path}\",status=\"{status}\"}} {n}"
            );
        }
    }

    fn render_durations(&self, out: &mut String) {
        out.push_str("# HELP aicr_http_request_duration_seconds HTTP request duration.\n");
        out.push_str("# TYPE aicr_http_request_duration_seconds histogram\n");
        let durations = self.durations.lock().unwrap_or_else(|p| p.into_inner());
        for ((method, path), h) in durations.iter() {
            let labels = format!("method=\"{method}\",path=\"{path}\"");
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "aicr_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "aicr_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\naicr_http_request_duration_seconds_sum{{{labels}}} {}\naicr_http_request_duration_seconds_count{{{labels}}} {}",
                h.count, h.sum, h.count
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.record("GET", "/v1/recipe", 200, 0.002);
        m.record("GET", "/v1/recipe", 400, 0.2);
        let text = m.render(3);
        assert!(text.contains(
            "aicr_http_requests_total{method=\"GET\",path=\"/v1/recipe\",status=\"200\"} 1"
        ));
        assert!(text.contains("le=\"0.0025\"} 1\n"), "{text}");
        assert!(text.contains("le=\"0.25\"} 2\n"), "{text}");
        assert!(text.contains("_count{method=\"GET\",path=\"/v1/recipe\"} 2"));
        assert!(text.contains("galley_library_overlays 3"));
    }
}
