//! Videos of people who move, leave, come back and are cut between, with the truth of who is
//! where in every frame, for measuring the tracker. Faces are FER2013 test faces (read from
//! `EMOSCOPE_FER2013_DIR`), nothing is committed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use opencv::core::{self, Mat, Rect, Size};
use opencv::imgcodecs;
use opencv::imgproc;
use opencv::prelude::*;

use super::synth::{self, Result};

/// Where an actor is at a given frame: straight lines between keys, absent outside them and in
/// gaps marked by `None`.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub frame: u32,
    pub at: Option<(i32, i32)>,
    pub size: i32,
}

pub fn key(frame: u32, x: i32, y: i32, size: i32) -> Key {
    Key {
        frame,
        at: Some((x, y)),
        size,
    }
}

/// The actor leaves the picture at `frame` (until the next key).
pub fn gone(frame: u32) -> Key {
    Key {
        frame,
        at: None,
        size: 0,
    }
}

#[derive(Debug, Clone)]
pub struct Actor {
    /// The FER2013 label of the face, for the expected expression.
    pub label: &'static str,
    /// Which face of that label (in file-name order).
    pub nth: usize,
    pub keys: Vec<Key>,
}

#[derive(Debug, Clone)]
pub struct Scene {
    pub width: i32,
    pub height: i32,
    pub fps: u32,
    pub frames: u32,
    pub actors: Vec<Actor>,
    /// Frames at which another shot starts: another background, and the faces a little brighter.
    pub cuts: Vec<u32>,
    /// Cuts keep the background and the light: only the faces change (shot/reverse-shot in a
    /// studio).
    pub same_background: bool,
    /// Every shot is dark (a stage, a night scene): the two backgrounds a third as bright,
    /// the second turned upside down, so that their histograms are alike.
    pub dark: bool,
    /// Hands (skin-coloured ellipses as wide as `size`, two thirds as high) drawn over the
    /// faces, each along its keys.
    pub hands: Vec<Vec<Key>>,
}

/// One actor in one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truth {
    pub actor: usize,
    pub rect: Rect,
}

impl Actor {
    pub fn at(&self, frame: u32) -> Option<Rect> {
        let i = self.keys.iter().rposition(|k| k.frame <= frame)?;
        let k = self.keys[i];
        let (x, y) = k.at?;
        let (to, size, t) = match self.keys.get(i + 1) {
            Some(next) if next.at.is_some() => (
                next.at.unwrap_or((x, y)),
                next.size,
                (frame - k.frame) as f64 / (next.frame - k.frame).max(1) as f64,
            ),
            _ => ((x, y), k.size, 0.0),
        };
        let lerp = |a: i32, b: i32| (a as f64 + (b - a) as f64 * t).round() as i32;
        let s = lerp(k.size, size);
        Some(Rect::new(lerp(x, to.0), lerp(y, to.1), s, s))
    }
}

impl Scene {
    /// Who is where in `frame`.
    pub fn truth(&self, frame: u32) -> Vec<Truth> {
        self.actors
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.at(frame).map(|rect| Truth { actor: i, rect }))
            .collect()
    }

    /// The shot `frame` belongs to (0 before the first cut).
    pub fn shot(&self, frame: u32) -> usize {
        self.cuts.iter().filter(|&&c| c <= frame).count()
    }

    /// Encodes the scene as H.264 MP4 with ffmpeg.
    pub fn write(&self, path: &Path) -> Result<()> {
        let faces: Vec<Mat> = self
            .actors
            .iter()
            .map(|a| {
                let file = synth::test_faces(a.label, a.nth + 1)
                    .pop()
                    .ok_or("no face")?;
                let gray =
                    imgcodecs::imread(&*file.to_string_lossy(), imgcodecs::IMREAD_GRAYSCALE)?;
                Ok(gray)
            })
            .collect::<Result<_>>()?;
        let plain = synth::background(self.width, self.height)?;
        let mut flipped = Mat::default();
        core::flip(&plain, &mut flipped, 1)?;
        let mut dark = Mat::default();
        flipped.convert_to(&mut dark, -1, 0.45, 10.0)?;
        let backgrounds = match self.dark {
            false => [plain, dark],
            true => {
                let (mut first, mut turned, mut second) =
                    (Mat::default(), Mat::default(), Mat::default());
                plain.convert_to(&mut first, -1, 0.33, 6.0)?;
                core::flip(&plain, &mut turned, -1)?;
                turned.convert_to(&mut second, -1, 0.33, 6.0)?;
                [first, second]
            }
        };

        let mut child = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo"])
            .args([
                "-pix_fmt",
                "bgr24",
                "-s",
                &format!("{}x{}", self.width, self.height),
            ])
            .args(["-r", &self.fps.to_string(), "-i", "-"])
            .args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "18"])
            .args(["-pix_fmt", "yuv420p"])
            .arg(path)
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
        {
            let stdin = child.stdin.as_mut().ok_or("no ffmpeg stdin")?;
            for n in 0..self.frames {
                let shot = if self.same_background {
                    0
                } else {
                    self.shot(n)
                };
                let mut frame = backgrounds[shot % 2].try_clone()?;
                for t in self.truth(n) {
                    let r = t.rect;
                    let mut big = Mat::default();
                    imgproc::resize(
                        &faces[t.actor],
                        &mut big,
                        Size::new(r.width, r.height),
                        0.0,
                        0.0,
                        imgproc::INTER_CUBIC,
                    )?;
                    // Each shot lights the faces a little differently; a dark one, dimly.
                    let mut lit = Mat::default();
                    let (gain, offset) = match self.dark {
                        false => (1.0 - 0.08 * shot as f64, 12.0 * shot as f64),
                        true => (0.6, 0.0),
                    };
                    big.convert_to(&mut lit, -1, gain, offset)?;
                    let mut bgr = Mat::default();
                    imgproc::cvt_color_def(&lit, &mut bgr, imgproc::COLOR_GRAY2BGR)?;
                    let mut roi = Mat::roi_mut(&mut frame, r)?;
                    bgr.copy_to(&mut roi)?;
                }
                self.draw_hands(&mut frame, n)?;
                stdin.write_all(frame.data_bytes()?)?;
            }
        }
        if !child.wait()?.success() {
            return Err("ffmpeg failed".into());
        }
        Ok(())
    }
}

impl Scene {
    fn draw_hands(&self, frame: &mut Mat, n: u32) -> Result<()> {
        for keys in &self.hands {
            let hand = actor("", 0, keys.clone());
            let Some(r) = hand.at(n) else { continue };
            let centre = core::Point::new(r.x + r.width / 2, r.y + r.height / 2);
            let axes = Size::new(r.width / 2, r.width / 3);
            let skin = core::Scalar::new(120.0, 150.0, 200.0, 0.0);
            imgproc::ellipse(
                frame,
                centre,
                axes,
                0.0,
                0.0,
                360.0,
                skin,
                -1,
                imgproc::LINE_AA,
                0,
            )?;
        }
        Ok(())
    }
}

/// The scene as a video file, made once per test binary.
pub fn scene_file(name: &str, scene: &Scene) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("dir"));
    let path = dir.path().join(format!("{name}.mp4"));
    // Tests run side by side in one process: one writes the file while the others wait, and it
    // appears whole (a rename), never half written.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if !path.exists() {
        let part = dir.path().join(format!("{name}.part.mp4"));
        scene
            .write(&part)
            .unwrap_or_else(|e| panic!("making {name}: {e}"));
        std::fs::rename(&part, &path).expect("rename the scene into place");
    }
    path
}

pub fn actor(label: &'static str, nth: usize, keys: Vec<Key>) -> Actor {
    Actor { label, nth, keys }
}

pub fn scene(frames: u32, actors: Vec<Actor>, cuts: Vec<u32>) -> Scene {
    Scene {
        width: 640,
        height: 360,
        fps: 25,
        frames,
        actors,
        cuts,
        same_background: false,
        dark: false,
        hands: Vec::new(),
    }
}

/// Two faces run at each other along rows that overlap by 30 % of a face, pass, turn and pass
/// again (125 px/s: 25 px between two samples at 5 fps); a third stands still below.
pub fn crossing() -> Scene {
    scene(
        200,
        vec![
            actor(
                "happy",
                0,
                vec![
                    key(0, 20, 50, 100),
                    key(100, 520, 50, 100),
                    key(199, 20, 50, 100),
                ],
            ),
            actor(
                "surprise",
                0,
                vec![
                    key(0, 520, 120, 100),
                    key(100, 20, 120, 100),
                    key(199, 520, 120, 100),
                ],
            ),
            actor("happy", 1, vec![key(0, 270, 250, 100)]),
        ],
        vec![],
    )
}

/// Two people, then a cut to another shot (other background, closer, other light) where they
/// stand in each other's place.
pub fn cut_swap() -> Scene {
    scene(
        200,
        vec![
            actor(
                "happy",
                0,
                vec![
                    key(0, 90, 120, 120),
                    key(99, 90, 120, 120),
                    key(100, 410, 100, 150),
                ],
            ),
            actor(
                "surprise",
                0,
                vec![
                    key(0, 430, 120, 120),
                    key(99, 430, 120, 120),
                    key(100, 80, 100, 150),
                ],
            ),
        ],
        vec![100],
    )
}

/// A cut between two dark shots, whose grey levels are alike: someone else stands where the
/// first person stood, a little larger, lit as dimly.
pub fn dark_cut() -> Scene {
    Scene {
        dark: true,
        ..scene(
            150,
            vec![
                actor("happy", 1, vec![key(0, 250, 110, 120), gone(75)]),
                actor("surprise", 1, vec![gone(0), key(75, 240, 100, 140)]),
            ],
            vec![75],
        )
    }
}

/// One person walks off for three seconds (longer than the tracker waits) and comes back on
/// the other side; another stands still throughout.
pub fn leave_and_return() -> Scene {
    scene(
        225,
        vec![
            actor(
                "happy",
                0,
                vec![
                    key(0, 40, 100, 120),
                    key(75, 200, 100, 120),
                    gone(76),
                    key(150, 460, 120, 120),
                ],
            ),
            actor("surprise", 0, vec![key(0, 330, 230, 110)]),
        ],
        vec![],
    )
}

/// Faces of 56, 96 and 180 pixels, two of them moving.
pub fn sizes() -> Scene {
    scene(
        150,
        vec![
            actor("happy", 0, vec![key(0, 30, 40, 56), key(149, 200, 70, 56)]),
            actor("surprise", 0, vec![key(0, 300, 30, 96)]),
            actor(
                "happy",
                1,
                vec![key(0, 420, 160, 180), key(149, 445, 170, 180)],
            ),
        ],
        vec![],
    )
}

/// 30 faces of 60 pixels in a grid.
pub fn crowd() -> Scene {
    let actors = (0..30)
        .map(|i| {
            let (col, row) = ((i % 6) as i32, (i / 6) as i32);
            let label = if i % 2 == 0 { "happy" } else { "surprise" };
            actor(label, i / 2, vec![key(0, 12 + col * 104, 4 + row * 71, 60)])
        })
        .collect();
    scene(100, actors, vec![])
}

/// Shot/reverse-shot on one background: two people take turns in about the same place, four
/// cuts that change only the face.
pub fn shot_reverse_shot() -> Scene {
    let a = |f| key(f, 230, 70, 170);
    let b = |f| key(f, 250, 80, 160);
    Scene {
        same_background: true,
        ..scene(
            250,
            vec![
                actor("happy", 0, vec![a(0), gone(50), a(100), gone(150), a(200)]),
                actor(
                    "surprise",
                    0,
                    vec![gone(0), b(50), gone(100), b(150), gone(200)],
                ),
            ],
            vec![50, 100, 150, 200],
        )
    }
}

/// Two people side by side trade places at a cut that keeps the background and the light.
pub fn swap_same_background() -> Scene {
    let (left, right) = ((60, 100), (380, 100));
    Scene {
        same_background: true,
        ..scene(
            200,
            vec![
                actor(
                    "happy",
                    0,
                    vec![
                        key(0, left.0, left.1, 150),
                        key(99, left.0, left.1, 150),
                        key(100, right.0, right.1, 150),
                    ],
                ),
                actor(
                    "surprise",
                    0,
                    vec![
                        key(0, right.0, right.1, 150),
                        key(99, right.0, right.1, 150),
                        key(100, left.0, left.1, 150),
                    ],
                ),
            ],
            vec![100],
        )
    }
}

/// One person in three shots at three sizes (other backgrounds and light), with another
/// person's shot between each.
pub fn three_shots() -> Scene {
    scene(
        250,
        vec![
            actor(
                "happy",
                1,
                vec![
                    key(0, 80, 90, 110),
                    gone(50),
                    key(100, 200, 30, 220),
                    gone(150),
                    key(200, 420, 150, 70),
                ],
            ),
            actor(
                "surprise",
                0,
                vec![
                    gone(0),
                    key(50, 260, 80, 150),
                    gone(100),
                    key(150, 100, 60, 130),
                    gone(200),
                ],
            ),
        ],
        vec![50, 100, 150, 200],
    )
}

/// Inside one shot a hand passes over the lower half of one face, then over its eyes, while
/// another person stands beside.
pub fn gesture() -> Scene {
    Scene {
        hands: vec![
            vec![key(20, 40, 135, 110), key(60, 330, 135, 110), gone(61)],
            vec![key(90, 330, 76, 100), key(130, 40, 76, 100), gone(131)],
        ],
        ..scene(
            160,
            vec![
                actor("happy", 1, vec![key(0, 160, 60, 170)]),
                actor("surprise", 0, vec![key(0, 450, 120, 120)]),
            ],
            vec![],
        )
    }
}

/// People walking across the picture, as in a street: `people` faces (`size` to 1.5 × `size`
/// pixels), each entering at one side at its own time, crossing at its own speed on its own row
/// (rows overlap, so paths cross), leaving at the other side, and coming back the other way
/// after a while. `width`×`height`, `seconds` long, 30 frames a second.
pub fn walking(width: i32, height: i32, seconds: u32, people: usize, size: i32) -> Scene {
    let frames = seconds * 30;
    let labels = ["happy", "surprise", "sad", "angry", "neutral", "fear"];
    let actors = (0..people)
        .map(|i| {
            let n = i as i32;
            let size = size + (n * 37) % (size / 2 + 1);
            let y = height / 8 + (n * height * 3 / 5) / people as i32;
            let (left, right) = (0, width - size);
            // Across in 4 to 7 s; in at 0 to 3 s; back after 1 to 2 s off screen.
            let cross = 120 + (i as u32 * 23) % 90;
            let mut keys = Vec::new();
            let mut at = (i as u32 * 13) % 90;
            let mut from_left = i % 2 == 0;
            if at > 0 {
                keys.push(gone(0));
            }
            while at + cross < frames {
                let (x0, x1) = if from_left {
                    (left, right)
                } else {
                    (right, left)
                };
                keys.push(key(at, x0, y, size));
                keys.push(key(at + cross, x1, y, size));
                keys.push(gone(at + cross + 1));
                at += cross + 30 + (i as u32 * 7) % 30;
                from_left = !from_left;
            }
            actor(labels[i % labels.len()], i / labels.len(), keys)
        })
        .collect();
    Scene {
        width,
        height,
        fps: 30,
        ..scene(frames, actors, vec![])
    }
}
