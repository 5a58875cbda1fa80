//! Buffering a body into one `Bytes`, with a size limit, as a hand-written future
//! the layers' response futures embed (no boxing, no `Send`/`'static` bounds).

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::Body;
use pin_project_lite::pin_project;

use crate::error::BoxError;

/// Why a body could not be buffered.
#[derive(Debug)]
pub(crate) enum CollectError {
    /// The body announced or delivered more than the limit.
    TooLarge,
    /// The body stream failed.
    Body(BoxError),
}

pin_project! {
    /// Resolves to the whole body, or `TooLarge` as soon as the limit is passed.
    pub(crate) struct CollectLimited<B> {
        #[pin]
        body: B,
        // One chunk is kept as is (no copy); a second one starts a buffer.
        first: Option<Bytes>,
        rest: Option<BytesMut>,
        len: usize,
        limit: usize,
        checked_hint: bool,
    }
}

impl<B> CollectLimited<B> {
    /// Buffers `body`, failing once more than `limit` bytes are announced or read.
    pub(crate) fn new(body: B, limit: usize) -> Self {
        Self {
            body,
            first: None,
            rest: None,
            len: 0,
            limit,
            checked_hint: false,
        }
    }
}

impl<B> Future for CollectLimited<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Output = Result<Bytes, CollectError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if !*this.checked_hint {
            *this.checked_hint = true;
            // A body that already says it is too large is refused before reading it.
            if this.body.size_hint().lower() > *this.limit as u64 {
                return Poll::Ready(Err(CollectError::TooLarge));
            }
        }
        loop {
            let frame = match ready!(this.body.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => frame,
                Some(Err(error)) => return Poll::Ready(Err(CollectError::Body(error.into()))),
                None => break,
            };
            // Trailers carry nothing Antom signs.
            let Ok(mut data) = frame.into_data() else { continue };
            let chunk_len = data.remaining();
            // Counted as the bytes arrive, so a lying or absent Content-Length cannot pass the limit.
            match this.len.checked_add(chunk_len) {
                Some(total) if total <= *this.limit => *this.len = total,
                _ => return Poll::Ready(Err(CollectError::TooLarge)),
            }
            if chunk_len == 0 {
                continue;
            }
            let chunk = data.copy_to_bytes(chunk_len);
            match (this.first.as_ref(), this.rest.as_mut()) {
                (None, _) => *this.first = Some(chunk),
                (Some(_), Some(rest)) => rest.extend_from_slice(&chunk),
                (Some(first), None) => {
                    let mut rest = BytesMut::with_capacity(first.len() + chunk.len());
                    rest.extend_from_slice(first);
                    rest.extend_from_slice(&chunk);
                    *this.rest = Some(rest);
                }
            }
        }
        let bytes = match (this.rest.take(), this.first.take()) {
            (Some(rest), _) => rest.freeze(),
            (None, Some(first)) => first,
            (None, None) => Bytes::new(),
        };
        Poll::Ready(Ok(bytes))
    }
}

/// True when a `Content-Length` header announces more than `limit` bytes.
///
/// An unparseable length is left to the transport (hyper rejects it before a
/// service sees the request); the streaming count still applies.
pub(crate) fn content_length_exceeds(headers: &HeaderMap, limit: usize) -> bool {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .is_some_and(|length| length > limit as u64)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use http_body::Frame;
    use http_body_util::Full;

    /// A body of separate chunks with no size hint, like a chunked upload.
    struct Chunks(VecDeque<Result<Bytes, std::io::Error>>);

    impl Chunks {
        fn of(parts: &[&'static str]) -> Self {
            Self(parts.iter().map(|p| Ok(Bytes::from_static(p.as_bytes()))).collect())
        }
    }

    impl Body for Chunks {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            Poll::Ready(self.0.pop_front().map(|chunk| chunk.map(Frame::data)))
        }
    }

    #[tokio::test]
    async fn collects_one_and_several_chunks() {
        let one = CollectLimited::new(Full::new(Bytes::from_static(b"abc")), 3).await;
        assert_eq!(one.ok(), Some(Bytes::from_static(b"abc")));

        let several = CollectLimited::new(Chunks::of(&["ab", "", "cd", "e"]), 5).await;
        assert_eq!(several.ok(), Some(Bytes::from_static(b"abcde")));

        let empty = CollectLimited::new(Chunks::of(&[]), 0).await;
        assert_eq!(empty.ok(), Some(Bytes::new()));
    }

    #[tokio::test]
    async fn refuses_over_the_limit() {
        let announced = CollectLimited::new(Full::new(Bytes::from_static(b"abcd")), 3).await;
        assert!(matches!(announced, Err(CollectError::TooLarge)));

        let streamed = CollectLimited::new(Chunks::of(&["ab", "cd"]), 3).await;
        assert!(matches!(streamed, Err(CollectError::TooLarge)));
    }

    #[tokio::test]
    async fn reports_body_errors() {
        let failing = Chunks(VecDeque::from([Err(std::io::Error::other("reset"))]));
        let result = CollectLimited::new(failing, 3).await;
        assert!(matches!(result, Err(CollectError::Body(_))));
    }

    #[test]
    fn content_length_check() {
        let mut headers = HeaderMap::new();
        assert!(!content_length_exceeds(&headers, 3));
        headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from_static("4"));
        assert!(content_length_exceeds(&headers, 3));
        assert!(!content_length_exceeds(&headers, 4));
    }
}
