//! The checkout routes: declare the configuration, pick a store, mount the router.
//!
//! | route | what it does |
//! | --- | --- |
//! | `POST {prefix}/sessions` | prices the front end's order with the merchant's [`PriceOrder`], stores it, calls createPaymentSession with a fresh paymentRequestId and returns what Antom's Web SDK needs; idempotent with an `Idempotency-Key` header, optionally rate limited per client ([`create_session`]) |
//! | `POST {prefix}/notify` | behind [`VerifyNotificationLayer`]: applies the verified result to the store and acknowledges only once the store has durably accepted it |
//! | `GET {prefix}/orders/{id}` | the order and its status; while pending, asks Antom (inquiryPayment) at most once per 2 s per order |
//! | `GET {prefix}/return` | the paymentRedirectUrl landing page: JSON, or for a browser an HTML page with the order summary, the outcome, the buyer-facing advice for a failed payment's result code and a link back to the shop; it reloads itself until the status is final |
//! | `GET {prefix}/ready` | readiness for a load balancer: 200 while the store takes writes ([`OrderStore::check_writable`]), 503 otherwise |
//!
//! Serve the router with timeouts and a connection bound, as
//! [`crate::serve`] does: a server without a header read timeout can be kept
//! busy by connections that never finish their headers.
//!
//! The builder needs a pricing decision: a [`PriceOrder`] that prices what
//! the front end sends on the server (see [`pricing`]).
//!
//! ```no_run
//! use antom_tower::checkout::pricing::{self, PricedOrder, PricingError, PricingRequest};
//! use antom_tower::checkout::Checkout;
//! use antom_tower::config::AntomConfig;
//! use antom_tower::store::MemoryOrderStore;
//! use antom_types::Amount;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AntomConfig::from_env()?;
//! // The page posts {"paymentMethodType": "ALIPAY_CN", "productId": "coffee"}.
//! let prices = pricing::from_fn(|request: PricingRequest| async move {
//!     match request.body["productId"].as_str() {
//!         Some("coffee") => Ok(PricedOrder::new(Amount::from_minor_units(450, "SGD").unwrap(), "Coffee")),
//!         other => Err(PricingError::UnknownItem(format!("{other:?}"))),
//!     }
//! });
//! let checkout = Checkout::from_config(&config, MemoryOrderStore::new())?
//!     .pricing(prices)
//!     .prefix("/antom")
//!     .build()?;
//! let _reconciler = checkout.reconciler().spawn();
//! let app = axum::Router::new().merge(checkout.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! antom_tower::serve::Server::new(listener).serve(app).await?;
//! # Ok(()) }
//! ```

#[cfg(feature = "admin")]
pub mod admin;
mod calls;
pub mod create_session;
mod handlers;
mod notification;
pub mod pricing;
mod rate_limit;
mod reconcile;
mod reconcile_refunds;
pub mod refunds;
mod return_page;
mod session;

use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;

pub use calls::AntomCall;
pub use handlers::{CreateSessionResponse, OrderView};
pub use notification::{ReplayError, Replayed};
pub use pricing::{ClientAmount, PriceOrder, PricedOrder, PricingError, PricingRequest};
pub use rate_limit::SessionRateLimit;
pub use reconcile::{ReconcileReport, Reconciler, DEFAULT_EXPIRY_GRACE};
pub use session::{terminal_of, ClientAddress, CustomizeSession, SessionContext, SessionOptions};

use crate::client::{AntomClient, BuildError};
use crate::config::AntomConfig;
use crate::signing::PublicKeyRing;
use crate::store::idempotency::MIN_IDEMPOTENCY_RETENTION;
use crate::store::{ConsumerHandle, EventConsumer, OrderEvent, OrderStore};
use crate::verify_notification::VerifyNotificationLayer;

/// Antom's polling guidance: at most one inquiryPayment every 2 seconds.
pub const DEFAULT_INQUIRY_INTERVAL: Duration = Duration::from_secs(2);

/// How long a repeated `Idempotency-Key` waits for the first request's answer by default.
pub const DEFAULT_IDEMPOTENCY_WAIT: Duration = Duration::from_secs(15);

/// How long settled notifications stay in the inbox by default: 90 days.
pub const DEFAULT_INBOX_RETENTION: Duration = Duration::from_secs(90 * 24 * 60 * 60);

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
    pub(crate) pricing: Arc<dyn PriceOrder>,
    pub(crate) payment_methods: Vec<String>,
    pub(crate) session_options: Option<SessionOptions>,
    pub(crate) session_hook: Option<Arc<dyn CustomizeSession>>,
    pub(crate) client_address: ClientAddress,
    pub(crate) rate_limit: Option<rate_limit::Limiter>,
    pub(crate) rate_limiter: Option<Arc<rate_limit::LimiterConfig>>,
    pub(crate) idempotency_wait: Duration,
    pub(crate) idempotency_retention: Duration,
    pub(crate) last_maintenance_ms: AtomicI64,
    pub(crate) acknowledge_unhandled: bool,
    pub(crate) calls: calls::Journal,
    pub(crate) inbox_retention: Duration,
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
    /// No pricing decision: see [`CheckoutBuilder::pricing`].
    #[error("Checkout needs a pricing decision: call .pricing(..) with your PriceOrder (or, for donations and tips, ClientAmount)")]
    MissingPricing,
    /// The allowed payment method list is empty.
    #[error("Checkout needs at least one allowed payment method")]
    NoPaymentMethods,
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
        let sessions = match &self.inner.rate_limit {
            Some(limit) => post(create_session::create_session).route_layer(limit.clone()),
            None => post(create_session::create_session),
        };
        Router::new()
            .route(&format!("{p}/sessions"), sessions)
            .route(
                &format!("{p}/notify"),
                post(notification::notify).route_layer(self.inner.notify_layer.clone()),
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

    /// Runs `handler` on every order event (paid, refunded, disputed...),
    /// at least once, as the outbox consumer named `default`: see
    /// [`EventConsumer`] for the guarantees. For several consumers (shipping,
    /// accounting), use [`event_consumer`](Self::event_consumer) with a name each.
    ///
    /// ```no_run
    /// # async fn run(checkout: antom_tower::checkout::Checkout) {
    /// use antom_tower::store::OrderEventKind;
    /// let _fulfilment = checkout.on_event(|event| async move {
    ///     if event.kind == OrderEventKind::Paid {
    ///         println!("order {} is paid: ship it", event.order_id);
    ///     }
    ///     Ok::<(), std::io::Error>(())
    /// });
    /// # }
    /// ```
    pub fn on_event<F, Fut, E>(&self, handler: F) -> ConsumerHandle
    where
        F: Fn(OrderEvent) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), E>> + Send + 'static,
        E: Into<crate::error::BoxError> + 'static,
    {
        self.event_consumer("default").spawn(handler)
    }

    /// An outbox consumer called `name` over this checkout's store.
    pub fn event_consumer(&self, name: impl Into<String>) -> EventConsumer {
        EventConsumer::new(Arc::clone(&self.inner.store), name)
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
    pricing: Option<Arc<dyn PriceOrder>>,
    payment_methods: Option<Vec<String>>,
    session_options: Option<SessionOptions>,
    session_hook: Option<Arc<dyn CustomizeSession>>,
    client_address: ClientAddress,
    rate_limit: Option<SessionRateLimit>,
    idempotency_wait: Option<Duration>,
    idempotency_retention: Option<Duration>,
    acknowledge_unhandled: Option<bool>,
    inbox_retention: Option<Duration>,
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

    /// **Required**: where prices come from. The checkout never charges an
    /// amount from the request body unless this is [`ClientAmount`].
    pub fn pricing(mut self, pricing: impl PriceOrder) -> Self {
        self.pricing = Some(Arc::new(pricing));
        self
    }

    /// The `paymentMethodType` values the buyer may choose (default: every
    /// method `antom_types::PaymentMethodType` knows). Anything else is
    /// refused with 422 `payment_method_not_allowed` before pricing.
    pub fn payment_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.payment_methods = Some(methods.into_iter().map(Into::into).collect());
        self
    }

    /// Declared session settings (env from the request, productScene, locale,
    /// settlement currency, expiry, available methods), applied before the hook.
    pub fn session_options(mut self, options: SessionOptions) -> Self {
        self.session_options = Some(options);
        self
    }

    /// A hook that changes the createPaymentSession request before it is sent.
    pub fn customize_session(mut self, hook: impl CustomizeSession) -> Self {
        self.session_hook = Some(Arc::new(hook));
        self
    }

    /// Where the buyer's IP address is read, for `env.clientIp` (default: the
    /// TCP peer). Behind a proxy, see [`ClientAddress`].
    pub fn client_address(mut self, source: ClientAddress) -> Self {
        self.client_address = source;
        self
    }

    /// Limits `POST {prefix}/sessions` per client (default: no limit). See [`SessionRateLimit`].
    pub fn rate_limit(mut self, limit: SessionRateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// How long a repeated `Idempotency-Key` waits for the first request's
    /// answer before 409 `idempotency_key_in_progress` (default 15 s).
    pub fn idempotency_wait(mut self, wait: Duration) -> Self {
        self.idempotency_wait = Some(wait);
        self
    }

    /// How long idempotency keys are kept (default and least: 24 hours).
    pub fn idempotency_retention(mut self, retention: Duration) -> Self {
        self.idempotency_retention = Some(retention.max(MIN_IDEMPOTENCY_RETENTION));
        self
    }

    /// Whether the notify route acknowledges a notification of a type the
    /// checkout does not act on, once it is stored in the inbox (default
    /// `true`). With `false` it answers 422, so Antom resends it for 24 hours
    /// (for integrations that handle such types elsewhere and want the resends).
    pub fn acknowledge_unhandled(mut self, acknowledge: bool) -> Self {
        self.acknowledge_unhandled = Some(acknowledge);
        self
    }

    /// How long settled inbox entries (applied, duplicate, ignored, not
    /// handled) are kept after their last delivery (default
    /// [`DEFAULT_INBOX_RETENTION`]); the reconciler removes older ones at
    /// each sweep. Refused and unmatched entries stay until a replay settles
    /// them. At least one day: Antom resends for 24 hours.
    pub fn inbox_retention(mut self, retention: Duration) -> Self {
        self.inbox_retention = Some(retention.max(Duration::from_secs(24 * 60 * 60)));
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
        let pricing = self.pricing.ok_or(CheckoutBuildError::MissingPricing)?;
        let payment_methods = self.payment_methods.unwrap_or_else(|| {
            antom_types::PaymentMethodType::KNOWN
                .iter()
                .map(|method| method.as_str().to_owned())
                .collect()
        });
        if payment_methods.is_empty() {
            return Err(CheckoutBuildError::NoPaymentMethods);
        }
        let (rate_limit, rate_limiter) = match &self.rate_limit {
            Some(limit) => {
                let (layer, config) = rate_limit::layer(limit);
                (Some(layer), Some(config))
            }
            None => (None, None),
        };
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
                pricing,
                payment_methods,
                session_options: self.session_options,
                session_hook: self.session_hook,
                client_address: self.client_address,
                rate_limit,
                rate_limiter,
                idempotency_wait: self.idempotency_wait.unwrap_or(DEFAULT_IDEMPOTENCY_WAIT),
                idempotency_retention: self.idempotency_retention.unwrap_or(MIN_IDEMPOTENCY_RETENTION),
                last_maintenance_ms: AtomicI64::new(0),
                acknowledge_unhandled: self.acknowledge_unhandled.unwrap_or(true),
                calls: calls::journal(),
                inbox_retention: self.inbox_retention.unwrap_or(DEFAULT_INBOX_RETENTION),
            }),
        })
    }
}
