//! Operating the checkout: the admin pages behind a token from the
//! environment, Prometheus metrics on a local port, and OpenTelemetry traces
//! when an OTLP endpoint is configured.
//!
//! | variable | what it does |
//! | --- | --- |
//! | `ANTOM_ADMIN_TOKEN` | mounts the admin pages under `/antom/admin` behind this token (16 characters or more); unset: not mounted, and the log says so |
//! | `METRICS_PORT` | the port of `GET /metrics` (Prometheus' text format) on 127.0.0.1 (default 9464; `off` for none) |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | exports traces over OTLP/HTTP there (e.g. `http://127.0.0.1:4318`); unset: no exporter |
//! | `RUST_LOG` | the log filter (default `info`) |

use antom_tower::checkout::admin::TokenAuthorization;
use antom_tower::checkout::Checkout;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use antom_example_support::BoxError;

/// The admin pages behind `token`, or an empty router (logged) without one.
pub fn admin(checkout: &Checkout, token: Option<TokenAuthorization>) -> Router {
    match token {
        Some(token) => {
            tracing::info!("admin pages mounted under /antom/admin");
            checkout.admin_router(token)
        }
        None => {
            tracing::warn!("admin pages not mounted: set ANTOM_ADMIN_TOKEN (16 characters or more) to mount them");
            Router::new()
        }
    }
}

/// The admin token from `ANTOM_ADMIN_TOKEN`, if set. The session cookie is
/// marked `Secure` unless the server is reached over plain HTTP on loopback.
pub fn admin_token_from_env(plain_http: bool) -> Result<Option<TokenAuthorization>, BoxError> {
    let token = TokenAuthorization::from_env("ANTOM_ADMIN_TOKEN").map_err(|e| format!("ANTOM_ADMIN_TOKEN: {e}"))?;
    Ok(token.map(|token| token.secure_cookie(!plain_http)))
}

/// Installs the Prometheus recorder (once per process) and describes antom's metrics.
pub fn install_metrics() -> Result<PrometheusHandle, BoxError> {
    let handle = PrometheusBuilder::new().install_recorder()?;
    antom_tower::telemetry::describe();
    Ok(handle)
}

/// `GET /metrics`, for a scraper: serve it on a local port, not to the internet.
pub fn metrics_router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { handle.render() }
        }),
    )
}

/// Logs to stderr (`RUST_LOG`, default `info`), plus OpenTelemetry traces over
/// OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: one trace per
/// notification (verify -> store -> acknowledgement) and per Antom call.
/// Keep the provider and call `shutdown` on exit to flush the last spans.
pub fn init_tracing() -> Result<Option<SdkTracerProvider>, BoxError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let provider = match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Ok(endpoint) if !endpoint.trim().is_empty() => {
            let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
            Some(SdkTracerProvider::builder().with_batch_exporter(exporter).build())
        }
        _ => None,
    };
    let otel = provider
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer("antom-example-checkout")));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer())
        .with(otel)
        .try_init();
    Ok(provider)
}
