use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody, ErrorCode};

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    #[schema(example = "ok")]
    pub database: &'static str,
    /// Where media is kept: `local` or `s3`; it answered.
    #[schema(example = "local")]
    pub storage: &'static str,
    /// Names of the loaded emotion models.
    pub models: Vec<String>,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The database and the media store answer, and the models are loaded (they are, once the
/// server listens).
#[utoipa::path(get, path = "/readyz", tag = "service", responses(
    (status = 200, description = "Ready for jobs", body = Readiness),
    (status = 503, description = "The database or the media store (named, without credentials) is not reachable: `not_ready`", body = ErrorBody),
))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Readiness>> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "database not reachable");
        ApiError::new(ErrorCode::NotReady, "the database is not reachable")
    })?;
    let media = state.uploads.media();
    media.check().await.map_err(|e| {
        tracing::warn!(error = %e, "media store not reachable");
        ApiError::new(
            ErrorCode::NotReady,
            format!("the media store ({}) is not reachable", media.place()),
        )
    })?;
    Ok(Json(Readiness {
        status: "ready",
        database: "ok",
        storage: if media.is_local() { "local" } else { "s3" },
        models: state.catalogue.models.keys().cloned().collect(),
    }))
}
