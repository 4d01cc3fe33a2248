//! The format of the pre-parsed embedded library, shared by the build script (which writes
//! it) and [`super::prebuilt`] (which reads it): a postcard [`Table`] of [`Entry`]s whose
//! `tree` is itself postcard, so a reader decodes only the trees it asks for.

/// Everything the build script pre-parsed.
#[derive(serde::Serialize, serde::Deserialize, Debug, Default)]
pub struct Table<'a> {
    /// `.ovl` files: `tree` is a [`SourceUnit`](crate::syntax::ast::SourceUnit).
    #[serde(borrow)]
    pub units: Vec<Entry<'a>>,
    /// YAML data files (values files, manifests, health checks) that parse: `tree` is their
    /// documents, a `Vec<`[`Node`](crate::syntax::yaml::Node)`>` with spans in file 0.
    #[serde(borrow)]
    pub yaml: Vec<Entry<'a>>,
}

/// One embedded file's tree, parsed when galley was built.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct Entry<'a> {
    /// The embedded root's label (`embedded stdlib`, `embedded recipes`).
    pub root: &'a str,
    /// The path inside the root.
    pub rel: &'a str,
    /// [`text_hash`] of the text the tree was parsed from.
    pub text_hash: u64,
    /// For `.ovl` files, the file id the loader gives the file when the embedded roots come
    /// first (and the one every span in the tree carries); 0 for YAML.
    pub file: u32,
    /// The tree, postcard-encoded.
    pub tree: &'a [u8],
    /// For YAML: the documents are what a values file must be (one mapping, or nothing).
    pub values_shape: bool,
}

/// FNV-1a (64 bit) of a file's text: enough to tell that a tree belongs to the text beside
/// it, not a defence against anyone (both are compiled into the same binary).
pub fn text_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
