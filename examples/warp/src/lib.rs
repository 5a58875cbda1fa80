//! A warp 0.4 server using [`VerifyNotificationLayer`] through warp's Tower
//! interop: the notify filter is turned into a Tower service with
//! [`warp::service`], wrapped in the layer with `ServiceBuilder`, and served
//! beside the other filters. The notify filter runs only after the layer
//! verified the signature; it reads the verified body with
//! `warp::body::bytes()` and the layer's [`VerifiedNotificationHeaders`]
//! with `warp::ext::get()`.
//!
//! | route | what it does |
//! | --- | --- |
//! | `POST /sessions` | creates the order and Antom's payment session |
//! | `GET /orders/{id}` | the order |
//! | `GET /return?orderId=...` | where the cashier sends the buyer back: the order as JSON |
//! | `POST /antom/notify` | `VerifyNotificationLayer` → the warp notify filter |
//!
//! `warp::serve` takes filters only, so the combined Tower service is served
//! by hyper through hyper-util's `TowerToHyperService`, as `warp::serve`
//! serves a filter internally.

use std::collections::HashMap;
use std::convert::Infallible;

use antom_tower::verify_notification::{VerifiedNotificationHeaders, VerifyNotificationLayer};
use bytes::Bytes;
use http::{Request, Response};
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tower::util::BoxCloneService;
use tower::{service_fn, ServiceBuilder, ServiceExt};
use warp::{Filter, Reply};

use antom_example_support::shop::{SessionRequest, Shop, ShopError};

/// The notify route's path (the path of `ANTOM_NOTIFY_URL`).
pub const NOTIFY_PATH: &str = "/antom/notify";
/// The return page's path (the path of `ANTOM_REDIRECT_URL`).
pub const RETURN_PATH: &str = "/return";

/// The response body of every route.
pub type Body = antom_example_support::ResponseBody;

fn with_shop(shop: Shop) -> impl Filter<Extract = (Shop,), Error = Infallible> + Clone {
    warp::any().map(move || shop.clone())
}

/// The ordinary warp routes: sessions, orders, return.
pub fn routes(shop: Shop) -> impl Filter<Extract = (warp::reply::Response,), Error = Infallible> + Clone {
    let sessions = warp::post()
        .and(warp::path!("sessions"))
        .and(warp::body::content_length_limit(16 * 1024))
        .and(warp::body::json::<SessionRequest>())
        .and(with_shop(shop.clone()))
        .then(|input: SessionRequest, shop: Shop| async move { reply(shop.create_session(input).await) });
    let orders = warp::get()
        .and(warp::path!("orders" / String))
        .and(with_shop(shop.clone()))
        .then(|order_id: String, shop: Shop| async move { reply(shop.order(&order_id).await) });
    let return_page = warp::get()
        .and(warp::path!("return"))
        .and(warp::query::<HashMap<String, String>>())
        .and(with_shop(shop))
        .then(|query: HashMap<String, String>, shop: Shop| async move {
            match query.get("orderId") {
                Some(order_id) => reply(shop.order(order_id).await),
                None => reply::<()>(Err(ShopError::Invalid("orderId is required".into()))),
            }
        });
    // Anything else: a JSON 404 (rather than warp's combined rejection).
    let not_found = warp::any().map(|| {
        let body = serde_json::json!({ "error": "not_found", "message": "no such route" }).to_string();
        let body = warp::reply::with_header(body, "content-type", "application/json");
        warp::reply::with_status(body, http::StatusCode::NOT_FOUND).into_response()
    });
    sessions
        .or(orders)
        .unify()
        .or(return_page)
        .unify()
        .or(not_found)
        .unify()
}

/// The notify filter: reached only through [`notify_service`]'s layer.
pub fn notify_filter(shop: Shop) -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
    warp::post()
        .and(warp::path!("antom" / "notify"))
        .and(warp::ext::get::<VerifiedNotificationHeaders>())
        .and(warp::method())
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .and(warp::body::bytes())
        .and(with_shop(shop))
        .then(
            |verified: VerifiedNotificationHeaders,
             method: http::Method,
             path: warp::path::FullPath,
             headers: http::HeaderMap,
             body: Bytes,
             shop: Shop| async move {
                tracing::debug!(key_version = verified.key_version.0, "verified notification");
                let uri: http::Uri = path.as_str().parse().unwrap_or_else(|_| http::Uri::from_static("/"));
                let reply = shop.handle_notification(&method, &uri, &headers, &body).await;
                let json = warp::reply::with_header(reply.body, "content-type", "application/json");
                warp::reply::with_status(json, reply.status).into_response()
            },
        )
}

/// The notify endpoint: `warp::service(notify_filter)` inside `VerifyNotificationLayer`.
pub fn notify_service(
    shop: Shop,
    verify: VerifyNotificationLayer,
) -> BoxCloneService<Request<Incoming>, Response<Body>, Infallible> {
    let stack = ServiceBuilder::new()
        .layer(verify)
        .service(warp::service(notify_filter(shop)));
    BoxCloneService::new(ServiceExt::<Request<Incoming>>::map_response(
        stack,
        antom_example_support::boxed,
    ))
}

/// Everything as one Tower service: the notify path goes through the layer,
/// the rest straight to the warp routes.
pub fn app(
    shop: Shop,
    verify: VerifyNotificationLayer,
) -> BoxCloneService<Request<Incoming>, Response<Body>, Infallible> {
    let notify = notify_service(shop.clone(), verify);
    let rest = ServiceExt::<Request<Incoming>>::map_response(warp::service(routes(shop)), antom_example_support::boxed);
    BoxCloneService::new(service_fn(move |request: Request<Incoming>| {
        let notify = notify.clone();
        let rest = rest.clone();
        async move {
            if request.uri().path() == NOTIFY_PATH {
                notify.oneshot(request).await
            } else {
                rest.oneshot(request).await
            }
        }
    }))
}

/// Serves [`app`] on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, shop: Shop, verify: VerifyNotificationLayer) -> std::io::Result<()> {
    // hyper's HTTP/1 connections with a header read timeout, an idle timeout and a connection bound.
    antom_tower::serve::Server::new(listener).serve(app(shop, verify)).await
}

fn reply<T: serde::Serialize>(result: Result<T, ShopError>) -> warp::reply::Response {
    match result {
        Ok(value) => warp::reply::json(&value).into_response(),
        Err(e) => {
            let body = warp::reply::with_header(e.to_json(), "content-type", "application/json");
            warp::reply::with_status(body, e.status()).into_response()
        }
    }
}
