//! The overlay language's abstract syntax.
//!
//! One [`SourceUnit`] per file, whatever it was written in: `.ovl` text is parsed by
//! `syntax::parser`, AICR YAML (`RecipeMetadata` overlays, `registry.yaml`, the validator
//! catalog) is lowered into the same nodes by `syntax::aicr`, with spans pointing into the
//! YAML. Block bodies keep their statements in source order (the formatter prints them in
//! that order and re-attaches comments by position); accessors give typed views for the
//! checker. Every node has a span; [`Spanned`] equality ignores spans.

use crate::source::{FileId, Span, Spanned};

pub type Name = Spanned<String>;

/// The criteria dimensions, fixed by the `RecipeCriteria` format (in its field order); their
/// values are data (`stdlib/criteria.ovl`).
pub const DIMENSIONS: [&str; 6] = [
    "service",
    "accelerator",
    "intent",
    "os",
    "platform",
    "nodes",
];

/// The validation phases, in the order they run.
pub const PHASES: [&str; 4] = ["readiness", "deployment", "performance", "conformance"];
pub type Str = Spanned<String>;

/// What a file was written in.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// galley's own language (`.ovl`).
    Ovl,
    /// AICR YAML (`kind: RecipeMetadata`, `ComponentRegistry`, `ValidatorCatalog`).
    AicrYaml,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct SourceUnit {
    pub file: FileId,
    pub syntax: Syntax,
    pub items: Vec<Item>,
    /// Every comment in the file, in order (empty for YAML).
    pub comments: Vec<Comment>,
}

/// A `//` line comment; `text` is the comment without its `//` and without trailing spaces.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum Item {
    Overlay(Overlay),
    Mixin(Mixin),
    Dimension(DimensionDecl),
    Measurement(MeasurementDecl),
    Component(ComponentDecl),
    Validator(ValidatorDecl),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Overlay(o) => o.span,
            Item::Mixin(m) => m.span,
            Item::Dimension(d) => d.span,
            Item::Measurement(m) => m.span,
            Item::Component(c) => c.span,
            Item::Validator(v) => v.span,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Overlays
// ---------------------------------------------------------------------------------------

/// `overlay NAME [extends PARENT] [priority N] { ... }`
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Overlay {
    pub span: Span,
    pub name: Name,
    /// `None` means the root overlay `base` (or, for `base` itself, nothing).
    pub extends: Option<Name>,
    /// `with M, ...`: the mixins included, as written (empty when there is no `with`).
    pub mixins: Vec<Name>,
    pub priority: Option<Spanned<i64>>,
    pub body: Vec<OverlayStmt>,
}

/// `mixin NAME [with M, ...] { ... }`: a reusable block of an overlay's statements, without
/// `when`. Its contributions rank with each overlay that includes it (`docs/merge.md`).
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Mixin {
    pub span: Span,
    pub name: Name,
    /// The mixins this one includes.
    pub mixins: Vec<Name>,
    /// An overlay's statements; the checker refuses `when`.
    pub body: Vec<OverlayStmt>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum OverlayStmt {
    /// `when service = eks, accelerator = h100`
    When(Criteria),
    /// `require PATH OP VALUE [{ severity .. remediation .. unit .. }]`
    Require(Constraint),
    /// `component NAME { ... }`
    Component(ComponentRef),
    /// `validate PHASE { ... }`
    Validate(Phase),
    /// `param NAME: TYPE [= DEFAULT] [in RANGE | in [SET]] ["doc"]`
    Param(ParamDecl),
}

impl OverlayStmt {
    pub fn span(&self) -> Span {
        match self {
            OverlayStmt::When(c) => c.span,
            OverlayStmt::Require(c) => c.span,
            OverlayStmt::Component(c) => c.span,
            OverlayStmt::Validate(p) => p.span,
            OverlayStmt::Param(p) => p.span,
        }
    }
}

impl Overlay {
    /// Every `when` clause (a well-formed overlay has at most one).
    pub fn whens(&self) -> impl Iterator<Item = &Criteria> {
        self.body.iter().filter_map(|s| match s {
            OverlayStmt::When(c) => Some(c),
            _ => None,
        })
    }

    pub fn criteria(&self) -> Option<&Criteria> {
        self.whens().next()
    }

    pub fn constraints(&self) -> impl Iterator<Item = &Constraint> {
        self.body.iter().filter_map(|s| match s {
            OverlayStmt::Require(c) => Some(c),
            _ => None,
        })
    }

    pub fn components(&self) -> impl Iterator<Item = &ComponentRef> {
        self.body.iter().filter_map(|s| match s {
            OverlayStmt::Component(c) => Some(c),
            _ => None,
        })
    }

    pub fn params(&self) -> impl Iterator<Item = &ParamDecl> {
        self.body.iter().filter_map(|s| match s {
            OverlayStmt::Param(p) => Some(p),
            _ => None,
        })
    }

    pub fn phases(&self) -> impl Iterator<Item = &Phase> {
        self.body.iter().filter_map(|s| match s {
            OverlayStmt::Validate(p) => Some(p),
            _ => None,
        })
    }
}

/// The terms of a `when` clause. An empty list (`when any`) matches every target.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Criteria {
    pub span: Span,
    pub terms: Vec<Criterion>,
}

/// `DIMENSION = VALUE`; the value is kept as written (the checker normalises it).
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Criterion {
    pub span: Span,
    pub dimension: Name,
    pub value: Name,
}

/// A constraint on a measurement: `require K8s.server.version >= 1.32.4`.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Constraint {
    pub span: Span,
    pub path: MeasurementPath,
    pub op: Spanned<Op>,
    /// The right-hand side as written (quotes removed).
    pub value: Str,
    pub severity: Option<Name>,
    pub remediation: Option<Str>,
    pub unit: Option<Str>,
}

impl Constraint {
    /// The reference's `value` string: `">= 1.32.4"`, or the bare value for an exact match.
    pub fn aicr_value(&self) -> String {
        match self.op.node {
            Op::Exact => self.value.node.clone(),
            op => format!("{} {}", op.as_str(), self.value.node),
        }
    }
}

#[derive(
    serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
pub enum Op {
    /// `=`: byte-for-byte string equality (the reference's bare value).
    Exact,
    /// `==`: version equality when both sides are versions, else string equality.
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

impl Op {
    /// The operators a reference constraint value may start with (`">= 1.32"`), longest
    /// token first so that `>=` is not read as `>`; a value without one is [`Op::Exact`].
    pub const PREFIXES: [Op; 6] = [Op::Ge, Op::Le, Op::Ne, Op::Eq, Op::Gt, Op::Lt];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Exact => "=",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }

    pub fn is_ordering(self) -> bool {
        matches!(self, Op::Ge | Op::Le | Op::Gt | Op::Lt)
    }
}

/// A measurement path: `K8s.server.version`, `OS.sysctl["/proc/sys/kernel/osrelease"]`,
/// `SystemD["containerd.service"].ActiveState`, `nccl-all-reduce-bw`.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MeasurementPath {
    pub span: Span,
    pub segments: Vec<Str>,
}

impl MeasurementPath {
    /// The reference's constraint name: segments joined with `.`.
    pub fn aicr_name(&self) -> String {
        self.segments
            .iter()
            .map(|s| s.node.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// `component NAME { ... }` inside an overlay: a reference to a registry component.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct ComponentRef {
    pub span: Span,
    pub name: Name,
    pub body: Vec<ComponentStmt>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComponentType {
    Helm,
    Kustomize,
}

impl ComponentType {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentType::Helm => "Helm",
            ComponentType::Kustomize => "Kustomize",
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum ComponentStmt {
    /// `type helm` | `type kustomize`
    Type(Spanned<ComponentType>),
    /// `source "https://..."`: Helm repository, OCI URL or Kustomize source.
    Source(Str),
    Chart(Str),
    Version(Str),
    Namespace(Name),
    /// Kustomize ref: `tag "v1.2"`.
    Tag(Str),
    /// Kustomize path: `path "config/default"`.
    Path(Str),
    /// Kustomize patches: `patches "a.yaml", "b.yaml"`.
    Patches(Spanned<Vec<Str>>),
    /// `values "components/x/values.yaml"`: a values file, relative to the data root.
    Values(Str),
    /// `manifests "components/x/manifests/a.yaml", ...`: files, or `https://` URLs.
    Manifests(Spanned<Vec<Str>>),
    /// `needs a, b`: dependencies (replaced whole by a more specific layer).
    Needs(Spanned<Vec<Name>>),
    Enabled(Spanned<bool>),
    Cleanup(Spanned<bool>),
    /// `expect KIND NAME [in NAMESPACE]`
    Expect(ExpectedResource),
    /// `health-asserts "..."`: raw chainsaw assert YAML.
    HealthAsserts(Str),
    /// `set { path = value ... }`
    Set(SetBlock),
    /// `unset a.b, c`
    Unset(Spanned<Vec<ValuePath>>),
}

impl ComponentStmt {
    pub fn span(&self) -> Span {
        match self {
            ComponentStmt::Type(s) => s.span,
            ComponentStmt::Source(s)
            | ComponentStmt::Chart(s)
            | ComponentStmt::Version(s)
            | ComponentStmt::Namespace(s)
            | ComponentStmt::Tag(s)
            | ComponentStmt::Path(s)
            | ComponentStmt::Values(s)
            | ComponentStmt::HealthAsserts(s) => s.span,
            ComponentStmt::Patches(s) | ComponentStmt::Manifests(s) => s.span,
            ComponentStmt::Needs(s) => s.span,
            ComponentStmt::Enabled(s) | ComponentStmt::Cleanup(s) => s.span,
            ComponentStmt::Expect(e) => e.span,
            ComponentStmt::Set(b) => b.span,
            ComponentStmt::Unset(u) => u.span,
        }
    }

    /// The keyword that introduces the statement (for duplicate-field messages).
    pub fn keyword(&self) -> &'static str {
        match self {
            ComponentStmt::Type(_) => "type",
            ComponentStmt::Source(_) => "source",
            ComponentStmt::Chart(_) => "chart",
            ComponentStmt::Version(_) => "version",
            ComponentStmt::Namespace(_) => "namespace",
            ComponentStmt::Tag(_) => "tag",
            ComponentStmt::Path(_) => "path",
            ComponentStmt::Patches(_) => "patches",
            ComponentStmt::Values(_) => "values",
            ComponentStmt::Manifests(_) => "manifests",
            ComponentStmt::Needs(_) => "needs",
            ComponentStmt::Enabled(_) => "enabled",
            ComponentStmt::Cleanup(_) => "cleanup",
            ComponentStmt::Expect(_) => "expect",
            ComponentStmt::HealthAsserts(_) => "health-asserts",
            ComponentStmt::Set(_) => "set",
            ComponentStmt::Unset(_) => "unset",
        }
    }

    /// Statements that may appear more than once in one component block.
    pub fn repeatable(&self) -> bool {
        matches!(
            self,
            ComponentStmt::Expect(_)
                | ComponentStmt::Set(_)
                | ComponentStmt::Unset(_)
                | ComponentStmt::Manifests(_)
        )
    }
}

/// `expect Deployment gpu-operator in gpu-operator`
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct ExpectedResource {
    pub span: Span,
    pub kind: Name,
    pub name: Name,
    pub namespace: Option<Name>,
}

/// `set { ... }`: assignments in order; a later assignment to the same path in one block
/// is a duplicate-field error.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct SetBlock {
    pub span: Span,
    pub entries: Vec<Assign>,
}

/// `a.b."c.d" = VALUE`
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Assign {
    pub span: Span,
    pub path: ValuePath,
    pub value: Value,
}

/// A dotted Helm value path; quoted segments may contain dots or slashes.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ValuePath {
    pub span: Span,
    pub segments: Vec<Str>,
}

impl ValuePath {
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(|s| s.node.as_str())
    }
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Value {
    pub span: Span,
    pub kind: ValueKind,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum ValueKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    /// `{ k = v, a.b = c }`: entries in source order.
    Map(Vec<Assign>),
}

/// `validate PHASE { ... }`
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Phase {
    pub span: Span,
    /// `readiness`, `deployment`, `performance` or `conformance` (checked later).
    pub name: Name,
    pub body: Vec<PhaseStmt>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum PhaseStmt {
    /// `timeout 10m`
    Timeout(Str),
    /// `checks a, b, c`
    Checks(Spanned<Vec<Name>>),
    Require(Constraint),
    /// `node-selector "key" = "value"` (one per label)
    NodeSelector(Assign),
    /// `max-nodes 4`
    MaxNodes(Spanned<i64>),
    /// `exclude-nodes "a", "b"`
    ExcludeNodes(Spanned<Vec<Str>>),
    /// `infrastructure COMPONENT`
    Infrastructure(Name),
}

impl PhaseStmt {
    pub fn span(&self) -> Span {
        match self {
            PhaseStmt::Timeout(s) => s.span,
            PhaseStmt::Checks(s) => s.span,
            PhaseStmt::Require(c) => c.span,
            PhaseStmt::NodeSelector(a) => a.span,
            PhaseStmt::MaxNodes(n) => n.span,
            PhaseStmt::ExcludeNodes(s) => s.span,
            PhaseStmt::Infrastructure(n) => n.span,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Declarations (stdlib/ and users' data directories)
// ---------------------------------------------------------------------------------------

/// `dimension service = eks | gke { alias self, vanilla = any }`,
/// `dimension nodes : count`, or `dimension accelerator += h200` (extends a declared one).
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct DimensionDecl {
    pub span: Span,
    pub name: Name,
    /// `+=`: add values (and aliases) to a dimension declared elsewhere.
    pub extend: bool,
    /// `: count`: a non-negative integer dimension (`nodes`); no values.
    pub count: bool,
    pub values: Vec<Name>,
    pub aliases: Vec<AliasDecl>,
}

/// `alias a, b = target` (target may be `any`).
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct AliasDecl {
    pub span: Span,
    pub names: Vec<Name>,
    pub target: Name,
}

/// `measurement K8s.server.version : version [{ unit "GB/s" }]`; `[*]` marks a keyed family:
/// `measurement OS.sysctl[*] : string`, `measurement SystemD[*].ActiveState : string`.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct MeasurementDecl {
    pub span: Span,
    pub pattern: Vec<Spanned<PatternSeg>>,
    pub ty: Spanned<MeasureType>,
    pub unit: Option<Str>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PatternSeg {
    Key(String),
    /// `[*]`: any key (a keyed family such as sysctl paths or systemd units).
    Any,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MeasureType {
    String,
    Int,
    Number,
    Bool,
    Version,
}

impl MeasureType {
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureType::String => "string",
            MeasureType::Int => "int",
            MeasureType::Number => "number",
            MeasureType::Bool => "bool",
            MeasureType::Version => "version",
        }
    }
}

/// A component registry entry: `component gpu-operator { ... }` at the top level.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct ComponentDecl {
    pub span: Span,
    pub name: Name,
    pub body: Vec<RegistryStmt>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum RegistryStmt {
    /// `display-name "GPU Operator"`
    DisplayName(Str),
    /// `aliases gpuoperator, gpu` (keys accepted by `--set`)
    Aliases(Spanned<Vec<Name>>),
    /// `helm { repository ".." chart ".." version ".." namespace .. }`
    Helm(SourceBlock),
    /// `kustomize { source ".." path ".." tag ".." namespace .. }`
    Kustomize(SourceBlock),
    /// `namespace kube-system`: default namespace of a manifest-only component.
    Namespace(Name),
    /// `health-check "checks/x/health-check.yaml"`
    HealthCheck(Str),
    /// `system { ... }` or `accelerated { ... }`: where node scheduling is injected.
    Scheduling(SchedulingBlock),
    /// `node-count a.b, c`
    NodeCount(Spanned<Vec<ValuePath>>),
    /// `workload-selector a.b`
    WorkloadSelector(Spanned<Vec<ValuePath>>),
    /// `bundle-check NAME SEVERITY [when ...] "message"`
    BundleCheck(BundleCheck),
}

impl RegistryStmt {
    pub fn span(&self) -> Span {
        match self {
            RegistryStmt::DisplayName(s) | RegistryStmt::HealthCheck(s) => s.span,
            RegistryStmt::Namespace(n) => n.span,
            RegistryStmt::Aliases(a) => a.span,
            RegistryStmt::Helm(b) | RegistryStmt::Kustomize(b) => b.span,
            RegistryStmt::Scheduling(b) => b.span,
            RegistryStmt::NodeCount(p) | RegistryStmt::WorkloadSelector(p) => p.span,
            RegistryStmt::BundleCheck(c) => c.span,
        }
    }
}

/// Fields of a `helm { }` or `kustomize { }` block, each `key value`.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct SourceBlock {
    pub span: Span,
    /// `repository`, `chart`, `version`, `namespace` (helm); `source`, `path`, `tag`,
    /// `namespace` (kustomize). Values keep their text.
    pub fields: Vec<(Name, Str)>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct SchedulingBlock {
    pub span: Span,
    /// `system` or `accelerated`.
    pub role: Name,
    /// `node-selector`, `tolerations`, `taints`, `taint-string`: value paths.
    pub fields: Vec<(Name, Spanned<Vec<ValuePath>>)>,
}

/// A registry validation the bundler runs: `bundle-check CheckX warning when intent =
/// training | inference "message"`.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct BundleCheck {
    pub span: Span,
    pub function: Name,
    pub severity: Name,
    /// dimension → allowed values (empty: always).
    pub conditions: Vec<(Name, Vec<Name>)>,
    pub message: Str,
}

/// A validator catalog entry: `validator nccl-all-reduce-bw { ... }`.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct ValidatorDecl {
    pub span: Span,
    pub name: Name,
    /// `phase`, `description`, `image`, `timeout`, `args` (list), `env` (map), `unit`.
    pub body: Vec<ValidatorStmt>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum ValidatorStmt {
    Phase(Name),
    Description(Str),
    Image(Str),
    Timeout(Str),
    Args(Spanned<Vec<Str>>),
    /// `env NAME = "value"`
    Env(Assign),
}

impl ValidatorStmt {
    pub fn span(&self) -> Span {
        match self {
            ValidatorStmt::Phase(s)
            | ValidatorStmt::Description(s)
            | ValidatorStmt::Image(s)
            | ValidatorStmt::Timeout(s) => s.span,
            ValidatorStmt::Args(a) => a.span,
            ValidatorStmt::Env(a) => a.span,
        }
    }
}

/// The shape of a component field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldShape {
    /// One scalar, read as text.
    Text,
    /// A list of strings.
    List,
    /// A mapping of values.
    Map,
    Bool,
    /// `expectedResources`: a list of `{kind, name, namespace}`.
    Resources,
}

/// One field of a component, in every place galley spells it: the statement keyword of an
/// overlay and the key of AICR YAML and of a `RecipeResult`'s `componentRefs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComponentField {
    /// The overlay statement, when the field is set by one.
    pub keyword: Option<&'static str>,
    /// The key in AICR YAML and in a `RecipeResult`, when the field is written there.
    pub key: Option<&'static str>,
    pub shape: FieldShape,
    /// Whether a resolved recipe records which overlay set it, as `COMPONENT.KEYWORD`
    /// (`galley explain gpu-operator.version`).
    pub traced: bool,
}

const fn field(
    keyword: Option<&'static str>,
    key: Option<&'static str>,
    shape: FieldShape,
    traced: bool,
) -> ComponentField {
    ComponentField {
        keyword,
        key,
        shape,
        traced,
    }
}

/// Every component field, defined once, in the order of an overlay's statements; the
/// parser's messages, `explain`, `diff`, `query` and the `RecipeResult` reader derive from
/// it. `name` and galley's hydrated `values` exist only in a `RecipeResult`.
pub const COMPONENT_FIELDS: [ComponentField; 19] = {
    use FieldShape::*;
    [
        field(None, Some("name"), Text, false),
        field(Some("type"), Some("type"), Text, true),
        field(Some("source"), Some("source"), Text, true),
        field(Some("chart"), Some("chart"), Text, true),
        field(Some("version"), Some("version"), Text, true),
        field(Some("namespace"), Some("namespace"), Text, true),
        field(Some("tag"), Some("tag"), Text, true),
        field(Some("path"), Some("path"), Text, true),
        field(Some("patches"), Some("patches"), List, true),
        field(Some("values"), Some("valuesFile"), Text, false),
        field(Some("manifests"), Some("manifestFiles"), List, false),
        field(Some("needs"), Some("dependencyRefs"), List, true),
        field(Some("enabled"), None, Bool, false),
        field(Some("cleanup"), Some("cleanup"), Bool, false),
        field(Some("expect"), Some("expectedResources"), Resources, false),
        field(
            Some("health-asserts"),
            Some("healthCheckAsserts"),
            Text,
            true,
        ),
        field(Some("set"), Some("overrides"), Map, false),
        field(Some("unset"), None, Map, false),
        field(None, Some("values"), Map, false),
    ]
};

const fn keyword_count() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < COMPONENT_FIELDS.len() {
        if COMPONENT_FIELDS[i].keyword.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The statements of a `component` block, in [`COMPONENT_FIELDS`] order.
pub const COMPONENT_KEYWORDS: [&str; keyword_count()] = {
    let mut out = [""; keyword_count()];
    let (mut i, mut j) = (0, 0);
    while i < COMPONENT_FIELDS.len() {
        if let Some(k) = COMPONENT_FIELDS[i].keyword {
            out[j] = k;
            j += 1;
        }
        i += 1;
    }
    out
};

/// The field whose `RecipeResult` key is `key`.
pub fn component_field(key: &str) -> Option<&'static ComponentField> {
    COMPONENT_FIELDS.iter().find(|f| f.key == Some(key))
}

// ---------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------

/// `param gpu_count: int = 8 in 1..=64 "GPUs per node"`: a typed input of the overlay,
/// referred to as `$gpu_count` in values and constraints (docs/language.md, "Parameters").
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub span: Span,
    pub name: Name,
    pub ty: Spanned<ParamType>,
    /// As written: a bare word is a string here; the checker reads it as the type says.
    pub default: Option<Value>,
    pub bound: Option<ParamBound>,
    pub doc: Option<Str>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    Int,
    Bool,
    /// A Kubernetes quantity: `50Gi`, `500m`, `2`.
    Quantity,
    Version,
    /// One of the words of its `in [..]` set.
    Enum,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Int => "int",
            ParamType::Bool => "bool",
            ParamType::Quantity => "quantity",
            ParamType::Version => "version",
            ParamType::Enum => "enum",
        }
    }
}

/// `in LO..=HI` (inclusive) or `in [a, b, c]`.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum ParamBound {
    Range { span: Span, lo: Str, hi: Str },
    Set { span: Span, items: Vec<Str> },
}

impl ParamBound {
    pub fn span(&self) -> Span {
        match self {
            ParamBound::Range { span, .. } | ParamBound::Set { span, .. } => *span,
        }
    }
}

/// The parameter a value or a constraint's right-hand side refers to: text that is exactly
/// `$NAME`.
pub fn param_ref(text: &str) -> Option<&str> {
    let name = text.strip_prefix('$')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(name)
}
