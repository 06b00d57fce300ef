//! SIGHUP reopens the files of the installed logger (its own test binary: it installs the
//! process's logger and signals the process).

use std::sync::Arc;
use std::time::Duration;

use logcore::{Config, LoggerBuilder, Sink as _, SinkOptions, Zone};
use logsink_file::FileSink;

#[test]
fn sighup_reopens_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(
        FileSink::builder(dir.path())
            .zone(Zone::utc())
            // Only the signal can make it reopen within this test.
            .check_interval(Duration::from_secs(3600))
            .build()
            .unwrap(),
    );
    let mut config = Config::default();
    config.console.enabled = false;
    config.panic_hook = false;
    let _logger = LoggerBuilder::new(config)
        .sink("file", Arc::clone(&sink), SinkOptions::default())
        .install()
        .unwrap();
    let _sighup = logsink_file::reopen_on_sighup().unwrap();

    logcore::info!("before the rotation");
    assert!(logcore::flush());
    let file = sink.current_file().unwrap();
    std::fs::rename(&file, dir.path().join("rotated.txt")).unwrap();
    signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while sink.stats().extra["reopens"] == 0 {
        assert!(std::time::Instant::now() < deadline, "SIGHUP did not reopen the file");
        std::thread::sleep(Duration::from_millis(5));
    }
    logcore::info!("after the rotation");
    assert!(logcore::flush());
    let old = std::fs::read_to_string(dir.path().join("rotated.txt")).unwrap();
    let new = std::fs::read_to_string(&file).unwrap();
    assert!(old.contains("before the rotation") && !old.contains("after"), "{old}");
    assert!(new.contains("after the rotation") && !new.contains("before"), "{new}");
}
