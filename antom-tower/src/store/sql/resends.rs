//! Resends of settled notifications, counted in one statement per batch.
//!
//! Antom resends a notification until it is acknowledged, and again when an
//! acknowledgement is lost: most deliveries a busy notify route sees can be
//! resends of something already applied. Such a resend (the same key and a
//! byte-identical body as an inbox entry whose change committed, `applied`
//! or `duplicate`, for an order that exists) can only find its change
//! applied, so it needs no decision: its delivery is counted, its headers
//! kept if it is the latest, and it is answered `duplicate`. [`statement`]
//! does that for any number of resends in one `UPDATE ... FROM (VALUES ...)
//! RETURNING`, the same text in both dialects; [`group`] folds a batch's
//! resends of one notification into one row of it, as applying them one
//! after another would leave the entry.

use std::collections::HashMap;

use crate::store::{Effect, InboundNotification};

/// The resends of one notification in a batch: one row of [`statement`].
#[derive(Debug)]
pub(crate) struct ResendGroup<'a> {
    /// The notification's key.
    pub key: &'a str,
    /// Its body, byte for byte.
    pub body: &'a [u8],
    /// How many deliveries the row counts.
    pub deliveries: i64,
    /// The latest of them (the last one in order among those received
    /// latest): its headers and time are the ones kept.
    pub latest: &'a InboundNotification,
    /// Where the group's notifications are in the batch.
    pub members: Vec<usize>,
}

/// Groups a batch's candidate resends: every notification whose effect acts
/// on an order, by key and body. A key seen with two bodies keeps only the
/// first body's group; the others go the full way (at most one body can be
/// the stored one, and the statement's answer names only the key).
pub(crate) fn group<'a>(
    batch: impl IntoIterator<Item = (&'a InboundNotification, &'a Effect)>,
) -> Vec<ResendGroup<'a>> {
    let mut groups: Vec<ResendGroup<'a>> = Vec::new();
    let mut by_key: HashMap<&'a str, usize> = HashMap::new();
    for (index, (n, effect)) in batch.into_iter().enumerate() {
        if effect.order_key().is_none() {
            continue;
        }
        match by_key.get(n.key.as_str()) {
            Some(&g) if groups[g].body == n.body.as_slice() => {
                let group = &mut groups[g];
                group.deliveries += 1;
                group.members.push(index);
                // Equal times: the later delivery's headers win, as UPDATE_INBOX keeps them.
                if n.received_at_ms >= group.latest.received_at_ms {
                    group.latest = n;
                }
            }
            Some(_) => {}
            None => {
                by_key.insert(&n.key, groups.len());
                groups.push(ResendGroup {
                    key: &n.key,
                    body: &n.body,
                    deliveries: 1,
                    latest: n,
                    members: vec![index],
                });
            }
        }
    }
    groups
}

/// Counts `rows` groups of resends in one statement. Each row binds five
/// values, in order: the key, the deliveries to add, the latest delivery's
/// time and headers, and the body; the statement returns `id`,
/// `notification_key` and the order's `status` of every entry that was such a
/// resend. Rows matching nothing were not (new, refused, a different body).
pub(crate) fn statement(rows: usize) -> String {
    let mut values = String::with_capacity(rows * 32);
    for row in 0..rows {
        let p = row * 5;
        if row > 0 {
            values.push_str(", ");
        }
        values.push_str(&format!("(${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4, p + 5));
    }
    // VALUES' columns are column1..column5 in both dialects.
    format!(
        "UPDATE antom_notifications SET deliveries = deliveries + v.column2, \
         headers = CASE WHEN last_received_at_ms > v.column3 THEN headers ELSE v.column4 END, \
         last_received_at_ms = CASE WHEN last_received_at_ms > v.column3 THEN last_received_at_ms ELSE v.column3 END \
         FROM (VALUES {values}) AS v \
         WHERE notification_key = v.column1 AND body = v.column5 AND outcome IN ('applied', 'duplicate') \
         AND EXISTS (SELECT 1 FROM antom_orders o WHERE o.order_id = antom_notifications.order_id) \
         RETURNING id, notification_key, \
         (SELECT o.status FROM antom_orders o WHERE o.order_id = antom_notifications.order_id) AS status"
    )
}

/// [`statement`] for one row, built once: the unbatched path's statement,
/// kept prepared.
pub(crate) fn single_statement() -> &'static str {
    static SINGLE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SINGLE.get_or_init(|| statement(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, Method, Uri};

    /// A `PAYMENT_RESULT` for `payment_id`; `time` varies the body, not the key.
    fn delivery(payment_id: &str, time: &str, at: i64) -> (InboundNotification, Effect) {
        let body = format!(
            r#"{{"notifyType":"PAYMENT_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"ok"}},"paymentRequestId":"req-{payment_id}","paymentId":"{payment_id}","paymentAmount":{{"currency":"SGD","value":"100"}},"paymentTime":"{time}"}}"#
        );
        let uri = Uri::from_static("/antom/notify");
        InboundNotification::parse(&Method::POST, &uri, &HeaderMap::new(), body.as_bytes(), at)
    }

    #[test]
    fn resends_of_one_notification_fold_into_one_row() {
        let batch = [
            delivery("1", "t", 10),
            delivery("2", "t", 10),
            delivery("1", "t", 30),
            delivery("1", "t", 20),
            delivery("1", "t", 30),
            delivery("1", "changed", 40),
        ];
        let groups = group(batch.iter().map(|(n, effect)| (n, effect)));
        assert_eq!(groups.len(), 2);
        assert_eq!((groups[0].key, groups[0].deliveries), ("PAYMENT_RESULT:1", 4));
        assert_eq!(groups[0].members, [0, 2, 3, 4]);
        // The latest time, and among equal times the later delivery.
        assert!(std::ptr::eq(groups[0].latest, &batch[4].0));
        // A different body for a known key is left to the full path.
        assert!(!groups.iter().any(|g| g.members.contains(&5)));
        assert_eq!(
            (groups[1].key, groups[1].deliveries, &groups[1].members[..]),
            ("PAYMENT_RESULT:2", 1, &[1][..])
        );
    }

    #[test]
    fn notifications_without_an_order_are_not_candidates() {
        let (n, _) = delivery("1", "t", 1);
        assert!(group([(&n, &Effect::NotHandled)]).is_empty());
    }

    #[test]
    fn the_statement_numbers_five_values_per_row() {
        let sql = statement(2);
        assert!(
            sql.contains("VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)"),
            "{sql}"
        );
        assert_eq!(single_statement(), statement(1));
    }
}
