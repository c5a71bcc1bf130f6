//! Adapter selection and device creation.
//!
//! Why Vulkan by default: with no Vulkan driver, an all-backends wgpu silently picks Mesa's software
//! OpenGL adapter (llvmpipe), which is neither what a user asked for nor what CI means to test
//! (GPU-NOTES.md). We therefore ask for Vulkan unless `WGPU_BACKEND` says otherwise, and record the
//! adapter's backend and name in every output.

use anyhow::{anyhow, Context, Result};

/// Environment variable under which GPU tests must fail, not skip, when no adapter exists (CI sets it).
pub const REQUIRE_GPU_ENV: &str = "NANODEMON_REQUIRE_GPU";

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

/// A wgpu device and queue plus what we report about the adapter.
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

impl GpuContext {
    /// Finds an adapter on the requested backends (Vulkan unless `WGPU_BACKEND` is set) and opens a
    /// device with the adapter's own limits, so large systems can bind buffers beyond the defaults.
    pub fn new(requirement: GpuRequirement) -> Result<Option<GpuContext>> {
        std::env::var_os("XDG_RUNTIME_DIR").is_none().then(|| {
            // lavapipe prints a harmless error twice without it; /tmp always exists.
            // SAFETY: called before any other thread of ours reads the environment.
            unsafe { std::env::set_var("XDG_RUNTIME_DIR", "/tmp") }
        });
        let backends = requested_backends();
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
        descriptor.backends = backends;
        // wgpu validates every indirect dispatch with an extra hidden compute dispatch; the MD engine's
        // indirect arguments are written by its own kernel and bounded by construction, and the extra
        // dispatches cost more GPU time per step than the force kernel (BENCHMARKS.md).
        descriptor
            .flags
            .remove(wgpu::InstanceFlags::VALIDATION_INDIRECT_CALL);
        let instance = wgpu::Instance::new(descriptor);
        let adapter = match pollster::block_on(instance.request_adapter(
            &wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                apply_limit_buckets: false,
            },
        )) {
            Ok(a) => a,
            Err(e) => {
                return match requirement {
                    GpuRequirement::Optional | GpuRequirement::Hardware => Ok(None),
                    GpuRequirement::Required => Err(anyhow!(
                        "no GPU adapter found on backends {backends:?} ({e}). Install a Vulkan driver \
                         (e.g. `apt-get install mesa-vulkan-drivers libvulkan1` for the CPU-emulated lavapipe), \
                         or run with --backend cpu"
                    )),
                };
            }
        };
        let info = adapter.get_info();
        if requirement == GpuRequirement::Hardware && info.device_type == wgpu::DeviceType::Cpu {
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
        match GpuContext::new(GpuRequirement::Optional) {
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
