//! `nanodemon export lammps` checked by LAMMPS itself: the exported setup, read by `lmp` and evaluated at
//! step 0 (`run 0`), gives the potential energy, the per-atom forces, the bath energies and temperatures
//! that nanodemon computes for the same configuration, to 1e-6 relative.

mod common;
mod external;

use glam::DVec3;
use nanodemon::engine::cpu::CpuEngine;
use nanodemon::engine::Engine;
use nanodemon::physics::controller::Controller;
use nanodemon::physics::lj::PairTable;
use nanodemon::system::{build_system, Group, System};
use std::path::Path;
use std::process::Command;

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("nanodemon-lmp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Per-atom LJ forces and the total LJ energy by brute force over all pairs (minimum image), from
/// `physics::lj` coefficients: a second implementation beside the CPU engine's cell lists.
fn brute_force(sys: &System, table: &PairTable) -> (Vec<DVec3>, f64) {
    let mut f = vec![DVec3::ZERO; sys.len()];
    let mut e = 0.0;
    let b = sys.box_a;
    for i in 0..sys.len() {
        for j in i + 1..sys.len() {
            let c = table.coeff[sys.groups[i] as usize][sys.groups[j] as usize];
            if c.lj1 == 0.0 {
                continue;
            }
            let mut d = sys.positions[i] - sys.positions[j];
            d -= b * (d / b).round();
            let r2 = d.length_squared();
            if r2 < table.cutoff2 {
                let (fpair, ep) = c.eval(r2);
                f[i] += fpair * d;
                f[j] -= fpair * d;
                e += ep;
            }
        }
    }
    (f, e)
}

/// Runs `lmp` on the export in `dir` for step 0 and returns (pe, [E_b cold, hot], [T cold, hot], forces).
fn lammps_step0(lmp: &Path, dir: &Path, n: usize) -> (f64, [f64; 2], [f64; 2], Vec<DVec3>) {
    std::fs::write(
        dir.join("check.in"),
        "include in.setup.lammps\n\
         thermo_style custom step pe c_t_cold c_t_hot v_e_bath_cold v_e_bath_hot\n\
         run 0\n\
         print \"CHECK $(pe:%.17g) $(v_e_bath_cold:%.17g) $(v_e_bath_hot:%.17g) $(c_t_cold:%.17g) $(c_t_hot:%.17g)\"\n\
         write_dump all custom forces.dump id fx fy fz modify sort id format float %.17g\n",
    )
    .unwrap();
    let o = Command::new(lmp)
        .current_dir(dir)
        .args(["-in", "check.in", "-log", "none"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "lmp failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("CHECK "))
        .unwrap_or_else(|| panic!("no CHECK line in\n{stdout}"));
    let v: Vec<f64> = line[6..]
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let dump = std::fs::read_to_string(dir.join("forces.dump")).unwrap();
    let mut forces = vec![DVec3::NAN; n];
    for l in dump.lines().skip(9) {
        let x: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
        forces[x[0] as usize - 1] = DVec3::new(x[1], x[2], x[3]);
    }
    (v[0], [v[1], v[2]], [v[3], v[4]], forces)
}

/// k_B of LAMMPS `units metal`, eV/K (src/update.cpp, `force->boltz`).
const LAMMPS_KB: f64 = 8.617343e-5;
/// 1 amu·Å²/ps² in eV in LAMMPS `units metal` (`force->mvv2e`).
const LAMMPS_MVV2E: f64 = 1.0364269e-4;

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// The small refrigerator with the cold particle moved off its trap centre (so the trap and both demon
/// forces are nonzero) and a drag on the hot one: LAMMPS's step-0 energy, forces, bath energies and bath
/// temperatures equal nanodemon's.
#[test]
fn lammps_reproduces_energy_and_forces_of_the_exported_scenario() {
    let Some(lmp) = external::lammps() else {
        return;
    };
    let sc = common::scenario("small-refrigerator.json", |v| {
        v["controller"]["drag"] =
            serde_json::json!({"particle": "hot", "force_ev_per_a": [0.02, -0.01, 0.005]});
    });
    let mut sys = build_system(&sc).unwrap();
    let shift = DVec3::new(0.31, -0.22, 0.13);
    let cold = sys.bodies[0].atoms.clone();
    sys.bodies[0].com += shift;
    for i in cold.clone() {
        sys.positions[i] += shift;
    }
    let dir = tmpdir("forces");
    nanodemon::export::lammps::write(&sc, &sys, &dir).unwrap();
    let (pe, e_bath, temp, f_lmp) = lammps_step0(&lmp, &dir, sys.len());

    let table = PairTable::new(&sc.potential);
    let (mut f_nd, e_lj) = brute_force(&sys, &table);
    let ctrl = Controller::new(&sc.controller);
    let disp = [
        sys.bodies[0].com - sys.bodies[0].trap_center,
        sys.bodies[1].com - sys.bodies[1].trap_center,
    ];
    let f_ctrl = ctrl.forces(disp[0], disp[1]);
    assert!(f_ctrl[0].length() > 1e-3 && f_ctrl[1].length() > 1e-3);
    for (k, b) in sys.bodies.iter().enumerate() {
        for i in b.atoms.clone() {
            f_nd[i] += f_ctrl[k] / b.atoms.len() as f64;
        }
    }
    let mut eng = CpuEngine::new(&sc, &sys, 2).unwrap();
    let o = eng.observe().unwrap();
    let u_ctrl: f64 = ctrl.potential(disp[0], disp[1]).iter().sum();
    // The engine's LJ energy, the brute-force sum and LAMMPS's pe (pair energy only: fix addforce carries none).
    assert!(
        rel(o.potential_energy - u_ctrl, e_lj) < 1e-12,
        "engine {} vs brute force {e_lj}",
        o.potential_energy - u_ctrl
    );
    assert!(rel(pe, e_lj) < 1e-6, "LAMMPS pe {pe} vs nanodemon {e_lj}");
    for b in 0..2 {
        assert!(
            rel(e_bath[b], o.bath_energy[b]) < 1e-6,
            "bath {b}: LAMMPS E_b {} vs nanodemon {}",
            e_bath[b],
            o.bath_energy[b]
        );
        // LAMMPS metal units take k_B = 8.617343e-5 eV/K and 1 amu Å²/ps² = 1.0364269e-4 eV, nanodemon
        // 8.617333262e-5 (CODATA 2018) and 1.036426965e-4: the same velocities read as a temperature
        // 1.2e-6 lower in LAMMPS. Converted here, the two agree to rounding.
        let t_lmp = temp[b]
            * (LAMMPS_KB / nanodemon::units::KB_EV_PER_K)
            * (nanodemon::units::MVV2E / LAMMPS_MVV2E);
        assert!(
            rel(t_lmp, o.temperature[b]) < 1e-9,
            "bath {b}: LAMMPS T {t_lmp} vs nanodemon {}",
            o.temperature[b]
        );
    }
    // Per atom, relative to the atom's own force; the floor (1e-6 of the rms force) only keeps atoms whose
    // force nearly cancels from dividing by ~0.
    let rms = (f_nd.iter().map(|f| f.length_squared()).sum::<f64>() / f_nd.len() as f64).sqrt();
    let mut worst = (0.0, 0);
    for (i, (a, b)) in f_lmp.iter().zip(&f_nd).enumerate() {
        let r = (*a - *b).length() / b.length().max(1e-6 * rms);
        if r.is_nan() || r > worst.0 {
            worst = (r, i);
        }
    }
    let (r, i) = worst;
    eprintln!(
        "LAMMPS vs nanodemon at step 0: pe {pe} vs {e_lj} eV; worst per-atom force deviation {r:.2e} relative \
         (atom {}, {:?})",
        i + 1,
        sys.groups[i]
    );
    assert!(
        r < 1e-6,
        "atom {} ({:?}): LAMMPS {} vs nanodemon {}",
        i + 1,
        sys.groups[i],
        f_lmp[i],
        f_nd[i]
    );
    assert!(!sys.ranges[Group::Wall as usize].is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The binary writes the three files, and the deck runs them in LAMMPS's order (setup before runs).
#[test]
fn export_lammps_cli_writes_data_setup_and_deck() {
    let dir = tmpdir("cli");
    let o = Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(["export", "lammps"])
        .arg(common::scenario_path("small-heater.json"))
        .arg("--out")
        .arg(&dir)
        .arg("--json")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["atoms"], 2584);
    let deck = std::fs::read_to_string(dir.join("in.lammps")).unwrap();
    assert!(deck.contains("include in.setup.lammps") && deck.contains("include in.work.lammps"));
    assert!(dir.join("in.work.lammps").exists());
    let setup = std::fs::read_to_string(dir.join("in.setup.lammps")).unwrap();
    for needle in [
        "pair_modify shift yes",
        "neigh_modify exclude type 1 2",
        "fix nvt_cold cold_bath nvt temp 100 100 1 tchain 3",
        "rigid/nve",
        "addforce",
    ] {
        assert!(setup.contains(needle), "missing {needle:?}");
    }
    let data = std::fs::read_to_string(dir.join("data.lammps")).unwrap();
    assert!(data.contains("2584 atoms") && data.contains("Velocities"));

    // An oscillating bath cannot be exported: the error names the field.
    let osc = Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(["export", "lammps"])
        .arg(common::scenario_path("small-oscillating.json"))
        .arg("--out")
        .arg(dir.join("osc"))
        .output()
        .unwrap();
    assert!(!osc.status.success());
    assert!(String::from_utf8_lossy(&osc.stderr).contains(".oscillation"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The exported dynamics: LAMMPS runs the setup for 1000 steps (1 ps: Nosé–Hoover chains, rigid/nve,
/// controller forces) from the same start as nanodemon's CPU engine, and both land on the same positions
/// and velocities (measured: 3.6e-6 Å, 3.3e-5 Å/ps apart), up to the difference of the unit constants (k_B
/// and mvv2e, ~1e-6 relative in the thermostat target) and rounding, grown by chaotic dynamics. A chain of
/// 1 thermostat instead of 3 puts them 0.6 Å apart. The deck's ledger follows too: thermostat heat (the
/// `fix nvt` reservoir energy, ≈ 9 eV by then) to 6e-7 relative, the bath energies to 2e-8, and the demon
/// work (in.work.lammps's trapezoidal sum of the power against nanodemon's Stratonovich sum) to 1.2e-5.
#[test]
fn lammps_follows_nanodemons_trajectory_for_1000_steps() {
    let Some(lmp) = external::lammps() else {
        return;
    };
    let sc = common::scenario("small-refrigerator.json", |_| {});
    let sys = build_system(&sc).unwrap();
    let dir = tmpdir("steps");
    nanodemon::export::lammps::write(&sc, &sys, &dir).unwrap();
    std::fs::write(
        dir.join("steps.in"),
        "include in.setup.lammps\ninclude in.work.lammps\n\
         thermo_style custom step pe c_t_cold c_t_hot v_e_bath_cold v_e_bath_hot f_nvt_cold f_nvt_hot v_w_cold v_w_hot\n\
         thermo 100\nrun 1000\n\
         print \"CHECK $(f_nvt_cold:%.17g) $(f_nvt_hot:%.17g) $(v_e_bath_cold:%.17g) $(v_e_bath_hot:%.17g) $(v_w_cold:%.17g) $(v_w_hot:%.17g)\"\n\
         write_dump all custom state.dump id x y z vx vy vz modify sort id format float %.17g\n",
    )
    .unwrap();
    let o = Command::new(&lmp)
        .current_dir(&dir)
        .args(["-in", "steps.in", "-log", "none"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}");
    let ledger: Vec<f64> = stdout
        .lines()
        .find_map(|l| l.strip_prefix("CHECK "))
        .unwrap_or_else(|| panic!("no CHECK line in\n{stdout}"))
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let dump = std::fs::read_to_string(dir.join("state.dump")).unwrap();
    let mut eng = CpuEngine::new(&sc, &sys, 2).unwrap();
    eng.advance(1000).unwrap();
    // The deck's ledger: the fix nvt reservoir energy is the heat its thermostat removed (zero at the start,
    // as nanodemon's thermostat heat), and E_b is nanodemon's bath energy.
    let o = eng.observe().unwrap();
    eprintln!(
        "after 1000 steps: thermostat heat LAMMPS {:?} nanodemon {:?} eV; E_b LAMMPS {:?} nanodemon {:?} eV",
        &ledger[..2],
        o.thermostat_heat,
        &ledger[2..4],
        o.bath_energy
    );
    eprintln!(
        "after 1000 steps: demon work LAMMPS {:?} nanodemon {:?} eV",
        &ledger[4..],
        o.work
    );
    for b in 0..2 {
        assert!(o.thermostat_heat[b].abs() > 0.1, "the thermostats worked");
        assert!(
            rel(ledger[b], o.thermostat_heat[b]) < 1e-5,
            "thermostat heat {b}"
        );
        assert!(rel(ledger[2 + b], o.bath_energy[b]) < 1e-6, "E_b {b}");
        assert!(o.work[b].abs() > 1e-4, "the demon worked");
        assert!(rel(ledger[4 + b], o.work[b]) < 1e-4, "demon work {b}");
    }
    let st = eng.state().unwrap();
    let b = sys.box_a;
    let (mut dx, mut dv) = (0.0f64, 0.0f64);
    for l in dump.lines().skip(9) {
        let x: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
        let i = x[0] as usize - 1;
        let mut d = DVec3::new(x[1], x[2], x[3]) - st.positions[i];
        d -= b * (d / b).round();
        dx = dx.max(d.abs().max_element());
        if sys.groups[i].is_argon() {
            dv = dv.max(
                (DVec3::new(x[4], x[5], x[6]) - st.velocities[i])
                    .abs()
                    .max_element(),
            );
        }
    }
    eprintln!("after 1000 steps: max |Δx| {dx:.2e} Å, max |Δv| (argon) {dv:.2e} Å/ps");
    assert!(dx < 1e-4 && dv < 1e-3, "LAMMPS left nanodemon's trajectory");
    std::fs::remove_dir_all(&dir).unwrap();
}
