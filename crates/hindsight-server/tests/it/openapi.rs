//! openapi.yaml and the served routes agree: every documented route is served, and every
//! route registered in `src/routes/` is documented.

use std::collections::BTreeSet;

use crate::both_backends;

/// Every (METHOD, path) openapi.yaml documents.
pub fn documented() -> BTreeSet<(String, String)> {
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

/// Routes as registered in src/routes, under `/api`: `web::resource("/path").get(…).post(…)`
/// (one resource per path, so a wrong method answers 405), or `.route("/path", web::get()…`.
fn registered() -> BTreeSet<(String, String)> {
    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // The web app's own routes are not part of the API.
        if path.ends_with("web_app.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join("");
        for part in flat.split("web::resource(\"").skip(1) {
            let Some((path, after)) = part.split_once('"') else {
                continue;
            };
            // The resource's methods: up to the next resource.
            for call in after.split(").") {
                for method in METHODS {
                    if call.starts_with(&format!("{method}(")) {
                        out.insert((method.to_uppercase(), format!("/api{path}")));
                    }
                }
            }
        }
        for part in flat.split(".route(\"").skip(1) {
            let Some((path, after)) = part.split_once('"') else {
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

/// A documented path with its parameters filled in (with values naming nothing stored).
pub fn concrete(path: &str) -> String {
    // Every other parameter is a numeric id, so a route added later is covered too.
    path.split('/')
        .map(|segment| match segment {
            "{id}" => "someone",
            "{username}" => "nobody",
            "{message_timestamp}" => "1.0",
            s if s.starts_with('{') => "1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
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
            let res = app.request(method.parse().unwrap(), &concrete(&path)).send().await.unwrap();
            let status = res.status();
            // `GET /api/stream` answers an endless event stream: routed.
            if crate::harness::is_event_stream(&res) {
                continue;
            }
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            let unrouted = body["error"]["message"].as_str().is_some_and(|m| m.starts_with("the route "));
            assert!(!unrouted, "{method} {path} is documented but not routed ({status})");
        }
    }
}
