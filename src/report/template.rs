//! The `template` provider: a deterministic narrative from the numbers alone, with no network.
//! It is what the service uses when no LLM is configured.

use async_trait::async_trait;

use super::prompt::{duration, emotion_name};
use super::{Narrative, Narrator, ReportError, ReportInputs, template_language};

pub const MODEL: &str = "template-v1";

pub struct TemplateNarrator;

#[async_trait]
impl Narrator for TemplateNarrator {
    fn name(&self) -> &'static str {
        "template"
    }

    async fn write(
        &self,
        inputs: &ReportInputs,
        language: &str,
        _model: Option<&str>,
    ) -> Result<Narrative, ReportError> {
        let lang = template_language(language).ok_or_else(|| {
            ReportError::Invalid(format!(
                "the template provider writes en and ru, not {language:?}"
            ))
        })?;
        Ok(Narrative {
            text: narrate(inputs, lang),
            model: MODEL.into(),
            usage: None,
        })
    }
}

/// Shannon entropy of the shares, scaled to 0..1 (0: one expression only, 1: all equally).
fn variety(p: &[f64; 7]) -> f64 {
    let h: f64 = p
        .iter()
        .filter(|v| **v > 0.0)
        .map(|v| -(v / 100.0) * (v / 100.0).ln())
        .sum();
    h / 7f64.ln()
}

pub fn narrate(inputs: &ReportInputs, lang: &str) -> String {
    let ru = lang == "ru";
    let t = |en: &str, ru_text: &str| {
        if ru {
            ru_text.to_string()
        } else {
            en.to_string()
        }
    };
    let mut out: Vec<String> = Vec::new();
    let len = duration(lang, inputs.duration_ms);
    if inputs.summary.faces_classified == 0 {
        out.push(if ru {
            format!("На видео длительностью {len} ни в одном из {} проанализированных кадров не найдено лицо, поэтому о выражениях лица сказать нечего.", inputs.summary.frames_analyzed)
        } else {
            format!("No face was found in any of the {} frames analysed from this {len} video, so nothing can be said about facial expressions.", inputs.summary.frames_analyzed)
        });
        out.push(disclaimer(ru));
        return out.join("\n\n");
    }

    let p = inputs.summary.percentages.to_array();
    let mut order: Vec<usize> = (0..7).collect();
    order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
    let name = |i: usize| emotion_name(lang, crate::pipeline::aggregate::EMOTIONS[i]);
    let (first, second) = (order[0], order[1]);

    out.push(if ru {
        format!(
            "Анализ опирается на {} лиц, найденных в {} из {} проанализированных кадров видео длительностью {len}.",
            inputs.summary.faces_classified, inputs.summary.frames_with_face, inputs.summary.frames_analyzed
        )
    } else {
        format!(
            "This analysis rests on {} faces found in {} of the {} frames analysed from a {len} video.",
            inputs.summary.faces_classified, inputs.summary.frames_with_face, inputs.summary.frames_analyzed
        )
    } + &if inputs.summary.faces_classified < 20 {
        t(" That is little data, so the picture below is tentative.", " Данных немного, поэтому картина ниже предварительная.")
    } else {
        String::new()
    });

    let strength = |share: f64| match (share, ru) {
        (s, false) if s >= 60.0 => "clearly prevails",
        (s, false) if s >= 40.0 => "prevails",
        (_, false) => "is the most frequent, without dominating",
        (s, true) if s >= 60.0 => "явно преобладает",
        (s, true) if s >= 40.0 => "преобладает",
        (_, true) => "встречается чаще других, но не доминирует",
    };
    out.push(if ru {
        format!(
            "Выражение «{}» {} ({:.1}% лиц); следующее по частоте — «{}» ({:.1}%).",
            name(first), strength(p[first]), p[first], name(second), p[second]
        )
    } else {
        format!(
            "The expression \"{}\" {} ({:.1}% of faces); the next most frequent is \"{}\" ({:.1}%).",
            name(first), strength(p[first]), p[first], name(second), p[second]
        )
    });

    // angry, disgust, fear, sad count as negative; happy as positive; neutral and surprise apart.
    let negative = p[0] + p[1] + p[2] + p[5];
    let (positive, neutral, surprise) = (p[3], p[4], p[6]);
    let balance = if (positive - negative).abs() < 10.0 {
        t(
            "Positive and negative expressions are roughly in balance",
            "Положительные и отрицательные выражения примерно уравновешены",
        )
    } else if positive > negative {
        t(
            "Positive expressions outweigh negative ones",
            "Положительные выражения преобладают над отрицательными",
        )
    } else {
        t(
            "Negative expressions outweigh positive ones",
            "Отрицательные выражения преобладают над положительными",
        )
    };
    out.push(if ru {
        format!("{balance}: радость {positive:.1}%, гнев, отвращение, страх и грусть вместе {negative:.1}%, нейтральное {neutral:.1}%, удивление {surprise:.1}%.")
    } else {
        format!("{balance}: happy {positive:.1}%, angry, disgust, fear and sad together {negative:.1}%, neutral {neutral:.1}%, surprise {surprise:.1}%.")
    });

    let v = variety(&p);
    out.push(match (v, ru) {
        (v, false) if v < 0.35 => {
            "The range of expressions is narrow: one expression accounts for most of what was seen."
                .into()
        }
        (v, false) if v < 0.65 => {
            "The range of expressions is moderate: a few expressions share most of the faces."
                .into()
        }
        (_, false) => "The range of expressions is wide: many different expressions appear.".into(),
        (v, true) if v < 0.35 => {
            "Диапазон выражений узкий: почти всё увиденное приходится на одно выражение.".into()
        }
        (v, true) if v < 0.65 => {
            "Диапазон выражений умеренный: большинство лиц делят несколько выражений.".into()
        }
        (_, true) => "Диапазон выражений широкий: встречается много разных выражений.".into(),
    });

    let seen: Vec<_> = inputs
        .segments
        .iter()
        .filter(|s| s.dominant.is_some())
        .collect();
    if seen.len() >= 2 {
        let mut changes = Vec::new();
        for w in seen.windows(2) {
            if w[0].dominant != w[1].dominant {
                let (a, b) = (
                    w[0].dominant.as_deref().unwrap_or(""),
                    w[1].dominant.as_deref().unwrap_or(""),
                );
                let at = w[1].start_ms as f64 / 1000.0;
                changes.push(if ru {
                    format!(
                        "«{}» → «{}» около {at:.0} с",
                        emotion_name(lang, a),
                        emotion_name(lang, b)
                    )
                } else {
                    format!(
                        "from \"{}\" to \"{}\" around {at:.0} s",
                        emotion_name(lang, a),
                        emotion_name(lang, b)
                    )
                });
            }
        }
        out.push(if changes.is_empty() {
            t(
                "Over time the picture is stable: the same expression leads in every part of the video where a face was seen.",
                "Во времени картина стабильна: в каждой части видео, где было лицо, лидирует одно и то же выражение.",
            )
        } else if ru {
            format!("Во времени ведущее выражение меняется: {}.", changes.join("; "))
        } else {
            format!("Over time the leading expression changes: {}.", changes.join("; "))
        });
    }
    out.push(disclaimer(ru));
    out.join("\n\n")
}

fn disclaimer(ru: bool) -> String {
    if ru {
        "Это описание выражений лица, распознанных моделью, обученной на FER2013, которая ошибается примерно на трети лиц. Выражение лица не говорит о том, что человек чувствует на самом деле, и это не диагноз.".into()
    } else {
        "This describes facial expressions as recognised by a model trained on FER2013, which is wrong on roughly a third of faces. An expression is not what a person feels inside, and this is not a diagnosis.".into()
    }
}
