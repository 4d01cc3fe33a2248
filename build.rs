//! The recipe library and stdlib are compiled into the binary (`include_dir!`); rebuild when
//! any file under them changes, including files added or removed.
fn main() {
    println!("cargo:rerun-if-changed=recipes");
    println!("cargo:rerun-if-changed=stdlib");
}
