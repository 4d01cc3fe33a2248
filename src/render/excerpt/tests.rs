use super::*;
use crate::diag::{Code, Diagnostic};
use crate::render::{Style, render};
use crate::source::{Files, Span};

fn file(text: &str) -> SourceFile {
    SourceFile::new("f.ovl", text)
}

/// Renders one diagnostic with one label over `range` of `text`.
fn render_label(text: &str, range: Range<usize>) -> String {
    let mut files = Files::new();
    let id = files.add("f.ovl", text);
    let d = Diagnostic::error(Code::UnknownValue, "unknown service `x`")
        .with_label(Span::new(id, range), "here");
    render(&d, &files, Style::plain())
}

#[test]
fn short_lines_are_shown_whole_and_labels_keep_their_text() {
    let text = "one\ntwo words\nthree\nfour\n";
    let (x, spans) = Excerpt::new(&file(text), &[4..7, 20..24], "...");
    assert_eq!(x.text, "one\ntwo words\nthree\nfour\n");
    assert_eq!(&x.text[spans[0].clone()], "two");
    assert_eq!(&x.text[spans[1].clone()], "four");
}

#[test]
fn a_label_past_column_65536_renders_a_window() {
    let text = format!(
        "{}overlay a extends base {{ when service = nosuchsvc }}\n",
        " ".repeat(65_536)
    );
    let at = text.find("nosuchsvc").unwrap();
    let out = render_label(&text, at..at + 9);
    assert!(out.contains("[f.ovl:1:65577]"), "{out}");
    assert!(out.contains("...") && out.contains("nosuchsvc"), "{out}");
    assert!(out.len() < 2_000, "{} bytes:\n{out}", out.len());
}

#[test]
fn a_long_line_is_cut_on_char_boundaries() {
    let text = "é".repeat(100_000);
    for at in [0, 1_001, 100_000, 199_998] {
        let at = super::floor_char(&text, at);
        let out = render_label(&text, at..text.len().min(at + 7));
        assert!(out.len() < 2_000, "{} bytes at {at}", out.len());
    }
}

#[test]
fn a_label_over_thousands_of_lines_shows_its_first_line() {
    let text: String = (0..4_000).map(|i| format!("<item n=\"{i}\"/>\n")).collect();
    let out = render_label(&text, 0..text.len());
    assert!(out.lines().count() < 15, "{out}");
    assert!(
        out.contains("<item n=\"0\"/>") && !out.contains("<item n=\"5\"/>"),
        "{out}"
    );
}

#[test]
fn labels_far_apart_show_only_their_own_lines() {
    let text: String = (1..=3_000).map(|i| format!("line {i}\n")).collect();
    let (a, b) = (
        text.find("line 2\n").unwrap(),
        text.find("line 2900\n").unwrap(),
    );
    let mut files = Files::new();
    let id = files.add("f.ovl", text.as_str());
    let d = Diagnostic::error(Code::DuplicateField, "twice")
        .with_label(Span::new(id, a..a + 6), "first")
        .with_label(Span::new(id, b..b + 9), "again");
    let out = render(&d, &files, Style::plain());
    assert!(out.contains(" 2901 | line 2901"), "{out}");
    assert!(
        out.contains(" 1 | line 1") || out.contains("  1 | line 1"),
        "{out}"
    );
    assert!(
        !out.contains("line 1500") && out.lines().count() < 20,
        "{out}"
    );
}

#[test]
fn control_characters_are_not_echoed() {
    let out = render_label("a = \"\u{1b}[31mred\u{7}\"\n", 4..15);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("\"?[31mred?\""), "{out}");
}

#[test]
fn empty_files_and_labels_at_the_end_render() {
    for (text, range) in [("", 0..0), ("a\n", 2..2), ("a\r\nb", 3..4), ("x", 0..1)] {
        let out = render_label(text, range);
        assert!(out.contains("unknown service"), "{out}");
    }
}

#[test]
fn help_is_not_broken_inside_a_hyphenated_command() {
    let mut files = Files::new();
    let id = files.add("f.ovl", "component a {}\n");
    let help = "`kubeflow-trainer` is disabled but `kubeflow` needs it; enable it again with \
                `--set kubeflow-trainer:enabled=true`, or disable the components that need it";
    for width in 60..120 {
        let d = Diagnostic::error(Code::BundleDisabled, "disabled")
            .with_label(Span::new(id, 0..9), "here")
            .with_help(help);
        let style = Style {
            width,
            ..Style::plain()
        };
        let out = render(&d, &files, style);
        assert!(
            out.contains("`--set kubeflow-trainer:enabled=true`"),
            "width {width}:\n{out}"
        );
        assert!(out.contains("`kubeflow-trainer`"), "width {width}:\n{out}");
    }
}

/// Rendering one report costs the same whatever the size of its file: rendering as many
/// reports as a file has lines grows linearly (it was quadratic: each report copied and
/// scanned the whole file).
#[test]
fn rendering_many_reports_is_linear() {
    fn run(n: usize) -> std::time::Duration {
        let text: String = (0..n)
            .map(|i| format!("overlay a{i} {{ when service = x{i} }}\n"))
            .collect();
        let mut files = Files::new();
        let id = files.add("f.ovl", text.as_str());
        let starts: Vec<usize> = text.match_indices("x").map(|(i, _)| i).collect();
        let started = std::time::Instant::now();
        for s in starts {
            let d = Diagnostic::error(Code::UnknownValue, "unknown")
                .with_label(Span::new(id, s..s + 2), "here");
            std::hint::black_box(render(&d, &files, Style::plain()));
        }
        started.elapsed()
    }
    let best = |n| (0..3).map(|_| run(n)).min().unwrap();
    let (small, large) = (best(1_000), best(8_000));
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    assert!(
        ratio < 20.0,
        "8x the reports took {ratio:.1}x the time ({small:?} -> {large:?})"
    );
}

#[test]
fn labels_far_apart_on_one_long_line_stay_in_the_window() {
    let text = format!(
        "a = 1{}b = 2{}c = 3\n",
        " ".repeat(5_000),
        " ".repeat(5_000)
    );
    let (b, c) = (text.find('b').unwrap(), text.find('c').unwrap());
    let mut files = Files::new();
    let id = files.add("f.ovl", text.as_str());
    for spans in [
        [b..b + 5, c..c + 5],
        [c..c + 5, b..b + 5],
        [0..text.len(), b..b + 1],
    ] {
        let mut d = Diagnostic::error(Code::DuplicateField, "twice");
        for s in spans {
            d = d.with_label(Span::new(id, s), "here");
        }
        let out = render(&d, &files, Style::plain());
        assert!(out.len() < 2_000, "{} bytes:\n{out}", out.len());
    }
}
