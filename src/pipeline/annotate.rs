//! The annotated video (opt-in): each analysed frame with every face's box, its person and its
//! most likely expression drawn on it, written as H.264 MP4 at the job's sampling rate. It shows
//! faces, so it exists only when a job asks for it, and it is capped in size.

use std::path::{Path, PathBuf};

use opencv::core::{Mat, Point, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use opencv::videoio::{self, VideoWriter};

use super::aggregate::{EMOTIONS, argmax};
use super::{FaceResult, PipelineError};

/// One colour per expression (BGR), as on the web page.
const COLORS: [(f64, f64, f64); 7] = [
    (43.0, 57.0, 192.0),
    (35.0, 142.0, 107.0),
    (152.0, 60.0, 125.0),
    (0.0, 184.0, 230.0),
    (151.0, 149.0, 138.0),
    (163.0, 113.0, 36.0),
    (34.0, 126.0, 230.0),
];

/// How often (in frames) the file's size is checked against the cap.
const SIZE_CHECK_EVERY: u64 = 16;

pub struct Annotator {
    writer: VideoWriter,
    path: PathBuf,
    max_bytes: u64,
    frames: u64,
    /// Why the video was given up, if it was (the analysis goes on without it).
    dropped: Option<String>,
}

impl Annotator {
    /// Starts an H.264 MP4 at `path`, `fps` frames per second of `size`.
    pub fn create(
        path: &Path,
        fps: f64,
        size: Size,
        max_bytes: u64,
    ) -> Result<Self, PipelineError> {
        let fourcc = VideoWriter::fourcc('a', 'v', 'c', '1').map_err(PipelineError::opencv)?;
        let writer = VideoWriter::new_with_backend(
            &*path.to_string_lossy(),
            videoio::CAP_FFMPEG,
            fourcc,
            fps,
            size,
            true,
        )
        .map_err(PipelineError::opencv)?;
        if !writer.is_opened().unwrap_or(false) {
            return Err(PipelineError::internal(
                "this server's OpenCV cannot write H.264 MP4 (FFmpeg without an H.264 encoder)",
            ));
        }
        Ok(Self {
            writer,
            path: path.to_path_buf(),
            max_bytes,
            frames: 0,
            dropped: None,
        })
    }

    /// Draws the faces on `image` and appends it.
    pub fn add(&mut self, image: &mut Mat, faces: &[FaceResult]) -> Result<(), PipelineError> {
        if self.dropped.is_some() {
            return Ok(());
        }
        draw(image, faces).map_err(PipelineError::opencv)?;
        self.writer.write(image).map_err(PipelineError::opencv)?;
        self.frames += 1;
        if self.frames.is_multiple_of(SIZE_CHECK_EVERY) {
            let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
            if size > self.max_bytes {
                self.dropped = Some(format!(
                    "the annotated video was not kept: it grew past the limit of {} bytes",
                    self.max_bytes
                ));
                let _ = self.writer.release();
                let _ = std::fs::remove_file(&self.path);
            }
        }
        Ok(())
    }

    /// Closes the file; returns a warning when the video was given up.
    pub fn finish(mut self) -> Result<Option<String>, PipelineError> {
        if self.dropped.is_none() {
            self.writer.release().map_err(PipelineError::opencv)?;
            let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
            if size > self.max_bytes {
                let _ = std::fs::remove_file(&self.path);
                self.dropped = Some(format!(
                    "the annotated video was not kept: it is larger than the limit of {} bytes",
                    self.max_bytes
                ));
            }
        }
        Ok(self.dropped)
    }
}

fn draw(image: &mut Mat, faces: &[FaceResult]) -> opencv::Result<()> {
    let side = image.cols().max(image.rows()) as f64;
    let thickness = ((side / 400.0).round() as i32).max(2);
    let scale = (side / 1400.0).max(0.45);
    for face in faces {
        let p = face.probabilities.to_array();
        let top = argmax(&p);
        let (b, g, r) = COLORS[top];
        let color = Scalar::new(b, g, r, 0.0);
        let bx = face.bbox;
        imgproc::rectangle(
            image,
            Rect::new(bx.x, bx.y, bx.w, bx.h),
            color,
            thickness,
            imgproc::LINE_8,
            0,
        )?;
        let who = face.track_id.map_or(String::new(), |t| format!("P{t} "));
        let label = format!("{who}{} {:.0}%", EMOTIONS[top], p[top] * 100.0);
        let mut baseline = 0;
        let text = imgproc::get_text_size(
            &label,
            imgproc::FONT_HERSHEY_SIMPLEX,
            scale,
            thickness / 2 + 1,
            &mut baseline,
        )?;
        let y = if bx.y - text.height - 2 * thickness >= 0 {
            bx.y - text.height - 2 * thickness
        } else {
            bx.y + bx.h
        };
        imgproc::rectangle(
            image,
            Rect::new(
                bx.x,
                y,
                text.width + 2 * thickness,
                text.height + baseline + thickness,
            ),
            color,
            imgproc::FILLED,
            imgproc::LINE_8,
            0,
        )?;
        imgproc::put_text(
            image,
            &label,
            Point::new(bx.x + thickness, y + text.height + thickness / 2),
            imgproc::FONT_HERSHEY_SIMPLEX,
            scale,
            Scalar::new(255.0, 255.0, 255.0, 0.0),
            thickness / 2 + 1,
            imgproc::LINE_AA,
            false,
        )?;
    }
    Ok(())
}
