//! The one seam results are summed through. A run's batch returns classified frames; each goes
//! to every [`Sink`] of the run ([`Tally`]: the job's sums, the people's, the annotated video),
//! then to the observer. A running stream's results so far and a live session's summaries
//! are summed by the same sinks.

use opencv::core::Mat;

use super::aggregate::Accumulator;
use super::annotate::Annotator;
use super::people::PeopleAccumulator;
use super::{FrameResult, PipelineError};

/// Something a classified frame is added to.
pub trait Sink {
    /// One classified frame; `image` is its picture when the run keeps it (to draw on).
    fn frame(&mut self, frame: &FrameResult, image: Option<&Mat>) -> Result<(), PipelineError>;
}

impl Sink for Accumulator {
    fn frame(&mut self, frame: &FrameResult, _: Option<&Mat>) -> Result<(), PipelineError> {
        self.add_frame(frame.faces.iter().map(|f| f.probabilities.to_array()));
        Ok(())
    }
}

impl Sink for PeopleAccumulator {
    fn frame(&mut self, frame: &FrameResult, _: Option<&Mat>) -> Result<(), PipelineError> {
        for face in &frame.faces {
            self.add(frame.frame, frame.time_ms, face);
        }
        Ok(())
    }
}

impl Sink for Annotator {
    fn frame(&mut self, frame: &FrameResult, image: Option<&Mat>) -> Result<(), PipelineError> {
        match image {
            Some(image) => self.add(image, &frame.faces),
            None => Err(PipelineError::internal(
                "a frame to annotate came without its picture",
            )),
        }
    }
}

/// A run's sums: the job's, the people's (with tracking) and the annotated video (when asked).
/// Each grows with the people or the video's periods, never with its frames.
pub struct Tally {
    pub job: Accumulator,
    pub people: Option<PeopleAccumulator>,
    pub annotator: Option<Annotator>,
}

impl Tally {
    pub fn new(people: Option<PeopleAccumulator>) -> Self {
        Self {
            job: Accumulator::default(),
            people,
            annotator: None,
        }
    }

    /// Whether the frames' pictures are needed (only to draw on them).
    pub fn wants_images(&self) -> bool {
        self.annotator.is_some()
    }
}

impl Sink for Tally {
    fn frame(&mut self, frame: &FrameResult, image: Option<&Mat>) -> Result<(), PipelineError> {
        self.job.frame(frame, image)?;
        if let Some(people) = &mut self.people {
            people.frame(frame, image)?;
        }
        if let Some(annotator) = &mut self.annotator {
            annotator.frame(frame, image)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::aggregate::{Emotion, PerEmotion};
    use crate::pipeline::{BoxPx, FaceResult};

    fn face(track: u32, probabilities: [f32; 7]) -> FaceResult {
        FaceResult {
            bbox: BoxPx {
                x: 0,
                y: 0,
                w: 40,
                h: 40,
            },
            score: 0.9,
            emotion: Emotion::ALL[crate::pipeline::aggregate::argmax(&probabilities)],
            probabilities: PerEmotion::from(probabilities),
            track_id: Some(track),
        }
    }

    /// The tally's sums are those of its sinks fed one by one: the job's faces and each
    /// person's.
    #[test]
    fn a_tally_feeds_the_job_and_the_people() {
        let happy = [0.0, 0.0, 0.0, 0.9, 0.1, 0.0, 0.0];
        let sad = [0.0, 0.0, 0.0, 0.1, 0.1, 0.8, 0.0];
        let frames = [
            FrameResult {
                frame: 0,
                time_ms: 0,
                faces: vec![face(1, happy), face(2, sad)],
            },
            FrameResult {
                frame: 5,
                time_ms: 200,
                faces: vec![face(1, happy)],
            },
            FrameResult {
                frame: 10,
                time_ms: 400,
                faces: Vec::new(),
            },
        ];
        let mut tally = Tally::new(Some(PeopleAccumulator::new(1000)));
        assert!(!tally.wants_images());
        for f in &frames {
            tally.frame(f, None).expect("summed");
        }
        let job = tally.job.summary();
        assert_eq!(
            (
                job.frames_analyzed,
                job.frames_with_face,
                job.faces_classified
            ),
            (3, 2, 3)
        );
        assert_eq!((job.counts.happy, job.counts.sad), (2, 1));
        let people = tally
            .people
            .expect("people")
            .finish(200.0, 3, 0, Default::default());
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].id, 1);
        assert_eq!(people[0].faces, 2);
    }
}
