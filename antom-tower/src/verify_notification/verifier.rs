//! The framework-neutral check: everything [`VerifyNotificationLayer`](super::VerifyNotificationLayer)
//! decides, as plain functions of the method, path, headers, body and time.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method};

use super::{NotificationRejection, DEFAULT_MAX_AGE, DEFAULT_MAX_FUTURE_SKEW, DEFAULT_MAX_NOTIFICATION_BYTES};
use crate::body::content_length_exceeds;
use crate::signing::{
    request_time, KeyVersion, PublicKeyRing, SignatureHeader, SignatureHeaderError, SigningContent, VerifyError,
};

/// Verifies Antom's notifications in any framework: the same checks, in the
/// same order, with the same [`NotificationRejection`]s as
/// [`VerifyNotificationLayer`](super::VerifyNotificationLayer), which runs
/// this code. See the [module documentation](super#without-tower).
///
/// In one call, with the whole body: [`verify`](Self::verify). In two, to
/// refuse a request before reading its body: [`check_headers`](Self::check_headers),
/// then [`PendingNotification::verify_body`].
#[derive(Clone)]
pub struct NotificationVerifier {
    config: Arc<VerifierConfig>,
}

impl NotificationVerifier {
    /// Accepts notifications for `client_id` signed with one of `antom_keys`
    /// (Antom's public keys by keyVersion), with the default limits.
    pub fn new(client_id: impl Into<String>, antom_keys: Arc<PublicKeyRing>) -> Self {
        Self {
            config: Arc::new(VerifierConfig {
                client_id: client_id.into(),
                keys: antom_keys,
                max_body_bytes: DEFAULT_MAX_NOTIFICATION_BYTES,
                max_age: DEFAULT_MAX_AGE,
                max_future_skew: DEFAULT_MAX_FUTURE_SKEW,
                proxy_path_prefix: None,
            }),
        }
    }

    /// The largest body accepted (default [`DEFAULT_MAX_NOTIFICATION_BYTES`]);
    /// larger ones are rejected with `body_too_large` (413). Give the same
    /// limit to the framework's body reader ([`body_limit`](Self::body_limit)),
    /// so it stops reading there.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        Arc::make_mut(&mut self.config).max_body_bytes = limit;
        self
    }

    /// The oldest `request-time` accepted (default [`DEFAULT_MAX_AGE`], 25 hours).
    /// Shorter than 24 hours risks refusing Antom's legitimate resends; see
    /// [the module documentation](super#replay-window).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        Arc::make_mut(&mut self.config).max_age = max_age;
        self
    }

    /// How far ahead of the local clock `request-time` may be (default [`DEFAULT_MAX_FUTURE_SKEW`]).
    pub fn max_future_skew(mut self, skew: Duration) -> Self {
        Arc::make_mut(&mut self.config).max_future_skew = skew;
        self
    }

    /// The path prefix a reverse proxy strips before forwarding. It is put back
    /// in front of the received path-and-query to rebuild the path Antom signed:
    /// with `.proxy_path_prefix("/shop")`, a request received as `/antom/notify`
    /// is verified as `/shop/antom/notify`. A missing leading `/` is added and
    /// trailing ones are dropped; an empty prefix means none.
    pub fn proxy_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        let trimmed = prefix.trim_end_matches('/');
        Arc::make_mut(&mut self.config).proxy_path_prefix = match trimmed {
            "" => None,
            p if p.starts_with('/') => Some(p.to_owned()),
            p => Some(format!("/{p}")),
        };
        self
    }

    /// The configured body limit, for the framework's body reader.
    pub fn body_limit(&self) -> usize {
        self.config.max_body_bytes
    }

    /// Verifies a whole notification: `method` and `path_and_query` as the
    /// request arrived (e.g. `/antom/notify`, with the query string if any),
    /// its `headers`, the raw `body` bytes, judged at `now` (usually
    /// [`SystemTime::now()`]).
    ///
    /// Rejections are logged with `tracing::warn!` (reason, method, path; never
    /// the body, the signature or a key), as the layer logs them.
    pub fn verify(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<VerifiedNotificationHeaders, NotificationRejection> {
        self.check_headers(method, path_and_query, headers, now)?
            .verify_body(body)
    }

    /// Everything that can be judged before reading the body: the `client-id`,
    /// `request-time` and `signature` headers, the replay window at `now`, the
    /// keyVersion, and a `Content-Length` over the limit. Malformed input (400)
    /// is reported before authentication failures (401), those before 413.
    pub fn check_headers(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Result<PendingNotification, NotificationRejection> {
        crate::telemetry::notification_received();
        let signed_path = match &self.config.proxy_path_prefix {
            Some(prefix) => format!("{prefix}{path_and_query}"),
            None => path_and_query.to_owned(),
        };
        let checked = check_headers(&self.config, headers, now);
        let checked = checked.and_then(|checked| {
            if content_length_exceeds(headers, self.config.max_body_bytes) {
                Err(NotificationRejection::BodyTooLarge {
                    limit: self.config.max_body_bytes,
                })
            } else {
                Ok(checked)
            }
        });
        match checked {
            Ok(headers) => Ok(PendingNotification {
                method: method.clone(),
                signed_path,
                headers,
                config: Arc::clone(&self.config),
            }),
            Err(rejection) => Err(log_rejection(rejection, method, &signed_path)),
        }
    }
}

impl fmt::Debug for NotificationVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.config, f)
    }
}

/// A notification whose headers passed [`NotificationVerifier::check_headers`],
/// waiting for its body.
pub struct PendingNotification {
    method: Method,
    signed_path: String,
    headers: CheckedHeaders,
    config: Arc<VerifierConfig>,
}

impl PendingNotification {
    /// The path-and-query the signature must cover (behind the proxy prefix, if configured).
    pub fn signed_path(&self) -> &str {
        &self.signed_path
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The most body bytes [`verify_body`](Self::verify_body) accepts.
    pub fn body_limit(&self) -> usize {
        self.config.max_body_bytes
    }

    /// Verifies the signature over the whole `body`, refusing one over the limit.
    /// On success, what was verified.
    pub fn verify_body(self, body: &[u8]) -> Result<VerifiedNotificationHeaders, NotificationRejection> {
        let verified = verify_signature(&self.config, &self.method, &self.signed_path, self.headers, body);
        verified.map_err(|rejection| log_rejection(rejection, &self.method, &self.signed_path))
    }

    /// Rejects the notification for a reason found while reading its body (too
    /// large, the stream failed or timed out), logged as every other rejection.
    pub fn reject(self, rejection: NotificationRejection) -> NotificationRejection {
        log_rejection(rejection, &self.method, &self.signed_path)
    }
}

impl fmt::Debug for PendingNotification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingNotification")
            .field("method", &self.method)
            .field("signed_path", &self.signed_path)
            .field("client_id", &self.headers.client_id)
            .field("request_time", &self.headers.request_time)
            .field("key_version", &self.headers.signature.key_version)
            .finish_non_exhaustive()
    }
}

/// What was verified. The layer sets it as a request extension on every
/// notification it passes to the inner service: its presence is the proof of
/// verification, and the [`VerifiedNotification`](crate::extract::VerifiedNotification)
/// extractor refuses a request without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNotificationHeaders {
    /// The `client-id` header (equal to the configured client id).
    pub client_id: String,
    /// The `request-time` header, exactly as signed.
    pub request_time: String,
    /// The keyVersion of the Antom public key that verified the signature.
    pub key_version: KeyVersion,
}

#[derive(Clone)]
struct VerifierConfig {
    client_id: String,
    keys: Arc<PublicKeyRing>,
    max_body_bytes: usize,
    max_age: Duration,
    max_future_skew: Duration,
    proxy_path_prefix: Option<String>,
}

impl fmt::Debug for VerifierConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationVerifier")
            .field("client_id", &self.client_id)
            .field("key_versions", &self.keys.versions().collect::<Vec<_>>())
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_age", &self.max_age)
            .field("max_future_skew", &self.max_future_skew)
            .field("proxy_path_prefix", &self.proxy_path_prefix)
            .finish()
    }
}

/// The headers as checked before the body is read.
struct CheckedHeaders {
    client_id: String,
    request_time: String,
    signature: SignatureHeader,
}

fn check_headers(
    config: &VerifierConfig,
    headers: &HeaderMap,
    now: SystemTime,
) -> Result<CheckedHeaders, NotificationRejection> {
    let client_id = required_header(headers, "client-id")?;
    let request_time = required_header(headers, "request-time")?;
    let signature = required_header(headers, "signature")?;
    let signature = SignatureHeader::parse(signature).map_err(|error| match error {
        SignatureHeaderError::InvalidBase64 | SignatureHeaderError::InvalidPercentEncoding => {
            NotificationRejection::InvalidSignatureEncoding(error)
        }
        _ => NotificationRejection::MalformedSignatureHeader(error),
    })?;
    let age = request_time::age(request_time, now).ok_or(NotificationRejection::InvalidRequestTime)?;

    if client_id != config.client_id {
        return Err(NotificationRejection::ClientIdMismatch);
    }
    match age {
        Ok(age) if age > config.max_age => {
            return Err(NotificationRejection::RequestTimeTooOld {
                age,
                max_age: config.max_age,
            })
        }
        Err(ahead) if ahead > config.max_future_skew => {
            return Err(NotificationRejection::RequestTimeInFuture {
                ahead,
                max_skew: config.max_future_skew,
            })
        }
        _ => {}
    }
    if config.keys.get(signature.key_version).is_none() {
        return Err(NotificationRejection::UnknownKeyVersion(signature.key_version));
    }
    Ok(CheckedHeaders {
        client_id: client_id.to_owned(),
        request_time: request_time.to_owned(),
        signature,
    })
}

fn required_header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, NotificationRejection> {
    headers
        .get(name)
        .ok_or(NotificationRejection::MissingHeader(name))?
        .to_str()
        .map_err(|_| NotificationRejection::InvalidHeaderValue(name))
}

fn verify_signature(
    config: &VerifierConfig,
    method: &Method,
    signed_path: &str,
    headers: CheckedHeaders,
    body: &[u8],
) -> Result<VerifiedNotificationHeaders, NotificationRejection> {
    // The layer never gets here with more; a caller with its own body reader may.
    if body.len() > config.max_body_bytes {
        return Err(NotificationRejection::BodyTooLarge {
            limit: config.max_body_bytes,
        });
    }
    let content = SigningContent::new(
        method.as_str(),
        signed_path,
        &headers.client_id,
        &headers.request_time,
        body,
    );
    config
        .keys
        .verify(&content, &headers.signature)
        .map_err(|error| match error {
            VerifyError::UnknownKeyVersion(version) => NotificationRejection::UnknownKeyVersion(version),
            VerifyError::Header(error) => NotificationRejection::MalformedSignatureHeader(error),
            _ => NotificationRejection::SignatureMismatch,
        })?;
    crate::telemetry::notification_verified();
    tracing::debug!(
        method = %method,
        path = %signed_path,
        key_version = headers.signature.key_version.0,
        "verified an Antom notification"
    );
    Ok(VerifiedNotificationHeaders {
        client_id: headers.client_id,
        request_time: headers.request_time,
        key_version: headers.signature.key_version,
    })
}

/// Logs a rejection: the reason, method and path; never the body, signature or keys.
fn log_rejection(rejection: NotificationRejection, method: &Method, path: &str) -> NotificationRejection {
    crate::telemetry::notification_rejected(rejection.code());
    tracing::warn!(
        method = %method,
        path = %path,
        status = rejection.status().as_u16(),
        code = rejection.code(),
        reason = %rejection,
        "rejected an Antom notification"
    );
    rejection
}
