//! An order's timeline with the refund form and a dispute; refused notifications and replays.

use super::*;

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
        for kind in ["state", "notification", "refund", "dispute", "event", "call"] {
            assert!(kinds.iter().any(|k| k == kind), "{name}: no {kind} in {kinds:?}");
        }
        assert!(page.body.contains(&format!("dispute dispute-{order_id}")), "{name}");
        // The Antom calls made for it: the session, and the refund from the form.
        assert!(
            page.body.contains("Antom createPaymentSession") && page.body.contains("Antom refund"),
            "{name}"
        );
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
        let sent = shop.notify_signed(&body).await;
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
