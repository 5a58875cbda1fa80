//! `VerifyNotificationLayer` called directly (`tower::ServiceExt::oneshot`):
//! every documented rejection, the accepted forms, the limits and the logs.

mod notify_support;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use antom_tower::signing::KeyVersion;
use antom_tower::verify_notification::{
    NotificationRejection, VerifiedNotificationHeaders, VerifyNotification, VerifyNotificationLayer, DEFAULT_MAX_AGE,
    DEFAULT_MAX_FUTURE_SKEW, DEFAULT_MAX_NOTIFICATION_BYTES,
};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use notify_support::*;
use tower::util::BoxCloneService;
use tower::{service_fn, Layer, Service, ServiceExt};

type Handler = BoxCloneService<Request<Full<Bytes>>, Response<Full<Bytes>>, Infallible>;

/// The handler: counts its calls and echoes the verified body, with the
/// verification extension as a response extension.
fn echo_handler(counter: CallCounter) -> Handler {
    BoxCloneService::new(service_fn(move |request: Request<Full<Bytes>>| {
        let counter = counter.clone();
        async move {
            counter.hit();
            let verified = request.extensions().get::<VerifiedNotificationHeaders>().cloned();
            let body = request.into_body().collect().await?.to_bytes();
            let mut response = Response::new(Full::new(body));
            if let Some(verified) = verified {
                response.extensions_mut().insert(verified);
            }
            Ok::<_, Infallible>(response)
        }
    }))
}

struct Answer {
    status: StatusCode,
    content_type: Option<HeaderValue>,
    rejection: Option<NotificationRejection>,
    verified: Option<VerifiedNotificationHeaders>,
    body: Bytes,
}

async fn call<B>(service: VerifyNotification<Handler>, request: Request<B>) -> Answer
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<antom_tower::BoxError>,
{
    let response = service.oneshot(request).await.expect("the layer never fails itself");
    let (parts, body) = response.into_parts();
    Answer {
        status: parts.status,
        content_type: parts.headers.get("content-type").cloned(),
        rejection: parts.extensions.get::<NotificationRejection>().cloned(),
        verified: parts.extensions.get::<VerifiedNotificationHeaders>().cloned(),
        body: body.collect().await.expect("body").to_bytes(),
    }
}

#[tokio::test]
async fn accepts_signed_notifications_and_hands_over_the_exact_body() {
    for (name, notification, key_version) in good_cases() {
        let counter = CallCounter::default();
        let service = layer().layer(echo_handler(counter.clone()));
        let answer = call(service, notification.request(None)).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}: {:?}", answer.body);
        assert_eq!(counter.get(), 1, "{name}");
        assert_eq!(
            answer.body, notification.body,
            "{name}: the handler sees the signed bytes"
        );
        assert_eq!(
            answer.verified,
            Some(VerifiedNotificationHeaders {
                client_id: CLIENT_ID.to_owned(),
                request_time: notification.header("request-time").unwrap_or_default().to_owned(),
                key_version: KeyVersion(key_version),
            }),
            "{name}"
        );
    }
}

#[tokio::test]
async fn rejects_every_bad_case_without_calling_the_handler() {
    for case in bad_cases() {
        let counter = CallCounter::default();
        let service = layer().layer(echo_handler(counter.clone()));
        let answer = call(service, case.notification.request(None)).await;
        assert_eq!(answer.status, case.status, "{}", case.name);
        assert_eq!(counter.get(), 0, "{}: the handler must not be called", case.name);
        assert_eq!(
            answer.content_type.as_ref().and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{}",
            case.name
        );
        let (code, message) = rejection_body(&answer.body);
        assert_eq!(code, case.code, "{}: {message}", case.name);
        assert!(!message.is_empty() && !message.contains('\n'), "{}", case.name);
        let rejection = answer.rejection.expect("rejection extension");
        assert_eq!(rejection.code(), case.code, "{}", case.name);
        assert_eq!(rejection.status(), case.status, "{}", case.name);
        assert!(answer.verified.is_none(), "{}", case.name);
    }
}

#[tokio::test]
async fn names_the_missing_header() {
    for header in ["client-id", "request-time", "signature"] {
        let service = layer().layer(echo_handler(CallCounter::default()));
        let answer = call(service, Notification::signed().without_header(header).request(None)).await;
        let rejection = answer.rejection.expect("rejection");
        assert!(matches!(rejection, NotificationRejection::MissingHeader(h) if h == header));
        assert!(rejection_body(&answer.body).1.contains(header));
    }
}

#[tokio::test]
async fn rejects_a_header_that_is_not_ascii() {
    let counter = CallCounter::default();
    let service = layer().layer(echo_handler(counter.clone()));
    let mut request = Notification::signed().request(None);
    request.headers_mut().insert(
        "client-id",
        HeaderValue::from_bytes(b"caf\xe9").expect("obs-text is a valid header value"),
    );
    let answer = call(service, request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(rejection_body(&answer.body).0, "invalid_header");
    assert_eq!(counter.get(), 0);
}

#[tokio::test]
async fn a_lying_content_length_cannot_pass_the_limit() {
    // Says 10 bytes, streams more than the limit: the running count stops it.
    let counter = CallCounter::default();
    let service = layer().layer(echo_handler(counter.clone()));
    let notification = Notification::signed();
    let mut request = notification
        .request(None)
        .map(|_| Chunks::split(&Bytes::from(vec![b'x'; MAX_BODY + 1]), 64));
    request
        .headers_mut()
        .insert("content-length", HeaderValue::from_static("10"));
    let answer = call(service, request).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(rejection_body(&answer.body).0, "body_too_large");
    assert_eq!(counter.get(), 0);
}

#[tokio::test]
async fn a_body_announcing_its_size_is_refused_before_reading() {
    // No Content-Length header, but the body's own size hint is over the limit.
    let counter = CallCounter::default();
    let service = layer().layer(echo_handler(counter.clone()));
    let request = Notification::signed()
        .request(None)
        .map(|_| Full::new(Bytes::from(vec![b'x'; MAX_BODY + 1])));
    let answer = call(service, request).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(counter.get(), 0);
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_is_read() {
    let padding = "x".repeat(MAX_BODY);
    let time = millis_from_now(-1_000);
    let body = format!(r#"{{"p":"{padding}"}}"#);
    let body = &body[..MAX_BODY];
    let signature = signature_header(&antom_v1(), 1, NOTIFY_PATH, CLIENT_ID, &time, body.as_bytes());
    let notification = Notification::signed()
        .with_body(body.to_owned())
        .with_header("request-time", time)
        .with_header("signature", signature);
    for notification in [notification.clone(), notification.chunked()] {
        let service = layer().layer(echo_handler(CallCounter::default()));
        let answer = call(service, notification.request(None)).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body.len(), MAX_BODY);
    }
}

#[tokio::test]
async fn verifies_the_external_path_behind_a_prefix_stripping_proxy() {
    // Antom signed https://shop.example/shop/antom/notify?x=1; the proxy forwards /antom/notify?x=1.
    let time = millis_from_now(-1_000);
    let notification = Notification::signed_with(
        &antom_v1(),
        1,
        "/shop/antom/notify?x=1",
        "/antom/notify?x=1",
        CLIENT_ID,
        &time,
    );
    for prefix in ["/shop", "/shop/", "shop"] {
        let counter = CallCounter::default();
        let service = layer().proxy_path_prefix(prefix).layer(echo_handler(counter.clone()));
        let answer = call(service, notification.request(None)).await;
        assert_eq!(answer.status, StatusCode::OK, "prefix {prefix:?}");
        assert_eq!(counter.get(), 1);
    }

    let without_prefix = layer().layer(echo_handler(CallCounter::default()));
    let answer = call(without_prefix, notification.request(None)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(rejection_body(&answer.body).0, "signature_mismatch");

    // An empty prefix means none: the received path is verified as is.
    let direct = Notification::signed();
    let service = layer()
        .proxy_path_prefix("")
        .layer(echo_handler(CallCounter::default()));
    assert_eq!(call(service, direct.request(None)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_replay_window_is_configurable() {
    let ten_minutes_old = Notification::signed_with(
        &antom_v1(),
        1,
        NOTIFY_PATH,
        NOTIFY_PATH,
        CLIENT_ID,
        &millis_from_now(-10 * 60 * 1000),
    );
    let default_window = layer().layer(echo_handler(CallCounter::default()));
    assert_eq!(
        call(default_window, ten_minutes_old.request(None)).await.status,
        StatusCode::OK
    );
    let short_window = layer()
        .max_age(Duration::from_secs(5 * 60))
        .layer(echo_handler(CallCounter::default()));
    let answer = call(short_window, ten_minutes_old.request(None)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(matches!(
        answer.rejection,
        Some(NotificationRejection::RequestTimeTooOld { age, max_age })
            if age == Duration::from_secs(600) && max_age == Duration::from_secs(300)
    ));

    let two_minutes_ahead = Notification::signed_with(
        &antom_v1(),
        1,
        NOTIFY_PATH,
        NOTIFY_PATH,
        CLIENT_ID,
        &millis_from_now(2 * 60 * 1000),
    );
    let default_skew = layer().layer(echo_handler(CallCounter::default()));
    assert_eq!(
        call(default_skew, two_minutes_ahead.request(None)).await.status,
        StatusCode::OK
    );
    let no_skew = layer()
        .max_future_skew(Duration::ZERO)
        .layer(echo_handler(CallCounter::default()));
    let answer = call(no_skew, two_minutes_ahead.request(None)).await;
    assert_eq!(rejection_body(&answer.body).0, "request_time_in_future");

    // The clock is the layer's: the same notification a day later is stale.
    let a_day_later = layer()
        .clock(Arc::new(|| now() + Duration::from_secs(26 * 3600)))
        .layer(echo_handler(CallCounter::default()));
    let answer = call(a_day_later, Notification::signed().request(None)).await;
    assert_eq!(rejection_body(&answer.body).0, "request_time_too_old");
}

#[tokio::test]
async fn a_request_time_beyond_the_year_2262_is_in_the_future_not_unparseable() {
    // Nanoseconds since 1970 overflow an i64 in April 2262: such a time must
    // still be judged as a time (far ahead), in every accepted form.
    for time in [
        "2300-01-01T00:00:00Z",
        "2300-01-01T08:00:00+0800",
        "10413792000000",
        "99999999999999999999",
    ] {
        let notification = Notification::signed_with(&antom_v1(), 1, NOTIFY_PATH, NOTIFY_PATH, CLIENT_ID, time);
        let counter = CallCounter::default();
        let answer = call(layer().layer(echo_handler(counter.clone())), notification.request(None)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{time}");
        assert_eq!(rejection_body(&answer.body).0, "request_time_in_future", "{time}");
        assert_eq!(counter.get(), 0, "{time}");
    }
}

#[test]
fn defaults_are_documented_values() {
    assert_eq!(DEFAULT_MAX_NOTIFICATION_BYTES, 64 * 1024);
    assert_eq!(DEFAULT_MAX_AGE, Duration::from_secs(25 * 3600));
    assert_eq!(DEFAULT_MAX_FUTURE_SKEW, Duration::from_secs(300));
}

#[tokio::test]
async fn the_default_limit_is_64_kib() {
    let big = format!(r#"{{"p":"{}"}}"#, "x".repeat(DEFAULT_MAX_NOTIFICATION_BYTES));
    let time = millis_from_now(-1_000);
    let signature = signature_header(&antom_v1(), 1, NOTIFY_PATH, CLIENT_ID, &time, big.as_bytes());
    let notification = Notification::signed()
        .with_body(big)
        .with_header("request-time", time)
        .with_header("signature", signature);
    let service = VerifyNotificationLayer::new(CLIENT_ID, antom_ring())
        .clock(Arc::new(now))
        .layer(echo_handler(CallCounter::default()));
    assert_eq!(
        call(service, notification.request(None)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn the_inner_service_readiness_is_respected() {
    // Backpressure from the handler reaches the caller, and the readied handler is the one called.
    let counter = CallCounter::default();
    let limited = tower::ServiceBuilder::new()
        .layer(layer())
        .concurrency_limit(1)
        .service(echo_handler(counter.clone()));
    let mut service = limited.clone();
    let request = Notification::signed().request(None);
    let ready = ServiceExt::<Request<BoxBody<Bytes, Infallible>>>::ready(&mut service)
        .await
        .expect("ready");
    let answer = ready.call(request).await.expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(counter.get(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn rejections_are_logged_without_body_signature_or_key() {
    let cases = bad_cases();
    let mut secrets = vec![SECRET_MARKER.to_owned()];
    for case in &cases {
        if let Some(signature) = case.notification.header("signature") {
            if let Some((_, value)) = signature.split_once("signature=") {
                if value.len() > 40 {
                    secrets.push(value[..40].to_owned());
                }
            }
        }
    }
    let text = capture_logs(async {
        for case in &cases {
            let service = layer().layer(echo_handler(CallCounter::default()));
            call(service, case.notification.request(None)).await;
        }
    })
    .await;
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("rejected an Antom notification"))
        .collect();
    assert_eq!(warnings.len(), cases.len(), "one warning per rejection:\n{text}");
    for (case, line) in cases.iter().zip(&warnings) {
        assert!(line.contains("WARN"), "{line}");
        assert!(
            line.contains(&format!("code=\"{}\"", case.code)) || line.contains(&format!("code={}", case.code)),
            "{line}"
        );
        assert!(line.contains("method=POST"), "{line}");
        assert!(line.contains("path=/antom/notify"), "{line}");
    }
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "a log line leaks {secret}:\n{text}");
    }
    assert!(!text.contains("BEGIN"), "no key material");
    assert!(!text.contains("paymentId"), "no body");
}
