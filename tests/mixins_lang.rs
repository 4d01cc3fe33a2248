//! Mixins (issue 16): the case table of `docs/merge.md` as fixtures, order independence,
//! provenance, the formatter, and the reference's `kind: RecipeMixin`.

use crate::support::*;
use galley::data::{DataSet, Entry, Root};
use galley::ir::result::RecipeResult;
use galley::resolve::criteria::Query;
use proptest::prelude::*;
use std::collections::BTreeMap;

const CASES: &str = "tests/fixtures/mixins/cases";

/// `gpu-operator`'s driver version for `oke, a100, training` over a fixture.
fn driver_version(dir: &str) -> std::process::Output {
    run(galley().args([
        "query",
        "--data",
        dir,
        "--service",
        "oke",
        "--accelerator",
        "a100",
        "--intent",
        "training",
        "--selector",
        "components.gpu-operator.values.driver.version",
    ]))
}

/// Each case directory holds `expect`: `value V` (the driver version) or `error CODE`,
/// then lines that the error output must contain.
#[test]
fn every_mixin_case_resolves_as_its_table_row() {
    let mut cases: Vec<_> = std::fs::read_dir(root().join(CASES))
        .expect("the cases exist")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .into_string()
                .expect("utf-8")
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 11, "{cases:?}");
    for case in cases {
        let dir = format!("{CASES}/{case}");
        let expect = std::fs::read_to_string(root().join(&dir).join("expect")).expect("expect");
        let mut lines = expect.lines();
        let first = lines.next().expect("a first line");
        let out = driver_version(&dir);
        let err = stderr(&out);
        match first.split_once(' ') {
            Some(("value", v)) => {
                assert_eq!(out.status.code(), Some(0), "{case}: {err}");
                assert_eq!(stdout(&out), format!("{v}\n"), "{case}");
            }
            Some(("error", code)) => {
                assert_eq!(out.status.code(), Some(1), "{case}: {err}");
                assert!(err.contains(code), "{case}: {err}");
                // Words, without the renderer's line wrapping.
                let words = |t: &str| {
                    t.split_whitespace()
                        .filter(|w| *w != "|")
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                for want in lines {
                    assert!(
                        words(&err).contains(&words(want)),
                        "{case}: `{want}` in {err}"
                    );
                }
            }
            _ => panic!("{case}: bad expect line `{first}`"),
        }
    }
}

#[test]
fn explain_names_the_mixin_and_the_overlay_that_brought_it_in() {
    let out = run(galley().args(["explain", "constraints"]).args(KUBEFLOW));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        text.contains("set by `h100-eks-training with k8s-1-32-4` at recipes/mixins/k8s.ovl:4:3"),
        "{text}"
    );
    assert!(
        text.contains(
            "set by `h100-eks-ubuntu-training with ubuntu-2404` at recipes/mixins/ubuntu-2404.ovl"
        ),
        "{text}"
    );
}

#[test]
fn the_formatter_round_trips_mixins() {
    let out = run(galley().args(["fmt", "--check", "recipes", CASES]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = "mixin  a   with b,c{\nrequire K8s.server.version>=1.30\n}\noverlay x extends y with a priority 2 {\n}\n";
    let (unit, diags) = galley::syntax::parser::parse(galley::source::FileId(0), text);
    assert!(diags.is_empty(), "{diags:?}");
    let printed = galley::syntax::printer::print_unit(&unit);
    assert_eq!(
        printed,
        "mixin a with b, c {\n  require K8s.server.version >= 1.30\n}\n\noverlay x extends y with a priority 2 {}\n"
    );
    let (again, _) = galley::syntax::parser::parse(galley::source::FileId(0), &printed);
    assert_eq!(galley::syntax::printer::print_unit(&again), printed);
}

const DRIVER_MIXIN: &str = "kind: RecipeMixin
apiVersion: aicr.nvidia.com/v1alpha1
metadata:
  name: drv570
spec:
  constraints:
    - name: K8s.server.version
      value: \">= 1.31\"
  componentRefs:
    - name: gpu-operator
      overrides:
        driver:
          version: \"570.172.08\"
";

const OKE_OVERLAY: &str = "kind: RecipeMetadata
apiVersion: aicr.nvidia.com/v1alpha1
metadata:
  name: oke-a100
spec:
  criteria:
    service: oke
    accelerator: a100
  mixins: [drv570]
";

#[test]
fn aicr_recipe_mixins_are_read_from_data_directories() {
    let tmp = TempDir::new("recipe-mixin");
    std::fs::create_dir_all(tmp.path().join("overlays")).unwrap();
    std::fs::create_dir_all(tmp.path().join("mixins")).unwrap();
    std::fs::write(tmp.path().join("mixins/drv570.yaml"), DRIVER_MIXIN).unwrap();
    std::fs::write(tmp.path().join("overlays/oke-a100.yaml"), OKE_OVERLAY).unwrap();
    let dir = tmp.path().to_str().expect("utf-8").to_string();
    let out = driver_version(&dir);
    assert_eq!(stdout(&out), "570.172.08\n", "{}", stderr(&out));
    assert!(!stderr(&out).contains("unknown-field"), "{}", stderr(&out));
    let out = run(galley().args([
        "query",
        "--data",
        &dir,
        "--service",
        "oke",
        "--accelerator",
        "a100",
        "--selector",
        "constraints",
    ]));
    assert!(stdout(&out).contains(">= 1.31"), "{}", stdout(&out));
}

#[test]
fn galley_import_converts_recipe_mixins_to_the_language() {
    let tmp = TempDir::new("import-mixin");
    let src = tmp.path().join("src");
    copy_dir(&aicr_recipes(), &src);
    std::fs::create_dir_all(src.join("mixins")).unwrap();
    std::fs::write(src.join("mixins/drv570.yaml"), DRIVER_MIXIN).unwrap();
    std::fs::write(src.join("overlays/oke-a100.yaml"), OKE_OVERLAY).unwrap();
    let out_dir = tmp.path().join("out");
    let out = run(galley().arg("import").arg(&src).arg("--out").arg(&out_dir));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mixin = std::fs::read_to_string(out_dir.join("mixins/drv570.ovl")).expect("converted");
    assert!(mixin.contains("mixin drv570 {"), "{mixin}");
    assert!(mixin.contains("driver.version = \"570.172.08\""), "{mixin}");
    let overlay =
        std::fs::read_to_string(out_dir.join("overlays/oke-a100.ovl")).expect("converted");
    assert!(
        overlay.contains("overlay oke-a100 with drv570 {"),
        "{overlay}"
    );
}

#[test]
fn export_flattens_mixins_into_each_overlay() {
    let ovl =
        std::fs::read_to_string(aicr_recipes().join("overlays/h100-eks-ubuntu-training.yaml"))
            .expect("exported");
    assert!(ovl.contains("OS.release.ID"), "{ovl}");
    assert!(!ovl.contains("mixins"), "{ovl}");
    assert!(!aicr_recipes().join("mixins").exists());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Order independence
// ---------------------------------------------------------------------------------------

const TARGETS: &[&[(&str, &str)]] = &[
    &[
        ("service", "eks"),
        ("accelerator", "h100"),
        ("intent", "inference"),
        ("os", "ubuntu"),
        ("platform", "dynamo"),
    ],
    &[
        ("service", "aks"),
        ("accelerator", "h100"),
        ("intent", "training"),
        ("os", "ubuntu"),
        ("platform", "kubeflow"),
    ],
    &[
        ("service", "kind"),
        ("accelerator", "h100"),
        ("intent", "inference"),
        ("platform", "dynamo"),
    ],
    &[
        ("service", "eks"),
        ("accelerator", "gb200"),
        ("intent", "training"),
    ],
];

fn results(data: DataSet) -> Vec<String> {
    let (library, diags) = galley::check::check(data);
    assert!(!diags.has_errors(), "{:?}", diags.iter().next());
    TARGETS
        .iter()
        .map(|pairs| {
            let mut q = Query::any();
            for (d, v) in *pairs {
                q.set(&library.stdlib.dimensions, d, v).unwrap();
            }
            let recipe = galley::resolve::resolve(&library, &q).expect("resolves");
            let mut out = galley::yaml_out::document_yaml(&RecipeResult::new(&recipe, true));
            // Provenance too, but not the spans (the files moved).
            for (path, t) in &recipe.provenance.paths {
                out.push_str(&format!("{path} <- {}\n", t.winner.overlay));
            }
            out
        })
        .collect()
}

/// A xorshift permutation of `0..n`.
fn permutation(n: usize, state: &mut u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        order.swap(i, (*state % (i as u64 + 1)) as usize);
    }
    order
}

/// The embedded library's items (overlays and mixins), each printed after its `with` names
/// were shuffled, spread over `files` files in a shuffled order.
fn shuffled_root(seed: u64, files: usize) -> Root {
    use galley::syntax::ast::{Item, SourceUnit, Syntax};
    let mut state = seed | 1;
    let mut items: Vec<String> = Vec::new();
    let mut data: BTreeMap<String, Entry> = BTreeMap::new();
    for (rel, entry) in Root::embedded_recipes().files {
        let Entry::Text(text) = &entry else { continue };
        if !rel.ends_with(".ovl") {
            data.insert(rel, entry);
            continue;
        }
        let (unit, diags) = galley::syntax::parser::parse(galley::source::FileId(0), text);
        assert!(diags.is_empty(), "{rel}");
        for mut item in unit.items {
            let with = match &mut item {
                Item::Overlay(o) => &mut o.mixins,
                Item::Mixin(m) => &mut m.mixins,
                _ => continue,
            };
            let order = permutation(with.len(), &mut state);
            *with = order.iter().map(|&i| with[i].clone()).collect();
            let unit = SourceUnit {
                file: galley::source::FileId(0),
                syntax: Syntax::Ovl,
                items: vec![item],
                comments: Vec::new(),
            };
            items.push(galley::syntax::printer::print_unit(&unit));
        }
    }
    let order = permutation(items.len(), &mut state);
    let mut texts = vec![String::new(); files];
    for (i, &o) in order.iter().enumerate() {
        texts[(i * 7 + o) % files].push_str(&items[o]);
    }
    for (k, text) in texts.into_iter().enumerate() {
        let dir = if k % 2 == 0 { "overlays" } else { "mixins" };
        data.insert(
            format!("{dir}/z{:02}-{k}.ovl", (k * 37) % 97),
            Entry::Text(text.into()),
        );
    }
    Root {
        label: "shuffled".into(),
        dir: None,
        embedded: true,
        files: data,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// The order of `with` names, of items and of files never changes a byte of the output.
    #[test]
    fn the_order_of_with_names_and_files_never_changes_the_output(seed in any::<u64>(), files in 1usize..9) {
        let baseline = results(DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()]));
        let shuffled = results(DataSet::new(vec![Root::embedded_stdlib(), shuffled_root(seed, files)]));
        prop_assert_eq!(shuffled, baseline);
    }
}

/// A long chain of mixins that closes into a cycle: one error, no stack overflow (the cycle
/// walk keeps its own stack).
#[test]
fn a_long_chain_of_mixins_is_walked_without_recursion() {
    const N: usize = 60_000;
    let tmp = TempDir::new("mixin-chain");
    let mut text = String::new();
    for i in 0..N {
        text.push_str(&format!("mixin m{i} with m{} {{\n}}\n", (i + 1) % N));
    }
    std::fs::create_dir_all(tmp.path().join("mixins")).unwrap();
    std::fs::write(tmp.path().join("mixins/chain.ovl"), text).unwrap();
    let out = run(galley()
        .args(["check", "--format", "json", "--data"])
        .arg(tmp.path()));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cycles: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "galley::check::mixin-cycle")
        .collect();
    assert_eq!(cycles.len(), 1, "{report}");
}
