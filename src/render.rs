//! Turning [`Diagnostic`] data into text: miette's graphical reports for people, and a
//! stable JSON shape for editors and pipelines.
//!
//! miette draws one source per report, so labels in other files become related reports
//! (a conflict between two overlays in two files shows both places). Each report sees an
//! [`Excerpt`] of its file, never the whole text (see `render/excerpt.rs`).

mod excerpt;

use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, Files, Span};
use excerpt::{Excerpt, floor_char};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde::Serialize;
use std::fmt;

/// How to draw reports.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    pub unicode: bool,
    pub width: usize,
}

impl Style {
    /// Plain ASCII, no colour: for tests, logs and pipes.
    pub fn plain() -> Style {
        Style {
            color: false,
            unicode: false,
            width: 100,
        }
    }
}

/// Render one diagnostic as a miette report.
pub fn render(d: &Diagnostic, files: &Files, style: Style) -> String {
    let theme = match (style.unicode, style.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, _) => GraphicalTheme::none(),
    };
    // Help text wraps at spaces outside backticks only: a hyphenated name or a suggested
    // command (`--set kubeflow-trainer:enabled=false`) stays whole on one line, to be copied.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_word_separator(textwrap::WordSeparator::Custom(words_outside_code));
    let ellipsis = if style.unicode { "…" } else { "..." };
    let report = Report::new(d, files, ellipsis);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}\n", d.code, d.message);
    }
    out
}

/// Words for wrapping: runs of text between spaces, where a space inside a `code span`
/// does not end a word.
fn words_outside_code(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let mut words = Vec::new();
    let (mut start, mut in_code, mut after_space) = (0, false, false);
    for (i, c) in line.char_indices() {
        if after_space && c != ' ' {
            words.push(textwrap::core::Word::from(&line[start..i]));
            start = i;
        }
        in_code ^= c == '`';
        after_space = c == ' ' && !in_code;
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

struct Report {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Excerpt>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, files: &Files, ellipsis: &str) -> Report {
        let primary = d.primary_span().map(|s| s.file);
        let mut help = d.help.clone();
        for note in &d.notes {
            let line = format!("note: {note}");
            help = Some(match help {
                Some(h) => format!("{h}\n{line}"),
                None => line,
            });
        }
        let mut related: Vec<Report> = Vec::new();
        let mut others: Vec<FileId> = Vec::new();
        for l in &d.labels {
            if Some(l.span.file) != primary && !others.contains(&l.span.file) {
                others.push(l.span.file);
            }
        }
        for file in others {
            let (source, labels) = excerpt(d, file, files, ellipsis);
            related.push(Report {
                code: String::new(),
                message: format!("see also `{}`", files.name(file)),
                severity: miette::Severity::Advice,
                help: None,
                source: Some(source),
                labels,
                related: Vec::new(),
            });
        }
        let (source, labels) = match primary.map(|f| excerpt(d, f, files, ellipsis)) {
            Some((source, labels)) => (Some(source), labels),
            None => (None, Vec::new()),
        };
        Report {
            code: d.code.as_str().to_string(),
            message: d.message.clone(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help,
            source,
            labels,
            related,
        }
    }
}

/// The excerpt of `file` that shows the diagnostic's labels there, and the labels in it.
fn excerpt(
    d: &Diagnostic,
    file: FileId,
    files: &Files,
    ellipsis: &str,
) -> (Excerpt, Vec<LabeledSpan>) {
    let text = files.text(file);
    let here: Vec<_> = d.labels.iter().filter(|l| l.span.file == file).collect();
    let ranges: Vec<_> = here
        .iter()
        .map(|l| {
            let start = floor_char(text, (l.span.start as usize).min(text.len()));
            let end = floor_char(text, (l.span.end as usize).clamp(start, text.len()));
            start..end
        })
        .collect();
    let (source, ranges) = Excerpt::new(files.get(file), &ranges, ellipsis);
    let labels = here
        .iter()
        .zip(ranges)
        .map(|(l, r)| LabeledSpan::new(Some(l.message.clone()), r.start, r.len()))
        .collect();
    (source, labels)
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = _>>
        })
    }
}

/// The JSON shape of one diagnostic (`--format json`); stable for editors.
#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

#[derive(Serialize)]
pub struct JsonLabel {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub byte_start: u32,
    pub byte_end: u32,
    pub message: String,
}

pub fn to_json(d: &Diagnostic, files: &Files) -> JsonDiagnostic {
    let labels: Vec<JsonLabel> = d
        .labels
        .iter()
        .map(|l| json_label(l.span, &l.message, files))
        .collect();
    JsonDiagnostic {
        code: d.code.as_str(),
        severity: d.severity,
        message: d.message.clone(),
        file: labels.first().map(|l| l.file.clone()),
        line: labels.first().map(|l| l.line),
        column: labels.first().map(|l| l.column),
        labels,
        help: d.help.clone(),
        notes: d.notes.clone(),
    }
}

fn json_label(span: Span, message: &str, files: &Files) -> JsonLabel {
    let f = files.get(span.file);
    let len = f.text.len();
    let (line, column) = f.line_col((span.start as usize).min(len));
    let (end_line, end_column) = f.line_col((span.end as usize).min(len));
    JsonLabel {
        file: f.name.clone(),
        line,
        column,
        end_line,
        end_column,
        byte_start: span.start,
        byte_end: span.end,
        message: message.to_string(),
    }
}
