//! Which Antom the examples talk to: the mock from `antom-testkit` on
//! 127.0.0.1, or Antom itself when real credentials are in the environment.
//!
//! Both go through the same [`AntomConfig`]: the mock is only a set of
//! `ANTOM_*` values (the testkit's keys, the mock's client id, and
//! `ANTOM_BASE_URL` pointing at the mock), so what works here works with
//! Antom's sandbox by setting the variables instead.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;

use antom_testkit::keys;
use antom_testkit::mock::{MockAntom, MockAntomHandle};
use antom_tower::config::{AntomConfig, ConfigError};
use antom_tower::verify_notification::VerifyNotificationLayer;

/// The variable whose presence switches the examples from the mock to Antom.
pub const CREDENTIALS_VAR: &str = "ANTOM_CLIENT_ID";

/// Whether `ANTOM_CLIENT_ID` is set (non-empty): then the examples use the
/// `ANTOM_*` configuration and start no mock.
pub fn credentials_in_env() -> bool {
    std::env::var(CREDENTIALS_VAR).is_ok_and(|v| !v.trim().is_empty())
}

/// Where a merchant server is reached and where its Antom routes are.
#[derive(Debug, Clone)]
pub struct MerchantUrls {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The full paymentNotifyUrl.
    pub notify_url: String,
    /// The full paymentRedirectUrl (the order id is appended).
    pub redirect_url: String,
}

impl MerchantUrls {
    /// The URLs of a server listening on `addr` with its notify route at
    /// `notify_path` and its return page at `return_path`.
    pub fn new(addr: SocketAddr, notify_path: &str, return_path: &str) -> Self {
        let base_url = format!("http://{addr}");
        MerchantUrls {
            notify_url: format!("{base_url}{notify_path}"),
            redirect_url: format!("{base_url}{return_path}"),
            base_url,
        }
    }
}

/// Starts the mock Antom on 127.0.0.1 (a free port), with Antom's real
/// notification schedule.
pub async fn start_mock() -> std::io::Result<MockAntomHandle> {
    MockAntom::builder().start().await
}

/// The configuration of a merchant talking to `mock`: exactly the `ANTOM_*`
/// variables a merchant would set, with the testkit's (public, test-only) keys.
pub fn mock_config(mock: &MockAntomHandle, urls: &MerchantUrls) -> Result<AntomConfig, ConfigError> {
    let vars = BTreeMap::from([
        ("ANTOM_CLIENT_ID".to_owned(), mock.client_id().to_owned()),
        (
            "ANTOM_MERCHANT_PRIVATE_KEY".to_owned(),
            keys::MERCHANT_PRIVATE_KEY_PEM.to_owned(),
        ),
        ("ANTOM_PUBLIC_KEY".to_owned(), keys::ANTOM_PUBLIC_KEY_PEM.to_owned()),
        ("ANTOM_BASE_URL".to_owned(), mock.base_url().to_owned()),
        ("ANTOM_NOTIFY_URL".to_owned(), urls.notify_url.clone()),
        ("ANTOM_REDIRECT_URL".to_owned(), urls.redirect_url.clone()),
    ]);
    AntomConfig::from_env_map(&vars)
}

/// The configuration from the `ANTOM_*` environment variables, with the
/// local notify and redirect URLs as defaults when `ANTOM_NOTIFY_URL` /
/// `ANTOM_REDIRECT_URL` are not set. Returns the configuration and the
/// warnings to print.
pub fn env_config(urls: &MerchantUrls) -> Result<(AntomConfig, Vec<String>), ConfigError> {
    let mut vars: BTreeMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("ANTOM_")).collect();
    let mut warnings = Vec::new();
    let unset = |vars: &BTreeMap<String, String>, name: &str| vars.get(name).is_none_or(|v| v.trim().is_empty());
    if unset(&vars, "ANTOM_NOTIFY_URL") {
        warnings.push(format!(
            "ANTOM_NOTIFY_URL is not set: using {}, which Antom cannot reach from the internet. \
             Orders still settle: the result page asks Antom (inquiryPayment) every 2 s while pending. \
             To receive notifications, expose this server on a public https URL and set ANTOM_NOTIFY_URL to it.",
            urls.notify_url
        ));
        vars.insert("ANTOM_NOTIFY_URL".into(), urls.notify_url.clone());
    }
    if unset(&vars, "ANTOM_REDIRECT_URL") {
        vars.insert("ANTOM_REDIRECT_URL".into(), urls.redirect_url.clone());
    }
    Ok((AntomConfig::from_env_map(&vars)?, warnings))
}

/// The notification check for `config`'s client id and Antom public keys
/// (default limits: 64 KiB bodies, a 25-hour replay window).
pub fn verify_layer(config: &AntomConfig) -> VerifyNotificationLayer {
    VerifyNotificationLayer::new(config.client_id.clone(), config.antom_public_keys.clone())
}

/// Which Antom a server talks to.
pub enum Backend {
    /// The mock, running on 127.0.0.1 (dropping the handle stops it).
    Mock(MockAntomHandle),
    /// Antom itself (sandbox or production), from the `ANTOM_*` variables.
    Antom,
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Mock(mock) => f.debug_tuple("Mock").field(&mock.base_url()).finish(),
            Backend::Antom => f.write_str("Antom"),
        }
    }
}

impl Backend {
    /// The mock, if that is what runs.
    pub fn mock(&self) -> Option<&MockAntomHandle> {
        match self {
            Backend::Mock(mock) => Some(mock),
            Backend::Antom => None,
        }
    }
}

/// For the binaries: Antom from the environment if `ANTOM_CLIENT_ID` is set,
/// else a freshly started mock. Prints what it chose.
pub async fn backend_for(urls: &MerchantUrls) -> Result<(Backend, AntomConfig), crate::BoxError> {
    if credentials_in_env() {
        let (config, warnings) = env_config(urls).map_err(|e| {
            let lines: Vec<String> = e
                .problems
                .iter()
                .map(|p| format!("ANTOM_* configuration: {p}"))
                .collect();
            lines.join("\n")
        })?;
        for warning in warnings {
            eprintln!("warning: {warning}");
        }
        let base = config
            .base_url
            .clone()
            .unwrap_or_else(|| config.region.base_url().to_string());
        eprintln!(
            "Antom: {} ({:?}), client id {}",
            base, config.environment, config.client_id
        );
        Ok((Backend::Antom, config))
    } else {
        let mock = start_mock().await?;
        let config = mock_config(&mock, urls)?;
        eprintln!(
            "Antom: the mock Antom at {} (set ANTOM_CLIENT_ID and friends to use Antom's sandbox instead)",
            mock.base_url()
        );
        Ok((Backend::Mock(mock), config))
    }
}

/// The port a binary listens on: `$PORT`, or `default`.
pub fn port_from_env(default: u16) -> Result<u16, crate::BoxError> {
    port_from_env_var("PORT", default)
}

/// The port in the environment variable `name`, or `default` when unset.
pub fn port_from_env_var(name: &str, default: u16) -> Result<u16, crate::BoxError> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{name} must be a port number from 0 to 65535, got `{}`", text.trim()).into()),
        Err(_) => Ok(default),
    }
}

/// For the binaries' `main`: on an error, prints it as plain lines on
/// stderr, one `error: ...` line per problem (a configuration error lists
/// each missing or invalid setting on a line of its own), and exits with
/// status 2; `Ok` exits 0.
pub fn exit_code(result: Result<(), crate::BoxError>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            for line in error.to_string().lines().map(str::trim).filter(|l| !l.is_empty()) {
                eprintln!("error: {}", line.trim_start_matches("- "));
            }
            std::process::ExitCode::from(2)
        }
    }
}

/// Starts `tracing` output (`RUST_LOG`, default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

/// Resolves on Ctrl-C (or never, if the signal cannot be installed).
pub async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
