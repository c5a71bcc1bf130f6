//! The start configuration of one simulation: atoms, their groups, the rigid nanoparticles and the box.
//!
//! Atoms are stored in group order (cold bath, hot bath, walls, cold particle, hot particle), so every group
//! is one contiguous index range; both engines and the ledger rely on that.

pub mod build;
mod lattice;
pub mod structure;

pub use build::build_system;

use glam::{DQuat, DVec3};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// What an atom belongs to. The numeric values index the pair-parameter tables of both engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[repr(u8)]
pub enum Group {
    ColdBath = 0,
    HotBath = 1,
    Wall = 2,
    ColdParticle = 3,
    HotParticle = 4,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::ColdBath,
        Group::HotBath,
        Group::Wall,
        Group::ColdParticle,
        Group::HotParticle,
    ];
    pub const COUNT: usize = 5;

    /// Whether atoms of this group are argon (else copper).
    pub fn is_argon(self) -> bool {
        matches!(self, Group::ColdBath | Group::HotBath)
    }

    /// Whether atoms of groups `a` and `b` interact. Excluded: argon across baths (seed 000: "Ar atoms of one
    /// container do not interact with the Ar atoms inside the other"), wall–wall (immobile), atoms within one
    /// rigid body (constant internal energy), and a bath with the other bath's particle (each particle lives in
    /// its own container; with walls on these pairs are never within the cutoff anyway).
    pub fn interacts(a: Group, b: Group) -> bool {
        use Group::*;
        !matches!(
            (a, b),
            (ColdBath, HotBath)
                | (HotBath, ColdBath)
                | (Wall, Wall)
                | (ColdParticle, ColdParticle)
                | (HotParticle, HotParticle)
                | (ColdBath, HotParticle)
                | (HotParticle, ColdBath)
                | (HotBath, ColdParticle)
                | (ColdParticle, HotBath)
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Group::ColdBath => "cold_bath",
            Group::HotBath => "hot_bath",
            Group::Wall => "wall",
            Group::ColdParticle => "cold_particle",
            Group::HotParticle => "hot_particle",
        }
    }
}

/// A rigid nanoparticle: centre of mass, orientation and angular momentum, as LAMMPS `fix rigid` holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct RigidBody {
    /// Indices of its atoms.
    pub atoms: Range<usize>,
    /// Total mass, amu.
    pub mass: f64,
    /// Centre of mass, Å, unwrapped (continuous in time; atoms are wrapped into the box).
    pub com: DVec3,
    /// Centre-of-mass velocity, Å/ps.
    pub vcom: DVec3,
    /// Orientation quaternion rotating body-frame vectors into the space frame.
    pub quat: DQuat,
    /// Angular momentum in the space frame, amu·Å²/ps.
    pub angmom: DVec3,
    /// Principal moments of inertia, amu·Å², in the body frame's axis order.
    pub inertia: DVec3,
    /// Atom displacements from the centre of mass in the body (principal-axis) frame, Å.
    pub body_coords: Vec<DVec3>,
    /// Centre of the harmonic trap, Å (the initial centre of mass).
    pub trap_center: DVec3,
}

/// Atom counts of every group, reported in run.json.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCounts {
    pub cold_bath: usize,
    pub hot_bath: usize,
    pub wall: usize,
    pub cold_particle: usize,
    pub hot_particle: usize,
    pub total: usize,
}

/// The whole start state. Positions are wrapped into [0, box).
#[derive(Clone, Debug)]
pub struct System {
    /// Orthorhombic periodic box edges, Å: (2L, L, L).
    pub box_a: DVec3,
    pub positions: Vec<DVec3>,
    pub velocities: Vec<DVec3>,
    pub groups: Vec<Group>,
    /// Index range of each group, indexed by `Group as usize`.
    pub ranges: [Range<usize>; Group::COUNT],
    /// Mass of each group's atoms, amu, indexed by `Group as usize`.
    pub group_mass: [f64; Group::COUNT],
    /// Cold particle then hot particle, when nanoparticles are enabled.
    pub bodies: Vec<RigidBody>,
}

impl System {
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    pub fn counts(&self) -> GroupCounts {
        let n = |g: Group| self.ranges[g as usize].len();
        GroupCounts {
            cold_bath: n(Group::ColdBath),
            hot_bath: n(Group::HotBath),
            wall: n(Group::Wall),
            cold_particle: n(Group::ColdParticle),
            hot_particle: n(Group::HotParticle),
            total: self.len(),
        }
    }

    pub fn mass(&self, atom: usize) -> f64 {
        self.group_mass[self.groups[atom] as usize]
    }
}
