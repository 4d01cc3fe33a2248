use super::*;
use crate::source::FileId;
use crate::syntax::yaml;

/// The shipped library: real values files, written by hand.
const RECIPES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../recipes");

fn parse(text: &str) -> Value {
    match yaml::parse_document(FileId(0), text) {
        Ok(Some(doc)) => doc.to_value(),
        other => panic!("expected a document, got {other:?}"),
    }
}

const TRICKY: &[&str] = &[
    "NO",
    "yes",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "No",
    "true",
    "False",
    "null",
    "~",
    "",
    "1.10",
    "0755",
    "24.04",
    "089",
    "1e3",
    "0x10",
    "0o17",
    "+1",
    ".5",
    "1_000",
    ".inf",
    "12:30",
    "2001-12-14",
    "<<",
    "- a",
    "a: b",
    "#x",
    " lead",
    "trail ",
    "tab\there",
    "it's",
    "\"q\"",
    "multi\nline\n",
    "no final newline\nhere",
    "  indented\nblock\n",
    "keep\n\n",
    "@at",
    "`tick",
    "%pct",
    "!bang",
    "&amp",
    "*star",
    "[x]",
    "{x}",
    "a #b",
    "-",
    "?",
    ":",
    "plain text",
];

#[test]
fn ambiguous_strings_come_back_as_strings() {
    let map: crate::value::Map = TRICKY
        .iter()
        .map(|s| (s.to_string(), Value::String(s.to_string())))
        .collect();
    let value = Value::Map(map);
    for text in [values_yaml(&value), document_yaml(&value)] {
        let back = parse(&text);
        let back = back.as_map().expect("a map");
        for s in TRICKY {
            assert_eq!(
                back.get(*s),
                Some(&Value::String(s.to_string())),
                "{s:?} in\n{text}"
            );
        }
    }
}

#[test]
fn helm_sensitive_strings_are_quoted() {
    for s in [
        "NO", "yes", "on", "off", "y", "n", "true", "null", "~", "", "1.10", "0755", "24.04",
    ] {
        let out = values_yaml(&Value::List(vec![Value::String(s.to_string())]));
        assert_eq!(out, format!("- \"{s}\"\n"));
    }
}

#[test]
fn values_yaml_matches_yaml_v3_layout() {
    let v = parse(
        "b: [1, {x: 1, y: [a, b], z: {w: 1}}]\na10: 1\na9: 2\nmulti: \"a\\nb\\n\"\n\
         empty: {}\nel: []\nnul: null\nf: 1.5\ns: 'a: b'\nnested: [[1, 2], '3']\n",
    );
    let expected = "\
a9: 2
a10: 1
b:
    - 1
    - x: 1
      \"y\":
        - a
        - b
      z:
        w: 1
el: []
empty: {}
f: 1.5
multi: |
    a
    b
nested:
    - - 1
      - 2
    - \"3\"
nul: null
s: 'a: b'
";
    assert_eq!(values_yaml(&v), expected);
}

#[test]
fn document_yaml_uses_two_spaces_and_keeps_field_order() {
    let v =
        parse("kind: RecipeResult\ncriteria: {service: eks}\nrefs:\n- name: a\n  deps: [b, c]\n");
    let expected = "\
kind: RecipeResult
criteria:
  service: eks
refs:
  - name: a
    deps:
      - b
      - c
";
    assert_eq!(document_yaml(&v), expected);
}

#[test]
fn literal_blocks_round_trip() {
    for s in ["a\nb", "a\nb\n", "a\n\n", "\n", " x\ny\n", "x\n  y\n"] {
        let v = parse("k: v\n");
        let mut v = v;
        if let Value::Map(m) = &mut v {
            m.insert("k".into(), Value::String(s.into()));
            m.insert("l".into(), Value::List(vec![Value::String(s.into())]));
        }
        let text = values_yaml(&v);
        assert_eq!(parse(&text), natural_sorted(&v), "{s:?} as\n{text}");
    }
}

#[test]
fn natural_order_is_yaml_v3s() {
    let mut keys = vec![
        "b", "a10", "a9", "a", "A", "_x", "a_b", "ab", "a1b", "a01", "1", "10", "9",
    ];
    merge_sort(&mut keys, &|a, b| natural_less(a, b));
    assert_eq!(
        keys,
        // Traced by hand through yaml.v3's sorter.go: a non-letter sorts before a digit run
        // of higher value, `a1b` before `a01` (equal numbers, shorter run first).
        [
            "_x", "1", "9", "10", "A", "a", "a_b", "a1b", "a01", "a9", "a10", "ab", "b"
        ]
    );
}

#[test]
fn library_values_files_round_trip() {
    let dir = std::path::Path::new(RECIPES).join("components");
    let components =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut files: Vec<_> = components
        .flatten()
        .flat_map(|c| std::fs::read_dir(c.path()).into_iter().flatten().flatten())
        .map(|f| f.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("values") && n.ends_with(".yaml"))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 20, "found only {} values files", files.len());
    let mut identical = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        let value = parse(&text);
        let out = values_yaml(&value);
        assert_eq!(parse(&out), natural_sorted(&value), "{}", path.display());
        let stripped: String = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        if stripped == out {
            identical.push(path.display().to_string());
        }
    }
    eprintln!(
        "{} of {} values files byte-identical: {identical:?}",
        identical.len(),
        files.len()
    );
}

proptest::proptest! {
    #[test]
    fn any_string_round_trips(key in "\\PC{0,12}|[ -~\\t\\n\\r]{0,12}", value in "\\PC{0,40}|[ -~\\t\\n\\r\\u{85}\\u{a0}\\u{2028}\\u{feff}]{0,40}") {
        let map: crate::value::Map = [
            (key.clone(), Value::String(value.clone())),
            ("list".to_string(), Value::List(vec![Value::String(value.clone())])),
        ].into_iter().collect();
        let v = Value::Map(map);
        for text in [values_yaml(&v), document_yaml(&v)] {
            let back = yaml::parse_document(FileId(0), &text).map(|d| d.map(|d| d.to_value()));
            proptest::prop_assert_eq!(back, Ok(Some(natural_sorted(&v))), "{}", text);
        }
    }
}

proptest::proptest! {
    /// ASCII keys are compared byte by byte; that must order them as their runes do.
    #[test]
    fn ascii_keys_order_as_their_runes(a in "[a-zA-Z0-9_.0-]{0,8}", b in "[a-zA-Z0-9_.0-]{0,8}") {
        let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        proptest::prop_assert_eq!(natural_less(&a, &b), runes_less(&ar, &br));
        proptest::prop_assert_eq!(natural_less(&b, &a), runes_less(&br, &ar));
    }
}
