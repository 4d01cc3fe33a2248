//! Deep nesting (issue 11 item 6): `.ovl` values nested thousands deep used to overflow the
//! stack (SIGABRT) in the lint worker, the `fmt` printer and YAML output. They are refused
//! where they enter, with `galley::syntax::too-deep`, at the YAML reader's limit of 255
//! levels; and whatever is accepted comes back out: a recipe written from the deepest
//! accepted values reads back with `bundle -r`.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Output;

const W: [&str; 8] = [
    "--service",
    "kind",
    "--accelerator",
    "l40",
    "--intent",
    "inference",
    "--os",
    "rhel",
];

/// A data directory whose overlay (matching `W`) sets `gpu-operator`'s `path = value`.
fn library(dir: &Path, path: &str, value: &str) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("overlays")).expect("mkdir");
    let text = format!(
        "overlay deep extends base {{\n  when service = kind, accelerator = l40, intent = inference, os = rhel\n  component gpu-operator {{\n    set {{\n      {path} = {value}\n    }}\n  }}\n}}\n"
    );
    std::fs::write(data.join("overlays/deep.ovl"), text).expect("write");
    data
}

fn maps(n: usize) -> String {
    format!("{}1{}", "{ a = ".repeat(n), " }".repeat(n))
}

fn lists(n: usize) -> String {
    format!("{}1{}", "[".repeat(n), "]".repeat(n))
}

fn dotted(n: usize) -> String {
    vec!["a"; n].join(".")
}

fn assert_too_deep(out: &Output) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("galley::syntax::too-deep"), "{err}");
    assert!(err.len() < 4_000, "{} bytes:\n{err}", err.len());
}

#[test]
fn values_nested_thousands_deep_are_refused_not_a_stack_overflow() {
    for (name, path, value) in [
        ("maps", "x".to_string(), maps(5_000)),
        ("lists", "x".to_string(), lists(5_000)),
        ("dotted", dotted(5_000), "1".to_string()),
        ("dotted-20000", dotted(20_000), "1".to_string()),
    ] {
        let tmp = TempDir::new(&format!("depth-{name}"));
        let data = library(tmp.path(), &path, &value);
        assert_too_deep(&run(galley().arg("check").arg("--data").arg(&data)));
        let recipe = run(galley().arg("recipe").arg("--data").arg(&data).args(W));
        assert_eq!(recipe.status.code(), Some(1), "{name}: {}", stderr(&recipe));
    }
}

#[test]
fn fmt_refuses_a_value_nested_10000_deep() {
    let tmp = TempDir::new("depth-fmt");
    let data = library(tmp.path(), "x", &maps(10_000));
    let file = data.join("overlays/deep.ovl");
    let out = run(galley().arg("fmt").arg("--check").arg(&file));
    assert!(
        stderr(&out).contains("galley::syntax::too-deep"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn one_level_past_the_limit_is_refused() {
    for (path, value) in [("x".to_string(), maps(255)), (dotted(256), "1".to_string())] {
        let tmp = TempDir::new("depth-edge");
        let data = library(tmp.path(), &path, &value);
        assert_too_deep(&run(galley().arg("check").arg("--data").arg(&data)));
    }
}

/// What can go in can come out: the deepest values `.ovl` and values files accept survive
/// `recipe` (YAML and JSON, hydrated or not) and `bundle -r`.
#[test]
fn the_deepest_accepted_values_read_back_from_a_recipe() {
    let tmp = TempDir::new("depth-back");
    let cases = [
        ("maps", "x".to_string(), maps(254)),
        ("lists", "x".to_string(), lists(254)),
        ("dotted", dotted(255), "1".to_string()),
    ];
    for (name, path, value) in cases {
        let dir = tmp.path().join(name);
        let data = library(&dir, &path, &value);
        let check = run(galley().arg("check").arg("--data").arg(&data));
        assert!(check.status.success(), "{name}: {}", stderr(&check));
        round_trip(&dir, &data, &[]);
    }
    let dir = tmp.path().join("values-file");
    let data = library(&dir, "y", "1");
    let deep: String = (0..253)
        .map(|i| format!("{}a:\n", "  ".repeat(i)))
        .collect();
    std::fs::write(
        data.join("values.yaml"),
        format!("{deep}{}a: 1\n", "  ".repeat(253)),
    )
    .expect("values");
    let ovl = std::fs::read_to_string(data.join("overlays/deep.ovl")).expect("read");
    let ovl = ovl.replace("set {", "values \"values.yaml\"\n    set {");
    std::fs::write(data.join("overlays/deep.ovl"), ovl).expect("write");
    round_trip(&dir, &data, &["--hydrate"]);
}

fn round_trip(dir: &Path, data: &Path, extra: &[&str]) {
    for format in ["yaml", "json"] {
        let recipe = dir.join(format!("recipe.{format}"));
        let out = run(galley()
            .arg("recipe")
            .arg("--data")
            .arg(data)
            .args(W)
            .args(extra)
            .args(["--format", format, "-o"])
            .arg(&recipe));
        assert!(out.status.success(), "recipe {format}: {}", stderr(&out));
        let bundle = run(galley()
            .args(["bundle", "-r"])
            .arg(&recipe)
            .arg("--data")
            .arg(data)
            .arg("-o")
            .arg(dir.join(format!("bundle-{format}"))));
        assert!(
            bundle.status.success(),
            "bundle -r {format}: {}",
            stderr(&bundle)
        );
    }
}
