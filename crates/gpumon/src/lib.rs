//! The GPUs of this machine through `cudarc`'s driver API, loaded at run time, and a plain
//! statement of why when there are none. It knows nothing of logging.
//!
//! - [`probe`]: each device's index, name, UUID, compute capability and memory, and the
//!   driver version; or [`Probe::Unavailable`] with the reason. It never panics, with or
//!   without a driver.
//! - [`Gpus`]: the same kept open, for repeated readings ([`Gpus::memory`]).
//! - [`memory_line`] (`15.23GB / 80.00GB (19.0%)`) and [`MemoryChange`] for the lifecycle
//!   lines `GPU memory (before generation): ...`.
//! - NVML utilisation, temperature and power ([`NvmlReading`], default feature `nvml`).
//! - [`sample_every`]: a sampler thread feeding a callback until its guard is dropped.
//!
//! ```
//! let probe = gpumon::probe();
//! if let Some(reason) = probe.reason() {
//!     assert!(!reason.is_empty()); // e.g. "libcuda.so.1 not found: no NVIDIA driver is installed, ..."
//! }
//! for device in probe.devices() {
//!     println!("{}: {} {}", device.index, device.name, device.memory);
//! }
//! ```
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod memory;
mod nvml;
mod probe;
mod sampler;

pub use memory::{GB, MemoryChange, MemoryReading, memory_line};
pub use nvml::NvmlReading;
pub use probe::{DeviceInfo, Gpus, Probe, probe};
pub use sampler::{SamplerGuard, sample_every};
