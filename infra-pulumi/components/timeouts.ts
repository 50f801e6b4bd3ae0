// Ports and timeouts that must agree between the load balancer, the task definition and the service.
// Kept in one file so a change to one side cannot silently break the other. It imports nothing: the
// stack configuration (config.ts) reads its limits from here.

/** ECS stops a task with SIGKILL after stopTimeout; Fargate allows at most 120 s. */
export const MAX_STOP_TIMEOUT_SECONDS = 120;
/** Seconds between the service's own deadline (SHUTDOWN_TIMEOUT_MS) and ECS's SIGKILL. */
export const STOP_TIMEOUT_MARGIN_SECONDS = 5;

/**
 * Where the metrics listener binds and the collector scrapes: the loopback interface the containers
 * of a Fargate task share. 127.0.0.1, not localhost, which may resolve to ::1.
 */
export const LOOPBACK_ADDRESS = '127.0.0.1';

/** The service's PORT: the only port the load balancer forwards to. */
export const APP_PORT = 8080;

/**
 * The service's METRICS_PORT: a second listener serving only /metrics, reached by the collector in
 * the same task over 127.0.0.1 and by nothing else (no target group, listener or security group
 * names it), so no spelling of the path can reach the metrics through the load balancer.
 */
export const METRICS_PORT = 9464;

/** ALB idle timeout (the AWS default, stated explicitly). */
export const ALB_IDLE_TIMEOUT_SECONDS = 60;

/**
 * Node must keep idle sockets open longer than the ALB does, or the ALB reuses a socket Node has
 * just closed and the client gets a 502. 65 s is also the service's own default.
 */
export const KEEP_ALIVE_TIMEOUT_MS = (ALB_IDLE_TIMEOUT_SECONDS + 5) * 1000;
/** Node requires headersTimeout above keepAliveTimeout. */
export const HEADERS_TIMEOUT_MS = KEEP_ALIVE_TIMEOUT_MS + 1000;

/**
 * Seconds the ALB keeps a deregistering target for in-flight requests (AWS default 300 s). ECS sends
 * SIGTERM only after this, so it bounds every deploy and scale-in. The service's slowest answer is
 * /api/work at its 5 s latency bound, well inside it; the service drains what is left on SIGTERM.
 */
export const DEREGISTRATION_DELAY_SECONDS = 30;

/** Target-group health check on /ready: a draining task is out of rotation within 2 x 10 s. */
export const READINESS_INTERVAL_SECONDS = 10;

/**
 * ECS waits this long after SIGTERM before SIGKILL: the service's own deadline plus a margin. The
 * stack configuration keeps shutdownTimeoutMs low enough for Fargate's 120 s maximum.
 */
export function stopTimeoutSeconds(shutdownTimeoutMs: number): number {
  return Math.ceil(shutdownTimeoutMs / 1000) + STOP_TIMEOUT_MARGIN_SECONDS;
}
