//! Criteria from a snapshot (the reference's `ExtractCriteriaFromSnapshot`,
//! `recipe-engine.md` §7): the service from the API server's version string, the
//! accelerator from the GPU model, the OS from os-release `ID`. Intent, platform and node
//! count are never detected.

use crate::check::stdlib::Dimensions;
use crate::measure::snapshot::{Reading, Snapshot};
use crate::resolve::criteria::Query;

/// What was detected, and from which reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    pub dimension: &'static str,
    pub value: String,
    pub from: String,
}

pub fn detect(snapshot: &Snapshot, dims: &Dimensions) -> (Query, Vec<Detected>) {
    let mut query = Query::any();
    let mut found: Vec<Detected> = Vec::new();
    let mut set = |query: &mut Query, dim: &'static str, value: &str, from: String| {
        if query.set(dims, dim, value).is_ok() && query.get(dim) != "any" {
            found.retain(|d| d.dimension != dim);
            found.push(Detected {
                dimension: dim,
                value: query.get(dim).to_string(),
                from,
            });
        }
    };
    for s in snapshot.subtypes("K8s").filter(|s| s.name == "server") {
        if let Some(Reading::String(v)) = s.data.get("service") {
            set(&mut query, "service", v, "K8s.server.service".into());
        }
        if let Some(Reading::String(v)) = s.data.get("version") {
            let service = [("-eks-", "eks"), ("-gke", "gke"), ("-aks", "aks")]
                .iter()
                .find(|(marker, _)| v.contains(marker))
                .map(|(_, s)| *s);
            if let Some(service) = service {
                set(
                    &mut query,
                    "service",
                    service,
                    format!("K8s.server.version `{v}`"),
                );
            }
        }
    }
    let accelerators = accelerator_names(dims);
    for s in snapshot
        .subtypes("GPU")
        .filter(|s| s.name == "smi" || s.name == "device")
    {
        for key in ["gpu.model", "model"] {
            if key == "model" && query.get("accelerator") != "any" {
                continue;
            }
            if let Some(Reading::String(model)) = s.data.get(key) {
                let lower = model.to_ascii_lowercase();
                if let Some(a) = accelerators.iter().find(|a| lower.contains(a.as_str())) {
                    set(
                        &mut query,
                        "accelerator",
                        a,
                        format!("GPU.{}.{key} `{model}`", s.name),
                    );
                }
            }
        }
    }
    for s in snapshot.subtypes("OS").filter(|s| s.name == "release") {
        if let Some(Reading::String(id)) = s.data.get("ID") {
            set(&mut query, "os", id, format!("OS.release.ID `{id}`"));
        }
    }
    (query, found)
}

/// The fabric class a snapshot reports (`Network.fabric.class`), the key of a bound's table;
/// not a criteria dimension, so it never narrows the query.
pub fn fabric_class(snapshot: &Snapshot) -> Option<&str> {
    snapshot
        .subtypes("Network")
        .filter(|s| s.name == "fabric")
        .find_map(|s| text(s, "class"))
        .filter(|c| !c.trim().is_empty())
}

/// Accelerator values, longest first so `gb200` is tried before `b200`.
fn accelerator_names(dims: &Dimensions) -> Vec<String> {
    let mut names: Vec<String> = dims
        .map
        .get("accelerator")
        .map(|d| d.values.iter().cloned().collect())
        .unwrap_or_default();
    names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    names
}

/// A dimension a snapshot did not give a value for, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undetected {
    pub dimension: &'static str,
    pub reason: String,
}

/// The dimensions never detected from a snapshot.
pub const NEVER_DETECTED: [&str; 3] = ["intent", "platform", "nodes"];

/// Why each detectable dimension (service, accelerator, os) that [`detect`] did not find a
/// value for was not found, in that order.
pub fn undetected(snapshot: &Snapshot, dims: &Dimensions, found: &[Detected]) -> Vec<Undetected> {
    let missing = |dim: &str| !found.iter().any(|d| d.dimension == dim);
    let mut out = Vec::new();
    if missing("service") {
        out.push(Undetected {
            dimension: "service",
            reason: service_reason(snapshot, dims),
        });
    }
    if missing("accelerator") {
        out.push(Undetected {
            dimension: "accelerator",
            reason: accelerator_reason(snapshot, dims),
        });
    }
    if missing("os") {
        out.push(Undetected {
            dimension: "os",
            reason: os_reason(snapshot, dims),
        });
    }
    out
}

/// `` `debian` (from `OS.release.ID`) is not a value of dimension `os` (valid: …) ``.
fn not_a_value(dims: &Dimensions, dim: &str, value: &str, from: &str) -> String {
    if dims.normalise(dim, value).as_deref() == Ok("any") {
        return format!("`{value}` (from `{from}`) stands for any {dim}");
    }
    let how = if dim == "accelerator" {
        "names no value"
    } else {
        "is not a value"
    };
    let valid: Vec<&str> = dims
        .map
        .get(dim)
        .map(|d| d.values.iter().map(String::as_str).collect())
        .unwrap_or_default();
    format!(
        "`{value}` (from `{from}`) {how} of dimension `{dim}` (valid: {})",
        valid.join(", ")
    )
}

fn text<'s>(s: &'s crate::measure::snapshot::Subtype, key: &str) -> Option<&'s str> {
    match s.data.get(key) {
        Some(Reading::String(v)) => Some(v.as_str()),
        _ => None,
    }
}

fn service_reason(snapshot: &Snapshot, dims: &Dimensions) -> String {
    let servers: Vec<_> = snapshot
        .subtypes("K8s")
        .filter(|s| s.name == "server")
        .collect();
    if servers.is_empty() {
        return "the snapshot has no `K8s.server` readings".into();
    }
    for s in &servers {
        if let Some(v) = text(s, "service").filter(|v| !v.trim().is_empty()) {
            return not_a_value(dims, "service", v, "K8s.server.service");
        }
    }
    match servers.iter().find_map(|s| text(s, "version")) {
        Some(v) => format!(
            "`K8s.server.version` `{v}` names no managed service (`-eks-`, `-gke`, `-aks`), and there is no `K8s.server.service`"
        ),
        None => "the snapshot has neither `K8s.server.service` nor `K8s.server.version`".into(),
    }
}

fn accelerator_reason(snapshot: &Snapshot, dims: &Dimensions) -> String {
    let gpus: Vec<_> = snapshot
        .subtypes("GPU")
        .filter(|s| s.name == "smi" || s.name == "device")
        .collect();
    if gpus.is_empty() {
        return "the snapshot has no `GPU.smi` or `GPU.device` readings".into();
    }
    for s in &gpus {
        for key in ["gpu.model", "model"] {
            if let Some(model) = text(s, key) {
                let from = format!("GPU.{}.{key}", s.name);
                return not_a_value(dims, "accelerator", model, &from);
            }
        }
    }
    "the snapshot has no GPU model (`GPU.smi.gpu.model` or `GPU.device.model`)".into()
}

fn os_reason(snapshot: &Snapshot, dims: &Dimensions) -> String {
    let releases: Vec<_> = snapshot
        .subtypes("OS")
        .filter(|s| s.name == "release")
        .collect();
    if releases.is_empty() {
        return "the snapshot has no `OS.release` readings".into();
    }
    match releases.iter().find_map(|s| text(s, "ID")) {
        Some(id) if !id.trim().is_empty() => not_a_value(dims, "os", id, "OS.release.ID"),
        _ => "the snapshot has no `OS.release.ID`".into(),
    }
}
