#!/usr/bin/env python3
"""Writes a tiny ONNX model for the tool and C API tests, with no onnx package needed.

  make_tiny_onnx.py OUT.onnx

Graph (opset 13):
  inputs  x: float32 [1,2,3]     n: int64 [2]
  mid/sum    = Add(x, b)          b: float32 [3] initializer = [0.5, -1.0, 0.0]
  out/relu:0 = Relu(mid/sum)
  x_copy     = Identity(x)
  n_copy     = Identity(n)
  outputs out/relu:0, x_copy, n_copy
"""
import struct
import sys

FLOAT, INT64 = 1, 7


def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint((number << 3) | 2) + varint(len(payload)) + payload


def value_info(name, elem_type, dims):
    shape = b"".join(field_bytes(1, field_varint(1, d)) for d in dims)
    tensor_type = field_varint(1, elem_type) + field_bytes(2, shape)
    return field_bytes(1, name) + field_bytes(2, field_bytes(1, tensor_type))


def node(op_type, inputs, outputs, name):
    out = b"".join(field_bytes(1, i) for i in inputs)
    out += b"".join(field_bytes(2, o) for o in outputs)
    return out + field_bytes(3, name) + field_bytes(4, op_type)


def float_initializer(name, dims, values):
    out = b"".join(field_varint(1, d) for d in dims)
    out += field_varint(2, FLOAT) + field_bytes(8, name)
    return out + field_bytes(9, struct.pack("<%df" % len(values), *values))


def tiny_model():
    graph = b"".join([
        field_bytes(1, node("Add", ["x", "b"], ["mid/sum"], "add")),
        field_bytes(1, node("Relu", ["mid/sum"], ["out/relu:0"], "relu")),
        field_bytes(1, node("Identity", ["x"], ["x_copy"], "copy_x")),
        field_bytes(1, node("Identity", ["n"], ["n_copy"], "copy_n")),
        field_bytes(2, "tiny"),
        field_bytes(5, float_initializer("b", [3], [0.5, -1.0, 0.0])),
        field_bytes(11, value_info("x", FLOAT, [1, 2, 3])),
        field_bytes(11, value_info("n", INT64, [2])),
        field_bytes(12, value_info("out/relu:0", FLOAT, [1, 2, 3])),
        field_bytes(12, value_info("x_copy", FLOAT, [1, 2, 3])),
        field_bytes(12, value_info("n_copy", INT64, [2])),
    ])
    opset = field_bytes(1, "") + field_varint(2, 13)
    return (field_varint(1, 8) + field_bytes(2, "edgeinfer-tests") + field_bytes(7, graph) +
            field_bytes(8, opset))


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as f:
        f.write(tiny_model())
