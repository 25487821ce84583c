//! The web app's release bundle at `/`, with client routes falling back to `index.html`.

use std::path::PathBuf;

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::{web, HttpRequest};

/// Serves `dir` at `/` when it holds a built web app; otherwise `/` explains how to build it.
pub fn web_app(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let index = dir.join("index.html");
        if !index.is_file() {
            cfg.route(
                "/",
                web::get().to(|| async {
                    actix_web::HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(
                        "Hindsight's API is running under /api. The web app is not built: run `just frontend-build` (or `just run`).\n",
                    )
                }),
            );
            return;
        }
        // A conversation id may hold an encoded `/` (`%2F`), which `Files` refuses as a path
        // segment (a plain-text 400) before its fallback runs: the app's own routes are
        // answered with `index.html` first.
        let app_index = index.clone();
        cfg.route(
            "/conversations/{rest:.*}",
            web::get().to(move |req: HttpRequest| {
                let index = app_index.clone();
                async move {
                    NamedFile::open_async(&index)
                        .await
                        .map(|f| f.into_response(&req))
                }
            }),
        );
        cfg.service(
            Files::new("/", dir)
                .index_file("index.html")
                .default_handler(fn_service(move |req: ServiceRequest| {
                    let index = index.clone();
                    async move {
                        let (req, _) = req.into_parts();
                        let file = NamedFile::open_async(&index).await?;
                        let res = file.into_response(&req);
                        Ok(ServiceResponse::new(req, res))
                    }
                })),
        );
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{test, App};

    use super::web_app;

    // Every client route answers the app's page, whatever its conversation id holds (an
    // encoded `/` was a plain-text 400 from `Files`); real files are still served as files.
    #[actix_web::test]
    async fn client_routes_fall_back_to_the_app_page() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<!doctype html><title>app</title>",
        )
        .unwrap();
        std::fs::write(dir.path().join("app.js"), "console.log(1)").unwrap();
        let app = test::init_service(App::new().configure(web_app(dir.path().into()))).await;
        for path in [
            "/",
            "/admin",
            "/login?next=%2Fadmin",
            "/conversations/zz%2Fslash",
            "/conversations/zz%2Fslash/messages/7?intent=greet",
            "/conversations/a%20b%3F%23%25%F0%9F%98%80",
            "/conversations/plain-id",
        ] {
            let res =
                test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
            assert_eq!(res.status(), 200, "{path}");
            let body = test::read_body(res).await;
            assert_eq!(&body[..], b"<!doctype html><title>app</title>", "{path}");
        }
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/app.js").to_request()).await;
        assert_eq!(test::read_body(res).await, "console.log(1)");
    }
}
