//! `antom mock`: the mock Antom on 127.0.0.1, printing one line per API
//! request and per notification attempt, as `stripe logs tail` does.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use antom_testkit::mock::{MockAntom, MockLog, NotificationRecord, RequestRecord, Rules};
use serde_json::json;

/// `antom mock` arguments.
#[derive(clap::Args)]
pub struct MockArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Rule table (TOML) scripting payment outcomes; see antom-testkit/rules.example.toml.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Client id the mock accepts.
    #[arg(long, default_value = antom_testkit::mock::DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Speed-up of Antom's notification retry schedule (1: real time).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Print the log lines as JSON, one object per line.
    #[arg(long)]
    json: bool,
    /// Sign the refusals made before the API runs (INVALID_SIGNATURE,
    /// KEY_NOT_FOUND, NO_INTERFACE_DEF). Default: unsigned, as Antom's
    /// gateway may send them; libraries that demand a signature on every
    /// answer (Antom's Python library) then show the result code.
    #[arg(long)]
    sign_gateway_errors: bool,
    /// Process refunds asynchronously: the refund API answers U /
    /// REFUND_IN_PROCESS and the refund succeeds (REFUND_RESULT to its
    /// refundNotifyUrl) after this long on Antom's clock: 30s, 2m, 1h...
    #[arg(long, value_name = "DELAY", value_parser = parse_delay)]
    async_refunds: Option<Duration>,
}

fn parse_delay(text: &str) -> Result<Duration, String> {
    antom_testkit::mock::control::parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration: say 90s, 2m, 1h22m, 500ms or a number of seconds"))
}

pub async fn run(args: MockArgs) -> Result<ExitCode, String> {
    let mut builder = MockAntom::builder()
        .client_id(args.client_id.clone())
        .time_scale(args.time_scale)
        .sign_gateway_errors(args.sign_gateway_errors)
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], args.port)));
    if let Some(delay) = args.async_refunds {
        builder = builder.async_refunds(delay);
    }
    if let Some(path) = &args.rules {
        builder = builder.rules(Rules::from_toml_file(path).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    let handle = builder
        .start()
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let keys = antom_testkit::keys::keys_dir();
    println!("mock Antom listening on {}", handle.base_url());
    println!("client id:              {}", args.client_id);
    println!(
        "merchant private key:   {}",
        keys.join("merchant_private_key.pem").display()
    );
    println!(
        "Antom public key:       {}",
        keys.join("antom_public_key.pem").display()
    );
    println!(
        "set ANTOM_BASE_URL={} to point a merchant server at it; Ctrl-C stops it",
        handle.base_url()
    );
    println!(
        "control: POST {0}/mock/payments/<paymentRequestId>/pay|fail|cancel|expire|refund|dispute|capture, POST {0}/mock/refunds/<refundRequestId>/succeed|fail, POST {0}/mock/async-refunds, POST {0}/mock/clock/advance (antom mock-control)",
        handle.base_url()
    );
    let tail = tokio::spawn(tail(handle.log().clone(), args.json));
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    tail.abort();
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Prints each new request and notification attempt as it is logged.
async fn tail(log: MockLog, json: bool) {
    let (mut requests, mut notifications) = (0, 0);
    loop {
        let _ = log
            .wait_for("a new log record", Duration::from_secs(3600), |log| {
                log.requests().len() != requests || log.notifications().len() != notifications
            })
            .await;
        let all_requests = log.requests();
        let all_notifications = log.notifications();
        if all_requests.len() < requests || all_notifications.len() < notifications {
            (requests, notifications) = (0, 0); // the log was cleared
        }
        // One stream in time order, as the events happened.
        let mut lines: Vec<(SystemTime, String)> = all_requests[requests..]
            .iter()
            .map(|r| (r.received_at, request_line(r, json)))
            .chain(
                all_notifications[notifications..]
                    .iter()
                    .map(|n| (n.sent_at, notification_line(n, json))),
            )
            .collect();
        lines.sort_by_key(|(at, _)| *at);
        for (_, line) in lines {
            println!("{line}");
        }
        (requests, notifications) = (all_requests.len(), all_notifications.len());
    }
}

fn time(at: SystemTime) -> String {
    let millis = at.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let secs = (millis / 1000) as u64;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    format!("{h:02}:{m:02}:{s:02}.{:03}Z", millis % 1000)
}

fn request_line(r: &RequestRecord, json: bool) -> String {
    let api = r.api.clone().unwrap_or_else(|| r.path.clone());
    let status = r.response.as_ref().map(|x| x.status);
    let code = r.result_code();
    let result_status = r.response.as_ref().and_then(|x| x.result_status());
    if json {
        return json!({
            "type": "request", "seq": r.seq, "time": antom_testkit::mock::iso8601_utc(r.received_at),
            "api": api, "path": r.path, "httpStatus": status, "resultCode": code, "resultStatus": result_status,
            "verified": r.verification.is_verified(), "rule": r.rule,
        })
        .to_string();
    }
    format!(
        "{}  API     {:<22} {} {}{}{}",
        time(r.received_at),
        api,
        code.as_deref().unwrap_or("-"),
        result_status.as_deref().unwrap_or("-"),
        status
            .map(|s| format!("  HTTP {s}"))
            .unwrap_or_else(|| "  (connection dropped)".into()),
        if r.verification.is_verified() {
            ""
        } else {
            "  signature NOT verified"
        }
    )
}

fn notification_line(n: &NotificationRecord, json: bool) -> String {
    if json {
        return json!({
            "type": "notification", "seq": n.seq, "time": antom_testkit::mock::iso8601_utc(n.sent_at),
            "notifyType": n.notify_type, "url": n.url, "paymentRequestId": n.payment_request_id,
            "httpStatus": n.status, "acknowledged": n.acknowledged, "attempt": n.attempt,
            "maxAttempts": antom_testkit::mock::MAX_ATTEMPTS, "error": n.error,
        })
        .to_string();
    }
    let answer = match (n.status, &n.error) {
        (Some(status), _) => format!("HTTP {status}"),
        (None, Some(e)) => format!("no answer ({e})"),
        (None, None) => "no answer".into(),
    };
    format!(
        "{}  NOTIFY  {} {} {}  {}  attempt {}/{}",
        time(n.sent_at),
        n.notify_type,
        n.url,
        answer,
        if n.acknowledged {
            "acknowledged"
        } else {
            "NOT acknowledged"
        },
        n.attempt,
        antom_testkit::mock::MAX_ATTEMPTS
    )
}
