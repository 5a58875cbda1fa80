//! The signing core, per backend, beside OpenSSL measured in the same run.
//!
//! Groups (criterion ids `group/function/parameter`):
//! - `sign/{aws-lc-rs,rsa,openssl}/{200B,1KiB,8KiB,64KiB}`: sign one request
//!   (SHA-256 over the content fed part by part, then RSA-2048 PKCS#1 v1.5).
//! - `verify/{aws-lc-rs,rsa,openssl}/{size}`: verify one raw signature.
//! - `content/*/{size}`: building the content to sign: `SigningContent::new`
//!   plus either its SHA-256 (each backend's hash, and OpenSSL's) or a copy
//!   into one buffer (`to_bytes`, the non-hot-path helper).
//! - `header/*`: parsing and formatting the `signature` header.
//! - `key_load/*/{aws-lc-rs,rsa,openssl}`: loading a key from its text form.
//!
//! Run (single core, as BENCHMARKS.md records):
//! `taskset -c 1 cargo bench -p antom-benches --bench signing -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use antom_benches::{notification_body, request_content, size_label, BODY_SIZES};
use antom_testkit::keys::{
    MERCHANT_PRIVATE_KEY_BASE64, MERCHANT_PRIVATE_KEY_PEM, MERCHANT_PRIVATE_KEY_PKCS1_PEM, MERCHANT_PUBLIC_KEY_PEM,
};
use antom_tower::signing::{
    decode_signature_value, encode_signature_value, Backend, KeyVersion, PrivateKey, PublicKey, SignatureHeader,
    SigningContent,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use openssl::hash::{Hasher, MessageDigest};
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};

/// OpenSSL's RSA-2048 PKCS#1 v1.5 SHA-256 over the same parts, fed the same way.
fn openssl_sign(key: &PKey<Private>, content: &SigningContent<'_>) -> Vec<u8> {
    let mut signer = Signer::new(MessageDigest::sha256(), key).expect("openssl signer");
    content.for_each_part(|part| signer.update(part).expect("openssl update"));
    signer.sign_to_vec().expect("openssl sign")
}

fn openssl_verify(key: &PKey<Public>, content: &SigningContent<'_>, signature: &[u8]) -> bool {
    let mut verifier = Verifier::new(MessageDigest::sha256(), key).expect("openssl verifier");
    content.for_each_part(|part| verifier.update(part).expect("openssl update"));
    verifier.verify(signature).expect("openssl verify")
}

fn openssl_private() -> PKey<Private> {
    PKey::private_key_from_pem(MERCHANT_PRIVATE_KEY_PEM.as_bytes()).expect("openssl parses the test key")
}

fn openssl_public() -> PKey<Public> {
    PKey::public_key_from_pem(MERCHANT_PUBLIC_KEY_PEM.as_bytes()).expect("openssl parses the test key")
}

fn private_key(backend: Backend) -> PrivateKey {
    PrivateKey::from_bytes_with(MERCHANT_PRIVATE_KEY_PEM.as_bytes(), backend).expect("test key")
}

fn public_key(backend: Backend) -> PublicKey {
    PublicKey::from_bytes_with(MERCHANT_PUBLIC_KEY_PEM.as_bytes(), backend).expect("test key")
}

fn sign(c: &mut Criterion) {
    let keys: Vec<PrivateKey> = Backend::ALL.iter().map(|&b| private_key(b)).collect();
    let reference = openssl_private();
    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Elements(1));
    // The rsa backend takes ~2 ms a signature: 50 samples keep the suite short.
    group.sample_size(50);
    for len in BODY_SIZES {
        let body = notification_body(len, 1);
        let content = request_content(&body);
        let expected = openssl_sign(&reference, &content);
        for key in &keys {
            // PKCS#1 v1.5 is deterministic: every implementation must give OpenSSL's bytes.
            assert_eq!(
                key.sign(&content).expect("sign"),
                expected,
                "{:?} disagrees with OpenSSL",
                key
            );
            group.bench_with_input(
                BenchmarkId::new(key.backend().name(), size_label(len)),
                &content,
                |b, content| b.iter(|| key.sign(black_box(content)).expect("sign")),
            );
        }
        group.bench_with_input(BenchmarkId::new("openssl", size_label(len)), &content, |b, content| {
            b.iter(|| openssl_sign(&reference, black_box(content)))
        });
    }
    group.finish();
}

fn verify(c: &mut Criterion) {
    let keys: Vec<PublicKey> = Backend::ALL.iter().map(|&b| public_key(b)).collect();
    let reference = openssl_public();
    let signer = openssl_private();
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    for len in BODY_SIZES {
        let body = notification_body(len, 1);
        let content = request_content(&body);
        let signature = openssl_sign(&signer, &content);
        for key in &keys {
            key.verify(&content, &signature).expect("verifies");
            group.bench_with_input(
                BenchmarkId::new(key.backend().name(), size_label(len)),
                &content,
                |b, content| b.iter(|| key.verify(black_box(content), black_box(&signature)).expect("verifies")),
            );
        }
        assert!(openssl_verify(&reference, &content, &signature));
        group.bench_with_input(BenchmarkId::new("openssl", size_label(len)), &content, |b, content| {
            b.iter(|| assert!(openssl_verify(&reference, black_box(content), black_box(&signature))))
        });
    }
    group.finish();
}

fn content(c: &mut Criterion) {
    let mut group = c.benchmark_group("content");
    for len in BODY_SIZES {
        let body = notification_body(len, 1);
        let content = request_content(&body);
        group.throughput(Throughput::Bytes(content.len() as u64));
        let label = size_label(len);
        // What aws-lc-rs's backend does before the RSA operation.
        group.bench_with_input(BenchmarkId::new("sha256_aws_lc", &label), &body, |b, body| {
            b.iter(|| {
                let content = request_content(black_box(body));
                let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
                content.for_each_part(|part| ctx.update(part));
                ctx.finish()
            })
        });
        // What the rsa backend does before the RSA operation.
        group.bench_with_input(BenchmarkId::new("sha256_sha2", &label), &body, |b, body| {
            b.iter(|| {
                use sha2::Digest as _;
                let content = request_content(black_box(body));
                let mut hasher = sha2::Sha256::new();
                content.for_each_part(|part| hasher.update(part));
                hasher.finalize()
            })
        });
        group.bench_with_input(BenchmarkId::new("sha256_openssl", &label), &body, |b, body| {
            b.iter(|| {
                let content = request_content(black_box(body));
                let mut hasher = Hasher::new(MessageDigest::sha256()).expect("hasher");
                content.for_each_part(|part| hasher.update(part).expect("update"));
                hasher.finish().expect("finish")
            })
        });
        // The one-buffer copy the incremental hashing avoids.
        group.bench_with_input(BenchmarkId::new("to_bytes", &label), &body, |b, body| {
            b.iter(|| request_content(black_box(body)).to_bytes())
        });
    }
    group.finish();
}

fn header(c: &mut Criterion) {
    let key = private_key(Backend::default());
    let body = notification_body(1024, 1);
    let signed = key.sign_header(&request_content(&body), KeyVersion(1)).expect("sign");
    let value = signed.to_string();
    let spaced = value.replace(',', ", ");
    let lower = value.replace("%2B", "%2b").replace("%2F", "%2f").replace("%3D", "%3d");
    let encoded = signed.encoded_signature();
    assert_eq!(SignatureHeader::parse(&spaced).expect("parses"), signed);
    assert_eq!(SignatureHeader::parse(&lower).expect("parses"), signed);

    let mut group = c.benchmark_group("header");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse", |b| {
        b.iter(|| SignatureHeader::parse(black_box(&value)).expect("parses"))
    });
    group.bench_function("parse_spaced", |b| {
        b.iter(|| SignatureHeader::parse(black_box(&spaced)).expect("parses"))
    });
    group.bench_function("parse_lowercase_escapes", |b| {
        b.iter(|| SignatureHeader::parse(black_box(&lower)).expect("parses"))
    });
    group.bench_function("format", |b| b.iter(|| black_box(&signed).to_string()));
    group.bench_function("decode_value", |b| {
        b.iter(|| decode_signature_value(black_box(&encoded)).expect("decodes"))
    });
    group.bench_function("encode_value", |b| {
        b.iter(|| encode_signature_value(black_box(&signed.signature)))
    });
    group.finish();
}

fn key_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_load");
    group.throughput(Throughput::Elements(1));
    let private_forms = [
        ("private_pkcs8_pem", MERCHANT_PRIVATE_KEY_PEM),
        ("private_pkcs8_base64", MERCHANT_PRIVATE_KEY_BASE64),
        ("private_pkcs1_pem", MERCHANT_PRIVATE_KEY_PKCS1_PEM),
    ];
    for (form, text) in private_forms {
        for &backend in Backend::ALL {
            group.bench_with_input(BenchmarkId::new(form, backend.name()), text, |b, text| {
                b.iter(|| PrivateKey::from_bytes_with(black_box(text.as_bytes()), backend).expect("loads"))
            });
        }
    }
    group.bench_with_input(
        BenchmarkId::new("private_pkcs8_pem", "openssl"),
        MERCHANT_PRIVATE_KEY_PEM,
        |b, text| b.iter(|| PKey::private_key_from_pem(black_box(text.as_bytes())).expect("loads")),
    );
    for &backend in Backend::ALL {
        group.bench_with_input(
            BenchmarkId::new("public_spki_pem", backend.name()),
            MERCHANT_PUBLIC_KEY_PEM,
            |b, text| b.iter(|| PublicKey::from_bytes_with(black_box(text.as_bytes()), backend).expect("loads")),
        );
    }
    group.bench_with_input(
        BenchmarkId::new("public_spki_pem", "openssl"),
        MERCHANT_PUBLIC_KEY_PEM,
        |b, text| b.iter(|| PKey::public_key_from_pem(black_box(text.as_bytes())).expect("loads")),
    );
    group.finish();
}

criterion_group!(benches, sign, verify, content, header, key_load);
criterion_main!(benches);
