//! Adapter selection and device creation.
//!
//! Why Vulkan by default: with no Vulkan driver, an all-backends wgpu silently picks Mesa's software
//! OpenGL adapter (llvmpipe), which is neither what a user asked for nor what CI means to test
//! (GPU-NOTES.md). We therefore ask for Vulkan unless `WGPU_BACKEND` says otherwise, and record the
//! adapter's backend and name in every output.

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

/// Environment variable under which GPU tests must fail, not skip, when no adapter exists (CI sets it).
pub const REQUIRE_GPU_ENV: &str = "NANODEMON_REQUIRE_GPU";

/// Environment variable choosing the GPU adapter by its index in `nanodemon gpus` when no `--adapter` is
/// given.
pub const ADAPTER_ENV: &str = "NANODEMON_ADAPTER";

/// Which adapter to open: an index into the list `nanodemon gpus` prints, or (none) the one wgpu prefers
/// for high performance. Remembers where the index came from, so a bad one is reported by that name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdapterChoice {
    index: Option<usize>,
    origin: &'static str,
}

impl AdapterChoice {
    /// `--adapter` when given, else `NANODEMON_ADAPTER` when set, else wgpu's preference.
    pub fn resolve(flag: Option<usize>) -> Result<AdapterChoice> {
        if flag.is_some() {
            return Ok(AdapterChoice {
                index: flag,
                origin: "--adapter",
            });
        }
        match std::env::var(ADAPTER_ENV) {
            Ok(s) if !s.trim().is_empty() => {
                let index = s.trim().parse().map_err(|_| {
                    anyhow!(
                        "{ADAPTER_ENV}={s:?} is not an adapter index: set it to a number from `nanodemon gpus`, \
                         or unset it"
                    )
                })?;
                Ok(AdapterChoice {
                    index: Some(index),
                    origin: ADAPTER_ENV,
                })
            }
            _ => Ok(AdapterChoice::default()),
        }
    }

    /// Adapter `index`, assigned by `nanodemon sweep run` to one of its job slots.
    pub fn for_job(index: usize) -> AdapterChoice {
        AdapterChoice {
            index: Some(index),
            origin: "sweep job slot: adapter",
        }
    }

    pub fn index(&self) -> Option<usize> {
        self.index
    }
}

/// One adapter as `nanodemon gpus` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdapterSummary {
    /// The index `--adapter` and NANODEMON_ADAPTER take.
    pub index: usize,
    pub name: String,
    /// "Vulkan", "Gl", ...
    pub backend: String,
    /// "DiscreteGpu", "IntegratedGpu", "Cpu" (software, e.g. lavapipe), ...
    pub device_type: String,
}

impl AdapterSummary {
    /// Whether this is real GPU hardware rather than a software rasteriser.
    pub fn is_hardware(&self) -> bool {
        self.device_type != format!("{:?}", wgpu::DeviceType::Cpu)
    }
}

/// What the caller wants when no adapter can be found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpuRequirement {
    /// Absence is an error (`--backend gpu`).
    Required,
    /// Absence returns `Ok(None)` (tests without `NANODEMON_REQUIRE_GPU`).
    Optional,
    /// Like `Optional`, but a software adapter (lavapipe, llvmpipe: device type CPU) also counts as absent:
    /// `--backend auto` must not pick an emulated GPU over the native CPU engine.
    Hardware,
}

/// A wgpu device and queue plus what we report about the adapter. A clone shares the device (wgpu's handles
/// are reference-counted), so several engines can run on one device.
#[derive(Clone)]
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// Adapter name as the driver reports it, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe (LLVM ...)".
    pub adapter_name: String,
    /// Backend name, e.g. "Vulkan".
    pub backend: String,
    /// Driver name and version as the adapter reports them, e.g. "NVIDIA 550.54.15" (for run.json).
    pub driver: String,
    /// Whether the device was created with timestamp queries (per-kernel timings in `bench`).
    pub timestamps: bool,
}

impl std::fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuContext")
            .field("adapter_name", &self.adapter_name)
            .field("backend", &self.backend)
            .finish()
    }
}

fn requested_backends() -> wgpu::Backends {
    match std::env::var("WGPU_BACKEND") {
        Ok(s) if !s.trim().is_empty() => wgpu::Backends::from_comma_list(&s),
        _ => wgpu::Backends::VULKAN,
    }
}

/// The wgpu instance on `backends`.
fn instance(backends: wgpu::Backends) -> wgpu::Instance {
    std::env::var_os("XDG_RUNTIME_DIR").is_none().then(|| {
        // lavapipe prints a harmless error twice without it; /tmp always exists.
        // SAFETY: called before any other thread of ours reads the environment.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", "/tmp") }
    });
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
    descriptor.backends = backends;
    // wgpu validates every indirect dispatch with an extra hidden compute dispatch; the MD engine's
    // indirect arguments are written by its own kernel and bounded by construction, and the extra
    // dispatches cost more GPU time per step than the force kernel (BENCHMARKS.md).
    descriptor
        .flags
        .remove(wgpu::InstanceFlags::VALIDATION_INDIRECT_CALL);
    wgpu::Instance::new(descriptor)
}

/// Every adapter on the requested backends (Vulkan unless `WGPU_BACKEND` is set), in the driver's order:
/// the indices `--adapter` and NANODEMON_ADAPTER refer to.
pub fn adapters() -> Vec<AdapterSummary> {
    let backends = requested_backends();
    pollster::block_on(instance(backends).enumerate_adapters(backends))
        .iter()
        .enumerate()
        .map(|(index, a)| {
            let info = a.get_info();
            AdapterSummary {
                index,
                name: info.name,
                backend: format!("{:?}", info.backend),
                device_type: format!("{:?}", info.device_type),
            }
        })
        .collect()
}

impl GpuContext {
    /// Opens the adapter `choice` names, or else finds one on the requested backends (Vulkan unless
    /// `WGPU_BACKEND` is set), and opens a device with the adapter's own limits, so large systems can bind
    /// buffers beyond the defaults. An explicit choice is used whatever the requirement (also a software
    /// adapter under `Hardware`); an index beyond the list is an error naming where it came from.
    pub fn new(requirement: GpuRequirement, choice: &AdapterChoice) -> Result<Option<GpuContext>> {
        let backends = requested_backends();
        let instance = instance(backends);
        let adapter = if let Some(index) = choice.index {
            let mut all = pollster::block_on(instance.enumerate_adapters(backends));
            if index >= all.len() {
                let names: Vec<String> = all
                    .iter()
                    .enumerate()
                    .map(|(i, a)| format!("{i}: {}", a.get_info().name))
                    .collect();
                let named = match choice.origin {
                    ADAPTER_ENV => format!("{ADAPTER_ENV}={index}"),
                    origin => format!("{origin} {index}"),
                };
                bail!(
                    "{named}: there {} {} GPU adapter(s) on backends {backends:?} [{}]; pick an index that \
                     `nanodemon gpus` lists",
                    if all.len() == 1 { "is" } else { "are" },
                    all.len(),
                    names.join(", ")
                );
            }
            all.swap_remove(index)
        } else {
            match pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                apply_limit_buckets: false,
            })) {
                Ok(a) => a,
                Err(e) => {
                    return match requirement {
                        GpuRequirement::Optional | GpuRequirement::Hardware => Ok(None),
                        GpuRequirement::Required => Err(anyhow!(
                            "no GPU adapter found on backends {backends:?} ({e}). Install a Vulkan driver \
                             (e.g. `apt-get install mesa-vulkan-drivers libvulkan1` for the CPU-emulated \
                             lavapipe), or run with --backend cpu"
                        )),
                    };
                }
            }
        };
        let info = adapter.get_info();
        if requirement == GpuRequirement::Hardware
            && choice.index.is_none()
            && info.device_type == wgpu::DeviceType::Cpu
        {
            return Ok(None);
        }
        let features = adapter.features();
        let timestamps = features.contains(wgpu::Features::TIMESTAMP_QUERY);
        let mut required_features = wgpu::Features::empty();
        if timestamps {
            required_features |= wgpu::Features::TIMESTAMP_QUERY;
        }
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("nanodemon"),
            required_features,
            required_limits: adapter.limits(),
            ..Default::default()
        }))
        .with_context(|| format!("opening a device on adapter {:?}", info.name))?;
        Ok(Some(GpuContext {
            device,
            queue,
            adapter_name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_string(),
            timestamps,
        }))
    }

    /// For tests: a context, or `None` after a loud skip message when no adapter exists and
    /// `NANODEMON_REQUIRE_GPU` is unset. Panics (fails the test) when it is set and none exists.
    pub fn for_test(test_name: &str) -> Option<GpuContext> {
        let required = std::env::var_os(REQUIRE_GPU_ENV).is_some_and(|v| v != "0" && !v.is_empty());
        let choice = AdapterChoice::resolve(None).unwrap_or_else(|e| panic!("{test_name}: {e:#}"));
        match GpuContext::new(GpuRequirement::Optional, &choice) {
            Ok(Some(ctx)) => Some(ctx),
            Ok(None) if required => {
                panic!("{test_name}: {REQUIRE_GPU_ENV} is set but no GPU adapter was found")
            }
            Ok(None) => {
                eprintln!(
                    "\n*** SKIPPED {test_name}: no GPU adapter (set {REQUIRE_GPU_ENV}=1 to make this a failure) ***\n"
                );
                None
            }
            Err(e) => panic!("{test_name}: GPU adapter found but device creation failed: {e:#}"),
        }
    }
}
