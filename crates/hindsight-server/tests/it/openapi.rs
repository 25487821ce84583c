//! openapi.yaml and the served routes agree: every documented route is served, and every
//! route registered in `src/routes/` is documented.

use std::collections::BTreeSet;

use crate::both_backends;

fn documented() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.yaml"))
        .unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("openapi.yaml parses");
    let paths = docs[0]["paths"].as_hash().expect("openapi.yaml has paths");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for (method, _) in item.as_hash().unwrap() {
            let method = method.as_str().unwrap();
            if ["get", "post", "put", "patch", "delete"].contains(&method) {
                out.insert((method.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    out
}

/// Routes as registered: `.route("/path", web::get()…` lines in src/routes, under `/api`.
fn registered() -> BTreeSet<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // The web app's own routes are not part of the API.
        if path.ends_with("web_app.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for part in flat.split(".route(").skip(1) {
            let Some(rest) = part.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some((path, after)) = rest.split_once('"') else {
                continue;
            };
            let Some(method) = after
                .split("web::")
                .nth(1)
                .and_then(|m| m.split("()").next())
            else {
                continue;
            };
            out.insert((method.to_uppercase(), format!("/api{path}")));
        }
    }
    out
}

#[test]
fn every_registered_route_is_documented_and_back() {
    let documented = documented();
    let registered = registered();
    assert!(
        registered.len() >= 8,
        "found the route table: {registered:?}"
    );
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "served but missing from openapi.yaml: {undocumented:?}"
    );
    let unserved: Vec<_> = documented.difference(&registered).collect();
    assert!(
        unserved.is_empty(),
        "in openapi.yaml but not served: {unserved:?}"
    );
}

both_backends! {
    async fn every_documented_route_answers(app: TestApp) {
        for (method, path) in documented() {
            let concrete = path.replace("{id}", "someone").replace("{event_id}", "1").replace("{tag_id}", "1").replace("{username}", "nobody").replace("{message_timestamp}", "1.0");
            let res = app.request(method.parse().unwrap(), &concrete).send().await.unwrap();
            let status = res.status();
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            let unrouted = body["error"]["message"].as_str().is_some_and(|m| m.starts_with("the route "));
            assert!(!unrouted, "{method} {path} is documented but not routed ({status})");
        }
    }
}
