//! Reading a `RecipeResult` document back (from galley or from the reference) into a
//! [`Recipe`], so `bundle -r FILE` can lower a recipe resolved elsewhere.
//!
//! The reader is as lenient as the reference about what it ignores (unknown fields, an empty
//! `kind`) and strict about what it uses: every field galley reads must have the right
//! shape, and every problem is a diagnostic that points at the line. Values are hydrated the
//! reference's way (two levels: `components/<name>/values.yaml` if it exists, the ref's
//! `valuesFile` over it, then `overrides`), unless the ref carries galley's `values` (written
//! by `galley recipe --hydrate`), which are taken as they are.

use crate::check::Library;
use crate::diag::{Code, Diagnostic};
use crate::ir::{
    Component, Constraint, ExpectedResource, NodeSelection, Phase, Provenance, Recipe, Validation,
};
use crate::resolve::criteria::Query;
use crate::source::{FileId, Files};
use crate::syntax::ast::{ComponentType, DIMENSIONS};
use crate::syntax::yaml::{self, Node, NodeKind};
use crate::value::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Read `text` (registered as `file` in `files`) as a `RecipeResult` and hydrate its values
/// from `lib`'s data. All problems are returned together.
pub fn read_result(
    lib: &Library,
    files: &mut Files,
    file: FileId,
    text: &str,
) -> Result<Recipe, Vec<Diagnostic>> {
    let doc = match yaml::parse_recipe_document(file, text) {
        Ok(Some(doc)) => doc,
        Ok(None) => {
            return Err(vec![Diagnostic::error(
                Code::ResultShape,
                "the recipe file is empty; expected a `RecipeResult` document",
            )]);
        }
        Err(d) => return Err(vec![retag(d)]),
    };
    let mut r = Reader {
        text,
        errors: Vec::new(),
    };
    let recipe = r.recipe(lib, files, &doc);
    if r.errors.is_empty() {
        Ok(recipe)
    } else {
        Err(r.errors)
    }
}

/// A YAML syntax error in a recipe file is reported under the recipe code.
fn retag(mut d: Diagnostic) -> Diagnostic {
    d.code = Code::ResultParse;
    d
}

struct Reader<'t> {
    text: &'t str,
    errors: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn shape(&mut self, node: &Node, what: &str, expected: &str) {
        self.errors.push(
            Diagnostic::error(
                Code::ResultShape,
                format!("{what} must be {expected}, found {}", node.kind_name()),
            )
            .with_label(node.span, format!("expected {expected}")),
        );
    }

    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        match &node.kind {
            NodeKind::Map(m) => Some(m),
            NodeKind::Null => None,
            _ => {
                self.shape(node, what, "a mapping");
                None
            }
        }
    }

    fn seq<'n>(&mut self, node: Option<&'n Node>, what: &str) -> &'n [Node] {
        let Some(node) = node else { return &[] };
        match &node.kind {
            NodeKind::Seq(items) => items,
            NodeKind::Null => &[],
            _ => {
                self.shape(node, what, "a list");
                &[]
            }
        }
    }

    /// A scalar as text (the reference reads these into Go strings, so `1.10` stays `1.10`).
    fn string(&mut self, node: Option<&Node>, what: &str) -> Option<String> {
        let node = node?;
        match node.scalar_text(self.text) {
            Some(s) => Some(s.into_owned()),
            None if node.is_null() => None,
            None => {
                self.shape(node, what, "a string");
                None
            }
        }
    }

    fn strings(&mut self, node: Option<&Node>, what: &str) -> Vec<String> {
        let items = self.seq(node, what);
        items
            .iter()
            .filter_map(|n| self.string(Some(n), what))
            .collect()
    }

    /// `metadata.params`, as `galley recipe` records them (galley's extension).
    fn recorded_params(&mut self, node: Option<&Node>) -> Vec<crate::params::Setting> {
        let mut out = Vec::new();
        for n in self.seq(node, "`metadata.params`") {
            match crate::params::recorded(n) {
                Ok(s) => out.push(s),
                Err(e) => self.errors.push(
                    Diagnostic::error(Code::ResultShape, format!("`metadata.params`: {e}"))
                        .with_label(n.span, "this entry"),
                ),
            }
        }
        out
    }

    fn recipe(&mut self, lib: &Library, files: &mut Files, doc: &Node) -> Recipe {
        let Some(_) = self.map(doc, "a recipe document") else {
            if doc.is_null() {
                self.errors.push(Diagnostic::error(
                    Code::ResultShape,
                    "the recipe file is empty; expected a `RecipeResult` document",
                ));
            }
            return empty_recipe();
        };
        if let Some(kind) = self.string(doc.get("kind"), "`kind`")
            && !kind.is_empty()
            && kind != "RecipeResult"
        {
            let node = doc.get("kind").unwrap_or(doc);
            self.errors.push(
                Diagnostic::error(
                    Code::ResultShape,
                    format!("expected a `RecipeResult` document, found kind `{kind}`"),
                )
                .with_label(node.span, "not a RecipeResult")
                .with_help("write one with `galley recipe -o FILE` or `aicr recipe`"),
            );
            return empty_recipe();
        }
        let criteria = self.criteria(lib, doc.get("criteria"));
        let applied_overlays = doc
            .get("metadata")
            .and_then(|m| self.map(m, "`metadata`").map(|_| m))
            .map(|m| self.strings(m.get("appliedOverlays"), "`metadata.appliedOverlays`"))
            .unwrap_or_default();
        let mut constraints = self.constraints(doc.get("constraints"), "`constraints`");
        constraints.sort_by(|a, b| a.name.cmp(&b.name));
        let refs = self.seq(doc.get("componentRefs"), "`componentRefs`");
        let mut components = Vec::new();
        let mut hasher = Sha256::new();
        hasher.update(self.text.as_bytes());
        for r in refs {
            if let Some(c) = self.component(lib, files, r, &mut hasher) {
                if components.iter().any(|o: &Component| o.name == c.name) {
                    self.errors.push(
                        Diagnostic::error(
                            Code::ResultShape,
                            format!("component `{}` is listed twice in `componentRefs`", c.name),
                        )
                        .with_label(r.span, "second entry"),
                    );
                    continue;
                }
                components.push(c);
            }
        }
        if refs.is_empty() && self.errors.is_empty() {
            self.errors.push(
                Diagnostic::error(
                    Code::ResultShape,
                    "the recipe has no `componentRefs`: there is nothing to deploy",
                )
                .with_label(doc.span, "this document"),
            );
        }
        components.sort_by(|a, b| a.name.cmp(&b.name));
        let deployment_order = self.strings(doc.get("deploymentOrder"), "`deploymentOrder`");
        let validation = self.validation(doc.get("validation"));
        Recipe {
            criteria,
            applied_overlays,
            constraints,
            components,
            deployment_order,
            validation,
            provenance: Provenance::default(),
            fingerprint: hex(&hasher.finalize()),
            params: self.recorded_params(doc.get("metadata").and_then(|m| m.get("params"))),
        }
    }

    fn criteria(&mut self, lib: &Library, node: Option<&Node>) -> Query {
        let mut query = Query::any();
        let Some(node) = node else { return query };
        let Some(entries) = self.map(node, "`criteria`") else {
            return query;
        };
        for (k, v) in entries {
            let key = k.key_text();
            let dim = if key == "gpu" { "accelerator" } else { &key };
            if !DIMENSIONS.contains(&dim) {
                continue;
            }
            let Some(raw) = self.string(Some(v), "a criteria value") else {
                continue;
            };
            if raw.is_empty() {
                continue;
            }
            if let Err(e) = query.set(&lib.stdlib.dimensions, dim, &raw) {
                self.errors.push(
                    Diagnostic::error(
                        Code::ResultShape,
                        crate::resolve::criteria::invalid_value(
                            &lib.stdlib.dimensions,
                            dim,
                            &raw,
                            e,
                        ),
                    )
                    .with_label(v.span, "not a criteria value of this library"),
                );
            }
        }
        query
    }

    fn constraints(&mut self, node: Option<&Node>, what: &str) -> Vec<Constraint> {
        let items = self.seq(node, what);
        let mut out = Vec::new();
        for item in items {
            if self.map(item, "a constraint").is_none() {
                continue;
            }
            let name = self.string(item.get("name"), "a constraint's `name`");
            let value = self.string(item.get("value"), "a constraint's `value`");
            match (name, value) {
                (Some(name), Some(value)) => out.push(Constraint {
                    name,
                    value,
                    severity: self.string(item.get("severity"), "`severity`"),
                    remediation: self.string(item.get("remediation"), "`remediation`"),
                    unit: self.string(item.get("unit"), "`unit`"),
                }),
                _ => self.errors.push(
                    Diagnostic::error(Code::ResultShape, "a constraint needs `name` and `value`")
                        .with_label(item.span, "this constraint"),
                ),
            }
        }
        out
    }

    fn validation(&mut self, node: Option<&Node>) -> Validation {
        let mut v = Validation::default();
        let Some(node) = node else { return v };
        let Some(entries) = self.map(node, "`validation`") else {
            return v;
        };
        for (k, body) in entries {
            let key = k.key_text();
            let Some(slot) = v.slot(&key) else { continue };
            if self.map(body, "a validation phase").is_none() {
                continue;
            }
            let selection = body.get("nodeSelection").map(|n| {
                let mut sel = NodeSelection::default();
                if let Some(m) = n.get("selector").and_then(Node::as_map) {
                    for (k, v) in m {
                        if let Some(val) = v.scalar_text(self.text) {
                            sel.selector
                                .insert(k.key_text().into_owned(), val.into_owned());
                        }
                    }
                }
                sel.max_nodes = n.get("maxNodes").and_then(Node::as_i64);
                sel.exclude_nodes = n
                    .get("excludeNodes")
                    .and_then(Node::as_seq)
                    .map(|s| {
                        s.iter()
                            .filter_map(|x| x.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                sel
            });
            let phase = Phase {
                timeout: self.string(body.get("timeout"), "`timeout`"),
                constraints: self.constraints(body.get("constraints"), "phase `constraints`"),
                checks: self.strings(body.get("checks"), "phase `checks`"),
                node_selection: selection,
                infrastructure: self.string(body.get("infrastructure"), "`infrastructure`"),
            };
            *slot = Some(phase);
        }
        v
    }

    fn component(
        &mut self,
        lib: &Library,
        files: &mut Files,
        node: &Node,
        hasher: &mut Sha256,
    ) -> Option<Component> {
        self.map(node, "a component reference")?;
        let Some(name) = self.string(node.get("name"), "a component's `name`") else {
            self.errors.push(
                Diagnostic::error(Code::ResultShape, "a component reference needs a `name`")
                    .with_label(node.span, "this entry"),
            );
            return None;
        };
        let kind = match self.string(node.get("type"), "`type`").as_deref() {
            None | Some("") | Some("Helm") | Some("helm") => ComponentType::Helm,
            Some("Kustomize") | Some("kustomize") => ComponentType::Kustomize,
            Some(other) => {
                let at = node.get("type").unwrap_or(node);
                self.errors.push(
                    Diagnostic::error(
                        Code::ResultShape,
                        format!(
                            "component `{name}` has type `{other}`; expected Helm or Kustomize"
                        ),
                    )
                    .with_label(at.span, "unknown type"),
                );
                ComponentType::Helm
            }
        };
        let opt = |r: &mut Self, key: &str| {
            r.string(node.get(key), &format!("`{key}` of `{name}`"))
                .filter(|s| !s.is_empty())
        };
        let source = opt(self, "source").unwrap_or_default();
        let chart = opt(self, "chart");
        let version = opt(self, "version");
        let namespace = opt(self, "namespace");
        let tag = opt(self, "tag");
        let path = opt(self, "path");
        let values_file = opt(self, "valuesFile");
        let health_check_asserts = opt(self, "healthCheckAsserts");
        let dependency_refs = self.strings(node.get("dependencyRefs"), "`dependencyRefs`");
        let manifest_files = self.strings(node.get("manifestFiles"), "`manifestFiles`");
        let patches = self.strings(node.get("patches"), "`patches`");
        let cleanup = node.get("cleanup").and_then(Node::as_bool).unwrap_or(false);
        let overrides = match node.get("overrides") {
            None => Value::Map(Default::default()),
            Some(n) if n.is_null() => Value::Map(Default::default()),
            Some(n) => match n.to_value() {
                v @ Value::Map(_) => v,
                _ => {
                    self.shape(n, &format!("`overrides` of `{name}`"), "a mapping");
                    Value::Map(Default::default())
                }
            },
        };
        let mut expected_resources: Vec<ExpectedResource> = Vec::new();
        for r in self.seq(node.get("expectedResources"), "`expectedResources`") {
            if let (Some(kind), Some(rname)) = (
                r.get("kind").and_then(Node::as_str),
                r.get("name").and_then(Node::as_str),
            ) {
                expected_resources.push(ExpectedResource {
                    kind: kind.into(),
                    name: rname.into(),
                    namespace: r.get("namespace").and_then(Node::as_str).map(String::from),
                });
            }
        }
        let (values, values_files) = match node.get("values") {
            Some(v) if !v.is_null() => match v.to_value() {
                m @ Value::Map(_) => (m, values_file.iter().cloned().collect()),
                _ => {
                    self.shape(v, &format!("`values` of `{name}`"), "a mapping");
                    (Value::Map(Default::default()), Vec::new())
                }
            },
            _ => self.hydrate(
                lib,
                files,
                &name,
                values_file.as_deref(),
                &overrides,
                node,
                hasher,
            ),
        };
        Some(Component {
            name,
            kind,
            source,
            chart,
            version,
            namespace,
            tag,
            path,
            patches,
            values_files,
            overrides: std::sync::Arc::new(overrides),
            values: Arc::new(values),
            dependency_refs,
            manifest_files,
            cleanup,
            expected_resources,
            health_check_asserts,
        })
    }

    /// The reference's two-level hydration (`recipe-engine.md` §3): the component's
    /// `values.yaml` when it exists, the named file over it, then the overrides. A named file
    /// that is missing or not a mapping is an error (the reference only warns and bundles an
    /// empty `values.yaml`).
    #[allow(clippy::too_many_arguments)]
    fn hydrate(
        &mut self,
        lib: &Library,
        files: &mut Files,
        name: &str,
        values_file: Option<&str>,
        overrides: &Value,
        node: &Node,
        hasher: &mut Sha256,
    ) -> (Value, Vec<String>) {
        let mut values = Value::Map(Default::default());
        let mut used = Vec::new();
        let base = format!("components/{name}/values.yaml");
        if let Some(file) = values_file {
            if file != base && lib.data.resolve(&base).is_ok() {
                self.load(lib, files, &base, node, &mut values, hasher);
                used.push(base.clone());
            }
            if self.load(lib, files, file, node, &mut values, hasher) {
                used.push(file.to_string());
            }
        }
        values.merge_from(overrides);
        (values, used)
    }

    fn load(
        &mut self,
        lib: &Library,
        files: &mut Files,
        path: &str,
        node: &Node,
        into: &mut Value,
        hasher: &mut Sha256,
    ) -> bool {
        let at = node.get("valuesFile").unwrap_or(node).span;
        let text = match lib.data.resolve(path) {
            Ok((_, text)) => text.clone(),
            Err(e) => {
                self.errors.push(
                    Diagnostic::error(
                        Code::BundleValues,
                        format!("values file `{path}` cannot be used: {e}"),
                    )
                    .with_label(at, "named here")
                    .with_help(
                        "the file must exist in the embedded library or a `--data` directory",
                    ),
                );
                return false;
            }
        };
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        let id = files.add(path.to_string(), text.to_string());
        match yaml::parse_document(id, &text) {
            Ok(None) => true,
            Ok(Some(doc)) => match doc.to_value() {
                v @ Value::Map(_) => {
                    into.merge_from(&v);
                    true
                }
                Value::Null => true,
                other => {
                    self.errors.push(
                        Diagnostic::error(
                            Code::BundleValues,
                            format!(
                                "values file `{path}` must hold a mapping, not {}",
                                other.type_name()
                            ),
                        )
                        .with_label(doc.span, "not a mapping"),
                    );
                    false
                }
            },
            Err(mut d) => {
                d.code = Code::BundleValues;
                d.message = format!("values file `{path}` does not parse: {}", d.message);
                self.errors.push(d);
                false
            }
        }
    }
}

fn empty_recipe() -> Recipe {
    Recipe {
        criteria: Query::any(),
        applied_overlays: Vec::new(),
        constraints: Vec::new(),
        components: Vec::new(),
        deployment_order: Vec::new(),
        validation: Validation::default(),
        provenance: Provenance::default(),
        fingerprint: String::new(),
        params: Vec::new(),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
