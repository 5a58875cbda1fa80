//! Ratios measured pairwise and interleaved, so that they hold on a shared,
//! noisy machine: each comparison runs its cases in short batches (~2 ms)
//! taking turns, round after round in rotating order, and every ratio is
//! computed within a round before taking the median over rounds. A slowdown
//! from another process lasting longer than a round hits every case of that
//! round alike and cancels out of its ratio.
//!
//! - sign / verify, per backend against OpenSSL, at 200 B, 1 KiB, 8 KiB, 64 KiB;
//! - `VerifyNotificationLayer`: (with layer - handler only - raw verify) / raw verify;
//! - `SignRequestLayer`: (with layer - inner only - raw sign) / raw sign.
//!
//! Run (single core): `taskset -c 1 cargo bench -p antom-benches --bench paired`
//! (`-- --rounds N` to change the number of rounds, default 300; `-- --only signing`,
//! `notify_layer` or `sign_layer` for one group).

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use antom_benches::harness::{api_request, call_now, Notification, ACK};
use antom_benches::{notification_body, request_content, size_label, BODY_SIZES, CLIENT_ID};
use antom_testkit::keys::{
    antom_public_key, antom_public_key_ring, merchant_private_key, MERCHANT_PRIVATE_KEY_PEM, MERCHANT_PUBLIC_KEY_PEM,
};
use antom_tower::sign_request::SignRequestLayer;
use antom_tower::signing::{Backend, KeyVersion, PrivateKey, PublicKey, SignatureHeader, SigningContent};
use antom_tower::verify_notification::VerifyNotificationLayer;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};
use tower::{service_fn, Layer};

/// How long one case runs in one round.
const BATCH: Duration = Duration::from_millis(2);

/// One case: given a number of iterations, runs them and returns the time they took.
type Case<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// Times `iters` calls of `routine` on inputs made by `setup` beforehand; the
/// outputs are dropped after the clock stops (as criterion's `iter_batched`).
fn timed<T, R>(iters: u64, mut setup: impl FnMut() -> T, mut routine: impl FnMut(T) -> R) -> Duration {
    let inputs: Vec<T> = (0..iters).map(|_| setup()).collect();
    let mut outputs = Vec::with_capacity(inputs.len());
    let started = Instant::now();
    for input in inputs {
        outputs.push(black_box(routine(black_box(input))));
    }
    let elapsed = started.elapsed();
    drop(outputs);
    elapsed
}

fn simple<'a, R>(mut routine: impl FnMut() -> R + 'a) -> Case<'a> {
    Box::new(move |iters| timed(iters, || (), |()| routine()))
}

/// Runs the cases interleaved for `rounds` rounds; returns ns per iteration, `[case][round]`.
fn interleave(cases: &mut [Case<'_>], rounds: usize) -> Vec<Vec<f64>> {
    // Calibrate each case to about one batch, after a short warm-up.
    let iters: Vec<u64> = cases
        .iter_mut()
        .map(|case| {
            case(1);
            let mut n = 1;
            loop {
                let took = case(n);
                if took >= BATCH / 4 || n >= 1 << 20 {
                    let per = took.as_nanos().max(1) as f64 / n as f64;
                    return ((BATCH.as_nanos() as f64 / per) as u64).max(1);
                }
                n *= 2;
            }
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(rounds); cases.len()];
    for round in 0..rounds {
        for k in 0..cases.len() {
            let i = (round + k) % cases.len();
            let took = cases[i](iters[i]);
            samples[i].push(took.as_nanos() as f64 / iters[i] as f64);
        }
    }
    samples
}

/// Median and interquartile range of a sample.
fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.25), at(0.5), at(0.75))
}

/// Per-round `f(case times)`, summarized.
fn per_round(samples: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> (f64, f64, f64) {
    let rounds = samples[0].len();
    let values = (0..rounds)
        .map(|r| f(&samples.iter().map(|s| s[r]).collect::<Vec<_>>()))
        .collect();
    quartiles(values)
}

fn micros(ns: f64) -> String {
    format!("{:.2} µs", ns / 1e3)
}

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

/// sign and verify, each backend against OpenSSL.
fn versus_openssl(rounds: usize) {
    let private: Vec<PrivateKey> = Backend::ALL
        .iter()
        .map(|&b| PrivateKey::from_bytes_with(MERCHANT_PRIVATE_KEY_PEM.as_bytes(), b).expect("key"))
        .collect();
    let public: Vec<PublicKey> = Backend::ALL
        .iter()
        .map(|&b| PublicKey::from_bytes_with(MERCHANT_PUBLIC_KEY_PEM.as_bytes(), b).expect("key"))
        .collect();
    let openssl_private = PKey::private_key_from_pem(MERCHANT_PRIVATE_KEY_PEM.as_bytes()).expect("key");
    let openssl_public = PKey::public_key_from_pem(MERCHANT_PUBLIC_KEY_PEM.as_bytes()).expect("key");
    let names: Vec<&str> = Backend::ALL.iter().map(|b| b.name()).collect();

    for operation in ["sign", "verify"] {
        println!(
            "### {operation}: rate as a multiple of OpenSSL's, paired and interleaved ({rounds} rounds, single core)\n"
        );
        print!("| body | OpenSSL |");
        for name in &names {
            print!(" {name} | {name} / OpenSSL (median [IQR]) |");
        }
        println!();
        println!("| --- | ---: |{}", " ---: | ---: |".repeat(names.len()));
        for len in BODY_SIZES {
            let body = notification_body(len, 1);
            let content = request_content(&body);
            let signature = openssl_sign(&openssl_private, &content);
            let mut cases: Vec<Case<'_>> = Vec::new();
            if operation == "sign" {
                cases.push(simple(|| openssl_sign(&openssl_private, black_box(&content))));
                for key in &private {
                    cases.push(simple(move || key.sign(black_box(&content)).expect("sign")));
                }
            } else {
                cases.push(simple(|| {
                    assert!(openssl_verify(&openssl_public, black_box(&content), &signature))
                }));
                for key in &public {
                    let signature = &signature;
                    cases.push(simple(move || {
                        key.verify(black_box(&content), signature).expect("verify")
                    }));
                }
            }
            // The rsa backend signs in ~2 ms: fewer rounds keep this short.
            let rounds = if operation == "sign" { rounds / 3 } else { rounds };
            let samples = interleave(&mut cases, rounds.max(10));
            let (_, openssl, _) = quartiles(samples[0].clone());
            print!("| {} | {} |", size_label(len), micros(openssl));
            for i in 1..samples.len() {
                let (_, median, _) = quartiles(samples[i].clone());
                let (q1, ratio, q3) = per_round(&samples, |t| t[0] / t[i]);
                print!(" {} | {ratio:.2}x [{q1:.2}, {q3:.2}] |", micros(median));
            }
            println!();
        }
        println!();
    }
}

fn notify_layer(rounds: usize) {
    let handler = service_fn(|_request: Request<Full<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(ACK))))
    });
    let ring = antom_public_key_ring();
    let key = antom_public_key();
    let layer = VerifyNotificationLayer::new(CLIENT_ID, Arc::clone(&ring));
    println!(
        "### VerifyNotificationLayer overhead, paired and interleaved ({rounds} rounds, single core, aws-lc-rs)\n\n\
         overhead = with layer - handler only - raw verify, per round; `header` = signature-header parse, \
         the part of the overhead `PublicKeyRing::verify_header_value` also pays.\n"
    );
    println!(
        "| body | handler only | with layer | raw verify | verify_header_value | overhead | overhead / raw verify \
         (median [IQR]) | overhead without the header parse / raw verify |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for len in BODY_SIZES {
        let notification = Notification::signed(len);
        let header = SignatureHeader::parse(&notification.signature).expect("parses");
        let content = notification.content();
        let mut plain = handler;
        let mut verified = layer.layer(handler);
        assert_eq!(call_now(&mut verified, notification.request()).status(), StatusCode::OK);
        let mut cases: Vec<Case<'_>> = vec![
            Box::new(|iters| timed(iters, || notification.request(), |r| call_now(&mut plain, r))),
            Box::new(|iters| timed(iters, || notification.request(), |r| call_now(&mut verified, r))),
            simple(|| key.verify(black_box(&content), &header.signature).expect("verifies")),
            simple(|| {
                ring.verify_header_value(black_box(&content), &notification.signature)
                    .expect("verifies")
            }),
        ];
        let samples = interleave(&mut cases, rounds);
        let median = |i: usize| quartiles(samples[i].clone()).1;
        let (_, overhead, _) = per_round(&samples, |t| t[1] - t[0] - t[2]);
        let (q1, ratio, q3) = per_round(&samples, |t| 100.0 * (t[1] - t[0] - t[2]) / t[2]);
        let (_, beyond, _) = per_round(&samples, |t| 100.0 * (t[1] - t[0] - t[3]) / t[2]);
        println!(
            "| {} | {} | {} | {} | {} | {} | {ratio:.1}% [{q1:.1}, {q3:.1}] | {beyond:.1}% |",
            size_label(len),
            micros(median(0)),
            micros(median(1)),
            micros(median(2)),
            micros(median(3)),
            micros(overhead)
        );
    }
    println!();
}

fn sign_layer(rounds: usize) {
    let inner = service_fn(|_request: Request<Full<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
    });
    let key = Arc::new(merchant_private_key());
    let layer = SignRequestLayer::new(CLIENT_ID, key.clone()).key_version(KeyVersion(1));
    let rounds = (rounds / 3).max(10);
    println!(
        "### SignRequestLayer overhead, paired and interleaved ({rounds} rounds, single core, aws-lc-rs)\n\n\
         overhead = with layer - inner only - raw sign, per round.\n"
    );
    println!("| body | inner only | with layer | raw sign | overhead | overhead / raw sign (median [IQR]) |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for len in BODY_SIZES {
        let body = Bytes::from(notification_body(len, 1));
        let content = request_content(&body);
        let mut plain = inner;
        let mut signing = layer.layer(inner);
        let mut cases: Vec<Case<'_>> = vec![
            Box::new(|iters| timed(iters, || api_request(&body), |r| call_now(&mut plain, r))),
            Box::new(|iters| timed(iters, || api_request(&body), |r| call_now(&mut signing, r))),
            simple(|| key.sign(black_box(&content)).expect("signs")),
        ];
        let samples = interleave(&mut cases, rounds);
        let median = |i: usize| quartiles(samples[i].clone()).1;
        let (_, overhead, _) = per_round(&samples, |t| t[1] - t[0] - t[2]);
        let (q1, ratio, q3) = per_round(&samples, |t| 100.0 * (t[1] - t[0] - t[2]) / t[2]);
        println!(
            "| {} | {} | {} | {} | {} | {ratio:.1}% [{q1:.1}, {q3:.1}] |",
            size_label(len),
            micros(median(0)),
            micros(median(1)),
            micros(median(2)),
            micros(overhead)
        );
    }
    println!();
}

fn main() {
    // cargo bench passes `--bench`; `--rounds N` and `--only <group>` are ours.
    let args: Vec<String> = std::env::args().collect();
    let value_of = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let rounds = value_of("--rounds").and_then(|n| n.parse().ok()).unwrap_or(300);
    let only = value_of("--only").map(String::as_str);
    let run = |group: &str| only.is_none_or(|only| only == group);
    if run("signing") {
        versus_openssl(rounds);
    }
    if run("notify_layer") {
        notify_layer(rounds);
    }
    if run("sign_layer") {
        sign_layer(rounds);
    }
}
