//! The result page a buyer lands on (`GET {prefix}/return?orderId=...` with
//! `Accept: text/html`): the order summary, one clear outcome per status, and
//! for a failed payment what Antom's `paymentResultCode` means for the buyer
//! and what to do (Antom's client SDK callback page, reworded for buyers).
//!
//! The page is rendered on the server from the stored order, never from
//! what the browser or the Web SDK reported. While the order is not final,
//! a small script polls `{prefix}/orders/{id}` and reloads the page once it
//! is. Every value shown is HTML-escaped.

use antom_types::PaymentResultCode;
use axum::response::{Html, IntoResponse, Response};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::Checkout;
use crate::store::{Order, OrderStatus};

/// Where "Back to the shop" leads: the site's root, where the checkout
/// routes' users keep their shop.
const SHOP_URL: &str = "/";

/// The HTML result page for `order`, with the result code of its last
/// final state change (the order itself does not keep it).
pub(crate) async fn render(checkout: &Checkout, order: &Order, orders_url: &str) -> Response {
    let result_code = if order.status.is_final() {
        last_result_code(checkout, order).await
    } else {
        None
    };
    Html(page(order, result_code.as_ref(), orders_url)).into_response()
}

/// The `resultCode` carried by the change that made the order what it is now.
async fn last_result_code(checkout: &Checkout, order: &Order) -> Option<PaymentResultCode> {
    match checkout.inner.store.state_changes(&order.order_id).await {
        Ok(changes) => changes
            .iter()
            .rev()
            .find(|change| change.to == order.status)
            .and_then(|change| change.result_code.as_deref())
            .map(PaymentResultCode::from_wire),
        Err(e) => {
            // The page still shows the outcome; only the advice is missing.
            tracing::warn!(order_id = %order.order_id, error = %e, "could not read the order's state changes");
            None
        }
    }
}

/// What the buyer is told for each status: a heading, a sentence, a tone.
struct Outcome {
    heading: &'static str,
    text: &'static str,
    /// `good`, `bad`, `neutral` or `waiting` (the CSS class).
    tone: &'static str,
    /// The status in words for the summary.
    label: &'static str,
}

fn outcome(status: OrderStatus) -> Outcome {
    match status {
        OrderStatus::Created | OrderStatus::Pending => Outcome {
            heading: "Waiting for your payment",
            text: "We are confirming your payment with the payment provider. This page updates by itself; you can also come back to it later.",
            tone: "waiting",
            label: "Waiting for payment",
        },
        OrderStatus::Succeeded => Outcome {
            heading: "Payment received",
            text: "Thank you! Your payment went through and your order is confirmed.",
            tone: "good",
            label: "Paid",
        },
        OrderStatus::Failed => Outcome {
            heading: "Payment failed",
            text: "Your payment did not go through, so this order is not paid.",
            tone: "bad",
            label: "Payment failed",
        },
        OrderStatus::Cancelled => Outcome {
            heading: "Payment cancelled",
            text: "The payment was cancelled before it was completed, so this order is not paid. You can start a new payment from the shop.",
            tone: "neutral",
            label: "Cancelled",
        },
        OrderStatus::Expired => Outcome {
            heading: "Payment time ran out",
            text: "The payment was not completed in time, so this order is not paid. You can start a new payment from the shop.",
            tone: "neutral",
            label: "Expired",
        },
        OrderStatus::PartiallyRefunded => Outcome {
            heading: "Payment partly refunded",
            text: "Your payment was received and part of it has been refunded to you.",
            tone: "good",
            label: "Paid, partly refunded",
        },
        OrderStatus::Refunded => Outcome {
            heading: "Payment refunded",
            text: "Your payment was received and has been refunded to you in full.",
            tone: "neutral",
            label: "Refunded",
        },
    }
}

/// What a `paymentResultCode` means for the buyer and what they can do,
/// from the advice in Antom's table (seed 002), addressed to the buyer.
pub(crate) fn buyer_advice(code: &PaymentResultCode) -> &'static str {
    use PaymentResultCode::*;
    match code {
        Success => "The payment provider reported success; this page will update shortly.",
        AccessDenied => "The payment was not allowed. Please contact the shop.",
        CurrencyNotSupport => "This currency is not supported. Please choose another currency or payment method.",
        FraudReject => "The payment was declined by risk control. If you were charged, the money will be refunded; contact the shop if you need to appeal or have not received the refund within two weeks.",
        InvalidCard => "The card is not valid. Please use another card and try again.",
        InvalidExpiryDateFormat => "The card's expiry date is not in the right format. Please check it and try again.",
        IssuerRejectsTransaction => "Your bank declined the payment. Try another card or contact your bank.",
        InvalidMerchantStatus | MerchantKybNotQualified | PaymentNotQualified => {
            "The shop cannot take this payment right now. Please contact the shop."
        }
        NoPayOptions => "This payment method does not support the currency. Please choose another payment method or currency.",
        OrderIsClosed => "This payment is closed. Please start a new payment from the shop.",
        PaymentAmountExceedLimit => "The amount is over the payment method's limit. Try a lower amount or another payment method.",
        PaymentCountExceedLimit => "The payment method's limit on the number of payments was reached. Please try another payment method.",
        ProcessFail => "The payment could not be processed. Please do not retry right away; contact the shop if it keeps happening.",
        RiskReject => "The payment was declined by risk control. If you were charged, the money will be refunded; contact the shop if you have not received it within two weeks.",
        SuspectedCard => "The card was declined for security reasons. Try another card or contact your bank.",
        SuspectedRisk => "The payment was declined for security reasons. You can try again after one working day; if you were charged, the money will be refunded.",
        UserAmountExceedLimit => "The amount is over your account's payment limit. Pay an amount within your available limit, or choose another payment method.",
        UserBalanceNotEnough => "Your balance is not enough. Top up your account or choose another payment method.",
        UserKycNotQualified => "Please complete your account's identity verification (KYC) with the payment provider first.",
        UserPaymentVerificationFailed => "Your account is restricted from paying with this method. Please choose another payment method or contact the payment provider.",
        UserStatusAbnormal => "Your payment account's status does not allow this payment. Please contact the payment provider or choose another payment method.",
        PaymentInProcess => "The payment is still being processed. This page will update when it is finished.",
        UnknownException => "Something unexpected happened. Please try again later, or contact the shop.",
        CardNotSupported => "This card is not supported. Please use another card.",
        InvalidExpirationDate => "The card's expiry date is wrong. Please check it and try again.",
        InvalidCardNumber => "The card number is wrong. Please check it or use another card.",
        // Codes newer than this crate (the enum is non-exhaustive).
        _ => "Please try again, or choose another payment method.",
    }
}

fn page(order: &Order, result_code: Option<&PaymentResultCode>, orders_url: &str) -> String {
    let outcome = outcome(order.status);
    let status = order.status.as_str();
    let is_final = order.status.is_final();
    // Advice only where the buyer can act on it: a failed payment.
    let advice = match (order.status, result_code) {
        (OrderStatus::Failed, Some(code)) => format!(
            "\n    <div class=\"advice\" id=\"advice\" data-result-code=\"{code_attr}\">\n      <p>{advice}</p>\n      <p class=\"code\">Reason code: <code>{code_text}</code></p>\n    </div>",
            code_attr = attr(code.as_str()),
            advice = text(buyer_advice(code)),
            code_text = text(code.as_str()),
        ),
        (OrderStatus::Failed, None) => format!(
            "\n    <div class=\"advice\" id=\"advice\">\n      <p>{}</p>\n    </div>",
            text("Please try again, or choose another payment method.")
        ),
        _ => String::new(),
    };
    let again = match order.status {
        OrderStatus::Failed | OrderStatus::Cancelled | OrderStatus::Expired => "Try again",
        _ => "Back to the shop",
    };
    let payment_id = match &order.payment_id {
        Some(id) => format!("\n      <dt>Payment reference</dt><dd>{}</dd>", text(id)),
        None => String::new(),
    };
    let poll = if is_final { "" } else { POLL_SCRIPT };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width,initial-scale=1">
  <title>{heading} · Payment status</title>
  <style>{STYLE}</style>
</head>
<body>
  <main id="result" class="{tone}" data-status="{status_attr}" data-final="{is_final}" data-orders-url="{orders_url}">
    <div class="badge" aria-hidden="true"></div>
    <h1 id="outcome">{heading}</h1>
    <p id="message" class="lead">{lead}</p>{advice}
    <h2>Order summary</h2>
    <dl class="summary">
      <dt>Item</dt><dd id="description">{description}</dd>
      <dt>Amount</dt><dd id="amount">{amount}</dd>
      <dt>Payment method</dt><dd id="payment-method">{method}</dd>
      <dt>Order number</dt><dd id="order-id">{order_id}</dd>{payment_id}
      <dt>Status</dt><dd id="status" data-status="{status_attr}">{label}</dd>
    </dl>
    <a class="button" id="back" href="{shop}">{again}</a>
  </main>{poll}
</body>
</html>
"#,
        heading = text(outcome.heading),
        tone = outcome.tone,
        status_attr = attr(status),
        orders_url = attr(orders_url),
        lead = text(outcome.text),
        description = text(&order.description),
        amount = text(&order.amount.to_string()),
        method = text(&method_name(&order.payment_method_type)),
        order_id = text(&order.order_id),
        label = text(outcome.label),
        shop = attr(SHOP_URL),
    )
}

/// `ALIPAY_CN` -> `Alipay`; unknown types are shown as sent.
fn method_name(payment_method_type: &str) -> String {
    let known = match payment_method_type {
        "ALIPAY_CN" => "Alipay",
        "ALIPAY_HK" => "AlipayHK",
        "GCASH" => "GCash",
        "DANA" => "DANA",
        "KAKAOPAY" => "Kakao Pay",
        "TNG" => "Touch 'n Go eWallet",
        "TRUEMONEY" => "TrueMoney",
        "SHOPEEPAY_SG" => "ShopeePay",
        "CARD" => "Card",
        other => return other.to_owned(),
    };
    known.to_owned()
}

/// Polls the order every 2 s (Antom's guidance) and reloads once it is
/// final, so the outcome is always rendered (and escaped) by the server.
const POLL_SCRIPT: &str = r#"
  <script>
  (function () {
    const main = document.getElementById("result");
    async function poll() {
      try {
        const response = await fetch(main.dataset.ordersUrl, { headers: { accept: "application/json" } });
        if (response.ok) {
          const order = await response.json();
          if (order.isFinal || order.status !== main.dataset.status) return window.location.reload();
        }
      } catch (e) {}
      setTimeout(poll, 2000);
    }
    setTimeout(poll, 1000);
  })();
  </script>"#;

/// The checkout page's look (examples/web/style.css): the same card, type and colours.
const STYLE: &str = r#"
:root { --ink: #1d1d1f; --muted: #6e6e73; --line: #d0d0d5; --accent: #1677ff; --bad: #b3261e; --good: #137333; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f5f6f8; color: var(--ink); }
main { max-width: 30rem; margin: 2.5rem auto; padding: 1.5rem 1.75rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 4px rgba(0, 0, 0, .08); }
h1 { font-size: 1.4rem; margin: .75rem 0 .5rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.lead { margin: 0; line-height: 1.45; }
.badge { width: 3rem; height: 3rem; border-radius: 50%; display: flex; align-items: center; justify-content: center; font-size: 1.6rem; font-weight: 700; color: #fff; }
.good .badge { background: var(--good); } .good .badge::after { content: "\2713"; } .good h1 { color: var(--good); }
.bad .badge { background: var(--bad); } .bad .badge::after { content: "\2715"; } .bad h1 { color: var(--bad); }
.neutral .badge { background: #8e8e93; } .neutral .badge::after { content: "\2013"; }
.waiting .badge { background: var(--accent); } .waiting .badge::after { content: "\2026"; }
.advice { margin: 1rem 0 0; padding: .75rem 1rem; border-radius: 8px; background: #fdecea; border: 1px solid #f4c7c3; }
.advice p { margin: 0; line-height: 1.45; }
.advice .code { margin-top: .4rem; font-size: .85rem; color: var(--muted); }
.advice code { background: #fff; padding: 0 .25rem; border-radius: 3px; }
.summary { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; margin: 0; padding: .75rem 1rem; border: 1px solid var(--line); border-radius: 8px; }
.summary dt { color: var(--muted); }
.summary dd { margin: 0; overflow-wrap: anywhere; }
.button { display: block; margin-top: 1.5rem; padding: .8rem; border-radius: 8px; background: var(--accent); color: #fff; text-align: center; text-decoration: none; font-size: 1.05rem; }
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use antom_types::Amount;

    fn order(status: OrderStatus, description: &str) -> Order {
        Order {
            order_id: "ord_1".into(),
            payment_request_id: "pay_1".into(),
            amount: Amount::parse("SGD", "4200").unwrap(),
            description: description.into(),
            payment_method_type: "GCASH".into(),
            buyer_id: None,
            status,
            payment_id: None,
            refunded: 0,
            created_at_ms: 0,
            updated_at_ms: 0,
            version: 2,
            session_expires_at_ms: None,
            last_inquiry_at_ms: None,
        }
    }

    #[test]
    fn every_status_has_its_own_outcome() {
        let mut headings: Vec<&str> = OrderStatus::ALL.iter().map(|s| outcome(*s).heading).collect();
        headings.dedup();
        // Created and Pending share "waiting"; every final status is told apart.
        assert_eq!(headings.len(), OrderStatus::ALL.len() - 1);
        let html = page(&order(OrderStatus::Succeeded, "Stickers"), None, "/antom/orders/ord_1");
        assert!(html.contains(r#"<h1 id="outcome">Payment received</h1>"#), "{html}");
        assert!(html.contains("42.00 SGD") && html.contains("GCash") && html.contains("Stickers"));
        assert!(!html.contains("<script>"), "a final page does not poll");
        let pending = page(&order(OrderStatus::Pending, "Stickers"), None, "/antom/orders/ord_1");
        assert!(pending.contains("Waiting for your payment") && pending.contains("<script>"));
    }

    #[test]
    fn a_failed_payment_shows_the_advice_for_its_result_code() {
        let code = PaymentResultCode::UserBalanceNotEnough;
        let html = page(&order(OrderStatus::Failed, "Stickers"), Some(&code), "/o");
        assert!(html.contains("Your balance is not enough"), "{html}");
        assert!(html.contains(r#"data-result-code="USER_BALANCE_NOT_ENOUGH""#));
        // Each documented code has advice of its own words; unknown ones a generic line.
        for code in PaymentResultCode::KNOWN {
            assert!(!buyer_advice(code).is_empty());
        }
        assert!(buyer_advice(&PaymentResultCode::from_wire("BRAND_NEW")).contains("try again"));
        // No advice where the buyer has nothing to fix.
        let paid = page(
            &order(OrderStatus::Succeeded, "Stickers"),
            Some(&PaymentResultCode::Success),
            "/o",
        );
        assert!(!paid.contains("id=\"advice\""));
    }

    #[test]
    fn everything_shown_is_escaped() {
        let mut evil = order(OrderStatus::Failed, r#"<script>alert(1)</script> & "quotes""#);
        evil.order_id = r#"ord_"><img src=x onerror=alert(1)>"#.into();
        evil.payment_method_type = "<b>X</b>".into();
        evil.payment_id = Some("<i>p</i>".into());
        let code = PaymentResultCode::from_wire(r#"X"><script>"#);
        let html = page(&evil, Some(&code), r#"/o"><script>alert(2)</script>"#);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            !html.contains("<img") && !html.contains("<b>X") && !html.contains("<i>p"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp;"), "{html}");
        assert!(!html.contains(r#"data-result-code="X">"#), "{html}");
    }
}
