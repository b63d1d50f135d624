#!/usr/bin/env python3
"""ONNX Runtime CPU (all cores) beside the Vulkan executor in tests/vulkan/gpu_bench.sh: load
time, first run and the median of the timed runs, one JSON line per model."""
import json
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def bench(path, warmup=20, iterations=200):
    start = time.perf_counter()
    so = ort.SessionOptions()
    so.intra_op_num_threads = os.cpu_count()
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - start) * 1e3
    rng = np.random.default_rng(1)
    feeds = {i.name: rng.random([d if isinstance(d, int) else 1 for d in i.shape], dtype=np.float32)
             for i in sess.get_inputs()}
    start = time.perf_counter()
    sess.run(None, feeds)
    first_ms = (time.perf_counter() - start) * 1e3
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return {"model": os.path.basename(path), "backend": "onnxruntime-cpu", "version": ort.__version__,
            "threads": os.cpu_count(), "load_ms": round(load_ms, 2), "first_run_ms": round(first_ms, 3),
            "median_ms": round(statistics.median(times), 4), "min_ms": round(min(times), 4)}


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(json.dumps(bench(p)), flush=True)
