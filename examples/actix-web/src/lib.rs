//! An actix-web notify endpoint on antom-tower's framework-neutral
//! [`NotificationVerifier`]: actix-web is not Tower-based, so instead of
//! `VerifyNotificationLayer` the handler runs the same checks itself.
//!
//! `POST /antom/notify` ([`notify`]):
//!
//! 1. [`NotificationVerifier::check_headers`] on the method, path and headers,
//!    before any body is read: a missing or bad header, another client id, a
//!    stale `request-time` or a `Content-Length` over the limit is refused at once;
//! 2. the body is read up to the verifier's limit (`413 body_too_large` past it);
//! 3. [`PendingNotification::verify_body`] checks the signature over those bytes;
//! 4. the verified payment result is applied to the [`OrderStore`], and the
//!    notification acknowledged only once the store accepted it.
//!
//! Rejections are answered exactly as the Tower layer answers them: the
//! [`NotificationRejection`]'s status and `{"error":"<code>","message":"..."}`.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use antom_example_actix_web::NotifyState;
//! use antom_tower::store::MemoryOrderStore;
//! use antom_tower::NotificationVerifier;
//!
//! # async fn run(antom_keys: Arc<antom_tower::signing::PublicKeyRing>) -> std::io::Result<()> {
//! let state = NotifyState::new(
//!     NotificationVerifier::new("SANDBOX_5YBZ0E2ZC7CZ04567", antom_keys),
//!     Arc::new(MemoryOrderStore::new()),
//! );
//! let listener = std::net::TcpListener::bind("127.0.0.1:3002")?;
//! antom_example_actix_web::server(listener, state)?.await
//! # }
//! ```

use std::sync::Arc;
use std::time::SystemTime;

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use antom_tower::store::{InboundNotification, OrderStore};
use antom_tower::verify_notification::{NotificationRejection, NotificationVerifier, PendingNotification};
use antom_types::NOTIFICATION_ACK_SUCCESS;

/// The notify route's path (the path of the `paymentNotifyUrl` sent to Antom).
pub const NOTIFY_PATH: &str = "/antom/notify";

/// What the notify endpoint needs: the verifier and the order store. Cheap to clone.
#[derive(Clone)]
pub struct NotifyState {
    verifier: NotificationVerifier,
    store: Arc<dyn OrderStore>,
}

impl NotifyState {
    /// The endpoint for `verifier`'s client id and keys, recording payments in `store`.
    pub fn new(verifier: NotificationVerifier, store: Arc<dyn OrderStore>) -> NotifyState {
        NotifyState { verifier, store }
    }

    /// The order store.
    pub fn store(&self) -> &Arc<dyn OrderStore> {
        &self.store
    }
}

/// Adds the notify route to an actix-web app: `App::new().configure(|c| routes(c, state))`.
pub fn routes(config: &mut web::ServiceConfig, state: NotifyState) {
    config
        .app_data(web::Data::new(state))
        .route(NOTIFY_PATH, web::post().to(notify));
}

/// Serves the notify route on `listener` until the returned server is stopped or dropped.
///
/// # Errors
///
/// If the listener cannot be used.
pub fn server(listener: std::net::TcpListener, state: NotifyState) -> std::io::Result<actix_web::dev::Server> {
    let server = HttpServer::new(move || App::new().configure(|config| routes(config, state.clone())))
        .listen(listener)?
        .run();
    Ok(server)
}

/// `POST /antom/notify`: verify, then apply the payment result, then acknowledge.
pub async fn notify(request: HttpRequest, payload: web::Payload, state: web::Data<NotifyState>) -> HttpResponse {
    let pending = match check_headers(&state.verifier, &request) {
        Ok(pending) => pending,
        Err(rejection) => return rejected(&rejection),
    };
    let body = match payload.to_bytes_limited(pending.body_limit()).await {
        Ok(Ok(body)) => body,
        Ok(Err(error)) => {
            // actix-web's error is neither `Send` nor `Sync`: keep its message.
            let error = antom_tower::BoxError::from(error.to_string());
            return rejected(&pending.reject(NotificationRejection::BodyRead(error.into())));
        }
        Err(_) => {
            let limit = pending.body_limit();
            return rejected(&pending.reject(NotificationRejection::BodyTooLarge { limit }));
        }
    };
    let verified = match pending.verify_body(&body) {
        Ok(verified) => verified,
        Err(rejection) => return rejected(&rejection),
    };
    tracing::debug!(key_version = verified.key_version.0, "notification verified");
    apply(state.store.as_ref(), &request, &body).await
}

/// The headers' checks, on actix-web's request.
fn check_headers(
    verifier: &NotificationVerifier,
    request: &HttpRequest,
) -> Result<PendingNotification, NotificationRejection> {
    let headers = headers_of(request);
    // The original path-and-query, whatever scope the route is mounted in.
    let path_and_query = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    // The route takes POST only, the method Antom signs.
    verifier.check_headers(&http::Method::POST, path_and_query, &headers, SystemTime::now())
}

/// Stores the verified notification in the store's inbox with what it does
/// to its order (payment, refund, dispute, capture), in one store call, and
/// acknowledges only once that is durable: nothing Antom says is dropped.
async fn apply(store: &dyn OrderStore, request: &HttpRequest, verified_body: &[u8]) -> HttpResponse {
    let uri: http::Uri = request
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .parse()
        .unwrap_or_else(|_| http::Uri::from_static("/"));
    let (inbound, effect) =
        InboundNotification::parse(&http::Method::POST, &uri, &headers_of(request), verified_body, now_ms());
    let recorded = match store.record_notification(&inbound, &effect).await {
        Ok(recorded) => recorded,
        Err(error) if error.is_transient() => {
            return refused(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", &error)
        }
        Err(error) => return refused(StatusCode::CONFLICT, "store_refused", &error),
    };
    tracing::info!(key = %inbound.key, outcome = %recorded.outcome, "notification stored");
    if recorded.acknowledges(true) {
        return acknowledged();
    }
    let (status, code) = recorded.rejection();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT);
    match &recorded.result {
        Err(error) => refused(status, code, error),
        Ok(_) => refused(status, code, &"not acknowledged"),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn acknowledged() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(NOTIFICATION_ACK_SUCCESS)
}

/// The verifier's rejection, answered as `VerifyNotificationLayer` answers it.
fn rejected(rejection: &NotificationRejection) -> HttpResponse {
    let status = StatusCode::from_u16(rejection.status().as_u16()).unwrap_or(StatusCode::BAD_REQUEST);
    HttpResponse::build(status)
        .content_type(ContentType::json())
        .body(rejection.to_json())
}

/// The request's headers as `http` 1 types: actix-web 4 uses the `http` 0.2
/// types, the verifier and the store those of `http` 1.
fn headers_of(request: &HttpRequest) -> http::HeaderMap {
    let mut headers = http::HeaderMap::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        // Every actix-web header name and value is a valid `http` 1 one.
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// Not acknowledged: Antom resends later.
fn refused(status: StatusCode, code: &str, error: &dyn std::fmt::Display) -> HttpResponse {
    tracing::warn!(code, %error, "verified notification not acknowledged");
    let body = serde_json::json!({ "error": code, "message": error.to_string() });
    HttpResponse::build(status)
        .content_type(ContentType::json())
        .body(body.to_string())
}
