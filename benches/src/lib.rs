//! Shared inputs of the antom-rs benchmarks: realistic notification bodies of
//! exact sizes and the fixed request parts they are signed with.
//!
//! The benchmarks themselves are in `benches/` (criterion) and
//! `src/bin/notify_load.rs` (end-to-end load test); BENCHMARKS.md at the
//! repository root records their figures and how to reproduce them.

use antom_tower::signing::SigningContent;

/// The body sizes every per-request benchmark runs at.
pub const BODY_SIZES: [usize; 4] = [200, 1024, 8 * 1024, 64 * 1024];

/// The merchant's notify path, as the notification arrives.
pub const NOTIFY_URI: &str = "/antom/notify";
/// An Antom API path, for request signing.
pub const API_URI: &str = "/ams/api/v1/payments/inquiryPayment";
/// The client id in every signed content.
pub const CLIENT_ID: &str = "SANDBOX_5YBZ0E2ZC7CZ04567";
/// A fixed `request-time` (epoch milliseconds, as Java and Go send it).
pub const REQUEST_TIME: &str = "1755398209123";

/// A `PAYMENT_RESULT` notification body of exactly `len` bytes (200 or more),
/// valid JSON, padded with a `"pad"` field that consumers ignore.
///
/// `seq` goes into the payment ids, so bodies for different `seq` differ
/// (and deduplicate to different keys).
pub fn notification_body(len: usize, seq: u64) -> Vec<u8> {
    let full = format!(
        concat!(
            r#"{{"notifyType":"PAYMENT_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}},"#,
            r#""paymentRequestId":"pay_{seq:012}","paymentId":"20260817194010800100188{seq:012}","#,
            r#""paymentAmount":{{"value":"1000","currency":"USD"}},"#,
            r#""paymentCreateTime":"2026-08-17T02:36:49-07:00","paymentTime":"2026-08-17T02:36:50-07:00""#
        ),
        seq = seq
    );
    // The fields a consumer needs, for the smallest size.
    let compact = format!(
        concat!(
            r#"{{"notifyType":"PAYMENT_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S"}},"#,
            r#""paymentRequestId":"p{seq}","paymentId":"{seq}","paymentAmount":{{"value":"1000","currency":"USD"}}"#
        ),
        seq = seq
    );
    let tail = r#","pad":""}"#;
    let head = if full.len() + tail.len() <= len { full } else { compact };
    let min = head.len() + tail.len();
    assert!(len >= min, "a notification body of seq {seq} is at least {min} bytes");
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(head.as_bytes());
    body.extend_from_slice(&tail.as_bytes()[..tail.len() - 2]);
    body.resize(len - 2, b'x');
    body.extend_from_slice(b"\"}");
    debug_assert_eq!(body.len(), len);
    body
}

/// The content a notification of `body` to [`NOTIFY_URI`] is signed over.
pub fn notify_content(body: &[u8]) -> SigningContent<'_> {
    SigningContent::new("POST", NOTIFY_URI, CLIENT_ID, REQUEST_TIME, body)
}

/// The content a request of `body` to [`API_URI`] is signed over.
pub fn request_content(body: &[u8]) -> SigningContent<'_> {
    SigningContent::new("POST", API_URI, CLIENT_ID, REQUEST_TIME, body)
}

/// A human label for a body size: `200B`, `1KiB`, `64KiB`.
pub fn size_label(len: usize) -> String {
    if len >= 1024 && len.is_multiple_of(1024) {
        format!("{}KiB", len / 1024)
    } else {
        format!("{len}B")
    }
}

/// Driving the layers without a runtime, shared by the `layers` and `paired` benches.
pub mod harness {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    use std::time::SystemTime;

    use antom_testkit::keys::antom_private_key;
    use antom_tower::signing::request_time::format_epoch_millis;
    use antom_tower::signing::{KeyVersion, SigningContent};
    use bytes::Bytes;
    use http::Request;
    use http_body_util::Full;
    use tower::Service;

    use super::{notification_body, API_URI, CLIENT_ID, NOTIFY_URI};

    /// Antom's acknowledgement, what the trivial notify handler answers.
    pub const ACK: &[u8] = br#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

    /// Polls a service's readiness and call to completion with a no-op waker.
    /// Every service the benches drive is ready at once (the bodies are `Full`);
    /// anything else is a bug in the bench, so it panics.
    pub fn call_now<S, R>(service: &mut S, request: R) -> S::Response
    where
        S: Service<R>,
        S::Error: std::fmt::Debug,
    {
        let mut cx = Context::from_waker(Waker::noop());
        match service.poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => {}
            _ => panic!("service not ready"),
        }
        let future = std::pin::pin!(service.call(request));
        match future.poll(&mut cx) {
            Poll::Ready(Ok(response)) => response,
            Poll::Ready(Err(error)) => panic!("service failed: {error:?}"),
            Poll::Pending => panic!("service future not ready at once"),
        }
    }

    /// A notification signed by the testkit's Antom key (keyVersion 1) at the
    /// current time, with headers as hyper hands them to a service.
    pub struct Notification {
        /// The `request-time` header.
        pub request_time: String,
        /// The `signature` header.
        pub signature: String,
        /// The body.
        pub body: Bytes,
    }

    impl Notification {
        /// A `PAYMENT_RESULT` notification of `len` bytes.
        pub fn signed(len: usize) -> Self {
            let body = Bytes::from(notification_body(len, 1));
            let request_time = format_epoch_millis(SystemTime::now());
            let content = SigningContent::new("POST", NOTIFY_URI, CLIENT_ID, &request_time, &body);
            let signature = antom_private_key()
                .sign_header(&content, KeyVersion(1))
                .expect("sign")
                .to_string();
            Self {
                request_time,
                signature,
                body,
            }
        }

        /// What it is signed over.
        pub fn content(&self) -> SigningContent<'_> {
            SigningContent::new("POST", NOTIFY_URI, CLIENT_ID, &self.request_time, &self.body)
        }

        /// The request as it reaches the notify route.
        pub fn request(&self) -> Request<Full<Bytes>> {
            Request::post(NOTIFY_URI)
                .header("content-type", "application/json; charset=UTF-8")
                .header("content-length", self.body.len())
                .header("client-id", CLIENT_ID)
                .header("request-time", &self.request_time)
                .header("signature", &self.signature)
                .body(Full::new(self.body.clone()))
                .expect("request")
        }
    }

    /// An unsigned request to an Antom API, as the merchant's code hands it to the client.
    pub fn api_request(body: &Bytes) -> Request<Full<Bytes>> {
        Request::post(format!("https://open-sea-global.alipay.com{API_URI}"))
            .header("content-type", "application/json; charset=UTF-8")
            .body(Full::new(body.clone()))
            .expect("request")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_the_exact_size_and_are_json_shaped() {
        for len in BODY_SIZES {
            let body = notification_body(len, 7);
            assert_eq!(body.len(), len);
            assert!(body.starts_with(br#"{"notifyType":"PAYMENT_RESULT""#));
            assert!(body.ends_with(br#"x"}"#), "{}", String::from_utf8_lossy(&body));
        }
        assert_ne!(notification_body(200, 1), notification_body(200, 2));
    }
}
