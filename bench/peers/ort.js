#!/usr/bin/env node
// ONNX Runtime (npm package onnxruntime-node, CPU execution provider, all
// graph optimizations) as a peer for Fulcrum's accuracy checks and
// benchmarks.
//
//   node bench/peers/ort.js eval MODEL.onnx IMAGES.npy LABELS.npy [--batch N]
//       [--predictions OUT.npy]
//     prints "top-1: 89.51% (8951/10000)" like `fulcrum-run --eval-data`.
//   node bench/peers/ort.js run MODEL.onnx INPUT.npy OUTPUT.npy
//     runs the model's one float32 input and writes its first output
//     (float32) as .npy, for tests comparing outputs.
//   node bench/peers/ort.js bench MODEL.onnx --batch N --threads T
//       --warmup W --runs R
//     runs random float32 inputs (int64 inputs are filled with small
//     indices) and prints one JSON line: median/min latency in ms, peak
//     resident memory in MiB, session creation time in s.
//
// Install once with `npm install --ignore-scripts` in bench/peers.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const NPY_TYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array],
  '|u1': ['uint8', Uint8Array], '<u1': ['uint8', Uint8Array],
};

function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12);
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
      .split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  if (/'fortran_order':\s*True/.test(header))
    throw new Error(`${path}: Fortran order is not supported`);
  const [type, Ctor] = NPY_TYPES[descr] || [];
  if (!Ctor) throw new Error(`${path}: unsupported dtype ${descr}`);
  const offset = start + headerLen;
  const bytes = buf.subarray(offset);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return {type, shape, data: new Ctor(copy.buffer)};
}

function writeNpy(path, descr, shape, body) {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

function writeNpyInt64(path, values) {
  writeNpy(path, '<i8', [values.length], Buffer.from(BigInt64Array.from(values.map(BigInt)).buffer));
}

function writeNpyFloat32(path, shape, values) {
  writeNpy(path, '<f4', shape, Buffer.from(Float32Array.from(values).buffer));
}

async function runOnce(model, inputPath, outputPath) {
  const x = readNpy(inputPath);
  const session = await createSession(model, 1);
  const feed = {[session.inputNames[0]]: new ort.Tensor(x.type, x.data, x.shape)};
  const out = (await session.run(feed))[session.outputNames[0]];
  writeNpyFloat32(outputPath, out.dims, out.data);
}

function parseFlags(args) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < args.length; ++i) {
    if (args[i].startsWith('--')) flags[args[i].slice(2)] = args[++i];
    else positional.push(args[i]);
  }
  return {flags, positional};
}

async function createSession(model, threads) {
  const options = {graphOptimizationLevel: 'all', executionProviders: ['cpu']};
  if (threads) {
    options.intraOpNumThreads = threads;
    options.interOpNumThreads = 1;
  }
  return ort.InferenceSession.create(model, options);
}

/// The static input shape with the batch (first dynamic or symbolic
/// dimension) set to `batch`.
function inputShape(session, index, batch) {
  const meta = session.inputMetadata ? session.inputMetadata[index] : null;
  if (!meta || !meta.shape) return null;
  return meta.shape.map((d, i) => (typeof d === 'number' && d >= 0 ? d : (i === 0 ? batch : 1)));
}

async function evaluate(model, imagesPath, labelsPath, flags) {
  const images = readNpy(imagesPath);
  const labels = readNpy(labelsPath);
  const session = await createSession(model, Number(flags.threads || 0));
  const declared = inputShape(session, 0, 1);
  const staticBatch = declared && session.inputMetadata[0].shape[0] === declared[0] &&
      typeof session.inputMetadata[0].shape[0] === 'number';
  const batch = staticBatch ? declared[0] : Number(flags.batch || 64);
  const count = images.shape[0];
  const row = images.data.length / count;
  const predictions = [];
  const start = process.hrtime.bigint();
  for (let b = 0; b < count; b += batch) {
    const n = Math.min(batch, count - b);
    const x = new Float32Array(batch * row);
    x.set(images.data.subarray(b * row, (b + n) * row));
    const shape = [staticBatch ? batch : n, ...images.shape.slice(1)];
    const feed = {[session.inputNames[0]]: new ort.Tensor(
        'float32', staticBatch ? x : x.subarray(0, n * row), shape)};
    const out = (await session.run(feed))[session.outputNames[0]];
    const classes = out.data.length / shape[0];
    for (let i = 0; i < n; ++i) {
      let best = 0;
      for (let c = 1; c < classes; ++c)
        if (out.data[i * classes + c] > out.data[i * classes + best]) best = c;
      predictions.push(best);
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  let correct = 0;
  for (let i = 0; i < count; ++i) correct += predictions[i] === Number(labels.data[i]);
  console.log(`images: ${count}, ${seconds.toFixed(3)} s (onnxruntime-node ${ort.env.versions ? ort.env.versions.common : ''})`);
  console.log(`top-1: ${(100 * correct / count).toFixed(2)}% (${correct}/${count})`);
  if (flags.predictions) writeNpyInt64(flags.predictions, predictions);
}

function randomTensor(session, index, batch, seed) {
  const meta = session.inputMetadata[index];
  const shape = inputShape(session, index, batch);
  const size = shape.reduce((a, b) => a * b, 1);
  let state = seed >>> 0;
  const next = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 4294967296);
  if (meta.type === 'int64') {
    const data = new BigInt64Array(size);
    for (let i = 0; i < size; ++i) data[i] = BigInt(Math.floor(next() * 100));
    return new ort.Tensor('int64', data, shape);
  }
  const data = new Float32Array(size);
  for (let i = 0; i < size; ++i) data[i] = next();
  return new ort.Tensor('float32', data, shape);
}

async function bench(model, flags) {
  const batch = Number(flags.batch || 1);
  const threads = Number(flags.threads || 1);
  const warmup = Number(flags.warmup || 3);
  const runs = Number(flags.runs || 20);
  const t0 = process.hrtime.bigint();
  const session = await createSession(model, threads);
  const createSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const feed = {};
  session.inputNames.forEach((name, i) => { feed[name] = randomTensor(session, i, batch, 7 + i); });
  for (let i = 0; i < warmup; ++i) await session.run(feed);
  const ms = [];
  for (let i = 0; i < runs; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feed);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const hwm = Number(/VmHWM:\s*(\d+)/.exec(status)[1]) / 1024;
  console.log(JSON.stringify({
    runtime: 'onnxruntime', batch, threads, runs, median_ms: ms[Math.floor(ms.length / 2)],
    min_ms: ms[0], peak_mib: hwm, setup_s: createSeconds,
  }));
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const {flags, positional} = parseFlags(rest);
  if (command === 'eval' && positional.length === 3)
    return evaluate(positional[0], positional[1], positional[2], flags);
  if (command === 'run' && positional.length === 3)
    return runOnce(positional[0], positional[1], positional[2]);
  if (command === 'bench' && positional.length === 1)
    return bench(positional[0], flags);
  console.error('usage: ort.js eval MODEL IMAGES.npy LABELS.npy [--batch N] [--predictions OUT.npy]\n' +
                '       ort.js run MODEL INPUT.npy OUTPUT.npy\n' +
                '       ort.js bench MODEL [--batch N] [--threads T] [--warmup W] [--runs R]');
  process.exit(2);
}

main().catch((e) => { console.error(`error: ${e.message}`); process.exit(1); });
