//! How an upload looks in the contract: the options, the multipart form and the raw body.
//! The options are `options.rs`'s `UploadOptions`, which the request is also read into.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type};

use super::options::UploadOptions;

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
