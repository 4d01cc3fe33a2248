//! Any UTF-8 text read as an AICR overlay file: the importer must not panic.
#![no_main]

use galley::source::FileId;
use galley::syntax::aicr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = aicr::lower(FileId(0), text, "overlays/x.yaml");
});
