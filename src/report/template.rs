//! The `template` provider: a deterministic narrative from the numbers alone, with no network.
//! It is what the service uses when no LLM is configured.

use async_trait::async_trait;

use super::prompt::{duration, emotion_name};
use super::{Language, Narrative, Narrator, ReportError, ReportInputs, template_language};
use crate::pipeline::aggregate::Emotion;

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

/// Every sentence of the narrative in one language; [`narrate`] picks them by the numbers.
struct Phrases {
    /// (video length, frames analysed)
    no_face: fn(&str, u64) -> String,
    /// (faces, frames with a face, frames analysed, video length)
    basis: fn(u64, u64, u64, &str) -> String,
    little_data: &'static str,
    /// The leading expression's share: at least 60 %, at least 40 %, less.
    strength: [&'static str; 3],
    /// (first, its strength, its share, second, its share)
    leading: fn(&str, &str, f64, &str, f64) -> String,
    /// Positive and negative in balance; positive ahead; negative ahead.
    balance: [&'static str; 3],
    /// (balance, happy, negative together, neutral, surprise)
    shares: fn(&str, f64, f64, f64, f64) -> String,
    /// Narrow, moderate and wide range of expressions.
    variety: [&'static str; 3],
    /// (from, to, seconds)
    change: fn(&str, &str, f64) -> String,
    stable: &'static str,
    changes: fn(&str) -> String,
    /// (people followed)
    people: fn(usize) -> String,
    /// (id, share of analysed frames, from, to, leading expression, its share)
    person: fn(u32, f64, &str, &str, &str, f64) -> String,
    /// (the changes of the leading expression)
    person_changes: fn(&str) -> String,
    /// (how many more, their faces, their leading expression)
    others: fn(u64, u64, &str) -> String,
    disclaimer: &'static str,
}

const EN: Phrases = Phrases {
    no_face: |len, frames| {
        format!(
            "No face was found in any of the {frames} frames analysed from this {len} video, so nothing can be said about facial expressions."
        )
    },
    basis: |faces, with_face, frames, len| {
        format!(
            "This analysis rests on {faces} faces found in {with_face} of the {frames} frames analysed from a {len} video."
        )
    },
    little_data: " That is little data, so the picture below is tentative.",
    strength: [
        "clearly prevails",
        "prevails",
        "is the most frequent, without dominating",
    ],
    leading: |first, strength, p1, second, p2| {
        format!(
            "The expression \"{first}\" {strength} ({p1:.1}% of faces); the next most frequent is \"{second}\" ({p2:.1}%)."
        )
    },
    balance: [
        "Positive and negative expressions are roughly in balance",
        "Positive expressions outweigh negative ones",
        "Negative expressions outweigh positive ones",
    ],
    shares: |balance, positive, negative, neutral, surprise| {
        format!(
            "{balance}: happy {positive:.1}%, angry, disgust, fear and sad together {negative:.1}%, neutral {neutral:.1}%, surprise {surprise:.1}%."
        )
    },
    variety: [
        "The range of expressions is narrow: one expression accounts for most of what was seen.",
        "The range of expressions is moderate: a few expressions share most of the faces.",
        "The range of expressions is wide: many different expressions appear.",
    ],
    change: |a, b, at| format!("from \"{a}\" to \"{b}\" around {at:.0} s"),
    stable: "Over time the picture is stable: the same expression leads in every part of the video where a face was seen.",
    changes: |list| format!("Over time the leading expression changes: {list}."),
    people: |n| {
        format!(
            "The faces were followed through the video as {n} different people, numbered by the order in which they appeared; nobody is identified."
        )
    },
    person: |id, share, from, to, first, p| {
        format!(
            "Person {id} (in {share:.0}% of the analysed frames, between {from} and {to}): mostly \"{first}\" ({p:.1}% of their faces)."
        )
    },
    person_changes: |list| format!(" Their leading expression changes {list}."),
    others: |n, faces, first| {
        format!(
            "{n} more people appear for shorter times ({faces} faces together); their most frequent expression is \"{first}\"."
        )
    },
    disclaimer: "This describes facial expressions as recognised by a model trained on FER2013 photos; even the best one disagrees with the majority of ten human annotators on about one face in seven, and more often on faces from video. An expression is not what a person feels inside, and this is not a diagnosis.",
};

const RU: Phrases = Phrases {
    no_face: |len, frames| {
        format!(
            "На видео длительностью {len} ни в одном из {frames} проанализированных кадров не найдено лицо, поэтому о выражениях лица сказать нечего."
        )
    },
    basis: |faces, with_face, frames, len| {
        format!(
            "Анализ опирается на {faces} лиц, найденных в {with_face} из {frames} проанализированных кадров видео длительностью {len}."
        )
    },
    little_data: " Данных немного, поэтому картина ниже предварительная.",
    strength: [
        "явно преобладает",
        "преобладает",
        "встречается чаще других, но не доминирует",
    ],
    leading: |first, strength, p1, second, p2| {
        format!(
            "Выражение «{first}» {strength} ({p1:.1}% лиц); следующее по частоте — «{second}» ({p2:.1}%)."
        )
    },
    balance: [
        "Положительные и отрицательные выражения примерно уравновешены",
        "Положительные выражения преобладают над отрицательными",
        "Отрицательные выражения преобладают над положительными",
    ],
    shares: |balance, positive, negative, neutral, surprise| {
        format!(
            "{balance}: радость {positive:.1}%, гнев, отвращение, страх и грусть вместе {negative:.1}%, нейтральное {neutral:.1}%, удивление {surprise:.1}%."
        )
    },
    variety: [
        "Диапазон выражений узкий: почти всё увиденное приходится на одно выражение.",
        "Диапазон выражений умеренный: большинство лиц делят несколько выражений.",
        "Диапазон выражений широкий: встречается много разных выражений.",
    ],
    change: |a, b, at| format!("«{a}» → «{b}» около {at:.0} с"),
    stable: "Во времени картина стабильна: в каждой части видео, где было лицо, лидирует одно и то же выражение.",
    changes: |list| format!("Во времени ведущее выражение меняется: {list}."),
    people: |n| {
        format!(
            "Лица отслеживались по ходу видео как {n} разных человек, пронумерованных в порядке появления; никто не опознаётся."
        )
    },
    person: |id, share, from, to, first, p| {
        format!(
            "Человек {id} (в {share:.0}% проанализированных кадров, с {from} по {to}): чаще всего «{first}» ({p:.1}% его лиц)."
        )
    },
    person_changes: |list| format!(" Ведущее выражение меняется: {list}."),
    others: |n, faces, first| {
        format!(
            "Ещё {n} человек появляются ненадолго (всего {faces} лиц); их самое частое выражение — «{first}»."
        )
    },
    disclaimer: "Это описание выражений лица, распознанных моделью, обученной на фотографиях FER2013; даже лучшая из них расходится с большинством из десяти людей-разметчиков примерно на каждом седьмом лице, а на лицах из видео чаще. Выражение лица не говорит о том, что человек чувствует на самом деле, и это не диагноз.",
};

/// Which of three phrases: the first from `high`, the second from `mid`, else the third.
fn tier(value: f64, high: f64, mid: f64) -> usize {
    if value >= high {
        0
    } else if value >= mid {
        1
    } else {
        2
    }
}

pub fn narrate(inputs: &ReportInputs, lang: Language) -> String {
    let say = match lang {
        Language::Ru => &RU,
        Language::En => &EN,
    };
    let s = &inputs.summary;
    let len = duration(lang, inputs.duration_ms);
    if s.faces_classified == 0 {
        return [
            (say.no_face)(&len, s.frames_analyzed),
            say.disclaimer.into(),
        ]
        .join("\n\n");
    }
    let mut out: Vec<String> = Vec::new();
    let p = s.percentages.to_array();
    let mut order: Vec<usize> = (0..7).collect();
    order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
    let name = |i: usize| emotion_name(lang, Emotion::ALL[i]);
    let (first, second) = (order[0], order[1]);

    let mut basis = (say.basis)(
        s.faces_classified,
        s.frames_with_face,
        s.frames_analyzed,
        &len,
    );
    if s.faces_classified < 20 {
        basis.push_str(say.little_data);
    }
    out.push(basis);
    let strength = say.strength[tier(p[first], 60.0, 40.0)];
    out.push((say.leading)(
        name(first),
        strength,
        p[first],
        name(second),
        p[second],
    ));

    // angry, disgust, fear, sad count as negative; happy as positive; neutral and surprise apart.
    let negative = p[0] + p[1] + p[2] + p[5];
    let (positive, neutral, surprise) = (p[3], p[4], p[6]);
    let balance = if (positive - negative).abs() < 10.0 {
        say.balance[0]
    } else if positive > negative {
        say.balance[1]
    } else {
        say.balance[2]
    };
    out.push((say.shares)(balance, positive, negative, neutral, surprise));
    // Narrow below 0.35, wide from 0.65.
    out.push(say.variety[2 - tier(variety(&p), 0.65, 0.35)].into());

    if let Some(course) = course(say, lang, inputs) {
        out.push(course);
    }
    if inputs.people.len() >= 2 || inputs.others.is_some() {
        out.push(people(say, lang, inputs));
    }
    out.push(say.disclaimer.into());
    out.join("\n\n")
}

/// How the leading expression changes over the video; `None` with fewer than two segments
/// that saw a face.
fn course(say: &Phrases, lang: Language, inputs: &ReportInputs) -> Option<String> {
    let seen: Vec<_> = inputs
        .segments
        .iter()
        .filter(|seg| seg.dominant.is_some())
        .collect();
    if seen.len() < 2 {
        return None;
    }
    let changes: Vec<String> = seen
        .windows(2)
        .filter_map(|w| match (w[0].dominant, w[1].dominant) {
            (Some(a), Some(b)) if a != b => {
                let at = w[1].start_ms as f64 / 1000.0;
                Some((say.change)(
                    emotion_name(lang, a),
                    emotion_name(lang, b),
                    at,
                ))
            }
            _ => None,
        })
        .collect();
    Some(if changes.is_empty() {
        say.stable.into()
    } else {
        (say.changes)(&changes.join("; "))
    })
}

/// One paragraph on the people: each named one, then the rest together.
fn people(say: &Phrases, lang: Language, inputs: &ReportInputs) -> String {
    let total = inputs.people.len() + inputs.others.as_ref().map_or(0, |o| o.count as usize);
    let mut text = (say.people)(total);
    let at = |ms: u64| {
        let s = (ms as f64 / 1000.0).round() as u64;
        format!("{}:{:02}", s / 60, s % 60)
    };
    for p in &inputs.people {
        let Some(first) = p.dominant else {
            continue;
        };
        text.push(' ');
        text.push_str(&(say.person)(
            p.id,
            p.screen_share * 100.0,
            &at(p.first_ms),
            &at(p.last_ms),
            emotion_name(lang, first),
            p.percentages[first],
        ));
        let changes: Vec<String> = p
            .periods
            .windows(2)
            .filter(|w| w[0].dominant != w[1].dominant)
            .map(|w| {
                (say.change)(
                    emotion_name(lang, w[0].dominant),
                    emotion_name(lang, w[1].dominant),
                    w[1].start_ms as f64 / 1000.0,
                )
            })
            .collect();
        if !changes.is_empty() {
            text.push_str(&(say.person_changes)(&changes.join("; ")));
        }
    }
    if let Some(o) = &inputs.others {
        let first = o.dominant.map_or("?", |d| emotion_name(lang, d));
        text.push(' ');
        text.push_str(&(say.others)(o.count, o.faces, first));
    }
    text
}
