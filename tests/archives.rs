//! `casefile summary --json` over archives: every member is its own entry named `ARCHIVE!/member`, and
//! reads exactly like the same file given on its own (events, first and last time).
//!
//! The inputs are written here: a zip (one member stored, one deflated, one a `.gz` inside), a
//! `.tar.gz` and a `.tar.zst` of the same files, next to the plain files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::write::{DeflateEncoder, GzEncoder};
use flate2::Compression;

fn app_log() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..300 {
        out.extend(
            format!(
                "2026-07-03 09:{:02}:{:02},123 ERROR [main] c.e.Pay - failed {i}\n\tat c.e.Pay.run(Pay.java:{i})\n",
                i / 60,
                i % 60
            )
            .into_bytes(),
        );
    }
    out
}

fn web_csv() -> Vec<u8> {
    let mut out = b"id,time,path,note\n".to_vec();
    for i in 0..200 {
        out.extend(
            format!(
                "{i},2026-07-03T10:00:{:02}Z,/p/{i},\"a, \"\"quoted\"\"\nnote\"\n",
                i % 60
            )
            .into_bytes(),
        );
    }
    out
}

fn syslog() -> Vec<u8> {
    (0..50)
        .flat_map(|i| format!("Jul  3 09:00:{:02} host app[1]: message {i}\n", i % 60).into_bytes())
        .collect()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A zip with local headers and a central directory; members stored (method 0) or deflated (8).
fn zip(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, deflate) in members {
        let body = if *deflate {
            let mut e = DeflateEncoder::new(Vec::new(), Compression::fast());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        } else {
            data.to_vec()
        };
        let offset = out.len() as u32;
        let mut h = Vec::new();
        h.extend(0x0403_4b50u32.to_le_bytes());
        h.extend(20u16.to_le_bytes());
        h.extend(0x0800u16.to_le_bytes());
        h.extend((if *deflate { 8u16 } else { 0 }).to_le_bytes());
        h.extend(0u16.to_le_bytes());
        h.extend(((56u16 << 9) | (7 << 5) | 3).to_le_bytes()); // 2036-07-03
        h.extend(crc32fast::hash(data).to_le_bytes());
        h.extend((body.len() as u32).to_le_bytes());
        h.extend((data.len() as u32).to_le_bytes());
        h.extend((name.len() as u16).to_le_bytes());
        h.extend(0u16.to_le_bytes());
        h.extend(name.as_bytes());
        out.extend(&h);
        out.extend(&body);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend([0u8; 38]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 18]);
    out
}

/// A ustar archive; members get the modification time `mtime` (seconds).
fn tar(members: &[(&str, &[u8])], mtime: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in members {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[136..147].copy_from_slice(format!("{mtime:011o}").as_bytes());
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&c| c as u32).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend(h);
        out.extend(*data);
        out.extend(vec![0u8; (512 - data.len() % 512) % 512]);
    }
    out.extend([0u8; 1024]);
    out
}

fn summary(files: &[PathBuf]) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(["summary", "--json"])
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["files"].as_array().unwrap().clone()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The parts of an entry that must not depend on how the file arrived.
fn reading(entry: &serde_json::Value) -> (String, u64, String, String, serde_json::Value) {
    (
        entry["format"].as_str().unwrap().to_string(),
        entry["events"].as_u64().unwrap(),
        entry["first_ts"].to_string(),
        entry["last_ts"].to_string(),
        entry["error"].clone(),
    )
}

#[test]
fn archive_members_are_entries_that_read_like_the_files_alone() {
    let dir = std::env::temp_dir().join(format!("casefile-archives-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (app, web, sys) = (app_log(), web_csv(), syslog());
    // Syslog has no year: every copy carries the same modification time (2026-07-03 14:00 UTC).
    let mtime = 1_783_087_200u64;
    let set_mtime = |p: &Path| {
        let f = std::fs::File::options().write(true).open(p).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime))
            .unwrap();
    };
    let plain = vec![
        write(&dir, "app.log", &app),
        write(&dir, "web.csv", &web),
        write(&dir, "syslog", &sys),
    ];
    plain.iter().for_each(|p| set_mtime(p));
    let members: [(&str, &[u8]); 3] = [("app.log", &app), ("web.csv", &web), ("syslog", &sys)];
    let tarball = tar(&members, mtime);
    let bundle_tgz = write(&dir, "bundle.tar.gz", &gz(&tarball));
    let bundle_zst = write(
        &dir,
        "bundle.tar.zst",
        &ruzstd::encoding::compress_to_vec(
            &tarball[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        ),
    );
    let bundle_zip = write(
        &dir,
        "bundle.zip",
        &zip(&[
            ("logs/app.log", &app, false),
            ("logs/web.csv.gz", &gz(&web), false),
            ("logs/web.csv", &web, true),
        ]),
    );
    let alone = summary(&plain);
    let all = summary(&[bundle_tgz, bundle_zst, bundle_zip.clone()]);
    let paths: Vec<String> = all
        .iter()
        .map(|e| {
            let p = e["path"].as_str().unwrap();
            p[p.rfind('/').map_or(0, |i| i + 1)..].to_string()
        })
        .collect();
    assert_eq!(
        paths,
        [
            "app.log",
            "web.csv",
            "syslog",
            "app.log",
            "web.csv",
            "syslog",
            "app.log",
            "web.csv.gz",
            "web.csv"
        ]
    );
    let path = |i: usize| all[i]["path"].as_str().unwrap().to_string();
    assert!(path(0).ends_with("bundle.tar.gz!/app.log"));
    assert!(path(5).ends_with("bundle.tar.zst!/syslog"));
    assert!(path(7).ends_with("bundle.zip!/logs/web.csv.gz"));
    for (i, want) in [0, 1, 2, 0, 1, 2, 0, 1, 1].into_iter().enumerate() {
        assert_eq!(reading(&all[i]), reading(&alone[want]), "{}", path(i));
    }
    assert_eq!(all[0]["events"], 300, "a stack trace is one event");
    assert_eq!(
        all[1]["events"], 200,
        "a record over two lines is one event"
    );
    assert_eq!(all[2]["first_ts"], "2026-07-03T09:00:00Z");
    assert_eq!(all[6]["bytes"], app.len() as u64, "a member's size");
    std::fs::remove_dir_all(&dir).unwrap();
}
