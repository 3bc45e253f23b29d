//! One video through a worker's sessions. [`Run`] is fed a frame at a time (`start`, `frame`,
//! `finish`), so that frames may come from a file, as here, or from a live source;
//! [`Pipeline::run_to`] drives it from a file decoded on its own thread.

use std::path::Path;
use std::sync::mpsc;

use super::annotate::Annotator;
use super::batch::{Batch, Pending};
use super::classify::EmotionModel;
use super::decode::{FfmpegFrames, SampledFrame, Sampler};
use super::detect::Detector;
use super::faces::FaceFinder;
use super::identity::embed::FaceEmbedder;
use super::people::PeopleAccumulator;
use super::probe::VideoInfo;
use super::tally::{Sink, Tally};
use super::{
    AnalysisOptions, ErrorKind, Observer, Outcome, Pipeline, PipelineError, PipelineSettings,
};

/// The sessions a run uses, borrowed from its pipeline.
pub struct Sessions<'a> {
    pub detector: &'a mut Detector,
    /// Face embeddings, when the server computes them (`tracking.identity`).
    pub embedder: Option<&'a mut FaceEmbedder>,
    pub model: &'a mut EmotionModel,
}

/// One video being analysed.
pub struct Run<'a> {
    settings: PipelineSettings,
    options: &'a AnalysisOptions,
    detector: &'a mut Detector,
    /// Face embeddings, when the server computes them (`tracking.identity`).
    embedder: Option<&'a mut FaceEmbedder>,
    model: &'a mut EmotionModel,
    faces: FaceFinder,
    batch: Batch,
    tally: Tally,
}

impl<'a> Run<'a> {
    /// Starts a run of `options` on a video of `video`'s kind (its frame count sets the expected
    /// progress); writes the annotated video to `annotated` when the options ask for it.
    pub fn start(
        settings: PipelineSettings,
        options: &'a AnalysisOptions,
        sessions: Sessions<'a>,
        video: &VideoInfo,
        annotated: Option<&Path>,
    ) -> Result<Self, PipelineError> {
        let total = Sampler::expected(options.sample_fps, video.fps, video.frame_count);
        let people = options
            .tracking
            .then(|| PeopleAccumulator::new(video.duration_ms));
        let face_len = sessions.model.info.preprocess.face_len();
        let mut batch = Batch::new(settings.classify_batch, face_len, total);
        let mut tally = Tally::new(people);
        if let (true, Some(out)) = (options.annotate, annotated) {
            let size = opencv::core::Size::new(video.width as i32, video.height as i32);
            let fps = 1000.0 / step_ms(options.sample_fps, video.fps);
            let max = settings.max_annotated_bytes;
            tally.annotator = Some(Annotator::create(out, fps, size, max)?);
            batch.one_at_a_time = true;
        }
        Ok(Self::with(settings, options, sessions, batch, tally))
    }

    /// Starts a run on a source of unknown length (a live one): no annotation, the people's
    /// periods growing with it. Call [`Run::flush`] to have a frame's results at once.
    pub fn start_live(
        settings: PipelineSettings,
        options: &'a AnalysisOptions,
        sessions: Sessions<'a>,
    ) -> Self {
        let people = options.tracking.then(|| PeopleAccumulator::growing(10_000));
        let face_len = sessions.model.info.preprocess.face_len();
        let batch = Batch::new(settings.classify_batch, face_len, 0);
        Self::with(settings, options, sessions, batch, Tally::new(people))
    }

    fn with(
        settings: PipelineSettings,
        options: &'a AnalysisOptions,
        sessions: Sessions<'a>,
        batch: Batch,
        tally: Tally,
    ) -> Self {
        let Sessions {
            detector,
            embedder,
            model,
        } = sessions;
        let faces = FaceFinder::new(&settings, options, model.info.preprocess);
        Self {
            settings,
            options,
            detector,
            embedder,
            model,
            faces,
            batch,
            tally,
        }
    }

    /// Classifies the faces still queued, handing their frames to `observer`.
    pub fn flush(&mut self, observer: &mut dyn Observer) -> Result<(), PipelineError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.classify(observer)
    }

    /// Classifies the queue: each frame to the run's sums, then all of them, and the progress,
    /// to `observer`.
    fn classify(&mut self, observer: &mut dyn Observer) -> Result<(), PipelineError> {
        let (classified, progress) = self.batch.classify(self.model)?;
        let mut frames = Vec::with_capacity(classified.len());
        for c in classified {
            self.tally.frame(&c.frame, c.image.as_ref())?;
            frames.push(c.frame);
        }
        observer.on_frames(frames, progress)
    }

    /// Finds, follows and queues the faces of one sampled frame; classifies the queue when it
    /// is full, handing the results to `observer`.
    pub fn frame(
        &mut self,
        frame: SampledFrame,
        observer: &mut dyn Observer,
    ) -> Result<(), PipelineError> {
        let embedder = self.embedder.as_deref_mut();
        let found = self.faces.find(self.detector, embedder, &frame)?;
        let image = self.tally.wants_images().then_some(frame.image);
        let pending = Pending {
            frame: frame.index,
            time_ms: frame.time_ms,
            faces: found.faces,
            tracks: found.tracks,
            image,
        };
        self.batch.push(pending, &found.pixels);
        if self.batch.full() {
            self.classify(observer)?;
        }
        Ok(())
    }

    /// Classifies what is still queued and sums up: the job, the people, the warnings.
    /// `video` is the video as decoded (its real frame count).
    pub fn finish(
        mut self,
        video: VideoInfo,
        observer: &mut dyn Observer,
    ) -> Result<Outcome, PipelineError> {
        self.classify(observer)?;
        let summary = self.tally.job.summary();
        let mut warnings = Vec::new();
        let following = self.faces.following.as_ref();
        let merged = following.map(|f| f.tracker.merges()).unwrap_or_default();
        if let Some(t) = following.map(|f| &f.tracker) {
            tracing::debug!(
                embedded = t.embedded,
                reidentified = t.reidentified,
                merged = merged.len(),
                "people followed"
            );
        }
        let mut annotated = false;
        if let Some(annotator) = self.tally.annotator.take() {
            match annotator.finish(&merged)? {
                Some(warning) => warnings.push(warning),
                None => annotated = true,
            }
        }
        if following.is_some_and(|f| f.tracker.capped) {
            warnings.push(format!(
                "more than {} faces were on screen at once: faces past that number count in the result but belong to no person",
                self.settings.tracker.max_live
            ));
        }
        let (options, max_people) = (self.options, self.settings.max_people);
        let people = self.tally.people.take().map(|mut acc| {
            acc.merge(&merged);
            let step = step_ms(options.sample_fps, video.fps);
            let mut people = acc.finish(
                step,
                summary.frames_analyzed,
                options.min_track_ms,
                options.focus,
            );
            if people.len() > max_people {
                warnings.push(format!(
                    "{} people were found; only the {max_people} longest on screen are listed",
                    people.len(),
                ));
                people.truncate(max_people);
            }
            people
        });
        Ok(Outcome {
            video,
            summary,
            people,
            warnings,
            annotated,
            merged,
        })
    }
}

impl Pipeline<'_> {
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
        let mut embedder = self.embedder()?;
        let result = self.run_file(
            &mut detector,
            embedder.as_mut(),
            path,
            options,
            observer,
            annotated,
        );
        self.give_back(detector, embedder);
        result
    }

    fn run_file(
        &mut self,
        detector: &mut Detector,
        embedder: Option<&mut FaceEmbedder>,
        path: &Path,
        options: &AnalysisOptions,
        observer: &mut dyn Observer,
        annotated: Option<&Path>,
    ) -> Result<Outcome, PipelineError> {
        let settings = self.engine.settings;
        let model = self.model(&options.model)?;
        let (video, (frames, decoder)) = start_decoder(path, options.sample_fps)?;
        let sessions = Sessions {
            detector,
            embedder,
            model,
        };
        let mut run = Run::start(settings, options, sessions, &video, annotated)?;
        let mut failure = None;
        for item in frames.iter() {
            match item.and_then(|frame| run.frame(frame, observer)) {
                Ok(()) => {}
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        drop(frames);
        let frames_read = decoder
            .join()
            .map_err(|_| PipelineError::internal("the decoder thread panicked"))?;
        if let Some(e) = failure {
            return Err(e);
        }
        run.finish(check_decoded(video, frames_read)?, observer)
    }
}

/// Video time between two analysed frames.
pub(super) fn step_ms(sample_fps: f64, video_fps: f64) -> f64 {
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
    mpsc::Receiver<Result<SampledFrame, PipelineError>>,
    std::thread::JoinHandle<u64>,
);

/// Decoding on its own thread, a few frames ahead of detection and classification. The
/// stream is opened on that thread (FFmpeg's scaler may not cross threads), which sends the
/// video's facts, or why it cannot be read, before the frames.
fn start_decoder(path: &Path, sample_fps: f64) -> Result<(VideoInfo, Decoder), PipelineError> {
    let path = path.to_path_buf();
    let (opened_tx, opened_rx) = mpsc::sync_channel(1);
    // Two frames ahead keep detection busy; each waiting 1080p frame is 6 MB.
    let (tx, rx) = mpsc::sync_channel(2);
    let span = tracing::Span::current();
    let decoder = std::thread::Builder::new()
        .name("emoscope-decode".into())
        .spawn(move || {
            let _span = span.entered();
            let mut stream = match FfmpegFrames::open(&path, sample_fps) {
                Ok(stream) => {
                    let _ = opened_tx.send(Ok(stream.info().clone()));
                    stream
                }
                Err(e) => {
                    let _ = opened_tx.send(Err(e));
                    return 0;
                }
            };
            for item in stream.by_ref() {
                if tx.send(item).is_err() {
                    break;
                }
            }
            stream.frames_read()
        })
        .map_err(|e| PipelineError::internal(format!("cannot start the decoder thread: {e}")))?;
    let info = opened_rx.recv().map_err(|_| {
        PipelineError::internal("the decoder thread ended before opening the video")
    })??;
    Ok((info, (rx, decoder)))
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
