//! The fuzz targets of antom-rs, as plain functions: each takes arbitrary
//! bytes, must never panic, and checks the invariants of what it parses.
//! libFuzzer runs them through `fuzz_targets/*.rs` (`cargo fuzz run`, see
//! `scripts/fuzz-smoke.sh`); on a stable toolchain the tests below run them
//! over the committed corpus (`corpus/<target>/`, seeded from the recorded
//! fixtures and the test keys), over mutations of it and over random inputs
//! from a seeded generator.

use antom_tower::signing::{
    decode_signature_value, encode_signature_value, PrivateKey, PublicKey, SignatureHeader, SigningContent,
};
use antom_types::amount::parse_minor_units;
use antom_types::{Amount, Currency, Notification};

/// The `signature` header parser: parses or refuses; what it parses prints
/// back to a header that parses to the same thing, and the signature bytes
/// survive the base64 + URL encoding.
pub fn signature_header(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = decode_signature_value(text);
    if let Ok(header) = SignatureHeader::parse(text) {
        let printed = header.to_string();
        let again = SignatureHeader::parse(&printed).expect("a printed header parses");
        assert_eq!(again, header, "{printed}");
        let encoded = header.encoded_signature();
        assert_eq!(
            decode_signature_value(&encoded).expect("own encoding decodes"),
            header.signature
        );
        assert_eq!(encode_signature_value(&header.signature), encoded);
    }
}

/// The content-to-sign builder, with the input split at NUL bytes into
/// method, path, client id, time and body: the streamed parts are the
/// bytes, the length is right, the layout is `<M> <URI>\n<id>.<time>.<body>`,
/// and verifying a junk signature over it fails cleanly.
pub fn content_to_sign(data: &[u8]) {
    let mut parts = data.splitn(5, |&b| b == 0);
    let mut text = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (method, uri, client_id, time) = (text(), text(), text(), text());
    let body = parts.next().unwrap_or_default();
    let content = SigningContent::new(&method, &uri, &client_id, &time, body);
    let bytes = content.to_bytes();
    assert_eq!(bytes.len(), content.len());
    assert_eq!(content.is_empty(), bytes.is_empty());
    let mut streamed = Vec::new();
    content.for_each_part(|part| streamed.extend_from_slice(part));
    assert_eq!(streamed, bytes);
    let head = format!("{method} {uri}\n{client_id}.{time}.");
    assert!(bytes.starts_with(head.as_bytes()));
    assert_eq!(&bytes[head.len()..], body);
    let key = public_key();
    assert!(key.verify(&content, body).is_err(), "a junk signature never verifies");
}

/// Notification JSON into antom-types: parses or refuses; a payment or
/// refund notification serializes back to JSON that parses to the same.
pub fn notification_json(data: &[u8]) {
    let Ok(notification) = Notification::from_slice(data) else {
        return;
    };
    let _ = notification.notify_type();
    let _ = notification.idempotency_key();
    match &notification {
        Notification::Payment(payment) => {
            let json = serde_json::to_vec(payment).expect("serializes");
            let again = Notification::from_slice(&json).expect("own JSON parses");
            assert_eq!(again, notification, "{}", String::from_utf8_lossy(&json));
        }
        Notification::Refund(refund) => {
            let json = serde_json::to_vec(refund).expect("serializes");
            let again = Notification::from_slice(&json).expect("own JSON parses");
            assert_eq!(again, notification, "{}", String::from_utf8_lossy(&json));
        }
        _ => {}
    }
}

/// Amount parsing: the first three bytes as a currency code, the rest as a
/// value (wire digits and decimal major units), and the whole input as
/// JSON. A parsed value prints back to the same digits; an amount
/// serializes back to the same amount.
pub fn amount(data: &[u8]) {
    let (code, value) = data.split_at(data.len().min(3));
    let code = String::from_utf8_lossy(code);
    let value = String::from_utf8_lossy(value);
    if let Ok(minor) = parse_minor_units(&value) {
        assert_eq!(minor.to_string(), value, "canonical digits only");
    }
    if let Ok(amount) = Amount::parse(&code, &value) {
        round_trip(amount);
    }
    if let Ok(currency) = Currency::new(&code) {
        if let Ok(amount) = Amount::from_decimal_str(currency, &value) {
            round_trip(amount);
        }
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(amount) = Amount::from_json_value(&json) {
            round_trip(amount);
        }
    }
    if let Ok(amount) = serde_json::from_slice::<Amount>(data) {
        round_trip(amount);
    }
}

fn round_trip(amount: Amount) {
    let json = serde_json::to_string(&amount).expect("serializes");
    let again: Amount = serde_json::from_str(&json).expect("own JSON parses");
    assert_eq!(again, amount, "{json}");
    let _ = amount.to_string();
    let _ = amount.validate_for_antom();
}

/// Key loading (`PrivateKey` / `PublicKey::from_bytes`): loads or refuses; a
/// loaded key re-encodes to a key that loads to the same public key, and its
/// `Debug` output shows no key material.
pub fn key_loading(data: &[u8]) {
    if let Ok(key) = PrivateKey::from_bytes(data) {
        let public = key.public_key();
        let der = key.to_pkcs8_der();
        let again = PrivateKey::from_bytes(&der).expect("own PKCS#8 loads");
        assert_eq!(again.public_key().to_spki_der(), public.to_spki_der());
        assert!(format!("{key:?}").len() < 200, "Debug shows no key material");
    }
    if let Ok(key) = PublicKey::from_bytes(data) {
        let again = PublicKey::from_bytes(&key.to_spki_der()).expect("own SPKI loads");
        assert_eq!(again.to_spki_der(), key.to_spki_der());
        let pem = PublicKey::parse(&key.to_pem()).expect("own PEM loads");
        assert_eq!(pem.to_spki_der(), key.to_spki_der());
    }
}

fn public_key() -> &'static PublicKey {
    static KEY: std::sync::OnceLock<PublicKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        PublicKey::parse(include_str!("../../antom-testkit/keys/antom_public_key.pem")).expect("the test key")
    })
}

#[cfg(test)]
mod tests {
    //! The targets on a stable toolchain: every corpus file, then mutations
    //! of them and random inputs from a seeded generator
    //! (`ANTOM_FUZZ_ITERATIONS` per target, default 20000; `ANTOM_FUZZ_SEED`).

    use std::path::PathBuf;

    type Target = fn(&[u8]);

    const TARGETS: [(&str, Target); 5] = [
        ("signature_header", super::signature_header),
        ("content_to_sign", super::content_to_sign),
        ("notification_json", super::notification_json),
        ("amount", super::amount),
        ("key_loading", super::key_loading),
    ];

    /// SplitMix64: small, seeded, good enough to pick bytes.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    fn env(name: &str, default: u64) -> u64 {
        std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
    }

    fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        for dir in ["corpus", "regressions"] {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir).join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file() {
                    let bytes = std::fs::read(&path).expect("read corpus file");
                    files.push((path, bytes));
                }
            }
        }
        files.sort();
        files
    }

    /// A libFuzzer-style mutation: flip, insert, delete, duplicate or splice bytes.
    fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=rng.below(4) {
            let at = rng.below(out.len() + 1);
            match rng.below(6) {
                0 if !out.is_empty() => {
                    let i = rng.below(out.len());
                    out[i] ^= 1 << rng.below(8);
                }
                1 => out.insert(at, rng.next() as u8),
                2 if at < out.len() => {
                    out.remove(at);
                }
                3 => {
                    let interesting = [
                        b'{', b'}', b'[', b'"', b',', b'=', b'%', b'-', b'.', b'0', b'\n', 0, 0xff,
                    ];
                    out.insert(at, interesting[rng.below(interesting.len())]);
                }
                4 if !other.is_empty() => {
                    let from = rng.below(other.len());
                    let len = rng.below(other.len() - from + 1).min(64);
                    out.splice(at..at, other[from..from + len].iter().copied());
                }
                _ => out.truncate(at),
            }
        }
        out
    }

    fn run(name: &str, target: Target) {
        let files = corpus(name);
        assert!(!files.is_empty(), "no corpus for {name}");
        for (path, bytes) in &files {
            let outcome = std::panic::catch_unwind(|| target(bytes));
            assert!(outcome.is_ok(), "{name} panicked on {}", path.display());
        }
        let iterations = env("ANTOM_FUZZ_ITERATIONS", 20_000);
        let mut rng = Rng(env("ANTOM_FUZZ_SEED", 0x5eed) ^ name.len() as u64);
        for i in 0..iterations {
            let input = if i % 4 == 3 {
                let len = rng.below(256);
                (0..len).map(|_| rng.next() as u8).collect()
            } else {
                let base = &files[rng.below(files.len())].1;
                let other = &files[rng.below(files.len())].1;
                mutate(&mut rng, base, other)
            };
            let outcome = std::panic::catch_unwind(|| target(&input));
            assert!(
                outcome.is_ok(),
                "{name} panicked on input #{i} (hex): {}",
                input.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
        }
    }

    #[test]
    fn signature_header() {
        run(TARGETS[0].0, TARGETS[0].1);
    }

    #[test]
    fn content_to_sign() {
        run(TARGETS[1].0, TARGETS[1].1);
    }

    #[test]
    fn notification_json() {
        run(TARGETS[2].0, TARGETS[2].1);
    }

    #[test]
    fn amount() {
        run(TARGETS[3].0, TARGETS[3].1);
    }

    #[test]
    fn key_loading() {
        run(TARGETS[4].0, TARGETS[4].1);
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        for depth in [1_000, 100_000, 1_000_000] {
            let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert!(antom_types::Notification::from_slice(body.as_bytes()).is_err());
            super::notification_json(body.as_bytes());
            super::amount(body.as_bytes());
        }
    }
}
