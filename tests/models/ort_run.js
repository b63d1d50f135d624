#!/usr/bin/env node
// Runs an ONNX model with ONNX Runtime (onnxruntime-node, CPU, default graph optimizations):
// the reference that the model tests compare EdgeInfer against. Same command-line shape as
// edgeinfer-run:
//
//   node ort_run.js MODEL --input NAME=FILE.npy ... --output-dir DIR [--threads N]
//                   [--node-modules DIR] [--info]
//
// Writes one .npy per output, named after the output with characters outside
// [A-Za-z0-9._-] replaced by '_'. --info prints the model's inputs and outputs as JSON and
// runs nothing. onnxruntime-node is looked up in --node-modules, else $EDGEINFER_NODE_MODULES,
// else the checkout's node_modules (two folders up from this script).
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message, code = 1) {
  process.stderr.write(`ort_run: error: ${message}\n`);
  process.exit(code);
}

function usage() {
  return 'usage: node ort_run.js MODEL --input NAME=FILE.npy ... --output-dir DIR ' +
      '[--threads N] [--node-modules DIR] [--info]';
}

function parseArgs(argv) {
  const args = {model: null, inputs: [], outputDir: null, threads: 1, nodeModules: null,
                info: false};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value\n${usage()}`, 2);
      return argv[++i];
    };
    if (a === '--input') {
      const spec = value();
      const eq = spec.lastIndexOf('=');
      if (eq <= 0) fail(`--input expects NAME=FILE.npy, got '${spec}'`, 2);
      args.inputs.push({name: spec.slice(0, eq), file: spec.slice(eq + 1)});
    } else if (a === '--output-dir') {
      args.outputDir = value();
    } else if (a === '--threads') {
      args.threads = Number(value());
      if (!Number.isInteger(args.threads) || args.threads < 0) fail('--threads expects N >= 0', 2);
    } else if (a === '--node-modules') {
      args.nodeModules = value();
    } else if (a === '--info') {
      args.info = true;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(usage() + '\n');
      process.exit(0);
    } else if (a.startsWith('--')) {
      fail(`unknown option '${a}'\n${usage()}`, 2);
    } else if (args.model === null) {
      args.model = a;
    } else {
      fail(`unexpected argument '${a}'\n${usage()}`, 2);
    }
  }
  if (args.model === null) fail(`no model given\n${usage()}`, 2);
  if (!args.info && args.outputDir === null) fail(`--output-dir is required\n${usage()}`, 2);
  return args;
}

function loadOrt(nodeModules) {
  const dir = nodeModules || process.env.EDGEINFER_NODE_MODULES ||
      path.join(__dirname, '..', '..', 'node_modules');
  const pkg = path.join(dir, 'onnxruntime-node');
  if (!fs.existsSync(path.join(pkg, 'package.json'))) {
    fail(`onnxruntime-node is not installed in ${dir}: run scripts/install-deps.sh ` +
         '(it installs onnxruntime-node into the checkout\'s node_modules)');
  }
  try {
    return require(pkg);
  } catch (e) {
    fail(`cannot load onnxruntime-node from ${pkg} (${e.message}); ` +
         're-run scripts/install-deps.sh');
  }
  return null;
}

// --- .npy -------------------------------------------------------------------------------

// .npy descr <-> ONNX Runtime tensor type and typed array.
const NPY_TYPES = {
  '<f4': {ort: 'float32', array: Float32Array, size: 4},
  '<f8': {ort: 'float64', array: Float64Array, size: 8},
  '<f2': {ort: 'float16', array: Uint16Array, size: 2},
  '|i1': {ort: 'int8', array: Int8Array, size: 1},
  '|u1': {ort: 'uint8', array: Uint8Array, size: 1},
  '<i2': {ort: 'int16', array: Int16Array, size: 2},
  '<u2': {ort: 'uint16', array: Uint16Array, size: 2},
  '<i4': {ort: 'int32', array: Int32Array, size: 4},
  '<u4': {ort: 'uint32', array: Uint32Array, size: 4},
  '<i8': {ort: 'int64', array: BigInt64Array, size: 8},
  '<u8': {ort: 'uint64', array: BigUint64Array, size: 8},
  '|b1': {ort: 'bool', array: Uint8Array, size: 1},
};
const ALIASES = {'<b1': '|b1', '<i1': '|i1', '<u1': '|u1', '|i1': '|i1'};

function readNpy(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    fail(`cannot read ${file}: ${e.message}`);
  }
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);  // \x93NUMPY
  if (buf.length < 10 || !buf.subarray(0, 6).equals(magic)) fail(`${file}: not a .npy file`);
  const major = buf[6];
  let headerLen;
  let offset;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) fail(`${file}: truncated header`);
    headerLen = buf.readUInt32LE(8);
    offset = 12;
  } else {
    fail(`${file}: unsupported .npy version ${major}`);
  }
  if (offset + headerLen > buf.length) fail(`${file}: truncated header`);
  const header = buf.subarray(offset, offset + headerLen).toString('latin1');
  const descrMatch = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortranMatch = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrMatch || !fortranMatch || !shapeMatch) fail(`${file}: malformed header ${header}`);
  if (fortranMatch[1] === 'True') fail(`${file}: Fortran-ordered arrays are not supported`);
  const descr = ALIASES[descrMatch[1]] || descrMatch[1];
  const type = NPY_TYPES[descr];
  if (!type) fail(`${file}: unsupported dtype '${descrMatch[1]}'`);
  const dims = shapeMatch[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0)
                   .map((s) => Number(s));
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) fail(`${file}: bad shape in ${header}`);
  const count = dims.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  if (buf.length - start !== count * type.size) {
    fail(`${file}: expected ${count * type.size} data bytes, found ${buf.length - start}`);
  }
  // Copy into a fresh, aligned typed array.
  const data = new type.array(count);
  new Uint8Array(data.buffer).set(buf.subarray(start, start + count * type.size));
  return {type, dims, data};
}

function npyHeader(descr, dims) {
  const shape = dims.length === 0 ? '()' :
      dims.length === 1           ? `(${dims[0]},)` :
                                    `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so that magic + version + length + header is a multiple of 64, ending in \n.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out, 0);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  return out;
}

function writeNpy(file, tensor) {
  const entry = Object.entries(NPY_TYPES).find(([, t]) => t.ort === tensor.type);
  if (!entry) fail(`output type '${tensor.type}' cannot be written as .npy`);
  const [descr, type] = entry;
  let data = tensor.data;
  if (tensor.type === 'bool') data = Uint8Array.from(data, (v) => (v ? 1 : 0));
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.length * type.size);
  fs.writeFileSync(file, Buffer.concat([npyHeader(descr, tensor.dims), bytes]));
}

function sanitize(name) {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

// --- main --------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = loadOrt(args.nodeModules);
  if (!fs.existsSync(args.model)) fail(`${args.model}: no such file`);
  // logSeverityLevel 3: errors only (SINet's initializers-as-inputs warn once per tensor).
  ort.env.logLevel = 'error';
  const options = {executionProviders: ['cpu'], interOpNumThreads: 1, logSeverityLevel: 3};
  if (args.threads > 0) options.intraOpNumThreads = args.threads;
  let session;
  try {
    session = await ort.InferenceSession.create(args.model, options);
  } catch (e) {
    fail(`${args.model}: ONNX Runtime cannot load the model: ${e.message}`);
  }
  if (args.info) {
    const meta = (list, names) => names.map((n, i) => {
      const m = list && list[i] ? list[i] : {};
      return {name: n, type: m.type, shape: m.shape};
    });
    process.stdout.write(JSON.stringify({
      inputs: meta(session.inputMetadata, session.inputNames),
      outputs: meta(session.outputMetadata, session.outputNames),
    }) + '\n');
    return;
  }
  const feeds = {};
  for (const {name, file} of args.inputs) {
    if (!session.inputNames.includes(name)) {
      fail(`the model has no input named '${name}' (inputs: ${session.inputNames.join(', ')})`);
    }
    const npy = readNpy(file);
    feeds[name] = new ort.Tensor(npy.type.ort, npy.data, npy.dims);
  }
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length > 0) fail(`no --input given for: ${missing.join(', ')}`);
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    fail(`${args.model}: ONNX Runtime failed to run: ${e.message}`);
  }
  fs.mkdirSync(args.outputDir, {recursive: true});
  for (const name of session.outputNames) {
    writeNpy(path.join(args.outputDir, sanitize(name) + '.npy'), results[name]);
  }
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
