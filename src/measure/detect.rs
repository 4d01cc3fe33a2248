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
