//! Cameras through FFmpeg's `video4linux2` input. It lives in libavdevice, which the binary does
//! not link: with its dependencies (X11, SDL, PulseAudio, JACK…) it would add about 70 libraries
//! to every start of every command and to the image. It is loaded when a camera is opened.
//! The crate's one module with `unsafe` code: loading a library and calling FFmpeg's C API
//! where `ffmpeg-next` has no safe way in without linking libavdevice.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::ptr;
use std::sync::OnceLock;

use ff::ffi;
use ffmpeg_next as ff;

/// The library of the FFmpeg version the binary was built against (Debian 12: FFmpeg 5.1).
const LIBAVDEVICE: &str = "libavdevice.so.59";

/// `video4linux2`, once libavdevice is loaded and its inputs registered.
fn camera_input() -> Result<*const ffi::AVInputFormat, String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            // SAFETY: loading FFmpeg's own device library, whose initialiser registers inputs
            // with the libavformat already loaded; it stays loaded for the process.
            let library = unsafe { libloading::Library::new(LIBAVDEVICE) }.map_err(|e| {
                format!(
                    "cameras are read through FFmpeg's {LIBAVDEVICE} (Debian: libavdevice59), \
                     which this system lacks: {e}"
                )
            })?;
            // SAFETY: `avdevice_register_all` takes nothing and returns nothing.
            unsafe {
                let register = library
                    .get::<unsafe extern "C" fn()>(b"avdevice_register_all\0")
                    .map_err(|e| format!("{LIBAVDEVICE} has no avdevice_register_all: {e}"))?;
                register();
            }
            std::mem::forget(library);
            Ok(())
        })
        .clone()?;
    // SAFETY: a NUL-terminated name; the result is a static table entry or null.
    let input = unsafe { ffi::av_find_input_format(c"video4linux2".as_ptr()) };
    match input.is_null() {
        true => Err(format!("{LIBAVDEVICE} has no video4linux2 input")),
        false => Ok(input),
    }
}

/// Opens a camera (`/dev/video0`, …) and reads its stream's facts.
pub fn open(device: &str) -> Result<ff::format::context::Input, String> {
    let input = camera_input()?;
    let path = CString::new(device).map_err(|_| "a device path with a NUL byte".to_string())?;
    // SAFETY: as `ffmpeg_next::format::input`, with the camera input named: the context is
    // freed by `avformat_open_input` on failure, by `avformat_close_input` or by `Input`'s drop.
    unsafe {
        let mut context = ptr::null_mut();
        let opened = ffi::avformat_open_input(&mut context, path.as_ptr(), input, ptr::null_mut());
        if opened < 0 {
            return Err(format!("{device}: {}", ff::Error::from(opened)));
        }
        let found = ffi::avformat_find_stream_info(context, ptr::null_mut());
        if found < 0 {
            ffi::avformat_close_input(&mut context);
            return Err(format!("{device}: {}", ff::Error::from(found)));
        }
        Ok(ff::format::context::Input::wrap(context))
    }
}
