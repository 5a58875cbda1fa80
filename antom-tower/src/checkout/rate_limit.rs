//! A per-client limit on `POST {prefix}/sessions`, so that a stranger
//! creating orders in a loop grows neither the store nor the Antom calls
//! without bound. Built on [`tower_governor`] (a GCRA limiter per client IP).
//!
//! ```
//! use std::time::Duration;
//! use antom_tower::checkout::{ClientAddress, SessionRateLimit};
//!
//! // 10 sessions at once per client, then one more every 6 seconds (10 a minute),
//! // keyed by the address nginx puts in X-Real-IP.
//! let limit = SessionRateLimit::per_client(10, Duration::from_secs(6))
//!     .client_address(ClientAddress::Header(http::HeaderName::from_static("x-real-ip")));
//! # let _ = limit;
//! ```
//!
//! With [`ClientAddress::Peer`] (the default) the server must hand axum the
//! peer address: `axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())`.
//! A request whose client address cannot be read is refused with 500
//! `client_address_unknown`, so a misconfiguration shows at once.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use governor::middleware::NoOpMiddleware;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use super::session::ClientAddress;

/// How many sessions one client may create: a burst, refilled one at a time.
#[derive(Debug, Clone)]
pub struct SessionRateLimit {
    burst: u32,
    replenish_every: Duration,
    client_address: ClientAddress,
}

impl SessionRateLimit {
    /// Up to `burst` requests at once per client, then one more each
    /// `replenish_every`. A zero burst or period is raised to 1 and 1 ms.
    pub fn per_client(burst: u32, replenish_every: Duration) -> SessionRateLimit {
        SessionRateLimit {
            burst: burst.max(1),
            replenish_every: replenish_every.max(Duration::from_millis(1)),
            client_address: ClientAddress::Peer,
        }
    }

    /// Where the client's address is read (default: the TCP peer).
    pub fn client_address(mut self, source: ClientAddress) -> Self {
        self.client_address = source;
        self
    }

    /// The burst size.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The time after which one more request is allowed.
    pub fn replenish_every(&self) -> Duration {
        self.replenish_every
    }
}

/// The key extractor: the client IP as [`ClientAddress`] reads it.
#[derive(Debug, Clone)]
pub(crate) struct ClientKey(ClientAddress);

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &http::Request<T>) -> Result<IpAddr, GovernorError> {
        self.0
            .client_ip(req.headers(), req.extensions())
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

pub(crate) type Limiter = GovernorLayer<ClientKey, NoOpMiddleware, Body>;
pub(crate) type LimiterConfig = GovernorConfig<ClientKey, NoOpMiddleware>;

/// The layer for the sessions route, and its config (for pruning old keys).
pub(crate) fn layer(limit: &SessionRateLimit) -> (Limiter, Arc<LimiterConfig>) {
    let config = Arc::new(
        GovernorConfigBuilder::default()
            .period(limit.replenish_every)
            .burst_size(limit.burst)
            .key_extractor(ClientKey(limit.client_address.clone()))
            .finish()
            .expect("burst and period are non-zero"),
    );
    let layer = GovernorLayer::new(config.clone()).error_handler(error_response);
    (layer, config)
}

/// `429 {"error": "rate_limited"}` with `Retry-After`, or 500 when the address is unknown.
fn error_response(error: GovernorError) -> Response<Body> {
    let (status, code, message, headers) = match error {
        GovernorError::TooManyRequests { wait_time, headers } => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many checkout attempts from this address; retry in {wait_time} s"),
            headers,
        ),
        GovernorError::UnableToExtractKey => {
            tracing::error!("session rate limit: the client address is unknown (serve with ConnectInfo, or configure the proxy header)");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "client_address_unknown",
                "the server cannot tell the client's address".to_owned(),
                None,
            )
        }
        GovernorError::Other { code, msg, headers } => (code, "rate_limit_error", msg.unwrap_or_default(), headers),
    };
    let body = serde_json::json!({ "error": code, "message": message }).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Some(headers) = headers {
        response.headers_mut().extend(headers);
    }
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
