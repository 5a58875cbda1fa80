//! [`MockAntomBuilder`]: every setting of a mock, with the testkit's defaults.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use antom_tower::signing::{KeyVersion, PrivateKey, PublicKeyRing};
use tokio::sync::watch;

use super::clock;
use super::notifier::{AckPolicy, Notifier, NotifierConfig};
use super::rules::{Rule, RuleBook, Rules};
use super::state::Store;
use super::util::IdGen;
use super::{
    MockAntom, MockAntomHandle, MockLog, NotificationFaults, Shared, DEFAULT_CLIENT_ID, DEFAULT_NOTIFICATION_TIMEOUT,
    DEFAULT_SESSION_TTL,
};

/// Configures a [`MockAntom`]. Every setting has a testkit default.
pub struct MockAntomBuilder {
    client_id: String,
    merchant_keys: Arc<PublicKeyRing>,
    antom_key: PrivateKey,
    key_version: KeyVersion,
    wrong_key: PrivateKey,
    rules: Rules,
    time_scale: f64,
    faults: NotificationFaults,
    notify_delay: Duration,
    notification_timeout: Duration,
    ack_policy: AckPolicy,
    default_notify_url: Option<String>,
    allow_external: bool,
    fresh_request_time: bool,
    sign_gateway_errors: bool,
    session_ttl: Duration,
    auto_expire_after: Option<Duration>,
    async_refunds: Option<Duration>,
    public_base_url: Option<String>,
    bind: SocketAddr,
}

impl Default for MockAntomBuilder {
    fn default() -> Self {
        MockAntomBuilder {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            merchant_keys: crate::keys::merchant_public_key_ring(),
            antom_key: crate::keys::antom_private_key(),
            key_version: KeyVersion(1),
            wrong_key: crate::keys::wrong_private_key(),
            rules: Rules::new(),
            time_scale: 1.0,
            faults: NotificationFaults::default(),
            notify_delay: Duration::ZERO,
            notification_timeout: DEFAULT_NOTIFICATION_TIMEOUT,
            ack_policy: AckPolicy::default(),
            default_notify_url: None,
            allow_external: false,
            fresh_request_time: false,
            sign_gateway_errors: false,
            session_ttl: DEFAULT_SESSION_TTL,
            auto_expire_after: None,
            async_refunds: None,
            public_base_url: None,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }
}

impl std::fmt::Debug for MockAntomBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockAntomBuilder")
            .field("client_id", &self.client_id)
            .field("key_version", &self.key_version)
            .field("rules", &self.rules.len())
            .field("time_scale", &self.time_scale)
            .field("faults", &self.faults)
            .field("bind", &self.bind)
            .finish_non_exhaustive()
    }
}

impl MockAntomBuilder {
    /// The merchant's client id (default [`DEFAULT_CLIENT_ID`]).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// The merchant public keys requests are verified with, by keyVersion
    /// (default: the testkit's merchant key as keyVersion 1).
    pub fn merchant_public_keys(mut self, ring: impl Into<Arc<PublicKeyRing>>) -> Self {
        self.merchant_keys = ring.into();
        self
    }

    /// The key the mock signs answers and notifications with, and the
    /// keyVersion it names (default: the testkit's Antom key, keyVersion 1).
    pub fn antom_signing_key(mut self, key: PrivateKey, key_version: KeyVersion) -> Self {
        self.antom_key = key;
        self.key_version = key_version;
        self
    }

    /// The key used by the wrong-key fault (default [`keys::wrong_private_key`](crate::keys::wrong_private_key)).
    pub fn wrong_signing_key(mut self, key: PrivateKey) -> Self {
        self.wrong_key = key;
        self
    }

    /// The scripted outcomes (default: none).
    pub fn rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// Adds one rule after the others.
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Divides Antom's clock (see the [module docs](super)): 60 makes a minute
    /// a second; 1 000 000 makes the 24-hour retry schedule take about 90 ms.
    ///
    /// # Panics
    ///
    /// If `scale` is not a positive finite number.
    pub fn time_scale(mut self, scale: f64) -> Self {
        assert!(
            scale.is_finite() && scale > 0.0,
            "time_scale must be positive and finite, got {scale}"
        );
        self.time_scale = scale;
        self
    }

    /// Notification faults for every payment without rule-set ones.
    pub fn notification_faults(mut self, faults: NotificationFaults) -> Self {
        self.faults = faults;
        self
    }

    /// Delivers each notification `copies` times.
    pub fn duplicate_notifications(mut self, copies: u32) -> Self {
        self.faults = self.faults.with_copies(copies);
        self
    }

    /// Follows each final payment notification with a stale `PAYMENT_PENDING` one.
    pub fn stale_notification_after_final(mut self, on: bool) -> Self {
        self.faults = self.faults.with_stale_after_final(on);
        self
    }

    /// Signs notifications with the wrong key.
    pub fn sign_notifications_with_wrong_key(mut self, on: bool) -> Self {
        self.faults = self.faults.with_wrong_key(on);
        self
    }

    /// Waits this long (Antom's clock, scaled) before the first attempt;
    /// Antom usually notifies a success within 3 to 5 s. Default 0.
    pub fn notify_delay(mut self, delay: Duration) -> Self {
        self.notify_delay = delay;
        self
    }

    /// HTTP timeout of one notification attempt (real time, default 5 s).
    pub fn notification_timeout(mut self, timeout: Duration) -> Self {
        self.notification_timeout = timeout;
        self
    }

    /// How answers to notifications are judged (default [`AckPolicy::Parsed`]).
    pub fn ack_policy(mut self, policy: AckPolicy) -> Self {
        self.ack_policy = policy;
        self
    }

    /// Where payments without `paymentNotifyUrl` are notified (Antom's
    /// Dashboard setting). Default: none, such payments are not notified.
    pub fn default_notify_url(mut self, url: impl Into<String>) -> Self {
        self.default_notify_url = Some(url.into());
        self
    }

    /// Lets notifications go to hosts other than loopback (default: refused).
    pub fn allow_external_notify_urls(mut self, on: bool) -> Self {
        self.allow_external = on;
        self
    }

    /// Re-signs each resend with a fresh `request-time` (default: resends
    /// carry the first attempt's time and signature).
    pub fn fresh_request_time_on_resend(mut self, on: bool) -> Self {
        self.fresh_request_time = on;
        self
    }

    /// Signs gateway refusals (`INVALID_SIGNATURE`, `KEY_NOT_FOUND`,
    /// `NO_INTERFACE_DEF`) too (default: unsigned, as Antom's gateway may send them).
    pub fn sign_gateway_errors(mut self, on: bool) -> Self {
        self.sign_gateway_errors = on;
        self
    }

    /// Validity of a session when the request sets no
    /// `paymentSessionExpiryTime` (default 1 h).
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// Closes a payment still `PROCESSING` this long after its session was
    /// created (Antom's clock, scaled), as [`MockAntom::expire`] does: `FAIL` /
    /// `ORDER_IS_CLOSED`, notified. Antom closes unpaid orders after about 14
    /// minutes; the default here is never, so that tests decide.
    pub fn auto_expire_after(mut self, after: Duration) -> Self {
        self.auto_expire_after = Some(after);
        self
    }

    /// Processes refunds asynchronously, as Antom does for payment methods
    /// whose refunds take time: the refund API answers `U` /
    /// `REFUND_IN_PROCESS` (retry with the same `refundRequestId`, or
    /// inquire), inquiryRefund and inquiryPayment's `transactions` say
    /// `PROCESSING`, and after `delay` (Antom's clock, scaled; or at once
    /// with [`MockAntom::complete_refund`]) the refund is `SUCCESS` and
    /// `REFUND_RESULT` goes to its `refundNotifyUrl`, retried as every
    /// notification. Default: synchronous (`S` at once), except for
    /// requests with `isAsyncRefund: true`, which are processed for
    /// [`DEFAULT_ASYNC_REFUND_DELAY`](super::DEFAULT_ASYNC_REFUND_DELAY).
    pub fn async_refunds(mut self, delay: Duration) -> Self {
        self.async_refunds = Some(delay);
        self
    }

    /// The base URL cashier links use, when the mock is reached through
    /// another address (a container, a proxy).
    pub fn public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The address [`start`](Self::start) listens on (default 127.0.0.1:0).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// The mock, not yet listening: use [`MockAntom::service`] or
    /// [`MockAntom::router`], or [`MockAntom::start`].
    pub fn build(self) -> MockAntom {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let log = MockLog::default();
        let antom_key = Arc::new(self.antom_key);
        let clock = clock::Clock::new(self.time_scale);
        let notifier = Notifier::new(
            NotifierConfig {
                client_id: self.client_id.clone(),
                key: Arc::clone(&antom_key),
                key_version: self.key_version,
                wrong_key: Arc::new(self.wrong_key),
                time_scale: self.time_scale,
                notify_delay: self.notify_delay,
                timeout: self.notification_timeout,
                ack_policy: self.ack_policy,
                allow_external: self.allow_external,
                fresh_request_time: self.fresh_request_time,
                clock: Arc::clone(&clock),
            },
            log.clone(),
            shutdown_rx,
        );
        let runtime = OnceLock::new();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let _ = runtime.set(handle);
        }
        let shared = Arc::new(Shared {
            client_id: self.client_id,
            merchant_keys: self.merchant_keys,
            antom_key,
            key_version: self.key_version,
            rules: RwLock::new(Arc::new(RuleBook::new(self.rules))),
            faults: RwLock::new(self.faults),
            store: Mutex::new(Store::default()),
            log,
            notifier,
            ids: IdGen::new(),
            base_url: RwLock::new(self.public_base_url),
            default_notify_url: self.default_notify_url,
            sign_gateway_errors: self.sign_gateway_errors,
            session_ttl: self.session_ttl,
            auto_expire_after: self.auto_expire_after,
            async_refunds: RwLock::new(self.async_refunds),
            clock,
            bind: self.bind,
            runtime,
            shutdown,
        });
        MockAntom { shared }
    }

    /// Builds and serves on 127.0.0.1 (an OS-assigned port unless [`bind`](Self::bind) says otherwise).
    pub async fn start(self) -> std::io::Result<MockAntomHandle> {
        let addr = self.bind;
        self.build().start_on(addr).await
    }
}
