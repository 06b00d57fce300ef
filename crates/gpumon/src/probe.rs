//! The probe through `cudarc`'s driver API, loaded at run time: devices, their memory and the
//! driver version, or a plain reason why there is none.

use std::fmt;
use std::sync::Arc;

use cudarc::driver::{CudaContext, DriverError, sys};
use serde::Serialize;

use crate::MemoryReading;

/// One device.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DeviceInfo {
    /// The CUDA ordinal.
    pub index: usize,
    /// The name, such as `NVIDIA H200`.
    pub name: String,
    /// `GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, as nvidia-smi shows it.
    pub uuid: String,
    /// Compute capability, major and minor (9.0 for Hopper).
    pub compute_capability: (i32, i32),
    /// Memory now.
    pub memory: MemoryReading,
    /// Utilisation, temperature and power from NVML, when it loads.
    pub nvml: Option<crate::NvmlReading>,
}

/// What a probe found.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Probe {
    /// A driver and at least one device.
    Available {
        /// The driver's CUDA version, such as `13.0`.
        driver_version: String,
        /// Every device.
        devices: Vec<DeviceInfo>,
    },
    /// No usable GPU, and why.
    Unavailable {
        /// Why, in words: `libcuda.so.1 not found ...`, `CUDA_ERROR_NO_DEVICE ...`.
        reason: String,
    },
}

impl Probe {
    /// The devices (none when unavailable).
    pub fn devices(&self) -> &[DeviceInfo] {
        match self {
            Probe::Available { devices, .. } => devices,
            Probe::Unavailable { .. } => &[],
        }
    }

    /// Why there is no GPU, when there is none.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Probe::Available { .. } => None,
            Probe::Unavailable { reason } => Some(reason),
        }
    }

    /// Whether at least one device is usable.
    pub fn is_available(&self) -> bool {
        matches!(self, Probe::Available { .. })
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::Unavailable { reason } => write!(f, "no GPU: {reason}"),
            Probe::Available {
                driver_version,
                devices,
            } => {
                write!(f, "{} GPU(s), CUDA driver {driver_version}", devices.len())?;
                for d in devices {
                    let (major, minor) = d.compute_capability;
                    write!(f, "; {}: {} (compute {major}.{minor}), {}", d.index, d.name, d.memory)?;
                }
                Ok(())
            }
        }
    }
}

/// An open handle on every device: keeps each device's primary context (the one the CUDA
/// runtime and the server's kernels use) so that repeated readings cost a driver call each.
pub struct Gpus {
    driver_version: String,
    contexts: Vec<Arc<CudaContext>>,
    nvml: crate::nvml::Nvml,
}

impl fmt::Debug for Gpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gpus")
            .field("driver_version", &self.driver_version)
            .field("devices", &self.contexts.len())
            .finish_non_exhaustive()
    }
}

/// Where the driver library is looked for, for the reason given when it is missing.
const DRIVER_LIBRARY: &str = "libcuda.so.1";

impl Gpus {
    /// Loads the driver and opens every device; the error is the reason there is no GPU. Never
    /// panics: the library's presence is checked before `cudarc` is asked anything (it panics
    /// on first use otherwise), and any panic inside it is caught and given as the reason.
    pub fn open() -> Result<Gpus, String> {
        // SAFETY: only tries to load the library, calling nothing in it.
        if !unsafe { sys::is_culib_present() } {
            return Err(format!(
                "{DRIVER_LIBRARY} not found: no NVIDIA driver is installed, or it is not on the library path"
            ));
        }
        caught("opening the CUDA driver", || {
            let version = driver_version().map_err(|e| describe("cuDriverGetVersion", e))?;
            let count = CudaContext::device_count().map_err(|e| describe("cuInit", e))?;
            if count <= 0 {
                return Err(format!("the CUDA driver ({version}) found no device"));
            }
            let contexts = (0..count as usize)
                .map(|i| CudaContext::new(i).map_err(|e| describe(&format!("opening device {i}"), e)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Gpus {
                driver_version: version,
                contexts,
                nvml: crate::nvml::Nvml::init(),
            })
        })
    }

    /// How many devices.
    pub fn len(&self) -> usize {
        self.contexts.len()
    }

    /// Whether there are none (never, for an open handle).
    pub fn is_empty(&self) -> bool {
        self.contexts.is_empty()
    }

    /// The memory of device `index` now.
    pub fn memory(&self, index: usize) -> Result<MemoryReading, String> {
        let ctx = self.contexts.get(index).ok_or_else(|| format!("no device {index}"))?;
        caught("reading GPU memory", || {
            read_memory(ctx).map_err(|e| describe("cuMemGetInfo", e))
        })
    }

    /// Every device's details and memory now.
    pub fn probe(&self) -> Probe {
        let devices = caught("probing the devices", || {
            self.contexts
                .iter()
                .enumerate()
                .map(|(index, ctx)| self.device(index, ctx))
                .collect::<Result<Vec<_>, _>>()
        });
        match devices {
            Ok(devices) => Probe::Available {
                driver_version: self.driver_version.clone(),
                devices,
            },
            Err(reason) => Probe::Unavailable { reason },
        }
    }

    fn device(&self, index: usize, ctx: &Arc<CudaContext>) -> Result<DeviceInfo, String> {
        let at = |what: &str| format!("device {index}: {what}");
        let name = ctx.name().map_err(|e| describe(&at("cuDeviceGetName"), e))?;
        let uuid = ctx.uuid().map_err(|e| describe(&at("cuDeviceGetUuid"), e))?;
        let uuid = format_uuid(&uuid.bytes.map(|b| b as u8));
        let compute_capability = ctx
            .compute_capability()
            .map_err(|e| describe(&at("compute capability"), e))?;
        let memory = read_memory(ctx).map_err(|e| describe(&at("cuMemGetInfo"), e))?;
        Ok(DeviceInfo {
            index,
            nvml: self.nvml.reading(&uuid),
            name,
            uuid,
            compute_capability,
            memory,
        })
    }
}

/// Every device now, or why there is none. Opens the devices each call: keep a [`Gpus`] for
/// repeated readings.
///
/// ```
/// let probe = gpumon::probe();
/// match probe.reason() {
///     Some(why) => println!("CPU only: {why}"),
///     None => println!("{probe}"),
/// }
/// ```
pub fn probe() -> Probe {
    match Gpus::open() {
        Ok(gpus) => gpus.probe(),
        Err(reason) => Probe::Unavailable { reason },
    }
}

fn read_memory(ctx: &CudaContext) -> Result<MemoryReading, DriverError> {
    let (free, total) = ctx.mem_get_info()?;
    Ok(MemoryReading::from_free_total(free as u64, total as u64))
}

fn driver_version() -> Result<String, DriverError> {
    let mut v = 0;
    // SAFETY: cuDriverGetVersion writes one int and may be called before cuInit.
    unsafe { sys::cuDriverGetVersion(&mut v) }.result()?;
    Ok(format!("{}.{}", v / 1000, (v % 1000) / 10))
}

/// `cuInit: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)`.
fn describe(what: &str, e: DriverError) -> String {
    match e.error_string() {
        Ok(text) => format!("{what}: {:?} ({})", e.0, text.to_string_lossy()),
        Err(_) => format!("{what}: {:?}", e.0),
    }
}

/// Runs `f`, turning a panic inside `cudarc` (a symbol missing from an old driver) into an
/// error naming what was being done.
fn caught<T>(doing: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        Err(format!("{doing} failed inside the CUDA bindings: {message}"))
    })
}

/// The 16 bytes as nvidia-smi writes them.
fn format_uuid(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "GPU-{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_written_as_nvidia_smi_does() {
        let bytes: [u8; 16] = std::array::from_fn(|i| (i * 17) as u8);
        assert_eq!(format_uuid(&bytes), "GPU-00112233-4455-6677-8899-aabbccddeeff");
    }

    #[test]
    fn a_panic_in_the_bindings_becomes_a_reason() {
        let r: Result<(), String> = caught("probing", || panic!("symbol cuFoo not found"));
        assert_eq!(
            r.unwrap_err(),
            "probing failed inside the CUDA bindings: symbol cuFoo not found"
        );
    }
}
