//! A decoded FFmpeg frame as an OpenCV BGR image of its own size, converted the way OpenCV's
//! `VideoCapture` converted (swscale, bicubic for the chroma planes). The scaler is kept while
//! the frames' format and size stay the same.

use ff::format::Pixel;
use ff::software::scaling;
use ff::util::frame::Video as RawFrame;
use ffmpeg_next as ff;
use opencv::core::{CV_8UC1, CV_8UC3, Mat, Scalar};
use opencv::prelude::*;

#[derive(Default)]
pub struct ToBgr {
    scaler: Option<(scaling::Context, Pixel, u32, u32)>,
    bgr: Option<RawFrame>,
}

impl ToBgr {
    pub fn convert(&mut self, frame: &RawFrame) -> Result<Mat, String> {
        let (format, w, h) = (frame.format(), frame.width(), frame.height());
        if !matches!(&self.scaler, Some((_, f, fw, fh)) if (*f, *fw, *fh) == (format, w, h)) {
            let ctx =
                scaling::Context::get(format, w, h, Pixel::BGR24, w, h, scaling::Flags::BICUBIC)
                    .map_err(|e| e.to_string())?;
            self.scaler = Some((ctx, format, w, h));
            self.bgr = None;
        }
        let bgr = self.bgr.get_or_insert_with(RawFrame::empty);
        if let Some((ctx, ..)) = &mut self.scaler {
            ctx.run(frame, bgr).map_err(|e| e.to_string())?;
        }
        mat_from_rows(bgr.data(0), bgr.stride(0), w as usize, h as usize, CV_8UC3)
            .ok_or_else(|| "the converted frame is shorter than its size".to_string())
    }
}

/// An OpenCV image of `width`×`height` pixels of `kind` (8-bit, one or three channels), copied
/// row by row from `src`, whose rows start `stride` bytes apart; `None` if `src` is short.
pub fn mat_from_rows(
    src: &[u8],
    stride: usize,
    width: usize,
    height: usize,
    kind: i32,
) -> Option<Mat> {
    let row = width * if kind == CV_8UC1 { 1 } else { 3 };
    let mut image =
        Mat::new_rows_cols_with_default(height as i32, width as i32, kind, Scalar::all(0.0))
            .ok()?;
    let dst = image.data_bytes_mut().ok()?;
    for (y, out) in dst.chunks_exact_mut(row).enumerate() {
        out.copy_from_slice(src.get(y * stride..y * stride + row)?);
    }
    Some(image)
}
