//! One `RecipeResult` reader: the same malformed documents given to `bundle -r`,
//! `validate -r` and `diff` get the same verdict (exit code) and the same diagnostic code.

use crate::support::{TempDir, galley, run, stderr};
use std::path::Path;

const SNAPSHOT: &str = "tests/fixtures/measure/snapshot-eks-h100-ubuntu.yaml";

const GOOD: &str = "kind: RecipeResult
apiVersion: aicr.nvidia.com/v1alpha1
criteria: {service: eks, accelerator: h100, intent: training, os: ubuntu}
componentRefs:
  - name: cert-manager
    type: Helm
    source: https://charts.jetstack.io
    chart: cert-manager
    version: v1.17.2
    namespace: cert-manager
deploymentOrder: [cert-manager]
";

/// The good document with its first line replaced (the `kind`) or text appended.
fn with_kind(kind: &str) -> Vec<u8> {
    GOOD.replacen("kind: RecipeResult", kind, 1).into_bytes()
}

fn appended(extra: &str) -> Vec<u8> {
    format!("{GOOD}{extra}").into_bytes()
}

/// `(name, document, extra flags, expected exit code, expected code)`.
type Case = (
    &'static str,
    Vec<u8>,
    &'static [&'static str],
    i32,
    &'static str,
);

fn table() -> Vec<Case> {
    const SHAPE: &str = "galley::result::shape";
    const PARSE: &str = "galley::result::parse";
    const UNKNOWN: &str = "galley::yaml::unknown-field";
    vec![
        ("empty kind", with_kind("kind: ''"), &[], 0, ""),
        ("wrong kind", with_kind("kind: Recipe"), &[], 2, SHAPE),
        ("snapshot kind", with_kind("kind: Snapshot"), &[], 2, SHAPE),
        (
            "kind of wrong type",
            with_kind("kind: [RecipeResult]"),
            &[],
            2,
            SHAPE,
        ),
        (
            "wrong apiVersion",
            GOOD.replacen("v1alpha1", "v9", 1).into_bytes(),
            &[],
            2,
            SHAPE,
        ),
        (
            "version of wrong type",
            GOOD.replacen("version: v1.17.2", "version: [1]", 1)
                .into_bytes(),
            &[],
            2,
            SHAPE,
        ),
        (
            "constraints not a list",
            appended("constraints: {a: b}\n"),
            &[],
            2,
            SHAPE,
        ),
        (
            "constraint without value",
            appended("constraints: [{name: a}]\n"),
            &[],
            2,
            SHAPE,
        ),
        (
            "component without name",
            GOOD.replacen(
                "deploymentOrder",
                "  - {type: Helm, source: x}\ndeploymentOrder",
                1,
            )
            .into_bytes(),
            &[],
            2,
            SHAPE,
        ),
        (
            "duplicate component",
            GOOD.replacen(
                "deploymentOrder",
                "  - {name: cert-manager, type: Helm}\ndeploymentOrder",
                1,
            )
            .into_bytes(),
            &[],
            2,
            SHAPE,
        ),
        ("unknown field", appended("extra: 1\n"), &[], 0, UNKNOWN),
        (
            "unknown field, strict",
            appended("extra: 1\n"),
            &["--strict"],
            2,
            UNKNOWN,
        ),
        (
            "unknown phase, strict",
            appended("validation: {bogus: {}}\n"),
            &["--strict"],
            2,
            UNKNOWN,
        ),
        (
            "binary garbage",
            b"\x00\x01\x02kind\x00".to_vec(),
            &[],
            2,
            PARSE,
        ),
        (
            "not utf-8",
            b"kind: \xff\xfe\n".to_vec(),
            &[],
            2,
            "galley::io",
        ),
        ("not YAML", b"kind: [\n".to_vec(), &[], 2, PARSE),
        ("empty file", Vec::new(), &[], 2, SHAPE),
        (
            "top level a list",
            b"- kind: RecipeResult\n".to_vec(),
            &[],
            2,
            SHAPE,
        ),
        (
            "top level a scalar",
            b"RecipeResult\n".to_vec(),
            &[],
            2,
            SHAPE,
        ),
    ]
}

/// The first diagnostic code (`galley::…`) in `text`, or "" when there is none.
fn first_code(text: &str) -> String {
    text.find("galley::").map_or_else(String::new, |at| {
        text[at..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == ':' || *c == '-')
            .collect()
    })
}

fn verdict(out: &std::process::Output) -> (i32, String) {
    (out.status.code().unwrap_or(-1), first_code(&stderr(out)))
}

fn commands(
    dir: &Path,
    bad: &Path,
    good: &Path,
    flags: &[&str],
) -> [(&'static str, (i32, String)); 3] {
    let bundle = run(galley()
        .args(flags)
        .args(["bundle", "-r"])
        .arg(bad)
        .arg("-o")
        .arg(dir.join("bundle")));
    let validate = run(galley()
        .args(flags)
        .args(["validate", "-s", SNAPSHOT, "-r"])
        .arg(bad));
    let diff = run(galley().args(flags).arg("diff").arg(bad).arg(good));
    [
        ("bundle -r", verdict(&bundle)),
        ("validate -r", verdict(&validate)),
        ("diff", verdict(&diff)),
    ]
}

#[test]
fn bundle_validate_and_diff_agree_on_every_malformed_recipe() {
    let dir = TempDir::new("result-reader");
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, GOOD).unwrap();
    let mut wrong = Vec::new();
    for (i, (name, doc, flags, exit, code)) in table().into_iter().enumerate() {
        let case = dir.path().join(format!("case{i}"));
        std::fs::create_dir_all(&case).unwrap();
        let bad = case.join("recipe.yaml");
        std::fs::write(&bad, &doc).unwrap();
        for (command, got) in commands(&case, &bad, &good, flags) {
            if got != (exit, code.to_string()) {
                wrong.push(format!(
                    "{name}: `{command}` gave {got:?}, expected ({exit}, {code:?})"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
