import { type Server as HttpServer } from 'node:http';
import { inject, injectable } from 'tsyringe';
import { type Logger } from 'pino';
import { TOKENS } from '../di/tokens';
import { type Config } from '../config';
import { type Clock } from '../clock';
import { type Readiness } from './readiness';
import { acceptQueued, ConnectionTracker } from './connections';

export type Exit = (code: number) => void;

/** Keep-alive sockets that go idle after close() are closed on this beat. */
const IDLE_SWEEP_MS = 100;

/**
 * The order that loses no request behind a load balancer: readiness 503, wait for the
 * balancer to notice, accept what the kernel has queued and stop accepting, let in-flight
 * requests finish, exit 0 before the deadline (which counts from the signal, the delay included).
 * Every listener goes through each step together, so a scrape on the metrics port sees the drain too.
 */
@injectable()
export class GracefulShutdown {
  private started = false;
  /** Installed before the servers listen, so every connection is known when the drain starts. */
  private readonly trackers: readonly ConnectionTracker[];

  constructor(
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Readiness) private readonly readiness: Readiness,
    @inject(TOKENS.HttpServers) private readonly servers: readonly HttpServer[],
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Exit) private readonly exit: Exit,
  ) {
    this.trackers = servers.map((server) => new ConnectionTracker(server, () => clock.now()));
  }

  /** Idempotent: a second signal during the drain changes nothing. */
  async shutdown(signal: string): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { shutdownDelayMs, shutdownTimeoutMs } = this.config;
    const deadline = setTimeout(() => {
      this.logger.error({ signal, shutdownTimeoutMs }, 'shutdown deadline passed; dropping open connections');
      for (const server of this.servers) server.closeAllConnections();
      this.exit(1);
    }, shutdownTimeoutMs);
    deadline.unref();

    this.readiness.startDraining();
    this.logger.info({ signal, shutdownDelayMs }, 'shutdown: readiness is 503, draining');
    await this.clock.sleep(shutdownDelayMs);

    // Whatever the kernel has queued is accepted and served; close() would have it reset.
    await acceptQueued(this.trackers);
    const closed = Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            // An error here only says the server was not listening: nothing left to wait for.
            server.close(() => resolve());
          }),
      ),
    );
    this.logger.info('shutdown: no longer accepting connections');
    const closeIdle = (): void => {
      for (const tracker of this.trackers) tracker.closeIdle();
    };
    const sweep = setInterval(closeIdle, IDLE_SWEEP_MS);
    closeIdle();
    await closed;
    clearInterval(sweep);
    clearTimeout(deadline);
    this.logger.info('shutdown complete');
    this.exit(0);
  }
}
