//! Every deployer's output for every leaf overlay of the library, checked by the real tools
//! that will consume it (installed into `.tools/` by `make tools`):
//!
//! - `sha256sum -c checksums.txt` in every bundle;
//! - yamllint (`scripts/yamllint.yaml`) on every YAML file outside `templates/`;
//! - shellcheck on `deploy.sh` and `undeploy.sh`;
//! - `helm lint` and `helm template` on every local chart, and every component
//!   `values.yaml` through a stub chart (Helm must read it);
//! - the Argo CD and Flux CRD schemas (`scripts/validate-crd.mjs`) on every document;
//! - `kubernetes-validate --strict` on the core kinds (rendered manifests, repository
//!   secrets);
//! - `helmfile build`, `helmfile lint` and `helmfile template --skip-deps` with remote
//!   charts rewritten to the stub (the local charts stay as generated).
//!
//! `make test` sets `GALLEY_REQUIRE_TOOLS=1`, so a missing tool fails the test there; a
//! bare `cargo test` without the tools skips it with a message.

use crate::support::{KUBEFLOW, TempDir, galley, root, run, stderr};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const TOOLS: [&str; 8] = [
    "helm",
    "helm3",
    "helmfile",
    "kubectl",
    "shellcheck",
    "yamllint",
    "kubernetes-validate",
    "validate-crd",
];

const REPO: &str = "https://github.com/example/gpu-gitops.git";

fn tools_bin() -> PathBuf {
    std::env::var_os("GALLEY_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
        .join("bin")
}

/// The tools, or `None` (after saying why) when they are not installed and not required.
fn tools() -> Option<PathBuf> {
    let bin = tools_bin();
    let missing: Vec<&str> = TOOLS
        .iter()
        .copied()
        .filter(|t| !bin.join(t).exists())
        .collect();
    if missing.is_empty() {
        return Some(bin);
    }
    let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "GALLEY_REQUIRE_TOOLS=1 but {} are missing from {}; run `make tools`",
        missing.join(", "),
        bin.display()
    );
    eprintln!(
        "skipped: {} not installed in {} (run `make tools`)",
        missing.join(", "),
        bin.display()
    );
    None
}

fn tool(bin: &Path, name: &str) -> Command {
    let mut cmd = Command::new(bin.join(name));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(paths).expect("PATH"));
    cmd.env(
        "HELM_CACHE_HOME",
        std::env::temp_dir().join("galley-helm-cache"),
    );
    cmd.env(
        "HELM_CONFIG_HOME",
        std::env::temp_dir().join("galley-helm-config"),
    );
    cmd.env(
        "HELM_DATA_HOME",
        std::env::temp_dir().join("galley-helm-data"),
    );
    cmd
}

#[track_caller]
fn check(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// Leaf overlays (no other overlay extends them) with their criteria as flags.
fn leaf_targets() -> Vec<(String, Vec<String>)> {
    use galley::data::{DataSet, Root};
    let data = DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()]);
    let (lib, diags) = galley::check::check(data);
    assert!(!diags.has_errors());
    let parents: BTreeSet<&str> = lib
        .overlays
        .values()
        .filter_map(|o| o.parent.as_deref())
        .collect();
    lib.overlays
        .values()
        .filter(|o| !parents.contains(o.name.as_str()))
        .filter_map(|o| {
            let c = o.criteria.as_ref()?;
            let mut flags: Vec<String> = c
                .values
                .iter()
                .flat_map(|(k, v)| [format!("--{k}"), v.clone()])
                .collect();
            if flags.is_empty() {
                // An overlay for every target (monitoring-hpa): the most general query.
                flags = vec!["--service".into(), "any".into()];
            }
            Some((o.name.clone(), flags))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn stub_chart(dir: &Path) -> PathBuf {
    let stub = dir.join("stub");
    std::fs::create_dir_all(stub.join("templates")).unwrap();
    std::fs::write(
        stub.join("Chart.yaml"),
        "apiVersion: v2\nname: stub\nversion: 0.1.0\n",
    )
    .unwrap();
    // Every value is read (toYaml walks the whole tree) and its kinds are reported, so a
    // test can see what type Helm gave a value.
    std::fs::write(
        stub.join("templates/values.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stub\ndata:\n  checksum: {{ toYaml .Values | sha256sum | quote }}\n{{- range $k, $v := .Values }}\n  kind-{{ $k | replace \".\" \"-\" | replace \"/\" \"-\" }}: {{ kindOf $v | quote }}\n{{- end }}\n",
    )
    .unwrap();
    stub
}

#[test]
fn every_leaf_bundle_passes_the_real_tools() {
    let Some(bin) = tools() else { return };
    let work = TempDir::new("bundle-tools");
    let targets = leaf_targets();
    assert!(targets.len() >= 10, "only {} leaf overlays", targets.len());
    let deployers = ["helm", "argocd", "flux", "helmfile"];
    let mut bundles: Vec<(String, PathBuf)> = Vec::new();
    for (name, flags) in &targets {
        for d in deployers {
            let out = work.path().join(name).join(d);
            let result = run(galley()
                .arg("bundle")
                .args(flags)
                .args(["--deployer", d, "--repo", REPO, "-o"])
                .arg(&out)
                .args([
                    "--system-node-selector",
                    "nodeGroup=system",
                    "--accelerated-node-selector",
                    "nodeGroup=gpu",
                    "--accelerated-node-toleration",
                    "nvidia.com/gpu=present:NoSchedule",
                    "--workload-selector",
                    "app=training",
                ]));
            assert!(
                result.status.success(),
                "bundle {name} --deployer {d}: {}",
                stderr(&result)
            );
            bundles.push((d.to_string(), out));
        }
    }

    let stub = stub_chart(work.path());
    let mut yaml = Vec::new();
    let mut scripts = Vec::new();
    let mut crd_docs = Vec::new();
    let mut charts: BTreeMap<Vec<u8>, PathBuf> = BTreeMap::new();
    let mut values: BTreeMap<Vec<u8>, PathBuf> = BTreeMap::new();
    for (deployer, dir) in &bundles {
        check(
            Command::new("sha256sum")
                .args(["-c", "--quiet", "checksums.txt"])
                .current_dir(dir),
            &format!("sha256sum -c in {}", dir.display()),
        );
        let mut files = Vec::new();
        walk(dir, &mut files);
        for f in files {
            let rel = f.strip_prefix(dir).unwrap().to_string_lossy().to_string();
            let in_templates = rel.contains("/templates/");
            if rel.ends_with(".sh") {
                scripts.push(f.clone());
            }
            if !rel.ends_with(".yaml") || in_templates {
                continue;
            }
            yaml.push(f.clone());
            let parent = f.parent().unwrap().to_path_buf();
            let is_chart = parent.join("Chart.yaml").exists();
            if rel.ends_with("Chart.yaml") {
                // A local chart, deduplicated by its content.
                let mut key = Vec::new();
                let mut chart_files = Vec::new();
                walk(&parent, &mut chart_files);
                for c in chart_files {
                    key.extend(c.strip_prefix(&parent).unwrap().to_string_lossy().bytes());
                    key.extend(std::fs::read(&c).unwrap());
                }
                charts.entry(key).or_insert(parent);
            } else if rel.ends_with("/values.yaml") && !is_chart {
                values
                    .entry(std::fs::read(&f).unwrap())
                    .or_insert(f.clone());
            } else if matches!(deployer.as_str(), "argocd" | "flux") {
                crd_docs.push(f.clone());
            }
        }
    }

    // yamllint, in batches.
    for batch in yaml.chunks(200) {
        check(
            tool(&bin, "yamllint")
                .args(["--strict", "-c"])
                .arg(root().join("scripts/yamllint.yaml"))
                .args(batch),
            "yamllint",
        );
    }
    check(
        tool(&bin, "shellcheck").args(&scripts),
        "shellcheck deploy.sh/undeploy.sh",
    );
    let crd = check(
        Command::new("node")
            .arg(root().join("scripts/validate-crd.mjs"))
            .args(&crd_docs)
            .env("GALLEY_TOOLS", tools_bin().parent().unwrap()),
        "Argo CD / Flux CRD schemas",
    );
    let valid: usize = crd
        .lines()
        .find_map(|l| l.strip_prefix("validate-crd: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        valid >= targets.len() * 10,
        "only {valid} documents were schema-checked:\n{crd}"
    );

    // Local charts: lint and render; rendered core kinds go to kubernetes-validate.
    let rendered = work.path().join("rendered");
    std::fs::create_dir_all(&rendered).unwrap();
    let mut core_files = Vec::new();
    for (i, chart) in charts.values().enumerate() {
        check(
            tool(&bin, "helm").arg("lint").arg(chart),
            &format!("helm lint {}", chart.display()),
        );
        let text = check(
            tool(&bin, "helm")
                .args(["template", "release", "--namespace", "test-ns"])
                .arg(chart),
            &format!("helm template {}", chart.display()),
        );
        let mut docs: Vec<String> = vec![String::new()];
        for line in text.lines() {
            if line.starts_with("---") {
                docs.push(String::new());
            } else {
                let last = docs.last_mut().unwrap();
                last.push_str(line);
                last.push('\n');
            }
        }
        let core: Vec<&String> = docs
            .iter()
            .filter(|doc| {
                doc.lines().any(|l| {
                    l == "apiVersion: v1"
                        || l.starts_with("apiVersion: apps/")
                        || l.starts_with("apiVersion: rbac.authorization.k8s.io/")
                        || l.starts_with("apiVersion: batch/")
                        || l.starts_with("apiVersion: scheduling.k8s.io/")
                })
            })
            .collect();
        if !core.is_empty() {
            let f = rendered.join(format!("chart-{i}.yaml"));
            let body: String = core.iter().map(|d| format!("---\n{d}")).collect();
            std::fs::write(&f, body).unwrap();
            core_files.push(f);
        }
    }
    assert!(!charts.is_empty(), "no local charts were generated");
    // Argo CD repository secrets are core kinds too.
    for (deployer, dir) in &bundles {
        if deployer == "argocd" && dir.join("repositories").exists() {
            let mut files = Vec::new();
            walk(&dir.join("repositories"), &mut files);
            core_files.extend(files);
        }
    }
    assert!(!core_files.is_empty());
    check(
        tool(&bin, "kubernetes-validate")
            .args(["--strict", "--quiet", "-k", "1.33.0"])
            .args(&core_files),
        "kubernetes-validate --strict",
    );

    // Every component values.yaml through the stub chart, with Helm 4 and Helm 3.
    for f in values.values() {
        for helm in ["helm", "helm3"] {
            check(
                tool(&bin, helm)
                    .args(["template", "x"])
                    .arg(&stub)
                    .arg("-f")
                    .arg(f),
                &format!("{helm} template stub -f {}", f.display()),
            );
        }
    }

    // helmfile: build as written; lint and template with remote charts on the stub.
    for (deployer, dir) in &bundles {
        if deployer != "helmfile" {
            continue;
        }
        let text = std::fs::read_to_string(dir.join("helmfile.yaml")).unwrap();
        let rewritten: String = text
            .lines()
            .map(|l| match l.trim_start().strip_prefix("chart: ") {
                Some(chart) if !chart.starts_with("./") => {
                    format!(
                        "{}chart: {}\n",
                        &l[..l.len() - l.trim_start().len()],
                        stub.display()
                    )
                }
                _ => format!("{l}\n"),
            })
            .collect();
        std::fs::write(dir.join("helmfile.stub.yaml"), rewritten).unwrap();
        // `build` pulls OCI charts (no network here), so it too reads the rewritten copy:
        // only `chart:` lines differ, so the strict decode of the state is the same.
        for cmd in ["build", "lint", "template"] {
            check(
                tool(&bin, "helmfile")
                    .args(["--helm-binary"])
                    .arg(bin.join("helm3"))
                    .args(["-f", "helmfile.stub.yaml", cmd])
                    .args((cmd != "build").then_some("--skip-deps"))
                    .current_dir(dir),
                &format!("helmfile {cmd} in {}", dir.display()),
            );
        }
    }
}

/// Strings a YAML 1.1 reader takes for booleans stay strings all the way into Helm.
#[test]
fn helm_reads_ambiguous_strings_as_strings() {
    let Some(bin) = tools() else { return };
    let work = TempDir::new("bundle-strings");
    let out = work.path().join("b");
    let result = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .arg("-o")
        .arg(&out)
        .args([
            "--set",
            "cert-manager:country=NO",
            "--set",
            "cert-manager:answer=yes",
            "--set",
            "cert-manager:switch=on",
            "--set",
            "cert-manager:version=1.10",
            "--set",
            "cert-manager:flag=true",
            "--set",
            "cert-manager:ratio=1.5",
        ]));
    assert!(result.status.success(), "{}", stderr(&result));
    let values = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-cert-manager"))
        .expect("cert-manager folder")
        .join("values.yaml");
    let stub = stub_chart(work.path());
    for helm in ["helm", "helm3"] {
        let text = check(
            tool(&bin, helm)
                .args(["template", "x"])
                .arg(&stub)
                .arg("-f")
                .arg(&values),
            "helm template",
        );
        for (key, kind) in [
            ("country", "string"),
            ("answer", "string"),
            ("switch", "string"),
            ("flag", "bool"),
            ("version", "string"),
            ("ratio", "float64"),
        ] {
            assert!(
                text.contains(&format!("kind-{key}: \"{kind}\"")),
                "{helm}: `{key}` should be a {kind}:\n{text}"
            );
        }
    }
}

/// A recipe file whose components are the given `componentRefs` entries (YAML, indented
/// as list items).
fn recipe_of(dir: &Path, name: &str, refs: &str, order: &[&str]) -> PathBuf {
    let order: String = order.iter().map(|c| format!("  - {c}\n")).collect();
    let text = format!(
        "kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\nmetadata:\n  version: \"0.1.0\"\ncriteria:\n  service: kind\ncomponentRefs:\n{refs}deploymentOrder:\n{order}"
    );
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

const KUSTOMIZE_REF: &str = "  - name: my-app\n    namespace: my-app\n    type: Kustomize\n    source: https://github.com/example/repo\n    path: config/default\n    tag: v1.0.0\n";
const CHART_REF: &str = "  - name: cert-manager\n    namespace: cert-manager\n    chart: cert-manager\n    type: Helm\n    source: https://charts.jetstack.io\n    version: v1.17.2\n";

#[test]
fn every_bundle_shape_gives_shellcheck_clean_scripts() {
    let Some(bin) = tools() else { return };
    let work = TempDir::new("bundle-shapes");
    let shapes: [(&str, String, &[&str]); 3] = [
        ("kustomize-only", KUSTOMIZE_REF.into(), &["my-app"]),
        ("chart-only", CHART_REF.into(), &["cert-manager"]),
        (
            "chart-and-kustomize",
            format!("{CHART_REF}{KUSTOMIZE_REF}"),
            &["cert-manager", "my-app"],
        ),
    ];
    for (name, refs, order) in shapes {
        let recipe = recipe_of(work.path(), name, &refs, order);
        let out_dir = work.path().join(format!("{name}-bundle"));
        let out = run(galley()
            .args(["bundle", "-r"])
            .arg(&recipe)
            .arg("-o")
            .arg(&out_dir));
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        check(
            tool(&bin, "shellcheck")
                .arg(out_dir.join("deploy.sh"))
                .arg(out_dir.join("undeploy.sh")),
            &format!("shellcheck ({name})"),
        );
    }
}
