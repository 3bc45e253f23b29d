//! How alike the embeddings of one person's faces are, and those of different people, on a
//! video whose people you wrote down: the figures the tracker's identity thresholds come from
//! (`docs/benchmarks.md`). Every frame (or `--fps N`), faces found by YuNet at 0.4 or more and
//! 32 px or more are embedded as the service embeds them; clear faces (detector 0.7 or more)
//! are compared, each with the mean of the same person's earlier faces, with the likest of
//! them, and with every face of another person. Only the figures are printed.
//!     cargo run --release --example identity_calibration -- VIDEO [--fps N] LABEL...
//! A LABEL is `FROM-TO=NAME` (frames) or `FROM-TO@XMIN-XMAX=NAME` (the face's centre's x);
//! faces no label covers are left out. For the *Tears of Steel* clip of `../shared/media`:
//!     0-20=robot 21-64=bridge 65-184@330-640=glasses 65-184@0-330=blond 185-239=woman

use anyhow::{Context, Result, anyhow, bail};
use emoscope::config::Config;
use emoscope::pipeline::Engine;
use emoscope::pipeline::decode::FfmpegFrames;
use emoscope::pipeline::detect::DetectorKind;
use emoscope::pipeline::identity::{Embedding, Identity, MIN_SIDE};

struct Label {
    frames: (u64, u64),
    xs: (f32, f32),
    name: String,
}

fn parse(label: &str) -> Result<Label> {
    let (range, name) = label.split_once('=').context("a label is RANGE=NAME")?;
    let (frames, xs) = match range.split_once('@') {
        Some((f, x)) => (f, Some(x)),
        None => (range, None),
    };
    let pair = |s: &str| -> Result<(f64, f64)> {
        let (a, b) = s.split_once('-').context("a range is FROM-TO")?;
        Ok((a.parse()?, b.parse()?))
    };
    let (from, to) = pair(frames)?;
    let xs = xs.map(pair).transpose()?.unwrap_or((f64::MIN, f64::MAX));
    Ok(Label {
        frames: (from as u64, to as u64),
        xs: (xs.0 as f32, xs.1 as f32),
        name: name.to_string(),
    })
}

/// The `q` quantile of `v` (sorted).
fn quantile(v: &[f32], q: f64) -> f32 {
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn report(name: &str, mut v: Vec<f32>) {
    if v.is_empty() {
        println!("{name}: none");
        return;
    }
    v.sort_by(f32::total_cmp);
    println!(
        "{name}: {} pairs, min {:.2}, p1 {:.2}, p5 {:.2}, median {:.2}, p95 {:.2}, p99 {:.2}, max {:.2}",
        v.len(),
        v[0],
        quantile(&v, 0.01),
        quantile(&v, 0.05),
        quantile(&v, 0.5),
        quantile(&v, 0.95),
        quantile(&v, 0.99),
        v[v.len() - 1]
    );
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let video = args
        .next()
        .context("usage: identity_calibration VIDEO [--fps N] LABEL...")?;
    let (mut fps, mut labels) = (0.0, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--fps" => fps = args.next().context("--fps N")?.parse()?,
            _ => labels.push(parse(&a)?),
        }
    }
    if labels.is_empty() {
        bail!("name the people: FROM-TO=NAME or FROM-TO@XMIN-XMAX=NAME");
    }
    let engine = Engine::load(&Config::load(None)?, 1)?;
    let err = |e: emoscope::pipeline::PipelineError| anyhow!(e.message);
    let mut detector = engine.face_detector(DetectorKind::Yunet).map_err(err)?;
    let mut embedder = engine
        .face_embedder()
        .map_err(err)?
        .context("no face embedding model (tracking.identity, EMOSCOPE_IDENTITY_MODEL)")?;
    let mut frames = FfmpegFrames::open(std::path::Path::new(&video), fps).map_err(err)?;
    // (person, embedding) of each clear face, in order, and of each unclear one; held in
    // memory only.
    let mut faces: Vec<(usize, Embedding)> = Vec::new();
    let mut unclear: Vec<(usize, Embedding)> = Vec::new();
    let mut found = 0u32;
    for frame in frames.by_ref() {
        let frame = frame.map_err(err)?;
        for b in detector.detect(&frame.image, 0.4).map_err(err)? {
            let x = b.x + b.w / 2.0;
            let Some(person) = labels.iter().position(|l| {
                (l.frames.0..=l.frames.1).contains(&frame.index) && x >= l.xs.0 && x < l.xs.1
            }) else {
                continue;
            };
            let Some(points) = b.landmarks.filter(|_| b.w.min(b.h) >= MIN_SIDE) else {
                continue;
            };
            found += 1;
            if let Some(e) = embedder.embed(&frame.image, &points).map_err(err)? {
                match b.score >= 0.7 {
                    true => faces.push((person, e)),
                    false => unclear.push((person, e)),
                }
            }
        }
    }
    let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
    println!(
        "{found} faces found, {} clear, {} unclear (under 0.7)",
        faces.len(),
        unclear.len()
    );
    let (mut to_mean, mut to_likest, mut others) = (Vec::new(), Vec::new(), Vec::new());
    for (k, (p, e)) in faces.iter().enumerate() {
        let earlier: Vec<&Embedding> = faces[..k]
            .iter()
            .filter(|(q, _)| names[*q] == names[*p])
            .map(|(_, e)| e)
            .collect();
        if let Some((first, rest)) = earlier.split_first() {
            let mut mean = Identity::of(first);
            rest.iter().for_each(|f| mean.add(f));
            to_mean.push(mean.similarity(e));
            to_likest.push(earlier.iter().map(|f| f.similarity(e)).fold(-1.0, f32::max));
        }
        others.extend(
            faces[k + 1..]
                .iter()
                .filter(|(q, _)| names[*q] != names[*p])
                .map(|(_, f)| f.similarity(e)),
        );
    }
    report(
        "same person, against the mean of their earlier faces",
        to_mean,
    );
    report(
        "same person, against the likest of their earlier faces",
        to_likest,
    );
    report("different people, face against face", others);
    let mut junk = Vec::new();
    for (k, (p, e)) in unclear.iter().enumerate() {
        junk.extend(
            unclear[k + 1..]
                .iter()
                .filter(|(q, _)| names[*q] != names[*p])
                .map(|(_, f)| f.similarity(e)),
        );
    }
    report("different people, unclear face against unclear face", junk);
    Ok(())
}
