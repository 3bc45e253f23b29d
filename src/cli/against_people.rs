//! `emoscope evaluate DIR --labels ferplus`: a model against people instead of FER2013's one
//! label per face. FER+ (Barsoum et al., ICMI 2016; MIT) had ten annotators vote on every
//! FER2013 face. A face counts when one of the seven expressions has strictly more votes than
//! each other one and more than contempt, unknown and not-a-face together. Reported: agreement
//! with that majority, recall per class, each class's predicted share beside its true share, the
//! expected calibration error of the top class, the mean cross-entropy against the vote
//! distributions, and FER2013's own-label accuracy on the same faces.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::evaluate::{dataset_files, load_gray48, open_model};
use crate::config::Config;
use crate::pipeline::aggregate::{EMOTIONS, argmax};

/// Columns of the seven expressions in the votes file, in `EMOTIONS` order.
const SEVEN: [&str; 7] = [
    "ferplus_anger",
    "ferplus_disgust",
    "ferplus_fear",
    "ferplus_happiness",
    "ferplus_neutral",
    "ferplus_sadness",
    "ferplus_surprise",
];
/// Votes that name no expression of the seven.
const OTHER: [&str; 3] = ["ferplus_contempt", "ferplus_unknown", "ferplus_NF"];

/// Bins of the calibration error.
const BINS: usize = 15;

/// One face's votes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Votes {
    /// For each expression, in `EMOTIONS` order.
    pub seven: [u32; 7],
    /// Contempt, unknown and not-a-face together.
    pub other: u32,
}

impl Votes {
    /// The expression people agree on, if one has strictly more votes than each other and more
    /// than all the votes for none of the seven.
    pub fn majority(&self) -> Option<usize> {
        let best = argmax(&self.seven.map(|v| v as f32));
        let top = self.seven[best];
        let alone = self.seven.iter().filter(|&&v| v == top).count() == 1;
        (alone && top > self.other).then_some(best)
    }

    /// The votes for the seven as shares; `None` without any.
    pub fn distribution(&self) -> Option<[f64; 7]> {
        let total: u32 = self.seven.iter().sum();
        (total > 0).then(|| self.seven.map(|v| f64::from(v) / f64::from(total)))
    }
}

/// The votes of every image, by file name, from the derived `kaggle_to_fer2013_row.csv`.
pub fn read_votes(path: &Path) -> Result<HashMap<String, Votes>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the FER+ votes {}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .with_context(|| format!("{} has no column {name}", path.display()))
    };
    let file = column("file")?;
    let seven = SEVEN.map(column);
    let other = OTHER.map(column);
    let mut votes = HashMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let count = |i: &Result<usize>| -> Option<u32> {
            let i = *i.as_ref().ok()?;
            cells.get(i)?.parse().ok()
        };
        // An image that FER+ has no row for has no votes.
        let Some(seven) = seven.iter().map(count).collect::<Option<Vec<u32>>>() else {
            continue;
        };
        let other: u32 = other.iter().filter_map(count).sum();
        if let (Some(name), Ok(seven)) = (cells.get(file), <[u32; 7]>::try_from(seven)) {
            votes.insert(name.to_string(), Votes { seven, other });
        }
    }
    if votes.is_empty() {
        bail!("no votes in {}", path.display());
    }
    Ok(votes)
}

#[derive(Debug, Serialize)]
pub struct Agreement {
    pub model: String,
    pub dataset: PathBuf,
    /// Images with votes.
    pub images: usize,
    /// Images with a clear majority: what agreement is measured on.
    pub faces: usize,
    /// Share of those faces whose top class is the majority's.
    pub agreement: f64,
    /// FER2013's own labels on the same faces, for comparison with published work.
    pub fer2013_accuracy: f64,
    pub labels: Vec<&'static str>,
    /// Per class: the share of its majority faces found.
    pub recall: Vec<f64>,
    /// Per class: the share of faces predicted as it, and the share people gave it.
    pub predicted_share: Vec<f64>,
    pub true_share: Vec<f64>,
    /// Expected calibration error of the top class against the majority (15 equal bins).
    pub ece: f64,
    /// Mean cross-entropy against the vote distributions, over every image with votes.
    pub cross_entropy: f64,
}

/// Runs `model_name` (the default when `None`) over `dataset` and compares it with the votes.
pub fn evaluate_against_people(
    config: &Config,
    dataset: &Path,
    votes_file: &Path,
    model_name: Option<&str>,
) -> Result<Agreement> {
    let votes = read_votes(votes_file)?;
    let (name, mut model, mut faces) = open_model(config, model_name)?;
    let files: Vec<_> = dataset_files(dataset, 0)?
        .into_iter()
        .filter_map(|(path, label)| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            votes.get(&name).map(|v| (path, label, *v))
        })
        .collect();
    if files.is_empty() {
        bail!(
            "none of the images under {} has votes in {}",
            dataset.display(),
            votes_file.display()
        );
    }
    let mut tally = Tally::default();
    let mut pixels = Vec::new();
    for chunk in files.chunks(256) {
        pixels.clear();
        for (path, ..) in chunk {
            faces.push(&load_gray48(path)?, &mut pixels)?;
        }
        let probs = model
            .classify(&pixels)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for ((_, label, votes), p) in chunk.iter().zip(probs) {
            tally.add(*label, votes, &p);
        }
    }
    Ok(tally.finish(name, dataset, files.len()))
}

/// Running counts over the faces.
#[derive(Default)]
struct Tally {
    faces: u64,
    agreed: u64,
    fer2013_right: u64,
    majority: [u64; 7],
    found: [u64; 7],
    predicted: [u64; 7],
    /// Per confidence bin: faces, summed confidence, right answers.
    bins: [(u64, f64, u64); BINS],
    cross_entropy: f64,
    distributions: u64,
}

impl Tally {
    fn add(&mut self, fer2013_label: usize, votes: &Votes, p: &[f32; 7]) {
        if let Some(d) = votes.distribution() {
            let ce: f64 = (0..7)
                .map(|i| -d[i] * f64::from(p[i]).max(1e-12).ln())
                .sum();
            self.cross_entropy += ce;
            self.distributions += 1;
        }
        let Some(truth) = votes.majority() else {
            return;
        };
        let top = argmax(p);
        let right = top == truth;
        self.faces += 1;
        self.agreed += u64::from(right);
        self.fer2013_right += u64::from(top == fer2013_label);
        self.majority[truth] += 1;
        self.found[truth] += u64::from(right);
        self.predicted[top] += 1;
        let confidence = f64::from(p[top]);
        let bin = ((confidence * BINS as f64) as usize).min(BINS - 1);
        let b = &mut self.bins[bin];
        *b = (b.0 + 1, b.1 + confidence, b.2 + u64::from(right));
    }

    fn finish(self, model: String, dataset: &Path, images: usize) -> Agreement {
        let n = self.faces.max(1) as f64;
        let share = |counts: &[u64; 7]| counts.iter().map(|&c| c as f64 / n).collect();
        let ece = self
            .bins
            .iter()
            .filter(|b| b.0 > 0)
            .map(|&(count, confidence, right)| {
                let k = count as f64;
                k / n * (confidence / k - right as f64 / k).abs()
            })
            .sum();
        Agreement {
            model,
            dataset: dataset.to_path_buf(),
            images,
            faces: self.faces as usize,
            agreement: self.agreed as f64 / n,
            fer2013_accuracy: self.fer2013_right as f64 / n,
            labels: EMOTIONS.to_vec(),
            recall: (0..7)
                .map(|i| self.found[i] as f64 / self.majority[i].max(1) as f64)
                .collect(),
            predicted_share: share(&self.predicted),
            true_share: share(&self.majority),
            ece,
            cross_entropy: self.cross_entropy / self.distributions.max(1) as f64,
        }
    }
}

pub fn print_text(a: &Agreement) {
    println!(
        "model {} on {} against the FER+ majority ({} faces with one, of {} with votes)",
        a.model,
        a.dataset.display(),
        a.faces,
        a.images
    );
    println!("agreement with people   {:.2}%", a.agreement * 100.0);
    println!(
        "FER2013 labels, same faces {:.2}%",
        a.fer2013_accuracy * 100.0
    );
    println!("calibration error (ECE) {:.4}", a.ece);
    println!("cross-entropy vs votes  {:.4}", a.cross_entropy);
    println!(
        "\n{:<9} {:>8} {:>10} {:>10}",
        "class", "recall", "predicted", "people"
    );
    for (i, label) in a.labels.iter().enumerate() {
        println!(
            "{label:<9} {:>7.2}% {:>9.2}% {:>9.2}%",
            a.recall[i] * 100.0,
            a.predicted_share[i] * 100.0,
            a.true_share[i] * 100.0
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(seven: [u32; 7], other: u32) -> Votes {
        Votes { seven, other }
    }

    #[test]
    fn a_majority_is_strict_and_beats_the_votes_for_none() {
        // neutral 6, sad 4
        assert_eq!(votes([0, 0, 0, 0, 6, 4, 0], 0).majority(), Some(4));
        // a tie has no majority
        assert_eq!(votes([0, 0, 0, 0, 5, 5, 0], 0).majority(), None);
        // contempt + unknown + not-a-face outvote the top class
        assert_eq!(votes([0, 0, 0, 4, 0, 2, 0], 4).majority(), None);
        assert_eq!(votes([0, 0, 0, 5, 0, 1, 0], 4).majority(), Some(3));
        assert_eq!(votes([0; 7], 10).distribution(), None);
    }

    #[test]
    fn the_calibration_error_is_confidence_less_accuracy() {
        let mut t = Tally::default();
        let sure = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        t.add(3, &votes([0, 0, 0, 10, 0, 0, 0], 0), &sure);
        t.add(4, &votes([0, 0, 0, 0, 10, 0, 0], 0), &sure);
        let a = t.finish("m".into(), Path::new("d"), 2);
        assert_eq!(a.faces, 2);
        assert!((a.agreement - 0.5).abs() < 1e-9);
        // Sure and right once, sure and wrong once: the bin's confidence 1, accuracy 0.5.
        assert!((a.ece - 0.5).abs() < 1e-9);
        assert!((a.predicted_share[3] - 1.0).abs() < 1e-9 && (a.true_share[4] - 0.5).abs() < 1e-9);
    }
}
