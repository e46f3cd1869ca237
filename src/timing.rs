//! Where a build spends its time: with `INSYN_TIMINGS=1` every step prints how
//! long it took to standard error (used by `bench/run.sh`; silent otherwise).

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

fn clock() -> Option<&'static Mutex<Instant>> {
    static CLOCK: OnceLock<Option<Mutex<Instant>>> = OnceLock::new();
    CLOCK
        .get_or_init(|| {
            std::env::var_os("INSYN_TIMINGS")
                .filter(|v| !v.is_empty() && v != "0")
                .map(|_| Mutex::new(Instant::now()))
        })
        .as_ref()
}

/// Marks the end of a step: prints the time since the previous mark.
pub fn step(name: &str) {
    if let Some(clock) = clock()
        && let Ok(mut last) = clock.lock()
    {
        let now = Instant::now();
        eprintln!("  {:>7.1} ms  {name}", (now - *last).as_secs_f64() * 1000.0);
        *last = now;
    }
}
