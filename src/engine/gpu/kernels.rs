//! Buffers, pipelines and the recording of MD steps into command buffers.
//!
//! Each kernel has its own bind group holding only the buffers it uses (md_common.wgsl declares all of them,
//! with fixed binding numbers): wgpu validates and tracks every buffer of the bound groups at every dispatch,
//! so binding 17 buffers to a kernel that uses 2 made recording cost as much host time as the GPU spends on
//! the step. The rebuild kernels' indirect arguments are written by integrate1 and zeroed by the force
//! kernel, never bound to the rebuild kernels themselves (wgpu forbids a buffer being storage and indirect
//! in the same dispatch), so the step needs no separate decision dispatch.

use super::prelude::{FLAG_STRIDE, FORCE_WG, TPA};
use crate::gpu::GpuContext;
use crate::system::Group;
use wgpu::util::DeviceExt;

const GEOMETRY: &str = include_str!("../../../shaders/md_geometry.wgsl");
const COMMON: &str = include_str!("../../../shaders/md_common.wgsl");
const STEP: &str = include_str!("../../../shaders/md_step.wgsl");
const INTEGRATE: &str = include_str!("../../../shaders/md_integrate.wgsl");
const NEIGHBOR: &str = include_str!("../../../shaders/md_neighbor.wgsl");
const FORCES: &str = include_str!("../../../shaders/md_forces.wgsl");

/// Storage buffers md_common.wgsl declares, checked against the WGSL in `contract`.
pub(super) const MAIN_BINDINGS: u32 = 18;

/// Binding numbers of md_common.wgsl (the order of [`Buffers::bound`]).
pub(super) mod slot {
    pub const POS: u32 = 0;
    pub const VEL: u32 = 1;
    pub const FORCE: u32 = 2;
    pub const REFPOS: u32 = 3;
    pub const BCOORD: u32 = 4;
    pub const CELL_COUNT: u32 = 5;
    pub const CELL_START: u32 = 6;
    pub const CELL_ATOMS: u32 = 7;
    pub const ATOM_CELL: u32 = 8;
    pub const ATOM_SLOT: u32 = 9;
    pub const NLIST: u32 = 10;
    pub const NCOUNT: u32 = 11;
    pub const PARTIAL: u32 = 12;
    pub const S: u32 = 13;
    pub const FLAGS: u32 = 14;
    pub const COEF: u32 = 16;
    pub const ARGS: u32 = 17;
}

/// The md_common.wgsl bindings kernel `entry` uses (its entry point and the functions it calls), checked
/// against the WGSL in `contract`. A binding missing here would also fail pipeline creation (wgpu checks
/// the shader's uses against the layout), which `GpuEngine::new` reports as an error.
pub(super) fn uses(entry: &str) -> &'static [u32] {
    use slot::*;
    match entry {
        "scalar_start" => &[S, FLAGS],
        "scalar_end_start" | "scalar_end" => &[FORCE, BCOORD, PARTIAL, S, FLAGS],
        "integrate1" => &[POS, VEL, FORCE, REFPOS, BCOORD, S, FLAGS, ARGS],
        "body_forces" => &[FORCE, BCOORD, S, FLAGS],
        "apply_scale" => &[VEL, S, FLAGS],
        "bin" => &[POS, CELL_COUNT, ATOM_CELL, ATOM_SLOT, FLAGS],
        "scan" => &[CELL_COUNT, CELL_START, FLAGS],
        "scatter" => &[CELL_START, CELL_ATOMS, ATOM_CELL, ATOM_SLOT, FLAGS],
        "sort_cells" => &[CELL_START, CELL_ATOMS, FLAGS],
        "build_list" => &[
            POS, REFPOS, CELL_START, CELL_ATOMS, NLIST, NCOUNT, FLAGS, COEF,
        ],
        _ => unreachable!("kernel {entry} has no binding list"),
    }
}

/// The kernels of the md_common.wgsl family, each bound with [`uses`].
#[cfg(test)]
pub(super) const BOUND_KERNELS: [&str; 11] = [
    "scalar_start",
    "scalar_end_start",
    "scalar_end",
    "integrate1",
    "body_forces",
    "apply_scale",
    "bin",
    "scan",
    "scatter",
    "sort_cells",
    "build_list",
];
/// Storage buffers of the force kernels' bind group (md_forces.wgsl), the first `FORCES_READ_ONLY` read-only.
pub(super) const FORCES_BINDINGS: u32 = 10;
pub(super) const FORCES_READ_ONLY: u32 = 4;

/// Bindings of the main bind group, in binding order (see md_common.wgsl).
pub struct Buffers {
    pub pos: wgpu::Buffer,
    pub vel: wgpu::Buffer,
    pub force: wgpu::Buffer,
    pub refpos: wgpu::Buffer,
    pub bcoord: wgpu::Buffer,
    pub cell_count: wgpu::Buffer,
    pub cell_start: wgpu::Buffer,
    pub cell_atoms: wgpu::Buffer,
    pub atom_cell: wgpu::Buffer,
    pub atom_slot: wgpu::Buffer,
    pub nlist: wgpu::Buffer,
    pub ncount: wgpu::Buffer,
    pub partial: wgpu::Buffer,
    pub scalars: wgpu::Buffer,
    pub flags: wgpu::Buffer,
    pub energy: wgpu::Buffer,
    pub coef: wgpu::Buffer,
    /// Indirect dispatch arguments of the five rebuild kernels.
    pub args: wgpu::Buffer,
}

/// Indirect arguments (x, y, z) of bin, scan, scatter, sort_cells, build_list for a build of `atoms` atoms
/// in `cells` cells per replica (the x counts md_integrate.wgsl's `request_rebuild` writes), or with x = 0
/// for none; y is the number of replicas (which replicas build is each one's own F_REBUILD flag).
pub fn rebuild_args(atoms: u32, cells: u32, replicas: u32, build: bool) -> [u32; 15] {
    let x = [
        atoms.div_ceil(256),
        1,
        atoms.div_ceil(256),
        cells.div_ceil(64),
        atoms.div_ceil(64),
    ];
    let mut a = [1u32; 15];
    for k in 0..5 {
        a[3 * k] = if build { x[k] } else { 0 };
        a[3 * k + 1] = replicas;
    }
    a
}

impl Buffers {
    /// The buffers md_common.wgsl declares, in binding order.
    pub fn bound(&self) -> [&wgpu::Buffer; MAIN_BINDINGS as usize] {
        [
            &self.pos,
            &self.vel,
            &self.force,
            &self.refpos,
            &self.bcoord,
            &self.cell_count,
            &self.cell_start,
            &self.cell_atoms,
            &self.atom_cell,
            &self.atom_slot,
            &self.nlist,
            &self.ncount,
            &self.partial,
            &self.scalars,
            &self.flags,
            &self.energy,
            &self.coef,
            &self.args,
        ]
    }
}

/// A kernel of md_common.wgsl's family with its own bind group of the buffers it uses.
pub struct Bound {
    pipe: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    uses: &'static [u32],
    bg: wgpu::BindGroup,
}

impl Bound {
    fn new(
        device: &wgpu::Device,
        module: &wgpu::ShaderModule,
        entry: &str,
        buf: &Buffers,
    ) -> Bound {
        let uses = uses(entry);
        let entries: Vec<_> = uses.iter().map(|&b| storage_entry(b, false)).collect();
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(entry),
            entries: &entries,
        });
        let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(entry),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let bg = Self::bind(device, &layout, uses, buf);
        Bound {
            pipe: pipeline(device, &pl, module, entry),
            layout,
            uses,
            bg,
        }
    }

    fn bind(
        device: &wgpu::Device,
        layout: &wgpu::BindGroupLayout,
        uses: &[u32],
        buf: &Buffers,
    ) -> wgpu::BindGroup {
        let all = buf.bound();
        let entries: Vec<_> = uses
            .iter()
            .map(|&b| wgpu::BindGroupEntry {
                binding: b,
                resource: all[b as usize].as_entire_binding(),
            })
            .collect();
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout,
            entries: &entries,
        })
    }

    /// Binds the kernel and its buffers to the pass.
    pub fn set(&self, pass: &mut wgpu::ComputePass) {
        pass.set_pipeline(&self.pipe);
        pass.set_bind_group(0, &self.bg, &[]);
    }
}

/// Every kernel, by name.
pub struct Pipelines {
    pub scalar_start: Bound,
    pub scalar_end_start: Bound,
    pub scalar_end: Bound,
    pub integrate1: Bound,
    pub body_forces: Bound,
    pub apply_scale: Bound,
    pub bin: Bound,
    pub scan: Bound,
    pub scatter: Bound,
    pub sort_cells: Bound,
    pub build_list: Bound,
    pub forces_kick: wgpu::ComputePipeline,
    pub forces: wgpu::ComputePipeline,
    pub energies: wgpu::ComputePipeline,
}

/// Sizes that fix the dispatch grids (per replica; every dispatch has y = replicas).
#[derive(Clone, Copy, Debug)]
pub struct Grid {
    pub replicas: u32,
    pub atoms: u32,
    pub bath_wg: u32,
    pub partials: u32,
}

pub struct Kernels {
    pub buf: Buffers,
    pub pipe: Pipelines,
    forces_layout: wgpu::BindGroupLayout,
    forces_bg: wgpu::BindGroup,
    pub grid: Grid,
    cells: u32,
}

/// Which scalar kernel opens a step.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// First step of an advance: no step to close.
    Start,
    /// Closes the previous step and opens this one in one dispatch.
    EndStart,
}

/// One kernel dispatch of a step, for per-kernel timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Scalar,
    Integrate,
    Bin,
    Scan,
    Scatter,
    SortCells,
    BuildList,
    Forces,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Scalar,
        Stage::Integrate,
        Stage::Bin,
        Stage::Scan,
        Stage::Scatter,
        Stage::SortCells,
        Stage::BuildList,
        Stage::Forces,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Scalar => "scalar (NHC, bodies, ledger)",
            Stage::Integrate => "integrate1 (kick, drift, skin check, rebuild request)",
            Stage::Bin => "bin",
            Stage::Scan => "cell prefix sum",
            Stage::Scatter => "scatter",
            Stage::SortCells => "sort cells",
            Stage::BuildList => "build list",
            Stage::Forces => "LJ forces + second half kick + Σ|v|² partials",
        }
    }
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// A layout of `n` storage buffers, the first `read_only` of them read-only.
fn layout(device: &wgpu::Device, n: u32, read_only: u32, label: &str) -> wgpu::BindGroupLayout {
    let entries: Vec<_> = (0..n).map(|b| storage_entry(b, b < read_only)).collect();
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries: &entries,
    })
}

fn bind_group(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    bufs: &[&wgpu::Buffer],
) -> wgpu::BindGroup {
    let entries: Vec<_> = bufs
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: b.as_entire_binding(),
        })
        .collect();
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout,
        entries: &entries,
    })
}

fn module(device: &wgpu::Device, label: &str, source: String) -> wgpu::ShaderModule {
    // SAFETY: the kernels index only within the buffers the host sizes for them (atom index < N, cell index
    // < NCELLS, list slot < capacity, scalar offsets < layout length, all checked in the shaders or fixed by
    // construction); runtime bounds checks would only slow the inner force loop.
    unsafe {
        device.create_shader_module_trusted(
            wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            },
            wgpu::ShaderRuntimeChecks::unchecked(),
        )
    }
}

fn pipeline(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    module: &wgpu::ShaderModule,
    entry: &str,
) -> wgpu::ComputePipeline {
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry),
        layout: Some(layout),
        module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}

/// What the host fills at creation (the replicas' states come later, through `GpuEngine::restore`).
pub struct Init<'a> {
    pub bcoord: &'a [[f32; 4]],
    pub coef: &'a [[f32; 4]],
    /// Length of one replica's scalar block.
    pub scalars: usize,
    /// Cells per replica.
    pub cells: u32,
    pub list_capacity: u32,
}

impl Kernels {
    pub fn new(ctx: &GpuContext, constants: &str, init: &Init, grid: Grid) -> Kernels {
        let device = &ctx.device;
        let reps = grid.replicas as u64;
        let n = reps * grid.atoms as u64;
        let usage = wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC;
        let with = |label: &str, bytes: &[u8]| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytes,
                usage,
            })
        };
        let zeroed = |label: &str, size: u64| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(16),
                usage,
                mapped_at_creation: false,
            })
        };
        let bcoord: Vec<[f32; 4]> = if init.bcoord.is_empty() {
            vec![[0.0; 4]]
        } else {
            init.bcoord.to_vec()
        };
        let cells = init.cells as u64;
        let buf = Buffers {
            pos: zeroed("pos", 16 * n),
            vel: zeroed("vel", 16 * n),
            force: zeroed("force", 16 * n),
            refpos: zeroed("refpos", 16 * n),
            bcoord: with("bcoord", bytemuck::cast_slice(&bcoord)),
            cell_count: zeroed("cell_count", 4 * reps * cells),
            cell_start: zeroed("cell_start", 4 * reps * (cells + 1)),
            cell_atoms: zeroed("cell_atoms", 4 * n),
            atom_cell: zeroed("atom_cell", 4 * n),
            atom_slot: zeroed("atom_slot", 4 * n),
            nlist: zeroed("nlist", 4 * n * init.list_capacity as u64),
            ncount: zeroed("ncount", 4 * n),
            partial: zeroed("partial", 8 * reps * grid.partials as u64),
            scalars: zeroed("scalars", 4 * reps * init.scalars as u64),
            flags: zeroed("flags", 4 * reps * FLAG_STRIDE as u64),
            energy: zeroed("energy", 4 * Group::COUNT as u64 * n),
            coef: with("coef", bytemuck::cast_slice(init.coef)),
            args: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("rebuild args"),
                contents: bytemuck::cast_slice(&rebuild_args(
                    grid.atoms,
                    init.cells,
                    grid.replicas,
                    false,
                )),
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::INDIRECT
                    | wgpu::BufferUsages::COPY_DST,
            }),
        };
        let forces_layout = layout(device, FORCES_BINDINGS, FORCES_READ_ONLY, "md forces");
        let pl = |l: &wgpu::BindGroupLayout| {
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: None,
                bind_group_layouts: &[Some(l)],
                immediate_size: 0,
            })
        };
        let forces_pl = pl(&forces_layout);
        let src = |family: &str| format!("{constants}\n{GEOMETRY}\n{COMMON}\n{family}");
        let step = module(device, "md_step", src(STEP));
        let integrate = module(device, "md_integrate", src(INTEGRATE));
        let neighbor = module(device, "md_neighbor", src(NEIGHBOR));
        let forces = module(
            device,
            "md_forces",
            format!("{constants}\n{GEOMETRY}\n{FORCES}"),
        );
        let p = |m: &wgpu::ShaderModule, e: &str| Bound::new(device, m, e, &buf);
        let pipe = Pipelines {
            scalar_start: p(&step, "scalar_start"),
            scalar_end_start: p(&step, "scalar_end_start"),
            scalar_end: p(&step, "scalar_end"),
            integrate1: p(&integrate, "integrate1"),
            body_forces: p(&step, "body_forces"),
            apply_scale: p(&integrate, "apply_scale"),
            bin: p(&neighbor, "bin"),
            scan: p(&neighbor, "scan"),
            scatter: p(&neighbor, "scatter"),
            sort_cells: p(&neighbor, "sort_cells"),
            build_list: p(&neighbor, "build_list"),
            forces_kick: pipeline(device, &forces_pl, &forces, "forces_kick"),
            forces: pipeline(device, &forces_pl, &forces, "forces"),
            energies: pipeline(device, &forces_pl, &forces, "energies"),
        };
        let forces_bg = Self::forces_bind_group(device, &forces_layout, &buf);
        Kernels {
            buf,
            pipe,
            forces_layout,
            forces_bg,
            grid,
            cells: init.cells,
        }
    }

    fn forces_bind_group(
        device: &wgpu::Device,
        layout: &wgpu::BindGroupLayout,
        b: &Buffers,
    ) -> wgpu::BindGroup {
        bind_group(
            device,
            layout,
            &[
                &b.pos, &b.nlist, &b.ncount, &b.coef, &b.force, &b.energy, &b.vel, &b.partial,
                &b.args, &b.flags,
            ],
        )
    }

    /// Replaces the neighbour-list storage with room for `capacity` neighbours per atom.
    pub fn resize_list(&mut self, device: &wgpu::Device, capacity: u32) {
        self.buf.nlist = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("nlist"),
            size: 4 * self.grid.replicas as u64 * self.grid.atoms as u64 * capacity as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let k = &mut self.pipe.build_list;
        k.bg = Bound::bind(device, &k.layout, k.uses, &self.buf);
        self.forces_bg = Self::forces_bind_group(device, &self.forces_layout, &self.buf);
    }

    fn wg(n: u32, size: u32) -> u32 {
        n.div_ceil(size)
    }

    /// Records one kernel of the step.
    pub fn record_stage(&self, pass: &mut wgpu::ComputePass, stage: Stage, opening: Opening) {
        let p = &self.pipe;
        let g = self.grid;
        let indirect = |pass: &mut wgpu::ComputePass, kernel: &Bound, k: u64| {
            kernel.set(pass);
            pass.dispatch_workgroups_indirect(&self.buf.args, 12 * k);
        };
        match stage {
            Stage::Scalar => {
                match opening {
                    Opening::Start => p.scalar_start.set(pass),
                    Opening::EndStart => p.scalar_end_start.set(pass),
                }
                pass.dispatch_workgroups(1, g.replicas, 1);
            }
            Stage::Integrate => {
                p.integrate1.set(pass);
                pass.dispatch_workgroups(Self::wg(g.atoms, 256), g.replicas, 1);
            }
            Stage::Bin => indirect(pass, &p.bin, 0),
            Stage::Scan => indirect(pass, &p.scan, 1),
            Stage::Scatter => indirect(pass, &p.scatter, 2),
            Stage::SortCells => indirect(pass, &p.sort_cells, 3),
            Stage::BuildList => indirect(pass, &p.build_list, 4),
            Stage::Forces => {
                pass.set_pipeline(&p.forces_kick);
                pass.set_bind_group(0, &self.forces_bg, &[]);
                pass.dispatch_workgroups(Self::wg(g.atoms, FORCE_WG / TPA), g.replicas, 1);
            }
        }
    }

    /// Records `steps` whole steps (the last one left open: close it with [`Kernels::record_close`]).
    pub fn record_steps(&self, pass: &mut wgpu::ComputePass, steps: u64, first: Opening) {
        for s in 0..steps {
            let opening = if s == 0 { first } else { Opening::EndStart };
            for stage in Stage::ALL {
                self.record_stage(pass, stage, opening);
            }
        }
    }

    /// Closes the last step: its second thermostat half step, then the pending velocity scale.
    pub fn record_close(&self, pass: &mut wgpu::ComputePass) {
        let r = self.grid.replicas;
        self.pipe.scalar_end.set(pass);
        pass.dispatch_workgroups(1, r, 1);
        self.pipe.apply_scale.set(pass);
        pass.dispatch_workgroups(self.grid.bath_wg.max(1), r, 1);
    }

    /// Makes the next recorded rebuild kernels build replica `r`'s list (for [`Kernels::record_refresh`]).
    pub fn request_rebuild(&self, queue: &wgpu::Queue, r: usize) {
        let args = rebuild_args(self.grid.atoms, self.cells, self.grid.replicas, true);
        queue.write_buffer(&self.buf.args, 0, bytemuck::cast_slice(&args));
        queue.write_buffer(
            &self.buf.flags,
            4 * (r * FLAG_STRIDE + super::prelude::F_REBUILD) as u64,
            bytemuck::bytes_of(&1u32),
        );
    }

    /// A neighbour-list build (requested first with [`Kernels::request_rebuild`]), the forces (no kick) and
    /// the bodies' forces and torques at the current positions.
    pub fn record_refresh(&self, pass: &mut wgpu::ComputePass) {
        for stage in [
            Stage::Bin,
            Stage::Scan,
            Stage::Scatter,
            Stage::SortCells,
            Stage::BuildList,
        ] {
            self.record_stage(pass, stage, Opening::Start);
        }
        pass.set_pipeline(&self.pipe.forces);
        pass.set_bind_group(0, &self.forces_bg, &[]);
        let r = self.grid.replicas;
        pass.dispatch_workgroups(Self::wg(self.grid.atoms, FORCE_WG / TPA), r, 1);
        self.pipe.body_forces.set(pass);
        pass.dispatch_workgroups(1, r, 1);
    }

    /// Per-atom pair energies by partner group, for a sampling point.
    pub fn record_energies(&self, pass: &mut wgpu::ComputePass) {
        pass.set_bind_group(0, &self.forces_bg, &[]);
        pass.set_pipeline(&self.pipe.energies);
        pass.dispatch_workgroups(Self::wg(self.grid.atoms, 64), self.grid.replicas, 1);
    }
}
