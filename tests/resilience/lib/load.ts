// A closed-loop load driver: N clients, each on its own keep-alive connection (as a load balancer
// pools them), sends a request, waits for the whole response, sends the next, until told to stop.
// Every exchange is recorded with its outcome, so a test can account for each request it sent.
import { setTimeout as sleep } from 'node:timers/promises';
import { formatRequest, RawConnection, type ExchangeResult, type RequestSpec } from '../../support/raw-http';

export interface LoadResult extends ExchangeResult {
  /** The request's target, to tell routes and parameters apart in reports. */
  target: string;
  /** performance.now() when the request was issued (or the connect attempted). */
  issuedAt: number;
  /** performance.now() when its exchange ended. */
  endedAt: number;
  /** The request went out on a connection that had already carried one. */
  reusedConnection: boolean;
}

export interface LoadOptions {
  port: number;
  connections: number;
  /** Checked before every request: true ends that client's loop. */
  shouldStop: () => boolean;
  /** The next request to send; `client` is the index of the client asking (0 … connections - 1). */
  next: (sequence: number, client: number) => RequestSpec;
  /** A client gives up on one exchange after this long (a correctness bound, never reached when healthy). */
  timeoutMs?: number;
  /**
   * When a client stops, leave its connection open and idle instead of closing it, as a load
   * balancer does: the server then has to close idle keep-alive connections itself to exit.
   */
  leaveConnectionsOpen?: boolean;
}

export interface LoadRun {
  results: LoadResult[];
  /** Connections left open (with leaveConnectionsOpen); the caller destroys them. */
  openConnections: RawConnection[];
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const results: LoadResult[] = [];
  const openConnections: RawConnection[] = [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  let sequence = 0;

  async function client(index: number): Promise<void> {
    let connection: RawConnection | undefined;
    while (!options.shouldStop()) {
      const spec = options.next(sequence++, index);
      const issuedAt = performance.now();
      if (!connection?.usable) {
        connection?.destroy();
        const connected = await RawConnection.connect(options.port, undefined, timeoutMs);
        connection = connected.connection;
        if (!connection) {
          results.push({
            outcome: 'refused',
            connected: false,
            written: false,
            errorCode: connected.errorCode,
            latencyMs: 0,
            target: spec.target,
            issuedAt,
            endedAt: performance.now(),
            reusedConnection: false,
          });
          // A refused connect returns at once: pause so a stopped server is not hammered in a tight loop.
          await sleep(20);
          continue;
        }
      }
      const reusedConnection = connection.requests > 0;
      const result = await connection.send(formatRequest(spec, { keepAlive: true }), spec.method, timeoutMs);
      results.push({ ...result, target: spec.target, issuedAt, endedAt: performance.now(), reusedConnection });
    }
    if (connection && options.leaveConnectionsOpen && !connection.isClosed) openConnections.push(connection);
    else connection?.destroy();
  }

  await Promise.all(Array.from({ length: options.connections }, (_, index) => client(index)));
  return { results, openConnections };
}

/** A stop condition that turns true `durationMs` from now. */
export function after(durationMs: number): () => boolean {
  const deadline = performance.now() + durationMs;
  return () => performance.now() >= deadline;
}
