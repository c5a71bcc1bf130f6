//! Trajectory files through the binary, read back by independent readers: extended XYZ (this file's own
//! parser, and ASE when installed) and DCD (this file's own record parser, and MDAnalysis when installed);
//! frames on heat.csv's clock; and a killed-and-resumed DCD byte-identical to an uninterrupted one.

mod common;
mod external;

use glam::DVec3;
use nanodemon::units::{KB_EV_PER_K, MVV2E};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nanodemon-traj-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The small refrigerator, 0.2 ps equilibration, `prod` ps production, samples every 0.1 ps, checkpoints every
/// 0.5 ps, a trajectory frame every `frame_ps` in `format`.
fn scenario(dir: &Path, prod: f64, frame_ps: f64, format: &str) -> PathBuf {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(common::scenario_path("small-refrigerator.json")).unwrap(),
    )
    .unwrap();
    v["run"] = json!({"timestep_fs": 1.0, "equilibration_ps": 0.2, "production_ps": prod,
                      "sample_interval_ps": 0.1, "checkpoint_interval_ps": 0.5,
                      "xyz_interval_ps": frame_ps, "trajectory_format": format});
    let p = dir.join(format!("scenario-{format}.json"));
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

fn run_args(sc: &Path, out: &Path) -> Vec<String> {
    common::cpu_run_args(sc, out, &[])
}

fn run(sc: &Path, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(run_args(sc, out))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

struct XyzFrame {
    time: f64,
    pos: Vec<DVec3>,
    vel: Vec<DVec3>,
    mass: Vec<f64>,
    group: Vec<String>,
}

/// Parses extended XYZ by its `Properties` layout, checking ids run 1..N.
fn read_xyz(path: &Path) -> Vec<XyzFrame> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let mut frames = Vec::new();
    while let Some(count) = lines.next() {
        let n: usize = count.trim().parse().unwrap();
        let comment = lines.next().unwrap();
        assert!(
            comment.contains("Properties=species:S:1:pos:R:3:velo:R:3:masses:R:1:id:I:1:group:S:1"),
            "{comment}"
        );
        let time: f64 = comment
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("Time="))
            .unwrap()
            .parse()
            .unwrap();
        let mut f = XyzFrame {
            time,
            pos: vec![],
            vel: vec![],
            mass: vec![],
            group: vec![],
        };
        for i in 0..n {
            let c: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
            assert_eq!(c.len(), 10);
            let x: Vec<f64> = c[1..8].iter().map(|s| s.parse().unwrap()).collect();
            f.pos.push(DVec3::new(x[0], x[1], x[2]));
            f.vel.push(DVec3::new(x[3], x[4], x[5]));
            f.mass.push(x[6]);
            assert_eq!(c[8].parse::<usize>().unwrap(), i + 1);
            assert_eq!(c[0], if c[9].ends_with("bath") { "Ar" } else { "Cu" });
            f.group.push(c[9].to_string());
        }
        frames.push(f);
    }
    frames
}

/// heat.csv as (header, rows).
fn read_heat(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

/// Each particle's atoms carry its kinetic energy, translational and rotational: heat.csv's particle energy
/// (`row`) less the controller's potential (seed 000, Eq. 17), to `tol` relative.
fn check_particle_energy(
    f: &XyzFrame,
    row: &[f64],
    col: &dyn Fn(&str) -> usize,
    ctrl: &nanodemon::physics::controller::Controller,
    tol: f64,
) {
    let disp = |side: &str| {
        DVec3::new(
            row[col(&format!("x_{side}_a"))],
            row[col(&format!("y_{side}_a"))],
            row[col(&format!("z_{side}_a"))],
        )
    };
    let u = ctrl.potential(disp("cold"), disp("hot"));
    for (k, side) in ["cold", "hot"].iter().enumerate() {
        let ke: f64 = (0..f.group.len())
            .filter(|&i| f.group[i] == format!("{side}_particle"))
            .map(|i| 0.5 * f.mass[i] * f.vel[i].length_squared() * MVV2E)
            .sum();
        let expected = row[col(&format!("e_particle_{side}_ev"))] - u[k];
        assert!(
            (ke - expected).abs() < tol * expected,
            "t = {}: {side} particle atoms carry {ke} eV, heat.csv says {expected} eV",
            f.time
        );
    }
}

/// Frames carry velocities, masses, ids and group names on heat.csv's clock: the bath temperatures and the
/// cold particle's centre-of-mass velocity computed from a frame's atoms equal heat.csv's row at the
/// frame's time (the particle atoms' velocities are rebuilt from the rigid body, so this checks V + ω × r).
#[test]
fn xyz_frames_carry_velocities_masses_ids_and_groups_on_heat_csv_time() {
    let d = tmpdir("xyz");
    let out = d.join("o");
    let sc_path = scenario(&d, 1.0, 0.5, "xyz");
    run(&sc_path, &out);
    let sc = nanodemon::scenario::Scenario::load(&sc_path).unwrap();
    let ctrl = nanodemon::physics::controller::Controller::new(&sc.controller);
    let frames = read_xyz(&out.join("trajectory.xyz"));
    let times: Vec<f64> = frames.iter().map(|f| f.time).collect();
    assert_eq!(times, [0.0, 0.5, 1.0], "production frames from its start");
    let (header, rows) = read_heat(&out.join("heat.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for f in &frames {
        let row = rows
            .iter()
            .find(|r| (r[0] - f.time).abs() < 1e-9)
            .expect("a heat.csv row at the frame's time");
        for (b, name) in ["cold_bath", "hot_bath"].iter().enumerate() {
            let idx: Vec<usize> = (0..f.group.len())
                .filter(|&i| f.group[i] == *name)
                .collect();
            let twice_ke: f64 = idx
                .iter()
                .map(|&i| f.mass[i] * f.vel[i].length_squared())
                .sum::<f64>()
                * MVV2E;
            let t = twice_ke / ((3 * idx.len() - 3) as f64 * KB_EV_PER_K);
            let t_heat = row[col(["temp_cold_k", "temp_hot_k"][b])];
            assert!(
                (t - t_heat).abs() < 1e-4 * t_heat,
                "t = {}: {name} {t} K from the frame, {t_heat} K in heat.csv",
                f.time
            );
        }
        let cold: Vec<usize> = (0..f.group.len())
            .filter(|&i| f.group[i] == "cold_particle")
            .collect();
        assert_eq!(cold.len(), 186);
        assert!(cold.iter().all(|&i| f.mass[i] == 63.546));
        let vcom = cold.iter().map(|&i| f.vel[i]).sum::<DVec3>() / cold.len() as f64;
        let v_heat = row[col("vx_cold_a_ps")];
        assert!(
            (vcom.x - v_heat).abs() < 1e-5,
            "t = {}: cold particle vx {} from its atoms, {v_heat} in heat.csv",
            f.time,
            vcom.x
        );
        check_particle_energy(f, row, &col, &ctrl, 1e-4);
        assert!(f
            .group
            .iter()
            .zip(&f.vel)
            .all(|(g, v)| g != "wall" || *v == DVec3::ZERO));
    }

    // ASE reads the same frames: count, positions, masses and the velocity column.
    let Some(py) = external::python_with("ase") else {
        return;
    };
    let o = Command::new(py)
        .arg("-c")
        .arg(
            "import ase.io, json, sys\n\
             fr = ase.io.read(sys.argv[1], index=':')\n\
             print(json.dumps([[a.info.get('Time'), a.get_masses().sum(), a.positions[5].tolist(), \
             a.arrays['velo'][5].tolist(), a.arrays['group'][-1]] for a in fr]))",
        )
        .arg(out.join("trajectory.xyz"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ase: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(ase.len(), frames.len());
    for (a, f) in ase.iter().zip(&frames) {
        assert_eq!(a[0].as_f64().unwrap(), f.time);
        assert!((a[1].as_f64().unwrap() - f.mass.iter().sum::<f64>()).abs() < 1e-6);
        for k in 0..3 {
            assert_eq!(a[2][k].as_f64().unwrap(), f.pos[5][k]);
            assert_eq!(a[3][k].as_f64().unwrap(), f.vel[5][k]);
        }
        assert_eq!(a[4], "hot_particle");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// A DCD file parsed record by record (Fortran unformatted: each record framed by its length).
struct Dcd {
    control: [i32; 20],
    atoms: usize,
    cells: Vec<[f64; 6]>,
    frames: Vec<Vec<DVec3>>,
}

fn read_dcd(path: &Path) -> Dcd {
    let b = std::fs::read(path).unwrap();
    let mut at = 0;
    let mut record = || -> &[u8] {
        let len = i32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        let rec = &b[at + 4..at + 4 + len];
        assert_eq!(
            i32::from_le_bytes(b[at + 4 + len..at + 8 + len].try_into().unwrap()) as usize,
            len,
            "record end marker"
        );
        at += len + 8;
        rec
    };
    let i32s = |r: &[u8]| -> Vec<i32> {
        r.chunks_exact(4)
            .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let head = record();
    assert_eq!(&head[..4], b"CORD");
    let control: [i32; 20] = i32s(&head[4..]).try_into().unwrap();
    let _title = record();
    let atoms = i32s(record())[0] as usize;
    let mut cells = Vec::new();
    let mut frames = Vec::new();
    for _ in 0..control[0] {
        let cell: Vec<f64> = record()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        cells.push(cell.try_into().unwrap());
        let axes: Vec<Vec<f32>> = (0..3)
            .map(|_| {
                record()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                    .collect()
            })
            .collect();
        frames.push(
            (0..atoms)
                .map(|i| DVec3::new(axes[0][i] as f64, axes[1][i] as f64, axes[2][i] as f64))
                .collect(),
        );
    }
    assert_eq!(at, b.len(), "bytes after the last frame the header counts");
    Dcd {
        control,
        atoms,
        cells,
        frames,
    }
}

/// The same run written as DCD and as XYZ (same threads, so the same trajectory): the DCD's positions are
/// the XYZ's to f32 rounding, its header says 3 frames 500 steps apart, and MDAnalysis reads it with the
/// frames' times (0, 0.5, 1 ps) and the box.
#[test]
fn dcd_positions_match_the_xyz_frames_and_mdanalysis_reads_them() {
    let d = tmpdir("dcd");
    let (ox, od) = (d.join("xyz"), d.join("dcd"));
    run(&scenario(&d, 1.0, 0.5, "xyz"), &ox);
    run(&scenario(&d, 1.0, 0.5, "dcd"), &od);
    assert!(!od.join("trajectory.xyz").exists());
    let xyz = read_xyz(&ox.join("trajectory.xyz"));
    let dcd = read_dcd(&od.join("trajectory.dcd"));
    assert_eq!(dcd.control[0], 3, "frames");
    assert_eq!(dcd.control[2], 500, "steps between frames");
    assert_eq!(dcd.atoms, 2584);
    assert_eq!(dcd.frames.len(), xyz.len());
    let max_dev = |a: &[DVec3], b: &[DVec3]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| (*p - *q).abs().max_element())
            .fold(0.0, f64::max)
    };
    for ((p, cell), x) in dcd.frames.iter().zip(&dcd.cells).zip(&xyz) {
        assert_eq!(
            *cell,
            [72.0, 90.0, 36.0, 90.0, 90.0, 36.0],
            "a, γ, b, β, α, c"
        );
        let dev = max_dev(p, &x.pos);
        assert!(dev < 1e-5, "t = {}: DCD and XYZ differ by {dev} Å", x.time);
    }

    let Some(py) = external::python_with("MDAnalysis") else {
        return;
    };
    let o = Command::new(py)
        .arg("-W")
        .arg("ignore")
        .arg("-c")
        .arg(
            "import json, sys\n\
             from MDAnalysis.coordinates.DCD import DCDReader\n\
             r = DCDReader(sys.argv[1])\n\
             print(json.dumps({'atoms': r.n_atoms, 'frames': [[ts.time, ts.dimensions.tolist(), \
             ts.positions.tolist()] for ts in r]}))",
        )
        .arg(od.join("trajectory.dcd"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mda: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(mda["atoms"], 2584);
    let frames = mda["frames"].as_array().unwrap();
    assert_eq!(frames.len(), xyz.len());
    for (m, x) in frames.iter().zip(&xyz) {
        assert!((m[0].as_f64().unwrap() - x.time).abs() < 1e-6, "time {m:?}");
        let dims: Vec<f64> = serde_json::from_value(m[1].clone()).unwrap();
        assert_eq!(dims, [72.0, 36.0, 36.0, 90.0, 90.0, 90.0]);
        let pos: Vec<DVec3> = m[2]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                DVec3::new(
                    p[0].as_f64().unwrap(),
                    p[1].as_f64().unwrap(),
                    p[2].as_f64().unwrap(),
                )
            })
            .collect();
        let dev = max_dev(&pos, &x.pos);
        assert!(
            dev < 1e-5,
            "t = {}: MDAnalysis and XYZ differ by {dev} Å",
            x.time
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// A run killed after a checkpoint and resumed leaves trajectory.dcd (and heat.csv) byte-identical to an
/// uninterrupted run's: the frames written after the checkpoint are cut and rewritten, the frame count in
/// the header with them.
#[test]
fn killed_and_resumed_dcd_is_byte_identical() {
    let d = tmpdir("resume");
    let sc = scenario(&d, 3.0, 0.1, "dcd");
    let (full, killed) = (d.join("full"), d.join("killed"));
    run(&sc, &full);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nanodemon"));
    cmd.args(run_args(&sc, &killed));
    common::kill_after_checkpoint(cmd, &killed, 9);
    let traj = |dir: &Path| std::fs::read(dir.join("trajectory.dcd")).unwrap();
    assert!(traj(&killed).len() < traj(&full).len());
    let mut resume = run_args(&sc, &killed);
    resume.push("--resume".into());
    let o = Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(&resume)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        traj(&killed) == traj(&full),
        "resumed trajectory.dcd differs"
    );
    assert_eq!(read_dcd(&killed.join("trajectory.dcd")).control[0], 31);
    assert_eq!(
        std::fs::read(killed.join("heat.csv")).unwrap(),
        std::fs::read(full.join("heat.csv")).unwrap()
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// A trajectory format without an interval, or an unknown format, is refused with the field named.
#[test]
fn trajectory_format_errors_name_the_field() {
    let d = tmpdir("invalid");
    for (edit, needle) in [
        (
            json!({"xyz_interval_ps": null, "trajectory_format": "dcd"}),
            "run.xyz_interval_ps",
        ),
        (json!({"trajectory_format": "pdb"}), "unknown variant `pdb`"),
    ] {
        let p = scenario(&d, 1.0, 0.5, "xyz");
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        for (k, x) in edit.as_object().unwrap() {
            if x.is_null() {
                v["run"].as_object_mut().unwrap().remove(k);
            } else {
                v["run"][k] = x.clone();
            }
        }
        std::fs::write(&p, v.to_string()).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_nanodemon"))
            .args(run_args(&p, &d.join("o")))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(needle), "{err}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// The GPU engine's frames (its state read back and folded) carry the same per-atom data: each particle's
/// atoms hold the kinetic energy the GPU ledger reports (f32 state, so 1e-3 relative).
#[test]
fn gpu_frames_carry_the_particles_kinetic_energy() {
    if nanodemon::gpu::GpuContext::for_test("gpu_frames_carry_the_particles_kinetic_energy")
        .is_none()
    {
        return;
    }
    let d = tmpdir("gpu");
    let p = scenario(&d, 0.2, 0.1, "xyz");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["run"]["equilibration_ps"] = json!(0.1);
    v["run"]["checkpoint_interval_ps"] = json!(0.1);
    std::fs::write(&p, v.to_string()).unwrap();
    let out = d.join("o");
    let mut args = run_args(&p, &out);
    args[3] = "gpu".into();
    let o = Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(&args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let frames = read_xyz(&out.join("trajectory.xyz"));
    assert_eq!(frames.len(), 3);
    let (header, rows) = read_heat(&out.join("heat.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let sc = nanodemon::scenario::Scenario::load(&p).unwrap();
    let ctrl = nanodemon::physics::controller::Controller::new(&sc.controller);
    for (f, row) in frames.iter().zip(&rows) {
        assert!((row[0] - f.time).abs() < 1e-9);
        check_particle_energy(f, row, &col, &ctrl, 1e-3);
    }
    std::fs::remove_dir_all(&d).unwrap();
}
