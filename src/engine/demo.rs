//! The built-in demo incident: a seeded generator of five log files that tell one story.
//!
//! A first-time visitor clicks "Try the demo incident" and sees Casefile working without files of their
//! own. The files are generated here (deterministically, from a seed, with a small PRNG of our own) and
//! then read through the normal ingest path, exactly like dropped files.
//!
//! The story, on 2026-03-14 from 14:00 to 16:00 UTC: the payment gateway's heap starts to grow at
//! [`Story::heap_rises_ns`]; request latency follows; at [`Story::timeouts_ns`] calls to the acquirer time
//! out and nginx answers 504/502; at [`Story::oom_kill_ns`] the kernel OOM-kills the JVM, nginx answers
//! 502 while it is down, systemd restarts it, and from [`Story::recovered_ns`] all is normal again.
//!
//! Files (formats chosen to exercise the readers):
//! - `payment-gateway.jsonl`: the gateway's JSON lines log, one line per request;
//! - `nginx-access.log`: the combined access log in front of it, with request time and request id;
//! - `syslog`: the host's RFC 3164 syslog (no year), kernel OOM killer and systemd lines;
//! - `gateway-container.log`: the JVM's console log, with multi-line Java stack traces;
//! - `payments.csv`: the payments ledger export, one row per payment attempt.

use super::time::{civil_from_days, days_from_civil, NANOS_PER_SEC};

/// Seed of the demo the app loads.
pub const DEMO_SEED: u64 = 0x00CA_5EF1_1E00_2026;

const MINUTE_NS: i64 = 60 * NANOS_PER_SEC;
const MS_NS: i64 = 1_000_000;

/// One generated file.
#[derive(Debug, Clone)]
pub struct DemoFile {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// The file's modification time (ns since the epoch): one hour after the span, so syslog's
    /// year-less stamps resolve to the right year.
    pub modified_ns: i64,
}

/// The instants of the story, ns since the epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Story {
    pub start_ns: i64,
    pub end_ns: i64,
    pub heap_rises_ns: i64,
    pub latency_rises_ns: i64,
    pub timeouts_ns: i64,
    pub oom_kill_ns: i64,
    pub restarted_ns: i64,
    pub recovered_ns: i64,
}

impl Story {
    /// The story of the demo: 2026-03-14, 14:00 to 16:00 UTC.
    pub fn demo() -> Self {
        let start_ns = days_from_civil(2026, 3, 14) * 86_400 * NANOS_PER_SEC + 14 * 60 * MINUTE_NS;
        let at = |minutes: i64| start_ns + minutes * MINUTE_NS;
        Story {
            start_ns,
            end_ns: at(120),
            heap_rises_ns: at(30),
            latency_rises_ns: at(45),
            timeouts_ns: at(62),
            oom_kill_ns: at(80),
            restarted_ns: at(81) + 30 * NANOS_PER_SEC,
            recovered_ns: at(88),
        }
    }

    /// The incident window: from the first timeouts to recovery.
    pub fn incident(&self) -> std::ops::Range<i64> {
        self.timeouts_ns..self.recovered_ns
    }

    /// 0 before `from`, rising linearly to 1 at `to`.
    fn ramp(t: i64, from: i64, to: i64) -> f64 {
        if t <= from {
            0.0
        } else if t >= to {
            1.0
        } else {
            (t - from) as f64 / (to - from) as f64
        }
    }
}

/// A small deterministic PRNG (SplitMix64): good enough for demo data and the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo).max(1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }
}

const PATHS: &[(&str, &str)] = &[
    ("POST", "/api/v1/pay"),
    ("POST", "/api/v1/pay"),
    ("POST", "/api/v1/pay"),
    ("POST", "/api/v1/refund"),
    ("GET", "/api/v1/status"),
    ("GET", "/api/v1/status"),
    ("GET", "/healthz"),
];
const AGENTS: &[&str] = &[
    "okhttp/4.12.0",
    "Mozilla/5.0 (X11; Linux x86_64)",
    "shop-backend/2.3 (+https://shop.example)",
    "curl/8.5.0",
];
const MERCHANTS: &[&str] = &[
    "Acme, Inc.",
    "Globex",
    "Initech",
    "Umbrella Corp",
    "Bob's \"Best\" Bikes",
];
const CURRENCIES: &[&str] = &["EUR", "USD", "GBP"];

/// What happened to one request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Declined,
    /// The acquirer did not answer in 30 s: the app logs an error, nginx answers 504.
    Timeout,
    /// The gateway was down (killed): nginx answers 502 and the app logs nothing.
    Down,
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn iso_ms(ns: i64) -> String {
    let secs = ns.div_euclid(NANOS_PER_SEC);
    let ms = ns.rem_euclid(NANOS_PER_SEC) / MS_NS;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Common log format time: `14/Mar/2026:14:00:00 +0000`.
fn clf(ns: i64) -> String {
    let secs = ns.div_euclid(NANOS_PER_SEC);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{d:02}/{}/{y}:{:02}:{:02}:{:02} +0000",
        MONTHS[(m - 1) as usize],
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// RFC 3164 time: `Mar 14 14:00:00` (no year, no zone).
fn syslog_time(ns: i64) -> String {
    let secs = ns.div_euclid(NANOS_PER_SEC);
    let (_, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{} {d:2} {:02}:{:02}:{:02}",
        MONTHS[(m - 1) as usize],
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// The five files of the demo incident generated from `seed`, in a fixed order.
pub fn generate(seed: u64) -> Vec<DemoFile> {
    let story = Story::demo();
    let mut rng = Rng::new(seed);
    let mut app = String::with_capacity(6 << 20);
    let mut nginx = String::with_capacity(5 << 20);
    let mut csv = String::from("time,payment_id,merchant,amount,currency,status,latency_ms\n");
    let mut jvm = String::with_capacity(1 << 20);
    let mut syslog = String::with_capacity(64 << 10);

    // Requests arrive about 4 per second.
    let mut t = story.start_ns;
    let mut request = 0u64;
    let mut next_jvm_tick = story.start_ns + 7 * NANOS_PER_SEC;
    let mut next_syslog_tick = story.start_ns + 13 * NANOS_PER_SEC;
    let mut oom_written = false;
    while t < story.end_ns {
        t += rng.range(50, 450) as i64 * MS_NS;
        request += 1;
        let heap_mb = heap_mb(&story, t, &mut rng);
        let slow = Story::ramp(t, story.latency_rises_ns, story.timeouts_ns);
        let trouble = Story::ramp(t, story.timeouts_ns, story.timeouts_ns + 10 * MINUTE_NS);
        let in_incident = t >= story.timeouts_ns && t < story.recovered_ns;
        let down = t >= story.oom_kill_ns && t < story.restarted_ns;
        let (method, path) = *rng.pick(PATHS);
        let is_pay = path == "/api/v1/pay";
        let outcome = if down {
            Outcome::Down
        } else if in_incident && path != "/healthz" && rng.chance(0.08 + 0.35 * trouble) {
            Outcome::Timeout
        } else if is_pay && rng.chance(0.04) {
            Outcome::Declined
        } else {
            Outcome::Ok
        };
        let latency_ms = match outcome {
            Outcome::Timeout => 30_000 + rng.range(0, 40),
            Outcome::Down => rng.range(0, 3),
            _ => {
                let base = rng.range(18, 70) as f64;
                let extra = if in_incident { 1.0 } else { slow };
                (base * (1.0 + 25.0 * extra * rng.unit())) as u64
            }
        };
        let request_id = format!("req-{request:06x}");
        let client = format!("10.0.{}.{}", rng.range(1, 9), rng.range(2, 250));

        // The app logs when the request is done.
        let done = t + latency_ms as i64 * MS_NS;
        if outcome != Outcome::Down {
            let (level, msg) = match (outcome, is_pay) {
                (Outcome::Timeout, _) => ("error", "acquirer call timed out after 30000 ms"),
                (Outcome::Declined, _) => ("warn", "payment declined by acquirer"),
                (_, true) => ("info", "payment authorized"),
                (_, false) if path == "/api/v1/refund" => ("info", "refund accepted"),
                _ => ("info", "request served"),
            };
            app.push_str(&format!(
                "{{\"ts\":\"{}\",\"level\":\"{level}\",\"service\":\"payment-gateway\",\"msg\":\"{msg}\",\"method\":\"{method}\",\"path\":\"{path}\",\"request_id\":\"{request_id}\",\"latency_ms\":{latency_ms},\"heap_mb\":{heap_mb}}}\n",
                iso_ms(done)
            ));
        }
        let status = match outcome {
            Outcome::Ok => 200,
            Outcome::Declined => 402,
            Outcome::Timeout => 504,
            Outcome::Down => 502,
        };
        let body = if status == 200 {
            rng.range(90, 900)
        } else {
            157
        };
        nginx.push_str(&format!(
            "{client} - - [{}] \"{method} {path} HTTP/1.1\" {status} {body} \"-\" \"{}\" rt={}.{:03} req_id={request_id}\n",
            clf(done),
            rng.pick(AGENTS),
            latency_ms / 1000,
            latency_ms % 1000
        ));
        if is_pay {
            let csv_status = match outcome {
                Outcome::Ok => "approved",
                Outcome::Declined => "declined",
                Outcome::Timeout => "timeout",
                Outcome::Down => "failed",
            };
            let merchant = rng.pick(MERCHANTS).replace('"', "\"\"");
            csv.push_str(&format!(
                "{},pay-{request:06x},\"{merchant}\",{}.{:02},{},{csv_status},{latency_ms}\n",
                iso_ms(done),
                rng.range(1, 900),
                rng.range(0, 100),
                rng.pick(CURRENCIES)
            ));
        }
        if outcome == Outcome::Timeout {
            write_timeout_trace(&mut jvm, done, &request_id, &mut rng);
        }

        while next_jvm_tick <= t {
            write_jvm_tick(&mut jvm, &story, next_jvm_tick, &mut rng);
            next_jvm_tick += 10 * NANOS_PER_SEC;
        }
        while next_syslog_tick <= t {
            write_syslog_tick(&mut syslog, next_syslog_tick, &mut rng);
            next_syslog_tick += rng.range(20, 40) as i64 * NANOS_PER_SEC;
        }
        if !oom_written && t >= story.oom_kill_ns {
            write_oom(&mut jvm, &mut syslog, &story);
            oom_written = true;
        }
    }

    let modified_ns = story.end_ns + 60 * MINUTE_NS;
    [
        ("payment-gateway.jsonl", app),
        ("nginx-access.log", nginx),
        ("syslog", syslog),
        ("gateway-container.log", jvm),
        ("payments.csv", csv),
    ]
    .into_iter()
    .map(|(name, text)| DemoFile {
        name,
        bytes: text.into_bytes(),
        modified_ns,
    })
    .collect()
}

/// The JVM heap in use: flat until the leak starts, then growing towards the 2 GiB limit; small again
/// after the restart.
fn heap_mb(story: &Story, t: i64, rng: &mut Rng) -> u64 {
    let noise = rng.range(0, 40);
    if t >= story.restarted_ns {
        return 380 + noise;
    }
    let leak = Story::ramp(t, story.heap_rises_ns, story.oom_kill_ns);
    420 + noise + (leak * 1600.0) as u64
}

fn write_jvm_tick(out: &mut String, story: &Story, t: i64, rng: &mut Rng) {
    if t >= story.oom_kill_ns && t < story.restarted_ns {
        return;
    }
    let heap = heap_mb(story, t, rng);
    let percent = heap * 100 / 2048;
    let (level, what) = if percent >= 85 {
        ("WARN ", "GC overhead limit approaching")
    } else {
        ("INFO ", "heap usage")
    };
    out.push_str(&format!(
        "{} {level} [gc-monitor] c.e.gateway.HeapMonitor - {what}: {percent}% ({heap} MB of 2048 MB); GC pause {} ms\n",
        iso_ms(t + rng.range(0, 999) as i64 * MS_NS),
        if percent >= 85 { rng.range(300, 1900) } else { rng.range(3, 30) }
    ));
}

fn write_timeout_trace(out: &mut String, t: i64, request_id: &str, rng: &mut Rng) {
    let thread = rng.range(1, 200);
    out.push_str(&format!(
        "{} ERROR [http-nio-8080-exec-{thread}] c.e.gateway.PaymentController - charge failed for {request_id}\n\
java.net.SocketTimeoutException: Read timed out after 30000 ms\n\
\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\n\
\tat com.example.gateway.AcquirerClient.charge(AcquirerClient.java:117)\n\
\tat com.example.gateway.PaymentController.pay(PaymentController.java:64)\n\
\tat java.base/java.lang.Thread.run(Thread.java:1583)\n",
        iso_ms(t)
    ));
}

fn write_syslog_tick(out: &mut String, t: i64, rng: &mut Rng) {
    let line = match rng.range(0, 4) {
        0 => "CRON[2211]: (root) CMD (/usr/local/bin/rotate-logs)".to_string(),
        1 => format!(
            "sshd[{}]: Accepted publickey for deploy from 10.0.9.4 port {}",
            rng.range(3000, 9000),
            rng.range(40000, 60000)
        ),
        2 => "systemd[1]: Started Daily apt download activities.".to_string(),
        _ => format!(
            "kernel: [{}.{:06}] eth0: link quality ok",
            rng.range(10000, 99999),
            rng.range(0, 999_999)
        ),
    };
    out.push_str(&format!("{} gw-node-1 {line}\n", syslog_time(t)));
}

fn write_oom(jvm: &mut String, syslog: &mut String, story: &Story) {
    let t = story.oom_kill_ns;
    jvm.push_str(&format!(
        "{} ERROR [http-nio-8080-exec-12] c.e.gateway.PaymentController - request failed\n\
java.lang.OutOfMemoryError: Java heap space\n\
\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n\
\tat com.example.gateway.ReceiptCache.put(ReceiptCache.java:88)\n\
\tat com.example.gateway.PaymentController.pay(PaymentController.java:71)\n",
        iso_ms(t - 2 * NANOS_PER_SEC)
    ));
    for (offset_s, line) in [
        (0, "kernel: [48211.339876] java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0"),
        (0, "kernel: [48211.340112] Out of memory: Killed process 4242 (java) total-vm:4718592kB, anon-rss:2093056kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:4500kB oom_score_adj:0"),
        (1, "systemd[1]: payment-gateway.service: Main process exited, code=killed, status=9/KILL"),
        (1, "systemd[1]: payment-gateway.service: Failed with result 'oom-kill'."),
        (6, "systemd[1]: payment-gateway.service: Scheduled restart job, restart counter is at 1."),
        (6, "systemd[1]: Started payment-gateway.service - Payment gateway."),
    ] {
        syslog.push_str(&format!(
            "{} gw-node-1 {line}\n",
            syslog_time(t + offset_s * NANOS_PER_SEC)
        ));
    }
    jvm.push_str(&format!(
        "{} INFO  [main] c.e.gateway.Application - Started Application in 21.4 seconds (process running for 22.1)\n",
        iso_ms(story.restarted_ns)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::formats::FormatName;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};
    use crate::engine::level::Level;
    use crate::engine::store::SourceData;

    fn ingest_demo() -> Vec<SourceData> {
        generate(DEMO_SEED)
            .iter()
            .map(|f| {
                ingest_bytes(
                    f.name,
                    &f.bytes,
                    IngestOptions {
                        modified_ns: Some(f.modified_ns),
                        ..Default::default()
                    },
                )
            })
            .collect()
    }

    /// Events at or above `Warn` per minute, inside and outside `window`.
    fn problem_rates(sources: &[SourceData], story: &Story) -> (f64, f64) {
        let window = story.incident();
        let (mut inside, mut outside) = (0u64, 0u64);
        for s in sources {
            for e in 0..s.len() {
                let (Some(t), level) = (s.ts(e), s.level(e)) else {
                    continue;
                };
                if level >= Level::Warn {
                    if window.contains(&t) {
                        inside += 1;
                    } else {
                        outside += 1;
                    }
                }
            }
        }
        let window_min = (window.end - window.start) as f64 / MINUTE_NS as f64;
        let outside_min = (story.end_ns - story.start_ns) as f64 / MINUTE_NS as f64 - window_min;
        (inside as f64 / window_min, outside as f64 / outside_min)
    }

    #[test]
    fn the_demo_is_deterministic() {
        let a = generate(DEMO_SEED);
        let b = generate(DEMO_SEED);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.bytes, y.bytes, "{} differs between runs", x.name);
        }
        assert_ne!(generate(1)[0].bytes, a[0].bytes);
    }

    #[test]
    fn the_demo_reads_as_five_sources_and_over_fifty_thousand_events() {
        let sources = ingest_demo();
        assert!(sources.len() >= 5);
        let total: usize = sources.iter().map(|s| s.len()).sum();
        assert!(total >= 50_000, "only {total} events");
        for s in &sources {
            assert_eq!(s.info.error, None, "{}", s.info.name);
            assert_ne!(s.info.format, FormatName::Unknown, "{}", s.info.name);
            assert!(s.len() > 10, "{} has {} events", s.info.name, s.len());
            let timed = (0..s.len()).filter(|&e| s.ts(e).is_some()).count();
            assert_eq!(
                timed,
                s.len(),
                "{}: every demo event has a time",
                s.info.name
            );
        }
        let format_of = |name: &str| {
            sources
                .iter()
                .find(|s| s.info.name == name)
                .map(|s| s.info.format)
        };
        assert_eq!(
            format_of("payment-gateway.jsonl"),
            Some(FormatName::JsonLines)
        );
        assert_eq!(format_of("nginx-access.log"), Some(FormatName::AccessLog));
        assert_eq!(format_of("payments.csv"), Some(FormatName::Csv));
    }

    #[test]
    fn every_event_lies_in_the_story_span_and_stack_traces_are_one_event() {
        let story = Story::demo();
        let files = generate(DEMO_SEED);
        let sources = ingest_demo();
        for s in &sources {
            let (Some(first), Some(last)) = (s.info.first_ts, s.info.last_ts) else {
                panic!("{} has no times", s.info.name);
            };
            assert!(first >= story.start_ns, "{} starts early", s.info.name);
            assert!(
                last <= story.end_ns + MINUTE_NS,
                "{} ends late",
                s.info.name
            );
        }
        let jvm_text = &files
            .iter()
            .find(|f| f.name == "gateway-container.log")
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default();
        let stamped_lines = jvm_text
            .lines()
            .filter(|l| l.as_bytes().first().is_some_and(u8::is_ascii_digit))
            .count();
        let jvm = sources
            .iter()
            .find(|s| s.info.name == "gateway-container.log")
            .map(|s| s.len());
        assert_eq!(jvm, Some(stamped_lines));
    }

    #[test]
    fn the_incident_is_visible_in_the_data() {
        let story = Story::demo();
        let sources = ingest_demo();
        let (inside, outside) = problem_rates(&sources, &story);
        assert!(
            inside > 5.0 * outside.max(0.1),
            "warnings and errors per minute: {inside:.1} inside the incident, {outside:.1} outside"
        );
        // The OOM kill is in the syslog, and nginx answered 502 while the gateway was down.
        let text_of = |name: &str| -> Vec<String> {
            let s = sources.iter().find(|s| s.info.name == name);
            s.map(|s| {
                (0..s.len())
                    .map(|e| String::from_utf8_lossy(s.text(e)).into_owned())
                    .collect()
            })
            .unwrap_or_default()
        };
        assert!(text_of("syslog")
            .iter()
            .any(|l| l.contains("Out of memory: Killed process")));
        let nginx = sources.iter().find(|s| s.info.name == "nginx-access.log");
        let bad_gateway_while_down = nginx.map_or(0, |s| {
            (0..s.len())
                .filter(|&e| {
                    s.ts(e).is_some_and(|t| {
                        t >= story.oom_kill_ns && t < story.restarted_ns + MINUTE_NS
                    }) && String::from_utf8_lossy(s.text(e)).contains("\" 502 ")
                })
                .count()
        });
        assert!(bad_gateway_while_down > 20, "{bad_gateway_while_down} 502s");
    }
}
