//! `probe()` on this machine, and against stand-in driver libraries (built here with the C
//! compiler) that fail the ways a real driver does: no device, a failing `cuInit`, and a
//! driver missing a function the bindings expect. None of them may panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use gpumon::Probe;

/// Set in the child process that probes with a stand-in driver.
const CHILD: &str = "GPUMON_TEST_CHILD";

#[test]
fn probe_here_says_why_there_is_no_gpu_or_matches_nvidia_smi() {
    let probe = gpumon::probe();
    println!("{probe}");
    match &probe {
        Probe::Unavailable { reason } => {
            assert!(
                !Path::new("/dev/nvidiactl").exists(),
                "a driver is loaded but: {reason}"
            );
            assert!(
                reason.contains("not found") || reason.contains("CUDA_ERROR"),
                "{reason}"
            );
            assert!(probe.devices().is_empty());
        }
        Probe::Available {
            driver_version,
            devices,
        } => {
            assert!(!devices.is_empty() && driver_version.contains('.'));
            compare_with_nvidia_smi(devices);
        }
    }
    // Serialised for /health, it says which case it is.
    let json = serde_json::to_value(&probe).unwrap();
    assert_eq!(
        json["status"],
        if probe.is_available() {
            "available"
        } else {
            "unavailable"
        }
    );
}

/// Names, UUIDs and total memory must agree exactly; used memory within 5% of the total
/// (other processes allocate between the two readings).
fn compare_with_nvidia_smi(devices: &[gpumon::DeviceInfo]) {
    let out = Command::new("nvidia-smi")
        .args([
            "--query-gpu=uuid,name,memory.total,memory.used",
            "--format=csv,noheader,nounits",
        ])
        .output()
        .expect("nvidia-smi runs where a GPU is");
    let text = String::from_utf8_lossy(&out.stdout);
    for d in devices {
        let line = text
            .lines()
            .find(|l| l.starts_with(&d.uuid))
            .unwrap_or_else(|| panic!("{} not in {text}", d.uuid));
        let fields: Vec<&str> = line.split(", ").collect();
        assert_eq!(fields[1], d.name);
        let total_mib: u64 = fields[2].parse().unwrap();
        let used_mib: f64 = fields[3].parse().unwrap();
        assert_eq!(d.memory.total >> 20, total_mib, "{d:?}");
        let ours = d.memory.used as f64 / (1 << 20) as f64;
        assert!(
            (ours - used_mib).abs() <= total_mib as f64 * 0.05,
            "used {ours} MiB vs nvidia-smi {used_mib}"
        );
        println!(
            "device {}: {} total {total_mib} MiB, used {ours:.0} vs {used_mib} MiB",
            d.index, d.name
        );
    }
}

/// Builds a stand-in `libcuda.so` from `source`, or says why it cannot (no C compiler).
fn stand_in_driver(name: &str, source: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fake-cuda-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let c = dir.join("cuda.c");
    std::fs::write(&c, source).unwrap();
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(dir.join("libcuda.so"))
        .arg(&c)
        .status();
    match built {
        Ok(s) if s.success() => Some(dir),
        other => {
            let why = format!("cannot build a stand-in libcuda.so with `cc`: {other:?}");
            assert!(std::env::var_os("CI").is_none(), "under CI nothing is skipped: {why}");
            eprintln!("SKIPPED (not run): {why}");
            None
        }
    }
}

/// Probes in a child process whose library path finds the stand-in driver first.
fn probe_with(name: &str, source: &str) -> Option<serde_json::Value> {
    let dir = stand_in_driver(name, source)?;
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_prints_its_probe", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("LD_LIBRARY_PATH", &dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The harness writes "test child_prints_its_probe ... " before the line.
    let json = stdout
        .lines()
        .find_map(|l| Some(&l[l.find("PROBE ")? + 6..]))
        .expect("the child printed its probe");
    Some(serde_json::from_str(json).unwrap())
}

/// Not a check of its own: the body of the child process of the tests below.
#[test]
fn child_prints_its_probe() {
    if std::env::var_os(CHILD).is_some() {
        println!("PROBE {}", serde_json::to_string(&gpumon::probe()).unwrap());
    }
}

const ERRORS: &str = r#"
typedef int CUresult;
CUresult cuDriverGetVersion(int *v) { *v = 12040; return 0; }
CUresult cuGetErrorString(CUresult e, const char **s) {
    *s = e == 100 ? "no CUDA-capable device is detected" : "unknown error"; return 0;
}
CUresult cuGetErrorName(CUresult e, const char **s) { *s = "CUDA_ERROR_NO_DEVICE"; return 0; }
"#;

#[test]
fn a_driver_that_finds_no_device_is_named_with_its_error() {
    let source = format!("{ERRORS}\nCUresult cuInit(unsigned f) {{ return 100; }}\n");
    let Some(probe) = probe_with("no-device", &source) else {
        return;
    };
    assert_eq!(probe["status"], "unavailable");
    assert_eq!(
        probe["reason"],
        "cuInit: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)"
    );
}

#[test]
fn a_driver_with_zero_devices_says_so() {
    let source = format!(
        "{ERRORS}\nCUresult cuInit(unsigned f) {{ return 0; }}\nCUresult cuDeviceGetCount(int *n) {{ *n = 0; return 0; }}\n"
    );
    let Some(probe) = probe_with("zero-devices", &source) else {
        return;
    };
    assert_eq!(probe["reason"], "the CUDA driver (12.4) found no device");
}

#[test]
fn a_driver_missing_a_function_gives_a_reason_not_a_panic() {
    // One device, but no cuDeviceGet: the bindings panic when they look it up.
    let source = format!(
        "{ERRORS}\nCUresult cuInit(unsigned f) {{ return 0; }}\nCUresult cuDeviceGetCount(int *n) {{ *n = 1; return 0; }}\n"
    );
    let Some(probe) = probe_with("missing-symbol", &source) else {
        return;
    };
    assert_eq!(probe["status"], "unavailable");
    let reason = probe["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("opening the CUDA driver failed inside the CUDA bindings"),
        "{reason}"
    );
}
