//! The checkout routes: declare the configuration, pick a store, mount the router.
//!
//! | route | what it does |
//! | --- | --- |
//! | `POST {prefix}/sessions` | validates the front end's order, stores it, calls createPaymentSession with a fresh paymentRequestId and returns what Antom's Web SDK needs |
//! | `POST {prefix}/notify` | behind [`VerifyNotificationLayer`]: applies the verified result to the store and acknowledges only once the store has durably accepted it |
//! | `GET {prefix}/orders/{id}` | the order and its status; while pending, asks Antom (inquiryPayment) at most once per 2 s per order |
//! | `GET {prefix}/return` | the paymentRedirectUrl landing page: JSON, or for a browser an HTML page with the order summary, the outcome, the buyer-facing advice for a failed payment's result code and a link back to the shop; it reloads itself until the status is final |
//! | `GET {prefix}/ready` | readiness for a load balancer: 200 while the store takes writes ([`OrderStore::check_writable`]), 503 otherwise |
//!
//! Serve the router with timeouts and a connection bound, as
//! [`crate::serve`] does: a server without a header read timeout can be kept
//! busy by connections that never finish their headers.
//!
//! ```no_run
//! use antom_tower::checkout::Checkout;
//! use antom_tower::config::AntomConfig;
//! use antom_tower::store::MemoryOrderStore;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AntomConfig::from_env()?;
//! let checkout = Checkout::from_config(&config, MemoryOrderStore::new())?.prefix("/antom").build()?;
//! let _reconciler = checkout.reconciler().spawn();
//! let app = axum::Router::new().merge(checkout.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! antom_tower::serve::Server::new(listener).serve(app).await?;
//! # Ok(()) }
//! ```

mod handlers;
mod reconcile;
mod return_page;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;

pub use handlers::{AmountInput, CreateSessionRequest, CreateSessionResponse, OrderView};
pub use reconcile::{ReconcileReport, Reconciler};

use crate::client::{AntomClient, BuildError};
use crate::config::AntomConfig;
use crate::signing::PublicKeyRing;
use crate::store::OrderStore;
use crate::verify_notification::VerifyNotificationLayer;

/// Antom's polling guidance: at most one inquiryPayment every 2 seconds.
pub const DEFAULT_INQUIRY_INTERVAL: Duration = Duration::from_secs(2);

/// The checkout routes and what they share. Cheap to clone.
#[derive(Clone)]
pub struct Checkout {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn OrderStore>,
    pub(crate) client: AntomClient,
    pub(crate) prefix: String,
    pub(crate) notify_url: String,
    pub(crate) redirect_url: String,
    pub(crate) notify_layer: VerifyNotificationLayer,
    pub(crate) recent_inquiries: moka::future::Cache<String, ()>,
    pub(crate) session_ttl: Option<Duration>,
}

/// A missing or invalid checkout setting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckoutBuildError {
    /// No store was given.
    #[error("Checkout needs an OrderStore")]
    MissingStore,
    /// No client was given.
    #[error("Checkout needs an AntomClient")]
    MissingClient,
    /// No notification verification was configured.
    #[error("Checkout needs the client id and Antom's public keys to verify notifications")]
    MissingNotificationKeys,
    /// No notify or redirect URL.
    #[error("Checkout needs the {0} URL")]
    MissingUrl(&'static str),
    /// The prefix is not empty and does not start with `/`, or ends with `/`.
    #[error("invalid route prefix `{0}`: expected empty or `/segment` without a trailing slash")]
    InvalidPrefix(String),
    /// The client could not be built from the configuration.
    #[error(transparent)]
    Client(#[from] BuildError),
}

impl Checkout {
    /// Starts an empty builder.
    pub fn builder() -> CheckoutBuilder {
        CheckoutBuilder::default()
    }

    /// A builder preset from an [`AntomConfig`] and a store: the client, the
    /// notification keys and both URLs are taken from the configuration.
    pub fn from_config(config: &AntomConfig, store: impl OrderStore) -> Result<CheckoutBuilder, CheckoutBuildError> {
        Ok(Checkout::builder()
            .client(config.client_builder().build()?)
            .store(store)
            .notification_keys(config.client_id.clone(), config.antom_public_keys.clone())
            .notify_url(config.notify_url.clone())
            .redirect_url(config.redirect_url.clone()))
    }

    /// The axum router with the four routes under the prefix.
    ///
    /// Mount it with `Router::merge`. If you `nest` it under a further path,
    /// the notify route still verifies against the path Antom signed, because
    /// [`VerifyNotificationLayer`] reads axum's original URI.
    pub fn router(&self) -> Router {
        let p = &self.inner.prefix;
        Router::new()
            .route(&format!("{p}/sessions"), post(handlers::create_session))
            .route(
                &format!("{p}/notify"),
                post(handlers::notify).route_layer(self.inner.notify_layer.clone()),
            )
            .route(&format!("{p}/orders/{{id}}"), get(handlers::get_order))
            .route(&format!("{p}/return"), get(handlers::return_page))
            .route(&format!("{p}/ready"), get(handlers::ready))
            .with_state(self.clone())
    }

    /// The store the routes use.
    pub fn store(&self) -> &Arc<dyn OrderStore> {
        &self.inner.store
    }

    /// The client the routes use.
    pub fn client(&self) -> &AntomClient {
        &self.inner.client
    }

    /// A reconciliation task over this checkout's store and client.
    pub fn reconciler(&self) -> Reconciler {
        Reconciler::new(self.clone())
    }
}

/// Builds a [`Checkout`].
#[derive(Default)]
pub struct CheckoutBuilder {
    store: Option<Arc<dyn OrderStore>>,
    client: Option<AntomClient>,
    notification_keys: Option<(String, Arc<PublicKeyRing>)>,
    notify_layer: Option<VerifyNotificationLayer>,
    notify_url: Option<String>,
    redirect_url: Option<String>,
    prefix: Option<String>,
    inquiry_interval: Option<Duration>,
    session_ttl: Option<Duration>,
}

impl CheckoutBuilder {
    /// The order store (see [`crate::store`]).
    pub fn store(mut self, store: impl OrderStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// A store already shared elsewhere.
    pub fn shared_store(mut self, store: Arc<dyn OrderStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The Antom client.
    pub fn client(mut self, client: AntomClient) -> Self {
        self.client = Some(client);
        self
    }

    /// The client id and Antom public keys the notify route verifies with
    /// (with the layer's defaults: 64 KiB body limit, 10 s body read timeout, 25 h replay window).
    pub fn notification_keys(mut self, client_id: impl Into<String>, keys: Arc<PublicKeyRing>) -> Self {
        self.notification_keys = Some((client_id.into(), keys));
        self
    }

    /// A fully configured notification layer (custom limits, window, external path).
    pub fn notification_layer(mut self, layer: VerifyNotificationLayer) -> Self {
        self.notify_layer = Some(layer);
        self
    }

    /// The paymentNotifyUrl Antom posts results to (this router's notify route, as seen from outside).
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// The paymentRedirectUrl the buyer returns to; `orderId=<id>` is appended.
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }

    /// The path prefix of the routes, e.g. `/antom` (default: none).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// The least time between two inquiryPayment calls for one order (default 2 s).
    pub fn inquiry_interval(mut self, interval: Duration) -> Self {
        self.inquiry_interval = Some(interval);
        self
    }

    /// How long a payment session stays open: sent to Antom as
    /// `paymentSessionExpiryTime` and stored with the order, so reconciliation
    /// closes the order once it passed. Default: not sent, Antom's default of
    /// about 14 minutes ([`crate::store::DEFAULT_SESSION_TTL`]).
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = Some(ttl);
        self
    }

    /// Builds the checkout.
    pub fn build(self) -> Result<Checkout, CheckoutBuildError> {
        let prefix = self.prefix.unwrap_or_default();
        if !prefix.is_empty() && (!prefix.starts_with('/') || prefix.ends_with('/')) {
            return Err(CheckoutBuildError::InvalidPrefix(prefix));
        }
        let notify_layer = match (self.notify_layer, self.notification_keys) {
            (Some(layer), _) => layer,
            (None, Some((client_id, keys))) => VerifyNotificationLayer::new(client_id, keys),
            (None, None) => return Err(CheckoutBuildError::MissingNotificationKeys),
        };
        let inquiry_interval = self.inquiry_interval.unwrap_or(DEFAULT_INQUIRY_INTERVAL);
        Ok(Checkout {
            inner: Arc::new(Inner {
                store: self.store.ok_or(CheckoutBuildError::MissingStore)?,
                client: self.client.ok_or(CheckoutBuildError::MissingClient)?,
                prefix,
                notify_url: self.notify_url.ok_or(CheckoutBuildError::MissingUrl("notify"))?,
                redirect_url: self.redirect_url.ok_or(CheckoutBuildError::MissingUrl("redirect"))?,
                notify_layer,
                recent_inquiries: moka::future::Cache::builder()
                    .time_to_live(inquiry_interval)
                    .max_capacity(100_000)
                    .build(),
                session_ttl: self.session_ttl,
            }),
        })
    }
}
