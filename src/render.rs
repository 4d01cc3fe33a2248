//! Turning [`Diagnostic`] data into text: miette's graphical reports for people, and a
//! stable JSON shape for editors and pipelines.
//!
//! miette draws one source per report, so labels in other files become related reports
//! (a conflict between two overlays in two files shows both places).

use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, Files, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
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
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let report = Report::new(d, files);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}\n", d.code, d.message);
    }
    out
}

struct Report {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, files: &Files) -> Report {
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
            related.push(Report {
                code: String::new(),
                message: format!("see also `{}`", files.name(file)),
                severity: miette::Severity::Advice,
                help: None,
                source: Some(named(files, file)),
                labels: labels_in(d, file, files),
                related: Vec::new(),
            });
        }
        Report {
            code: d.code.as_str().to_string(),
            message: d.message.clone(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help,
            source: primary.map(|f| named(files, f)),
            labels: primary.map(|f| labels_in(d, f, files)).unwrap_or_default(),
            related,
        }
    }
}

fn named(files: &Files, file: FileId) -> NamedSource<String> {
    NamedSource::new(files.name(file), files.text(file).to_string()).with_language("text")
}

fn labels_in(d: &Diagnostic, file: FileId, files: &Files) -> Vec<LabeledSpan> {
    let len = files.text(file).len();
    d.labels
        .iter()
        .filter(|l| l.span.file == file)
        .map(|l| {
            let start = (l.span.start as usize).min(len);
            let end = (l.span.end as usize).clamp(start, len);
            LabeledSpan::new(Some(l.message.clone()), start, end - start)
        })
        .collect()
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
