//! The tracker on made-up scenes with known truth (FER2013 test faces that move, cross, leave,
//! come back, and are cut between), run through the real pipeline at the default sampling
//! (5 per second) and at every frame. Prints a table of the figures; asserts no ID switch and
//! IDF1 ≥ 0.9 where the issue asks for it.

use crate::common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::mot::{self, Score, Seen};
use common::scenes::{
    Scene, crossing, crowd, cut_swap, dark_cut, gesture, leave_and_return, scene_file,
    shot_reverse_shot, sizes, swap_same_background, three_shots, walking,
};
use emoscope::config::Config;
use emoscope::pipeline::people::{Focus, Person};
use emoscope::pipeline::{
    AnalysisOptions, Engine, FrameResult, Observer, Outcome, PipelineError, Progress,
};
use opencv::core::Rect;

struct Collect(Vec<FrameResult>);

impl Observer for Collect {
    fn on_frames(&mut self, f: Vec<FrameResult>, _: Progress) -> Result<(), PipelineError> {
        self.0.extend(f);
        Ok(())
    }
}

fn config(tweak: impl FnOnce(&mut Config)) -> Config {
    let dir = std::env::temp_dir();
    let mut c = common::test_config(&dir);
    tweak(&mut c);
    c
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(&config(|_| {}), 1).expect("engine"))
}

struct Run {
    /// Against the final ids (after the end of the job merged tracks).
    score: Score,
    outcome: Outcome,
    tracks: BTreeSet<u32>,
    /// ID switches inside shots, with the ids given while the tracker ran.
    shot_switches: u64,
}

fn run(engine: &Engine, name: &str, scene: &Scene, sample_fps: f64) -> Run {
    let path = scene_file(name, scene);
    let options = AnalysisOptions {
        sample_fps,
        detector: emoscope::pipeline::detect::DetectorKind::Yunet,
        min_face_px: 24,
        model: engine.default_model.clone(),
        tracking: true,
        min_track_ms: 1000,
        focus: Focus::All,
        annotate: false,
    };
    let mut seen = Collect(Vec::new());
    let started = std::time::Instant::now();
    let outcome = engine
        .pipeline()
        .run(&path, &options, &mut seen)
        .expect("analysis");
    // The final ids: tracks merged at the end of the job take their person's id, as in the
    // stored timeline.
    let final_id = |t: Option<u32>| t.map(|t| outcome.merged.get(&t).copied().unwrap_or(t));
    let frames: Vec<_> = seen
        .0
        .iter()
        .map(|f| {
            let seen = f
                .faces
                .iter()
                .map(|face| Seen {
                    rect: Rect::new(face.bbox.x, face.bbox.y, face.bbox.w, face.bbox.h),
                    track: final_id(face.track_id),
                })
                .collect();
            (scene.truth(f.frame as u32), seen)
        })
        .collect();
    let shot_switches = switches_inside_shots(scene, &seen.0);
    let score = mot::score(&frames);
    if std::env::var("TRACK_DEBUG").is_ok_and(|v| v == name) {
        for f in &seen.0 {
            let faces: Vec<_> = f
                .faces
                .iter()
                .map(|x| (x.track_id, x.bbox.x, x.bbox.y, x.bbox.w, x.score))
                .collect();
            let truth: Vec<_> = scene
                .truth(f.frame as u32)
                .iter()
                .map(|t| (t.actor, t.rect.x, t.rect.y))
                .collect();
            println!("{} {truth:?} {faces:?}", f.frame);
        }
    }
    let tracks = seen
        .0
        .iter()
        .flat_map(|f| f.faces.iter().filter_map(|x| final_id(x.track_id)))
        .collect();
    println!(
        "| {name} | {} | {} | {:.1} % | {} | {} | {} | {:.3} | {} | {:.1} s |",
        if sample_fps == 0.0 {
            "every frame".to_string()
        } else {
            format!("{sample_fps} fps")
        },
        score.truths,
        100.0 * score.matched as f64 / score.truths.max(1) as f64,
        shot_switches,
        score.id_switches,
        score.mixed_tracks,
        score.idf1,
        outcome.people.as_ref().map_or(0, Vec::len),
        started.elapsed().as_secs_f64()
    );
    Run {
        score,
        outcome,
        tracks,
        shot_switches,
    }
}

/// ID switches inside shots, as the tracker gave the ids while it ran (before the end of the
/// job merged anything).
fn switches_inside_shots(scene: &Scene, seen: &[FrameResult]) -> u64 {
    let mut by_shot: Vec<Vec<(Vec<common::scenes::Truth>, Vec<Seen>)>> = Vec::new();
    for f in seen {
        let shot = scene.shot(f.frame as u32);
        by_shot.resize_with(by_shot.len().max(shot + 1), Vec::new);
        let faces = f
            .faces
            .iter()
            .map(|face| Seen {
                rect: Rect::new(face.bbox.x, face.bbox.y, face.bbox.w, face.bbox.h),
                track: face.track_id,
            })
            .collect();
        by_shot[shot].push((scene.truth(f.frame as u32), faces));
    }
    by_shot
        .iter()
        .map(|frames| mot::score(frames).id_switches)
        .sum()
}

fn assert_clean(name: &str, r: &Run, actors: usize) {
    let s = &r.score;
    assert!(
        s.matched as f64 >= 0.9 * s.truths as f64,
        "{name}: faces found {s:?}"
    );
    assert_eq!(s.id_switches, 0, "{name}: {s:?}");
    assert_eq!(s.mixed_tracks, 0, "{name}: {s:?}");
    assert!(s.idf1 >= 0.9, "{name}: IDF1 {s:?}");
    let people = r.outcome.people.as_ref().expect("tracked");
    assert_eq!(people.len(), actors, "{name}: people {:?}", ids(people));
}

/// What the identity issue asks of its scenes, at 5 fps and at every frame: nobody shares a
/// track, no switch inside a shot, IDF1 ≥ 0.95 after the end of the job, each person once.
fn assert_people_stay_themselves(name: &str, scene: &Scene, actors: usize) {
    for fps in [5.0, 0.0] {
        let r = run(engine(), name, scene, fps);
        let s = &r.score;
        assert!(
            s.matched as f64 >= 0.9 * s.truths as f64,
            "{name} at {fps}: faces found {s:?}"
        );
        assert_eq!(s.mixed_tracks, 0, "{name} at {fps}: {s:?}");
        assert_eq!(r.shot_switches, 0, "{name} at {fps}: {s:?}");
        assert!(s.idf1 >= 0.95, "{name} at {fps}: IDF1 {s:?}");
        let people = r.outcome.people.as_ref().expect("tracked");
        assert_eq!(people.len(), actors, "{name} at {fps}: {:?}", ids(people));
        assert_expressions(name, scene, &r);
    }
}

#[test]
fn shot_reverse_shot_on_one_background_keeps_two_people() {
    assert_people_stay_themselves("shot_reverse_shot", &shot_reverse_shot(), 2);
}

#[test]
fn people_trading_places_at_a_cut_that_keeps_the_background_keep_their_numbers() {
    assert_people_stay_themselves("swap_same_background", &swap_same_background(), 2);
}

#[test]
fn one_person_in_three_shots_at_three_sizes_is_one_person() {
    assert_people_stay_themselves("three_shots", &three_shots(), 2);
}

#[test]
fn a_hand_passing_over_a_face_does_not_change_who_it_is() {
    assert_people_stay_themselves("gesture", &gesture(), 2);
}

fn ids(people: &[Person]) -> Vec<u32> {
    people.iter().map(|p| p.id).collect()
}

/// Each actor's person shows the actor's expression.
fn assert_expressions(name: &str, scene: &Scene, r: &Run) {
    let people = r.outcome.people.as_ref().expect("tracked");
    for (i, a) in scene.actors.iter().enumerate() {
        let track = r.score.main_track[&i];
        let p = people
            .iter()
            .find(|p| p.id == track)
            .unwrap_or_else(|| panic!("{name}: actor {i}'s track {track} is not a person"));
        assert_eq!(
            p.dominant.map(|d| d.as_str()),
            Some(a.label),
            "{name}: actor {i}: {p:?}"
        );
    }
}

#[test]
fn crossing_paths_keep_their_ids() {
    let s = crossing();
    for fps in [5.0, 0.0] {
        let r = run(engine(), "crossing", &s, fps);
        assert_clean("crossing", &r, 3);
        assert_expressions("crossing", &s, &r);
    }
}

#[test]
fn a_cut_does_not_hand_a_place_to_the_wrong_person() {
    let s = cut_swap();
    for fps in [5.0, 0.0] {
        let r = run(engine(), "cut_swap", &s, fps);
        assert_clean("cut_swap", &r, 2);
        assert_expressions("cut_swap", &s, &r);
    }
}

#[test]
fn a_cut_between_two_dark_shots_is_found_and_the_place_changes_hands() {
    let s = dark_cut();
    // The detector alone finds it, at every frame and at the first sample after it.
    for fps in [0.0, 5.0] {
        let mut frames =
            emoscope::pipeline::decode::FfmpegFrames::open(&scene_file("dark_cut", &s), fps)
                .expect("open");
        let mut detector = emoscope::pipeline::track::cut::CutDetector::default();
        let mut cuts = Vec::new();
        for frame in frames.by_ref() {
            let frame = frame.expect("frame");
            if detector.next(&frame.image).expect("thumbnail") {
                cuts.push(frame.index);
            }
        }
        assert_eq!(cuts, [75], "at {fps}");
    }
    assert_people_stay_themselves("dark_cut", &s, 2);
}

#[test]
fn a_person_who_leaves_and_returns_is_known_again() {
    let s = leave_and_return();
    for fps in [5.0, 0.0] {
        let r = run(engine(), "leave_and_return", &s, fps);
        assert_clean("leave_and_return", &r, 2);
    }
}

#[test]
fn people_walking_across_each_other_in_and_out_of_the_picture_stay_themselves() {
    // Six people of 100–150 px, each crossing the picture in 4–7 s, leaving and coming back
    // the other way 1–2 s later; their paths cross.
    let s = walking(960, 540, 12, 6, 100);
    for fps in [5.0, 0.0] {
        let r = run(engine(), "walking", &s, fps);
        assert_clean("walking", &r, 6);
    }
}

#[test]
fn faces_of_different_sizes_are_followed() {
    let s = sizes();
    for fps in [5.0, 0.0] {
        let r = run(engine(), "sizes", &s, fps);
        assert_clean("sizes", &r, 3);
    }
}

#[test]
fn a_crowd_is_followed_up_to_the_cap_and_the_job_says_so() {
    let s = crowd();
    let r = run(engine(), "crowd", &s, 5.0);
    // YuNet does not find some of these small FER faces at all (4 of 30): that is the detector.
    // Every face it finds is one person, from start to end.
    let found = r.score.main_track.len();
    assert!(found >= 24, "{:?}", r.score);
    assert_eq!(
        (r.score.id_switches, r.score.mixed_tracks),
        (0, 0),
        "{:?}",
        r.score
    );
    assert_eq!(r.outcome.people.as_ref().map(Vec::len), Some(found));
    assert_eq!(r.tracks.len(), found);
    assert!(r.outcome.warnings.is_empty(), "{:?}", r.outcome.warnings);

    let capped = Engine::load(&config(|c| c.tracking.max_live_tracks = 10), 1).expect("engine");
    let r = run(&capped, "crowd_capped", &s, 5.0);
    assert!(r.tracks.len() <= 10, "{:?}", r.tracks);
    assert_eq!(r.outcome.people.as_ref().map(Vec::len), Some(10));
    assert!(
        r.outcome
            .warnings
            .iter()
            .any(|w| w.contains("more than 10 faces")),
        "{:?}",
        r.outcome.warnings
    );
    // Every face still counts in the job's result.
    assert!(
        r.outcome.summary.faces_classified >= r.score.matched,
        "{:?}",
        r.score
    );
}

/// How often two different people look alike enough to be taken for one: the looks of 700 FER2013
/// test faces (100 per expression), compared pairwise at the tracker's threshold. Different
/// people are what a wrong re-identification would merge.
#[test]
fn different_faces_rarely_look_alike_at_the_reid_threshold() {
    use emoscope::pipeline::track::TrackerConfig;
    use emoscope::pipeline::track::appearance::{look, similarity};
    use opencv::imgcodecs;
    use opencv::prelude::*;

    let mut looks = Vec::new();
    for label in [
        "angry", "disgust", "fear", "happy", "neutral", "sad", "surprise",
    ] {
        let n = if label == "disgust" { 55 } else { 100 };
        for file in common::synth::test_faces(label, n) {
            let img = imgcodecs::imread(&*file.to_string_lossy(), imgcodecs::IMREAD_GRAYSCALE)
                .expect("read");
            let pixels: Vec<f32> = img
                .data_bytes()
                .expect("bytes")
                .iter()
                .map(|&v| v as f32)
                .collect();
            if let Some(l) = look(&pixels) {
                looks.push(l);
            }
        }
    }
    let mut sims = Vec::new();
    for i in 0..looks.len() {
        for j in i + 1..looks.len() {
            sims.push(similarity(&looks[i], &looks[j]));
        }
    }
    let rate = |min: f32| sims.iter().filter(|&&s| s >= min).count() as f64 / sims.len() as f64;
    for min in [0.6, 0.65, 0.7, 0.75, 0.8, 0.85] {
        println!(
            "{:.4} % of {} pairs of different faces look alike at {min}",
            rate(min) * 100.0,
            sims.len()
        );
    }
    let min = TrackerConfig::default().reid_min;
    assert!(rate(min) < 0.005, "{} at {min}", rate(min));
}
