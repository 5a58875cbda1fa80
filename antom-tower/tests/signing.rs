//! The signing core against fixed vectors made by OpenSSL, every accepted key
//! form, and every malformed input.

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use antom_tower::signing::{
    request_time, Backend, KeyError, KeyVersion, PrivateKey, PublicKey, PublicKeyRing, SignatureHeader,
    SignatureHeaderError, SigningContent, VerifyError,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../antom-testkit/keys")
}

fn key_file(name: &str) -> Vec<u8> {
    std::fs::read(keys_dir().join(name)).unwrap()
}

fn vector_file(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors")
            .join(name),
    )
    .unwrap()
}

fn vectors() -> Vec<Value> {
    serde_json::from_slice(&vector_file("vectors.json")).unwrap()
}

fn content_of(v: &Value) -> SigningContent<'_> {
    SigningContent::new(
        v["method"].as_str().unwrap(),
        v["uri"].as_str().unwrap(),
        v["client_id"].as_str().unwrap(),
        v["time"].as_str().unwrap(),
        v["body"].as_str().unwrap().as_bytes(),
    )
}

/// A named bad key and the error it must produce.
type KeyCase = (&'static str, Vec<u8>, fn(&KeyError) -> bool);

const CONTENT: SigningContent<'static> = SigningContent {
    method: "POST",
    uri: "/antom/notify",
    client_id: "SANDBOX_5YBZ0E2ZC7CZ04567",
    time: "2026-08-17T02:36:49+00:00",
    body: br#"{"notifyType":"PAYMENT_RESULT","paymentAmount":{"currency":"SGD","value":"4200"}}"#,
};

#[test]
fn signatures_are_byte_identical_to_openssl_vectors_on_every_backend() {
    let vectors = vectors();
    assert!(vectors.len() >= 5);
    for &backend in Backend::ALL {
        for v in &vectors {
            let key = PrivateKey::from_bytes_with(&key_file(v["private_key"].as_str().unwrap()), backend).unwrap();
            let version = KeyVersion(v["key_version"].as_u64().unwrap() as u32);
            let header = key.sign_header(&content_of(v), version).unwrap();
            let name = v["name"].as_str().unwrap();
            assert_eq!(
                STANDARD.encode(&header.signature),
                v["signature_base64"].as_str().unwrap(),
                "{name} on {backend:?}"
            );
            assert_eq!(
                header.to_string(),
                v["signature_header"].as_str().unwrap(),
                "{name} on {backend:?}"
            );
        }
    }
}

#[test]
fn openssl_vectors_verify_on_every_backend() {
    for &backend in Backend::ALL {
        for v in vectors() {
            let private = PrivateKey::from_bytes_with(&key_file(v["private_key"].as_str().unwrap()), backend).unwrap();
            let public_file = v["private_key"].as_str().unwrap().replace("private", "public");
            let public = PublicKey::from_bytes_with(&key_file(&public_file), backend).unwrap();
            let version = KeyVersion(v["key_version"].as_u64().unwrap() as u32);
            let ring = PublicKeyRing::new().with_key(version, public);
            let header = v["signature_header"].as_str().unwrap();
            assert_eq!(ring.verify_header_value(&content_of(&v), header), Ok(version));
            // The public key derived from the private one is the same key.
            assert_eq!(
                private.public_key().to_spki_der(),
                ring.get(version).unwrap().to_spki_der()
            );
        }
    }
}

#[test]
fn content_to_sign_is_exact() {
    let v = &vectors()[2];
    let expected = format!(
        "POST /antom/notify?shop=42&lang=en\nSANDBOX_5YBZ0E2ZC7CZ04567.2026-08-17T10:36:49+0800.{}",
        v["body"].as_str().unwrap()
    );
    let content = content_of(v);
    assert_eq!(content.to_bytes(), expected.as_bytes());
    assert_eq!(content.len(), expected.len());
    let mut parts = Vec::new();
    content.for_each_part(|p| parts.extend_from_slice(p));
    assert_eq!(parts, expected.as_bytes());
}

#[test]
fn every_private_key_form_signs_identically() {
    let pem = key_file("merchant_private_key.pem");
    let reference = PrivateKey::from_bytes(&pem).unwrap().sign(&CONTENT).unwrap();
    let pem_text = String::from_utf8(pem.clone()).unwrap();
    let bare: String = key_file("merchant_private_key.base64.txt")
        .into_iter()
        .map(char::from)
        .collect();
    let der = STANDARD.decode(bare.trim()).unwrap();
    let wrapped: String = bare
        .as_bytes()
        .chunks(50)
        .map(|c| format!("  {}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let forms: Vec<(&str, Vec<u8>)> = vec![
        ("pkcs8 pem", pem),
        ("pkcs1 pem", key_file("merchant_private_key_pkcs1.pem")),
        ("bare base64 pkcs8", bare.clone().into_bytes()),
        ("bare base64 with line breaks and spaces", wrapped.into_bytes()),
        ("pkcs8 der", der),
        (
            "pem with BOM and surrounding text",
            format!("\u{feff}\n{pem_text}\n").into_bytes(),
        ),
    ];
    for &backend in Backend::ALL {
        for (form, bytes) in &forms {
            let key = PrivateKey::from_bytes_with(bytes, backend).unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(key.sign(&CONTENT).unwrap(), reference, "{form} on {backend:?}");
        }
    }
}

#[test]
fn every_public_key_form_verifies() {
    let signature = PrivateKey::from_bytes(&key_file("merchant_private_key.pem"))
        .unwrap()
        .sign(&CONTENT)
        .unwrap();
    let forms: Vec<(&str, Vec<u8>)> = vec![
        ("spki pem", key_file("merchant_public_key.pem")),
        ("bare base64 spki", key_file("merchant_public_key.base64.txt")),
        ("pkcs1 pem", vector_file("merchant_public_key_pkcs1.pem")),
    ];
    for &backend in Backend::ALL {
        for (form, bytes) in &forms {
            let key = PublicKey::from_bytes_with(bytes, backend).unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(key.verify(&CONTENT, &signature), Ok(()), "{form} on {backend:?}");
        }
    }
}

#[test]
fn bad_private_keys_say_which_form_was_expected() {
    let cases: Vec<KeyCase> = vec![
        ("empty", b"  \n".to_vec(), |e| matches!(e, KeyError::Empty { .. })),
        ("not base64", b"this is not a key!".to_vec(), |e| {
            matches!(e, KeyError::InvalidBase64 { .. })
        }),
        ("base64 of garbage", b"aGVsbG8gd29ybGQ=".to_vec(), |e| {
            matches!(e, KeyError::Malformed { .. })
        }),
        ("public key pem", key_file("merchant_public_key.pem"), |e| {
            matches!(e, KeyError::PublicKeyGiven { .. })
        }),
        ("bare public key", key_file("merchant_public_key.base64.txt"), |e| {
            matches!(e, KeyError::PublicKeyGiven { .. })
        }),
        ("encrypted", vector_file("encrypted_private_key.pem"), |e| {
            matches!(e, KeyError::Encrypted { .. })
        }),
        (
            "certificate",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec(),
            |e| matches!(e, KeyError::UnexpectedPemLabel { .. }),
        ),
        (
            "truncated pem",
            b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n".to_vec(),
            |e| matches!(e, KeyError::MalformedPem { .. }),
        ),
        ("1024-bit key", vector_file("rsa1024_private_key.pem"), |e| {
            matches!(e, KeyError::TooSmall { bits: 1024, .. })
        }),
        ("random der", vec![0x30, 0x03, 0x02, 0x01, 0x00], |e| {
            matches!(e, KeyError::Malformed { .. })
        }),
        ("binary junk", vec![0xff, 0xfe, 0x00, 0x81], |e| {
            matches!(e, KeyError::Malformed { .. })
        }),
    ];
    for &backend in Backend::ALL {
        for (name, bytes, check) in &cases {
            let err = PrivateKey::from_bytes_with(bytes, backend).unwrap_err();
            assert!(check(&err), "{name} on {backend:?}: {err:?}");
            let message = err.to_string();
            assert!(message.contains("private key"), "{name}: {message}");
            if !matches!(err, KeyError::TooSmall { .. } | KeyError::Encrypted { .. }) {
                assert!(
                    message.contains("PKCS#8"),
                    "{name} should name the expected form: {message}"
                );
            }
        }
    }
}

#[test]
fn bad_public_keys_say_which_form_was_expected() {
    let cases: Vec<KeyCase> = vec![
        ("empty", Vec::new(), |e| matches!(e, KeyError::Empty { .. })),
        ("private key pem", key_file("merchant_private_key.pem"), |e| {
            matches!(e, KeyError::PrivateKeyGiven { .. })
        }),
        ("bare private key", key_file("merchant_private_key.base64.txt"), |e| {
            matches!(e, KeyError::PrivateKeyGiven { .. })
        }),
        (
            "mangled base64",
            b"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA%%%".to_vec(),
            |e| matches!(e, KeyError::InvalidBase64 { .. }),
        ),
        (
            "truncated spki",
            b"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".to_vec(),
            |e| matches!(e, KeyError::Malformed { .. }),
        ),
        ("1024-bit key", vector_file("rsa1024_public_key.pem"), |e| {
            matches!(e, KeyError::TooSmall { bits: 1024, .. })
        }),
    ];
    for &backend in Backend::ALL {
        for (name, bytes, check) in &cases {
            let err = PublicKey::from_bytes_with(bytes, backend).unwrap_err();
            assert!(check(&err), "{name} on {backend:?}: {err:?}");
            assert!(err.to_string().contains("public key"), "{name}: {err}");
        }
    }
}

#[test]
fn private_key_never_appears_in_debug_or_errors() {
    let pem = key_file("merchant_private_key.pem");
    let bare = String::from_utf8(key_file("merchant_private_key.base64.txt")).unwrap();
    for &backend in Backend::ALL {
        let key = PrivateKey::from_bytes_with(&pem, backend).unwrap();
        let debug = format!("{key:?} {key:#?}");
        assert!(!debug.contains(&bare[40..80]), "{debug}");
        assert!(debug.contains("bits: 2048"));
        // A private key given as a public key: the error must not echo it.
        let err = PublicKey::from_bytes_with(&pem, backend).unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(&bare[40..80]), "{text}");
        }
    }
}

#[test]
fn tampering_with_any_part_breaks_the_signature() {
    let key = PrivateKey::from_bytes(&key_file("antom_private_key.pem")).unwrap();
    let ring = PublicKeyRing::single(key.public_key());
    let header = key.sign_header(&CONTENT, KeyVersion(1)).unwrap();
    assert_eq!(ring.verify(&CONTENT, &header), Ok(()));
    let tampered_body = br#"{"notifyType":"PAYMENT_RESULT","paymentAmount":{"currency":"SGD","value":"4201"}}"#;
    let variants = [
        SigningContent {
            body: tampered_body,
            ..CONTENT
        },
        SigningContent {
            uri: "/other/notify",
            ..CONTENT
        },
        SigningContent {
            uri: "/antom/notify?x=1",
            ..CONTENT
        },
        SigningContent {
            method: "PUT",
            ..CONTENT
        },
        SigningContent {
            client_id: "SANDBOX_OTHER",
            ..CONTENT
        },
        SigningContent {
            time: "2026-08-17T02:36:50+00:00",
            ..CONTENT
        },
    ];
    for content in variants {
        assert_eq!(
            ring.verify(&content, &header),
            Err(VerifyError::Mismatch),
            "{content:?}"
        );
    }
    // Wrong key, truncated and empty signatures.
    let wrong = PrivateKey::from_bytes(&key_file("wrong_private_key.pem")).unwrap();
    let forged = wrong.sign_header(&CONTENT, KeyVersion(1)).unwrap();
    assert_eq!(ring.verify(&CONTENT, &forged), Err(VerifyError::Mismatch));
    let truncated = SignatureHeader::new(KeyVersion(1), header.signature[..255].to_vec());
    assert_eq!(ring.verify(&CONTENT, &truncated), Err(VerifyError::Mismatch));
    let empty = SignatureHeader::new(KeyVersion(1), Vec::new());
    assert_eq!(ring.verify(&CONTENT, &empty), Err(VerifyError::Mismatch));
    // Unknown keyVersion.
    let v9 = SignatureHeader::new(KeyVersion(9), header.signature.clone());
    assert_eq!(
        ring.verify(&CONTENT, &v9),
        Err(VerifyError::UnknownKeyVersion(KeyVersion(9)))
    );
}

#[test]
fn key_rotation_selects_the_key_by_version() {
    let v1 = PrivateKey::from_bytes(&key_file("antom_private_key.pem")).unwrap();
    let v2 = PrivateKey::from_bytes(&key_file("antom_private_key_v2.pem")).unwrap();
    let ring = PublicKeyRing::new()
        .with_key(KeyVersion(2), v2.public_key())
        .with_key(KeyVersion(1), v1.public_key());
    assert_eq!(ring.versions().collect::<Vec<_>>(), vec![KeyVersion(1), KeyVersion(2)]);
    let h1 = v1.sign_header(&CONTENT, KeyVersion(1)).unwrap().to_string();
    let h2 = v2.sign_header(&CONTENT, KeyVersion(2)).unwrap().to_string();
    assert_eq!(ring.verify_header_value(&CONTENT, &h1), Ok(KeyVersion(1)));
    assert_eq!(ring.verify_header_value(&CONTENT, &h2), Ok(KeyVersion(2)));
    // A v2 signature announced as v1 fails.
    let lying = h2.replace("keyVersion=2", "keyVersion=1");
    assert_eq!(ring.verify_header_value(&CONTENT, &lying), Err(VerifyError::Mismatch));
}

#[test]
fn signature_header_variants_parse() {
    let sig = vec![0xfb, 0xff, 0xbf, 0x01]; // base64 "+/+/AQ==" exercises + / =
    let expected = SignatureHeader::new(KeyVersion(1), sig.clone());
    let encoded = "%2B%2F%2B%2FAQ%3D%3D";
    let variants = [
        format!("algorithm=RSA256,keyVersion=1,signature={encoded}"),
        format!("algorithm=RSA256, keyVersion=1, signature={encoded}"),
        format!("signature={encoded},algorithm=RSA256,keyVersion=1"),
        format!("  keyVersion=1 ,algorithm=RSA256 , signature={encoded}  "),
        format!("algorithm=RSA256,signature={encoded}"), // keyVersion defaults to 1
        format!(
            "algorithm=RSA256,keyVersion=1,signature={}",
            encoded.to_lowercase().replace("aq", "AQ")
        ), // .NET's lower-case escapes
        "algorithm=RSA256,keyVersion=1,signature=+/+/AQ==".to_string(), // unescaped: + is base64, not a space
        format!("algorithm=RSA256,keyVersion=1,signature={encoded},"),
        format!("algorithm=rsa256,keyversion=1,Signature={encoded}"),
        format!("algorithm=RSA256,keyVersion=1,futureParam=x,signature={encoded}"),
    ];
    for v in &variants {
        assert_eq!(SignatureHeader::parse(v).as_ref(), Ok(&expected), "{v}");
    }
    assert_eq!(
        expected.to_string(),
        format!("algorithm=RSA256,keyVersion=1,signature={encoded}")
    );
    assert_eq!(
        SignatureHeader::parse("algorithm=RSA256,keyVersion=7,signature=AQ%3D%3D")
            .unwrap()
            .key_version,
        KeyVersion(7)
    );
}

#[test]
fn malformed_signature_headers_are_rejected() {
    use SignatureHeaderError::*;
    let cases = [
        ("", Empty),
        ("   ", Empty),
        ("algorithm=RSA256,keyVersion=1", MissingSignature),
        ("keyVersion=1,signature=AQ%3D%3D", MissingAlgorithm),
        ("algorithm=RSA512,keyVersion=1,signature=AQ%3D%3D", UnsupportedAlgorithm),
        ("algorithm=SHA256withRSA,signature=AQ%3D%3D", UnsupportedAlgorithm),
        ("algorithm=RSA256,keyVersion=1,signature=", EmptyValue("signature")),
        ("algorithm=,signature=AQ%3D%3D", EmptyValue("algorithm")),
        (
            "algorithm=RSA256,keyVersion=,signature=AQ%3D%3D",
            EmptyValue("keyVersion"),
        ),
        (
            "algorithm=RSA256,signature=AQ%3D%3D,signature=AQ%3D%3D",
            DuplicateParameter("signature"),
        ),
        ("algorithm=RSA256,keyVersion=one,signature=AQ%3D%3D", InvalidKeyVersion),
        ("algorithm=RSA256,keyVersion=-1,signature=AQ%3D%3D", InvalidKeyVersion),
        (
            "algorithm=RSA256,keyVersion=99999999999,signature=AQ%3D%3D",
            InvalidKeyVersion,
        ),
        ("algorithm=RSA256,signature=AQ%3", InvalidPercentEncoding),
        ("algorithm=RSA256,signature=AQ%ZZ", InvalidPercentEncoding),
        ("algorithm=RSA256,signature=A", InvalidBase64),
        ("algorithm=RSA256,signature=AQ", InvalidBase64), // padding is required
        ("algorithm=RSA256,signature=!!!!", InvalidBase64),
        ("algorithm=RSA256,signature=%FF%FE", InvalidBase64),
        ("algorithm=RSA256,signature=AQJ%3D", InvalidBase64), // non-canonical trailing bits
        ("algorithm=RSA256,signature=AQ-_", InvalidBase64),   // the URL-safe alphabet is not Antom's
        ("algorithm=RSA256,signature=AQ%3D%3D%3D", InvalidBase64),
        ("algorithm RSA256", MalformedPart),
        ("=RSA256,signature=AQ%3D%3D", MalformedPart),
        ("algorithm=RSA256,signature=AQ%3D%3D\u{7f}", NotAscii),
        ("algorithm=RSA256,signature=AQ==\n", Empty).clone(),
    ];
    for (value, expected) in cases.iter().take(cases.len() - 1) {
        assert_eq!(SignatureHeader::parse(value), Err(expected.clone()), "{value:?}");
    }
    // Far longer than any RSA signature: refused without decoding an unbounded buffer.
    let huge = format!("algorithm=RSA256,signature={}", "A".repeat(4096));
    assert_eq!(SignatureHeader::parse(&huge), Err(InvalidBase64));
    // A line feed inside the value is not ASCII-graphic; after trimming the end it parses.
    assert!(SignatureHeader::parse("algorithm=RSA256,\nsignature=AQ==").is_err());
    assert!(SignatureHeader::parse("algorithm=RSA256,signature=AQ==\n").is_ok());
    // And through the ring, a malformed header is a typed error, not a mismatch.
    let ring = PublicKeyRing::single(PublicKey::from_bytes(&key_file("antom_public_key.pem")).unwrap());
    assert_eq!(
        ring.verify_header_value(&CONTENT, "nonsense"),
        Err(VerifyError::Header(MalformedPart))
    );
}

#[test]
fn request_time_forms_of_every_official_library() {
    let at = UNIX_EPOCH + Duration::from_secs(1_755_398_209);
    let at_ms = at + Duration::from_millis(123);
    assert_eq!(request_time::parse("1755398209"), Some(at));
    assert_eq!(request_time::parse("1755398209123"), Some(at_ms));
    assert_eq!(request_time::parse("1755398209123000000"), Some(at_ms)); // Go before October 2025
    assert_eq!(request_time::parse("2025-08-17T02:36:49+00:00"), Some(at)); // Python
    assert_eq!(request_time::parse("2025-08-17T10:36:49+0800"), Some(at)); // PHP
    assert_eq!(request_time::parse("2025-08-17T02:36:49.1230000Z"), Some(at_ms)); // .NET
    assert_eq!(request_time::parse("2025-08-17T10:36:49+08:00"), Some(at)); // docs
    for bad in [
        "",
        "now",
        "2025-08-17",
        "2025-13-17T02:36:49Z",
        "-1755398209",
        "1e9",
        "99999999999999999999999",
    ] {
        assert_eq!(request_time::parse(bad), None, "{bad}");
    }
    let now = at + Duration::from_secs(60);
    assert_eq!(request_time::age("1755398209", now), Some(Ok(Duration::from_secs(60))));
    assert_eq!(request_time::age("1755398329", now), Some(Err(Duration::from_secs(60))));
    assert_eq!(request_time::format_epoch_millis(at_ms), "1755398209123");
}

#[test]
fn generated_keys_round_trip_through_pem_and_base64() {
    for &backend in Backend::ALL {
        let key = PrivateKey::generate(backend).unwrap();
        assert_eq!(key.modulus_bits(), 2048);
        let reparsed = PrivateKey::parse(&key.to_pkcs8_pem()).unwrap();
        let public = PublicKey::parse(&key.public_key().to_base64()).unwrap();
        let sig = reparsed.sign(&CONTENT).unwrap();
        assert_eq!(public.verify(&CONTENT, &sig), Ok(()));
        assert_eq!(
            PublicKey::parse(&key.public_key().to_pem()).unwrap().to_spki_der(),
            public.to_spki_der()
        );
    }
}

/// An independent implementation checks our signature, when OpenSSL is installed.
#[test]
fn openssl_verifies_our_signatures() {
    if std::process::Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipped: openssl is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("antom-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for &backend in Backend::ALL {
        let key = PrivateKey::from_bytes_with(&key_file("merchant_private_key.pem"), backend).unwrap();
        let sig = key.sign(&CONTENT).unwrap();
        std::fs::write(dir.join("content"), CONTENT.to_bytes()).unwrap();
        std::fs::write(dir.join("sig"), &sig).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["dgst", "-sha256", "-verify"])
            .arg(keys_dir().join("merchant_public_key.pem"))
            .arg("-signature")
            .arg(dir.join("sig"))
            .arg(dir.join("content"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{backend:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
