//! Scripted outcomes: which payments succeed, fail, hang, and which calls
//! answer `U`, HTTP 5xx, late or not at all.
//!
//! A [`Rules`] table is a list of [`Rule`]s; for each API request the
//! **first** rule that matches decides (rules with `times` stop matching once
//! used up). No matching rule means Antom's normal behaviour: the payment
//! waits for the buyer (the cashier page or [`MockAntom::pay`](super::MockAntom::pay)).
//!
//! # Matching
//!
//! | key | matches |
//! | --- | --- |
//! | `api` | the API: `createPaymentSession` (the default), `inquiryPayment`, `cancel`, `refund`, `inquiryRefund`, or `*` for all |
//! | `payment_method_type` | `paymentMethod.paymentMethodType`, e.g. `CARD` |
//! | `currency` | the amount's currency, e.g. `SGD` |
//! | `amount` | the amount's value in minor units, exactly (`4201` or `"4201"`) |
//! | `amount_ends_with` | the value's last digits, e.g. `"01"` (Stripe-style magic amounts) |
//! | `amount_min`, `amount_max` | the value's range, inclusive |
//! | `payment_request_id` | the `paymentRequestId`, exactly, or a prefix when it ends with `*` |
//!
//! For createPaymentSession the amount and method are the request's; for
//! refund the amount is `refundAmount`; for the other APIs they are those of
//! the payment the request names (a request about an unknown payment only
//! matches rules without amount, method or id conditions).
//!
//! # Actions
//!
//! | `action` | createPaymentSession | other APIs |
//! | --- | --- | --- |
//! | `wait_for_buyer` (default) | session created; the payment stays `PROCESSING` until the buyer pays, fails or cancels | normal answer |
//! | `succeed` | session created, then the payment succeeds by itself (after `after`, scaled) | — |
//! | `fail` | session created, then the payment fails by itself with `result_code` (after `after`, scaled) | `F` with `result_code`, nothing done |
//! | `decline` | session created; when the buyer pays, the payment fails with `result_code` | — |
//! | `processing` | session created; the payment stays `PROCESSING` even when the buyer pays (only expiry ends it) | — |
//! | `unknown` | `U` with `result_code` (default `UNKNOWN_EXCEPTION`); with `applied = true` the session is created all the same | `U`; with `applied = true` a refund or cancel is made all the same |
//! | `http_status` | HTTP `status` (default 500) with `body` (default a `U` / `UNKNOWN_EXCEPTION` JSON), unsigned | same |
//! | `drop_connection` | the connection is closed without an answer, after the request was read | same |
//!
//! Modifiers: `delay` holds the answer back (e.g. `"20s"`, past the official
//! libraries' 15 s read timeout; **real** time, not scaled), `times` limits
//! how often the rule applies (e.g. `times = 1`: only the first call gets a
//! 500, the retry goes through), `notify_copies` / `notify_stale` /
//! `notify_wrong_key` set [notification faults](super::faults) for the
//! payments the rule matches. `after` (for `succeed` and `fail`) is on
//! Antom's clock, divided by the time scale. Durations are an integer of
//! milliseconds or a string with a unit: `"250ms"`, `"20s"`, `"2min"`, `"1h"`.
//!
//! # File format
//!
//! ```toml
//! [[rule]]
//! name = "magic amount: declined by the issuer"
//! amount_ends_with = "01"
//! action = "decline"
//! result_code = "ISSUER_REJECTS_TRANSACTION"
//!
//! [[rule]]
//! name = "first refund call times out"
//! api = "refund"
//! action = "wait_for_buyer"
//! delay = "20s"
//! times = 1
//! ```
//!
//! The full example, with every action, is `antom-testkit/rules.example.toml`
//! ([`Rules::example`]).

mod file;
mod matching;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use super::faults::NotificationFaults;
use antom_types::{
    AntomApi, CancelRequest, CreatePaymentSessionRequest, InquiryPaymentRequest, InquiryRefundRequest, RefundRequest,
};

pub use self::file::RulesError;
pub(crate) use self::matching::{Chosen, MatchInput, RuleBook};

/// The example rules file shipped with the crate (`rules.example.toml`).
pub const EXAMPLE_RULES_TOML: &str = include_str!("../../../rules.example.toml");

/// The Antom APIs the mock serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// createPaymentSession (Checkout Payment).
    CreatePaymentSession,
    /// inquiryPayment.
    InquiryPayment,
    /// cancel.
    Cancel,
    /// refund.
    Refund,
    /// inquiryRefund.
    InquiryRefund,
}

impl Api {
    /// Every API the mock serves.
    pub const ALL: [Api; 5] = [
        Api::CreatePaymentSession,
        Api::InquiryPayment,
        Api::Cancel,
        Api::Refund,
        Api::InquiryRefund,
    ];

    /// The API's name, as in its path: `createPaymentSession`...
    pub fn name(self) -> &'static str {
        match self {
            Api::CreatePaymentSession => CreatePaymentSessionRequest::NAME,
            Api::InquiryPayment => InquiryPaymentRequest::NAME,
            Api::Cancel => CancelRequest::NAME,
            Api::Refund => RefundRequest::NAME,
            Api::InquiryRefund => InquiryRefundRequest::NAME,
        }
    }

    /// The production path, e.g. `/ams/api/v1/payments/createPaymentSession`.
    pub fn path(self) -> &'static str {
        match self {
            Api::CreatePaymentSession => CreatePaymentSessionRequest::PATH,
            Api::InquiryPayment => InquiryPaymentRequest::PATH,
            Api::Cancel => CancelRequest::PATH,
            Api::Refund => RefundRequest::PATH,
            Api::InquiryRefund => InquiryRefundRequest::PATH,
        }
    }

    /// The sandbox path, e.g. `/ams/sandbox/api/v1/payments/createPaymentSession`.
    pub fn sandbox_path(self) -> String {
        antom_types::sandbox_path(self.path())
    }

    /// The API with this name (exact, as in the path).
    pub fn from_name(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|api| api.name() == name)
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a matching rule does. See the [module docs](self) for each action
/// per API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Antom's normal behaviour: the payment waits for the buyer.
    WaitForBuyer,
    /// The payment succeeds by itself, `after` (Antom's clock, scaled) the session was created.
    Succeed {
        /// Delay before the payment succeeds (scaled by the time scale).
        after: Duration,
    },
    /// The payment fails by itself with `result_code`; on other APIs, the
    /// call answers `F` with `result_code`.
    Fail {
        /// The `paymentResultCode` / `resultCode`, e.g. `USER_BALANCE_NOT_ENOUGH`.
        result_code: String,
        /// The message; a default one when `None`.
        result_message: Option<String>,
        /// Delay before the payment fails (scaled by the time scale).
        after: Duration,
    },
    /// The payment waits for the buyer, and fails with `result_code` when the buyer pays.
    Decline {
        /// The `paymentResultCode`, e.g. `ISSUER_REJECTS_TRANSACTION`.
        result_code: String,
        /// The message; a default one when `None`.
        result_message: Option<String>,
    },
    /// The payment stays `PROCESSING`, even when the buyer pays; only expiry
    /// (or a merchant cancel) ends it.
    Processing,
    /// The call answers `U` (result unknown).
    Unknown {
        /// `UNKNOWN_EXCEPTION` (default) or `PAYMENT_IN_PROCESS`...
        result_code: String,
        /// Whether the call took effect all the same (session created,
        /// refund or cancel made): the case a retry with the same request id
        /// must handle.
        applied: bool,
    },
    /// The call answers this HTTP status, unsigned.
    HttpStatus {
        /// The status, e.g. 500 or 503.
        status: u16,
        /// The body; a `U` / `UNKNOWN_EXCEPTION` JSON result when `None`.
        body: Option<String>,
    },
    /// The mock reads the request, then closes the connection without answering.
    DropConnection,
}

impl Action {
    /// [`Action::Succeed`] at once.
    pub fn succeed() -> Action {
        Action::Succeed { after: Duration::ZERO }
    }

    /// [`Action::Fail`] at once with this code.
    pub fn fail(result_code: impl Into<String>) -> Action {
        Action::Fail {
            result_code: result_code.into(),
            result_message: None,
            after: Duration::ZERO,
        }
    }

    /// [`Action::Decline`] with this code.
    pub fn decline(result_code: impl Into<String>) -> Action {
        Action::Decline {
            result_code: result_code.into(),
            result_message: None,
        }
    }

    /// [`Action::Unknown`] with `UNKNOWN_EXCEPTION`, not applied.
    pub fn unknown() -> Action {
        Action::Unknown {
            result_code: "UNKNOWN_EXCEPTION".to_owned(),
            applied: false,
        }
    }

    /// [`Action::Unknown`] with this code.
    pub fn unknown_with(result_code: impl Into<String>, applied: bool) -> Action {
        Action::Unknown {
            result_code: result_code.into(),
            applied,
        }
    }

    /// [`Action::HttpStatus`] with the default body.
    pub fn http_status(status: u16) -> Action {
        Action::HttpStatus { status, body: None }
    }

    /// The TOML name of the action.
    pub fn name(&self) -> &'static str {
        match self {
            Action::WaitForBuyer => "wait_for_buyer",
            Action::Succeed { .. } => "succeed",
            Action::Fail { .. } => "fail",
            Action::Decline { .. } => "decline",
            Action::Processing => "processing",
            Action::Unknown { .. } => "unknown",
            Action::HttpStatus { .. } => "http_status",
            Action::DropConnection => "drop_connection",
        }
    }

    /// Whether the action only makes sense for createPaymentSession.
    fn is_payment_outcome(&self) -> bool {
        matches!(
            self,
            Action::Succeed { .. } | Action::Decline { .. } | Action::Processing
        )
    }
}

/// One scripted outcome: conditions, an action, and modifiers.
///
/// ```
/// use antom_testkit::mock::{Action, Api, Rule, Rules};
/// use std::time::Duration;
///
/// let rules = Rules::new()
///     // Stripe-style magic amount: x.01 is declined when the buyer pays.
///     .with(Rule::new(Action::decline("ISSUER_REJECTS_TRANSACTION")).amount_ends_with("01"))
///     // The first refund call answers HTTP 500; the retry goes through.
///     .with(Rule::new(Action::http_status(500)).api(Api::Refund).times(1))
///     // inquiryPayment answers after 20 s (past a 15 s client timeout).
///     .with(Rule::new(Action::WaitForBuyer).api(Api::InquiryPayment).delay(Duration::from_secs(20)));
/// assert_eq!(rules.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// A name for logs (`RequestRecord::rule`).
    pub name: Option<String>,
    /// The API it applies to; `None` means every API.
    pub api: Option<Api>,
    /// `paymentMethodType` to match.
    pub payment_method_type: Option<String>,
    /// Currency to match.
    pub currency: Option<String>,
    /// Exact value in minor units.
    pub amount: Option<u64>,
    /// Last digits of the value.
    pub amount_ends_with: Option<String>,
    /// Lowest value (inclusive).
    pub amount_min: Option<u64>,
    /// Highest value (inclusive).
    pub amount_max: Option<u64>,
    /// `paymentRequestId`, exact, or a prefix when it ends with `*`.
    pub payment_request_id: Option<String>,
    /// What to do.
    pub action: Action,
    /// Hold the answer back this long (real time).
    pub delay: Option<Duration>,
    /// Apply at most this many times.
    pub times: Option<u32>,
    /// Notification faults for the payments this rule matches (createPaymentSession).
    pub notification_faults: Option<NotificationFaults>,
}

impl Rule {
    /// A rule for createPaymentSession that always matches, with this action.
    pub fn new(action: Action) -> Rule {
        Rule {
            name: None,
            api: Some(Api::CreatePaymentSession),
            payment_method_type: None,
            currency: None,
            amount: None,
            amount_ends_with: None,
            amount_min: None,
            amount_max: None,
            payment_request_id: None,
            action,
            delay: None,
            times: None,
            notification_faults: None,
        }
    }

    /// Names the rule.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Applies to this API instead of createPaymentSession.
    pub fn api(mut self, api: Api) -> Self {
        self.api = Some(api);
        self
    }

    /// Applies to every API.
    pub fn any_api(mut self) -> Self {
        self.api = None;
        self
    }

    /// Matches this `paymentMethodType`.
    pub fn payment_method_type(mut self, method: impl Into<String>) -> Self {
        self.payment_method_type = Some(method.into());
        self
    }

    /// Matches this currency.
    pub fn currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = Some(currency.into());
        self
    }

    /// Matches this exact value in minor units.
    pub fn amount(mut self, minor_units: u64) -> Self {
        self.amount = Some(minor_units);
        self
    }

    /// Matches values ending with these digits.
    pub fn amount_ends_with(mut self, digits: impl Into<String>) -> Self {
        self.amount_ends_with = Some(digits.into());
        self
    }

    /// Matches values in this inclusive range.
    pub fn amount_between(mut self, min: u64, max: u64) -> Self {
        self.amount_min = Some(min);
        self.amount_max = Some(max);
        self
    }

    /// Matches this `paymentRequestId` (a prefix when it ends with `*`).
    pub fn payment_request_id(mut self, id: impl Into<String>) -> Self {
        self.payment_request_id = Some(id.into());
        self
    }

    /// Holds the answer back (real time, not scaled).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Applies at most `n` times.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Sets notification faults for the payments this rule matches.
    pub fn notification_faults(mut self, faults: NotificationFaults) -> Self {
        self.notification_faults = Some(faults);
        self
    }
}

/// An ordered table of rules; the first match decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// No rules: Antom's normal behaviour.
    pub fn new() -> Rules {
        Rules::default()
    }

    /// Adds a rule at the end.
    pub fn with(mut self, rule: Rule) -> Rules {
        self.rules.push(rule);
        self
    }

    /// Adds a rule at the end.
    pub fn push(&mut self, rule: Rule) {
        self.rules.push(rule);
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// How many rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules of `rules.example.toml` (magic amounts and faults).
    pub fn example() -> Rules {
        Rules::from_toml_str(EXAMPLE_RULES_TOML).expect("the shipped example rules parse")
    }

    /// Reads a rules file (the format in the [module docs](self)).
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Rules, RulesError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io {
            path: path.to_owned(),
            source,
        })?;
        Rules::from_toml_str(&text).map_err(|e| e.in_file(path))
    }

    /// Parses rules from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Rules, RulesError> {
        file::parse(text).map(|rules| Rules { rules })
    }
}
