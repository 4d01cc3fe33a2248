//! Declarations: criteria dimensions, the measurement catalog, the component registry and
//! the validator catalog, gathered from every layer.
//!
//! A name declared again in a higher layer replaces the lower declaration (a user's
//! `registry.yaml` entry replaces the embedded component); declared twice in the same layer
//! it is an error. `dimension X += ...` adds values to a dimension wherever it is declared.

use crate::check::load::LoadedUnit;
use crate::diag::{Code, Diagnostic, Diagnostics, suggestion};
use crate::source::Span;
use crate::syntax::ast::*;
use std::collections::{BTreeMap, BTreeSet};

pub use crate::syntax::ast::{DIMENSIONS, PHASES};

#[derive(Clone, Debug)]
pub struct Dimension {
    pub name: String,
    pub span: Span,
    /// A non-negative integer dimension (`nodes`).
    pub count: bool,
    pub values: BTreeSet<String>,
    /// alias → canonical value (or `any`).
    pub aliases: BTreeMap<String, String>,
}

/// Why a criteria value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueError {
    UnknownDimension,
    UnknownValue,
    NotACount,
}

#[derive(Clone, Debug, Default)]
pub struct Dimensions {
    pub map: BTreeMap<String, Dimension>,
}

impl Dimensions {
    /// Canonical form of a criteria value: trimmed, lower-cased, aliases resolved; `any` (or
    /// empty) for a wildcard, and `0` is `any` for a count.
    pub fn normalise(&self, dimension: &str, raw: &str) -> Result<String, ValueError> {
        let dim = self
            .map
            .get(dimension)
            .ok_or(ValueError::UnknownDimension)?;
        let value = raw.trim().to_ascii_lowercase();
        if value.is_empty() || value == "any" {
            return Ok("any".into());
        }
        if dim.count {
            return match value.parse::<u64>() {
                Ok(0) => Ok("any".into()),
                Ok(n) => Ok(n.to_string()),
                Err(_) => Err(ValueError::NotACount),
            };
        }
        if dim.values.contains(&value) {
            return Ok(value);
        }
        dim.aliases
            .get(&value)
            .cloned()
            .ok_or(ValueError::UnknownValue)
    }

    /// Every accepted spelling of a dimension's values (for help text).
    pub fn spellings(&self, dimension: &str) -> Vec<String> {
        self.map
            .get(dimension)
            .map(|d| {
                let mut all: Vec<String> = d.values.iter().cloned().collect();
                all.extend(d.aliases.keys().cloned());
                all.push("any".into());
                all
            })
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug)]
pub struct Measurement {
    pub pattern: Vec<PatternSeg>,
    pub ty: MeasureType,
    pub unit: Option<String>,
    pub span: Span,
}

impl Measurement {
    fn matches(&self, path: &[&str]) -> bool {
        self.pattern.len() == path.len()
            && self.pattern.iter().zip(path).all(|(p, k)| match p {
                PatternSeg::Any => true,
                PatternSeg::Key(key) => key == k,
            })
    }

    fn specificity(&self) -> usize {
        self.pattern
            .iter()
            .filter(|p| matches!(p, PatternSeg::Key(_)))
            .count()
    }

    pub fn display(&self) -> String {
        let mut out = String::new();
        for (i, seg) in self.pattern.iter().enumerate() {
            match seg {
                PatternSeg::Any => out.push_str("[*]"),
                PatternSeg::Key(k) if k.contains(['.', '/']) || k.is_empty() => {
                    out.push_str(&format!("[{k:?}]"))
                }
                PatternSeg::Key(k) => {
                    if i > 0 {
                        out.push('.');
                    }
                    out.push_str(k);
                }
            }
        }
        out
    }
}

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub entries: Vec<Measurement>,
}

impl Catalog {
    /// The most specific declaration matching a path (a named key beats a `[*]` family).
    pub fn lookup(&self, path: &[&str]) -> Option<&Measurement> {
        self.entries
            .iter()
            .filter(|m| m.matches(path))
            .max_by_key(|m| m.specificity())
    }

    pub fn names(&self) -> Vec<String> {
        self.entries.iter().map(Measurement::display).collect()
    }
}

#[derive(Clone, Debug)]
pub struct RegistryComponent {
    pub name: String,
    pub span: Span,
    pub layer: usize,
    pub decl: ComponentDecl,
}

impl RegistryComponent {
    pub fn aliases(&self) -> impl Iterator<Item = &Name> {
        self.decl.body.iter().flat_map(|s| match s {
            RegistryStmt::Aliases(a) => a.node.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }

    pub fn health_check(&self) -> Option<&Str> {
        self.decl.body.iter().find_map(|s| match s {
            RegistryStmt::HealthCheck(p) => Some(p),
            _ => None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Validator {
    pub name: String,
    pub span: Span,
    pub layer: usize,
    pub decl: ValidatorDecl,
}

impl Validator {
    pub fn phase(&self) -> Option<&Name> {
        self.decl.body.iter().find_map(|s| match s {
            ValidatorStmt::Phase(p) => Some(p),
            _ => None,
        })
    }
}

/// Everything the stdlib declares, after layering.
#[derive(Clone, Debug, Default)]
pub struct Stdlib {
    pub dimensions: Dimensions,
    pub catalog: Catalog,
    pub registry: BTreeMap<String, RegistryComponent>,
    pub validators: BTreeMap<String, Validator>,
    /// Registry components replaced by a higher layer: (name, replaced span, new span).
    pub replaced_components: Vec<Replaced>,
}

/// A declaration a higher layer replaced: (name, the replaced span, the replacing span).
pub type Replaced = (String, Span, Span);

/// One named thing from some layer, before layering.
pub(crate) struct Declared<T> {
    pub name: String,
    pub layer: usize,
    pub span: Span,
    pub item: T,
}

/// Keep, per name, the declaration from the highest layer; two in that layer are an error.
/// Returns the winners and the (name, loser span, winner span) replacements.
pub(crate) fn layer_by_name<T>(
    mut items: Vec<Declared<T>>,
    code: Code,
    what: &str,
    diags: &mut Diagnostics,
) -> (BTreeMap<String, Declared<T>>, Vec<Replaced>) {
    items.sort_by(|a, b| (&a.name, b.layer, a.span).cmp(&(&b.name, a.layer, b.span)));
    let mut winners: BTreeMap<String, Declared<T>> = BTreeMap::new();
    let mut replaced = Vec::new();
    for item in items {
        match winners.get(&item.name) {
            None => {
                winners.insert(item.name.clone(), item);
            }
            Some(first) if first.layer == item.layer => diags.push(
                Diagnostic::error(code, format!("{what} `{}` is declared twice", item.name))
                    .with_label(item.span, "declared again here")
                    .with_label(first.span, "first declared here")
                    .with_help(format!("rename one of them or remove the duplicate {what}")),
            ),
            Some(first) => replaced.push((item.name.clone(), item.span, first.span)),
        }
    }
    (winners, replaced)
}

/// Gather the declarations of every unit. `stdlib_layer` is the embedded stdlib's layer,
/// set aside when another layer declares dimensions of its own (it brings its own stdlib).
pub fn build(units: &[LoadedUnit], stdlib_layer: Option<usize>, diags: &mut Diagnostics) -> Stdlib {
    let own_stdlib = units.iter().any(|u| {
        Some(u.layer) != stdlib_layer
            && u.unit
                .items
                .iter()
                .any(|i| matches!(i, Item::Dimension(d) if !d.extend))
    });
    let items = units
        .iter()
        .filter(|u| !(own_stdlib && Some(u.layer) == stdlib_layer))
        .flat_map(|u| u.unit.items.iter().map(move |i| (u.layer, i)));
    let mut dims = Vec::new();
    let mut measures = Vec::new();
    let mut components = Vec::new();
    let mut validators = Vec::new();
    for (layer, item) in items {
        match item {
            Item::Dimension(d) => dims.push((layer, d)),
            Item::Measurement(m) => measures.push(Declared {
                name: pattern_key(&m.pattern),
                layer,
                span: m.span,
                item: m,
            }),
            Item::Component(c) => components.push(Declared {
                name: c.name.node.clone(),
                layer,
                span: c.name.span,
                item: c,
            }),
            Item::Validator(v) => validators.push(Declared {
                name: v.name.node.clone(),
                layer,
                span: v.name.span,
                item: v,
            }),
            Item::Overlay(_) | Item::Mixin(_) => {}
        }
    }
    let dimensions = build_dimensions(&dims, diags);
    let (measures, _) = layer_by_name(measures, Code::DuplicateDeclaration, "measurement", diags);
    let catalog = Catalog {
        entries: measures
            .into_values()
            .map(|d| Measurement {
                pattern: d.item.pattern.iter().map(|s| s.node.clone()).collect(),
                ty: d.item.ty.node,
                unit: d.item.unit.as_ref().map(|u| u.node.clone()),
                span: d.span,
            })
            .collect(),
    };
    let (components, replaced_components) =
        layer_by_name(components, Code::DuplicateDeclaration, "component", diags);
    let registry = components
        .into_iter()
        .map(|(name, d)| {
            let entry = RegistryComponent {
                name: name.clone(),
                span: d.span,
                layer: d.layer,
                decl: d.item.clone(),
            };
            (name, entry)
        })
        .collect();
    let (validators, _) = layer_by_name(validators, Code::DuplicateDeclaration, "validator", diags);
    let validators = validators
        .into_iter()
        .map(|(name, d)| {
            let v = Validator {
                name: name.clone(),
                span: d.span,
                layer: d.layer,
                decl: d.item.clone(),
            };
            (name, v)
        })
        .collect();
    let stdlib = Stdlib {
        dimensions,
        catalog,
        registry,
        validators,
        replaced_components,
    };
    check_registry(&stdlib, diags);
    check_validators(&stdlib, diags);
    stdlib
}

fn pattern_key(pattern: &[crate::source::Spanned<PatternSeg>]) -> String {
    pattern
        .iter()
        .map(|s| match &s.node {
            PatternSeg::Any => "[*]".to_string(),
            PatternSeg::Key(k) => format!("[{k:?}]"),
        })
        .collect()
}

fn build_dimensions(decls: &[(usize, &DimensionDecl)], diags: &mut Diagnostics) -> Dimensions {
    let mut dims = Dimensions::default();
    let mut first: BTreeMap<String, (usize, Span)> = BTreeMap::new();
    let declared = decls.iter().filter(|(_, d)| !d.extend);
    let extended = decls.iter().filter(|(_, d)| d.extend);
    for &(layer, decl) in declared.chain(extended) {
        let name = decl.name.node.as_str();
        if !DIMENSIONS.contains(&name) {
            diags.push(unknown_dimension(&decl.name));
            continue;
        }
        if !decl.extend {
            match first.get(name) {
                Some(&(l, span)) if l == layer => {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateDeclaration,
                            format!("dimension `{name}` is declared twice"),
                        )
                        .with_label(decl.name.span, "declared again here")
                        .with_label(span, "first declared here")
                        .with_help(format!("use `dimension {name} += ...` to add values")),
                    );
                    continue;
                }
                Some(_) => {
                    // A higher layer's declaration replaces the lower one whole.
                    dims.map.remove(name);
                }
                None => {}
            }
            first.insert(name.to_string(), (layer, decl.name.span));
        } else if !dims.map.contains_key(name) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownDimension,
                    format!("`dimension {name} +=` extends a dimension that is not declared"),
                )
                .with_label(decl.name.span, "not declared anywhere")
                .with_help(format!("declare it with `dimension {name} = ...`")),
            );
            continue;
        }
        add_dimension(&mut dims, decl, diags);
    }
    dims
}

fn add_dimension(dims: &mut Dimensions, decl: &DimensionDecl, diags: &mut Diagnostics) {
    let dim = dims
        .map
        .entry(decl.name.node.clone())
        .or_insert_with(|| Dimension {
            name: decl.name.node.clone(),
            span: decl.name.span,
            count: decl.count,
            values: BTreeSet::new(),
            aliases: BTreeMap::new(),
        });
    for value in &decl.values {
        let v = value.node.to_ascii_lowercase();
        if v == "any" || !dim.values.insert(v) {
            diags.push(
                Diagnostic::warning(
                    Code::DuplicateDeclaration,
                    format!(
                        "value `{}` of `{}` is declared more than once",
                        value.node, dim.name
                    ),
                )
                .with_label(value.span, "already a value of this dimension"),
            );
        }
    }
    for alias in &decl.aliases {
        let target = alias.target.node.to_ascii_lowercase();
        if target != "any" && !dim.values.contains(&target) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownValue,
                    format!(
                        "alias target `{}` is not a value of `{}`",
                        alias.target.node, dim.name
                    ),
                )
                .with_label(alias.target.span, "unknown value")
                .with_help(suggestion(&target, dim.values.iter().map(String::as_str))),
            );
            continue;
        }
        for name in &alias.names {
            dim.aliases
                .insert(name.node.to_ascii_lowercase(), target.clone());
        }
    }
}

pub fn unknown_dimension(name: &Name) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownDimension,
        format!("unknown dimension `{}`", name.node),
    )
    .with_label(name.span, "not a criteria dimension")
    .with_help(suggestion(&name.node, DIMENSIONS))
}

fn check_registry(stdlib: &Stdlib, diags: &mut Diagnostics) {
    let mut keys: BTreeMap<String, Span> = BTreeMap::new();
    for c in stdlib.registry.values() {
        keys.insert(c.name.clone(), c.span);
    }
    for c in stdlib.registry.values() {
        for alias in c.aliases() {
            if let Some(&other) = keys.get(&alias.node) {
                if other != c.span {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateDeclaration,
                            format!("`--set` key `{}` names two components", alias.node),
                        )
                        .with_label(alias.span, "alias declared here")
                        .with_label(other, "also used here"),
                    );
                }
            } else {
                keys.insert(alias.node.clone(), alias.span);
            }
        }
        check_registry_fields(c, diags);
    }
}

fn check_registry_fields(c: &RegistryComponent, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for stmt in &c.decl.body {
        let key = match stmt {
            RegistryStmt::DisplayName(_) => "display-name".to_string(),
            RegistryStmt::Aliases(_) => "aliases".to_string(),
            RegistryStmt::Helm(_) | RegistryStmt::Kustomize(_) => "source".to_string(),
            RegistryStmt::Namespace(_) => "namespace".to_string(),
            RegistryStmt::HealthCheck(_) => "health-check".to_string(),
            RegistryStmt::Scheduling(s) => s.role.node.clone(),
            RegistryStmt::NodeCount(_) => "node-count".to_string(),
            RegistryStmt::WorkloadSelector(_) => "workload-selector".to_string(),
            RegistryStmt::BundleCheck(_) => continue,
        };
        if let RegistryStmt::Scheduling(s) = stmt
            && s.role.node != "system"
            && s.role.node != "accelerated"
        {
            diags.push(
                Diagnostic::error(
                    Code::UnknownValue,
                    format!("unknown node role `{}`", s.role.node),
                )
                .with_label(s.role.span, "expected `system` or `accelerated`")
                .with_help(suggestion(&s.role.node, ["system", "accelerated"])),
            );
        }
        if let Some(&first) = seen.get(&key) {
            let message = if key == "source" {
                format!(
                    "component `{}` has both `helm` and `kustomize` sources",
                    c.name
                )
            } else {
                format!("`{key}` is given twice for component `{}`", c.name)
            };
            diags.push(
                Diagnostic::error(Code::DuplicateField, message)
                    .with_label(stmt.span(), "given again here")
                    .with_label(first, "first given here"),
            );
        } else {
            seen.insert(key, stmt.span());
        }
    }
}

fn check_validators(stdlib: &Stdlib, diags: &mut Diagnostics) {
    for v in stdlib.validators.values() {
        match v.phase() {
            Some(p) if PHASES.contains(&p.node.as_str()) => {}
            Some(p) => diags.push(
                Diagnostic::error(
                    Code::UnknownValue,
                    format!("unknown validation phase `{}`", p.node),
                )
                .with_label(p.span, "not a phase")
                .with_help(suggestion(&p.node, PHASES)),
            ),
            None => diags.push(
                Diagnostic::error(
                    Code::UnknownValue,
                    format!("validator `{}` has no phase", v.name),
                )
                .with_label(v.span, "declared here")
                .with_help("add `phase deployment` (or readiness, performance, conformance)"),
            ),
        }
    }
}
