// Load generator for the local stack (compose profile "loadgen"): a steady, bounded stream of
// /api/work requests with a realistic mix of latencies and failures, so the dashboard and the
// alerts have data within a minute. Plain Node.js, no dependencies.
//
// Knobs (environment):
//   LOADGEN_TARGET      base URL of the service            default http://app:8080
//   LOADGEN_RPS         requests started per second         default 10 (1..200)
//   LOADGEN_ERROR_RATE  share of requests that fail (5xx)   default 0.02; 0.2 fires AppHighErrorRatio
//   LOADGEN_SLOW_RATIO  share that take 1-2.5 s             default 0.005; 0.05 fires AppHighP99Latency
import http from 'node:http';
import { clearInterval, setInterval } from 'node:timers';
import { URLSearchParams } from 'node:url';

function numberFromEnv(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`loadgen: ${name} must be a number from ${min} to ${max}, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const target = new URL(process.env.LOADGEN_TARGET || 'http://app:8080');
const rps = numberFromEnv('LOADGEN_RPS', 10, 1, 200);
const errorRate = numberFromEnv('LOADGEN_ERROR_RATE', 0.02, 0, 1);
const slowRatio = numberFromEnv('LOADGEN_SLOW_RATIO', 0.005, 0, 1);
const maxInFlight = rps * 5; // bounded: a stalled service slows the generator instead of piling up

const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
const randomInt = (min, max) => min + Math.floor(Math.random() * (max - min + 1));

// One request's parameters: mostly fast, a shoulder of medium ones, a thin slow tail, and a few
// invalid requests so 4xx shows up on the dashboard too.
function nextWork() {
  const roll = Math.random();
  if (roll < 0.01) return { latency_ms: -1 }; // 400 Bad Request
  if (roll < 0.01 + slowRatio) return { latency_ms: randomInt(1000, 2500), error_rate: errorRate };
  if (roll < 0.25) return { latency_ms: randomInt(50, 400), size: randomInt(100, 2000), error_rate: errorRate };
  return { latency_ms: randomInt(0, 50), size: randomInt(1, 500), error_rate: errorRate };
}

const counts = new Map(); // status (or "error") -> requests since the last report
let inFlight = 0;
let skipped = 0;

function count(key) {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function send() {
  if (inFlight >= maxInFlight) {
    skipped += 1;
    return;
  }
  const query = new URLSearchParams(Object.entries(nextWork()).map(([k, v]) => [k, String(v)]));
  inFlight += 1;
  // 'close' fires exactly once per request, however it ended (a response cut short emits neither
  // 'end' nor a request 'error'), so the in-flight bound never leaks a slot.
  let outcome = 'error';
  const request = http.get(new URL(`/api/work?${query}`, target), { agent, timeout: 10_000 }, (res) => {
    res.resume();
    res.on('end', () => {
      outcome = String(res.statusCode);
    });
  });
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', () => {}); // counted as 'error' on close
  request.on('close', () => {
    inFlight -= 1;
    count(outcome);
  });
}

function report() {
  const summary = [...counts].sort().map(([key, n]) => `${key}=${n}`).join(' ') || 'no answers';
  console.log(`loadgen: last 10 s: ${summary}${skipped ? ` skipped=${skipped}` : ''} in-flight=${inFlight}`);
  counts.clear();
  skipped = 0;
}

const sender = setInterval(send, 1000 / rps);
const reporter = setInterval(report, 10_000);
console.log(`loadgen: ${rps} req/s to ${target.origin}/api/work, error rate ${errorRate}, slow ratio ${slowRatio}`);

// PID 1 in its container: stop on SIGTERM/SIGINT without waiting for slow requests.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    clearInterval(sender);
    clearInterval(reporter);
    report();
    agent.destroy();
    process.exit(0);
  });
}
