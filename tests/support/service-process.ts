// The service as a real child process, the way a container or a developer starts it: every test
// that runs `main` in a process of its own (the service's start-up tests, the resilience harness,
// the Fly.io and dashboard tests) starts it here, on free loopback ports, and reads how it ended.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeExit, ended, type ExitInfo, start as startProcess, type Started, stop, waitForExit } from './child-process';
import { freePort } from './net';
import { getStatus, LOOPBACK } from './raw-http';
import { assertServiceBuilt, REPO_ROOT, SERVICE_ENTRY } from './repo';
import { GiveUp, waitFor, type WaitOptions } from './wait';

export { describeExit, type ExitInfo };

/** Variables for the service; one set to undefined is left out, so the service's own default applies. */
export type ServiceEnv = Record<string, string | undefined>;

export interface LaunchOptions {
  /**
   * 'build' (default): `node service/dist/main.js`, refused when the build is missing or stale.
   * 'source': service/src/main.ts through tsx, for the service's own tests, which run before any build.
   */
  from?: 'build' | 'source';
  /** Start Node with its inspector (loopback, a port of its own), so `collectGarbage()` works. */
  inspector?: boolean;
}

export interface StartOptions extends LaunchOptions {
  /** Give the service a METRICS_PORT listener on a free port (it replaces any METRICS_PORT in env). */
  metricsPort?: boolean;
}

const SERVICE_DIR = path.join(REPO_ROOT, 'service');
/** How long start-up may take before the test is failed: ends a hung start only (tsx compiles first). */
const START_DEADLINE_MS = 60_000;

/**
 * Only what the service needs: a test must not inherit PORT or LOG_LEVEL from the developer's shell.
 * `env` overrides the defaults; a metrics port the helper was asked for overrides `env`.
 */
async function serviceEnv(env: ServiceEnv, metricsPort: number | undefined): Promise<NodeJS.ProcessEnv> {
  const merged: ServiceEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    HOST: LOOPBACK,
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    // Under mutation testing (npm run test:mutation), the service in a child process runs the same mutant.
    __STRYKER_ACTIVE_MUTANT__: process.env.__STRYKER_ACTIVE_MUTANT__,
    ...env,
    ...(metricsPort === undefined ? {} : { METRICS_PORT: String(metricsPort) }),
  };
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function launch(env: NodeJS.ProcessEnv, { from = 'build', inspector = false }: LaunchOptions): Started {
  const nodeOptions = inspector ? [`--inspect=${LOOPBACK}:0`] : [];
  if (from === 'source') {
    // From the service folder: tsx takes the decorator settings from the tsconfig.json it finds there.
    return startProcess(process.execPath, [...nodeOptions, '--import', 'tsx', path.join('src', 'main.ts')], env, { cwd: SERVICE_DIR });
  }
  assertServiceBuilt();
  return startProcess(process.execPath, [...nodeOptions, SERVICE_ENTRY], env);
}

/** The JSON log lines in `stdout` (complete lines only); a line that is not JSON fails with that line. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`a stdout line is not JSON: ${line}`);
      }
    });
}

export class ServiceProcess {
  private constructor(
    readonly port: number,
    /** METRICS_PORT, when the service was started with a metrics listener of its own. */
    readonly metricsPort: number | undefined,
    readonly started: Started,
  ) {}

  /**
   * Starts the service and resolves once GET /ready answers 200 on PORT (and, with `metricsPort`,
   * GET /metrics on its own port: the service listens on both before it logs anything).
   */
  static async start(env: ServiceEnv = {}, options: StartOptions = {}): Promise<ServiceProcess> {
    const metricsPort = options.metricsPort ? await freePort() : undefined;
    const fullEnv = await serviceEnv(env, metricsPort);
    const port = Number(fullEnv.PORT);
    if (!(port > 0)) throw new Error(`ServiceProcess.start probes PORT, so it needs a port number, not ${JSON.stringify(fullEnv.PORT)}`);
    const service = new ServiceProcess(port, metricsPort, launch(fullEnv, options));
    const answers = async (onPort: number, target: string): Promise<boolean> =>
      (await getStatus(onPort, target, 1_000)).response?.status === 200;
    try {
      await service.waitFor(
        'the service to answer GET /ready with 200',
        async () => {
          if (!(await answers(port, '/ready'))) return undefined;
          return metricsPort === undefined || (await answers(metricsPort, '/metrics')) ? true : undefined;
        },
        { deadlineMs: START_DEADLINE_MS, intervalMs: 50 },
      );
    } catch (error) {
      await service.kill();
      throw new Error(`${(error as Error).message}:\n${service.output()}`, { cause: error });
    }
    return service;
  }

  get child() {
    return this.started.child;
  }

  get exited(): Promise<ExitInfo> {
    return this.started.exited;
  }

  /** stdout and stderr so far, in the order they arrived. */
  output(): string {
    return this.started.output();
  }

  /** The JSON log lines written so far. */
  logLines(): Array<Record<string, unknown>> {
    return jsonLines(this.started.stdout());
  }

  /**
   * waitFor (tests/support/wait.ts) that ends the moment the service exits, with its exit code and
   * stderr, instead of polling a dead service until the deadline.
   */
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: Omit<WaitOptions, 'giveUpWhen'> = {}): Promise<T> {
    return waitFor(what, probe, { ...options, giveUpWhen: ended(this.started, 'the service') });
  }

  /** The first log line for which `match` is true, once it is written; fails at once if the service exits first. */
  async waitForLogLine(what: string, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const find = (): Record<string, unknown> | undefined => {
      try {
        return this.logLines().find(match);
      } catch (error) {
        throw new GiveUp((error as Error).message); // waiting will not make a line JSON
      }
    };
    try {
      return await this.waitFor(what, async () => find(), { deadlineMs: START_DEADLINE_MS, intervalMs: 50 });
    } catch (error) {
      // The line may be the service's last words: all its output is read by the time it counts as exited.
      const last = error instanceof GiveUp && !this.running ? find() : undefined;
      if (last !== undefined) return last;
      throw error;
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('service has no pid');
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the service to end; still running after `killAfterMs`, it is killed (SIGKILL) and reported as timed out. */
  waitForExit(killAfterMs: number): Promise<{ exit: ExitInfo; timedOut: boolean }> {
    return waitForExit(this.started, killAfterMs);
  }

  /** Resident set size from the kernel's view of the process, in bytes. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    if (!match) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(match[1]) * 1024;
  }

  /**
   * Forces a full garbage collection in the service through its inspector (start it with
   * `inspector: true`), so memory is read after a settle, not at a random point of the GC cycle.
   */
  async collectGarbage(): Promise<void> {
    const match = /Debugger listening on (ws:\/\/\S+)/.exec(this.output());
    if (!match?.[1]) throw new Error('the service was not started with its inspector');
    const socket = new WebSocket(match[1]);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
      socket.addEventListener('message', (event) => {
        if ((JSON.parse(String(event.data)) as { id?: number }).id === 1) resolve();
      });
      socket.addEventListener('error', () => reject(new Error('inspector connection failed')));
    });
    socket.close();
  }

  /** Ends the process if it still runs (SIGKILL: a test's clean-up must not depend on the code under test). */
  async kill(): Promise<ExitInfo> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Stops the service the way its platform does: `signal`, then SIGKILL after `graceMs`. */
  stopGracefully(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<ExitInfo> {
    return stop(this.started, graceMs, signal);
  }
}

export interface RunResult {
  exit: ExitInfo;
  timedOut: boolean;
  /** stdout and stderr, in the order they arrived. */
  output: string;
  stdout: string;
}

/** Runs the service with `env` until it exits by itself or `timeoutMs` passes (then it is killed). */
export async function runToExit(env: ServiceEnv, timeoutMs: number, options: LaunchOptions = {}): Promise<RunResult> {
  const started = launch(await serviceEnv(env, undefined), options);
  const { exit, timedOut } = await waitForExit(started, timeoutMs);
  return { exit, timedOut, output: started.output(), stdout: started.stdout() };
}
