//! What the battery found: each case's expectation and outcome, and the whole report.

use std::fmt;

use http::StatusCode;

/// What a case expects of the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// HTTP 200 with the acknowledgement.
    Acknowledged,
    /// Anything else (a 4xx is best).
    NotAcknowledged,
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expectation::Acknowledged => "acknowledged",
            Expectation::NotAcknowledged => "not acknowledged",
        })
    }
}

/// One case of [`NotifyEndpointCheck`](super::NotifyEndpointCheck) and how the endpoint fared.
#[derive(Debug, Clone)]
pub struct CaseReport {
    /// The case's name, e.g. `tampered_body`.
    pub name: &'static str,
    /// What the case sends.
    pub description: String,
    /// What the endpoint should do.
    pub expected: Expectation,
    /// The answer's status; `None` when the service failed.
    pub status: Option<StatusCode>,
    /// Whether the endpoint acknowledged.
    pub acknowledged: bool,
    /// The answer (status and quoted body) or the service's error.
    pub answer: String,
    /// Whether the endpoint did what it should.
    pub passed: bool,
    /// What a failure of this case means, and what to fix.
    pub failure_meaning: String,
}

/// The outcome of [`NotifyEndpointCheck::run`](super::NotifyEndpointCheck::run): every case, in the order sent.
#[derive(Debug, Clone)]
pub struct NotifyEndpointReport {
    /// The notify path the notifications were signed for and sent to.
    pub path: String,
    /// The client id they were signed for.
    pub client_id: String,
    /// Every case.
    pub cases: Vec<CaseReport>,
}

impl NotifyEndpointReport {
    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|case| case.passed)
    }

    /// The failed cases.
    pub fn failures(&self) -> impl Iterator<Item = &CaseReport> {
        self.cases.iter().filter(|case| !case.passed)
    }

    /// The case named `name`.
    pub fn case(&self, name: &str) -> Option<&CaseReport> {
        self.cases.iter().find(|case| case.name == name)
    }
}

impl fmt::Display for NotifyEndpointReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let passed = self.cases.iter().filter(|case| case.passed).count();
        writeln!(
            f,
            "notify endpoint contract (POST {}, client id {}): {passed} of {} cases passed",
            self.path,
            self.client_id,
            self.cases.len()
        )?;
        for case in &self.cases {
            writeln!(
                f,
                "  {:<4} {:<22} expected {:<16}  got {}",
                if case.passed { "ok" } else { "FAIL" },
                case.name,
                case.expected.to_string(),
                case.answer
            )?;
            if !case.passed {
                writeln!(f, "       {}: {}", case.description, case.failure_meaning)?;
            }
        }
        Ok(())
    }
}
