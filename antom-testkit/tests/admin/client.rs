//! A browser without JavaScript, and the headers every answer must carry.

use super::*;

/// A browser without JavaScript: forms, redirects, one session cookie.
pub(crate) struct Client {
    pub(crate) url: String,
    pub(crate) token: String,
    pub(crate) cookie: Option<String>,
    pub(crate) http: HyperClient<HttpConnector, Full<Bytes>>,
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

impl Client {
    pub(crate) fn origin(&self) -> String {
        self.url.clone()
    }

    pub(crate) async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
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

    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], "").await
    }

    /// A form post from our own page (Origin matches).
    pub(crate) async fn post(&self, path: &str, form: &str) -> Answer {
        let origin = self.origin();
        self.send("POST", path, &[("origin", &origin)], form).await
    }

    /// Posts a form and follows its 303 redirect.
    pub(crate) async fn submit(&self, path: &str, form: &str) -> Answer {
        let answer = self.post(path, form).await;
        assert_eq!(answer.status, 303, "{path}: {}", answer.body);
        let location = answer.location().to_owned();
        self.get(&location).await
    }

    pub(crate) async fn log_in(&mut self) {
        let token = self.token.clone();
        let answer = self.post("/antom/admin/login", &format!("token={token}")).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let cookie = answer.headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
        self.cookie = Some(cookie.split(';').next().unwrap().to_owned());
    }
}

pub(crate) fn assert_security_headers(answer: &Answer, path: &str) {
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
