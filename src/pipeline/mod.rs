//! The analysis pipeline: decode → detect → crop → classify → aggregate.
//!
//! [`Engine`] is shared by the whole process and knows the models; each worker builds its own
//! [`Pipeline`] from it (ONNX Runtime sessions are not shared between threads that run at once).

pub mod aggregate;
pub mod annotate;
pub mod catalogue;
pub mod classify;
pub mod crop;
pub mod decode;
pub mod detect;
pub mod onnx_meta;
pub mod people;
pub mod probe;
pub mod track;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::runtime::{self, Provider};
use aggregate::{Accumulator, EMOTIONS, EmotionSummary, PerEmotion, argmax};
use classify::{EmotionModel, ModelInfo};
use decode::{FrameStream, Sampler};
use detect::{Detector, DetectorKind, FaceBox};
use people::{Focus, PeopleAccumulator, Person};
use probe::VideoInfo;
use track::cut::CutDetector;
use track::{Tracker, TrackerConfig};

/// Why an analysis stopped. Each kind has a stable wire name (the job's `error.code`) and says
/// whether another try could succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// FFmpeg cannot open the file as a video.
    UnreadableVideo,
    /// Decoding broke off in the middle.
    DecodeFailed,
    /// The file ends well before the container says it does.
    TruncatedVideo,
    /// The upload is gone from disk.
    VideoMissing,
    /// A model could not be loaded or run.
    ModelError,
    UnknownModel,
    /// Our own fault: retried.
    Internal,
    /// The media store failed (an outage): retried.
    StoreUnavailable,
    /// The process is stopping: retried by the next worker.
    Shutdown,
    /// A user canceled the job.
    Canceled,
    /// The job is no longer this worker's (deleted, or taken over): nothing is written.
    Lost,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::UnreadableVideo => "unreadable_video",
            Self::DecodeFailed => "decode_failed",
            Self::TruncatedVideo => "truncated_video",
            Self::VideoMissing => "video_missing",
            Self::ModelError => "model_error",
            Self::UnknownModel => "unknown_model",
            Self::Internal => "internal",
            Self::StoreUnavailable => "store_unavailable",
            Self::Shutdown => "shutdown",
            Self::Canceled => "canceled",
            Self::Lost => "lost",
        }
    }

    /// Whether another try may succeed: our faults and shutdowns, not bad videos.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::Internal | Self::StoreUnavailable | Self::Shutdown
        )
    }
}

/// A failure with a kind for machines and a message a person understands.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct PipelineError {
    pub kind: ErrorKind,
    pub message: String,
}

impl PipelineError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    pub fn unreadable(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnreadableVideo, m)
    }
    pub fn decode(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::DecodeFailed, m)
    }
    pub fn model(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::ModelError, m)
    }
    pub fn internal(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, m)
    }
    pub fn canceled() -> Self {
        Self::new(ErrorKind::Canceled, "the job was canceled")
    }
    pub fn opencv(e: opencv::Error) -> Self {
        Self::internal(format!("OpenCV: {e}"))
    }
    pub fn ort(e: ort::Error) -> Self {
        Self::model(format!("ONNX Runtime: {e}"))
    }
}

/// What a job asks for; validated by the API before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    /// Frames analysed per second of video; 0 analyses every frame.
    pub sample_fps: f64,
    pub detector: DetectorKind,
    /// Faces smaller than this (shorter side, frame pixels) are ignored.
    pub min_face_px: u32,
    /// Emotion model name.
    pub model: String,
    /// Follow faces across frames and report per person.
    pub tracking: bool,
    /// Tracks shorter than this are left out of the people (likely false detections).
    pub min_track_ms: u64,
    pub focus: Focus,
    /// Write the annotated video (boxes, people and expressions drawn on the analysed frames).
    pub annotate: bool,
}

/// A face box in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoxPx {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

/// One face in a frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceResult {
    #[serde(rename = "box")]
    pub bbox: BoxPx,
    /// Detector confidence, 0..1.
    pub score: f32,
    /// The most likely emotion.
    pub emotion: String,
    pub probabilities: PerEmotion<f32>,
    /// The person (face track) this face belongs to; `None` without tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_id: Option<u32>,
}

/// One analysed frame and the faces found in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameResult {
    /// Position of the frame in the video, from 0.
    pub frame: u64,
    pub time_ms: u64,
    pub faces: Vec<FaceResult>,
}

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Receives results as they come; an error (e.g. `canceled`) stops the run.
pub trait Observer {
    fn on_frames(
        &mut self,
        frames: Vec<FrameResult>,
        progress: Progress,
    ) -> Result<(), PipelineError>;
}

pub struct Outcome {
    pub video: VideoInfo,
    pub summary: EmotionSummary,
    /// Per person, longest on screen first; `None` when the job asked for no tracking.
    pub people: Option<Vec<Person>>,
    /// What the user should know about how the result was made.
    pub warnings: Vec<String>,
    /// Whether the annotated video asked for was written whole.
    pub annotated: bool,
}

struct Spare {
    models: Vec<EmotionModel>,
    yunet: Option<detect::yunet::YuNet>,
}

/// Process-wide: the loaded runtime and what each model is.
pub struct Engine {
    env: &'static ort::environment::Environment,
    want_cuda: bool,
    pub provider: Provider,
    threads: usize,
    pub models: BTreeMap<String, ModelInfo>,
    pub default_model: String,
    yunet: Option<PathBuf>,
    /// Sessions opened to check the models at start, handed to the first pipeline that needs
    /// them instead of loading the same weights twice.
    spare: std::sync::Mutex<Spare>,
    haar: PathBuf,
    pub yunet_problem: Option<String>,
    detect_max_side: u32,
    classify_batch: usize,
    min_score: f32,
    face_margin: f32,
    align_faces: bool,
    tracker: TrackerConfig,
    max_people: usize,
    max_annotated_bytes: u64,
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
        let want_cuda = config.execution_provider == Provider::Cuda;
        let files = catalogue::model_files(&config.models_dir)?;
        if files.is_empty() {
            anyhow::bail!(
                "no emotion model (*.onnx) in {}",
                config.models_dir.display()
            );
        }
        let open = |file: &Path| -> anyhow::Result<(EmotionModel, Provider)> {
            let (session, p) = runtime::open_session(env, file, want_cuda, threads)?;
            let model = EmotionModel::new(session, file).map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok((model, p))
        };
        let wanted = |file: &Path| {
            only.is_none_or(|m| file.file_stem().is_some_and(|s| s.to_string_lossy() == m))
        };
        // Most of a start is ONNX Runtime optimising each graph: the sessions are opened side
        // by side, and a model nobody asked for is only read for its metadata.
        let (opened, yunet_session) = std::thread::scope(|s| {
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
            let yunet =
                s.spawn(|| runtime::open_session(env, &config.yunet_model, want_cuda, threads));
            let joined = |what: &str| anyhow::anyhow!("opening {what} panicked");
            let models: Vec<_> = models
                .into_iter()
                .map(|h| h.join().map_err(|_| joined("a model")).and_then(|r| r))
                .collect();
            (
                models,
                yunet.join().map_err(|_| joined("YuNet")).and_then(|r| r),
            )
        });
        let mut models = BTreeMap::new();
        let mut provider = Provider::Cpu;
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
        let (yunet, yunet_problem) = match yunet_session {
            Ok((session, _)) => {
                match detect::yunet::YuNet::new(session, config.limits.detect_max_side) {
                    Ok(d) => (Some(d), None),
                    Err(e) => (None, Some(e.message)),
                }
            }
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            sessions = sessions + usize::from(yunet.is_some()),
            "ONNX Runtime and models ready"
        );
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
            yunet: yunet.is_some().then(|| config.yunet_model.clone()),
            spare: std::sync::Mutex::new(Spare {
                models: spare_models,
                yunet,
            }),
            haar: config.haar_cascade.clone(),
            yunet_problem,
            detect_max_side: config.limits.detect_max_side,
            classify_batch: config.limits.classify_batch,
            min_score: config.defaults.min_score,
            face_margin: config.defaults.face_margin,
            align_faces: config.defaults.align_faces,
            tracker: TrackerConfig {
                max_lost_ms: config.tracking.max_lost_ms,
                max_live: config.tracking.max_live_tracks,
                high_score: config.defaults.min_score,
                ..TrackerConfig::default()
            },
            max_people: config.tracking.max_people,
            max_annotated_bytes: config.limits.max_upload_bytes,
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

    /// A detector of its own, for tools that detect outside a job (`evaluate`).
    pub fn face_detector(&self, kind: DetectorKind) -> Result<Detector, PipelineError> {
        self.pipeline().detector(kind)
    }

    fn yunet(&self) -> Result<detect::yunet::YuNet, PipelineError> {
        if let Some(d) = self.spare.lock().ok().and_then(|mut s| s.yunet.take()) {
            return Ok(d);
        }
        let path = self
            .yunet
            .as_deref()
            .ok_or_else(|| PipelineError::model("YuNet is unavailable"))?;
        detect::yunet::YuNet::new(self.open(path)?, self.detect_max_side)
    }
}

/// One worker's sessions, made on first use.
pub struct Pipeline<'e> {
    engine: &'e Engine,
    models: BTreeMap<String, EmotionModel>,
    yunet: Option<detect::yunet::YuNet>,
    haar: Option<detect::haar::Haar>,
}

/// A sampled frame waiting for its faces to be classified.
struct Pending {
    frame: u64,
    time_ms: u64,
    faces: Vec<FaceBox>,
    /// The track of each face, when tracking.
    tracks: Vec<Option<u32>>,
    /// The picture, kept only to be annotated.
    image: Option<opencv::core::Mat>,
}

/// Faces waiting for the model, a batch at a time, and the running result they feed.
struct Batch {
    pending: Vec<Pending>,
    /// The waiting faces' pixels, 48×48 each, preprocessed for the model.
    pixels: Vec<f32>,
    /// Faces per inference batch.
    size: usize,
    acc: Accumulator,
    people: Option<PeopleAccumulator>,
    annotator: Option<annotate::Annotator>,
    done: u64,
    total: u64,
}

/// Least detector score looked at when tracking: below the usual threshold, such a face only
/// continues a track it clearly belongs to (ByteTrack's second round).
const TRACK_MIN_SCORE: f32 = 0.4;

/// Results go to the observer at least this often, in frames, so progress moves on videos with
/// few faces too.
const FLUSH_FRAMES: usize = 16;

impl Batch {
    fn new(size: usize, total: u64, people: Option<PeopleAccumulator>) -> Self {
        Self {
            pending: Vec::new(),
            pixels: Vec::new(),
            size,
            acc: Accumulator::default(),
            people,
            annotator: None,
            done: 0,
            total,
        }
    }

    fn push(&mut self, frame: Pending) {
        self.done += 1;
        self.pending.push(frame);
    }

    /// Time to classify: a batch's worth of faces, or enough frames; every frame when
    /// annotating, so that only one picture is held.
    fn full(&self) -> bool {
        self.pixels.len() >= self.size * 48 * 48
            || self.pending.len() >= FLUSH_FRAMES
            || (self.annotator.is_some() && !self.pending.is_empty())
    }

    /// Classifies the waiting faces and hands their frames to the observer.
    fn flush(
        &mut self,
        model: &mut EmotionModel,
        observer: &mut dyn Observer,
    ) -> Result<(), PipelineError> {
        let mut probs = model.classify(&self.pixels)?.into_iter();
        self.pixels.clear();
        let mut frames = Vec::with_capacity(self.pending.len());
        for mut p in self.pending.drain(..) {
            let mut faces = Vec::with_capacity(p.faces.len());
            let mut tracks = p.tracks.into_iter();
            for f in p.faces {
                let pr = probs
                    .next()
                    .ok_or_else(|| PipelineError::internal("fewer results than faces"))?;
                let face = face_result(&f, pr, tracks.next().flatten());
                if let Some(people) = &mut self.people {
                    people.add(p.frame, p.time_ms, &face);
                }
                faces.push(face);
            }
            self.acc
                .add_frame(faces.iter().map(|f| f.probabilities.to_array()));
            if let (Some(annotator), Some(image)) = (&mut self.annotator, &mut p.image) {
                annotator.add(image, &faces)?;
            }
            frames.push(FrameResult {
                frame: p.frame,
                time_ms: p.time_ms,
                faces,
            });
        }
        let progress = Progress {
            done: self.done,
            total: self.total.max(self.done),
        };
        observer.on_frames(frames, progress)
    }
}

/// A classified face, rounded for storage: boxes to pixels, probabilities to four places.
fn face_result(f: &FaceBox, probabilities: [f32; 7], track_id: Option<u32>) -> FaceResult {
    FaceResult {
        bbox: BoxPx {
            x: f.x.round() as i32,
            y: f.y.round() as i32,
            w: f.w.round() as i32,
            h: f.h.round() as i32,
        },
        score: (f.score * 1000.0).round() / 1000.0,
        emotion: EMOTIONS[argmax(&probabilities)].to_string(),
        probabilities: probabilities
            .map(|v| (v * 10_000.0).round() / 10_000.0)
            .into(),
        track_id,
    }
}

/// Video time between two analysed frames.
fn step_ms(sample_fps: f64, video_fps: f64) -> f64 {
    let fps = if sample_fps > 0.0 && sample_fps < video_fps {
        sample_fps
    } else {
        video_fps
    };
    1000.0 / fps.max(0.001)
}

/// The sampled frames as the decoder thread sends them, and the thread, which returns how many
/// frames it read.
type Decoder = (
    mpsc::Receiver<Result<decode::SampledFrame, PipelineError>>,
    std::thread::JoinHandle<u64>,
);

/// Decoding on its own thread, a few frames ahead of detection and classification.
fn start_decoder(
    cap: opencv::videoio::VideoCapture,
    sample_fps: f64,
    fps: f64,
) -> Result<Decoder, PipelineError> {
    let (tx, rx) = mpsc::sync_channel(4);
    let span = tracing::Span::current();
    let decoder = std::thread::Builder::new()
        .name("emoscope-decode".into())
        .spawn(move || {
            let _span = span.entered();
            let mut stream = FrameStream::new(cap, sample_fps, fps);
            for item in stream.by_ref() {
                if tx.send(item).is_err() {
                    break;
                }
            }
            stream.frames_read()
        })
        .map_err(|e| PipelineError::internal(format!("cannot start the decoder thread: {e}")))?;
    Ok((rx, decoder))
}

/// The video as decoded: a file that ends well before its container says is cut off, and the
/// decoder's frame count replaces the container's estimate.
fn check_decoded(mut video: VideoInfo, frames_read: u64) -> Result<VideoInfo, PipelineError> {
    if frames_read == 0 {
        return Err(PipelineError::unreadable(
            "no frame of the video could be decoded",
        ));
    }
    let missing = video.frame_count.saturating_sub(frames_read);
    if missing as f64 > video.fps && (frames_read as f64) < 0.9 * video.frame_count as f64 {
        return Err(PipelineError::new(
            ErrorKind::TruncatedVideo,
            format!(
                "the video ends after {frames_read} of its {} frames: the file is truncated or damaged",
                video.frame_count
            ),
        ));
    }
    if frames_read != video.frame_count {
        video.frame_count = frames_read;
        video.duration_ms = (frames_read as f64 * 1000.0 / video.fps).round() as u64;
    }
    Ok(video)
}

impl Pipeline<'_> {
    fn detector(&mut self, kind: DetectorKind) -> Result<Detector, PipelineError> {
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
                None => detect::haar::Haar::new(&e.haar, e.detect_max_side)?,
            }),
        })
    }

    fn give_back(&mut self, detector: Detector) {
        match detector {
            Detector::Yunet(d) => self.yunet = Some(d),
            Detector::Haar(d) => self.haar = Some(d),
        }
    }

    /// Analyses one video file, streaming results to `observer`.
    pub fn run(
        &mut self,
        path: &Path,
        options: &AnalysisOptions,
        observer: &mut dyn Observer,
    ) -> Result<Outcome, PipelineError> {
        self.run_to(path, options, observer, None)
    }

    /// The same, writing the annotated video to `annotated` when the options ask for it.
    pub fn run_to(
        &mut self,
        path: &Path,
        options: &AnalysisOptions,
        observer: &mut dyn Observer,
        annotated: Option<&Path>,
    ) -> Result<Outcome, PipelineError> {
        let mut detector = self.detector(options.detector)?;
        let result = self.run_with(&mut detector, path, options, observer, annotated);
        self.give_back(detector);
        result
    }

    fn run_with(
        &mut self,
        detector: &mut Detector,
        path: &Path,
        options: &AnalysisOptions,
        observer: &mut dyn Observer,
        annotated: Option<&Path>,
    ) -> Result<Outcome, PipelineError> {
        let engine = self.engine;
        if !self.models.contains_key(&options.model) {
            let model = engine.emotion_model(&options.model)?;
            self.models.insert(options.model.clone(), model);
        }
        let model = self
            .models
            .get_mut(&options.model)
            .ok_or_else(|| PipelineError::internal("model vanished"))?;
        let info = model.info.clone();

        let cap = probe::open(path)?;
        let video = probe::read_info(&cap, path)?;
        let total = Sampler::expected(options.sample_fps, video.fps, video.frame_count);
        let (frames, decoder) = start_decoder(cap, options.sample_fps, video.fps)?;

        let people = options
            .tracking
            .then(|| PeopleAccumulator::new(video.duration_ms));
        let mut batch = Batch::new(engine.classify_batch, total, people);
        if let (true, Some(out)) = (options.annotate, annotated) {
            let size = opencv::core::Size::new(video.width as i32, video.height as i32);
            let fps = 1000.0 / step_ms(options.sample_fps, video.fps);
            batch.annotator = Some(annotate::Annotator::create(
                out,
                fps,
                size,
                engine.max_annotated_bytes,
            )?);
        }
        let mut tracker = options.tracking.then(|| Tracker::new(engine.tracker));
        let mut cuts = CutDetector::default();
        let min_side = options.min_face_px as f32;
        let mut failure = None;
        for item in frames.iter() {
            let frame = match item {
                Ok(f) => f,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            // With tracking, less confident detections are looked at too: they may continue a
            // track (a face half hidden, turned or blurred), and are dropped if they do not.
            let threshold = match tracker {
                Some(_) => engine.min_score.min(TRACK_MIN_SCORE),
                None => engine.min_score,
            };
            let mut faces = Vec::new();
            let mut pixels = Vec::new();
            for f in detector.detect(&frame.image, threshold)? {
                if f.w.min(f.h) < min_side {
                    continue;
                }
                let (scale, mean, std) = (info.input_scale, info.input_mean, info.input_std);
                let (align, margin) = (engine.align_faces, engine.face_margin);
                if crop::push_detected(
                    &frame.image,
                    &f,
                    align,
                    margin,
                    scale,
                    mean,
                    std,
                    &mut pixels,
                )? {
                    faces.push(f);
                }
            }
            let tracks = match &mut tracker {
                Some(tracker) => {
                    if cuts.next(&frame.image)? {
                        tracker.reset(frame.time_ms);
                    }
                    let looks: Vec<_> = pixels
                        .chunks_exact(48 * 48)
                        .map(track::appearance::look)
                        .collect();
                    let tracks = tracker.update(frame.time_ms, &faces, &looks);
                    // A face the detector is unsure of counts only if it continues a track.
                    let mut kept = (Vec::new(), Vec::new(), Vec::new());
                    for ((f, px), t) in faces
                        .into_iter()
                        .zip(pixels.chunks_exact(48 * 48))
                        .zip(tracks)
                    {
                        if f.score >= engine.min_score || t.is_some() {
                            kept.0.push(f);
                            kept.1.extend_from_slice(px);
                            kept.2.push(t);
                        }
                    }
                    (faces, pixels) = (kept.0, kept.1);
                    kept.2
                }
                None => Vec::new(),
            };
            batch.pixels.extend_from_slice(&pixels);
            let image = batch.annotator.is_some().then_some(frame.image);
            batch.push(Pending {
                frame: frame.index,
                time_ms: frame.time_ms,
                faces,
                tracks,
                image,
            });
            if batch.full() {
                batch.flush(model, observer)?;
            }
        }
        if failure.is_none() {
            batch.flush(model, observer)?;
        }
        drop(frames);
        let frames_read = decoder
            .join()
            .map_err(|_| PipelineError::internal("the decoder thread panicked"))?;
        if let Some(e) = failure {
            return Err(e);
        }
        let video = check_decoded(video, frames_read)?;
        let summary = batch.acc.summary();
        let mut warnings = Vec::new();
        let mut annotated = false;
        if let Some(annotator) = batch.annotator.take() {
            match annotator.finish()? {
                Some(warning) => warnings.push(warning),
                None => annotated = true,
            }
        }
        if tracker.as_ref().is_some_and(|t| t.capped) {
            warnings.push(format!(
                "more than {} faces were on screen at once: faces past that number count in the result but belong to no person",
                engine.tracker.max_live
            ));
        }
        let people = batch.people.map(|acc| {
            let mut people = acc.finish(
                step_ms(options.sample_fps, video.fps),
                summary.frames_analyzed,
                options.min_track_ms,
                options.focus,
            );
            if people.len() > engine.max_people {
                warnings.push(format!(
                    "{} people were found; only the {} longest on screen are listed",
                    people.len(),
                    engine.max_people
                ));
                people.truncate(engine.max_people);
            }
            people
        });
        Ok(Outcome {
            video,
            summary,
            people,
            warnings,
            annotated,
        })
    }
}
