//! The web app's release bundle at `/`, with client routes falling back to `index.html`.

use std::path::PathBuf;

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::web;

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
