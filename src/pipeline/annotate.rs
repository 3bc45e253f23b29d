//! The annotated video (opt-in): each analysed frame with every face's box, its person and its
//! most likely expression drawn on it, written as H.264 MP4 at the job's sampling rate. It shows
//! faces, so it exists only when a job asks for it, and it is capped in size.
//!
//! Who a face is becomes final only at the end of the job (tracks of one person are merged
//! then), so the frames are first written plain to a scratch file beside the result, with their
//! faces kept in memory; [`Annotator::finish`] reads them back, draws the faces with their
//! people's final numbers, and writes the video.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use opencv::core::{Mat, Point, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::aggregate::{EMOTIONS, argmax};
use super::decode::FfmpegFrames;
use super::encode::H264Writer;
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
    /// The plain frames, as they come (`None` once closed).
    plain: Option<H264Writer>,
    plain_path: PathBuf,
    path: PathBuf,
    fps: f64,
    size: Size,
    max_bytes: u64,
    /// Each frame's faces, drawn at the end.
    faces: Vec<Vec<FaceResult>>,
    /// Why the video was given up, if it was (the analysis goes on without it).
    dropped: Option<String>,
}

/// A run that fails leaves no plain frames behind.
impl Drop for Annotator {
    fn drop(&mut self) {
        self.plain = None;
        let _ = std::fs::remove_file(&self.plain_path);
    }
}

fn h264_writer(path: &Path, fps: f64, size: Size) -> Result<H264Writer, PipelineError> {
    H264Writer::create(path, fps, size.width as u32, size.height as u32)
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

impl Annotator {
    /// Starts an H.264 MP4 at `path`, `fps` frames per second of `size`.
    pub fn create(
        path: &Path,
        fps: f64,
        size: Size,
        max_bytes: u64,
    ) -> Result<Self, PipelineError> {
        let plain_path = path.with_extension("plain.mp4");
        Ok(Self {
            plain: Some(h264_writer(&plain_path, fps, size)?),
            plain_path,
            path: path.to_path_buf(),
            fps,
            size,
            max_bytes,
            faces: Vec::new(),
            dropped: None,
        })
    }

    /// Appends `image` and keeps its faces to draw at the end.
    pub fn add(&mut self, image: &Mat, faces: &[FaceResult]) -> Result<(), PipelineError> {
        if self.dropped.is_some() {
            return Ok(());
        }
        if let Some(plain) = &mut self.plain {
            plain.write(image)?;
        }
        self.faces.push(faces.to_vec());
        let frames = self.faces.len() as u64;
        if frames.is_multiple_of(SIZE_CHECK_EVERY) && size_of(&self.plain_path) > self.max_bytes {
            self.give_up(format!(
                "the annotated video was not kept: it grew past the limit of {} bytes",
                self.max_bytes
            ));
        }
        Ok(())
    }

    fn give_up(&mut self, why: String) {
        self.dropped = Some(why);
        self.faces = Vec::new();
        self.plain = None;
        let _ = std::fs::remove_file(&self.plain_path);
        let _ = std::fs::remove_file(&self.path);
    }

    /// Draws the faces, their tracks named by their people (`merged`: track → person), and
    /// writes the video; returns a warning when the video was given up.
    pub fn finish(mut self, merged: &BTreeMap<u32, u32>) -> Result<Option<String>, PipelineError> {
        if self.dropped.is_none() {
            if let Some(plain) = self.plain.take() {
                plain.finish()?;
            }
            let drawn = self.draw_all(merged);
            let _ = std::fs::remove_file(&self.plain_path);
            drawn?;
            if size_of(&self.path) > self.max_bytes {
                self.give_up(format!(
                    "the annotated video was not kept: it is larger than the limit of {} bytes",
                    self.max_bytes
                ));
            }
        }
        Ok(self.dropped.take())
    }

    /// The plain frames read back, drawn on and written to `path`.
    fn draw_all(&mut self, merged: &BTreeMap<u32, u32>) -> Result<(), PipelineError> {
        // Every frame of the plain file, in order (its frames are at an even size).
        let mut plain = FfmpegFrames::open(&self.plain_path, 0.0)?;
        let even = Size::new(self.size.width & !1, self.size.height & !1);
        let mut out = h264_writer(&self.path, self.fps, even)?;
        for faces in &mut self.faces {
            let Some(frame) = plain.next() else { break };
            let mut image = frame?.image;
            for face in faces.iter_mut() {
                face.track_id = face.track_id.map(|t| merged.get(&t).copied().unwrap_or(t));
            }
            draw(&mut image, faces).map_err(PipelineError::opencv)?;
            out.write(&image)?;
        }
        out.finish()
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
