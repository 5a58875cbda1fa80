//! `NotificationVerifier`, the framework-neutral check: it accepts and refuses
//! every case exactly as `VerifyNotificationLayer` does (the layer runs it),
//! with the whole body or in two steps, and logs its rejections the same way.

mod notify_support;

use std::sync::Arc;
use std::time::Duration;

use antom_tower::signing::KeyVersion;
use antom_tower::verify_notification::{
    NotificationRejection, NotificationVerifier, VerifiedNotificationHeaders, VerifyNotificationLayer,
};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use notify_support::*;
use tower::{service_fn, Layer, ServiceExt};

/// The verifier every test uses: the layer's own (fixed clock aside, which the caller passes).
fn verifier() -> NotificationVerifier {
    layer().verifier().clone()
}

fn headers(notification: &Notification) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in &notification.headers {
        let value = HeaderValue::from_bytes(value.as_bytes()).expect("test header value");
        headers.append(HeaderName::from_static(name), value);
    }
    headers
}

fn verify(
    verifier: &NotificationVerifier,
    notification: &Notification,
) -> Result<VerifiedNotificationHeaders, NotificationRejection> {
    verifier.verify(
        &Method::POST,
        &notification.path_and_query,
        &headers(notification),
        &notification.body,
        now(),
    )
}

/// The layer's answer to `notification`: status and rejection code (`None` when it passed).
async fn through_the_layer(notification: &Notification) -> (StatusCode, Option<&'static str>) {
    let ack = service_fn(|_: http::Request<http_body_util::Full<Bytes>>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(Bytes::new())))
    });
    let response = layer()
        .layer(ack)
        .oneshot(notification.request(None))
        .await
        .expect("answer");
    let code = response
        .extensions()
        .get::<NotificationRejection>()
        .map(NotificationRejection::code);
    (response.status(), code)
}

#[tokio::test]
async fn accepts_what_the_layer_accepts() {
    for (name, notification, key_version) in good_cases() {
        let verified = verify(&verifier(), &notification).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            verified,
            VerifiedNotificationHeaders {
                client_id: CLIENT_ID.to_owned(),
                request_time: notification.header("request-time").unwrap_or_default().to_owned(),
                key_version: KeyVersion(key_version),
            },
            "{name}"
        );
        assert_eq!(through_the_layer(&notification).await, (StatusCode::OK, None), "{name}");
    }
}

#[tokio::test]
async fn refuses_what_the_layer_refuses_with_the_same_code_and_status() {
    for case in bad_cases() {
        let rejection = verify(&verifier(), &case.notification).expect_err(case.name);
        assert_eq!(rejection.code(), case.code, "{}", case.name);
        assert_eq!(rejection.status(), case.status, "{}", case.name);
        assert_eq!(
            through_the_layer(&case.notification).await,
            (case.status, Some(case.code)),
            "{}",
            case.name
        );
        let body: serde_json::Value = serde_json::from_str(&rejection.to_json()).expect("JSON");
        assert_eq!(body["error"], case.code, "{}", case.name);
        assert_eq!(body["message"], rejection.to_string(), "{}", case.name);
    }
}

#[tokio::test]
async fn the_json_body_is_the_layers_response_body() {
    let rejection = verify(&verifier(), &Notification::signed().without_header("signature")).expect_err("unsigned");
    let response = rejection.to_response();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = response.into_body().collect().await.expect("a full body").to_bytes();
    assert_eq!(body, rejection.to_json().as_bytes());
}

#[test]
fn two_steps_refuse_before_the_body_and_verify_after() {
    let verifier = verifier();
    let good = Notification::signed();
    let pending = verifier
        .check_headers(&Method::POST, NOTIFY_PATH, &headers(&good), now())
        .expect("headers pass");
    assert_eq!(pending.signed_path(), NOTIFY_PATH);
    assert_eq!(pending.body_limit(), MAX_BODY);
    assert_eq!(
        pending.verify_body(&good.body).expect("verified").key_version,
        KeyVersion(1)
    );

    // A wrong client id is refused before any body is read.
    let other = good.clone().with_header("client-id", "SANDBOX_SOMEONE_ELSE");
    let refused = verifier.check_headers(&Method::POST, NOTIFY_PATH, &headers(&other), now());
    assert!(matches!(refused, Err(NotificationRejection::ClientIdMismatch)));

    // A Content-Length over the limit too.
    let announced = good.clone().with_header("content-length", (MAX_BODY + 1).to_string());
    let refused = verifier.check_headers(&Method::POST, NOTIFY_PATH, &headers(&announced), now());
    assert!(matches!(refused, Err(NotificationRejection::BodyTooLarge { limit }) if limit == MAX_BODY));

    // The headers pass, but the body is not what was signed.
    let pending = verifier
        .check_headers(&Method::POST, NOTIFY_PATH, &headers(&good), now())
        .expect("headers pass");
    assert!(matches!(
        pending.verify_body(b"{\"paymentId\":\"forged\"}"),
        Err(NotificationRejection::SignatureMismatch)
    ));
}

#[test]
fn the_time_is_the_callers() {
    let good = Notification::signed();
    let a_day_later = now() + Duration::from_secs(26 * 3600);
    let rejection = verifier()
        .verify(&Method::POST, NOTIFY_PATH, &headers(&good), &good.body, a_day_later)
        .expect_err("stale by then");
    assert!(matches!(rejection, NotificationRejection::RequestTimeTooOld { .. }));
}

#[test]
fn configured_like_the_layer() {
    // Behind a proxy that strips /shop, with a one-minute window.
    let notification = Notification::signed_with(
        &antom_v1(),
        1,
        "/shop/antom/notify",
        NOTIFY_PATH,
        CLIENT_ID,
        &millis_from_now(-1_000),
    );
    let verifier = NotificationVerifier::new(CLIENT_ID, antom_ring())
        .proxy_path_prefix("shop/")
        .max_age(Duration::from_secs(60));
    assert!(verify(&verifier, &notification).is_ok());
    let old = Notification::signed_with(
        &antom_v1(),
        1,
        "/shop/antom/notify",
        NOTIFY_PATH,
        CLIENT_ID,
        &millis_from_now(-120_000),
    );
    assert_eq!(
        verify(&verifier, &old).expect_err("too old").code(),
        "request_time_too_old"
    );

    // The layer built from it runs it.
    let layer = VerifyNotificationLayer::from_verifier(verifier.clone()).clock(Arc::new(now));
    assert_eq!(format!("{:?}", layer.verifier()), format!("{verifier:?}"));
    assert!(verify(layer.verifier(), &notification).is_ok());
}

#[test]
fn a_body_over_the_limit_is_refused_even_without_content_length() {
    let big = "x".repeat(MAX_BODY + 1);
    let time = millis_from_now(-1_000);
    let signature = signature_header(&antom_v1(), 1, NOTIFY_PATH, CLIENT_ID, &time, big.as_bytes());
    let notification = Notification::signed()
        .with_body(big)
        .with_header("request-time", time)
        .with_header("signature", signature);
    let rejection = verify(&verifier(), &notification).expect_err("too large");
    assert_eq!(rejection.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test(flavor = "current_thread")]
async fn rejections_are_logged_once_without_the_body() {
    let text = capture_logs(async {
        let unsigned = Notification::signed().without_header("signature");
        let _ = verify(&verifier(), &unsigned);
        let tampered = Notification::signed().with_body(payment_body().replace("4200", "1"));
        let _ = verify(&verifier(), &tampered);
    })
    .await;
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("rejected an Antom notification"))
        .collect();
    assert_eq!(warnings.len(), 2, "{text}");
    assert!(
        warnings[0].contains("missing_header") && warnings[0].contains("path=/antom/notify"),
        "{text}"
    );
    assert!(warnings[1].contains("signature_mismatch"), "{text}");
    assert!(!text.contains(SECRET_MARKER), "no body in the logs:\n{text}");
}
