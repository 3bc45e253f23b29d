//! One still picture through the same detector, crop and model as a video's frames: every face
//! and the picture's shares. No tracking, nothing kept.
//!
//! [`ImageAnalysers`] serves the API: a few threads, each with its own sessions (a
//! [`Pipeline`]), take pictures from a short queue; a full queue is refused at once rather than
//! waited on.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use opencv::core::{Mat, Vector};
use opencv::imgcodecs;
use opencv::prelude::*;
use serde::Serialize;
use tokio::sync::oneshot;

use super::aggregate::{Accumulator, EmotionSummary};
use super::batch::face_result;
use super::decode::SampledFrame;
use super::faces::FaceFinder;
use super::{AnalysisOptions, Engine, FaceResult, Pipeline, PipelineError};

/// What a picture shows.
#[derive(Debug, Clone, Serialize)]
pub struct ImageOutcome {
    pub width: u32,
    pub height: u32,
    /// Each face found, in the detector's order (most confident first).
    pub faces: Vec<FaceResult>,
    /// The faces' expressions together, as for a video of one frame.
    pub summary: EmotionSummary,
}

impl Pipeline<'_> {
    /// Analyses one picture (BGR); `options`' detector, model and least face size apply, its
    /// sampling, tracking and annotation do not.
    pub fn analyse_image(
        &mut self,
        image: Mat,
        options: &AnalysisOptions,
    ) -> Result<ImageOutcome, PipelineError> {
        let still = AnalysisOptions {
            tracking: false,
            annotate: false,
            ..options.clone()
        };
        let (width, height) = (image.cols() as u32, image.rows() as u32);
        let preprocess = self.model(&still.model)?.info.preprocess;
        let mut finder = FaceFinder::new(&self.engine.settings, &still, preprocess);
        let frame = SampledFrame {
            index: 0,
            time_ms: 0,
            image,
        };
        let mut detector = self.detector(still.detector)?;
        let found = finder.find(&mut detector, None, &frame);
        self.give_back(detector, None);
        let found = found?;
        let probabilities = match found.faces.is_empty() {
            true => Vec::new(),
            false => self.model(&still.model)?.classify(&found.pixels)?,
        };
        let faces: Vec<FaceResult> = found
            .faces
            .iter()
            .zip(probabilities)
            .map(|(f, p)| face_result(f, p, None))
            .collect();
        let mut acc = Accumulator::default();
        acc.add_frame(faces.iter().map(|f| f.probabilities.to_array()));
        Ok(ImageOutcome {
            width,
            height,
            faces,
            summary: acc.summary(),
        })
    }
}

/// Why a picture got no analysis.
#[derive(Debug)]
pub enum ImageError {
    /// The bytes do not decode as a picture.
    NotAPicture,
    /// Every analyser is busy and the queue is full.
    Busy,
    /// The analysers are gone (the server is stopping).
    Stopped,
    Pipeline(PipelineError),
}

struct Job {
    bytes: bytes::Bytes,
    options: AnalysisOptions,
    reply: oneshot::Sender<Result<ImageOutcome, ImageError>>,
}

/// The API's picture analysers: a handle to their queue (dropping the last one stops them).
#[derive(Clone)]
pub struct ImageAnalysers {
    queue: SyncSender<Job>,
}

impl ImageAnalysers {
    /// `threads` analysers, each opening its own sessions on `engine` at its first picture, and
    /// room for `queue` pictures waiting.
    pub fn spawn(engine: Arc<Engine>, threads: usize, queue: usize) -> std::io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let (engine, rx) = (engine.clone(), rx.clone());
            std::thread::Builder::new()
                .name(format!("emoscope-image-{i}"))
                .spawn(move || serve(&engine, &rx))?;
        }
        Ok(Self { queue: tx })
    }

    /// Decodes and analyses one picture.
    pub async fn analyse(
        &self,
        bytes: bytes::Bytes,
        options: AnalysisOptions,
    ) -> Result<ImageOutcome, ImageError> {
        let answer = self.submit(bytes, options)?;
        answer.await.unwrap_or(Err(ImageError::Stopped))
    }

    /// Queues one picture, or says at once why it cannot wait.
    fn submit(&self, bytes: bytes::Bytes, options: AnalysisOptions) -> Result<Answer, ImageError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            bytes,
            options,
            reply,
        };
        match self.queue.try_send(job) {
            Ok(()) => Ok(answer),
            Err(TrySendError::Full(_)) => Err(ImageError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(ImageError::Stopped),
        }
    }
}

type Answer = oneshot::Receiver<Result<ImageOutcome, ImageError>>;

/// One analyser thread: pictures from the queue until every handle is dropped.
fn serve(engine: &Engine, queue: &Mutex<Receiver<Job>>) {
    let mut pipeline = engine.pipeline();
    loop {
        let job = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A client that gave up is not waited for.
        if job.reply.is_closed() {
            continue;
        }
        let result = decode(&job.bytes).and_then(|image| {
            pipeline
                .analyse_image(image, &job.options)
                .map_err(ImageError::Pipeline)
        });
        let _ = job.reply.send(result);
    }
}

/// The picture as BGR pixels.
pub fn decode(bytes: &[u8]) -> Result<Mat, ImageError> {
    let buffer = Vector::<u8>::from_slice(bytes);
    match imgcodecs::imdecode(&buffer, imgcodecs::IMREAD_COLOR) {
        Ok(image) if !image.empty() => Ok(image),
        _ => Err(ImageError::NotAPicture),
    }
}

/// A picture's format and size read from its first bytes, before anything is decoded (a small
/// file may claim a huge picture).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureSize {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
}

/// The format and size of a JPEG, PNG or WebP picture; `None` for anything else.
pub fn picture_size(b: &[u8]) -> Option<PictureSize> {
    let be16 = |i: usize| Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]) as u32);
    let le16 = |i: usize| Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]) as u32);
    let size = |format, width: u32, height: u32| {
        (width > 0 && height > 0).then_some(PictureSize {
            format,
            width,
            height,
        })
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        let be32 = |i: usize| Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?));
        return size("png", be32(16)?, be32(20)?);
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 9 < b.len() {
            if b[i] != 0xFF {
                return None;
            }
            let marker = b[i + 1];
            match marker {
                0xFF => i += 1,
                0x01 | 0xD0..=0xD9 => i += 2,
                0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                    return size("jpeg", be16(i + 7)?, be16(i + 5)?);
                }
                _ => i += 2 + be16(i + 2)? as usize,
            }
        }
        return None;
    }
    if b.get(0..4) == Some(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        let byte = |i: usize| b.get(i).map(|&v| v as u32);
        return match b.get(12..16)? {
            b"VP8 " if b.get(23..26) == Some(&[0x9D, 0x01, 0x2A]) => {
                size("webp", le16(26)? & 0x3FFF, le16(28)? & 0x3FFF)
            }
            b"VP8L" if byte(20)? == 0x2F => {
                let (b0, b1, b2, b3) = (byte(21)?, byte(22)?, byte(23)?, byte(24)?);
                let width = 1 + (b0 | (b1 & 0x3F) << 8);
                let height = 1 + (b1 >> 6 | b2 << 2 | (b3 & 0x0F) << 10);
                size("webp", width, height)
            }
            b"VP8X" => {
                let le24 = |i: usize| Some(byte(i)? | byte(i + 1)? << 8 | byte(i + 2)? << 16);
                size("webp", 1 + le24(24)?, 1 + le24(27)?)
            }
            _ => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(ext: &str, w: i32, h: i32) -> Vec<u8> {
        let image = Mat::new_rows_cols_with_default(
            h,
            w,
            opencv::core::CV_8UC3,
            opencv::core::Scalar::all(90.0),
        )
        .expect("picture");
        let mut out = Vector::<u8>::new();
        imgcodecs::imencode_def(ext, &image, &mut out).expect("encode");
        out.to_vec()
    }

    #[test]
    fn sizes_are_read_from_the_first_bytes() {
        for (ext, format) in [(".png", "png"), (".jpg", "jpeg"), (".webp", "webp")] {
            let got = picture_size(&encoded(ext, 321, 123));
            let want = PictureSize {
                format,
                width: 321,
                height: 123,
            };
            assert_eq!(got, Some(want), "{ext}");
        }
    }

    #[test]
    fn other_bytes_have_no_size() {
        assert_eq!(picture_size(b""), None);
        assert_eq!(picture_size(b"GIF89a........"), None);
        assert_eq!(picture_size(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(picture_size(&[0xFF, 0xD8, 0xFF]), None);
        let mut cut = encoded(".jpg", 50, 40);
        cut.truncate(20);
        assert_eq!(picture_size(&cut), None);
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_a_stopped_one_says_so() {
        // No analyser takes from this queue of one: the first picture waits, the second is
        // refused without waiting; once the queue is gone, pictures are told it stopped.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let analysers = ImageAnalysers { queue: tx };
        let options = AnalysisOptions {
            sample_fps: 0.0,
            detector: crate::pipeline::detect::DetectorKind::Yunet,
            min_face_px: 24,
            model: "m".into(),
            tracking: false,
            min_track_ms: 0,
            focus: crate::pipeline::people::Focus::All,
            annotate: false,
        };
        let picture = bytes::Bytes::from_static(b"picture");
        assert!(analysers.submit(picture.clone(), options.clone()).is_ok());
        assert!(matches!(
            analysers.submit(picture.clone(), options.clone()),
            Err(ImageError::Busy)
        ));
        drop(rx);
        assert!(matches!(
            analysers.submit(picture, options),
            Err(ImageError::Stopped)
        ));
    }

    #[test]
    fn a_picture_that_does_not_decode_is_not_a_picture() {
        assert!(matches!(
            decode(b"not a picture"),
            Err(ImageError::NotAPicture)
        ));
        let png = encoded(".png", 20, 10);
        assert_eq!(decode(&png).expect("decodes").cols(), 20);
    }
}
