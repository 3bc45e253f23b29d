//! The FFmpeg decoder takes the frames OpenCV's `VideoCapture` took (the service's decoder until
//! #26, kept here as the reference) at the same times, and leaves undecoded what no sample
//! needs: B-frames between samples, and whole key-frame intervals when samples are sparser than
//! key frames.

use std::path::{Path, PathBuf};

use emoscope::pipeline::ErrorKind;
use emoscope::pipeline::decode::FfmpegFrames;
use emoscope::pipeline::probe::{self, VideoInfo};
use opencv::core::{Mat, Scalar};
use opencv::prelude::*;

use crate::common::opencv_frames::OpenCvFrames;
use crate::common::synth::Codec;
use crate::common::{lavfi_video, main_spec, video};

struct Taken {
    info: VideoInfo,
    /// (frame number, time in ms) of each frame taken, then the frames read.
    frames: Vec<(u64, u64)>,
    frames_read: u64,
    images: Vec<Mat>,
    decoded: Option<u64>,
}

/// What the FFmpeg decoder takes.
fn take(path: &Path, sample_fps: f64) -> Taken {
    let mut stream = FfmpegFrames::open(path, sample_fps).expect("open");
    let (mut frames, mut images) = (Vec::new(), Vec::new());
    for frame in stream.by_ref() {
        let frame = frame.expect("frame");
        frames.push((frame.index, frame.time_ms));
        images.push(frame.image);
    }
    Taken {
        info: stream.info().clone(),
        frames,
        frames_read: stream.frames_read(),
        images,
        decoded: Some(stream.frames_decoded()),
    }
}

/// What OpenCV's `VideoCapture` takes.
fn reference(path: &Path, sample_fps: f64) -> Taken {
    let (mut stream, info) = OpenCvFrames::open(path, sample_fps).expect("OpenCV opens it");
    let (mut frames, mut images) = (Vec::new(), Vec::new());
    for frame in stream.by_ref() {
        frames.push((frame.index, frame.time_ms));
        images.push(frame.image);
    }
    Taken {
        info,
        frames,
        frames_read: stream.frames_read(),
        images,
        decoded: None,
    }
}

/// Mean absolute difference of two BGR images, per channel value.
fn mean_difference(a: &Mat, b: &Mat) -> f64 {
    let mut diff = Mat::default();
    opencv::core::absdiff(a, b, &mut diff).expect("absdiff");
    let m: Scalar = opencv::core::mean(&diff, &opencv::core::no_array()).expect("mean");
    (m[0] + m[1] + m[2]) / 3.0
}

/// Compares both backends on `path` at `sample_fps`; returns FFmpeg's decoded share.
fn same_frames(path: &Path, sample_fps: f64) -> f64 {
    let cv = reference(path, sample_fps);
    let ff = take(path, sample_fps);
    let what = format!("{} at {sample_fps} a second", path.display());
    assert!(!cv.frames.is_empty(), "{what}: no frame");
    assert_eq!(ff.info, cv.info, "{what}: the video's facts");
    assert_eq!(ff.frames, cv.frames, "{what}: frames taken");
    assert_eq!(ff.frames_read, cv.frames_read, "{what}: frames read");
    for (i, (a, b)) in cv.images.iter().zip(&ff.images).enumerate() {
        assert_eq!(a.size().expect("size"), b.size().expect("size"), "{what}");
        let d = mean_difference(a, b);
        assert!(d < 0.5, "{what}: frame {i} differs by {d:.2} on average");
    }
    ff.decoded.expect("counted") as f64 / ff.frames_read as f64
}

/// The main test video re-encoded with a key frame every 12 frames (about 0.5 s) and B-frames.
fn dense_key_frames(dir: &Path) -> PathBuf {
    reencoded(dir, "keys.mp4", &["-g", "12"])
}

/// The same with key frames every half second but unevenly: one now and then comes late, as
/// an encoder's scene cuts place them.
fn uneven_key_frames(dir: &Path) -> PathBuf {
    let times = "0,0.5,1,1.5,2.6,3,3.5,4,5.2,5.5,6,6.5,7.7,8,8.5,9,10.1,10.5,11,11.5,12.6,13,13.5";
    reencoded(
        dir,
        "uneven.mp4",
        &[
            "-g",
            "1000",
            "-sc_threshold",
            "0",
            "-force_key_frames",
            times,
        ],
    )
}

fn reencoded(dir: &Path, name: &str, keys: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let main = video("main", main_spec, Codec::H264Mp4);
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&main)
        .args(["-c:v", "libx264", "-bf", "3", "-pix_fmt", "yuv420p"])
        .args(keys)
        .arg(&out)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    out
}

/// A phone's video: its frames are stored sideways, and a display matrix says how to turn them.
fn portrait(dir: &Path, angle: u32) -> PathBuf {
    let plain = dir.join("plain.mp4");
    if !plain.exists() {
        lavfi_video(&plain, "testsrc=size=320x240:rate=25:duration=2", &[]);
    }
    let out = dir.join(format!("turned-{angle}.mp4"));
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&plain)
        .args(["-c", "copy", "-metadata:s:v:0", &format!("rotate={angle}")])
        .arg(&out)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    out
}

#[test]
fn both_backends_take_the_same_frames_of_every_kind_of_video() {
    let dir = tempfile::tempdir().expect("dir");
    let vfr = dir.path().join("vfr.mp4");
    lavfi_video(
        &vfr,
        "testsrc=size=320x240:rate=30:duration=4",
        &["-vf", "select='lt(t,2)+not(mod(n,3))'", "-fps_mode", "vfr"],
    );
    let ntsc = dir.path().join("ntsc.mp4");
    lavfi_video(
        &ntsc,
        "testsrc=size=320x240:rate=30000/1001:duration=3",
        &[],
    );
    let turned = [90, 180, 270].map(|angle| portrait(dir.path(), angle));
    let videos = [
        video("main", main_spec, Codec::H264Mp4),
        video("main", main_spec, Codec::Vp9Webm),
        video("main", main_spec, Codec::MjpegAvi),
        vfr,
        ntsc,
    ];
    for path in videos.iter().chain(&turned) {
        for sample_fps in [0.0, 5.0, 2.0, 1.0] {
            same_frames(path, sample_fps);
        }
    }
}

#[test]
fn sparse_samples_jump_from_key_frame_to_key_frame() {
    let dir = tempfile::tempdir().expect("dir");
    let keys = dense_key_frames(dir.path());
    let every = same_frames(&keys, 0.0);
    assert_eq!(
        every, 1.0,
        "every frame is decoded when every frame is taken"
    );
    // Five a second of 25: the B-frames no other frame needs are left out.
    let five = same_frames(&keys, 5.0);
    assert!(five < 0.8, "decoded {five:.2} of the frames at 5 a second");
    // One a second, key frames every 12 frames: a few frames a second are decoded.
    let one = same_frames(&keys, 1.0);
    assert!(one < 0.3, "decoded {one:.2} of the frames at 1 a second");
    let half = same_frames(&keys, 0.5);
    assert!(
        half < one,
        "decoded {half:.2} of the frames at 0.5 a second"
    );
    // Where a key frame comes later than the last two foretold, the seek lands on the one
    // before; seeking waits for the next key frame, then goes on.
    let uneven = uneven_key_frames(dir.path());
    // (0.38 of them; 0.48 when a seek that landed backwards ended seeking for good.)
    let one = same_frames(&uneven, 1.0);
    assert!(one < 0.43, "decoded {one:.2} of the frames at 1 a second");
}

/// A file with sound and no picture is refused by both backends and by the upload check, as
/// unreadable; a file cut in half ends early in both, with the same frames up to OpenCV's last.
#[test]
fn no_picture_is_refused_and_a_cut_file_ends_early() {
    let dir = tempfile::tempdir().expect("dir");
    let sound = dir.path().join("voice.m4a");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=2",
        ])
        .args(["-c:a", "aac"])
        .arg(&sound)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    match FfmpegFrames::open(&sound, 5.0) {
        Err(e) => assert_eq!(e.kind, ErrorKind::UnreadableVideo, "{e}"),
        Ok(_) => panic!("the decoder opened a file without a picture"),
    }
    assert!(
        OpenCvFrames::open(&sound, 5.0).is_err(),
        "OpenCV refuses it too"
    );
    let refused = probe::probe(&sound).expect_err("no picture");
    assert_eq!(refused.kind, ErrorKind::UnreadableVideo);

    // The main video keeps its index at the front (faststart), so its first half opens.
    let main = std::fs::read(video("main", main_spec, Codec::H264Mp4)).expect("read");
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &main[..main.len() / 2]).expect("write");
    let cv = reference(&cut, 0.0);
    let ff = take(&cut, 0.0);
    assert_eq!(ff.info, cv.info);
    // FFmpeg's backend gets a frame or two more out of the last, partial packets.
    assert!(ff.frames.starts_with(&cv.frames), "{:?}", ff.frames);
    assert!(ff.frames_read >= cv.frames_read);
    for read in [cv.frames_read, ff.frames_read] {
        assert!(
            (read as f64) < 0.9 * ff.info.frame_count as f64,
            "{read} of {} frames read",
            ff.info.frame_count
        );
    }
}
