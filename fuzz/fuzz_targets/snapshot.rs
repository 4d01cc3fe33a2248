//! Any UTF-8 text read as a snapshot, a validator results file and a recipe for
//! `galley validate`: the readers must not panic, and what they accept must check.
#![no_main]

use galley::check::stdlib::Catalog;
use galley::measure::constraint;
use galley::measure::measurements::Measurements;
use galley::measure::{results, snapshot};
use galley::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let mut m = Measurements::new();
    if let Ok((snap, _)) = snapshot::read(FileId(0), text) {
        m.add_snapshot(&snap, "fuzz");
        let _ = snap.table();
    }
    let _ = results::read(FileId(0), text);
    if let Ok((recipe, _)) = galley::validate::recipe::read(FileId(0), text, false) {
        for c in &recipe.constraints {
            let _ = constraint::check(c, &m, &Catalog::default());
        }
    }
});
