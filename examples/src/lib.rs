//! Runnable servers for antom-rs, each a library function that a binary
//! (`src/bin/*.rs`) and a test (`tests/*.rs`) start on 127.0.0.1.
//!
//! | module | binary | what it shows |
//! | --- | --- | --- |
//! | [`checkout`] | `checkout` | the main job: axum with the checkout routes, the SQLite store and the checkout web page, against the mock Antom or Antom itself |
//! | [`hyper_notify`] | `hyper_notify` | a plain hyper 1 server; the notify endpoint is wrapped in `VerifyNotificationLayer` with `ServiceBuilder`, no axum |
//! | [`tonic_checkout`] | `tonic_checkout` | a gRPC checkout service (CreateSession, GetOrder) served by tonic, the notify route beside it on the same port |
//! | [`warp_notify`] | `warp_notify` | warp filters, with `VerifyNotificationLayer` applied through `warp::service` (warp's Tower interop) |
//!
//! [`setup`] picks the Antom to talk to (the mock unless `ANTOM_CLIENT_ID` is
//! set) and [`shop`] is the framework-free merchant logic the hyper, tonic and
//! warp servers share (the axum one uses `antom_tower::checkout` instead).
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod checkout;
pub mod hyper_notify;
pub mod setup;
pub mod shop;
pub mod tonic_checkout;
pub mod warp_notify;

/// The generated gRPC types of `proto/checkout.proto`.
pub mod proto {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("antom.examples.checkout.v1");
}

/// The error the example servers return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The response body of the hyper and warp examples.
pub type ResponseBody = http_body_util::combinators::UnsyncBoxBody<bytes::Bytes, BoxError>;

/// Boxes any response body, so differently layered routes answer one type.
pub fn boxed<B>(response: http::Response<B>) -> http::Response<ResponseBody>
where
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    use http_body_util::BodyExt;
    response.map(|body| body.map_err(Into::into).boxed_unsync())
}
