//! The rules file: TOML `[[rule]]` tables into [`Rule`]s, and what can be
//! wrong with one.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::{Action, Api, Rule};
use crate::mock::faults::NotificationFaults;

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
    pub(super) fn in_file(self, file: &Path) -> RulesError {
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

/// Parses the `[[rule]]` tables of a rules file.
pub(super) fn parse(text: &str) -> Result<Vec<Rule>, RulesError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| RulesError::Toml {
        path: None,
        message: e.to_string(),
    })?;
    file.rule
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
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::rules::Rules;

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
