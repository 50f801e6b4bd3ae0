// Every query that differs between the variants: the selectors, and the RED and SLO figures,
// read from a recording rule where the rules run and computed from the scraped series where not
// (the same expressions as the rules in app-recording.yml and app-slo.yml, over the same windows).
import type { Variant } from './variant';

const REQUESTS = 'http_server_request_duration_seconds_count';
export const BUCKETS = 'http_server_request_duration_seconds_bucket';
// The bucket of the latency SLO's threshold (1 s), as the text format and Prometheus 3 spell it.
const SLO_LATENCY_BUCKET = 'le=~"1(\\\\.0)?"';
// Probes and scrapes are not user traffic (and /ready answers 503 on purpose while draining): the
// same filter as the user-facing copy in app-slo.yml.
const NOT_USER_FACING = 'route!~"/health|/ready|/metrics"';

export type Sources = ReturnType<typeof sources>;

export function sources(variant: Variant) {
  const service = `${variant.label}="$${variant.label}"`;
  const routes = `${service}, route=~"$route"`;
  // The headline figures take the user-facing requests within the selected routes.
  const userFacingRoutes = `${routes}, ${NOT_USER_FACING}`;
  const userFacing = `${service}, ${NOT_USER_FACING}`;
  const rate = (series: string, selector: string, window = '5m') => `rate(${series}{${selector}}[${window}])`;
  const shared = { service, routes, userFacingRoutes };
  if (variant.rules) {
    return {
      ...shared,
      routeValues: `label_values(job_route:http_server_requests:rate5m{${service}}, route)`,
      requestRate: `sum(job_route:http_server_requests:rate5m{${userFacingRoutes}})`,
      errorRatio: `(sum(job_route:http_server_request_errors:rate5m{${userFacingRoutes}}) or vector(0)) / sum(job_route:http_server_requests:rate5m{${userFacingRoutes}})`,
      p99: `histogram_quantile(0.99, sum by (le) (job_route_le:http_server_request_duration_seconds_bucket:rate5m{${userFacingRoutes}}))`,
      requestsByRouteStatus: `sum by (route, status_code) (job_route_status_code:http_server_requests:rate5m{${routes}})`,
      errorRatioByRoute: `job_route:http_server_request_errors:ratio_rate5m{${routes}}`,
      latencyByRoute: (quantile: string) =>
        `job_route_quantile:http_server_request_duration_seconds:histogram_quantile5m{${routes}, quantile="${quantile}"}`,
      availabilityErrorRatioBudget: `job:slo_availability_errors:ratio_rate30d{${service}}`,
      latencyErrorRatioBudget: `job:slo_latency_errors:ratio_rate30d{${service}}`,
    };
  }
  const window = variant.budgetWindow.range;
  /** Share of bad requests over the budget's window, where no rule records it (app-slo.yml's ratio_rate30d). */
  const rawBudget = (bad: string) => `(${bad} / sum(${rate(REQUESTS, userFacing, window)}))`;
  return {
    ...shared,
    routeValues: `label_values(${REQUESTS}{${service}}, route)`,
    requestRate: `sum(${rate(REQUESTS, userFacingRoutes)})`,
    errorRatio: `(sum(${rate(REQUESTS, `${userFacingRoutes}, status_code=~"5.."`)}) or vector(0)) / sum(${rate(REQUESTS, userFacingRoutes)})`,
    p99: `histogram_quantile(0.99, sum by (le) (${rate(BUCKETS, userFacingRoutes)}))`,
    requestsByRouteStatus: `sum by (route, status_code) (${rate(REQUESTS, routes)})`,
    errorRatioByRoute: `(sum by (route) (${rate(REQUESTS, `${routes}, status_code=~"5.."`)}) or 0 * sum by (route) (${rate(REQUESTS, routes)})) / sum by (route) (${rate(REQUESTS, routes)})`,
    latencyByRoute: (quantile: string) => `histogram_quantile(${quantile}, sum by (route, le) (${rate(BUCKETS, routes)}))`,
    availabilityErrorRatioBudget: rawBudget(`(sum(${rate(REQUESTS, `${userFacing}, status_code=~"5.."`, window)}) or vector(0))`),
    latencyErrorRatioBudget: rawBudget(
      `(sum(${rate(REQUESTS, userFacing, window)}) - sum(${rate(BUCKETS, `${userFacing}, ${SLO_LATENCY_BUCKET}`, window)}))`,
    ),
  };
}
