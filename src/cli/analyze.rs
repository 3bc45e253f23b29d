//! `emoscope analyze VIDEO`: one video through the same pipeline as the service, the result as
//! JSON, CSV or a table on stdout, progress on stderr.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::config::Config;
use crate::jobs::options::{JobOptions, Purpose};
use crate::pipeline::aggregate::{EMOTIONS, Emotion, EmotionSummary};
use crate::pipeline::people::Person;
use crate::pipeline::{FrameResult, Observer, PipelineError, Progress};
use crate::views::NOTE;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
    Table,
}

pub struct AnalyzeArgs {
    pub video: PathBuf,
    /// Resolved for a video, or for a picture when `video` is one.
    pub asked: JobOptions,
    pub format: Format,
    /// Where to write the per-frame timeline (JSON lines), if anywhere.
    pub timeline: Option<PathBuf>,
    /// Where to write the annotated video, if anywhere.
    pub annotated: Option<PathBuf>,
    pub progress: bool,
}

struct CliObserver {
    bar: ProgressBar,
    timeline: Option<std::io::BufWriter<std::fs::File>>,
}

impl Observer for CliObserver {
    fn on_frames(
        &mut self,
        frames: Vec<FrameResult>,
        progress: Progress,
    ) -> Result<(), PipelineError> {
        self.bar.set_length(progress.total);
        self.bar.set_position(progress.done);
        if let Some(out) = &mut self.timeline {
            for f in &frames {
                serde_json::to_writer(&mut *out, f).map_err(|e| {
                    PipelineError::internal(format!("cannot write the timeline: {e}"))
                })?;
                out.write_all(b"\n").map_err(|e| {
                    PipelineError::internal(format!("cannot write the timeline: {e}"))
                })?;
            }
        }
        Ok(())
    }
}

/// Gives the faces of tracks merged at the end of the run their person's id in the timeline
/// file, which was written as the frames came.
fn relabel_timeline(path: &Path, merged: &BTreeMap<u32, u32>) -> Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut frame: FrameResult = serde_json::from_str(line)?;
        for face in &mut frame.faces {
            if let Some(to) = face.track_id.and_then(|t| merged.get(&t)) {
                face.track_id = Some(*to);
            }
        }
        out.push_str(&serde_json::to_string(&frame)?);
        out.push('\n');
    }
    std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}

/// The progress bar (shown when asked) and the timeline file (when one is named).
fn observer_for(args: &AnalyzeArgs) -> Result<CliObserver> {
    let bar = if args.progress {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} frames, {per_sec}, ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let timeline = match &args.timeline {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => None,
    };
    Ok(CliObserver { bar, timeline })
}

pub fn run(config: &Config, args: AnalyzeArgs) -> Result<()> {
    if !args.video.is_file() {
        bail!("no such file: {}", args.video.display());
    }
    if super::analyze_image::is_image(&args.video) {
        let (engine, options) = super::engine_for(config, &args.asked, Purpose::Picture)?;
        return super::analyze_image::run(config, &engine, &args, &options);
    }
    let (engine, options) = super::engine_for(config, &args.asked, Purpose::Video)?;
    let mut pipeline = engine.pipeline();
    let mut observer = observer_for(&args)?;
    let started = std::time::Instant::now();
    let outcome = pipeline
        .run_to(
            &args.video,
            &options,
            &mut observer,
            args.annotated.as_deref(),
        )
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code()))?;
    observer.bar.finish_and_clear();
    if let Some(mut t) = observer.timeline.take() {
        t.flush()?;
    }
    if let (Some(path), false) = (&args.timeline, outcome.merged.is_empty()) {
        relabel_timeline(path, &outcome.merged)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let detector = engine.effective_detector(options.detector);
    let result = json!({
        "video": { "path": args.video, "info": outcome.video },
        "options": options,
        "detector_used": detector,
        "emotions": outcome.summary,
        "people": outcome.people,
        "warnings": outcome.warnings,
        "execution_provider": engine.provider,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "note": NOTE,
    });
    let people = outcome.people.as_deref().unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?,
        Format::Csv => write_csv(&mut out, &outcome.summary, people)?,
        Format::Table => {
            write_table(&mut out, &args.video, &outcome.summary, seconds)?;
            write_people(&mut out, people)?;
            for w in &outcome.warnings {
                writeln!(out, "warning: {w}")?;
            }
            writeln!(out, "{NOTE}")?;
        }
    }
    Ok(())
}

/// One row per emotion for the whole video (`person` = `all`), then for each person.
fn write_csv(out: &mut impl Write, s: &EmotionSummary, people: &[Person]) -> std::io::Result<()> {
    writeln!(
        out,
        "person,emotion,percent,count,mean_probability,screen_ms,first_ms,last_ms"
    )?;
    let rows = |out: &mut dyn Write,
                who: &str,
                p: [f64; 7],
                c: [u64; 7],
                m: [f64; 7],
                times: &str|
     -> std::io::Result<()> {
        for i in 0..7 {
            writeln!(
                out,
                "{who},{},{},{},{},{times}",
                EMOTIONS[i], p[i], c[i], m[i]
            )?;
        }
        Ok(())
    };
    rows(
        out,
        "all",
        s.percentages.to_array(),
        s.counts.to_array(),
        s.mean_probabilities.to_array(),
        ",,",
    )?;
    for person in people {
        let times = format!(
            "{},{},{}",
            person.screen_ms, person.first_ms, person.last_ms
        );
        rows(
            out,
            &person.id.to_string(),
            person.percentages.to_array(),
            person.counts.to_array(),
            person.mean_probabilities.to_array(),
            &times,
        )?;
    }
    Ok(())
}

pub(super) fn write_people(out: &mut impl Write, people: &[Person]) -> std::io::Result<()> {
    if people.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:>6} {:>9} {:>7} {:>15}  {:<10} {:>8}",
        "person", "on screen", "share", "seen", "dominant", "percent"
    )?;
    for p in people {
        let dominant = p.dominant.map_or("-", Emotion::as_str);
        let percent = EMOTIONS
            .iter()
            .position(|e| *e == dominant)
            .map_or(0.0, |i| p.percentages.to_array()[i]);
        writeln!(
            out,
            "{:>6} {:>8.1}s {:>6.1}% {:>6.1}s–{:>6.1}s  {:<10} {:>7.2}%",
            p.id,
            p.screen_ms as f64 / 1000.0,
            p.screen_share * 100.0,
            p.first_ms as f64 / 1000.0,
            p.last_ms as f64 / 1000.0,
            dominant,
            percent
        )?;
    }
    Ok(())
}

pub(super) fn write_table(
    out: &mut impl Write,
    video: &Path,
    s: &EmotionSummary,
    seconds: f64,
) -> std::io::Result<()> {
    writeln!(out, "{}", video.display())?;
    writeln!(
        out,
        "{} frames analysed, {} with a face, {} faces classified in {seconds:.1} s",
        s.frames_analyzed, s.frames_with_face, s.faces_classified
    )?;
    writeln!(out, "{:<10} {:>8} {:>7}", "emotion", "percent", "faces")?;
    let (p, c) = (s.percentages.to_array(), s.counts.to_array());
    for i in 0..7 {
        let bar = "#".repeat((p[i] / 2.5).round() as usize);
        writeln!(out, "{:<10} {:>7.2}% {:>7}  {bar}", EMOTIONS[i], p[i], c[i])?;
    }
    writeln!(
        out,
        "dominant: {}",
        s.dominant.map_or("(no face seen)", Emotion::as_str)
    )
}
