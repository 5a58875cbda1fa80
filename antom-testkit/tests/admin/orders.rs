//! The orders list (`list_orders` itself: the store conformance suite), escaping and the chart.

use super::*;

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
        // 24 bars; all orders in the current hour (the last bar, or the one
        // before if the hour turned since): one stacked bar of three parts.
        let hours: Vec<&str> = svg.split("<g class=\"hour\"").skip(1).collect();
        assert_eq!(hours.len(), 24);
        let drawn: Vec<usize> = (0..24).filter(|&i| hours[i].contains("<rect ")).collect();
        assert!(drawn == [23] || drawn == [22], "{name}: {drawn:?}");
        assert_eq!(hours[drawn[0]].matches("<rect ").count(), 3, "{name}");
        assert!(page
            .body
            .contains("id=\"chart-totals\" class=\"legend\" data-paid=\"3\" data-failed=\"2\" data-pending=\"1\""));
    }
}
