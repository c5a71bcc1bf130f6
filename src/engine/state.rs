//! The dynamical state of a run and its checkpoint file.
//!
//! Checkpoints are written to a temporary file and renamed over the old one, so a run killed at any moment
//! leaves either the previous or the new checkpoint, never half of one. Scalars go in a JSON header (with
//! serde_json's exact float round trip), per-atom arrays as raw little-endian f64 after it.

use crate::physics::thermostat::NoseHooverChain;
use crate::system::RigidBody;
use anyhow::{bail, Context, Result};
use glam::{DQuat, DVec3};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"NDEMCKP1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BodyState {
    pub com: DVec3,
    pub vcom: DVec3,
    pub quat: DQuat,
    pub angmom: DVec3,
}

impl BodyState {
    /// The dynamical state of `body` (its shape and trap are fixed by the scenario).
    pub fn of(body: &RigidBody) -> BodyState {
        BodyState {
            com: body.com,
            vcom: body.vcom,
            quat: body.quat,
            angmom: body.angmom,
        }
    }

    /// Puts this state back into `body`.
    pub fn apply_to(&self, body: &mut RigidBody) {
        body.com = self.com;
        body.vcom = self.vcom;
        body.quat = self.quat;
        body.angmom = self.angmom;
    }
}

/// Running sums the engines keep in f64.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accumulators {
    pub thermostat_heat: [f64; 2],
    pub work: [f64; 2],
    pub particle_heat: [f64; 2],
    /// All nonconservative work since step 0 (never zeroed), for the conserved quantity.
    pub work_since_start: f64,
    pub controller_impulse: DVec3,
}

impl Accumulators {
    /// Zeroes thermostat heat, work and particle heat (start of production); the work since step 0 and the
    /// controller's impulse, which the conservation checks need whole, stay.
    pub fn zero_ledger(&mut self) {
        self.thermostat_heat = [0.0; 2];
        self.work = [0.0; 2];
        self.particle_heat = [0.0; 2];
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub step: u64,
    #[serde(skip)]
    pub positions: Vec<DVec3>,
    #[serde(skip)]
    pub velocities: Vec<DVec3>,
    pub bodies: Vec<BodyState>,
    pub chains: [Option<NoseHooverChain>; 2],
    pub accumulators: Accumulators,
    /// Whatever the run driver needs to continue (rows written, ledger zero, ...), opaque here.
    pub driver: serde_json::Value,
}

impl State {
    /// An engine's state at `step`, with no driver state yet.
    pub fn new(
        step: u64,
        positions: Vec<DVec3>,
        velocities: Vec<DVec3>,
        bodies: &[RigidBody],
        chains: [Option<NoseHooverChain>; 2],
        accumulators: Accumulators,
    ) -> State {
        State {
            step,
            positions,
            velocities,
            bodies: bodies.iter().map(BodyState::of).collect(),
            chains,
            accumulators,
            driver: serde_json::Value::Null,
        }
    }

    /// Refuses to restore a state into an engine of `atoms` atoms and `bodies` bodies built from another
    /// scenario.
    pub fn check_fits(&self, atoms: usize, bodies: usize) -> Result<()> {
        if self.positions.len() != atoms || self.bodies.len() != bodies {
            bail!(
                "checkpoint holds {} atoms and {} bodies but the scenario builds {atoms} and {bodies}: it belongs to \
                 another scenario",
                self.positions.len(),
                self.bodies.len(),
            );
        }
        Ok(())
    }

    /// Writes the checkpoint atomically: temp file in the same directory, fsync, rename.
    pub fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("tmp");
        let header = serde_json::to_vec(self)?;
        {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(&tmp)
                    .with_context(|| format!("creating {}", tmp.display()))?,
            );
            f.write_all(MAGIC)?;
            f.write_all(&(header.len() as u64).to_le_bytes())?;
            f.write_all(&header)?;
            f.write_all(&(self.positions.len() as u64).to_le_bytes())?;
            for v in self.positions.iter().chain(self.velocities.iter()) {
                for c in v.to_array() {
                    f.write_all(&c.to_le_bytes())?;
                }
            }
            f.flush()?;
            f.get_ref().sync_all()?;
        }
        std::fs::rename(&tmp, path)
            .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
        Ok(())
    }

    pub fn load(path: &Path) -> Result<State> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .with_context(|| format!("opening checkpoint {}", path.display()))?
            .read_to_end(&mut bytes)?;
        let bad = || {
            anyhow::anyhow!(
                "checkpoint {} is truncated or not a nanodemon checkpoint",
                path.display()
            )
        };
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(bad());
        }
        let hlen = u64::from_le_bytes(bytes[8..16].try_into()?) as usize;
        let header = bytes.get(16..16 + hlen).ok_or_else(bad)?;
        let mut state: State = serde_json::from_slice(header).context("checkpoint header")?;
        let rest = &bytes[16 + hlen..];
        let n = u64::from_le_bytes(rest.get(..8).ok_or_else(bad)?.try_into()?) as usize;
        let data = &rest[8..];
        if data.len() != n * 2 * 3 * 8 {
            bail!(bad());
        }
        let vals: Vec<f64> = data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let vecs: Vec<DVec3> = vals.chunks_exact(3).map(DVec3::from_slice).collect();
        state.positions = vecs[..n].to_vec();
        state.velocities = vecs[n..].to_vec();
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_round_trip_is_exact() {
        let dir = std::env::temp_dir().join(format!("nd-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.ckpt");
        let s = State {
            step: 42,
            positions: vec![
                DVec3::new(0.1, 1.0 / 3.0, 7e-300),
                DVec3::new(-1.5, 2.0, 3.0),
            ],
            velocities: vec![
                DVec3::new(1e-17, -0.0, 2.5),
                DVec3::new(0.7, 0.8, std::f64::consts::PI),
            ],
            bodies: vec![BodyState {
                com: DVec3::new(1.0 / 7.0, 2.0, 3.0),
                vcom: DVec3::ZERO,
                quat: DQuat::from_xyzw(0.1, 0.2, 0.3, 0.9).normalize(),
                angmom: DVec3::new(1e-3, 2e-3, -3e-3),
            }],
            chains: [Some(NoseHooverChain::new(3, 1.0, 99.0)), None],
            accumulators: Accumulators {
                thermostat_heat: [0.1 + 0.2, 1.0 / 3.0],
                ..Default::default()
            },
            driver: serde_json::json!({"rows": 5}),
        };
        s.save(&path).unwrap();
        assert_eq!(State::load(&path).unwrap(), s);
        std::fs::write(&path, b"NDEMCKP1garbage").unwrap();
        assert!(State::load(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
