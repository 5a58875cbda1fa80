//! Nothing without authorization: the token layer, its login and the merchant's own layers.

use super::*;

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
