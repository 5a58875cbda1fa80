//! The exact bytes Antom signs.

use std::fmt;

/// The parts of the content Antom signs, borrowed from the request or response.
///
/// The signed bytes are `<METHOD> <URI>\n<client-id>.<time>.<body>`. Rather than
/// concatenating them (which copies the body), backends feed the parts one by one
/// into an incremental hash with [`SigningContent::for_each_part`].
///
/// ```
/// use antom_tower::signing::SigningContent;
///
/// let content = SigningContent::new(
///     "POST",
///     "/ams/api/v1/payments/inquiryPayment",
///     "SANDBOX_5YBZ0E2ZC7CZ04567",
///     "2019-05-28T12:12:12+08:00",
///     br#"{"paymentRequestId":"pay_1"}"#,
/// );
/// assert_eq!(
///     content.to_bytes(),
///     b"POST /ams/api/v1/payments/inquiryPayment\nSANDBOX_5YBZ0E2ZC7CZ04567.2019-05-28T12:12:12+08:00.{\"paymentRequestId\":\"pay_1\"}".to_vec(),
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SigningContent<'a> {
    /// HTTP method, `POST` for every Antom API and notification.
    pub method: &'a str,
    /// The request path as sent, with its query string if there was one.
    pub uri: &'a str,
    /// The merchant's client id.
    pub client_id: &'a str,
    /// The `request-time` (requests, notifications) or `response-time` (responses)
    /// header value, exactly as it appears in the header.
    pub time: &'a str,
    /// The exact body bytes, never re-serialized.
    pub body: &'a [u8],
}

impl<'a> SigningContent<'a> {
    /// Collects the parts of the content to sign.
    pub fn new(method: &'a str, uri: &'a str, client_id: &'a str, time: &'a str, body: &'a [u8]) -> Self {
        Self {
            method,
            uri,
            client_id,
            time,
            body,
        }
    }

    /// Calls `f` with each consecutive slice of the content to sign, in order.
    ///
    /// Concatenating the slices gives exactly [`SigningContent::to_bytes`].
    pub fn for_each_part(&self, mut f: impl FnMut(&[u8])) {
        f(self.method.as_bytes());
        f(b" ");
        f(self.uri.as_bytes());
        f(b"\n");
        f(self.client_id.as_bytes());
        f(b".");
        f(self.time.as_bytes());
        f(b".");
        f(self.body);
    }

    /// Length in bytes of the content to sign.
    pub fn len(&self) -> usize {
        self.method.len() + self.uri.len() + self.client_id.len() + self.time.len() + self.body.len() + 4
    }

    /// Always false: the separators alone are four bytes.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The content to sign as one buffer (allocates and copies the body; for
    /// debugging and tools, not the hot path).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each_part(|part| out.extend_from_slice(part));
        out
    }
}

// The body may hold personal data; Debug shows its size, not its bytes.
impl fmt::Debug for SigningContent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningContent")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("client_id", &self.client_id)
            .field("time", &self.time)
            .field("body_len", &self.body.len())
            .finish()
    }
}
