//! Request ids follow tasks across the threads of a multi-threaded runtime.

mod support;

use std::collections::HashMap;

use logcore::{RequestId, RequestIdExt, RequestScope};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_tasks_each_keep_their_own_request_id() {
    support::installed();
    let tasks: Vec<_> = (0..1000)
        .map(|task| {
            let id = RequestId::parse(&format!("task-{task}")).unwrap();
            tokio::spawn(
                async move {
                    for step in 0..5 {
                        let tid = format!("{:?}", std::thread::current().id());
                        logcore::info!(target: "t.tasks", task, step, tid; "step");
                        tokio::task::yield_now().await;
                    }
                }
                .with_request_id(id),
            )
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let records = support::records("t.tasks");
    assert_eq!(records.len(), 5000);
    let mut threads = std::collections::HashSet::new();
    let mut per_task: HashMap<String, usize> = HashMap::new();
    for r in &records {
        let task = r.field("task").unwrap();
        assert_eq!(r.request_id.as_deref(), Some(format!("task-{task}").as_str()), "{r:?}");
        *per_task.entry(task.to_owned()).or_default() += 1;
        threads.insert(r.field("tid").unwrap().to_owned());
    }
    assert!(per_task.values().all(|&n| n == 5));
    assert!(threads.len() > 1, "the runtime should have used several threads");
}

#[test]
fn nested_scopes_restore_the_outer_id_in_the_log() {
    support::installed();
    let outer = RequestId::parse("outer").unwrap();
    let inner = RequestId::parse("inner").unwrap();
    logcore::info!(target: "t.nest", "none");
    {
        let _outer = RequestScope::enter(outer);
        logcore::info!(target: "t.nest", "outer 1");
        {
            let _inner = RequestScope::enter(inner);
            logcore::info!(target: "t.nest", "inner");
        }
        logcore::info!(target: "t.nest", "outer 2");
    }
    let ids: Vec<_> = support::records("t.nest").into_iter().map(|r| r.request_id).collect();
    assert_eq!(
        ids,
        [None, Some("outer".into()), Some("inner".into()), Some("outer".into())]
    );
}

#[test]
fn a_request_logger_uses_its_id_whatever_the_scope() {
    support::installed();
    let log = logcore::request_logger(RequestId::parse("req_12345").unwrap()).with_target("t.handle");
    let _other = RequestScope::enter(RequestId::parse("other").unwrap());
    log.info("Processing user request");
    log.critical(format_args!("{} failed", "everything"));
    let records = support::records("t.handle");
    assert_eq!(records[0].request_id.as_deref(), Some("req_12345"));
    assert_eq!(records[1].level, logcore::Level::Critical);
    assert_eq!(records[1].file.as_deref(), Some(file!()));
}
