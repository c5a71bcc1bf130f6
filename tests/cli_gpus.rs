//! Choosing among several GPUs: `nanodemon gpus` lists the adapters, `--adapter N` and NANODEMON_ADAPTER
//! pick one, and an index that does not exist is a clear error naming where it came from.

mod common;

use common::json_output;
use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nanodemon"));
    c.env("WGPU_BACKEND", "vulkan")
        .env("XDG_RUNTIME_DIR", "/tmp")
        .env_remove("NANODEMON_ADAPTER");
    c
}

fn required() -> bool {
    std::env::var_os("NANODEMON_REQUIRE_GPU").is_some_and(|v| v != "0" && !v.is_empty())
}

/// `gpus --json` lists every adapter with its index, name, backend and type (lavapipe here and in CI), and
/// `gpu --adapter i` opens exactly the i-th.
#[test]
fn gpus_json_lists_adapters_and_adapter_flag_opens_the_listed_one() {
    let v = json_output(bin().args(["gpus", "--json"]));
    let list = v["adapters"].as_array().expect("adapters array");
    if list.is_empty() {
        assert!(
            !required(),
            "NANODEMON_REQUIRE_GPU is set but `gpus` lists no adapter"
        );
        eprintln!("\n*** SKIPPED the adapter checks: `nanodemon gpus` lists no adapter ***\n");
        return;
    }
    for (i, a) in list.iter().enumerate() {
        assert_eq!(a["index"], i, "indices follow the list");
        assert!(!a["name"].as_str().unwrap().is_empty());
        assert_eq!(a["backend"], "Vulkan", "WGPU_BACKEND=vulkan");
        assert!(a["device_type"].is_string());
    }
    if required() {
        assert!(
            list.iter()
                .any(|a| a["name"].as_str().unwrap().contains("llvmpipe")
                    && a["device_type"] == "Cpu"),
            "CI's lavapipe (llvmpipe, type Cpu) is not listed: {list:?}"
        );
    }
    let last = list.len() - 1;
    let opened = json_output(bin().args(["gpu", "--json", "--adapter", &last.to_string()]));
    assert_eq!(opened["adapter"], list[last]["name"]);
    let by_env = json_output(
        bin()
            .args(["gpu", "--json"])
            .env("NANODEMON_ADAPTER", last.to_string()),
    );
    assert_eq!(by_env["adapter"], list[last]["name"]);
}

/// A bad index fails before any work, naming the flag (or the variable) and where to find valid ones.
#[test]
fn bad_adapter_index_is_a_clear_error() {
    let scenario = common::scenario_path("small-heater.json");
    let out = std::env::temp_dir().join(format!("nanodemon-bad-adapter-{}", std::process::id()));
    let o = bin()
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "gpu", "--adapter", "99", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("--adapter 99") && err.contains("nanodemon gpus"),
        "{err}"
    );
    assert!(
        !out.join("heat.csv").exists(),
        "no run output on a bad index"
    );
    let _ = std::fs::remove_dir_all(&out);

    let o = bin()
        .args(["gpu"])
        .env("NANODEMON_ADAPTER", "99")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("NANODEMON_ADAPTER=99") && err.contains("nanodemon gpus"),
        "{err}"
    );

    let o = bin()
        .args(["gpu"])
        .env("NANODEMON_ADAPTER", "first")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("NANODEMON_ADAPTER=\"first\" is not an adapter index"),
        "{err}"
    );
}
