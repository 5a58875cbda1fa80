//! `antom trigger`: every notification Antom can send a checkout merchant,
//! by name, with field overrides, re-signed with the test key for the
//! target URL and the current time.
//!
//! The events are the catalogue's notifications ([`fixtures::notifications`](crate::fixtures::notifications()):
//! payment success, one failure per `paymentResultCode`, pending, expired,
//! refund success and failure) plus notifyDispute (`notify_dispute.<type>`,
//! the fields of the official libraries' `AlipayDisputeNotify`) and
//! notifyCapture (`notify_capture.success` / `.failed`).
//!
//! ```
//! use antom_testkit::trigger;
//!
//! let event = trigger::by_name("notify_payment.success").unwrap();
//! let body = trigger::apply_overrides(&event.body, &["paymentRequestId=order_42".into(), "paymentAmount.value=990".into()])?;
//! let json: serde_json::Value = serde_json::from_slice(&body)?;
//! assert_eq!(json["paymentRequestId"], "order_42");
//! assert_eq!(json["paymentAmount"]["value"], "990");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde_json::{json, Map, Value};

use crate::fixtures;

/// One notification `antom trigger` can send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its name, e.g. `notify_payment.success`.
    pub name: String,
    /// What it says.
    pub description: String,
    /// The body as the catalogue has it.
    pub body: Vec<u8>,
}

/// Every event, catalogue notifications first.
pub fn events() -> Vec<Event> {
    let mut events: Vec<Event> = fixtures::notifications()
        .into_iter()
        .map(|f| Event {
            name: f.name().to_owned(),
            description: f.description().to_owned(),
            body: f.body().to_vec(),
        })
        .collect();
    for kind in crate::mock::control::DISPUTE_NOTIFICATION_TYPES {
        events.push(Event {
            name: format!("notify_dispute.{}", kind.to_ascii_lowercase()),
            description: format!("notifyDispute {kind} for paymentRequestId01 (42.00 MYR)"),
            body: serde_json::to_vec(&dispute_body(kind)).expect("JSON serializes"),
        });
    }
    for (name, success) in [("success", true), ("failed", false)] {
        events.push(Event {
            name: format!("notify_capture.{name}"),
            description: format!(
                "notifyCapture CAPTURE_RESULT: the capture of paymentRequestId01 {}",
                if success {
                    "succeeded (SUCCESS / S)"
                } else {
                    "failed (PROCESS_FAIL / F)"
                }
            ),
            body: serde_json::to_vec(&capture_body(success)).expect("JSON serializes"),
        });
    }
    events
}

/// The event with this name.
pub fn by_name(name: &str) -> Option<Event> {
    events().into_iter().find(|e| e.name == name)
}

fn payment_id() -> String {
    fixtures::derived_payment_id("paymentRequestId01")
}

fn amount() -> Value {
    json!({"currency": "MYR", "value": "4200"})
}

fn dispute_body(kind: &str) -> Value {
    let mut body = json!({
        "paymentRequestId": "paymentRequestId01",
        "paymentId": payment_id(),
        "disputeId": "disputeId01",
        "disputeTime": fixtures::NOTIFICATION_REQUEST_TIME,
        "disputeAmount": amount(),
        "disputeNotificationType": kind,
        "disputeReasonCode": "4853",
        "disputeReasonMsg": "Cardholder dispute: not as described",
        "disputeSource": "CARD",
        "disputeType": "CHARGEBACK",
        "defendable": "true",
    });
    let map = body.as_object_mut().expect("an object");
    match kind {
        "DISPUTE_CREATED" | "DEFENSE_DUE_ALERT" => {
            map.insert("defenseDueTime".into(), json!("2026-01-22T10:00:05+08:00"));
        }
        "DISPUTE_JUDGED" => {
            map.insert("disputeJudgedTime".into(), json!("2026-01-25T10:00:05+08:00"));
            map.insert("disputeJudgedAmount".into(), amount());
            map.insert("disputeJudgedResult".into(), json!("ACCEPT_BY_MERCHANT"));
        }
        _ => {}
    }
    body
}

fn capture_body(success: bool) -> Value {
    let result = if success {
        json!({"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"})
    } else {
        json!({"resultCode": "PROCESS_FAIL", "resultStatus": "F", "resultMessage": "A general business failure occurred."})
    };
    json!({
        "notifyType": "CAPTURE_RESULT",
        "result": result,
        "captureRequestId": "captureRequestId01",
        "paymentId": payment_id(),
        "captureId": "captureId01",
        "captureAmount": amount(),
        "captureTime": fixtures::NOTIFICATION_REQUEST_TIME,
    })
}

/// Why an override does not apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OverrideError {
    /// Not `path=value`.
    #[error("--set {0:?}: expected json.path=value")]
    Syntax(String),
    /// The body is not a JSON object.
    #[error("the body is not a JSON object")]
    NotAnObject,
    /// A path step goes through something that is not an object.
    #[error("--set {0:?}: {1:?} is not an object")]
    NotAnObjectAt(String, String),
}

/// Applies `json.path=value` overrides (dots separate object keys; the value
/// is taken as JSON when it parses as JSON other than a number, else as a
/// string, so `value=990` stays the string Antom sends). Without overrides the
/// bytes are returned unchanged.
pub fn apply_overrides(body: &[u8], overrides: &[String]) -> Result<Vec<u8>, OverrideError> {
    if overrides.is_empty() {
        return Ok(body.to_vec());
    }
    let mut root: Value = serde_json::from_slice(body).map_err(|_| OverrideError::NotAnObject)?;
    if !root.is_object() {
        return Err(OverrideError::NotAnObject);
    }
    for spec in overrides {
        let (path, raw) = spec
            .split_once('=')
            .ok_or_else(|| OverrideError::Syntax(spec.clone()))?;
        if path.is_empty() {
            return Err(OverrideError::Syntax(spec.clone()));
        }
        let value = match serde_json::from_str::<Value>(raw) {
            Ok(Value::Number(_)) | Err(_) => Value::String(raw.to_owned()),
            Ok(v) => v,
        };
        let mut node = &mut root;
        let keys: Vec<&str> = path.split('.').collect();
        for (i, key) in keys.iter().enumerate() {
            let map = node
                .as_object_mut()
                .ok_or_else(|| OverrideError::NotAnObjectAt(spec.clone(), keys[..i].join(".")))?;
            if i == keys.len() - 1 {
                map.insert((*key).to_owned(), value.clone());
                break;
            }
            node = map
                .entry((*key).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    Ok(serde_json::to_vec(&root).expect("JSON serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_the_issue_names_is_there() {
        let names: Vec<String> = events().into_iter().map(|e| e.name).collect();
        for name in [
            "notify_payment.success",
            "notify_payment.pending",
            "notify_payment.expired",
            "notify_payment.failed.user_balance_not_enough",
            "notify_refund.success",
            "notify_dispute.dispute_created",
            "notify_dispute.dispute_judged",
            "notify_capture.success",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} missing from {names:?}");
        }
    }

    #[test]
    fn overrides_nest_and_keep_strings() {
        let body = br#"{"a":{"b":"1"},"c":"x"}"#;
        assert_eq!(apply_overrides(body, &[]).unwrap(), body.to_vec());
        let out = apply_overrides(body, &["a.b=2".into(), "d.e=true".into(), "c=hello".into()]).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v, json!({"a": {"b": "2"}, "c": "hello", "d": {"e": true}}));
        assert!(matches!(
            apply_overrides(body, &["c.x=1".into()]),
            Err(OverrideError::NotAnObjectAt(..))
        ));
        assert!(matches!(
            apply_overrides(body, &["nope".into()]),
            Err(OverrideError::Syntax(_))
        ));
    }
}
