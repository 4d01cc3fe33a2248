//! Hash maps and sets with a fast hasher.
//!
//! `std`'s `HashMap` hashes with SipHash-1-3, which was most of the hashing cost of a
//! `galley check` (the lints and the resolver hash short strings and small vectors by the
//! hundred thousand). These aliases use `foldhash`'s fast hasher instead. Its state is
//! seeded at random per process, like `std`'s, so keys taken from input (YAML keys, overlay
//! names) cannot be chosen to collide in advance, and iteration order is as unspecified as
//! it was: code whose output depends on order sorts or uses a `BTreeMap`/`IndexMap`.
//!
//! Build with `HashMap::default()` / `HashSet::default()` or `collect()` (there is no
//! `new()` for a non-default hasher).

/// The hasher builder of [`HashMap`] and [`HashSet`].
pub type FastState = foldhash::fast::RandomState;

/// `std::collections::HashMap` with [`FastState`].
pub type HashMap<K, V> = std::collections::HashMap<K, V, FastState>;

/// `std::collections::HashSet` with [`FastState`].
pub type HashSet<T> = std::collections::HashSet<T, FastState>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_sets_find_what_was_inserted() {
        let mut map: HashMap<String, usize> = HashMap::default();
        for i in 0..1000 {
            map.insert(format!("key-{i}"), i);
        }
        assert_eq!(map.len(), 1000);
        assert_eq!(map.get("key-417"), Some(&417));
        assert_eq!(map.get("key-1000"), None);
        let set: HashSet<Vec<u32>> = (0..100u32).map(|i| vec![i, i + 1]).collect();
        assert!(set.contains(&vec![7, 8]));
        assert!(!set.contains(&vec![8, 7]));
    }
}
