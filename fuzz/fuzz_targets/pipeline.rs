//! The whole pipeline on a generated library: check, lints, resolve every target of the
//! leaf overlays, bundle in memory with each deployer, and render every diagnostic.
//!
//! The input is structured (`arbitrary`): the library's shape is drawn as sizes (an
//! `extends` chain, sibling overlays, a `set` path's depth, a values file's keys, added
//! dimension values, priorities) and as free text spliced into the overlays, so that one
//! input reaches the limits that plain text of a few kilobytes never does. Nothing may
//! panic, overflow the stack or hang.
#![no_main]

use arbitrary::Arbitrary;
use galley::bundle::{self, Deployer};
use galley::data::{DataSet, Entry, Root};
use galley::render::{self, Style};
use galley::resolve::criteria::Query;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Arbitrary, Debug)]
struct Shape {
    /// Overlays in one `extends` chain under `base`.
    chain: u16,
    /// Overlays side by side under `base`, each with a `nodes` count.
    siblings: u8,
    /// Segments of one dotted `set` path.
    depth: u16,
    /// Nesting of a map literal inside it.
    literal_depth: u8,
    /// Keys of a values file, and of a second one a child layers over it.
    keys: u16,
    /// Values added to the accelerator dimension.
    dimension_values: u16,
    priorities: Vec<i8>,
    /// Free text: a value, a key, and a whole extra `.ovl` file.
    value: String,
    key: String,
    extra: String,
}

fn ovl(shape: &Shape) -> String {
    let mut out = String::from("overlay base {\n  component cert-manager { set { base = 1 } }\n}\n");
    let priority = |i: usize| shape.priorities.get(i).map_or(0, |p| i64::from(*p));
    let mut parent = "base".to_string();
    for i in 0..usize::from(shape.chain % 2048) {
        out.push_str(&format!(
            "overlay c{i} extends {parent} priority {} {{\n  component cert-manager {{ set {{ k{i} = {i} }} }}\n}}\n",
            priority(i)
        ));
        parent = format!("c{i}");
    }
    let path: Vec<String> = (0..usize::from(shape.depth % 600)).map(|i| format!("d{i}")).collect();
    let literal = format!(
        "{}{:?}{}",
        "{ m = ".repeat(usize::from(shape.literal_depth)),
        shape.value,
        " }".repeat(usize::from(shape.literal_depth))
    );
    out.push_str(&format!(
        "overlay leaf extends {parent} {{\n  when service = kind, accelerator = l40\n  component cert-manager {{\n    values \"components/cert-manager/a.yaml\"\n    set {{\n      {} = {literal}\n      {:?} = 1\n    }}\n  }}\n}}\n",
        if path.is_empty() { "p".to_string() } else { path.join(".") },
        shape.key,
    ));
    out.push_str(
        "overlay leaf-child extends leaf {\n  when service = kind, accelerator = l40, intent = training\n  component cert-manager { values \"components/cert-manager/b.yaml\" }\n}\n",
    );
    for i in 0..usize::from(shape.siblings) {
        out.push_str(&format!(
            "overlay s{i} {{\n  when nodes = {}\n  component cert-manager {{ set {{ s{i} = true }} }}\n}}\n",
            i + 1
        ));
    }
    let added: Vec<String> = (0..usize::from(shape.dimension_values % 4096))
        .map(|i| format!("acc{i}"))
        .collect();
    if !added.is_empty() {
        out.push_str(&format!("dimension accelerator += {}\n", added.join(" | ")));
    }
    out
}

fn root(shape: &Shape) -> Root {
    let text = |s: String| Entry::Text(Arc::from(s));
    let keys = usize::from(shape.keys % 20_000);
    let mut files = BTreeMap::new();
    files.insert("overlays/lib.ovl".to_string(), text(ovl(shape)));
    files.insert("overlays/extra.ovl".to_string(), text(shape.extra.clone()));
    for (name, offset) in [("a", 0), ("b", 1)] {
        let yaml: String = (0..keys).map(|i| format!("k{i}: {}\n", i + offset)).collect();
        files.insert(format!("components/cert-manager/{name}.yaml"), text(yaml));
    }
    Root {
        label: "fuzz".into(),
        dir: None,
        embedded: false,
        files,
    }
}

fn show(diags: &[galley::diag::Diagnostic], files: &galley::source::Files) {
    let style = Style {
        color: false,
        unicode: true,
        width: 100,
    };
    for d in diags {
        let _ = render::render(d, files, style);
    }
}

fuzz_target!(|shape: Shape| {
    let data = DataSet::new(vec![Root::embedded_stdlib(), root(&shape)]);
    let (lib, diags) = galley::check::check(data);
    let list: Vec<_> = diags.iter().cloned().collect();
    show(&list, &lib.files);
    if diags.has_errors() {
        return;
    }
    show(&galley::check::lint::lint(&lib), &lib.files);
    for intent in [None, Some("training")] {
        let mut query = Query::any();
        query.values.insert("service".into(), "kind".into());
        query.values.insert("accelerator".into(), "l40".into());
        if let Some(i) = intent {
            query.values.insert("intent".into(), i.into());
        }
        let recipe = match galley::resolve::resolve(&lib, &query) {
            Ok(r) => r,
            Err(errors) => {
                show(&errors, &lib.files);
                continue;
            }
        };
        for deployer in [Deployer::Helm, Deployer::Flux, Deployer::Argocd, Deployer::Helmfile] {
            let opts = bundle::Options {
                deployer,
                repo: Some("https://example.com/repo.git".into()),
                ..Default::default()
            };
            if let Err(errors) = bundle::bundle(&lib, &recipe, &opts) {
                show(&errors, &lib.files);
            }
        }
    }
});
