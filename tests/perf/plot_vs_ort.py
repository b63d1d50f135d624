#!/usr/bin/env python3
"""The chart and the throughput table of docs/performance.md, from a bench_vs_ort.py run.

Reads the measurements `bench_vs_ort.py --json RUN.json` wrote, counts each model's
floating-point operations (model_flops.py: Conv, ConvTranspose, Gemm, MatMul of the graph
EdgeInfer runs), measures the machine's fp32 FMA peak (edgeinfer-fma-peak) at the same thread
counts, then prints a Markdown table of achieved GFLOP/s (EdgeInfer and ONNX Runtime) against
that peak, with EdgeInfer's time from model file to first result beside ONNX Runtime's session
creation (issue #4's load-time target), and draws a bar chart of the latency ratios (python3-matplotlib).

    plot_vs_ort.py RUN.json [--out docs/performance.png] [--build build]

A run of several CPU layouts (bench_vs_ort.py --layouts) gets a bar and a table row per layout.
"""
import argparse
import json
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from model_flops import model_flops  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_json")
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.png"))
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--models-dir", default=os.path.join(ROOT, "..", "shared", "models"))
    args = p.parse_args()
    with open(args.run_json) as f:
        rows = json.load(f)
    threads = sorted({r["threads"] for r in rows})
    # Runs before bench_vs_ort.py --layouts have no layout: the ONNX layout.
    layouts = list(dict.fromkeys(r.get("layout", "nchw") for r in rows))
    series = [(t, layout) for t in threads for layout in layouts]
    peak = json.loads(subprocess.run(
        [os.path.join(args.build, "tests", "perf", "edgeinfer-fma-peak")] + [str(t) for t in threads],
        check=True, capture_output=True, text=True).stdout)
    run_tool = os.path.join(args.build, "engine", "tools", "edgeinfer-run")
    gflop = {}
    for r in rows:
        if r["model"] not in gflop:
            gflop[r["model"]] = model_flops(os.path.join(args.models_dir, r["model"]), run_tool) / 1e9

    print(f"fp32 FMA peak ({peak['isa']}): " +
          ", ".join(f"{v:.0f} GFLOP/s at {t} thread(s)" for t, v in peak["peak_gflops"].items()))
    print("| model | GFLOP | threads | layout | EdgeInfer GFLOP/s | % of peak | ONNX Runtime GFLOP/s "
          "| % of peak | EdgeInfer load + first run ms | ONNX Runtime session creation ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        top = peak["peak_gflops"][str(r["threads"])]
        ours = gflop[r["model"]] / (r["edgeinfer_median_ms"] / 1e3)
        theirs = gflop[r["model"]] / (r["ort_median_ms"] / 1e3)
        print(f"| {r['model'].removesuffix('.onnx')} | {gflop[r['model']]:.3f} | {r['threads']} "
              f"| {r.get('layout', 'nchw')} | {ours:.1f} | {100 * ours / top:.0f}% | {theirs:.1f} | {100 * theirs / top:.0f}% "
              f"| {r['edgeinfer_load_ms'] + r['edgeinfer_first_run_ms']:.1f} | {r['ort_load_ms']:.1f} |")

    # One bar per model and thread count: latency ratio EdgeInfer / ONNX Runtime (lower is
    # better), with both medians written on the bar; the models' latencies differ tenfold, so
    # ratios share one axis where milliseconds would not.
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, ax = plt.subplots(figsize=(max(6, 2.2 * len(models)), 4.5))
    width = 0.8 / len(series)
    colors = ["#2a7ab0", "#7ab02a", "#b07a2a", "#7a2ab0"]
    for k, (t, layout) in enumerate(series):
        xs, ratios, notes = [], [], []
        for i, m in enumerate(models):
            for r in rows:
                if r["model"] == m and r["threads"] == t and r.get("layout", "nchw") == layout:
                    xs.append(i - 0.4 + width * (k + 0.5))
                    ratios.append(r["ratio"])
                    notes.append(f"{r['ratio']:.2f}\n{r['edgeinfer_median_ms']:.2f}/"
                                 f"{r['ort_median_ms']:.2f} ms")
        label = f"{t} thread(s)" + (f", {layout}" if len(layouts) > 1 else "")
        ax.bar(xs, ratios, width, label=label, color=colors[k % len(colors)])
        for x, ratio, note in zip(xs, ratios, notes):
            ax.text(x, ratio + 0.02, note, ha="center", va="bottom", fontsize=7)
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--", label="ONNX Runtime")
    ax.axhline(0.6, color="red", linewidth=0.8, linestyle=":", label="target 0.6")
    ax.set_xticks(range(len(models)))
    ax.set_xticklabels([m.removesuffix(".onnx") for m in models], fontsize=9)
    ax.set_ylabel("latency EdgeInfer / ONNX Runtime")
    ax.set_ylim(0, max(1.2, max(r["ratio"] for r in rows) + 0.25))
    ax.set_title("CPU latency ratio, same run (labels: ratio, EdgeInfer/ORT median ms)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
