//! The part of a source file one report shows: the lines its labels sit on (with one line
//! of context each side), each long line cut to a window around its labels.
//!
//! miette is handed this excerpt rather than the whole file, with the labels re-based into
//! it. That keeps every report small and its cost independent of the file's size: a label
//! at column 200,000 of a one-line JSON file shows a window of a few hundred bytes (marked
//! with an ellipsis where the line goes on), a label spanning 4,000 lines shows its first
//! line, and finding a label's line is a binary search in the file's line index instead of
//! a scan from the start of the file for every report. Line and column numbers stay the
//! file's own: [`Excerpt`] answers miette's `read_span` with the real ones.

use crate::source::SourceFile;
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::collections::HashMap;
use std::ops::Range;

/// Lines up to this many bytes are shown whole.
const MAX_LINE: usize = 160;
/// The window kept of a longer line.
const WINDOW: usize = 120;
/// Bytes of a long line shown before the first label in its window.
const LEAD: usize = 40;
/// Lines of context shown around each label (miette's default).
const CONTEXT: usize = 1;
/// A label spanning more lines than this is shown on its first line only.
const MAX_LABEL_LINES: usize = 4;

/// One line of the excerpt: the window `real` of line `number`, at `virt` in the excerpt.
#[derive(Debug)]
struct Line {
    number: usize,
    /// Where the line starts in the file.
    line_start: usize,
    /// The part of the line shown.
    real: Range<usize>,
    /// Where the shown text starts in the excerpt (after the leading marker, if any).
    virt: usize,
    /// The excerpt's bytes for the line: marker, text, marker (no line break).
    virt_range: Range<usize>,
}

/// A windowed view of one file, for miette.
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    lines: Vec<Line>,
}

impl Excerpt {
    /// The excerpt of `file` that shows `spans` (byte ranges, already clamped to the text),
    /// and the spans re-based into it. `ellipsis` marks where a cut line goes on.
    pub fn new(
        file: &SourceFile,
        spans: &[Range<usize>],
        ellipsis: &str,
    ) -> (Excerpt, Vec<Range<usize>>) {
        let spans: Vec<(Range<usize>, usize, usize)> =
            spans.iter().map(|s| clip_long(file, s.clone())).collect();
        let numbers = shown_lines(file, &spans);
        let mut excerpt = Excerpt {
            name: file.name.clone(),
            text: String::new(),
            lines: Vec::with_capacity(numbers.len()),
        };
        let mut points: HashMap<usize, Vec<usize>> = HashMap::new();
        for (s, first, last) in &spans {
            points.entry(*first).or_default().push(s.start);
            points.entry(*last).or_default().push(s.end);
        }
        for number in numbers {
            let here = points.get(&number).map_or(&[][..], Vec::as_slice);
            excerpt.push_line(file, number, here, ellipsis);
        }
        let mapped = spans
            .iter()
            .map(|(s, first, last)| excerpt.map(*first, s.start)..excerpt.map(*last, s.end))
            .map(|r| r.start..r.end.max(r.start))
            .collect();
        (excerpt, mapped)
    }

    fn push_line(&mut self, file: &SourceFile, number: usize, points: &[usize], ellipsis: &str) {
        let whole = file.line_range(number);
        let real = window(&file.text, whole.clone(), points);
        let start = self.text.len();
        if real.start > whole.start {
            self.text.push_str(ellipsis);
        }
        let virt = self.text.len();
        self.text
            .extend(file.text[real.clone()].chars().map(printable));
        if real.end < whole.end {
            self.text.push_str(ellipsis);
        }
        let end = self.text.len();
        self.text.push('\n');
        self.lines.push(Line {
            number,
            line_start: whole.start,
            real,
            virt,
            virt_range: start..end,
        });
    }

    /// Where the file's byte `offset`, on line `number`, is in the excerpt. An offset cut
    /// off a line maps to that side's marker, so a label running past the window covers it.
    fn map(&self, number: usize, offset: usize) -> usize {
        let i = match self.lines.binary_search_by_key(&number, |l| l.number) {
            Ok(i) => i,
            Err(i) => i.min(self.lines.len().saturating_sub(1)),
        };
        let Some(line) = self.lines.get(i) else {
            return 0;
        };
        if offset < line.real.start {
            line.virt_range.start
        } else if offset > line.real.end {
            line.virt_range.end
        } else {
            line.virt + (offset - line.real.start)
        }
    }

    /// The index of the excerpt line holding excerpt offset `offset`.
    fn line_at(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.virt_range.start <= offset)
            .saturating_sub(1)
    }

    /// The file's 0-based column of excerpt offset `offset` on excerpt line `i`.
    fn column(&self, i: usize, offset: usize) -> usize {
        let line = &self.lines[i];
        let shown = offset.clamp(line.virt, line.virt + line.real.len()) - line.virt;
        line.real.start + shown - line.line_start
    }

    /// Widen lines `i..=j` by up to `before` and `after` lines that are the file's
    /// neighbours too (the excerpt skips the lines between labels far apart).
    fn widen(&self, mut i: usize, mut j: usize, before: usize, after: usize) -> (usize, usize) {
        for _ in 0..before {
            match i.checked_sub(1) {
                Some(p) if self.lines[p].number + 1 == self.lines[i].number => i = p,
                _ => break,
            }
        }
        for _ in 0..after {
            match self.lines.get(j + 1) {
                Some(n) if self.lines[j].number + 1 == n.number => j += 1,
                _ => break,
            }
        }
        (i, j)
    }
}

/// A label's range with its first and last line; one that spans many lines is cut to the
/// end of its first line.
fn clip_long(file: &SourceFile, span: Range<usize>) -> (Range<usize>, usize, usize) {
    let (first, _) = file.line_col(span.start);
    let (last, _) = file.line_col(span.end);
    if last > first + MAX_LABEL_LINES {
        let end = file.line_range(first).end.max(span.start);
        return (span.start..end, first, first);
    }
    (span, first, last)
}

/// The line numbers to show, in order: each label's lines and their context. The empty
/// line after a final line break is context for nothing.
fn shown_lines(file: &SourceFile, spans: &[(Range<usize>, usize, usize)]) -> Vec<usize> {
    let count = file.line_count();
    let context_count = if file.text.ends_with('\n') {
        count - 1
    } else {
        count
    };
    let mut numbers: Vec<usize> = spans
        .iter()
        .flat_map(|&(_, first, last)| {
            let before = first.saturating_sub(CONTEXT).max(1)..first;
            let after = (last + 1)..=(last + CONTEXT).min(context_count);
            before.chain(first..=last).chain(after)
        })
        .filter(|&n| n <= count)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// The part of `line` (a range of `text`) to show, around the label ends in `points`.
fn window(text: &str, line: Range<usize>, points: &[usize]) -> Range<usize> {
    if line.len() <= MAX_LINE {
        return line;
    }
    let lo = points.first().copied().unwrap_or(line.start);
    let hi = points
        .iter()
        .copied()
        .filter(|&p| p <= lo + (WINDOW - LEAD))
        .max()
        .unwrap_or(lo);
    let mut start = lo.saturating_sub(LEAD).max(line.start);
    let end = (start + WINDOW).max(hi).min(line.end);
    if end - start < WINDOW {
        start = end.saturating_sub(WINDOW).max(line.start);
    }
    floor_char(text, start)..ceil_char(text, end)
}

/// `i` (at most `text.len()`) moved back to a character boundary.
pub(super) fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Control characters would move the terminal's cursor or start escape sequences (and
/// throw off miette's column arithmetic); each shows as one `?`, the same width in bytes.
fn printable(c: char) -> char {
    if c.is_ascii_control() && c != '\t' {
        '?'
    } else {
        c
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if self.lines.is_empty() || end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_at(start);
        let last = self.line_at(end.saturating_sub(1).max(start));
        let (i, j) = self.widen(first, last, before, after);
        let from = self.lines[i].virt_range.start;
        let to = (self.lines[j].virt_range.end + 1).min(self.text.len());
        let column = if before == 0 {
            self.column(first, start)
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[from..to],
            (from, to - from).into(),
            self.lines[i].number - 1,
            column,
            j - i + 1,
        )))
    }
}

#[cfg(test)]
mod tests;
