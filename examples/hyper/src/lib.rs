//! A plain hyper 1 server, no axum: the notify endpoint is a Tower service
//! wrapped in [`VerifyNotificationLayer`] with `ServiceBuilder`, so the
//! handler only ever sees notifications whose signature checked out.
//!
//! | route | what it does |
//! | --- | --- |
//! | `POST /sessions` | creates the order and Antom's payment session ([`Shop::create_session`]) |
//! | `GET /orders/{id}` | the order |
//! | `GET /return?orderId=...` | where the cashier sends the buyer back: the order as JSON |
//! | `POST /antom/notify` | `VerifyNotificationLayer` → [`Shop::handle_notification`] |
//!
//! ```no_run
//! # async fn run(shop: antom_example_support::shop::Shop, config: antom_tower::config::AntomConfig) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
//! antom_example_hyper::serve(listener, shop, antom_example_support::setup::verify_layer(&config)).await
//! # }
//! ```

use std::convert::Infallible;

use antom_tower::verify_notification::{VerifiedNotificationHeaders, VerifyNotificationLayer};
use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tower::util::BoxCloneService;
use tower::{service_fn, ServiceBuilder, ServiceExt};

use antom_example_support::shop::{query_param, SessionRequest, Shop};

/// The notify route's path (the path of `ANTOM_NOTIFY_URL`).
pub const NOTIFY_PATH: &str = "/antom/notify";
/// The return page's path (the path of `ANTOM_REDIRECT_URL`).
pub const RETURN_PATH: &str = "/return";

/// The response body of every route.
pub type Body = antom_example_support::ResponseBody;

/// The notify endpoint: the layer first, then the handler with the verified body.
pub fn notify_service(
    shop: Shop,
    verify: VerifyNotificationLayer,
) -> BoxCloneService<Request<Incoming>, Response<Body>, Infallible> {
    let handler = service_fn(move |request: Request<Full<Bytes>>| {
        let shop = shop.clone();
        async move {
            // Set by the layer: proof the body below was verified.
            let verified = request.extensions().get::<VerifiedNotificationHeaders>().cloned();
            debug_assert!(verified.is_some());
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            let reply = shop
                .handle_notification(&parts.method, &parts.uri, &parts.headers, &body)
                .await;
            Ok::<_, Infallible>(json(reply.status, reply.body))
        }
    });
    let stack = ServiceBuilder::new().layer(verify).service(handler);
    BoxCloneService::new(ServiceExt::<Request<Incoming>>::map_response(
        stack,
        antom_example_support::boxed,
    ))
}

/// All routes as one Tower service over hyper's request type.
pub fn app(
    shop: Shop,
    verify: VerifyNotificationLayer,
) -> BoxCloneService<Request<Incoming>, Response<Body>, Infallible> {
    let notify = notify_service(shop.clone(), verify);
    BoxCloneService::new(service_fn(move |request: Request<Incoming>| {
        let shop = shop.clone();
        let notify = notify.clone();
        async move {
            let path = request.uri().path().to_owned();
            let response = match (request.method(), path.as_str()) {
                (&Method::POST, NOTIFY_PATH) => return notify.oneshot(request).await,
                (&Method::POST, "/sessions") => create_session(&shop, request).await,
                (&Method::GET, RETURN_PATH) => match query_param(request.uri().query(), "orderId") {
                    Some(order_id) => order(&shop, order_id).await,
                    None => error(StatusCode::BAD_REQUEST, "missing_order_id", "orderId is required"),
                },
                (&Method::GET, p) if p.starts_with("/orders/") => order(&shop, &p["/orders/".len()..]).await,
                _ => error(StatusCode::NOT_FOUND, "not_found", "no such route"),
            };
            Ok(response)
        }
    }))
}

/// Serves [`app`] on `listener` (HTTP/1.1) until the task is dropped, through
/// [`antom_tower::serve::Server`]: hyper's HTTP/1 connections with a header
/// read timeout, an idle timeout and a bound on open connections.
pub async fn serve(listener: TcpListener, shop: Shop, verify: VerifyNotificationLayer) -> std::io::Result<()> {
    antom_tower::serve::Server::new(listener).serve(app(shop, verify)).await
}

async fn create_session(shop: &Shop, request: Request<Incoming>) -> Response<Body> {
    let body = match Limited::new(request.into_body(), 16 * 1024).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => return error(StatusCode::BAD_REQUEST, "body_read_failed", &e.to_string()),
    };
    let input: SessionRequest = match serde_json::from_slice(&body) {
        Ok(input) => input,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_json", &e.to_string()),
    };
    match shop.create_session(input).await {
        Ok(session) => json(StatusCode::OK, to_json(&session)),
        Err(e) => json(e.status(), e.to_json()),
    }
}

async fn order(shop: &Shop, order_id: &str) -> Response<Body> {
    match shop.order(order_id).await {
        Ok(order) => json(StatusCode::OK, to_json(&order)),
        Err(e) => json(e.status(), e.to_json()),
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".into())
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json(
        status,
        serde_json::json!({ "error": code, "message": message }).to_string(),
    )
}

fn json(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)).map_err(|e| match e {}).boxed_unsync());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
