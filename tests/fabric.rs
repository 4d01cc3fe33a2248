//! The fabric class in `galley snapshot` (docs/measure.md, "The fabric class"): detected from
//! a fake `/sys` under `--root` (`tests/fixtures/fabric/CLASS`), written as
//! `Network.fabric.class`, and read back by `validate` to choose a bound's table entry.

use crate::support::*;
use serde_json::Value;
use std::path::Path;

const FIXTURES: &str = "tests/fixtures/fabric";

/// A root whose `sys` (and `dev`, when the fixture has one) is the fixture's, with an
/// `nvidia-smi` reporting eight H100s when `gpus` is set.
fn machine(fixture: &str, gpus: bool) -> TempDir {
    let dir = TempDir::new(&format!("fabric-{fixture}"));
    let tree = root().join(FIXTURES).join(fixture);
    for part in ["sys", "dev"] {
        if tree.join(part).is_dir() {
            std::os::unix::fs::symlink(tree.join(part), dir.path().join(part)).unwrap();
        }
    }
    if gpus {
        use std::os::unix::fs::PermissionsExt;
        let xml = root().join("tests/fixtures/measure/nvidia-smi-q-x-8xh100.xml");
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        let smi = dir.path().join("bin/nvidia-smi");
        std::fs::write(&smi, format!("#!/bin/sh\nexec cat '{}'\n", xml.display())).unwrap();
        std::fs::set_permissions(&smi, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

fn snapshot_json(dir: &Path) -> (Value, String) {
    let out = run(galley()
        .args(["snapshot", "--format", "json", "--root"])
        .arg(dir));
    assert!(out.status.success(), "{}", stderr(&out));
    (
        serde_json::from_str(&stdout(&out)).expect("snapshot JSON"),
        stderr(&out),
    )
}

/// `Network.fabric.class`, when the snapshot has it.
fn fabric_class(doc: &Value) -> Option<String> {
    doc["measurements"]
        .as_array()?
        .iter()
        .filter(|m| m["type"] == "Network")
        .flat_map(|m| m["subtypes"].as_array().cloned().unwrap_or_default())
        .find(|s| s["subtype"] == "fabric")
        .and_then(|s| s["data"]["class"].as_str().map(String::from))
}

#[test]
fn each_fake_tree_gives_its_fabric_class() {
    for (fixture, class) in [
        ("efa", Some("efa")),
        ("infiniband", Some("infiniband")),
        ("roce", Some("roce")),
        ("tcpxo", Some("tcpxo")),
        ("mixed", Some("infiniband")),
        ("none", None),
    ] {
        let dir = machine(fixture, false);
        let (doc, err) = snapshot_json(dir.path());
        assert_eq!(fabric_class(&doc).as_deref(), class, "{fixture}: {doc}");
        if class.is_none() {
            assert!(
                err.contains("no GPU fabric found") && !doc.to_string().contains("\"Network\""),
                "{fixture}: {err}"
            );
        }
    }
}

#[test]
fn several_classes_pick_the_first_and_say_so() {
    let dir = machine("mixed", false);
    let (_, err) = snapshot_json(dir.path());
    assert!(
        err.contains(
            "several fabric classes found (infiniband, roce): Network.fabric.class is `infiniband`"
        ),
        "{err}"
    );
}

#[test]
fn the_snapshot_writes_the_aicr_shape() {
    let dir = machine("efa", false);
    let out = run(galley().args(["snapshot", "--root"]).arg(dir.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("- type: Network\n    subtypes:\n      - subtype: fabric\n        data:\n          class: efa\n"),
        "{text}"
    );
}

#[test]
fn a_hostile_tree_neither_hangs_nor_crashes() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new("fabric-hostile");
    let ib = dir.path().join("sys/class/infiniband");
    for d in ["fifo", "huge", "good"] {
        std::fs::create_dir_all(ib.join(d).join("ports/1")).unwrap();
    }
    // A link to itself, and a ports directory that links back up the tree.
    symlink(ib.join("loop"), ib.join("loop")).unwrap();
    symlink(&ib, ib.join("huge/ports/2")).unwrap();
    // A named pipe nobody writes to, and a file past the reader's bound.
    let fifo = ib.join("fifo/ports/1/link_layer");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let huge = std::fs::File::create(ib.join("huge/ports/1/link_layer")).unwrap();
    huge.set_len(64 * 1024 * 1024).unwrap();
    std::fs::write(ib.join("good/ports/1/link_layer"), "Ethernet\n").unwrap();
    // A PCI directory full of links to itself.
    let pci = dir.path().join("sys/bus/pci/devices");
    std::fs::create_dir_all(&pci).unwrap();
    symlink(&pci, pci.join("0000:00:01.0")).unwrap();
    symlink(pci.join("vendor"), pci.join("vendor")).unwrap();

    let started = std::time::Instant::now();
    let (doc, _) = snapshot_json(dir.path());
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(fabric_class(&doc).as_deref(), Some("roce"), "{doc}");
}

const LIB: &str = "tests/fixtures/bounds/lib";
const RESULTS: &str = "tests/fixtures/bounds/nccl-210.json";

/// The NCCL constraint of the bounds fixture library (`efa = 40, infiniband = 50, roce = 30,
/// tcpxo = 35` per GPU), validated against a snapshot collected from `fixture` with 8 GPUs.
fn validated(fixture: &str) -> Value {
    let dir = machine(fixture, true);
    let snap = dir.path().join("snapshot.yaml");
    let out = run(galley()
        .args(["snapshot", "--root"])
        .arg(dir.path())
        .arg("-o")
        .arg(&snap));
    assert!(out.status.success(), "{}", stderr(&out));
    let recipe = dir.path().join("recipe.yaml");
    let out = run(galley()
        .args(["recipe", "--data", LIB, "--service", "oke"])
        .args(["--accelerator", "l40", "--intent", "training", "-o"])
        .arg(&recipe));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(galley()
        .args(["validate", "--data", LIB, "--phase", "performance"])
        .args(["--results", RESULTS, "-s"])
        .arg(&snap)
        .arg("-r")
        .arg(&recipe));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("CTRF report");
    report["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["suite"][1] == "constraint" && t["name"] == "nccl-all-reduce-bw")
        .expect("the constraint's result")
        .clone()
}

#[test]
fn validate_chooses_the_bound_by_the_collected_class() {
    for (fixture, per_gpu, bound) in [
        ("efa", 40, 320),
        ("infiniband", 50, 400),
        ("roce", 30, 240),
        ("tcpxo", 35, 280),
    ] {
        let t = validated(fixture);
        assert_eq!(t["status"], "failed", "{fixture}: {t}");
        assert_eq!(
            t["message"],
            format!("expected >= {bound} GB/s ({per_gpu} * 8), got 210 GB/s"),
            "{fixture}"
        );
    }
}

#[test]
fn without_a_fabric_the_bound_is_skipped() {
    let t = validated("none");
    assert_eq!(t["status"], "skipped", "{t}");
    assert!(
        t["message"]
            .as_str()
            .unwrap()
            .contains("Network.fabric.class"),
        "{t}"
    );
}

#[test]
fn recipe_from_a_snapshot_reports_the_fabric_class() {
    for (fixture, note) in [
        (
            "roce",
            "note: detected fabric class roce from Network.fabric.class",
        ),
        ("none", "note: fabric class not detected"),
    ] {
        let dir = machine(fixture, true);
        let snap = dir.path().join("snapshot.yaml");
        let out = run(galley()
            .args(["snapshot", "--root"])
            .arg(dir.path())
            .arg("-o")
            .arg(&snap));
        assert!(out.status.success(), "{}", stderr(&out));
        let out = run(galley()
            .args([
                "recipe",
                "--data",
                LIB,
                "--service",
                "oke",
                "--intent",
                "training",
            ])
            .arg("--snapshot")
            .arg(&snap)
            .args(["-o", "-"]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).contains(note), "{fixture}: {}", stderr(&out));
    }
}
