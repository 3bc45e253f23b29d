//! What the shot-cut detector sees in a video: for each analysed frame, the colour change from
//! the frame before (PySceneDetect's content score, 0–255), the same over the shot's recent
//! frames, the correlation of the grey thumbnails, and whether a cut was found; on stderr, what
//! the detector cost a frame. For tuning and for checking a video by eye against its cuts.
//!     cargo run --example cut_signals -- VIDEO [SAMPLE_FPS]

use emoscope::pipeline::decode::FfmpegFrames;
use emoscope::pipeline::track::cut::CutDetector;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = std::path::PathBuf::from(
        args.first()
            .ok_or_else(|| anyhow::anyhow!("usage: cut_signals VIDEO [SAMPLE_FPS]"))?,
    );
    let sample_fps: f64 = args.get(1).map_or(Ok(0.0), |v| v.parse())?;
    let mut frames =
        FfmpegFrames::open(&path, sample_fps).map_err(|e| anyhow::anyhow!(e.message))?;
    let mut cuts = CutDetector::default();
    println!("frame\ttime_ms\tcontent\trecent\tcorrelation\tcut");
    let (mut spent, mut count) = (std::time::Duration::ZERO, 0u32);
    for frame in frames.by_ref() {
        let frame = frame.map_err(|e| anyhow::anyhow!(e.message))?;
        let started = std::time::Instant::now();
        let cut = cuts
            .next(&frame.image)
            .map_err(|e| anyhow::anyhow!(e.message))?;
        spent += started.elapsed();
        count += 1;
        let s = cuts.last_signals();
        println!(
            "{}\t{}\t{:.1}\t{:.1}\t{:.3}\t{}",
            frame.index,
            frame.time_ms,
            s.content,
            s.recent,
            s.correlation,
            if cut { "CUT" } else { "" }
        );
    }
    eprintln!(
        "{count} frames, {:.1} µs a frame in the detector",
        spent.as_secs_f64() * 1e6 / f64::from(count.max(1))
    );
    Ok(())
}
