//! [`VerifyNotification`]: the service the layer makes, and how a request enters it.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{request, Request, Response};
use http_body::Body;
use http_body_util::{Either, Full};
use tower_layer::Layer;
use tower_service::Service;

use super::future::{Pending, VerifyNotificationFuture};
use super::layer::LayerConfig;
use super::VerifyNotificationLayer;
use crate::body::CollectLimited;
use crate::error::BoxError;

/// The service made by [`VerifyNotificationLayer`].
#[derive(Clone)]
pub struct VerifyNotification<S> {
    inner: S,
    config: Arc<LayerConfig>,
}

impl<S> VerifyNotification<S> {
    /// Wraps `inner` with the layer's configuration.
    pub fn new(inner: S, layer: &VerifyNotificationLayer) -> Self {
        layer.layer(inner)
    }

    pub(super) fn with_config(inner: S, config: Arc<LayerConfig>) -> Self {
        Self { inner, config }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: fmt::Debug> fmt::Debug for VerifyNotification<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyNotification")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for VerifyNotification<S>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone,
    ReqBody: Body,
    ReqBody::Error: Into<BoxError>,
{
    /// The handler's response, or the layer's JSON rejection.
    type Response = Response<Either<ResBody, Full<Bytes>>>;
    /// Rejections are responses: only the inner service's errors remain.
    type Error = S::Error;
    type Future = VerifyNotificationFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let verifier = &self.config.verifier;
        let checked = verifier.check_headers(
            &parts.method,
            received_path_and_query(&parts),
            &parts.headers,
            (self.config.clock)(),
        );
        match checked {
            Err(rejection) => VerifyNotificationFuture::rejected(rejection.to_response()),
            Ok(notification) => {
                // The service polled ready is the one to call; keep it for when the body is in.
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                VerifyNotificationFuture::buffering(
                    CollectLimited::new(body, verifier.body_limit()),
                    self.config.body_read_timeout,
                    Pending {
                        parts,
                        inner,
                        notification,
                    },
                )
            }
        }
    }
}

/// The path-and-query as received: axum's `OriginalUri` inside a nested router.
fn received_path_and_query(parts: &request::Parts) -> &str {
    #[cfg(feature = "axum")]
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    #[cfg(not(feature = "axum"))]
    let uri = &parts.uri;
    uri.path_and_query().map_or("/", |pq| pq.as_str())
}
