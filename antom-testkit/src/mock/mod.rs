//! A mock Antom server for contract tests: no sandbox, no network beyond
//! loopback.
//!
//! It serves Antom's Checkout Payment APIs (createPaymentSession,
//! inquiryPayment, cancel, refund, inquiryRefund) on both the production
//! (`/ams/api/v1/payments/<api>`) and the sandbox
//! (`/ams/sandbox/api/v1/payments/<api>`) paths, verifies every request's
//! signature with the merchant's public key, signs every answer with a test
//! Antom key, keeps payments in memory, plays the buyer on a small cashier
//! page, and delivers signed notifications with Antom's retry schedule on a
//! clock you can speed up. [Rules](rules) script outcomes per amount or
//! payment method, [faults] make it misbehave the ways Antom can, and
//! a [log] records everything for assertions.
//!
//! # Quick start
//!
//! ```no_run
//! use std::time::Duration;
//! use antom_testkit::mock::MockAntom;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockAntom::builder()
//!     .time_scale(1_000_000.0) // Antom's 24-hour retry schedule in ~90 ms
//!     .start()
//!     .await?;
//! // Point the code under test at mock.base_url(), with client id
//! // mock.client_id(), the testkit's merchant key and Antom's test public key
//! // (antom_testkit::keys::antom_public_key()).
//!
//! // ... the code under test calls createPaymentSession for "pay_1" ...
//! let cashier = mock.cashier_url("pay_1").expect("session created");
//! mock.pay("pay_1")?; // or GET `cashier` and press #pay, as a browser would
//! let attempts = mock.wait_for_acknowledged(1, Duration::from_secs(5)).await?;
//! assert_eq!(attempts[0].attempt, 1);
//! mock.shutdown().await;
//! # let _ = cashier; Ok(()) }
//! ```
//!
//! Without a socket, [`MockAntom::service`] is a Tower service and
//! [`MockAntom::router`] an axum [`Router`](axum::Router).
//!
//! # Defaults
//!
//! | setting | default | builder |
//! | --- | --- | --- |
//! | client id | [`DEFAULT_CLIENT_ID`] | [`client_id`](MockAntomBuilder::client_id) |
//! | merchant public keys (verify requests) | [`keys::merchant_public_key_ring`](crate::keys::merchant_public_key_ring) | [`merchant_public_keys`](MockAntomBuilder::merchant_public_keys) |
//! | Antom signing key (answers, notifications) | [`keys::antom_private_key`](crate::keys::antom_private_key), keyVersion 1 | [`antom_signing_key`](MockAntomBuilder::antom_signing_key) |
//! | time scale | 1 (Antom's real schedule) | [`time_scale`](MockAntomBuilder::time_scale) |
//! | address | 127.0.0.1, a port the OS picks | [`bind`](MockAntomBuilder::bind) |
//! | rules | none: every payment waits for the buyer | [`rules`](MockAntomBuilder::rules) |
//! | refunds | synchronous (`S` at once), unless the request says `isAsyncRefund` | [`async_refunds`](MockAntomBuilder::async_refunds) |
//!
//! # Requests and errors
//!
//! Each API request must carry `client-id` (the configured one),
//! `request-time` and `signature` over `POST <path>\n<client-id>.<request-time>.<body>`,
//! verified with the merchant key the header's keyVersion names. Business
//! errors are HTTP 200 with a `result` block, as Antom answers them:
//!
//! | problem | `resultCode` (`resultStatus` `F`) | signed |
//! | --- | --- | --- |
//! | no `client-id`, or not the configured one; unknown keyVersion | `KEY_NOT_FOUND` | no |
//! | no or malformed `signature`, no `request-time`, signature mismatch | `INVALID_SIGNATURE` | no |
//! | an API the mock does not serve (`pay`, `capture`...) | `NO_INTERFACE_DEF` | no |
//! | body not JSON, a required field missing, a malformed amount | `PARAM_ILLEGAL` | yes |
//! | createPaymentSession: same `paymentRequestId`, different amount | `REPEAT_REQ_INCONSISTENT` | yes |
//! | createPaymentSession: same `paymentRequestId` as a failed / cancelled payment | `ORDER_IS_CLOSED` | yes |
//! | refund: same `refundRequestId`, different payment or amount | `REPEAT_REQ_INCONSISTENT` | yes |
//! | unknown payment | `ORDER_NOT_EXIST` (inquiryRefund: `REFUND_NOT_EXIST`) | yes |
//! | refund of an unpaid payment / over the amount | `ORDER_STATUS_INVALID` / `REFUND_AMOUNT_EXCEED` | yes |
//!
//! Gateway refusals are unsigned, as Antom's gateway may answer before the
//! API runs ([`sign_gateway_errors`](MockAntomBuilder::sign_gateway_errors)
//! signs them). Signed answers carry lower-case `client-id`, `response-time`
//! (ISO 8601, `2026-08-17T02:36:49+00:00`) and `signature` headers, signed
//! over the request's path.
//!
//! Repeating createPaymentSession with the same `paymentRequestId` and amount
//! returns the same session (no second payment); refund is idempotent on
//! `refundRequestId` the same way.
//!
//! # Refunds
//!
//! A refund succeeds at once by default: `S`, then notifyRefund. With
//! [`async_refunds`](MockAntomBuilder::async_refunds) (or
//! [`MockAntom::set_async_refunds`], `POST /mock/async-refunds`, `antom mock
//! --async-refunds 30s`), or for a request with `isAsyncRefund: true`, it is
//! processed as Antom processes refunds of payment methods that take time
//! (Antom's refund guide: "after calling the refund API, a response indicates
//! the refund is in process"): the refund API answers `U` /
//! `REFUND_IN_PROCESS` (and so does a retry with the same `refundRequestId`),
//! inquiryRefund and inquiryPayment's `transactions` say `PROCESSING`, and
//! once the delay passed on Antom's clock (or [`MockAntom::complete_refund`])
//! it is `SUCCESS` (or `FAIL`) and `REFUND_RESULT` is sent to its
//! `refundNotifyUrl`.
//!
//! # The session and the cashier URL
//!
//! createPaymentSession answers `paymentSessionId`, `paymentSessionExpiryTime`
//! (the request's, or now + 1 h), `paymentSessionData`, and **`normalUrl`**:
//! the cashier page `{base_url}/cashier/{paymentSessionId}`. `normalUrl` is a
//! field Antom's API defines for redirect flows (and `antom_types` models);
//! here it is how a checkout page under test finds the cashier: redirect the
//! buyer to `normalUrl` where the real Web SDK would be started with
//! `paymentSessionData`. The mock's `paymentSessionData` has Antom's four
//! `&&` segments (`<token>&&SG&&188&&<metadata>`, as in Antom's sample): the
//! token is base64 JSON holding the same `cashierUrl`
//! ([`cashier_url_from_session_data`]); the metadata is base64 JSON with
//! `clientId` and the `paymentSessionConfig` the Web SDK picks its component
//! by (`productScene` `CASHIER_PAYMENT`, `paymentMethodCategoryType` `APM`,
//! or `CARD` for card payments, `productSceneVersion` `1.0`;
//! [`session_metadata`]). So `@alipay/ams-checkout` parses it as Antom's
//! own. A test can also ask the mock: [`MockAntom::cashier_url`],
//! [`MockAntom::payment`].
//!
//! The base URL is the server's own (`http://127.0.0.1:<port>`), or with
//! [`MockAntom::service`] the request's `Host`, or
//! [`public_base_url`](MockAntomBuilder::public_base_url).
//!
//! # The buyer
//!
//! The cashier page ([`cashier`]) has `#pay`, `#fail` and `#cancel` buttons;
//! each updates the payment and redirects (303) to its `paymentRedirectUrl`.
//! From a test, [`MockAntom::pay`], [`fail`](MockAntom::fail),
//! [`cancel`](MockAntom::cancel) and [`expire`](MockAntom::expire) do the
//! same without HTTP. What each does to the payment and which notification
//! follows is in [`state`].
//!
//! # Notifications
//!
//! A payment reaching a final status is notified to its `paymentNotifyUrl`
//! (or [`default_notify_url`](MockAntomBuilder::default_notify_url), Antom's
//! Dashboard setting); a refund to its `refundNotifyUrl`. Disputes
//! ([`MockAntom::dispute`], notifyDispute) and capture results
//! ([`MockAntom::capture`], `CAPTURE_RESULT`) are sent on demand to the
//! payment's notify URL, with the same signing and retries. Acknowledgement,
//! the retry schedule (8 attempts in total, at 0, 2 min, 10 min, 10 min, 1 h,
//! 2 h, 6 h, 15 h intervals, divided by the time scale) and the loopback-only
//! rule are in [`notifier`]. Delivery runs in background tasks; await it with
//! [`MockAntom::wait_for_notifications`], [`wait_for_acknowledged`](MockAntom::wait_for_acknowledged)
//! or [`wait_until_idle`](MockAntom::wait_until_idle) rather than sleeping.
//! [`send_notification`] signs and posts one notification by hand (`antom notify`).
//!
//! # What is scaled
//!
//! [`MockAntom::advance_clock`] (`POST /mock/clock/advance`) moves Antom's
//! clock forward at once and waits until every retry, scheduled outcome and
//! session expiry that became due happened: a test clock, see [`control`],
//! which also lists the HTTP control API (`POST /mock/payments/{id}/pay`...)
//! for tests in other languages and `antom mock-control`.
//!
//! The time scale divides Antom's clock: the notification retry schedule,
//! [`notify_delay`](MockAntomBuilder::notify_delay),
//! [`auto_expire_after`](MockAntomBuilder::auto_expire_after), and the `after`
//! of `succeed` / `fail` rules. Real-time things are not scaled: `delay` rules
//! (they exist to beat a client's real timeout), the notification HTTP
//! timeout, and the timestamps in bodies and headers.

mod builder;
pub mod cashier;
mod clock;
pub mod control;
pub mod faults;
pub mod log;
pub mod notifier;
pub mod rules;
mod server;
pub mod service;
pub mod state;
mod util;

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

use antom_tower::signing::{KeyVersion, PrivateKey, PublicKey, PublicKeyRing};
use antom_types::PaymentStatus;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use self::builder::MockAntomBuilder;
pub use self::control::{CaptureOrder, ClockAdvance, ControlError, DisputeOrder, RefundOrder};
pub use self::faults::NotificationFaults;
pub use self::log::{
    MockLog, NotificationKind, NotificationRecord, RecordedResponse, RequestRecord, Verification, WaitTimeout,
};
pub use self::notifier::{
    send_notification, send_notification_bytes, AckPolicy, SendError, SendOptions, SentNotification, MAX_ATTEMPTS,
    RETRY_SCHEDULE,
};
pub use self::rules::{Action, Api, Rule, Rules, RulesError};
pub use self::service::{cashier_url_from_session_data, session_metadata, ConnectionDropped, MockService};
pub use self::state::{BuyerAction, MockError, Payment, Refund, RefundOutcome};

use self::notifier::{Job, Notifier};
use self::rules::{Chosen, MatchInput, RuleBook};
use self::state::Store;
use self::util::{iso8601, IdGen};

/// Formats an instant as ISO 8601 in UTC (`2026-08-17T02:36:49+00:00`), as the mock writes times.
pub fn iso8601_utc(at: SystemTime) -> String {
    iso8601(at)
}

/// The mock's default client id (a sandbox one: the official libraries then
/// use the `/ams/sandbox/api` paths, which the mock serves too).
pub const DEFAULT_CLIENT_ID: &str = "SANDBOX_5YBZ0E2ZC7CZ04567";

/// Default validity of a payment session (`paymentSessionExpiryTime`).
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(60 * 60);

/// How long an asynchronous refund processes when the refund request asks
/// for one (`isAsyncRefund: true`) and [`MockAntomBuilder::async_refunds`]
/// set no delay (Antom's clock, scaled).
pub const DEFAULT_ASYNC_REFUND_DELAY: Duration = Duration::from_secs(60);

/// Default HTTP timeout of one notification attempt (real time).
pub const DEFAULT_NOTIFICATION_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) struct Shared {
    pub(crate) client_id: String,
    pub(crate) merchant_keys: Arc<PublicKeyRing>,
    pub(crate) antom_key: Arc<PrivateKey>,
    pub(crate) key_version: KeyVersion,
    rules: RwLock<Arc<RuleBook>>,
    faults: RwLock<NotificationFaults>,
    store: Mutex<Store>,
    pub(crate) log: MockLog,
    pub(crate) notifier: Notifier,
    pub(crate) ids: IdGen,
    pub(crate) base_url: RwLock<Option<String>>,
    pub(crate) default_notify_url: Option<String>,
    pub(crate) sign_gateway_errors: bool,
    pub(crate) session_ttl: Duration,
    pub(crate) auto_expire_after: Option<Duration>,
    async_refunds: RwLock<Option<Duration>>,
    pub(crate) clock: Arc<clock::Clock>,
    bind: SocketAddr,
    runtime: OnceLock<tokio::runtime::Handle>,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn lock_store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn choose(&self, input: &MatchInput<'_>) -> Option<Chosen> {
        let book = self.rules.read().unwrap_or_else(|p| p.into_inner()).clone();
        book.choose(input)
    }

    pub(crate) fn notification_faults(&self) -> NotificationFaults {
        self.faults.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn find_payment(&self, payment_id: Option<&str>, payment_request_id: Option<&str>) -> Option<Payment> {
        self.lock_store()
            .find(payment_id, payment_request_id)
            .map(|e| e.payment.clone())
    }

    pub(crate) fn payment_by_session(&self, session_id: &str) -> Option<Payment> {
        self.lock_store().by_session_id(session_id).map(|e| e.payment.clone())
    }

    pub(crate) fn payments(&self) -> Vec<Payment> {
        self.lock_store().payments()
    }

    pub(crate) fn runtime(&self) -> tokio::runtime::Handle {
        tokio::runtime::Handle::try_current()
            .ok()
            .or_else(|| self.runtime.get().cloned())
            .expect("the mock Antom needs a Tokio runtime: call it from async code or start() it first")
    }

    /// Applies a buyer action and notifies the merchant if the payment ended.
    pub(crate) fn buyer(&self, payment_request_id: &str, action: BuyerAction) -> Result<Payment, MockError> {
        let settled = self
            .lock_store()
            .settle(payment_request_id, &action, &iso8601(SystemTime::now()))?;
        if settled.changed {
            if let Some(url) = settled.payment.payment_notify_url.clone() {
                let faults = settled.faults.unwrap_or_else(|| self.notification_faults());
                self.notifier
                    .dispatch(Job::payment(&settled.payment, url, faults), &self.runtime());
            } else {
                tracing::info!(
                    payment_request_id,
                    "no paymentNotifyUrl and no default: nothing to notify"
                );
            }
        }
        self.log.bump();
        Ok(settled.payment)
    }

    /// How long refunds process before they succeed, when they are asynchronous.
    pub(crate) fn async_refunds(&self) -> Option<Duration> {
        *self.async_refunds.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_async_refunds(&self, delay: Option<Duration>) {
        *self.async_refunds.write().unwrap_or_else(|p| p.into_inner()) = delay;
    }

    /// Sends notifyRefund for a refund that reached its final status, if it
    /// has a `refundNotifyUrl`.
    pub(crate) fn notify_refund(&self, refund: &Refund, faults: Option<NotificationFaults>) {
        if let Some(url) = refund.refund_notify_url.clone() {
            let faults = faults.unwrap_or_else(|| self.notification_faults());
            self.notifier
                .dispatch(Job::refund(refund, url, faults), &self.runtime());
        }
    }

    /// Ends a `PROCESSING` refund and notifies it.
    pub(crate) fn complete_refund(&self, refund_request_id: &str, outcome: RefundOutcome) -> Result<Refund, MockError> {
        let (refund, faults) =
            self.lock_store()
                .complete_refund(refund_request_id, outcome, &iso8601(SystemTime::now()))?;
        self.notify_refund(&refund, faults);
        self.log.bump();
        Ok(refund)
    }

    /// Lets an asynchronous refund succeed after `after` (Antom's clock, scaled).
    pub(crate) fn schedule_refund(self: &Arc<Self>, refund_request_id: String, after: Duration) {
        let shared = Arc::clone(self);
        let awake = self.clock.task();
        let deadline = self.clock.now() + after;
        let mut shutdown = self.shutdown.subscribe();
        self.runtime().spawn(async move {
            if !notifier::sleep_or_shutdown(&mut shutdown, &shared.clock, &awake, deadline).await {
                return;
            }
            // Already completed by hand (complete_refund) is fine.
            if let Err(e) = shared.complete_refund(&refund_request_id, RefundOutcome::Succeed) {
                tracing::debug!(error = %e, "scheduled refund outcome not applied");
            }
        });
    }

    /// Applies a buyer action later (Antom's clock, scaled).
    pub(crate) fn schedule(self: &Arc<Self>, payment_request_id: String, action: BuyerAction, after: Duration) {
        let shared = Arc::clone(self);
        let awake = self.clock.task();
        let deadline = self.clock.now() + after;
        let mut shutdown = self.shutdown.subscribe();
        self.runtime().spawn(async move {
            if !notifier::sleep_or_shutdown(&mut shutdown, &shared.clock, &awake, deadline).await {
                return;
            }
            if let Err(e) = shared.buyer(&payment_request_id, action) {
                tracing::debug!(error = %e, "scheduled outcome not applied");
            }
        });
    }
}

/// The mock Antom. Cheap to clone: clones share the same state.
///
/// Build one with [`MockAntom::builder`]; run it with
/// [`MockAntomBuilder::start`] (a server on 127.0.0.1), or use
/// [`service`](Self::service) / [`router`](Self::router) in-process.
#[derive(Clone)]
pub struct MockAntom {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MockAntom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockAntom")
            .field("client_id", &self.shared.client_id)
            .field("payments", &self.shared.lock_store().payments().len())
            .finish_non_exhaustive()
    }
}

impl Default for MockAntom {
    fn default() -> Self {
        MockAntom::builder().build()
    }
}

impl MockAntom {
    /// A builder with the testkit's defaults.
    pub fn builder() -> MockAntomBuilder {
        MockAntomBuilder::default()
    }

    /// The routes as an axum [`Router`](axum::Router). A `drop_connection`
    /// rule answers HTTP 502 here, with a [`service::DropConnection`] extension.
    pub fn router(&self) -> axum::Router {
        service::router(Arc::clone(&self.shared))
    }

    /// The mock as a Tower service, no socket involved. A `drop_connection`
    /// rule gives `Err(`[`ConnectionDropped`]`)`.
    pub fn service(&self) -> MockService {
        MockService::new(self.router())
    }

    /// Serves on the builder's address (127.0.0.1, OS-assigned port by default).
    pub async fn start(self) -> std::io::Result<MockAntomHandle> {
        let addr = self.shared.bind;
        self.start_on(addr).await
    }

    /// Serves on `addr`.
    pub async fn start_on(self, addr: SocketAddr) -> std::io::Result<MockAntomHandle> {
        let listener = server::bind(addr).await?;
        let local = listener.local_addr()?;
        let _ = self.shared.runtime.set(tokio::runtime::Handle::current());
        let base_url = {
            let mut configured = self.shared.base_url.write().unwrap_or_else(|p| p.into_inner());
            configured.get_or_insert_with(|| format!("http://{local}")).clone()
        };
        let task = server::spawn(listener, self.service(), self.shared.shutdown.subscribe());
        Ok(MockAntomHandle {
            mock: self,
            addr: local,
            base_url,
            task: Mutex::new(Some(task)),
        })
    }

    /// The client id requests must carry.
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// The public half of the mock's Antom signing key: what the merchant
    /// configures as "Antom's public key".
    pub fn antom_public_key(&self) -> PublicKey {
        self.shared.antom_key.public_key()
    }

    /// [`antom_public_key`](Self::antom_public_key) as a ring under the mock's keyVersion.
    pub fn antom_public_key_ring(&self) -> Arc<PublicKeyRing> {
        Arc::new(PublicKeyRing::new().with_key(self.shared.key_version, self.antom_public_key()))
    }

    /// The keyVersion the mock signs with.
    pub fn key_version(&self) -> KeyVersion {
        self.shared.key_version
    }

    /// The record of requests and notification attempts.
    pub fn log(&self) -> &MockLog {
        &self.shared.log
    }

    /// Every payment, oldest first.
    pub fn payments(&self) -> Vec<Payment> {
        self.shared.payments()
    }

    /// The payment with this `paymentRequestId`.
    pub fn payment(&self, payment_request_id: &str) -> Option<Payment> {
        self.shared.find_payment(None, Some(payment_request_id))
    }

    /// The cashier page of the payment with this `paymentRequestId` (its
    /// session's `normalUrl`).
    pub fn cashier_url(&self, payment_request_id: &str) -> Option<String> {
        self.payment(payment_request_id).map(|p| p.cashier_url)
    }

    /// The buyer pays: `SUCCESS` (or `FAIL` under a `decline` rule, or still
    /// `PROCESSING` under a `processing` rule), then the notification.
    pub fn pay(&self, payment_request_id: &str) -> Result<Payment, MockError> {
        self.shared.buyer(payment_request_id, BuyerAction::Pay)
    }

    /// The buyer's payment fails with this `paymentResultCode` (e.g.
    /// `USER_BALANCE_NOT_ENOUGH`; [`state::DEFAULT_FAIL_CODE`] is the cashier's default).
    pub fn fail(&self, payment_request_id: &str, result_code: impl Into<String>) -> Result<Payment, MockError> {
        self.shared.buyer(
            payment_request_id,
            BuyerAction::Fail {
                code: result_code.into(),
                message: None,
            },
        )
    }

    /// The buyer cancels: `CANCELLED`, notified as `F` / [`state::BUYER_CANCELLED_CODE`].
    pub fn cancel(&self, payment_request_id: &str) -> Result<Payment, MockError> {
        self.shared.buyer(payment_request_id, BuyerAction::Cancel)
    }

    /// The session expires unpaid: `FAIL` / `ORDER_IS_CLOSED`, notified.
    pub fn expire(&self, payment_request_id: &str) -> Result<Payment, MockError> {
        self.shared.buyer(payment_request_id, BuyerAction::Expire)
    }

    /// The refund with this `refundRequestId`.
    pub fn refund(&self, refund_request_id: &str) -> Option<Refund> {
        self.shared
            .lock_store()
            .find_refund(None, Some(refund_request_id))
            .cloned()
    }

    /// Makes refunds from now on asynchronous, each succeeding `delay` after
    /// it was made (Antom's clock, scaled), or synchronous again with `None`
    /// (see [`MockAntomBuilder::async_refunds`]). Refunds already made keep
    /// their course.
    pub fn set_async_refunds(&self, delay: Option<Duration>) {
        self.shared.set_async_refunds(delay);
    }

    /// The delay of asynchronous refunds, or `None` when refunds are synchronous.
    pub fn async_refunds(&self) -> Option<Duration> {
        self.shared.async_refunds()
    }

    /// Ends a refund still `PROCESSING` now, as Antom would when it is done:
    /// `SUCCESS` or `FAIL`, then notifyRefund to its `refundNotifyUrl`.
    /// Its scheduled success, if any, then does nothing.
    pub fn complete_refund(&self, refund_request_id: &str, outcome: RefundOutcome) -> Result<Refund, MockError> {
        self.shared.complete_refund(refund_request_id, outcome)
    }

    /// Replaces the rules (use counts start over).
    pub fn set_rules(&self, rules: Rules) {
        *self.shared.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(RuleBook::new(rules));
    }

    /// Replaces the notification faults for payments without rule-set ones.
    pub fn set_notification_faults(&self, faults: NotificationFaults) {
        *self.shared.faults.write().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// Waits until at least `n` notification attempts were made; returns all attempts.
    pub async fn wait_for_notifications(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<NotificationRecord>, WaitTimeout> {
        self.shared.log.wait_for_notifications(n, timeout).await
    }

    /// Waits until at least `n` attempts were acknowledged; returns all attempts.
    pub async fn wait_for_acknowledged(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<NotificationRecord>, WaitTimeout> {
        self.shared.log.wait_for_acknowledged(n, timeout).await
    }

    /// Waits until every delivery finished (acknowledged or gave up); returns all attempts.
    pub async fn wait_until_idle(&self, timeout: Duration) -> Result<Vec<NotificationRecord>, WaitTimeout> {
        self.shared.log.wait_until_idle(timeout).await
    }

    /// Waits until the payment has this status; returns it.
    pub async fn wait_for_status(
        &self,
        payment_request_id: &str,
        status: PaymentStatus,
        timeout: Duration,
    ) -> Result<Payment, WaitTimeout> {
        let what = format!("payment {payment_request_id:?} to be {status}");
        self.shared
            .log
            .wait_for(&what, timeout, |_| {
                self.payment(payment_request_id).is_some_and(|p| p.status == status)
            })
            .await?;
        self.payment(payment_request_id).ok_or(WaitTimeout {
            waited_for: what,
            timeout,
        })
    }
}

/// A running mock server. Derefs to [`MockAntom`]; stops on
/// [`shutdown`](Self::shutdown) or when dropped.
pub struct MockAntomHandle {
    mock: MockAntom,
    addr: SocketAddr,
    base_url: String,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for MockAntomHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockAntomHandle")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl MockAntomHandle {
    /// `http://127.0.0.1:<port>`: the gateway URL for the code under test.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The mock itself.
    pub fn mock(&self) -> &MockAntom {
        &self.mock
    }

    /// Stops accepting, drops open connections and cancels pending
    /// notification deliveries and scheduled outcomes.
    pub async fn shutdown(&self) {
        let _ = self.mock.shared.shutdown.send(true);
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Deref for MockAntomHandle {
    type Target = MockAntom;

    fn deref(&self) -> &MockAntom {
        &self.mock
    }
}

impl Drop for MockAntomHandle {
    fn drop(&mut self) {
        let _ = self.mock.shared.shutdown.send(true);
    }
}
