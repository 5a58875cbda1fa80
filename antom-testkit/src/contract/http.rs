//! [`HttpEndpoint`]: the battery against a real server, over HTTP/1.1.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::uri::{PathAndQuery, Uri};
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower::{BoxError, Service};

/// A notify endpoint served over HTTP (e.g. on 127.0.0.1 in a test), as a Tower
/// service: each request goes to the server at `base_url`, on the request's
/// path-and-query, with its headers and body unchanged. So the contract runs
/// against any server, whatever its framework (actix-web, rocket, another
/// language), exactly as Antom reaches it.
///
/// Plain `http://` only: the battery tests your handler, not TLS.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), tower::BoxError> {
/// use antom_testkit::contract::{self, HttpEndpoint};
/// use antom_testkit::keys;
/// use antom_tower::VerifyNotificationLayer;
/// use antom_types::NOTIFICATION_ACK_SUCCESS;
/// use axum::routing::post;
///
/// // A server on 127.0.0.1 (here axum with antom-tower's layer; any framework will do).
/// let verify = VerifyNotificationLayer::new("SANDBOX_MY_CLIENT_ID", keys::antom_public_key_ring());
/// let app = axum::Router::new()
///     .route("/antom/notify", post(|| async { NOTIFICATION_ACK_SUCCESS }))
///     .route_layer(verify);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let base_url = format!("http://{}", listener.local_addr()?);
/// tokio::spawn(async move { axum::serve(listener, app).await });
///
/// let endpoint = HttpEndpoint::new(&base_url)?;
/// let report = contract::check_notify_endpoint(|| endpoint.clone(), "/antom/notify", "SANDBOX_MY_CLIENT_ID").await;
/// assert!(report.passed(), "{report}");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpEndpoint {
    base: Uri,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl HttpEndpoint {
    /// The server at `base_url`, e.g. `http://127.0.0.1:8080` (a path in it is ignored:
    /// the requests carry their own).
    ///
    /// # Errors
    ///
    /// If `base_url` is not an `http://` URL with a host.
    pub fn new(base_url: &str) -> Result<HttpEndpoint, BoxError> {
        let base: Uri = base_url.parse()?;
        if base.scheme_str() != Some("http") || base.authority().is_none() {
            return Err(format!("expected an http:// URL with a host, got {base_url:?}").into());
        }
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(HttpEndpoint { base, client })
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Uri {
        &self.base
    }
}

impl fmt::Debug for HttpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpEndpoint")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Service<Request<Full<Bytes>>> for HttpEndpoint {
    type Response = Response<Incoming>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Incoming>, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let path_and_query = parts
            .uri
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        let mut uri = self.base.clone().into_parts();
        uri.path_and_query = Some(path_and_query);
        let client = self.client.clone();
        Box::pin(async move {
            parts.uri = Uri::from_parts(uri)?;
            Ok(client.request(Request::from_parts(parts, body)).await?)
        })
    }
}
