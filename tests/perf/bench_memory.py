#!/usr/bin/env python3
"""Memory modes side by side with ONNX Runtime, in one run: the table of docs/memory.md.

For each model, every EdgeInfer memory mode (and `planned` with mapped weights) and ONNX
Runtime with its CPU arena and memory pattern on (its defaults) and off are each run in a
fresh process, ROUNDS times in alternation; the table gives the median of peak RSS,
steady-state latency (median of a run's timed iterations) and first-run latency. A PNG per
model plots the bytes of intermediates alive over the schedule with the planned arena and
the lower bound.

  tests/perf/bench_memory.py [--bench PATH] [--models-dir DIR] [--unet-size 1024]
                             [--rounds 3] [--iterations 10] [--out-dir DIR]
                             [--only planned-mapped,ort-on] [MODEL ...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# (memory mode, weights, schedule): "topological" runs the model's own node order, to show
# what memory-aware scheduling (the default) changes.
EDGEINFER_CONFIGS = [
    ("separate", "load", "memory"), ("reduce", "load", "memory"), ("reuse", "load", "memory"),
    ("planned", "load", "topological"), ("planned", "load", "memory"),
    ("planned", "mapped", "memory"),
]
ORT_CONFIGS = [("on", "on"), ("off", "off")]


def config_key(*parts):
    """The name --only takes: planned-mapped, planned-load-topological, ort-on, ..."""
    return "-".join(p for p in parts if p != "memory")


def run_json(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench_memory: {' '.join(cmd)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def mib(n):
    return f"{n / 2 ** 20:.1f}"


def plot_timeline(timeline, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    live = [b / 2 ** 20 for b in timeline["live_bytes"]]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.step(range(len(live)), live, where="post",
            label="bytes alive (planned: in place, Concat slices)")
    ax.axhline(timeline["arena_bytes"] / 2 ** 20, color="tab:red", linestyle="--",
               label=f"planned arena {mib(timeline['arena_bytes'])} MiB")
    ax.axhline(timeline["lower_bound_bytes"] / 2 ** 20, color="tab:green", linestyle=":",
               label=f"lower bound {mib(timeline['lower_bound_bytes'])} MiB")
    ax.axhline(timeline["lower_bound_without_in_place_bytes"] / 2 ** 20, color="tab:gray",
               linestyle="-.", label="lower bound without aliasing "
               f"{mib(timeline['lower_bound_without_in_place_bytes'])} MiB")
    ax.set_xlabel("schedule step")
    ax.set_ylabel("MiB")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_ylim(0, max(live + [timeline["lower_bound_without_in_place_bytes"] / 2 ** 20]) * 1.35)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="*")
    p.add_argument("--models-dir", default=os.path.join(ROOT, "..", "shared", "models"))
    p.add_argument("--bench", default=os.path.join(ROOT, "build", "engine", "tools",
                                                   "edgeinfer-bench"))
    p.add_argument("--unet-size", type=int, default=1024,
                   help="also generate and run the U-Net at this size (0: no U-Net)")
    p.add_argument("--unet-base-channels", type=int, default=16)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--backend", default="cpu",
                   help="EdgeInfer's backend (default cpu, like ONNX Runtime's CPU provider: "
                        "auto also loads the Vulkan driver stack, lavapipe on a machine "
                        "without a GPU, before it falls back to the CPU)")
    p.add_argument("--out-dir", default=os.path.join(ROOT, "build", "bench-memory"))
    p.add_argument("--plot-dir", help="where the PNGs go (default: --out-dir)")
    p.add_argument("--only", help="comma-separated configurations to run (default: all): "
                   + ", ".join([config_key(*c) for c in EDGEINFER_CONFIGS]
                               + [config_key("ort", a) for a, _ in ORT_CONFIGS]))
    p.add_argument("--skip-models-dir", action="store_true",
                   help="run only the models named (and the U-Net), not ../shared/models")
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    plot_dir = args.plot_dir or args.out_dir
    os.makedirs(plot_dir, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    wanted = lambda *parts: only is None or config_key(*parts) in only
    if args.models or args.skip_models_dir:
        models = list(args.models)
    else:
        models = sorted(os.path.join(args.models_dir, f) for f in os.listdir(args.models_dir)
                        if f.endswith(".onnx"))
    if args.unet_size:
        unet = os.path.join(args.out_dir, f"unet{args.unet_size}.onnx")
        if not os.path.exists(unet):
            subprocess.run([sys.executable, os.path.join(ROOT, "tests", "models", "make_unet.py"),
                            unet, "--size", str(args.unet_size),
                            "--base-channels", str(args.unet_base_channels)], check=True)
        models.append(unet)
    cache = os.path.join(args.out_dir, "cache")
    timing = ["--threads", str(args.threads), "--warmup", str(args.warmup),
              "--iterations", str(args.iterations)]
    all_rows = []
    for model in models:
        name = os.path.splitext(os.path.basename(model))[0]
        runs = {}
        for _ in range(args.rounds):
            for mode, weights, schedule in EDGEINFER_CONFIGS:
                if not wanted(mode, weights, schedule):
                    continue
                cmd = [args.bench, model, "--json", "--memory-mode", mode, "--weights", weights,
                       "--schedule", schedule, "--backend", args.backend,
                       "--cache-dir", cache] + timing
                if (mode, schedule) == ("planned", "memory") and weights == (
                        "load" if wanted("planned", "load", "memory") else "mapped"):
                    timeline = os.path.join(args.out_dir, f"{name}-timeline.json")
                    cmd += ["--timeline", timeline]
                label = f"EdgeInfer {mode}, weights {weights}" + (
                    ", model's node order" if schedule == "topological" else "")
                runs.setdefault(label, []).append(run_json(cmd))
            for arena, pattern in ORT_CONFIGS:
                if not wanted("ort", arena):
                    continue
                cmd = ["node", os.path.join(HERE, "ort_bench.js"), model, "--cpu-arena", arena,
                       "--mem-pattern", pattern] + timing
                runs.setdefault(f"ONNX Runtime arena {arena}, mem pattern {pattern}",
                                []).append(run_json(cmd))
        med = lambda rs, k: statistics.median(r[k] for r in rs)
        print(f"\n### {name}\n")
        print("| engine, mode | peak RSS MiB | steady-state ms | first run ms | arena MiB "
              "| lower bound MiB |")
        print("|---|---|---|---|---|---|")
        for label, rs in runs.items():
            row = {"model": name, "config": label, "peak_rss_bytes": med(rs, "peak_rss_bytes"),
                   "median_ms": med(rs, "median_ms"), "first_run_ms": med(rs, "first_run_ms")}
            arena = bound = ""
            if "arena_bytes" in rs[0]:
                row["arena_bytes"] = med(rs, "arena_bytes")
                row["lower_bound_bytes"] = med(rs, "lower_bound_bytes")
                row["weights_private_bytes"] = med(rs, "weights_private_bytes")
                row["weights_mapped_bytes"] = med(rs, "weights_mapped_bytes")
                arena, bound = mib(row["arena_bytes"]), mib(row["lower_bound_bytes"])
            all_rows.append(row)
            print(f"| {label} | {mib(row['peak_rss_bytes'])} | {row['median_ms']:.2f} "
                  f"| {row['first_run_ms']:.2f} | {arena} | {bound} |")
        timeline = os.path.join(args.out_dir, f"{name}-timeline.json")
        if os.path.exists(timeline):
            with open(timeline) as f:
                plot_timeline(json.load(f), f"{name}: intermediates alive over the schedule",
                              os.path.join(plot_dir, f"memory_{name}.png"))
        sys.stdout.flush()
    with open(os.path.join(args.out_dir, "bench_memory.json"), "w") as f:
        json.dump(all_rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
