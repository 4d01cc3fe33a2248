use super::*;
use crate::syntax::parser::parse;
use crate::syntax::parser::tests::shape;

const F: FileId = FileId(0);

fn fmt(text: &str) -> String {
    match format_source(F, text) {
        Ok(out) => out,
        Err(diags) => panic!("does not parse:\n{text}\n{diags:#?}"),
    }
}

/// format is idempotent, keeps the AST and keeps every comment (in order).
fn check_round_trip(text: &str) -> String {
    let once = fmt(text);
    let twice = fmt(&once);
    assert_eq!(once, twice, "not idempotent; first output:\n{once}");
    let (before, _) = parse(F, text);
    let (after, _) = parse(F, &once);
    assert_eq!(
        shape(&before.items),
        shape(&after.items),
        "AST changed; output:\n{once}"
    );
    let texts = |u: &SourceUnit| {
        u.comments
            .iter()
            .map(|c| c.text.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        texts(&before),
        texts(&after),
        "comments changed; output:\n{once}"
    );
    once
}

#[test]
fn canonical_layout() {
    let text = r#"overlay   h100 extends  base priority 2 { when service=eks,intent = training
require K8s.server.version>=1.32.4 { severity warning unit "version" }


  component gpu-operator { needs a,b,c
   set { cdi.enabled = true, "nvidia.com/gpu" = { deploy = "yes" } list = [1,2 , "x"] empty = {} }
   unset a.b ,c
  }
}
dimension os = ubuntu|rhel { alias al2 , al2023 = amazonlinux }
measurement OS.sysctl["/proc/x"] : string
measurement m : number { unit "GB/s" }
"#;
    let expected = r#"overlay h100 extends base priority 2 {
  when service = eks, intent = training
  require K8s.server.version >= 1.32.4 {
    severity warning
    unit "version"
  }

  component gpu-operator {
    needs a, b, c
    set {
      cdi.enabled = true
      "nvidia.com/gpu" = {
        deploy = "yes"
      }
      list = [1, 2, "x"]
      empty = {}
    }
    unset a.b, c
  }
}

dimension os = ubuntu | rhel {
  alias al2, al2023 = amazonlinux
}

measurement OS.sysctl["/proc/x"] : string

measurement m : number {
  unit "GB/s"
}
"#;
    assert_eq!(check_round_trip(text), expected);
}

#[test]
fn lists_of_maps() {
    let text = "overlay o { component c { set { t = [{ key = \"k\", op = \"Exists\" }, {}, { a = 1 }] } } }";
    let expected = r#"overlay o {
  component c {
    set {
      t = [{
        key = "k"
        op = "Exists"
      }, {}, {
        a = 1
      }]
    }
  }
}
"#;
    assert_eq!(check_round_trip(text), expected);
}

#[test]
fn comments_keep_their_places() {
    let text = r#"// file header

// about a
overlay a { // on the opener
  // before when
  when any  // after when

  // before the component, after a blank line
  component c {
    set {
      // first entry
      x = 1 // trailing
      y = { // map opener
        z = 2
        // last in map
      }
      // last in set
    }
    // last in component
  } // after component's brace
  // last in overlay
}
// between items
overlay b {
}
// end of file
"#;
    let expected = r#"// file header

// about a
overlay a {  // on the opener
  // before when
  when any  // after when

  // before the component, after a blank line
  component c {
    set {
      // first entry
      x = 1  // trailing
      y = {  // map opener
        z = 2
        // last in map
      }
      // last in set
    }
    // last in component
  }  // after component's brace
  // last in overlay
}

// between items
overlay b {}

// end of file
"#;
    assert_eq!(check_round_trip(text), expected);
}

/// Comments where no statement can hold them: inside statements written over several
/// lines, inside empty blocks, between list items, inside headers.
const AWKWARD: &str = r#"overlay // after keyword
  awkward // after name
  extends base { when service = eks, // inside when
    intent = training
  require a.b >= 1 { // opener of constraint block
    // before unit
    unit "x" severity error // after severity
    // end of constraint block
  }
  require c >= 1 { // empty constraint block
  }
  component c {
    needs a, // between names
      b
    set { // opener
    }
    set {
      k = [1, // inside a list
        2]
      m = [{ // list of maps
        a = 1 }, // after map
        { b = 2 }
        // before ]
      ]
      e = { // empty map
      }
    }
    expect Deployment x // kind and name
      in ns
  }
  validate performance { checks a, b // after checks
    node-selector "k" = "v" // selector
  }
}
dimension d = a // after a
  | b { // alias opener
  alias x = a
}
measurement m // in pattern
  : int { // unit opener
  unit "u"
}
component r { helm { // helm opener
    chart c } system { node-selector a.b // sel
  }
  bundle-check F warning // inside check
    when intent = training | inference "m"
}
validator v { env A = { // env map
    b = 1 } }
// tail one

// tail two
"#;

#[test]
fn awkward_comments_are_kept_once() {
    let out = check_round_trip(AWKWARD);
    let (unit, _) = parse(F, AWKWARD);
    let count = |s: &str| s.matches("//").count();
    assert_eq!(count(&out), unit.comments.len(), "{out}");
    assert_eq!(count(&out), count(AWKWARD));
}

#[test]
fn spec_examples_round_trip() {
    for text in crate::syntax::parser::tests::SPEC_EXAMPLES {
        check_round_trip(text);
    }
}

#[test]
fn blank_lines_collapse_and_never_follow_an_opener() {
    let text = "overlay a {\n\n\n  when any\n\n\n\n  require x >= 1\n\n}\n\n\n\noverlay b {}\n";
    let expected = "overlay a {\n  when any\n\n  require x >= 1\n}\n\noverlay b {}\n";
    assert_eq!(check_round_trip(text), expected);
}

#[test]
fn crlf_input() {
    let text = "overlay a {\r\n  when any // c\r\n\r\n  require x >= 1\r\n}\r\n";
    assert_eq!(
        check_round_trip(text),
        "overlay a {\n  when any  // c\n\n  require x >= 1\n}\n"
    );
}

#[test]
fn quoting_and_escaping() {
    let text = r#"overlay "a.b" { require x["y.z"].w = "needs quotes" component "c d" {
  source "tab\tquote\"back\\nl\nbell\u{7}"
  version "v1.2"
  set { "x y".z = "\u{1F600}" } } }
measurement ["odd key"].x[*] : string
"#;
    let out = check_round_trip(text);
    assert!(out.contains(r#"overlay "a.b" {"#), "{out}");
    assert!(
        out.contains(r#"require x["y.z"].w = "needs quotes""#),
        "{out}"
    );
    assert!(
        out.contains(r#"source "tab\tquote\"back\\nl\nbell\u{7}""#),
        "{out}"
    );
    assert!(out.contains("version v1.2\n"), "{out}");
    assert!(out.contains("\"x y\".z = \"\u{1F600}\""), "{out}");
    assert!(
        out.contains(r#"measurement ["odd key"].x[*] : string"#),
        "{out}"
    );
}

#[test]
fn floats_read_back_equal() {
    for x in [
        0.0,
        -0.0,
        1.5,
        1e-7,
        1e21,
        123456789.125,
        f64::MAX,
        f64::MIN_POSITIVE,
    ] {
        let text = format!(
            "overlay o {{ component c {{ set {{ x = {} }} }} }}",
            float(x)
        );
        check_round_trip(&text);
    }
}

#[test]
fn print_unit_matches_format_without_comments() {
    for text in crate::syntax::parser::tests::SPEC_EXAMPLES {
        let canonical = fmt(text);
        let (unit, _) = parse(F, &canonical);
        if unit.comments.is_empty() {
            assert_eq!(print_unit(&unit), canonical);
        } else {
            let (bare, _) = parse(F, &print_unit(&unit));
            assert_eq!(shape(&bare.items), shape(&unit.items));
        }
    }
}

#[test]
fn format_source_refuses_broken_text() {
    let err = format_source(F, "overlay a { when x }").unwrap_err();
    assert!(!err.is_empty());
}

#[test]
fn empty_input() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n// c\n\n"), "// c\n");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the parser makes of any text (partial units included), printing it
        /// does not panic.
        #[test]
        fn format_never_panics(text in "\\PC{0,200}", cut in any::<prop::sample::Index>()) {
            let (unit, _) = parse(F, &text);
            let _ = format(&unit, &text);
            let _ = print_unit(&unit);
            let mut edited = AWKWARD.to_string();
            let mut i = cut.index(edited.len());
            while !edited.is_char_boundary(i) { i -= 1; }
            edited.insert_str(i, &text);
            let (unit, _) = parse(F, &edited);
            let _ = format(&unit, &edited);
        }

        /// Edits of a valid file that still parse must still format idempotently.
        #[test]
        fn edited_files_that_parse_round_trip(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(
                vec![" ", "\n", "\n\n", "// x\n", " // y", "", ","]
            )), 1..8)
        ) {
            let mut text = AWKWARD.to_string();
            for (at, insert) in edits {
                let mut i = at.index(text.len() + 1);
                while !text.is_char_boundary(i) { i -= 1; }
                text.insert_str(i, insert);
            }
            let (unit, diags) = parse(F, &text);
            if diags.is_empty() {
                let once = format(&unit, &text);
                let (again, d2) = parse(F, &once);
                prop_assert!(d2.is_empty(), "output does not parse:\n{}", once);
                prop_assert_eq!(shape(&again.items), shape(&unit.items));
                prop_assert_eq!(again.comments.len(), unit.comments.len());
                prop_assert_eq!(format(&again, &once), once);
            }
        }
    }
}
