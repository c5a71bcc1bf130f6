//! Trajectory files other tools read: extended XYZ (OVITO, ASE; positions, velocities, masses, atom ids and
//! group names) and CHARMM/NAMD DCD (OVITO, MDAnalysis, VMD; positions only, 12 bytes an atom a frame, for
//! paper-size runs where text costs ~1.9 MB a frame).
//!
//! Frames are taken in production only, the first at its start, with the time origin of heat.csv (t = 0 where
//! the ledger is zeroed). Each frame is appended and flushed; the run driver records the file's length in
//! every checkpoint and `--resume` truncates the file back to it, so a resumed trajectory is byte-identical to
//! an uninterrupted one.

mod dcd;
mod xyz;

use crate::engine::State;
use crate::system::System;
use anyhow::{Context, Result};
use glam::DVec3;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which file `run.xyz_interval_ps` snapshots go to (scenario field `run.trajectory_format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrajectoryFormat {
    /// `trajectory.xyz`, extended XYZ text.
    #[default]
    Xyz,
    /// `trajectory.dcd`, CHARMM/NAMD binary DCD.
    Dcd,
}

impl TrajectoryFormat {
    /// The file name inside a run directory.
    pub fn file_name(self) -> &'static str {
        match self {
            TrajectoryFormat::Xyz => "trajectory.xyz",
            TrajectoryFormat::Dcd => "trajectory.dcd",
        }
    }

    /// Whether this is the default (kept out of run.json so run directories written before the field
    /// existed still resume).
    pub fn is_default(&self) -> bool {
        *self == TrajectoryFormat::default()
    }
}

/// One snapshot: positions (wrapped into the box, Å) and velocities (Å/ps) of every atom in system order.
pub struct Frame {
    /// Steps since the start of production.
    pub production_step: u64,
    /// Time since the start of production, ps (heat.csv's `time_ps`).
    pub time_ps: f64,
    /// MD steps since the start of the run (equilibration included).
    pub step: u64,
    pub positions: Vec<DVec3>,
    pub velocities: Vec<DVec3>,
}

impl Frame {
    /// A frame from an engine state. Engines integrate the rigid particles as bodies and keep no per-atom
    /// velocities for their atoms, so those are rebuilt from the body: v_i = V + ω × (r_i − R), with ω from
    /// the body's angular momentum (`RigidBody::omega`). Wall atoms never move.
    pub fn from_state(sys: &System, state: &State, eq_steps: u64, dt_ps: f64) -> Frame {
        let mut velocities = state.velocities.clone();
        for (body, bs) in sys.bodies.iter().zip(&state.bodies) {
            let mut b = body.clone();
            bs.apply_to(&mut b);
            let omega = b.omega();
            for (i, off) in b.atoms.clone().zip(b.space_offsets()) {
                velocities[i] = b.vcom + omega.cross(off);
            }
        }
        for i in sys.ranges[crate::system::Group::Wall as usize].clone() {
            velocities[i] = DVec3::ZERO;
        }
        let production_step = state.step - eq_steps;
        Frame {
            production_step,
            time_ps: production_step as f64 * dt_ps,
            step: state.step,
            positions: state.positions.clone(),
            velocities,
        }
    }
}

/// An open trajectory file of either format.
pub struct TrajectoryWriter {
    format: TrajectoryFormat,
    path: PathBuf,
    file: std::fs::File,
    dcd: Option<dcd::Layout>,
}

impl TrajectoryWriter {
    /// Creates the file for a fresh run (DCD writes its header, with zero frames, now). Returns the writer
    /// and the bytes written so far.
    pub fn create(
        format: TrajectoryFormat,
        dir: &Path,
        sys: &System,
        frame_steps: u64,
        dt_ps: f64,
    ) -> Result<(TrajectoryWriter, u64)> {
        let path = dir.join(format.file_name());
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        let (dcd, bytes) = match format {
            TrajectoryFormat::Xyz => (None, 0),
            TrajectoryFormat::Dcd => {
                let layout = dcd::Layout::new(sys.len(), frame_steps, dt_ps);
                (Some(layout), layout.write_header(&mut file)?)
            }
        };
        Ok((
            TrajectoryWriter {
                format,
                path,
                file,
                dcd,
            },
            bytes,
        ))
    }

    /// Reopens the file of a resumed run, truncated to the `len` bytes its checkpoint accounts for.
    pub fn resume(
        format: TrajectoryFormat,
        dir: &Path,
        sys: &System,
        frame_steps: u64,
        dt_ps: f64,
        len: u64,
    ) -> Result<TrajectoryWriter> {
        let path = dir.join(format.file_name());
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("--resume: opening {}", path.display()))?;
        let have = file.metadata()?.len();
        if have < len {
            anyhow::bail!(
                "--resume: {} is shorter ({have} bytes) than its checkpoint says ({len}); it was modified after the run",
                path.display()
            );
        }
        file.set_len(len)?;
        let mut w = TrajectoryWriter {
            format,
            path,
            file,
            dcd: None,
        };
        if format == TrajectoryFormat::Dcd {
            let layout = dcd::Layout::new(sys.len(), frame_steps, dt_ps);
            layout.fix_frame_count(&mut w.file, len, &w.path)?;
            w.dcd = Some(layout);
        }
        Ok(w)
    }

    /// Appends one frame and flushes it; returns the bytes it added.
    pub fn write(&mut self, sys: &System, frame: &Frame) -> Result<u64> {
        let n = match (self.format, &self.dcd) {
            (TrajectoryFormat::Dcd, Some(layout)) => {
                layout.append_frame(&mut self.file, sys.box_a, &frame.positions)?
            }
            _ => xyz::append_frame(&mut self.file, sys, frame)?,
        };
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::BodyState;
    use crate::scenario::Scenario;
    use crate::system::{build_system, Group};
    use crate::units::MVV2E;

    /// A frame's particle atoms carry their body's momentum and kinetic energy: Σ m v = M V and
    /// Σ ½ m v² = ½ M V² + ½ L·ω (`RigidBody`'s own energies), for a body translating and tumbling.
    #[test]
    fn rebuilt_particle_velocities_carry_the_bodys_momentum_and_energy() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/small-heater.json");
        let sc = Scenario::load(std::path::Path::new(path)).unwrap();
        let sys = build_system(&sc).unwrap();
        let mut body = sys.bodies[0].clone();
        body.vcom = DVec3::new(0.3, -0.1, 0.2);
        body.angmom = DVec3::new(20000.0, -15000.0, 7000.0);
        let state = State {
            step: 150,
            positions: sys.positions.clone(),
            velocities: sys.velocities.clone(),
            bodies: vec![BodyState::of(&body), BodyState::of(&sys.bodies[1])],
            chains: [None, None],
            accumulators: Default::default(),
            driver: serde_json::Value::Null,
        };
        let f = Frame::from_state(&sys, &state, 100, 0.001);
        assert_eq!(f.production_step, 50);
        assert!((f.time_ps - 0.05).abs() < 1e-15);
        let m = sys.group_mass[Group::ColdParticle as usize];
        let atoms = body.atoms.clone();
        let p: DVec3 = atoms.clone().map(|i| m * f.velocities[i]).sum();
        assert!((p - body.mass * body.vcom).length() < 1e-9 * body.mass);
        let ke: f64 = atoms
            .map(|i| 0.5 * m * f.velocities[i].length_squared() * MVV2E)
            .sum();
        let expected = body.translational_energy() + body.rotational_energy();
        assert!(body.rotational_energy() > body.translational_energy());
        assert!(
            (ke - expected).abs() < 1e-12 * expected,
            "{ke} vs {expected}"
        );
        for i in sys.ranges[Group::Wall as usize].clone() {
            assert_eq!(f.velocities[i], DVec3::ZERO);
        }
    }
}
