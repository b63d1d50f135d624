#!/usr/bin/env python3
"""Writes a U-Net-shaped ONNX model with random weights: the large model of the memory tests.

Six levels: at each, two 3x3 Conv+Relu; between levels MaxPool 2x2 on the way down and Resize
(x2, linear) + Concat with the skip connection of the same level on the way up; a 1x1 Conv and
a Sigmoid at the end. At 1024x1024 with 16 base channels the intermediates take several GB
when every one has its own buffer (memory mode `separate`), like a real matting model.

    make_unet.py OUT.onnx [--size 1024] [--base-channels 16] [--levels 6] [--seed 0]

The model goes where it is told (the build folder); it is generated, never committed.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(size, base, levels, seed):
    if size % (2 ** (levels - 1)) != 0:
        raise ValueError(f"size {size} must be divisible by 2^(levels-1) = {2 ** (levels - 1)}")
    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    counter = [0]

    def name(prefix):
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def conv(x, cin, cout, k, prefix):
        # He initialisation keeps activations in range through the depth of the network.
        w = rng.normal(0.0, np.sqrt(2.0 / (cin * k * k)), (cout, cin, k, k)).astype(np.float32)
        b = rng.normal(0.0, 0.01, (cout,)).astype(np.float32)
        wn, bn, y = name(prefix + "_w"), name(prefix + "_b"), name(prefix)
        inits.extend([numpy_helper.from_array(w, wn), numpy_helper.from_array(b, bn)])
        nodes.append(helper.make_node("Conv", [x, wn, bn], [y], kernel_shape=[k, k],
                                      pads=[k // 2] * 4, name=y))
        return y

    def relu(x):
        y = name("relu")
        nodes.append(helper.make_node("Relu", [x], [y], name=y))
        return y

    def block(x, cin, cout, prefix):
        return relu(conv(relu(conv(x, cin, cout, 3, prefix + "a")), cout, cout, 3, prefix + "b"))

    scales = "up_scales"
    inits.append(numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), scales))
    x, cin, skips = "image", 3, []
    for level in range(levels):
        cout = base * 2 ** level
        x = block(x, cin, cout, f"enc{level}")
        cin = cout
        if level < levels - 1:
            skips.append((x, cout))
            y = name("pool")
            nodes.append(helper.make_node("MaxPool", [x], [y], kernel_shape=[2, 2],
                                          strides=[2, 2], name=y))
            x = y
    for level in reversed(range(levels - 1)):
        skip, skip_channels = skips[level]
        up = name("up")
        nodes.append(helper.make_node("Resize", [x, "", scales], [up], mode="linear",
                                      coordinate_transformation_mode="half_pixel", name=up))
        cat = name("concat")
        nodes.append(helper.make_node("Concat", [skip, up], [cat], axis=1, name=cat))
        x = block(cat, skip_channels + cin, skip_channels, f"dec{level}")
        cin = skip_channels
    logits = conv(x, cin, 1, 1, "head")
    nodes.append(helper.make_node("Sigmoid", [logits], ["mask"], name="mask"))
    graph = helper.make_graph(
        nodes, "unet",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, size, size])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="edgeinfer make_unet.py")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--size", type=int, default=1024, help="input height and width")
    parser.add_argument("--base-channels", type=int, default=16)
    parser.add_argument("--levels", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        model = build(args.size, args.base_channels, args.levels, args.seed)
    except ValueError as e:
        print(f"make_unet.py: {e}", file=sys.stderr)
        return 2
    onnx.save(model, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
