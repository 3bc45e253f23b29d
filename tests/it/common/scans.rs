//! A progressive JPEG of many scans: the picture attack of #38, for the tests and
//! `examples/bench_jpeg_scans.rs`.

use opencv::core::{Mat, Scalar, Vector};
use opencv::imgcodecs;
use opencv::prelude::*;

/// A real progressive JPEG of `side`² grey pixels with `extra` empty AC scans added before its
/// end (one component, band 1–63, no refinement): libjpeg-turbo walks the whole picture once
/// for each.
pub fn many_scans(side: i32, extra: usize) -> opencv::Result<Vec<u8>> {
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
