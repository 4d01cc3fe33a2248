//! Source files and byte spans.
//!
//! Every file galley reads (overlays, stdlib declarations, AICR YAML, values files) is
//! registered once in a [`Files`] table; AST nodes and diagnostics point into it with a
//! [`Span`]: a file id plus a byte range. Spans never take part in equality of AST nodes
//! (see [`Spanned`]), so two parses of differently laid-out text compare equal.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Index of a file in a [`Files`] table.
#[derive(
    serde::Serialize,
    serde::Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(
    serde::Serialize,
    serde::Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both (which must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A value with a span; equality, ordering and hashing ignore the span.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, Default)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}
impl<T: Eq> Eq for Spanned<T> {}

impl<T: PartialOrd> PartialOrd for Spanned<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.node.partial_cmp(&other.node)
    }
}
impl<T: Ord> Ord for Spanned<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.node.cmp(&other.node)
    }
}
impl<T: std::hash::Hash> std::hash::Hash for Spanned<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.node.hash(state)
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.node
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// What kind of file a relative path inside a data root is, by the reference's rules:
/// `.ovl` files are galley's own; a `.yaml` file outside `components/` and `checks/` is
/// AICR YAML; everything else is data that overlays reference (values files, manifests,
/// health checks). The build script shares this to pre-parse the embedded library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileClass {
    Ovl,
    AicrYaml,
    Data,
}

pub fn classify(rel: &str) -> FileClass {
    let is_data_dir =
        |dir: &str| rel.starts_with(&format!("{dir}/")) || rel.contains(&format!("/{dir}/"));
    if rel.ends_with(".ovl") {
        FileClass::Ovl
    } else if is_data_dir("components") || is_data_dir("checks") {
        FileClass::Data
    } else if rel.ends_with(".yaml") && !rel.ends_with("data-v1.yaml") {
        FileClass::AicrYaml
    } else {
        FileClass::Data
    }
}

/// One source file: the name shown to users and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Name shown in diagnostics (a path relative to its data root, or a real path).
    pub name: String,
    pub text: Arc<str>,
    /// Byte offset of the start of each line, computed the first time a location is asked
    /// for (most files never need one).
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            );
            starts
        })
    }

    /// 1-based line and column (in bytes) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let starts = self.line_starts();
        let line = match starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (line + 1, offset - starts[line] as usize + 1)
    }

    /// How many lines the text has (a final line without a newline counts, and so does the
    /// empty line after a final newline).
    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// The byte range of a 1-based line, without its line break (`\n` or `\r\n`).
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let starts = self.line_starts();
        let i = line.clamp(1, starts.len()) - 1;
        let start = starts[i] as usize;
        let mut end = starts
            .get(i + 1)
            .map_or(self.text.len(), |&s| s as usize - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

/// The table of every file read in one run.
#[derive(Clone, Debug, Default)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    pub fn new() -> Self {
        Files::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        self.files.push(SourceFile::new(name, text));
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.get(id).name
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.get(id).text
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        &self.text(span.file)[span.range()]
    }

    /// `name:line:col` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        let (line, col) = self.get(span.file).line_col(span.start as usize);
        format!("{}:{line}:{col}", self.name(span.file))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
