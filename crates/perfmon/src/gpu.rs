//! `gpumon`'s sampler feeding the monitor (feature `gpu`): memory, utilisation, temperature
//! and power gauges per device, and the `GPU memory:` part of the periodic line.

use std::time::Duration;

use gpumon::Probe;

use crate::Monitor;

impl Monitor {
    /// Reads the GPUs every `interval` on a `gpu-sampler` thread into the `gpu_*` gauges and
    /// the periodic line, until the guard is dropped. Without a GPU the line says why, once.
    pub fn sample_gpus(&self, interval: Duration) -> std::io::Result<gpumon::SamplerGuard> {
        let monitor = self.clone();
        gpumon::sample_every(interval, move |probe| monitor.record_gpus(probe))
    }

    /// Records one probe: the gauges, and the summary the periodic line shows.
    pub fn record_gpus(&self, probe: &Probe) {
        let m = &self.0.metrics;
        for d in probe.devices() {
            let device = d.index.to_string();
            m.gpu_memory_used.with([&device]).set(d.memory.used as f64);
            m.gpu_memory_total.with([&device]).set(d.memory.total as f64);
            if let Some(n) = &d.nvml {
                if let Some(u) = n.utilization_percent {
                    m.gpu_utilization.with([&device]).set(f64::from(u) / 100.0);
                }
                if let Some(t) = n.temperature_celsius {
                    m.gpu_temperature.with([&device]).set(f64::from(t));
                }
                if let Some(w) = n.power_watts {
                    m.gpu_power.with([&device]).set(w);
                }
            }
        }
        self.set_gpu_summary(gpu_summary(probe));
    }
}

/// `15.23GB / 80.00GB (19.0%)` for one device, `0: ...; 1: ...` for several, or
/// `unavailable (reason)`.
fn gpu_summary(probe: &Probe) -> String {
    match probe {
        Probe::Unavailable { reason } => format!("unavailable ({reason})"),
        Probe::Available { devices, .. } if devices.len() == 1 => devices[0].memory.to_string(),
        Probe::Available { devices, .. } => devices
            .iter()
            .map(|d| format!("{}: {}", d.index, d.memory))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_gpu_the_line_says_why() {
        let monitor = Monitor::builder().build().unwrap();
        monitor.record_gpus(&Probe::Unavailable {
            reason: "libcuda.so.1 not found".into(),
        });
        assert_eq!(
            monitor.gpu_summary().as_deref(),
            Some("unavailable (libcuda.so.1 not found)")
        );
    }

    #[test]
    fn the_sampler_reports_this_machine_at_once_and_stops() {
        let monitor = Monitor::builder().build().unwrap();
        let guard = monitor.sample_gpus(Duration::from_secs(3600)).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while monitor.gpu_summary().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(guard);
        let summary = monitor.gpu_summary().expect("a first sample at once");
        let probe = gpumon::probe();
        match probe.reason() {
            Some(_) => assert!(summary.starts_with("unavailable ("), "{summary}"),
            None => {
                assert!(summary.contains("GB / "), "{summary}");
                let used = monitor.metrics().gpu_memory_total.with(["0"]).get();
                assert_eq!(used, probe.devices()[0].memory.total as f64);
            }
        }
    }
}
