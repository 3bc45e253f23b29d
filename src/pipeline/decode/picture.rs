//! Still pictures decoded from memory: JPEG through libjpeg-turbo (the library OpenCV's
//! `imdecode` used, so the same pixels), PNG, WebP and (for the command line) BMP through
//! FFmpeg's codecs, one packet in, one frame out. A JPEG's EXIF orientation turns it upright,
//! as a photo viewer (and OpenCV's `imdecode`) shows it.

use ff::Packet;
use ff::codec::Id;
use ff::format::Pixel;
use ff::util::frame::Video as RawFrame;
use ffmpeg_next as ff;
use opencv::core::{self, CV_8UC1, CV_8UC3, Mat, RotateFlags};
use opencv::imgproc;
use turbojpeg::PixelFormat;

use super::ffmpeg::{ToBgr, init, mat_from_rows};

/// The picture as BGR pixels, upright; `None` when the bytes are not a JPEG, PNG, WebP or BMP
/// picture that decodes. The API takes only what `picture_size` knows (not BMP) and checks
/// its size before.
pub fn decode_picture(bytes: &[u8]) -> Option<Mat> {
    decode(bytes, false)
}

/// The picture in grey levels, upright: a JPEG's luma as libjpeg gives it, other pictures with
/// OpenCV's weights.
pub fn decode_picture_gray(bytes: &[u8]) -> Option<Mat> {
    decode(bytes, true)
}

fn decode(bytes: &[u8], gray: bool) -> Option<Mat> {
    let image = match codec_of(bytes)? {
        Id::MJPEG if gray => decode_jpeg(bytes, PixelFormat::GRAY)?,
        Id::MJPEG => decode_jpeg(bytes, PixelFormat::BGR)?,
        codec => {
            let frame = decode_one(codec, bytes)?;
            // Grey levels are copied as they are; swscale would take them for video's Y.
            match (gray_plane(&frame), gray) {
                (Some(plane), true) => plane,
                (Some(plane), false) => converted(&plane, imgproc::COLOR_GRAY2BGR)?,
                (None, false) => ToBgr::default().convert(&frame).ok()?,
                (None, true) => {
                    let bgr = ToBgr::default().convert(&frame).ok()?;
                    converted(&bgr, imgproc::COLOR_BGR2GRAY)?
                }
            }
        }
    };
    oriented(image, bytes)
}

fn converted(image: &Mat, code: i32) -> Option<Mat> {
    let mut out = Mat::default();
    imgproc::cvt_color_def(image, &mut out, code).ok()?;
    Some(out)
}

/// Width and height from the header of a JPEG, PNG, WebP or BMP picture, before decoding (a
/// small file may claim a huge picture, and a decoder allocates what it claims).
pub fn claimed_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if let Some(size) = picture_size(bytes) {
        return Some((size.width, size.height));
    }
    let le32 = |i: usize| Some(i32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
    match bytes.starts_with(b"BM") {
        true => Some((le32(18)?.unsigned_abs(), le32(22)?.unsigned_abs())),
        false => None,
    }
}

fn codec_of(bytes: &[u8]) -> Option<Id> {
    match picture_size(bytes).map(|s| s.format) {
        Some("jpeg") => Some(Id::MJPEG),
        Some("png") => Some(Id::PNG),
        Some(_) => Some(Id::WEBP),
        None if bytes.starts_with(b"BM") => Some(Id::BMP),
        None => None,
    }
}

/// A JPEG through libjpeg-turbo, as OpenCV's `imdecode` decoded it (the same inverse DCT and
/// colour upsampling, so the same pixels): BGR, or grey for `PixelFormat::GRAY`.
fn decode_jpeg(bytes: &[u8], format: PixelFormat) -> Option<Mat> {
    let image = turbojpeg::decompress(bytes, format).ok()?;
    let kind = match format {
        PixelFormat::GRAY => CV_8UC1,
        _ => CV_8UC3,
    };
    mat_from_rows(&image.pixels, image.pitch, image.width, image.height, kind)
}

/// A JPEG turned by its EXIF orientation; other pictures as they are.
fn oriented(image: Mat, bytes: &[u8]) -> Option<Mat> {
    match bytes.starts_with(&[0xFF, 0xD8]) {
        true => upright(image, exif_orientation(bytes)).ok(),
        false => Some(image),
    }
}

/// An 8-bit grey frame's one plane as an OpenCV image; `None` for any other format.
fn gray_plane(frame: &RawFrame) -> Option<Mat> {
    if !matches!(frame.format(), Pixel::GRAY8) {
        return None;
    }
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    mat_from_rows(frame.data(0), frame.stride(0), w, h, CV_8UC1)
}

fn decode_one(codec: Id, bytes: &[u8]) -> Option<RawFrame> {
    init().ok()?;
    let codec = ff::codec::decoder::find(codec)?;
    let mut decoder = ff::codec::Context::new_with_codec(codec)
        .decoder()
        .video()
        .ok()?;
    decoder.send_packet(&Packet::copy(bytes)).ok()?;
    let _ = decoder.send_eof();
    let mut frame = RawFrame::empty();
    decoder.receive_frame(&mut frame).ok()?;
    (frame.width() > 0 && frame.height() > 0).then_some(frame)
}

/// Applies an EXIF orientation (1–8; anything else leaves the picture as it is).
fn upright(image: Mat, orientation: Option<u16>) -> opencv::Result<Mat> {
    let turn = |image: &Mat, how: RotateFlags| {
        let mut out = Mat::default();
        core::rotate(image, &mut out, how as i32).map(|_| out)
    };
    let flip = |image: &Mat, code: i32| {
        let mut out = Mat::default();
        core::flip(image, &mut out, code).map(|_| out)
    };
    let transpose = |image: &Mat| {
        let mut out = Mat::default();
        core::transpose(image, &mut out).map(|_| out)
    };
    match orientation {
        Some(2) => flip(&image, 1),
        Some(3) => turn(&image, RotateFlags::ROTATE_180),
        Some(4) => flip(&image, 0),
        Some(5) => transpose(&image),
        Some(6) => turn(&image, RotateFlags::ROTATE_90_CLOCKWISE),
        Some(7) => flip(&transpose(&image)?, -1),
        Some(8) => turn(&image, RotateFlags::ROTATE_90_COUNTERCLOCKWISE),
        _ => Ok(image),
    }
}

/// The orientation tag (0x0112) of a JPEG's EXIF block (APP1), read within its bounds.
fn exif_orientation(b: &[u8]) -> Option<u16> {
    let be16 = |i: usize| Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]) as usize);
    let mut i = 2;
    while b.get(i) == Some(&0xFF) {
        let marker = *b.get(i + 1)?;
        if matches!(marker, 0xD8..=0xDA) {
            return None;
        }
        let length = be16(i + 2)?;
        let segment = b.get(i + 4..i + 2 + length)?;
        if marker == 0xE1 && segment.starts_with(b"Exif\0\0") {
            return tiff_orientation(&segment[6..]);
        }
        i += 2 + length;
    }
    None
}

fn tiff_orientation(t: &[u8]) -> Option<u16> {
    let little = match t.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |i: usize| {
        let two = [*t.get(i)?, *t.get(i + 1)?];
        Some(if little {
            u16::from_le_bytes(two)
        } else {
            u16::from_be_bytes(two)
        })
    };
    let u32_at = |i: usize| {
        let four: [u8; 4] = t.get(i..i + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(four)
        } else {
            u32::from_be_bytes(four)
        })
    };
    let ifd = u32_at(4)? as usize;
    let entries = u16_at(ifd)? as usize;
    (0..entries.min(256))
        .map(|n| ifd + 2 + 12 * n)
        .find(|&e| u16_at(e) == Some(0x0112))
        .and_then(|e| u16_at(e + 8))
}

/// A picture's format and size read from its first bytes, before anything is decoded (a small
/// file may claim a huge picture).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureSize {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
}

/// How many scans a JPEG holds (its SOS markers), counted without decoding; `None` for bytes
/// that are not a JPEG. A progressive JPEG is decoded a scan at a time over the whole picture,
/// so its cost grows with pixels × scans: a few kilobytes of empty scans can cost minutes.
pub fn jpeg_scans(b: &[u8]) -> Option<u32> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut scans = 0u32;
    let mut i = 2;
    while i + 1 < b.len() {
        if b[i] != 0xFF {
            i += 1; // a scan's entropy-coded data
            continue;
        }
        match b[i + 1] {
            0xFF => i += 1,                      // fill
            0x00 | 0x01 | 0xD0..=0xD7 => i += 2, // a stuffed 0xFF, TEM, restart markers
            0xD9 => break,
            marker => {
                let length = u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]) as usize;
                scans += u32::from(marker == 0xDA);
                i += 2 + length;
            }
        }
    }
    Some(scans)
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
    use opencv::core::{CV_8UC3, Scalar, Vector};
    use opencv::imgcodecs;
    use opencv::prelude::*;

    fn encoded(ext: &str, w: i32, h: i32) -> Vec<u8> {
        let image =
            Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(90.0)).expect("picture");
        let mut out = Vector::<u8>::new();
        imgcodecs::imencode_def(ext, &image, &mut out).expect("encode");
        out.to_vec()
    }

    #[test]
    fn sizes_are_read_from_the_first_bytes() {
        for (ext, format) in [(".png", "png"), (".jpg", "jpeg"), (".webp", "webp")] {
            assert_eq!(claimed_size(&encoded(ext, 321, 123)), Some((321, 123)));
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
    fn a_jpeg_scans_are_counted_through_its_data() {
        assert_eq!(jpeg_scans(&encoded(".jpg", 64, 48)), Some(1), "baseline");
        let mut progressive = Vector::<u8>::new();
        let image =
            Mat::new_rows_cols_with_default(48, 64, CV_8UC3, Scalar::all(90.0)).expect("picture");
        let flags = Vector::from_slice(&[imgcodecs::IMWRITE_JPEG_PROGRESSIVE, 1]);
        imgcodecs::imencode(".jpg", &image, &mut progressive, &flags).expect("encode");
        let scans = jpeg_scans(progressive.as_slice()).expect("a JPEG");
        assert!((6..=12).contains(&scans), "libjpeg's progression: {scans}");
        // Stuffed bytes and restart markers inside a scan's data are not markers.
        let mut made = vec![0xFF, 0xD8];
        for _ in 0..1000 {
            made.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3F, 0x00]);
            made.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56]);
        }
        made.extend([0xFF, 0xD9]);
        assert_eq!(jpeg_scans(&made), Some(1000));
        assert_eq!(jpeg_scans(&encoded(".png", 8, 8)), None);
    }

    #[test]
    fn other_bytes_have_no_size() {
        assert_eq!(claimed_size(&encoded(".bmp", 33, 21)), Some((33, 21)));
        assert_eq!(
            picture_size(&encoded(".bmp", 33, 21)),
            None,
            "the API takes no BMP"
        );
        assert_eq!(picture_size(b""), None);
        assert_eq!(picture_size(b"GIF89a........"), None);
        assert_eq!(picture_size(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(picture_size(&[0xFF, 0xD8, 0xFF]), None);
        let mut cut = encoded(".jpg", 50, 40);
        cut.truncate(20);
        assert_eq!(picture_size(&cut), None);
    }

    /// A picture that tells its sides apart: gradients across, down and diagonally, and a bright
    /// corner.
    fn gradient(w: i32, h: i32) -> Mat {
        let mut image =
            Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0)).expect("picture");
        for y in 0..h {
            for x in 0..w {
                let px = image.at_2d_mut::<core::Vec3b>(y, x).expect("pixel");
                let corner = if x < w / 4 && y < h / 4 { 120 } else { 0 };
                *px = core::Vec3b::from([
                    (x * 255 / w) as u8,
                    (y * 255 / h) as u8,
                    (corner + (x + y) / 4) as u8,
                ]);
            }
        }
        image
    }

    /// Mean difference in grey levels (what the detector's crops and the models see) and over
    /// the colour channels. A lossy WebP's colour planes are stored at half size, and libwebp
    /// (OpenCV's) and FFmpeg upsample them differently.
    fn mean_difference(a: &Mat, b: &Mat) -> (f64, f64) {
        let gray = |m: &Mat| {
            let mut g = Mat::default();
            imgproc::cvt_color_def(m, &mut g, imgproc::COLOR_BGR2GRAY).expect("grey");
            g
        };
        let mean = |a: &Mat, b: &Mat| {
            let mut diff = Mat::default();
            core::absdiff(a, b, &mut diff).expect("absdiff");
            let m = core::mean_def(&diff).expect("mean");
            (m[0] + m[1] + m[2]) / a.channels() as f64
        };
        (mean(&gray(a), &gray(b)), mean(a, b))
    }

    fn opencv_decode(bytes: &[u8]) -> Mat {
        let buffer = Vector::<u8>::from_slice(bytes);
        imgcodecs::imdecode(&buffer, imgcodecs::IMREAD_COLOR).expect("OpenCV decodes it")
    }

    #[test]
    fn pictures_decode_as_opencv_decodes_them() {
        let image = gradient(97, 61);
        let formats = [
            (".png", (0.0, 0.0)),
            (".jpg", (0.0, 0.0)),
            (".webp", (0.5, 3.0)),
            (".bmp", (0.0, 0.0)),
        ];
        for (ext, most) in formats {
            let mut bytes = Vector::<u8>::new();
            imgcodecs::imencode_def(ext, &image, &mut bytes).expect("encode");
            let ours = decode_picture(bytes.as_slice()).expect("decodes");
            let theirs = opencv_decode(bytes.as_slice());
            assert_eq!((ours.cols(), ours.rows()), (97, 61), "{ext}");
            let (gray, colour) = mean_difference(&ours, &theirs);
            eprintln!("{ext}: {gray:.3} grey levels, {colour:.3} colour levels from OpenCV's");
            assert!(
                gray <= most.0 && colour <= most.1,
                "{ext}: {gray}, {colour}"
            );
        }
        let gray = decode_picture_gray(&encoded(".png", 8, 6)).expect("decodes");
        assert_eq!((gray.channels(), gray.cols(), gray.rows()), (1, 8, 6));
        assert_eq!(*gray.at_2d::<u8>(3, 4).expect("pixel"), 90);
    }

    /// A JPEG with an EXIF block holding only an orientation, in either byte order.
    fn with_orientation(jpeg: &[u8], orientation: u16, little: bool) -> Vec<u8> {
        let two = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let four = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let mut tiff = Vec::new();
        tiff.extend_from_slice(if little { b"II" } else { b"MM" });
        tiff.extend_from_slice(&two(42));
        tiff.extend_from_slice(&four(8));
        tiff.extend_from_slice(&two(1));
        tiff.extend_from_slice(&two(0x0112));
        tiff.extend_from_slice(&two(3));
        tiff.extend_from_slice(&four(1));
        tiff.extend_from_slice(&two(orientation));
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(&tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn a_photo_is_turned_upright_by_its_exif_orientation_as_opencv_turns_it() {
        let mut jpeg = Vector::<u8>::new();
        imgcodecs::imencode_def(".jpg", &gradient(64, 32), &mut jpeg).expect("encode");
        for orientation in 1..=8 {
            for little in [true, false] {
                let bytes = with_orientation(jpeg.as_slice(), orientation, little);
                assert_eq!(exif_orientation(&bytes), Some(orientation));
                let ours = decode_picture(&bytes).expect("decodes");
                let theirs = opencv_decode(&bytes);
                let sideways = orientation >= 5;
                let size = if sideways { (32, 64) } else { (64, 32) };
                assert_eq!(
                    (ours.cols(), ours.rows()),
                    size,
                    "orientation {orientation}"
                );
                assert_eq!(
                    (theirs.cols(), theirs.rows()),
                    size,
                    "orientation {orientation}"
                );
                let (gray, colour) = mean_difference(&ours, &theirs);
                assert!(
                    gray <= 1.0 && colour <= 3.0,
                    "{orientation}: {gray}, {colour}"
                );
            }
        }
        assert_eq!(exif_orientation(jpeg.as_slice()), None);
    }

    #[test]
    fn damaged_pictures_do_not_decode() {
        assert!(decode_picture(b"not a picture").is_none());
        let png = encoded(".png", 40, 30);
        assert!(decode_picture(&png[..png.len() / 3]).is_none());
        let mut jpeg = encoded(".jpg", 40, 30);
        jpeg.truncate(30);
        assert!(decode_picture(&jpeg).is_none());
    }

    /// Damaged pictures of each format (bits flipped, spans zeroed, cut short; seeded) never
    /// panic or crash, and what decodes has the size its header claims. Callers check that
    /// size first, as the test does.
    #[test]
    fn damaged_pictures_fail_cleanly() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut decoded, mut refused) = (0, 0);
        for ext in [".jpg", ".png", ".webp", ".bmp"] {
            let mut good = Vector::<u8>::new();
            imgcodecs::imencode_def(ext, &gradient(61, 47), &mut good).expect("encode");
            let good = good.to_vec();
            for round in 0..150 {
                let mut bytes = good.clone();
                match round % 3 {
                    0 => (0..1 + next(8)).for_each(|_| {
                        let i = next(bytes.len());
                        bytes[i] ^= 1 << next(8);
                    }),
                    1 => {
                        let at = next(bytes.len());
                        let end = (at + 64).min(bytes.len());
                        bytes[at..end].fill(0);
                    }
                    _ => bytes.truncate(next(bytes.len())),
                }
                let Some((w, h)) = claimed_size(&bytes) else {
                    assert!(decode_picture(&bytes).is_none(), "{ext} round {round}");
                    refused += 1;
                    continue;
                };
                if w.max(h) > 4096 || w == 0 || h == 0 {
                    refused += 1;
                    continue;
                }
                for image in [decode_picture(&bytes), decode_picture_gray(&bytes)] {
                    let Some(image) = image else {
                        refused += 1;
                        continue;
                    };
                    let got = (image.cols() as u32, image.rows() as u32);
                    assert!(
                        got == (w, h) || got == (h, w),
                        "{ext} round {round}: {got:?}"
                    );
                    decoded += 1;
                }
            }
        }
        assert!(
            decoded > 0 && refused > 0,
            "{decoded} decoded, {refused} refused"
        );
    }
}
