//! Subcommands that work without the HTTP server: the pipeline on one video, a live source,
//! accuracy (of the model, and through the detector and crop), keys.

pub mod against_people;
pub mod analyze;
pub mod analyze_image;
pub mod evaluate;
pub mod fer_face;
pub mod keys;
pub mod live;
pub mod through_pipeline;

use anyhow::{Result, bail};

use crate::config::Config;
use crate::jobs::options::{JobOptions, Purpose};
use crate::pipeline::{AnalysisOptions, Engine, catalogue};

/// The engine for the model asked for (the default when none is), and the options resolved
/// for `purpose` as the API resolves them.
fn engine_for(
    config: &Config,
    asked: &JobOptions,
    purpose: Purpose,
) -> Result<(Engine, AnalysisOptions)> {
    // "" opens the default model.
    let default = catalogue::model_for(purpose, "", &config.live_model);
    let model = asked.model.as_deref().unwrap_or(default);
    let engine = Engine::load_for(config, config.threads_per_session(1), model)?;
    let options = asked
        .resolve(
            purpose,
            config,
            catalogue::model_for(purpose, &engine.default_model, &engine.live_model),
        )
        .analysis;
    if !engine.models.contains_key(&options.model) {
        bail!(
            "no model {:?}; available: {:?}",
            options.model,
            engine.models.keys().collect::<Vec<_>>()
        );
    }
    Ok((engine, options))
}
