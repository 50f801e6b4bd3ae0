// Starts the built service (`node service/dist/main.js`) as a real child process on a loopback port,
// the way a container or a developer starts it, and reports how it ended.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '../../support/net';
import { assertServiceBuilt, SERVICE_ENTRY } from '../../support/repo';
import { GiveUp, waitFor } from '../../support/wait';
import { getStatus, LOOPBACK } from '../../support/raw-http';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process ended. */
  at: number;
}

/** Only what the service needs: a test must not inherit PORT or LOG_LEVEL from the developer's shell. */
function serviceEnv(port: number, env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    HOST: LOOPBACK,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...env,
  };
}

function spawnService(port: number, env: Record<string, string>, nodeOptions: readonly string[] = []) {
  assertServiceBuilt();
  const child = spawn(process.execPath, [...nodeOptions, SERVICE_ENTRY], { env: serviceEnv(port, env), stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  return { child, exited, output: () => Buffer.concat(chunks).toString('utf8') };
}

export class ServiceProcess {
  private constructor(
    readonly port: number,
    /** METRICS_PORT, when the service was started with a metrics listener of its own. */
    readonly metricsPort: number | undefined,
    readonly child: ChildProcess,
    readonly exited: Promise<ExitInfo>,
    readonly output: () => string,
  ) {}

  /**
   * Starts the service and resolves once GET /health answers 200 (and, with `metricsPort`,
   * GET /metrics on its own port: the service listens on both before it logs anything).
   */
  static async start(
    env: Record<string, string> = {},
    options: { inspector?: boolean; metricsPort?: boolean } = {},
  ): Promise<ServiceProcess> {
    const port = await freePort();
    const metricsPort = options.metricsPort ? await freePort() : undefined;
    // The inspector (loopback, a port of its own) is only there to force a garbage collection.
    const nodeOptions = options.inspector ? [`--inspect=${LOOPBACK}:0`] : [];
    const fullEnv = metricsPort === undefined ? env : { ...env, METRICS_PORT: String(metricsPort) };
    const { child, exited, output } = spawnService(port, fullEnv, nodeOptions);
    const service = new ServiceProcess(port, metricsPort, child, exited, output);
    const answers = async (onPort: number, target: string): Promise<boolean> =>
      (await getStatus(onPort, target, 1_000)).response?.status === 200;
    try {
      await waitFor(
        'the service to answer GET /health with 200',
        async () => {
          if (!service.running) throw new GiveUp(`the service exited during start-up (${describeExit(await exited)})`);
          if (!(await answers(port, '/health'))) return undefined;
          return metricsPort === undefined || (await answers(metricsPort, '/metrics')) ? true : undefined;
        },
        { deadlineMs: 20_000, intervalMs: 50 },
      );
    } catch (error) {
      await service.stop();
      throw new Error(`${(error as Error).message}:\n${output()}`, { cause: error });
    }
    return service;
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
  async stop(): Promise<ExitInfo> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}

export interface RunResult {
  exit: ExitInfo;
  timedOut: boolean;
  output: string;
}

/** Runs the service with `env` until it exits by itself or `timeoutMs` passes (then it is killed). */
export async function runToExit(env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
  const port = await freePort();
  const { child, exited, output } = spawnService(port, env);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return { exit, timedOut, output: output() };
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
