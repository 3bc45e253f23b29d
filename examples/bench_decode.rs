//! Decoding alone, through either backend, as the pipeline asks for it: the frames taken at a
//! sampling rate, converted to BGR. Prints the median wall time of RUNS runs of each backend,
//! alternating, how many frames FFmpeg's backend decoded, and whether both took the same frames
//! at the same times.
//!     cargo run --release --example bench_decode -- VIDEO [SAMPLE_FPS [RUNS]]

use std::time::Instant;

use emoscope::pipeline::decode::{FrameStream, VideoDecoder};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = std::path::PathBuf::from(
        args.first()
            .ok_or_else(|| anyhow::anyhow!("usage: bench_decode VIDEO [SAMPLE_FPS [RUNS]]"))?,
    );
    let sample_fps: f64 = args.get(1).map_or(Ok(5.0), |v| v.parse())?;
    let runs: usize = args.get(2).map_or(Ok(5), |v| v.parse())?;
    let backends = [VideoDecoder::Opencv, VideoDecoder::Ffmpeg];
    let mut times = vec![Vec::new(); backends.len()];
    let mut taken = vec![Vec::new(); backends.len()];
    let mut decoded = 0;
    for _ in 0..runs {
        for (i, &backend) in backends.iter().enumerate() {
            let start = Instant::now();
            let (mut stream, _) = FrameStream::open(backend, &path, sample_fps)?;
            let frames: Vec<(u64, u64)> = stream
                .by_ref()
                .map(|f| f.map(|f| (f.index, f.time_ms)))
                .collect::<Result<_, _>>()?;
            times[i].push(start.elapsed().as_secs_f64());
            if let FrameStream::Ffmpeg(f) = &stream {
                decoded = f.frames_decoded();
            }
            taken[i] = frames;
            taken[i].push((stream.frames_read(), u64::MAX));
        }
    }
    for (i, backend) in backends.iter().enumerate() {
        times[i].sort_by(f64::total_cmp);
        println!(
            "{backend:?}: median {:.3} s over {runs} runs, {} frames taken of {}",
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
