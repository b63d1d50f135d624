#!/usr/bin/env python3
"""Times the Conv algorithms side by side on single-Conv models (one layer at a time).

For each layer C:K:H:W (3x3, pads 1, stride 1, bias, Relu), writes a one-node ONNX model and
alternates `edgeinfer-bench --json --algo Conv=ALGO` over the algorithms ROUNDS times, so every
algorithm sees the same machine noise; prints the median of the rounds' medians per algorithm
and its ratio to the first one.

  tests/perf/bench_conv_algos.py [--bench PATH] [--threads 2] [--rounds 5] [--iterations 10]
                                 [--algos im2col-gemm winograd4 winograd6] C:K:H:W ...
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write_layer(path, c, k, h, w):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(0)
    weights = rng.normal(0, (2.0 / (9 * c)) ** 0.5, (k, c, 3, 3)).astype(np.float32)
    bias = rng.normal(0, 0.01, (k,)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["t"], kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1], name="conv"),
             helper.make_node("Relu", ["t"], ["y"], name="relu")]
    graph = helper.make_graph(
        nodes, "layer", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, k, h, w])],
        initializer=[numpy_helper.from_array(weights, "w"), numpy_helper.from_array(bias, "b")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("layers", nargs="+", help="C:K:H:W")
    p.add_argument("--bench", default=os.path.join(ROOT, "build", "engine", "tools",
                                                   "edgeinfer-bench"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--algos", nargs="+", default=["im2col-gemm", "winograd4", "winograd6"])
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for layer in args.layers:
            c, k, h, w = (int(v) for v in layer.split(":"))
            model = os.path.join(tmp, f"conv_{c}_{k}_{h}_{w}.onnx")
            write_layer(model, c, k, h, w)
            times = {a: [] for a in args.algos}
            for _ in range(args.rounds):
                for algo in args.algos:
                    out = subprocess.run(
                        [args.bench, model, "--json", "--backend", "cpu", "--threads",
                         str(args.threads), "--warmup", str(args.warmup), "--iterations",
                         str(args.iterations), "--algo", f"Conv={algo}"],
                        check=True, capture_output=True, text=True).stdout
                    times[algo].append(json.loads(out.strip().splitlines()[-1])["median_ms"])
            base = statistics.median(times[args.algos[0]])
            cells = []
            for algo in args.algos:
                ms = statistics.median(times[algo])
                cells.append(f"{algo} {ms:8.2f} ms ({ms / base:4.2f})")
            print(f"C{c:<4} K{k:<4} {h}x{w:<5} threads={args.threads}  " + "  ".join(cells))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
