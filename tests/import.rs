//! `galley import` converts a whole AICR library (the embedded one, exported as AICR YAML),
//! and the result checks clean.

use crate::support::*;

#[test]
fn imports_every_aicr_overlay_and_checks_clean() {
    let tmp = TempDir::new("import");
    let out_dir = tmp.path().join("lib");
    let out = run(galley()
        .arg("import")
        .arg(aicr_recipes())
        .arg("--out")
        .arg(&out_dir));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let overlays = files_with_ext(&out_dir.join("overlays"), &["ovl"]);
    assert_eq!(overlays.len(), 38, "one .ovl per AICR overlay");
    assert!(out_dir.join("registry.ovl").is_file());
    assert!(out_dir.join("validators/catalog.ovl").is_file());
    assert!(
        out_dir
            .join("components/gpu-operator/values.yaml")
            .is_file()
    );
    // Users' values files are copied as they are.
    let theirs = std::fs::read(aicr_recipes().join("components/gpu-operator/values.yaml")).unwrap();
    let ours = std::fs::read(out_dir.join("components/gpu-operator/values.yaml")).unwrap();
    assert_eq!(theirs, ours);

    let check = run(galley()
        .args(["check", "--format", "json", "--data"])
        .arg(&out_dir));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("json");
    // Only lints: its overlays replace the embedded ones, and carry none of the
    // `galley: allow` comments the shipped library explains them with.
    let others: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| {
            !d["code"]
                .as_str()
                .unwrap_or_default()
                .starts_with("galley::lint::")
        })
        .collect();
    assert!(others.is_empty(), "{others:?}");
    assert_eq!(check.status.code(), Some(0));

    // Imported files are already in canonical layout.
    let fmt = run(galley().args(["fmt", "--check"]).arg(&out_dir));
    assert_eq!(fmt.status.code(), Some(0), "{}", stderr(&fmt));
}

#[test]
fn refuses_a_non_empty_output_directory_without_force() {
    let tmp = TempDir::new("import-force");
    std::fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
    let out = run(galley()
        .arg("import")
        .arg(aicr_recipes())
        .arg("--out")
        .arg(tmp.path()));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("keep.txt")).unwrap(),
        "mine"
    );
    let forced = run(galley()
        .arg("import")
        .arg(aicr_recipes())
        .arg("--out")
        .arg(tmp.path())
        .arg("--force"));
    // A directory galley did not write is refused even with --force.
    assert_eq!(forced.status.code(), Some(2), "{}", stderr(&forced));
    assert!(tmp.path().join("keep.txt").exists());
    let out_dir = tmp.path().join("lib");
    let import = || {
        run(galley()
            .arg("import")
            .arg(aicr_recipes())
            .arg("--out")
            .arg(&out_dir)
            .arg("--force"))
    };
    assert_eq!(import().status.code(), Some(0));
    std::fs::write(out_dir.join("keep.txt"), "mine").unwrap();
    let forced = import();
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(!out_dir.join("keep.txt").exists());
}

#[test]
fn a_failed_import_writes_nothing() {
    let tmp = TempDir::new("import-fail");
    let src = tmp.path().join("src/overlays");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("bad.yaml"),
        "kind: RecipeMetadata\nspec:\n  criteria: [\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let out = run(galley()
        .arg("import")
        .arg(tmp.path().join("src"))
        .arg("--out")
        .arg(&out_dir));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!out_dir.exists());
}
