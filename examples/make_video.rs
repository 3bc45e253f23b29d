//! Makes a FER-made test video for benchmarks and manual runs:
//!     cargo run --release --example make_video -- OUT.mp4 [WIDTH HEIGHT SECONDS FACES [still|people]]
//! Faces are FER2013 test faces (happy, surprise, sad, angry…) changing every second: each place
//! shows another person each second. Frames are camera-like (drift, flicker, sensor noise)
//! unless the last argument is `still`; with `people` they are camera-like and each place keeps
//! one person (one face) all video long, as in a meeting.

// The test helper that makes the test videos; the example uses part of it.
#[allow(dead_code)]
#[path = "../tests/it/common/synth.rs"]
mod synth;

use synth::{Codec, Face, Segment, VideoSpec};

fn main() -> synth::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args
        .first()
        .ok_or("usage: make_video OUT.mp4 [WIDTH HEIGHT SECONDS FACES]")?;
    let num = |i: usize, d: i32| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (w, h, seconds, faces) = (num(1, 1920), num(2, 1080), num(3, 20), num(4, 3));
    let fps = 30;
    let labels = ["happy", "surprise", "sad", "angry", "neutral", "fear"];
    let pool: Vec<Vec<std::path::PathBuf>> = labels
        .iter()
        .map(|l| synth::test_faces(l, seconds as usize))
        .collect();
    let style = args.get(5).map(String::as_str);
    let size = (h / 4).clamp(100, 300);
    let mut segments = Vec::new();
    for s in 0..seconds as usize {
        let faces = (0..faces as usize)
            .map(|i| Face {
                image: match style {
                    Some("people") => pool[i % labels.len()][i / labels.len()].clone(),
                    _ => pool[(i + s) % labels.len()][s].clone(),
                },
                x: (i as i32 + 1) * w / (faces + 1) - size / 2,
                y: h / 2 - size / 2 + if i % 2 == 0 { -h / 8 } else { h / 8 },
                size,
            })
            .collect();
        segments.push(Segment { frames: fps, faces });
    }
    let codec = match out.rsplit('.').next() {
        Some("webm") => Codec::Vp9Webm,
        Some("avi") => Codec::MjpegAvi,
        _ => Codec::H264Mp4,
    };
    let motion = style != Some("still");
    let spec = VideoSpec {
        width: w,
        height: h,
        fps,
        segments,
        motion,
    };
    synth::write_video(&spec, codec, std::path::Path::new(out))?;
    eprintln!("wrote {out}: {w}x{h}, {seconds} s at {fps} fps, {faces} faces");
    Ok(())
}
