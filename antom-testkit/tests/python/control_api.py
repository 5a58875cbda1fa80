#!/usr/bin/env python3
"""A whole payment through the mock Antom's control API, from Python (stdlib only).

Run by antom-testkit/tests/control_api_python.rs with:
  MOCK_URL     the mock's base URL (a session for PAYMENT_REQUEST_ID exists)
  NOTIFY_PORT  the port this script's notify endpoint listens on (the session's paymentNotifyUrl)
  PAYMENT_REQUEST_ID

The notify endpoint refuses the first notification (HTTP 500), so Antom must
resend it; the script moves the mock's clock two minutes to make it happen.
"""
import json
import os
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

MOCK = os.environ["MOCK_URL"].rstrip("/")
PORT = int(os.environ["NOTIFY_PORT"])
PAY = os.environ["PAYMENT_REQUEST_ID"]
ACK = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'

received = []


class Notify(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        received.append({"body": json.loads(body), "signature": self.headers.get("signature")})
        if len(received) == 1:
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"database down")
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(ACK)

    def log_message(self, *args):
        pass


def call(method, path, body=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(MOCK + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def check(condition, what):
    if not condition:
        print("FAILED:", what, file=sys.stderr)
        sys.exit(1)


server = HTTPServer(("127.0.0.1", PORT), Notify)
threading.Thread(target=server.serve_forever, daemon=True).start()

status, payments = call("GET", "/mock/payments")
check(status == 200 and [p["status"] for p in payments if p["paymentRequestId"] == PAY] == ["PROCESSING"], payments)

status, payment = call("POST", "/mock/payments/%s/pay" % PAY)
check(status == 200 and payment["status"] == "SUCCESS", payment)
check(len(received) == 1 and received[0]["body"]["result"]["resultStatus"] == "S", received)
status, attempts = call("GET", "/mock/notifications")
check([a["acknowledged"] for a in attempts] == [False], attempts)

status, clock = call("POST", "/mock/clock/advance", b"2m")
check(status == 200 and clock["settled"] and clock["skippedSeconds"] == 120, clock)
check(len(received) == 2 and received[1]["body"] == received[0]["body"], received)
check(received[1]["signature"].startswith("algorithm=RSA256,keyVersion=1,signature="), received[1])
status, attempts = call("GET", "/mock/notifications")
check([(a["attempt"], a["acknowledged"]) for a in attempts] == [(1, False), (2, True)], attempts)

status, payment = call("POST", "/mock/payments/%s/refund" % PAY, {"amount": 300})
check(status == 200 and payment["refunds"][0]["status"] == "SUCCESS", payment)
check(received[-1]["body"]["notifyType"] == "REFUND_RESULT", received[-1])
check(received[-1]["body"]["refundAmount"]["value"] == "300", received[-1])

status, dispute = call("POST", "/mock/payments/%s/dispute" % PAY, {"type": "DISPUTE_CREATED"})
check(status == 200 and dispute["disputeNotificationType"] == "DISPUTE_CREATED", dispute)
check(received[-1]["body"]["disputeId"] == dispute["disputeId"] and "defenseDueTime" in dispute, received[-1])

status, error = call("POST", "/mock/payments/%s/cancel" % PAY)
check(status == 409, (status, error))
status, error = call("POST", "/mock/payments/no_such_payment/pay")
check(status == 404, (status, error))

server.shutdown()
print("OK: paid, resent after the clock moved, refunded, disputed")
