//! The Antom calls the checkout made for each order, kept in memory on this
//! instance (the last 24 hours, up to 10,000 orders): what the admin
//! timeline shows beside the stored records, and what
//! [`Checkout::antom_calls`] answers. Not a durable log: the results of the
//! calls are in the store; this says when they were asked and what came back.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antom_types::AntomApi;

use super::Checkout;
use crate::client::ClientError;

/// One Antom API call made for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AntomCall {
    /// The API (`createPaymentSession`, `inquiryPayment`, `cancel`, `refund`, `inquiryRefund`).
    pub api: &'static str,
    /// When it was made, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// How long it took, retries included.
    pub duration_ms: u64,
    /// `S`, `F`, `unknown` (may have happened) or `not_sent`.
    pub result: &'static str,
    /// Antom's `resultCode` of a refusal, or the error in short.
    pub detail: Option<String>,
}

/// At most this many calls are kept per order.
const CALLS_PER_ORDER: usize = 50;

pub(crate) type Journal = moka::sync::Cache<String, Arc<Mutex<Vec<AntomCall>>>>;

pub(crate) fn journal() -> Journal {
    moka::sync::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(Duration::from_secs(24 * 60 * 60))
        .build()
}

impl Checkout {
    /// The Antom calls this instance made for `order_id` in the last 24 hours, oldest first.
    pub fn antom_calls(&self, order_id: &str) -> Vec<AntomCall> {
        self.inner
            .calls
            .get(order_id)
            .map(|calls| calls.lock().map(|c| c.clone()).unwrap_or_default())
            .unwrap_or_default()
    }

    /// Calls Antom for `order_id` through the client, and journals the call.
    pub(crate) async fn call_for<A: AntomApi>(&self, order_id: &str, request: &A) -> Result<A::Response, ClientError> {
        let at_ms = crate::store::now_ms();
        let started = Instant::now();
        let result = self.inner.client.call(request).await;
        let (result_label, detail) = match &result {
            Ok(_) => ("S", None),
            Err(ClientError::Business { result, .. }) => ("F", Some(result.result_code.to_string())),
            Err(e) if e.may_have_happened() => ("unknown", Some(e.to_string())),
            Err(e) => ("not_sent", Some(e.to_string())),
        };
        let call = AntomCall {
            api: A::NAME,
            at_ms,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            result: result_label,
            detail,
        };
        let calls = self
            .inner
            .calls
            .get_with(order_id.to_owned(), || Arc::new(Mutex::new(Vec::new())));
        if let Ok(mut calls) = calls.lock() {
            if calls.len() == CALLS_PER_ORDER {
                calls.remove(0);
            }
            calls.push(call);
        }
        result
    }
}
