//! Extended-XYZ frames (the format OVITO and ASE read): a count line, a comment line with `Lattice`,
//! `Properties`, `Time` and `Step`, then one line per atom.
//!
//! Columns: species (Ar/Cu), position (Å), velocity (`velo`, Å/ps, the name OVITO maps to Velocity), mass
//! (`masses`, amu, the name ASE maps to `Atoms.get_masses`), atom id (1-based, the ids of
//! `nanodemon export lammps`) and group name (cold_bath, hot_bath, wall, cold_particle, hot_particle).

use super::Frame;
use crate::system::System;
use anyhow::Result;
use std::fmt::Write as _;
use std::io::{Seek, SeekFrom, Write};

/// The `Properties` key of every frame.
pub const PROPERTIES: &str = "species:S:1:pos:R:3:velo:R:3:masses:R:1:id:I:1:group:S:1";

/// Appends `frame` at the end of `f` and flushes; returns its length in bytes.
pub fn append_frame(f: &mut std::fs::File, sys: &System, frame: &Frame) -> Result<u64> {
    let b = sys.box_a;
    let mut s = String::with_capacity(frame.positions.len() * 110 + 300);
    writeln!(s, "{}", frame.positions.len())?;
    writeln!(
        s,
        "Lattice=\"{} 0 0 0 {} 0 0 0 {}\" Properties={PROPERTIES} Time={:.6} Step={} pbc=\"T T T\" \
         units=\"metal: A, ps, A/ps, amu\" time_origin=\"production start, as heat.csv\"",
        b.x, b.y, b.z, frame.time_ps, frame.step
    )?;
    for (i, ((p, v), g)) in frame
        .positions
        .iter()
        .zip(&frame.velocities)
        .zip(&sys.groups)
        .enumerate()
    {
        let sp = if g.is_argon() { "Ar" } else { "Cu" };
        writeln!(
            s,
            "{sp} {:.6} {:.6} {:.6} {:.6} {:.6} {:.6} {} {} {}",
            p.x,
            p.y,
            p.z,
            v.x,
            v.y,
            v.z,
            sys.group_mass[*g as usize],
            i + 1,
            g.name()
        )?;
    }
    f.seek(SeekFrom::End(0))?;
    f.write_all(s.as_bytes())?;
    f.flush()?;
    Ok(s.len() as u64)
}
