//! Where requests go: region base URLs and the sandbox path prefix.

use std::fmt;
use std::str::FromStr;

/// Antom's regional gateways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Region {
    /// Asia (the default): `https://open-sea-global.alipay.com`.
    #[default]
    Asia,
    /// North America: `https://open-na-global.alipay.com`.
    NorthAmerica,
    /// Europe: `https://open-de-global.alipay.com`.
    Europe,
    /// US merchants: `https://open.antglobal-us.com`.
    UnitedStates,
}

impl Region {
    /// The gateway's base URL, without a trailing slash.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Asia => "https://open-sea-global.alipay.com",
            Region::NorthAmerica => "https://open-na-global.alipay.com",
            Region::Europe => "https://open-de-global.alipay.com",
            Region::UnitedStates => "https://open.antglobal-us.com",
        }
    }
}

/// A region name that is not one of `asia`, `north-america`, `europe`, `us`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Antom region `{0}`; expected one of: asia, north-america, europe, us")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "asia" | "sea" | "" => Ok(Region::Asia),
            "north-america" | "na" => Ok(Region::NorthAmerica),
            "europe" | "eu" | "de" => Ok(Region::Europe),
            "us" | "united-states" => Ok(Region::UnitedStates),
            other => Err(UnknownRegion(other.to_string())),
        }
    }
}

/// Sandbox or production: the sandbox replaces `/ams/api` with `/ams/sandbox/api`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    /// Antom's sandbox (client ids start with `SANDBOX_`).
    #[default]
    Sandbox,
    /// Live payments.
    Production,
}

impl Environment {
    /// The environment a client id belongs to, as the official libraries decide it.
    pub fn for_client_id(client_id: &str) -> Self {
        if client_id.starts_with("SANDBOX_") {
            Environment::Sandbox
        } else {
            Environment::Production
        }
    }

    /// The request path for an API's production path in this environment.
    pub fn path(self, production_path: &str) -> String {
        match (self, production_path.strip_prefix("/ams/api")) {
            (Environment::Sandbox, Some(rest)) => format!("/ams/sandbox/api{rest}"),
            _ => production_path.to_string(),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
        })
    }
}

/// An environment name that is not `sandbox` or `production`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Antom environment `{0}`; expected sandbox or production")]
pub struct UnknownEnvironment(pub String);

impl FromStr for Environment {
    type Err = UnknownEnvironment;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Environment::Sandbox),
            "production" | "prod" | "live" => Ok(Environment::Production),
            other => Err(UnknownEnvironment(other.to_string())),
        }
    }
}
