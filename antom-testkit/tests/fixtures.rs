//! The fixture catalogue and the contract helpers: signatures, parsing,
//! replay through antom-tower's layers and the mock Antom, the committed
//! files, and the notify endpoint battery against good and broken endpoints.

use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antom_testkit::contract::{self, Expectation, NotifyEndpointCheck};
use antom_testkit::fixtures::{self, Exchange, Fixture, FixtureKind, NotificationBuilder, Operation};
use antom_testkit::{keys, mock};
use antom_tower::signing::{KeyVersion, PublicKeyRing};
use antom_tower::verify_notification::VerifyNotification;
use antom_tower::verify_response::{ResponseSignature, VerifyResponseLayer};
use antom_tower::{VerifiedNotificationHeaders, VerifyNotificationLayer};
use antom_types::{
    CancelRequest, CancelResponse, CreatePaymentSessionRequest, CreatePaymentSessionResponse, InquiryPaymentRequest,
    InquiryPaymentResponse, InquiryRefundRequest, InquiryRefundResponse, Notification, NotifyPayment, NotifyRefund,
    NotifyType, PaymentResultCode, PaymentStatus, RefundRequest, RefundResponse, ResultStatus,
    NOTIFICATION_ACK_SUCCESS,
};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::util::ServiceFn;
use tower::{service_fn, BoxError, Layer, ServiceExt};

const MY_CLIENT_ID: &str = "SANDBOX_MERCHANT_TEST_0042";
const MY_PATH: &str = "/shop/antom/notify?source=antom";

fn ack() -> Response<Full<Bytes>> {
    Response::new(Full::new(Bytes::from_static(NOTIFICATION_ACK_SUCCESS.as_bytes())))
}

type HandlerFuture = Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, BoxError>> + Send>>;
type HandlerFn = fn(Request<Full<Bytes>>) -> HandlerFuture;
type Endpoint = VerifyNotification<ServiceFn<HandlerFn>>;

/// A handler that only acknowledges a verified, well-formed notification.
fn handler(request: Request<Full<Bytes>>) -> HandlerFuture {
    Box::pin(async move {
        assert!(request.extensions().get::<VerifiedNotificationHeaders>().is_some());
        let body = request.into_body().collect().await?.to_bytes();
        match Notification::from_slice(&body)? {
            Notification::Payment(_) | Notification::Refund(_) => Ok(ack()),
            other => Err(format!("unexpected notification {other:?}").into()),
        }
    })
}

fn handler_service() -> ServiceFn<HandlerFn> {
    service_fn(handler as HandlerFn)
}

/// antom-tower's layer at the fixtures' time, around [`handler`].
fn endpoint_at_fixture_time() -> Endpoint {
    VerifyNotificationLayer::new(fixtures::CLIENT_ID, keys::antom_public_key_ring())
        .clock(Arc::new(fixtures::fixture_clock))
        .layer(handler_service())
}

/// antom-tower's layer with a real clock, for `MY_CLIENT_ID`, around [`handler`].
fn endpoint() -> Endpoint {
    VerifyNotificationLayer::new(MY_CLIENT_ID, keys::antom_public_key_ring()).layer(handler_service())
}

fn merchant_ring() -> Arc<PublicKeyRing> {
    keys::merchant_public_key_ring()
}

#[test]
fn catalogue_names_are_unique_and_found_by_name() {
    let all = fixtures::all();
    let names: Vec<String> = fixtures::names();
    assert_eq!(all.len(), names.len());
    let unique: HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "duplicate fixture names");
    for fixture in &all {
        let found = fixtures::by_name(fixture.name()).expect("found by name");
        assert_eq!(found.to_http_message(), fixture.to_http_message());
        assert!(
            fixture.name().starts_with(fixture.operation().snake_name()),
            "{} does not start with its operation",
            fixture.name()
        );
        assert!(!fixture.description().is_empty());
        assert!(
            fixture
                .name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.'),
            "{} is not a plain file name",
            fixture.name()
        );
    }
    assert!(fixtures::by_name("no.such.fixture").is_none());
    for exchange in fixtures::exchanges() {
        assert_eq!(exchange.request.kind(), FixtureKind::ApiRequest);
        assert_eq!(exchange.response.kind(), FixtureKind::ApiResponse);
        assert_eq!(exchange.request.path(), exchange.response.path());
        assert_eq!(format!("{}.request", exchange.name()), exchange.request.name());
        assert_eq!(format!("{}.response", exchange.name()), exchange.response.name());
        assert!(fixtures::exchange_by_name(exchange.name()).is_some());
    }
    // Every operation is covered, with success, failure and unknown outcomes for every API.
    for operation in Operation::ALL {
        assert!(
            all.iter().any(|f| f.operation() == operation),
            "{operation} has no fixture"
        );
        if !operation.is_notification() {
            for outcome in ["success", "failed.", "unknown."] {
                let prefix = format!("{}.{outcome}", operation.snake_name());
                assert!(names.iter().any(|n| n.starts_with(&prefix)), "no {prefix}* fixture");
            }
        }
    }
}

#[test]
fn there_is_one_failed_notify_payment_per_payment_result_code() {
    let codes = fixtures::notify_payment_failure_codes();
    assert_eq!(codes.len(), 27, "seed 002's table has 27 codes");
    assert_eq!(codes.len(), PaymentResultCode::KNOWN.len() - 1);
    for code in codes {
        let name = format!("notify_payment.failed.{}", code.as_str().to_ascii_lowercase());
        let fixture = fixtures::by_name(&name).unwrap_or_else(|| panic!("no {name}"));
        let body: NotifyPayment = fixture.parse().unwrap();
        assert_eq!(body.result.result_code.as_str(), code.as_str());
        assert_eq!(body.result.result_status, ResultStatus::Failed);
        assert_eq!(body.result.result_message.as_deref(), Some(code.meaning()));
        assert_eq!(body.notify_type, NotifyType::PaymentResult);
        assert!(body.payment_time.is_none(), "a failed payment has no paymentTime");
        assert!(!body.is_payment_success());
        // The named function gives the same bytes as the catalogue.
        assert_eq!(
            fixtures::notify_payment_failed(code).to_http_message(),
            fixture.to_http_message()
        );
    }
}

#[test]
fn common_api_failures_and_outcomes_are_in_the_catalogue() {
    for name in [
        "create_payment_session.failed.param_illegal",
        "create_payment_session.failed.invalid_signature",
        "create_payment_session.failed.key_not_found",
        "create_payment_session.failed.access_denied",
        "create_payment_session.failed.repeat_req_inconsistent",
        "create_payment_session.failed.order_is_closed",
        "create_payment_session.unknown.unknown_exception",
        "create_payment_session.success.short_expiry",
        "inquiry_payment.processing",
        "inquiry_payment.expired",
        "inquiry_payment.failed.order_not_exist",
        "refund.unknown.refund_in_process",
        "refund.failed.refund_amount_exceed",
        "inquiry_refund.processing",
        "cancel.failed.cancel_window_exceed",
        "inquiry_payment.failed.invalid_signature.unsigned",
    ] {
        assert!(fixtures::exchange_by_name(name).is_some(), "no exchange {name}");
    }
    for name in [
        "notify_payment.success",
        "notify_payment.pending",
        "notify_payment.expired",
        "notify_payment.success.key_version_2",
        "notify_refund.success",
        "notify_refund.failed",
    ] {
        assert!(fixtures::by_name(name).is_some(), "no notification {name}");
    }
}

#[test]
fn every_signed_fixture_verifies_with_the_matching_public_key() {
    let antom = keys::antom_public_key_ring();
    let merchant = merchant_ring();
    let wrong = PublicKeyRing::single(keys::antom_public_key()).with_key(KeyVersion(2), keys::merchant_public_key());
    let mut unsigned = 0;
    for fixture in fixtures::all() {
        if !fixture.is_signed() {
            // Only the gateway errors: unsigned responses with neither signature nor response-time.
            assert_eq!(fixture.kind(), FixtureKind::ApiResponse, "{}", fixture.name());
            assert!(fixture.name().ends_with(".unsigned.response"), "{}", fixture.name());
            assert!(fixture.header("response-time").is_none());
            unsigned += 1;
            continue;
        }
        let (right, other) = match fixture.kind() {
            FixtureKind::ApiRequest => (&*merchant, &*antom),
            FixtureKind::ApiResponse | FixtureKind::Notification => (&*antom, &*merchant),
        };
        let version = fixture
            .verify(right)
            .unwrap_or_else(|e| panic!("{} does not verify: {e}", fixture.name()));
        assert_eq!(Some(version), fixture.key_version());
        assert!(
            fixture.verify(other).is_err(),
            "{} verifies with the other side's key",
            fixture.name()
        );
        if fixture.kind() != FixtureKind::ApiRequest && version == KeyVersion(2) {
            assert!(fixture.verify(&wrong).is_err());
        }
        // The headers are what the signature says.
        assert_eq!(fixture.header("client-id"), Some(fixtures::CLIENT_ID));
        assert_eq!(fixture.header(fixture.kind().time_header()), Some(fixture.time()));
        assert_eq!(fixture.header("content-type"), Some(fixtures::CONTENT_TYPE_JSON));
        let signature = fixture.header("signature").unwrap();
        assert!(signature.starts_with(&format!("algorithm=RSA256,keyVersion={},signature=", version)));
        assert!(
            !signature.contains('+') && !signature.contains('/'),
            "signature value must be URL-encoded"
        );
        // The signed content is the documented layout.
        let expected = format!(
            "POST {}\n{}.{}.{}",
            fixture.path(),
            fixtures::CLIENT_ID,
            fixture.time(),
            fixture.body_str()
        );
        assert_eq!(fixture.signed_content(), expected.into_bytes());
    }
    assert_eq!(unsigned, 5, "one unsigned gateway error per API");
}

#[test]
fn fixtures_are_deterministic_and_use_the_fixed_times() {
    let first: Vec<Vec<u8>> = fixtures::all().iter().map(Fixture::to_http_message).collect();
    // Built again from scratch by the named functions, the bytes are identical.
    assert_eq!(
        fixtures::notify_payment_success().to_http_message(),
        fixtures::by_name("notify_payment.success").unwrap().to_http_message()
    );
    assert_eq!(
        fixtures::create_payment_session_success().request.to_http_message(),
        first[0],
        "the first fixture is createPaymentSession's request"
    );
    for fixture in fixtures::all() {
        let expected = match fixture.kind() {
            FixtureKind::ApiRequest => fixtures::API_REQUEST_TIME,
            FixtureKind::ApiResponse => fixtures::API_RESPONSE_TIME,
            FixtureKind::Notification => fixtures::NOTIFICATION_REQUEST_TIME,
        };
        assert_eq!(fixture.time(), expected, "{}", fixture.name());
        assert!(fixture.time_instant().is_some());
        if fixture.kind() == FixtureKind::Notification {
            assert_eq!(fixture.path(), fixtures::NOTIFY_PATH);
        } else {
            let path = fixture.path();
            assert!(path.starts_with("/ams/sandbox/api/v1/payments/"), "{path}");
            assert_eq!(Some(path.to_owned()), fixture.operation().path_for(fixtures::CLIENT_ID));
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(fixture: &Fixture) {
    fixture.parse::<T>().unwrap_or_else(|e| {
        panic!(
            "{} does not parse as {}: {e}",
            fixture.name(),
            std::any::type_name::<T>()
        )
    });
}

#[test]
fn every_body_parses_into_its_antom_types_type() {
    for fixture in fixtures::all() {
        match (fixture.operation(), fixture.kind()) {
            (Operation::CreatePaymentSession, FixtureKind::ApiRequest) => {
                parse::<CreatePaymentSessionRequest>(&fixture)
            }
            (Operation::CreatePaymentSession, _) => parse::<CreatePaymentSessionResponse>(&fixture),
            (Operation::InquiryPayment, FixtureKind::ApiRequest) => parse::<InquiryPaymentRequest>(&fixture),
            (Operation::InquiryPayment, _) => parse::<InquiryPaymentResponse>(&fixture),
            (Operation::Cancel, FixtureKind::ApiRequest) => parse::<CancelRequest>(&fixture),
            (Operation::Cancel, _) => parse::<CancelResponse>(&fixture),
            (Operation::Refund, FixtureKind::ApiRequest) => parse::<RefundRequest>(&fixture),
            (Operation::Refund, _) => parse::<RefundResponse>(&fixture),
            (Operation::InquiryRefund, FixtureKind::ApiRequest) => parse::<InquiryRefundRequest>(&fixture),
            (Operation::InquiryRefund, _) => parse::<InquiryRefundResponse>(&fixture),
            (Operation::NotifyPayment, _) => {
                parse::<NotifyPayment>(&fixture);
                assert!(matches!(
                    Notification::from_slice(fixture.body()),
                    Ok(Notification::Payment(_))
                ));
            }
            (Operation::NotifyRefund, _) => {
                parse::<NotifyRefund>(&fixture);
                assert!(matches!(
                    Notification::from_slice(fixture.body()),
                    Ok(Notification::Refund(_))
                ));
            }
        }
        // Bodies are compact JSON that survives a round trip through serde_json::Value unchanged in meaning.
        let value: serde_json::Value = fixture.parse().unwrap();
        assert!(value.is_object(), "{}", fixture.name());
    }
}

#[test]
fn the_story_is_coherent() {
    let created: CreatePaymentSessionRequest = fixtures::create_payment_session_success().request.parse().unwrap();
    let paid: NotifyPayment = fixtures::notify_payment_success().parse().unwrap();
    let inquired: InquiryPaymentResponse = fixtures::inquiry_payment_success().response.parse().unwrap();
    let refund: RefundRequest = fixtures::refund_success().request.parse().unwrap();
    let refunded: NotifyRefund = fixtures::notify_refund_success().parse().unwrap();
    let refund_answer: RefundResponse = fixtures::refund_success().response.parse().unwrap();
    assert_eq!(created.payment_request_id, "paymentRequestId01");
    assert_eq!(paid.payment_request_id, created.payment_request_id);
    assert_eq!(paid.payment_amount, created.payment_amount);
    assert_eq!(inquired.payment_id.as_deref(), Some(paid.payment_id.as_str()));
    assert_eq!(inquired.payment_status, Some(PaymentStatus::Success));
    assert_eq!(refund.payment_id, paid.payment_id);
    assert_eq!(refund_answer.refund_id.as_deref(), Some(refunded.refund_id.as_str()));
    assert_eq!(created.payment_notify_url.as_deref(), Some(fixtures::NOTIFY_URL));
    assert!(fixtures::NOTIFY_URL.ends_with(fixtures::NOTIFY_PATH));

    let expired: NotifyPayment = fixtures::notify_payment_expired().parse().unwrap();
    let short: CreatePaymentSessionRequest = fixtures::create_payment_session_short_expiry().request.parse().unwrap();
    assert_eq!(expired.payment_request_id, short.payment_request_id);
    assert_eq!(expired.result.result_code, "ORDER_IS_CLOSED");
    let pending: NotifyPayment = fixtures::notify_payment_pending().parse().unwrap();
    assert_eq!(pending.notify_type, NotifyType::PaymentPending);
    assert_eq!(pending.result.result_status, ResultStatus::Unknown);
    assert!(!pending.is_payment_success());
}

#[tokio::test]
async fn every_notification_is_acknowledged_through_verify_notification_layer() {
    for fixture in fixtures::notifications() {
        contract::assert_acknowledges(endpoint_at_fixture_time(), &fixture).await;
        // Byte for byte: the request carries exactly the fixture's headers and body.
        let request = fixture.to_request();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), fixture.path());
        assert_eq!(request.headers(), &fixture.headers());
        assert_eq!(request.into_body().collect().await.unwrap().to_bytes(), *fixture.body());
    }
}

#[tokio::test]
async fn notifications_resigned_for_a_merchant_route_are_acknowledged() {
    let router_path = MY_PATH;
    for fixture in fixtures::notifications() {
        let mine = fixture.clone().resigned_for(router_path, MY_CLIENT_ID).fresh();
        assert_eq!(mine.body(), fixture.body(), "re-signing keeps the body");
        contract::assert_acknowledges(endpoint(), &mine).await;
        // The fixed time is refused by a real clock, with a hint.
        let stale = fixture.clone().resigned_for(router_path, MY_CLIENT_ID);
        contract::assert_rejects(endpoint(), &stale, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn assert_acknowledges_explains_a_stale_fixture() {
    let stale = fixtures::notify_payment_success().resigned_for(MY_PATH, MY_CLIENT_ID);
    let outcome = tokio::spawn(async move { contract::assert_acknowledges(endpoint(), &stale).await }).await;
    let error = outcome.expect_err("a stale notification is not acknowledged");
    assert!(error.is_panic());
    let message = panic_message(error);
    assert!(message.contains("notify_payment.success"), "{message}");
    assert!(message.contains("401 Unauthorized"), "{message}");
    assert!(message.contains("request_time_too_old"), "{message}");
    assert!(message.contains(".fresh()"), "{message}");

    let elsewhere = fixtures::notify_payment_success().fresh();
    let outcome = tokio::spawn(async move { contract::assert_acknowledges(endpoint(), &elsewhere).await }).await;
    let message = panic_message(outcome.expect_err("wrong client id"));
    assert!(
        message.contains("client_id_mismatch") && message.contains("resigned_for"),
        "{message}"
    );
}

#[tokio::test]
async fn tampered_and_foreign_fixtures_are_rejected_with_the_layers_statuses() {
    let base = fixtures::notify_payment_success()
        .resigned_for(MY_PATH, MY_CLIENT_ID)
        .fresh();
    contract::assert_rejects(
        endpoint(),
        &base.clone().with_tampered_body(&b"{}"[..]),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    contract::assert_rejects(
        endpoint(),
        &base.clone().without_header("client-id"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    contract::assert_rejects(
        endpoint(),
        &base.clone().resigned_with(keys::wrong_private_key(), KeyVersion(1)),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    contract::assert_rejects(
        endpoint(),
        &base.clone().resigned_with(keys::antom_private_key(), KeyVersion(7)),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // A path change without re-signing: the signature no longer matches.
    let moved = base
        .clone()
        .with_path("/elsewhere")
        .with_header("signature", base.header("signature").unwrap());
    contract::assert_rejects(
        VerifyNotificationLayer::new(MY_CLIENT_ID, keys::antom_public_key_ring()).layer(handler_service()),
        &moved,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let answer = contract::assert_not_acknowledged(endpoint(), &base.clone().unsigned()).await;
    assert_eq!(answer.map(|a| a.status), Some(StatusCode::BAD_REQUEST));
    // keyVersion 2 verifies with the ring holding both of Antom's test keys.
    let v2 = fixtures::notify_payment_success_key_version_2()
        .resigned_for(MY_PATH, MY_CLIENT_ID)
        .fresh();
    contract::assert_acknowledges(endpoint(), &v2).await;
}

#[tokio::test]
async fn assert_rejects_panics_when_acknowledged_or_on_another_status() {
    let base = fixtures::notify_payment_success()
        .resigned_for(MY_PATH, MY_CLIENT_ID)
        .fresh();
    let valid = base.clone();
    let outcome =
        tokio::spawn(async move { contract::assert_rejects(endpoint(), &valid, StatusCode::UNAUTHORIZED).await }).await;
    let message = panic_message(outcome.expect_err("acknowledged"));
    assert!(message.contains("ACKNOWLEDGED"), "{message}");

    let unsigned = base.clone().without_header("signature");
    let outcome =
        tokio::spawn(async move { contract::assert_rejects(endpoint(), &unsigned, StatusCode::UNAUTHORIZED).await })
            .await;
    let message = panic_message(outcome.expect_err("400, not 401"));
    assert!(
        message.contains("400 Bad Request") && message.contains("missing_header"),
        "{message}"
    );

    let outcome = tokio::spawn(async move { contract::assert_not_acknowledged(endpoint(), &base).await }).await;
    assert!(panic_message(outcome.expect_err("acknowledged")).contains("NOT to acknowledge"));
}

#[tokio::test]
async fn api_responses_pass_verify_response_layer_when_replayed() {
    for exchange in fixtures::exchanges() {
        let response = exchange.response.clone();
        let transport = service_fn(move |_request: Request<Full<Bytes>>| {
            let response = response.to_response();
            async move { Ok::<_, BoxError>(response) }
        });
        let client = VerifyResponseLayer::new(fixtures::CLIENT_ID, keys::antom_public_key_ring()).layer(transport);
        let answer = client
            .oneshot(exchange.request.to_request())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", exchange.name()));
        let expected = if exchange.response.is_signed() {
            ResponseSignature::Verified {
                key_version: KeyVersion(1),
            }
        } else {
            ResponseSignature::Unsigned
        };
        assert_eq!(
            answer.extensions().get::<ResponseSignature>(),
            Some(&expected),
            "{}",
            exchange.name()
        );
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, *exchange.response.body());
    }
}

#[tokio::test]
async fn api_requests_are_accepted_by_the_mock_antom() {
    let mock = mock::MockAntom::builder().build();
    let call = |fixture: Fixture| {
        let service = mock.service();
        async move {
            let answer = contract::send(service, &fixture).await.unwrap();
            let value: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            (
                answer.status,
                value["result"]["resultCode"].as_str().unwrap_or_default().to_owned(),
            )
        }
    };
    let created = call(fixtures::create_payment_session_success().request).await;
    assert_eq!(created, (StatusCode::OK, "SUCCESS".to_owned()));
    // The same paymentRequestId with another amount: Antom's idempotency rule.
    let repeat = call(fixtures::create_payment_session_failed("REPEAT_REQ_INCONSISTENT").request).await;
    assert_eq!(repeat.1, "REPEAT_REQ_INCONSISTENT");
    let inquired = call(fixtures::inquiry_payment_success().request).await;
    assert_eq!(inquired.1, "SUCCESS");
    let missing = call(fixtures::inquiry_payment_failed("ORDER_NOT_EXIST").request).await;
    assert_eq!(missing.1, "ORDER_NOT_EXIST");
    // A request re-signed with the wrong key is refused with Antom's error shape.
    let forged = fixtures::inquiry_payment_success()
        .request
        .resigned_with(keys::wrong_private_key(), KeyVersion(1));
    assert_eq!(call(forged).await.1, "INVALID_SIGNATURE");
}

#[test]
fn exchanges_can_be_readdressed_to_a_production_client_id() {
    let exchange: Exchange = fixtures::inquiry_payment_success().with_client_id("2188120000000000");
    assert_eq!(exchange.request.path(), "/ams/api/v1/payments/inquiryPayment");
    assert_eq!(exchange.request.header("client-id"), Some("2188120000000000"));
    exchange.request.verify(&merchant_ring()).unwrap();
    exchange.response.verify(&keys::antom_public_key_ring()).unwrap();
}

#[test]
fn notification_builder_makes_custom_signed_notifications() {
    let amount = antom_types::Amount::from_minor_units(1999, "SGD").unwrap();
    let paid = NotificationBuilder::payment("order-1", amount).build();
    let body: NotifyPayment = paid.parse().unwrap();
    assert!(body.is_payment_success());
    assert_eq!(body.payment_id, fixtures::derived_payment_id("order-1"));
    assert_eq!(paid.path(), fixtures::NOTIFY_PATH);
    assert_eq!(paid.time(), fixtures::NOTIFICATION_REQUEST_TIME);
    paid.verify(&keys::antom_public_key_ring()).unwrap();

    let failed = NotificationBuilder::payment("order-2", amount)
        .failed(PaymentResultCode::RiskReject)
        .payment_id("P-2")
        .payment_method_type("GCASH")
        .client_id(MY_CLIENT_ID)
        .path(MY_PATH)
        .request_time("1768442400000")
        .field("promotionResult", serde_json::json!([]))
        .key(keys::antom_private_key_v2(), KeyVersion(2))
        .name("my.failed")
        .build();
    assert_eq!(failed.name(), "my.failed");
    assert_eq!(failed.key_version(), Some(KeyVersion(2)));
    assert_eq!(failed.verify(&keys::antom_public_key_ring()).unwrap(), KeyVersion(2));
    let body: NotifyPayment = failed.parse().unwrap();
    assert_eq!(body.payment_id, "P-2");
    assert_eq!(body.result.result_status, ResultStatus::Failed);
    assert_eq!(body.result.result_code, "RISK_REJECT");
    assert!(body.payment_time.is_none());
    assert!(body.extra.contains_key("promotionResult"));
    assert_eq!(failed.header("request-time"), Some("1768442400000"));

    let pending = NotificationBuilder::payment("order-3", amount).processing().build();
    let body: NotifyPayment = pending.parse().unwrap();
    assert_eq!(body.notify_type, NotifyType::PaymentPending);
    assert_eq!(body.result.result_code, "PAYMENT_IN_PROCESS");

    let unknown = NotificationBuilder::payment("order-4", amount)
        .unknown("UNKNOWN_EXCEPTION")
        .build();
    assert_eq!(
        unknown.parse::<NotifyPayment>().unwrap().result.result_status,
        ResultStatus::Unknown
    );

    let refund_failed = NotificationBuilder::refund("refund-1", amount)
        .failed("PROCESS_FAIL")
        .build();
    let body: NotifyRefund = refund_failed.parse().unwrap();
    assert_eq!(body.refund_status, antom_types::RefundStatus::Fail);
    assert_eq!(body.refund_id, fixtures::derived_refund_id("refund-1"));
    assert_eq!(refund_failed.operation(), Operation::NotifyRefund);
    assert_eq!(refund_failed.name(), "notify_refund.custom.failed.process_fail");
}

#[tokio::test]
async fn built_notifications_pass_a_merchant_endpoint_with_a_real_clock() {
    let amount = antom_types::Amount::from_minor_units(4200, "MYR").unwrap();
    let fixture = NotificationBuilder::payment("order-77", amount)
        .client_id(MY_CLIENT_ID)
        .path(MY_PATH)
        .request_time_now()
        .build();
    contract::assert_acknowledges(endpoint(), &fixture).await;
}

#[tokio::test]
async fn an_http_file_replays_byte_for_byte_over_a_socket() {
    use axum::routing::post;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = axum::Router::new()
        .route("/antom/notify", post(|| async { NOTIFICATION_ACK_SUCCESS }))
        .route_layer(
            VerifyNotificationLayer::new(fixtures::CLIENT_ID, keys::antom_public_key_ring())
                .clock(Arc::new(fixtures::fixture_clock)),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // What `nc 127.0.0.1 PORT < notify_payment.success.http` does.
    let message = std::fs::read(fixtures::fixtures_dir().join("notify_payment.success.http")).unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(&message).await.unwrap();
    let mut answer = Vec::new();
    let read = async {
        let mut buffer = [0u8; 1024];
        while !String::from_utf8_lossy(&answer).contains(NOTIFICATION_ACK_SUCCESS) {
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "connection closed: {}", String::from_utf8_lossy(&answer));
            answer.extend_from_slice(&buffer[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("an answer");
    assert!(
        answer.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

// The contract battery ----------------------------------------------------------

#[tokio::test]
async fn the_battery_passes_against_a_correct_endpoint() {
    let report = contract::check_notify_endpoint(endpoint, MY_PATH, MY_CLIENT_ID).await;
    assert!(report.passed());
    let names: Vec<&str> = report.cases.iter().map(|case| case.name).collect();
    assert_eq!(
        names,
        [
            "valid",
            "duplicate",
            "day_old_resend",
            "tampered_body",
            "wrong_key",
            "wrong_path",
            "wrong_client_id",
            "stale_request_time",
            "altered_request_time",
            "missing_signature",
            "missing_request_time",
            "missing_client_id",
            "oversized_body",
        ]
    );
    let status = |name: &str| report.case(name).unwrap().status;
    assert_eq!(status("valid"), Some(StatusCode::OK));
    assert_eq!(status("tampered_body"), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(status("wrong_path"), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(status("wrong_client_id"), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(status("stale_request_time"), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(status("missing_signature"), Some(StatusCode::BAD_REQUEST));
    assert_eq!(status("oversized_body"), Some(StatusCode::PAYLOAD_TOO_LARGE));
    for case in &report.cases {
        assert_eq!(
            case.acknowledged,
            case.expected == Expectation::Acknowledged,
            "{}",
            case.name
        );
    }
    let text = report.to_string();
    assert!(text.contains("13 of 13 cases passed"), "{text}");
}

#[tokio::test]
async fn the_battery_passes_against_an_axum_router_with_a_store() {
    use axum::routing::post;

    // A router whose handler deduplicates on the idempotency key, as a store would.
    let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
    let router = {
        let seen = Arc::clone(&seen);
        axum::Router::new()
            .route(
                "/shop/antom/notify",
                post(
                    move |notification: antom_tower::VerifiedNotification<serde_json::Value>| {
                        let seen = Arc::clone(&seen);
                        async move {
                            let parsed = Notification::from_value(notification.payload).expect("a notification");
                            let key = parsed.idempotency_key().unwrap_or_default();
                            seen.lock().unwrap().insert(key);
                            NOTIFICATION_ACK_SUCCESS
                        }
                    },
                ),
            )
            .route_layer(VerifyNotificationLayer::new(
                MY_CLIENT_ID,
                keys::antom_public_key_ring(),
            ))
    };
    let amount = antom_types::Amount::from_minor_units(1000, "USD").unwrap();
    let report = NotifyEndpointCheck::new(MY_PATH, MY_CLIENT_ID)
        .notification(NotificationBuilder::refund("refund-9", amount).build())
        .check(|| router.clone())
        .await;
    assert!(report.passed());
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        1,
        "only the valid notification reached the handler: {seen:?}"
    );
    assert!(seen.contains(&format!("REFUND_RESULT:{}", fixtures::derived_refund_id("refund-9"))));
}

#[tokio::test]
async fn the_battery_passes_against_the_checkout_routes() {
    use antom_tower::checkout::{Checkout, CreateSessionResponse};
    use antom_tower::client::AntomClient;
    use antom_tower::store::{MemoryOrderStore, OrderStatus};

    // The checkout routes call the mock Antom; the battery plays Antom's notifications.
    let mock = mock::MockAntom::builder().start().await.unwrap();
    let client = AntomClient::builder(mock.client_id())
        .private_key(keys::merchant_private_key())
        .antom_public_keys(mock.antom_public_key_ring())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let checkout = Checkout::builder()
        // The test names the amount: the explicit client-amount opt-in.
        .pricing(antom_tower::checkout::ClientAmount::new().allow(antom_types::Currency::SGD, 1, 1_000_000))
        .client(client)
        .store(MemoryOrderStore::new())
        .notification_keys(mock.client_id(), mock.antom_public_key_ring())
        // Never reached: nobody pays at the mock's cashier, so the mock notifies nothing.
        .notify_url("http://127.0.0.1:9/antom/notify")
        .redirect_url("http://127.0.0.1:9/antom/return")
        .prefix("/antom")
        .build()
        .unwrap();
    let router = checkout.router();

    let order = serde_json::json!({"amount": 4200, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "Cappuccino"});
    let request = Request::post("/antom/sessions")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(order.to_string())))
        .unwrap();
    let answer = contract::send(router.clone(), &fixtures::notify_payment_success())
        .await
        .unwrap();
    assert_ne!(
        answer.status,
        StatusCode::OK,
        "the fixed-time fixture is stale for the real clock"
    );
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let session: CreateSessionResponse =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let payment_id = mock.payment(&session.payment_request_id).unwrap().payment_id;

    let paid = NotificationBuilder::payment(
        session.payment_request_id.as_str(),
        antom_types::Amount::from_minor_units(4200, "SGD").unwrap(),
    )
    .payment_id(payment_id.as_str())
    .payment_method_type("ALIPAY_CN")
    .build();
    let report = NotifyEndpointCheck::new("/antom/notify", mock.client_id())
        .notification(paid)
        .check(|| router.clone())
        .await;
    assert!(report.passed());

    // Only the valid notification changed the order, once.
    let changes = checkout.store().state_changes(&session.order_id).await.unwrap();
    let transitions: Vec<(OrderStatus, OrderStatus)> = changes.iter().map(|c| (c.from, c.to)).collect();
    assert_eq!(
        transitions,
        [
            (OrderStatus::Created, OrderStatus::Pending),
            (OrderStatus::Pending, OrderStatus::Succeeded)
        ]
    );
    let stored = checkout.store().get_order(&session.order_id).await.unwrap().unwrap();
    assert_eq!(stored.payment_id.as_deref(), Some(payment_id.as_str()));
}

fn panic_message(error: tokio::task::JoinError) -> String {
    assert!(error.is_panic(), "expected a panic, got {error}");
    let payload = error.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[tokio::test]
async fn the_battery_fails_against_an_endpoint_that_acknowledges_everything() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let broken = move || {
        let counter = Arc::clone(&counter);
        service_fn(move |_: Request<Full<Bytes>>| {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(ack()) }
        })
    };
    let outcome =
        tokio::spawn(async move { contract::check_notify_endpoint(broken, MY_PATH, MY_CLIENT_ID).await }).await;
    let message = panic_message(outcome.expect_err("a broken endpoint fails the battery"));
    assert_eq!(calls.load(Ordering::SeqCst), 13, "every case ran before the panic");
    assert!(
        message.starts_with("notify endpoint contract failed in 10 case(s)"),
        "{message}"
    );
    for case in [
        "tampered_body",
        "wrong_key",
        "wrong_path",
        "wrong_client_id",
        "stale_request_time",
        "altered_request_time",
        "missing_signature",
        "missing_request_time",
        "missing_client_id",
        "oversized_body",
    ] {
        assert!(
            message.contains(&format!("  - {case}: ")),
            "{case} not named in:\n{message}"
        );
    }
    assert!(
        message.contains("does not verify the signature over the raw body"),
        "{message}"
    );
    assert!(message.contains("FAIL tampered_body"), "{message}");
    assert!(message.contains("ok   valid"), "{message}");
}

#[tokio::test]
async fn the_battery_reports_without_panicking_and_names_subtler_faults() {
    // Verifies properly, but refuses duplicates and has Stripe's 5-minute window.
    let seen: Arc<Mutex<HashSet<Bytes>>> = Arc::default();
    let strict = || {
        let seen = Arc::clone(&seen);
        VerifyNotificationLayer::new(MY_CLIENT_ID, keys::antom_public_key_ring())
            .max_age(Duration::from_secs(5 * 60))
            .layer(service_fn(move |request: Request<Full<Bytes>>| {
                let seen = Arc::clone(&seen);
                async move {
                    let body = request.into_body().collect().await?.to_bytes();
                    if seen.lock().unwrap().insert(body) {
                        Ok::<_, BoxError>(ack())
                    } else {
                        let mut conflict = Response::new(Full::new(Bytes::from_static(b"duplicate")));
                        *conflict.status_mut() = StatusCode::CONFLICT;
                        Ok(conflict)
                    }
                }
            }))
    };
    let report = NotifyEndpointCheck::new(MY_PATH, MY_CLIENT_ID).run(strict).await;
    let failed: Vec<&str> = report.failures().map(|case| case.name).collect();
    assert_eq!(failed, ["duplicate", "day_old_resend"]);
    assert_eq!(report.case("duplicate").unwrap().status, Some(StatusCode::CONFLICT));
    assert_eq!(
        report.case("day_old_resend").unwrap().status,
        Some(StatusCode::UNAUTHORIZED)
    );
    assert!(report.to_string().contains("11 of 13 cases passed"));

    // The same endpoint passes once the resend case is switched off and duplicates are forgiven.
    let report = NotifyEndpointCheck::new(MY_PATH, MY_CLIENT_ID)
        .day_old_resend(false)
        .notification(fixtures::notify_payment_failed(PaymentResultCode::ProcessFail))
        .run(strict)
        .await;
    assert_eq!(
        report.failures().map(|case| case.name).collect::<Vec<_>>(),
        ["duplicate"]
    );
    assert_eq!(report.cases.len(), 12);
}

// The committed files -----------------------------------------------------------

#[test]
fn committed_fixture_files_are_up_to_date() {
    let dir = fixtures::fixtures_dir();
    if std::env::var(fixtures::REGENERATE_ENV).is_ok_and(|v| v == "1") {
        fixtures::write_files(&dir).expect("write the fixture files");
    }
    let problems = fixtures::compare_files(&dir);
    assert!(
        problems.is_empty(),
        "antom-testkit/fixtures/ is out of date with antom_testkit::fixtures:\n  {}\nRegenerate with: {}=1 cargo test -p antom-testkit --test fixtures",
        problems.join("\n  "),
        fixtures::REGENERATE_ENV
    );
    // The index lists every fixture with its exact body.
    let index: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let entries = index["fixtures"].as_array().unwrap();
    assert_eq!(entries.len(), fixtures::all().len());
    for (entry, fixture) in entries.iter().zip(fixtures::all()) {
        assert_eq!(entry["name"], fixture.name());
        assert_eq!(entry["body"].as_str().unwrap().as_bytes(), &fixture.body()[..]);
    }
    // A .http file is the exact message: headers, a blank line, the body.
    let http = std::fs::read(dir.join("notify_payment.success.http")).unwrap();
    let split = http.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert_eq!(&http[split + 4..], &fixtures::notify_payment_success().body()[..]);
    assert!(http.starts_with(b"POST /antom/notify HTTP/1.1\r\n"));
}
