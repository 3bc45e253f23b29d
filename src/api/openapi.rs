//! The OpenAPI 3.1 contract, generated from the handlers' annotations as `api_routes` routes
//! them. `emoscope openapi` prints it; `openapi/openapi.json` is that output, and a test keeps
//! the two equal.

use utoipa::OpenApi;

use super::{error, jobs};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Emoscope",
        description = "Which emotions the faces in a video show.\n\nUpload a video (`POST /v1/jobs`), poll the job until it has `succeeded`, then read the share of each facial expression (`/emotions`), the per-frame timeline (`/timeline`, JSON or CSV) and, on request, a narrative report (`/report`).\n\nThe seven labels are FER2013's: angry, disgust, fear, happy, neutral, sad, surprise. They describe facial expressions as a model trained on FER2013 classifies them: not what anyone feels, and never a diagnosis.\n\nEvery error has the shape `{\"error\": {\"code\", \"message\"}}`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(schemas(error::ErrorBody, jobs::timeline::TimelineFormat)),
    tags(
        (name = "jobs", description = "Upload videos and follow their analysis"),
        (name = "results", description = "Emotion percentages and the per-frame timeline"),
        (name = "reports", description = "Narrative reports written from a job's numbers"),
        (name = "service", description = "Health and capabilities"),
    )
)]
pub struct ApiDoc;

/// The contract as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = super::api_routes(0)
        .into_openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}
