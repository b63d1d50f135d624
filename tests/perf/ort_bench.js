#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node, CPU) timed like edgeinfer-bench, for side-by-side runs.
//   node ort_bench.js MODEL [--threads N] [--warmup W] [--iterations K]
//                   [--cpu-arena on|off] [--mem-pattern on|off]
// Prints one JSON object: model, threads, load_ms, first_run_ms, median_ms, min_ms, p90_ms,
// peak_rss_bytes, cpu_arena, mem_pattern. --cpu-arena and --mem-pattern (both on by default,
// as in ONNX Runtime) switch its CPU memory arena and its memory pattern planning. Inputs are uniform [0,1) from a fixed seed (values do not change timing).
'use strict';
const path = require('path');
const fs = require('fs');

function loadOrt() {
  const local = path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node');
  try {
    return require(local);
  } catch (e) {
    console.error(`onnxruntime-node not found in ${local}: run scripts/install-deps.sh`);
    process.exit(2);
  }
}

function parseArgs(argv) {
  const args = {threads: 1, warmup: 10, iterations: 50, model: null, cpuArena: true,
                memPattern: true};
  const onOff = (a, v) => {
    if (v !== 'on' && v !== 'off') throw new Error(`${a} expects on or off, got '${v}'`);
    return v === 'on';
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--threads') args.threads = parseInt(next(), 10);
    else if (a === '--warmup') args.warmup = parseInt(next(), 10);
    else if (a === '--iterations') args.iterations = parseInt(next(), 10);
    else if (a === '--cpu-arena') args.cpuArena = onOff(a, next());
    else if (a === '--mem-pattern') args.memPattern = onOff(a, next());
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.model = a;
  }
  if (!args.model) throw new Error('usage: ort_bench.js MODEL [--threads N] [--warmup W] [--iterations K]');
  return args;
}

function peakRssBytes() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = status.match(/VmHWM:\s+(\d+) kB/);
  return m ? parseInt(m[1], 10) * 1024 : 0;
}

function percentile(sorted, q) {
  const idx = Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5));
  return sorted[idx];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = loadOrt();
  const options = {intraOpNumThreads: args.threads, interOpNumThreads: 1,
                   executionMode: 'sequential', enableCpuMemArena: args.cpuArena,
                   enableMemPattern: args.memPattern};
  let t0 = performance.now();
  const session = await ort.InferenceSession.create(args.model, options);
  const loadMs = performance.now() - t0;
  const feeds = {};
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) / 16777216;
  };
  for (const name of session.inputNames) {
    const meta = session.inputMetadata ? session.inputMetadata.find((m) => m.name === name) : null;
    const dims = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) : null;
    if (!dims) throw new Error(`cannot tell the shape of input ${name}`);
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; ++i) data[i] = rand();
    feeds[name] = new ort.Tensor('float32', data, dims);
  }
  t0 = performance.now();
  await session.run(feeds);
  const firstRunMs = performance.now() - t0;
  for (let i = 0; i < args.warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < args.iterations; ++i) {
    t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    model: args.model, engine: 'onnxruntime', threads: args.threads, load_ms: loadMs,
    first_run_ms: firstRunMs, median_ms: percentile(times, 0.5), min_ms: times[0],
    p90_ms: percentile(times, 0.9), peak_rss_bytes: peakRssBytes(), iterations: args.iterations,
    cpu_arena: args.cpuArena, mem_pattern: args.memPattern,
  }));
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});
