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

/// A 64-bit hash of a file's text, eight bytes a step (the loader hashes every embedded
/// file it takes a tree for, so a byte-at-a-time hash cost a `galley recipe` a tenth of a
/// millisecond): enough to tell that a tree belongs to the text beside it, not a defence
/// against anyone (both are compiled into the same binary).
pub fn text_hash(text: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let bytes = text.as_bytes();
    let mut words = bytes.chunks_exact(8);
    let mut h = step(0xcbf2_9ce4_8422_2325, bytes.len() as u64);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = step(h, u64::from_le_bytes(w));
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    step(h, u64::from_le_bytes(last))
}

#[cfg(test)]
mod tests {
    use super::text_hash;

    #[test]
    fn the_hash_tells_texts_apart_by_every_byte_and_the_length() {
        let base = "overlay eks {\n  when service = eks\n}\n";
        let h = text_hash(base);
        for i in 0..base.len() {
            let mut changed = base.as_bytes().to_vec();
            changed[i] ^= 1;
            let changed = String::from_utf8(changed).expect("ASCII stays UTF-8");
            assert_ne!(text_hash(&changed), h, "byte {i}");
        }
        assert_ne!(text_hash(&base[..base.len() - 1]), h);
        assert_ne!(text_hash(""), text_hash("\0"));
        assert_eq!(text_hash(base), h);
    }
}
