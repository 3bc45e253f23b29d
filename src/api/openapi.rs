//! The OpenAPI 3.1 contract, generated from the handlers' annotations as `api_routes` routes
//! them. `emoscope openapi` prints it; `openapi/openapi.json` is that output, and a test keeps
//! the two equal.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use super::{error, jobs};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Emoscope",
        description = "Which emotions the faces in a video show.\n\nUpload a video (`POST /v1/jobs`), poll the job until it has `succeeded`, then read the share of each facial expression (`/emotions`), the per-frame timeline (`/timeline`, JSON or CSV) and, on request, a narrative report (`/report`).\n\nThe seven labels are FER2013's: angry, disgust, fear, happy, neutral, sad, surprise. They describe facial expressions as a model trained on FER2013 classifies them: not what anyone feels, and never a diagnosis.\n\nEvery error has the shape `{\"error\": {\"code\", \"message\"}}`.\n\nOnce the server has an API key, every `/v1` route asks for one (`Authorization: Bearer KEY`), and a job belongs to the key that made it. State-changing requests from pages on other sites are refused (`403 origin_not_allowed`) unless their origin is in `http.cors_origins`, and requests to a `Host` the server does not answer to get `400 host_not_allowed`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(schemas(error::ErrorBody, jobs::timeline::TimelineFormat)),
    tags(
        (name = "jobs", description = "Upload videos and follow their analysis"),
        (name = "results", description = "Emotion percentages and the per-frame timeline"),
        (name = "images", description = "One still picture analysed at once, nothing stored"),
        (name = "reports", description = "Narrative reports written from a job's numbers"),
        (name = "live", description = "A camera's frames analysed as they come, per person, over a WebSocket"),
        (name = "service", description = "Health and capabilities"),
    )
)]
pub struct ApiDoc;

/// Every `/v1` operation asks for an API key (when the server uses keys) and may answer 401.
fn secure(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "api_key",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A key made with `emoscope keys create`. Asked for on every `/v1` route once \
                     the server has a key (or `auth.require_keys` is set); a job belongs to the \
                     key that made it, and other keys get 404 for it.",
                ))
                .build(),
        ),
    );
    let unauthorized = ResponseBuilder::new()
        .description("No, a malformed, an unknown or a revoked API key: `unauthorized`")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/v1/") {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            op.security = Some(vec![SecurityRequirement::new(
                "api_key",
                Vec::<String>::new(),
            )]);
            op.responses
                .responses
                .insert("401".into(), RefOr::T(unauthorized.clone()));
        }
    }
}

/// The contract as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut doc = super::api_routes(0, 0).into_openapi();
    secure(&mut doc);
    let mut json = doc
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}
