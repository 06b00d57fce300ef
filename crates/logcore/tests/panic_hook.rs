//! A panic is logged at CRITICAL with its message, location, thread, request id and
//! backtrace, and the sinks are flushed, before the previous hook runs.

mod support;

use logcore::{Level, RequestId, RequestScope};

#[test]
fn a_panic_is_logged_and_flushed() {
    let memory = support::installed();
    let flushes_before = memory.flushes();
    let worker = std::thread::Builder::new()
        .name("generation-worker".into())
        .spawn(|| {
            let _scope = RequestScope::enter(RequestId::parse("req_deadbeef").unwrap());
            panic!("sampler state corrupted: {}", 42);
        })
        .unwrap();
    assert!(worker.join().is_err());
    let records = support::records(logcore::PANIC_TARGET);
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.level, Level::Critical);
    assert!(
        r.message.contains("thread 'generation-worker' panicked at"),
        "{}",
        r.message
    );
    assert!(r.message.contains("sampler state corrupted: 42"), "{}", r.message);
    assert!(r.message.contains(file!()), "{}", r.message);
    assert_eq!(r.request_id.as_deref(), Some("req_deadbeef"));
    assert_eq!(r.field("thread"), Some("generation-worker"));
    assert_eq!(r.details[0], "backtrace:");
    assert!(
        r.details
            .iter()
            .any(|l| l.contains("panic_hook::a_panic_is_logged_and_flushed")),
        "{:#?}",
        r.details
    );
    assert!(
        !r.details.iter().any(|l| l.contains("logcore::panic")),
        "the hook's own frames are cut: {:#?}",
        r.details
    );
    assert!(memory.flushes() > flushes_before, "sinks were flushed");
}
