//! Shaping the createPaymentSession request before it is sent.
//!
//! The checkout builds the request from the stored order as before
//! (`paymentRequestId`, `order` with the priced goods and buyer, the amount,
//! the buyer's payment method, the notify and redirect URLs), then runs the
//! merchant's [`SessionOptions`] and [`CustomizeSession`] hook on it, with
//! the priced order and the HTTP request at hand. Without either, the
//! request is what it was before this hook existed.
//!
//! ```
//! use std::time::Duration;
//! use antom_tower::checkout::{SessionContext, SessionOptions};
//! use antom_types::{CreatePaymentSessionRequest, Currency};
//!
//! // The preset: env from the browser (terminal type, OS, user agent, client IP),
//! // productScene CHECKOUT_PAYMENT, a 30-minute session, settled in USD.
//! let options = SessionOptions::checkout_payment()
//!     .expires_after(Duration::from_secs(30 * 60))
//!     .settlement_currency(Currency::USD)
//!     .locale("en_US");
//! // Anything else, by hand.
//! let hook = |request: &mut CreatePaymentSessionRequest, context: &SessionContext<'_>| {
//!     request.merchant_region = Some("SG".into());
//!     let _ = context.priced.metadata.get("campaign");
//! };
//! # let _ = (options, hook);
//! ```

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

use antom_types::{
    CreatePaymentSessionRequest, Currency, Env, OsType, SettlementStrategy, TerminalType,
    PRODUCT_SCENE_CHECKOUT_PAYMENT,
};
use http::HeaderName;

use super::pricing::PricedOrder;
use crate::store::Order as StoredOrder;

/// What a session hook sees.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SessionContext<'a> {
    /// The order as the pricing hook answered it.
    pub priced: &'a PricedOrder,
    /// The stored order (ids, amount, payment method).
    pub order: &'a StoredOrder,
    /// The HTTP request's parts (headers such as `User-Agent` and `Accept-Language`).
    pub parts: &'a http::request::Parts,
    /// The buyer's address, as the checkout's [`ClientAddress`] reads it.
    pub client_ip: Option<IpAddr>,
}

/// Changes the createPaymentSession request before it is sent. Implemented
/// by closures `Fn(&mut CreatePaymentSessionRequest, &SessionContext<'_>)`.
pub trait CustomizeSession: Send + Sync + 'static {
    /// Changes `request`.
    fn customize(&self, request: &mut CreatePaymentSessionRequest, context: &SessionContext<'_>);
}

impl<F> CustomizeSession for F
where
    F: Fn(&mut CreatePaymentSessionRequest, &SessionContext<'_>) + Send + Sync + 'static,
{
    fn customize(&self, request: &mut CreatePaymentSessionRequest, context: &SessionContext<'_>) {
        self(request, context)
    }
}

/// The common session settings, declared. Nothing is set by default.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    env_from_request: bool,
    product_scene: Option<String>,
    locale: Option<String>,
    settlement_currency: Option<Currency>,
    expires_after: Option<Duration>,
    available_payment_methods: Vec<String>,
}

impl SessionOptions {
    /// No settings: the request goes as the checkout built it.
    pub fn new() -> SessionOptions {
        SessionOptions::default()
    }

    /// The preset for Checkout Payment from a browser: [`env_from_request`](Self::env_from_request)
    /// and `productScene` [`CHECKOUT_PAYMENT`](PRODUCT_SCENE_CHECKOUT_PAYMENT).
    pub fn checkout_payment() -> SessionOptions {
        SessionOptions::new()
            .env_from_request()
            .product_scene(PRODUCT_SCENE_CHECKOUT_PAYMENT)
    }

    /// Fills `env` from the request: `terminalType` (`WAP` for a mobile user
    /// agent, else `WEB`), `osType` (`IOS`, `ANDROID`), `userAgent` and `clientIp`.
    pub fn env_from_request(mut self) -> Self {
        self.env_from_request = true;
        self
    }

    /// Sets `productScene`.
    pub fn product_scene(mut self, scene: impl Into<String>) -> Self {
        self.product_scene = Some(scene.into());
        self
    }

    /// Sets `locale` (e.g. `en_US`).
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }

    /// Sets `settlementStrategy.settlementCurrency`: needed by merchants with
    /// several settlement currencies.
    pub fn settlement_currency(mut self, currency: Currency) -> Self {
        self.settlement_currency = Some(currency);
        self
    }

    /// How long after creation the session expires, if set.
    pub(crate) fn expiry(&self) -> Option<Duration> {
        self.expires_after
    }

    /// Sets `paymentSessionExpiryTime` to this long after the session is created.
    pub fn expires_after(mut self, after: Duration) -> Self {
        self.expires_after = Some(after);
        self
    }

    /// Sends `availablePaymentMethod.paymentMethodTypeList`: the methods
    /// Antom's page may offer.
    pub fn available_payment_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.available_payment_methods = methods.into_iter().map(Into::into).collect();
        self
    }
}

impl CustomizeSession for SessionOptions {
    fn customize(&self, request: &mut CreatePaymentSessionRequest, context: &SessionContext<'_>) {
        if self.env_from_request {
            let env = request.env.get_or_insert_with(Env::default);
            let user_agent = context
                .parts
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok());
            if let Some(user_agent) = user_agent {
                let (terminal, os) = terminal_of(user_agent);
                env.terminal_type = Some(terminal);
                env.os_type = os;
                env.user_agent = Some(user_agent.to_owned());
            } else {
                env.terminal_type.get_or_insert(TerminalType::Web);
            }
            if let Some(ip) = context.client_ip {
                env.client_ip = Some(ip.to_string());
            }
        }
        if let Some(scene) = &self.product_scene {
            request.product_scene = Some(scene.clone());
        }
        if let Some(locale) = &self.locale {
            request.locale = Some(locale.clone());
        }
        if let Some(currency) = self.settlement_currency {
            request.settlement_strategy = Some(SettlementStrategy::new(currency));
        }
        if let Some(after) = self.expires_after {
            request.payment_session_expiry_time = Some(iso8601(SystemTime::now() + after));
        }
        if !self.available_payment_methods.is_empty() {
            let list: Vec<serde_json::Value> = self
                .available_payment_methods
                .iter()
                .map(|method| serde_json::json!({ "paymentMethodType": method }))
                .collect();
            request.extra.insert(
                "availablePaymentMethod".into(),
                serde_json::json!({ "paymentMethodTypeList": list }),
            );
        }
    }
}

/// The terminal type and OS a user agent says.
pub fn terminal_of(user_agent: &str) -> (TerminalType, Option<OsType>) {
    let os = if ["iPhone", "iPad", "iPod"].iter().any(|t| user_agent.contains(t)) {
        Some(OsType::Ios)
    } else if user_agent.contains("Android") {
        Some(OsType::Android)
    } else {
        None
    };
    let mobile = os.is_some() || user_agent.contains("Mobile");
    (if mobile { TerminalType::Wap } else { TerminalType::Web }, os)
}

/// `2026-08-23T10:15:30+00:00`: the ISO 8601 form Antom's time fields take.
fn iso8601(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

/// Where the buyer's IP address is read: for `env.clientIp` and the
/// per-client rate limit.
///
/// Behind a reverse proxy or load balancer the peer is the proxy: use the
/// header your proxy sets, and make sure clients cannot reach the server
/// except through it (a header a client sends straight to the server is
/// whatever the client wants).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAddress {
    /// The TCP peer (default): axum's `ConnectInfo<SocketAddr>` (serve with
    /// `into_make_service_with_connect_info::<SocketAddr>()`) or a `SocketAddr`
    /// request extension. For servers that face the internet directly.
    #[default]
    Peer,
    /// The last address of the last `X-Forwarded-For` header: the one your
    /// own proxy appended (nginx `$proxy_add_x_forwarded_for`, AWS ALB, most
    /// load balancers). Right for exactly one proxy in front of the server.
    RightmostForwardedFor,
    /// A header your proxy sets to the client address alone, e.g.
    /// `X-Real-IP` (nginx), `CF-Connecting-IP` (Cloudflare), `Fly-Client-IP`.
    Header(HeaderName),
}

impl ClientAddress {
    /// The buyer's address for a request with these headers and extensions.
    pub fn client_ip(&self, headers: &http::HeaderMap, extensions: &http::Extensions) -> Option<IpAddr> {
        match self {
            ClientAddress::Peer => extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip())
                .or_else(|| extensions.get::<SocketAddr>().map(SocketAddr::ip)),
            ClientAddress::RightmostForwardedFor => {
                last_address(headers, &http::HeaderName::from_static("x-forwarded-for"))
            }
            ClientAddress::Header(name) => last_address(headers, name),
        }
    }
}

fn last_address(headers: &http::HeaderMap, name: &HeaderName) -> Option<IpAddr> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_types_from_user_agents() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
        assert_eq!(terminal_of(iphone), (TerminalType::Wap, Some(OsType::Ios)));
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36";
        assert_eq!(terminal_of(android), (TerminalType::Wap, Some(OsType::Android)));
        let desktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36";
        assert_eq!(terminal_of(desktop), (TerminalType::Web, None));
    }

    #[test]
    fn client_addresses() {
        let mut headers = http::HeaderMap::new();
        headers.append("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().unwrap());
        headers.append("x-real-ip", "192.0.2.44".parse().unwrap());
        let mut extensions = http::Extensions::new();
        extensions.insert(axum::extract::ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        let ip = |source: ClientAddress| source.client_ip(&headers, &extensions).map(|ip| ip.to_string());
        assert_eq!(ip(ClientAddress::Peer).as_deref(), Some("10.0.0.1"));
        assert_eq!(
            ip(ClientAddress::RightmostForwardedFor).as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(
            ip(ClientAddress::Header(HeaderName::from_static("x-real-ip"))).as_deref(),
            Some("192.0.2.44")
        );
        assert_eq!(
            ip(ClientAddress::Header(HeaderName::from_static("cf-connecting-ip"))),
            None
        );
        assert_eq!(
            ClientAddress::Peer.client_ip(&headers, &http::Extensions::new()),
            None,
            "no peer address without ConnectInfo"
        );
    }

    #[test]
    fn expiry_times_are_iso8601() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_787_480_130);
        assert_eq!(iso8601(at), "2026-08-23T10:15:30+00:00");
    }
}
