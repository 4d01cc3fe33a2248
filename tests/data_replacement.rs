//! Replacing an overlay by name from `--data` (the documented way to change an embedded
//! one): a replacement that drops what the replaced overlay said is an error listing each
//! dropped statement, unless restated or explicitly allowed.

use crate::support::{TempDir, galley, root, run, stderr, stdout};
use std::path::Path;
use std::process::Output;

const PARTIAL: &str = "tests/fixtures/data/gke-cos-partial";
const GKE_COS: [&str; 4] = ["--service", "gke", "--os", "cos"];

fn galley_in(args: &[&str], data: &Path) -> Output {
    run(galley()
        .args(args)
        .arg("--data")
        .arg(data)
        .env("COLUMNS", "1000"))
}

fn recipe(data: Option<&Path>) -> Output {
    let mut cmd = galley();
    cmd.arg("recipe").args(GKE_COS);
    if let Some(d) = data {
        cmd.arg("--data").arg(d);
    }
    run(&mut cmd)
}

/// A data directory holding `overlays/gke-cos.ovl` with `text`.
fn data_dir(t: &TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let dir = t.path().join(name);
    std::fs::create_dir_all(dir.join("overlays")).unwrap();
    std::fs::write(dir.join("overlays/gke-cos.ovl"), text).unwrap();
    dir
}

#[test]
fn a_replacement_that_drops_statements_is_an_error_listing_them() {
    let data = root().join(PARTIAL);
    let o = galley_in(&["check"], &data);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("galley::data::replacement-drops"), "{err}");
    for item in [
        "drops `require K8s.server.version`",
        "drops values file \"components/gpu-operator/values-gke-cos.yaml\" of component `gpu-operator`",
        "drops manifest \"components/gpu-operator/manifests/gke-resource-quota.yaml\" of component `gpu-operator`",
        "drops component `kube-prometheus-stack` (its whole block)",
        "drops component `nvidia-dra-driver-gpu` (its whole block)",
        "drops component `skyhook-operator` (its whole block)",
        "drops `validate conformance`",
    ] {
        assert!(err.contains(item), "no `{item}` in:\n{err}");
    }
    assert!(err.contains("allow(replacement-drops)"), "{err}");
    // The recipe is refused too, not silently shorter.
    let o = recipe(Some(&data));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("galley::data::replacement-drops"));
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_replacement_that_restates_the_overlay_changes_only_what_it_changes() {
    let t = TempDir::new("replace-full");
    let embedded = std::fs::read_to_string(root().join("recipes/overlays/gke-cos.ovl")).unwrap();
    let old = "nvidiaDriverRoot = \"/home/kubernetes/bin/nvidia\"";
    assert!(embedded.contains(old));
    let new = "nvidiaDriverRoot = \"/opt/nvidia\"";
    let data = data_dir(&t, "full", &embedded.replace(old, new));
    let o = galley_in(&["check"], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("replacement-drops"), "{}", stderr(&o));

    let before = recipe(None);
    let after = recipe(Some(&data));
    assert!(after.status.success(), "{}", stderr(&after));
    let (before, after) = (stdout(&before), stdout(&after));
    assert_eq!(before.lines().count(), after.lines().count(), "{after}");
    assert!(after.contains("/opt/nvidia"), "{after}");
}

#[test]
fn an_allow_comment_accepts_the_drops() {
    let t = TempDir::new("replace-allow");
    let partial = std::fs::read_to_string(root().join(PARTIAL).join("overlays/gke-cos.ovl"))
        .unwrap()
        .replace(
            "overlay gke-cos {",
            "// galley: allow(replacement-drops)\noverlay gke-cos {",
        );
    let data = data_dir(&t, "allowed", &partial);
    let o = galley_in(&["check"], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = recipe(Some(&data));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).lines().count() < stdout(&recipe(None)).lines().count());
}

#[test]
fn duplicate_criteria_help_points_to_replacing_by_name() {
    let t = TempDir::new("replace-dup");
    let dir = t.path().join("dup");
    std::fs::create_dir_all(dir.join("overlays")).unwrap();
    std::fs::write(
        dir.join("overlays/gke-cos-patch.ovl"),
        "overlay gke-cos-patch extends gke-cos {\n  when service = gke, os = cos\n}\n",
    )
    .unwrap();
    let o = galley_in(&["check"], &dir);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("galley::check::duplicate-criteria"), "{err}");
    assert!(
        err.contains("give one of the same name in the `--data` directory instead"),
        "{err}"
    );
    assert!(err.contains("must restate what it keeps"), "{err}");
}
