//! What the API needs to know of the models: their names, labels and preprocessing, the default,
//! and whether YuNet is there. A process with workers takes it from its [`Engine`], which opened
//! every model; one without (`serve --api-only`) reads the files' metadata instead, and loads no
//! ONNX Runtime and no model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Engine;
use super::classify::ModelInfo;
use super::detect::DetectorKind;
use super::onnx_meta::read_metadata;
use crate::config::Config;
use crate::jobs::options::Purpose;

pub struct Catalogue {
    pub models: BTreeMap<String, ModelInfo>,
    pub default_model: String,
    /// The model of live sessions that name none (`live_model`, else the default).
    pub live_model: String,
    /// Why YuNet cannot be used, if it cannot (then every job uses the Haar cascade).
    pub yunet_problem: Option<String>,
    /// Whether people are told apart by a face embedding (`tracking.identity`)…
    pub identity_wanted: bool,
    /// …and why not, if it is wanted and cannot be used.
    pub identity_problem: Option<String>,
}

impl Catalogue {
    /// The models in `models_dir`, from their metadata. Their shapes are checked by the workers,
    /// which refuse to start on a model of another shape.
    pub fn read(config: &Config) -> anyhow::Result<Self> {
        let mut models = BTreeMap::new();
        for file in model_files(&config.models_dir)? {
            let info = model_info(&file)?;
            models.insert(info.name.clone(), info);
        }
        let default_model = default_of(&models, &config.default_model)?;
        let live_model = live_of(&models, &config.live_model, &default_model);
        let yunet_problem = read_metadata(&config.yunet_model)
            .err()
            .map(|e| format!("cannot read {}: {e}", config.yunet_model.display()));
        let identity_wanted = config.tracking.identity;
        let identity_problem = (identity_wanted && !config.identity_model.is_file())
            .then(|| format!("no file {}", config.identity_model.display()));
        Ok(Self {
            models,
            default_model,
            live_model,
            yunet_problem,
            identity_wanted,
            identity_problem,
        })
    }

    /// What the engine found when it opened every model.
    pub fn of(engine: &Engine) -> Self {
        Self {
            models: engine.models.clone(),
            default_model: engine.default_model.clone(),
            live_model: engine.live_model.clone(),
            yunet_problem: engine.yunet_problem.clone(),
            identity_wanted: engine.identity_wanted,
            identity_problem: engine.identity_problem.clone(),
        }
    }

    /// The model an analysis for `purpose` uses when it names none.
    pub fn default_for(&self, purpose: Purpose) -> &str {
        model_for(purpose, &self.default_model, &self.live_model)
    }

    /// The detector a job asking for `kind` really gets.
    pub fn effective_detector(&self, kind: DetectorKind) -> DetectorKind {
        if kind == DetectorKind::Yunet && self.yunet_problem.is_some() {
            DetectorKind::Haar
        } else {
            kind
        }
    }
}

/// A model's name, labels and preprocessing from its file's metadata, without opening it.
pub fn model_info(file: &Path) -> anyhow::Result<ModelInfo> {
    let meta = read_metadata(file)
        .map_err(|e| anyhow::anyhow!("cannot read model {}: {e}", file.display()))?;
    let (info, _) = ModelInfo::from_metadata(file, |k| meta.get(k).cloned())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(info)
}

/// Every `*.onnx` in `dir`, by name: each is an emotion model.
pub fn model_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read models_dir {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .collect();
    files.sort();
    Ok(files)
}

/// The live model if it is there, else the default (said in the log).
pub fn live_of(models: &BTreeMap<String, ModelInfo>, wanted: &str, default: &str) -> String {
    if models.contains_key(wanted) {
        return wanted.to_string();
    }
    tracing::warn!(wanted, using = %default, "live model not found");
    default.to_string()
}

/// Live sessions have a default of their own; every other purpose the default.
pub fn model_for<'a>(purpose: Purpose, default: &'a str, live: &'a str) -> &'a str {
    match purpose {
        Purpose::Live => live,
        Purpose::Video | Purpose::Stream | Purpose::Picture => default,
    }
}

/// The configured default model if it is there, else the first (said in the log).
pub fn default_of(models: &BTreeMap<String, ModelInfo>, wanted: &str) -> anyhow::Result<String> {
    if models.contains_key(wanted) {
        return Ok(wanted.to_string());
    }
    let first = models
        .keys()
        .next()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no emotion model (*.onnx) in the models folder"))?;
    tracing::warn!(wanted, using = %first, "default model not found");
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_sessions_have_a_default_of_their_own_else_the_default() {
        let models: BTreeMap<String, ModelInfo> = ["fast", "accurate"]
            .into_iter()
            .map(|name| {
                let file = PathBuf::from(format!("{name}.onnx"));
                let (info, _) = ModelInfo::from_metadata(&file, |_| None).expect("info");
                (name.to_string(), info)
            })
            .collect();
        assert_eq!(live_of(&models, "fast", "accurate"), "fast");
        assert_eq!(live_of(&models, "gone", "accurate"), "accurate");
        assert_eq!(model_for(Purpose::Live, "accurate", "fast"), "fast");
        for purpose in [Purpose::Video, Purpose::Stream, Purpose::Picture] {
            assert_eq!(model_for(purpose, "accurate", "fast"), "accurate");
        }
    }
}
