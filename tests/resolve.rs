//! Resolution: conflicts and how to settle them, order independence, the kubeflow target.

use crate::support::*;
use galley::data::{DataSet, Entry, Root};
use galley::ir::result::RecipeResult;
use galley::resolve::criteria::Query;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn driver_version(fixture: &str) -> std::process::Output {
    run(galley()
        .args([
            "query",
            "--data",
            &format!("tests/fixtures/resolve/{fixture}"),
        ])
        .args([
            "--service",
            "oke",
            "--accelerator",
            "a100",
            "--intent",
            "training",
        ])
        .args([
            "--selector",
            "components.gpu-operator.values.driver.version",
        ]))
}

#[test]
fn incomparable_overlays_that_disagree_are_a_conflict_with_both_spans() {
    let out = driver_version("conflict");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("galley::merge::conflict"), "{err}");
    assert!(
        err.contains("oke.ovl:8:7") && err.contains("oke.ovl:18:7"),
        "both spans: {err}"
    );
    assert!(
        err.contains("service = oke, accelerator = a100, intent = training"),
        "the meet: {err}"
    );
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("resolve__conflict", err);
    });
}

#[test]
fn the_meet_overlay_or_a_priority_settles_it() {
    for fixture in ["meet", "priority"] {
        let out = driver_version(fixture);
        assert_eq!(out.status.code(), Some(0), "{fixture}: {}", stderr(&out));
        assert_eq!(stdout(&out), "580.65.06\n", "{fixture}");
    }
}

/// The embedded library's overlays, each as its own text.
fn overlay_texts() -> (Vec<String>, BTreeMap<String, Entry>) {
    let recipes = Root::embedded_recipes();
    let mut overlays = Vec::new();
    let mut data = BTreeMap::new();
    for (rel, entry) in recipes.files {
        match (&entry, rel.ends_with(".ovl")) {
            (Entry::Text(text), true) => {
                let (unit, diags) = galley::syntax::parser::parse(galley::source::FileId(0), text);
                assert!(diags.is_empty(), "{rel}");
                for item in &unit.items {
                    overlays.push(text[item.span().range()].to_string());
                }
            }
            _ => {
                data.insert(rel, entry);
            }
        }
    }
    (overlays, data)
}

const TARGETS: &[&[(&str, &str)]] = &[
    &[
        ("service", "eks"),
        ("accelerator", "h100"),
        ("intent", "training"),
        ("os", "ubuntu"),
        ("platform", "kubeflow"),
    ],
    &[
        ("service", "aks"),
        ("accelerator", "h100"),
        ("intent", "inference"),
        ("os", "ubuntu"),
        ("platform", "dynamo"),
    ],
    &[
        ("service", "gke"),
        ("accelerator", "h100"),
        ("intent", "training"),
        ("os", "cos"),
    ],
    &[
        ("service", "eks"),
        ("accelerator", "gb200"),
        ("intent", "inference"),
    ],
    &[("intent", "training")],
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
            galley::yaml_out::document_yaml(&RecipeResult::new(&recipe, true))
        })
        .collect()
}

fn shuffled_root(
    overlays: &[String],
    data: &BTreeMap<String, Entry>,
    order: &[usize],
    files: usize,
) -> Root {
    let mut files_map = data.clone();
    let mut texts: Vec<String> = vec![String::new(); files];
    for (i, &o) in order.iter().enumerate() {
        let t = &mut texts[(i * 7 + o) % files];
        t.push_str(&overlays[o]);
        t.push_str("\n\n");
    }
    for (k, text) in texts.into_iter().enumerate() {
        files_map.insert(
            format!("overlays/z{:02}-{}.ovl", (k * 37) % 97, k),
            Entry::Text(text.into()),
        );
    }
    Root {
        label: "shuffled".into(),
        dir: None,
        embedded: true,
        files: files_map,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Overlay order, file boundaries and file names (hence walk order) never change a byte.
    #[test]
    fn shuffling_inputs_never_changes_the_output(seed in any::<u64>(), files in 1usize..12) {
        let (overlays, data) = overlay_texts();
        let baseline = results(DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()]));
        let mut order: Vec<usize> = (0..overlays.len()).collect();
        let mut state = seed | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let root = shuffled_root(&overlays, &data, &order, files);
        let shuffled = results(DataSet::new(vec![Root::embedded_stdlib(), root]));
        prop_assert_eq!(shuffled, baseline);
    }
}

#[test]
fn criteria_errors_are_usage_errors() {
    let out = run(galley().args(["recipe", "--service", "ekss"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean `eks`"));
    assert_eq!(
        run(galley().arg("recipe")).status.code(),
        Some(2),
        "no criteria"
    );
    assert_eq!(
        run(galley().args(["recipe", "--service", "eks", "--service", "gke"]))
            .status
            .code(),
        Some(2)
    );
    let tmp = TempDir::new("criteria");
    let file = tmp.path().join("c.yaml");
    std::fs::write(&file, "kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nspec:\n  service: eks\n  accelerator: h100\n").unwrap();
    let out = run(galley()
        .args(["query", "--selector", "criteria.accelerator", "--criteria"])
        .arg(&file)
        .args(["--service", "gke"]));
    assert_eq!(stdout(&out), "h100\n", "{}", stderr(&out));
    let out = run(galley()
        .args(["query", "--selector", "criteria.service", "--criteria"])
        .arg(&file)
        .args(["--service", "gke"]));
    assert_eq!(stdout(&out), "gke\n", "flags override the file");
    std::fs::write(&file, "kind: Recipe\nspec: {}\n").unwrap();
    assert_eq!(
        run(galley().args(["recipe", "--criteria"]).arg(&file))
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn criteria_are_detected_from_a_snapshot_and_flags_override_them() {
    let snap = "tests/fixtures/snapshots/eks-h100.yaml";
    let criteria = |extra: &[&str]| {
        let out = run(galley()
            .args([
                "query",
                "--selector",
                "criteria",
                "--format",
                "json",
                "--snapshot",
                snap,
            ])
            .args(extra));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        (
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
            stderr(&out),
        )
    };
    let (c, notes) = criteria(&[]);
    assert_eq!(
        (
            c["service"].as_str(),
            c["accelerator"].as_str(),
            c["os"].as_str()
        ),
        (Some("eks"), Some("h100"), Some("ubuntu"))
    );
    assert!(notes.contains("detected service = eks"), "{notes}");
    let (c, notes) = criteria(&["--intent", "training", "--accelerator", "gb200"]);
    assert_eq!(
        (c["accelerator"].as_str(), c["intent"].as_str()),
        (Some("gb200"), Some("training"))
    );
    assert!(
        notes.contains("--accelerator sets accelerator = gb200, overriding `h100`"),
        "{notes}"
    );
    let bad = run(galley().args(["recipe", "--snapshot", "tests/fixtures/snapshots/nope.yaml"]));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let args = [
        "recipe",
        "--service",
        "eks",
        "--accelerator",
        "gb200",
        "--intent",
        "training",
        "--os",
        "ubuntu",
        "--hydrate",
    ];
    let outputs: Vec<Vec<u8>> = ["1", "2", "5"]
        .iter()
        .map(|t| {
            let out = run(galley().env("GALLEY_THREADS", t).args(args));
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            out.stdout
        })
        .collect();
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    let checks: Vec<Vec<u8>> = ["1", "3"]
        .iter()
        .map(|t| {
            run(galley().env("GALLEY_THREADS", t).args([
                "check",
                "--format",
                "json",
                "--data",
                "tests/fixtures/check/syntax-error",
            ]))
            .stdout
        })
        .collect();
    assert_eq!(checks[0], checks[1]);
}

#[test]
fn a_dependency_cycle_is_reported_with_every_edge() {
    let out = run(galley().args([
        "recipe",
        "--data",
        "tests/fixtures/resolve/dependency-cycle",
        "--service",
        "oke",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("galley::resolve::dependency-cycle"), "{err}");
    assert!(
        err.contains("`cert-manager` → `gpu-operator` → `cert-manager`"),
        "{err}"
    );
    assert!(
        err.contains("`gpu-operator` needs `cert-manager`")
            && err.contains("`cert-manager` needs `gpu-operator`"),
        "{err}"
    );
}

/// Everything a recipe says, provenance included (every field trace and every value trace).
fn everything(recipe: &galley::ir::Recipe) -> String {
    let mut out = galley::yaml_out::document_yaml(&RecipeResult::new(recipe, true));
    out.push_str(&format!("{:?}\n", recipe.provenance.paths));
    for c in &recipe.components {
        let values = recipe.provenance.under(&format!("{}.values", c.name));
        out.push_str(&format!("{values:?}\n"));
    }
    out
}

/// One resolver keeps each component it built and hands it to later recipes with the same
/// blocks; every target must come out exactly as a resolver of its own gives it.
#[test]
fn a_shared_resolver_gives_each_target_what_a_fresh_one_gives() {
    let data = DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()]);
    let (library, diags) = galley::check::check(data);
    assert!(!diags.has_errors());
    let space = galley::author::coverage::space(&library);
    let shared = galley::resolve::Resolver::new(&library);
    let mut compared = 0;
    for (i, q) in galley::author::coverage::queries(&space).iter().enumerate() {
        let a = shared.resolve(q);
        // Every target through the shared resolver; a sample against fresh ones (the
        // shared one has seen every earlier target by then).
        if i % 3 != 0 {
            continue;
        }
        let b = galley::resolve::Resolver::new(&library).resolve(q);
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(everything(&a), everything(&b), "{}", q.describe()),
            (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
            (a, b) => panic!("{}: {:?} vs {:?}", q.describe(), a.is_ok(), b.is_ok()),
        }
        compared += 1;
    }
    assert_eq!(compared, 540);
}
