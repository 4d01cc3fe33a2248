use super::*;
use crate::source::Files;
use proptest::prelude::*;

fn one(text: &str) -> Node {
    match parse_document(FileId(0), text) {
        Ok(Some(n)) => n,
        other => panic!("expected a document, got {other:?}"),
    }
}

fn err(text: &str) -> Diagnostic {
    match parse_documents(FileId(0), text) {
        Err(d) => d,
        Ok(docs) => panic!("expected an error, got {docs:?}"),
    }
}

fn kind_of(text: &str) -> NodeKind {
    one(&format!("k: {text}\n"))
        .get("k")
        .expect("k")
        .kind
        .clone()
}

#[test]
fn plain_scalars_use_the_core_schema_with_strict_booleans() {
    for s in [
        "NO", "yes", "on", "off", "y", "n", "Yes", "24.04.1", "1_000", "v1.2", "inf",
    ] {
        assert_eq!(kind_of(s), NodeKind::String(s.into()), "{s}");
    }
    for s in ["true", "True", "TRUE"] {
        assert_eq!(kind_of(s), NodeKind::Bool(true));
    }
    for s in ["false", "False", "FALSE"] {
        assert_eq!(kind_of(s), NodeKind::Bool(false));
    }
    for s in ["null", "Null", "NULL", "~", ""] {
        assert_eq!(kind_of(s), NodeKind::Null, "{s}");
    }
    assert_eq!(kind_of("42"), NodeKind::Int(42));
    assert_eq!(kind_of("-7"), NodeKind::Int(-7));
    assert_eq!(kind_of("+7"), NodeKind::Int(7));
    assert_eq!(kind_of("0x1F"), NodeKind::Int(31));
    assert_eq!(kind_of("0o17"), NodeKind::Int(15));
    assert_eq!(kind_of("0755"), NodeKind::Int(0o755));
    assert_eq!(kind_of("089"), NodeKind::Float(89.0));
    assert_eq!(kind_of("0"), NodeKind::Int(0));
    assert_eq!(kind_of("1.10"), NodeKind::Float(1.1));
    assert_eq!(kind_of("24.04"), NodeKind::Float(24.04));
    assert_eq!(kind_of("1e3"), NodeKind::Float(1000.0));
    assert_eq!(kind_of(".5"), NodeKind::Float(0.5));
    assert_eq!(kind_of("-.inf"), NodeKind::Float(f64::NEG_INFINITY));
    assert!(matches!(kind_of(".nan"), NodeKind::Float(f) if f.is_nan()));
    assert_eq!(kind_of("99999999999999999999"), NodeKind::Float(1e20));
}

#[test]
fn quoted_and_tagged_scalars_are_strings() {
    assert_eq!(kind_of("\"24.04\""), NodeKind::String("24.04".into()));
    assert_eq!(kind_of("'true'"), NodeKind::String("true".into()));
    assert_eq!(kind_of("!!str 0755"), NodeKind::String("0755".into()));
    assert_eq!(kind_of("! 12"), NodeKind::String("12".into()));
    assert_eq!(kind_of("!!int 12"), NodeKind::Int(12));
    assert_eq!(kind_of("|\n  a\n  b\n"), NodeKind::String("a\nb\n".into()));
}

#[test]
fn spans_cover_keys_values_and_collections() {
    let text =
        "kind: RecipeMetadata\nspec:\n  base: eks\n  list:\n    - a\n    - 'b'\n  flow: [1, 2]\n";
    let mut files = Files::new();
    let id = files.add("x.yaml", text);
    let doc = parse_document(id, text)
        .expect("parses")
        .expect("one document");
    let spec = doc.get("spec").expect("spec");
    let (key, base) = spec.entry("base").expect("base");
    assert_eq!(files.slice(key.span), "base");
    assert_eq!(files.slice(base.span), "eks");
    assert_eq!(files.location(base.span), "x.yaml:3:9");
    let list = spec.get("list").expect("list");
    assert_eq!(files.location(list.span), "x.yaml:5:5");
    assert_eq!(files.slice(list.span), "- a\n    - 'b'");
    let flow = spec.get("flow").expect("flow");
    assert_eq!(files.slice(flow.span), "[1, 2]");
    assert_eq!(files.slice(list.as_seq().expect("seq")[1].span), "'b'");
}

#[test]
fn scalar_text_keeps_what_was_written() {
    let text = "a: 1.10\nb: 0755\nc: \"x\"\nd: true\n";
    let doc = one(text);
    let get = |k: &str| {
        doc.get(k)
            .and_then(|n| n.scalar_text(text))
            .map(|c| c.into_owned())
    };
    assert_eq!(get("a").as_deref(), Some("1.10"));
    assert_eq!(get("b").as_deref(), Some("0755"));
    assert_eq!(get("c").as_deref(), Some("x"));
    assert_eq!(get("d").as_deref(), Some("true"));
}

#[test]
fn documents_and_empty_streams() {
    assert_eq!(parse_documents(FileId(0), "").expect("ok").len(), 0);
    assert!(
        parse_document(FileId(0), "# only a comment\n")
            .expect("ok")
            .is_none()
    );
    let docs = parse_documents(FileId(0), "a: 1\n---\nb: 2\n---\n").expect("ok");
    assert_eq!(docs.len(), 3);
    assert!(docs[2].is_null());
    // parse_document stops after the first document, like the reference's loader.
    assert!(
        parse_document(FileId(0), "a: 1\n---\n[")
            .expect("ok")
            .is_some()
    );
}

#[test]
fn aliases_clone_and_merge_keys_apply() {
    let doc = one("base: &b {x: 1, y: 2}\nc: *b\nd:\n  <<: *b\n  y: 3\n");
    let v = doc.to_value();
    let d = v.as_map().and_then(|m| m.get("d")).expect("d");
    assert_eq!(
        d,
        &Value::Map(
            [("x".into(), Value::Int(1)), ("y".into(), Value::Int(3))]
                .into_iter()
                .collect()
        )
    );
    assert_eq!(
        v.as_map().and_then(|m| m.get("c")),
        v.as_map().and_then(|m| m.get("base"))
    );
}

#[test]
fn duplicate_keys_are_errors_with_both_places() {
    let d = err("a: 1\nb: 2\na: 3\n");
    assert_eq!(d.code, Code::YamlParse);
    assert_eq!(d.labels.len(), 2);
    assert_eq!(d.labels[0].span.start, 10);
    assert_eq!(d.labels[1].span.start, 0);
}

#[test]
fn alias_bombs_are_stopped() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
        text.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = name;
    }
    let d = err(&text);
    assert_eq!(d.code, Code::YamlParse);
    assert!(d.message.contains("expands"), "{}", d.message);
}

#[test]
fn malformed_input_gives_located_diagnostics() {
    for text in [
        "a:\n  b: 1\n c: 2\n",
        "a:\n\tb: 1\n",
        "a: [1, 2\n",
        "a: 'unterminated\n",
        "a: *nowhere\n",
        "- a\nb: 1\n",
        "a: b: c\n",
    ] {
        let d = err(text);
        assert_eq!(d.code, Code::YamlParse, "{text:?}");
        let span = d.primary_span().expect("a label");
        assert!(span.end as usize <= text.len(), "{text:?}");
        assert!(
            d.message.starts_with("invalid YAML") || d.message.contains("alias"),
            "{}",
            d.message
        );
    }
}

#[test]
fn to_value_keeps_order_and_types() {
    let v = one("z: 1\na: [true, null, 1.5, \"s\"]\n").to_value();
    let m = v.as_map().expect("map");
    assert_eq!(m.keys().collect::<Vec<_>>(), ["z", "a"]);
    assert_eq!(
        m.get("a"),
        Some(&Value::List(vec![
            Value::Bool(true),
            Value::Null,
            Value::Float(1.5),
            Value::String("s".into())
        ]))
    );
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = parse_documents(FileId(0), &text);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "[ \\t\\n:,\\-\\[\\]{}&*!|>'\"#%@`?a-c0-9.<]{0,200}") {
        if let Err(d) = parse_documents(FileId(0), &text) {
            let span = d.primary_span().expect("a label");
            prop_assert!(span.end as usize <= text.len());
            prop_assert!(text.is_char_boundary(span.start as usize));
        }
    }
}
