//! `nanodemon export lammps SCENARIO --out DIR`: the scenario's start configuration as a LAMMPS data file and
//! an input deck that reproduces its physics in LAMMPS `units metal` (Å, ps, eV, amu, K; the engine's own
//! units, SPEC "Units"), so a run can be redone, or cross-checked, with LAMMPS.
//!
//! What maps to what:
//! - atom types 1–5 are the groups (cold bath, hot bath, walls, cold particle, hot particle), each with its
//!   mass; atom ids are 1-based system order (the `id` column of trajectory.xyz); molecule ids 1 and 2 mark
//!   the cold and hot rigid particles (0 elsewhere);
//! - `pair_style lj/cut` with `pair_modify shift yes` and Lorentz–Berthelot coefficients written out per
//!   type pair (seed 000, Eqs. 13–14; `physics::lj`); the pairs nanodemon excludes (`Group::interacts`) are
//!   `neigh_modify exclude type` pairs;
//! - one `fix nvt` per thermostatted bath (target, damping and chain length; `tchain`), `fix nve` for an NVE
//!   bath, `fix rigid/nve` (NO_SQUISH, as the engine) on the particles, nothing on the walls (frozen);
//! - trap, demon and drag forces (seed 000, Eqs. 1–2; `physics::controller`) as `fix addforce` on each
//!   particle's atoms, an equal share each, from equal-style variables of the bodies' centres of mass `xcm()`;
//! - thermo output of the ledger quantities LAMMPS can compute: bath temperatures, bath energies E_b
//!   (kinetic + bath–bath and bath–wall pairs in full + bath–particle pairs half), thermostat heat
//!   (change of the `fix nvt` reservoir energy), bath heat Q_b = thermostat heat + ΔE_b, the particles'
//!   displacements from their trap centres and x velocities, with time zeroed at the start of production,
//!   and the demon work (`in.work.lammps`: the trapezoidal sum of the demon's power every step, equal to
//!   nanodemon's Stratonovich sum of Eq. 19 up to O(dt²) a step).

use crate::physics::controller::Controller;
use crate::scenario::{Bath, Scenario, Species};
use crate::system::{build_system, Group, System};
use anyhow::{bail, Context, Result};
use glam::DVec3;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The data file's name inside the export directory.
pub const DATA_FILE: &str = "data.lammps";
/// The scenario's system and interactions (everything but the runs), included by the deck.
pub const SETUP_FILE: &str = "in.setup.lammps";
/// The demon work accumulated from the moment it is included (the deck includes it at production start).
pub const WORK_FILE: &str = "in.work.lammps";
/// The input deck: setup, equilibration, production.
pub const DECK_FILE: &str = "in.lammps";

/// What `export lammps` wrote (printed with --json).
#[derive(Clone, Debug, Serialize)]
pub struct LammpsExport {
    pub out: PathBuf,
    pub files: Vec<PathBuf>,
    pub atoms: usize,
    pub equilibration_steps: u64,
    pub production_steps: u64,
}

/// Builds the scenario at `scenario_path` and writes the data file, setup and deck into `out`.
pub fn export(scenario_path: &Path, out: &Path) -> Result<LammpsExport> {
    let sc = Scenario::load(scenario_path)?;
    let sys = build_system(&sc)?;
    write(&sc, &sys, out)
}

/// Writes `sys`, a configuration of scenario `sc` (its start, or any later state with the same atoms), as a
/// LAMMPS data file with the setup and deck that reproduce `sc`.
pub fn write(sc: &Scenario, sys: &System, out: &Path) -> Result<LammpsExport> {
    for (name, bath) in [("cold", &sc.cold), ("hot", &sc.hot)] {
        if bath.oscillation.is_some() {
            bail!(
                "{name}.oscillation: LAMMPS fix nvt holds a constant (or linearly ramped) target temperature, so \
                 the sinusoidal target cannot be exported; remove {name}.oscillation to export this scenario"
            );
        }
    }
    let eq_steps = if sc.run.equilibration_ps > 0.0 {
        sc.interval_steps(sc.run.equilibration_ps, "run.equilibration_ps")?
    } else {
        0
    };
    let prod_steps = sc.interval_steps(sc.run.production_ps, "run.production_ps")?;
    let sample_steps = sc.interval_steps(sc.run.sample_interval_ps, "run.sample_interval_ps")?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("creating output directory {}", out.display()))?;
    let mut files = vec![
        (DATA_FILE, data_file(sc, sys)),
        (SETUP_FILE, setup_file(sc, sys)?),
        (
            DECK_FILE,
            deck_file(sc, sys, eq_steps, prod_steps, sample_steps),
        ),
    ];
    if sys.bodies.len() == 2 {
        files.push((WORK_FILE, work_file(sc)));
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let p = out.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
        written.push(p);
    }
    Ok(LammpsExport {
        out: out.to_path_buf(),
        files: written,
        atoms: sys.len(),
        equilibration_steps: eq_steps,
        production_steps: prod_steps,
    })
}

/// LAMMPS atom type of a group (1-based).
fn atom_type(g: Group) -> usize {
    g as usize + 1
}

/// The data file, `atom_style full` (charges zero). Numbers are written with Rust's shortest round-trip
/// formatting, so LAMMPS reads back exactly the doubles nanodemon holds.
fn data_file(sc: &Scenario, sys: &System) -> String {
    let mut s = String::with_capacity(sys.len() * 120 + 1000);
    let b = sys.box_a;
    let _ = writeln!(
        s,
        "LAMMPS data file written by nanodemon {} from scenario \"{}\" (units metal)\n",
        env!("CARGO_PKG_VERSION"),
        sc.name
    );
    let _ = writeln!(s, "{} atoms\n{} atom types\n", sys.len(), Group::COUNT);
    let _ = writeln!(
        s,
        "0 {} xlo xhi\n0 {} ylo yhi\n0 {} zlo zhi\n",
        b.x, b.y, b.z
    );
    s.push_str("Masses\n\n");
    for g in Group::ALL {
        let _ = writeln!(
            s,
            "{} {} # {}",
            atom_type(g),
            sys.group_mass[g as usize],
            g.name()
        );
    }
    s.push_str("\nAtoms # full\n\n");
    for (i, (p, g)) in sys.positions.iter().zip(&sys.groups).enumerate() {
        let mol = match g {
            Group::ColdParticle => 1,
            Group::HotParticle => 2,
            _ => 0,
        };
        let _ = writeln!(
            s,
            "{} {mol} {} 0 {} {} {}",
            i + 1,
            atom_type(*g),
            p.x,
            p.y,
            p.z
        );
    }
    s.push_str("\nVelocities\n\n");
    for (i, v) in atom_velocities(sys).iter().enumerate() {
        let _ = writeln!(s, "{} {} {} {}", i + 1, v.x, v.y, v.z);
    }
    s
}

/// Start velocities of every atom: the system's, with the rigid particles' atoms given their body's
/// V + ω × r (which `fix rigid` turns back into the body's momentum and angular momentum) and walls at rest.
fn atom_velocities(sys: &System) -> Vec<DVec3> {
    let mut v = sys.velocities.clone();
    for b in &sys.bodies {
        let omega = b.omega();
        for (i, off) in b.atoms.clone().zip(b.space_offsets()) {
            v[i] = b.vcom + omega.cross(off);
        }
    }
    for i in sys.ranges[Group::Wall as usize].clone() {
        v[i] = DVec3::ZERO;
    }
    v
}

fn species(sc: &Scenario, g: Group) -> Species {
    if g.is_argon() {
        sc.potential.argon
    } else {
        sc.potential.copper
    }
}

/// Everything that defines the system and its interactions, no runs.
fn setup_file(sc: &Scenario, sys: &System) -> Result<String> {
    let p = &sc.potential;
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(
        w,
        "# nanodemon scenario \"{}\" as LAMMPS input: system and interactions (no run).\n\
         # Units metal: A, ps, eV, amu, K. Types: 1 cold_bath, 2 hot_bath, 3 wall, 4 cold_particle, 5 hot_particle.\n",
        sc.name
    );
    let _ = writeln!(
        w,
        "units metal\natom_style full\nboundary p p p\nread_data {DATA_FILE}\n"
    );
    for g in Group::ALL {
        let _ = writeln!(w, "group {} type {}", g.name(), atom_type(g));
    }
    let _ = writeln!(w);
    // Seed 000, Eqs. 13-14: Lorentz-Berthelot mixing, written out for every pair so LAMMPS mixes nothing.
    let _ = writeln!(w, "pair_style lj/cut {}\npair_modify shift yes", p.cutoff_a);
    for a in Group::ALL {
        for b in Group::ALL
            .into_iter()
            .filter(|b| (*b as usize) >= (a as usize))
        {
            let (sa, sb) = (species(sc, a), species(sc, b));
            let _ = writeln!(
                w,
                "pair_coeff {} {} {} {}",
                atom_type(a),
                atom_type(b),
                (sa.epsilon_ev * sb.epsilon_ev).sqrt(),
                0.5 * (sa.sigma_a + sb.sigma_a)
            );
        }
    }
    let _ = writeln!(
        w,
        "neighbor {} bin\nneigh_modify every 1 delay 0 check yes",
        p.skin_a
    );
    // The pairs nanodemon never evaluates (Group::interacts).
    for a in Group::ALL {
        for b in Group::ALL
            .into_iter()
            .filter(|b| (*b as usize) >= (a as usize))
        {
            if !Group::interacts(a, b) {
                let _ = writeln!(
                    w,
                    "neigh_modify exclude type {} {}  # {} - {}",
                    atom_type(a),
                    atom_type(b),
                    a.name(),
                    b.name()
                );
            }
        }
    }
    let _ = writeln!(w, "timestep {}\n", sc.dt_ps());

    for (g, bath) in [(Group::ColdBath, &sc.cold), (Group::HotBath, &sc.hot)] {
        if sys.ranges[g as usize].is_empty() {
            continue;
        }
        thermostat_fix(w, g, bath);
    }
    let has_bodies = sys.bodies.len() == 2;
    if has_bodies {
        let _ = writeln!(
            w,
            "# Rigid nanoparticles, NO_SQUISH as nanodemon; walls carry no fix and stay frozen.\n\
             group particles union cold_particle hot_particle\n\
             fix bodies particles rigid/nve group 2 cold_particle hot_particle"
        );
        controller_fixes(w, sc, sys)?;
    } else {
        let _ = writeln!(w, "# No nanoparticles; walls carry no fix and stay frozen.");
    }
    ledger_computes(w);
    Ok(s)
}

/// `fix nvt` with nanodemon's chain (Q₁ = N_f k_B T τ², Q_j = k_B T τ², as LAMMPS), or `fix nve`.
fn thermostat_fix(w: &mut String, g: Group, bath: &Bath) {
    let side = if g == Group::ColdBath { "cold" } else { "hot" };
    match bath.thermostat {
        Some(t) => {
            let _ = writeln!(
                w,
                "fix nvt_{side} {} nvt temp {} {} {} tchain {}",
                g.name(),
                bath.temperature_k,
                bath.temperature_k,
                t.damping_ps,
                t.chain_length
            );
        }
        None => {
            let _ = writeln!(w, "fix nve_{side} {} nve", g.name());
        }
    }
}

/// Trap, demon and drag forces on each particle's centre of mass (`Controller::forces`), spread evenly over
/// its atoms so that their sum, which `fix rigid` applies to the body, is the controller's force.
fn controller_fixes(w: &mut String, sc: &Scenario, sys: &System) -> Result<()> {
    let c = Controller::new(&sc.controller);
    let _ = writeln!(
        w,
        "\n# Controller (seed 000, Eqs. 1-2): F_C = -k X_C + kC (X_H - X_C), F_H = -k X_H + kH (X_C - X_H) on the\n\
         # demon axes, X the displacement of each centre of mass from its trap centre (eV/A).\n\
         variable k equal {}\nvariable kC equal {}\nvariable kH equal {}",
        c.kappa, c.kappa_cold, c.kappa_hot
    );
    let axes = ["x", "y", "z"];
    for (k, side) in ["c", "h"].into_iter().enumerate() {
        let body = &sys.bodies[k];
        let group = if k == 0 {
            "cold_particle"
        } else {
            "hot_particle"
        };
        for (a, ax) in axes.iter().enumerate() {
            let _ = writeln!(
                w,
                "variable {ax}{side} equal xcm({group},{ax})-{}\nvariable v{ax}{side} equal vcm({group},{ax})",
                body.trap_center[a]
            );
        }
    }
    for (k, (side, other, kd)) in [("c", "h", "kC"), ("h", "c", "kH")].into_iter().enumerate() {
        let n = sys.bodies[k].atoms.len();
        if n == 0 {
            bail!("nanoparticle.atoms: a rigid particle with no atoms cannot be exported");
        }
        for (a, ax) in axes.iter().enumerate() {
            let demon = if c.mask[a] != 0.0 {
                format!(" + v_{kd}*(v_{ax}{other}-v_{ax}{side})")
            } else {
                String::new()
            };
            let _ = writeln!(
                w,
                "variable f{ax}{side} equal (-v_k*v_{ax}{side}{demon} + {})/{n}",
                c.drag[k][a]
            );
        }
        let group = if k == 0 {
            "cold_particle"
        } else {
            "hot_particle"
        };
        let _ = writeln!(
            w,
            "fix ctrl_{side} {group} addforce v_fx{side} v_fy{side} v_fz{side}"
        );
    }
    Ok(())
}

/// Bath temperatures (N_f = 3N − 3, LAMMPS's default for a group) and bath energies E_b: per-atom pair
/// energies already hold half of every pair, so E_b = K_b + Σ_b pe/atom + ½ (bath–wall energy), which counts
/// bath–bath and bath–wall pairs in full and bath–particle pairs half (SPEC "Heat and work").
fn ledger_computes(w: &mut String) {
    let _ = writeln!(
        w,
        "\n# Ledger quantities (nanodemon heat.csv).\n\
         compute ke_atom all ke/atom\ncompute pe_atom all pe/atom pair"
    );
    for side in ["cold", "hot"] {
        let _ = writeln!(
            w,
            "compute t_{side} {side}_bath temp\n\
             compute ke_{side} {side}_bath reduce sum c_ke_atom\n\
             compute pe_{side} {side}_bath reduce sum c_pe_atom\n\
             compute wall_{side} {side}_bath group/group wall\n\
             variable e_bath_{side} equal c_ke_{side}+c_pe_{side}+0.5*c_wall_{side}"
        );
    }
}

/// The demon work on each particle from the moment this file is included (seed 000, Eq. 19, plus the drag's
/// F·dX): W_C = ∫ P_C dt with the power P_C = κ_C X_H·V_C + F_C,drag·V_C on the demon axes, summed by the
/// trapezoidal rule over every step (`fix ave/time` keeps the running mean of P over the steps since the
/// include). On MD's smooth trajectories this equals nanodemon's Stratonovich midpoint sum κ_C X̄_H·ΔX_C up
/// to O(dt²) a step.
fn work_file(sc: &Scenario) -> String {
    let c = Controller::new(&sc.controller);
    let mut s = String::from(
        "# Demon work since this file was included (seed 000, Eq. 19): W = trapezoidal sum of the power\n\
         # P_C = kC X_H.V_C + F_drag.V_C, P_H = kH X_C.V_H + F_drag.V_H over every step, eV.\n\
         variable work_step0 equal $(step)\n",
    );
    for (k, (side, me, other, kd)) in [("cold", "c", "h", "kC"), ("hot", "h", "c", "kH")]
        .into_iter()
        .enumerate()
    {
        let mut terms = Vec::new();
        for (a, ax) in ["x", "y", "z"].iter().enumerate() {
            if c.mask[a] != 0.0 {
                terms.push(format!("v_{kd}*v_{ax}{other}*v_v{ax}{me}"));
            }
            if c.drag[k][a] != 0.0 {
                terms.push(format!("{}*v_v{ax}{me}", c.drag[k][a]));
            }
        }
        if terms.is_empty() {
            terms.push("0".into());
        }
        let _ = writeln!(
            s,
            "variable p_{side} equal {}\n\
             variable p0_{side} equal ${{p_{side}}}\n\
             fix work_{side} all ave/time 1 1 1 v_p_{side} ave running\n\
             variable w_{side} equal dt*(f_work_{side}*(step-v_work_step0+1)-0.5*(v_p0_{side}+v_p_{side}))",
            terms.join(" + ")
        );
    }
    s
}

/// The deck: setup, equilibration, then production with the ledger zeroed and time starting at 0.
fn deck_file(
    sc: &Scenario,
    sys: &System,
    eq_steps: u64,
    prod_steps: u64,
    sample_steps: u64,
) -> String {
    let mut s = String::new();
    let w = &mut s;
    let has_bodies = sys.bodies.len() == 2;
    let _ = writeln!(
        w,
        "# nanodemon scenario \"{}\": equilibration {} ps, production {} ps, a thermo line every {} ps.\n\
         # Run with: lmp -in {DECK_FILE}\n\ninclude {SETUP_FILE}\n",
        sc.name, sc.run.equilibration_ps, sc.run.production_ps, sc.run.sample_interval_ps
    );
    let thermostat_heat = |side: &str, bath: &Bath| {
        if bath.thermostat.is_some() {
            format!("f_nvt_{side}")
        } else {
            "0".to_string()
        }
    };
    let (th_c, th_h) = (
        thermostat_heat("cold", &sc.cold),
        thermostat_heat("hot", &sc.hot),
    );
    let (particles, include_work) = if has_bodies {
        (
            " v_w_cold v_w_hot v_xc v_yc v_zc v_xh v_yh v_zh v_vxc v_vxh",
            format!("include {WORK_FILE}\n"),
        )
    } else {
        ("", String::new())
    };
    let _ = writeln!(
        w,
        "variable th_cold equal {th_c}\nvariable th_hot equal {th_h}\n\
         thermo {sample_steps}\n\
         thermo_style custom step time c_t_cold c_t_hot pe ke v_e_bath_cold v_e_bath_hot\n\
         thermo_modify format float %.10g\n\
         run {eq_steps}\n"
    );
    let _ = writeln!(
        w,
        "# Production: time from 0 (heat.csv's origin), ledger zeroed here.\n\
         reset_timestep 0\n\
         variable th0_cold equal ${{th_cold}}\nvariable th0_hot equal ${{th_hot}}\n\
         variable eb0_cold equal ${{e_bath_cold}}\nvariable eb0_hot equal ${{e_bath_hot}}\n\
         variable thermostat_cold equal v_th_cold-v_th0_cold\n\
         variable thermostat_hot equal v_th_hot-v_th0_hot\n\
         variable q_cold equal v_thermostat_cold+v_e_bath_cold-v_eb0_cold\n\
         variable q_hot equal v_thermostat_hot+v_e_bath_hot-v_eb0_hot\n\
         {include_work}\
         thermo_style custom time v_q_cold v_q_hot v_thermostat_cold v_thermostat_hot v_e_bath_cold \
         v_e_bath_hot{particles} c_t_cold c_t_hot pe ke\n\
         thermo_modify format float %.10g\n\
         run {prod_steps}"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> (Scenario, System) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/small-heater.json");
        let sc = Scenario::load(Path::new(path)).unwrap();
        let sys = build_system(&sc).unwrap();
        (sc, sys)
    }

    /// Every type pair has coefficients, and exactly the pairs `Group::interacts` rules out are excluded.
    #[test]
    fn setup_excludes_exactly_the_pairs_nanodemon_never_evaluates() {
        let (sc, sys) = small();
        let setup = setup_file(&sc, &sys).unwrap();
        let count = |prefix: &str| setup.lines().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(count("pair_coeff "), 15);
        let excluded: Vec<(usize, usize)> = setup
            .lines()
            .filter_map(|l| l.strip_prefix("neigh_modify exclude type "))
            .map(|l| {
                let t: Vec<usize> = l
                    .split_whitespace()
                    .take(2)
                    .map(|x| x.parse().unwrap())
                    .collect();
                (t[0], t[1])
            })
            .collect();
        let mut expected = Vec::new();
        for a in Group::ALL {
            for b in Group::ALL {
                if (a as usize) <= (b as usize) && !Group::interacts(a, b) {
                    expected.push((atom_type(a), atom_type(b)));
                }
            }
        }
        assert_eq!(excluded, expected);
        assert!(setup.contains("pair_modify shift yes"));
    }

    /// The data file lists every atom once with its type and molecule, and velocities whose particle
    /// parts carry each body's momentum.
    #[test]
    fn data_file_has_every_atom_with_type_molecule_and_velocity() {
        let (sc, sys) = small();
        let data = data_file(&sc, &sys);
        let section = |name: &str| -> Vec<Vec<f64>> {
            let start = data.find(name).unwrap();
            data[start..]
                .lines()
                .skip(2)
                .take_while(|l| !l.is_empty())
                .map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect())
                .collect()
        };
        let atoms = section("Atoms # full");
        assert_eq!(atoms.len(), sys.len());
        for (i, a) in atoms.iter().enumerate() {
            assert_eq!(a[0] as usize, i + 1);
            assert_eq!(a[2] as usize, atom_type(sys.groups[i]));
            let mol = match sys.groups[i] {
                Group::ColdParticle => 1.0,
                Group::HotParticle => 2.0,
                _ => 0.0,
            };
            assert_eq!(a[1], mol);
            assert_eq!(DVec3::new(a[4], a[5], a[6]), sys.positions[i]);
        }
        let vel = section("Velocities");
        assert_eq!(vel.len(), sys.len());
        for b in &sys.bodies {
            let p: DVec3 = b
                .atoms
                .clone()
                .map(|i| DVec3::new(vel[i][1], vel[i][2], vel[i][3]))
                .sum::<DVec3>()
                * (b.mass / b.atoms.len() as f64);
            assert!((p - b.mass * b.vcom).length() < 1e-9);
        }
    }
}
