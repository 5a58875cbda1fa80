//! Which rule decides a request: matching conditions and use counts.

use std::sync::atomic::{AtomicU32, Ordering};

use antom_types::Amount;

use super::{Api, Rule, Rules};

impl Rule {
    pub(crate) fn matches(&self, input: &MatchInput<'_>) -> bool {
        if self.api.is_some_and(|api| api != input.api) {
            return false;
        }
        if let Some(method) = &self.payment_method_type {
            if input.payment_method_type != Some(method.as_str()) {
                return false;
            }
        }
        if let Some(currency) = &self.currency {
            if input
                .amount
                .map(|a| a.currency())
                .map(|c| c.as_str().to_owned())
                .as_deref()
                != Some(currency)
            {
                return false;
            }
        }
        let needs_amount = self.amount.is_some()
            || self.amount_ends_with.is_some()
            || self.amount_min.is_some()
            || self.amount_max.is_some();
        if needs_amount {
            let Some(value) = input.amount.map(|a| a.value()) else {
                return false;
            };
            if self.amount.is_some_and(|a| a != value)
                || self.amount_min.is_some_and(|min| value < min)
                || self.amount_max.is_some_and(|max| value > max)
            {
                return false;
            }
            if let Some(suffix) = &self.amount_ends_with {
                if !value.to_string().ends_with(suffix.as_str()) {
                    return false;
                }
            }
        }
        if let Some(pattern) = &self.payment_request_id {
            let Some(id) = input.payment_request_id else {
                return false;
            };
            let ok = match pattern.strip_suffix('*') {
                Some(prefix) => id.starts_with(prefix),
                None => id == pattern,
            };
            if !ok {
                return false;
            }
        }
        true
    }

    fn label(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| format!("rule #{}", index + 1))
    }
}

/// What a request is matched on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatchInput<'a> {
    pub(crate) api: Api,
    pub(crate) payment_method_type: Option<&'a str>,
    pub(crate) amount: Option<Amount>,
    pub(crate) payment_request_id: Option<&'a str>,
}

/// The rules in force in one mock, with their use counts.
#[derive(Debug)]
pub(crate) struct RuleBook {
    rules: Vec<Rule>,
    hits: Vec<AtomicU32>,
}

/// A rule chosen for a request.
#[derive(Debug, Clone)]
pub(crate) struct Chosen {
    pub(crate) label: String,
    pub(crate) rule: Rule,
}

impl RuleBook {
    pub(crate) fn new(rules: Rules) -> RuleBook {
        let hits = rules.rules.iter().map(|_| AtomicU32::new(0)).collect();
        RuleBook {
            rules: rules.rules,
            hits,
        }
    }

    /// The first matching rule that is not used up; counts the use.
    pub(crate) fn choose(&self, input: &MatchInput<'_>) -> Option<Chosen> {
        for (index, rule) in self.rules.iter().enumerate() {
            if !rule.matches(input) {
                continue;
            }
            let taken = match rule.times {
                None => {
                    self.hits[index].fetch_add(1, Ordering::Relaxed);
                    true
                }
                Some(limit) => self.hits[index]
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < limit).then_some(n + 1))
                    .is_ok(),
            };
            if taken {
                return Some(Chosen {
                    label: rule.label(index),
                    rule: rule.clone(),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::rules::Action;

    fn input(value: u64) -> MatchInput<'static> {
        MatchInput {
            api: Api::CreatePaymentSession,
            payment_method_type: Some("CARD"),
            amount: Some(Amount::from_minor_units(value, "SGD").unwrap()),
            payment_request_id: Some("pay_1"),
        }
    }

    #[test]
    fn first_match_wins_and_times_runs_out() {
        let book = RuleBook::new(
            Rules::new()
                .with(Rule::new(Action::http_status(500)).amount_ends_with("01").times(1))
                .with(Rule::new(Action::decline("X")).amount_ends_with("01")),
        );
        assert_eq!(book.choose(&input(4201)).unwrap().rule.action, Action::http_status(500));
        assert_eq!(book.choose(&input(4201)).unwrap().rule.action, Action::decline("X"));
        assert!(book.choose(&input(4200)).is_none());
    }

    #[test]
    fn conditions() {
        let r = Rule::new(Action::succeed())
            .payment_method_type("CARD")
            .currency("SGD")
            .amount_between(100, 5000);
        assert!(r.matches(&input(4200)));
        assert!(!r.matches(&input(5001)));
        assert!(!Rule::new(Action::succeed()).currency("USD").matches(&input(4200)));
        assert!(Rule::new(Action::succeed())
            .payment_request_id("pay_*")
            .matches(&input(1)));
        assert!(!Rule::new(Action::succeed())
            .payment_request_id("pay")
            .matches(&input(1)));
        let mut refund = input(1);
        refund.api = Api::Refund;
        assert!(!Rule::new(Action::succeed()).matches(&refund));
        assert!(Rule::new(Action::unknown()).any_api().matches(&refund));
    }
}
