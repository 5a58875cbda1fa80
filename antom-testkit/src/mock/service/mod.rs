//! The HTTP face of the mock: Antom's API routes, the cashier, and a few
//! read-only `/mock/...` routes; as an axum [`Router`] or a Tower service.
//!
//! `api` checks and dispatches API requests (signatures, rules, signing the
//! answer); `payments` and `refunds` are the APIs themselves.

mod api;
mod payments;
mod refunds;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use antom_types::{ResultCode, ResultStatus};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Request, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use tower::{Service, ServiceExt};

use self::api::{handle_api, recorded, Answer};
pub use self::payments::{cashier_url_from_session_data, session_metadata};
pub(crate) use self::refunds::refund;
use crate::mock::log::{RequestRecord, Verification};
use crate::mock::Shared;

/// Marks a response the server must not send: it closes the connection instead.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// The mock closed the connection without answering (a `drop_connection` rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the mock Antom closed the connection without answering (drop_connection rule)")
    }
}

impl std::error::Error for ConnectionDropped {}

/// The mock as a Tower service, for in-process tests without a socket.
///
/// Unlike the [`Router`], a dropped connection (a `drop_connection` rule) is
/// an `Err(`[`ConnectionDropped`]`)`, as a client's transport would report it.
#[derive(Clone)]
pub struct MockService {
    router: Router,
}

impl MockService {
    pub(crate) fn new(router: Router) -> MockService {
        MockService { router }
    }

    pub(crate) fn router(&self) -> &Router {
        &self.router
    }
}

impl<B> Service<Request<B>> for MockService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Body>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let router = self.router.clone();
        Box::pin(async move { respond(router, request.map(Body::new)).await.map_err(Into::into) })
    }
}

/// Runs the router; a response marked [`DropConnection`] becomes an error.
pub(crate) async fn respond(router: Router, request: Request<Body>) -> Result<Response<Body>, ConnectionDropped> {
    let response = router
        .oneshot(request)
        .await
        .unwrap_or_else(|never: Infallible| match never {});
    if response.extensions().get::<DropConnection>().is_some() {
        return Err(ConnectionDropped);
    }
    Ok(response)
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/ams/api/v1/payments/{api}", post(api_production))
        .route("/ams/sandbox/api/v1/payments/{api}", post(api_sandbox))
        .route("/cashier/{session_id}", get(super::cashier::page))
        .route("/cashier/{session_id}/{action}", post(super::cashier::act))
        .route("/mock/payments", get(list_payments))
        .route("/mock/requests", get(list_requests))
        .route("/mock/notifications", get(list_notifications))
        .route("/", get(index))
        .merge(super::control::routes())
        .fallback(fallback)
        .with_state(shared)
}

async fn index(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let text = format!(
        "mock Antom (antom-testkit)\nclient id: {}\nAPIs: POST /ams/api/v1/payments/{{createPaymentSession,inquiryPayment,cancel,refund,inquiryRefund}} (and /ams/sandbox/api/...)\ncashier: GET /cashier/{{paymentSessionId}}\nstate: GET /mock/payments, /mock/requests, /mock/notifications\ncontrol: POST /mock/payments/{{paymentRequestId}}/{{pay,fail,cancel,expire,refund,dispute,capture}}, /mock/refunds/{{refundRequestId}}/{{succeed,fail}}, /mock/async-refunds, /mock/clock/advance\n",
        shared.client_id
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
}

async fn list_payments(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.payments())
}

async fn list_requests(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.log.requests())
}

async fn list_notifications(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.log.notifications())
}

async fn fallback(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response<Body> {
    if uri.path().starts_with("/ams/") {
        // An API path of another product, or a typo: Antom's gateway answers this itself.
        let answer = Answer::error(
            ResultCode::NoInterfaceDef,
            ResultStatus::Failed,
            format!("The mock Antom has no API at {}.", uri.path()),
        );
        let answer = Answer {
            signed: false,
            ..answer
        };
        let response = shared.render(&answer, &uri_path(&uri));
        shared.log.push_request(RequestRecord {
            seq: 0,
            received_at: SystemTime::now(),
            method: "POST".to_owned(),
            path: uri_path(&uri),
            api: None,
            sandbox: uri.path().starts_with("/ams/sandbox/"),
            headers: header_list(&headers),
            body: String::from_utf8_lossy(&body).into_owned(),
            verification: Verification::NotChecked,
            rule: None,
            delay: None,
            response: Some(recorded(&response, &answer)),
        });
        return response;
    }
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

async fn api_production(
    State(shared): State<Arc<Shared>>,
    Path(api): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    handle_api(shared, api, false, uri, headers, body).await
}

async fn api_sandbox(
    State(shared): State<Arc<Shared>>,
    Path(api): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    handle_api(shared, api, true, uri, headers, body).await
}

pub(super) fn uri_path(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| uri.path().to_owned())
}

pub(super) fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}
