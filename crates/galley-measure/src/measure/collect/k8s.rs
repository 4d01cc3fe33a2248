//! The Kubernetes and NodeTopology collectors (`validate.md` §2.6–2.7), through `kubectl`
//! (its own kubeconfig discovery: `KUBECONFIG`, `~/.kube/config`, in-cluster). No kubectl,
//! or no cluster answering `kubectl version`, skips both with a note. Otherwise: the API
//! server's version, the image of every container, the GPU Operator's ClusterPolicy `spec`
//! flattened, this node (`NODE_NAME`, `KUBERNETES_NODE_NAME`, `HOSTNAME`), and every node's
//! taints and labels.

use super::process;
use crate::measure::snapshot::{Measurement, Reading, Subtype};
use indexmap::IndexMap;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

type Data = IndexMap<String, Reading>;

/// `program` is the `kubectl` to run, or why there is none (`not found`).
pub fn collect(
    program: Result<&Path, &str>,
    node_name: Option<&str>,
    timeout: Duration,
    notes: &mut Vec<String>,
) -> Vec<Measurement> {
    let kubectl = match program {
        Ok(p) => p,
        Err(why) => {
            notes.push(format!(
                "kubectl {why}: no K8s or NodeTopology measurements"
            ));
            return Vec::new();
        }
    };
    let deadline = Instant::now() + timeout;
    let get = |args: &[&str]| -> Result<Json, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        let text = process::run(kubectl, args, left).map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| format!("output is not JSON: {e}"))
    };
    let version = match get(&["version", "-o", "json"]) {
        Ok(v) if v.get("serverVersion").is_some() => v,
        Ok(_) | Err(_) => {
            notes.push(
                "no cluster reachable through kubectl: no K8s or NodeTopology measurements".into(),
            );
            return Vec::new();
        }
    };
    let mut fetch = |name: &str, args: &[&str]| match get(args) {
        Ok(v) => v,
        Err(e) => {
            notes.push(format!(
                "K8s.{name} left out: kubectl {} {e}",
                args.join(" ")
            ));
            Json::Null
        }
    };
    let nodes = fetch("node", &["get", "nodes", "-o", "json"]);
    let pods = fetch("image", &["get", "pods", "--all-namespaces", "-o", "json"]);
    let policies = fetch(
        "policy",
        &["get", "clusterpolicies.nvidia.com", "-o", "json"],
    );
    let sub = |name: &str, data: Data| Subtype {
        name: name.into(),
        data,
    };
    let k8s = Measurement {
        ty: "K8s".into(),
        subtypes: vec![
            sub("server", server(&version)),
            sub("image", images(&pods)),
            sub("policy", policy(&policies)),
            sub("node", node(&nodes, node_name)),
        ],
    };
    let mut out = vec![k8s];
    if !nodes.is_null() {
        out.push(topology(&nodes));
    }
    out
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

fn server(v: &Json) -> Data {
    let s = &v["serverVersion"];
    [
        ("version", "gitVersion"),
        ("platform", "platform"),
        ("goVersion", "goVersion"),
    ]
    .iter()
    .filter_map(|(k, f)| s.get(*f).map(|x| (k.to_string(), Reading::String(text(x)))))
    .collect()
}

fn items(v: &Json) -> &[Json] {
    v["items"].as_array().map_or(&[], Vec::as_slice)
}

/// Image short name → tag, for every container of every pod.
pub fn images(pods: &Json) -> Data {
    let mut out = BTreeMap::new();
    for pod in items(pods) {
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            for c in pod["spec"][list].as_array().into_iter().flatten() {
                if let Some(image) = c["image"].as_str() {
                    let (name, tag) = split_image(image);
                    out.insert(name, tag);
                }
            }
        }
    }
    out.into_iter()
        .map(|(k, v)| (k, Reading::String(v)))
        .collect()
}

/// `registry/path/name:tag@digest` → (`name`, `tag`); no tag is `latest`.
pub fn split_image(image: &str) -> (String, String) {
    let last = image.rsplit('/').next().unwrap_or(image);
    let last = last.split('@').next().unwrap_or(last);
    match last.rsplit_once(':') {
        Some((n, t)) => (n.to_string(), t.to_string()),
        None => (last.to_string(), "latest".to_string()),
    }
}

/// Every ClusterPolicy's `spec`, flattened to dotted keys; later policies win.
pub fn policy(list: &Json) -> Data {
    let mut out = BTreeMap::new();
    for p in items(list) {
        flatten("", &p["spec"], &mut out);
    }
    out.into_iter()
        .map(|(k, v)| (k, Reading::String(v)))
        .collect()
}

fn flatten(prefix: &str, v: &Json, out: &mut BTreeMap<String, String>) {
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        Json::Array(a) if a.is_empty() => {}
        Json::Null => {}
        other if !prefix.is_empty() => {
            out.insert(prefix.to_string(), text(other));
        }
        _ => {}
    }
}

fn node(nodes: &Json, name: Option<&str>) -> Data {
    let mut d = Data::new();
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return d;
    };
    let Some(n) = items(nodes).iter().find(|n| n["metadata"]["name"] == name) else {
        return d;
    };
    let mut put = |k: &str, v: &Json| {
        let t = text(v);
        if !t.is_empty() {
            d.insert(k.to_string(), Reading::String(t));
        }
    };
    put("source-node", &Json::String(name.to_string()));
    let provider_id = text(&n["spec"]["providerID"]);
    if let Some((prefix, _)) = provider_id.split_once("://") {
        let provider = match prefix {
            "aws" => "eks".to_string(),
            "gce" => "gke".to_string(),
            "azure" => "aks".to_string(),
            "oci" => "oke".to_string(),
            other => other.to_ascii_lowercase(),
        };
        put("provider", &Json::String(provider));
    }
    put("provider-id", &n["spec"]["providerID"]);
    let info = &n["status"]["nodeInfo"];
    let runtime = text(&info["containerRuntimeVersion"]);
    put("container-runtime-id", &info["containerRuntimeVersion"]);
    if let Some((rname, rversion)) = runtime.split_once("://") {
        put("container-runtime-name", &Json::String(rname.into()));
        put("container-runtime-version", &Json::String(rversion.into()));
    }
    put("kubelet-version", &info["kubeletVersion"]);
    put("kernel-version", &info["kernelVersion"]);
    put("operating-system", &info["operatingSystem"]);
    put("os-image", &info["osImage"]);
    d
}

/// Node count, taints and labels, grouped with the nodes that carry them.
pub fn topology(nodes: &Json) -> Measurement {
    let mut taints: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    let mut labels: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let list = items(nodes);
    for n in list {
        let name = text(&n["metadata"]["name"]);
        for t in n["spec"]["taints"].as_array().into_iter().flatten() {
            let key = (text(&t["key"]), text(&t["effect"]), text(&t["value"]));
            taints.entry(key).or_default().push(name.clone());
        }
        for (k, v) in n["metadata"]["labels"].as_object().into_iter().flatten() {
            labels
                .entry((k.clone(), text(v)))
                .or_default()
                .push(name.clone());
        }
    }
    let count =
        |key: &str, keys: &mut dyn Iterator<Item = &String>| keys.filter(|k| *k == key).count();
    let mut taint = Data::new();
    for ((key, effect, value), mut names) in taints.clone() {
        names.sort();
        let nodes = names.join(",");
        if count(&key, &mut taints.keys().map(|k| &k.0)) > 1 {
            taint.insert(
                format!("{key}.{effect}"),
                Reading::String(format!("{value}|{nodes}")),
            );
        } else {
            taint.insert(key, Reading::String(format!("{effect}|{value}|{nodes}")));
        }
    }
    let mut label = Data::new();
    for ((key, value), mut names) in labels.clone() {
        names.sort();
        let nodes = names.join(",");
        if count(&key, &mut labels.keys().map(|k| &k.0)) > 1 {
            label.insert(
                format!("{key}.{value}"),
                Reading::String(format!("{value}|{nodes}")),
            );
        } else {
            label.insert(key, Reading::String(format!("{value}|{nodes}")));
        }
    }
    taint.sort_keys();
    label.sort_keys();
    let summary = Data::from([
        ("node-count".to_string(), Reading::Int(list.len() as i64)),
        ("taint-count".to_string(), Reading::Int(taint.len() as i64)),
        ("label-count".to_string(), Reading::Int(label.len() as i64)),
    ]);
    let sub = |name: &str, data: Data| Subtype {
        name: name.into(),
        data,
    };
    Measurement {
        ty: "NodeTopology".into(),
        subtypes: vec![
            sub("summary", summary),
            sub("taint", taint),
            sub("label", label),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_names() {
        assert_eq!(
            split_image("nvcr.io/nvidia/gpu-operator:v25.3.3"),
            ("gpu-operator".into(), "v25.3.3".into())
        );
        assert_eq!(split_image("pause"), ("pause".into(), "latest".into()));
        assert_eq!(
            split_image("r:5000/a/b:1@sha256:abc"),
            ("b".into(), "1".into())
        );
    }

    #[test]
    fn policy_flattens() {
        let p = policy(
            &json!({"items": [{"spec": {"driver": {"version": "570", "enabled": true}, "x": [], "l": [1]}}]}),
        );
        assert_eq!(p["driver.version"], Reading::String("570".into()));
        assert_eq!(p["driver.enabled"], Reading::String("true".into()));
        assert_eq!(p["l"], Reading::String("[1]".into()));
        assert!(!p.contains_key("x"));
    }

    #[test]
    fn topology_groups() {
        let nodes = json!({"items": [
            {"metadata": {"name": "b", "labels": {"arch": "amd64", "gpu": "h100"}},
             "spec": {"taints": [{"key": "gpu", "effect": "NoSchedule", "value": "true"}]}},
            {"metadata": {"name": "a", "labels": {"arch": "amd64", "gpu": "a100"}},
             "spec": {"taints": [{"key": "gpu", "effect": "NoExecute", "value": "true"}]}}
        ]});
        let m = topology(&nodes);
        let d = |s: usize, k: &str| m.subtypes[s].data[k].to_string();
        assert_eq!(d(0, "node-count"), "2");
        assert_eq!(d(1, "gpu.NoExecute"), "true|a");
        assert_eq!(d(2, "arch"), "amd64|a,b");
        assert_eq!(d(2, "gpu.h100"), "h100|b");
    }
}
