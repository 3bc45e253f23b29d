//! `emoscope analyze IMAGE`: one still picture (JPEG, PNG, WebP, BMP) through the same detector,
//! crop and model as a video's frames; each face and the picture's shares, as JSON, CSV or a
//! table on stdout.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, bail};
use opencv::prelude::*;
use serde_json::json;

use super::analyze::{AnalyzeArgs, Format, write_table};
use crate::config::Config;
use crate::pipeline::aggregate::EMOTIONS;
use crate::pipeline::decode::{claimed_size, decode_picture};
use crate::pipeline::image::ImageOutcome;
use crate::pipeline::{AnalysisOptions, Engine};
use crate::views::NOTE;

/// File name endings of the still pictures `analyze` takes.
const IMAGE_EXTENSIONS: [&str; 5] = ["jpg", "jpeg", "png", "webp", "bmp"];

/// Whether `path` names a still picture rather than a video.
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The picture `args` names, analysed with `options` (resolved for a picture).
pub fn run(
    config: &Config,
    engine: &Engine,
    args: &AnalyzeArgs,
    options: &AnalysisOptions,
) -> Result<()> {
    if args.timeline.is_some() || args.annotated.is_some() {
        bail!("--timeline and --annotate are for videos, not for a still picture");
    }
    let bytes = std::fs::read(&args.video)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.video.display()))?;
    let unreadable = || {
        anyhow::anyhow!(
            "cannot read {} as a picture (JPEG, PNG, WebP or BMP)",
            args.video.display()
        )
    };
    // The size its header claims is checked before anything is decoded.
    let (width, height) = claimed_size(&bytes).ok_or_else(unreadable)?;
    let max = config.limits.max_frame_side;
    if width.max(height) > max {
        bail!("the picture is {width}×{height}: larger than limits.max_frame_side ({max})");
    }
    let image = decode_picture(&bytes).ok_or_else(unreadable)?;
    if image.cols().max(image.rows()) as u32 > max {
        bail!(
            "the picture is {}×{}: larger than limits.max_frame_side ({max})",
            image.cols(),
            image.rows()
        );
    }
    let started = std::time::Instant::now();
    let outcome = engine
        .pipeline()
        .analyse_image(image, options)
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code()))?;
    let seconds = started.elapsed().as_secs_f64();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let result = json!({
                "image": { "path": args.video, "width": outcome.width, "height": outcome.height },
                "options": {
                    "detector": options.detector,
                    "model": options.model,
                    "min_face_px": options.min_face_px,
                },
                "detector_used": engine.effective_detector(options.detector),
                "faces": outcome.faces,
                "emotions": outcome.summary,
                "execution_provider": engine.provider,
                "seconds": (seconds * 1000.0).round() / 1000.0,
                "note": NOTE,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
        }
        Format::Csv => write_faces_csv(&mut out, &outcome)?,
        Format::Table => {
            write_table(&mut out, &args.video, &outcome.summary, seconds)?;
            for (i, f) in outcome.faces.iter().enumerate() {
                let b = f.bbox;
                let top = f.probabilities.to_array()[f.emotion.index()];
                writeln!(
                    out,
                    "face {} at ({}, {}) {}×{}: {} {:.0}%",
                    i + 1,
                    b.x,
                    b.y,
                    b.w,
                    b.h,
                    f.emotion.as_str(),
                    top * 100.0
                )?;
            }
            writeln!(out, "{NOTE}")?;
        }
    }
    Ok(())
}

/// One row per face: its box, score, most likely expression and the seven probabilities.
fn write_faces_csv(out: &mut impl Write, outcome: &ImageOutcome) -> std::io::Result<()> {
    writeln!(out, "face,x,y,w,h,score,emotion,{}", EMOTIONS.join(","))?;
    for (i, f) in outcome.faces.iter().enumerate() {
        let b = f.bbox;
        let probabilities: Vec<String> = f
            .probabilities
            .to_array()
            .iter()
            .map(|p| p.to_string())
            .collect();
        writeln!(
            out,
            "{i},{},{},{},{},{},{},{}",
            b.x,
            b.y,
            b.w,
            b.h,
            f.score,
            f.emotion.as_str(),
            probabilities.join(",")
        )?;
    }
    Ok(())
}
