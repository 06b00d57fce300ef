//! The limit: each thread formats the whole line (timestamp, level, target, request id,
//! message) into its own buffer, then appends it through one `BufWriter` behind a mutex.
//! No queue, no thread, no filtering: what a file logger cannot beat by much.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use parking_lot::Mutex;

use crate::clock::Rfc3339;
use crate::harness::{self, Measured, Plan};
use crate::workload::{TARGET, finished_format_with_id};

/// Large enough that a write to the file carries a few hundred lines.
const BUFFER_BYTES: usize = 64 * 1024;

pub(super) fn run(plan: &Plan, dir: &Path) -> Result<Measured, String> {
    let path = dir.join("baseline.log");
    let file = File::create(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
    let out = Mutex::new(BufWriter::with_capacity(BUFFER_BYTES, file));
    let logged = harness::drive(
        plan,
        |_| Vec::<u8>::with_capacity(512),
        |line, worker, v| {
            line.clear();
            // Writing into a Vec cannot fail.
            let _ = writeln!(
                line,
                concat!("{} INFO {} ", finished_format_with_id!()),
                Rfc3339::now(),
                TARGET,
                worker.request_id,
                v.tokens,
                v.ms,
                v.tokens_per_s
            );
            if let Err(e) = out.lock().write_all(line) {
                eprintln!("baseline: writing {}: {e}", path.display());
            }
        },
    );
    out.into_inner()
        .flush()
        .map_err(|e| format!("flushing {}: {e}", path.display()))?;
    Ok(logged.finished())
}
