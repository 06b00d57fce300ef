//! A level changed on one thread filters records on every other thread at once.
//! (Alone in its binary: it changes the global level.)

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use logcore::LevelFilter;

#[test]
fn global_and_target_level_changes_apply_to_every_thread_at_once() {
    support::installed();
    let epoch = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while !stop.load(Ordering::Acquire) {
                    let e = epoch.load(Ordering::Acquire);
                    logcore::info!(target: "t.change", epoch = e; "tick");
                    logcore::debug!(target: "t.change.engine", epoch = e; "detail");
                    logcore::debug!(target: "t.change.other", epoch = e; "other");
                }
            });
        }
        thread::sleep(Duration::from_millis(50));
        // Epoch 1: the global level rises to ERROR; INFO stops everywhere.
        logcore::set_level(LevelFilter::ERROR).unwrap();
        epoch.store(1, Ordering::Release);
        thread::sleep(Duration::from_millis(50));
        // Epoch 2: the engine target alone goes back to DEBUG.
        logcore::set_target_level("t.change.engine", LevelFilter::DEBUG).unwrap();
        epoch.store(2, Ordering::Release);
        thread::sleep(Duration::from_millis(50));
        stop.store(true, Ordering::Release);
    });
    let epoch_of = |target: &str| -> Vec<u64> {
        support::records(target)
            .iter()
            .map(|r| r.field("epoch").unwrap().parse().unwrap())
            .collect()
    };
    let info = epoch_of("t.change");
    let engine = epoch_of("t.change.engine");
    let other = epoch_of("t.change.other");
    assert!(info.contains(&0), "INFO was logged before the change");
    assert!(info.iter().all(|&e| e == 0), "no INFO record after the global change");
    assert!(other.contains(&0), "DEBUG was logged before the change");
    assert!(other.iter().all(|&e| e == 0), "no DEBUG record after the global change");
    // A record tagged 1 may pass if the target change landed between reading the epoch and
    // logging; one tagged 2 was logged after it, so the target's DEBUG is on again.
    assert!(
        engine.contains(&0) && engine.contains(&2),
        "DEBUG before the change and after the target change"
    );
    assert_eq!(log::max_level(), log::LevelFilter::Debug);
}
