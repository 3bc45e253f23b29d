//! A decoded FFmpeg frame as an OpenCV BGR image of its own size, converted the way OpenCV's
//! `VideoCapture` converted (swscale, bicubic for the chroma planes). The scaler is kept while
//! the frames' format and size stay the same.

use ff::format::Pixel;
use ff::software::scaling;
use ff::util::frame::Video as RawFrame;
use ffmpeg_next as ff;
use opencv::core::{CV_8UC3, Mat, Scalar};
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
        let mut image =
            Mat::new_rows_cols_with_default(h as i32, w as i32, CV_8UC3, Scalar::all(0.0))
                .map_err(|e| e.to_string())?;
        let (row, stride) = (w as usize * 3, bgr.stride(0));
        let src = bgr.data(0);
        let dst = image.data_bytes_mut().map_err(|e| e.to_string())?;
        for (y, out) in dst.chunks_exact_mut(row).enumerate() {
            out.copy_from_slice(&src[y * stride..y * stride + row]);
        }
        Ok(image)
    }
}
