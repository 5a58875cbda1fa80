//! `AntomConfig`: everything a merchant declares, from environment variables or a TOML file.
//!
//! | environment variable | TOML key | meaning |
//! | --- | --- | --- |
//! | `ANTOM_CLIENT_ID` | `client_id` | the merchant client id (required) |
//! | `ANTOM_MERCHANT_PRIVATE_KEY` / `ANTOM_MERCHANT_PRIVATE_KEY_FILE` | `merchant_private_key` / `merchant_private_key_file` | the merchant private key, any accepted form (required, one of the two) |
//! | `ANTOM_PUBLIC_KEY` / `ANTOM_PUBLIC_KEY_FILE` | `antom_public_key` / `antom_public_key_file` | Antom's public key, keyVersion 1 (required, one of the two) |
//! | `ANTOM_ENV` | `env` | `sandbox` or `production` (default: from the client id's `SANDBOX_` prefix) |
//! | `ANTOM_REGION` | `region` | `asia` (default), `north-america`, `europe`, `us` |
//! | `ANTOM_BASE_URL` | `base_url` | overrides the region's gateway, e.g. a mock Antom |
//! | `ANTOM_NOTIFY_URL` | `notify_url` | the paymentNotifyUrl sent with each session (required) |
//! | `ANTOM_REDIRECT_URL` | `redirect_url` | the paymentRedirectUrl sent with each session (required) |
//!
//! Environment variables override the file. Every problem is reported at once,
//! one line each, and never with key material.
//!
//! ```
//! use antom_tower::config::AntomConfig;
//!
//! let toml = format!(
//!     "client_id = \"SANDBOX_5YBZ0E2ZC7CZ04567\"\n\
//!      merchant_private_key_file = \"{dir}/merchant_private_key.pem\"\n\
//!      antom_public_key_file = \"{dir}/antom_public_key.pem\"\n\
//!      notify_url = \"https://shop.example/antom/notify\"\n\
//!      redirect_url = \"https://shop.example/antom/return\"\n",
//!     dir = concat!(env!("CARGO_MANIFEST_DIR"), "/keys"),
//! );
//! let config = AntomConfig::from_toml_str(&toml)?;
//! assert_eq!(config.client_id, "SANDBOX_5YBZ0E2ZC7CZ04567");
//! # Ok::<(), antom_tower::config::ConfigError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::client::{AntomClient, AntomClientBuilder, Environment, Region};
use crate::signing::{KeyVersion, PrivateKey, PublicKey, PublicKeyRing};

/// A complete, validated configuration. Keys are parsed once, at start-up.
#[derive(Clone)]
pub struct AntomConfig {
    /// The merchant client id.
    pub client_id: String,
    /// The merchant private key.
    pub merchant_private_key: Arc<PrivateKey>,
    /// Antom's public keys by keyVersion.
    pub antom_public_keys: Arc<PublicKeyRing>,
    /// Sandbox or production.
    pub environment: Environment,
    /// The regional gateway.
    pub region: Region,
    /// A gateway override (a mock Antom), if any.
    pub base_url: Option<String>,
    /// The paymentNotifyUrl sent with each session.
    pub notify_url: String,
    /// The paymentRedirectUrl sent with each session.
    pub redirect_url: String,
}

impl fmt::Debug for AntomConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AntomConfig")
            .field("client_id", &self.client_id)
            .field("merchant_private_key", &self.merchant_private_key)
            .field(
                "antom_public_keys",
                &self.antom_public_keys.versions().collect::<Vec<_>>(),
            )
            .field("environment", &self.environment)
            .field("region", &self.region)
            .field("base_url", &self.base_url)
            .field("notify_url", &self.notify_url)
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

/// Every problem found in a configuration, one line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

/// Raw settings before validation: what the file and the environment said.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    client_id: Option<String>,
    merchant_private_key: Option<String>,
    merchant_private_key_file: Option<PathBuf>,
    antom_public_key: Option<String>,
    antom_public_key_file: Option<PathBuf>,
    env: Option<String>,
    region: Option<String>,
    base_url: Option<String>,
    notify_url: Option<String>,
    redirect_url: Option<String>,
}

impl AntomConfig {
    /// Reads the `ANTOM_*` environment variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("ANTOM_")).collect();
        Self::from_sources(RawConfig::default(), &env)
    }

    /// Reads a TOML file; `ANTOM_*` environment variables override it.
    pub fn from_toml_file_and_env(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            problems: vec![format!("{}: {e}", path.display())],
        })?;
        let raw = parse_toml(&text)?;
        let env: BTreeMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("ANTOM_")).collect();
        Self::from_sources(raw, &env)
    }

    /// Reads TOML text only.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_sources(parse_toml(text)?, &BTreeMap::new())
    }

    /// Reads settings from a map of `ANTOM_*` variables (for tests and embedding).
    pub fn from_env_map(env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        Self::from_sources(RawConfig::default(), env)
    }

    fn from_sources(file: RawConfig, env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let var = |name: &str| env.get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut problems = Vec::new();

        let client_id = var("ANTOM_CLIENT_ID").or(file.client_id);
        if client_id.is_none() {
            problems.push("ANTOM_CLIENT_ID is not set (the merchant client id from the Antom Dashboard)".to_string());
        }

        let private_key = load_key(
            "ANTOM_MERCHANT_PRIVATE_KEY",
            var("ANTOM_MERCHANT_PRIVATE_KEY").or(file.merchant_private_key),
            var("ANTOM_MERCHANT_PRIVATE_KEY_FILE")
                .map(PathBuf::from)
                .or(file.merchant_private_key_file),
            |bytes| PrivateKey::from_bytes(bytes).map_err(|e| e.to_string()),
            &mut problems,
        );
        let public_key = load_key(
            "ANTOM_PUBLIC_KEY",
            var("ANTOM_PUBLIC_KEY").or(file.antom_public_key),
            var("ANTOM_PUBLIC_KEY_FILE")
                .map(PathBuf::from)
                .or(file.antom_public_key_file),
            |bytes| PublicKey::from_bytes(bytes).map_err(|e| e.to_string()),
            &mut problems,
        );

        let environment = match var("ANTOM_ENV").or(file.env) {
            Some(v) => v
                .parse::<Environment>()
                .map_err(|e| problems.push(format!("ANTOM_ENV: {e}")))
                .ok(),
            None => client_id.as_deref().map(Environment::for_client_id),
        };
        let region = match var("ANTOM_REGION").or(file.region) {
            Some(v) => v
                .parse::<Region>()
                .map_err(|e| problems.push(format!("ANTOM_REGION: {e}")))
                .ok(),
            None => Some(Region::default()),
        };
        let base_url = var("ANTOM_BASE_URL").or(file.base_url);
        if let Some(url) = &base_url {
            check_url("ANTOM_BASE_URL", url, &mut problems);
        }
        let notify_url = required_url(
            "ANTOM_NOTIFY_URL",
            var("ANTOM_NOTIFY_URL").or(file.notify_url),
            &mut problems,
        );
        let redirect_url = required_url(
            "ANTOM_REDIRECT_URL",
            var("ANTOM_REDIRECT_URL").or(file.redirect_url),
            &mut problems,
        );

        match (
            client_id,
            private_key,
            public_key,
            environment,
            region,
            notify_url,
            redirect_url,
        ) {
            (
                Some(client_id),
                Some(private_key),
                Some(public_key),
                Some(environment),
                Some(region),
                Some(n),
                Some(r),
            ) if problems.is_empty() => Ok(AntomConfig {
                client_id,
                merchant_private_key: Arc::new(private_key),
                antom_public_keys: Arc::new(PublicKeyRing::new().with_key(KeyVersion(1), public_key)),
                environment,
                region,
                base_url,
                notify_url: n,
                redirect_url: r,
            }),
            _ => Err(ConfigError { problems }),
        }
    }

    /// A client builder preconfigured from these settings.
    pub fn client_builder(&self) -> AntomClientBuilder {
        let builder = AntomClient::builder(self.client_id.clone())
            .signer(self.merchant_private_key.clone())
            .antom_public_keys(self.antom_public_keys.clone())
            .environment(self.environment)
            .region(self.region);
        match &self.base_url {
            Some(url) => builder.base_url(url.clone()),
            None => builder,
        }
    }
}

fn parse_toml(text: &str) -> Result<RawConfig, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError {
        problems: vec![format!(
            "configuration file: {}",
            e.message().lines().next().unwrap_or("invalid TOML")
        )],
    })
}

/// Loads a key given inline or as a file; exactly one of the two must be set.
fn load_key<K>(
    name: &str,
    inline: Option<String>,
    file: Option<PathBuf>,
    parse: impl Fn(&[u8]) -> Result<K, String>,
    problems: &mut Vec<String>,
) -> Option<K> {
    let parsed = match (inline, file) {
        (Some(_), Some(_)) => Err(format!("set either {name} or {name}_FILE, not both")),
        (None, None) => Err(format!("{name} (or {name}_FILE) is not set")),
        (Some(text), None) => parse(text.as_bytes()).map_err(|e| format!("{name}: {e}")),
        (None, Some(path)) => match std::fs::read(&path) {
            Ok(bytes) => parse(&bytes).map_err(|e| format!("{name}_FILE {}: {e}", path.display())),
            Err(e) => Err(format!("{name}_FILE {}: {e}", path.display())),
        },
    };
    parsed.map_err(|problem| problems.push(problem)).ok()
}

fn required_url(name: &str, value: Option<String>, problems: &mut Vec<String>) -> Option<String> {
    match value {
        Some(url) => check_url(name, &url, problems).then_some(url),
        None => {
            problems.push(format!("{name} is not set"));
            None
        }
    }
}

fn check_url(name: &str, url: &str, problems: &mut Vec<String>) -> bool {
    let ok = url
        .parse::<http::Uri>()
        .ok()
        .is_some_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some());
    if !ok {
        problems.push(format!("{name} is not an absolute http(s) URL: {url}"));
    }
    ok
}
