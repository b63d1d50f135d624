#!/usr/bin/env python3
"""The large-model memory test, at a size that keeps CI fast.

Generates the U-Net of make_unet.py (--size, --base-channels), runs it through edgeinfer-run in
every memory mode with loaded and mapped weights, and requires every output (and a kept
intermediate, --keep) to be bit-identical to `separate`. Then asks edgeinfer-bench --json for
the plan: the planned arena must be within 5% of the lower bound, below `reduce`'s peak, and
the weights must be mapped rather than private.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

MODES = ["separate", "reduce", "reuse", "planned"]


def run(cmd):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(map(str, cmd))}\n{result.stderr}")
    return result.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--edgeinfer-run", required=True)
    p.add_argument("--edgeinfer-bench", required=True)
    p.add_argument("--make-unet", required=True)
    p.add_argument("--work-dir", required=True)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--base-channels", type=int, default=4)
    args = p.parse_args()
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    model = work / f"unet{args.size}.onnx"
    run([sys.executable, args.make_unet, model, "--size", args.size,
         "--base-channels", args.base_channels])
    import onnx  # python3-onnx: only to name an intermediate to keep
    graph = onnx.load(str(model), load_external_data=False).graph
    keep = next(n.output[0] for n in graph.node if n.op_type == "Relu")

    outputs = {}
    for weights in ["load", "mapped"]:
        for mode in MODES:
            out = work / f"{mode}-{weights}"
            run([args.edgeinfer_run, model, "--random-input", "1", "--memory-mode", mode,
                 "--weights", weights, "--cache-dir", work / "cache", "--keep", keep,
                 "--output-dir", out, "--quiet"])
            files = sorted(out.glob("*.npy"))
            if len(files) != 2:
                sys.exit(f"FAILED: {mode}/{weights} wrote {[f.name for f in files]}, "
                         "expected the output and the kept tensor")
            outputs[(mode, weights)] = {f.name: f.read_bytes() for f in files}
    baseline = outputs[("separate", "load")]
    failures = 0
    for key, files in outputs.items():
        for name, data in files.items():
            same = data == baseline[name]
            print(f"{key[0]:>8} {key[1]:>6} {name}: {'bit-identical' if same else 'DIFFERENT'}")
            failures += not same

    stats = {}
    for mode in ["planned", "reduce"]:
        stats[mode] = json.loads(run([args.edgeinfer_bench, model, "--memory-mode", mode,
                                      "--weights", "mapped", "--cache-dir", work / "cache",
                                      "--warmup", "0", "--iterations", "1", "--json"]))
    s = stats["planned"]
    ratio = s["arena_bytes"] / s["lower_bound_bytes"]
    print(f"planned arena {s['arena_bytes']} bytes, lower bound {s['lower_bound_bytes']} "
          f"(without in place {s['lower_bound_without_in_place_bytes']}), ratio {ratio:.4f}; "
          f"reduce peak {stats['reduce']['arena_bytes']}")
    print(f"weights {s['weights_bytes']} bytes: {s['weights_mapped_bytes']} mapped, "
          f"{s['weights_private_bytes']} private")
    checks = [
        (ratio <= 1.05, "planned arena within 5% of the lower bound"),
        (s["arena_bytes"] <= stats["reduce"]["arena_bytes"], "planned arena <= reduce peak"),
        # The decoder's Concats: skip and upsampled tensors are written into the Concat's
        # output, so the bound is below the one with every tensor in its own bytes.
        (s["lower_bound_bytes"] < s["lower_bound_without_in_place_bytes"],
         "in place and Concat slices lower the bound"),
        (s["weights_mapped_bytes"] >= 0.99 * s["weights_bytes"], "weights mapped, not private"),
    ]
    for ok, what in checks:
        print(f"{'ok' if ok else 'FAILED'}: {what}")
        failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
