//! `AntomClient`: typed, signed, verified and retried calls to Antom's Checkout Payment API.
//!
//! The client is a stack of Tower layers over any HTTP service:
//!
//! ```text
//! Retry (AntomRetryPolicy, replaceable)
//!   └─ Timeout (per attempt)
//!        └─ SignRequest (client-id, request-time, signature over the exact body)
//!             └─ VerifyResponse (response-time, signature, the unsigned-error rule)
//!                  └─ transport: hyper-util + rustls by default, or any Tower service
//! ```
//!
//! ```no_run
//! use std::sync::Arc;
//! use antom_tower::client::{AntomClient, Environment, Region};
//! use antom_tower::signing::{PrivateKey, PublicKey, PublicKeyRing};
//! use antom_types::InquiryPaymentRequest;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = AntomClient::builder("SANDBOX_5YBZ0E2ZC7CZ04567")
//!     .private_key(PrivateKey::parse(&std::env::var("ANTOM_MERCHANT_PRIVATE_KEY")?)?)
//!     .antom_public_keys(PublicKeyRing::single(PublicKey::parse(&std::env::var("ANTOM_PUBLIC_KEY")?)?))
//!     .environment(Environment::Sandbox)
//!     .region(Region::Asia)
//!     .build()?;
//! let payment = client.inquiry_payment(&InquiryPaymentRequest::new("pay_0001")).await?;
//! println!("{:?}", payment.payment_status);
//! # Ok(()) }
//! ```

mod endpoint;
mod error;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use antom_types::{
    AntomApi, CancelRequest, CancelResponse, CreatePaymentSessionRequest, CreatePaymentSessionResponse, HasResult,
    InquiryPaymentRequest, InquiryPaymentResponse, InquiryRefundRequest, InquiryRefundResponse, RefundRequest,
    RefundResponse, ResultStatus,
};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceBuilder, ServiceExt};
use tracing::Instrument;

pub use endpoint::{Environment, Region, UnknownEnvironment, UnknownRegion};
pub use error::{ClientError, UnknownCause};
pub use retry::AntomRetryPolicy;

use crate::error::BoxError;
use crate::sign_request::SignRequestLayer;
use crate::signing::{KeyVersion, PrivateKey, PublicKeyRing, Signer};
use crate::verify_response::VerifyResponseLayer;

/// The HTTP service the client's layers run over: buffered request in, any body out.
pub type HttpService = BoxCloneSyncService<
    Request<Full<Bytes>>,
    Response<http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>>,
    BoxError,
>;

/// The official libraries' timeout: 15 s to connect and 15 s to read.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// A client for Antom's Checkout Payment API. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct AntomClient {
    service: BoxCloneSyncService<Request<Full<Bytes>>, Response<Full<Bytes>>, BoxError>,
    base_url: Arc<str>,
    environment: Environment,
}

impl std::fmt::Debug for AntomClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AntomClient")
            .field("base_url", &self.base_url)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl AntomClient {
    /// Starts configuring a client for a merchant client id.
    pub fn builder(client_id: impl Into<String>) -> AntomClientBuilder {
        AntomClientBuilder::new(client_id.into())
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sandbox or production.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// createPaymentSession: a session for Antom's Web SDK (idempotent on paymentRequestId).
    pub async fn create_payment_session(
        &self,
        request: &CreatePaymentSessionRequest,
    ) -> Result<CreatePaymentSessionResponse, ClientError> {
        self.call(request).await
    }

    /// inquiryPayment: the payment's current status. Decide by `payment_status`, not the call's result.
    pub async fn inquiry_payment(
        &self,
        request: &InquiryPaymentRequest,
    ) -> Result<InquiryPaymentResponse, ClientError> {
        self.call(request).await
    }

    /// cancel: closes an unpaid payment.
    pub async fn cancel(&self, request: &CancelRequest) -> Result<CancelResponse, ClientError> {
        self.call(request).await
    }

    /// refund (idempotent on refundRequestId).
    pub async fn refund(&self, request: &RefundRequest) -> Result<RefundResponse, ClientError> {
        self.call(request).await
    }

    /// inquiryRefund: a refund's current status.
    pub async fn inquiry_refund(&self, request: &InquiryRefundRequest) -> Result<InquiryRefundResponse, ClientError> {
        self.call(request).await
    }

    /// Calls any API: serializes, signs, sends, retries, verifies and parses.
    ///
    /// Returns the response on `S`, and also on `F`/`U`-free answers that carry
    /// their own status (inquiries). An `F` is [`ClientError::Business`]; a `U`
    /// after the last retry is [`ClientError::UnknownOutcome`].
    pub async fn call<A: AntomApi>(&self, request: &A) -> Result<A::Response, ClientError> {
        let span = tracing::info_span!(
            "antom",
            api = A::NAME,
            request_id = request.idempotency_key().unwrap_or(""),
            result = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let outcome = self.call_inner(request).instrument(span.clone()).await;
        let result = match &outcome {
            Ok(_) => "S",
            Err(ClientError::Business { .. }) => "F",
            Err(e) if e.may_have_happened() => "unknown",
            Err(_) => "not_sent",
        };
        crate::telemetry::antom_call(A::NAME, result, started.elapsed().as_secs_f64());
        span.record("result", result);
        span.in_scope(|| match &outcome {
            Ok(_) => tracing::info!("Antom call succeeded"),
            Err(e) => tracing::warn!(error = %e, "Antom call failed"),
        });
        outcome
    }

    async fn call_inner<A: AntomApi>(&self, request: &A) -> Result<A::Response, ClientError> {
        let api = A::NAME;
        let body = serde_json::to_vec(request).map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
        let uri = format!("{}{}", self.base_url, self.environment.path(A::PATH));
        let http_request = Request::post(&uri)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ClientError::InvalidRequest(format!("{uri}: {e}")))?;
        let response = match self.service.clone().oneshot(http_request).await {
            Ok(response) => response,
            Err(error) => return Err(classify_error(api, error)),
        };
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .map_err(|e| ClientError::UnknownOutcome {
                api,
                cause: UnknownCause::Transport(e.into()),
            })?;
        let parsed: Result<A::Response, _> = serde_json::from_slice(&bytes);
        match parsed {
            Ok(parsed) => match &parsed.result().result_status {
                ResultStatus::Failed => Err(ClientError::Business {
                    api,
                    result: parsed.result().clone(),
                }),
                ResultStatus::Unknown => Err(ClientError::UnknownOutcome {
                    api,
                    cause: UnknownCause::ResultUnknown(parsed.result().clone()),
                }),
                _ if status.is_server_error() => Err(ClientError::UnknownOutcome {
                    api,
                    cause: UnknownCause::HttpStatus(status),
                }),
                _ => Ok(parsed),
            },
            Err(_) if !status.is_success() => Err(ClientError::UnknownOutcome {
                api,
                cause: UnknownCause::HttpStatus(status),
            }),
            Err(e) => Err(ClientError::InvalidResponse {
                api,
                message: e.to_string(),
            }),
        }
    }
}

fn classify_error(api: &'static str, error: BoxError) -> ClientError {
    if error::is_signature_error(error.as_ref()) {
        ClientError::Signature { api, source: error }
    } else if error::is_connect_error(error.as_ref()) {
        ClientError::Connect(error)
    } else if error::is_timeout(error.as_ref()) {
        ClientError::UnknownOutcome {
            api,
            cause: UnknownCause::Timeout,
        }
    } else {
        ClientError::UnknownOutcome {
            api,
            cause: UnknownCause::Transport(error),
        }
    }
}

/// Configures an [`AntomClient`]. Required: the merchant private key and Antom's public key(s).
pub struct AntomClientBuilder<P = AntomRetryPolicy> {
    client_id: String,
    signer: Option<Arc<dyn Signer>>,
    key_version: KeyVersion,
    antom_keys: Option<Arc<PublicKeyRing>>,
    environment: Option<Environment>,
    region: Region,
    base_url: Option<String>,
    timeout: Duration,
    max_response_bytes: usize,
    retry_policy: P,
    transport: Option<HttpService>,
}

/// A setting missing or invalid when building the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No merchant private key was given.
    #[error("AntomClient needs the merchant private key")]
    MissingPrivateKey,
    /// No Antom public key was given.
    #[error("AntomClient needs Antom's public key (to verify responses)")]
    MissingAntomPublicKey,
    /// The client id is empty.
    #[error("AntomClient needs a client id")]
    MissingClientId,
    /// No transport was given and the default one is not compiled in.
    #[error(
        "AntomClient needs a transport: enable antom-tower's `client` feature or call AntomClientBuilder::transport"
    )]
    MissingTransport,
    /// The base URL is not an absolute http(s) URL.
    #[error("invalid Antom base URL `{0}`: expected an absolute http(s) URL without a path")]
    InvalidBaseUrl(String),
}

impl AntomClientBuilder {
    fn new(client_id: String) -> Self {
        Self {
            client_id,
            signer: None,
            key_version: KeyVersion::default(),
            antom_keys: None,
            environment: None,
            region: Region::default(),
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: 1024 * 1024,
            retry_policy: AntomRetryPolicy::default(),
            transport: None,
        }
    }
}

impl<P> AntomClientBuilder<P> {
    /// The merchant private key that signs requests.
    pub fn private_key(self, key: PrivateKey) -> Self {
        self.signer(Arc::new(key))
    }

    /// Any [`Signer`] (an HSM, a KMS) instead of an in-process key.
    pub fn signer(mut self, signer: Arc<dyn Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// The keyVersion of the merchant key (default 1).
    pub fn key_version(mut self, version: KeyVersion) -> Self {
        self.key_version = version;
        self
    }

    /// Antom's public key(s), by keyVersion.
    pub fn antom_public_keys(mut self, keys: impl Into<Arc<PublicKeyRing>>) -> Self {
        self.antom_keys = Some(keys.into());
        self
    }

    /// Sandbox or production (default: decided by the client id's `SANDBOX_` prefix).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Antom's regional gateway (default Asia). Ignored when a base URL is set.
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Overrides the gateway URL, e.g. a mock Antom on 127.0.0.1.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The timeout of each attempt (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted (default 1 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Sends through any Tower HTTP service instead of the default hyper client
    /// (a mock Antom in-process, a proxy, a client with custom TLS).
    pub fn transport<S, B>(mut self, service: S) -> Self
    where
        S: Service<Request<Full<Bytes>>, Response = Response<B>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let service = service
            .map_response(|response: Response<B>| response.map(|body| body.map_err(Into::into).boxed_unsync()))
            .map_err(Into::into);
        self.transport = Some(BoxCloneSyncService::new(service));
        self
    }

    /// Replaces the retry policy (default [`AntomRetryPolicy`]).
    pub fn retry_policy<Q>(self, policy: Q) -> AntomClientBuilder<Q> {
        AntomClientBuilder {
            client_id: self.client_id,
            signer: self.signer,
            key_version: self.key_version,
            antom_keys: self.antom_keys,
            environment: self.environment,
            region: self.region,
            base_url: self.base_url,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
            retry_policy: policy,
            transport: self.transport,
        }
    }

    /// Builds the client.
    pub fn build(self) -> Result<AntomClient, BuildError>
    where
        P: tower::retry::Policy<Request<Full<Bytes>>, Response<Full<Bytes>>, BoxError> + Clone + Send + Sync + 'static,
        P::Future: Send + 'static,
    {
        if self.client_id.is_empty() {
            return Err(BuildError::MissingClientId);
        }
        let signer = self.signer.ok_or(BuildError::MissingPrivateKey)?;
        let antom_keys = self.antom_keys.ok_or(BuildError::MissingAntomPublicKey)?;
        let base_url = match self.base_url {
            Some(url) => validate_base_url(&url)?,
            None => self.region.base_url().to_string(),
        };
        let environment = self
            .environment
            .unwrap_or_else(|| Environment::for_client_id(&self.client_id));
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport(self.timeout).ok_or(BuildError::MissingTransport)?,
        };
        let service = ServiceBuilder::new()
            .retry(self.retry_policy)
            .timeout(self.timeout)
            .layer(SignRequestLayer::new(self.client_id.clone(), signer).key_version(self.key_version))
            .layer(VerifyResponseLayer::new(self.client_id, antom_keys).max_body_bytes(self.max_response_bytes))
            .service(transport);
        Ok(AntomClient {
            service: BoxCloneSyncService::new(service),
            base_url: base_url.into(),
            environment,
        })
    }
}

fn validate_base_url(url: &str) -> Result<String, BuildError> {
    let trimmed = url.trim_end_matches('/');
    let parsed: http::Uri = trimmed
        .parse()
        .map_err(|_| BuildError::InvalidBaseUrl(url.to_string()))?;
    let scheme_ok = matches!(parsed.scheme_str(), Some("http") | Some("https"));
    let no_path = parsed.path() == "/" || parsed.path().is_empty();
    if !scheme_ok || parsed.authority().is_none() || !no_path || parsed.query().is_some() {
        return Err(BuildError::InvalidBaseUrl(url.to_string()));
    }
    Ok(trimmed.to_string())
}

#[cfg(feature = "client")]
fn default_transport(timeout: Duration) -> Option<HttpService> {
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(timeout));
    http.enforce_http(false);
    // Certificates are always checked (webpki roots); plain http is allowed only
    // so a mock Antom on 127.0.0.1 can be reached.
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let service = client
        .map_response(|response: Response<hyper::body::Incoming>| {
            response.map(|body| body.map_err(Into::into).boxed_unsync())
        })
        .map_err(Into::into);
    Some(BoxCloneSyncService::new(service))
}

#[cfg(not(feature = "client"))]
fn default_transport(_timeout: Duration) -> Option<HttpService> {
    None
}
