//! The host-side formulas that turn what an engine measured at a sampling point into an [`Observation`]:
//! written once, so both engines decompose bath energies, count temperatures and define the conserved
//! quantity identically.

use super::{Accumulators, Observation};
use crate::physics::controller::Controller;
use crate::system::{Group, RigidBody};
use crate::units::KB_EV_PER_K;
use anyhow::{bail, Result};
use glam::DVec3;
use std::ops::Range;

/// The raw measurements of one sampling point.
pub struct Measurement<'a> {
    pub step: u64,
    /// LJ energy of all pairs between groups a and b, eV, symmetric in (a, b).
    pub pair_energy: [[f64; Group::COUNT]; Group::COUNT],
    /// Kinetic energy of each bath, eV.
    pub bath_kinetic: [f64; 2],
    /// Momentum of each bath's atoms, amu·Å/ps.
    pub bath_momentum: [DVec3; 2],
    /// Degrees of freedom of each bath (3N − 3).
    pub ndof: [f64; 2],
    /// The rigid bodies as of this step (cold, hot), or none.
    pub bodies: &'a [RigidBody],
    pub controller: &'a Controller,
    /// Energy stored in both thermostat chains, eV.
    pub chain_energy: f64,
    pub acc: &'a Accumulators,
}

impl Observation {
    /// Bath energy: kinetic + bath–bath and bath–wall pairs in full + bath–particle pairs half (SPEC.md, "Heat
    /// and work"); particle energy of seed 000, Eq. 17 (plus rotation); the conserved quantity
    /// K + U + E_chains − W.
    pub fn assemble(m: Measurement) -> Result<Observation> {
        let pair = |a: Group, b: Group| m.pair_energy[a as usize][b as usize];
        let x = match m.bodies {
            [c, h] => [c.com - c.trap_center, h.com - h.trap_center],
            _ => [DVec3::ZERO; 2],
        };
        let u_ctrl = if m.bodies.len() == 2 {
            m.controller.potential(x[0], x[1])
        } else {
            [0.0; 2]
        };
        let mut bath_energy = [0.0; 2];
        let mut temperature = [0.0; 2];
        let mut kinetic = 0.0;
        let mut momentum = DVec3::ZERO;
        let sides = [
            (Group::ColdBath, Group::ColdParticle),
            (Group::HotBath, Group::HotParticle),
        ];
        for (b, (bath, particle)) in sides.into_iter().enumerate() {
            let ke = m.bath_kinetic[b];
            kinetic += ke;
            bath_energy[b] =
                ke + pair(bath, bath) + pair(bath, Group::Wall) + 0.5 * pair(bath, particle);
            temperature[b] = if m.ndof[b] > 0.0 {
                2.0 * ke / (m.ndof[b] * KB_EV_PER_K)
            } else {
                0.0
            };
            momentum += m.bath_momentum[b];
        }
        let mut particle_energy = [0.0; 2];
        let mut velocity = [DVec3::ZERO; 2];
        for (k, b) in m.bodies.iter().enumerate() {
            let ke = b.translational_energy() + b.rotational_energy();
            kinetic += ke;
            particle_energy[k] = ke + u_ctrl[k];
            velocity[k] = b.vcom;
            momentum += b.mass * b.vcom;
        }
        let mut lj = 0.0;
        for a in 0..Group::COUNT {
            for b in a..Group::COUNT {
                lj += m.pair_energy[a][b];
            }
        }
        let potential = lj + u_ctrl[0] + u_ctrl[1];
        let obs = Observation {
            step: m.step,
            thermostat_heat: m.acc.thermostat_heat,
            bath_energy,
            temperature,
            work: m.acc.work,
            particle_heat: m.acc.particle_heat,
            particle_energy,
            displacement: x,
            velocity,
            kinetic_energy: kinetic,
            potential_energy: potential,
            chain_energy: m.chain_energy,
            conserved: kinetic + potential + m.chain_energy - m.acc.work_since_start,
            momentum,
            controller_impulse: m.acc.controller_impulse,
        };
        if !obs.conserved.is_finite() {
            bail!(
                "the energy became non-finite at step {}: the run blew up",
                m.step
            );
        }
        Ok(obs)
    }
}

/// Stops a run that has blown up: a non-finite bath atom or particle, or (with walls) argon outside its own
/// container, i.e. atoms lost through a wall. Both engines call it at every readback.
pub fn check_sane(
    step: u64,
    baths: &[Range<usize>; 2],
    walls: bool,
    container: f64,
    position: impl Fn(usize) -> DVec3,
    velocity: impl Fn(usize) -> DVec3,
    bodies: &[RigidBody],
) -> Result<()> {
    for (b, range) in baths.iter().enumerate() {
        for i in range.clone() {
            let (p, v) = (position(i), velocity(i));
            if !(p.is_finite() && v.is_finite()) {
                bail!(
                    "atom {i} has a non-finite position or velocity at step {step}: the run blew up (timestep too \
                     large, or overlapping atoms)"
                );
            }
            let lo = b as f64 * container;
            if walls && (p.x < lo || p.x >= lo + container) {
                bail!(
                    "atom {i} of the {} bath left its container (x = {:.3} Å) at step {step}: atoms lost through a wall",
                    ["cold", "hot"][b],
                    p.x
                );
            }
        }
    }
    if bodies
        .iter()
        .any(|b| !(b.com.is_finite() && b.vcom.is_finite() && b.angmom.is_finite()))
    {
        bail!("a nanoparticle's state became non-finite at step {step}: the run blew up");
    }
    Ok(())
}
