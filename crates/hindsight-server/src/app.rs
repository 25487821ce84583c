//! The application: shared state, the route table and the HTTP server.

use std::sync::Arc;

use actix_web::{web, App, HttpServer};

use crate::config::{Config, ServeOptions};
use crate::db::{Backend, DbConnection, DbPool};
use crate::error::{invalid_body, AppError, AppResult};
use crate::routes;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// Configuration.
    pub config: Arc<Config>,
    /// Which backend the pool talks to.
    pub backend: Backend,
    /// Secret signing login tokens.
    pub jwt_secret: Arc<String>,
    /// Login attempts per username and per client address.
    pub login_limiter: Arc<crate::auth::limiter::LoginLimiter>,
    /// Conversations changed by stored events, for the live streams (`GET /api/stream`).
    pub changes: crate::broker::ChangeFeed,
    /// The event broker consumer of this process, once one is started.
    pub broker: Arc<std::sync::OnceLock<Arc<crate::broker::status::Status>>>,
    /// Who recent credentials belong to, remembered for a moment (forgotten on any change).
    pub principals: Arc<crate::auth::principals::Principals>,
    /// How far the sequence filter's paths are written after an upgrade.
    pub path_rewrite: Arc<crate::service::path_rewrite::PathRewrite>,
}

impl AppState {
    /// Opens the database (running migrations) and prepares the state.
    pub fn open(config: Config) -> anyhow::Result<Self> {
        let backend = crate::db::DatabaseUrl::parse(&config.database_url)?.backend;
        let pool = crate::db::connection::open_pool_with_timeout(
            &config.database_url,
            config.pool_size,
            config.query_timeout(),
        )?;
        let jwt_secret = {
            let mut conn = pool.get()?;
            crate::auth::ensure_admin(&mut conn)?;
            crate::auth::load_secret(&mut conn, config.jwt_secret.as_deref())?
        };
        crate::auth::prepare();
        let path_rewrite =
            crate::service::path_rewrite::start(&pool, config.rewrite_paths_before_serving)?;
        let login_limiter = crate::auth::limiter::LoginLimiter::new(config.login_limits());
        Ok(AppState {
            login_limiter: Arc::new(login_limiter),
            pool,
            config: Arc::new(config),
            backend,
            jwt_secret: Arc::new(jwt_secret),
            changes: crate::broker::ChangeFeed::default(),
            broker: Arc::default(),
            principals: Arc::default(),
            path_rewrite,
        })
    }

    /// Runs database work on the blocking thread pool, so diesel's synchronous calls never
    /// stall the async workers.
    pub async fn db<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let budget = self.config.query_timeout();
        web::block(move || {
            let mut conn = pool.get()?;
            // The budget starts with the work, not with the wait for a connection.
            let _budget = crate::db::budget::QueryBudget::start(budget);
            work(&mut conn)
        })
        .await?
    }
}

fn json_error(
    err: actix_web::error::JsonPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let message = match &err {
        E::Deserialize(e) => format!("the request body is not what this route takes: {e}"),
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => {
            return crate::error::payload_too_large(*limit).into();
        }
        E::ContentType => "the request body must be JSON".to_owned(),
        other => format!("the request body could not be read: {other}"),
    };
    invalid_body(message).into()
}

fn query_error(
    err: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    crate::error::bad_request("query", format!("invalid query string: {err}")).into()
}

fn path_error(err: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    crate::error::bad_request("path", format!("invalid path: {err}")).into()
}

/// Registers state, extractor settings and every route on an app.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let limit = state.config.max_body_mb * 1024 * 1024;
        cfg.app_data(web::Data::new(state))
            .app_data(
                web::JsonConfig::default()
                    .limit(limit)
                    // Rasa custom actions post raw strings without a Content-Type.
                    .content_type_required(false)
                    .error_handler(json_error),
            )
            .app_data(web::PayloadConfig::new(limit))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .configure(routes::configure);
    }
}

/// Answers unknown `/api` paths with the JSON error shape.
pub async fn api_not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, AppError> {
    Err(crate::error::not_found(format!(
        "the route {} {}",
        req.method(),
        req.path()
    )))
}

/// Builds and starts the HTTP server (returned running; await it to serve until stopped), with
/// the Discover refresher. Call it on the actix system that will run the server.
pub fn start_server(
    state: AppState,
    opts: &ServeOptions,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let static_dir = opts.static_dir.clone();
    // Live streams hear of other processes' changes (PostgreSQL only).
    state
        .changes
        .listen(state.backend, &state.config.database_url);
    // Discover refreshes itself as conversations arrive; it stops with this server's system.
    crate::service::discover_refresh::start(&state);
    let csp = crate::auth::headers::policy_for(&static_dir);
    let server = HttpServer::new(move || {
        App::new()
            // Inside the logger, so the log shows the status the client gets.
            .wrap(actix_web::middleware::from_fn(
                crate::error_shape::json_error_bodies,
            ))
            .wrap(crate::auth::headers::security_headers(&csp))
            // Query strings can carry `api_token`: the request log redacts them.
            .wrap(tracing_actix_web::TracingLogger::<
                crate::auth::redact::RedactingRootSpan,
            >::new())
            .configure(configure(state.clone()))
            .configure(routes::web_app(static_dir.clone()))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

/// The HTTP server of `hindsight consume --health-bind`: `GET /api/health` only (the
/// consumer's state and lag, and whether the database answers), errors in the JSON shape.
pub fn start_health_server(
    state: AppState,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(
                crate::error_shape::json_error_bodies,
            ))
            .app_data(web::Data::new(state.clone()))
            .configure(routes::configure_health)
            .default_service(web::to(api_not_found))
    })
    // One worker: it answers a probe now and then.
    .workers(1)
    .listen(listener)?
    .run();
    Ok(server)
}
