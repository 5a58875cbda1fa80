//! What the antom-rs examples share (not published): which Antom to talk to,
//! the shop's catalogue and framework-free merchant logic, and the helpers
//! their tests use.
//!
//! | module | what it is |
//! | --- | --- |
//! | [`setup`] | picks the Antom to talk to (the mock unless `ANTOM_CLIENT_ID` is set), `PORT`, tracing, exit codes |
//! | [`catalogue`] | what the example shop sells, priced on the server, and the payment methods it offers |
//! | [`shop`] | the merchant logic the hyper, tonic and warp servers share (the axum one uses `antom_tower::checkout` instead) |
//! | [`testing`] | for the examples' tests: a fast mock, a JSON HTTP client, the full payment flow |
//! | [`binary`] | for the examples' tests: runs an example binary as a newcomer does |
//!
//! Each example is a crate of its own under `examples/` with only its
//! framework's dependencies: `antom-example-checkout` (axum),
//! `antom-example-hyper`, `antom-example-tonic`, `antom-example-warp`.

pub mod binary;
pub mod catalogue;
pub mod setup;
pub mod shop;
pub mod testing;

/// The error the example servers return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The response body of the hyper and warp examples.
pub type ResponseBody = http_body_util::combinators::UnsyncBoxBody<bytes::Bytes, BoxError>;

/// Boxes any response body, so differently layered routes answer one type.
pub fn boxed<B>(response: http::Response<B>) -> http::Response<ResponseBody>
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    use http_body_util::BodyExt;
    response.map(|body| body.map_err(Into::into).boxed_unsync())
}
