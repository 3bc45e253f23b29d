//! One still picture through the same detector, crop and model as a video's frames: every face
//! and the picture's shares. No tracking, nothing kept.
//!
//! [`ImageAnalysers`] serves the API: a few threads, each with its own sessions (a
//! [`Pipeline`]), take pictures from a short queue; a full queue is refused at once rather than
//! waited on. A picture takes its place ([`ImageAnalysers::admit`]) before its body is read, so
//! the bodies in memory are as many as the analysers and the queue hold, not as many as there
//! are connections.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use opencv::core::Mat;
use opencv::prelude::*;
use serde::Serialize;
use tokio::sync::oneshot;

use super::aggregate::{Accumulator, EmotionSummary};
use super::batch::face_result;
pub use super::decode::{PictureSize, picture_size};
use super::decode::{SampledFrame, decode_picture, jpeg_scans};
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
    /// Analyses one picture (BGR) with options resolved for a picture (`Purpose::Picture`: no
    /// tracking, no annotation); its detector, model and least face size apply.
    pub fn analyse_image(
        &mut self,
        image: Mat,
        still: &AnalysisOptions,
    ) -> Result<ImageOutcome, PipelineError> {
        let (width, height) = (image.cols() as u32, image.rows() as u32);
        let preprocess = self.model(&still.model)?.info.preprocess;
        let mut finder = FaceFinder::new(&self.engine.settings, still, preprocess);
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

/// What a picture may cost, checked from its bytes before it is decoded.
#[derive(Debug, Clone, Copy)]
pub struct PictureLimits {
    pub max_pixels: u64,
    pub max_side: u32,
    pub max_jpeg_scans: u32,
}

/// Why a picture is refused unread.
#[derive(Debug, PartialEq, Eq)]
pub enum Unfit {
    /// Not a JPEG, PNG or WebP picture by its header.
    NotAPicture,
    /// Its header claims more pixels, or a longer side, than allowed.
    TooManyPixels(PictureSize),
    /// A JPEG of more scans than allowed.
    TooManyScans(u32),
}

impl Unfit {
    pub fn message(&self, l: &PictureLimits) -> String {
        match self {
            Self::NotAPicture => "not a JPEG, PNG or WebP picture".into(),
            Self::TooManyPixels(size) => format!(
                "the picture is {}×{}: at most {} pixels and {} a side",
                size.width, size.height, l.max_pixels, l.max_side
            ),
            Self::TooManyScans(n) => format!(
                "the JPEG has {n} scans: at most {} (limits.max_jpeg_scans)",
                l.max_jpeg_scans
            ),
        }
    }
}

/// The picture's size, if its header and (for a JPEG) its scans are within `limits`: what a
/// decode costs is bounded by pixels × scans, both known before decoding.
pub fn check_picture(bytes: &[u8], limits: &PictureLimits) -> Result<PictureSize, Unfit> {
    let size = picture_size(bytes).ok_or(Unfit::NotAPicture)?;
    let pixels = u64::from(size.width) * u64::from(size.height);
    if pixels > limits.max_pixels || size.width.max(size.height) > limits.max_side {
        return Err(Unfit::TooManyPixels(size));
    }
    match jpeg_scans(bytes) {
        Some(n) if n > limits.max_jpeg_scans => Err(Unfit::TooManyScans(n)),
        _ => Ok(size),
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
    /// Held until the picture is analysed (or dropped unanalysed).
    _place: Place,
    bytes: bytes::Bytes,
    options: AnalysisOptions,
    reply: oneshot::Sender<Result<ImageOutcome, ImageError>>,
}

/// The API's picture analysers: a handle to their queue (dropping the last one stops them).
#[derive(Clone)]
pub struct ImageAnalysers {
    queue: SyncSender<Job>,
    /// Pictures being received, waiting or analysed: the analysers and the queue.
    places: Arc<tokio::sync::Semaphore>,
}

/// A picture's place among those the analysers can hold, from before its body is read.
pub struct Place(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);

impl ImageAnalysers {
    /// `threads` analysers, each opening its own sessions on `engine` at its first picture, and
    /// room for `queue` pictures waiting.
    pub fn spawn(engine: Arc<Engine>, threads: usize, queue: usize) -> std::io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(queue);
        let places = Arc::new(tokio::sync::Semaphore::new(threads.max(1) + queue));
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let (engine, rx) = (engine.clone(), rx.clone());
            std::thread::Builder::new()
                .name(format!("emoscope-image-{i}"))
                .spawn(move || serve(&engine, &rx))?;
        }
        Ok(Self { queue: tx, places })
    }

    /// A place for one picture, taken before its body is read; `Busy` when every analyser and
    /// every place in the queue is taken.
    pub fn admit(&self) -> Result<Place, ImageError> {
        match self.places.clone().try_acquire_owned() {
            Ok(permit) => Ok(Place(permit)),
            Err(_) => Err(ImageError::Busy),
        }
    }

    /// Decodes and analyses one picture in its place.
    pub async fn analyse(
        &self,
        place: Place,
        bytes: bytes::Bytes,
        options: AnalysisOptions,
    ) -> Result<ImageOutcome, ImageError> {
        let answer = self.submit(place, bytes, options)?;
        answer.await.unwrap_or(Err(ImageError::Stopped))
    }

    /// Queues one picture, or says at once why it cannot wait.
    fn submit(
        &self,
        place: Place,
        bytes: bytes::Bytes,
        options: AnalysisOptions,
    ) -> Result<Answer, ImageError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            _place: place,
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

/// The picture as BGR pixels, upright.
pub fn decode(bytes: &[u8]) -> Result<Mat, ImageError> {
    decode_picture(bytes).ok_or(ImageError::NotAPicture)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::Vector;
    use opencv::imgcodecs;

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
    fn a_full_queue_refuses_at_once_and_a_stopped_one_says_so() {
        // No analyser takes from this queue of one: the first picture waits, the second is
        // refused without waiting; once the queue is gone, pictures are told it stopped.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let analysers = ImageAnalysers {
            queue: tx,
            places: Arc::new(tokio::sync::Semaphore::new(4)),
        };
        let place = || analysers.admit().expect("a place");
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
        assert!(
            analysers
                .submit(place(), picture.clone(), options.clone())
                .is_ok()
        );
        assert!(matches!(
            analysers.submit(place(), picture.clone(), options.clone()),
            Err(ImageError::Busy)
        ));
        drop(rx);
        assert!(matches!(
            analysers.submit(place(), picture, options),
            Err(ImageError::Stopped)
        ));
    }

    #[test]
    fn places_are_taken_before_a_body_is_read_and_given_back_with_the_picture() {
        let (tx, _rx) = std::sync::mpsc::sync_channel(8);
        let analysers = ImageAnalysers {
            queue: tx,
            places: Arc::new(tokio::sync::Semaphore::new(2)),
        };
        let first = analysers.admit().expect("first");
        let _second = analysers.admit().expect("second");
        assert!(matches!(analysers.admit(), Err(ImageError::Busy)));
        drop(first);
        assert!(analysers.admit().is_ok());
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
