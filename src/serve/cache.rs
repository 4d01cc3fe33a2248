//! Built bundles by request: the library never changes while the server runs, so the same
//! `POST /v1/bundle` (same query string, same body) is the same zip. A bounded cache, least
//! recently used out first, keyed by the SHA-256 of the request (never the request itself:
//! bodies are up to `--max-body`).

use axum::body::Bytes;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// What a bundle request answered: the zip and its `X-Bundle-Files` / `X-Bundle-Size`.
#[derive(Clone, Debug)]
pub struct Built {
    pub zip: Bytes,
    pub files: usize,
    pub size: usize,
}

pub type Key = [u8; 32];

/// The key of a request: its query string and its body, each length-prefixed.
pub fn key(query: &str, body: &[u8]) -> Key {
    let mut h = Sha256::new();
    h.update((query.len() as u64).to_le_bytes());
    h.update(query.as_bytes());
    h.update((body.len() as u64).to_le_bytes());
    h.update(body);
    h.finalize().into()
}

pub struct BundleCache {
    max_entries: usize,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<Key, (Built, u64)>,
    bytes: usize,
    clock: u64,
}

impl BundleCache {
    /// At most `max_entries` zips and `max_bytes` of them; 0 entries turns it off.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        BundleCache {
            max_entries,
            max_bytes,
            inner: Mutex::default(),
        }
    }

    pub fn get(&self, key: &Key) -> Option<Built> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        inner.map.get_mut(key).map(|(built, used)| {
            *used = now;
            built.clone()
        })
    }

    pub fn insert(&self, key: Key, built: Built) {
        if self.max_entries == 0 || built.zip.len() > self.max_bytes {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        let len = built.zip.len();
        if let Some((old, _)) = inner.map.insert(key, (built, now)) {
            inner.bytes -= old.zip.len();
        }
        inner.bytes += len;
        while inner.map.len() > self.max_entries || inner.bytes > self.max_bytes {
            let Some(oldest) = inner
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some((gone, _)) = inner.map.remove(&oldest) {
                inner.bytes -= gone.zip.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(n: usize) -> Built {
        Built {
            zip: Bytes::from(vec![0u8; n]),
            files: 1,
            size: n,
        }
    }

    #[test]
    fn the_least_recently_used_goes_first_within_both_bounds() {
        let cache = BundleCache::new(2, 100);
        let (a, b, c) = (key("", b"a"), key("", b"b"), key("", b"c"));
        cache.insert(a, built(10));
        cache.insert(b, built(10));
        assert!(cache.get(&a).is_some());
        cache.insert(c, built(10));
        assert!(cache.get(&b).is_none(), "b was the least recently used");
        assert!(cache.get(&a).is_some() && cache.get(&c).is_some());
        cache.insert(b, built(90));
        assert!(
            cache.get(&a).is_none(),
            "110 bytes over 100: a, the oldest, went"
        );
        assert!(cache.get(&b).is_some() && cache.get(&c).is_some());
        cache.insert(a, built(101));
        assert!(
            cache.get(&a).is_none(),
            "a zip over the byte bound is never kept"
        );
    }

    #[test]
    fn the_key_tells_query_from_body() {
        assert_ne!(key("ab", b"c"), key("a", b"bc"));
        assert_eq!(key("q", b"body"), key("q", b"body"));
    }
}
