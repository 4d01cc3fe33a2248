//! What an operator limits: requests per client (a token bucket per IP address) and the
//! criteria values the server answers for (allowlists).

use super::error::ApiError;
use crate::check::stdlib::Dimensions;
use crate::resolve::criteria::Query;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before full ones are forgotten (a full bucket is the same as none).
const MAX_CLIENTS: usize = 10_000;

/// A token bucket per client: `rate` tokens a second, at most `burst`.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// What the limiter says about one request, for the `X-RateLimit-*` headers.
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full again (or, when refused, until one token is back).
    pub reset: u64,
}

impl RateLimiter {
    /// `None` when `rate` is 0: no limit.
    pub fn new(rate: u32, burst: u32) -> Option<RateLimiter> {
        (rate > 0).then(|| RateLimiter {
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    pub fn check(&self, client: IpAddr, now: Instant) -> Verdict {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.burst, now));
        let refilled = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * self.rate)
            .min(self.burst);
        let allowed = refilled >= 1.0;
        *tokens = if allowed { refilled - 1.0 } else { refilled };
        *at = now;
        let wait = if allowed {
            (self.burst - *tokens) / self.rate
        } else {
            (1.0 - *tokens) / self.rate
        };
        Verdict {
            allowed,
            limit: self.rate as u32,
            remaining: tokens.floor() as u32,
            reset: wait.ceil().max(if allowed { 0.0 } else { 1.0 }) as u64,
        }
    }
}

/// Criteria values the server answers for, per dimension; a dimension not named allows all.
#[derive(Debug, Default)]
pub struct Allowlist(BTreeMap<String, BTreeSet<String>>);

/// The reference's variables and the dimension each limits.
pub const ENV_VARS: [(&str, &str); 4] = [
    ("AICR_ALLOWED_ACCELERATORS", "accelerator"),
    ("AICR_ALLOWED_SERVICES", "service"),
    ("AICR_ALLOWED_INTENTS", "intent"),
    ("AICR_ALLOWED_OS", "os"),
];

impl Allowlist {
    /// From `--allow DIM=V1,V2` flags and the `AICR_ALLOWED_*` variables (`env` gives each
    /// variable's value); every value is checked against the library's dimensions.
    pub fn build(
        flags: &[String],
        env: impl Fn(&str) -> Option<String>,
        dims: &Dimensions,
    ) -> Result<Allowlist, String> {
        let mut list = Allowlist::default();
        for (var, dim) in ENV_VARS {
            if let Some(raw) = env(var).filter(|v| !v.trim().is_empty()) {
                list.add(dim, &raw, dims)
                    .map_err(|e| format!("{var}: {e}"))?;
            }
        }
        for flag in flags {
            let (dim, values) = flag.split_once('=').ok_or_else(|| {
                format!("invalid --allow `{flag}`: expected DIMENSION=VALUE[,VALUE...]")
            })?;
            let dim = if dim.trim() == "gpu" {
                "accelerator"
            } else {
                dim.trim()
            };
            list.add(dim, values, dims)
                .map_err(|e| format!("invalid --allow `{flag}`: {e}"))?;
        }
        Ok(list)
    }

    fn add(&mut self, dim: &str, values: &str, dims: &Dimensions) -> Result<(), String> {
        let set = self.0.entry(dim.to_string()).or_default();
        for raw in values.split(',').filter(|v| !v.trim().is_empty()) {
            let value = dims
                .normalise(dim, raw)
                .map_err(|e| crate::resolve::criteria::invalid_value(dims, dim, raw, e))?;
            set.insert(value);
        }
        Ok(())
    }

    /// The values a dimension is limited to, when it is.
    pub fn values(&self, dim: &str) -> Option<Vec<&str>> {
        self.0
            .get(dim)
            .map(|s| s.iter().map(String::as_str).collect())
    }

    /// Refuse a target that names a value outside a list (`any` is always allowed).
    pub fn check(&self, query: &Query) -> Result<(), ApiError> {
        for (dim, allowed) in &self.0 {
            let value = query.get(dim);
            if value != "any" && !allowed.contains(value) {
                let list: Vec<&str> = allowed.iter().map(String::as_str).collect();
                return Err(ApiError::bad_request(format!(
                    "{dim} `{value}` is not allowed on this server; allowed: {}, any",
                    list.join(", ")
                ))
                .with_details(serde_json::json!({
                    "error": format!("{dim} `{value}` is not allowed on this server"),
                    "dimension": dim,
                    "value": value,
                    "allowed": list,
                })));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_allows_the_burst_then_refuses_then_refills() {
        let limiter = RateLimiter::new(10, 3).unwrap();
        let ip: IpAddr = [127, 0, 0, 1].into();
        let t = Instant::now();
        for left in [2, 1, 0] {
            let v = limiter.check(ip, t);
            assert!(v.allowed);
            assert_eq!(v.remaining, left);
        }
        let v = limiter.check(ip, t);
        assert!(!v.allowed);
        assert!(v.reset >= 1);
        assert!(limiter.check(ip, t + Duration::from_millis(150)).allowed);
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(limiter.check(other, t).allowed);
    }

    #[test]
    fn zero_rate_turns_the_limit_off() {
        assert!(RateLimiter::new(0, 200).is_none());
    }
}
