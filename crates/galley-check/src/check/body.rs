//! Checks inside an overlay's body: component references, their fields and files,
//! constraints against the measurement catalog, and validation phases.

use crate::check::files::FileChecker;
use crate::check::mixin::MixinInfo;
use crate::check::overlay::{OverlayInfo, chain};
use crate::check::stdlib::{PHASES, Stdlib};
use crate::diag::{Code, Diagnostic, Diagnostics, suggestion};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::version::ClusterVersion;
use std::collections::{BTreeMap, HashMap};

pub struct BodyChecker<'a> {
    pub stdlib: &'a Stdlib,
    pub overlays: &'a BTreeMap<String, OverlayInfo>,
    pub mixins: &'a BTreeMap<String, MixinInfo>,
    pub files: FileChecker<'a>,
    /// Checking a mixin's body (whose dependencies depend on where it is included).
    pub in_mixin: bool,
}

impl BodyChecker<'_> {
    /// A mixin's body, checked as an overlay's (its `needs` are checked where it is
    /// included: by the resolver, which sees the whole recipe).
    pub fn check_mixin(&mut self, m: &MixinInfo, diags: &mut Diagnostics) {
        let mut body = m.ast.body.clone();
        body.retain(|s| !matches!(s, OverlayStmt::When(_)));
        let pseudo = OverlayInfo {
            name: m.name.clone(),
            layer: m.layer,
            file: m.file,
            syntax: m.syntax,
            ast: Overlay {
                span: m.ast.span,
                name: m.ast.name.clone(),
                extends: None,
                mixins: Vec::new(),
                priority: None,
                body,
            },
            parent: None,
            criteria: None,
            priority: 0,
            mixins: Vec::new(),
        };
        self.in_mixin = true;
        self.check(&pseudo, diags);
        self.in_mixin = false;
    }

    pub fn check(&mut self, o: &OverlayInfo, diags: &mut Diagnostics) {
        let mut components: BTreeMap<&str, Span> = BTreeMap::new();
        let mut constraints: BTreeMap<String, Span> = BTreeMap::new();
        let mut phases: BTreeMap<&str, Span> = BTreeMap::new();
        for stmt in &o.ast.body {
            match stmt {
                OverlayStmt::When(_) | OverlayStmt::Param(_) => {}
                OverlayStmt::Component(c) => {
                    if let Some(&first) = components.get(c.name.node.as_str()) {
                        diags.push(
                            Diagnostic::error(
                                Code::DuplicateComponent,
                                format!(
                                    "component `{}` appears twice in overlay `{}`",
                                    c.name.node, o.name
                                ),
                            )
                            .with_label(c.name.span, "again here")
                            .with_label(first, "first here")
                            .with_help("merge the two blocks into one"),
                        );
                    } else {
                        components.insert(&c.name.node, c.name.span);
                    }
                    self.component(o, c, diags);
                }
                OverlayStmt::Require(c) => {
                    note_duplicate_constraint(&mut constraints, c, diags);
                    self.constraint(c, diags);
                }
                OverlayStmt::Validate(p) => {
                    if let Some(&first) = phases.get(p.name.node.as_str()) {
                        diags.push(
                            Diagnostic::error(
                                Code::DuplicateField,
                                format!("phase `{}` is declared twice", p.name.node),
                            )
                            .with_label(p.name.span, "again here")
                            .with_label(first, "first here"),
                        );
                    } else {
                        phases.insert(&p.name.node, p.name.span);
                    }
                    self.phase(p, diags);
                }
            }
        }
    }

    fn component(&mut self, o: &OverlayInfo, c: &ComponentRef, diags: &mut Diagnostics) {
        if !self.stdlib.registry.contains_key(&c.name.node) {
            diags.push(self.unknown_component(&c.name));
        }
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for stmt in &c.body {
            if !stmt.repeatable() {
                if let Some(&first) = seen.get(stmt.keyword()) {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateField,
                            format!(
                                "`{}` is given twice for component `{}`",
                                stmt.keyword(),
                                c.name.node
                            ),
                        )
                        .with_label(stmt.span(), "given again here")
                        .with_label(first, "first given here"),
                    );
                }
                seen.insert(stmt.keyword(), stmt.span());
            }
            self.component_stmt(o, stmt, diags);
        }
    }

    fn component_stmt(&mut self, o: &OverlayInfo, stmt: &ComponentStmt, diags: &mut Diagnostics) {
        match stmt {
            ComponentStmt::Values(path) => self.files.values_file(path, diags),
            ComponentStmt::Manifests(paths) => {
                for p in &paths.node {
                    self.files.manifest(p, diags);
                }
            }
            ComponentStmt::Needs(needs) => {
                for dep in &needs.node {
                    self.dependency(o, dep, diags);
                }
            }
            ComponentStmt::Namespace(ns) if !crate::check::overlay::is_dns_label(&ns.node) => diags
                .push(
                    Diagnostic::error(
                        Code::InvalidName,
                        format!("namespace `{}` is not a DNS-1123 label", ns.node),
                    )
                    .with_label(ns.span, "invalid namespace")
                    .with_help("use lowercase letters, digits and `-`, at most 63 characters"),
                ),
            ComponentStmt::Source(s) => check_source(s, diags),
            ComponentStmt::Version(v) | ComponentStmt::Tag(v) | ComponentStmt::Chart(v) => {
                check_reference_text(stmt.keyword(), v, diags)
            }
            ComponentStmt::Set(block) => check_set_block(block, diags),
            ComponentStmt::Unset(paths) => check_unset_paths(&paths.node, diags),
            _ => {}
        }
    }

    fn dependency(&self, o: &OverlayInfo, dep: &Name, diags: &mut Diagnostics) {
        if !self.stdlib.registry.contains_key(&dep.node) {
            diags.push(self.unknown_component(dep));
            return;
        }
        if self.in_mixin {
            return;
        }
        let declared = chain(&o.name, self.overlays).iter().any(|a| {
            a.ast.components().any(|c| c.name.node == dep.node)
                || a.mixins.iter().filter_map(|m| self.mixins.get(m)).any(|m| {
                    m.ast
                        .body
                        .iter()
                        .any(|s| matches!(s, OverlayStmt::Component(c) if c.name.node == dep.node))
                })
        });
        if !declared {
            diags.push(
                Diagnostic::error(
                    Code::UnknownDependency,
                    format!(
                        "`{}` is not part of the recipe of overlay `{}`",
                        dep.node, o.name
                    ),
                )
                .with_label(
                    dep.span,
                    "neither this overlay nor any overlay it extends declares it",
                )
                .with_help(format!(
                    "add `component {} {{ }}` to this overlay or to one it extends",
                    dep.node
                )),
            );
        }
    }

    fn unknown_component(&self, name: &Name) -> Diagnostic {
        Diagnostic::error(
            Code::UnknownComponent,
            format!("unknown component `{}`", name.node),
        )
        .with_label(name.span, "not in the component registry")
        .with_help(suggestion(
            &name.node,
            self.stdlib.registry.keys().map(String::as_str),
        ))
    }

    fn constraint(&self, c: &Constraint, diags: &mut Diagnostics) {
        let keys: Vec<&str> = c.path.segments.iter().map(|s| s.node.as_str()).collect();
        let Some(m) = self.stdlib.catalog.lookup(&keys) else {
            let names = self.stdlib.catalog.names();
            let shown = display_path(&c.path);
            diags.push(
                Diagnostic::error(
                    Code::UnknownMeasurement,
                    format!("unknown measurement `{shown}`"),
                )
                .with_label(c.path.span, "not in the measurement catalog")
                .with_help(format!(
                    "{} (measurements are declared in `stdlib/measurements.ovl`)",
                    suggestion(&shown, names.iter().map(String::as_str))
                )),
            );
            return;
        };
        check_operator(c, m.ty, diags);
        super::bounds::check(c, m, &self.stdlib.catalog, diags);
        if let Some(sev) = &c.severity
            && !["error", "warning", "info"].contains(&sev.node.as_str())
        {
            diags.push(
                Diagnostic::error(
                    Code::UnknownValue,
                    format!("unknown severity `{}`", sev.node),
                )
                .with_label(sev.span, "not a severity")
                .with_help(suggestion(&sev.node, ["error", "warning", "info"])),
            );
        }
    }

    fn phase(&self, p: &Phase, diags: &mut Diagnostics) {
        if !PHASES.contains(&p.name.node.as_str()) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownValue,
                    format!("unknown validation phase `{}`", p.name.node),
                )
                .with_label(p.name.span, "not a phase")
                .with_help(suggestion(&p.name.node, PHASES)),
            );
        }
        let mut constraints = BTreeMap::new();
        for stmt in &p.body {
            match stmt {
                PhaseStmt::Checks(checks) => {
                    for check in &checks.node {
                        self.check_name(&p.name.node, check, diags);
                    }
                }
                PhaseStmt::Require(c) => {
                    note_duplicate_constraint(&mut constraints, c, diags);
                    self.constraint(c, diags);
                }
                PhaseStmt::Infrastructure(n) if !self.stdlib.registry.contains_key(&n.node) => {
                    diags.push(self.unknown_component(n))
                }
                PhaseStmt::MaxNodes(n) if n.node < 0 => diags.push(
                    Diagnostic::error(Code::UnknownValue, "`max-nodes` must not be negative")
                        .with_label(n.span, "negative"),
                ),
                _ => {}
            }
        }
    }

    fn check_name(&self, phase: &str, check: &Name, diags: &mut Diagnostics) {
        let Some(v) = self.stdlib.validators.get(&check.node) else {
            diags.push(
                Diagnostic::error(
                    Code::UnknownCheck,
                    format!("unknown validator check `{}`", check.node),
                )
                .with_label(check.span, "not in the validator catalog")
                .with_help(suggestion(
                    &check.node,
                    self.stdlib.validators.keys().map(String::as_str),
                )),
            );
            return;
        };
        if let Some(own) = v.phase()
            && own.node != phase
            && PHASES.contains(&phase)
        {
            diags.push(
                Diagnostic::error(
                    Code::CheckPhase,
                    format!(
                        "check `{}` belongs to the {} phase, not {phase}",
                        check.node, own.node
                    ),
                )
                .with_label(check.span, format!("listed under `{phase}`"))
                .with_label(own.span, "its phase is declared here")
                .with_help(format!("move it to `validate {} {{ }}`", own.node)),
            );
        }
    }
}

fn note_duplicate_constraint(
    seen: &mut BTreeMap<String, Span>,
    c: &Constraint,
    diags: &mut Diagnostics,
) {
    let key = c.path.aicr_name();
    if let Some(&first) = seen.get(&key) {
        diags.push(
            Diagnostic::error(
                Code::DuplicateField,
                format!("`{}` is constrained twice", display_path(&c.path)),
            )
            .with_label(c.span, "again here")
            .with_label(first, "first here")
            .with_help("keep one constraint per measurement"),
        );
    } else {
        seen.insert(key, c.span);
    }
}

pub fn display_path(p: &MeasurementPath) -> String {
    let mut out = String::new();
    for (i, seg) in p.segments.iter().enumerate() {
        if seg.node.contains(['.', '/', ' ', '"']) || seg.node.is_empty() {
            out.push_str(&format!("[{:?}]", seg.node));
        } else {
            if i > 0 {
                out.push('.');
            }
            out.push_str(&seg.node);
        }
    }
    out
}

fn check_operator(c: &Constraint, ty: MeasureType, diags: &mut Diagnostics) {
    let op = c.op.node;
    let path = display_path(&c.path);
    if op.is_ordering() && matches!(ty, MeasureType::String | MeasureType::Bool) {
        diags.push(
            Diagnostic::error(
                Code::OperatorType,
                format!(
                    "`{}` orders values, but `{path}` is a {}",
                    op.as_str(),
                    ty.as_str()
                ),
            )
            .with_label(c.op.span, "ordering operator")
            .with_label(c.path.span, format!("a {} measurement", ty.as_str()))
            .with_help("compare it with `=`, `==` or `!=`"),
        );
        return;
    }
    let value = c.value.node.as_str();
    if param_ref(value).is_some() || crate::bound::is_expression(value) {
        return; // `check::params` and `check::bounds` type these
    }
    let fits = match ty {
        MeasureType::Version => !op.is_ordering() || ClusterVersion::parse(value).is_some(),
        MeasureType::Int => op == Op::Exact || value.parse::<i64>().is_ok(),
        MeasureType::Number => op == Op::Exact || value.parse::<f64>().is_ok_and(f64::is_finite),
        MeasureType::Bool => value == "true" || value == "false",
        MeasureType::String => true,
    };
    if !fits {
        let expected = match ty {
            MeasureType::Version => "a version such as `1.32.4` or `v25.3.0`",
            MeasureType::Int => "an integer",
            MeasureType::Number => "a number",
            _ => "`true` or `false`",
        };
        diags.push(
            Diagnostic::error(
                Code::ConstraintValue,
                format!("`{value}` is not {expected}, which `{path}` needs"),
            )
            .with_label(c.value.span, format!("`{path}` is a {}", ty.as_str()))
            .with_help(format!("write {expected}")),
        );
    }
}

fn check_source(s: &Str, diags: &mut Diagnostics) {
    let text = s.node.as_str();
    let scheme_ok = text.is_empty()
        || ["https://", "http://", "oci://", "git::", "ssh://", "git@"]
            .iter()
            .any(|p| text.starts_with(p));
    if !scheme_ok || text.chars().any(|c| c.is_whitespace() || is_shell_meta(c)) {
        diags.push(
            Diagnostic::error(
                Code::InvalidReference,
                format!("`{text}` is not a chart repository or source URL"),
            )
            .with_label(s.span, "invalid source")
            .with_help("use an `https://` Helm repository, an `oci://` registry, or a git URL"),
        );
    }
}

fn check_reference_text(field: &str, v: &Str, diags: &mut Diagnostics) {
    let text = v.node.as_str();
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_whitespace() || is_shell_meta(c) || c.is_control())
    {
        diags.push(
            Diagnostic::error(
                Code::InvalidReference,
                format!("`{text}` is not a valid {field}"),
            )
            .with_label(v.span, format!("invalid {field}"))
            .with_help(format!("a {field} has no spaces or shell characters")),
        );
    }
}

fn is_shell_meta(c: char) -> bool {
    "$`;|&<>()'\"\\*?!{}[]#~".contains(c)
}

/// How deep a `set` or `unset` may nest a value: path segments and map and list levels
/// together, the one nesting limit of values. The parser already cuts deeper values
/// (`galley::syntax::too-deep`); this keeps the checker safe for trees built any other way.
pub const MAX_VALUE_DEPTH: usize = crate::syntax::yaml::MAX_NESTING;

/// Duplicate keys, keys that are both a value and a map, and values nested too deep, in
/// time linear in the size of the block: the paths go into one trie.
fn check_set_block(block: &SetBlock, diags: &mut Diagnostics) {
    // Trie nodes: the entry that set this path, if any, and whether a longer path runs
    // through it. Children are keyed by (parent node, key).
    let mut set_at: Vec<Option<(Span, bool)>> = vec![None];
    let mut inner: Vec<bool> = vec![false];
    let mut children: HashMap<(usize, &str), usize> = HashMap::new();
    let mut leaves: Vec<(usize, &Assign)> = Vec::new();
    for entry in &block.entries {
        if too_deep(entry, diags) {
            continue;
        }
        let mut node = 0;
        for key in entry.path.keys() {
            inner[node] = true;
            let next = set_at.len();
            node = *children.entry((node, key)).or_insert(next);
            if node == next {
                set_at.push(None);
                inner.push(false);
            }
        }
        if let Some((first, _)) = set_at[node] {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateField,
                    format!("`{}` is set twice in one block", dotted(&entry.path)),
                )
                .with_label(entry.path.span, "set again here")
                .with_label(first, "first set here"),
            );
            continue;
        }
        let leaf_value = !matches!(entry.value.kind, ValueKind::Map(_));
        set_at[node] = Some((entry.path.span, leaf_value));
        leaves.push((node, entry));
    }
    for (node, entry) in leaves {
        if set_at[node].is_some_and(|(_, leaf)| leaf) && inner[node] {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateField,
                    format!(
                        "`{}` is set to a value and also used as a map",
                        dotted(&entry.path)
                    ),
                )
                .with_label(entry.path.span, "set to a non-map value here")
                .with_help("a key is either a value or a map of further keys"),
            );
        }
    }
}

fn dotted(path: &ValuePath) -> String {
    path.keys().collect::<Vec<_>>().join(".")
}

/// How deep an assignment nests its value (path segments, then map and list levels),
/// counted without recursion.
fn depth(entry: &Assign) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&crate::syntax::ast::Value, usize)> =
        vec![(&entry.value, entry.path.segments.len())];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match &v.kind {
            ValueKind::Map(entries) => stack.extend(
                entries
                    .iter()
                    .map(|e| (&e.value, d + e.path.segments.len())),
            ),
            ValueKind::List(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

/// Reports an assignment that nests deeper than [`MAX_VALUE_DEPTH`].
fn too_deep(entry: &Assign, diags: &mut Diagnostics) -> bool {
    let depth = depth(entry);
    if depth <= MAX_VALUE_DEPTH {
        return false;
    }
    diags.push(path_too_deep(entry.path.span, depth));
    true
}

fn path_too_deep(span: Span, depth: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        format!("this value nests {depth} levels deep, more than the {MAX_VALUE_DEPTH} galley allows"),
    )
    .with_label(span, format!("{depth} levels"))
    .with_help(format!(
        "keep paths and nested maps and lists within {MAX_VALUE_DEPTH} levels together; values this deep belong in a values file"
    ))
}

/// `unset` paths deeper than [`MAX_VALUE_DEPTH`].
fn check_unset_paths(paths: &[ValuePath], diags: &mut Diagnostics) {
    for p in paths.iter().filter(|p| p.segments.len() > MAX_VALUE_DEPTH) {
        diags.push(path_too_deep(p.span, p.segments.len()));
    }
}
