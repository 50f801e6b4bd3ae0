import { type Server as HttpServer, type IncomingMessage } from 'node:http';
import { type Socket } from 'node:net';
import { setImmediate as nextCheckPhase } from 'node:timers/promises';

/**
 * How long a drain leaves a connection that has not sent a request yet: its request may be on the
 * way. After that it is closed, so one silent client cannot hold the drain to its deadline.
 */
export const FIRST_REQUEST_GRACE_MS = 1_000;
/** Bound on the loop turns spent emptying the accept queue before the listener closes. */
const MAX_ACCEPT_TURNS = 100;

/**
 * What a drain needs to know about one server's connections beyond what node:http tracks: how
 * many it has accepted, and which have not carried a request yet. Node's closeIdleConnections()
 * closes only connections between two requests; a connection still waiting for its first one is
 * timed out by headersTimeout, whose check server.close() stops, so without this it stays open
 * until the shutdown deadline drops everything.
 */
export class ConnectionTracker {
  private readonly silent = new Map<Socket, number>();
  private accepted = 0;

  constructor(
    private readonly server: HttpServer,
    private readonly now: () => number,
  ) {
    server.on('connection', (socket: Socket) => {
      this.accepted += 1;
      this.silent.set(socket, now());
      socket.once('close', () => this.silent.delete(socket));
    });
    server.on('request', (req: IncomingMessage) => this.silent.delete(req.socket as Socket));
  }

  /** Connections accepted so far: the accept queue is empty once a loop turn adds none. */
  get acceptedCount(): number {
    return this.accepted;
  }

  /** Closes keep-alive connections between requests, and connections silent for longer than the grace. */
  closeIdle(): void {
    this.server.closeIdleConnections();
    const now = this.now();
    for (const [socket, acceptedAt] of this.silent) {
      if (now - acceptedAt >= FIRST_REQUEST_GRACE_MS) socket.destroy();
    }
  }
}

/**
 * Lets the event loop accept every connection the kernel has queued on these servers. A connection
 * still in the queue when its listener closes is reset by the kernel, though its client saw the
 * handshake complete and may have written its request. Timers run before the poll phase that
 * accepts, so a close() right after the readiness delay's timer finds whatever arrived during the
 * last loop turn still queued: this yields to the poll phase until a turn accepts nothing (bounded).
 */
export async function acceptQueued(trackers: readonly ConnectionTracker[]): Promise<void> {
  const total = (): number => trackers.reduce((sum, tracker) => sum + tracker.acceptedCount, 0);
  // Called from the poll phase, the first check phase comes before any new poll: only the turns
  // after it are sure to have polled the listeners.
  await nextCheckPhase();
  for (let turn = 0; turn < MAX_ACCEPT_TURNS; turn += 1) {
    const before = total();
    await nextCheckPhase();
    if (total() === before) return;
  }
}
