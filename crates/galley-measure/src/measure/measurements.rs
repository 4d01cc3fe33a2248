//! Every reading the constraint checker may look up, keyed by the name constraints use.
//!
//! A snapshot reading `Type` / `subtype` / `key` is found under `Type.subtype.key`, the
//! reference's constraint name, whatever dots or slashes the subtype or key contain: the
//! reference splits a name at its first two dots and so cannot reach a SystemD unit
//! (`SystemD.containerd.service.ActiveState`); here the name is matched whole against the
//! readings that exist. Validator results add readings under the names recipes use
//! (`nccl-all-reduce-bw`, `Deployment.gpu-operator.version`). A name is also accepted in
//! galley's bracket form: `SystemD["containerd.service"].ActiveState`.

use crate::measure::snapshot::{Reading, Snapshot};
use std::collections::HashMap;

/// One reading: the path segments it was stored under, its value, and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub segments: Vec<String>,
    pub reading: Reading,
    pub source: String,
}

#[derive(Clone, Debug, Default)]
pub struct Measurements {
    by_name: HashMap<String, Entry>,
}

impl Measurements {
    pub fn new() -> Self {
        Measurements::default()
    }

    /// Every reading of a snapshot. Later readings with the same name replace earlier ones
    /// (the reference reads the first; a snapshot with duplicates is ambiguous either way).
    pub fn add_snapshot(&mut self, snapshot: &Snapshot, source: &str) {
        for m in &snapshot.measurements {
            for s in &m.subtypes {
                for (key, reading) in &s.data {
                    let segments = vec![m.ty.clone(), s.name.clone(), key.clone()];
                    self.add(segments, reading.clone(), source);
                }
            }
        }
    }

    /// A reading at a path given as segments (`["nccl-all-reduce-bw"]`).
    pub fn add(&mut self, segments: Vec<String>, reading: Reading, source: &str) {
        let name = segments.join(".");
        self.by_name.insert(
            name,
            Entry {
                segments,
                reading,
                source: source.to_string(),
            },
        );
    }

    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.by_name
            .get(name)
            .or_else(|| self.by_name.get(&dotted(name)?))
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Whether any reading has the first two segments given (a subtype was measured).
    pub fn has_subtype(&self, ty: &str, subtype: &str) -> bool {
        self.by_name
            .values()
            .any(|e| e.segments.len() == 3 && e.segments[0] == ty && e.segments[1] == subtype)
    }
}

/// Segments of a name in galley's bracket form, `A["b.c"].d` → `A`, `b.c`, `d`; `None` for
/// text with no brackets or malformed ones.
pub fn bracket_segments(name: &str) -> Option<Vec<String>> {
    if !name.contains('[') {
        return None;
    }
    let mut segments = Vec::new();
    let mut rest = name;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]")?;
            segments.push(after[..end].to_string());
            rest = &after[end + 2..];
        } else {
            let rest_trim = rest.strip_prefix('.').unwrap_or(rest);
            if rest_trim.len() != rest.len() && segments.is_empty() {
                return None;
            }
            let end = rest_trim.find(['.', '[']).unwrap_or(rest_trim.len());
            if end == 0 {
                return None;
            }
            segments.push(rest_trim[..end].to_string());
            rest = &rest_trim[end..];
        }
    }
    Some(segments)
}

fn dotted(name: &str) -> Option<String> {
    bracket_segments(name).map(|s| s.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_units_and_slashed_keys_are_addressable() {
        let mut m = Measurements::new();
        let r = |s: &str| Reading::String(s.into());
        m.add(
            vec![
                "SystemD".into(),
                "containerd.service".into(),
                "ActiveState".into(),
            ],
            r("active"),
            "snap",
        );
        m.add(
            vec![
                "OS".into(),
                "sysctl".into(),
                "/proc/sys/kernel/osrelease".into(),
            ],
            r("6.8.0-1028-aws"),
            "snap",
        );
        assert!(m.get("SystemD.containerd.service.ActiveState").is_some());
        assert!(
            m.get(r#"SystemD["containerd.service"].ActiveState"#)
                .is_some()
        );
        assert!(m.get("OS.sysctl./proc/sys/kernel/osrelease").is_some());
        assert!(
            m.get(r#"OS.sysctl["/proc/sys/kernel/osrelease"]"#)
                .is_some()
        );
        assert!(m.get("SystemD.containerd.ActiveState").is_none());
        assert!(m.has_subtype("SystemD", "containerd.service"));
    }

    #[test]
    fn bracket_names_split() {
        assert_eq!(
            bracket_segments(r#"GPU.smi["gpu.model"]"#),
            Some(vec!["GPU".into(), "smi".into(), "gpu.model".into()])
        );
        for bad in [r#"A["b"#, r#"[".x"#, "A..[\"b\"]"] {
            assert_eq!(bracket_segments(bad), None, "{bad}");
        }
        assert_eq!(bracket_segments("A.b"), None);
    }
}
