//! Cuts a detected face out of the frame the way FER2013 faces look: a square, a small margin,
//! grayscale, 48×48 with area averaging.

use opencv::core::{Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::PipelineError;
use super::detect::FaceBox;

pub const FACE_SIDE: i32 = 48;

/// The square around `face`, grown by `margin` of its longer side, shifted and clamped into the
/// frame. `None` when nothing of it lies inside.
pub fn square_around(face: &FaceBox, margin: f32, frame_w: i32, frame_h: i32) -> Option<Rect> {
    let side = (face.w.max(face.h) * (1.0 + margin)).round() as i32;
    let side = side.min(frame_w).min(frame_h);
    if side < 2 {
        return None;
    }
    let cx = face.x + face.w / 2.0;
    let cy = face.y + face.h / 2.0;
    let x = ((cx - side as f32 / 2.0).round() as i32).clamp(0, frame_w - side);
    let y = ((cy - side as f32 / 2.0).round() as i32).clamp(0, frame_h - side);
    Some(Rect::new(x, y, side, side))
}

/// Appends the face's 48×48 pixels, scaled as the model expects, to `out`.
pub fn push_face(
    frame: &Mat,
    rect: Rect,
    scale: f32,
    mean: f32,
    std: f32,
    out: &mut Vec<f32>,
) -> Result<(), PipelineError> {
    let roi = Mat::roi(frame, rect).map_err(PipelineError::opencv)?;
    let mut gray = Mat::default();
    imgproc::cvt_color_def(&roi, &mut gray, imgproc::COLOR_BGR2GRAY)
        .map_err(PipelineError::opencv)?;
    let mut small = Mat::default();
    imgproc::resize(
        &gray,
        &mut small,
        Size::new(FACE_SIDE, FACE_SIDE),
        0.0,
        0.0,
        imgproc::INTER_AREA,
    )
    .map_err(PipelineError::opencv)?;
    push_gray48(&small, scale, mean, std, out)
}

/// Appends an already 48×48 grayscale image (as in the FER2013 files).
pub fn push_gray48(
    img: &Mat,
    scale: f32,
    mean: f32,
    std: f32,
    out: &mut Vec<f32>,
) -> Result<(), PipelineError> {
    if img.cols() != FACE_SIDE || img.rows() != FACE_SIDE || img.channels() != 1 {
        return Err(PipelineError::internal(
            "a face crop is not 48×48 grayscale",
        ));
    }
    let mut owned = Mat::default();
    let data = if img.is_continuous() {
        img.data_bytes().map_err(PipelineError::opencv)?
    } else {
        img.copy_to(&mut owned).map_err(PipelineError::opencv)?;
        owned.data_bytes().map_err(PipelineError::opencv)?
    };
    out.extend(data.iter().map(|&v| (v as f32 * scale - mean) / std));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_is_clamped_into_the_frame() {
        let face = FaceBox {
            x: -10.0,
            y: 5.0,
            w: 40.0,
            h: 50.0,
            score: 1.0,
        };
        let r = square_around(&face, 0.1, 100, 80).expect("inside");
        assert_eq!((r.x, r.y, r.width, r.height), (0, 3, 55, 55));
        let huge = FaceBox {
            x: 0.0,
            y: 0.0,
            w: 500.0,
            h: 500.0,
            score: 1.0,
        };
        let r = square_around(&huge, 0.1, 100, 80).expect("inside");
        assert_eq!((r.width, r.height), (80, 80));
    }
}
