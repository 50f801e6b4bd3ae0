// fly.toml checked against the service it deploys: parsed as Fly parses it (TOML), compared with
// the service's own configuration and routes, then its [env] run on the built service the way a
// Fly Machine runs it. Key meanings: fly.io docs, "App configuration (fly.toml)" and "Health
// Checks"; METRICS_PORT opens a second listener that serves only /metrics.
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Config, loadConfig } from '../../service/src/config';
import { ROUTES } from '../../service/src/http/routes';
import { REPO_ROOT } from '../support/repo';
import { ServiceProcess } from '../support/service-process';

interface FlyCheck {
  path?: string;
  method?: string;
  interval?: string | number;
  timeout?: string | number;
  grace_period?: string | number;
}

interface FlyToml {
  app?: string;
  primary_region?: string;
  kill_signal?: string;
  kill_timeout?: string | number;
  build?: { image?: string };
  deploy?: { strategy?: string; max_unavailable?: number };
  env?: Record<string, unknown>;
  http_service?: {
    internal_port?: number;
    force_https?: boolean;
    checks?: FlyCheck[];
    auto_stop_machines?: string | boolean;
    auto_start_machines?: boolean;
    min_machines_running?: number;
  };
  services?: Array<{ internal_port?: number }>;
  vm?: Array<{ size?: string; memory?: string | number; cpus?: number; cpu_kind?: string }>;
  /** `[metrics]`, or `[[metrics]]` as flyctl writes it back (fly launch rewrites fly.toml). */
  metrics?: FlyMetrics | FlyMetrics[];
}

interface FlyMetrics {
  port?: number;
  path?: string;
  processes?: string[];
}

const FLY_TOML = path.join(REPO_ROOT, 'fly.toml');
/** Fly's upper bound for kill_timeout (docs: "up to a maximum of 300 seconds"). */
const FLY_MAX_KILL_TIMEOUT_MS = 300_000;
/** What Fly does when fly.toml leaves these out (docs, "Runtime options"). */
const FLY_DEFAULT_KILL_SIGNAL = 'SIGINT';
const FLY_DEFAULT_KILL_TIMEOUT_S = 5;

let fly: FlyToml = {};

/** fly.toml as Fly reads it. A dynamic import: smol-toml's types describe an ES module, and this file is CommonJS. */
async function loadFlyToml(): Promise<void> {
  const { parse } = await import('smol-toml');
  fly = parse(readFileSync(FLY_TOML, 'utf8')) as FlyToml;
}

/** [env] as the Machine receives it: Fly accepts only string values there. */
function flyEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fly.env ?? {})) {
    if (typeof value !== 'string') throw new Error(`fly.toml [env] ${name} must be a string (Fly: "Env values can only be strings"); got ${JSON.stringify(value)}`);
    env[name] = value;
  }
  return env;
}

/** The service's configuration under fly.toml's [env]: defaults for what it leaves out, as on the Machine. */
function serviceConfig(): Config {
  return loadConfig(flyEnv());
}

const GO_DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * A fly.toml duration in milliseconds: a Go duration string ("10s", "1m30s", "500ms"), or a bare
 * number in `numberUnitMs` (checks count in milliseconds, kill_timeout in seconds).
 */
function durationMs(value: string | number | undefined, numberUnitMs: number, what: string): number {
  if (typeof value === 'number') return value * numberUnitMs;
  if (value === undefined || !/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) throw new Error(`${what}: not a duration: ${JSON.stringify(value)}`);
  let total = 0;
  for (const [, amount, , unit] of value.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * (GO_DURATION_UNITS_MS[unit ?? 's'] ?? 0);
  return total;
}

/** The one metrics endpoint Fly scrapes, whichever of the two forms the file uses. */
function metrics(): FlyMetrics {
  const all = Array.isArray(fly.metrics) ? fly.metrics : fly.metrics ? [fly.metrics] : [];
  if (all.length !== 1 || all[0]?.processes !== undefined) throw new Error(`expected one [metrics] for every process, got ${JSON.stringify(fly.metrics)}`);
  return all[0] as FlyMetrics;
}

function checks(): FlyCheck[] {
  return fly.http_service?.checks ?? [];
}

function checkFor(route: string): FlyCheck {
  const check = checks().find((candidate) => candidate.path === route);
  if (!check) throw new Error(`no [[http_service.checks]] asks ${route}`);
  return check;
}

const Static = suite('fly.toml against the service');

Static.before(loadFlyToml);

Static('names an app and a primary region, and no image: every deploy names the digest CI pushed', () => {
  assert.type(fly.app, 'string');
  assert.match(fly.app ?? '', /^[a-z0-9-]+$/, 'Fly app names are lower-case letters, digits and dashes');
  assert.match(fly.primary_region ?? '', /^[a-z]{3}$/);
  assert.is(fly.build?.image, undefined, '[build] image would deploy a tag, not the tested digest');
});

Static('[env] is a configuration the service starts with', () => {
  // loadConfig throws the same one-line error start-up prints (and exits 2 on).
  serviceConfig();
});

// "Fly Proxy reaches services through a private IPv4 address on each VM, so the process should
// listen on 0.0.0.0:<port>" (fly.io docs, "Public network services",
// https://fly.io/docs/networking/app-services/); "Instrument your app and expose your metrics on
// 0.0.0.0" (https://fly.io/docs/monitoring/metrics/). The IPv6 private network (6PN) reaches
// neither: only Machines and WireGuard peers of the organization are there, and nothing needs it.
Static('both listeners bind the private IPv4 address Fly Proxy and Fly\'s metrics scraper connect to', () => {
  const config = serviceConfig() as Config & { metricsHost?: string };
  assert.is(config.host, '0.0.0.0', 'HOST');
  // METRICS_HOST defaults to HOST; fly.toml sets it anyway, so the scraper's address is explicit.
  assert.is(flyEnv().METRICS_HOST, '0.0.0.0', '[env] METRICS_HOST');
  assert.is(config.metricsHost ?? config.host, '0.0.0.0', 'the metrics listener');
});

Static('Fly Proxy sends to the port the service listens on', () => {
  assert.is(fly.http_service?.internal_port, serviceConfig().port);
});

Static('HTTP is redirected to HTTPS', () => {
  assert.is(fly.http_service?.force_https, true);
});

Static('[metrics] is the metrics listener: METRICS_PORT, the service\'s metrics path, apart from the app port', () => {
  const config = serviceConfig() as Config & { metricsPort?: number };
  assert.is(metrics().port, 9464, '9464 on Fly');
  assert.is(config.metricsPort, metrics().port, '[env] METRICS_PORT must be the port Fly scrapes');
  assert.is.not(metrics().port, fly.http_service?.internal_port);
  assert.is(metrics().path, ROUTES.metrics);
});

Static('the metrics port is in no public service', () => {
  const publicPorts = [fly.http_service?.internal_port, ...(fly.services ?? []).map((service) => service.internal_port)];
  assert.not.ok(publicPorts.includes(metrics().port), `public internal ports: ${publicPorts.join(', ')}`);
});

Static('every routing check asks a route the service has: /ready (routing) and /health (liveness)', () => {
  const routes: readonly string[] = Object.values(ROUTES);
  for (const check of checks()) {
    assert.ok(check.path !== undefined && routes.includes(check.path), `check path ${check.path} is not one of ${routes.join(', ')}`);
    assert.is((check.method ?? 'GET').toUpperCase(), 'GET');
  }
  checkFor(ROUTES.ready);
  checkFor(ROUTES.health);
});

Static('the readiness check runs at least once while the service drains, before it stops accepting', () => {
  // Fly Proxy stops routing to a Machine only when a check fails; /ready fails for SHUTDOWN_DELAY_MS.
  const interval = durationMs(checkFor(ROUTES.ready).interval, 1, 'ready check interval');
  assert.ok(interval <= serviceConfig().shutdownDelayMs, `ready check every ${interval} ms, drain delay ${serviceConfig().shutdownDelayMs} ms`);
});

Static('kill_signal is SIGTERM, the signal the service drains on (Fly sends SIGINT by default)', () => {
  assert.is(fly.kill_signal, 'SIGTERM');
});

Static('kill_timeout outlasts SHUTDOWN_TIMEOUT_MS, within Fly\'s 300 s', () => {
  const killTimeoutMs = durationMs(fly.kill_timeout, 1_000, 'kill_timeout');
  const { shutdownTimeoutMs } = serviceConfig();
  assert.ok(killTimeoutMs > shutdownTimeoutMs, `kill_timeout ${killTimeoutMs} ms <= SHUTDOWN_TIMEOUT_MS ${shutdownTimeoutMs} ms: Fly would kill the drain`);
  assert.ok(killTimeoutMs <= FLY_MAX_KILL_TIMEOUT_MS);
});

// fly.io docs, "App configuration (fly.toml)", "Picking a deployment strategy": rolling takes each
// running Machine down and replaces it; bluegreen boots a new Machine beside every running one and
// moves traffic once all pass their health checks (it needs at least one check). With
// auto_stop_machines and min_machines_running = 1 only one Machine runs, so a rolling deploy would
// leave none serving while it is replaced.
Static('a deploy keeps a Machine serving: blue-green behind checks, or rolling only over Machines that all stay running', () => {
  const service = fly.http_service ?? {};
  const autoStop = service.auto_stop_machines !== undefined && service.auto_stop_machines !== false && service.auto_stop_machines !== 'off';
  const strategy = fly.deploy?.strategy ?? 'rolling';
  if (strategy === 'bluegreen') {
    assert.ok(checks().length > 0, 'bluegreen needs a health check to move traffic on');
  } else {
    assert.is(strategy, 'rolling', `strategy ${strategy}: immediate replaces everything at once, canary continues rolling`);
    assert.not.ok(autoStop, 'rolling with auto-stop: the one running Machine is taken down first');
    assert.ok((service.min_machines_running ?? 0) >= 2 && (fly.deploy?.max_unavailable ?? 1) < (service.min_machines_running ?? 0));
  }
  assert.ok((service.min_machines_running ?? 0) >= 1, 'one Machine runs between deploys');
});

Static('[[vm]] asks a size Fly can start: shared CPUs, memory a multiple of 256 MB within 256..2048 MB per CPU', () => {
  // Fly docs, "Machine sizing": shared-CPU memory is a multiple of 256, from 256 MB to 2 GB per CPU.
  assert.is(fly.vm?.length, 1);
  const vm = fly.vm?.[0] ?? {};
  const cpus = vm.cpus ?? Number(/^shared-cpu-(\d+)x$/.exec(vm.size ?? '')?.[1] ?? Number.NaN);
  const memory = String(vm.memory ?? '');
  const memoryMb = /^\d+$/.test(memory) ? Number(memory) : Number(/^(\d+)mb$/i.exec(memory)?.[1] ?? Number(/^(\d+)gb$/i.exec(memory)?.[1]) * 1024);
  assert.ok(Number.isInteger(cpus) && cpus >= 1, `shared CPUs from ${vm.size}`);
  assert.is(memoryMb % 256, 0, `memory ${memory}`);
  assert.ok(memoryMb >= 256 * cpus && memoryMb <= 2048 * cpus, `memory ${memoryMb} MB for ${cpus} shared CPU(s)`);
});

Static.run();

// --- the built service under fly.toml's [env] ---------------------------------------------------

let service: ServiceProcess | undefined;

/**
 * fly.toml's [env] and nothing else the service reads (its own defaults for the rest, as on the
 * Machine), with free ports in place of its PORT and METRICS_PORT (this machine may use those).
 */
function startService(): Promise<ServiceProcess> {
  const { PORT: _port, METRICS_PORT: metricsPort, ...env } = flyEnv();
  return ServiceProcess.start({ LOG_LEVEL: undefined, ...env }, { metricsPort: metricsPort !== undefined });
}

async function statusOf(port: number, route: string, method = 'GET'): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, { method, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

const Live = suite('fly.toml [env] on the built service');

Live.before(async () => {
  await loadFlyToml();
  service = await startService();
});

Live.after(async () => {
  if (service) await service.stopGracefully();
});

function running(): ServiceProcess {
  if (!service) throw new Error('the service did not start');
  return service;
}

Live('every [[http_service.checks]] path answers 200 on internal_port (Fly follows no redirect)', async () => {
  for (const check of checks()) {
    assert.is(await statusOf(running().port, check.path ?? '/', check.method), 200, `${check.method} ${check.path}`);
  }
});

Live('the [metrics] path answers with the exposition on the metrics port', async () => {
  const { metricsPort } = running();
  assert.ok(metricsPort !== undefined, 'the service runs without a metrics listener: fly.toml [env] sets no METRICS_PORT');
  const response = await fetch(`http://127.0.0.1:${metricsPort}${metrics().path ?? ''}`);
  const body = await response.text();
  assert.is(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(body, /^app_build_info\{/m);
});

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether this machine has IPv6 loopback at all (else an IPv6 refusal would prove nothing). */
function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}

Live('both ports answer over IPv4 and neither over IPv6 (the 6PN cannot reach the metrics)', async () => {
  const { port, metricsPort } = running();
  assert.ok(metricsPort !== undefined);
  assert.ok(await accepts('127.0.0.1', port), 'the public port over IPv4');
  assert.ok(await accepts('127.0.0.1', metricsPort), 'the metrics port over IPv4');
  if (!(await ipv6Loopback())) return void console.log('skipped: no IPv6 loopback on this host, so the IPv6 half cannot be checked');
  assert.not.ok(await accepts('::1', port), 'the public port over IPv6');
  assert.not.ok(await accepts('::1', metricsPort), 'the metrics port over IPv6');
});

Live('the public port never serves the metrics path', async () => {
  assert.is(await statusOf(running().port, metrics().path ?? ''), 404);
});

Live('kill_signal drains it: the readiness check fails while liveness holds, then exit 0 before kill_timeout', async () => {
  const machine = running();
  machine.signal((fly.kill_signal ?? FLY_DEFAULT_KILL_SIGNAL) as NodeJS.Signals);
  await machine.waitFor('GET /ready to answer 503 after the kill signal', async () => ((await statusOf(machine.port, ROUTES.ready)) === 503 ? true : undefined), {
    intervalMs: 100,
  });
  assert.is(await statusOf(machine.port, ROUTES.health), 200, 'liveness holds while draining');
  // What Fly does at kill_timeout: SIGKILL, which would show as no exit code.
  const { exit } = await machine.waitForExit(durationMs(fly.kill_timeout ?? FLY_DEFAULT_KILL_TIMEOUT_S, 1_000, 'kill_timeout'));
  assert.is(exit.code, 0, machine.output().slice(-2_000));
});

Live.run();
