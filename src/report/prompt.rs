//! Prompt templates, one file per language in `templates/report/`, filled with a job's numbers.

use super::{Language, ReportInputs};
use crate::pipeline::aggregate::{EMOTIONS, Emotion, PerEmotion};

fn template(lang: Language) -> &'static str {
    match lang {
        Language::Ru => include_str!("../../templates/report/ru.md"),
        Language::En => include_str!("../../templates/report/en.md"),
    }
}

pub fn system_message(lang: Language) -> &'static str {
    match lang {
        Language::Ru => {
            "Вы опытный психолог. Вы пишете взвешенные заключения о выражениях лица и никогда не ставите диагнозов."
        }
        Language::En => {
            "You are an experienced psychologist. You write careful conclusions about facial expressions and never diagnose."
        }
    }
}

/// Expression names in the report's language, in `EMOTIONS` order.
pub fn emotion_names(lang: Language) -> [&'static str; 7] {
    match lang {
        Language::Ru => [
            "гнев",
            "отвращение",
            "страх",
            "радость",
            "нейтральное",
            "грусть",
            "удивление",
        ],
        Language::En => EMOTIONS,
    }
}

pub fn emotion_name(lang: Language, emotion: Emotion) -> &'static str {
    emotion_names(lang)[emotion.index()]
}

pub fn duration(lang: Language, ms: u64) -> String {
    let s = (ms as f64 / 1000.0).round() as u64;
    match lang {
        Language::Ru => format!("{} мин {} с", s / 60, s % 60),
        Language::En => format!("{} min {} s", s / 60, s % 60),
    }
}

fn list(lang: Language, values: &PerEmotion<f64>, unit: &str, digits: usize) -> String {
    let names = emotion_names(lang);
    let mut pairs: Vec<(usize, f64)> = values.to_array().into_iter().enumerate().collect();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1));
    pairs
        .iter()
        .map(|(i, v)| format!("{} {v:.digits$}{unit}", names[*i]))
        .collect::<Vec<_>>()
        .join(", ")
}

fn segments(lang: Language, inputs: &ReportInputs) -> String {
    let none = if lang == Language::Ru {
        "лиц нет"
    } else {
        "no face"
    };
    inputs
        .segments
        .iter()
        .map(|s| {
            let span = format!(
                "{:.0}–{:.0} s",
                s.start_ms as f64 / 1000.0,
                s.end_ms as f64 / 1000.0
            );
            match &s.dominant {
                Some(d) => format!(
                    "{span}: {} ({:.0}%)",
                    emotion_name(lang, *d),
                    s.dominant_percent
                ),
                None => format!("{span}: {none}"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The user message for `lang` (`en` or `ru`).
pub fn user_message(lang: Language, inputs: &ReportInputs) -> String {
    let dominant = inputs.summary.dominant.map_or(
        if lang == Language::Ru {
            "нет (лица не найдены)"
        } else {
            "none (no face was seen)"
        },
        |d| emotion_name(lang, d),
    );
    template(lang)
        .replace("{{duration}}", &duration(lang, inputs.duration_ms))
        .replace(
            "{{frames_analyzed}}",
            &inputs.summary.frames_analyzed.to_string(),
        )
        .replace(
            "{{frames_with_face}}",
            &inputs.summary.frames_with_face.to_string(),
        )
        .replace(
            "{{faces_classified}}",
            &inputs.summary.faces_classified.to_string(),
        )
        .replace(
            "{{percentages}}",
            &list(lang, &inputs.summary.percentages, "%", 1),
        )
        .replace("{{dominant}}", dominant)
        .replace(
            "{{mean_probabilities}}",
            &list(lang, &inputs.summary.mean_probabilities, "", 2),
        )
        .replace("{{segments}}", &segments(lang, inputs))
        .replace("{{people}}", &people(lang, inputs))
}

/// One line per person: time on screen, shares, and how their leading expression changes.
fn people(lang: Language, inputs: &ReportInputs) -> String {
    let ru = lang == Language::Ru;
    if inputs.people.is_empty() {
        return if ru {
            "- (лица не отслеживались по людям)".into()
        } else {
            "- (faces were not followed per person)".into()
        };
    }
    let mut lines: Vec<String> = inputs
        .people
        .iter()
        .map(|p| {
            let periods = p
                .periods
                .iter()
                .map(|s| {
                    format!(
                        "{:.0}–{:.0} s {}",
                        s.start_ms as f64 / 1000.0,
                        s.end_ms as f64 / 1000.0,
                        emotion_name(lang, s.dominant)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let shares = list(lang, &p.percentages, "%", 1);
            if ru {
                format!(
                    "- Человек {}: в кадре {:.0}% проанализированных кадров ({} лиц); доли: {shares}; ведущее выражение по времени: {periods}.",
                    p.id,
                    p.screen_share * 100.0,
                    p.faces
                )
            } else {
                format!(
                    "- Person {}: in {:.0}% of the analysed frames ({} faces); shares: {shares}; leading expression over time: {periods}.",
                    p.id,
                    p.screen_share * 100.0,
                    p.faces
                )
            }
        })
        .collect();
    if let Some(o) = &inputs.others {
        let shares = list(lang, &o.percentages, "%", 1);
        lines.push(if ru {
            format!(
                "- Ещё {} человек вместе ({} лиц): {shares}.",
                o.count, o.faces
            )
        } else {
            format!(
                "- {} more people together ({} faces): {shares}.",
                o.count, o.faces
            )
        });
    }
    lines.join("\n")
}
