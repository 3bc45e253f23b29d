//! A constant-velocity Kalman filter for one coordinate of a box (its centre x or y, its width
//! or height). The four coordinates are filtered apart: with noise that is independent per
//! coordinate this is the same as one filter over the whole box, and far smaller.

/// Position and velocity (per second) of one coordinate, with their covariance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub pos: f32,
    pub vel: f32,
    /// Covariance of (pos, vel): `[p_pp, p_pv, p_vv]`.
    cov: [f32; 3],
}

impl Axis {
    /// A new coordinate at `pos`, its velocity unknown (standard deviation `vel_std`).
    pub fn new(pos: f32, pos_std: f32, vel_std: f32) -> Self {
        Self {
            pos,
            vel: 0.0,
            cov: [pos_std * pos_std, 0.0, vel_std * vel_std],
        }
    }

    /// Moves the state `dt` seconds on; `accel_std` is the random acceleration allowed.
    pub fn predict(&mut self, dt: f32, accel_std: f32) {
        let [pp, pv, vv] = self.cov;
        let q = accel_std * accel_std;
        let (dt2, dt3, dt4) = (dt * dt, dt * dt * dt, dt * dt * dt * dt);
        self.pos += self.vel * dt;
        self.cov = [
            pp + 2.0 * dt * pv + dt2 * vv + q * dt4 / 4.0,
            pv + dt * vv + q * dt3 / 2.0,
            vv + q * dt2,
        ];
    }

    /// Variance of a measurement's innovation: how far off a measurement may plausibly be.
    pub fn innovation_var(&self, meas_std: f32) -> f32 {
        self.cov[0] + meas_std * meas_std
    }

    /// Takes in a measured position.
    pub fn update(&mut self, measured: f32, meas_std: f32) {
        let [pp, pv, vv] = self.cov;
        let s = pp + meas_std * meas_std;
        let (k_p, k_v) = (pp / s, pv / s);
        let innovation = measured - self.pos;
        self.pos += k_p * innovation;
        self.vel += k_v * innovation;
        self.cov = [(1.0 - k_p) * pp, (1.0 - k_p) * pv, vv - k_v * pv];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_constant_velocity() {
        let mut a = Axis::new(0.0, 1.0, 100.0);
        for step in 1..=20 {
            a.predict(0.2, 1.0);
            a.update(step as f32 * 10.0, 1.0); // 10 px per 0.2 s = 50 px/s
        }
        assert!((a.vel - 50.0).abs() < 2.0, "velocity {}", a.vel);
        a.predict(0.2, 1.0);
        assert!((a.pos - 210.0).abs() < 2.0, "prediction {}", a.pos);
    }

    #[test]
    fn uncertainty_grows_while_unseen_and_shrinks_when_measured() {
        let mut a = Axis::new(0.0, 2.0, 10.0);
        let before = a.innovation_var(1.0);
        a.predict(1.0, 5.0);
        let unseen = a.innovation_var(1.0);
        assert!(unseen > before);
        a.update(0.0, 1.0);
        assert!(a.innovation_var(1.0) < unseen);
    }
}
