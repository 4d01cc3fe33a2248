//! `registry.yaml` (`ComponentRegistry`) and `validators/catalog.yaml` (`ValidatorCatalog`).
//!
//! Each `components[]` entry becomes a [`ComponentDecl`], each `validators[]` entry a
//! [`ValidatorDecl`]. Registry source fields keep empty strings (`defaultRepository: ""` is
//! what makes `skyhook-customizations` emit `source: ""`), and value paths are split on `.`.
//! The registry's `manifest: {defaultNamespace}` is a key the reference never reads; it is
//! reported as an unknown field and dropped, so the component gets no namespace, as there.

use super::{Lowerer, assign};
use crate::source::Spanned;
use crate::syntax::ast::{
    Assign, BundleCheck, ComponentDecl, Item, Name, RegistryStmt, SchedulingBlock, SourceBlock,
    Str, ValidatorDecl, ValidatorStmt, Value, ValueKind, ValuePath,
};
use crate::syntax::yaml::{Node, NodeKind};

const COMPONENT_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "valueOverrideKeys",
    "helm",
    "kustomize",
    "healthCheck",
    "nodeScheduling",
    "podScheduling",
    "validations",
];
const HELM_FIELDS: &[(&str, &str)] = &[
    ("repository", "defaultRepository"),
    ("chart", "defaultChart"),
    ("version", "defaultVersion"),
    ("namespace", "defaultNamespace"),
];
const KUSTOMIZE_FIELDS: &[(&str, &str)] = &[
    ("source", "defaultSource"),
    ("path", "defaultPath"),
    ("tag", "defaultTag"),
    ("namespace", "defaultNamespace"),
];
const SCHEDULING_FIELDS: &[(&str, &str)] = &[
    ("node-selector", "nodeSelectorPaths"),
    ("tolerations", "tolerationPaths"),
    ("taints", "taintPaths"),
    ("taint-string", "taintStrPaths"),
];
const VALIDATOR_FIELDS: &[&str] = &[
    "name",
    "phase",
    "description",
    "image",
    "timeout",
    "args",
    "env",
];

impl Lowerer<'_> {
    pub(super) fn registry(&mut self, doc: &Node) -> Vec<Item> {
        self.unknown_fields(doc, &["apiVersion", "kind", "components"], "the registry");
        let mut items = Vec::new();
        for entry in self.list_field(doc, "components", "the registry") {
            items.extend(self.component_decl(entry).map(Item::Component));
        }
        items
    }

    fn component_decl(&mut self, entry: &Node) -> Option<ComponentDecl> {
        let ctx = "components";
        self.expect_map(entry, "each entry", ctx)?;
        self.unknown_fields(entry, COMPONENT_FIELDS, ctx);
        self.note_manifest_namespace(entry);
        let name = self.required_text(entry, "name", ctx)?;
        let mut body = Vec::new();
        body.extend(
            self.text_field(entry, "displayName", ctx)
                .map(RegistryStmt::DisplayName),
        );
        body.extend(
            self.text_list(entry, "valueOverrideKeys", ctx)
                .map(RegistryStmt::Aliases),
        );
        body.extend(
            self.source_block(entry, "helm", HELM_FIELDS)
                .map(RegistryStmt::Helm),
        );
        let kustomize = self.source_block(entry, "kustomize", KUSTOMIZE_FIELDS);
        body.extend(kustomize.map(RegistryStmt::Kustomize));
        if let Some(check) = self.map_field(entry, "healthCheck", ctx) {
            self.unknown_fields(check, &["assertFile"], "components.healthCheck");
            let file = self.text_field(check, "assertFile", "components.healthCheck");
            body.extend(file.map(RegistryStmt::HealthCheck));
        }
        self.scheduling(entry, &mut body);
        for check in self.list_field(entry, "validations", ctx) {
            body.extend(self.bundle_check(check).map(RegistryStmt::BundleCheck));
        }
        Some(ComponentDecl {
            span: entry.span,
            name,
            body,
        })
    }

    /// The unknown-field warning for `manifest:` gets a note on what the reference does.
    fn note_manifest_namespace(&mut self, entry: &Node) {
        self.amend_unknown(entry, "manifest", |d| {
            d.notes.push(
                "the reference does not read `manifest.defaultNamespace`, so this component \
                 gets no default namespace"
                    .into(),
            )
        });
    }

    /// `helm: {defaultRepository: ..}` → `helm { repository .. }`; empty strings are kept.
    fn source_block(
        &mut self,
        entry: &Node,
        key: &str,
        fields: &[(&str, &str)],
    ) -> Option<SourceBlock> {
        let (k, node) = entry.entry(key)?;
        self.expect_map(node, key, "components")?;
        let ctx = format!("components.{key}");
        let known: Vec<&str> = fields.iter().map(|(_, yaml)| *yaml).collect();
        self.unknown_fields(node, &known, &ctx);
        let mut out = Vec::new();
        for &(field, yaml_key) in fields {
            if let Some((fk, _)) = node.entry(yaml_key)
                && let Some(text) = self.text_field(node, yaml_key, &ctx)
            {
                out.push((Spanned::new(field.to_string(), fk.span), text));
            }
        }
        Some(SourceBlock {
            span: k.span.to(node.span),
            fields: out,
        })
    }

    fn scheduling(&mut self, entry: &Node, body: &mut Vec<RegistryStmt>) {
        if let Some(node) = self.map_field(entry, "nodeScheduling", "components") {
            let ctx = "components.nodeScheduling";
            self.unknown_fields(node, &["system", "accelerated", "nodeCountPaths"], ctx);
            for role in ["system", "accelerated"] {
                body.extend(
                    self.scheduling_block(node, role)
                        .map(RegistryStmt::Scheduling),
                );
            }
            body.extend(
                self.value_paths(node, "nodeCountPaths", ctx)
                    .map(RegistryStmt::NodeCount),
            );
        }
        if let Some(node) = self.map_field(entry, "podScheduling", "components") {
            self.unknown_fields(node, &["workload"], "components.podScheduling");
            let ctx = "components.podScheduling.workload";
            if let Some(workload) = self.map_field(node, "workload", "components.podScheduling") {
                self.unknown_fields(workload, &["workloadSelectorPaths"], ctx);
                let paths = self.value_paths(workload, "workloadSelectorPaths", ctx);
                body.extend(paths.map(RegistryStmt::WorkloadSelector));
            }
        }
    }

    fn scheduling_block(&mut self, parent: &Node, role: &str) -> Option<SchedulingBlock> {
        let (k, node) = parent.entry(role)?;
        self.expect_map(node, role, "components.nodeScheduling")?;
        let ctx = format!("components.nodeScheduling.{role}");
        let known: Vec<&str> = SCHEDULING_FIELDS.iter().map(|(_, yaml)| *yaml).collect();
        self.unknown_fields(node, &known, &ctx);
        let mut fields = Vec::new();
        for &(field, yaml_key) in SCHEDULING_FIELDS {
            if let Some((fk, _)) = node.entry(yaml_key)
                && let Some(paths) = self.value_paths(node, yaml_key, &ctx)
            {
                fields.push((Spanned::new(field.to_string(), fk.span), paths));
            }
        }
        Some(SchedulingBlock {
            span: k.span.to(node.span),
            role: Spanned::new(role.to_string(), k.span),
            fields,
        })
    }

    /// A list of dotted Helm value paths (`operator.nodeSelector`).
    fn value_paths(&mut self, map: &Node, key: &str, ctx: &str) -> Option<Spanned<Vec<ValuePath>>> {
        let texts = self.text_list(map, key, ctx)?;
        let items = map.get(key).and_then(Node::as_seq).unwrap_or_default();
        let paths = texts
            .node
            .iter()
            .zip(items)
            .map(|(text, item)| self.value_path(item, text))
            .collect();
        Some(Spanned::new(paths, texts.span))
    }

    fn value_path(&self, node: &Node, text: &Str) -> ValuePath {
        let mut segments = Vec::new();
        let mut start = 0;
        for part in text.node.split('.') {
            let span = self.sub_span(node, &text.node, start..start + part.len());
            segments.push(Spanned::new(part.to_string(), span));
            start += part.len() + 1;
        }
        ValuePath {
            span: text.span,
            segments,
        }
    }

    fn bundle_check(&mut self, node: &Node) -> Option<BundleCheck> {
        let ctx = "components.validations";
        self.expect_map(node, "each entry", ctx)?;
        self.unknown_fields(
            node,
            &["function", "severity", "conditions", "message"],
            ctx,
        );
        let function = self.required_text(node, "function", ctx)?;
        let empty = || Spanned::new(String::new(), node.span);
        let severity = self.text_field(node, "severity", ctx).unwrap_or_else(empty);
        let message = self.text_field(node, "message", ctx).unwrap_or_else(empty);
        let mut conditions = Vec::new();
        if let Some(map) = self.map_field(node, "conditions", ctx) {
            for (dim, values) in map.as_map().unwrap_or_default() {
                let dimension: Name = Spanned::new(dim.key_text().into_owned(), dim.span);
                conditions.push((dimension, self.condition_values(values)));
            }
        }
        Some(BundleCheck {
            span: node.span,
            function,
            severity,
            conditions,
            message,
        })
    }

    /// A condition's allowed values: a list, or one scalar.
    fn condition_values(&mut self, values: &Node) -> Vec<Name> {
        let ctx = "components.validations.conditions";
        let items = match &values.kind {
            NodeKind::Seq(items) => items.as_slice(),
            _ => std::slice::from_ref(values),
        };
        items
            .iter()
            .filter_map(|v| {
                let text = self.scalar_text(v, "conditions", ctx)?;
                Some(Spanned::new(text, v.span))
            })
            .collect()
    }

    // -----------------------------------------------------------------------------------
    // Validator catalog
    // -----------------------------------------------------------------------------------

    pub(super) fn catalog(&mut self, doc: &Node) -> Vec<Item> {
        let ctx = "the validator catalog";
        self.unknown_fields(doc, &["apiVersion", "kind", "metadata", "validators"], ctx);
        if let Some(metadata) = self.map_field(doc, "metadata", ctx) {
            self.unknown_fields(metadata, &["name", "version"], "metadata");
        }
        let mut items = Vec::new();
        for entry in self.list_field(doc, "validators", ctx) {
            items.extend(self.validator_decl(entry).map(Item::Validator));
        }
        items
    }

    fn validator_decl(&mut self, entry: &Node) -> Option<ValidatorDecl> {
        let ctx = "validators";
        self.expect_map(entry, "each entry", ctx)?;
        self.unknown_fields(entry, VALIDATOR_FIELDS, ctx);
        let name = self.required_text(entry, "name", ctx)?;
        let mut body = Vec::new();
        body.extend(
            self.text_field(entry, "phase", ctx)
                .map(ValidatorStmt::Phase),
        );
        let description = self.text_field(entry, "description", ctx);
        body.extend(description.map(ValidatorStmt::Description));
        body.extend(
            self.text_field(entry, "image", ctx)
                .map(ValidatorStmt::Image),
        );
        body.extend(
            self.text_field(entry, "timeout", ctx)
                .map(ValidatorStmt::Timeout),
        );
        body.extend(self.text_list(entry, "args", ctx).map(ValidatorStmt::Args));
        if let Some(env) = entry.get("env") {
            body.extend(self.env(env).into_iter().map(ValidatorStmt::Env));
        }
        Some(ValidatorDecl {
            span: entry.span,
            name,
            body,
        })
    }

    /// `env`: a list of `{name, value}` (Kubernetes style) or a map of name → value.
    fn env(&mut self, env: &Node) -> Vec<Assign> {
        match &env.kind {
            NodeKind::Map(entries) => entries.iter().map(|(k, v)| assign(k, v)).collect(),
            NodeKind::Seq(items) => items.iter().filter_map(|item| self.env_var(item)).collect(),
            NodeKind::Null => Vec::new(),
            _ => {
                self.wrong_shape(env, "env", "validators", "a list");
                Vec::new()
            }
        }
    }

    fn env_var(&mut self, item: &Node) -> Option<Assign> {
        let ctx = "validators.env";
        self.expect_map(item, "each entry", ctx)?;
        self.unknown_fields(item, &["name", "value"], ctx);
        let name = self.required_text(item, "name", ctx)?;
        let value = self
            .text_field(item, "value", ctx)
            .unwrap_or_else(|| Spanned::new(String::new(), item.span));
        Some(Assign {
            span: item.span,
            path: ValuePath {
                span: name.span,
                segments: vec![name],
            },
            value: Value {
                span: value.span,
                kind: ValueKind::String(value.node),
            },
        })
    }
}
