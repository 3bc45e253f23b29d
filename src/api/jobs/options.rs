//! A new job's options: one struct that the contract shows (query parameters and form fields)
//! and that the request's name/value pairs are deserialized into, so that the accepted names
//! are the documented ones by construction. Each value is then parsed and checked against the
//! server's limits, with a message that says what is allowed, into the one
//! [`JobOptions`] that every purpose resolves.

use serde::Deserialize;
use sha2::Sha256;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::idempotency;
use crate::jobs::options::{JobOptions, Purpose};
use crate::pipeline::AnalysisOptions;
use crate::views::results;

/// Longest `min_track_ms` accepted: a day, far past any video the limits allow.
const MAX_MIN_TRACK_MS: u64 = 86_400_000;

/// Longest display name kept for a video, in characters.
const MAX_NAME_CHARS: usize = 255;

/// Options of a new job, as query parameters or as form fields beside the video; left out, they
/// take the server's defaults (`GET /v1/info`).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadOptions {
    /// Frames analysed per second of video, up to `limits.max_sample_fps`; 0 analyses every frame.
    #[param(minimum = 0, value_type = Option<f64>)]
    #[schema(minimum = 0, example = 5, nullable = false, value_type = Option<f64>)]
    sample_fps: Option<String>,
    #[param(value_type = Option<results::DetectorKind>)]
    #[schema(nullable = false, value_type = Option<results::DetectorKind>)]
    detector: Option<String>,
    /// Faces smaller than this (shorter side, in frame pixels) are ignored.
    #[param(minimum = 0, value_type = Option<u32>)]
    #[schema(nullable = false, value_type = Option<u32>)]
    min_face_px: Option<String>,
    /// An emotion model listed by `GET /v1/info`.
    #[schema(example = "emonet", nullable = false)]
    model: Option<String>,
    /// Follow each face through the video and report per person (`/people`); on by default.
    #[param(value_type = Option<bool>)]
    #[schema(nullable = false, value_type = Option<bool>)]
    tracking: Option<String>,
    /// People seen for less than this many milliseconds are left out of `/people` (likely false
    /// detections).
    #[param(minimum = 0, maximum = 86400000, value_type = Option<u64>)]
    #[schema(minimum = 0, maximum = 86400000, example = 1000, nullable = false, value_type = Option<u64>)]
    min_track_ms: Option<String>,
    /// `all` people, or only the `main` one (on screen longest).
    #[param(value_type = Option<results::Focus>)]
    #[schema(nullable = false, value_type = Option<results::Focus>)]
    focus: Option<String>,
    /// Write an MP4 of the analysed frames with each face's box, person and expression drawn
    /// on it (`/annotated.mp4`). It shows faces, so it is never made unless asked; it is
    /// deleted with the job.
    #[param(value_type = Option<bool>)]
    #[schema(nullable = false, value_type = Option<bool>)]
    annotate: Option<String>,
    /// Keep the upload after the analysis (it is deleted by default).
    #[param(value_type = Option<bool>)]
    #[schema(nullable = false, value_type = Option<bool>)]
    keep_video: Option<String>,
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

/// The options as sent, by name; a name sent twice keeps its last value (query first, then
/// form fields).
#[derive(Default)]
pub struct SentOptions(Vec<(String, String)>);

impl SentOptions {
    /// Adds one option, refusing an unknown name or an oversized value before anything else.
    pub fn push(&mut self, state: &AppState, name: &str, value: &str) -> ApiResult<()> {
        if !UploadOptions::names().contains(&name) {
            return Err(unknown_option(name));
        }
        let max = state.config.limits.max_field_bytes;
        if value.len() > max {
            return Err(field_too_large(name, max));
        }
        self.0.retain(|(n, _)| n != name);
        self.0.push((name.to_string(), value.trim().to_string()));
        Ok(())
    }

    /// What the request asked for: the video's digest and the options as sent.
    pub fn fingerprint(&self, video: Sha256) -> String {
        use sha2::Digest;
        let mut sent = self.0.clone();
        sent.sort();
        let options: String = sent.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        idempotency::fingerprint(&[&video.finalize(), options.as_bytes()])
    }

    /// The options, parsed and checked.
    pub fn parse(&self, state: &AppState) -> ApiResult<JobOptions> {
        let encoded = serde_urlencoded::to_string(&self.0).map_err(ApiError::internal)?;
        let options: UploadOptions = serde_urlencoded::from_str(&encoded)
            .map_err(|e| ApiError::new(ErrorCode::InvalidOption, e.to_string()))?;
        options.check(state)
    }
}

impl UploadOptions {
    /// The accepted names: this struct's fields, as serde reads them.
    pub fn names() -> &'static [&'static str] {
        static NAMES: std::sync::OnceLock<&'static [&'static str]> = std::sync::OnceLock::new();
        NAMES.get_or_init(crate::fields::names::<Self>)
    }

    /// Each value parsed; an empty value is an error, not a default (`detector=` is more likely
    /// a client's bug).
    fn check(self, state: &AppState) -> ApiResult<JobOptions> {
        let l = &state.config.limits;
        let number = |name: &str, v: Option<String>, max: f64, what: &str| {
            v.map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f >= 0.0 && *f <= max)
                    .ok_or_else(|| {
                        invalid(format!("{name} must be {what} from 0 to {max}, not {v:?}"))
                    })
            })
            .transpose()
        };
        let sample_fps = number(
            "sample_fps",
            self.sample_fps,
            l.max_sample_fps,
            "a number (0 analyses every frame)",
        )?;
        let whole = |name: &str, v: Option<String>, max: u64, what: &str| {
            v.map(|v| {
                v.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
                    invalid(format!(
                        "{name} must be a whole number{what} from 0 to {max}, not {v:?}"
                    ))
                })
            })
            .transpose()
        };
        let min_face_px = whole("min_face_px", self.min_face_px, l.max_frame_side.into(), "")?;
        Ok(JobOptions {
            sample_fps,
            detector: self
                .detector
                .map(|v| v.parse().map_err(invalid))
                .transpose()?,
            min_face_px: min_face_px.map(|n| n as u32),
            model: self.model.map(|v| known_model(state, v)).transpose()?,
            tracking: self.tracking.map(|v| boolean("tracking", &v)).transpose()?,
            min_track_ms: whole(
                "min_track_ms",
                self.min_track_ms,
                MAX_MIN_TRACK_MS,
                " of milliseconds",
            )?,
            focus: self.focus.map(|v| v.parse().map_err(invalid)).transpose()?,
            annotate: self.annotate.map(|v| boolean("annotate", &v)).transpose()?,
            keep_video: self
                .keep_video
                .map(|v| boolean("keep_video", &v))
                .transpose()?,
            filename: self
                .filename
                .map(|v| {
                    display_name(&v)
                        .ok_or_else(|| invalid("filename must hold a printable character".into()))
                })
                .transpose()?,
            callback_url: self.callback_url,
        })
    }
}

/// The options for `purpose`, the server's defaults where left out, and whether to keep the
/// video.
pub fn resolved(state: &AppState, asked: &JobOptions, purpose: Purpose) -> (AnalysisOptions, bool) {
    let r = asked.resolve(purpose, &state.config, state.catalogue.default_for(purpose));
    (r.analysis, r.keep_video)
}

pub(crate) fn known_model(state: &AppState, v: String) -> ApiResult<String> {
    if v.is_empty() {
        return Err(invalid("model must name a model listed by /v1/info".into()));
    }
    if !state.catalogue.models.contains_key(&v) {
        let known: Vec<&String> = state.catalogue.models.keys().collect();
        return Err(ApiError::new(
            ErrorCode::UnknownModel,
            format!("no model {v:?}; available: {known:?}"),
        ));
    }
    Ok(v)
}

fn boolean(name: &str, v: &str) -> ApiResult<bool> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(invalid(format!("{name} must be true or false, not {v:?}"))),
    }
}

/// A name safe to store and show: the last path component, without control characters or the
/// invisible marks that reorder text (a right-to-left override can make `exe.mp4` read as
/// `mp4.exe`), at most 255 characters. `None` when nothing printable is left.
pub fn display_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

pub fn unknown_option(name: &str) -> ApiError {
    let shown: String = name.chars().take(40).collect();
    ApiError::new(
        ErrorCode::UnknownOption,
        format!(
            "unknown option {shown:?}; known: {}",
            UploadOptions::names().join(", ")
        ),
    )
}

pub fn field_too_large(name: &str, max: usize) -> ApiError {
    let shown: String = name.chars().take(40).collect();
    ApiError::new(
        ErrorCode::FieldTooLarge,
        format!("field {shown:?} is longer than {max} bytes"),
    )
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidOption, message)
}

#[cfg(test)]
mod tests {
    use utoipa::IntoParams;

    use super::*;

    /// The names accepted are the documented ones, in the contract's order.
    #[test]
    fn documented_options_are_the_accepted_ones() {
        let documented: Vec<String> = UploadOptions::into_params(|| None)
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(documented, UploadOptions::names());
        assert_eq!(UploadOptions::names().len(), 11);
    }

    #[test]
    fn display_names_are_cleaned() {
        assert_eq!(display_name("talk.mp4").as_deref(), Some("talk.mp4"));
        assert_eq!(
            display_name("C:\\videos\\talk.mp4").as_deref(),
            Some("talk.mp4")
        );
        assert_eq!(display_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(display_name("a\0b\nc\u{7}.mp4").as_deref(), Some("abc.mp4"));
        assert_eq!(
            display_name("invoice\u{202E}4pm.exe").as_deref(),
            Some("invoice4pm.exe")
        );
        assert_eq!(display_name("\u{202E}\0 ").as_deref(), None);
        assert_eq!(
            display_name(&"x".repeat(10_000)).map(|n| n.len()),
            Some(255)
        );
    }
}
