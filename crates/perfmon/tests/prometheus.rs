//! `render_prometheus()` read back by a real Prometheus text parser: Python's
//! `prometheus_client`, not our own code.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use perfmon::{FinishReason, Monitor, Registry};
use serde_json::Value;

/// Parses the text with `prometheus_client.parser.text_string_to_metric_families` and prints
/// every family as JSON: name, type, help and samples (name, labels, value).
const PARSE: &str = r#"
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    samples = [[s.name, s.labels, None if math.isnan(s.value) else s.value] for s in f.samples]
    out.append({"name": f.name, "type": f.type, "help": f.documentation, "samples": samples})
print(json.dumps(out))
"#;

fn parse(text: &str) -> Option<Vec<Value>> {
    let python = support::python_with("prometheus_client")?;
    let mut child = Command::new(python)
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the parser refused our text:\n{}\n---\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone(),
    )
}

fn family<'a>(families: &'a [Value], name: &str) -> &'a Value {
    families
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no family {name}"))
}

/// The value of the sample `name` whose labels include `labels`.
fn value(f: &Value, name: &str, labels: &[(&str, &str)]) -> f64 {
    f["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[0] == name && labels.iter().all(|(k, v)| s[1][k] == *v))
        .unwrap_or_else(|| panic!("no sample {name} {labels:?} in {f}"))[2]
        .as_f64()
        .unwrap()
}

#[test]
fn the_standard_metrics_parse_with_the_values_recorded() {
    support::installed();
    let clock = std::sync::Arc::new(perfmon::ManualClock::new());
    let monitor = Monitor::builder()
        .target("t_prom")
        .clock(clock.clone())
        .build()
        .unwrap();
    for (ttft_ms, tokens) in [(120, 10), (480, 20), (2500, 5)] {
        let mut g = monitor.generation("/generate").with_prompt_tokens(100);
        clock.advance(Duration::from_millis(ttft_ms));
        g.first_token();
        for _ in 1..tokens {
            clock.advance(Duration::from_millis(15));
            g.token();
        }
        let _ = g.finish(FinishReason::Stop);
    }
    let _ = monitor
        .generation("/generate")
        .fail("kind with \"quotes\", \\ and\nnewline", "boom");
    monitor.timer("model_loading").finish();
    monitor.metrics().gpu_memory_used.with(["0"]).set(15.23e9);

    let text = monitor.render_prometheus();
    let Some(families) = parse(&text) else { return };

    let ttft = family(&families, "llm_time_to_first_token_seconds");
    assert_eq!(ttft["type"], "histogram");
    assert_eq!(value(ttft, "llm_time_to_first_token_seconds_count", &[]), 3.0);
    assert!((value(ttft, "llm_time_to_first_token_seconds_sum", &[]) - 3.1).abs() < 1e-9);
    assert_eq!(
        value(ttft, "llm_time_to_first_token_seconds_bucket", &[("le", "0.128")]),
        1.0
    );
    assert_eq!(
        value(ttft, "llm_time_to_first_token_seconds_bucket", &[("le", "0.512")]),
        2.0
    );
    assert_eq!(
        value(ttft, "llm_time_to_first_token_seconds_bucket", &[("le", "+Inf")]),
        3.0
    );
    // Buckets never go down and +Inf equals the count, for every histogram.
    for f in families.iter().filter(|f| f["type"] == "histogram") {
        let buckets: Vec<f64> = f["samples"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s[0].as_str().unwrap().ends_with("_bucket"))
            .map(|s| s[2].as_f64().unwrap())
            .collect();
        assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{}", f["name"]);
    }
    let itl = family(&families, "llm_inter_token_latency_seconds");
    assert_eq!(
        value(itl, "llm_inter_token_latency_seconds_count", &[]),
        (9 + 19 + 4) as f64
    );
    let e2e = family(&families, "llm_e2e_request_latency_seconds");
    assert_eq!(value(e2e, "llm_e2e_request_latency_seconds_count", &[]), 4.0);
    let queue = family(&families, "llm_request_queue_time_seconds");
    // The failed request never left the queue: queue time is recorded at scheduling.
    assert_eq!(value(queue, "llm_request_queue_time_seconds_count", &[]), 3.0);

    // The parser strips `_total` from counter family names.
    let prompt = family(&families, "llm_prompt_tokens");
    assert_eq!(prompt["type"], "counter");
    assert_eq!(value(prompt, "llm_prompt_tokens_total", &[]), 300.0);
    let generation = family(&families, "llm_generation_tokens");
    assert_eq!(value(generation, "llm_generation_tokens_total", &[]), 35.0);
    let requests = family(&families, "llm_requests");
    assert_eq!(value(requests, "llm_requests_total", &[("status", "stop")]), 3.0);
    assert_eq!(value(requests, "llm_requests_total", &[("status", "error")]), 1.0);
    let errors = family(&families, "llm_errors");
    assert_eq!(
        value(
            errors,
            "llm_errors_total",
            &[("kind", "kind with \"quotes\", \\ and\nnewline")]
        ),
        1.0,
        "label values with quotes, backslashes and line feeds come back whole"
    );
    let ops = family(&families, "llm_operation_duration_seconds");
    assert_eq!(
        value(
            ops,
            "llm_operation_duration_seconds_count",
            &[("operation", "model_loading")]
        ),
        1.0
    );
    assert_eq!(
        value(
            family(&families, "llm_num_requests_running"),
            "llm_num_requests_running",
            &[]
        ),
        0.0
    );
    let gpu = family(&families, "llm_gpu_memory_used_bytes");
    assert_eq!(value(gpu, "llm_gpu_memory_used_bytes", &[("device", "0")]), 15.23e9);

    // The process's resources under the standard names.
    let rss = family(&families, "process_resident_memory_bytes");
    assert!(value(rss, "process_resident_memory_bytes", &[]) > 1e6);
    assert!(value(family(&families, "process_open_fds"), "process_open_fds", &[]) >= 3.0);
    assert_eq!(family(&families, "process_cpu_seconds")["type"], "counter");
}

#[test]
fn a_vllm_namespace_and_help_with_special_characters_parse() {
    let registry = Registry::new();
    let monitor = Monitor::builder()
        .namespace("vllm:")
        .registry(registry.clone())
        .build()
        .unwrap();
    let custom = registry
        .gauge("kv_cache_usage_perc", "KV cache use.\nSecond line with a \\ backslash.")
        .unwrap();
    custom.set(0.25);
    monitor.metrics().prompt_tokens.add(7);
    let Some(families) = parse(&monitor.render_prometheus()) else {
        return;
    };
    assert_eq!(
        value(family(&families, "vllm:prompt_tokens"), "vllm:prompt_tokens_total", &[]),
        7.0
    );
    let kv = family(&families, "kv_cache_usage_perc");
    assert_eq!(kv["help"], "KV cache use.\nSecond line with a \\ backslash.");
    assert_eq!(value(kv, "kv_cache_usage_perc", &[]), 0.25);
}
