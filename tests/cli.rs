//! Exit codes, usage errors, and robustness against arbitrary input.

use crate::support::*;
use galley::data::{DataSet, Entry, Root};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        run(galley().args(["check", "--data", "no/such/dir"]))
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(galley().args(["check", "--bogus"])).status.code(),
        Some(2)
    );
    assert_eq!(
        run(galley().args(["check", "--format", "xml"]))
            .status
            .code(),
        Some(2)
    );
    assert_eq!(run(galley().arg("frobnicate")).status.code(), Some(2));
}

#[test]
fn json_output_is_one_document() {
    let out = run(galley().args([
        "check",
        "--format",
        "json",
        "--data",
        "tests/fixtures/check/unknown-value",
    ]));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "galley::check::unknown-value");
    assert_eq!(
        d["file"],
        "tests/fixtures/check/unknown-value/overlays/v.ovl"
    );
    assert_eq!(d["line"], 2);
    assert!(
        d["help"].as_str().unwrap().contains("`oke`"),
        "did-you-mean: {d}"
    );
}

fn check_text(name: &str, text: String) {
    let root = Root {
        label: "prop".into(),
        dir: None,
        embedded: false,
        files: BTreeMap::from([(name.to_string(), Entry::Text(text.into()))]),
    };
    let data = DataSet::new(vec![Root::embedded_stdlib(), root]);
    let (library, diags) = galley::check::check(data);
    for d in diags.iter() {
        let _ = galley::render::render(d, &library.files, galley::render::Style::plain());
    }
}

const SEED: &str = "overlay oke-x extends base {\n  when service = oke, intent = training\n  require K8s.server.version >= 1.30\n  component gpu-operator {\n    needs cert-manager\n    set {\n      a.\"b.c\" = [1, 2.5, \"x\", { k = null }]\n    }\n  }\n  validate performance {\n    checks nccl-all-reduce-bw\n  }\n}\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_ovl_text_never_panics(text in "\\PC{0,300}") {
        check_text("overlays/x.ovl", text);
    }

    #[test]
    fn mutated_overlays_never_panic(cut in 0usize..SEED.len(), len in 0usize..20, insert in "[{}\\[\\]\"=.,a-z0-9 \n]{0,5}") {
        let mut text = SEED.to_string();
        let end = (cut + len).min(text.len());
        if text.is_char_boundary(cut) && text.is_char_boundary(end) {
            text.replace_range(cut..end, &insert);
        }
        check_text("overlays/x.ovl", text);
    }

    #[test]
    fn arbitrary_yaml_never_panics(text in "[a-zA-Z:\\-\\[\\]{}&*!|>'\" \n]{0,200}") {
        check_text("overlays/x.yaml", format!("kind: RecipeMetadata\n{text}"));
    }
}
