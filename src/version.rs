//! Cluster versions: kernel, Kubernetes, driver and OS versions.
//!
//! Not semver. A version is an optional `v`, one to three numeric components, and an optional
//! suffix that starts with `-` or `+` (`6.8.0-1015-aws`, `v1.33.5-eks-3025e55`). The suffix is
//! kept for display but never compared. Ordering compares the components the two versions
//! both have (the lower precision), so `6.8.0-1015-aws >= 6.8` and `1.30.5 > 1.30` is false
//! but `1.30.5 >= 1.30` holds. See `docs/compat.md` for where this differs from the reference.

use std::cmp::Ordering;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClusterVersion {
    pub components: Vec<u64>,
    pub suffix: String,
    pub v_prefix: bool,
}

impl ClusterVersion {
    pub fn parse(text: &str) -> Option<ClusterVersion> {
        let text = text.trim();
        let (v_prefix, rest) = match text.strip_prefix(['v', 'V']) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let end = rest.find(['-', '+']).unwrap_or(rest.len());
        let (numbers, suffix) = rest.split_at(end);
        let components: Option<Vec<u64>> = numbers
            .split('.')
            .map(|c| {
                if c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit()) || c.len() > 18 {
                    None
                } else {
                    c.parse().ok()
                }
            })
            .collect();
        let components = components?;
        if components.is_empty() || components.len() > 3 || suffix == "-" || suffix == "+" {
            return None;
        }
        Some(ClusterVersion {
            components,
            suffix: suffix.to_string(),
            v_prefix,
        })
    }

    /// Compare on the components both versions have.
    pub fn compare(&self, other: &ClusterVersion) -> Ordering {
        self.components
            .iter()
            .zip(&other.components)
            .map(|(a, b)| a.cmp(b))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl fmt::Display for ClusterVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.v_prefix {
            f.write_str("v")?;
        }
        let parts: Vec<String> = self.components.iter().map(u64::to_string).collect();
        write!(f, "{}{}", parts.join("."), self.suffix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ClusterVersion {
        ClusterVersion::parse(s).unwrap()
    }

    #[test]
    fn parses_cluster_versions() {
        assert_eq!(v("6.8.0-1015-aws").components, vec![6, 8, 0]);
        assert_eq!(v("v1.33.5-eks-3025e55").suffix, "-eks-3025e55");
        assert_eq!(v("570.86.15").to_string(), "570.86.15");
        for bad in ["", "v", "1.2.3.4", "abc", "1..2", "1.x", "1-", "-1"] {
            assert!(ClusterVersion::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn compares_at_the_lower_precision() {
        assert_eq!(v("6.8.0-1028-aws").compare(&v("6.8")), Ordering::Equal);
        assert_eq!(
            v("v1.33.5-eks-3025e55").compare(&v("1.32.4")),
            Ordering::Greater
        );
        assert_eq!(v("1.30").compare(&v("1.34")), Ordering::Less);
    }
}
