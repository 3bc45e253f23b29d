//! `emoscope evaluate DIR`: accuracy of a model on a folder-per-class dataset (the FER2013
//! layout), through the service's own preprocessing and inference code.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use opencv::core::{Mat, Size};
use opencv::imgproc;
use opencv::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::pipeline::Engine;
use crate::pipeline::aggregate::{EMOTIONS, argmax};
use crate::pipeline::classify::EmotionModel;
use crate::pipeline::crop::FER_SIDE;
use crate::pipeline::decode::decode_picture_gray;

use super::fer_face::FerFaces;

#[derive(Debug, Serialize)]
pub struct Evaluation {
    pub model: String,
    pub dataset: PathBuf,
    pub images: usize,
    pub accuracy: f64,
    pub recall: Vec<(String, f64)>,
    /// Rows: true label; columns: predicted label; both in `labels` order.
    pub confusion: Vec<Vec<u64>>,
    pub labels: Vec<&'static str>,
    /// For a model on another template than FER2013's: the faces YuNet found to align them by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aligned_by_yunet: Option<usize>,
}

pub(crate) fn load_gray48(path: &Path) -> Result<Mat> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let Some(img) = decode_picture_gray(&bytes) else {
        bail!("cannot read image {}", path.display());
    };
    if img.cols() == FER_SIDE && img.rows() == FER_SIDE {
        return Ok(img);
    }
    let mut small = Mat::default();
    imgproc::resize(
        &img,
        &mut small,
        Size::new(FER_SIDE, FER_SIDE),
        0.0,
        0.0,
        imgproc::INTER_AREA,
    )?;
    Ok(small)
}

/// The images of a folder-per-class dataset with their label, in name order; at most
/// `per_class` of each class (0: all).
pub fn dataset_files(dataset: &Path, per_class: usize) -> Result<Vec<(PathBuf, usize)>> {
    let mut files: Vec<(PathBuf, usize)> = Vec::new();
    for (label, emotion) in EMOTIONS.iter().enumerate() {
        let dir = dataset.join(emotion);
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        if per_class > 0 {
            paths.truncate(per_class);
        }
        files.extend(paths.into_iter().map(|p| (p, label)));
    }
    if files.is_empty() {
        bail!("no images under {}", dataset.display());
    }
    Ok(files)
}

/// The emotion model `model_name` (the default when `None`), alone, with its name and the
/// FER2013 faces as it sees them.
pub(crate) fn open_model(
    config: &Config,
    model_name: Option<&str>,
) -> Result<(String, EmotionModel, FerFaces)> {
    let engine = Engine::load_for(
        config,
        config.threads_per_session(1),
        model_name.unwrap_or(""),
    )?;
    let name = model_name.unwrap_or(&engine.default_model).to_string();
    let model = engine
        .emotion_model(&name)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let faces = FerFaces::new(&engine, model.info.preprocess)?;
    Ok((name, model, faces))
}

pub fn evaluate(config: &Config, dataset: &Path, model_name: Option<&str>) -> Result<Evaluation> {
    let (name, mut model, mut faces) = open_model(config, model_name)?;

    let files = dataset_files(dataset, 0)?;
    let mut confusion = vec![vec![0u64; 7]; 7];
    let mut pixels = Vec::new();
    for chunk in files.chunks(256) {
        pixels.clear();
        for (path, _) in chunk {
            faces.push(&load_gray48(path)?, &mut pixels)?;
        }
        let probs = model
            .classify(&pixels)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for ((_, label), p) in chunk.iter().zip(probs) {
            confusion[*label][argmax(&p)] += 1;
        }
    }
    let correct: u64 = (0..7).map(|i| confusion[i][i]).sum();
    let recall = (0..7)
        .map(|i| {
            let n: u64 = confusion[i].iter().sum();
            (
                EMOTIONS[i].to_string(),
                if n > 0 {
                    confusion[i][i] as f64 / n as f64
                } else {
                    0.0
                },
            )
        })
        .collect();
    Ok(Evaluation {
        model: name,
        dataset: dataset.to_path_buf(),
        images: files.len(),
        accuracy: correct as f64 / files.len() as f64,
        recall,
        confusion,
        labels: EMOTIONS.to_vec(),
        aligned_by_yunet: (faces.asked > 0).then_some(faces.found),
    })
}

pub fn print_text(e: &Evaluation) {
    println!(
        "model {} on {} ({} images)",
        e.model,
        e.dataset.display(),
        e.images
    );
    println!("accuracy {:.2}%", e.accuracy * 100.0);
    println!("\nrecall per class:");
    for (label, r) in &e.recall {
        println!("  {label:<9} {:6.2}%", r * 100.0);
    }
    println!("\nconfusion matrix (rows: true, columns: predicted):");
    print!("{:<10}", "");
    for l in &e.labels {
        print!("{:>9}", l);
    }
    println!();
    for (i, row) in e.confusion.iter().enumerate() {
        print!("{:<10}", e.labels[i]);
        for v in row {
            print!("{v:>9}");
        }
        println!();
    }
}
