//! A live source through one set of sessions: pictures come one at a time (a camera's frames
//! over a WebSocket), each is classified at once and its result handed to the observer, and
//! the people are followed from frame to frame as in a video. The source decides what a frame
//! is and when it ends; this only analyses.

use super::decode::SampledFrame;
use super::detect::Detector;
use super::identity::embed::FaceEmbedder;
use super::probe::VideoInfo;
use super::run::{Run, Sessions, step_ms};
use super::{AnalysisOptions, Observer, Outcome, Pipeline, PipelineError};

/// Where a live run's frames come from.
pub trait LiveSource {
    /// The sessions are open: the run is ready for frames.
    fn started(&mut self);
    /// The next frame to analyse (waiting for it); `None` when the source has ended.
    fn next(&mut self) -> Option<SampledFrame>;
}

impl Pipeline<'_> {
    /// Analyses what `source` gives until it ends; every frame's result goes to `observer` as
    /// soon as it is classified. The outcome's video is the source as seen: the first frame's
    /// size, the frames analysed, the time from the first to the last.
    pub fn run_live(
        &mut self,
        options: &AnalysisOptions,
        source: &mut dyn LiveSource,
        observer: &mut dyn Observer,
    ) -> Result<Outcome, PipelineError> {
        let mut detector = self.detector(options.detector)?;
        let mut embedder = match options.tracking {
            true => self.embedder()?,
            false => None,
        };
        let result = self.live_frames(&mut detector, embedder.as_mut(), options, source, observer);
        self.give_back(detector, embedder);
        result
    }

    fn live_frames(
        &mut self,
        detector: &mut Detector,
        embedder: Option<&mut FaceEmbedder>,
        options: &AnalysisOptions,
        source: &mut dyn LiveSource,
        observer: &mut dyn Observer,
    ) -> Result<Outcome, PipelineError> {
        let settings = self.engine.settings;
        let model = self.model(&options.model)?;
        let sessions = Sessions {
            detector,
            embedder,
            model,
        };
        let mut run = Run::start_live(settings, options, sessions);
        let mut seen = Seen::default();
        source.started();
        while let Some(frame) = source.next() {
            seen.add(&frame);
            run.frame(frame, observer)?;
            run.flush(observer)?;
        }
        run.finish(seen.video(), observer)
    }
}

/// What the frames of a live source showed of it.
#[derive(Default)]
struct Seen {
    frames: u64,
    first_ms: Option<u64>,
    last_ms: u64,
    size: Option<(u32, u32)>,
}

impl Seen {
    fn add(&mut self, frame: &SampledFrame) {
        use opencv::prelude::MatTraitConst;
        self.frames += 1;
        self.first_ms.get_or_insert(frame.time_ms);
        self.last_ms = self.last_ms.max(frame.time_ms);
        self.size
            .get_or_insert((frame.image.cols() as u32, frame.image.rows() as u32));
    }

    /// The source as a video: its length is the span of its frames plus one frame's time.
    fn video(&self) -> VideoInfo {
        let span = self.last_ms.saturating_sub(self.first_ms.unwrap_or(0));
        let fps = match (self.frames, span) {
            (0, _) => 1.0,
            (n, 0) => n as f64,
            (n, span) => (n - 1).max(1) as f64 * 1000.0 / span as f64,
        };
        let (width, height) = self.size.unwrap_or((0, 0));
        VideoInfo {
            duration_ms: span + step_ms(0.0, fps).round() as u64,
            fps,
            width,
            height,
            frame_count: self.frames,
            codec: "live".into(),
        }
    }
}
