//! The SystemD collector (`validate.md` §2.5): the properties of the configurable units,
//! through `systemctl show` (the reference asks D-Bus directly, which needs root). No
//! systemctl, or no systemd running, gives a `SystemD` measurement without subtypes and a
//! note. Values are kept as systemctl prints them (text).

use super::process;
use crate::measure::snapshot::{Measurement, Reading, Subtype};
use indexmap::IndexMap;
use std::path::Path;
use std::time::Duration;

/// The units the reference collects.
pub const UNITS: [&str; 3] = ["containerd.service", "docker.service", "kubelet.service"];

/// `program` is the `systemctl` to run, or why there is none (`not found`).
pub fn collect(
    program: Result<&Path, &str>,
    timeout: Duration,
    notes: &mut Vec<String>,
) -> Measurement {
    let mut m = Measurement {
        ty: "SystemD".into(),
        subtypes: Vec::new(),
    };
    let program = match program {
        Ok(p) => p,
        Err(why) => {
            notes.push(format!("systemctl {why}: no SystemD measurements"));
            return m;
        }
    };
    let mut args = vec!["show", "--no-pager"];
    args.extend(UNITS);
    match process::run(program, &args, timeout) {
        Ok(text) => m.subtypes = parse(&text, &UNITS),
        Err(e) => notes.push(format!("systemctl {e}: no SystemD measurements")),
    }
    m
}

/// `systemctl show u1 u2…` output: one block of `Key=Value` lines per unit, separated by
/// blank lines, in the order asked. Unit names come from `Id=` when present.
pub fn parse(text: &str, units: &[&str]) -> Vec<Subtype> {
    let mut out = Vec::new();
    for (i, block) in text
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .enumerate()
    {
        let mut data = IndexMap::new();
        let mut id = None;
        for line in block.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            if k == "Id" {
                id = Some(v.to_string());
            }
            if !filtered(k) {
                data.insert(k.to_string(), Reading::String(v.to_string()));
            }
        }
        data.sort_keys();
        let name = id.or_else(|| units.get(i).map(|u| u.to_string()));
        if let Some(name) = name {
            out.push(Subtype { name, data });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Keys the reference removes: noisy, host-specific or secret-adjacent.
fn filtered(key: &str) -> bool {
    matches!(
        key,
        "AllowedCPUs" | "AllowedMemoryNodes" | "Asserts" | "BPFProgram" | "BusName" | "Id"
    ) || key.contains("Credential")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_per_unit() {
        let text = "Id=containerd.service\nActiveState=active\nLoadCredential=x\n\nActiveState=inactive\nLoadState=not-found\n";
        let subs = parse(text, &UNITS);
        assert_eq!(subs.len(), 2);
        assert_eq!(subs[0].name, "containerd.service");
        assert!(!subs[0].data.contains_key("LoadCredential"));
        assert!(!subs[0].data.contains_key("Id"));
        assert_eq!(subs[1].name, "docker.service");
        assert_eq!(
            subs[1].data["LoadState"],
            Reading::String("not-found".into())
        );
    }
}
