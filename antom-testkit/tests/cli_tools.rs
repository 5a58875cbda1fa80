//! `antom trigger`, `antom call`, `antom mock` (its log lines) and
//! `antom mock-control`, as a developer runs them, over real sockets on 127.0.0.1.

mod cli_support;
mod mock_support;

use antom_testkit::mock::MockAntom;
use cli_support::{mock_config_env, run, Antom};
use mock_support::{Answer, NotifyHarness};
use serde_json::Value;

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn trigger_sends_any_event_resigned_for_the_target_with_overrides() {
    let (code, list) = run(&["trigger", "--list"], &[]);
    assert_eq!(code, 0, "{list}");
    for name in [
        "notify_payment.success",
        "notify_payment.failed.user_balance_not_enough",
        "notify_refund.success",
        "notify_dispute.dispute_created",
        "notify_capture.success",
    ] {
        assert!(list.contains(name), "{name} not listed:\n{list}");
    }

    let merchant = NotifyHarness::acking().await;
    let url = merchant.url();
    let (code, out) = tokio::task::spawn_blocking(move || {
        run(
            &[
                "trigger",
                "notify_payment.failed.user_balance_not_enough",
                "--to",
                &url,
                "--set",
                "paymentRequestId=order_42",
                "--set",
                "paymentAmount.value=990",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("HTTP 200"), "{out}");
    assert!(out.contains("the exact SUCCESS acknowledgement"), "{out}");
    let received = merchant.verified();
    assert_eq!(received.len(), 1, "signed for the target's path and verified");
    let body = received[0].json();
    assert_eq!(body["paymentRequestId"], "order_42");
    assert_eq!(body["paymentAmount"]["value"], "990");
    assert_eq!(body["result"]["resultCode"], "USER_BALANCE_NOT_ENOUGH");

    // A dispute, to an endpoint that does not acknowledge: exit 1, said so.
    let refusing = NotifyHarness::start(Vec::new(), Answer::Status500).await;
    let url = refusing.url();
    let (code, out) =
        tokio::task::spawn_blocking(move || run(&["trigger", "notify_dispute.dispute_judged", "--to", &url], &[]))
            .await
            .unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("NOT acknowledged"), "{out}");
    let body = refusing.verified()[0].json();
    assert_eq!(body["disputeNotificationType"], "DISPUTE_JUDGED");
    assert_eq!(body["disputeJudgedResult"], "ACCEPT_BY_MERCHANT");

    let (code, out) = run(&["trigger", "notify_nothing", "--to", "http://127.0.0.1:9/"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("antom trigger --list"), "{out}");
}

#[tokio::test]
async fn call_signs_verifies_and_prints_the_result() {
    let mock = MockAntom::builder().start().await.unwrap();
    let env = mock_config_env(mock.base_url());
    let dir = tempfile::tempdir().unwrap();
    let request = dir.path().join("session.json");
    let session = mock_support::session_request("pay_call_1", "1000", None);
    std::fs::write(&request, session.to_string()).unwrap();
    let request = request.display().to_string();
    let (code, out) = {
        let env = env.clone();
        tokio::task::spawn_blocking(move || run(&["call", "createPaymentSession", "--json", &request], &env_refs(&env)))
            .await
            .unwrap()
    };
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("/ams/sandbox/api/v1/payments/createPaymentSession"),
        "{out}"
    );
    assert!(out.contains("result: S SUCCESS"), "{out}");
    assert!(
        out.contains("response signature: valid (Antom's key, keyVersion 1)"),
        "{out}"
    );
    assert!(mock.payment("pay_call_1").is_some());

    let (code, out) = {
        let env = env.clone();
        tokio::task::spawn_blocking(move || {
            run(
                &["call", "inquiryPayment", "--set", "paymentRequestId=pay_call_1"],
                &env_refs(&env),
            )
        })
        .await
        .unwrap()
    };
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"paymentStatus\": \"PROCESSING\""), "{out}");

    let (code, out) = tokio::task::spawn_blocking(move || {
        run(
            &["call", "inquiryPayment", "--set", "paymentRequestId=nope"],
            &env_refs(&env),
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("result: F ORDER_NOT_EXIST"), "{out}");
    assert!(out.contains("response signature: valid"), "{out}");

    // A configuration problem is reported, without key material.
    let (code, out) = run(&["call", "inquiryPayment"], &[("ANTOM_CLIENT_ID", "")]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("ANTOM_CLIENT_ID is not set"), "{out}");
}

#[tokio::test]
async fn mock_prints_requests_and_attempts_and_obeys_mock_control() {
    let merchant = NotifyHarness::start(vec![Answer::Status500], Answer::Ack).await;
    let mut mock = Antom::spawn(&["mock", "--port", "0", "--json"], &[]);
    let line = mock.wait_for_line("mock Antom listening on ");
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    mock.wait_for_line("control: POST");
    let env = mock_config_env(&base);
    let dir = tempfile::tempdir().unwrap();
    let request = dir.path().join("session.json");
    let session = mock_support::session_request("pay_tail_1", "1000", Some(&merchant.url()));
    std::fs::write(&request, session.to_string()).unwrap();
    let request = request.display().to_string();
    let b = base.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let env = env_refs(&env);
        vec![
            run(&["call", "createPaymentSession", "--json", &request], &env),
            run(&["mock-control", "--mock", &b, "pay", "pay_tail_1"], &[]),
            run(&["mock-control", "--mock", &b, "advance", "2m"], &[]),
            run(
                &["mock-control", "--mock", &b, "refund", "pay_tail_1", "--amount", "400"],
                &[],
            ),
            run(&["mock-control", "--mock", &b, "dispute", "pay_tail_1"], &[]),
            run(&["mock-control", "--mock", &b, "pay", "pay_unknown"], &[]),
        ]
    })
    .await
    .unwrap();
    for (code, out) in &outputs[..5] {
        assert_eq!(*code, 0, "{out}");
    }
    assert_eq!(outputs[5].0, 1, "{}", outputs[5].1);
    assert!(outputs[2].1.contains("\"skippedSeconds\": 120"), "{}", outputs[2].1);

    // The log lines: the API request, then attempt 1 (500), attempt 2 after the
    // clock moved 2 minutes (acknowledged), the refund and the dispute.
    let parse = |line: String| serde_json::from_str::<Value>(&line).unwrap();
    let request_line = parse(mock.wait_for_line("\"type\":\"request\""));
    assert_eq!(request_line["api"], "createPaymentSession");
    assert_eq!(request_line["resultStatus"], "S");
    assert_eq!(request_line["verified"], true);
    let mut attempts = Vec::new();
    while attempts.len() < 4 {
        let line = mock.wait_for_line("\"type\":\"notification\"");
        mock.seen.retain(|l| l != &line);
        attempts.push(parse(line));
    }
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(attempts[0]["httpStatus"], 500);
    assert_eq!(attempts[0]["acknowledged"], false);
    assert_eq!(attempts[1]["attempt"], 2);
    assert_eq!(attempts[1]["acknowledged"], true);
    assert_eq!(attempts[2]["notifyType"], "REFUND_RESULT");
    assert_eq!(attempts[3]["notifyType"], "DISPUTE_CREATED");
    let received = merchant.verified();
    assert_eq!(received.len(), 4);
    assert_eq!(received[3].json()["disputeAmount"]["value"], "1000");
}
