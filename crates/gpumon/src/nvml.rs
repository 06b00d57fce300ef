//! Utilisation, temperature and power through NVML (`libnvidia-ml.so.1`, loaded at run time
//! by `nvml-wrapper`, which returns an error rather than panicking when it is missing), behind
//! the default feature `nvml`.

use serde::Serialize;

/// NVML's readings of one device.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NvmlReading {
    /// Percent of time a kernel ran over the last sample period.
    pub utilization_percent: Option<u32>,
    /// Core temperature, degrees Celsius.
    pub temperature_celsius: Option<u32>,
    /// Power draw, watts.
    pub power_watts: Option<f64>,
}

#[cfg(feature = "nvml")]
pub(crate) struct Nvml(Option<nvml_wrapper::Nvml>);

#[cfg(feature = "nvml")]
impl Nvml {
    pub(crate) fn init() -> Self {
        Nvml(nvml_wrapper::Nvml::init().ok())
    }

    /// The readings of the device with this UUID; `None` without NVML or the device.
    pub(crate) fn reading(&self, uuid: &str) -> Option<NvmlReading> {
        use nvml_wrapper::enum_wrappers::device::TemperatureSensor;
        let device = self.0.as_ref()?.device_by_uuid(uuid).ok()?;
        Some(NvmlReading {
            utilization_percent: device.utilization_rates().ok().map(|u| u.gpu),
            temperature_celsius: device.temperature(TemperatureSensor::Gpu).ok(),
            power_watts: device.power_usage().ok().map(|mw| f64::from(mw) / 1000.0),
        })
    }
}

#[cfg(not(feature = "nvml"))]
pub(crate) struct Nvml;

#[cfg(not(feature = "nvml"))]
impl Nvml {
    pub(crate) fn init() -> Self {
        Nvml
    }

    pub(crate) fn reading(&self, _uuid: &str) -> Option<NvmlReading> {
        None
    }
}

#[cfg(all(test, feature = "nvml"))]
mod tests {
    use super::*;

    #[test]
    fn a_missing_nvml_library_gives_no_readings_and_no_panic() {
        let nvml = Nvml::init();
        if std::path::Path::new("/dev/nvidiactl").exists() {
            return; // a GPU machine: NVML may load there, and its readings depend on the device
        }
        assert!(nvml.0.is_none(), "NVML loaded on a machine without a driver");
        assert_eq!(nvml.reading("GPU-00000000-0000-0000-0000-000000000000"), None);
    }
}
