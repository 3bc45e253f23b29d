//! Decoding alone, as the pipeline asks for it: the frames taken at a sampling rate, converted
//! to BGR, by the FFmpeg decoder and by OpenCV's `VideoCapture` (the service's decoder until
//! #26, the tests' reference). Prints the median wall time of RUNS runs of each, alternating,
//! how many frames the FFmpeg decoder decoded, and whether both took the same frames at the
//! same times.
//!     cargo run --release --example bench_decode -- VIDEO [SAMPLE_FPS [RUNS]]

use std::time::Instant;

use emoscope::pipeline::decode::FfmpegFrames;

#[path = "../tests/it/common/opencv_frames.rs"]
mod opencv_frames;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = std::path::PathBuf::from(
        args.first()
            .ok_or_else(|| anyhow::anyhow!("usage: bench_decode VIDEO [SAMPLE_FPS [RUNS]]"))?,
    );
    let sample_fps: f64 = args.get(1).map_or(Ok(5.0), |v| v.parse())?;
    let runs: usize = args.get(2).map_or(Ok(5), |v| v.parse())?;
    let names = ["opencv", "ffmpeg"];
    let mut times = vec![Vec::new(); names.len()];
    let mut taken = vec![Vec::new(); names.len()];
    let mut decoded = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let (mut stream, _) =
            opencv_frames::OpenCvFrames::open(&path, sample_fps).map_err(anyhow::Error::msg)?;
        taken[0] = stream.by_ref().map(|f| (f.index, f.time_ms)).collect();
        times[0].push(start.elapsed().as_secs_f64());
        taken[0].push((stream.frames_read(), u64::MAX));

        let start = Instant::now();
        let mut stream = FfmpegFrames::open(&path, sample_fps)?;
        taken[1] = stream
            .by_ref()
            .map(|f| f.map(|f| (f.index, f.time_ms)))
            .collect::<Result<_, _>>()?;
        times[1].push(start.elapsed().as_secs_f64());
        decoded = stream.frames_decoded();
        taken[1].push((stream.frames_read(), u64::MAX));
    }
    for (i, name) in names.iter().enumerate() {
        times[i].sort_by(f64::total_cmp);
        println!(
            "{name}: median {:.3} s over {runs} runs, {} frames taken of {}",
            times[i][runs / 2],
            taken[i].len() - 1,
            taken[i].last().map_or(0, |t| t.0)
        );
    }
    println!(
        "ffmpeg decoded {decoded} frames; ffmpeg/opencv: {:.2}; same frames at the same times: {}",
        times[1][runs / 2] / times[0][runs / 2],
        taken[0] == taken[1]
    );
    Ok(())
}
