//! `antom mock-control`: drives a running mock's control API.

use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Map, Value};

/// `antom mock-control` arguments.
#[derive(clap::Args)]
pub struct ControlArgs {
    /// The mock's base URL (default: $ANTOM_BASE_URL).
    #[arg(long)]
    mock: Option<String>,
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// The buyer pays.
    Pay { payment_request_id: String },
    /// The payment fails with a paymentResultCode.
    Fail {
        payment_request_id: String,
        #[arg(long, default_value = "PROCESS_FAIL")]
        result_code: String,
    },
    /// The buyer cancels.
    Cancel { payment_request_id: String },
    /// The session expires unpaid.
    Expire { payment_request_id: String },
    /// Refund a paid payment (default: what is left) and notify.
    Refund {
        payment_request_id: String,
        /// Minor units.
        #[arg(long)]
        amount: Option<u64>,
        #[arg(long)]
        refund_request_id: Option<String>,
    },
    /// Send a notifyDispute about the payment.
    Dispute {
        payment_request_id: String,
        /// disputeNotificationType: DISPUTE_CREATED, DISPUTE_JUDGED, DISPUTE_CANCELLED, DEFENSE_SUPPLIED, DEFENSE_DUE_ALERT, DISPUTE_ACCEPTED, RDR_RESOLVED.
        #[arg(long = "type", default_value = "DISPUTE_CREATED")]
        kind: String,
        /// Minor units of disputeAmount.
        #[arg(long)]
        amount: Option<u64>,
        #[arg(long)]
        reason_code: Option<String>,
        /// disputeJudgedResult of a DISPUTE_JUDGED: ACCEPT_BY_MERCHANT (default), ACCEPT_BY_CUSTOMER...
        #[arg(long)]
        judged_result: Option<String>,
    },
    /// Send a notifyCapture CAPTURE_RESULT about a paid payment.
    Capture {
        payment_request_id: String,
        /// Minor units of captureAmount (default: the payment's amount).
        #[arg(long)]
        amount: Option<u64>,
        #[arg(long)]
        capture_request_id: Option<String>,
        /// result.resultCode; anything but SUCCESS is a failed capture.
        #[arg(long)]
        result_code: Option<String>,
    },
    /// End a refund still PROCESSING (asynchronous refunds) now, and notify it.
    CompleteRefund {
        refund_request_id: String,
        /// The refund fails instead of succeeding.
        #[arg(long)]
        fail: bool,
    },
    /// Make refunds asynchronous with this delay (30s, 2m...), or synchronous again with `off`.
    AsyncRefunds { delay: String },
    /// Move Antom's clock forward: 90s, 2m, 1h22m, 1d...
    Advance { duration: String },
}

pub fn run(args: ControlArgs) -> Result<ExitCode, String> {
    let base = args
        .mock
        .or_else(|| std::env::var("ANTOM_BASE_URL").ok())
        .ok_or("--mock URL (or ANTOM_BASE_URL) is required")?;
    let base = base.trim_end_matches('/');
    let payment = |id: &str, action: &str| format!("{base}/mock/payments/{id}/{action}");
    let mut fields = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            fields.insert(k.to_owned(), v);
        }
    };
    let (url, body) = match &args.action {
        Action::Pay { payment_request_id: id } => (payment(id, "pay"), None),
        Action::Fail {
            payment_request_id: id,
            result_code,
        } => {
            put("resultCode", Some(json!(result_code)));
            (payment(id, "fail"), None)
        }
        Action::Cancel { payment_request_id: id } => (payment(id, "cancel"), None),
        Action::Expire { payment_request_id: id } => (payment(id, "expire"), None),
        Action::Refund {
            payment_request_id: id,
            amount,
            refund_request_id,
        } => {
            put("amount", amount.map(|a| json!(a)));
            put("refundRequestId", refund_request_id.as_ref().map(|r| json!(r)));
            (payment(id, "refund"), None)
        }
        Action::Dispute {
            payment_request_id: id,
            kind,
            amount,
            reason_code,
            judged_result,
        } => {
            put("type", Some(json!(kind)));
            put("amount", amount.map(|a| json!(a)));
            put("reasonCode", reason_code.as_ref().map(|r| json!(r)));
            put("judgedResult", judged_result.as_ref().map(|r| json!(r)));
            (payment(id, "dispute"), None)
        }
        Action::Capture {
            payment_request_id: id,
            amount,
            capture_request_id,
            result_code,
        } => {
            put("amount", amount.map(|a| json!(a)));
            put("captureRequestId", capture_request_id.as_ref().map(|r| json!(r)));
            put("resultCode", result_code.as_ref().map(|r| json!(r)));
            (payment(id, "capture"), None)
        }
        Action::CompleteRefund {
            refund_request_id,
            fail,
        } => (
            format!(
                "{base}/mock/refunds/{refund_request_id}/{}",
                if *fail { "fail" } else { "succeed" }
            ),
            None,
        ),
        Action::AsyncRefunds { delay } => (format!("{base}/mock/async-refunds"), Some(delay.clone().into_bytes())),
        Action::Advance { duration } => (
            format!("{base}/mock/clock/advance"),
            Some(duration.clone().into_bytes()),
        ),
    };
    let body = body.unwrap_or_else(|| Value::Object(fields).to_string().into_bytes());
    let (status, answer) = super::runtime()?.block_on(post(&url, body))?;
    match serde_json::from_slice::<Value>(&answer) {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default()),
        Err(_) => println!("{}", String::from_utf8_lossy(&answer)),
    }
    Ok(if (200..300).contains(&status) {
        ExitCode::SUCCESS
    } else {
        eprintln!("HTTP {status}");
        ExitCode::from(1)
    })
}

async fn post(url: &str, body: Vec<u8>) -> Result<(u16, Bytes), String> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("{url}: {e}"))?;
    let response = client.request(request).await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{url}: {e}"))?
        .to_bytes();
    Ok((status, body))
}
