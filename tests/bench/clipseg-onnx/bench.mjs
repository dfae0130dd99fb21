// bench.mjs: time one CLIPSeg forward in ONNX Runtime (CPU, 2 threads) after a warm-up.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// usage: node bench.mjs MODEL.onnx SIZE RUNS IDS(comma-separated) [THREADS]
// Prints one JSON object: load_ms, forward_ms (median), runs_ms, forward_cpu_ms (median
// process CPU time of a run, all threads; ORT's threads spin while they wait), peak_rss_mb.
import * as ort from 'onnxruntime-node';

const [path, sizeArg, runsArg, idsArg, threadsArg] = process.argv.slice(2);
const threads = parseInt(threadsArg ?? '2', 10);
const size = parseInt(sizeArg ?? '352', 10);
const runs = parseInt(runsArg ?? '5', 10);
const ids = (idsArg ?? '49406,320,1125,539,320,2368,49407').split(',').map((v) => BigInt(v));

const t0 = performance.now();
const session = await ort.InferenceSession.create(path, {
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const loadMs = performance.now() - t0;

// Deterministic pseudo-random pixels (values do not change the cost).
const pixels = new Float32Array(3 * size * size);
let seed = 12345;
for (let i = 0; i < pixels.length; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  pixels[i] = (seed / 4294967296) * 4 - 2;
}
const feeds = {
  pixel_values: new ort.Tensor('float32', pixels, [1, 3, size, size]),
  input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, ids.length]),
};

await session.run(feeds);   // warm-up
const times = [];
const cpuTimes = [];
for (let r = 0; r < runs; r++) {
  const c = process.cpuUsage();
  const s = performance.now();
  await session.run(feeds);
  times.push(performance.now() - s);
  const d = process.cpuUsage(c);
  cpuTimes.push((d.user + d.system) / 1000);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
  : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
console.log(JSON.stringify({
  ort_version: ort.env.versions?.common ?? 'unknown',
  load_ms: loadMs,
  forward_ms: median,
  runs_ms: times,
  forward_cpu_ms: [...cpuTimes].sort((a, b) => a - b)[Math.floor((cpuTimes.length - 1) / 2)],
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
}));
