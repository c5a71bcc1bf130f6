//! CHARMM/NAMD DCD trajectories, as OVITO, MDAnalysis and VMD read them: little-endian Fortran
//! unformatted records (each framed by its byte length as a 32-bit integer).
//!
//! Header: an 84-byte record `CORD` + 20 integers (frames, first step, steps between frames, total steps,
//! …, the timestep as a 32-bit float in AKMA time units at index 9, a unit-cell flag at 10, CHARMM version 24
//! at 19); a title record; a record with the atom count. Each frame: the unit cell (six f64: a, γ, b, β, α,
//! c with angles in degrees) then three records of f32 x, y and z in Å. The frame count in the header is
//! rewritten after every frame, so a file cut short by a kill is still a valid DCD of the frames it holds.

use anyhow::{bail, Result};
use glam::DVec3;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// One AKMA time unit in fs (CHARMM's time unit, √(Å² amu / (kcal/mol)) = 48.888 fs), the unit of the
/// header's timestep.
const AKMA_FS: f64 = 48.888_210_26;

/// Byte offset of the frame count (after the record length and `CORD`) and of the total step count.
const NSET_OFFSET: u64 = 8;
const NSTEP_OFFSET: u64 = 20;

#[derive(Clone, Copy, Debug)]
pub struct Layout {
    atoms: usize,
    frame_steps: u64,
    dt_fs: f64,
}

impl Layout {
    pub fn new(atoms: usize, frame_steps: u64, dt_ps: f64) -> Layout {
        Layout {
            atoms,
            frame_steps,
            dt_fs: dt_ps * 1e3,
        }
    }

    /// Title lines, at most 80 bytes each (checked by the unit test).
    const TITLE: [&'static str; 2] = [
        "nanodemon trajectory: positions in A, t = 0 at production start as in heat.csv",
        "atoms in group order: cold bath, hot bath, walls, cold particle, hot particle",
    ];

    fn header_len(&self) -> u64 {
        (4 + 84 + 4) + (4 + 4 + 80 * Self::TITLE.len() as u64 + 4) + (4 + 4 + 4)
    }

    fn frame_len(&self) -> u64 {
        (4 + 48 + 4) + 3 * (4 + 4 * self.atoms as u64 + 4)
    }

    /// Writes the header with zero frames; returns its length.
    pub fn write_header(&self, f: &mut std::fs::File) -> Result<u64> {
        let mut b = Vec::with_capacity(self.header_len() as usize);
        let mut control = [0i32; 20];
        control[1] = 0; // first frame at production step 0
        control[2] = i32::try_from(self.frame_steps).unwrap_or(i32::MAX);
        control[9] = ((self.dt_fs / AKMA_FS) as f32).to_bits() as i32;
        control[10] = 1;
        control[19] = 24;
        b.extend(84i32.to_le_bytes());
        b.extend(b"CORD");
        for c in control {
            b.extend(c.to_le_bytes());
        }
        b.extend(84i32.to_le_bytes());
        let title_len = (4 + 80 * Self::TITLE.len()) as i32;
        b.extend(title_len.to_le_bytes());
        b.extend((Self::TITLE.len() as i32).to_le_bytes());
        for t in Self::TITLE {
            let mut line = [b' '; 80];
            line[..t.len()].copy_from_slice(t.as_bytes());
            b.extend(line);
        }
        b.extend(title_len.to_le_bytes());
        b.extend(4i32.to_le_bytes());
        b.extend((self.atoms as i32).to_le_bytes());
        b.extend(4i32.to_le_bytes());
        debug_assert_eq!(b.len() as u64, self.header_len());
        f.set_len(0)?;
        f.seek(SeekFrom::Start(0))?;
        f.write_all(&b)?;
        f.flush()?;
        Ok(b.len() as u64)
    }

    /// Appends one frame and updates the header's frame count; returns the frame's length.
    pub fn append_frame(&self, f: &mut std::fs::File, box_a: DVec3, pos: &[DVec3]) -> Result<u64> {
        let mut b = Vec::with_capacity(self.frame_len() as usize);
        b.extend(48i32.to_le_bytes());
        for c in [box_a.x, 90.0, box_a.y, 90.0, 90.0, box_a.z] {
            b.extend(c.to_le_bytes());
        }
        b.extend(48i32.to_le_bytes());
        let rec = (4 * pos.len()) as i32;
        for axis in 0..3 {
            b.extend(rec.to_le_bytes());
            for p in pos {
                b.extend((p[axis] as f32).to_le_bytes());
            }
            b.extend(rec.to_le_bytes());
        }
        let end = f.seek(SeekFrom::End(0))?;
        f.write_all(&b)?;
        self.write_frame_count(
            f,
            (end + b.len() as u64 - self.header_len()) / self.frame_len(),
        )?;
        f.flush()?;
        Ok(b.len() as u64)
    }

    /// After `--resume` truncated the file to `len` bytes: checks that it ends on a frame boundary and writes
    /// the frame count that length implies.
    pub fn fix_frame_count(&self, f: &mut std::fs::File, len: u64, path: &Path) -> Result<()> {
        let body = len.checked_sub(self.header_len());
        match body {
            Some(body) if body % self.frame_len() == 0 => {
                self.write_frame_count(f, body / self.frame_len())?;
                f.flush()?;
                Ok(())
            }
            _ => bail!(
                "--resume: {} does not end on a DCD frame at the checkpoint's {len} bytes; it belongs to another \
                 scenario or was modified",
                path.display()
            ),
        }
    }

    fn write_frame_count(&self, f: &mut std::fs::File, frames: u64) -> Result<()> {
        let nset = i32::try_from(frames).unwrap_or(i32::MAX);
        let nstep = i32::try_from(frames * self.frame_steps).unwrap_or(i32::MAX);
        f.seek(SeekFrom::Start(NSET_OFFSET))?;
        f.write_all(&nset.to_le_bytes())?;
        f.seek(SeekFrom::Start(NSTEP_OFFSET))?;
        f.write_all(&nstep.to_le_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Header and frame lengths match what the writer produces, and the frame count follows the frames.
    #[test]
    fn header_and_frames_have_the_declared_lengths_and_count() {
        let dir = std::env::temp_dir().join(format!("nd-dcd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.dcd");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let l = Layout::new(3, 10, 0.001);
        assert!(Layout::TITLE.iter().all(|t| t.len() <= 80));
        let h = l.write_header(&mut f).unwrap();
        let pos = [DVec3::new(1.0, 2.0, 3.0); 3];
        let fr = l.append_frame(&mut f, DVec3::splat(10.0), &pos).unwrap();
        let fr2 = l.append_frame(&mut f, DVec3::splat(10.0), &pos).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, h + fr + fr2);
        assert_eq!(fr, l.frame_len());
        assert_eq!(i32::from_le_bytes(bytes[8..12].try_into().unwrap()), 2);
        assert_eq!(i32::from_le_bytes(bytes[20..24].try_into().unwrap()), 20);
        f.set_len(h + fr).unwrap();
        l.fix_frame_count(&mut f, h + fr, &path).unwrap();
        assert_eq!(
            i32::from_le_bytes(std::fs::read(&path).unwrap()[8..12].try_into().unwrap()),
            1
        );
        assert!(l.fix_frame_count(&mut f, h + fr - 4, &path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
