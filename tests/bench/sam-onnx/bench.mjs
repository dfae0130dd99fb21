// bench.mjs: times the exported SAM image encoder in ONNX Runtime (CPU) after a warm-up.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// usage: node bench.mjs ENCODER.onnx RUNS [THREADS]
// Prints one JSON object: ort_version, load_ms, encode_ms (median), runs_ms, encode_cpu_ms
// (median process CPU time of a run, all threads), peak_rss_mb.
import * as ort from 'onnxruntime-node';

const [path, runsArg, threadsArg] = process.argv.slice(2);
const runs = parseInt(runsArg ?? '3', 10);
const threads = parseInt(threadsArg ?? '2', 10);

const t0 = performance.now();
const session = await ort.InferenceSession.create(path, {
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const loadMs = performance.now() - t0;

// Deterministic pseudo-random pixels (values do not change the cost).
const size = 1024;
const pixels = new Float32Array(3 * size * size);
let seed = 12345;
for (let i = 0; i < pixels.length; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  pixels[i] = (seed / 4294967296) * 4 - 2;
}
const feeds = { pixel_values: new ort.Tensor('float32', pixels, [1, 3, size, size]) };

await session.run(feeds);   // warm-up
const times = [];
const cpuTimes = [];   // process CPU time (user + system, all threads) per run
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
  encode_ms: median,
  runs_ms: times,
  encode_cpu_ms: [...cpuTimes].sort((a, b) => a - b)[Math.floor((cpuTimes.length - 1) / 2)],
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
}));
