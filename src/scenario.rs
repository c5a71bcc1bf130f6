//! Scenario files: the JSON description of one simulation, with units in every field name.
//!
//! Unknown fields are rejected (a typo must not silently fall back to a default), and [`Scenario::validate`]
//! turns every physically impossible or numerically unstable request into an error that names the field
//! and says how to fix it.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One simulation: two argon baths (cold, hot) side by side along x, each with a trapped rigid Cu
/// nanoparticle, coupled by the nonreciprocal demon forces of seed 000.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Free text shown in outputs.
    pub name: String,
    /// Seed of every random choice (lattice trimming, velocities); same seed, same trajectory.
    pub seed: u64,
    pub geometry: Geometry,
    pub potential: Potential,
    pub cold: Bath,
    pub hot: Bath,
    pub nanoparticle: Nanoparticle,
    pub controller: Controller,
    pub run: RunSettings,
}

/// Most atoms a scenario may ask for: about 1e8 atoms is several GiB of host and GPU state.
const MAX_ATOMS: f64 = 1e8;
/// Most neighbour cells (cell heads and counts, 8 bytes each).
const MAX_CELLS: f64 = 1e9;
/// Densest bath the estimate allows, Å⁻³: fcc argon at the closest neighbour distance validate accepts.
const MAX_BATH_DENSITY_PER_A3: f64 = 0.1;
/// Bytes in a GiB, for messages.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Most engine memory a scenario may ask for, bytes (512 GiB: more than any one host or GPU this runs on).
const MAX_MEMORY_BYTES: f64 = 512.0 * GIB;
/// Host bytes per atom besides its neighbour list: position, velocity, force, list reference (24 B each),
/// group and cell index, and per-thread force scratch for up to 16 threads, rounded up.
const BYTES_PER_ATOM: f64 = 512.0;
/// Neighbour-list slots per atom beyond the density estimate, as the GPU list sizes itself (×1.5 + 32).
const LIST_HEADROOM: f64 = 1.5;
const LIST_MARGIN: f64 = 32.0;
/// Longest Nosé–Hoover chain; each link is a few f64 per bath.
const MAX_CHAIN_LENGTH: usize = 1000;
/// Shortest timestep, fs.
const MIN_TIMESTEP_FS: f64 = 1e-3;
/// Most steps per run phase: 1e12 steps is decades of wall time at any speed this engine reaches.
const MAX_STEPS: f64 = 1e12;

/// What a scenario will allocate, estimated from the file before anything is (all f64, so absurd inputs stay
/// numbers instead of overflowing). Atom counts mirror `system::build_system` and are upper bounds on them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SizeEstimate {
    /// Argon of each bath (cold, hot).
    pub bath_atoms: [f64; 2],
    pub wall_atoms: f64,
    /// Cu atoms of both nanoparticles.
    pub particle_atoms: f64,
    /// Every atom.
    pub atoms: f64,
    /// Neighbour cells of edge cutoff + skin over the 2L × L × L box.
    pub cells: f64,
    /// Neighbour-list slots per atom: the densest allowed packing (0.1 Å⁻³) within cutoff + skin, with headroom.
    pub neighbours_per_atom: f64,
    /// Engine memory, bytes: per-atom state, neighbour lists (4 B a slot) and cells (16 B each).
    pub bytes: f64,
}

/// Two cubic containers of edge `container_length_a`, the box is 2L × L × L, periodic in all three
/// directions, with one-atom-thick immobile Cu walls at x = 0 and x = L (equivalent to the paper's
/// walls at both ends and in the middle).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Geometry {
    pub container_length_a: f64,
    /// Walls on (the paper) or off (for vacuum tests of conservation laws).
    #[serde(default = "default_true")]
    pub walls: bool,
    /// Spacing of the square lattice of wall atoms, Å; rounded so an integer number fits the period.
    #[serde(default = "default_wall_spacing")]
    pub wall_spacing_a: f64,
}

/// Lennard-Jones 12-6 parameters; unlike species mix by Lorentz–Berthelot (seed 000, Eq. 14).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Potential {
    pub cutoff_a: f64,
    /// Verlet-list skin, Å: lists are rebuilt when any atom has moved more than half of it.
    #[serde(default = "default_skin")]
    pub skin_a: f64,
    pub argon: Species,
    pub copper: Species,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Species {
    pub epsilon_ev: f64,
    pub sigma_a: f64,
    pub mass_amu: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bath {
    pub temperature_k: f64,
    /// Argon number density, Å⁻³ (the paper: 25,280 atoms in (11 nm)³ ≈ 0.019). Zero means vacuum.
    pub argon_density_per_a3: f64,
    /// Exact number of argon atoms to keep (the lattice is filled at the density that yields at least
    /// this many sites and the surplus is removed at random). Overrides the density when given.
    #[serde(default)]
    pub argon_atoms: Option<usize>,
    /// Nosé–Hoover chain on this bath's argon; absent means NVE for this bath.
    #[serde(default)]
    pub thermostat: Option<Thermostat>,
    /// A periodic thermostat target T(t) = temperature_k + amplitude_k · sin(2π t / period_ps), t from the
    /// start of the run (seed 002's driving, applied to a whole bath). Absent means constant temperature.
    #[serde(default)]
    pub oscillation: Option<Oscillation>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Oscillation {
    pub amplitude_k: f64,
    pub period_ps: f64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Thermostat {
    /// Number of thermostats in the chain (LAMMPS fix nvt default: 3).
    #[serde(default = "default_chain")]
    pub chain_length: usize,
    /// Damping time τ, ps: Q₁ = N_f k_B T τ², Q_j = k_B T τ² (Martyna–Klein–Tuckerman).
    pub damping_ps: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Nanoparticle {
    /// Whether each container holds a nanoparticle.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Number of Cu atoms, the sites of an fcc lattice nearest the container centre (paper: 186).
    pub atoms: usize,
    /// fcc Cu lattice constant, Å.
    #[serde(default = "default_cu_lattice")]
    pub lattice_constant_a: f64,
}

/// Harmonic traps and demon forces on the nanoparticles' centres of mass (seed 000, Eqs. 1–2).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    /// Trap stiffness κ, eV/Å² (paper: 1 eV/nm² = 0.01 eV/Å²).
    pub trap_kappa_ev_per_a2: f64,
    /// κ_C: force κ_C (X_H − X_C) on the cold particle, eV/Å².
    pub kappa_cold_ev_per_a2: f64,
    /// κ_H: force κ_H (X_C − X_H) on the hot particle, eV/Å².
    pub kappa_hot_ev_per_a2: f64,
    /// Cartesian axes the demon acts on; each is an independent copy of the 1-D model.
    #[serde(default = "default_axes")]
    pub demon_axes: Vec<Axis>,
    /// A constant pulling force on one nanoparticle (friction by drag), eV/Å.
    #[serde(default)]
    pub drag: Option<Drag>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    X,
    Y,
    Z,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Cold,
    Hot,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Drag {
    pub particle: Side,
    pub force_ev_per_a: [f64; 3],
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    pub timestep_fs: f64,
    /// Equilibration before the ledger is zeroed and production starts, ps.
    pub equilibration_ps: f64,
    /// Production length, ps (`--time-ps` overrides).
    pub production_ps: f64,
    /// heat.csv row interval, ps (paper: 1 ps).
    pub sample_interval_ps: f64,
    /// Checkpoint interval, ps.
    #[serde(default = "default_checkpoint")]
    pub checkpoint_interval_ps: f64,
    /// Trajectory snapshot interval, ps, counted from the start of production; absent means no snapshots.
    #[serde(default)]
    pub xyz_interval_ps: Option<f64>,
    /// Format of those snapshots: `xyz` (extended XYZ with velocities, default) or `dcd` (binary positions).
    #[serde(
        default,
        skip_serializing_if = "crate::trajectory::TrajectoryFormat::is_default"
    )]
    pub trajectory_format: crate::trajectory::TrajectoryFormat,
    /// Particle COM sampling interval for com.csv, fs; absent means no com.csv. Fine enough (≈ 10 fs) to
    /// resolve the sub-ps decay of the velocity autocorrelation that a bath with memory is fitted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub com_interval_fs: Option<f64>,
}

fn default_true() -> bool {
    true
}
fn default_wall_spacing() -> f64 {
    // Cu(100) surface: a/√2 with a = 3.615 Å.
    2.556
}
fn default_skin() -> f64 {
    1.0
}
fn default_chain() -> usize {
    3
}
fn default_cu_lattice() -> f64 {
    3.615
}
fn default_axes() -> Vec<Axis> {
    vec![Axis::X, Axis::Y, Axis::Z]
}
fn default_checkpoint() -> f64 {
    100.0
}

/// The dotted path (`cold.thermostat.chain_length`, `controller.demon_axes[1]`) of the JSON value open at
/// `line`/`column` (1-based, as serde_json reports errors), from a scan of the text before that point.
fn json_path_at(text: &str, line: usize, column: usize) -> String {
    enum Open {
        Object(Option<String>),
        Array(usize),
    }
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let end = (line_start + column).min(text.len());
    let b = &text.as_bytes()[..end];
    let mut stack: Vec<Open> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if let (true, Some(Open::Object(key))) = (expect_key, stack.last_mut()) {
                    *key = Some(String::from_utf8_lossy(&b[start..i.min(b.len())]).into_owned());
                }
                expect_key = false;
            }
            b'{' => {
                stack.push(Open::Object(None));
                expect_key = true;
            }
            b'[' => stack.push(Open::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Open::Object(key)) => {
                    *key = None;
                    expect_key = true;
                }
                Some(Open::Array(n)) => *n += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for open in &stack {
        match open {
            Open::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Open::Array(n) => path.push_str(&format!("[{n}]")),
            Open::Object(None) => {}
        }
    }
    path
}

/// `Ok` when `v` is positive and finite, else an error naming `field`.
fn positive(v: f64, field: &str, what: &str) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        bail!("{field} = {v}: {what} must be a positive finite number");
    }
    Ok(())
}

/// Densest argon we accept: an fcc lattice whose nearest-neighbour distance is 0.85 σ_Ar. Denser
/// starts overlap so strongly that the first steps explode.
const MIN_NEIGHBOUR_DISTANCE_SIGMA: f64 = 0.85;

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading scenario file {}", path.display()))?;
        Scenario::from_json(&text).with_context(|| format!("scenario file {}", path.display()))
    }

    /// Parses and validates scenario JSON; syntax errors carry line and column, and a value of the wrong
    /// type, a missing, unknown or duplicated field also the path of the field (e.g. `cold.thermostat`).
    pub fn from_json(text: &str) -> Result<Scenario> {
        let syntax = |e: serde_json::Error| {
            anyhow::anyhow!(
                "malformed scenario JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                e
            )
        };
        serde_json::from_str::<serde_json::Value>(text).map_err(syntax)?;
        // Well-formed JSON, so what remains is a field of the wrong type, missing, unknown or repeated.
        let scenario: Scenario = serde_json::from_str(text).map_err(|e| {
            match json_path_at(text, e.line(), e.column()) {
                path if path.is_empty() => anyhow::anyhow!("scenario, top level: {e}"),
                path => anyhow::anyhow!("scenario field {path}: {e}"),
            }
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Number of MD steps in one ps.
    pub fn steps_per_ps(&self) -> f64 {
        1000.0 / self.run.timestep_fs
    }

    /// Timestep, ps.
    pub fn dt_ps(&self) -> f64 {
        self.run.timestep_fs * 1e-3
    }

    /// Converts an interval in ps to a whole number of steps, failing if it is not a multiple of dt, or more
    /// than `MAX_STEPS` (the step counter's arithmetic must not overflow).
    pub fn interval_steps(&self, ps: f64, field: &str) -> Result<u64> {
        let steps = ps * self.steps_per_ps();
        let rounded = steps.round();
        if rounded > MAX_STEPS {
            bail!(
                "{field} = {ps} ps is {steps:.3e} steps of {} fs, more than {MAX_STEPS:.0e}: such an interval is never \
                 reached; shorten it",
                self.run.timestep_fs
            );
        }
        if rounded.is_nan() || rounded < 1.0 || (steps - rounded).abs() > 1e-6 * rounded.max(1.0) {
            bail!(
                "{field} = {ps} ps is not a positive whole number of timesteps ({} fs); choose a multiple of the timestep",
                self.run.timestep_fs
            );
        }
        Ok(rounded as u64)
    }

    /// `run.com_interval_fs` in timesteps, refused with the field named unless a positive whole number.
    pub fn com_interval_steps(&self, fs: f64) -> Result<u64> {
        if !(fs.is_finite() && fs > 0.0) {
            bail!("run.com_interval_fs = {fs}: the COM sampling interval must be a positive finite number of fs (e.g. 10)");
        }
        self.interval_steps(fs * 1e-3, "run.com_interval_fs (in ps)")
    }

    /// Nanoparticle radius estimate, Å: the sphere holding `atoms` at fcc density 4/a³.
    pub fn nanoparticle_radius_a(&self) -> f64 {
        let a = self.nanoparticle.lattice_constant_a;
        (3.0 * self.nanoparticle.atoms as f64 * a.powi(3) / (16.0 * std::f64::consts::PI)).cbrt()
    }

    /// Checks everything the engine relies on and names the offending field in the error.
    pub fn validate(&self) -> Result<()> {
        self.check_potential()?;
        self.check_geometry()?;
        self.check_sizes()?;
        self.check_bath("cold", &self.cold)?;
        self.check_bath("hot", &self.hot)?;
        self.check_nanoparticle()?;
        self.check_controller()?;
        self.check_run_settings()?;
        self.check_run_lengths()
    }

    /// LJ cutoff, skin and the two species' parameters.
    fn check_potential(&self) -> Result<()> {
        let p = &self.potential;
        positive(p.cutoff_a, "potential.cutoff_a", "the LJ cutoff")?;
        if !(p.skin_a.is_finite() && p.skin_a >= 0.0) {
            bail!(
                "potential.skin_a = {}: the Verlet skin must be ≥ 0 Å (1–2 Å is usual)",
                p.skin_a
            );
        }
        for (name, s) in [("argon", &p.argon), ("copper", &p.copper)] {
            positive(
                s.epsilon_ev,
                &format!("potential.{name}.epsilon_ev"),
                "an LJ well depth",
            )?;
            positive(
                s.sigma_a,
                &format!("potential.{name}.sigma_a"),
                "an LJ diameter",
            )?;
            positive(s.mass_amu, &format!("potential.{name}.mass_amu"), "a mass")?;
        }
        Ok(())
    }

    /// Container edge (at least twice cutoff plus skin, or images interact) and wall spacing.
    fn check_geometry(&self) -> Result<()> {
        let (g, p) = (&self.geometry, &self.potential);
        positive(
            g.container_length_a,
            "geometry.container_length_a",
            "the container edge",
        )?;
        let min_len = 2.0 * (p.cutoff_a + p.skin_a);
        if g.container_length_a < min_len {
            bail!(
                "geometry.container_length_a = {} Å is smaller than twice the cutoff plus skin ({min_len} Å): \
                 periodic images would interact with themselves; enlarge the container or shorten potential.cutoff_a",
                g.container_length_a
            );
        }
        positive(
            g.wall_spacing_a,
            "geometry.wall_spacing_a",
            "the wall lattice spacing",
        )
    }

    /// One bath: temperature, an argon filling that can be realised, its driving and its thermostat.
    fn check_bath(&self, name: &str, b: &Bath) -> Result<()> {
        positive(
            b.temperature_k,
            &format!("{name}.temperature_k"),
            "a temperature",
        )?;
        self.check_filling(name, b)?;
        if let Some(o) = &b.oscillation {
            if !(o.amplitude_k.is_finite() && o.amplitude_k.abs() < b.temperature_k) {
                bail!(
                    "{name}.oscillation.amplitude_k = {}: the target temperature must stay positive, so |amplitude| \
                     must be below {name}.temperature_k = {}",
                    o.amplitude_k,
                    b.temperature_k
                );
            }
            positive(
                o.period_ps,
                &format!("{name}.oscillation.period_ps"),
                "a period",
            )?;
            if b.thermostat.is_none() {
                bail!(
                    "{name}.oscillation needs {name}.thermostat: only a thermostat can impose T(t)"
                );
            }
        }
        if let Some(t) = &b.thermostat {
            if t.chain_length == 0 {
                bail!("{name}.thermostat.chain_length = 0: a Nosé–Hoover chain needs at least one thermostat");
            }
            positive(
                t.damping_ps,
                &format!("{name}.thermostat.damping_ps"),
                "a damping time",
            )?;
            if b.argon_density_per_a3 == 0.0 && b.argon_atoms.is_none() {
                bail!("{name}.thermostat: the bath is empty (argon_density_per_a3 = 0); remove the thermostat");
            }
        }
        Ok(())
    }

    /// A bath's argon density or atom count: not denser than fcc argon at `MIN_NEIGHBOUR_DISTANCE_SIGMA` σ,
    /// and at least one atom when not vacuum.
    fn check_filling(&self, name: &str, b: &Bath) -> Result<()> {
        let l = self.geometry.container_length_a;
        let rho = b.argon_density_per_a3;
        if !(rho.is_finite() && rho >= 0.0) {
            bail!("{name}.argon_density_per_a3 = {rho}: a density must be ≥ 0 (0 means vacuum)");
        }
        let nn = (4.0 / rho).cbrt() / 2f64.sqrt();
        let nn_min = MIN_NEIGHBOUR_DISTANCE_SIGMA * self.potential.argon.sigma_a;
        if rho > 0.0 && nn < nn_min {
            bail!(
                "{name}.argon_density_per_a3 = {rho} Å⁻³ cannot be realised: its fcc lattice puts neighbours \
                 {nn:.3} Å apart, closer than {MIN_NEIGHBOUR_DISTANCE_SIGMA} σ_Ar = {nn_min:.3} Å; liquid argon is about 0.021 Å⁻³"
            );
        }
        if rho > 0.0 && rho * l.powi(3) < 1.0 {
            bail!(
                "{name}.argon_density_per_a3 = {rho} Å⁻³ cannot be realised: it puts less than one atom in the \
                 container; use 0 for vacuum or raise the density"
            );
        }
        if let Some(n) = b.argon_atoms {
            if n == 0 {
                bail!("{name}.argon_atoms = 0: leave it out and set argon_density_per_a3 = 0 for vacuum");
            }
            let rho_n = n as f64 / l.powi(3);
            let nn_n = (4.0 / rho_n).cbrt() / 2f64.sqrt();
            if nn_n < nn_min {
                bail!(
                    "{name}.argon_atoms = {n} cannot be realised in a {l} Å container: that is {rho_n:.4} Å⁻³, \
                     neighbours {nn_n:.3} Å apart (< {nn_min:.3} Å)"
                );
            }
        }
        Ok(())
    }

    /// At least two atoms, and a particle small enough to stay a cutoff away from the walls.
    fn check_nanoparticle(&self) -> Result<()> {
        let p = &self.potential;
        let g = &self.geometry;
        let np = &self.nanoparticle;
        if np.enabled {
            if np.atoms < 2 {
                bail!(
                    "nanoparticle.atoms = {}: a rigid body needs at least 2 atoms",
                    np.atoms
                );
            }
            positive(
                np.lattice_constant_a,
                "nanoparticle.lattice_constant_a",
                "a lattice constant",
            )?;
            let r = self.nanoparticle_radius_a();
            let need = 2.0 * (r + p.cutoff_a);
            if need > g.container_length_a {
                bail!(
                    "nanoparticle.atoms = {}: the nanoparticle (radius ≈ {r:.1} Å) does not fit: it needs a container of \
                     at least 2·(radius + cutoff) = {need:.1} Å to stay clear of the walls, but \
                     geometry.container_length_a = {}",
                    np.atoms,
                    g.container_length_a
                );
            }
        }
        Ok(())
    }

    /// Finite couplings, a non-negative trap, and a stable stiffness matrix (SPEC: κ_H + κ_C > −κ).
    fn check_controller(&self) -> Result<()> {
        let np = &self.nanoparticle;
        let c = &self.controller;
        for (field, v) in [
            ("controller.trap_kappa_ev_per_a2", c.trap_kappa_ev_per_a2),
            ("controller.kappa_cold_ev_per_a2", c.kappa_cold_ev_per_a2),
            ("controller.kappa_hot_ev_per_a2", c.kappa_hot_ev_per_a2),
        ] {
            if !v.is_finite() {
                bail!("{field} = {v}: must be a finite number");
            }
        }
        if c.trap_kappa_ev_per_a2 < 0.0 {
            bail!(
                "controller.trap_kappa_ev_per_a2 = {}: a negative trap pushes the particle away; use κ ≥ 0",
                c.trap_kappa_ev_per_a2
            );
        }
        let (k, kc, kh) = (
            c.trap_kappa_ev_per_a2,
            c.kappa_cold_ev_per_a2,
            c.kappa_hot_ev_per_a2,
        );
        let coupled = kc != 0.0 || kh != 0.0;
        // The stiffness matrix [[κ+κ_C, −κ_C], [−κ_H, κ+κ_H]] has eigenvalues κ and κ+κ_C+κ_H.
        if coupled && kh + kc <= -k {
            bail!(
                "controller.kappa_hot_ev_per_a2 = {kh}: unstable coupling, κ_H + κ_C = {} ≤ −κ = {}: the stiffness \
                 matrix has the eigenvalue κ + κ_C + κ_H ≤ 0 and the particles run away; choose κ_H > {}",
                kh + kc,
                -k,
                -k - kc
            );
        }
        if coupled && !np.enabled {
            bail!("controller: demon couplings need nanoparticles; set nanoparticle.enabled = true or the κ's to 0");
        }
        if c.demon_axes.is_empty() && coupled {
            bail!("controller.demon_axes is empty but the demon couplings are non-zero; list at least one of \"x\", \"y\", \"z\"");
        }
        if let Some(d) = &c.drag {
            if d.force_ev_per_a.iter().any(|f| !f.is_finite()) {
                bail!("controller.drag.force_ev_per_a must be finite");
            }
            if !np.enabled {
                bail!("controller.drag needs nanoparticles; set nanoparticle.enabled = true");
            }
        }
        Ok(())
    }

    /// Timestep, lengths and intervals: whole numbers of steps, checkpoints on sample boundaries.
    fn check_run_settings(&self) -> Result<()> {
        let r = &self.run;
        positive(r.timestep_fs, "run.timestep_fs", "the timestep")?;
        if r.timestep_fs < MIN_TIMESTEP_FS {
            bail!(
                "run.timestep_fs = {:e} fs: below {MIN_TIMESTEP_FS} fs no run of useful length can finish; \
                 LJ argon runs at 1 fs",
                r.timestep_fs
            );
        }
        if r.timestep_fs > 10.0 {
            bail!(
                "run.timestep_fs = {}: LJ argon needs a timestep of a few fs at most (paper: 1 fs)",
                r.timestep_fs
            );
        }
        if !(r.equilibration_ps.is_finite() && r.equilibration_ps >= 0.0) {
            bail!("run.equilibration_ps = {}: must be ≥ 0", r.equilibration_ps);
        }
        positive(
            r.production_ps,
            "run.production_ps",
            "the production length",
        )?;
        self.interval_steps(r.sample_interval_ps, "run.sample_interval_ps")?;
        self.interval_steps(r.checkpoint_interval_ps, "run.checkpoint_interval_ps")?;
        if let Some(x) = r.xyz_interval_ps {
            self.interval_steps(x, "run.xyz_interval_ps")?;
        } else if !r.trajectory_format.is_default() {
            bail!(
                "run.trajectory_format is set but run.xyz_interval_ps is not: give the snapshot interval in ps"
            );
        }
        if let Some(x) = r.com_interval_fs {
            self.com_interval_steps(x)?;
        }
        let ck = self.interval_steps(r.checkpoint_interval_ps, "run.checkpoint_interval_ps")?;
        let sa = self.interval_steps(r.sample_interval_ps, "run.sample_interval_ps")?;
        if ck % sa != 0 {
            bail!(
                "run.checkpoint_interval_ps = {} must be a multiple of run.sample_interval_ps = {} so a resumed run \
                 continues on a sample boundary",
                r.checkpoint_interval_ps,
                r.sample_interval_ps
            );
        }
        if r.equilibration_ps > 0.0 {
            self.interval_steps(r.equilibration_ps, "run.equilibration_ps")?;
        }
        Ok(())
    }

    /// Atoms, cells and memory this scenario will need (see [`SizeEstimate`]).
    pub fn size_estimate(&self) -> SizeEstimate {
        let g = &self.geometry;
        let l = g.container_length_a;
        // fill_bath: an fcc block of round(l (ρ/4)^⅓) cells per edge, 4 sites each, minus overlaps; or exactly
        // argon_atoms.
        let bath = |b: &Bath| match b.argon_atoms {
            Some(n) => n as f64,
            None if b.argon_density_per_a3 > 0.0 => {
                4.0 * (l * (b.argon_density_per_a3 / 4.0).cbrt())
                    .round()
                    .max(1.0)
                    .powi(3)
            }
            None => 0.0,
        };
        let bath_atoms = [bath(&self.cold), bath(&self.hot)];
        let wall_atoms = if g.walls {
            2.0 * (l / g.wall_spacing_a).round().max(1.0).powi(2)
        } else {
            0.0
        };
        let particle_atoms = if self.nanoparticle.enabled {
            2.0 * self.nanoparticle.atoms as f64
        } else {
            0.0
        };
        let atoms = bath_atoms[0] + bath_atoms[1] + wall_atoms + particle_atoms;
        let reach = self.potential.cutoff_a + self.potential.skin_a;
        let cells = 2.0 * (l / reach).powi(3);
        let neighbours_per_atom = MAX_BATH_DENSITY_PER_A3
            * (4.0 / 3.0)
            * std::f64::consts::PI
            * reach.powi(3)
            * LIST_HEADROOM
            + LIST_MARGIN;
        SizeEstimate {
            bath_atoms,
            wall_atoms,
            particle_atoms,
            atoms,
            cells,
            neighbours_per_atom,
            bytes: atoms * (BYTES_PER_ATOM + 4.0 * neighbours_per_atom) + 16.0 * cells,
        }
    }

    /// Refuses, before anything is allocated, a system whose atom or cell count cannot fit in memory
    /// (a fuzzer found huge `container_length_a`, tiny `wall_spacing_a` and huge `chain_length` abort the
    /// allocator). The estimates are upper-bound-ish: bath atoms from the densest fcc argon allowed,
    /// wall atoms from one square lattice per wall face, cells of edge cutoff + skin over the 2L × L × L box.
    fn check_sizes(&self) -> Result<()> {
        let g = &self.geometry;
        let l = g.container_length_a;
        let bath_atoms = 2.0 * MAX_BATH_DENSITY_PER_A3 * l.powi(3);
        if bath_atoms > MAX_ATOMS {
            bail!(
                "geometry.container_length_a = {l} Å: two containers of that edge hold up to {bath_atoms:.3e} atoms, \
                 more than the {MAX_ATOMS:.0e} this build can allocate; use an edge of a few tens of Å (paper: 40 Å)"
            );
        }
        let wall_atoms = 6.0 * (l / g.wall_spacing_a).powi(2);
        if wall_atoms > MAX_ATOMS {
            bail!(
                "geometry.wall_spacing_a = {} Å gives about {wall_atoms:.3e} wall atoms over containers of edge \
                 geometry.container_length_a = {l} Å, \
                 more than {MAX_ATOMS:.0e}; use a lattice spacing of a few Å (copper: 3.6 Å)",
                g.wall_spacing_a
            );
        }
        let est = self.size_estimate();
        for (name, b, n) in [
            ("cold", &self.cold, est.bath_atoms[0]),
            ("hot", &self.hot, est.bath_atoms[1]),
        ] {
            if n > MAX_ATOMS {
                let field = match b.argon_atoms {
                    Some(_) => "argon_atoms",
                    None => "argon_density_per_a3",
                };
                bail!(
                    "{name}.{field}: the {name} bath would hold {n:.3e} argon atoms in a container of edge {l} Å, more \
                     than the {MAX_ATOMS:.0e} this build can allocate"
                );
            }
        }
        if est.particle_atoms > MAX_ATOMS {
            bail!(
                "nanoparticle.atoms = {}: more than the {MAX_ATOMS:.0e} atoms this build can allocate (paper: 186)",
                self.nanoparticle.atoms
            );
        }
        let cell = self.potential.cutoff_a + self.potential.skin_a;
        let cells = est.cells;
        if cells > MAX_CELLS {
            bail!(
                "potential.cutoff_a + potential.skin_a = {cell} Å over containers of edge {l} Å gives {cells:.3e} \
                 neighbour cells, more than {MAX_CELLS:.0e}; lengthen the cutoff or shrink geometry.container_length_a"
            );
        }
        if est.bytes > MAX_MEMORY_BYTES {
            bail!(
                "potential.cutoff_a + potential.skin_a = {cell} Å with {:.3e} atoms (geometry.container_length_a = \
                 {l} Å) needs about {:.0} GiB for {:.0} neighbour-list slots per atom, more than the {:.0} GiB this \
                 build allows; shorten the cutoff or shrink the system",
                est.atoms,
                est.bytes / GIB,
                est.neighbours_per_atom,
                MAX_MEMORY_BYTES / GIB
            );
        }
        for (name, b) in [("cold", &self.cold), ("hot", &self.hot)] {
            if let Some(t) = &b.thermostat {
                if t.chain_length > MAX_CHAIN_LENGTH {
                    bail!(
                        "{name}.thermostat.chain_length = {}: at most {MAX_CHAIN_LENGTH} thermostats per chain \
                         (3–5 is usual)",
                        t.chain_length
                    );
                }
            }
        }
        Ok(())
    }

    /// Refuses a run length that could never finish: more than `MAX_STEPS` steps in a phase (with a 1e-300 fs
    /// timestep, now refused by `check_run_settings`, a run was accepted and never ended).
    fn check_run_lengths(&self) -> Result<()> {
        let r = &self.run;
        for (v, field) in [
            (r.equilibration_ps, "run.equilibration_ps"),
            (r.production_ps, "run.production_ps"),
        ] {
            let steps = v * self.steps_per_ps();
            if steps > MAX_STEPS {
                bail!(
                    "{field} = {v} ps is {steps:.3e} steps of {} fs, more than {MAX_STEPS:.0e}: such a run \
                     cannot complete; split it or shorten it",
                    r.timestep_fs
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn small_json() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/small-refrigerator.json"
        ))
        .unwrap()
    }

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Scenario> {
        let mut v: serde_json::Value = serde_json::from_str(&small_json()).unwrap();
        edit(&mut v);
        Scenario::from_json(&v.to_string())
    }

    /// A field name and the edit that breaks it.
    type Mutation = (&'static str, fn(&mut serde_json::Value));

    /// The sizes and lengths a fuzzer found to abort or hang are refused before allocation, naming the field.
    #[test]
    fn sizes_that_cannot_fit_or_finish_are_refused_by_field() {
        let cases: [Mutation; 7] = [
            ("geometry.container_length_a", |v| {
                v["geometry"]["container_length_a"] = 1e12.into()
            }),
            ("geometry.wall_spacing_a", |v| {
                v["geometry"]["wall_spacing_a"] = 1e-300.into()
            }),
            ("cold.thermostat.chain_length", |v| {
                v["cold"]["thermostat"]["chain_length"] = 1_000_000_000u64.into()
            }),
            ("hot.thermostat.chain_length", |v| {
                v["hot"]["thermostat"]["chain_length"] = u64::MAX.into()
            }),
            ("run.timestep_fs", |v| {
                v["run"]["timestep_fs"] = 1e-300.into()
            }),
            ("run.equilibration_ps", |v| {
                v["run"]["equilibration_ps"] = 1.8e16.into()
            }),
            ("run.production_ps", |v| {
                v["run"]["production_ps"] = 1.8e16.into()
            }),
        ];
        for (field, edit) in cases {
            let err = with(edit).expect_err(field).to_string();
            assert!(err.contains(field), "{field}: {err}");
        }
        with(|_| ()).expect("the shipped scenario stays valid");
    }

    #[test]
    fn type_and_field_errors_name_the_field_path() {
        let cases: [Mutation; 6] = [
            ("scenario field cold.thermostat.chain_length", |v| {
                v["cold"]["thermostat"]["chain_length"] = "NaN".into()
            }),
            ("scenario field controller.demon_axes[1]", |v| {
                v["controller"]["demon_axes"] = serde_json::json!(["x", 3])
            }),
            ("scenario field hot.thermostat", |v| {
                v["hot"]["thermostat"] = serde_json::json!({"chain_length": 3})
            }),
            ("scenario field geometry.container_length_a", |v| {
                v["geometry"]["container_length_a"] = serde_json::json!([1])
            }),
            ("scenario field run", |v| {
                v["run"].as_object_mut().unwrap().remove("timestep_fs");
            }),
            ("scenario field nanoparticle.atoms", |v| {
                v["nanoparticle"]["atoms"] = (-3).into()
            }),
        ];
        for (want, edit) in cases {
            for pretty in [false, true] {
                let mut v: serde_json::Value = serde_json::from_str(&small_json()).unwrap();
                edit(&mut v);
                let text = if pretty {
                    serde_json::to_string_pretty(&v).unwrap()
                } else {
                    v.to_string()
                };
                let err = Scenario::from_json(&text).unwrap_err().to_string();
                assert!(err.starts_with(want), "{want}: {err}");
            }
        }
    }

    #[test]
    fn shipped_small_scenario_is_valid() {
        with(|_| {}).unwrap();
    }

    #[test]
    fn unknown_field_is_rejected() {
        let e = with(|v| v["cold"]["temprature_k"] = 5.into()).unwrap_err();
        assert!(format!("{e:#}").contains("temprature_k"), "{e:#}");
    }

    #[test]
    fn unstable_coupling_names_kappa_hot() {
        let e = with(|v| v["controller"]["kappa_hot_ev_per_a2"] = (-0.2).into()).unwrap_err();
        let s = format!("{e:#}");
        assert!(
            s.contains("kappa_hot_ev_per_a2") && s.contains("unstable"),
            "{s}"
        );
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let e = Scenario::from_json("{\n  \"name\": \"x\",\n  oops\n}").unwrap_err();
        assert!(format!("{e:#}").contains("line 3 column"), "{e:#}");
    }
}
