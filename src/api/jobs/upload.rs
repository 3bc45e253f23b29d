//! How an upload looks in the contract: the options, the multipart form and the raw body.
//! `create.rs` reads the same fields by name, so that it can reject unknown ones.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type};

use crate::views::results::{DetectorKind, Focus};

/// Options of a new job, as query parameters or as form fields beside the video; left out, they
/// take the server's defaults (`GET /v1/info`).
#[derive(utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // The handler reads these by name; this type documents them.
pub struct UploadOptions {
    /// Frames analysed per second of video, up to `limits.max_sample_fps`; 0 analyses every frame.
    #[param(minimum = 0)]
    #[schema(minimum = 0, example = 5, nullable = false)]
    sample_fps: Option<f64>,
    #[schema(nullable = false)]
    detector: Option<DetectorKind>,
    /// Faces smaller than this (shorter side, in frame pixels) are ignored.
    #[param(minimum = 0)]
    #[schema(nullable = false)]
    min_face_px: Option<u32>,
    /// An emotion model listed by `GET /v1/info`.
    #[schema(example = "emonet", nullable = false)]
    model: Option<String>,
    /// Follow each face through the video and report per person (`/people`); on by default.
    #[schema(nullable = false)]
    tracking: Option<bool>,
    /// People seen for less than this many milliseconds are left out of `/people` (likely false
    /// detections).
    #[param(minimum = 0, maximum = 86400000)]
    #[schema(minimum = 0, maximum = 86400000, example = 1000, nullable = false)]
    min_track_ms: Option<u64>,
    /// `all` people, or only the `main` one (on screen longest).
    #[schema(nullable = false)]
    focus: Option<Focus>,
    /// Write an MP4 of the analysed frames with each face's box, person and expression drawn
    /// on it (`/annotated.mp4`). It shows faces, so it is never made unless asked; it is
    /// deleted with the job.
    #[schema(nullable = false)]
    annotate: Option<bool>,
    /// Keep the upload after the analysis (it is deleted by default).
    #[schema(nullable = false)]
    keep_video: Option<bool>,
    /// Name to show for the video, instead of the uploaded file's.
    #[schema(nullable = false)]
    filename: Option<String>,
    /// Where to POST the `job.*` and `report.*` webhooks of this job (signed; see the README).
    /// `https://` only unless `webhooks.allow_http`, and never to a loopback, private,
    /// link-local or metadata address unless `webhooks.allowed_networks` lists it; an empty
    /// value turns the server's default off. Default: `webhooks.default_callback_url`.
    #[schema(nullable = false, example = "https://hooks.example.com/emoscope")]
    callback_url: Option<String>,
}

/// The multipart form: a `video` file field and, optionally, the options as text fields.
pub struct UploadForm;

impl utoipa::ToSchema for UploadForm {}

impl utoipa::PartialSchema for UploadForm {
    fn schema() -> RefOr<Schema> {
        let video = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The video file"));
        let mut form = match <UploadOptions as utoipa::PartialSchema>::schema() {
            RefOr::T(Schema::Object(o)) => o,
            _ => Object::new(),
        };
        form.properties.insert("video".into(), video.into());
        form.required.insert(0, "video".into());
        form.description = Some("The video file and, optionally, the job's options".into());
        RefOr::T(Schema::Object(form))
    }
}

/// The video file itself as the request body.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct RawVideo(Vec<u8>);

#[cfg(test)]
mod tests {
    use utoipa::IntoParams;

    use super::UploadOptions;
    use crate::api::jobs::create::OPTION_NAMES;

    /// The handler's list of accepted names and the documented options must not drift apart.
    #[test]
    fn documented_options_are_the_accepted_ones() {
        let documented: Vec<String> = UploadOptions::into_params(|| None)
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(documented, OPTION_NAMES);
    }
}
