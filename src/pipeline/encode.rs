//! H.264 in MP4 through FFmpeg's libraries (libx264 where FFmpeg has it): the annotated video.
//! Frames are OpenCV BGR images; they are converted to 4:2:0 at an even size (H.264's chroma
//! needs one), so an odd side loses its last pixel row or column to a rescale.

use std::path::Path;

use ff::codec::Id;
use ff::format::Pixel;
use ff::software::scaling;
use ff::util::frame::Video as RawFrame;
use ff::{Dictionary, Packet, Rational};
use ffmpeg_next as ff;
use opencv::core::Mat;
use opencv::prelude::*;

use super::PipelineError;
use super::decode::ffmpeg_init;

pub struct H264Writer {
    output: ff::format::context::Output,
    encoder: ff::encoder::Video,
    scaler: scaling::Context,
    bgr: RawFrame,
    yuv: RawFrame,
    /// The encoder's time base (one tick a frame) and the muxer's.
    ticks: (Rational, Rational),
    frames: i64,
}

fn failed(what: &str) -> impl Fn(ff::Error) -> PipelineError + '_ {
    move |e| PipelineError::internal(format!("the annotated video could not be {what}: {e}"))
}

impl H264Writer {
    /// Starts an MP4 at `path` of `width`×`height` frames, `fps` a second.
    pub fn create(path: &Path, fps: f64, width: u32, height: u32) -> Result<Self, PipelineError> {
        ffmpeg_init()?;
        let codec = ff::encoder::find_by_name("libx264")
            .or_else(|| ff::encoder::find(Id::H264))
            .ok_or_else(|| PipelineError::internal("this server's FFmpeg has no H.264 encoder"))?;
        let mut output = ff::format::output_as(path, "mp4").map_err(failed("created"))?;
        let global = (output.format().flags()).contains(ff::format::Flags::GLOBAL_HEADER);
        let mut encoder = ff::codec::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(failed("set up"))?;
        let (w, h) = ((width & !1).max(2), (height & !1).max(2));
        let rate = Rational::from(fps.max(0.1));
        encoder.set_width(w);
        encoder.set_height(h);
        encoder.set_format(Pixel::YUV420P);
        encoder.set_frame_rate(Some(rate));
        encoder.set_time_base(rate.invert());
        if global {
            encoder.set_flags(ff::codec::Flags::GLOBAL_HEADER);
        }
        let mut options = Dictionary::new();
        options.set("preset", "veryfast");
        options.set("crf", "23");
        let encoder = encoder.open_with(options).map_err(failed("encoded"))?;
        let mut stream = output.add_stream(codec).map_err(failed("created"))?;
        stream.set_parameters(&encoder);
        stream.set_time_base(rate.invert());
        let mut options = Dictionary::new();
        // The index first, so a browser plays it while it downloads.
        options.set("movflags", "+faststart");
        output
            .write_header_with(options)
            .map_err(failed("written"))?;
        let muxer_ticks = output.stream(0).map_or(rate.invert(), |s| s.time_base());
        let scaler = scaling::Context::get(
            Pixel::BGR24,
            width,
            height,
            Pixel::YUV420P,
            w,
            h,
            scaling::Flags::BICUBIC,
        )
        .map_err(failed("converted"))?;
        Ok(Self {
            output,
            encoder,
            scaler,
            bgr: RawFrame::new(Pixel::BGR24, width, height),
            yuv: RawFrame::empty(),
            ticks: (rate.invert(), muxer_ticks),
            frames: 0,
        })
    }

    /// Appends one BGR image of the size given at the start.
    pub fn write(&mut self, image: &Mat) -> Result<(), PipelineError> {
        let (width, height) = (self.bgr.width() as usize, self.bgr.height() as usize);
        if (image.cols() as usize, image.rows() as usize) != (width, height) {
            return Err(PipelineError::internal(
                "a frame of another size than the annotated video's",
            ));
        }
        let copy;
        let image = match image.is_continuous() {
            true => image,
            false => {
                copy = image.try_clone().map_err(PipelineError::opencv)?;
                &copy
            }
        };
        let src = image.data_bytes().map_err(PipelineError::opencv)?;
        let (row, stride) = (width * 3, self.bgr.stride(0));
        let dst = self.bgr.data_mut(0);
        for y in 0..height {
            dst[y * stride..y * stride + row].copy_from_slice(&src[y * row..(y + 1) * row]);
        }
        self.scaler
            .run(&self.bgr, &mut self.yuv)
            .map_err(failed("converted"))?;
        self.yuv.set_pts(Some(self.frames));
        self.frames += 1;
        self.encoder
            .send_frame(&self.yuv)
            .map_err(failed("encoded"))?;
        self.drain()
    }

    /// Writes what the encoder has finished.
    fn drain(&mut self) -> Result<(), PipelineError> {
        let mut packet = Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            packet.set_stream(0);
            // One frame long: MP4 gives its last frame no time otherwise, and players drop it.
            packet.set_duration(1);
            packet.rescale_ts(self.ticks.0, self.ticks.1);
            packet
                .write_interleaved(&mut self.output)
                .map_err(failed("written"))?;
        }
        Ok(())
    }

    /// Flushes the encoder and closes the file.
    pub fn finish(mut self) -> Result<(), PipelineError> {
        self.encoder.send_eof().map_err(failed("encoded"))?;
        self.drain()?;
        self.output.write_trailer().map_err(failed("written"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::decode::FfmpegFrames;
    use opencv::core::{CV_8UC3, Scalar};

    #[test]
    fn every_frame_written_is_read_back_at_its_time() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("out.mp4");
        // An odd size: the video is one pixel narrower and lower.
        let mut writer = H264Writer::create(&path, 5.0, 65, 49).expect("writer");
        for i in 0..40 {
            let image =
                Mat::new_rows_cols_with_default(49, 65, CV_8UC3, Scalar::all(i as f64 * 5.0))
                    .expect("frame");
            writer.write(&image).expect("write");
        }
        writer.finish().expect("finish");
        let frames: Vec<_> = FfmpegFrames::open(&path, 0.0)
            .expect("open")
            .map(|f| f.expect("frame"))
            .collect();
        assert_eq!(frames.len(), 40);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!((f.image.cols(), f.image.rows()), (64, 48));
            assert_eq!(f.time_ms, i as u64 * 200, "frame {i}");
            let level = opencv::core::mean_def(&f.image).expect("mean")[0];
            assert!((level - i as f64 * 5.0).abs() < 2.0, "frame {i}: {level}");
        }
    }
}
