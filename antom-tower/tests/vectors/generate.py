#!/usr/bin/env python3
"""Regenerates vectors.json with OpenSSL (an independent implementation), so the
Rust code is checked against signatures it did not make itself.

    python3 antom-tower/tests/vectors/generate.py
"""
import base64, json, os, subprocess, tempfile, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "..", "..", "..", "antom-testkit", "keys")

CASES = [
    ("inquiry_payment_epoch_millis", "merchant_private_key.pem", 1, "POST",
     "/ams/api/v1/payments/inquiryPayment", "SANDBOX_5YBZ0E2ZC7CZ04567", "1755398209123",
     '{"paymentRequestId":"pay_20260817_0001"}'),
    ("create_session_sandbox_iso", "merchant_private_key.pem", 1, "POST",
     "/ams/sandbox/api/v1/payments/createPaymentSession", "SANDBOX_5YBZ0E2ZC7CZ04567", "2019-05-28T12:12:12+08:00",
     '{"productCode":"CASHIER_PAYMENT","paymentRequestId":"pay_1","order":{"referenceOrderId":"ord_1","orderDescription":"Cappuccino","orderAmount":{"currency":"SGD","value":"4200"}},"paymentAmount":{"currency":"SGD","value":"4200"},"paymentMethod":{"paymentMethodType":"ALIPAY_CN"},"paymentRedirectUrl":"https://merchant.example/return?o=1","paymentNotifyUrl":"https://merchant.example/antom/notify"}'),
    ("notify_with_query_php_time", "antom_private_key.pem", 1, "POST",
     "/antom/notify?shop=42&lang=en", "SANDBOX_5YBZ0E2ZC7CZ04567", "2026-08-17T10:36:49+0800",
     '{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"pay_1","paymentId":"20260817111212800100188820200001","paymentAmount":{"currency":"SGD","value":"4200"},"paymentCreateTime":"2026-08-17T10:30:00+08:00","paymentTime":"2026-08-17T10:36:40+08:00"}'),
    ("notify_key_version_2_unicode", "antom_private_key_v2.pem", 2, "POST",
     "/antom/notify", "SANDBOX_5YBZ0E2ZC7CZ04567", "2026-08-17T02:36:49.1234567Z",
     '{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"PAYMENT_FAIL","resultStatus":"F","resultMessage":"支付失败 – échec"},"paymentRequestId":"pay_2","paymentId":"p2","paymentAmount":{"currency":"KRW","value":"15000"}}'),
    ("empty_body", "merchant_private_key.pem", 1, "POST",
     "/ams/api/v1/payments/cancel", "CLIENT", "1700000000", ""),
]

def content(method, uri, client_id, time, body):
    return f"{method} {uri}\n{client_id}.{time}.{body}".encode()

out = []
for name, key, version, method, uri, client_id, time, body in CASES:
    with tempfile.NamedTemporaryFile() as f:
        f.write(content(method, uri, client_id, time, body)); f.flush()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(KEYS, key), f.name],
                             check=True, capture_output=True).stdout
    b64 = base64.b64encode(sig).decode()
    out.append({
        "name": name, "private_key": key, "key_version": version, "method": method, "uri": uri,
        "client_id": client_id, "time": time, "body": body, "signature_base64": b64,
        "signature_header": f"algorithm=RSA256,keyVersion={version},signature={urllib.parse.quote_plus(b64)}",
    })
with open(os.path.join(HERE, "vectors.json"), "w") as f:
    json.dump(out, f, indent=2, ensure_ascii=False); f.write("\n")
