//! Any UTF-8 text: the parser must not panic, and whatever parses cleanly must format.
#![no_main]

use galley::source::FileId;
use galley::syntax::{parser, printer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (unit, errors) = parser::parse(FileId(0), text);
    if errors.is_empty() {
        let _ = printer::format(&unit, text);
    }
});
