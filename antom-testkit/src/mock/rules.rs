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

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use antom_types::{
    Amount, AntomApi, CancelRequest, CreatePaymentSessionRequest, InquiryPaymentRequest, InquiryRefundRequest,
    RefundRequest,
};
use serde::Deserialize;

use super::faults::NotificationFaults;

/// The example rules file shipped with the crate (`rules.example.toml`).
pub const EXAMPLE_RULES_TOML: &str = include_str!("../../rules.example.toml");

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

    pub(crate) fn matches(&self, input: &MatchInput<'_>) -> bool {
        if self.api.is_some_and(|api| api != input.api) {
            return false;
        }
        if let Some(method) = &self.payment_method_type {
            if input.payment_method_type != Some(method.as_str()) {
                return false;
            }
        }
        if let Some(currency) = &self.currency {
            if input
                .amount
                .map(|a| a.currency())
                .map(|c| c.as_str().to_owned())
                .as_deref()
                != Some(currency)
            {
                return false;
            }
        }
        let needs_amount = self.amount.is_some()
            || self.amount_ends_with.is_some()
            || self.amount_min.is_some()
            || self.amount_max.is_some();
        if needs_amount {
            let Some(value) = input.amount.map(|a| a.value()) else {
                return false;
            };
            if self.amount.is_some_and(|a| a != value)
                || self.amount_min.is_some_and(|min| value < min)
                || self.amount_max.is_some_and(|max| value > max)
            {
                return false;
            }
            if let Some(suffix) = &self.amount_ends_with {
                if !value.to_string().ends_with(suffix.as_str()) {
                    return false;
                }
            }
        }
        if let Some(pattern) = &self.payment_request_id {
            let Some(id) = input.payment_request_id else {
                return false;
            };
            let ok = match pattern.strip_suffix('*') {
                Some(prefix) => id.starts_with(prefix),
                None => id == pattern,
            };
            if !ok {
                return false;
            }
        }
        true
    }

    fn label(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| format!("rule #{}", index + 1))
    }
}

/// What a request is matched on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatchInput<'a> {
    pub(crate) api: Api,
    pub(crate) payment_method_type: Option<&'a str>,
    pub(crate) amount: Option<Amount>,
    pub(crate) payment_request_id: Option<&'a str>,
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
        let file: RuleFile = toml::from_str(text).map_err(|e| RulesError::Toml {
            path: None,
            message: e.to_string(),
        })?;
        let rules = file
            .rule
            .into_iter()
            .enumerate()
            .map(|(index, raw)| {
                let name = raw.name.clone();
                raw.into_rule().map_err(|message| RulesError::Invalid {
                    path: None,
                    index: index + 1,
                    name,
                    message,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Rules { rules })
    }
}

/// A rules file could not be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum RulesError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not valid TOML, or has an unknown key.
    Toml {
        /// The file, if read from one.
        path: Option<PathBuf>,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A rule is inconsistent (unknown action or API, missing `result_code`...).
    Invalid {
        /// The file, if read from one.
        path: Option<PathBuf>,
        /// The rule's position, from 1.
        index: usize,
        /// Its name, if it has one.
        name: Option<String>,
        /// What is wrong.
        message: String,
    },
}

impl RulesError {
    fn in_file(self, file: &Path) -> RulesError {
        match self {
            RulesError::Toml { message, .. } => RulesError::Toml {
                path: Some(file.to_owned()),
                message,
            },
            RulesError::Invalid {
                index, name, message, ..
            } => RulesError::Invalid {
                path: Some(file.to_owned()),
                index,
                name,
                message,
            },
            other => other,
        }
    }
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = |path: &Option<PathBuf>| path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default();
        match self {
            RulesError::Io { path, source } => write!(f, "cannot read rules file {}: {source}", path.display()),
            RulesError::Toml { path, message } => write!(f, "{}invalid rules TOML: {message}", file(path)),
            RulesError::Invalid {
                path,
                index,
                name,
                message,
            } => {
                write!(f, "{}rule #{index}", file(path))?;
                if let Some(name) = name {
                    write!(f, " ({name:?})")?;
                }
                write!(f, ": {message}")
            }
        }
    }
}

impl std::error::Error for RulesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RulesError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawAmount {
    Number(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawDuration {
    Millis(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Option<String>,
    api: Option<String>,
    payment_method_type: Option<String>,
    currency: Option<String>,
    amount: Option<RawAmount>,
    amount_ends_with: Option<RawAmount>,
    amount_min: Option<RawAmount>,
    amount_max: Option<RawAmount>,
    payment_request_id: Option<String>,
    action: Option<String>,
    result_code: Option<String>,
    result_message: Option<String>,
    applied: Option<bool>,
    status: Option<u16>,
    body: Option<String>,
    after: Option<RawDuration>,
    delay: Option<RawDuration>,
    times: Option<u32>,
    notify_copies: Option<u32>,
    notify_stale: Option<bool>,
    notify_wrong_key: Option<bool>,
}

fn parse_amount(key: &str, raw: Option<RawAmount>) -> Result<Option<u64>, String> {
    match raw {
        None => Ok(None),
        Some(RawAmount::Number(n)) => Ok(Some(n)),
        Some(RawAmount::Text(text)) => {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "{key} = {text:?}: expected minor units as digits, e.g. \"4201\""
                ));
            }
            text.parse()
                .map(Some)
                .map_err(|_| format!("{key} = {text:?}: too large"))
        }
    }
}

/// Parses `250ms`, `20s`, `2min` / `2m`, `1h`, or plain digits (milliseconds).
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let secs = match unit.trim() {
        "" | "ms" => number / 1000.0,
        "s" | "sec" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

fn duration(key: &str, raw: Option<RawDuration>) -> Result<Option<Duration>, String> {
    match raw {
        None => Ok(None),
        Some(RawDuration::Millis(ms)) => Ok(Some(Duration::from_millis(ms))),
        Some(RawDuration::Text(text)) => parse_duration(&text).map(Some).ok_or_else(|| {
            format!("{key} = {text:?}: expected a duration such as \"250ms\", \"20s\", \"2min\", \"1h\"")
        }),
    }
}

impl RawRule {
    fn into_rule(self) -> Result<Rule, String> {
        let api = match self.api.as_deref() {
            None => Some(Api::CreatePaymentSession),
            Some("*") => None,
            Some(name) => Some(Api::from_name(name).ok_or_else(|| {
                format!(
                    "unknown api {name:?}: expected one of {}, or \"*\"",
                    Api::ALL.map(Api::name).join(", ")
                )
            })?),
        };
        let after = duration("after", self.after)?.unwrap_or(Duration::ZERO);
        let code = |default: Option<&str>| -> Result<String, String> {
            match (&self.result_code, default) {
                (Some(code), _) => Ok(code.clone()),
                (None, Some(default)) => Ok(default.to_owned()),
                (None, None) => Err(format!(
                    "action {:?} needs a result_code",
                    self.action.as_deref().unwrap_or_default()
                )),
            }
        };
        let action_name = self.action.as_deref().unwrap_or("wait_for_buyer");
        let action = match action_name {
            "wait_for_buyer" | "normal" => Action::WaitForBuyer,
            "succeed" => Action::Succeed { after },
            "fail" => Action::Fail {
                result_code: code(None)?,
                result_message: self.result_message.clone(),
                after,
            },
            "decline" => Action::Decline {
                result_code: code(None)?,
                result_message: self.result_message.clone(),
            },
            "processing" => Action::Processing,
            "unknown" => Action::Unknown {
                result_code: code(Some("UNKNOWN_EXCEPTION"))?,
                applied: self.applied.unwrap_or(false),
            },
            "http_status" => {
                let status = self.status.unwrap_or(500);
                if !(100..=599).contains(&status) {
                    return Err(format!("status = {status}: not an HTTP status"));
                }
                Action::HttpStatus {
                    status,
                    body: self.body.clone(),
                }
            }
            "drop_connection" => Action::DropConnection,
            other => {
                return Err(format!(
                    "unknown action {other:?}: expected wait_for_buyer, succeed, fail, decline, processing, unknown, http_status or drop_connection"
                ))
            }
        };
        if action.is_payment_outcome() && api != Some(Api::CreatePaymentSession) {
            return Err(format!(
                "action {:?} decides a payment's outcome: it needs api = \"createPaymentSession\"",
                action.name()
            ));
        }
        if self.status.is_some() && !matches!(action, Action::HttpStatus { .. }) {
            return Err("status is only for action = \"http_status\"".to_owned());
        }
        if self.applied.is_some() && !matches!(action, Action::Unknown { .. }) {
            return Err("applied is only for action = \"unknown\"".to_owned());
        }
        let has_faults = self.notify_copies.is_some() || self.notify_stale.is_some() || self.notify_wrong_key.is_some();
        let notification_faults = has_faults.then(|| {
            NotificationFaults::default()
                .with_copies(self.notify_copies.unwrap_or(1))
                .with_stale_after_final(self.notify_stale.unwrap_or(false))
                .with_wrong_key(self.notify_wrong_key.unwrap_or(false))
        });
        if has_faults && api != Some(Api::CreatePaymentSession) {
            return Err("notify_* faults are set per payment: they need api = \"createPaymentSession\"".to_owned());
        }
        let amount_ends_with = match self.amount_ends_with {
            None => None,
            Some(RawAmount::Number(n)) => Some(n.to_string()),
            Some(RawAmount::Text(text)) => {
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("amount_ends_with = {text:?}: expected digits, e.g. \"01\""));
                }
                Some(text)
            }
        };
        Ok(Rule {
            name: self.name,
            api,
            payment_method_type: self.payment_method_type,
            currency: self.currency,
            amount: parse_amount("amount", self.amount)?,
            amount_ends_with,
            amount_min: parse_amount("amount_min", self.amount_min)?,
            amount_max: parse_amount("amount_max", self.amount_max)?,
            payment_request_id: self.payment_request_id,
            action,
            delay: duration("delay", self.delay)?,
            times: self.times,
            notification_faults,
        })
    }
}

/// The rules in force in one mock, with their use counts.
#[derive(Debug)]
pub(crate) struct RuleBook {
    rules: Vec<Rule>,
    hits: Vec<AtomicU32>,
}

/// A rule chosen for a request.
#[derive(Debug, Clone)]
pub(crate) struct Chosen {
    pub(crate) label: String,
    pub(crate) rule: Rule,
}

impl RuleBook {
    pub(crate) fn new(rules: Rules) -> RuleBook {
        let hits = rules.rules.iter().map(|_| AtomicU32::new(0)).collect();
        RuleBook {
            rules: rules.rules,
            hits,
        }
    }

    /// The first matching rule that is not used up; counts the use.
    pub(crate) fn choose(&self, input: &MatchInput<'_>) -> Option<Chosen> {
        for (index, rule) in self.rules.iter().enumerate() {
            if !rule.matches(input) {
                continue;
            }
            let taken = match rule.times {
                None => {
                    self.hits[index].fetch_add(1, Ordering::Relaxed);
                    true
                }
                Some(limit) => self.hits[index]
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < limit).then_some(n + 1))
                    .is_ok(),
            };
            if taken {
                return Some(Chosen {
                    label: rule.label(index),
                    rule: rule.clone(),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(value: u64) -> MatchInput<'static> {
        MatchInput {
            api: Api::CreatePaymentSession,
            payment_method_type: Some("CARD"),
            amount: Some(Amount::from_minor_units(value, "SGD").unwrap()),
            payment_request_id: Some("pay_1"),
        }
    }

    #[test]
    fn first_match_wins_and_times_runs_out() {
        let book = RuleBook::new(
            Rules::new()
                .with(Rule::new(Action::http_status(500)).amount_ends_with("01").times(1))
                .with(Rule::new(Action::decline("X")).amount_ends_with("01")),
        );
        assert_eq!(book.choose(&input(4201)).unwrap().rule.action, Action::http_status(500));
        assert_eq!(book.choose(&input(4201)).unwrap().rule.action, Action::decline("X"));
        assert!(book.choose(&input(4200)).is_none());
    }

    #[test]
    fn conditions() {
        let r = Rule::new(Action::succeed())
            .payment_method_type("CARD")
            .currency("SGD")
            .amount_between(100, 5000);
        assert!(r.matches(&input(4200)));
        assert!(!r.matches(&input(5001)));
        assert!(!Rule::new(Action::succeed()).currency("USD").matches(&input(4200)));
        assert!(Rule::new(Action::succeed())
            .payment_request_id("pay_*")
            .matches(&input(1)));
        assert!(!Rule::new(Action::succeed())
            .payment_request_id("pay")
            .matches(&input(1)));
        let mut refund = input(1);
        refund.api = Api::Refund;
        assert!(!Rule::new(Action::succeed()).matches(&refund));
        assert!(Rule::new(Action::unknown()).any_api().matches(&refund));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("20s"), Some(Duration::from_secs(20)));
        assert_eq!(parse_duration("2min"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("15"), Some(Duration::from_millis(15)));
        assert_eq!(parse_duration("soon"), None);
    }

    #[test]
    fn toml_errors_name_the_rule() {
        let err = Rules::from_toml_str("[[rule]]\nname = \"x\"\naction = \"explode\"\n").unwrap_err();
        assert!(
            err.to_string().contains("rule #1 (\"x\"): unknown action \"explode\""),
            "{err}"
        );
        let err = Rules::from_toml_str("[[rule]]\naction = \"fail\"\n").unwrap_err();
        assert!(err.to_string().contains("needs a result_code"), "{err}");
        let err = Rules::from_toml_str("[[rule]]\nacton = \"fail\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let err = Rules::from_toml_str("[[rule]]\napi = \"refund\"\naction = \"succeed\"\n").unwrap_err();
        assert!(err.to_string().contains("createPaymentSession"), "{err}");
    }

    #[test]
    fn example_file_parses() {
        let rules = Rules::example();
        assert!(rules.len() >= 6);
        assert!(rules.rules().iter().any(|r| r.action == Action::DropConnection));
    }
}
