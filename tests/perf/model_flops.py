#!/usr/bin/env python3
"""Floating-point operations of one inference of a model, as EdgeInfer runs it: counted from
the Conv, ConvTranspose, Gemm and MatMul nodes of the graph after import and passes (2 per
multiply-add; everything else is memory-bound and left out), with the static shapes that
`edgeinfer-run --dump-graph` prints for every value.

    model_flops.py [--run PATH/edgeinfer-run] MODEL ...    prints GFLOP per model
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# "  const  %W : float32[16,3,3,3]" and "  input  %x : float32[1,3,256,256]"
_DECLARATION = re.compile(r"^\s+(?:const|input)\s+%(\S+) : \w+\[([\d,]*)\]")
# "  %y = Conv<...>(%x, %W, %B)  # name float32[1,16,128,128]"
_NODE = re.compile(r"^\s+%(\S+) = (\w+)(<.*>)?\((.*)\)\s+# \S+ \w+\[([\d,]*)\]\s*$")


def _dims(text):
    return [int(d) for d in text.split(",") if d]


def _product(values):
    result = 1
    for v in values:
        result *= v
    return result


def graph_flops(graph_text):
    """(flops, nodes counted) of a graph as `--dump-graph` prints it."""
    shapes = {}
    flops, counted = 0, 0
    for line in graph_text.splitlines():
        declared = _DECLARATION.match(line)
        if declared:
            shapes[declared.group(1)] = _dims(declared.group(2))
            continue
        node = _NODE.match(line)
        if not node:
            continue
        output, op, attributes, operands, out_dims = node.groups()
        y = _dims(out_dims)
        shapes[output] = y
        if op not in ("Conv", "ConvTranspose", "Gemm", "MatMul"):
            continue
        inputs = [o.strip().lstrip("%") for o in operands.split(",")]
        x, w = shapes.get(inputs[0]), shapes.get(inputs[1])
        if x is None or w is None:
            raise ValueError(f"{op} node '{output}': shapes of its inputs are not in the dump")
        if op == "Conv":
            macs = _product(y) * _product(w[1:])  # each output: C/group x kernel
        elif op == "ConvTranspose":
            macs = _product(x) * _product(w[1:])  # each input: M/group x kernel
        else:  # Gemm, MatMul: each output sums over the shared dim K of A (Gemm may transpose A)
            trans_a = op == "Gemm" and "transA=1" in (attributes or "")
            macs = _product(y) * (x[0] if trans_a else x[-1])
        flops += 2 * macs
        counted += 1
    return flops, counted


def model_flops(model, run=os.path.join(ROOT, "build", "engine", "tools", "edgeinfer-run")):
    """Floating-point operations of one inference of `model` (a path)."""
    # --dump-graph prints before the run, which fails without inputs: only the dump matters. The
    # ONNX layout: the model's operations, not the blocked layout's padding lanes.
    dump = subprocess.run([run, model, "--dump-graph", "--backend", "cpu", "--layout", "nchw"],
                          capture_output=True, text=True).stdout
    if not dump.startswith("graph"):
        raise RuntimeError(f"{run} printed no graph for {model}")
    return graph_flops(dump)[0]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+")
    p.add_argument("--run", default=os.path.join(ROOT, "build", "engine", "tools", "edgeinfer-run"))
    args = p.parse_args()
    for model in args.models:
        print(f"{model}: {model_flops(model, args.run) / 1e9:.3f} GFLOP")
    return 0


if __name__ == "__main__":
    sys.exit(main())
