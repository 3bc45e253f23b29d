//! `GET /v1/info`: what this server can do, so that clients (and the web page) need not guess.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::pipeline::crop::Template;
use crate::runtime::ExecutionProvider;

#[derive(Serialize, ToSchema)]
pub struct InfoView {
    #[schema(example = "emoscope")]
    pub name: &'static str,
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// Where ONNX Runtime really runs the models in this process; `null` in a process without
    /// workers (`serve --api-only`), which runs no model.
    pub execution_provider: Option<ExecutionProvider>,
    /// What the configuration asked for; differs from the above after a CUDA fallback.
    #[schema(example = "cpu")]
    pub execution_provider_requested: String,
    pub models: Vec<ModelView>,
    #[schema(example = "facenet_ferplus_int8")]
    pub default_model: String,
    /// The model of live sessions that name none: the fast one.
    #[schema(example = "emonet_ferplus_flip_int8")]
    pub live_model: String,
    pub detectors: DetectorsView,
    pub identity: IdentityView,
    pub reports: ReportsView,
    pub defaults: DefaultsView,
    pub limits: LimitsView,
    pub live: LiveInfoView,
    pub note: &'static str,
}

/// Live sessions (`GET /v1/live`) and stream jobs in this process.
#[derive(Serialize, ToSchema)]
pub struct LiveInfoView {
    /// Whether this process runs them (it needs workers: not `serve --api-only`).
    pub available: bool,
    /// Sessions and streams open now.
    pub open_sessions: usize,
    pub max_sessions: usize,
    pub max_sessions_per_key: usize,
    pub max_fps: f64,
    pub max_frame_bytes: u64,
    pub max_secs: u64,
}

/// An emotion model and the input it expects.
#[derive(Serialize, ToSchema)]
pub struct ModelView {
    #[schema(example = "emonet")]
    pub name: String,
    pub default: bool,
    pub arch: Option<String>,
    /// Output labels in model order.
    pub labels: Vec<String>,
    pub input: ModelInputView,
    /// Whether each face is averaged with its mirror image.
    pub flip_tta: bool,
    /// The logits are divided by it before the softmax: fitted so that the probabilities are
    /// calibrated (1: not calibrated).
    pub temperature: f32,
}

#[derive(Serialize, ToSchema)]
pub struct ModelInputView {
    pub name: String,
    /// N, C, H, W; -1 is a free dimension.
    pub shape: [i64; 4],
    #[schema(example = "gray")]
    pub color: &'static str,
    /// Where the face's five landmarks are placed: `fer2013` (FER2013's own framing, the 48 px
    /// models) or `arcface` (face recognition's template, the 112 px model).
    #[schema(value_type = String, example = "arcface")]
    pub alignment: Template,
    pub scale: f32,
    pub mean: f32,
    pub std: f32,
}

#[derive(Serialize, ToSchema)]
pub struct DetectorsView {
    pub yunet: DetectorState,
    pub haar: DetectorState,
    pub default: String,
    /// True when YuNet could not be loaded and every job uses the Haar cascade.
    pub fallback_active: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DetectorState {
    pub available: bool,
    /// Why the detector is unavailable.
    pub problem: Option<String>,
}

/// How people are told apart within one video.
#[derive(Serialize, ToSchema)]
pub struct IdentityView {
    /// `embedding`: a face embedding (MobileFaceNet; biometric data, kept in memory for one job
    /// only, never stored, returned, logged or compared across jobs) with position and look;
    /// `position_and_look`: without it, because the operator turned it off
    /// (`tracking.identity`) or its model could not be loaded (`problem`).
    #[schema(example = "embedding")]
    pub cue: &'static str,
    /// Why the embedding asked for is not used.
    pub problem: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportsView {
    /// `openai` when an API key is configured, else `template`.
    pub default_provider: &'static str,
    /// Languages with a template and a prompt.
    pub template_languages: Vec<&'static str>,
    pub default_llm_model: String,
}

/// Job options used when a request leaves them out.
#[derive(Serialize, ToSchema)]
pub struct DefaultsView {
    pub sample_fps: f64,
    #[schema(example = "yunet")]
    pub detector: String,
    pub min_face_px: u32,
    pub keep_video: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LimitsView {
    pub max_upload_bytes: u64,
    pub max_duration_secs: f64,
    pub max_frame_side: u32,
    pub max_sample_fps: f64,
    pub max_queued_jobs: u64,
    pub max_page_size: u32,
    /// Longest `smooth_ms` of a person's timeline.
    pub max_smooth_ms: u64,
    /// Largest picture for `POST /v1/images`, in bytes…
    pub max_image_bytes: u64,
    /// …and in pixels (width × height).
    pub max_image_pixels: u64,
}

/// Version, models, detectors, defaults and limits of this server.
#[utoipa::path(get, path = "/v1/info", tag = "service",
    responses((status = 200, description = "What this server can do", body = InfoView)))]
pub async fn info(State(state): State<AppState>) -> Json<InfoView> {
    let e = &state.catalogue;
    let c = &state.config;
    let models = e
        .models
        .values()
        .map(|m| ModelView {
            name: m.name.clone(),
            default: m.name == e.default_model,
            arch: m.arch.clone(),
            labels: m.labels.clone(),
            input: ModelInputView {
                name: m.input_name.clone(),
                shape: m.input_shape,
                color: "gray",
                alignment: m.preprocess.template,
                scale: m.preprocess.scale,
                mean: m.preprocess.mean,
                std: m.preprocess.std,
            },
            flip_tta: m.flip_tta,
            temperature: m.temperature,
        })
        .collect();
    Json(InfoView {
        name: "emoscope",
        version: env!("CARGO_PKG_VERSION"),
        execution_provider: state.provider,
        execution_provider_requested: c.execution_provider.as_str().to_string(),
        models,
        default_model: e.default_model.clone(),
        live_model: e.live_model.clone(),
        detectors: DetectorsView {
            yunet: DetectorState {
                available: e.yunet_problem.is_none(),
                // The cause names server paths: it goes to the log, not to clients.
                problem: e.yunet_problem.as_ref().map(|_| {
                    let file = c.yunet_model.file_name().map(|n| n.to_string_lossy());
                    format!(
                        "the YuNet model ({}) could not be loaded; the server's log says why",
                        file.as_deref().unwrap_or("unnamed")
                    )
                }),
            },
            haar: DetectorState {
                available: true,
                problem: None,
            },
            default: c.defaults.detector.as_str().to_string(),
            fallback_active: e.yunet_problem.is_some(),
        },
        identity: IdentityView {
            cue: match e.identity_wanted && e.identity_problem.is_none() {
                true => "embedding",
                false => "position_and_look",
            },
            // The cause names server paths: it goes to the log, not to clients.
            problem: e.identity_problem.as_ref().map(|_| {
                "the face embedding model could not be loaded; the server's log says why"
                    .to_string()
            }),
        },
        reports: ReportsView {
            default_provider: state.reporter.default_provider().as_str(),
            template_languages: crate::report::Language::ALL.map(|l| l.as_str()).to_vec(),
            default_llm_model: c.report.model.clone(),
        },
        defaults: DefaultsView {
            sample_fps: c.defaults.sample_fps,
            detector: c.defaults.detector.as_str().to_string(),
            min_face_px: c.defaults.min_face_px,
            keep_video: c.keep_videos,
        },
        limits: limits_view(c),
        live: live_view(state.live.as_ref(), c),
        note: "Facial expressions are not a measure of what anyone feels; results are not a diagnosis.",
    })
}

fn limits_view(c: &crate::config::Config) -> LimitsView {
    LimitsView {
        max_upload_bytes: c.limits.max_upload_bytes,
        max_duration_secs: c.limits.max_duration_secs,
        max_frame_side: c.limits.max_frame_side,
        max_sample_fps: c.limits.max_sample_fps,
        max_queued_jobs: c.limits.max_queued_jobs,
        max_page_size: c.limits.max_page_size,
        max_smooth_ms: c.limits.max_smooth_ms,
        max_image_bytes: c.limits.max_image_bytes,
        max_image_pixels: c.limits.max_image_pixels,
    }
}

fn live_view(live: Option<&crate::live::LiveSessions>, c: &crate::config::Config) -> LiveInfoView {
    let l = &c.limits;
    LiveInfoView {
        available: live.is_some(),
        open_sessions: live.map_or(0, |l| l.open()),
        max_sessions: l.max_live_sessions,
        max_sessions_per_key: l.max_live_sessions_per_key,
        max_fps: l.max_live_fps,
        max_frame_bytes: l.max_live_frame_bytes,
        max_secs: l.max_live_secs,
    }
}
