//! A WATS-compatible server: WATS's REST contract for reports over SQLite or PostgreSQL.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let config = wats_server::Config {
//!     listen: "127.0.0.1:8080".parse()?,
//!     database: wats_server::Database::Dir("data".into()),
//!     admin: Some(("admin".into(), "secret".into())),
//!     max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
//! };
//! let server = wats_server::start(config).await?;
//! println!("listening on {}", server.addr);
//! server.wait().await?;
//! # Ok(()) }
//! ```

pub mod api;
pub mod auth;
pub mod authz;
pub mod budget;
pub mod charts;
pub mod content;
pub mod error;
pub mod ingest;
pub mod limits;
pub mod login;
pub mod metrics;
// Uploads as multipart/form-data (issue 19: root-cause attachments).
pub mod multipart;
pub mod odata;
pub mod serve;
pub mod store;

pub use limits::Limits;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::Request;
use axum::http::{header, Uri};
use axum::Router;
use tower::Layer as _;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::store::Store;

/// The largest request body accepted by default (64 MiB: reports with attachments are big).
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Where the data lives.
#[derive(Clone, Debug)]
pub enum Database {
    /// A SQLite file `wats.db` in this directory.
    Dir(PathBuf),
    /// A database URL (`postgres://…` or `sqlite://…`).
    Url(String),
}

/// How to run the server.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// The database.
    pub database: Database,
    /// The API user to create or reset at start (`WATS_SERVER_ADMIN=user:password`); without
    /// it, a user `admin` with a random password is created when there is no user at all.
    pub admin: Option<(String, String)>,
    /// The largest request body.
    pub max_body_bytes: usize,
}

/// What handlers share.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Verified tokens.
    pub tokens: auth::TokenCache,
    /// Bounds on password checks.
    pub login: login::LoginGuard,
    /// The request-body budget.
    pub budget: budget::BodyBudget,
    /// Counters for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "WATS API (wats-server)", description = "A WATS-compatible server"),
    modifiers(&BasicAuth),
    security(("basic" = []))
)]
struct ApiDoc;

struct BasicAuth;

impl utoipa::Modify for BasicAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("HTTP Basic: base64(user:password)"))
                    .build(),
            ),
        );
    }
}

/// The path of the generated OpenAPI document.
pub const OPENAPI_PATH: &str = "/swagger/v1/swagger.json";

/// Builds the application: the routes, their OpenAPI document, authentication.
pub fn app(state: Arc<AppState>, max_body_bytes: usize) -> (Router, utoipa::openapi::OpenApi) {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi());
    // The domains added by the pattern in docs/ARCHITECTURE.md declare their own routes.
    let router = api::level::routes(router);
    let router = api::product::routes(router);
    let router = api::product_groups::routes(router);
    let router = api::product_internal::routes(router);
    let router = api::analytics::routes(router);
    let router = api::charts::routes(router);
    let router = api::asset::routes(router);
    let router = api::asset_files::routes(router);
    let router = api::software::routes(router);
    let router = api::software_internal::routes(router);
    // Users and tokens; repair configuration (issue 19).
    let router = api::scim::routes(router);
    let router = api::repair::routes(router);
    let router = api::rootcause::routes(router);
    let router = api::manual_inspection::routes(router);
    let router = api::production::routes(router);
    let router = api::production_internal::routes(router);
    let router = api::production_units::routes(router);
    let router = api::serial_numbers::routes(router);
    let (router, mut openapi) = router
        .routes(routes!(api::app::version))
        .routes(routes!(api::app::processes))
        .routes(routes!(api::app::levels))
        .routes(routes!(api::app::product_groups))
        .routes(routes!(api::process::get_processes))
        .routes(routes!(api::process::get_process))
        .routes(routes!(api::process::post_process))
        .routes(routes!(api::process::put_process))
        .routes(routes!(api::process::delete_process))
        .routes(routes!(api::report::post_wsjf))
        .routes(routes!(api::report::post_wsxf))
        .routes(routes!(api::report::get_wsjf))
        .routes(routes!(api::report::get_wsxf))
        .routes(routes!(api::report::query_header))
        .routes(routes!(api::report::header_by_misc_info))
        .routes(routes!(api::report::attachment))
        .routes(routes!(api::report::attachments_zip))
        .routes(routes!(api::report::certificate))
        // Bodies are read under the budget only once the request is authenticated.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            budget::bounded_body,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_auth,
        ))
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let json = Arc::new(openapi.to_json().unwrap_or_default());
    let router = router
        .route(
            OPENAPI_PATH,
            axum::routing::get(move || {
                let json = json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        (*json).clone(),
                    )
                }
            }),
        )
        // Ours, not WATS's: no authentication (see `metrics`).
        .route("/health/live", axum::routing::get(metrics::live))
        .route("/health/ready", axum::routing::get(metrics::ready))
        .route("/metrics", axum::routing::get(metrics::metrics))
        .fallback(|| async {
            ApiError::not_found("No HTTP resource was found that matches the request URI.")
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(max_body_bytes))
        .with_state(state);
    (router, openapi)
}

/// Route templates split into segments, for case-insensitive matching.
#[derive(Clone)]
struct Templates(Arc<Vec<Vec<String>>>);

impl Templates {
    fn new(openapi: &utoipa::openapi::OpenApi) -> Self {
        let mut all: Vec<Vec<String>> = openapi
            .paths
            .paths
            .keys()
            .map(|p| p.split('/').map(str::to_owned).collect())
            .collect();
        all.push(OPENAPI_PATH.split('/').map(str::to_owned).collect());
        Templates(Arc::new(all))
    }

    /// The path with its literal segments spelled as the matching route spells them (WATS
    /// matches paths case-insensitively: `/api/report/wsjf` is `/api/Report/WSJF`).
    fn canonical(&self, path: &str) -> Option<String> {
        let segs: Vec<&str> = path.split('/').collect();
        let t = self.0.iter().find(|t| {
            t.len() == segs.len()
                && t.iter()
                    .zip(&segs)
                    .all(|(t, s)| t.starts_with('{') || t.eq_ignore_ascii_case(s))
        })?;
        let out: Vec<&str> = t
            .iter()
            .zip(&segs)
            .map(|(t, s)| if t.starts_with('{') { *s } else { t.as_str() })
            .collect();
        let out = out.join("/");
        (out != path).then_some(out)
    }
}

fn canonicalize(templates: &Templates, mut req: Request) -> Request {
    if let Some(path) = templates.canonical(req.uri().path()) {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = pq.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

/// A running server.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The password generated for `admin`, when one was (print it once).
    pub generated_password: Option<String>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    state: Arc<AppState>,
}

impl Running {
    /// Waits until the server stops.
    pub async fn wait(self) -> anyhow::Result<()> {
        let _keep = self.shutdown;
        self.task.await??;
        Ok(())
    }

    /// Stops the server gracefully and closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await??;
        self.state.store.close().await;
        Ok(())
    }
}

/// Opens the database, makes sure an API user exists and starts serving, with the default
/// [`Limits`].
pub async fn start(config: Config) -> anyhow::Result<Running> {
    start_with_limits(config, Limits::default()).await
}

/// [`start`] with the given limits on connections, time, memory and logins.
pub async fn start_with_limits(config: Config, limits: Limits) -> anyhow::Result<Running> {
    let store = match &config.database {
        Database::Dir(dir) => Store::open_dir(dir).await?,
        Database::Url(url) => Store::open(url).await?,
    };
    let mut generated_password = None;
    match &config.admin {
        Some((user, password)) => {
            store
                .put_user(user, &auth::hash_password(password)?)
                .await
                .context("cannot create the API user")?;
        }
        None if store.user_count().await? == 0 => {
            let password = auth::random_password();
            store
                .put_user("admin", &auth::hash_password(&password)?)
                .await
                .context("cannot create the API user")?;
            generated_password = Some(password);
        }
        None => {}
    }
    let metrics = Arc::new(metrics::Metrics::default());
    let state = Arc::new(AppState {
        store,
        tokens: auth::TokenCache::default(),
        login: login::LoginGuard::new(&limits)?,
        budget: budget::BodyBudget::new(&limits, config.max_body_bytes),
        metrics: metrics.clone(),
    });
    let (router, openapi) = app(state.clone(), config.max_body_bytes);
    let templates = Templates::new(&openapi);
    let service = tower::util::BoxCloneService::new(
        tower::util::MapRequestLayer::new(move |req: Request| canonicalize(&templates, req))
            .layer(router),
    );
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve::serve(listener, service, limits, metrics, rx));
    tracing::info!(%addr, "wats-server listening");
    Ok(Running {
        addr,
        generated_password,
        shutdown: tx,
        task,
        state,
    })
}
