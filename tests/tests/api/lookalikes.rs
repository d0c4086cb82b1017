//! Text that looks like something else: look-alike e-mail addresses and reordered titles.

use reqwest::StatusCode;
use sea_orm::ConnectionTrait as _;
use serde_json::json;

use super::helpers::{PASSWORD, TestApp, assert_error, json_of};

#[tokio::test]
async fn other_forms_of_an_address_are_that_address() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.register("victim@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.register("ren\u{e9}e@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::CREATED
    );
    // Full-width letters and the decomposed é (NFD): the same accounts.
    for taken in ["ｖｉｃｔｉｍ@example.com", "rene\u{301}e@example.com"] {
        assert_error(
            app.register(taken, PASSWORD).await,
            StatusCode::CONFLICT,
            "email_taken",
        )
        .await;
    }
    for (form, account) in [
        ("ＶＩＣＴＩＭ@ｅｘａｍｐｌｅ.com", "victim@example.com"),
        ("RENE\u{301}E@example.com", "ren\u{e9}e@example.com"),
    ] {
        let r = app.sign_in(form, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "{form}");
        assert_eq!(json_of(r).await["user"]["email"], account);
    }
}

#[tokio::test]
async fn look_alike_addresses_are_refused_with_422_saying_why() {
    let app = TestApp::spawn().await;
    app.register("victim@example.com", PASSWORD).await;
    for (email, why) in [
        ("vіctim@example.com", "mix scripts"), // Cyrillic і
        ("victim@exa\u{200b}mple.com", "invisible"),
        ("vic\u{ad}tim@example.com", "invisible"),
        ("victim@\u{202e}moc.elpmaxe", "bidirectional"),
    ] {
        let body = assert_error(
            app.register(email, PASSWORD).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["details"][0]["field"], "email", "{email:?}");
        assert!(
            body["details"][0]["message"]
                .as_str()
                .unwrap()
                .contains(why),
            "{email:?}: {body}"
        );
    }
}

#[tokio::test]
async fn failed_sign_ins_under_any_form_count_against_one_account() {
    let app = TestApp::spawn().await;
    app.register("victim@example.com", PASSWORD).await;
    for i in 0..10 {
        let form = if i % 2 == 0 {
            "victim@example.com"
        } else {
            "ｖｉｃｔｉｍ@example.com"
        };
        let r = app.sign_in(form, "a wrong password, again").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app.sign_in("victim@example.com", PASSWORD).await;
    assert_error(r, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[tokio::test]
async fn accounts_stored_under_older_rules_stay_readable() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.register("victim@example.com", PASSWORD).await;
    // As an older version stored it, before invisible characters were refused.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared(
        "UPDATE users SET email = 'vic\u{200b}tim@example.com' WHERE email = 'victim@example.com'",
    )
    .await
    .unwrap();
    let r = app
        .get("/api/v1/admin/users?limit=50", Some(&admin.token))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let emails: Vec<String> = json_of(r).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        emails.contains(&"vic\u{200b}tim@example.com".to_owned()),
        "{emails:?}"
    );
}

#[tokio::test]
async fn bidi_overrides_are_dropped_from_vacancies() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let r = app
        .submit(
            &user,
            &json!({
                "name": "\u{202e}Python developer\u{202c}",
                "description": "Django, PostgreSQL.\u{2067} Опыт от 3 лет.\u{2069}",
                "area": "\u{202b}Москва\u{202c}",
            }),
            Some(10),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = json_of(r).await;
    assert_eq!(body["name"], "Python developer");
    assert_eq!(body["description"], "Django, PostgreSQL. Опыт от 3 лет.");
    assert_eq!(body["area"], "Москва");
}
