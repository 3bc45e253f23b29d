//! What a progressive JPEG's scans cost: a 4096×4096 picture (within the default pixel caps)
//! with N empty AC scans added, decoded as the API decodes pictures, and the scan count read as
//! the API reads it before decoding. Prints the median of RUNS decodes for each N, whether it
//! decoded (libjpeg-turbo walks every scan, then TurboJPEG reports the empty scans' warnings as
//! a failure), and the time the count takes. Results go in docs/benchmarks.md.
//!     cargo run --release --example bench_jpeg_scans -- [RUNS [N …]]

use std::time::Instant;

use emoscope::pipeline::decode::{decode_picture, jpeg_scans};

#[path = "../tests/it/common/scans.rs"]
mod scans;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = args.first().map_or(Ok(3), |v| v.parse())?;
    let counts: Vec<usize> = match args.len() > 1 {
        true => args[1..]
            .iter()
            .map(|v| v.parse())
            .collect::<Result<_, _>>()?,
        false => vec![0, 90, 1000],
    };
    println!("extra scans | scans | bytes | decode median (s) | decoded | count (ms)");
    for extra in counts {
        let bytes = scans::many_scans(4096, extra)?;
        let start = Instant::now();
        let scans = jpeg_scans(&bytes).unwrap_or(0);
        let count_ms = start.elapsed().as_secs_f64() * 1000.0;
        let mut times = Vec::new();
        let mut decoded = false;
        for _ in 0..runs {
            let start = Instant::now();
            decoded = decode_picture(&bytes).is_some();
            times.push(start.elapsed().as_secs_f64());
        }
        println!(
            "{extra} | {scans} | {} | {:.3} | {decoded} | {count_ms:.2}",
            bytes.len(),
            median(times)
        );
    }
    Ok(())
}
