//! `galley bundle`: inputs, flags, hostile recipes, atomic output, determinism.

use crate::support::{KUBEFLOW, TempDir, galley, read_tree, run, stderr};
use std::collections::BTreeMap;
use std::path::Path;

fn bundle(out: &Path, args: &[&str]) -> std::process::Output {
    run(galley().arg("bundle").args(args).arg("-o").arg(out))
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn values_of<'t>(tree: &'t BTreeMap<String, Vec<u8>>, component: &str) -> &'t str {
    let key = tree
        .keys()
        .find(|k| {
            k.ends_with("/values.yaml")
                && k.split('/')
                    .next()
                    .is_some_and(|d| d.get(4..) == Some(component))
        })
        .unwrap_or_else(|| panic!("no values.yaml for {component}"));
    std::str::from_utf8(&tree[key]).unwrap()
}

#[test]
fn helm_layout_is_numbered_in_deployment_order_and_checksummed() {
    let t = TempDir::new("bundle-layout");
    let out = t.path().join("b");
    let o = bundle(&out, &KUBEFLOW);
    assert!(o.status.success(), "{}", stderr(&o));
    let tree = read_tree(&out);
    let recipe = run(galley().arg("recipe").args(KUBEFLOW).args(["-t", "json"]));
    let doc: serde_json::Value = serde_json::from_slice(&recipe.stdout).unwrap();
    let order: Vec<&str> = doc["deploymentOrder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut dirs: Vec<&str> = tree
        .keys()
        .filter_map(|k| k.split_once('/').map(|(d, _)| d))
        .filter(|d| !d.ends_with("-post"))
        .collect();
    dirs.dedup();
    let names: Vec<&str> = dirs.iter().map(|d| &d[4..]).collect();
    assert_eq!(names, order, "folders follow the deployment order");
    let mut numbers: Vec<usize> = tree
        .keys()
        .filter_map(|k| k.split_once('/'))
        .map(|(d, _)| d[..3].parse().unwrap())
        .collect();
    numbers.dedup();
    assert_eq!(
        numbers,
        (1..=numbers.len()).collect::<Vec<_>>(),
        "numbered 001.. without gaps"
    );
    // Every file but checksums.txt and galley's output marker is listed, sorted, with its
    // real digest.
    let sums = std::str::from_utf8(&tree["checksums.txt"]).unwrap();
    let listed: Vec<&str> = sums.lines().map(|l| &l[66..]).collect();
    assert!(tree.contains_key(".galley-output"));
    let expected: Vec<&str> = tree
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "checksums.txt" && *k != ".galley-output")
        .collect();
    assert_eq!(listed, expected);
    for line in sums.lines() {
        use sha2::Digest;
        let (hash, path) = line.split_once("  ").unwrap();
        let digest = sha2::Sha256::digest(&tree[path]);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, hex, "{path}");
    }
    for f in [
        "README.md",
        "deploy.sh",
        "undeploy.sh",
        "recipe.yaml",
        "bundle.yaml",
    ] {
        assert!(tree.contains_key(f), "{f}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("deploy.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "deploy.sh is executable");
    }
    let manifest = std::str::from_utf8(&tree["bundle.yaml"]).unwrap();
    assert!(manifest.contains("deployer: helm"));
    assert!(manifest.contains(&format!("galleyVersion: \"{}\"", env!("CARGO_PKG_VERSION"))));
    let fingerprint = doc["metadata"].as_object().map(|_| ()).is_some();
    assert!(fingerprint);
    // gpu-operator has manifests: its chart is followed by a local chart.
    assert!(
        tree.keys()
            .any(|k| k.ends_with("-gpu-operator-post/Chart.yaml"))
    );
    assert!(
        tree.keys()
            .any(|k| k.ends_with("-gpu-operator-post/templates/dcgm-exporter.yaml"))
    );
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    let t = TempDir::new("bundle-threads");
    for deployer in ["helm", "argocd", "flux", "helmfile"] {
        let mut trees = Vec::new();
        for threads in ["1", "4"] {
            let out = t.path().join(format!("{deployer}-{threads}"));
            let o = run(galley()
                .env("GALLEY_THREADS", threads)
                .arg("bundle")
                .args(KUBEFLOW)
                .args([
                    "--deployer",
                    deployer,
                    "--repo",
                    "https://github.com/example/gitops.git",
                ])
                .arg("-o")
                .arg(&out));
            assert!(o.status.success(), "{}", stderr(&o));
            trees.push(read_tree(&out));
        }
        assert_eq!(trees[0], trees[1], "{deployer}");
    }
}

#[test]
fn set_under_a_name_and_its_aliases_combine() {
    let t = TempDir::new("bundle-set");
    let out = t.path().join("b");
    let mut args = KUBEFLOW.to_vec();
    args.extend([
        "--set",
        "gpu-operator:driver.version=999.99.99",
        "--set",
        "gpuoperator:custom.count=01",
        "--set",
        "gpuoperator:custom.ratio=1.5",
    ]);
    let o = bundle(&out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let tree = read_tree(&out);
    let values = values_of(&tree, "gpu-operator");
    assert!(values.contains("version: 999.99.99"), "{values}");
    assert!(values.contains("count: \"01\"\n"), "{values}");
    assert!(values.contains("ratio: 1.5\n"), "{values}");
    assert!(values.starts_with("# Generated by Cloud Native Stack\n---\n"));
}

#[test]
fn bad_sets_are_errors_with_suggestions() {
    let t = TempDir::new("bundle-badset");
    let cases: [(&str, &str); 4] = [
        ("gpu-operater:a=1", "did you mean `gpu-operator`?"),
        (
            "gpu-operator:driver.version.x=1",
            "galley::bundle::set-path",
        ),
        (
            "gpu-operator:enabled=maybe",
            "`enabled` takes true or false",
        ),
        ("gpu-operator", "expected COMPONENT:path=value"),
    ];
    for (i, (set, expect)) in cases.iter().enumerate() {
        let out = t.path().join(format!("b{i}"));
        let mut args = KUBEFLOW.to_vec();
        args.extend(["--set", set]);
        let o = bundle(&out, &args);
        assert_eq!(code(&o), 2, "{set}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{set}: {}", stderr(&o));
        assert!(!out.exists(), "{set}: a failed bundle leaves nothing");
    }
}

#[test]
fn enabled_false_drops_a_component_unless_others_need_it() {
    let t = TempDir::new("bundle-enabled");
    let out = t.path().join("a");
    let mut args = KUBEFLOW.to_vec();
    args.extend(["--set", "nvsentinel:enabled=false"]);
    let o = bundle(&out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let tree = read_tree(&out);
    assert!(!tree.keys().any(|k| k.contains("nvsentinel")));
    assert!(!String::from_utf8_lossy(&tree["deploy.sh"]).contains("nvsentinel"));
    // The recipe lists no such component; it records the `--set` that dropped it.
    let recipe = String::from_utf8_lossy(&tree["recipe.yaml"]);
    assert!(!recipe.contains("name: nvsentinel"), "{recipe}");
    assert!(
        recipe.contains("- --set nvsentinel:enabled=false"),
        "{recipe}"
    );
    assert!(!values_of(&tree, "gpu-operator").contains("enabled: false"));

    let out = t.path().join("b");
    let mut args = KUBEFLOW.to_vec();
    args.extend(["--set", "cert-manager:enabled=false"]);
    let o = bundle(&out, &args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("galley::bundle::disabled-dependency"));
    assert!(!out.exists());
}

#[test]
fn existing_output_is_refused_without_force() {
    let t = TempDir::new("bundle-force");
    let out = t.path().join("b");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "x").unwrap();
    let o = bundle(&out, &KUBEFLOW);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(out.join("keep.txt").exists());
    let mut args = KUBEFLOW.to_vec();
    args.push("--force");
    // A directory galley did not write is refused even with --force.
    let o = bundle(&out, &args);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(out.join("keep.txt").exists());
    // One galley wrote is replaced.
    std::fs::remove_dir_all(&out).unwrap();
    assert!(bundle(&out, &KUBEFLOW).status.success());
    std::fs::write(out.join("keep.txt"), "x").unwrap();
    let o = bundle(&out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("keep.txt").exists());
}

#[test]
fn gitops_deployers_need_a_repo() {
    let t = TempDir::new("bundle-repo");
    for d in ["argocd", "flux"] {
        let out = t.path().join(d);
        let mut args = KUBEFLOW.to_vec();
        args.extend(["--deployer", d]);
        let o = bundle(&out, &args);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        assert!(stderr(&o).contains("galley::bundle::repo"));
        let mut args = KUBEFLOW.to_vec();
        args.extend(["--deployer", d, "--repo", "https://x/$(id)"]);
        let o = bundle(&out, &args);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
    }
}

#[test]
fn argocd_uses_the_repo_everywhere_and_waves_follow_depth() {
    let t = TempDir::new("bundle-argo");
    let out = t.path().join("b");
    let repo = "https://github.com/example/gitops.git";
    let mut args = KUBEFLOW.to_vec();
    args.extend(["--deployer", "argocd", "--repo", repo]);
    let o = bundle(&out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let tree = read_tree(&out);
    let text = |k: &str| String::from_utf8_lossy(&tree[k]).into_owned();
    let app = |name: &str| {
        let key = tree
            .keys()
            .find(|k| k.ends_with(&format!("-{name}/application.yaml")))
            .unwrap();
        text(key)
    };
    assert!(
        !tree
            .values()
            .any(|v| String::from_utf8_lossy(v).contains("{{ .RepoURL }}"))
    );
    // cert-manager needs nothing; nvsentinel needs cert-manager and gpu-operator.
    assert!(app("cert-manager").contains("argocd.argoproj.io/sync-wave: \"0\""));
    let gpu = app("gpu-operator");
    assert!(gpu.contains(&format!("repoURL: {repo}")) && gpu.contains("ref: values"));
    assert!(gpu.contains("path: "), "manifests as a path source");
    assert!(
        app("aws-efa").contains("sync-wave: \"0\""),
        "independent components share wave 0"
    );
    // OCI charts: registry path without the scheme, tag verbatim.
    let kai = app("kai-scheduler");
    assert!(
        kai.contains("repoURL: ghcr.io/nvidia/kai-scheduler"),
        "{kai}"
    );
    assert!(kai.contains("targetRevision: v0.13.0"), "{kai}");
    assert!(tree.keys().any(|k| k.starts_with("repositories/")));
    assert!(text("app-of-apps.yaml").contains(repo));
    assert!(text("README.md").contains("resource.customizations.health.argoproj.io_Application"));
}

#[test]
fn flux_and_helmfile_wire_dependencies() {
    let t = TempDir::new("bundle-flux");
    let repo = "https://github.com/example/gitops.git";
    let out = t.path().join("flux");
    let mut args = KUBEFLOW.to_vec();
    args.extend(["--deployer", "flux", "--repo", repo]);
    let o = bundle(&out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let tree = read_tree(&out);
    let find = |suffix: &str| {
        let k = tree
            .keys()
            .find(|k| k.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix}"));
        String::from_utf8_lossy(&tree[k]).into_owned()
    };
    let nvs = find("-nvsentinel/helmrelease.yaml");
    assert!(nvs.contains("releaseName: nvsentinel"));
    assert!(nvs.contains("targetNamespace: nvsentinel"));
    assert!(nvs.contains("createNamespace: true"));
    // nvsentinel needs gpu-operator, whose manifests release is its last step.
    assert!(nvs.contains("name: gpu-operator-post"), "{nvs}");
    assert!(
        nvs.contains("kind: OCIRepository"),
        "nvsentinel is an OCI chart: {nvs}"
    );
    let oci = find("sources/ocirepository-kai-scheduler.yaml");
    assert!(oci.contains("tag: v0.13.0"), "{oci}");
    let kust = find("kustomization.yaml");
    for k in tree
        .keys()
        .filter(|k| k.ends_with("helmrelease.yaml") || k.starts_with("sources/"))
    {
        assert!(
            kust.contains(k.as_str()),
            "{k} listed in kustomization.yaml"
        );
    }

    let out = t.path().join("helmfile");
    let mut args = KUBEFLOW.to_vec();
    args.extend(["--deployer", "helmfile"]);
    let o = bundle(&out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let hf = String::from_utf8_lossy(&read_tree(&out)["helmfile.yaml"]).into_owned();
    assert!(hf.contains("oci: true"));
    assert!(hf.contains("- gpu-operator/gpu-operator-post"), "{hf}");
    assert!(hf.contains("- cert-manager/cert-manager"), "{hf}");
}

/// A recipe file written by `galley recipe` bundles to the same values as the criteria.
#[test]
fn a_recipe_file_bundles_like_its_criteria() {
    let t = TempDir::new("bundle-file");
    let recipe = t.path().join("recipe.yaml");
    let o = run(galley().arg("recipe").args(KUBEFLOW).arg("-o").arg(&recipe));
    assert!(o.status.success(), "{}", stderr(&o));
    let a = t.path().join("a");
    let b = t.path().join("b");
    assert!(bundle(&a, &KUBEFLOW).status.success());
    let o = bundle(&b, &["-r", recipe.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (ta, tb) = (read_tree(&a), read_tree(&b));
    let values = |t: &BTreeMap<String, Vec<u8>>| {
        t.iter()
            .filter(|(k, _)| k.ends_with("values.yaml") || k.contains("/templates/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(values(&ta), values(&tb));
    let o = bundle(
        &t.path().join("c"),
        &["-r", recipe.to_str().unwrap(), "--service", "eks"],
    );
    assert_eq!(code(&o), 2, "criteria and a recipe file are exclusive");
}

fn hostile_recipe(dir: &Path, field: &str, value: &str) -> std::path::PathBuf {
    let mut component = BTreeMap::from([
        ("name", "cert-manager".to_string()),
        ("namespace", "cert-manager".to_string()),
        ("chart", "cert-manager".to_string()),
        ("type", "Helm".to_string()),
        ("source", "https://charts.jetstack.io".to_string()),
        ("version", "v1.17.2".to_string()),
        (
            "valuesFile",
            "components/cert-manager/values.yaml".to_string(),
        ),
    ]);
    component.insert(field, value.to_string());
    let mut text = String::from(
        "kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\ncriteria:\n  service: eks\ncomponentRefs:\n",
    );
    let mut first = true;
    for (k, v) in &component {
        let lead = if first { "  - " } else { "    " };
        first = false;
        text.push_str(&format!(
            "{lead}{k}: {}\n",
            serde_json::to_string(v).unwrap()
        ));
    }
    let path = dir.join(format!("{field}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn hostile_recipe_fields_are_rejected_and_nothing_is_written() {
    let t = TempDir::new("bundle-hostile");
    let cases = [
        ("name", "cert-manager; rm -rf /"),
        ("name", "../escape"),
        ("namespace", "cert/manager"),
        ("namespace", "$(id)"),
        ("version", "1.0 && curl evil"),
        ("version", "`id`"),
        ("source", "https://charts.jetstack.io/$(id)"),
        ("source", "https://charts.jetstack.io/a b"),
        ("chart", "../../etc"),
    ];
    for (i, (field, value)) in cases.iter().enumerate() {
        let recipe = hostile_recipe(t.path(), field, value);
        let out = t.path().join(format!("out{i}"));
        let o = bundle(&out, &["-r", recipe.to_str().unwrap()]);
        assert_eq!(code(&o), 1, "{field}={value}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("galley::bundle::unsafe-field"),
            "{field}={value}: {}",
            stderr(&o)
        );
        assert!(!out.exists(), "{field}={value}: nothing written");
    }
    // A manifest that leaves the data root, and a values file that does not exist.
    let recipe = hostile_recipe(t.path(), "manifestFiles", "");
    let text = std::fs::read_to_string(&recipe).unwrap().replace(
        "    manifestFiles: \"\"\n",
        "    manifestFiles: [\"../../../etc/passwd\"]\n",
    );
    std::fs::write(&recipe, text).unwrap();
    let out = t.path().join("manifest");
    let o = bundle(&out, &["-r", recipe.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("galley::bundle::manifest"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let recipe = hostile_recipe(
        t.path(),
        "valuesFile",
        "components/cert-manager/missing.yaml",
    );
    let out = t.path().join("values");
    let o = bundle(&out, &["-r", recipe.to_str().unwrap()]);
    assert_ne!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("galley::bundle::values-file"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn malformed_recipe_files_exit_2() {
    let t = TempDir::new("bundle-malformed");
    let cases = [
        ("empty", ""),
        ("syntax", "kind: RecipeResult\ncomponentRefs: [\n"),
        ("kind", "kind: Snapshot\n"),
        ("shape", "kind: RecipeResult\ncomponentRefs: 7\n"),
        (
            "refs",
            "kind: RecipeResult\ncomponentRefs:\n  - namespace: x\n",
        ),
        ("none", "kind: RecipeResult\ncomponentRefs: []\n"),
        (
            "criteria",
            "kind: RecipeResult\ncriteria: {service: mars}\ncomponentRefs:\n  - name: cert-manager\n",
        ),
    ];
    for (name, text) in cases {
        let path = t.path().join(format!("{name}.yaml"));
        std::fs::write(&path, text).unwrap();
        let o = bundle(&t.path().join(name), &["-r", path.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("galley::result::"),
            "{name}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn scheduling_flags_reach_the_registry_paths() {
    let t = TempDir::new("bundle-sched");
    let out = t.path().join("b");
    let mut args = KUBEFLOW.to_vec();
    args.extend([
        "--workload-gate",
        "skyhook.nvidia.com=runtime-required:NoSchedule",
        "--nodes",
        "8",
        "--workload-selector",
        "app=train",
    ]);
    let o = bundle(&out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let tree = read_tree(&out);
    let sky = values_of(&tree, "skyhook-operator");
    assert!(sky.contains("estimatedNodeCount: 8\n"), "{sky}");
    assert!(
        sky.contains("runtimeRequiredTaint: skyhook.nvidia.com=runtime-required:NoSchedule"),
        "{sky}"
    );
    // No toleration flag: tolerate everything (the reference's default).
    assert!(
        sky.contains("    tolerations:\n        - operator: Exists\n"),
        "{sky}"
    );
    let cust = values_of(&tree, "skyhook-customizations");
    assert!(
        cust.contains("workloadSelector:\n    app: train\n"),
        "{cust}"
    );
    for bad in [
        ["--system-node-toleration", "k=v:Sometimes"],
        ["--workload-gate", "novalue"],
        ["--accelerated-node-selector", "noequals"],
        ["--nodes", "-1"],
    ] {
        let mut args = KUBEFLOW.to_vec();
        args.retain(|_| true);
        let mut all: Vec<&str> = args.clone();
        all.extend(bad);
        let o = bundle(&t.path().join("bad"), &all);
        assert_eq!(code(&o), 2, "{bad:?}: {}", stderr(&o));
    }
}
