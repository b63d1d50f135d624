#!/usr/bin/env python3
"""EdgeInfer vs ONNX Runtime, side by side in one run.

For each model and thread count, alternates `edgeinfer-bench --json` and `ort_bench.js`
ROUNDS times (so both see the same machine noise), takes the median of each round's median,
and prints the ratio EdgeInfer / ONNX Runtime. Lower is better for EdgeInfer.

  tests/perf/bench_vs_ort.py [--models DIR] [--bench PATH] [--threads 1 2] [--rounds 5]
                             [--iterations 50] [--json OUT.json] [--algo NODE_OR_OP=ALGO ...]
                             [--layouts nchw nchwc] [MODEL ...]

MODEL may be any .onnx path (the U-Net of tests/models/make_unet.py, for instance); --algo is
passed on to edgeinfer-bench (to compare an algorithm against the default choice). With
several --layouts, each round runs EdgeInfer once per CPU layout (edgeinfer-bench --layout)
beside the one ONNX Runtime run, and each layout gets its row.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="*")
    p.add_argument("--models-dir", default=os.path.join(ROOT, "..", "shared", "models"))
    p.add_argument("--bench", default=os.path.join(ROOT, "build", "engine", "tools",
                                                   "edgeinfer-bench"))
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--memory-mode", default="planned")
    p.add_argument("--json", help="write all measurements here")
    p.add_argument("--algo", nargs="+", default=[], help="edgeinfer-bench --algo overrides")
    p.add_argument("--layouts", nargs="+", default=["nchw"], choices=["nchw", "nchwc"],
                   help="edgeinfer-bench --layout values to run, each in every round")
    args = p.parse_args()
    models = args.models or sorted(
        os.path.join(args.models_dir, f) for f in os.listdir(args.models_dir)
        if f.endswith(".onnx"))
    rows = []
    for model in models:
        for threads in args.threads:
            ours = {layout: [] for layout in args.layouts}
            theirs = []
            for _ in range(args.rounds):
                common = ["--threads", str(threads), "--warmup", str(args.warmup),
                          "--iterations", str(args.iterations)]
                algo = ["--algo"] + args.algo if args.algo else []
                for layout in args.layouts:
                    ours[layout].append(run_json([args.bench, model, "--json", "--memory-mode",
                                                  args.memory_mode, "--layout", layout]
                                                 + common + algo))
                theirs.append(run_json(["node", os.path.join(HERE, "ort_bench.js"), model]
                                       + common))
            med = lambda runs, key: statistics.median(r[key] for r in runs)
            for layout, runs in ours.items():
                row = {
                    "model": os.path.basename(model), "threads": threads, "layout": layout,
                    "edgeinfer_median_ms": med(runs, "median_ms"),
                    "ort_median_ms": med(theirs, "median_ms"),
                    "edgeinfer_load_ms": med(runs, "load_ms"),
                    "ort_load_ms": med(theirs, "load_ms"),
                    "edgeinfer_first_run_ms": med(runs, "first_run_ms"),
                    "ort_first_run_ms": med(theirs, "first_run_ms"),
                    "edgeinfer_peak_rss_mb": med(runs, "peak_rss_bytes") / 2**20,
                    "ort_peak_rss_mb": med(theirs, "peak_rss_bytes") / 2**20,
                    "arena_bytes": runs[-1].get("arena_bytes"),
                    "lower_bound_bytes": runs[-1].get("lower_bound_bytes"),
                    "weights_bytes": runs[-1].get("weights_bytes"),
                }
                row["ratio"] = row["edgeinfer_median_ms"] / row["ort_median_ms"]
                rows.append(row)
                print(f"{row['model']:28s} threads={threads} {layout:5s}"
                      f"  edgeinfer {row['edgeinfer_median_ms']:8.2f} ms"
                      f"  ort {row['ort_median_ms']:7.2f} ms  ratio {row['ratio']:6.2f}"
                      f"  load {row['edgeinfer_load_ms']:6.1f}/{row['ort_load_ms']:6.1f} ms"
                      f"  rss {row['edgeinfer_peak_rss_mb']:5.0f}/{row['ort_peak_rss_mb']:5.0f} MB",
                      flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
