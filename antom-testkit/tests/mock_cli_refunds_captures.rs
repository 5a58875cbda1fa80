//! `antom mock --async-refunds` and `antom mock-control` for asynchronous
//! refunds and captures, as a developer runs them, on 127.0.0.1.

mod cli_support;
mod mock_support;

use cli_support::{mock_config_env, run, Antom};
use mock_support::NotifyHarness;
use serde_json::Value;

fn json_of(out: &str) -> Value {
    let start = out.find('{').unwrap_or_else(|| panic!("no JSON in {out:?}"));
    let end = out.rfind('}').unwrap_or_else(|| panic!("no JSON in {out:?}"));
    serde_json::from_str(&out[start..=end]).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test]
async fn async_refunds_and_captures_from_the_command_line() {
    let merchant = NotifyHarness::acking().await;
    let mut mock = Antom::spawn(&["mock", "--port", "0", "--json", "--async-refunds", "30s"], &[]);
    let line = mock.wait_for_line("mock Antom listening on ");
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    mock.wait_for_line("control: POST");
    let env = mock_config_env(&base);
    let dir = tempfile::tempdir().unwrap();
    let request = dir.path().join("session.json");
    let session = mock_support::session_request("pay_cli_1", "1000", Some(&merchant.url()));
    std::fs::write(&request, session.to_string()).unwrap();
    let request = request.display().to_string();
    let b = base.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let control = |args: &[&str]| {
            let mut all = vec!["mock-control", "--mock", b.as_str()];
            all.extend_from_slice(args);
            run(&all, &[])
        };
        vec![
            run(&["call", "createPaymentSession", "--json", &request], &env),
            control(&["pay", "pay_cli_1"]),
            control(&[
                "refund",
                "pay_cli_1",
                "--amount",
                "400",
                "--refund-request-id",
                "ref_cli_1",
            ]),
            control(&["complete-refund", "ref_cli_1"]),
            control(&[
                "capture",
                "pay_cli_1",
                "--amount",
                "600",
                "--capture-request-id",
                "cap_cli_1",
            ]),
            control(&["async-refunds", "off"]),
            control(&["complete-refund", "ref_cli_1", "--fail"]),
        ]
    })
    .await
    .unwrap();
    for (code, out) in &outputs[..6] {
        assert_eq!(*code, 0, "{out}");
    }
    let refunded = json_of(&outputs[2].1);
    assert_eq!(refunded["refunds"][0]["status"], "PROCESSING", "{refunded}");
    let completed = json_of(&outputs[3].1);
    assert_eq!(completed["status"], "SUCCESS", "{completed}");
    assert_eq!(completed["refundRequestId"], "ref_cli_1");
    let capture = json_of(&outputs[4].1);
    assert_eq!(capture["notifyType"], "CAPTURE_RESULT");
    assert_eq!(capture["captureRequestId"], "cap_cli_1");
    assert_eq!(capture["captureAmount"]["value"], "600");
    assert_eq!(json_of(&outputs[5].1)["asyncRefunds"], false);
    // Already final: refused, said so.
    assert_eq!(outputs[6].0, 1, "{}", outputs[6].1);
    assert!(outputs[6].1.contains("already SUCCESS"), "{}", outputs[6].1);

    // The merchant got the payment, the refund once done, and the capture.
    let mut types = Vec::new();
    while types.len() < 3 {
        let line = mock.wait_for_line("\"type\":\"notification\"");
        mock.seen.retain(|l| l != &line);
        let record: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(record["acknowledged"], true, "{record}");
        types.push(record["notifyType"].as_str().unwrap().to_owned());
    }
    assert_eq!(types, ["PAYMENT_RESULT", "REFUND_RESULT", "CAPTURE_RESULT"]);
    let received = merchant.verified();
    assert_eq!(received.len(), 3);
    assert_eq!(received[1].json()["refundStatus"], "SUCCESS");
    assert_eq!(received[2].json()["captureId"], capture["captureId"]);
}
