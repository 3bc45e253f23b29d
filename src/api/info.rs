use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::AppState;

/// Version, models, detectors and the execution provider in use.
pub async fn info(State(state): State<AppState>) -> Json<Value> {
    let e = &state.engine;
    let c = &state.config;
    let models: Vec<Value> = e
        .models
        .values()
        .map(|m| {
            json!({
                "name": m.name,
                "default": m.name == e.default_model,
                "arch": m.arch,
                "labels": m.labels,
                "input": {
                    "name": m.input_name,
                    "shape": m.input_shape,
                    "color": "gray",
                    "scale": m.input_scale,
                    "mean": m.input_mean,
                    "std": m.input_std,
                },
                "flip_tta": m.flip_tta,
            })
        })
        .collect();
    let yunet_ok = e.yunet_problem.is_none();
    Json(json!({
        "name": "emoscope",
        "version": env!("CARGO_PKG_VERSION"),
        "execution_provider": e.provider,
        "execution_provider_requested": c.execution_provider,
        "models": models,
        "default_model": e.default_model,
        "detectors": {
            "yunet": { "available": yunet_ok, "problem": e.yunet_problem },
            "haar": { "available": true, "role": "fallback" },
            "default": c.defaults.detector,
            "fallback_active": !yunet_ok,
        },
        "reports": {
            "default_provider": state.reporter.default_provider(),
            "template_languages": crate::report::prompt::LANGUAGES,
            "default_llm_model": c.report.model,
        },
        "defaults": {
            "sample_fps": c.defaults.sample_fps,
            "detector": c.defaults.detector,
            "min_face_px": c.defaults.min_face_px,
        },
        "limits": {
            "max_upload_bytes": c.limits.max_upload_bytes,
            "max_duration_secs": c.limits.max_duration_secs,
            "max_frame_side": c.limits.max_frame_side,
            "max_sample_fps": c.limits.max_sample_fps,
            "max_queued_jobs": c.limits.max_queued_jobs,
            "max_page_size": c.limits.max_page_size,
        },
        "note": "Facial expressions are not a measure of what anyone feels; results are not a diagnosis.",
    }))
}
