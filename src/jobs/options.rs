//! What a caller may ask of an analysis, and the one place it meets the server's defaults.
//!
//! The API (uploads, video URLs, streams, live sessions, pictures) and the CLI each read their
//! own wire or flags into [`JobOptions`]; [`JobOptions::resolve`] then applies the defaults and
//! what the [`Purpose`] rules out, once. The stored and viewed shapes derive from the result
//! ([`AnalysisOptions`]).

use crate::config::Config;
use crate::pipeline::AnalysisOptions;
use crate::vocabulary::{DetectorKind, Focus};

/// What the analysis is for: each purpose fixes the options that do not apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A stored video (an upload, a URL, a file given to the CLI): every option applies.
    Video,
    /// A stream followed as it plays: nothing is kept, so nothing is drawn on.
    Stream,
    /// Frames analysed as they come (a live session, a camera): each one taken (the pace is the
    /// sender's), nothing kept or drawn on.
    Live,
    /// One still picture: its faces, no people, nothing kept.
    Picture,
}

/// The options as asked for, each already parsed and checked; `None` takes the server's default.
#[derive(Debug, Default, Clone)]
pub struct JobOptions {
    pub sample_fps: Option<f64>,
    pub detector: Option<DetectorKind>,
    pub min_face_px: Option<u32>,
    /// A model the caller checked exists (the API against its catalogue, the CLI against the
    /// engine it loaded).
    pub model: Option<String>,
    pub tracking: Option<bool>,
    pub min_track_ms: Option<u64>,
    pub focus: Option<Focus>,
    pub annotate: Option<bool>,
    pub keep_video: Option<bool>,
    /// The name to show for the video.
    pub filename: Option<String>,
    /// Where the job's webhooks go; `Some("")` turns the server's default off.
    pub callback_url: Option<String>,
}

/// The options an analysis runs with, and whether its video outlives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub analysis: AnalysisOptions,
    pub keep_video: bool,
}

impl JobOptions {
    /// The options for `purpose`: the server's defaults where one was left out
    /// (`default_model` is the catalogue's), and the purpose's own rules over both.
    pub fn resolve(&self, purpose: Purpose, config: &Config, default_model: &str) -> Resolved {
        let d = &config.defaults;
        let mut analysis = AnalysisOptions {
            sample_fps: self.sample_fps.unwrap_or(d.sample_fps),
            detector: self.detector.unwrap_or(d.detector),
            min_face_px: self.min_face_px.unwrap_or(d.min_face_px),
            model: self
                .model
                .clone()
                .unwrap_or_else(|| default_model.to_string()),
            tracking: self.tracking.unwrap_or(d.tracking),
            min_track_ms: self.min_track_ms.unwrap_or(d.min_track_ms),
            focus: self.focus.unwrap_or(d.focus),
            annotate: self.annotate.unwrap_or(false),
        };
        let mut keep_video = self.keep_video.unwrap_or(config.keep_videos);
        match purpose {
            Purpose::Video => {}
            Purpose::Stream => {
                analysis.annotate = false;
                keep_video = false;
            }
            Purpose::Live => {
                analysis.sample_fps = 0.0;
                analysis.annotate = false;
                keep_video = false;
            }
            Purpose::Picture => {
                analysis.sample_fps = 0.0;
                analysis.tracking = false;
                analysis.min_track_ms = 0;
                analysis.focus = Focus::All;
                analysis.annotate = false;
                keep_video = false;
            }
        }
        Resolved {
            analysis,
            keep_video,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked() -> JobOptions {
        JobOptions {
            sample_fps: Some(2.0),
            tracking: Some(true),
            min_track_ms: Some(500),
            focus: Some(Focus::Main),
            annotate: Some(true),
            keep_video: Some(true),
            ..JobOptions::default()
        }
    }

    #[test]
    fn the_defaults_fill_what_was_left_out() {
        let config = Config::default();
        let r = JobOptions::default().resolve(Purpose::Video, &config, "m");
        let d = &config.defaults;
        assert_eq!(r.analysis.sample_fps, d.sample_fps);
        assert_eq!(r.analysis.detector, d.detector);
        assert_eq!(r.analysis.min_face_px, d.min_face_px);
        assert_eq!(r.analysis.model, "m");
        assert_eq!(r.analysis.tracking, d.tracking);
        assert!(!r.analysis.annotate);
        assert_eq!(r.keep_video, config.keep_videos);
    }

    #[test]
    fn each_purpose_rules_out_what_does_not_apply() {
        let config = Config::default();
        let video = asked().resolve(Purpose::Video, &config, "m");
        assert_eq!(video.analysis.sample_fps, 2.0);
        assert!(video.analysis.annotate && video.keep_video);

        let stream = asked().resolve(Purpose::Stream, &config, "m");
        assert_eq!(stream.analysis.sample_fps, 2.0);
        assert!(!stream.analysis.annotate && !stream.keep_video);
        assert!(stream.analysis.tracking);

        let live = asked().resolve(Purpose::Live, &config, "m");
        assert_eq!(live.analysis.sample_fps, 0.0);
        assert!(!live.analysis.annotate && !live.keep_video);
        assert_eq!(live.analysis.focus, Focus::Main);

        let picture = asked().resolve(Purpose::Picture, &config, "m");
        assert_eq!(picture.analysis.sample_fps, 0.0);
        assert!(!picture.analysis.tracking && !picture.analysis.annotate);
        assert_eq!(picture.analysis.min_track_ms, 0);
        assert_eq!(picture.analysis.focus, Focus::All);
        assert!(!picture.keep_video);
    }
}
