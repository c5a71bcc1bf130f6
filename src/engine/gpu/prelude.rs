//! The constants every MD kernel is compiled with, and the layout of the scalar buffer `s`.
//!
//! Why generated constants rather than a uniform buffer: the scenario fixes all of them for the life of an
//! engine, the shader compiler folds them, and host and WGSL cannot disagree on a struct layout because the
//! offsets below are the only definition of it.

use crate::engine::baths::Baths;
use crate::physics::controller::Controller;
use crate::physics::lj::PairTable;
use crate::scenario::Scenario;
use crate::system::{Group, System};
use crate::units::{KB_EV_PER_K, MVV2E};
use glam::DVec3;
use std::fmt::Write;

/// Offsets into the f32 scalar buffer. Per body k the block starts at k · BODY_STRIDE.
pub const B_X: usize = 0;
pub const B_V: usize = 3;
pub const B_Q: usize = 6;
pub const B_L: usize = 10;
pub const B_F: usize = 13;
pub const B_T: usize = 16;
pub const B_X0: usize = 19;
pub const B_W0: usize = 22;
pub const B_F0: usize = 25;
pub const B_T0: usize = 28;
pub const B_C0: usize = 31;
pub const BODY_STRIDE: usize = 34;

/// Length of the group-pair coefficient table `coef`: (lj1, lj2, lj3, lj4) at g_i·COUNT + g_j, then the
/// energy offset φ(r_c) at COUNT² + g_i·COUNT + g_j (md_common.wgsl).
pub const COEF_LEN: usize = 2 * Group::COUNT * Group::COUNT;

/// The group-pair coefficient table in the layout of `COEF_LEN`, f32 as the kernels read it.
pub fn coef_table(table: &PairTable) -> Vec<[f32; 4]> {
    let pairs = Group::COUNT * Group::COUNT;
    let mut coef = vec![[0f32; 4]; COEF_LEN];
    for a in 0..Group::COUNT {
        for b in 0..Group::COUNT {
            let c = table.coeff[a][b];
            coef[a * Group::COUNT + b] = [c.lj1 as f32, c.lj2 as f32, c.lj3 as f32, c.lj4 as f32];
            coef[pairs + a * Group::COUNT + b] = [c.offset as f32, 0.0, 0.0, 0.0];
        }
    }
    coef
}

/// Workgroup size of the force kernel.
pub const FORCE_WG: u32 = 128;

/// Threads per atom in the force kernel: at ~55k atoms one thread per atom leaves too few threads in flight
/// to hide the latency of the neighbour gathers.
pub const TPA: u32 = 8;

/// Kinetic-energy partial sums the force kernel writes: one per workgroup holding bath atoms.
pub fn partials(nbath: usize) -> u32 {
    nbath.div_ceil((FORCE_WG / TPA) as usize) as u32
}

/// Per-replica parameters in the scalar buffer, from `prm` on (host-written at restore, read-only to the
/// kernels): what replicas of one batch may differ in (the controller and the baths' targets and thermostats),
/// so that one compiled kernel serves them all and a replica computes exactly what a single run of its scenario
/// computes. Offsets from `prm`: κ, κ_C, κ_H, the controller's axis mask (3), the drag forces on the cold and
/// hot particle (3 + 3), then per bath b at `PRM_BATH + b · PB_STRIDE` the `PB_*` slots.
pub const PRM_KAPPA: usize = 0;
pub const PRM_KAPPA_COLD: usize = 1;
pub const PRM_KAPPA_HOT: usize = 2;
pub const PRM_MASK: usize = 3;
pub const PRM_DRAG: usize = 6;
pub const PRM_BATH: usize = 12;
/// k_B T₀ (eV), Q₁ and Q_j at T₀ (eV ps²), the kinetic-energy target N_f k_B T₀ (eV), the oscillation
/// amplitude k_B A (eV), and N_f τ², τ², N_f that scale the masses and target with k_B T(t).
pub const PB_KT: usize = 0;
pub const PB_Q1: usize = 1;
pub const PB_QJ: usize = 2;
pub const PB_KE_TARGET: usize = 3;
pub const PB_KT_AMP: usize = 4;
pub const PB_Q1_PER_KT: usize = 5;
pub const PB_TAU2: usize = 6;
pub const PB_NDOF: usize = 7;
pub const PB_STRIDE: usize = 8;
pub const PRM_LEN: usize = PRM_BATH + 2 * PB_STRIDE;

/// Per-replica words of the `flags` buffer (u32), replica r's block at r · FLAG_STRIDE: the list-rebuild
/// request (set by integrate1 or the host, cleared by the next scalar kernel), the largest neighbour count,
/// list builds, list capacity, the step clock (low, high word), whether the replica moves in the dispatches
/// now recorded (host-set), and the replica's integer parameters: oscillating bath (per bath), the phase per
/// step as a 64-bit fixed-point fraction (hi, lo per bath), chain length (per bath).
pub const F_REBUILD: usize = 0;
pub const F_MAXN: usize = 1;
pub const F_BUILDS: usize = 2;
pub const F_CAP: usize = 3;
pub const F_CLOCK: usize = 4;
pub const F_ACTIVE: usize = 6;
pub const F_OSC: usize = 7;
pub const F_PHASE: usize = 9;
pub const F_CHAIN: usize = 13;
pub const FLAG_STRIDE: usize = 16;

/// Where the chains, thermostat factors and Kahan ledger pairs sit in the scalar buffer.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Longest chain (at least 1): slots per chain for η̇ and for η̈.
    pub mch: usize,
    /// Chain b: η̇_j at ch + b·cs + j, η̈_j at ch + b·cs + mch + j.
    pub ch: usize,
    pub cs: usize,
    /// Pending velocity scale per bath, as its deficit 1 − f.
    pub scale: usize,
    /// Kinetic energy per bath at the step boundary, eV.
    pub ke: usize,
    /// The replica's parameters (`PRM_*`), PRM_LEN slots.
    pub prm: usize,
    /// Kahan pairs (sum, compensation): heat per bath, work and particle heat per body, impulse x y z, and
    /// the increments of η_j per bath.
    pub l_heat: usize,
    pub l_work: usize,
    pub l_pheat: usize,
    pub l_imp: usize,
    pub l_deta: usize,
    /// Ledger region [l_heat, len) and total length, in f32s.
    pub len: usize,
}

impl Layout {
    /// One layout for every replica of a batch: chain slots for the longest chain among them.
    pub fn covering(scs: &[&Scenario]) -> Layout {
        let mch = scs
            .iter()
            .flat_map(|sc| [&sc.cold, &sc.hot])
            .filter_map(|b| b.thermostat.map(|t| t.chain_length))
            .max()
            .unwrap_or(1)
            .max(1);
        let ch = 2 * BODY_STRIDE;
        let cs = 2 * mch;
        let scale = ch + 2 * cs;
        let ke = scale + 2;
        let prm = ke + 2;
        let l_heat = prm + PRM_LEN;
        let l_work = l_heat + 4;
        let l_pheat = l_work + 4;
        let l_imp = l_pheat + 4;
        let l_deta = l_imp + 6;
        let len = l_deta + 2 * 2 * mch;
        Layout {
            mch,
            ch,
            cs,
            scale,
            ke,
            prm,
            l_heat,
            l_work,
            l_pheat,
            l_imp,
            l_deta,
            len,
        }
    }
}

/// Cell grid of the neighbour-list build: cells no smaller than r_c + skin (as the CPU engine's).
pub fn cell_grid(sc: &Scenario, box_a: DVec3) -> [u32; 3] {
    let reach = sc.potential.cutoff_a + sc.potential.skin_a;
    let n = (box_a / reach).floor().max(DVec3::ONE);
    [n.x as u32, n.y as u32, n.z as u32]
}

/// The phase an oscillating bath advances per step, dt/P mod 1, as a 64-bit fixed-point fraction (units of
/// 2⁻⁶⁴): the WGSL multiplies it by the integer step count, so the phase after n steps is exact to the
/// rounding of dt/P itself (relative 1e-16), however long the run.
pub fn phase_per_step(dt_ps: f64, period_ps: f64) -> u64 {
    ((dt_ps / period_ps).fract() * 2f64.powi(64)) as u64
}

fn f(x: f64) -> String {
    // Shortest representation that round-trips the f32 value; an abstract-float literal in WGSL.
    format!("{:e}", x as f32)
}

fn v3(v: DVec3) -> String {
    format!("vec3<f32>({}, {}, {})", f(v.x), f(v.y), f(v.z))
}

/// The WGSL constant block for `sc` and `sys` in an engine of `replicas` replicas: everything the replicas
/// of one batch share (atom ranges, box, timestep, masses, cell grid, bodies, cut-offs, layouts). What a
/// replica may change is in its scalar and flag blocks ([`replica_params`]), so two scenarios can share a
/// batch exactly when their blocks here are equal.
pub fn wgsl_constants(sc: &Scenario, sys: &System, lay: &Layout, replicas: usize) -> String {
    let mut o = String::new();
    let offsets = layout_offsets(lay)
        .into_iter()
        .map(|(name, v)| (name.to_string(), "u32", format!("{v}u")));
    for (name, ty, val) in sizes(sc, sys, replicas)
        .into_iter()
        .chain(dynamics(sc, sys))
        .chain(offsets)
    {
        writeln!(o, "const {name}: {ty} = {val};").expect("writing to a String");
    }
    o
}

/// A WGSL constant: name, type, value as WGSL source.
type Const = (String, &'static str, String);

fn c(name: impl Into<String>, ty: &'static str, val: String) -> Const {
    (name.into(), ty, val)
}

fn u(x: usize) -> String {
    format!("{x}u")
}

/// Atom ranges, replicas, workgroup sizes, box, cell grid, group tables and cut-offs.
fn sizes(sc: &Scenario, sys: &System, replicas: usize) -> Vec<Const> {
    let n = sys.len();
    let r = &sys.ranges;
    let nbath = r[Group::HotBath as usize].end;
    let body_start = r[Group::ColdParticle as usize].start;
    let cells = cell_grid(sc, sys.box_a);
    let pot = &sc.potential;
    let reach = pot.cutoff_a + pot.skin_a;
    vec![
        c("R", "u32", u(replicas)),
        c("N", "u32", u(n)),
        c("NTOT", "u32", u(n * replicas)),
        c("NBATH", "u32", u(nbath)),
        c("COLD_END", "u32", u(r[Group::ColdBath as usize].end)),
        c("BODY_START", "u32", u(body_start)),
        c("B0_START", "u32", u(body_start)),
        c("B1_START", "u32", u(r[Group::HotParticle as usize].start)),
        c("NBODIES", "u32", u(sys.bodies.len())),
        c("NPARTIAL", "u32", u(partials(nbath) as usize)),
        c("FORCE_WG", "u32", format!("{FORCE_WG}u")),
        c("TPA", "u32", format!("{TPA}u")),
        c("BOX", "vec3<f32>", v3(sys.box_a)),
        c(
            "NCELL",
            "vec3<u32>",
            format!("vec3<u32>({}u, {}u, {}u)", cells[0], cells[1], cells[2]),
        ),
        c("NCELLS", "u32", u(cells.iter().product::<u32>() as usize)),
        // Widths of the per-group tables (coef, energy): from `Group::COUNT`, never literals in the WGSL.
        c("NGROUP", "u32", u(Group::COUNT)),
        c("GROUP_PAIRS", "u32", u(Group::COUNT * Group::COUNT)),
        c("NCOEF", "u32", u(COEF_LEN)),
        c("REACH2", "f32", f(reach * reach)),
        c("RC2", "f32", f(pot.cutoff_a * pot.cutoff_a)),
        c("HALF_SKIN2", "f32", f(0.25 * pot.skin_a * pot.skin_a)),
    ]
}

/// Timestep and the velocity-Verlet factors: half kicks dt/(2m) of bath atoms and bodies (in MVV2E units),
/// kinetic-energy factors m/2, the bodies' traps and principal moments of inertia.
fn dynamics(sc: &Scenario, sys: &System) -> Vec<Const> {
    let dt = sc.dt_ps();
    let mut v = vec![c("DT", "f32", f(dt))];
    for b in 0..2 {
        let m = sys.group_mass[b];
        v.push(c(format!("KICK_{b}"), "f32", f(0.5 * dt / (m * MVV2E))));
        v.push(c(format!("KE_C_{b}"), "f32", f(0.5 * m * MVV2E)));
    }
    for k in 0..2 {
        let (trap, inertia, mass) = match sys.bodies.get(k) {
            Some(b) => (b.trap_center, b.inertia, b.mass),
            None => (DVec3::ZERO, DVec3::ONE, 1.0),
        };
        v.push(c(format!("TRAP_{k}"), "vec3<f32>", v3(trap)));
        v.push(c(format!("INERTIA_{k}"), "vec3<f32>", v3(inertia)));
        v.push(c(
            format!("BODY_KICK_{k}"),
            "f32",
            f(0.5 * dt / (mass * MVV2E)),
        ));
    }
    v.push(c("ANG_KICK", "f32", f(0.5 * dt / MVV2E)));
    v.push(c("IMPULSE_C", "f32", f(0.5 * dt / MVV2E)));
    v
}

/// Offsets into the scalar buffer and the flag block, by the names the WGSL uses.
fn layout_offsets(lay: &Layout) -> Vec<(&'static str, usize)> {
    vec![
        ("BODY_STRIDE", BODY_STRIDE),
        ("B_X", B_X),
        ("B_V", B_V),
        ("B_Q", B_Q),
        ("B_L", B_L),
        ("B_F", B_F),
        ("B_T", B_T),
        ("B_X0", B_X0),
        ("B_W0", B_W0),
        ("B_F0", B_F0),
        ("B_T0", B_T0),
        ("B_C0", B_C0),
        ("MCH", lay.mch),
        ("CH", lay.ch),
        ("CS", lay.cs),
        ("SCALE", lay.scale),
        ("KE", lay.ke),
        ("P_KAPPA", lay.prm + PRM_KAPPA),
        ("P_KAPPA_COLD", lay.prm + PRM_KAPPA_COLD),
        ("P_KAPPA_HOT", lay.prm + PRM_KAPPA_HOT),
        ("P_MASK", lay.prm + PRM_MASK),
        ("P_DRAG", lay.prm + PRM_DRAG),
        ("P_BATH", lay.prm + PRM_BATH),
        ("PB_KT", PB_KT),
        ("PB_Q1", PB_Q1),
        ("PB_QJ", PB_QJ),
        ("PB_KE_TARGET", PB_KE_TARGET),
        ("PB_KT_AMP", PB_KT_AMP),
        ("PB_Q1_PER_KT", PB_Q1_PER_KT),
        ("PB_TAU2", PB_TAU2),
        ("PB_NDOF", PB_NDOF),
        ("PB_STRIDE", PB_STRIDE),
        ("L_HEAT", lay.l_heat),
        ("L_WORK", lay.l_work),
        ("L_PHEAT", lay.l_pheat),
        ("L_IMP", lay.l_imp),
        ("L_DETA", lay.l_deta),
        ("S_LEN", lay.len),
        ("F_REBUILD", F_REBUILD),
        ("F_MAXN", F_MAXN),
        ("F_BUILDS", F_BUILDS),
        ("F_CAP", F_CAP),
        ("F_CLOCK", F_CLOCK),
        ("F_ACTIVE", F_ACTIVE),
        ("F_OSC", F_OSC),
        ("F_PHASE", F_PHASE),
        ("F_CHAIN", F_CHAIN),
        ("FLAG_STRIDE", FLAG_STRIDE),
    ]
}

/// What a replica may differ in: its `PRM_LEN` scalar parameters (f32, as the kernels read them) and its
/// integer parameter words of the flag block (F_OSC, F_PHASE, F_CHAIN; the other words zero).
pub struct ReplicaParams {
    pub scalars: [f32; PRM_LEN],
    pub flags: [u32; FLAG_STRIDE],
}

/// The replica parameters of `sc`: the controller (seed 000, Eq. 17–19: κ, κ_C, κ_H, axis mask, drag) and per
/// bath the Nosé–Hoover chain's target and masses (NoseHooverChain::masses: Q₁ = N_f k_B T τ², Q_j = k_B T τ²),
/// with an oscillating target T(t) = T₀ + A sin(2πt/P) (seed 002 in MD; TemperatureProtocol) given by k_B A
/// and the phase per step, from which the WGSL scales masses and target with k_B T(t) at every half step.
pub fn replica_params(sc: &Scenario, sys: &System) -> ReplicaParams {
    let ctrl = Controller::new(&sc.controller);
    let mut s = [0f32; PRM_LEN];
    let mut fl = [0u32; FLAG_STRIDE];
    s[PRM_KAPPA] = ctrl.kappa as f32;
    s[PRM_KAPPA_COLD] = ctrl.kappa_cold as f32;
    s[PRM_KAPPA_HOT] = ctrl.kappa_hot as f32;
    let put = |s: &mut [f32; PRM_LEN], at: usize, v: DVec3| {
        s[at..at + 3].copy_from_slice(&[v.x as f32, v.y as f32, v.z as f32]);
    };
    put(&mut s, PRM_MASK, ctrl.mask);
    put(&mut s, PRM_DRAG, ctrl.drag[0]);
    put(&mut s, PRM_DRAG + 3, ctrl.drag[1]);
    let dt = sc.dt_ps();
    let baths = Baths::new(sc, sys);
    for (b, bath) in [&sc.cold, &sc.hot].into_iter().enumerate() {
        let ndof = baths.ndof[b];
        let kt = KB_EV_PER_K * bath.temperature_k;
        let (len, tau) = bath
            .thermostat
            .map_or((0, 1.0), |t| (t.chain_length, t.damping_ps));
        let protocol = baths.target_t[b];
        let phase = phase_per_step(dt, protocol.period_ps);
        let o = PRM_BATH + b * PB_STRIDE;
        s[o + PB_KT] = kt as f32;
        s[o + PB_Q1] = (ndof * kt * tau * tau) as f32;
        s[o + PB_QJ] = (kt * tau * tau) as f32;
        s[o + PB_KE_TARGET] = (ndof * kt) as f32;
        s[o + PB_KT_AMP] = (KB_EV_PER_K * protocol.amplitude_k) as f32;
        s[o + PB_Q1_PER_KT] = (ndof * tau * tau) as f32;
        s[o + PB_TAU2] = (tau * tau) as f32;
        s[o + PB_NDOF] = ndof as f32;
        fl[F_OSC + b] = u32::from(!protocol.is_constant() && len > 0);
        fl[F_PHASE + 2 * b] = (phase >> 32) as u32;
        fl[F_PHASE + 2 * b + 1] = (phase & 0xffff_ffff) as u32;
        fl[F_CHAIN + b] = len as u32;
    }
    ReplicaParams {
        scalars: s,
        flags: fl,
    }
}

#[cfg(test)]
mod tests {
    use super::phase_per_step;

    /// The fixed-point phase times a step count, the high 32 bits taken as the WGSL does, against n·dt/P
    /// mod 1 in f64: equal to 2⁻³¹ of a period at steps beyond 2³² too, where the high word of n matters.
    #[test]
    fn fixed_point_phase_matches_the_f64_phase() {
        let (dt, period) = (0.001, 10.0);
        let a = phase_per_step(dt, period);
        for n in [0u64, 1, 2500, 9_999, 123_456_789, (1 << 32) + 7_500] {
            let top = (n.wrapping_mul(a) >> 32) as f64 / 2f64.powi(32);
            let exact = ((n as u128 * 1_000_000) % 10_000_000_000) as f64 / 1e10;
            let d = (top - exact).abs().min(1.0 - (top - exact).abs());
            assert!(d < 2f64.powi(-31), "step {n}: {top} vs {exact}");
        }
    }
}
