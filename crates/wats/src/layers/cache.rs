//! GET response cache with a time to live, invalidated by writes to the same resource.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

/// GET-cache settings.
///
/// Only successful (2xx) GET responses are kept, keyed by path and sorted query. A write
/// (`POST`, `PUT`, `PATCH`, `DELETE`) invalidates every cached GET of the same WATS resource,
/// which is the controller: the first path segment after `/api` (or `/api/internal`),
/// compared case-insensitively. So `POST /api/Report/WSJF` drops cached
/// `GET /api/Report/Wsjf/{id}` and `GET /api/Report/Query/Header`, and
/// `PUT /api/Production/SetUnitPhase` drops `GET /api/Production/Unit/{sn}/{pn}` (pyWATS's
/// substring match left that one stale). Writes by *other* clients are only seen after `ttl`.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheConfig {
    /// How long a response is served from the cache.
    pub ttl: Duration,
    /// Upper bound of the cached bodies, in bytes.
    pub max_bytes: u64,
}

impl Default for CacheConfig {
    /// pyWATS's 300 s TTL, with a 64 MiB bound (bytes, not entries: a full report can be
    /// megabytes).
    fn default() -> Self {
        CacheConfig {
            ttl: Duration::from_secs(300),
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub(crate) struct ResponseCache {
    inner: moka::future::Cache<String, Arc<Bytes>>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("entries", &self.inner.entry_count())
            .finish()
    }
}

/// The resource (controller) a path belongs to: `/api/internal/Product/Bom` → `product`.
pub(crate) fn resource_of(path: &str) -> String {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let mut first = segments.next().unwrap_or_default();
    if first.eq_ignore_ascii_case("api") {
        first = segments.next().unwrap_or_default();
        if first.eq_ignore_ascii_case("internal") {
            first = segments.next().unwrap_or_default();
        }
    }
    let resource = first.to_ascii_lowercase();
    // WATS's OData controllers are the plural of the ones whose data they share: a write
    // through `/api/Products` changes what `/api/Product/{pn}` answers.
    match resource.as_str() {
        "products" => "product".to_owned(),
        "assets" => "asset".to_owned(),
        _ => resource,
    }
}

/// The cache key of a GET: resource, then path and query.
pub(crate) fn key(path: &str, query: &[(String, String)]) -> String {
    let mut pairs: Vec<_> = query.iter().collect();
    pairs.sort();
    let mut key = format!("{}\n{path}?", resource_of(path));
    for (k, v) in pairs {
        key.push_str(k);
        key.push('=');
        key.push_str(v);
        key.push('&');
    }
    key
}

impl ResponseCache {
    pub(crate) fn new(config: &CacheConfig) -> Self {
        let inner = moka::future::Cache::builder()
            .time_to_live(config.ttl)
            .max_capacity(config.max_bytes)
            .weigher(|k: &String, v: &Arc<Bytes>| {
                u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX)
            })
            .support_invalidation_closures()
            .build();
        ResponseCache { inner }
    }

    pub(crate) async fn get(&self, key: &str) -> Option<Bytes> {
        self.inner.get(key).await.map(|b| (*b).clone())
    }

    pub(crate) async fn insert(&self, key: String, body: Bytes) {
        self.inner.insert(key, Arc::new(body)).await;
    }

    /// Drops every cached GET of the resource `path` belongs to.
    pub(crate) fn invalidate_resource(&self, path: &str) {
        let prefix = format!("{}\n", resource_of(path));
        // Only fails when closures are not enabled, and they are.
        let _ = self
            .inner
            .invalidate_entries_if(move |k, _| k.starts_with(&prefix));
    }

    /// Drops everything.
    pub(crate) fn clear(&self) {
        self.inner.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        assert_eq!(resource_of("/api/Report/WSJF"), "report");
        assert_eq!(resource_of("/api/Report/Wsjf/abc"), "report");
        assert_eq!(resource_of("/api/internal/Product/Bom"), "product");
        assert_eq!(resource_of("/api/App/Processes"), "app");
        assert_eq!(resource_of("/api/Products/Revisions"), "product");
    }

    #[test]
    fn keys_sort_the_query() {
        let q = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            key("/api/Report/Query/Header", &q(&[("b", "2"), ("a", "1")])),
            key("/api/Report/Query/Header", &q(&[("a", "1"), ("b", "2")]))
        );
        assert_ne!(
            key("/api/Report/Query/Header", &q(&[("a", "1")])),
            key("/api/Report/Query/Header", &q(&[("a", "2")]))
        );
    }

    #[tokio::test]
    async fn a_write_invalidates_its_resource_only() {
        let cache = ResponseCache::new(&CacheConfig::default());
        let k1 = key("/api/Report/Wsjf/1", &[]);
        let k2 = key("/api/App/Processes", &[]);
        cache.insert(k1.clone(), Bytes::from_static(b"r")).await;
        cache.insert(k2.clone(), Bytes::from_static(b"p")).await;
        cache.invalidate_resource("/api/Report/WSJF");
        assert_eq!(cache.get(&k1).await, None);
        assert_eq!(cache.get(&k2).await.as_deref(), Some(&b"p"[..]));
    }
}
