//! Buffers, pipelines and the recording of MD steps into command buffers.
//!
//! One bind group holds every buffer (all read_write storage) so a step binds once per pass; the rebuild
//! decision has its own tiny bind group because its output is then used as indirect dispatch arguments,
//! and wgpu forbids a buffer being storage and indirect in the same dispatch.

use super::prelude::{FORCE_WG, TPA};
use crate::gpu::GpuContext;
use wgpu::util::DeviceExt;

const GEOMETRY: &str = include_str!("../../../shaders/md_geometry.wgsl");
const COMMON: &str = include_str!("../../../shaders/md_common.wgsl");
const STEP: &str = include_str!("../../../shaders/md_step.wgsl");
const INTEGRATE: &str = include_str!("../../../shaders/md_integrate.wgsl");
const NEIGHBOR: &str = include_str!("../../../shaders/md_neighbor.wgsl");
const FORCES: &str = include_str!("../../../shaders/md_forces.wgsl");
const DECIDE: &str = include_str!("../../../shaders/md_decide.wgsl");

/// Storage buffers of the main bind group (md_common.wgsl), checked against the WGSL in `contract`.
pub(super) const MAIN_BINDINGS: u32 = 17;
/// Storage buffers of the rebuild decision's bind group (md_decide.wgsl).
pub(super) const DECIDE_BINDINGS: u32 = 2;
/// Storage buffers of the force kernels' bind group (md_forces.wgsl), the first `FORCES_READ_ONLY` read-only.
pub(super) const FORCES_BINDINGS: u32 = 8;
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

impl Buffers {
    /// The buffers of the main bind group, in binding order (everything but `args`).
    pub fn bound(&self) -> [&wgpu::Buffer; 17] {
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
        ]
    }
}

/// Every kernel, by name.
pub struct Pipelines {
    pub scalar_start: wgpu::ComputePipeline,
    pub scalar_end_start: wgpu::ComputePipeline,
    pub scalar_end: wgpu::ComputePipeline,
    pub integrate1: wgpu::ComputePipeline,
    pub body_forces: wgpu::ComputePipeline,
    pub apply_scale: wgpu::ComputePipeline,
    pub decide: wgpu::ComputePipeline,
    pub bin: wgpu::ComputePipeline,
    pub scan: wgpu::ComputePipeline,
    pub scatter: wgpu::ComputePipeline,
    pub sort_cells: wgpu::ComputePipeline,
    pub build_list: wgpu::ComputePipeline,
    pub forces_kick: wgpu::ComputePipeline,
    pub forces: wgpu::ComputePipeline,
    pub energies: wgpu::ComputePipeline,
}

/// Sizes that fix the dispatch grids.
#[derive(Clone, Copy, Debug)]
pub struct Grid {
    pub atoms: u32,
    pub bath_wg: u32,
    pub partials: u32,
}

pub struct Kernels {
    pub buf: Buffers,
    pub pipe: Pipelines,
    main_layout: wgpu::BindGroupLayout,
    forces_layout: wgpu::BindGroupLayout,
    pub main_bg: wgpu::BindGroup,
    pub decide_bg: wgpu::BindGroup,
    forces_bg: wgpu::BindGroup,
    pub grid: Grid,
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
    Decide,
    Bin,
    Scan,
    Scatter,
    SortCells,
    BuildList,
    Forces,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Scalar,
        Stage::Integrate,
        Stage::Decide,
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
            Stage::Integrate => "integrate1 (kick, drift, skin check)",
            Stage::Decide => "rebuild decision",
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

/// Initial contents of the buffers the host fills.
pub struct Init<'a> {
    pub pos: &'a [[f32; 4]],
    pub vel: &'a [[f32; 4]],
    pub bcoord: &'a [[f32; 4]],
    pub scalars: &'a [f32],
    pub coef: &'a [[f32; 4]],
    pub cells: u32,
    pub list_capacity: u32,
}

impl Kernels {
    pub fn new(ctx: &GpuContext, constants: &str, init: &Init, grid: Grid) -> Kernels {
        let device = &ctx.device;
        let n = init.pos.len() as u64;
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
        let flags: [u32; 6] = [1, 0, 0, init.list_capacity, 0, 0];
        let buf = Buffers {
            pos: with("pos", bytemuck::cast_slice(init.pos)),
            vel: with("vel", bytemuck::cast_slice(init.vel)),
            force: zeroed("force", 16 * n),
            refpos: zeroed("refpos", 16 * n),
            bcoord: with("bcoord", bytemuck::cast_slice(&bcoord)),
            cell_count: zeroed("cell_count", 4 * cells),
            cell_start: zeroed("cell_start", 4 * (cells + 1)),
            cell_atoms: zeroed("cell_atoms", 4 * n),
            atom_cell: zeroed("atom_cell", 4 * n),
            atom_slot: zeroed("atom_slot", 4 * n),
            nlist: zeroed("nlist", 4 * n * init.list_capacity as u64),
            ncount: zeroed("ncount", 4 * n),
            partial: zeroed("partial", 8 * grid.partials as u64),
            scalars: with("scalars", bytemuck::cast_slice(init.scalars)),
            flags: with("flags", bytemuck::cast_slice(&flags)),
            energy: zeroed("energy", 20 * n),
            coef: with("coef", bytemuck::cast_slice(init.coef)),
            args: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("rebuild args"),
                size: 4 * 15,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::INDIRECT,
                mapped_at_creation: false,
            }),
        };
        let main_layout = layout(device, MAIN_BINDINGS, 0, "md main");
        let decide_layout = layout(device, DECIDE_BINDINGS, 0, "md decide");
        let forces_layout = layout(device, FORCES_BINDINGS, FORCES_READ_ONLY, "md forces");
        let pl = |l: &wgpu::BindGroupLayout| {
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: None,
                bind_group_layouts: &[Some(l)],
                immediate_size: 0,
            })
        };
        let main_pl = pl(&main_layout);
        let decide_pl = pl(&decide_layout);
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
        let decide = module(device, "md_decide", format!("{constants}\n{DECIDE}"));
        let p = |m: &wgpu::ShaderModule, e: &str| pipeline(device, &main_pl, m, e);
        let pipe = Pipelines {
            scalar_start: p(&step, "scalar_start"),
            scalar_end_start: p(&step, "scalar_end_start"),
            scalar_end: p(&step, "scalar_end"),
            integrate1: p(&integrate, "integrate1"),
            body_forces: p(&step, "body_forces"),
            apply_scale: p(&integrate, "apply_scale"),
            decide: pipeline(device, &decide_pl, &decide, "decide"),
            bin: p(&neighbor, "bin"),
            scan: p(&neighbor, "scan"),
            scatter: p(&neighbor, "scatter"),
            sort_cells: p(&neighbor, "sort_cells"),
            build_list: p(&neighbor, "build_list"),
            forces_kick: pipeline(device, &forces_pl, &forces, "forces_kick"),
            forces: pipeline(device, &forces_pl, &forces, "forces"),
            energies: pipeline(device, &forces_pl, &forces, "energies"),
        };
        let main_bg = Self::main_bind_group(device, &main_layout, &buf);
        let decide_bg = bind_group(device, &decide_layout, &[&buf.flags, &buf.args]);
        let forces_bg = Self::forces_bind_group(device, &forces_layout, &buf);
        Kernels {
            buf,
            pipe,
            main_layout,
            forces_layout,
            main_bg,
            decide_bg,
            forces_bg,
            grid,
        }
    }

    fn main_bind_group(
        device: &wgpu::Device,
        layout: &wgpu::BindGroupLayout,
        b: &Buffers,
    ) -> wgpu::BindGroup {
        bind_group(device, layout, &b.bound())
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
            ],
        )
    }

    /// Replaces the neighbour-list storage with room for `capacity` neighbours per atom.
    pub fn resize_list(&mut self, device: &wgpu::Device, capacity: u32) {
        self.buf.nlist = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("nlist"),
            size: 4 * self.grid.atoms as u64 * capacity as u64,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        self.main_bg = Self::main_bind_group(device, &self.main_layout, &self.buf);
        self.forces_bg = Self::forces_bind_group(device, &self.forces_layout, &self.buf);
    }

    fn wg(n: u32, size: u32) -> u32 {
        n.div_ceil(size)
    }

    /// Records one kernel of the step.
    pub fn record_stage(&self, pass: &mut wgpu::ComputePass, stage: Stage, opening: Opening) {
        let p = &self.pipe;
        let g = self.grid;
        let indirect = |pass: &mut wgpu::ComputePass, pl: &wgpu::ComputePipeline, k: u64| {
            pass.set_pipeline(pl);
            pass.dispatch_workgroups_indirect(&self.buf.args, 12 * k);
        };
        match stage {
            Stage::Scalar => {
                match opening {
                    Opening::Start => pass.set_pipeline(&p.scalar_start),
                    Opening::EndStart => pass.set_pipeline(&p.scalar_end_start),
                }
                pass.dispatch_workgroups(1, 1, 1);
            }
            Stage::Integrate => {
                pass.set_pipeline(&p.integrate1);
                pass.dispatch_workgroups(Self::wg(g.atoms, 256), 1, 1);
            }
            Stage::Decide => {
                pass.set_pipeline(&p.decide);
                pass.set_bind_group(0, &self.decide_bg, &[]);
                pass.dispatch_workgroups(1, 1, 1);
                pass.set_bind_group(0, &self.main_bg, &[]);
            }
            Stage::Bin => indirect(pass, &p.bin, 0),
            Stage::Scan => indirect(pass, &p.scan, 1),
            Stage::Scatter => indirect(pass, &p.scatter, 2),
            Stage::SortCells => indirect(pass, &p.sort_cells, 3),
            Stage::BuildList => indirect(pass, &p.build_list, 4),
            Stage::Forces => {
                pass.set_pipeline(&p.forces_kick);
                pass.set_bind_group(0, &self.forces_bg, &[]);
                pass.dispatch_workgroups(Self::wg(g.atoms, FORCE_WG / TPA), 1, 1);
                pass.set_bind_group(0, &self.main_bg, &[]);
            }
        }
    }

    /// Records `steps` whole steps (the last one left open: close it with [`Kernels::record_close`]).
    pub fn record_steps(&self, pass: &mut wgpu::ComputePass, steps: u64, first: Opening) {
        pass.set_bind_group(0, &self.main_bg, &[]);
        for s in 0..steps {
            let opening = if s == 0 { first } else { Opening::EndStart };
            for stage in Stage::ALL {
                self.record_stage(pass, stage, opening);
            }
        }
    }

    /// Closes the last step: its second thermostat half step, then the pending velocity scale.
    pub fn record_close(&self, pass: &mut wgpu::ComputePass) {
        pass.set_bind_group(0, &self.main_bg, &[]);
        pass.set_pipeline(&self.pipe.scalar_end);
        pass.dispatch_workgroups(1, 1, 1);
        pass.set_pipeline(&self.pipe.apply_scale);
        pass.dispatch_workgroups(self.grid.bath_wg.max(1), 1, 1);
    }

    /// A forced neighbour-list build, the forces (no kick) and the bodies' forces and torques at the current
    /// positions (the caller sets the rebuild flag first).
    pub fn record_refresh(&self, pass: &mut wgpu::ComputePass) {
        pass.set_bind_group(0, &self.main_bg, &[]);
        for stage in [
            Stage::Decide,
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
        pass.dispatch_workgroups(Self::wg(self.grid.atoms, FORCE_WG / TPA), 1, 1);
        pass.set_bind_group(0, &self.main_bg, &[]);
        pass.set_pipeline(&self.pipe.body_forces);
        pass.dispatch_workgroups(1, 1, 1);
    }

    /// Per-atom pair energies by partner group, for a sampling point.
    pub fn record_energies(&self, pass: &mut wgpu::ComputePass) {
        pass.set_bind_group(0, &self.forces_bg, &[]);
        pass.set_pipeline(&self.pipe.energies);
        pass.dispatch_workgroups(Self::wg(self.grid.atoms, 64), 1, 1);
    }
}
