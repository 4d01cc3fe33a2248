//! Diagnostics as data.
//!
//! Every stage reports problems as [`Diagnostic`] values: a stable [`Code`], a severity, a
//! lowercase message, labelled spans (the first primary), an optional `help:` and notes.
//! Stages collect them and keep going; only the CLI turns them into rendered reports
//! (`crate::render`) and exit codes. Tests assert on codes, never on wording.

use crate::source::Span;
use serde::Serialize;

macro_rules! codes {
    ($($variant:ident => $text:literal, $doc:literal;)*) => {
        /// A stable diagnostic code. The text form (`galley::check::unknown-value`) is part
        /// of galley's interface: fixtures, `--format json` and suppressions use it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            pub fn describe(self) -> &'static str {
                match self {
                    $(Code::$variant => $doc,)*
                }
            }

            pub fn parse(text: &str) -> Option<Code> {
                match text {
                    $($text => Some(Code::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    SyntaxError => "galley::syntax::error", "text that does not fit the overlay grammar";
    InvalidString => "galley::syntax::invalid-string", "a string literal with a bad escape";
    InvalidNumber => "galley::syntax::invalid-number", "a number literal out of range";
    TooDeep => "galley::syntax::too-deep", "values or brackets nested deeper than galley reads";
    YamlParse => "galley::yaml::parse", "a YAML document that does not parse";
    YamlShape => "galley::yaml::shape", "a YAML field of the wrong shape or type";
    YamlUnknownField => "galley::yaml::unknown-field", "a YAML field the reference ignores";
    DuplicateField => "galley::check::duplicate-field", "a field given twice in one block";
    UnknownDimension => "galley::check::unknown-dimension", "a criteria dimension that does not exist";
    UnknownValue => "galley::check::unknown-value", "a criteria value the dimension does not declare";
    UnknownComponent => "galley::check::unknown-component", "a component the registry does not declare";
    UnknownMeasurement => "galley::check::unknown-measurement", "a constraint on a measurement the catalog does not declare";
    OperatorType => "galley::check::operator-type", "an operator that does not fit the measurement's type";
    ConstraintValue => "galley::check::constraint-value", "a constraint value that does not fit the measurement's type";
    UnknownCheck => "galley::check::unknown-check", "a validator check the catalog does not declare";
    CheckPhase => "galley::check::check-phase", "a validator check listed under a phase it does not belong to";
    FileMissing => "galley::check::file-missing", "a values, manifest or health-check file that does not exist";
    FileUnparsable => "galley::check::file-unparsable", "a values or manifest file that is not valid YAML";
    FileOutsideRoot => "galley::check::file-outside-root", "a file reference that leaves its data root";
    FileSymlink => "galley::check::file-symlink", "a file reference reached through a symbolic link";
    UnknownExtends => "galley::check::unknown-extends", "an `extends` target that does not exist";
    ExtendsCycle => "galley::check::extends-cycle", "overlays that extend each other in a cycle";
    DuplicateOverlay => "galley::check::duplicate-overlay", "two overlays with the same name";
    UnknownMixin => "galley::check::unknown-mixin", "a `with` that names a mixin that does not exist";
    MixinCycle => "galley::check::mixin-cycle", "mixins that include each other in a cycle";
    MixinWhen => "galley::check::mixin-when", "a mixin with a `when` clause (mixins match through the overlays that include them)";
    DuplicateMixin => "galley::check::duplicate-mixin", "two mixins with the same name in one layer";
    DataReplacementDrops => "galley::data::replacement-drops", "an overlay that replaces a lower layer's overlay of the same name and drops what it said";
    DuplicateCriteria => "galley::check::duplicate-criteria", "two overlays with the same criteria";
    LessSpecific => "galley::check::less-specific", "an overlay less specific than the overlay it extends";
    UnknownDependency => "galley::check::unknown-dependency", "a dependency on a component the recipe never declares";
    DuplicateComponent => "galley::check::duplicate-component", "a component declared twice in one overlay";
    DuplicateDeclaration => "galley::check::duplicate-declaration", "a stdlib declaration made twice";
    InvalidName => "galley::check::invalid-name", "a name that is not a valid lowercase DNS-1123 label";
    MissingBase => "galley::check::missing-base", "a library without the root overlay `base`";
    InvalidReference => "galley::check::invalid-reference", "a chart source, version or URL that is malformed";
    TargetConflict => "galley::check::target-conflict", "targets of the criteria space whose matched overlays disagree and neither outranks the other";
    MergeConflict => "galley::merge::conflict", "two overlays that match one target disagree and neither outranks the other";
    ResolveUnknownDependency => "galley::resolve::unknown-dependency", "a resolved component needs a component the recipe does not include";
    DependencyCycle => "galley::resolve::dependency-cycle", "components that depend on each other in a cycle";
    ResultParse => "galley::result::parse", "a `RecipeResult` file that is not valid YAML or JSON";
    ResultShape => "galley::result::shape", "a `RecipeResult` field of the wrong shape, or a document that is not a recipe";
    BundleFlag => "galley::bundle::flag", "a `--set`, selector, toleration, taint or node-count flag that is malformed";
    BundleUnknownComponent => "galley::bundle::unknown-component", "a `--set` that names a component the recipe does not have";
    BundleSetPath => "galley::bundle::set-path", "a `--set` path that runs through a value that is not a map";
    BundleUnsafe => "galley::bundle::unsafe-field", "a recipe-derived name, namespace, chart, version or source that is not safe to write into a bundle";
    BundleValues => "galley::bundle::values-file", "a values file that is missing or is not a YAML mapping";
    BundleManifest => "galley::bundle::manifest", "a manifest file that is missing, unreadable or outside the data root";
    BundleDisabled => "galley::bundle::disabled-dependency", "an enabled component that needs a disabled one";
    BundleOrder => "galley::bundle::order", "a recipe whose dependencies are unknown or cyclic, or whose deployment order contradicts them";
    BundleCheck => "galley::bundle::check", "a registry bundle check that fails for this recipe and these flags";
    BundleEmpty => "galley::bundle::empty", "a recipe with no enabled components";
    BundleUnsupported => "galley::bundle::unsupported", "a component the chosen deployer cannot express";
    BundleRepo => "galley::bundle::repo", "a GitOps deployer without a usable `--repo` URL";
    Io => "galley::io", "a file or directory that cannot be read";
    InputNotAFile => "galley::input::not-a-file", "an input path that is a directory, device, socket or writerless pipe instead of a file";
    InputTooLarge => "galley::input::too-large", "an input file over the 10 MiB limit";
    InputUnchecked => "galley::input::unchecked", "a file named on the command line that the command does not read, or a `.yml` file in a directory where `.yaml` files are read";
    ValidateConstraint => "galley::validate::constraint", "a recipe constraint whose value is not a constraint expression";
    ValidateResults => "galley::validate::results", "a results file that is not a CTRF report, measurements document or snapshot";
    ExportUnsupported => "galley::export::unsupported", "something the library says that AICR YAML cannot express";
    LintNoOp => "galley::lint::no-op", "an override that sets the value the overlay already inherits";
    LintShadowed => "galley::lint::shadowed", "an inline value that every recipe applying its overlay replaces";
    LintNoPerformanceValidation => "galley::lint::no-performance-validation", "a training or inference recipe with no performance validation";
    LintLooserConstraint => "galley::lint::looser-constraint", "a constraint looser than the one its overlay inherits";
    SpaceTooLarge => "galley::coverage::space-too-large", "a criteria space with more targets than `coverage` and the lints walk";
    LintUnusedComponent => "galley::lint::unused-component", "a registry component that no overlay references";
    LintUnusedMixin => "galley::lint::unused-mixin", "a mixin that no overlay includes";
    LintRepeatedBlock => "galley::lint::repeated-block", "the same requirements written in several overlays, which one mixin could hold";
    LintReplacedOverlay => "galley::lint::replaced-overlay", "a data-directory overlay that replaces a lower layer's overlay";
    UsageArgument => "galley::usage::argument", "a command-line flag, command or argument that galley does not take";
    UsageMissing => "galley::usage::missing", "a command, argument or flag value that is required and not given";
    UsageValue => "galley::usage::value", "a flag value that is not one of the accepted values or does not parse";
    UsageConflict => "galley::usage::conflict", "flags that cannot be given together, or a flag given to a command it does not apply to";
    UsageCriteria => "galley::usage::criteria", "criteria flags, a criteria file or a snapshot that do not give a target";
    UsageSelector => "galley::usage::selector", "a `query --selector` or `explain` path that does not parse";
    UsageDataPath => "galley::usage::data-path", "a `--data` directory or `check` path that is not a directory or file galley reads";
    NotFound => "galley::query::not-found", "a selector or `explain` path that names nothing in the recipe";
    IoWrite => "galley::io::write", "an output file or directory that cannot be written, or that galley refuses to replace";
    LibraryErrors => "galley::library::errors", "a command stopped because the recipe library has errors";
    NothingWritten => "galley::output::nothing-written", "an `import` or `export` stopped by its errors before writing anything";
    GraphUndeployable => "galley::graph::undeployable", "a recipe whose graph shows it cannot be deployed";
    DiffSide => "galley::diff::side", "a side of `diff` that cannot be read or does not resolve";
    CoverageFailOn => "galley::coverage::fail-on", "a `coverage --fail-on` condition that holds";
    ValidateFailOnSkip => "galley::validate::fail-on-skip", "skipped tests under `validate --fail-on-skip`";
    OciRegistry => "galley::oci::registry", "an `oci://` reference that is malformed, or a registry that cannot be reached or refuses";
    OciContent => "galley::oci::content", "what a registry sent that is malformed, too large or fails its digest";
    AttestKey => "galley::attest::key", "a signing or public key that cannot be read or is not an Ed25519 PEM key";
    VerifyMismatch => "galley::verify::mismatch", "a bundle file that is missing, extra or altered, or an attestation that does not check";
    ServeStart => "galley::serve::start", "a server that cannot start or listen on its address";
    ParamDecl => "galley::param::declaration", "a parameter declared twice, or whose default, range or set does not fit its type";
    ParamUnknown => "galley::param::unknown", "a `$NAME` or `--param` that names no parameter declared for it";
    ParamType => "galley::param::type", "a parameter value that does not read as the parameter's type";
    ParamRange => "galley::param::out-of-range", "a parameter value outside its declared range or set";
    ParamMissing => "galley::param::missing", "a parameter without a default that the target needs and nothing sets";
    BoundExpression => "galley::bound::expression", "a constraint bound computed from the snapshot that does not parse, or reads a fact of the wrong type";
    BoundUnit => "galley::bound::unit", "a computed bound whose units do not agree with the measurement's";
    LintUnusedParam => "galley::lint::unused-param", "a parameter that no value or constraint refers to";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Labelled places; the first is the primary one.
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }
}

/// Diagnostics collected by a stage, kept in a deterministic order.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Sort by primary location, then code, and drop exact duplicates, so output does not
    /// depend on the order files were read in.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (a.primary_span(), a.code, &a.message).cmp(&(b.primary_span(), b.code, &b.message))
        });
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The closest candidate to `name` by edit distance, for "did you mean" help.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.len() / 3).max(1) + 1;
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(&cb));
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `help: did you mean `x`?` text, or a list of the valid names when none is close.
pub fn suggestion<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match did_you_mean(name, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            let mut all: Vec<&str> = candidates.into_iter().collect();
            all.sort_unstable();
            all.dedup();
            if all.is_empty() {
                "nothing is declared here yet".to_string()
            } else {
                format!("expected one of: {}", all.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for &c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn did_you_mean_finds_close_names() {
        assert_eq!(did_you_mean("ekss", ["eks", "gke", "aks"]), Some("eks"));
        assert_eq!(did_you_mean("zzzzzz", ["eks", "gke"]), None);
    }
}
