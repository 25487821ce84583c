//! Access control: login, login tokens, API tokens, and the route × role matrix read from
//! openapi.yaml's `x-required-role`.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::openapi::concrete;
use crate::rasa;

const ROLES: [&str; 3] = ["viewer", "reviewer", "admin"];

fn rank(role: &str) -> usize {
    match role {
        "none" => 0,
        "viewer" => 1,
        "reviewer" => 2,
        "admin" => 3,
        other => panic!("unknown x-required-role {other}"),
    }
}

/// (method, path, required role) of every documented operation.
fn documented_roles() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.yaml"))
        .unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("openapi.yaml parses");
    let mut out = Vec::new();
    for (path, item) in docs[0]["paths"].as_hash().unwrap() {
        for (method, op) in item.as_hash().unwrap() {
            let method = method.as_str().unwrap();
            if !["get", "post", "put", "patch", "delete"].contains(&method) {
                continue;
            }
            let role = op["x-required-role"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path:?} has no x-required-role"));
            out.push((
                method.to_uppercase(),
                path.as_str().unwrap().to_owned(),
                role.to_owned(),
            ));
        }
    }
    out
}

fn jwt(secret: &str, header: &Value, claims: &Value) -> String {
    use base64::Engine;
    use hmac_sha256::sign;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let h = b64.encode(header.to_string());
    let c = b64.encode(claims.to_string());
    let sig = b64.encode(sign(format!("{h}.{c}").as_bytes(), secret.as_bytes()));
    format!("{h}.{c}.{sig}")
}

/// HMAC-SHA256 from sha2 (the tests need no extra crate).
mod hmac_sha256 {
    use sha2::{Digest, Sha256};
    pub fn sign(msg: &[u8], key: &[u8]) -> Vec<u8> {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&ipad)
            .chain_update(msg)
            .finalize();
        Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize()
            .to_vec()
    }
}

/// Waits until `token` is refused, for at most the moment the server may remember a
/// principal changed by another process ([`REMEMBER_FOR`]), and a second's slack.
///
/// [`REMEMBER_FOR`]: hindsight_server::auth::principals::REMEMBER_FOR
async fn refused_soon(app: &mut TestApp, token: &str) {
    let bound = hindsight_server::auth::principals::REMEMBER_FOR + Duration::from_secs(1);
    let deadline = Instant::now() + bound;
    while status_as(app, Some(token.to_owned()), "/api/me").await != StatusCode::UNAUTHORIZED {
        assert!(
            Instant::now() < deadline,
            "a credential revoked elsewhere still works after {bound:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn status_as(app: &mut TestApp, token: Option<String>, path: &str) -> StatusCode {
    let previous = app.act_as(token);
    let (status, _) = app.get(path).await;
    app.act_as(previous);
    status
}

both_backends! {
    async fn login_and_me(app: TestApp) {
        let (status, body) = app
            .post_json("/api/auth", &json!({"username": "tester", "password": "pw-tester"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["user"]["role"], "admin");
        let me = app.get_ok("/api/me").await;
        assert_eq!(me["username"], "tester");
        assert_eq!(me["role"], "admin");
        let (status, body) = app
            .post_json("/api/auth", &json!({"username": "tester", "password": "wrong"}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["code"], "unauthorized");
        let (status, _) = app.post_json("/api/auth", &json!({"username": "ghost", "password": "x"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // The first start created `admin` too, with a password nobody here knows.
        let (status, _) = app.post_json("/api/auth", &json!({"username": "admin", "password": ""})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn health_needs_no_login(app: TestApp) {
        let mut app = app;
        assert_eq!(status_as(&mut app, None, "/api/health").await, StatusCode::OK);
        assert_eq!(status_as(&mut app, None, "/api/conversations").await, StatusCode::UNAUTHORIZED);
    }

    async fn bad_login_tokens_are_refused(app: TestApp) {
        let mut app = app;
        let secret = app.state.jwt_secret.to_string();
        let now = chrono::Utc::now().timestamp();
        let row = {
            let mut conn = app.state.pool.get().unwrap();
            hindsight_server::db::users::find(&mut conn, "tester").unwrap().unwrap()
        };
        let (uid, gen) = (row.id, row.login_generation);
        let good = json!({"sub": "tester", "role": "admin", "exp": now + 600, "iat": now, "uid": uid, "gen": gen});
        let hs256 = json!({"alg": "HS256", "typ": "JWT"});
        // A hand-made token with the right secret is accepted: the forgeries below differ in one thing.
        let made = jwt(&secret, &hs256, &good);
        assert_eq!(status_as(&mut app, Some(made.clone()), "/api/me").await, StatusCode::OK);

        let expired = jwt(&secret, &hs256, &json!({"sub": "tester", "role": "admin", "exp": now - 10, "iat": now - 700, "uid": uid, "gen": gen}));
        // Signed right, but for an older generation, another user id, or without either.
        let old_gen = jwt(&secret, &hs256, &json!({"sub": "tester", "role": "admin", "exp": now + 600, "iat": now, "uid": uid, "gen": gen - 1}));
        let other_uid = jwt(&secret, &hs256, &json!({"sub": "tester", "role": "admin", "exp": now + 600, "iat": now, "uid": uid + 1000, "gen": gen}));
        let no_uid = jwt(&secret, &hs256, &json!({"sub": "tester", "role": "admin", "exp": now + 600, "iat": now}));
        let wrong_secret = jwt("not-the-secret", &hs256, &good);
        let hs384 = jwt(&secret, &json!({"alg": "HS384", "typ": "JWT"}), &good);
        let tampered;
        {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let parts: Vec<&str> = made.split('.').collect();
            let claims = json!({"sub": "tester", "role": "admin", "exp": now + 999_999, "iat": now, "uid": uid, "gen": gen});
            tampered = format!("{}.{}.{}", parts[0], b64.encode(claims.to_string()), parts[2]);
            let none = format!("{}.{}.", b64.encode(json!({"alg": "none", "typ": "JWT"}).to_string()), parts[1]);
            assert_eq!(status_as(&mut app, Some(none), "/api/me").await, StatusCode::UNAUTHORIZED, "alg none");
        }
        for (what, token) in [("expired", expired), ("wrong secret", wrong_secret), ("HS384", hs384), ("tampered", tampered), ("garbage", "abc".to_owned()), ("old generation", old_gen), ("other user id", other_uid), ("no user id", no_uid)] {
            assert_eq!(status_as(&mut app, Some(token), "/api/me").await, StatusCode::UNAUTHORIZED, "{what}");
        }
    }

    async fn api_tokens_by_header_and_query_until_revoked(app: TestApp) {
        let mut app = app;
        let token = hindsight_server::auth::new_api_token();
        assert!(token.starts_with("hs_"));
        let id = {
            let mut conn = app.state.pool.get().unwrap();
            hindsight_server::db::users::create_token(&mut conn, "ci", &hindsight_server::auth::token_hash(&token), "reviewer", "tester").unwrap()
        };
        assert_eq!(status_as(&mut app, Some(token.clone()), "/api/me").await, StatusCode::OK);
        let previous = app.act_as(None);
        let me = app.get_ok(&format!("/api/me?api_token={token}")).await;
        assert_eq!(me["username"], "token:ci", "an API token is its own principal");
        assert_eq!(me["role"], "reviewer");
        let (status, _) = app.post_json(&format!("/api/trackers?api_token={token}"), &rasa::tracker("via-token", vec![rasa::user("hi", "greet", 0.9, 1.0, "rest")])).await;
        assert_eq!(status, StatusCode::OK);
        app.act_as(previous);
        // Revoked by another process (a second server, `hindsight token revoke`): here, straight
        // in the database. The server remembers a principal for a moment, so it must be refused
        // within that moment.
        {
            let mut conn = app.state.pool.get().unwrap();
            assert!(hindsight_server::db::users::revoke_token(&mut conn, id).unwrap());
        }
        refused_soon(&mut app, &token).await;
        assert_eq!(status_as(&mut app, None, &format!("/api/me?api_token={token}")).await, StatusCode::UNAUTHORIZED);
        assert_eq!(status_as(&mut app, Some("hs_unknown".into()), "/api/me").await, StatusCode::UNAUTHORIZED);

        // Revoked through this server: refused at once, although it was just used.
        let (status, made) = app.post_json("/api/tokens", &json!({"name": "ci2", "role": "reviewer"})).await;
        assert_eq!(status, StatusCode::OK, "{made}");
        let second = made["token"].as_str().unwrap().to_owned();
        assert_eq!(status_as(&mut app, Some(second.clone()), "/api/me").await, StatusCode::OK);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/tokens/{}", made["info"]["id"]))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(status_as(&mut app, Some(second), "/api/me").await, StatusCode::UNAUTHORIZED);
    }

    async fn no_route_lets_a_weaker_role_in(app: TestApp) {
        let mut app = app;
        let mut tokens = vec![("none", None)];
        for role in ROLES {
            tokens.push((role, Some(app.user_token(&format!("as-{role}"), role).await)));
        }
        let admin = app.act_as(None);
        for (method, path, required) in documented_roles() {
            let url = concrete(&path);
            for (role, token) in &tokens {
                app.act_as(token.clone());
                let method: Method = method.parse().unwrap();
                let mut req = app.request(method.clone(), &url);
                if method != Method::GET && method != Method::DELETE {
                    req = req.body("{}");
                }
                let (status, body) = app.send(req).await;
                if rank(role) < rank(&required) {
                    let expected = if *role == "none" { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
                    assert_eq!(status, expected, "{method} {path} as {role} (needs {required}): {body}");
                } else {
                    assert!(
                        status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                        "{method} {path} as {role} (needs {required}) was refused: {status} {body}"
                    );
                }
            }
        }
        app.act_as(admin);
    }
}

both_backends! {
    async fn admins_manage_users_and_tokens(app: TestApp) {
        let mut app = app;
        let (status, user) = app.post_json("/api/users", &json!({"username": "rev", "password": "secret-pw", "role": "reviewer"})).await;
        assert_eq!(status, StatusCode::OK, "{user}");
        assert_eq!(user["role"], "reviewer");
        for (body, code) in [
            (json!({"username": "rev", "password": "secret-pw", "role": "reviewer"}), StatusCode::CONFLICT),
            (json!({"username": "x", "password": "short", "role": "reviewer"}), StatusCode::BAD_REQUEST),
            (json!({"username": "x", "password": "secret-pw", "role": "owner"}), StatusCode::BAD_REQUEST),
            (json!({"username": "", "password": "secret-pw", "role": "viewer"}), StatusCode::BAD_REQUEST),
        ] {
            let (status, err) = app.post_json("/api/users", &body).await;
            assert_eq!(status, code, "{body}: {err}");
        }
        let (status, _) = app.post_json("/api/auth", &json!({"username": "rev", "password": "secret-pw"})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, user) = app.send(app.request(Method::PATCH, "/api/users/rev").json(&json!({"role": "viewer", "password": "another-pw"}))).await;
        assert_eq!(status, StatusCode::OK, "{user}");
        assert_eq!(user["role"], "viewer");
        let (status, _) = app.post_json("/api/auth", &json!({"username": "rev", "password": "secret-pw"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, login) = app.post_json("/api/auth", &json!({"username": "rev", "password": "another-pw"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(login["user"]["role"], "viewer");
        let (status, _) = app.send(app.request(Method::PATCH, "/api/users/ghost").json(&json!({"role": "viewer"}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.send(app.request(Method::PATCH, "/api/users/rev").json(&json!({"role": "boss"}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let users = app.get_ok("/api/users").await;
        assert!(users.as_array().unwrap().iter().any(|u| u["username"] == "rev"));

        let (status, created) = app.post_json("/api/tokens", &json!({"name": "broker", "role": "reviewer"})).await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let token = created["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("hs_"));
        let id = created["info"]["id"].as_i64().unwrap();
        let listed = app.get_ok("/api/tokens").await;
        assert!(!listed.to_string().contains(&token), "the secret is never listed");
        assert_eq!(status_as(&mut app, None, &format!("/api/me?api_token={token}")).await, StatusCode::OK);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/tokens/{id}"))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(status_as(&mut app, Some(token), "/api/me").await, StatusCode::UNAUTHORIZED);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/tokens/{id}"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let tokens = app.get_ok("/api/tokens").await;
        assert!(tokens[0]["revoked_at"].is_string());

        let (status, _) = app.send(app.request(Method::DELETE, "/api/users/rev")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.send(app.request(Method::DELETE, "/api/users/rev")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.send(app.request(Method::DELETE, "/api/users/tester")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "not oneself");
        let audit = app.get_ok("/api/audit").await;
        assert_eq!(audit[0]["action"], "user_removed");
    }
}

both_backends! {
    async fn a_demoted_or_removed_user_loses_access_at_once(app: TestApp) {
        let mut app = app;
        let second_admin = app.user_token("second-admin", "admin").await;
        assert_eq!(status_as(&mut app, Some(second_admin.clone()), "/api/users").await, StatusCode::OK);

        let (status, _) = app.send(app.request(Method::PATCH, "/api/users/second-admin").json(&json!({"role": "viewer"}))).await;
        assert_eq!(status, StatusCode::OK);
        // The login token still says admin; the users table says viewer, and wins.
        assert_eq!(status_as(&mut app, Some(second_admin.clone()), "/api/users").await, StatusCode::FORBIDDEN);
        assert_eq!(status_as(&mut app, Some(second_admin.clone()), "/api/me").await, StatusCode::OK);

        let (status, _) = app.send(app.request(Method::DELETE, "/api/users/second-admin")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(status_as(&mut app, Some(second_admin), "/api/me").await, StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn the_only_admin_cannot_be_demoted_or_removed(app: TestApp) {
        let mut app = app;
        // The first start made `admin`; with `tester` there are two, so one may go.
        let (status, _) = app.send(app.request(Method::DELETE, "/api/users/admin")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // `tester` is now the only admin; an admin API token acts on it from outside.
        let (status, created) = app.post_json("/api/tokens", &json!({"name": "ops", "role": "admin"})).await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let ops = created["token"].as_str().unwrap().to_owned();
        let tester = app.act_as(Some(ops));

        let (status, err) = app.send(app.request(Method::PATCH, "/api/users/tester").json(&json!({"role": "reviewer"}))).await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");
        assert_eq!(err["error"]["field"], "username");
        assert!(err["error"]["message"].as_str().unwrap().contains("only admin"), "{err}");
        let (status, _) = app.send(app.request(Method::DELETE, "/api/users/tester")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // A password change of the only admin is fine.
        let (status, _) = app.send(app.request(Method::PATCH, "/api/users/tester").json(&json!({"password": "a-new-password"}))).await;
        assert_eq!(status, StatusCode::OK);

        // With a second admin, the first can step down.
        let (status, _) = app.post_json("/api/users", &json!({"username": "heir", "password": "secret-pw", "role": "admin"})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, user) = app.send(app.request(Method::PATCH, "/api/users/tester").json(&json!({"role": "reviewer"}))).await;
        assert_eq!(status, StatusCode::OK, "{user}");
        assert_eq!(user["role"], "reviewer");
        let users = app.get_ok("/api/users").await;
        let admins = users.as_array().unwrap().iter().filter(|u| u["role"] == "admin").count();
        assert_eq!(admins, 1);
        app.act_as(tester);
    }
}

/// `hindsight user add` and `hindsight token create` write what the server then accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_adds_users_and_tokens() {
    let mut app = TestApp::start(crate::harness::Db::Sqlite).await;
    let url = app.db.url.clone();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"))
            .arg("--database-url")
            .arg(&url)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&[
        "user",
        "add",
        "cli-user",
        "--role",
        "viewer",
        "--password",
        "cli-password",
    ]);
    let token = run(&["token", "create", "ci", "--role", "reviewer"])
        .trim()
        .to_owned();
    let listed = run(&["token", "list"]);
    assert!(
        listed.contains("ci") && listed.contains("active"),
        "{listed}"
    );
    let (status, login) = app
        .post_json(
            "/api/auth",
            &json!({"username": "cli-user", "password": "cli-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(login["user"]["role"], "viewer");
    assert_eq!(
        status_as(&mut app, Some(token.clone()), "/api/me").await,
        StatusCode::OK
    );
    let id = listed.split('\t').next().unwrap().to_owned();
    run(&["token", "revoke", &id]);
    refused_soon(&mut app, &token).await;
    run(&["user", "passwd", "cli-user", "--password", "new-password"]);
    let (status, _) = app
        .post_json(
            "/api/auth",
            &json!({"username": "cli-user", "password": "new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    run(&["user", "remove", "cli-user"]);
    let (status, _) = app
        .post_json(
            "/api/auth",
            &json!({"username": "cli-user", "password": "new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
