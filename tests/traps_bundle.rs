//! Bundle trees say what they hold (issue 12 §4): folder numbers are consecutive, and every
//! README entry and `bundle.yaml` folder names something the bundle really has, for every
//! deployer.

use crate::support::*;
use galley::source::FileId;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const DEPLOYERS: [&str; 4] = ["helm", "argocd", "flux", "helmfile"];

/// KUBEFLOW has a component without a chart (manifests only); the dynamo target has remote
/// manifests (a `-pre` folder).
fn targets() -> [Vec<&'static str>; 2] {
    [
        KUBEFLOW.to_vec(),
        vec![
            "--service",
            "eks",
            "--accelerator",
            "h100",
            "--intent",
            "inference",
            "--os",
            "ubuntu",
            "--platform",
            "dynamo",
        ],
    ]
}

pub fn write_bundle(dir: &Path, deployer: &str, target: &[&str]) -> BTreeMap<String, String> {
    let out = run(galley()
        .arg("bundle")
        .args(target)
        .args([
            "--deployer",
            deployer,
            "--repo",
            "https://example.com/r.git",
            "-o",
        ])
        .arg(dir));
    assert!(out.status.success(), "{deployer}: {}", stderr(&out));
    files_with_ext(dir, &["yaml", "md", "sh", "txt", "tpl"])
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn yaml_docs(text: &str) -> Vec<Json> {
    galley::syntax::yaml::parse_documents(FileId(0), text)
        .unwrap_or_else(|d| panic!("{}\n{text}", d.message))
        .iter()
        .map(|n| serde_json::to_value(n.to_value()).unwrap())
        .collect()
}

/// The table rows of a Markdown section (header and separator left out).
fn table(readme: &str, heading: &str) -> Vec<Vec<String>> {
    readme
        .lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

fn names_list(cell: &str) -> BTreeSet<String> {
    cell.split(", ")
        .filter(|c| *c != "-")
        .map(str::to_string)
        .collect()
}

fn folders(tree: &BTreeMap<String, String>) -> BTreeSet<String> {
    tree.keys()
        .filter_map(|k| k.split_once('/'))
        .map(|(d, _)| d.to_string())
        .collect()
}

#[test]
fn folder_numbers_are_consecutive_and_bundle_yaml_names_real_folders() {
    let tmp = TempDir::new("traps-numbers");
    for (i, target) in targets().iter().enumerate() {
        for deployer in DEPLOYERS {
            let tree = write_bundle(
                &tmp.path().join(format!("{deployer}-{i}")),
                deployer,
                target,
            );
            let dirs = folders(&tree);
            let numbers: Vec<usize> = dirs
                .iter()
                .filter_map(|d| d.get(..3).and_then(|n| n.parse().ok()))
                .collect();
            let expected: Vec<usize> = (1..=numbers.len()).collect();
            assert_eq!(numbers, expected, "{deployer} {target:?}: {dirs:?}");
            let manifest = &yaml_docs(&tree["bundle.yaml"])[0];
            for c in manifest["components"].as_array().unwrap() {
                if let Some(folder) = c["folder"].as_str() {
                    assert!(
                        dirs.contains(folder),
                        "{deployer}: bundle.yaml names `{folder}`"
                    );
                }
            }
        }
    }
}

/// Name → dependencies of every Flux object in the tree.
fn flux_objects(tree: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (path, text) in tree
        .iter()
        .filter(|(p, _)| p.contains('/') && !p.starts_with("sources/"))
    {
        if !path.ends_with(".yaml") || path.contains("/templates/") {
            continue;
        }
        for doc in yaml_docs(text) {
            if matches!(doc["kind"].as_str(), Some("HelmRelease" | "Kustomization"))
                && doc["apiVersion"]
                    .as_str()
                    .is_some_and(|a| a.contains("fluxcd.io"))
            {
                let deps = doc["spec"]["dependsOn"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .map(|d| d["name"].as_str().unwrap().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                out.insert(doc["metadata"]["name"].as_str().unwrap().to_string(), deps);
            }
        }
    }
    out
}

/// Name → needs of every release in `helmfile.yaml`.
fn helmfile_releases(tree: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let doc = &yaml_docs(&tree["helmfile.yaml"])[0];
    doc["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let needs = r["needs"]
                .as_array()
                .map(|l| l.iter().map(|n| n.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (r["name"].as_str().unwrap().to_string(), needs)
        })
        .collect()
}

fn argocd_applications(tree: &BTreeMap<String, String>) -> BTreeSet<String> {
    tree.iter()
        .filter(|(p, _)| p.ends_with("/application.yaml"))
        .map(|(_, t)| {
            yaml_docs(t)[0]["metadata"]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn every_readme_entry_names_something_the_bundle_has() {
    let tmp = TempDir::new("traps-readme");
    for (i, target) in targets().iter().enumerate() {
        for deployer in DEPLOYERS {
            let tree = write_bundle(
                &tmp.path().join(format!("{deployer}-{i}")),
                deployer,
                target,
            );
            let readme = &tree["README.md"];
            let dirs = folders(&tree);
            for quoted in readme.split('`').skip(1).step_by(2) {
                // A folder is `NNN-name` (a digest may start with three digits too).
                if quoted.len() > 4
                    && quoted.as_bytes()[..3].iter().all(u8::is_ascii_digit)
                    && quoted.as_bytes()[3] == b'-'
                {
                    assert!(dirs.contains(quoted), "{deployer}: README names `{quoted}`");
                }
            }
            match deployer {
                "flux" => {
                    let objects = flux_objects(&tree);
                    let rows = table(readme, "## Resources");
                    let listed: BTreeMap<String, BTreeSet<String>> = rows
                        .iter()
                        .map(|r| (r[0].clone(), names_list(&r[4])))
                        .collect();
                    assert_eq!(listed, objects, "flux README vs. objects");
                }
                "helmfile" => {
                    let releases = helmfile_releases(&tree);
                    let rows = table(readme, "## Releases");
                    let listed: BTreeMap<String, BTreeSet<String>> = rows
                        .iter()
                        .map(|r| (r[0].clone(), names_list(&r[4])))
                        .collect();
                    assert_eq!(listed, releases, "helmfile README vs. helmfile.yaml");
                }
                "argocd" => {
                    let apps = argocd_applications(&tree);
                    let listed: BTreeSet<String> = table(readme, "## Applications")
                        .into_iter()
                        .map(|r| r[1].clone())
                        .collect();
                    assert_eq!(listed, apps, "argocd README vs. Applications");
                }
                _ => {
                    let listed = table(readme, "## Components");
                    assert!(!listed.is_empty());
                    for r in listed {
                        assert!(dirs.contains(r[0].trim_matches('`')), "helm README: {r:?}");
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// deploy.sh and undeploy.sh, run with fake `helm` and `kubectl` that log their arguments
// ---------------------------------------------------------------------------------------

/// A fake `helm`/`kubectl`: logs one line per call (the program and its arguments, one per
/// line, NUL-free) to `$FAKE_LOG/<pid>`, fails for the release in `$FAKE_FAIL`, and for the
/// releases in `$FAKE_BARRIER_NAMES` waits until all of them have started (so the run only
/// passes when they run at the same time).
const FAKE: &str = r#"#!/usr/bin/env bash
prog=$(basename "$0")
{ printf '%s' "$prog"; printf ' [%s]' "$@"; echo; } >> "$FAKE_LOG/$$.$RANDOM"
release=""
for ((i = 1; i <= $#; i++)); do
  if [[ ${!i} == --install || ${!i} == uninstall ]]; then
    j=$((i + 1)); release=${!j}; break
  fi
done
if [[ -n $release && " ${FAKE_BARRIER_NAMES:-} " == *" $release "* ]]; then
  touch "$FAKE_BARRIER/$release"
  for ((t = 0; t < 300; t++)); do
    n=0
    for r in $FAKE_BARRIER_NAMES; do [[ -e $FAKE_BARRIER/$r ]] && n=$((n + 1)); done
    [[ $n -eq $(wc -w <<< "$FAKE_BARRIER_NAMES") ]] && exit 0
    sleep 0.1
  done
  echo "barrier: $release ran alone" >&2
  exit 1
fi
[[ -n $release && $release == "${FAKE_FAIL:-}" ]] && exit 1
exit 0
"#;

struct Fakes {
    _tmp: TempDir,
    bin: std::path::PathBuf,
    log: std::path::PathBuf,
    barrier: std::path::PathBuf,
}

impl Fakes {
    fn new(tag: &str) -> Fakes {
        let tmp = TempDir::new(tag);
        let bin = tmp.path().join("bin");
        let log = tmp.path().join("log");
        let barrier = tmp.path().join("barrier");
        for d in [&bin, &log, &barrier] {
            std::fs::create_dir_all(d).unwrap();
        }
        for prog in ["helm", "kubectl"] {
            let p = bin.join(prog);
            std::fs::write(&p, FAKE).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Fakes {
            _tmp: tmp,
            bin,
            log,
            barrier,
        }
    }

    fn command(&self, program: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg(program);
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env("PATH", path)
            .env("FAKE_LOG", &self.log)
            .env("FAKE_BARRIER", &self.barrier)
            .env_remove("FAKE_FAIL")
            .env_remove("FAKE_BARRIER_NAMES");
        cmd
    }

    /// Every logged call, sorted (the calls of a wave come in any order).
    fn calls(&self) -> Vec<String> {
        let mut all: Vec<String> = std::fs::read_dir(&self.log)
            .unwrap()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .collect();
        all.sort();
        all
    }

    fn clear(&self) {
        for d in [&self.log, &self.barrier] {
            std::fs::remove_dir_all(d).unwrap();
            std::fs::create_dir_all(d).unwrap();
        }
    }
}

/// The release a logged `helm upgrade --install` call installs.
fn installed(call: &str) -> Option<&str> {
    call.split_once("[--install] [")
        .map(|(_, rest)| rest.split(']').next().unwrap())
}

fn graph_waves(target: &[&str]) -> Vec<Vec<String>> {
    let out = run(galley().arg("graph").args(target).args(["-t", "json"]));
    let doc: Json = serde_json::from_slice(&out.stdout).unwrap();
    doc["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            w.as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

fn helm_bundle(tmp: &TempDir, name: &str) -> std::path::PathBuf {
    let dir = tmp.path().join(name);
    write_bundle(&dir, "helm", &KUBEFLOW);
    dir
}

#[test]
fn deploy_runs_each_wave_in_parallel_with_the_kube_context() {
    let fakes = Fakes::new("traps-fake-waves");
    let tmp = TempDir::new("traps-waves");
    let dir = helm_bundle(&tmp, "b");
    let waves = graph_waves(&KUBEFLOW);
    assert!(waves[0].len() >= 3, "{waves:?}");
    let out = run(fakes
        .command(&dir.join("deploy.sh"))
        .args(["--kube-context", "lab", "--retries", "0"])
        .env("FAKE_BARRIER_NAMES", waves[0].join(" ")));
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = fakes.calls();
    let helm: Vec<&String> = calls.iter().filter(|c| c.starts_with("helm ")).collect();
    assert!(!helm.is_empty());
    for c in &helm {
        assert!(c.starts_with("helm [--kube-context] [lab] "), "{c}");
    }
    for c in calls.iter().filter(|c| c.starts_with("kubectl ")) {
        assert!(c.starts_with("kubectl [--context] [lab] "), "{c}");
    }
    let releases: BTreeSet<&str> = helm.iter().filter_map(|c| installed(c)).collect();
    for wave in &waves {
        for name in wave {
            let post = format!("{name}-post");
            assert!(
                releases.contains(name.as_str()) || releases.contains(post.as_str()),
                "{name} was not installed: {releases:?}"
            );
        }
    }
    // The output reports the waves in `galley graph`'s order.
    let err = stderr(&out);
    let positions: Vec<usize> = (1..=waves.len())
        .map(|i| {
            err.find(&format!("=== wave {i}: {}", waves[i - 1].join(" ")))
                .unwrap_or_else(|| panic!("wave {i}: {err}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{err}");
}

#[test]
fn a_failed_component_stops_the_deploy_after_its_wave() {
    let fakes = Fakes::new("traps-fake-fail");
    let tmp = TempDir::new("traps-fail");
    let dir = helm_bundle(&tmp, "b");
    let waves = graph_waves(&KUBEFLOW);
    let failing = &waves[0][0];
    let out = run(fakes
        .command(&dir.join("deploy.sh"))
        .args(["--retries", "0"])
        .env("FAKE_FAIL", failing));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("error: wave 1 failed: {failing}")),
        "{}",
        stderr(&out)
    );
    let calls = fakes.calls();
    let releases: BTreeSet<&str> = calls.iter().filter_map(|c| installed(c)).collect();
    for name in &waves[0] {
        assert!(
            releases.contains(name.as_str()),
            "the rest of wave 1 ran: {releases:?}"
        );
    }
    for name in waves[1..].iter().flatten() {
        assert!(
            !releases.iter().any(|r| r.starts_with(name.as_str())),
            "{name} ran after the failed wave"
        );
    }
    fakes.clear();
    let out = run(fakes
        .command(&dir.join("deploy.sh"))
        .args(["--retries", "0", "--best-effort"])
        .env("FAKE_FAIL", failing));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("Deployment finished with failures: {failing}")));
    let later = fakes
        .calls()
        .iter()
        .filter_map(|c| installed(c).map(str::to_string))
        .collect::<BTreeSet<_>>();
    assert!(
        later.contains(&waves[waves.len() - 1][0]),
        "--best-effort goes on: {later:?}"
    );
}

#[test]
fn deploy_only_one_component_and_refuse_an_unknown_one() {
    let fakes = Fakes::new("traps-fake-only");
    let tmp = TempDir::new("traps-only");
    let dir = helm_bundle(&tmp, "b");
    let out = run(fakes
        .command(&dir.join("deploy.sh"))
        .args(["--only", "gpu-operator"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let releases: BTreeSet<String> = fakes
        .calls()
        .iter()
        .filter_map(|c| installed(c).map(str::to_string))
        .collect();
    let expected: BTreeSet<String> = ["gpu-operator", "gpu-operator-post"]
        .map(String::from)
        .into();
    assert_eq!(releases, expected);
    fakes.clear();
    let out = run(fakes
        .command(&dir.join("deploy.sh"))
        .args(["--only", "gpu-operater"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no component 'gpu-operater'"), "{err}");
    assert!(err.contains("its components: aws-ebs-csi-driver "), "{err}");
    assert!(fakes.calls().is_empty(), "nothing ran");
}

/// `--dry-run` runs nothing and prints commands that, run by bash, make the same calls as
/// the real run (in a folder whose name needs quoting).
#[test]
fn dry_run_prints_commands_that_can_be_copied() {
    let fakes = Fakes::new("traps-fake-dry");
    let tmp = TempDir::new("traps-dry");
    let dir = helm_bundle(&tmp, "my bundle's $dir");
    for script in ["deploy.sh", "undeploy.sh"] {
        fakes.clear();
        let printed =
            run(fakes
                .command(&dir.join(script))
                .args(["--dry-run", "--kube-context", "lab one"]));
        assert!(printed.status.success(), "{script}: {}", stderr(&printed));
        assert!(
            fakes.calls().is_empty(),
            "{script} --dry-run ran {:?}",
            fakes.calls()
        );
        let commands = stdout(&printed);
        assert!(
            commands
                .lines()
                .all(|l| l.starts_with("helm ") || l.starts_with("kubectl ")),
            "{commands}"
        );
        assert!(
            commands.contains("--kube-context lab\\ one")
                || commands.contains("--context lab\\ one")
        );
        let mut child = fakes
            .command(Path::new("-s"))
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(commands.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
        let replayed = fakes.calls();
        fakes.clear();
        let real = run(fakes
            .command(&dir.join(script))
            .args(["--kube-context", "lab one"]));
        assert!(real.status.success(), "{script}: {}", stderr(&real));
        let ran: Vec<String> = fakes
            .calls()
            .into_iter()
            .filter(|c| !c.contains("[get] [namespaces]"))
            .collect();
        assert_eq!(replayed, ran, "{script}");
    }
}

#[test]
fn deploy_scripts_of_every_shape_pass_shellcheck() {
    let bin = std::env::var_os("GALLEY_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
        .join("bin/shellcheck");
    if !bin.exists() {
        let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "GALLEY_REQUIRE_TOOLS=1 but {} is missing",
            bin.display()
        );
        eprintln!("skipped: no shellcheck in {}", bin.display());
        return;
    }
    let tmp = TempDir::new("traps-shapes");
    let recipe = tmp.path().join("kustomize.yaml");
    std::fs::write(&recipe, KUSTOMIZE_ONLY).unwrap();
    let dir = tmp.path().join("k");
    let out = run(galley()
        .arg("bundle")
        .arg("-r")
        .arg(&recipe)
        .arg("-o")
        .arg(&dir));
    assert!(out.status.success(), "{}", stderr(&out));
    let charts = helm_bundle(&tmp, "charts");
    for d in [&dir, &charts] {
        let sc = std::process::Command::new(&bin)
            .arg(d.join("deploy.sh"))
            .arg(d.join("undeploy.sh"))
            .output()
            .unwrap();
        assert!(
            sc.status.success(),
            "{}",
            String::from_utf8_lossy(&sc.stdout)
        );
    }
}

const KUSTOMIZE_ONLY: &str = "kind: RecipeResult
apiVersion: aicr.nvidia.com/v1alpha1
metadata:
  version: \"0.1.0\"
criteria:
  service: eks
componentRefs:
  - name: demo
    namespace: demo
    type: Kustomize
    source: https://github.com/example/demo
    tag: v1.0.0
    path: deploy
deploymentOrder:
  - demo
";
