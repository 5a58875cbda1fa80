//! The local checkout: an axum server with the checkout routes of
//! `antom_tower::checkout` under `/antom`, and the checkout web page.
//!
//! | route | what it is |
//! | --- | --- |
//! | `GET /` | the checkout page (`web/index.html`, `app.js`, `style.css`, compiled in) |
//! | `GET /config.json` | what the page needs to know: mock or Antom, sandbox or production, whether the Web SDK is installed |
//! | `GET /sdk/ams-checkout.min.js` | Antom's Web SDK from `web/node_modules` (`npm ci --prefix examples/checkout/web`), never a CDN |
//! | `POST /antom/sessions` | create the order and the payment session |
//! | `POST /antom/notify` | Antom's notifications, verified by `VerifyNotificationLayer` |
//! | `GET /antom/orders/{id}` | the order (asks Antom while pending) |
//! | `GET /antom/return` | the result page the buyer returns to; polls until the status is final |
//!
//! With the mock, the page sends the buyer to the mock's cashier page
//! (`normalUrl`); with Antom, it loads `@alipay/ams-checkout` and calls
//! `createComponent` with `paymentSessionData`.

pub mod operations;

use std::path::PathBuf;

use antom_tower::checkout::{Checkout, SessionOptions, SessionRateLimit};
use antom_tower::client::Environment;
use antom_tower::config::AntomConfig;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;

use antom_example_support::catalogue::{self, PAYMENT_METHODS};
use antom_example_support::setup::MerchantUrls;

/// Where the checkout routes are mounted.
pub const PREFIX: &str = "/antom";
/// The path of the Web SDK as the page loads it.
pub const SDK_PATH: &str = "/sdk/ams-checkout.min.js";
/// How to install the Web SDK, as the page and the README say it.
pub const SDK_INSTALL_COMMAND: &str = "npm ci --prefix examples/checkout/web";

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const STYLE_CSS: &str = include_str!("../web/style.css");

/// Who takes the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The mock Antom: the page redirects to its cashier page.
    Mock,
    /// Antom itself: the page runs the Web SDK.
    Antom,
}

/// What the page is served with.
#[derive(Debug, Clone)]
pub struct PageOptions {
    /// Mock or Antom.
    pub mode: Mode,
    /// `sandbox` or `prod`, for the SDK's `environment`.
    pub environment: Environment,
    /// The SDK bundle to serve at [`SDK_PATH`] (default [`default_sdk_file`]).
    pub sdk_file: PathBuf,
}

impl PageOptions {
    /// Options for `config`: the SDK from `web/node_modules`.
    pub fn new(mode: Mode, config: &AntomConfig) -> Self {
        PageOptions {
            mode,
            environment: config.environment,
            sdk_file: default_sdk_file(),
        }
    }
}

/// `examples/checkout/web/node_modules/@alipay/ams-checkout/dist/umd/ams-checkout.min.js`:
/// the UMD bundle, which defines `window.AMSCashierPayment`.
pub fn default_sdk_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/node_modules/@alipay/ams-checkout/dist/umd/ams-checkout.min.js")
}

/// The notify and return URLs of a checkout server listening on `addr`.
pub fn urls(addr: std::net::SocketAddr) -> MerchantUrls {
    MerchantUrls::new(addr, &format!("{PREFIX}/notify"), &format!("{PREFIX}/return"))
}

/// The default limit on session creation: 10 at once per client, then one more every 6 s.
pub fn default_rate_limit() -> SessionRateLimit {
    SessionRateLimit::per_client(10, std::time::Duration::from_secs(6))
}

/// The checkout routes for `config` and `store`, under [`PREFIX`]: priced
/// from the [`catalogue`], rate limited per client
/// ([`default_rate_limit`]; serve with `ConnectInfo`, as [`serve`] does).
pub fn checkout(
    config: &AntomConfig,
    store: impl antom_tower::store::OrderStore,
) -> Result<Checkout, antom_tower::checkout::CheckoutBuildError> {
    Checkout::from_config(config, store)?
        .pricing(catalogue::pricing())
        .payment_methods(PAYMENT_METHODS.iter().copied())
        .session_options(SessionOptions::new().env_from_request())
        .rate_limit(default_rate_limit())
        .prefix(PREFIX)
        .build()
}

/// The whole app: the page, its configuration, the SDK and the checkout routes.
pub fn router(checkout: &Checkout, options: PageOptions) -> Router {
    let config = serde_json::json!({
        "mode": match options.mode { Mode::Mock => "mock", Mode::Antom => "antom" },
        "environment": match options.environment { Environment::Sandbox => "sandbox", Environment::Production => "prod" },
        "sessionsUrl": format!("{PREFIX}/sessions"),
        "returnUrl": format!("{PREFIX}/return"),
        "sdk": {
            "url": SDK_PATH,
            "install": SDK_INSTALL_COMMAND,
        },
    });
    let sdk_file = options.sdk_file.clone();
    let config_sdk_file = options.sdk_file;
    Router::new()
        .route("/", get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }))
        .route(
            "/index.html",
            get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }),
        )
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/config.json",
            get(move || {
                let mut config = config.clone();
                let sdk_file = config_sdk_file.clone();
                async move {
                    // Checked on each load: `npm ci` may run while the server is up.
                    config["sdk"]["available"] = tokio::fs::metadata(&sdk_file).await.is_ok_and(|m| m.is_file()).into();
                    no_store(Json(config).into_response())
                }
            }),
        )
        .route(SDK_PATH, get(move || serve_sdk(sdk_file.clone())))
        .merge(checkout.router())
}

/// Serves [`router`] on `listener` until `shutdown` resolves, with
/// [`antom_tower::serve::Server`]'s header read timeout, idle timeout and
/// connection bound (`axum::serve` has none of them).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    antom_tower::serve::Server::new(listener)
        .with_graceful_shutdown(shutdown)
        .serve(app)
        .await
}

async fn serve_sdk(file: PathBuf) -> Response {
    match tokio::fs::read(&file).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))],
            format!(
                "Antom's Web SDK (@alipay/ams-checkout) is not installed: run `{SDK_INSTALL_COMMAND}` from the repository root.\n"
            ),
        )
            .into_response(),
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    no_store(([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response())
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
