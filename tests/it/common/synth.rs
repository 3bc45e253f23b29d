//! Test videos made from FER2013 test faces: faces scaled up and placed on a background at known
//! positions, in segments with known labels, encoded by ffmpeg. Nothing from the dataset is
//! committed; the faces are read from `EMOSCOPE_FER2013_DIR` (default `../shared/data/fer2013`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use opencv::core::{self, Mat, Rect, Scalar, Size};
use opencv::imgcodecs;
use opencv::imgproc;
use opencv::prelude::*;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The FER2013 folder, or a clear message saying why the test cannot run.
pub fn fer_dir() -> PathBuf {
    let dir = std::env::var_os("EMOSCOPE_FER2013_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/fer2013"));
    assert!(
        dir.join("test").is_dir(),
        "this test needs FER2013 at {} (set EMOSCOPE_FER2013_DIR to its folder)",
        dir.display()
    );
    dir
}

/// The first `n` test (PrivateTest) faces of `label`, in file-name order.
pub fn test_faces(label: &str, n: usize) -> Vec<PathBuf> {
    let dir = fer_dir().join("test").join(label);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files.truncate(n);
    assert_eq!(
        files.len(),
        n,
        "not enough {label} faces in {}",
        dir.display()
    );
    files
}

#[derive(Debug, Clone)]
pub struct Face {
    pub image: PathBuf,
    pub x: i32,
    pub y: i32,
    pub size: i32,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub frames: u32,
    pub faces: Vec<Face>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    H264Mp4,
    Vp9Webm,
    MjpegAvi,
}

impl Codec {
    pub fn extension(self) -> &'static str {
        match self {
            Codec::H264Mp4 => "mp4",
            Codec::Vp9Webm => "webm",
            Codec::MjpegAvi => "avi",
        }
    }

    fn args(self) -> &'static [&'static str] {
        match self {
            Codec::H264Mp4 => &[
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "20",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
            ],
            Codec::Vp9Webm => &[
                "-c:v",
                "libvpx-vp9",
                "-b:v",
                "1M",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-pix_fmt",
                "yuv420p",
            ],
            Codec::MjpegAvi => &["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p"],
        }
    }
}

#[derive(Debug, Clone)]
pub struct VideoSpec {
    pub width: i32,
    pub height: i32,
    pub fps: u32,
    pub segments: Vec<Segment>,
    /// Camera-like frames for benchmarks: faces drift, light flickers, sensor noise on every
    /// frame, so the encoder cannot just repeat the last picture. Off for tests.
    pub motion: bool,
}

impl VideoSpec {
    /// The segment that frame `index` belongs to.
    pub fn segment_of(&self, index: u64) -> &Segment {
        let mut start = 0u64;
        for s in &self.segments {
            if index < start + s.frames as u64 {
                return s;
            }
            start += s.frames as u64;
        }
        self.segments.last().expect("a segment")
    }
}

/// A soft diagonal gradient, so the background is not a flat colour.
pub fn background(w: i32, h: i32) -> Result<Mat> {
    let mut bg = Mat::new_rows_cols_with_default(h, w, core::CV_8UC3, Scalar::all(0.0))?;
    for y in 0..h {
        for x in 0..w {
            let v = 70.0 + 60.0 * (x as f64 / w as f64) + 40.0 * (y as f64 / h as f64);
            *bg.at_2d_mut::<core::Vec3b>(y, x)? =
                core::Vec3b::from([v as u8, (v * 0.95) as u8, (v * 0.9) as u8]);
        }
    }
    Ok(bg)
}

fn compose(bg: &Mat, faces: &[Face]) -> Result<Mat> {
    let mut frame = bg.try_clone()?;
    for f in faces {
        let gray = imgcodecs::imread(&*f.image.to_string_lossy(), imgcodecs::IMREAD_GRAYSCALE)?;
        assert!(!gray.empty(), "cannot read {}", f.image.display());
        let mut big = Mat::default();
        imgproc::resize(
            &gray,
            &mut big,
            Size::new(f.size, f.size),
            0.0,
            0.0,
            imgproc::INTER_CUBIC,
        )?;
        let mut bgr = Mat::default();
        imgproc::cvt_color_def(&big, &mut bgr, imgproc::COLOR_GRAY2BGR)?;
        let mut roi = Mat::roi_mut(&mut frame, Rect::new(f.x, f.y, f.size, f.size))?;
        bgr.copy_to(&mut roi)?;
    }
    Ok(frame)
}

/// Frame `n` of a camera-like video: faces drift by up to 4% of the width, the light flickers,
/// and Gaussian sensor noise (sigma 3) covers everything.
fn moving_frame(bg: &Mat, faces: &[Face], n: u32, w: i32, h: i32) -> Result<Mat> {
    let t = n as f64 / 30.0;
    let dx = ((t * 0.7).sin() * w as f64 * 0.04) as i32;
    let dy = ((t * 0.5).cos() * h as f64 * 0.02) as i32;
    let moved: Vec<Face> = faces
        .iter()
        .map(|f| Face {
            x: (f.x + dx).clamp(0, w - f.size),
            y: (f.y + dy).clamp(0, h - f.size),
            ..f.clone()
        })
        .collect();
    let frame = compose(bg, &moved)?;
    let mut noise = Mat::new_rows_cols_with_default(h, w, core::CV_16SC3, Scalar::all(0.0))?;
    let light = 6.0 * (t * 2.0).sin();
    core::randn(&mut noise, &Scalar::all(light), &Scalar::all(3.0))?;
    let mut wide = Mat::default();
    frame.convert_to(&mut wide, core::CV_16SC3, 1.0, 0.0)?;
    let mut sum = Mat::default();
    core::add(&wide, &noise, &mut sum, &core::no_array(), -1)?;
    let mut out = Mat::default();
    sum.convert_to(&mut out, core::CV_8UC3, 1.0, 0.0)?;
    Ok(out)
}

/// Encodes the video with ffmpeg (which must be installed).
pub fn write_video(spec: &VideoSpec, codec: Codec, path: &Path) -> Result<()> {
    let bg = background(spec.width, spec.height)?;
    let mut child = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "bgr24",
        ])
        .args([
            "-s",
            &format!("{}x{}", spec.width, spec.height),
            "-r",
            &spec.fps.to_string(),
            "-i",
            "-",
        ])
        .args(codec.args())
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ffmpeg (install it: apt-get install ffmpeg): {e}"))?;
    {
        let stdin = child.stdin.as_mut().ok_or("no ffmpeg stdin")?;
        let mut n = 0u32;
        for seg in &spec.segments {
            let still = compose(&bg, &seg.faces)?;
            for _ in 0..seg.frames {
                if spec.motion {
                    let frame = moving_frame(&bg, &seg.faces, n, spec.width, spec.height)?;
                    stdin.write_all(frame.data_bytes()?)?;
                } else {
                    stdin.write_all(still.data_bytes()?)?;
                }
                n += 1;
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("ffmpeg failed: {status}").into());
    }
    Ok(())
}

/// Segments of `seconds` each showing one face of `label` (a different test face per segment).
pub fn single_face_segments(
    label: &'static str,
    count: usize,
    fps: u32,
    seconds: f64,
    x: i32,
    y: i32,
    size: i32,
) -> Vec<Segment> {
    test_faces(label, count)
        .into_iter()
        .map(|image| Segment {
            frames: (fps as f64 * seconds).round() as u32,
            faces: vec![Face { image, x, y, size }],
        })
        .collect()
}

/// A 640×360 picture with a happy (left) and a surprised (right) FER2013 face, 160 px each,
/// encoded as `ext` (`.png`, `.jpg`, `.webp`).
pub fn two_faces_picture(ext: &str) -> Vec<u8> {
    let mut canvas = background(640, 360).expect("background");
    for (label, x) in [("happy", 80), ("surprise", 400)] {
        let file = test_faces(label, 1).pop().expect("face");
        let gray =
            imgcodecs::imread(&*file.to_string_lossy(), imgcodecs::IMREAD_GRAYSCALE).expect("read");
        let mut big = Mat::default();
        imgproc::resize(
            &gray,
            &mut big,
            Size::new(160, 160),
            0.0,
            0.0,
            imgproc::INTER_CUBIC,
        )
        .expect("resize");
        let mut bgr = Mat::default();
        imgproc::cvt_color_def(&big, &mut bgr, imgproc::COLOR_GRAY2BGR).expect("bgr");
        let mut roi = Mat::roi_mut(&mut canvas, Rect::new(x, 100, 160, 160)).expect("roi");
        bgr.copy_to(&mut roi).expect("copy");
    }
    let mut out = opencv::core::Vector::<u8>::new();
    imgcodecs::imencode_def(ext, &canvas, &mut out).expect("encode");
    out.to_vec()
}
