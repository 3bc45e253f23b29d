//! Real footage: a 10 s excerpt of *Tears of Steel* (© Blender Foundation, CC BY 3.0;
//! `../shared/media/README.md`), 640×360 at 24 fps, 240 frames. Its shots, written down by
//! looking at its frames:
//!
//! | frames | shot |
//! |---|---|
//! | 0–20 | a robot's head, close |
//! | 21–64 | a man on a bridge, the robot behind him |
//! | 65–184 | a man with glasses beside a blond person, in a pink and green lab |
//! | 185–239 | the robot, close, flickering with effects, which turn it into a woman's face |
//!
//! So three hard cuts (frames 21, 65 and 185), and none in the effects of the last shot (their
//! flicker changes the picture's brightness from frame to frame; the woman appears through a
//! morph, not a cut). The faces the detector finds, by shot: the robot's head now and then
//! (weakly, 0.4–0.7); the man on the bridge (32 px, three quarters turned); the man with
//! glasses (right half of the frame, about 120 px, turning and once looking down) and, on the
//! left, now and then the blond person's back of the head; the woman (from frame 222). Looped
//! for ten minutes, the same people come back 59 times: they stay as many people as in one
//! pass.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use emoscope::pipeline::decode::FfmpegFrames;
use emoscope::pipeline::people::Focus;
use emoscope::pipeline::track::cut::CutDetector;
use emoscope::pipeline::{AnalysisOptions, Engine, FrameResult, Observer, PipelineError, Progress};

use crate::common;

/// The first frame of each shot after the first.
const CUTS: [u64; 3] = [21, 65, 185];

fn clip() -> PathBuf {
    let path = common::shared_dir().join("media/tears_of_steel_cuts.mp4");
    assert!(
        path.is_file(),
        "this test needs {} (set EMOSCOPE_SHARED_DIR)",
        path.display()
    );
    path
}

/// The frames (their numbers) at which the detector finds a cut, at `sample_fps`.
fn found_cuts(sample_fps: f64) -> Vec<u64> {
    let mut frames = FfmpegFrames::open(&clip(), sample_fps).expect("open");
    let mut detector = CutDetector::default();
    let mut cuts = Vec::new();
    for frame in frames.by_ref() {
        let frame = frame.expect("frame");
        if detector.next(&frame.image).expect("thumbnail") {
            cuts.push(frame.index);
        }
    }
    cuts
}

#[test]
fn every_cut_is_found_and_none_in_the_effects_at_every_frame_and_at_5_a_second() {
    assert_eq!(found_cuts(0.0), CUTS, "every frame");
    // At 5 a second a cut is found at the first sample of its shot.
    let mut frames = FfmpegFrames::open(&clip(), 5.0).expect("open");
    let sampled: Vec<u64> = frames.by_ref().map(|f| f.expect("frame").index).collect();
    let first_samples: Vec<u64> = CUTS
        .iter()
        .map(|&cut| *sampled.iter().find(|&&i| i >= cut).expect("a sample after"))
        .collect();
    assert_eq!(found_cuts(5.0), first_samples, "5 a second");
}

/// Who a face found in frame `frame` with its centre at `x` is, as written above.
fn who(frame: u64, x: i32) -> &'static str {
    match frame {
        0..=20 => "robot",
        21..=64 => "bridge man",
        65..=184 if x >= 330 => "man with glasses",
        65..=184 => "blond person",
        _ => "woman",
    }
}

/// Every face's track, as the frames come.
#[derive(Default)]
struct Faces(Vec<(u64, i32, u32)>);

impl Observer for Faces {
    fn on_frames(&mut self, frames: Vec<FrameResult>, _: Progress) -> Result<(), PipelineError> {
        for f in frames {
            for face in f.faces {
                let x = face.bbox.x + face.bbox.w / 2;
                self.0.extend(face.track_id.map(|t| (f.frame, x, t)));
            }
        }
        Ok(())
    }
}

/// Each person number's people (after the end of the job's merges), at `sample_fps`.
fn numbers(engine: &Engine, sample_fps: f64) -> BTreeMap<u32, BTreeSet<&'static str>> {
    let mut faces = Faces::default();
    let outcome = engine
        .pipeline()
        .run(&clip(), &options(engine, sample_fps), &mut faces)
        .expect("analysis");
    let mut numbers: BTreeMap<u32, BTreeSet<&str>> = BTreeMap::new();
    for (frame, x, track) in faces.0 {
        let person = outcome.merged.get(&track).copied().unwrap_or(track);
        numbers.entry(person).or_default().insert(who(frame, x));
    }
    numbers
}

#[test]
fn no_number_holds_two_people_and_each_person_has_one_at_every_frame_and_at_5_a_second() {
    let dir = tempfile::tempdir().expect("dir");
    let engine = Engine::load(&common::test_config(dir.path()), 1).expect("engine");
    for sample_fps in [0.0, 5.0] {
        let numbers = numbers(&engine, sample_fps);
        for (number, people) in &numbers {
            assert_eq!(people.len(), 1, "{sample_fps}/s: {number} is {people:?}");
        }
        // The three people seen clearly, each in one run of shots: one number each.
        for person in ["bridge man", "man with glasses", "woman"] {
            let theirs = numbers.values().filter(|p| p.contains(person)).count();
            assert_eq!(theirs, 1, "{sample_fps}/s: {person}: {numbers:?}");
        }
    }
}

struct Ignore;

impl Observer for Ignore {
    fn on_frames(&mut self, _: Vec<FrameResult>, _: Progress) -> Result<(), PipelineError> {
        Ok(())
    }
}

/// The options of these tests: every person kept however briefly seen.
fn options(engine: &Engine, sample_fps: f64) -> AnalysisOptions {
    AnalysisOptions {
        sample_fps,
        detector: emoscope::pipeline::detect::DetectorKind::Yunet,
        min_face_px: 24,
        model: engine.default_model.clone(),
        tracking: true,
        min_track_ms: 0,
        focus: Focus::All,
        annotate: false,
    }
}

/// Each person's faces, most first, at 5 a second.
fn people(engine: &Engine, video: &Path) -> Vec<u64> {
    let outcome = engine
        .pipeline()
        .run(video, &options(engine, 5.0), &mut Ignore)
        .expect("analysis");
    let mut faces: Vec<u64> = outcome
        .people
        .expect("tracked")
        .iter()
        .map(|p| p.faces)
        .collect();
    faces.sort_unstable_by(|a, b| b.cmp(a));
    faces
}

#[test]
fn the_clip_looped_for_ten_minutes_has_the_people_of_one_pass() {
    let dir = tempfile::tempdir().expect("dir");
    let looped = dir.path().join("looped.mp4");
    // 60 passes, stream copy: the same people come back after every cut, 59 times.
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-stream_loop", "59", "-i"])
        .arg(clip())
        .args(["-c", "copy"])
        .arg(&looped)
        .status()
        .expect("ffmpeg");
    assert!(made.success());
    let config = common::test_config(dir.path());
    let engine = Engine::load(&config, 1).expect("engine");
    let once = people(&engine, &clip());
    let long = people(&engine, &looped);
    assert!(once.len() >= 2, "one pass: {once:?}");
    // As many people, each seen 60 times as often.
    let expected: Vec<u64> = once.iter().map(|f| 60 * f).collect();
    assert_eq!(long, expected, "one pass: {once:?}");
}
