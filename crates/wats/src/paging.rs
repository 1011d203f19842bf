//! Paging over OData `$top` / `$skip` as a [`Stream`].
//!
//! WATS answers at most [`MAX_TOP`] (10 000) items per request and has no next-link or total
//! count, so the stream asks for pages of `page_size` items, advancing `$skip` by what came
//! back, and ends on a short or empty page or when the caller's limit is reached.
//!
//! Results are only stable across pages if the order is: give the query an `$orderby` on a
//! unique key (for report headers, `uuid`, or `start` then `uuid`) when new items may arrive
//! while paging.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use futures_util::TryStreamExt;
//! use wats::report::HeaderQuery;
//! let mut headers = wats.report().headers(HeaderQuery::uut().order_by("uuid")).stream();
//! while let Some(header) = headers.try_next().await? {
//!     println!("{:?}", header.serial_number);
//! }
//! # Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::error::Result;

/// The largest `$top` WATS accepts.
pub const MAX_TOP: u32 = 10_000;

/// A boxed stream of items fetched page by page.
pub type Paged<T> = Pin<Box<dyn Stream<Item = Result<T>> + Send>>;

struct State<F> {
    fetch: F,
    skip: u64,
    remaining: Option<u64>,
    page_size: u32,
    done: bool,
}

/// Streams items from `fetch(skip, top)`, starting at `skip`, at most `limit` in total.
pub(crate) fn paged<T, F, Fut>(fetch: F, skip: u64, page_size: u32, limit: Option<u64>) -> Paged<T>
where
    T: Send + 'static,
    F: FnMut(u64, u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Vec<T>>> + Send + 'static,
{
    let state = State {
        fetch,
        skip,
        remaining: limit,
        page_size: page_size.clamp(1, MAX_TOP),
        done: false,
    };
    let pages = stream::try_unfold(state, |mut s| async move {
        if s.done || s.remaining == Some(0) {
            return Ok(None);
        }
        let top = match s.remaining {
            Some(r) => r.min(u64::from(s.page_size)) as u32,
            None => s.page_size,
        };
        let page = (s.fetch)(s.skip, top).await?;
        let got = page.len() as u64;
        s.skip += got;
        s.remaining = s.remaining.map(|r| r.saturating_sub(got));
        s.done = got < u64::from(top);
        Ok(if page.is_empty() {
            None
        } else {
            Some((page, s))
        })
    });
    pages
        .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn source(
        n: u64,
        calls: Arc<Mutex<Vec<(u64, u32)>>>,
    ) -> impl FnMut(u64, u32) -> futures_util::future::Ready<Result<Vec<u64>>> {
        move |skip, top| {
            calls.lock().unwrap().push((skip, top));
            futures_util::future::ready(Ok((skip..n.min(skip + u64::from(top))).collect()))
        }
    }

    #[tokio::test]
    async fn pages_until_a_short_page() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let all: Vec<u64> = paged(source(25, calls.clone()), 0, 10, None)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, (0..25).collect::<Vec<_>>());
        assert_eq!(*calls.lock().unwrap(), vec![(0, 10), (10, 10), (20, 10)]);
    }

    #[tokio::test]
    async fn exact_multiple_ends_on_an_empty_page() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let all: Vec<u64> = paged(source(20, calls.clone()), 0, 10, None)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 20);
        assert_eq!(calls.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn limit_skip_and_the_top_cap() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let some: Vec<u64> = paged(source(100_000, calls.clone()), 5, 50_000, Some(12_000))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(some.len(), 12_000);
        assert_eq!(some[0], 5);
        assert_eq!(*calls.lock().unwrap(), vec![(5, 10_000), (10_005, 2_000)]);
    }

    #[tokio::test]
    async fn errors_end_the_stream() {
        let mut n = 0;
        let s = paged(
            move |_, _| {
                n += 1;
                futures_util::future::ready(if n == 1 {
                    Ok(vec![1, 2])
                } else {
                    Err(crate::Error::Config("boom".into()))
                })
            },
            0,
            2,
            None,
        );
        let items: Vec<Result<i32>> = s.collect().await;
        assert_eq!(items.len(), 3);
        assert!(items[2].is_err());
    }
}
