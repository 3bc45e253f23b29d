//! [`Engine`]: the process's ONNX Runtime, the models it knows (the registry) and the sessions
//! opened at start to check them (kept for the first pipeline that needs them). [`Pipeline`]:
//! one worker's sessions, opened on first use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::catalogue;
use super::classify::{EmotionModel, ModelInfo};
use super::detect::{self, Detector, DetectorKind};
use super::identity::embed::FaceEmbedder;
use super::{ErrorKind, PipelineError, PipelineSettings};
use crate::config::Config;
use crate::runtime::{self, ExecutionProvider};

/// Sessions opened at start, handed to the first pipeline that needs them instead of loading
/// the same weights twice.
struct Spare {
    models: Vec<EmotionModel>,
    yunet: Vec<detect::yunet::YuNet>,
    embedder: Vec<FaceEmbedder>,
}

/// Sessions of each kind kept for the next pipeline; past this, a dropped pipeline's are closed.
const MAX_SPARE: usize = 8;

type Opening = anyhow::Result<(ort::session::Session, ExecutionProvider)>;

/// What the start-up opened: each model's info with its session when it was opened (asked
/// for), YuNet's session, and the face embedding's when identity is on.
type Opened = (
    Vec<anyhow::Result<(ModelInfo, Option<(EmotionModel, ExecutionProvider)>)>>,
    Opening,
    Option<Opening>,
);

/// Process-wide: the loaded runtime and what each model is.
pub struct Engine {
    env: &'static ort::environment::Environment,
    want_cuda: bool,
    pub provider: ExecutionProvider,
    threads: usize,
    pub models: BTreeMap<String, ModelInfo>,
    pub default_model: String,
    /// The model of live sessions that name none.
    pub live_model: String,
    yunet: Option<PathBuf>,
    spare: std::sync::Mutex<Spare>,
    haar: PathBuf,
    pub yunet_problem: Option<String>,
    /// The face embedding model, when identity is on and it could be used.
    identity: Option<PathBuf>,
    /// Whether the configuration asks for face embeddings (`tracking.identity`)…
    pub identity_wanted: bool,
    /// …and why there are none, if it does and there are not.
    pub identity_problem: Option<String>,
    pub settings: PipelineSettings,
}

impl Engine {
    /// Loads the runtime and checks every model once, so a bad model stops the start.
    pub fn load(config: &Config, threads: usize) -> anyhow::Result<Self> {
        Self::load_models(config, threads, None)
    }

    /// For a one-shot command: opens only `model` (empty: the default) and YuNet. The other
    /// models are known by their metadata and opened if asked for.
    pub fn load_for(config: &Config, threads: usize, model: &str) -> anyhow::Result<Self> {
        let model = if model.is_empty() {
            config.default_model.as_str()
        } else {
            model
        };
        Self::load_models(config, threads, Some(model))
    }

    fn load_models(config: &Config, threads: usize, only: Option<&str>) -> anyhow::Result<Self> {
        let started = std::time::Instant::now();
        let env = runtime::environment(&config.onnxruntime_lib)?;
        let want_cuda = config.execution_provider == ExecutionProvider::Cuda;
        let (opened, yunet_session, identity_session) =
            open_all(env, config, want_cuda, threads, only)?;
        let mut models = BTreeMap::new();
        let mut provider = ExecutionProvider::Cpu;
        let mut spare_models = Vec::new();
        let mut sessions = 0;
        for result in opened {
            let (info, session) = result?;
            if let Some((model, p)) = session {
                provider = p;
                sessions += 1;
                tracing::info!(model = %info.name, labels = ?info.labels, provider = ?p, "emotion model loaded");
                // Only the default (or asked-for) model's session is kept for reuse; the others
                // were opened to be checked and are let go at once, so their weights are not
                // held twice.
                if info.name == only.unwrap_or(&config.default_model) {
                    spare_models.push(model);
                }
            }
            models.insert(info.name.clone(), info);
        }
        let default_model = catalogue::default_of(&models, &config.default_model)?;
        let live_model = catalogue::live_of(&models, &config.live_model, &default_model);
        let (yunet, yunet_problem) = yunet_from(yunet_session, config.limits.detect_max_side);
        let (embedder, identity_problem) = embedder_from(identity_session);
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            sessions = sessions + usize::from(yunet.is_some()) + usize::from(embedder.is_some()),
            "ONNX Runtime and models ready"
        );
        if let Some(problem) = &identity_problem {
            tracing::warn!(
                path = %config.identity_model.display(),
                %problem,
                "FACE EMBEDDING UNAVAILABLE: people are told apart by position and look only (tracking.identity = false turns this warning off)"
            );
        }
        if let Some(problem) = &yunet_problem {
            tracing::warn!(
                path = %config.yunet_model.display(),
                %problem,
                "YUNET FACE DETECTOR UNAVAILABLE: falling back to the Haar cascade, which is slower and misses more faces"
            );
        }
        Ok(Self {
            env,
            want_cuda,
            provider,
            threads,
            models,
            default_model,
            live_model,
            yunet: yunet.is_some().then(|| config.yunet_model.clone()),
            identity: embedder.is_some().then(|| config.identity_model.clone()),
            identity_wanted: config.tracking.identity,
            identity_problem,
            spare: std::sync::Mutex::new(Spare {
                models: spare_models,
                yunet: yunet.into_iter().collect(),
                embedder: embedder.into_iter().collect(),
            }),
            haar: config.haar_cascade.clone(),
            yunet_problem,
            settings: PipelineSettings::from(config),
        })
    }

    /// The detector a job asking for `kind` really gets.
    pub fn effective_detector(&self, kind: DetectorKind) -> DetectorKind {
        if kind == DetectorKind::Yunet && self.yunet.is_none() {
            DetectorKind::Haar
        } else {
            kind
        }
    }

    /// Sessions for one worker, opened when first needed.
    pub fn pipeline(&self) -> Pipeline<'_> {
        Pipeline {
            engine: self,
            models: BTreeMap::new(),
            yunet: None,
            haar: None,
            embedder: None,
        }
    }

    fn open(&self, path: &Path) -> Result<ort::session::Session, PipelineError> {
        runtime::open_session(self.env, path, self.want_cuda, self.threads)
            .map(|(s, _)| s)
            .map_err(|e| PipelineError::model(format!("{e:#}")))
    }

    /// An emotion model by name: a spare session if one is left, else a new one.
    pub fn emotion_model(&self, name: &str) -> Result<EmotionModel, PipelineError> {
        let info = self.models.get(name).ok_or_else(|| {
            PipelineError::new(ErrorKind::UnknownModel, format!("no model named {name:?}"))
        })?;
        if let Ok(mut spare) = self.spare.lock()
            && let Some(i) = spare.models.iter().position(|m| m.info.name == name)
        {
            return Ok(spare.models.swap_remove(i));
        }
        EmotionModel::new(self.open(&info.file)?, &info.file)
    }

    /// A face embedder of its own, for tools and tests outside a job; `None` when identity is
    /// off or the model could not be used.
    pub fn face_embedder(&self) -> Result<Option<FaceEmbedder>, PipelineError> {
        self.embedder()
    }

    /// A detector of its own, for tools that detect outside a job (`evaluate`).
    pub fn face_detector(&self, kind: DetectorKind) -> Result<Detector, PipelineError> {
        self.pipeline().detector(kind)
    }

    fn yunet(&self) -> Result<detect::yunet::YuNet, PipelineError> {
        if let Some(d) = self.spare.lock().ok().and_then(|mut s| s.yunet.pop()) {
            return Ok(d);
        }
        let path = self
            .yunet
            .as_deref()
            .ok_or_else(|| PipelineError::model("YuNet is unavailable"))?;
        detect::yunet::YuNet::new(self.open(path)?, self.settings.detect_max_side)
    }

    /// The face embedder, when identity is on and the model could be used.
    fn embedder(&self) -> Result<Option<FaceEmbedder>, PipelineError> {
        if let Some(e) = self.spare.lock().ok().and_then(|mut s| s.embedder.pop()) {
            return Ok(Some(e));
        }
        match &self.identity {
            Some(path) => FaceEmbedder::new(self.open(path)?).map(Some),
            None => Ok(None),
        }
    }
}

/// Opens the models asked for (`only`; all when `None`) and YuNet side by side: most of a start
/// is ONNX Runtime optimising each graph. A model nobody asked for is only read for its
/// metadata.
fn open_all(
    env: &'static ort::environment::Environment,
    config: &Config,
    want_cuda: bool,
    threads: usize,
    only: Option<&str>,
) -> anyhow::Result<Opened> {
    let files = catalogue::model_files(&config.models_dir)?;
    if files.is_empty() {
        anyhow::bail!(
            "no emotion model (*.onnx) in {}",
            config.models_dir.display()
        );
    }
    let open = |file: &Path| -> anyhow::Result<(EmotionModel, ExecutionProvider)> {
        let (session, p) = runtime::open_session(env, file, want_cuda, threads)?;
        let model = EmotionModel::new(session, file).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((model, p))
    };
    let wanted = |file: &Path| {
        only.is_none_or(|m| file.file_stem().is_some_and(|s| s.to_string_lossy() == m))
    };
    Ok(std::thread::scope(|s| {
        let models: Vec<_> = files
            .iter()
            .map(|file| {
                let open = &open;
                s.spawn(move || match wanted(file) {
                    true => open(file).map(|(m, p)| (m.info.clone(), Some((m, p)))),
                    false => catalogue::model_info(file).map(|info| (info, None)),
                })
            })
            .collect();
        let yunet = s.spawn(|| runtime::open_session(env, &config.yunet_model, want_cuda, threads));
        let identity = config.tracking.identity.then(|| {
            s.spawn(|| runtime::open_session(env, &config.identity_model, want_cuda, threads))
        });
        let joined = |what: &str| anyhow::anyhow!("opening {what} panicked");
        let models: Vec<_> = models
            .into_iter()
            .map(|h| h.join().map_err(|_| joined("a model")).and_then(|r| r))
            .collect();
        (
            models,
            yunet.join().map_err(|_| joined("YuNet")).and_then(|r| r),
            identity.map(|h| {
                h.join()
                    .map_err(|_| joined("the face embedding"))
                    .and_then(|r| r)
            }),
        )
    }))
}

/// YuNet from its session, or why there is none.
fn yunet_from(
    session: anyhow::Result<(ort::session::Session, ExecutionProvider)>,
    detect_max_side: u32,
) -> (Option<detect::yunet::YuNet>, Option<String>) {
    match session {
        Ok((session, _)) => match detect::yunet::YuNet::new(session, detect_max_side) {
            Ok(d) => (Some(d), None),
            Err(e) => (None, Some(e.message)),
        },
        Err(e) => (None, Some(format!("{e:#}"))),
    }
}

/// The face embedder from its session (none when identity is off), or why there is none.
fn embedder_from(session: Option<Opening>) -> (Option<FaceEmbedder>, Option<String>) {
    match session {
        None => (None, None),
        Some(Ok((session, _))) => match FaceEmbedder::new(session) {
            Ok(e) => (Some(e), None),
            Err(e) => (None, Some(e.message)),
        },
        Some(Err(e)) => (None, Some(format!("{e:#}"))),
    }
}

/// One worker's sessions, made on first use.
pub struct Pipeline<'e> {
    pub(super) engine: &'e Engine,
    models: BTreeMap<String, EmotionModel>,
    yunet: Option<detect::yunet::YuNet>,
    haar: Option<detect::haar::Haar>,
    embedder: Option<FaceEmbedder>,
}

/// A pipeline's sessions go back to the engine for the next one (a live session's, most often):
/// opening them again costs time, and memory that the allocator does not always give back.
impl Drop for Pipeline<'_> {
    fn drop(&mut self) {
        let Ok(mut spare) = self.engine.spare.lock() else {
            return;
        };
        for (_, model) in std::mem::take(&mut self.models) {
            if spare.models.len() < MAX_SPARE {
                spare.models.push(model);
            }
        }
        if let Some(d) = self.yunet.take()
            && spare.yunet.len() < MAX_SPARE
        {
            spare.yunet.push(d);
        }
        if let Some(e) = self.embedder.take()
            && spare.embedder.len() < MAX_SPARE
        {
            spare.embedder.push(e);
        }
    }
}

impl Pipeline<'_> {
    /// The detector for `kind` (or its fallback); hand it back with [`Pipeline::give_back`].
    pub(super) fn detector(&mut self, kind: DetectorKind) -> Result<Detector, PipelineError> {
        let e = self.engine;
        Ok(match e.effective_detector(kind) {
            DetectorKind::Yunet => {
                let d = match self.yunet.take() {
                    Some(d) => d,
                    None => e.yunet()?,
                };
                Detector::Yunet(d)
            }
            DetectorKind::Haar => Detector::Haar(match self.haar.take() {
                Some(d) => d,
                None => detect::haar::Haar::new(&e.haar, e.settings.detect_max_side)?,
            }),
        })
    }

    /// The face embedder, when identity is on; hand it back with [`Pipeline::give_back`].
    pub(super) fn embedder(&mut self) -> Result<Option<FaceEmbedder>, PipelineError> {
        match self.embedder.take() {
            Some(e) => Ok(Some(e)),
            None => self.engine.embedder(),
        }
    }

    pub(super) fn give_back(&mut self, detector: Detector, embedder: Option<FaceEmbedder>) {
        match detector {
            Detector::Yunet(d) => self.yunet = Some(d),
            Detector::Haar(d) => self.haar = Some(d),
        }
        self.embedder = embedder.or(self.embedder.take());
    }

    /// The emotion model `name`, opened on first use.
    pub(super) fn model(&mut self, name: &str) -> Result<&mut EmotionModel, PipelineError> {
        if !self.models.contains_key(name) {
            let model = self.engine.emotion_model(name)?;
            self.models.insert(name.to_string(), model);
        }
        self.models
            .get_mut(name)
            .ok_or_else(|| PipelineError::internal("model vanished"))
    }
}
