//! A gRPC checkout service served by tonic 0.14, with Antom's notify route
//! mounted beside it on the same port.
//!
//! - `CreateSession` and `GetOrder` (`proto/checkout.proto`) use the
//!   [`AntomClient`](antom_tower::client::AntomClient) (itself a Tower stack:
//!   `SignRequestLayer` and `VerifyResponseLayer` over hyper) and the
//!   [`OrderStore`](antom_tower::store::OrderStore), through [`Shop`].
//! - `POST /antom/notify` is a Tower service wrapped in
//!   [`VerifyNotificationLayer`] with `ServiceBuilder`, added to tonic's
//!   [`Routes`] next to the gRPC service.
//! - tonic serves both: gRPC over HTTP/2, and (with `accept_http1`) Antom's
//!   HTTP/1.1 notifications, on one listener. A Tower layer on the server
//!   (`Server::builder().layer(..)`) bounds the time of every request.
//!
//! ```no_run
//! # async fn run(shop: antom_example_support::shop::Shop, config: antom_tower::config::AntomConfig) -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3002").await?;
//! let verify = antom_example_support::setup::verify_layer(&config);
//! antom_example_tonic::serve(listener, shop, verify).await?;
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::time::Duration;

use antom_tower::store::OrderStatus;
use antom_tower::verify_notification::VerifyNotificationLayer;
use bytes::Bytes;
use http::{header, HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::Routes;
use tonic::transport::Server;
use tonic::Status;
use tower::{service_fn, ServiceBuilder};

use crate::proto::checkout_server::{Checkout, CheckoutServer};
use antom_example_support::shop::{SessionRequest, Shop, ShopError};

/// The generated gRPC types of `proto/checkout.proto`.
pub mod proto {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("antom.examples.checkout.v1");
}

/// The notify route's path (the path of `ANTOM_NOTIFY_URL`).
pub const NOTIFY_PATH: &str = "/antom/notify";
/// The path given as `ANTOM_REDIRECT_URL` (a gRPC server has no page: a
/// real app points it at its web or mobile front end).
pub const RETURN_PATH: &str = "/return";

/// The gRPC service.
#[derive(Debug, Clone)]
pub struct CheckoutService {
    shop: Shop,
}

impl CheckoutService {
    /// A service over `shop`.
    pub fn new(shop: Shop) -> Self {
        CheckoutService { shop }
    }
}

#[tonic::async_trait]
impl Checkout for CheckoutService {
    async fn create_session(
        &self,
        request: tonic::Request<proto::CreateSessionRequest>,
    ) -> Result<tonic::Response<proto::CreateSessionResponse>, Status> {
        let input = request.into_inner();
        let session = self
            .shop
            .create_session(SessionRequest {
                product_id: input.product_id,
                quantity: input.quantity,
                currency: input.currency,
                payment_method_type: input.payment_method_type,
            })
            .await
            .map_err(to_status)?;
        Ok(tonic::Response::new(proto::CreateSessionResponse {
            order_id: session.order_id,
            payment_request_id: session.payment_request_id,
            payment_session_data: session.payment_session_data,
            payment_session_id: session.payment_session_id.unwrap_or_default(),
            payment_session_expiry_time: session.payment_session_expiry_time.unwrap_or_default(),
            normal_url: session.normal_url.unwrap_or_default(),
        }))
    }

    async fn get_order(
        &self,
        request: tonic::Request<proto::GetOrderRequest>,
    ) -> Result<tonic::Response<proto::Order>, Status> {
        let order_id = request.into_inner().order_id;
        let order = self
            .shop
            .store()
            .get_order(&order_id)
            .await
            .map_err(|e| to_status(e.into()))?
            .ok_or_else(|| to_status(ShopError::NotFound))?;
        Ok(tonic::Response::new(proto::Order {
            order_id: order.order_id,
            payment_request_id: order.payment_request_id,
            status: status(order.status) as i32,
            is_final: order.status.is_final(),
            amount_minor: order.amount.value(),
            currency: order.amount.currency().as_str().to_owned(),
            description: order.description,
            payment_id: order.payment_id.unwrap_or_default(),
        }))
    }
}

fn status(status: OrderStatus) -> proto::OrderStatus {
    use proto::OrderStatus as P;
    match status {
        OrderStatus::Created => P::Created,
        OrderStatus::Pending => P::Pending,
        OrderStatus::Succeeded => P::Succeeded,
        OrderStatus::Failed => P::Failed,
        OrderStatus::Cancelled => P::Cancelled,
        OrderStatus::Expired => P::Expired,
        OrderStatus::PartiallyRefunded => P::PartiallyRefunded,
        OrderStatus::Refunded => P::Refunded,
    }
}

fn to_status(error: ShopError) -> Status {
    let message = error.to_string();
    match error {
        ShopError::Invalid(_) => Status::invalid_argument(message),
        ShopError::NotFound => Status::not_found(message),
        ShopError::Store(e) if e.is_transient() => Status::unavailable(message),
        ShopError::Store(_) => Status::failed_precondition(message),
        ShopError::Antom { .. } | ShopError::NoSessionData => Status::unavailable(message),
    }
}

/// The gRPC service and the notify route, as tonic [`Routes`].
pub fn routes(shop: Shop, verify: VerifyNotificationLayer) -> Routes {
    let notify_handler = {
        let shop = shop.clone();
        service_fn(move |request: Request<Full<Bytes>>| {
            let shop = shop.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = body.collect().await?.to_bytes();
                let reply = shop
                    .handle_notification(&parts.method, &parts.uri, &parts.headers, &body)
                    .await;
                let mut response = Response::new(Full::new(Bytes::from(reply.body)));
                *response.status_mut() = reply.status;
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Ok::<_, Infallible>(response)
            }
        })
    };
    // The notification's signature is checked before the handler runs.
    let notify = ServiceBuilder::new().layer(verify).service(notify_handler);
    let router = Routes::new(CheckoutServer::new(CheckoutService::new(shop)))
        .into_axum_router()
        .route_service(NOTIFY_PATH, notify);
    Routes::from(router)
}

/// Serves [`routes`] on `listener`: gRPC (HTTP/2) and the notify route (HTTP/1.1).
pub async fn serve(
    listener: TcpListener,
    shop: Shop,
    verify: VerifyNotificationLayer,
) -> Result<(), tonic::transport::Error> {
    Server::builder()
        .accept_http1(true)
        .layer(ServiceBuilder::new().timeout(Duration::from_secs(30)).into_inner())
        .add_routes(routes(shop, verify))
        .serve_with_incoming(TcpListenerStream::new(listener))
        .await
}
