#!/usr/bin/env python3
"""Runs every reference model through edgeinfer-run and through ONNX Runtime (ort_run.js) on
the same deterministic input and checks that every output agrees within a tolerance.

    compare_models.py --edgeinfer-run PATH [--models-dir DIR] [--model NAME]...
                      [--tolerance 1e-4] [--work-dir DIR] [--node node] [--ort-run ort_run.js]
                      [--threads N] [--layout nchw|nchwc]

Inputs: numpy's seeded generator, uniform [0, 1), except for models whose input is normalized
(SINet: BGR pixels in [0, 255] mapped with the model's mean and std, see MODELS.md), which
get a realistic normalized range. Prints the max absolute difference of every output.
Exit status 0 when every model agrees, 1 otherwise (including a missing ONNX Runtime).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))

# SINet (MODELS.md): value = (pixel - mean) / (std * 255), B,G,R order, pixel in [0, 255].
SINET_MEAN = np.array([102.890434, 111.25247, 126.91212], dtype=np.float32)
SINET_STD = np.array([62.93292, 62.82138, 66.355705], dtype=np.float32)

NP_TYPES = {
    'float32': np.float32, 'float64': np.float64, 'float16': np.float16, 'int8': np.int8,
    'uint8': np.uint8, 'int16': np.int16, 'uint16': np.uint16, 'int32': np.int32,
    'uint32': np.uint32, 'int64': np.int64, 'uint64': np.uint64, 'bool': np.bool_,
}


def sanitize(name):
    return ''.join(c if c.isalnum() or c in '._-' else '_' for c in name)


def make_input(model_name, index, spec, seed):
    """Deterministic input for one model input from its ONNX Runtime metadata."""
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in spec['shape']]
    rng = np.random.default_rng([seed, index])
    dtype = NP_TYPES.get(spec['type'])
    if dtype is None:
        raise RuntimeError(f"input '{spec['name']}' has type {spec['type']}, which the test "
                           "cannot generate")
    if 'sinet' in model_name.lower():
        # NCHW, channel axis 1 in B,G,R order.
        pixels = rng.random(shape, dtype=np.float32) * 255.0
        mean = SINET_MEAN.reshape(1, 3, 1, 1)
        std = SINET_STD.reshape(1, 3, 1, 1)
        return ((pixels - mean) / (std * 255.0)).astype(np.float32)
    if np.issubdtype(dtype, np.floating):
        return rng.random(shape, dtype=np.float64).astype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(np.bool_)
    return rng.integers(0, 100, shape).astype(dtype)


def run(cmd, what):
    start = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}): {proc.stderr.strip()}\n"
                           f"  command: {' '.join(cmd)}")
    return proc.stdout, elapsed


def check_ort(node, ort_run, node_modules):
    pkg = os.path.join(node_modules, 'onnxruntime-node', 'package.json')
    if not os.path.exists(pkg):
        sys.exit(f"FAIL: onnxruntime-node is not installed ({pkg} is missing): run "
                 "scripts/install-deps.sh, which installs it into the checkout's node_modules")
    if not os.path.exists(ort_run):
        sys.exit(f"FAIL: {ort_run} not found")


def compare_model(args, model_path):
    name = os.path.splitext(os.path.basename(model_path))[0]
    work = os.path.join(args.work_dir, name)
    ei_dir = os.path.join(work, 'edgeinfer')
    ort_dir = os.path.join(work, 'ort')
    for d in (work, ei_dir, ort_dir):
        os.makedirs(d, exist_ok=True)
    for d in (ei_dir, ort_dir):
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))

    info_text, _ = run([args.node, args.ort_run, model_path, '--info',
                        '--node-modules', args.node_modules], 'ort_run.js --info')
    info = json.loads(info_text)
    input_args = []
    for i, spec in enumerate(info['inputs']):
        data = make_input(name, i, spec, args.seed)
        path = os.path.join(work, f"input_{sanitize(spec['name'])}.npy")
        np.save(path, data)
        input_args += ['--input', f"{spec['name']}={path}"]
        print(f"  input  {spec['name']}: {data.dtype} {list(data.shape)} "
              f"range [{data.min():.4g}, {data.max():.4g}]")

    _, ei_time = run([args.edgeinfer_run, model_path, '--threads', str(args.threads),
                      '--layout', args.layout, *input_args, '--output-dir', ei_dir], 'edgeinfer-run')
    _, ort_time = run([args.node, args.ort_run, model_path, '--threads', str(args.threads),
                       '--node-modules', args.node_modules, *input_args, '--output-dir',
                       ort_dir], 'ort_run.js')
    print(f"  process time: edgeinfer-run {ei_time:.2f} s, ort_run.js {ort_time:.2f} s")

    ok = True
    for spec in info['outputs']:
        out = spec['name']
        fname = sanitize(out) + '.npy'
        ref_path = os.path.join(ort_dir, fname)
        got_path = os.path.join(ei_dir, fname)
        if not os.path.exists(got_path):
            print(f"  FAIL output {out}: edgeinfer-run wrote no {fname} "
                  f"(it wrote: {sorted(os.listdir(ei_dir))})")
            ok = False
            continue
        ref = np.load(ref_path)
        got = np.load(got_path)
        if got.dtype != ref.dtype or got.shape != ref.shape:
            print(f"  FAIL output {out}: edgeinfer {got.dtype} {list(got.shape)}, "
                  f"ONNX Runtime {ref.dtype} {list(ref.shape)}")
            ok = False
            continue
        if np.issubdtype(ref.dtype, np.floating):
            nan_mismatch = np.isnan(got) != np.isnan(ref)
            diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
            diff = np.where(np.isnan(got) & np.isnan(ref), 0.0, diff)
            max_diff = float(np.nanmax(diff)) if diff.size else 0.0
            if nan_mismatch.any():
                max_diff = float('inf')
        else:
            diff = np.abs(got.astype(np.int64) - ref.astype(np.int64))
            max_diff = float(np.max(diff)) if ref.size else 0.0
        good = max_diff <= args.tolerance
        where = ''
        if ref.size and not good and np.isfinite(max_diff):
            idx = np.unravel_index(int(np.argmax(diff)), ref.shape)
            where = f" at {list(idx)} (edgeinfer {got[idx]}, ONNX Runtime {ref[idx]})"
        print(f"  {'ok  ' if good else 'FAIL'} output {out}: max abs diff {max_diff:.3g} "
              f"(tolerance {args.tolerance:g}; ONNX Runtime range "
              f"[{float(np.min(ref)):.4g}, {float(np.max(ref)):.4g}]){where}")
        if ref.size and np.all(ref == ref.flat[0]):
            print(f"  note: output {out} is constant on this input, so this comparison says "
                  "little; the real-image tests (selfie_mask_astronaut) cover it better")
        ok = ok and good
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--models-dir', default=os.path.join(SOURCE_ROOT, '..', 'shared',
                                                             'models'))
    parser.add_argument('--model', action='append', default=[],
                        help='only this model file name (repeatable)')
    parser.add_argument('--edgeinfer-run', required=True)
    parser.add_argument('--node', default='node')
    parser.add_argument('--ort-run', default=os.path.join(HERE, 'ort_run.js'))
    parser.add_argument('--node-modules', default=os.path.join(SOURCE_ROOT, 'node_modules'))
    parser.add_argument('--work-dir', default='model-compare')
    parser.add_argument('--tolerance', type=float, default=1e-4)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--layout', default='nchw', choices=['nchw', 'nchwc'],
                        help="edgeinfer-run's CPU tensor layout")
    parser.add_argument('--seed', type=int, default=20240611)
    args = parser.parse_args()

    check_ort(args.node, args.ort_run, args.node_modules)
    if not os.path.isdir(args.models_dir):
        sys.exit(f"FAIL: models folder {args.models_dir} does not exist (set the models_dir "
                 "meson option, see shared/models/MODELS.md)")
    models = sorted(f for f in os.listdir(args.models_dir) if f.endswith('.onnx'))
    if args.model:
        missing = [m for m in args.model if m not in models]
        if missing:
            sys.exit(f"FAIL: not in {args.models_dir}: {', '.join(missing)}")
        models = [m for m in models if m in args.model]
    if not models:
        sys.exit(f"FAIL: no .onnx models in {args.models_dir}")

    failed = []
    for m in models:
        print(f"{m}:")
        try:
            if not compare_model(args, os.path.join(args.models_dir, m)):
                failed.append(m)
        except (RuntimeError, OSError, ValueError) as e:
            print(f"  FAIL {e}")
            failed.append(m)
    print()
    if failed:
        print(f"FAILED: {len(failed)} of {len(models)} models differ from ONNX Runtime: "
              f"{', '.join(failed)}")
        return 1
    print(f"OK: {len(models)} models agree with ONNX Runtime within {args.tolerance:g}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
