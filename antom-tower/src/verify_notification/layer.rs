//! [`VerifyNotificationLayer`]: the Tower layer and its configuration.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tower_layer::Layer;

use super::{NotificationVerifier, VerifyNotification, DEFAULT_BODY_READ_TIMEOUT};
use crate::signing::PublicKeyRing;

/// A source of the current time, injectable for tests.
pub(super) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Verifies Antom's notifications and rejects anything else before the handler.
/// See the [module documentation](super).
#[derive(Clone)]
pub struct VerifyNotificationLayer {
    config: Arc<LayerConfig>,
}

/// What the layer's services share: the checks, and what only a streamed body needs.
#[derive(Clone)]
pub(super) struct LayerConfig {
    pub(super) verifier: NotificationVerifier,
    pub(super) body_read_timeout: Option<Duration>,
    pub(super) clock: Clock,
}

impl VerifyNotificationLayer {
    /// Accepts notifications for `client_id` signed with one of `antom_keys`
    /// (Antom's public keys by keyVersion), with the default limits.
    pub fn new(client_id: impl Into<String>, antom_keys: Arc<PublicKeyRing>) -> Self {
        Self::from_verifier(NotificationVerifier::new(client_id, antom_keys))
    }

    /// The layer running `verifier`'s checks, with the default body read
    /// timeout and the system clock.
    pub fn from_verifier(verifier: NotificationVerifier) -> Self {
        Self {
            config: Arc::new(LayerConfig {
                verifier,
                body_read_timeout: Some(DEFAULT_BODY_READ_TIMEOUT),
                clock: Arc::new(SystemTime::now),
            }),
        }
    }

    /// The checks this layer runs, e.g. to verify the same notifications
    /// outside Tower with the same configuration.
    pub fn verifier(&self) -> &NotificationVerifier {
        &self.config.verifier
    }

    /// The largest body accepted (default [`DEFAULT_MAX_NOTIFICATION_BYTES`](super::DEFAULT_MAX_NOTIFICATION_BYTES));
    /// larger ones get 413. See [`NotificationVerifier::max_body_bytes`].
    pub fn max_body_bytes(self, limit: usize) -> Self {
        self.map_verifier(|verifier| verifier.max_body_bytes(limit))
    }

    /// The oldest `request-time` accepted (default [`DEFAULT_MAX_AGE`](super::DEFAULT_MAX_AGE), 25 hours).
    /// Shorter than 24 hours risks refusing Antom's legitimate resends; see
    /// [the module documentation](super#replay-window).
    pub fn max_age(self, max_age: Duration) -> Self {
        self.map_verifier(|verifier| verifier.max_age(max_age))
    }

    /// How far ahead of the local clock `request-time` may be (default
    /// [`DEFAULT_MAX_FUTURE_SKEW`](super::DEFAULT_MAX_FUTURE_SKEW)).
    pub fn max_future_skew(self, skew: Duration) -> Self {
        self.map_verifier(|verifier| verifier.max_future_skew(skew))
    }

    /// The longest time to receive the whole body, from when the layer starts
    /// reading it (default [`DEFAULT_BODY_READ_TIMEOUT`]); past it the request
    /// gets 408 `body_read_timeout`. `None` disables the limit.
    pub fn body_read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        Arc::make_mut(&mut self.config).body_read_timeout = timeout.into();
        self
    }

    /// The clock the age of `request-time` is judged by (default [`SystemTime::now`]).
    pub fn clock(mut self, clock: Arc<dyn Fn() -> SystemTime + Send + Sync>) -> Self {
        Arc::make_mut(&mut self.config).clock = clock;
        self
    }

    /// The path prefix a reverse proxy strips before forwarding; see
    /// [`NotificationVerifier::proxy_path_prefix`]. With `.proxy_path_prefix("/shop")`,
    /// a request received as `/antom/notify` is verified as `/shop/antom/notify`.
    pub fn proxy_path_prefix(self, prefix: impl Into<String>) -> Self {
        self.map_verifier(|verifier| verifier.proxy_path_prefix(prefix))
    }

    fn map_verifier(mut self, change: impl FnOnce(NotificationVerifier) -> NotificationVerifier) -> Self {
        let config = Arc::make_mut(&mut self.config);
        config.verifier = change(config.verifier.clone());
        self
    }
}

impl<S> Layer<S> for VerifyNotificationLayer {
    type Service = VerifyNotification<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyNotification::with_config(inner, Arc::clone(&self.config))
    }
}

impl fmt::Debug for VerifyNotificationLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyNotificationLayer")
            .field("config", &self.config)
            .finish()
    }
}

impl fmt::Debug for LayerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("verifier", &self.verifier)
            .field("body_read_timeout", &self.body_read_timeout)
            .finish_non_exhaustive()
    }
}
