//! Makes a benchmark video of people walking across the picture, as in a street: faces enter,
//! cross each other's paths at their own speeds and leave, then come back the other way
//! (FER2013 test faces on a plain background; H.264 at x264's defaults, key frames up to 250
//! frames apart):
//!     cargo run --release --example make_walking -- OUT.mp4 [WIDTH HEIGHT SECONDS PEOPLE]
//! Faces are a ninth of the height to half as large again (120–180 px at 1080p).

// The test helpers that make the test scenes; the example uses part of them.
#[allow(dead_code)]
#[path = "../tests/it/common/synth.rs"]
mod synth;

#[allow(dead_code)]
#[path = "../tests/it/common/scenes.rs"]
mod scenes;

fn main() -> synth::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args
        .first()
        .ok_or("usage: make_walking OUT.mp4 [WIDTH HEIGHT SECONDS PEOPLE]")?;
    let num = |i: usize, d: u32| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (w, h, seconds, people) = (num(1, 1920), num(2, 1080), num(3, 20), num(4, 8));
    let scene = scenes::walking(w as i32, h as i32, seconds, people as usize, h as i32 / 9);
    scene.write(std::path::Path::new(out))?;
    eprintln!("wrote {out}: {w}x{h}, {seconds} s at 30 fps, {people} people walking");
    Ok(())
}
