//! Cuts a detected face out of the frame as the model saw faces in training: grey, the model's
//! side (48 or 112 px) with area averaging, and framed on the model's template. With YuNet's five
//! landmarks the face is aligned (turned upright, scaled and placed where the template has its
//! eyes, nose and mouth: FER2013's own framing, or face recognition's ArcFace template); without
//! them (Haar), it is the square around the box with a margin.

use opencv::core::{self, Mat, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use serde::Serialize;

use super::PipelineError;
use super::classify::Preprocess;
use super::detect::FaceBox;

/// The side of a FER2013 face.
pub const FER_SIDE: i32 = 48;

/// Where a model wants a face's landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Template {
    /// Where FER2013's faces have them (the 48 px models).
    Fer2013,
    /// The ArcFace template of face recognition (FaceNetEmo; the identity cue's crop).
    ArcFace,
}

impl Template {
    /// The five landmarks in a `side`-pixel square.
    pub fn points(self, side: f32) -> [f32; 10] {
        match self {
            Template::Fer2013 => FER_LANDMARKS.map(|v| v * side),
            Template::ArcFace => ARCFACE.map(|v| v * side / 112.0),
        }
    }
}

/// Where the ArcFace template puts the right eye, left eye, nose tip, right and left mouth
/// corner in a 112×112 face (YuNet gives its landmarks in this order).
pub const ARCFACE: [f32; 10] = [
    38.2946, 51.6963, 73.5318, 51.5014, 56.0252, 71.7366, 41.5493, 92.3655, 70.7299, 92.2041,
];

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

/// Where FER2013's faces have their landmarks, as fractions of the side: right eye, left eye,
/// nose tip, right and left mouth corner (x, y). The medians of YuNet's landmarks on
/// PrivateTest faces shown at 64, 96 and 160 px (`emoscope evaluate --through-pipeline`).
pub const FER_LANDMARKS: [f32; 10] = [
    0.300, 0.388, 0.689, 0.388, 0.493, 0.596, 0.341, 0.765, 0.665, 0.765,
];

/// The similarity transform (rotation, uniform scale, shift) that best maps the five landmarks
/// onto the template's, in a `side`-pixel square: the 2×3 matrix `[a, -b, tx; b, a, ty]` as
/// `[a, b, tx, ty]`.
pub fn alignment(landmarks: &[f32; 10], template: Template, side: f32) -> Option<[f64; 4]> {
    similarity_fit(landmarks, &template.points(side))
}

/// The similarity transform that best maps the points `src` onto `dst` (five (x, y) pairs
/// each; least squares, closed form), as `[a, b, tx, ty]`.
pub fn similarity_fit(src: &[f32; 10], dst: &[f32; 10]) -> Option<[f64; 4]> {
    let pairs = |v: &[f32; 10]| -> Vec<(f64, f64)> {
        v.chunks_exact(2)
            .map(|p| (p[0] as f64, p[1] as f64))
            .collect()
    };
    let (src, dst) = (pairs(src), pairs(dst));
    let n = src.len() as f64;
    let mean = |v: &[(f64, f64)]| {
        let (x, y) = v.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        (x / n, y / n)
    };
    let (ps, qs) = (mean(&src), mean(&dst));
    let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
    for (p, q) in src.iter().zip(&dst) {
        let (ax, ay) = (p.0 - ps.0, p.1 - ps.1);
        let (bx, by) = (q.0 - qs.0, q.1 - qs.1);
        dot += ax * bx + ay * by;
        cross += ax * by - ay * bx;
        norm += ax * ax + ay * ay;
    }
    if norm.is_nan() || norm <= 1e-6 {
        return None;
    }
    let (a, b) = (dot / norm, cross / norm);
    let tx = qs.0 - (a * ps.0 - b * ps.1);
    let ty = qs.1 - (b * ps.0 + a * ps.1);
    Some([a, b, tx, ty])
}

/// Appends the face, aligned by its landmarks, as the model's side of pixels scaled as it
/// expects. A large face is warped at about its own resolution, then area-averaged down.
pub fn push_aligned(
    frame: &Mat,
    landmarks: &[f32; 10],
    pre: Preprocess,
    out: &mut Vec<f32>,
) -> Result<bool, PipelineError> {
    let Some([a, b, ..]) = alignment(landmarks, pre.template, pre.side as f32) else {
        return Ok(false);
    };
    let zoom = ((1.0 / a.hypot(b)).ceil() as i32).clamp(1, 8);
    let side = pre.side * zoom;
    let Some([a, b, tx, ty]) = alignment(landmarks, pre.template, side as f32) else {
        return Ok(false);
    };
    let m = Mat::from_slice_2d(&[[a, -b, tx], [b, a, ty]]).map_err(PipelineError::opencv)?;
    let mut warped = Mat::default();
    imgproc::warp_affine(
        frame,
        &mut warped,
        &m,
        Size::new(side, side),
        imgproc::INTER_LINEAR,
        core::BORDER_REPLICATE,
        Scalar::default(),
    )
    .map_err(PipelineError::opencv)?;
    push_bgr(&warped, frame.channels() == 1, pre, out)?;
    Ok(true)
}

/// How a detected face is framed before it is classified.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Framing {
    /// Turn the face upright by its five landmarks, when the detector gave them.
    pub align: bool,
    /// Border around a box crop, as a share of the face's size.
    pub margin: f32,
}

/// Appends the face as the model sees it: aligned when `framing.align` and the detector gave
/// landmarks, else the square around its box grown by the margin. `false`: nothing of it is in
/// the frame.
pub fn push_detected(
    frame: &Mat,
    face: &FaceBox,
    framing: Framing,
    pre: Preprocess,
    out: &mut Vec<f32>,
) -> Result<bool, PipelineError> {
    if framing.align
        && let Some(points) = &face.landmarks
    {
        return push_aligned(frame, points, pre, out);
    }
    let Some(rect) = square_around(face, framing.margin, frame.cols(), frame.rows()) else {
        return Ok(false);
    };
    push_face(frame, rect, pre, out)?;
    Ok(true)
}

/// Appends the face's pixels, at the model's side and scaled as it expects, to `out`.
pub fn push_face(
    frame: &Mat,
    rect: Rect,
    pre: Preprocess,
    out: &mut Vec<f32>,
) -> Result<(), PipelineError> {
    let roi = Mat::roi(frame, rect).map_err(PipelineError::opencv)?;
    push_bgr(&roi, frame.channels() == 1, pre, out)
}

/// Appends a BGR (or, `grey`, a one-channel) face picture as grey pixels at the model's side
/// (area-averaged).
fn push_bgr(
    face: &impl core::ToInputArray,
    grey: bool,
    pre: Preprocess,
    out: &mut Vec<f32>,
) -> Result<(), PipelineError> {
    let size = Size::new(pre.side, pre.side);
    let mut small = Mat::default();
    if grey {
        imgproc::resize(face, &mut small, size, 0.0, 0.0, imgproc::INTER_AREA)
    } else {
        let mut converted = Mat::default();
        imgproc::cvt_color_def(face, &mut converted, imgproc::COLOR_BGR2GRAY)
            .map_err(PipelineError::opencv)?;
        imgproc::resize(&converted, &mut small, size, 0.0, 0.0, imgproc::INTER_AREA)
    }
    .map_err(PipelineError::opencv)?;
    push_gray(&small, pre, out)
}

/// Appends a grey image already at the model's side (a FER2013 file for a 48 px model).
pub fn push_gray(img: &Mat, pre: Preprocess, out: &mut Vec<f32>) -> Result<(), PipelineError> {
    if img.cols() != pre.side || img.rows() != pre.side || img.channels() != 1 {
        return Err(PipelineError::internal(format!(
            "a face crop is not {0}×{0} grayscale",
            pre.side
        )));
    }
    let mut owned = Mat::default();
    let data = if img.is_continuous() {
        img.data_bytes().map_err(PipelineError::opencv)?
    } else {
        img.copy_to(&mut owned).map_err(PipelineError::opencv)?;
        owned.data_bytes().map_err(PipelineError::opencv)?
    };
    out.extend(data.iter().map(|&v| pre.apply(v)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landmarks_where_fer_has_them_align_to_themselves() {
        let at: [f32; 10] = FER_LANDMARKS.map(|v| v * 48.0);
        let [a, b, tx, ty] = alignment(&at, Template::Fer2013, 48.0).expect("transform");
        assert!((a - 1.0).abs() < 1e-6 && b.abs() < 1e-6, "{a} {b}");
        assert!(tx.abs() < 1e-4 && ty.abs() < 1e-4, "{tx} {ty}");

        // The same face twice as large, turned by 20°, 100 px further: undone.
        let (c, s) = (20f32.to_radians().cos(), 20f32.to_radians().sin());
        let mut turned = [0f32; 10];
        for j in 0..5 {
            let (x, y) = (at[2 * j] * 2.0, at[2 * j + 1] * 2.0);
            turned[2 * j] = c * x - s * y + 100.0;
            turned[2 * j + 1] = s * x + c * y + 100.0;
        }
        let [a, b, tx, ty] = alignment(&turned, Template::Fer2013, 48.0).expect("transform");
        for j in 0..5 {
            let (x, y) = (turned[2 * j] as f64, turned[2 * j + 1] as f64);
            let (u, v) = (a * x - b * y + tx, b * x + a * y + ty);
            assert!((u - at[2 * j] as f64).abs() < 1e-3, "x {j}: {u}");
            assert!((v - at[2 * j + 1] as f64).abs() < 1e-3, "y {j}: {v}");
        }
        assert!((a.hypot(b) - 0.5).abs() < 1e-6, "scale {}", a.hypot(b));
    }

    #[test]
    fn a_face_on_the_arcface_template_aligns_to_a_smaller_side_by_scale_alone() {
        let at = Template::ArcFace.points(112.0);
        assert!(
            at.iter().zip(ARCFACE).all(|(p, q)| (p - q).abs() < 1e-4),
            "{at:?}"
        );
        let [a, b, tx, ty] = alignment(&at, Template::ArcFace, 56.0).expect("transform");
        assert!((a - 0.5).abs() < 1e-6 && b.abs() < 1e-6, "{a} {b}");
        assert!(tx.abs() < 1e-4 && ty.abs() < 1e-4, "{tx} {ty}");
        // The same landmarks on FER2013's tighter framing come out larger and shifted.
        let [a, ..] = alignment(&at, Template::Fer2013, 112.0).expect("transform");
        assert!(a > 1.1, "{a}");
    }

    #[test]
    fn square_is_clamped_into_the_frame() {
        let face = FaceBox {
            x: -10.0,
            y: 5.0,
            w: 40.0,
            h: 50.0,
            score: 1.0,
            landmarks: None,
        };
        let r = square_around(&face, 0.1, 100, 80).expect("inside");
        assert_eq!((r.x, r.y, r.width, r.height), (0, 3, 55, 55));
        let huge = FaceBox {
            x: 0.0,
            y: 0.0,
            w: 500.0,
            h: 500.0,
            score: 1.0,
            landmarks: None,
        };
        let r = square_around(&huge, 0.1, 100, 80).expect("inside");
        assert_eq!((r.width, r.height), (80, 80));
    }
}
