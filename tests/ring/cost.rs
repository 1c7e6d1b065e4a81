//! Timing experiment: the replay cost of hostile configurations.

use edge_session::ring::{Ring, RingConfig, RingStep, ShardSpec};

/// Worst-case replay cost of hostile configurations within the input limits: 1024 shards,
/// then as many weight changes as fit in 256 KiB / 4096 steps, in a few patterns. Prints
/// timings; run with
/// `cargo test --release --test ring -- --ignored --nocapture worst_case_config_cost`.
#[test]
#[ignore = "timing experiment, run by hand in release mode"]
fn worst_case_config_cost() {
    type Pattern = fn(u32, &mut u64) -> (u32, u32);
    let patterns: [(&str, Pattern); 3] = [
        ("swing one shard up and back", |i, _| {
            (
                i / 2 % 1024,
                if i.is_multiple_of(2) { 1_000_000 } else { 1 },
            )
        }),
        ("raise shards in turn", |i, _| (i % 1024, 2 + i / 1024)),
        ("random shard, random weight", |_, x| {
            *x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((*x >> 33) as u32 % 1024, 1 + (*x >> 40) as u32 % 1_000_000)
        }),
    ];
    for (what, pattern) in patterns {
        let init: Vec<ShardSpec> = (0..1024)
            .map(|i| ShardSpec::new(format!("{i}"), 1))
            .collect();
        let mut steps = vec![RingStep::Init(init)];
        let mut size = RingConfig {
            version: 1,
            epoch: 4096,
            steps: steps.clone(),
        }
        .to_json()
        .len();
        let mut x = 1u64;
        for i in 0u32.. {
            let (shard, w) = pattern(i, &mut x);
            let step = RingStep::SetWeight(ShardSpec::new(format!("{shard}"), w));
            size += serde_json::to_string(&step).unwrap().len() + 1;
            if steps.len() == 4096 || size > 256 * 1024 {
                break;
            }
            steps.push(step);
        }
        let cfg = RingConfig {
            version: 1,
            epoch: steps.len() as u32,
            steps,
        };
        let json = cfg.to_json();
        let t = std::time::Instant::now();
        let result = Ring::from_json(&json);
        println!(
            "{what}: {} steps, {} bytes: arcs {:?} in {:.2?}",
            cfg.steps.len(),
            json.len(),
            result
                .as_ref()
                .map(|r| r.arcs().len())
                .map_err(|e| e.code()),
            t.elapsed()
        );
    }
}
