#!/usr/bin/env python3
"""Tests of edgeinfer-run and edgeinfer-bench as programs: error handling (exit status and a
one-line reason), .npy reading and writing, the documented --random-input generator, and the
fields of edgeinfer-bench --json. Uses only the standard library (numpy, when importable, is
used as an extra cross-check of the .npy files the tools write).

  test_tools.py --run edgeinfer-run --bench edgeinfer-bench --npy-check npy_check --model tiny.onnx
"""
import argparse
import ast
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

FAILURES = []


def check(condition, what, detail=""):
    if condition:
        print("ok   ", what)
    else:
        FAILURES.append(what)
        print("FAIL ", what, ("\n      " + detail) if detail else "")


def run(cmd, cwd=None):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd,
                          timeout=240)


# --- .npy files, written and read without numpy -------------------------------------------

DTYPES = {  # descr -> (struct code, sample values)
    "<f4": ("f", [0.0, -1.5, 3.25, 1e-8]),
    "<f2": ("e", [0.0, -1.5, 3.25, 65504.0]),
    "<f8": ("d", [0.0, -1.5, 3.25, 1e300]),
    "|i1": ("b", [0, -128, 127, 5]),
    "|u1": ("B", [0, 255, 1, 7]),
    "<i2": ("h", [0, -32768, 32767, 9]),
    "<u2": ("H", [0, 65535, 1, 2]),
    "<i4": ("i", [0, -2**31, 2**31 - 1, 3]),
    "<u4": ("I", [0, 2**32 - 1, 1, 4]),
    "<i8": ("q", [0, -2**63, 2**63 - 1, 5]),
    "<u8": ("Q", [0, 2**64 - 1, 1, 6]),
    "|b1": ("?", [False, True, True, False]),
}


def npy_bytes(descr, shape, payload, version=1, fortran=False, header=None):
    if header is None:
        shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
        header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
            descr, "True" if fortran else "False", shape_text)
    preamble = 10 if version == 1 else 12
    header = header + " " * ((64 - (preamble + len(header) + 1) % 64) % 64) + "\n"
    encoded = header.encode("latin1" if version < 3 else "utf8")
    size = struct.pack("<H", len(encoded)) if version == 1 else struct.pack("<I", len(encoded))
    return b"\x93NUMPY" + bytes([version, 0]) + size + encoded + payload


def values_payload(descr, count):
    code, samples = DTYPES[descr]
    values = [samples[i % len(samples)] for i in range(count)]
    return struct.pack("<%d%s" % (count, code), *values)


def write_npy(path, descr, shape, payload, **kwargs):
    with open(path, "wb") as f:
        f.write(npy_bytes(descr, shape, payload, **kwargs))


def read_npy(path):
    """Returns (descr, shape, payload, header_end)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", "bad magic"
    if data[6] == 1:
        (length,), start = struct.unpack("<H", data[8:10]), 10
    else:
        (length,), start = struct.unpack("<I", data[8:12]), 12
    header = ast.literal_eval(data[start:start + length].decode("utf8"))
    assert data[start + length - 1:start + length] == b"\n", "header does not end in a newline"
    assert not header["fortran_order"]
    return header["descr"], tuple(header["shape"]), data[start + length:], start + length


def elements(shape):
    n = 1
    for d in shape:
        n *= d
    return n


# --- the documented --random-input generator ------------------------------------------------

M64 = (1 << 64) - 1


def mix(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def random_bits(seed, input_index, element_index):
    return mix((mix((mix(seed) + input_index) & M64) + element_index) & M64)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


# --- tests ---------------------------------------------------------------------------------

def one_line_error(result, what, *needles):
    lines = result.stderr.strip("\n").split("\n")
    good = (result.returncode > 0 and len(lines) == 1 and lines[0] != "" and
            all(n.lower() in lines[0].lower() for n in needles))
    check(good, what, "exit %d, stderr %r" % (result.returncode, result.stderr))


def test_usage_errors(args, tmp):
    for tool in (args.run, args.bench):
        name = os.path.basename(tool)
        result = run([tool, "--help"])
        check(result.returncode == 0 and "usage:" in result.stdout and "--random-input" in
              result.stdout, name + " --help prints usage")
        missing = os.path.join(tmp, "no_such_model.onnx")
        one_line_error(run([tool, missing, "--random-input", "1"]), name + ": missing model file",
                       "no_such_model.onnx")
        garbage = os.path.join(tmp, "garbage.onnx")
        with open(garbage, "wb") as f:
            f.write(bytes(random.Random(1).randrange(256) for _ in range(300)))
        one_line_error(run([tool, garbage, "--random-input", "1"]),
                       name + ": garbage model file", "garbage.onnx")
        one_line_error(run([tool, args.model, "--frobnicate"]), name + ": unknown option",
                       "--frobnicate")
        one_line_error(run([tool, args.model, "--threads", "-1"]), name + ": --threads -1",
                       "threads", "-1")
        one_line_error(run([tool, args.model, "--threads", "two"]), name + ": --threads two",
                       "threads", "two")
        one_line_error(run([tool, args.model, "--threads"]), name + ": --threads without value",
                       "threads")
        one_line_error(run([tool, args.model, "--backend", "tpu"]), name + ": bad --backend",
                       "backend", "tpu")
        one_line_error(run([tool, args.model, "--memory-mode", "x"]),
                       name + ": bad --memory-mode", "memory mode")
        one_line_error(run([tool, args.model, "--weights", "x"]), name + ": bad --weights",
                       "weights")
        one_line_error(run([tool, args.model, "--random-input", "abc"]),
                       name + ": bad --random-input", "random-input", "abc")
        one_line_error(run([tool, args.model, "--input", "x"]), name + ": bad --input spec",
                       "--input", "NAME=FILE.npy")
        one_line_error(run([tool, args.model, "--algo", "Conv"]), name + ": bad --algo spec",
                       "--algo", "NODE_OR_OPTYPE=ALGO")
        one_line_error(run([tool, args.model, "--algo", "conv9=im2col-gemm", "--random-input",
                            "1"]), name + ": --algo for a node the model lacks", "conv9",
                       "no node or operator")
        one_line_error(run([tool, args.model, "--algo", "Relu=im2col-gemm", "--random-input",
                            "1"]), name + ": --algo for an op with no choice", "relu",
                       "no algorithm choice")
        one_line_error(run([tool]), name + ": no MODEL", "MODEL")
        one_line_error(run([tool, args.model, args.model]), name + ": two MODELs",
                       "unexpected argument")
    one_line_error(run([args.bench, args.model, "--iterations", "0"]), "bench: --iterations 0",
                   "iterations")
    one_line_error(run([args.bench, args.model, "--warmup", "-3"]), "bench: --warmup -3",
                   "warmup")


def test_npy_module(args, tmp):
    # Round trips through the tools' reader and writer, every dtype, versions 1-3.
    count = 0
    for descr in DTYPES:
        for version in (1, 2, 3):
            for shape in ((), (0,), (5,), (2, 3), (1, 2, 1, 3)):
                src = os.path.join(tmp, "src.npy")
                dst = os.path.join(tmp, "dst.npy")
                payload = values_payload(descr, elements(shape))
                write_npy(src, descr, shape, payload, version=version)
                result = run([args.npy_check, "roundtrip", src, dst])
                what = "npy round trip %s v%d %s" % (descr, version, shape)
                if result.returncode != 0:
                    check(False, what, result.stderr)
                    continue
                out_descr, out_shape, out_payload, data_start = read_npy(dst)
                good = (out_descr == descr and out_shape == shape and out_payload == payload and
                        data_start % 64 == 0)
                if not good:
                    check(False, what, "%r %r %d" % (out_descr, out_shape, data_start))
                count += 1
    check(count == len(DTYPES) * 3 * 5, "npy round trips: %d files" % count)
    try:
        import numpy as np  # optional cross-check
        src = os.path.join(tmp, "np_src.npy")
        dst = os.path.join(tmp, "np_dst.npy")
        good = True
        for dt in ("<f4", "<f2", "<f8", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8",
                   "|b1"):
            a = (np.arange(24) % 7).astype(dt).reshape(2, 3, 4)
            np.save(src, a)
            r = run([args.npy_check, "roundtrip", src, dst])
            b = np.load(dst) if r.returncode == 0 else None
            good = good and b is not None and b.dtype == a.dtype and np.array_equal(a, b)
        check(good, "npy files match numpy's np.save / np.load")
    except ImportError:
        print("note  numpy is not importable by %s; skipped the numpy cross-check" %
              sys.executable)

    # Files that must be rejected with a message, never a crash.
    good = npy_bytes("<f4", (2, 3), values_payload("<f4", 6))
    bad_files = {
        "big-endian": npy_bytes(">f4", (2,), b"\0" * 8),
        "Fortran": npy_bytes("<f4", (2, 3), b"\0" * 24, fortran=True),
        "not supported": npy_bytes("<c8", (2,), b"\0" * 16),
        "structured": npy_bytes("", (), b"", header="{'descr': [('a', '<f4')], "
                                "'fortran_order': False, 'shape': (1,), }"),
        "truncated": good[:-5],
        "needs": good + b"\0\0\0\0",
        "negative": npy_bytes("<f4", (), b"", header="{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (-1, 2), }"),
        "too large": npy_bytes("<f4", (2**40, 2**40), b""),
        "too large ": npy_bytes("<f4", (), b"", header="{'descr': '<f4', 'fortran_order': False,"
                                " 'shape': (99999999999999999999999,), }"),
        "no 'shape'": npy_bytes("<f4", (), b"", header="{'descr': '<f4', 'fortran_order': False}"),
        "not a dict": npy_bytes("<f4", (), b"", header="['descr']"),
        "magic": b"\x93NUMPX" + good[6:],
        "version": b"\x93NUMPY\x04\x00" + good[8:],
        "header length": b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{}",
        "too short": b"\x93NUM",
    }
    paths = []
    for i, (needle, data) in enumerate(bad_files.items()):
        path = os.path.join(tmp, "bad%d.npy" % i)
        with open(path, "wb") as f:
            f.write(data)
        paths.append((needle.strip(), path))
    result = run([args.npy_check, "parse"] + [p for _, p in paths])
    lines = result.stdout.splitlines()
    check(result.returncode == 0 and len(lines) == len(paths), "npy_check parse survives bad files",
          result.stderr)
    for (needle, path), line in zip(paths, lines):
        check(line.startswith("error:") and needle.lower() in line.lower(),
              "bad .npy rejected: " + needle, line)

    # Every truncation and many random corruptions of a valid file: an answer, never a crash.
    prefixes = []
    for n in range(len(good)):
        path = os.path.join(tmp, "cut%d.npy" % n)
        with open(path, "wb") as f:
            f.write(good[:n])
        prefixes.append(path)
    result = run([args.npy_check, "parse"] + prefixes)
    lines = result.stdout.splitlines()
    check(result.returncode == 0 and len(lines) == len(prefixes) and
          all(line.startswith("error:") for line in lines),
          "every truncation of a .npy file is an error (%d files)" % len(prefixes))
    rng = random.Random(7)
    mutants = []
    for n in range(300):
        data = bytearray(good)
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(0, 80)] = rng.randrange(256)
        path = os.path.join(tmp, "mut%d.npy" % n)
        with open(path, "wb") as f:
            f.write(bytes(data))
        mutants.append(path)
    result = run([args.npy_check, "parse"] + mutants)
    check(result.returncode == 0 and len(result.stdout.splitlines()) == len(mutants),
          "300 corrupted .npy headers: no crash", "exit %d" % result.returncode)


def test_run_tool(args, tmp):
    out = os.path.join(tmp, "out", "nested")
    seed = 7
    result = run([args.run, args.model, "--random-input", str(seed), "--output-dir", out,
                  "--keep", "mid/sum"])
    check(result.returncode == 0, "edgeinfer-run --random-input on the tiny model", result.stderr)
    if result.returncode != 0:
        return  # the rest needs a model that loads and runs
    names = sorted(os.listdir(out))
    check(names == ["mid_sum.npy", "n_copy.npy", "out_relu_0.npy", "x_copy.npy"],
          "outputs are named after the tensors with [^A-Za-z0-9._-] -> _", repr(names))
    descr, shape, payload, _ = read_npy(os.path.join(out, "x_copy.npy"))
    x = list(struct.unpack("<6f", payload))
    expect_x = [(random_bits(seed, 0, i) >> 40) * 2.0**-24 for i in range(6)]
    check(descr == "<f4" and shape == (1, 2, 3) and x == expect_x,
          "--random-input float32 pattern matches the documented generator", repr(x))
    descr, shape, payload, _ = read_npy(os.path.join(out, "n_copy.npy"))
    n = list(struct.unpack("<2q", payload))
    check(descr == "<i8" and shape == (2,) and n == [random_bits(seed, 1, i) >> 56 for i in range(2)],
          "--random-input int64 pattern matches the documented generator", repr(n))
    b = [0.5, -1.0, 0.0]
    _, _, payload, _ = read_npy(os.path.join(out, "out_relu_0.npy"))
    relu = list(struct.unpack("<6f", payload))
    check(relu == [max(f32(x[i] + b[i % 3]), 0.0) for i in range(6)], "Relu(x + b) output",
          repr(relu))
    _, _, payload, _ = read_npy(os.path.join(out, "mid_sum.npy"))
    check(list(struct.unpack("<6f", payload)) == [f32(x[i] + b[i % 3]) for i in range(6)],
          "--keep writes the kept intermediate")

    # Inputs from .npy files.
    xs = [0.25, -2.0, 1.5, -0.5, 3.0, 0.0]
    write_npy(os.path.join(tmp, "x.npy"), "<f4", (1, 2, 3), struct.pack("<6f", *xs))
    write_npy(os.path.join(tmp, "n.npy"), "<i8", (2,), struct.pack("<2q", -5, 1 << 40), version=2)
    out2 = os.path.join(tmp, "out2")
    result = run([args.run, args.model, "--input", "x=" + os.path.join(tmp, "x.npy"),
                  "--input", "n=" + os.path.join(tmp, "n.npy"), "--output-dir", out2])
    check(result.returncode == 0, "edgeinfer-run with --input files", result.stderr)
    if result.returncode == 0:
        _, _, payload, _ = read_npy(os.path.join(out2, "out_relu_0.npy"))
        check(list(struct.unpack("<6f", payload)) == [max(xs[i] + b[i % 3], 0.0) for i in range(6)],
              "outputs computed from the --input files")
        _, _, payload, _ = read_npy(os.path.join(out2, "n_copy.npy"))
        check(list(struct.unpack("<2q", payload)) == [-5, 1 << 40], "int64 input passes through")
    # --random-input fills what --input does not give.
    result = run([args.run, args.model, "--input", "x=" + os.path.join(tmp, "x.npy"),
                  "--random-input", "3", "--output-dir", out2, "--dump-graph"])
    check(result.returncode == 0 and "Relu" in result.stdout,
          "--input with --random-input for the rest, --dump-graph", result.stderr)

    # Bad inputs once the model loads.
    write_npy(os.path.join(tmp, "x_shape.npy"), "<f4", (2, 3), struct.pack("<6f", *xs))
    write_npy(os.path.join(tmp, "x_f8.npy"), "<f8", (1, 2, 3), struct.pack("<6d", *xs))
    with open(os.path.join(tmp, "x_cut.npy"), "wb") as f:
        f.write(npy_bytes("<f4", (1, 2, 3), struct.pack("<6f", *xs))[:-7])
    n_arg = ["--input", "n=" + os.path.join(tmp, "n.npy")]
    one_line_error(run([args.run, args.model, "--input", "x=" + os.path.join(tmp, "x_shape.npy")]
                       + n_arg), "run: .npy with the wrong shape", "shape", "[2,3]")
    one_line_error(run([args.run, args.model, "--input", "x=" + os.path.join(tmp, "x_f8.npy")]
                       + n_arg), "run: .npy with the wrong dtype", "float32", "float64")
    one_line_error(run([args.run, args.model, "--input", "x=" + os.path.join(tmp, "x_cut.npy")]
                       + n_arg), "run: truncated .npy", "truncated", "x_cut.npy")
    one_line_error(run([args.run, args.model, "--input", "x=" + os.path.join(tmp, "nope.npy")]
                       + n_arg), "run: missing .npy file", "nope.npy")
    one_line_error(run([args.run, args.model, "--input", "y=" + os.path.join(tmp, "x.npy")]
                       + n_arg), "run: unknown input name", "'y'")
    one_line_error(run([args.run, args.model] + n_arg), "run: an input not given", "'x'",
                   "--random-input")
    one_line_error(run([args.run, args.model, "--random-input", "1", "--keep", "zzz"]),
                   "run: --keep of an unknown tensor", "zzz")


BENCH_FIELDS = {
    "model": str, "backend": str, "threads": int, "memory_mode": str, "weights": str,
    "load_ms": float, "first_run_ms": float, "median_ms": float, "min_ms": float,
    "p90_ms": float, "peak_rss_bytes": int, "arena_bytes": int, "lower_bound_bytes": int,
    "weights_bytes": int, "iterations": int,
}


def test_bench_tool(args, tmp):
    result = run([args.bench, args.model, "--json", "--iterations", "5", "--warmup", "1",
                  "--memory-mode", "reuse", "--threads", "2"])
    check(result.returncode == 0, "edgeinfer-bench --json on the tiny model", result.stderr)
    if result.returncode != 0:
        return
    try:
        report = json.loads(result.stdout)
    except ValueError as e:
        check(False, "--json prints one JSON object", "%s: %r" % (e, result.stdout))
        return
    check(isinstance(report, dict), "--json prints one JSON object")
    for field, kind in BENCH_FIELDS.items():
        value = report.get(field)
        ok = isinstance(value, (int, float) if kind is float else kind) and \
            not isinstance(value, bool)
        if kind in (int, float) and ok:
            ok = value >= 0
        check(ok, "--json field %s" % field, repr(value))
    check(report.get("iterations") == 5 and report.get("memory_mode") == "reuse" and
          report.get("threads") == 2 and report.get("model") == args.model,
          "--json echoes the options", repr(report))
    check(report["min_ms"] <= report["median_ms"] <= report["p90_ms"], "min <= median <= p90")
    check(report["peak_rss_bytes"] > 1 << 20, "peak RSS is plausible")
    check(report["weights_bytes"] >= 12, "weights_bytes counts the initializer")

    result = run([args.bench, args.model, "--json", "--profile", "--iterations", "3"])
    ok = result.returncode == 0
    if ok:
        report = json.loads(result.stdout)
        ops = {e["op_type"] for e in report.get("profile", {}).get("op_types", [])}
        nodes = {e["node"] for e in report.get("profile", {}).get("nodes", [])}
        ok = {"Add", "Relu"} <= ops and {"add", "relu"} <= nodes and all(
            "algorithm" in e for e in report["profile"]["nodes"])
    check(ok, "--profile --json reports node and operator times (and each node's algorithm)",
          result.stdout + result.stderr)
    result = run([args.bench, args.model, "--iterations", "3", "--profile"])
    check(result.returncode == 0 and "median" in result.stdout and "Relu" in result.stdout,
          "readable summary with --profile", result.stdout + result.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", required=True)
    parser.add_argument("--bench", required=True)
    parser.add_argument("--npy-check", required=True)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="edgeinfer-tools-") as tmp:
        test_usage_errors(args, tmp)
        test_npy_module(args, tmp)
        test_run_tool(args, tmp)
        test_bench_tool(args, tmp)
    if FAILURES:
        print("\n%d check(s) failed:" % len(FAILURES))
        for what in FAILURES:
            print("  -", what)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
