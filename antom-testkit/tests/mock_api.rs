//! The mock's API surface: signature checks, signed answers, idempotency,
//! statuses, cancel, refunds. Real servers on 127.0.0.1.

mod mock_support;

use antom_testkit::keys;
use antom_testkit::mock::{self, MockAntom, Verification};
use antom_tower::signing::{KeyVersion, PublicKeyRing, SigningContent};
use antom_types::{
    CreatePaymentSessionResponse, InquiryPaymentResponse, InquiryRefundResponse, PaymentStatus, RefundResponse,
};
use mock_support::*;
use serde_json::json;
use tower::ServiceExt;

fn antom_ring() -> std::sync::Arc<PublicKeyRing> {
    keys::antom_public_key_ring()
}

#[tokio::test]
async fn create_session_answer_is_signed_with_antoms_test_key() {
    let mock = MockAntom::builder().start().await.unwrap();
    assert!(mock.base_url().starts_with("http://127.0.0.1:"));
    let merchant = Merchant::new(mock.base_url());
    let reply = merchant.call(CREATE, &session_request("pay_1", "4200", None)).await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.verify(CREATE, &antom_ring()), Ok(KeyVersion(1)));
    assert_eq!(reply.header("client-id"), Some(mock::DEFAULT_CLIENT_ID));
    assert!(antom_tower::signing::request_time::parse(reply.header("response-time").unwrap()).is_some());
    // The same check with the plain public key (what a merchant pastes from the Dashboard).
    let single = PublicKeyRing::single(keys::antom_public_key());
    assert!(reply.verify(CREATE, &single).is_ok());
    // A tampered body no longer verifies.
    let mut tampered = reply.clone();
    tampered.body = axum::body::Bytes::from(reply.text().replace("success", "succesS"));
    assert!(tampered.verify(CREATE, &antom_ring()).is_err());

    let session: CreatePaymentSessionResponse = serde_json::from_slice(&reply.body).unwrap();
    assert!(session.result.is_success());
    let session_id = session.payment_session_id.clone().unwrap();
    let cashier = format!("{}/cashier/{session_id}", mock.base_url());
    assert_eq!(session.normal_url.as_deref(), Some(cashier.as_str()));
    let data = session.payment_session_data.unwrap();
    assert_eq!(
        mock::cashier_url_from_session_data(&data).as_deref(),
        Some(cashier.as_str())
    );
    // Antom's four segments, as @alipay/ams-checkout parses them: the first
    // three are the session id it sends back, the fourth base64 JSON metadata.
    let segments: Vec<&str> = data.split("&&").collect();
    assert_eq!(segments.len(), 4, "{data}");
    assert_eq!(&segments[1..3], ["SG", "188"]);
    let metadata = mock::session_metadata(&data).expect("base64 JSON in the fourth segment");
    assert_eq!(
        metadata["paymentSessionConfig"],
        json!({"productScene": "CASHIER_PAYMENT", "paymentMethodCategoryType": "APM", "productSceneVersion": "1.0"})
    );
    assert_eq!(metadata["clientId"], mock.client_id());
    assert!(session.payment_session_expiry_time.is_some());
    assert_eq!(mock.cashier_url("pay_1").as_deref(), Some(cashier.as_str()));

    let record = &mock.log().requests_for("createPaymentSession")[0];
    assert!(record.verification.is_verified());
    assert_eq!(record.response.as_ref().unwrap().status, 200);
    assert!(record.response.as_ref().unwrap().signed);
}

#[tokio::test]
async fn a_card_session_names_the_card_component() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());
    let mut body = session_request("pay_card", "4200", None);
    body["paymentMethod"]["paymentMethodType"] = json!("CARD");
    let reply = merchant.call(CREATE, &body).await;
    assert_eq!(reply.result_code(), "SUCCESS");
    let data = reply.json()["paymentSessionData"].as_str().unwrap().to_owned();
    let metadata = mock::session_metadata(&data).unwrap();
    assert_eq!(metadata["paymentSessionConfig"]["paymentMethodCategoryType"], "CARD");
    assert_eq!(mock::session_metadata("abc&&SG&&188"), None, "no fourth segment");
}

#[tokio::test]
async fn response_headers_are_lower_case_on_the_wire() {
    let mock = MockAntom::builder().start().await.unwrap();
    let body = serde_json::to_vec(&json!({"paymentRequestId": "nope"})).unwrap();
    let time = "2026-08-17T02:36:49+00:00";
    let content = SigningContent::new("POST", INQUIRY, mock::DEFAULT_CLIENT_ID, time, &body);
    let signature = keys::merchant_private_key()
        .sign_header(&content, KeyVersion(1))
        .unwrap()
        .to_string();
    let request = format!(
        "POST {INQUIRY} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nClient-Id: {}\r\nRequest-Time: {time}\r\nSignature: {signature}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        mock.local_addr(),
        mock::DEFAULT_CLIENT_ID,
        body.len()
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(mock.local_addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("\r\nclient-id: "), "{raw}");
    assert!(raw.contains("\r\nresponse-time: "), "{raw}");
    assert!(
        raw.contains("\r\nsignature: algorithm=RSA256,keyVersion=1,signature="),
        "{raw}"
    );
    assert!(raw.contains("ORDER_NOT_EXIST"), "{raw}");
}

#[tokio::test]
async fn bad_or_missing_signature_is_invalid_signature() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());
    let body = serde_json::to_vec(&session_request("pay_bad", "4200", None)).unwrap();

    // Signed with a key the mock does not know for this merchant.
    let wrong = Merchant {
        key: keys::wrong_private_key(),
        ..Merchant::new(mock.base_url())
    };
    let reply = wrong.call_bytes(CREATE, body.clone()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.result_code(), "INVALID_SIGNATURE");
    assert_eq!(reply.result_status(), "F");
    assert!(!reply.is_signed(), "gateway refusals are unsigned");

    // No signature header at all.
    let reply = merchant
        .send(
            CREATE,
            body.clone(),
            &[
                ("client-id", mock::DEFAULT_CLIENT_ID),
                ("request-time", "1755398209123"),
            ],
        )
        .await;
    assert_eq!(reply.result_code(), "INVALID_SIGNATURE");

    // Signed over another path (the sandbox one) but sent to production.
    let time = "1755398209123";
    let content = SigningContent::new(
        "POST",
        "/ams/sandbox/api/v1/payments/createPaymentSession",
        mock::DEFAULT_CLIENT_ID,
        time,
        &body,
    );
    let signature = keys::merchant_private_key()
        .sign_header(&content, KeyVersion(1))
        .unwrap()
        .to_string();
    let reply = merchant
        .send(
            CREATE,
            body.clone(),
            &[
                ("client-id", mock::DEFAULT_CLIENT_ID),
                ("request-time", time),
                ("signature", &signature),
            ],
        )
        .await;
    assert_eq!(reply.result_code(), "INVALID_SIGNATURE");

    // An unknown keyVersion.
    let v2 = Merchant {
        key_version: KeyVersion(2),
        ..Merchant::new(mock.base_url())
    };
    assert_eq!(v2.call_bytes(CREATE, body.clone()).await.result_code(), "KEY_NOT_FOUND");

    // Nothing was created, and the log says why.
    assert!(mock.payments().is_empty());
    let records = mock.log().requests();
    assert_eq!(records.len(), 4);
    assert!(
        matches!(&records[0].verification, Verification::Rejected { result_code, .. } if result_code == "INVALID_SIGNATURE")
    );
    assert!(!records[0].response.as_ref().unwrap().signed);
}

#[tokio::test]
async fn wrong_client_id_is_key_not_found() {
    let mock = MockAntom::builder().client_id("SANDBOX_OTHER").start().await.unwrap();
    let merchant = Merchant::new(mock.base_url()); // signs as DEFAULT_CLIENT_ID
    let reply = merchant.call(CREATE, &session_request("pay_1", "4200", None)).await;
    assert_eq!(reply.result_code(), "KEY_NOT_FOUND");
    assert_eq!(reply.result_status(), "F");

    let ok = Merchant {
        client_id: "SANDBOX_OTHER".into(),
        ..Merchant::new(mock.base_url())
    };
    let reply = ok.call(CREATE, &session_request("pay_1", "4200", None)).await;
    assert_eq!(reply.result_code(), "SUCCESS");
    assert_eq!(reply.header("client-id"), Some("SANDBOX_OTHER"));
}

#[tokio::test]
async fn gateway_errors_can_be_signed() {
    let mock = MockAntom::builder().sign_gateway_errors(true).start().await.unwrap();
    let wrong = Merchant {
        key: keys::wrong_private_key(),
        ..Merchant::new(mock.base_url())
    };
    let reply = wrong.call(CREATE, &session_request("pay_1", "4200", None)).await;
    assert_eq!(reply.result_code(), "INVALID_SIGNATURE");
    assert!(reply.verify(CREATE, &antom_ring()).is_ok());
}

#[tokio::test]
async fn unparseable_body_or_missing_field_is_param_illegal() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());

    let reply = merchant.call_bytes(CREATE, b"{not json".to_vec()).await;
    assert_eq!(
        (
            reply.status,
            reply.result_code().as_str(),
            reply.result_status().as_str()
        ),
        (200, "PARAM_ILLEGAL", "F")
    );
    assert!(
        reply.verify(CREATE, &antom_ring()).is_ok(),
        "business errors are signed"
    );

    let mut body = session_request("pay_1", "4200", None);
    body.as_object_mut().unwrap().remove("paymentRedirectUrl");
    let reply = merchant.call(CREATE, &body).await;
    assert_eq!(reply.result_code(), "PARAM_ILLEGAL");
    assert!(reply.json()["result"]["resultMessage"]
        .as_str()
        .unwrap()
        .contains("paymentRedirectUrl"));

    let reply = merchant.call(CREATE, &session_request("pay_1", "42.00", None)).await;
    assert_eq!(reply.result_code(), "PARAM_ILLEGAL");

    let reply = merchant.call(INQUIRY, &json!({})).await;
    assert_eq!(reply.result_code(), "PARAM_ILLEGAL");
    assert!(mock.payments().is_empty());
}

#[tokio::test]
async fn create_is_idempotent_on_payment_request_id() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());
    let first = merchant.call(CREATE, &session_request("pay_1", "4200", None)).await;
    let second = merchant.call(CREATE, &session_request("pay_1", "4200", None)).await;
    let a: CreatePaymentSessionResponse = serde_json::from_slice(&first.body).unwrap();
    let b: CreatePaymentSessionResponse = serde_json::from_slice(&second.body).unwrap();
    assert!(b.result.is_success());
    assert_eq!(a.payment_session_id, b.payment_session_id);
    assert_eq!(a.payment_session_data, b.payment_session_data);
    assert_eq!(mock.payments().len(), 1, "no second payment");

    // Different key fields: REPEAT_REQ_INCONSISTENT, and the payment is untouched.
    let third = merchant.call(CREATE, &session_request("pay_1", "4300", None)).await;
    assert_eq!(third.result_code(), "REPEAT_REQ_INCONSISTENT");
    assert_eq!(third.result_status(), "F");
    assert!(third.verify(CREATE, &antom_ring()).is_ok());
    assert_eq!(mock.payments().len(), 1);
    assert_eq!(mock.payment("pay_1").unwrap().amount.value(), 4200);

    // Same id after the payment closed: ORDER_IS_CLOSED.
    mock.expire("pay_1").unwrap();
    let again = merchant.call(CREATE, &session_request("pay_1", "4200", None)).await;
    assert_eq!(again.result_code(), "ORDER_IS_CLOSED");
}

async fn inquire(merchant: &Merchant, id: &str) -> InquiryPaymentResponse {
    let reply = merchant.call(INQUIRY, &json!({"paymentRequestId": id})).await;
    assert!(reply.verify(INQUIRY, &keys::antom_public_key_ring()).is_ok());
    serde_json::from_slice(&reply.body).unwrap()
}

#[tokio::test]
async fn inquiry_reports_each_status() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());
    for id in ["pay_ok", "pay_fail", "pay_cancel", "pay_expire"] {
        assert_eq!(
            merchant
                .call(CREATE, &session_request(id, "4200", None))
                .await
                .result_code(),
            "SUCCESS"
        );
    }
    // Without refunds `transactions` is left out, not `null` (Antom's official
    // Python library fails on null).
    let raw = merchant.call(INQUIRY, &json!({"paymentRequestId": "pay_ok"})).await;
    assert!(raw.json().get("transactions").is_none(), "{}", raw.text());
    let processing = inquire(&merchant, "pay_ok").await;
    assert!(processing.result.is_success());
    assert_eq!(processing.transactions, None);
    assert_eq!(processing.payment_status, Some(PaymentStatus::Processing));
    assert!(!processing.is_final());

    mock.pay("pay_ok").unwrap();
    mock.fail("pay_fail", "USER_BALANCE_NOT_ENOUGH").unwrap();
    mock.cancel("pay_cancel").unwrap();
    mock.expire("pay_expire").unwrap();

    let ok = inquire(&merchant, "pay_ok").await;
    assert_eq!(ok.payment_status, Some(PaymentStatus::Success));
    assert!(ok.payment_time.is_some());
    assert_eq!(ok.payment_amount.unwrap().value(), 4200);
    assert_eq!(
        ok.payment_id.as_deref(),
        Some(mock.payment("pay_ok").unwrap().payment_id.as_str())
    );

    let failed = inquire(&merchant, "pay_fail").await;
    assert_eq!(failed.payment_status, Some(PaymentStatus::Fail));
    assert_eq!(failed.payment_result_code.unwrap().as_str(), "USER_BALANCE_NOT_ENOUGH");

    let cancelled = inquire(&merchant, "pay_cancel").await;
    assert_eq!(cancelled.payment_status, Some(PaymentStatus::Cancelled));

    let expired = inquire(&merchant, "pay_expire").await;
    assert_eq!(expired.payment_status, Some(PaymentStatus::Fail));
    assert_eq!(expired.payment_result_code.unwrap().as_str(), "ORDER_IS_CLOSED");

    // By paymentId too; unknown ids.
    let payment_id = mock.payment("pay_ok").unwrap().payment_id;
    let by_id = merchant.call(INQUIRY, &json!({"paymentId": payment_id})).await;
    assert_eq!(by_id.json()["paymentRequestId"], "pay_ok");
    let unknown = merchant.call(INQUIRY, &json!({"paymentRequestId": "nope"})).await;
    assert_eq!(unknown.result_code(), "ORDER_NOT_EXIST");

    // A final payment does not move again.
    assert!(matches!(
        mock.pay("pay_fail"),
        Err(mock::MockError::AlreadyFinal { .. })
    ));
    assert!(matches!(mock.pay("nope"), Err(mock::MockError::UnknownPayment(_))));
}

#[tokio::test]
async fn merchant_cancel() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());
    merchant.call(CREATE, &session_request("pay_1", "4200", None)).await;
    let reply = merchant.call(CANCEL, &json!({"paymentRequestId": "pay_1"})).await;
    assert_eq!(reply.result_code(), "SUCCESS");
    assert!(reply.verify(CANCEL, &antom_ring()).is_ok());
    assert!(reply.json()["cancelTime"].is_string());
    assert_eq!(mock.payment("pay_1").unwrap().status, PaymentStatus::Cancelled);
    // Repeatable.
    assert_eq!(
        merchant
            .call(CANCEL, &json!({"paymentRequestId": "pay_1"}))
            .await
            .result_code(),
        "SUCCESS"
    );
    assert_eq!(
        merchant
            .call(CANCEL, &json!({"paymentRequestId": "x"}))
            .await
            .result_code(),
        "ORDER_NOT_EXIST"
    );
    // The buyer can no longer pay.
    assert!(mock.pay("pay_1").is_err());
}

#[tokio::test]
async fn refund_and_inquiry_refund() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());
    merchant.call(CREATE, &session_request("pay_1", "4200", None)).await;
    let payment_id = mock.payment("pay_1").unwrap().payment_id;
    let refund = |id: &str, value: &str| json!({"refundRequestId": id, "paymentId": payment_id, "refundAmount": {"currency": "SGD", "value": value}});

    // Not paid yet.
    assert_eq!(
        merchant.call(REFUND, &refund("ref_1", "1000")).await.result_code(),
        "ORDER_STATUS_INVALID"
    );
    mock.pay("pay_1").unwrap();

    let reply = merchant.call(REFUND, &refund("ref_1", "1000")).await;
    assert!(reply.verify(REFUND, &antom_ring()).is_ok());
    let first: RefundResponse = serde_json::from_slice(&reply.body).unwrap();
    assert!(first.result.is_success());
    let refund_id = first.refund_id.clone().unwrap();

    // Idempotent on refundRequestId.
    let again: RefundResponse =
        serde_json::from_slice(&merchant.call(REFUND, &refund("ref_1", "1000")).await.body).unwrap();
    assert_eq!(again.refund_id.as_deref(), Some(refund_id.as_str()));
    assert_eq!(mock.payment("pay_1").unwrap().refunds.len(), 1);
    assert_eq!(
        merchant.call(REFUND, &refund("ref_1", "1500")).await.result_code(),
        "REPEAT_REQ_INCONSISTENT"
    );

    // Over the remaining amount.
    assert_eq!(
        merchant.call(REFUND, &refund("ref_2", "3300")).await.result_code(),
        "REFUND_AMOUNT_EXCEED"
    );
    assert_eq!(
        merchant.call(REFUND, &refund("ref_2", "3200")).await.result_code(),
        "SUCCESS"
    );

    let reply = merchant
        .call(INQUIRY_REFUND, &json!({"refundRequestId": "ref_1"}))
        .await;
    assert!(reply.verify(INQUIRY_REFUND, &antom_ring()).is_ok());
    let inquiry: InquiryRefundResponse = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(inquiry.refund_id.as_deref(), Some(refund_id.as_str()));
    assert_eq!(inquiry.refund_status.unwrap().as_str(), "SUCCESS");
    assert_eq!(inquiry.refund_amount.unwrap().value(), 1000);
    let by_id = merchant.call(INQUIRY_REFUND, &json!({"refundId": refund_id})).await;
    assert_eq!(by_id.json()["refundRequestId"], "ref_1");
    assert_eq!(
        merchant
            .call(INQUIRY_REFUND, &json!({"refundRequestId": "nope"}))
            .await
            .result_code(),
        "REFUND_NOT_EXIST"
    );

    // inquiryPayment lists the refunds; the payment stays SUCCESS.
    let inquiry = inquire(&merchant, "pay_1").await;
    assert_eq!(inquiry.payment_status, Some(PaymentStatus::Success));
    assert_eq!(inquiry.transactions().len(), 2);
    assert_eq!(
        inquiry.transactions()[0].transaction_type.as_ref().unwrap().as_str(),
        "REFUND"
    );
}

#[tokio::test]
async fn sandbox_paths_are_served_and_signed_over_their_own_path() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());
    let path = "/ams/sandbox/api/v1/payments/createPaymentSession";
    let reply = merchant.call(path, &session_request("pay_1", "4200", None)).await;
    assert_eq!(reply.result_code(), "SUCCESS");
    assert!(reply.verify(path, &antom_ring()).is_ok());
    assert!(
        reply.verify(CREATE, &antom_ring()).is_err(),
        "signed over the path actually requested"
    );
    assert!(mock.payment("pay_1").unwrap().sandbox);
    assert!(mock.log().requests()[0].sandbox);

    let reply = merchant.call("/ams/api/v1/payments/capture", &json!({})).await;
    assert_eq!(reply.result_code(), "NO_INTERFACE_DEF");
}

#[tokio::test]
async fn usable_as_a_tower_service_without_a_socket() {
    let mock = MockAntom::builder().build();
    let body = serde_json::to_vec(&session_request("pay_1", "4200", None)).unwrap();
    let time = "2026-08-17T02:36:49+00:00";
    let content = SigningContent::new("POST", CREATE, mock.client_id(), time, &body);
    let signature = keys::merchant_private_key()
        .sign_header(&content, KeyVersion(1))
        .unwrap()
        .to_string();
    let request = http::Request::post(CREATE)
        .header("host", "mock.test")
        .header("client-id", mock.client_id())
        .header("request-time", time)
        .header("signature", signature)
        .body(http_body_util::Full::new(axum::body::Bytes::from(body)))
        .unwrap();
    let response = mock.service().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let reply = Reply {
        status: 200,
        headers,
        body,
    };
    assert!(reply.verify(CREATE, &antom_ring()).is_ok());
    let cashier = mock.cashier_url("pay_1").unwrap();
    assert!(cashier.starts_with("http://mock.test/cashier/MOCK"), "{cashier}");
    assert_eq!(reply.json()["normalUrl"], cashier.as_str());
}

#[tokio::test]
async fn the_mock_signs_with_a_rotated_key_version() {
    let mock = MockAntom::builder()
        .antom_signing_key(keys::antom_private_key_v2(), KeyVersion(2))
        .start()
        .await
        .unwrap();
    let merchant = Merchant::new(mock.base_url());
    let reply = merchant.call(INQUIRY, &json!({"paymentRequestId": "x"})).await;
    assert_eq!(reply.verify(INQUIRY, &antom_ring()), Ok(KeyVersion(2)));
    assert!(reply.header("signature").unwrap().contains("keyVersion=2"));
}

#[tokio::test]
async fn state_is_readable_as_json_for_humans_and_the_cli() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = Merchant::new(mock.base_url());
    merchant.call(CREATE, &session_request("pay_1", "4200", None)).await;
    let payments = merchant.get(&mock.url("/mock/payments")).await.json();
    assert_eq!(payments[0]["paymentRequestId"], "pay_1");
    assert_eq!(payments[0]["status"], "PROCESSING");
    assert_eq!(payments[0]["amount"], json!({"currency": "SGD", "value": "4200"}));
    let requests = merchant.get(&mock.url("/mock/requests")).await.json();
    assert_eq!(requests[0]["api"], "createPaymentSession");
    assert_eq!(requests[0]["verification"]["outcome"], "verified");
    let index = merchant.get(&mock.url("/")).await.text();
    assert!(index.contains(mock::DEFAULT_CLIENT_ID));
}
