//! The `antom` tool end to end: keygen, sign, verify (and OpenSSL agreeing).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

fn antom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_antom")).args(args).output().unwrap()
}

fn keys() -> PathBuf {
    antom_testkit::keys::keys_dir()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("antom-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

const URI: &str = "/ams/api/v1/payments/inquiryPayment?x=1";
const CLIENT: &str = "SANDBOX_5YBZ0E2ZC7CZ04567";
const TIME: &str = "2026-08-17T02:36:49+00:00";

fn sign(dir: &Path, key: &Path, body: &[u8]) -> String {
    let body_file = dir.join("body.json");
    std::fs::write(&body_file, body).unwrap();
    let out = antom(&[
        "sign",
        "--private-key",
        path(key),
        "--method",
        "POST",
        "--uri",
        URI,
        "--client-id",
        CLIENT,
        "--request-time",
        TIME,
        "--body-file",
        path(&body_file),
        "--key-version",
        "3",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn verify(dir: &Path, key: &Path, body: &[u8], signature: &str) -> Output {
    let body_file = dir.join("verify-body.json");
    std::fs::write(&body_file, body).unwrap();
    antom(&[
        "verify",
        "--public-key",
        path(key),
        "--method",
        "POST",
        "--uri",
        URI,
        "--client-id",
        CLIENT,
        "--request-time",
        TIME,
        "--body-file",
        path(&body_file),
        "--signature",
        signature,
    ])
}

#[test]
fn sign_output_verifies_and_matches_the_library() {
    let dir = temp_dir("sign");
    let body = br#"{"paymentRequestId":"pay_1"}"#;
    for key in [
        "merchant_private_key.pem",
        "merchant_private_key_pkcs1.pem",
        "merchant_private_key.base64.txt",
    ] {
        let header = sign(&dir, &keys().join(key), body);
        assert!(
            header.starts_with("algorithm=RSA256,keyVersion=3,signature="),
            "{header}"
        );
        let content = antom_tower::signing::SigningContent::new("POST", URI, CLIENT, TIME, body);
        let expected =
            antom_testkit::keys::merchant_private_key().sign_header(&content, antom_tower::signing::KeyVersion(3));
        assert_eq!(header, expected.unwrap().to_string(), "{key}");
        for public in ["merchant_public_key.pem", "merchant_public_key.base64.txt"] {
            let out = verify(&dir, &keys().join(public), body, &header);
            assert_eq!(out.status.code(), Some(0));
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid");
        }
    }
}

#[test]
fn verify_explains_failures_with_exit_1() {
    let dir = temp_dir("verify-fail");
    let body = br#"{"paymentRequestId":"pay_1"}"#;
    let header = sign(&dir, &keys().join("merchant_private_key.pem"), body);
    let tampered = verify(
        &dir,
        &keys().join("merchant_public_key.pem"),
        br#"{"paymentRequestId":"pay_2"}"#,
        &header,
    );
    assert_eq!(tampered.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&tampered.stdout).starts_with("invalid: signature does not match"));
    let wrong_key = verify(&dir, &keys().join("antom_public_key.pem"), body, &header);
    assert_eq!(wrong_key.status.code(), Some(1));
    let malformed = verify(
        &dir,
        &keys().join("merchant_public_key.pem"),
        body,
        "algorithm=RSA256,keyVersion=1",
    );
    assert_eq!(malformed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&malformed.stdout).contains("no `signature=` parameter"));
}

#[test]
fn unusable_input_exits_2_with_one_line() {
    let dir = temp_dir("unusable");
    let body = b"{}";
    let header = sign(&dir, &keys().join("merchant_private_key.pem"), body);
    // The merchant's private key where Antom's public key belongs: the most common support question.
    let out = verify(&dir, &keys().join("merchant_private_key.pem"), body, &header);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("this is a private key"), "{stderr}");
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "not a key").unwrap();
    let out = antom(&[
        "sign",
        "--private-key",
        path(&garbage),
        "--uri",
        URI,
        "--client-id",
        CLIENT,
        "--request-time",
        TIME,
        "--body-file",
        path(&dir.join("body.json")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid base64"));
    let out = antom(&[
        "sign",
        "--private-key",
        "/nonexistent/key.pem",
        "--uri",
        URI,
        "--client-id",
        CLIENT,
        "--request-time",
        TIME,
        "--body-file",
        path(&dir.join("body.json")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(antom(&["sign"]).status.code(), Some(2)); // missing flags
}

#[test]
fn keygen_writes_every_form_and_they_work_together() {
    let dir = temp_dir("keygen");
    let out = antom(&["keygen", "--out", path(&dir.join("k"))]);
    assert!(out.status.success());
    let k = dir.join("k");
    let private_b64 = std::fs::read_to_string(k.join("private_key.base64.txt")).unwrap();
    assert!(!private_b64.contains("BEGIN"));
    assert!(std::fs::read_to_string(k.join("private_key.pem"))
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(std::fs::read_to_string(k.join("public_key.pem"))
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(k.join("private_key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "private key must not be readable by others");
    }
    let body = b"{\"x\":1}";
    let header = sign(&dir, &k.join("private_key.base64.txt"), body);
    assert_eq!(
        verify(&dir, &k.join("public_key.base64.txt"), body, &header)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        verify(&dir, &k.join("public_key.pem"), body, &header).status.code(),
        Some(0)
    );
}

#[test]
fn openssl_verifies_antom_sign_output() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipped: openssl is not installed");
        return;
    }
    let dir = temp_dir("openssl");
    let body = "{\"order\":\"星巴克\"}".as_bytes();
    let header = sign(&dir, &keys().join("merchant_private_key.pem"), body);
    let encoded = header.split("signature=").nth(1).unwrap();
    let decoded = antom_tower::signing::decode_signature_value(encoded).unwrap();
    assert_eq!(STANDARD.encode(&decoded).len(), 344);
    std::fs::write(dir.join("sig.bin"), decoded).unwrap();
    let mut content = format!("POST {URI}\n{CLIENT}.{TIME}.").into_bytes();
    content.extend_from_slice(body);
    std::fs::write(dir.join("content.txt"), content).unwrap();
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(keys().join("merchant_public_key.pem"))
        .arg("-signature")
        .arg(dir.join("sig.bin"))
        .arg(dir.join("content.txt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "Verified OK");
}

#[test]
fn demo_runs() {
    let out = antom(&["demo"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("verified with the merchant public key: valid"));
    assert!(stdout.contains("invalid, as it must be"));
}

#[test]
fn embedded_test_keys_match_their_files() {
    use antom_testkit::keys;
    let content = antom_tower::signing::SigningContent::new("POST", "/", "C", "1", b"{}");
    for (private, public) in [
        (keys::merchant_private_key(), keys::merchant_public_key()),
        (
            antom_tower::signing::PrivateKey::parse(keys::MERCHANT_PRIVATE_KEY_PKCS1_PEM).unwrap(),
            keys::merchant_public_key(),
        ),
        (
            antom_tower::signing::PrivateKey::parse(keys::MERCHANT_PRIVATE_KEY_BASE64).unwrap(),
            keys::merchant_public_key(),
        ),
        (keys::antom_private_key(), keys::antom_public_key()),
    ] {
        assert_eq!(public.verify(&content, &private.sign(&content).unwrap()), Ok(()));
    }
    let v2 = keys::antom_private_key_v2()
        .sign_header(&content, antom_tower::signing::KeyVersion(2))
        .unwrap();
    assert_eq!(keys::antom_public_key_ring().verify(&content, &v2), Ok(()));
    let wrong = keys::wrong_private_key()
        .sign_header(&content, antom_tower::signing::KeyVersion(1))
        .unwrap();
    assert!(keys::antom_public_key_ring().verify(&content, &wrong).is_err());
}

/// What `SignRequestLayer` (and so `AntomClient`) sends verifies with `antom verify`.
#[tokio::test]
async fn the_sign_request_layers_output_verifies_with_antom_verify() {
    use std::sync::{Arc, Mutex};
    use tower::{Layer, ServiceExt};

    let captured: Arc<Mutex<Option<http::Request<http_body_util::Full<bytes::Bytes>>>>> = Arc::default();
    let sink = captured.clone();
    let inner = tower::service_fn(move |req: http::Request<http_body_util::Full<bytes::Bytes>>| {
        *sink.lock().unwrap() = Some(req);
        async {
            Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::<bytes::Bytes>::default()))
        }
    });
    let layer = antom_tower::SignRequestLayer::new(CLIENT, Arc::new(antom_testkit::keys::merchant_private_key()));
    let body = r#"{"paymentRequestId":"pay_layer_1"}"#;
    let request = http::Request::post(format!("https://open-sea-global.alipay.com{URI}"))
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    layer.layer(inner).oneshot(request).await.unwrap();
    let sent = captured.lock().unwrap().take().unwrap();
    let header = |name: &str| sent.headers()[name].to_str().unwrap().to_string();
    let dir = temp_dir("layer");
    let body_file = dir.join("body.json");
    std::fs::write(&body_file, body).unwrap();
    let out = antom(&[
        "verify",
        "--public-key",
        path(&keys().join("merchant_public_key.pem")),
        "--method",
        "POST",
        "--uri",
        URI,
        "--client-id",
        &header("client-id"),
        "--request-time",
        &header("request-time"),
        "--body-file",
        path(&body_file),
        "--signature",
        &header("signature"),
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid");
    assert_eq!(out.status.code(), Some(0));
}
