//! The f64 reference engine: velocity Verlet with a Nosé–Hoover chain per bath (Trotter split as LAMMPS
//! `fix nvt`), NO_SQUISH rigid nanoparticles, traps and demon forces on their centres of mass, and the heat
//! and work ledger, every step.

pub(crate) mod forces;
pub(crate) mod neighbor;

pub use neighbor::min_image;

use super::baths::Baths;
use super::{Accumulators, Engine, Measurement, Observation, State};
use crate::physics::controller::Controller;
use crate::physics::lj::PairTable;
use crate::physics::rigid::interaction_work;
use crate::physics::thermostat::NoseHooverChain;
use crate::scenario::Scenario;
use crate::system::{build::wrap, Group, RigidBody, System};
use crate::units::MVV2E;
use anyhow::Result;
use glam::DVec3;
use neighbor::NeighborList;

/// Number of worker threads: `NANODEMON_THREADS`, else all cores. Forces are summed per thread, so the
/// rounding (not the physics) of a trajectory depends on it; run.json records it.
pub fn default_threads() -> usize {
    std::env::var("NANODEMON_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&t: &usize| t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub struct CpuEngine {
    dt: f64,
    table: PairTable,
    ctrl: Controller,
    box_a: DVec3,
    walls: bool,
    container: f64,
    groups: Vec<Group>,
    group_mass: [f64; Group::COUNT],
    baths: Baths,
    pos: Vec<DVec3>,
    vel: Vec<DVec3>,
    force: Vec<DVec3>,
    bodies: Vec<RigidBody>,
    /// Interaction (LJ) force and torque on each body at the current positions.
    body_force: [DVec3; 2],
    body_torque: [DVec3; 2],
    chains: [Option<NoseHooverChain>; 2],
    acc: Accumulators,
    step: u64,
    nl: NeighborList,
    threads: usize,
    scratch: Vec<Vec<DVec3>>,
}

impl CpuEngine {
    pub fn new(sc: &Scenario, sys: &System, threads: usize) -> Result<CpuEngine> {
        let baths = Baths::new(sc, sys);
        let chains = baths.chains(sc);
        let mut e = CpuEngine {
            dt: sc.dt_ps(),
            table: PairTable::new(&sc.potential),
            ctrl: Controller::new(&sc.controller),
            box_a: sys.box_a,
            walls: sc.geometry.walls,
            container: sc.geometry.container_length_a,
            groups: sys.groups.clone(),
            group_mass: sys.group_mass,
            baths,
            pos: sys.positions.clone(),
            vel: sys.velocities.clone(),
            force: vec![DVec3::ZERO; sys.len()],
            bodies: sys.bodies.clone(),
            body_force: [DVec3::ZERO; 2],
            body_torque: [DVec3::ZERO; 2],
            chains,
            acc: Accumulators::default(),
            step: 0,
            nl: NeighborList::new(sc.potential.skin_a),
            threads: threads.max(1),
            scratch: Vec::new(),
        };
        e.refresh_forces(true);
        Ok(e)
    }

    /// Neighbour-list builds so far.
    pub fn list_builds(&self) -> u64 {
        self.nl.builds
    }

    fn bath_ke(&self, b: usize) -> f64 {
        let m = self.group_mass[b];
        0.5 * m
            * MVV2E
            * self.vel[self.baths.ranges[b].clone()]
                .iter()
                .map(|v| v.length_squared())
                .sum::<f64>()
    }

    fn displacements(&self) -> [DVec3; 2] {
        match self.bodies.as_slice() {
            [c, h] => [c.com - c.trap_center, h.com - h.trap_center],
            _ => [DVec3::ZERO; 2],
        }
    }

    fn omegas(&self) -> [DVec3; 2] {
        match self.bodies.as_slice() {
            [c, h] => [c.omega(), h.omega()],
            _ => [DVec3::ZERO; 2],
        }
    }

    /// Places the bodies' atoms from their centre of mass and orientation.
    fn place_body_atoms(&mut self) {
        for b in &self.bodies {
            for (i, off) in b.atoms.clone().zip(b.space_offsets()) {
                self.pos[i] = wrap(b.com + off, self.box_a);
            }
        }
    }

    /// Forces at the current positions; rebuilds the neighbour list when needed (or when `rebuild`).
    fn refresh_forces(&mut self, rebuild: bool) {
        if rebuild || self.nl.needs_rebuild(&self.pos, self.box_a) {
            self.nl.build(
                &self.pos,
                &self.groups,
                &self.table,
                self.box_a,
                self.threads,
            );
        }
        forces::compute_forces(
            &self.pos,
            &self.groups,
            &self.table,
            &self.nl,
            self.box_a,
            &mut self.force,
            &mut self.scratch,
            self.threads,
        );
        for (k, b) in self.bodies.iter().enumerate() {
            (self.body_force[k], self.body_torque[k]) = b.force_and_torque(&self.force);
        }
    }

    /// A thermostat half step with the targets at time `t_ps` (start of the step for the first half, its end
    /// for the second).
    fn thermostat_half_step(&mut self, t_ps: f64) {
        for b in 0..2 {
            let ke = self.bath_ke(b);
            let target = self.baths.target_t[b].at(t_ps);
            if let Some(chain) = self.chains[b].as_mut() {
                let f = chain.half_step(ke, target, self.dt);
                self.vel[self.baths.ranges[b].clone()]
                    .iter_mut()
                    .for_each(|v| *v *= f);
                self.acc.thermostat_heat[b] += ke * (1.0 - f * f);
            }
        }
    }

    fn kick_baths(&mut self) {
        for b in 0..2 {
            let c = 0.5 * self.dt / (self.group_mass[b] * MVV2E);
            for i in self.baths.ranges[b].clone() {
                self.vel[i] += c * self.force[i];
            }
        }
    }

    /// One velocity-Verlet step with the thermostat half steps around it.
    fn step_once(&mut self) {
        let dt = self.dt;
        self.thermostat_half_step(self.step as f64 * dt);
        self.kick_baths();
        for b in 0..2 {
            for i in self.baths.ranges[b].clone() {
                self.pos[i] = wrap(self.pos[i] + dt * self.vel[i], self.box_a);
            }
        }
        let x0 = self.displacements();
        let w0 = self.omegas();
        let c0 = self.ctrl.forces(x0[0], x0[1]);
        let (f0, t0) = (self.body_force, self.body_torque);
        for (k, b) in self.bodies.iter_mut().enumerate() {
            b.initial_integrate(f0[k] + c0[k], t0[k], dt);
        }
        self.place_body_atoms();
        self.refresh_forces(false);
        let x1 = self.displacements();
        let c1 = self.ctrl.forces(x1[0], x1[1]);
        self.kick_baths();
        let (f1, t1) = (self.body_force, self.body_torque);
        for (k, b) in self.bodies.iter_mut().enumerate() {
            b.final_integrate(f1[k] + c1[k], t1[k], dt);
        }
        if self.bodies.len() == 2 {
            let w = self.ctrl.work(x0, x1);
            let w1 = self.omegas();
            for k in 0..2 {
                self.acc.work[k] += w[k];
                self.acc.work_since_start += w[k];
                self.acc.particle_heat[k] -= interaction_work(
                    [f0[k], f1[k]],
                    [t0[k], t1[k]],
                    [x0[k], x1[k]],
                    [w0[k], w1[k]],
                    dt,
                );
            }
            self.acc.controller_impulse += 0.5 * dt / MVV2E * (c0[0] + c0[1] + c1[0] + c1[1]);
        }
        self.thermostat_half_step((self.step + 1) as f64 * dt);
        self.step += 1;
    }

    /// Errors out when the run has blown up: non-finite state, or argon that crossed a wall.
    fn check_sane(&self) -> Result<()> {
        super::observe::check_sane(
            self.step,
            &self.baths.ranges,
            self.walls,
            self.container,
            |i| self.pos[i],
            |i| self.vel[i],
            &self.bodies,
        )
    }
}

impl Engine for CpuEngine {
    fn describe(&self) -> String {
        format!("cpu ({} threads, f64)", self.threads)
    }

    fn advance(&mut self, steps: u64) -> Result<()> {
        for _ in 0..steps {
            self.step_once();
        }
        self.check_sane()
    }

    fn observe(&mut self) -> Result<Observation> {
        self.check_sane()?;
        let e = forces::pair_energies(&self.pos, &self.groups, &self.table, &self.nl, self.box_a);
        let mut pair_energy = [[0.0; Group::COUNT]; Group::COUNT];
        for a in 0..Group::COUNT {
            for b in a..Group::COUNT {
                pair_energy[a][b] = e[a][b];
                pair_energy[b][a] = e[a][b];
            }
        }
        let t = self.step as f64 * self.dt;
        Observation::assemble(Measurement {
            step: self.step,
            pair_energy,
            bath_kinetic: [self.bath_ke(0), self.bath_ke(1)],
            bath_momentum: [0, 1].map(|b| {
                self.group_mass[b]
                    * self.vel[self.baths.ranges[b].clone()]
                        .iter()
                        .copied()
                        .sum::<DVec3>()
            }),
            ndof: self.baths.ndof,
            bodies: &self.bodies,
            controller: &self.ctrl,
            chain_energy: self.baths.chain_energy(&self.chains, t),
            acc: &self.acc,
        })
    }

    fn zero_ledger(&mut self) -> Result<()> {
        self.acc.zero_ledger();
        Ok(())
    }

    fn state(&mut self) -> Result<State> {
        Ok(State::new(
            self.step,
            self.pos.clone(),
            self.vel.clone(),
            &self.bodies,
            self.chains.clone(),
            self.acc.clone(),
        ))
    }

    fn restore(&mut self, s: &State) -> Result<()> {
        s.check_fits(self.pos.len(), self.bodies.len())?;
        self.step = s.step;
        self.pos.clone_from(&s.positions);
        self.vel.clone_from(&s.velocities);
        for (b, bs) in self.bodies.iter_mut().zip(&s.bodies) {
            bs.apply_to(b);
        }
        self.chains = s.chains.clone();
        self.acc = s.accumulators.clone();
        self.place_body_atoms();
        self.refresh_forces(true);
        Ok(())
    }

    fn positions(&mut self) -> Result<Vec<DVec3>> {
        Ok(self.pos.clone())
    }
}
