//! File references: values files, manifests and health checks.
//!
//! A reference is a relative path inside the data roots. It must not leave them (no absolute
//! paths, no `..`), must not pass through a symbolic link, must exist, and must parse: values
//! files as one YAML mapping, manifests as YAML documents (or, when they hold Helm template
//! actions, as a template with balanced `{{ }}`).

use crate::data::{DataSet, RefError};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::prebuilt;
use crate::source::{FileId, Files};
use crate::syntax::ast::Str;
use crate::syntax::yaml;
use std::collections::BTreeMap;

pub struct FileChecker<'a> {
    pub data: &'a DataSet,
    pub files: &'a mut Files,
    /// Parse manifests and health checks too (`galley check`); otherwise only check that
    /// they exist, since resolving never reads them.
    pub deep: bool,
    /// Values files that parsed, as documents.
    pub values_docs: ValuesDocs,
    /// Result per (path, kind) so each file is read and reported once.
    checked: BTreeMap<(String, Kind), Result<FileId, ()>>,
    /// Files parsed ahead of the walk by [`FileChecker::prefetch`].
    prepared: BTreeMap<(String, Kind), Analysed>,
}

/// Values files' documents by path: those read during the check, and embedded ones the
/// build script read into a values document, decoded when first asked for (a recipe needs
/// a few of them; the library references dozens).
#[derive(Clone, Debug, Default)]
pub struct ValuesDocs {
    read: BTreeMap<String, yaml::Node>,
    /// (root label, file id, text) of each file whose document waits in `syntax::prebuilt`.
    deferred: BTreeMap<String, (String, FileId, std::sync::Arc<str>)>,
}

impl ValuesDocs {
    /// The document of a values file that parsed and is not empty.
    pub fn get(&self, path: &str) -> Option<std::borrow::Cow<'_, yaml::Node>> {
        if let Some(doc) = self.read.get(path) {
            return Some(std::borrow::Cow::Borrowed(doc));
        }
        let (root, file, text) = self.deferred.get(path)?;
        prebuilt::yaml(root, path, *file, text)?
            .into_iter()
            .next()
            .filter(|d| matches!(d.kind, yaml::NodeKind::Map(_)))
            .map(std::borrow::Cow::Owned)
    }

    fn insert(&mut self, path: String, doc: yaml::Node) {
        self.read.insert(path, doc);
    }
}

/// What reading one file found.
struct Analysed {
    file: FileId,
    problem: Option<Diagnostic>,
    doc: Option<yaml::Node>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Values,
    Manifest,
    Check,
}

impl<'a> FileChecker<'a> {
    pub fn new(data: &'a DataSet, files: &'a mut Files, deep: bool) -> Self {
        FileChecker {
            data,
            files,
            deep,
            values_docs: ValuesDocs::default(),
            checked: BTreeMap::new(),
            prepared: BTreeMap::new(),
        }
    }

    /// Read and parse every referenced file up front, on every core. Files are registered
    /// in sorted order first, so file ids do not depend on timing; references that do not
    /// resolve are left for the walk to report at each referring site.
    pub fn prefetch(&mut self, wanted: impl IntoIterator<Item = (String, Kind)>) {
        let wanted: std::collections::BTreeSet<(String, Kind)> = wanted.into_iter().collect();
        let mut jobs = Vec::new();
        for (path, kind) in wanted {
            if let Ok((layer, text)) = self.data.resolve(&path) {
                let file = self
                    .files
                    .add(self.data.roots[layer].display_name(&path), text.clone());
                match self.settle(&path, kind, layer, file, text) {
                    Some(analysed) => {
                        self.prepared.insert((path, kind), analysed);
                    }
                    None => jobs.push((path, kind, file, text.clone())),
                }
            }
        }
        let deep = self.deep;
        let results = crate::parallel::map(&jobs, |(_, kind, file, text)| {
            analyse(*kind, *file, text, deep)
        });
        for ((path, kind, ..), analysed) in jobs.into_iter().zip(results) {
            self.prepared.insert((path, kind), analysed);
        }
    }

    /// What reading a file would find, when that is known without reading it: nothing
    /// for a manifest or check that is not read (`deep` off) or that the build script read
    /// cleanly; nothing for a values file the build script read into a values document,
    /// whose document is decoded if a recipe asks for it. `None`: the file must be read.
    fn settle(
        &mut self,
        path: &str,
        kind: Kind,
        layer: usize,
        file: FileId,
        text: &std::sync::Arc<str>,
    ) -> Option<Analysed> {
        let root = &self.data.roots[layer];
        let embedded = root.embedded.then_some(root.label.as_str());
        let fine = Analysed {
            file,
            problem: None,
            doc: None,
        };
        if kind == Kind::Values {
            let label = embedded.filter(|l| prebuilt::values_ready(l, path, text))?;
            let deferred = (label.to_string(), file, text.clone());
            self.values_docs.deferred.insert(path.to_string(), deferred);
            return Some(fine);
        }
        // A template is checked for balanced actions, which the build script did not do.
        let template = kind == Kind::Manifest && text.contains("{{");
        let read_at_build = embedded.is_some_and(|l| prebuilt::yaml_reads(l, path, text));
        (!self.deep || (read_at_build && !template)).then_some(fine)
    }

    /// The values files that read and parsed cleanly, by path.
    pub fn good_values_files(&self) -> BTreeMap<String, FileId> {
        self.checked
            .iter()
            .filter(|((_, kind), _)| *kind == Kind::Values)
            .filter_map(|((path, _), r)| r.ok().map(|id| (path.clone(), id)))
            .collect()
    }

    pub fn values_file(&mut self, path: &Str, diags: &mut Diagnostics) {
        self.check(path, Kind::Values, diags);
    }

    pub fn health_check(&mut self, path: &Str, diags: &mut Diagnostics) {
        self.check(path, Kind::Check, diags);
    }

    pub fn manifest(&mut self, path: &Str, diags: &mut Diagnostics) {
        let text = path.node.as_str();
        if text.contains("://") {
            if !text.starts_with("https://") || text.chars().any(char::is_whitespace) {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidReference,
                        format!("manifest URL `{text}` is not an `https://` URL"),
                    )
                    .with_label(path.span, "only https URLs are fetched")
                    .with_help("use the https address of the upstream release asset"),
                );
            }
            return;
        }
        self.check(path, Kind::Manifest, diags);
    }

    fn check(&mut self, path: &Str, kind: Kind, diags: &mut Diagnostics) {
        let key = (path.node.clone(), kind);
        if let Some(done) = self.checked.get(&key) {
            if done.is_err() {
                // Report every referring site, not only the first.
                if let Err(d) = self.read(path, kind) {
                    diags.push(d);
                }
            }
            return;
        }
        let result = self.read(path, kind);
        let stored = match result {
            Ok(id) => Ok(id),
            Err(d) => {
                diags.push(d);
                Err(())
            }
        };
        self.checked.insert(key, stored);
    }

    fn read(&mut self, path: &Str, kind: Kind) -> Result<FileId, Diagnostic> {
        let (layer, text) = self
            .data
            .resolve(&path.node)
            .map_err(|e| ref_error(path, &e))?;
        let analysed = match self.prepared.remove(&(path.node.clone(), kind)) {
            Some(a) => a,
            None => {
                let name = self.data.roots[layer].display_name(&path.node);
                let text = text.clone();
                let file = self.files.add(name, text.clone());
                self.settle(&path.node, kind, layer, file, &text)
                    .unwrap_or_else(|| analyse(kind, file, &text, self.deep))
            }
        };
        let Analysed { file, problem, doc } = analysed;
        if let Some(doc) = doc {
            self.values_docs.insert(path.node.clone(), doc);
        }
        match problem {
            None => Ok(file),
            Some(inner) => {
                let mut d = Diagnostic::error(
                    Code::FileUnparsable,
                    format!("`{}` is not valid {}", path.node, kind_name(kind)),
                )
                .with_label(path.span, "referenced here");
                d.labels.extend(inner.labels);
                d.notes.push(inner.message);
                Err(d)
            }
        }
    }
}

fn analyse(kind: Kind, file: FileId, text: &str, deep: bool) -> Analysed {
    let (problem, doc) = match kind {
        Kind::Values => match values_document(file, text) {
            Ok(doc) => (None, doc),
            Err(d) => (Some(d), None),
        },
        Kind::Manifest if deep && text.contains("{{") => (template_problem(file, text), None),
        Kind::Manifest | Kind::Check if deep => (yaml::parse_documents(file, text).err(), None),
        Kind::Manifest | Kind::Check => (None, None),
    };
    Analysed { file, problem, doc }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Values => "Helm values (a YAML mapping)",
        Kind::Manifest => "YAML or Helm template",
        Kind::Check => "YAML",
    }
}

/// A values file's one document (a mapping), `None` when it is empty.
fn values_document(file: FileId, text: &str) -> Result<Option<yaml::Node>, Diagnostic> {
    let mut docs = yaml::parse_documents(file, text)?;
    if docs.len() > 1 {
        return Err(Diagnostic::error(
            Code::YamlParse,
            "a values file holds exactly one YAML document",
        )
        .with_label(docs[1].span, "second document"));
    }
    match docs.pop() {
        None => Ok(None),
        Some(d) if matches!(d.kind, yaml::NodeKind::Null) => Ok(None),
        Some(d) if matches!(d.kind, yaml::NodeKind::Map(_)) => Ok(Some(d)),
        Some(d) => Err(Diagnostic::error(
            Code::YamlParse,
            "Helm values must be a mapping at the top level",
        )
        .with_label(d.span, "not a mapping")),
    }
}

/// Helm template actions must open and close in pairs.
fn template_problem(file: FileId, text: &str) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let mut open: Option<usize> = None;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let pair = &bytes[i..i + 2];
        if pair == b"{{" {
            if let Some(start) = open {
                return Some(unbalanced(file, start));
            }
            open = Some(i);
            i += 2;
        } else if pair == b"}}" {
            if open.take().is_none() {
                return Some(unbalanced(file, i));
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    open.map(|start| unbalanced(file, start))
}

fn unbalanced(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::error(Code::YamlParse, "unbalanced Helm template action").with_label(
        crate::source::Span::new(file, at..at + 2),
        "this `{{` or `}}` has no partner",
    )
}

fn ref_error(path: &Str, e: &RefError) -> Diagnostic {
    let p = &path.node;
    match e {
        RefError::OutsideRoot => Diagnostic::error(Code::FileOutsideRoot, format!("`{p}` is outside the data root"))
            .with_label(path.span, "absolute, `..` or otherwise escaping path")
            .with_help("use a path relative to the data root, such as `components/<name>/values.yaml`"),
        RefError::Missing => Diagnostic::error(Code::FileMissing, format!("`{p}` does not exist"))
            .with_label(path.span, "no such file in any data root")
            .with_help("paths are relative to the data root (the directory holding `overlays/` and `components/`)"),
        RefError::Hidden => Diagnostic::error(Code::FileMissing, format!("`{p}` is a hidden file, and galley does not load hidden files"))
            .with_label(path.span, "a name on this path starts with `.`")
            .with_help("data directories are read without names starting with `.` (`.git`, editor files): rename the file or folder without the dot"),
        RefError::Symlink => Diagnostic::error(Code::FileSymlink, format!("`{p}` is reached through a symbolic link"))
            .with_label(path.span, "galley does not follow links in data directories")
            .with_help("copy the file into the data directory instead of linking it"),
        RefError::TooLarge(n) => Diagnostic::error(Code::InputTooLarge, format!("`{p}` is {n} bytes, over the 10 MiB limit"))
            .with_label(path.span, "too large"),
        RefError::Unreadable(why) => {
            Diagnostic::error(Code::Io, format!("cannot read `{p}`: {why}")).with_label(path.span, "unreadable")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_balance() {
        let f = FileId(0);
        assert!(template_problem(f, "a: {{ .Values.x }}\n").is_none());
        assert!(template_problem(f, "a: {{ .Values.x \n").is_some());
        assert!(template_problem(f, "a: }}\n").is_some());
    }
}
