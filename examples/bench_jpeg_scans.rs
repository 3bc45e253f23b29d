//! What a progressive JPEG's scans cost: a 4096×4096 picture (within the default pixel caps)
//! with N empty AC scans added, decoded as the API decodes pictures, and the scan count read as
//! the API reads it before decoding. Prints the median of RUNS decodes for each N, whether it
//! decoded (libjpeg-turbo walks every scan, then TurboJPEG reports the empty scans' warnings as
//! a failure), and the time the count takes. Results go in docs/benchmarks.md.
//!     cargo run --release --example bench_jpeg_scans -- [RUNS [N …]]

use std::time::Instant;

use emoscope::pipeline::decode::{decode_picture, jpeg_scans};
use opencv::core::{Mat, Scalar, Vector};
use opencv::imgcodecs;
use opencv::prelude::*;

/// A real progressive JPEG of `side`² pixels with `extra` empty AC scans before its end.
fn many_scans(side: i32, extra: usize) -> anyhow::Result<Vec<u8>> {
    let image =
        Mat::new_rows_cols_with_default(side, side, opencv::core::CV_8UC3, Scalar::all(90.0))?;
    let mut jpeg = Vector::<u8>::new();
    let flags = Vector::from_slice(&[imgcodecs::IMWRITE_JPEG_PROGRESSIVE, 1]);
    imgcodecs::imencode(".jpg", &image, &mut jpeg, &flags)?;
    let mut bytes = jpeg.to_vec();
    let end = bytes.len() - 2;
    let scan = [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3F, 0x00];
    let added: Vec<u8> = scan
        .iter()
        .copied()
        .cycle()
        .take(scan.len() * extra)
        .collect();
    bytes.splice(end..end, added);
    Ok(bytes)
}

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
        let bytes = many_scans(4096, extra)?;
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
