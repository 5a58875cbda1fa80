//! The layers' own cost: each layer around a trivial service, beside the same
//! service without the layer and beside the bare signing operation, so that
//! `with_layer - without_layer - crypto` is the layer's overhead (request
//! parts, body buffering, header parsing and formatting, allocation).
//!
//! Groups (criterion ids `group/function/parameter`), at 200 B, 1 KiB, 8 KiB and 64 KiB:
//! - `notify_layer/handler_only/{size}`: a trivial handler answering the ACK.
//! - `notify_layer/with_layer/{size}`: `VerifyNotificationLayer` + the same handler.
//! - `notify_layer/verify_raw/{size}`: `PublicKey::verify` of the raw signature bytes.
//! - `notify_layer/verify_header/{size}`: `PublicKeyRing::verify_header_value`
//!   (signature header parse + verify).
//! - `sign_layer/inner_only/{size}`: a no-op inner service.
//! - `sign_layer/with_layer/{size}`: `SignRequestLayer` + the same inner service.
//! - `sign_layer/sign_raw/{size}`: `PrivateKey::sign`.
//!
//! All on the default backend (aws-lc-rs). The services' futures are ready at
//! once (the bodies are `Full`), so they are polled with a no-op waker: no
//! runtime cost is counted. Requests are built outside the timed part.
//!
//! Run: `taskset -c 1 cargo bench -p antom-benches --bench layers -- --warm-up-time 1 --measurement-time 3`

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::Arc;

use antom_benches::harness::{api_request, call_now, Notification, ACK};
use antom_benches::{notification_body, request_content, size_label, BODY_SIZES, CLIENT_ID};
use antom_testkit::keys::{antom_public_key, antom_public_key_ring, merchant_private_key};
use antom_tower::sign_request::SignRequestLayer;
use antom_tower::signing::{KeyVersion, PublicKeyRing, SignatureHeader};
use antom_tower::verify_notification::VerifyNotificationLayer;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use tower::{service_fn, Layer};

fn notify_layer(c: &mut Criterion) {
    let handler = service_fn(|_request: Request<Full<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(ACK))))
    });
    let ring: Arc<PublicKeyRing> = antom_public_key_ring();
    let key = antom_public_key();
    let layer = VerifyNotificationLayer::new(CLIENT_ID, Arc::clone(&ring));

    let mut group = c.benchmark_group("notify_layer");
    group.throughput(Throughput::Elements(1));
    for len in BODY_SIZES {
        let notification = Notification::signed(len);
        let label = size_label(len);

        let mut plain = handler;
        group.bench_function(BenchmarkId::new("handler_only", &label), |b| {
            b.iter_batched(
                || notification.request(),
                |request| call_now(&mut plain, request),
                BatchSize::SmallInput,
            )
        });

        let mut verified = layer.layer(handler);
        let response = call_now(&mut verified, notification.request());
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the layer rejected the bench's notification"
        );
        group.bench_function(BenchmarkId::new("with_layer", &label), |b| {
            b.iter_batched(
                || notification.request(),
                |request| call_now(&mut verified, request),
                BatchSize::SmallInput,
            )
        });

        let header = SignatureHeader::parse(&notification.signature).expect("parses");
        let content = notification.content();
        group.bench_function(BenchmarkId::new("verify_raw", &label), |b| {
            b.iter(|| {
                key.verify(black_box(&content), black_box(&header.signature))
                    .expect("verifies")
            })
        });
        group.bench_function(BenchmarkId::new("verify_header", &label), |b| {
            b.iter(|| {
                ring.verify_header_value(black_box(&content), black_box(&notification.signature))
                    .expect("verifies")
            })
        });
    }
    group.finish();
}

fn sign_layer(c: &mut Criterion) {
    let inner = service_fn(|_request: Request<Full<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
    });
    let key = Arc::new(merchant_private_key());
    let layer = SignRequestLayer::new(CLIENT_ID, key.clone()).key_version(KeyVersion(1));

    let mut group = c.benchmark_group("sign_layer");
    group.throughput(Throughput::Elements(1));
    group.sample_size(50);
    for len in BODY_SIZES {
        let body = Bytes::from(notification_body(len, 1));
        let label = size_label(len);
        let request = || api_request(&body);

        let mut plain = inner;
        group.bench_function(BenchmarkId::new("inner_only", &label), |b| {
            b.iter_batched(request, |request| call_now(&mut plain, request), BatchSize::SmallInput)
        });

        let mut signing = layer.layer(inner);
        group.bench_function(BenchmarkId::new("with_layer", &label), |b| {
            b.iter_batched(
                request,
                |request| call_now(&mut signing, request),
                BatchSize::SmallInput,
            )
        });

        let content = request_content(&body);
        group.bench_function(BenchmarkId::new("sign_raw", &label), |b| {
            b.iter(|| key.sign(black_box(&content)).expect("signs"))
        });
    }
    group.finish();
}

criterion_group!(benches, notify_layer, sign_layer);
criterion_main!(benches);
