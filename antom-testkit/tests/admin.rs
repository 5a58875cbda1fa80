//! The admin pages over HTTP on 127.0.0.1, against the mock Antom, on every
//! store: authorization, the orders list, an order's timeline with the refund
//! form, disputes, refused notifications and their replay, escaping, the
//! security headers, CSRF refusals and the chart's counts.

use std::sync::Arc;

use antom_testkit::keys;
use antom_testkit::mock::control::{DisputeOrder, RefundOrder};
use antom_testkit::mock::SendOptions;
use antom_tower::checkout::admin::TokenAuthorization;
use antom_tower::store::{
    InboxOutcome, InboxQuery, NewOrder, Order, OrderStatus, OrderStore, PaymentOutcome, PaymentResult, RefundState,
    ResultSource,
};
use antom_types::{Amount, ApiResult};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HyperClient};
use hyper_util::rt::TokioExecutor;

mod checkout_support;
use checkout_support::*;

// Until the conformance suite includes it, its check of `list_orders` runs here.
#[path = "../src/store_conformance_orders.rs"]
mod store_conformance_orders;

/// The shop with its admin pages on a listener of their own, and a client for them.
struct AdminShop {
    shop: Shop,
    admin: Client,
}

async fn admin_shop(store: Arc<dyn OrderStore>) -> AdminShop {
    let shop = shop_with(store, true).await;
    let token = format!("admin-token-{}", uuid_like());
    let authorization = TokenAuthorization::new(token.clone()).unwrap().secure_cookie(false);
    let app = shop.checkout.admin_router(authorization);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    AdminShop {
        shop,
        admin: Client {
            url,
            token,
            cookie: None,
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
        },
    }
}

/// A browser without JavaScript: forms, redirects, one session cookie.
struct Client {
    url: String,
    token: String,
    cookie: Option<String>,
    http: HyperClient<HttpConnector, Full<Bytes>>,
}

struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

impl Client {
    fn origin(&self) -> String {
        self.url.clone()
    }

    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if method == "POST" {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .http
            .request(request.body(Full::new(Bytes::from(body.to_owned()))).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let answer = Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        assert_security_headers(&answer, path);
        answer
    }

    async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], "").await
    }

    /// A form post from our own page (Origin matches).
    async fn post(&self, path: &str, form: &str) -> Answer {
        let origin = self.origin();
        self.send("POST", path, &[("origin", &origin)], form).await
    }

    /// Posts a form and follows its 303 redirect.
    async fn submit(&self, path: &str, form: &str) -> Answer {
        let answer = self.post(path, form).await;
        assert_eq!(answer.status, 303, "{path}: {}", answer.body);
        let location = answer.location().to_owned();
        self.get(&location).await
    }

    async fn log_in(&mut self) {
        let token = self.token.clone();
        let answer = self.post("/antom/admin/login", &format!("token={token}")).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let cookie = answer.headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
        self.cookie = Some(cookie.split(';').next().unwrap().to_owned());
    }
}

fn assert_security_headers(answer: &Answer, path: &str) {
    let header = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(header("x-frame-options"), "DENY", "{path}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
    assert_eq!(header("cache-control"), "no-store", "{path}");
    let csp = header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{path}: {csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{path}: {csp}"
    );
    assert!(!answer.body.contains("<script"), "{path}: a page with a script");
}

/// The values of attribute `name` in document order.
fn attr_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

fn sgd(minor: u64) -> Amount {
    Amount::from_minor_units(minor, "SGD").unwrap()
}

/// An order stored directly, then moved to `outcome` (if any).
async fn stored_order(
    store: &dyn OrderStore,
    id: &str,
    description: &str,
    method: &str,
    outcome: Option<PaymentOutcome>,
) -> Order {
    let order = store
        .create_order(NewOrder {
            order_id: id.into(),
            payment_request_id: format!("pay-{id}"),
            amount: sgd(2500),
            description: description.into(),
            payment_method_type: method.into(),
            buyer_id: None,
            session_expires_at_ms: None,
        })
        .await
        .unwrap();
    if let Some(outcome) = outcome {
        store.mark_pending(id).await.unwrap();
        store
            .apply_payment_result(&PaymentResult {
                payment_request_id: order.payment_request_id.clone(),
                payment_id: Some(format!("antom-{id}")),
                amount: order.amount,
                outcome,
                source: ResultSource::Notification,
                result_code: None,
            })
            .await
            .unwrap();
    }
    store.get_order(id).await.unwrap().unwrap()
}

/// An order paid through the mock Antom (session, payment, notification).
async fn paid_order(shop: &Shop, amount: u64) -> String {
    let session = shop.paid_session(amount).await;
    let before = shop.mock.log().notifications().len();
    shop.mock.pay(&session.payment_request_id).unwrap();
    shop.mock.wait_for_acknowledged(before + 1, WAIT).await.unwrap();
    session.order_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn list_orders_conforms_on_every_store() {
    for (_name, store) in every_store().await {
        store_conformance_orders::list_orders_filters_and_pages(store).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_the_token_nothing_is_shown_and_nothing_moves() {
    for (name, store) in every_store().await {
        let AdminShop { shop, mut admin } = admin_shop(store.clone()).await;
        let order_id = paid_order(&shop, 4200).await;

        // Pages redirect to the login form; forms are refused.
        let page = admin.get("/antom/admin/orders").await;
        assert_eq!((page.status, page.location()), (303, "/antom/admin/login"), "{name}");
        let page = admin.get(&format!("/antom/admin/orders/{order_id}")).await;
        assert_eq!(page.status, 303, "{name}");
        let refund = admin
            .post(&format!("/antom/admin/orders/{order_id}/refunds"), "amount=1.00")
            .await;
        assert_eq!(refund.status, 401, "{name}");
        let replay = admin.post("/antom/admin/notifications/1/replay", "").await;
        assert_eq!(replay.status, 401, "{name}");
        assert_eq!(store.get_order(&order_id).await.unwrap().unwrap().refunded, 0);
        assert!(store.refunds(&order_id).await.unwrap().is_empty());

        // A wrong bearer token or a forged cookie does not help.
        let wrong = admin
            .send(
                "GET",
                "/antom/admin/orders",
                &[("authorization", "Bearer not-the-token-at-all")],
                "",
            )
            .await;
        assert_eq!(wrong.status, 303, "{name}");
        let forged = admin
            .send(
                "GET",
                "/antom/admin/orders",
                &[("cookie", "antom_admin_session=99999999999999.00ff")],
                "",
            )
            .await;
        assert_eq!(forged.status, 303, "{name}");

        // The login form; a wrong token is 401; a login from another site is refused.
        let form = admin.get("/antom/admin/login").await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("id=\"login-form\"") && form.body.contains("id=\"login-token\""));
        let css = admin.get("/antom/admin/admin.css").await;
        assert_eq!(css.status, 200);
        assert!(css.headers["content-type"].to_str().unwrap().starts_with("text/css"));
        let bad = admin.post("/antom/admin/login", "token=wrong-token-wrong-token").await;
        assert_eq!(bad.status, 401);
        assert!(bad.body.contains("id=\"login-error\""));
        let token_form = format!("token={}", admin.token);
        let cross = admin
            .send(
                "POST",
                "/antom/admin/login",
                &[("origin", "http://evil.example")],
                &token_form,
            )
            .await;
        assert_eq!(cross.status, 403);
        assert!(cross.headers.get("set-cookie").is_none());

        // The right token: a strict, HttpOnly session cookie scoped to the admin.
        let login = admin.post("/antom/admin/login", &token_form).await;
        assert_eq!((login.status, login.location()), (303, "/antom/admin/orders"));
        let cookie = login.headers["set-cookie"].to_str().unwrap();
        for part in ["HttpOnly", "SameSite=Strict", "Path=/antom/admin", "Max-Age="] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!cookie.contains(&admin.token), "the cookie holds no token: {cookie}");
        admin.log_in().await;
        assert_eq!(admin.get("/antom/admin/orders").await.status, 200, "{name}");
        // Logged in, the login page leads on to the orders.
        assert_eq!(admin.get("/antom/admin/login").await.location(), "/antom/admin/orders");

        // A script with the bearer token, and no cookie.
        let session = admin.cookie.take();
        let bearer = format!("Bearer {}", admin.token);
        let scripted = admin
            .send("GET", "/antom/admin/orders", &[("authorization", &bearer)], "")
            .await;
        assert_eq!(scripted.status, 200, "{name}");
        admin.cookie = session;

        // Logging out removes the cookie.
        let out = admin.post("/antom/admin/logout", "").await;
        assert_eq!((out.status, out.location()), (303, "/antom/admin/login"));
        assert!(out.headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_orders_list_filters_and_pages_newest_first() {
    for (name, store) in every_store().await {
        let AdminShop { mut admin, .. } = admin_shop(store.clone()).await;
        admin.log_in().await;
        let mut ids = Vec::new();
        for i in 0..60 {
            let id = format!("list-{i:02}");
            let method = if i % 3 == 0 { "GCASH" } else { "ALIPAY_CN" };
            let outcome = match i % 4 {
                0 => Some(PaymentOutcome::Succeeded),
                1 => Some(PaymentOutcome::Failed),
                _ => None,
            };
            stored_order(&*store, &id, "stickers", method, outcome).await;
            ids.push(id);
        }
        let first = admin.get("/antom/admin/orders").await;
        assert_eq!(first.status, 200, "{name}");
        let page_one = attr_values(&first.body, "data-order-id");
        assert_eq!(page_one.len(), 50, "{name}");
        let next = attr_values(&first.body, "href")
            .into_iter()
            .find(|href| href.contains("after_ms="))
            .expect("a link to the next page")
            .replace("&amp;", "&");
        assert!(first.body.contains("id=\"next-page\""));
        let second = admin.get(&next).await;
        let page_two = attr_values(&second.body, "data-order-id");
        assert_eq!(page_two.len(), 10, "{name}");
        assert!(!second.body.contains("id=\"next-page\""));
        let mut seen: Vec<String> = page_one.iter().chain(&page_two).cloned().collect();
        // Newest first: the listing is the stored orders by (created, id) descending.
        let mut expected: Vec<Order> = Vec::new();
        for id in &ids {
            expected.push(store.get_order(id).await.unwrap().unwrap());
        }
        expected.sort_by(|a, b| (b.created_at_ms, &b.order_id).cmp(&(a.created_at_ms, &a.order_id)));
        let expected_ids: Vec<String> = expected.iter().map(|o| o.order_id.clone()).collect();
        assert_eq!(seen, expected_ids, "{name}");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 60);

        let count = |body: &str| attr_values(body, "data-order-id").len();
        let paid = admin.get("/antom/admin/orders?status=succeeded").await;
        assert_eq!(count(&paid.body), 15, "{name}");
        assert!(attr_values(&paid.body, "data-status").iter().all(|s| s == "succeeded"));
        let gcash_failed = admin.get("/antom/admin/orders?status=failed&method=GCASH").await;
        // i % 4 == 1 and i % 3 == 0: 9, 21, 33, 45, 57.
        assert_eq!(count(&gcash_failed.body), 5, "{name}");
        let today = chrono_like_today();
        let todays = admin
            .get(&format!("/antom/admin/orders?from={today}&to={today}&method=ALIPAY_CN"))
            .await;
        assert_eq!(count(&todays.body), 40, "{name}");
        let future = admin.get("/antom/admin/orders?from=2999-01-01").await;
        assert_eq!(count(&future.body), 0);
        assert!(future.body.contains("id=\"no-orders\""));
        let past = admin.get("/antom/admin/orders?to=2001-01-01").await;
        assert_eq!(count(&past.body), 0);
        let bad = admin.get("/antom/admin/orders?from=yesterday").await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("id=\"filter-error\""));
        let bad = admin.get("/antom/admin/orders?status=shipped").await;
        assert_eq!(bad.status, 400);
    }
}

/// Today's date (UTC) as YYYY-MM-DD, from the civil-from-days algorithm.
fn chrono_like_today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_timeline_shows_the_payment_a_refund_from_the_form_and_a_dispute() {
    for (name, store) in every_store().await {
        let AdminShop { shop, mut admin } = admin_shop(store.clone()).await;
        admin.log_in().await;
        let order_id = paid_order(&shop, 4200).await;
        let path = format!("/antom/admin/orders/{order_id}");
        let refunds = format!("{path}/refunds");

        let page = admin.get(&path).await;
        assert_eq!(page.status, 200, "{name}");
        assert!(page.body.contains("<dd id=\"order-status\">succeeded</dd>"), "{name}");
        assert!(page.body.contains("id=\"refund-form\""));

        // CSRF: another site's form, or one with neither Origin nor Referer, is refused.
        let evil = admin
            .send("POST", &refunds, &[("origin", "http://evil.example")], "amount=1.00")
            .await;
        assert_eq!(evil.status, 403, "{name}");
        let bare = admin.send("POST", &refunds, &[], "amount=1.00").await;
        assert_eq!(bare.status, 403, "{name}");
        let evil_referer = admin
            .send(
                "POST",
                &refunds,
                &[("referer", "http://evil.example/antom/admin")],
                "amount=1.00",
            )
            .await;
        assert_eq!(evil_referer.status, 403, "{name}");
        assert!(store.refunds(&order_id).await.unwrap().is_empty(), "{name}");

        // Typed in major units, refunded in exact minor units.
        let shown = admin.submit(&refunds, "amount=12.34&reason=damaged+%3Cbox%3E").await;
        assert!(shown.body.contains("id=\"refund-result\""), "{name}: {}", shown.body);
        assert_eq!(attr_values(&shown.body, "data-state"), vec!["succeeded"], "{name}");
        let order = store.get_order(&order_id).await.unwrap().unwrap();
        assert_eq!(
            (order.status, order.refunded),
            (OrderStatus::PartiallyRefunded, 1234),
            "{name}"
        );
        let records = store.refunds(&order_id).await.unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].amount, sgd(1234));
        assert_eq!(records[0].state, RefundState::Succeeded);
        assert_eq!(records[0].reason.as_deref(), Some("damaged <box>"));
        assert!(shown.body.contains("damaged &lt;box&gt;"), "{name}");
        // A form from our own page with only a Referer (no Origin) is accepted.
        let referer = format!("{}{path}", admin.url);
        let by_referer = admin
            .send("POST", &refunds, &[("referer", &referer)], "amount=0.66")
            .await;
        assert_eq!(by_referer.status, 303, "{name}");
        assert_eq!(store.get_order(&order_id).await.unwrap().unwrap().refunded, 1300);

        // Amounts the currency cannot hold, or more than is left, start nothing.
        for (amount, code) in [
            ("0.005", "invalid_amount"),
            ("12,50", "invalid_amount"),
            ("-1", "invalid_amount"),
            ("0", "invalid_amount"),
            ("29.01", "refund_exceeds_order"),
        ] {
            let shown = admin.submit(&refunds, &format!("amount={amount}")).await;
            assert_eq!(attr_values(&shown.body, "data-code"), vec![code], "{name}: {amount}");
        }
        assert_eq!(store.refunds(&order_id).await.unwrap().len(), 2, "{name}");

        // A dispute from Antom appears on the timeline.
        let payment_request_id = order.payment_request_id.clone();
        let before = shop.mock.log().notifications().len();
        shop.mock
            .mock()
            .dispute(
                &payment_request_id,
                DisputeOrder {
                    amount: Some(4200),
                    dispute_id: Some(format!("dispute-{order_id}")),
                    ..DisputeOrder::default()
                },
            )
            .unwrap();
        shop.mock.wait_for_acknowledged(before + 1, WAIT).await.unwrap();

        let page = admin.get(&path).await;
        let kinds = attr_values(&page.body, "data-kind");
        for kind in ["state", "notification", "refund", "dispute", "event"] {
            assert!(kinds.iter().any(|k| k == kind), "{name}: no {kind} in {kinds:?}");
        }
        assert!(page.body.contains(&format!("dispute dispute-{order_id}")), "{name}");
        assert!(page.body.contains("DISPUTE_CREATED"));
        assert!(page.body.contains("notification PAYMENT_RESULT"));
        assert!(page.body.contains("notification DISPUTE:DISPUTE_CREATED"));
        assert!(page.body.contains("event disputed"));
        assert!(page.body.contains("pending → succeeded"));
        let times: Vec<i64> = attr_values(&page.body, "data-at-ms")
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "{name}: sorted by time: {times:?}"
        );
        // State changes: created→pending, pending→succeeded, two refunds.
        assert_eq!(kinds.iter().filter(|k| *k == "state").count(), 4, "{name}: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| *k == "refund").count(), 2);
        assert_eq!(kinds.iter().filter(|k| *k == "dispute").count(), 1);

        let unknown = admin.get("/antom/admin/orders/no-such-order").await;
        assert_eq!(unknown.status, 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_notification_is_listed_and_replayed_from_the_page() {
    for (name, store) in every_store().await {
        let AdminShop { shop, mut admin } = admin_shop(store.clone()).await;
        admin.log_in().await;
        let body = antom_testkit::mock::notifier::payment_notification_from_parts(
            "pay_restored_from_backup",
            "2026082300000088",
            sgd(900),
            ApiResult::success("success"),
        );
        let options = SendOptions {
            client_id: shop.mock.client_id().to_string(),
            ..Default::default()
        };
        let sent = antom_testkit::mock::send_notification(
            &format!("{}/antom/notify", shop.url),
            &body,
            &keys::antom_private_key(),
            &options,
        )
        .await
        .unwrap();
        assert_eq!(sent.status, 404, "{name}");
        let refused = store
            .inbox_entries(&InboxQuery {
                outcome: Some(InboxOutcome::Refused),
                ..InboxQuery::default()
            })
            .await
            .unwrap();
        let id = refused[0].id;

        let list = admin.get("/antom/admin/notifications").await;
        assert_eq!(list.status, 200, "{name}");
        assert_eq!(attr_values(&list.body, "data-inbox-id")[0], id.to_string());
        assert!(list.body.contains("pay_restored_from_backup"));
        assert!(list
            .body
            .contains("class=\"notification-outcome outcome-refused\">refused<"));
        let replay = format!("/antom/admin/notifications/{id}/replay");
        assert!(list
            .body
            .contains(&format!("action=\"/antom/admin/notifications/{id}/replay\"")));

        // Replayed before the cause is fixed: still refused, with the reason.
        let shown = admin.submit(&replay, "").await;
        assert_eq!(attr_values(&shown.body, "data-outcome")[0], "refused", "{name}");
        assert!(shown.body.contains("id=\"replay-result\""));

        // Refused from another site.
        let cross = admin
            .send("POST", &replay, &[("origin", "http://evil.example")], "")
            .await;
        assert_eq!(cross.status, 403);

        // The order restored, the replay applies it.
        store
            .create_order(NewOrder {
                order_id: "restored-7".into(),
                payment_request_id: "pay_restored_from_backup".into(),
                amount: sgd(900),
                description: "restored".into(),
                payment_method_type: "ALIPAY_CN".into(),
                buyer_id: None,
                session_expires_at_ms: None,
            })
            .await
            .unwrap();
        let shown = admin.submit(&replay, "").await;
        assert_eq!(
            attr_values(&shown.body, "data-outcome")[0],
            "applied",
            "{name}: {}",
            shown.body
        );
        assert!(shown.body.contains("href=\"/antom/admin/orders/restored-7\""));
        assert_eq!(
            store.get_order("restored-7").await.unwrap().unwrap().status,
            OrderStatus::Succeeded,
            "{name}"
        );
        // No longer in the refused list; listed under applied.
        assert!(!shown
            .body
            .contains(&format!("<tr class=\"notification\" data-inbox-id=\"{id}\"")));
        let applied = admin.get("/antom/admin/notifications?outcome=applied").await;
        assert!(applied.body.contains(&format!(
            "<tr class=\"notification\" data-inbox-id=\"{id}\" data-outcome=\"applied\""
        )));
        let missing = admin.submit("/antom/admin/notifications/999999/replay", "").await;
        assert_eq!(attr_values(&missing.body, "data-error"), vec!["not_found"]);
        // The replay shows on the order's timeline.
        let timeline = admin.get("/antom/admin/orders/restored-7").await;
        assert!(timeline.body.contains("notification PAYMENT_RESULT"), "{name}");

        // A refund started outside the checkout (Antom's Dashboard) is listed as unmatched.
        let order_id = paid_order(&shop, 4200).await;
        let order = store.get_order(&order_id).await.unwrap().unwrap();
        let before = shop.mock.log().notifications().len();
        shop.mock
            .mock()
            .refund_payment(
                &order.payment_request_id,
                RefundOrder {
                    amount: Some(700),
                    ..RefundOrder::default()
                },
            )
            .unwrap();
        shop.mock.wait_for_acknowledged(before + 1, WAIT).await.unwrap();
        let list = admin.get("/antom/admin/notifications").await;
        assert_eq!(attr_values(&list.body, "data-outcome"), vec!["unmatched"], "{name}");
        assert!(list.body.contains("REFUND_RESULT"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn everything_shown_is_escaped() {
    for (name, store) in every_store().await {
        let AdminShop { mut admin, .. } = admin_shop(store.clone()).await;
        admin.log_in().await;
        let id = "evil\"><b>1";
        stored_order(
            &*store,
            id,
            "<script>alert(1)</script> & <img src=x onerror=alert(2)>",
            "<i>CARD</i>",
            Some(PaymentOutcome::Succeeded),
        )
        .await;
        let list = admin.get("/antom/admin/orders").await;
        assert_eq!(list.status, 200, "{name}");
        assert!(list
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;"));
        assert!(list.body.contains("&lt;i&gt;CARD&lt;/i&gt;"));
        assert!(!list.body.contains("<img") && !list.body.contains("<i>") && !list.body.contains("<b>"));
        assert!(
            list.body.contains("data-order-id=\"evil&quot;&gt;&lt;b&gt;1\""),
            "{name}"
        );
        // The link to it is percent-encoded, and its timeline escapes the same.
        assert!(list.body.contains("href=\"/antom/admin/orders/evil%22%3E%3Cb%3E1\""));
        let timeline = admin.get("/antom/admin/orders/evil%22%3E%3Cb%3E1").await;
        assert_eq!(timeline.status, 200, "{name}");
        assert!(timeline.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!timeline.body.contains("<img") && !timeline.body.contains("<b>"));
        // A filter value is echoed escaped.
        let echoed = admin.get("/antom/admin/orders?method=%22%3E%3Cscript%3E").await;
        assert!(echoed.body.contains("value=\"&quot;&gt;&lt;script&gt;\""), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_chart_counts_payments_per_hour_by_outcome() {
    for (name, store) in every_store().await {
        let AdminShop { mut admin, .. } = admin_shop(store.clone()).await;
        admin.log_in().await;
        let outcomes = [
            Some(PaymentOutcome::Succeeded),
            Some(PaymentOutcome::Succeeded),
            Some(PaymentOutcome::Succeeded),
            Some(PaymentOutcome::Failed),
            Some(PaymentOutcome::Expired),
            None,
        ];
        for (i, outcome) in outcomes.into_iter().enumerate() {
            stored_order(&*store, &format!("chart-{i}"), "stickers", "ALIPAY_CN", outcome).await;
        }
        let page = admin.get("/antom/admin/chart").await;
        assert_eq!(page.status, 200, "{name}");
        assert!(page.body.contains("<svg id=\"payments-chart\""));
        let svg = &page.body[page.body.find("<svg").unwrap()..page.body.find("</svg>").unwrap()];
        let counts = |outcome: &str| -> u64 {
            let needle = format!("data-outcome=\"{outcome}\" data-count=\"");
            svg.match_indices(&needle)
                .map(|(at, _)| {
                    let rest = &svg[at + needle.len()..];
                    rest[..rest.find('"').unwrap()].parse::<u64>().unwrap()
                })
                .sum()
        };
        assert_eq!(
            (counts("paid"), counts("failed"), counts("pending")),
            (3, 2, 1),
            "{name}"
        );
        // All of them in the current hour: the last of 24 bars.
        assert_eq!(svg.matches("<g class=\"hour\"").count(), 24);
        let last_hour = &svg[svg.rfind("<g class=\"hour\"").unwrap()..];
        assert_eq!(last_hour.matches("<rect ").count(), 3, "{name}");
        assert!(page
            .body
            .contains("id=\"chart-totals\" class=\"legend\" data-paid=\"3\" data-failed=\"2\" data-pending=\"1\""));
    }
}

#[tokio::test]
async fn any_layer_of_the_merchants_can_guard_the_pages() {
    let shop = shop().await;
    // The merchant's own layer: a header its single sign-on proxy sets.
    let authorize = axum::middleware::from_fn(
        |request: axum::extract::Request, next: axum::middleware::Next| async move {
            if request
                .headers()
                .get("x-sso-user")
                .is_some_and(|v| v == "ops@shop.example")
            {
                next.run(request).await
            } else {
                axum::response::IntoResponse::into_response(axum::http::StatusCode::UNAUTHORIZED)
            }
        },
    );
    let app = shop.checkout.admin_router(authorize);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let admin = Client {
        url,
        token: String::new(),
        cookie: None,
        http: HyperClient::builder(TokioExecutor::new()).build_http(),
    };
    // Refused by the merchant's layer, with the admin's headers all the same.
    assert_eq!(admin.get("/antom/admin/orders").await.status, 401);
    assert_eq!(admin.get("/antom/admin/login").await.status, 401);
    let sso = [("x-sso-user", "ops@shop.example")];
    let orders = admin.send("GET", "/antom/admin/orders", &sso, "").await;
    assert_eq!(orders.status, 200);
    assert!(orders.body.contains("id=\"order-filters\""));
    // Its login page, reached once authorized, leads to the orders.
    let login = admin.send("GET", "/antom/admin/login", &sso, "").await;
    assert_eq!((login.status, login.location()), (303, "/antom/admin/orders"));
}
