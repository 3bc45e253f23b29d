//! A face's look, to know it again when it comes back after it left the picture or after a cut:
//! the 48×48 crop the emotion model gets, averaged down to 16×16 (small shifts of the box do not
//! matter) and normalised to zero mean and unit length, so that brightness and contrast do not
//! matter either. Two looks compare by their dot product (a correlation, −1..1).

pub const SIDE: usize = 16;
pub type Look = [f32; SIDE * SIDE];

/// The look of one face from its 48×48 model input (any linear scaling of grey levels).
pub fn look(face48: &[f32]) -> Option<Look> {
    if face48.len() != 48 * 48 {
        return None;
    }
    let mut out = [0f32; SIDE * SIDE];
    for (i, o) in out.iter_mut().enumerate() {
        let (by, bx) = (i / SIDE * 3, i % SIDE * 3);
        let mut sum = 0.0;
        for y in by..by + 3 {
            for x in bx..bx + 3 {
                sum += face48[y * 48 + x];
            }
        }
        *o = sum / 9.0;
    }
    normalise(&mut out).then_some(out)
}

/// Zero mean, unit length; `false` for a flat picture, which has no look.
fn normalise(v: &mut Look) -> bool {
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    v.iter_mut().for_each(|x| *x -= mean);
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm < 1e-6 {
        return false;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    true
}

pub fn similarity(a: &Look, b: &Look) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Moves a track's look a step towards a new sighting, so it follows slow changes (light, pose).
pub fn blend(track: &mut Look, seen: &Look, weight: f32) {
    for (t, s) in track.iter_mut().zip(seen) {
        *t = (1.0 - weight) * *t + weight * s;
    }
    normalise(track);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(seed: u32) -> Vec<f32> {
        // A smooth pattern that differs per seed.
        (0..48 * 48)
            .map(|i| {
                let (y, x) = ((i / 48) as f32, (i % 48) as f32);
                let s = seed as f32;
                ((x * 0.13 * s).sin() + (y * 0.07 * (s + 1.0)).cos()) * 60.0 + 128.0
            })
            .collect()
    }

    #[test]
    fn brightness_and_contrast_do_not_change_a_look() {
        let a = look(&picture(1)).expect("a look");
        let brighter: Vec<f32> = picture(1).iter().map(|v| v * 0.6 + 40.0).collect();
        let b = look(&brighter).expect("a look");
        assert!(similarity(&a, &b) > 0.999);
    }

    #[test]
    fn different_pictures_look_different() {
        let a = look(&picture(1)).expect("a look");
        let b = look(&picture(3)).expect("a look");
        assert!(similarity(&a, &b) < 0.5, "{}", similarity(&a, &b));
    }

    #[test]
    fn a_flat_picture_has_no_look() {
        assert!(look(&[5.0; 48 * 48]).is_none());
        assert!(look(&[5.0; 10]).is_none());
    }
}
