//! Cluster versions: kernel, Kubernetes, driver and OS versions.
//!
//! Not semver. A version is an optional `v`, one to three numeric components, and an optional
//! suffix that starts with `-` or `+` (`6.8.0-1015-aws`, `v1.33.5-eks-3025e55`). The suffix is
//! kept for display but never compared.
//!
//! Two relations, both documented in `docs/measure.md`:
//!
//! - [`ClusterVersion::cmp_numeric`], the order `>= <= > <` use: missing components count as
//!   zero, so `1.30` is `1.30.0`. `6.8.0-1028-aws >= 6.8` and `1.30.5 > 1.30` hold; `2.0.0 <
//!   2.0` does not. It is a total order on the numbers (the reference compares at the lower
//!   precision of the two, so for it `1.30.5 > 1.30` is false).
//! - [`ClusterVersion::matches`], what `==` and `!=` use: the actual version agrees with the
//!   expected one on every component the expected one writes. `v1.32.4 == 1.32` holds (a
//!   1.32 cluster), `v1.32.4 == 1.32.0` does not (the reference's `==` pads with zeros and
//!   calls both false).

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

    /// The order of `>= <= > <`: components compared in turn, a missing one counting as
    /// zero; the suffix is ignored.
    pub fn cmp_numeric(&self, other: &ClusterVersion) -> Ordering {
        let at = |v: &ClusterVersion, i: usize| v.components.get(i).copied().unwrap_or(0);
        (0..3)
            .map(|i| at(self, i).cmp(&at(other, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }

    /// `self == expected` as constraints mean it: equal on every component `expected`
    /// writes, so `v1.32.4` matches `1.32` and `1.32.4` but not `1.32.0` or `1`.`3`.
    pub fn matches(&self, expected: &ClusterVersion) -> bool {
        expected
            .components
            .iter()
            .enumerate()
            .all(|(i, c)| self.components.get(i).copied().unwrap_or(0) == *c)
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
    fn orders_with_missing_components_as_zero() {
        let o = |a: &str, b: &str| v(a).cmp_numeric(&v(b));
        assert_eq!(o("6.8.0-1028-aws", "6.8"), Ordering::Equal);
        assert_eq!(o("v1.33.5-eks-3025e55", "1.32.4"), Ordering::Greater);
        assert_eq!(o("1.30.5", "1.30"), Ordering::Greater);
        assert_eq!(o("2.0.0", "2.0"), Ordering::Equal);
        assert_eq!(o("1.30", "1.34"), Ordering::Less);
        assert_eq!(o("570.86.15", "570.124.06"), Ordering::Less);
    }

    #[test]
    fn equality_is_a_prefix_match_at_the_expected_precision() {
        assert!(v("v1.32.4").matches(&v("1.32")));
        assert!(v("v1.32.4-eks-1").matches(&v("1.32.4")));
        assert!(!v("v1.32.4").matches(&v("1.32.0")));
        assert!(!v("v1.33.0").matches(&v("1.32")));
        assert!(v("24.4").matches(&v("24.04")));
        assert!(v("1.32").matches(&v("1.32.0")));
    }

    mod laws {
        use super::*;
        use proptest::prelude::*;

        fn version() -> impl Strategy<Value = ClusterVersion> {
            (
                proptest::collection::vec(0u64..4, 1..=3),
                prop_oneof![Just(""), Just("-1015-aws"), Just("+k3s1")],
                any::<bool>(),
            )
                .prop_map(|(components, suffix, v_prefix)| ClusterVersion {
                    components,
                    suffix: suffix.to_string(),
                    v_prefix,
                })
        }

        proptest! {
            #[test]
            fn display_round_trips(a in version()) {
                prop_assert_eq!(ClusterVersion::parse(&a.to_string()), Some(a));
            }

            #[test]
            fn the_order_is_total(a in version(), b in version(), c in version()) {
                prop_assert_eq!(a.cmp_numeric(&a), Ordering::Equal);
                prop_assert_eq!(a.cmp_numeric(&b), b.cmp_numeric(&a).reverse());
                if a.cmp_numeric(&b).is_le() && b.cmp_numeric(&c).is_le() {
                    prop_assert!(a.cmp_numeric(&c).is_le());
                }
                if a.cmp_numeric(&b).is_eq() {
                    prop_assert_eq!(a.cmp_numeric(&c), b.cmp_numeric(&c));
                }
            }

            #[test]
            fn trailing_zeros_and_suffixes_do_not_order(a in version()) {
                let mut padded = a.clone();
                padded.components.resize(3, 0);
                padded.suffix = "-x".into();
                prop_assert_eq!(a.cmp_numeric(&padded), Ordering::Equal);
                prop_assert!(padded.matches(&a));
            }

            #[test]
            fn a_match_is_within_the_expected_series(a in version(), e in version()) {
                if a.matches(&e) {
                    prop_assert!(a.cmp_numeric(&e).is_ge());
                    let mut next = e.clone();
                    if let Some(last) = next.components.last_mut() {
                        *last += 1;
                    }
                    prop_assert!(a.cmp_numeric(&next).is_lt());
                }
                prop_assert_eq!(a.matches(&e), a.cmp_numeric(&e).is_eq() || (
                    e.components.len() < 3 && a.components.len() > e.components.len()
                        && a.components[..e.components.len()] == e.components[..]
                ));
            }
        }
    }
}
