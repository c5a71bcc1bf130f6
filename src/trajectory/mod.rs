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
