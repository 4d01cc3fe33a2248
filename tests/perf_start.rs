//! `bundle -r` takes a values file's document from the checked library when the library read
//! that file, and parses it itself otherwise (docs/performance.md, "Start-up"): both ways must
//! read the file the data set resolves, and report a file that does not read.

use crate::support::{TempDir, galley, read_tree, run, stderr};
use std::path::Path;

/// A recipe of cert-manager alone, its values from `values_file`.
fn recipe(dir: &Path, values_file: &str) -> std::path::PathBuf {
    let text = format!(
        "kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\ncriteria:\n  service: eks\ncomponentRefs:\n  - name: cert-manager\n    namespace: cert-manager\n    chart: cert-manager\n    type: Helm\n    source: https://charts.jetstack.io\n    version: v1.17.2\n    valuesFile: {values_file}\n"
    );
    let path = dir.join("recipe.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn bundle_r(recipe: &Path, data: &Path, out: &Path) -> std::process::Output {
    run(galley()
        .args(["bundle", "--deployer", "helm", "-r"])
        .arg(recipe)
        .arg("--data")
        .arg(data)
        .arg("-o")
        .arg(out))
}

fn cert_manager_values(out: &Path) -> String {
    let tree = read_tree(out);
    let (_, bytes) = tree
        .iter()
        .find(|(k, _)| k.contains("cert-manager") && k.ends_with("values.yaml"))
        .unwrap_or_else(|| panic!("no cert-manager values in {:?}", tree.keys()));
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_values_file_a_data_directory_replaces_is_the_one_bundled() {
    let t = TempDir::new("perf-start-replaced");
    let data = t.path().join("data");
    let dir = data.join("components/cert-manager");
    std::fs::create_dir_all(&dir).unwrap();
    // The library's overlays name this path, so the check reads it (from `--data`).
    std::fs::write(dir.join("values.yaml"), "fromData:\n  marker: 4242\n").unwrap();
    let recipe = recipe(t.path(), "components/cert-manager/values.yaml");
    let out = t.path().join("out");
    let o = bundle_r(&recipe, &data, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let values = cert_manager_values(&out);
    assert!(values.contains("marker: 4242"), "{values}");
    assert!(
        !values.contains("fullnameOverride"),
        "the embedded file leaked in: {values}"
    );
}

#[test]
fn a_values_file_the_library_never_read_is_read_and_reported() {
    let t = TempDir::new("perf-start-unread");
    let data = t.path().join("data");
    let dir = data.join("components/cert-manager");
    std::fs::create_dir_all(&dir).unwrap();
    // No overlay names these files: only `bundle -r` reads them.
    std::fs::write(dir.join("extra.yaml"), "extra:\n  marker: 77\n").unwrap();
    std::fs::write(dir.join("broken.yaml"), "a: [\n").unwrap();
    std::fs::write(dir.join("list.yaml"), "- a\n- b\n").unwrap();

    let out = t.path().join("extra");
    let o = bundle_r(
        &recipe(t.path(), "components/cert-manager/extra.yaml"),
        &data,
        &out,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(cert_manager_values(&out).contains("marker: 77"));

    for (file, says) in [
        ("broken.yaml", "does not parse"),
        ("list.yaml", "must hold a mapping"),
    ] {
        let out = t.path().join(file);
        let path = format!("components/cert-manager/{file}");
        let o = bundle_r(&recipe(t.path(), &path), &data, &out);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("galley::bundle::values"),
            "{file}: {}",
            stderr(&o)
        );
        assert!(stderr(&o).contains(says), "{file}: {}", stderr(&o));
        assert!(!out.exists(), "{file}: nothing written");
    }
}
