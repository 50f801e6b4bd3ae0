// The ADOT collector's configuration, generated from an object so it cannot drift from the
// infrastructure it points at. It reaches the sidecar as the plain AOT_CONFIG_CONTENT variable of
// the task definition (it holds no secret): a new scrape interval or a new AMP endpoint changes the
// task definition and so rolls out, which a secret read from an unchanged SSM ARN never did.
import { stringify } from 'yaml';
import { LOOPBACK_ADDRESS } from './timeouts';

/** The collector image; one place holds its exact version. */
export const COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0';

/** The Prometheus job name of the service, the same locally and in the cloud. */
export const SCRAPE_JOB_NAME = 'app';

/**
 * The collector image's own probe (aws-otel-collector cmd/healthcheck), which asks the health_check
 * extension at http://127.0.0.1:13133/ and exits non-zero unless it answers 200. The image is built
 * FROM scratch (no shell), and ECS's HealthCheck API says the array must start with CMD (run
 * directly) or CMD-SHELL (through a shell): without CMD, Docker ignores the check as of unknown type
 * and a tool that adds CMD-SHELL fails it forever (aws-otel-collector#2014, #2655).
 */
export const COLLECTOR_HEALTH_CHECK_COMMAND: readonly string[] = ['CMD', '/healthcheck'];
/** Where /healthcheck looks, hard-coded in the probe; the extension is pinned to it. */
export const COLLECTOR_HEALTH_CHECK_ENDPOINT = `${LOOPBACK_ADDRESS}:13133`;

/** memory_limiter's ceiling, whatever the task size: far above what scraping one target needs. */
export const COLLECTOR_MEMORY_LIMIT_MAX_MIB = 256;

/**
 * memory_limiter's hard limit for a task of `taskMemoryMib`: a quarter of it, at most
 * COLLECTOR_MEMORY_LIMIT_MAX_MIB. A fixed limit_mib, not limit_percentage: the percentage is of the
 * "total available memory" the collector sees, and with no container-level limit that is the whole
 * task's (or more), so 75% would let a backed-up collector take the memory the app needs.
 */
export function collectorMemoryLimitMib(taskMemoryMib: number): number {
  return Math.min(COLLECTOR_MEMORY_LIMIT_MAX_MIB, Math.floor(taskMemoryMib / 4));
}

export interface CollectorConfigArgs {
  region: string;
  /** The AMP workspace's prometheusEndpoint, e.g. https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-…/ */
  prometheusEndpoint: string;
  /** The service's METRICS_PORT inside the task (tasks share the loopback interface on Fargate). */
  metricsPort: number;
  scrapeIntervalSeconds: number;
  /** memory_limiter's hard limit (collectorMemoryLimitMib of the task's memory). */
  memoryLimitMib: number;
}

/** Builds the collector's YAML: scrape 127.0.0.1:<metrics port>/metrics as job "app", remote-write to AMP with SigV4. */
export function collectorConfig(args: CollectorConfigArgs): string {
  const remoteWriteUrl = `${args.prometheusEndpoint.replace(/\/+$/, '')}/api/v1/remote_write`;
  const config = {
    extensions: {
      sigv4auth: { region: args.region, service: 'aps' },
      // Answers the container health check (/healthcheck) on loopback, the address the probe asks:
      // the extension's default host has changed between collector releases (0.0.0.0, localhost).
      health_check: { endpoint: COLLECTOR_HEALTH_CHECK_ENDPOINT },
    },
    receivers: {
      prometheus: {
        config: {
          global: {
            scrape_interval: `${args.scrapeIntervalSeconds}s`,
            scrape_timeout: `${Math.min(10, args.scrapeIntervalSeconds)}s`,
          },
          scrape_configs: [{
            job_name: SCRAPE_JOB_NAME,
            metrics_path: '/metrics',
            // The address the service's metrics listener binds (METRICS_HOST in the task definition).
            static_configs: [{ targets: [`${LOOPBACK_ADDRESS}:${args.metricsPort}`] }],
          }],
        },
      },
    },
    processors: {
      // First in the pipeline, so a slow AMP backs up into refused scrapes instead of an OOM kill
      // that would take the task's shared memory with it.
      memory_limiter: { check_interval: '1s', limit_mib: args.memoryLimitMib, spike_limit_mib: Math.floor(args.memoryLimitMib / 5) },
      // Every task scrapes the same loopback target; the task ARN becomes the instance label so
      // the series of two tasks never collide in AMP.
      'resourcedetection/ecs': { detectors: ['ecs'], timeout: '5s', override: false },
      'resource/instance': {
        attributes: [{ key: 'service.instance.id', from_attribute: 'aws.ecs.task.arn', action: 'upsert' }],
      },
      batch: { timeout: '30s' },
    },
    exporters: {
      prometheusremotewrite: {
        endpoint: remoteWriteUrl,
        auth: { authenticator: 'sigv4auth' },
      },
    },
    service: {
      extensions: ['sigv4auth', 'health_check'],
      pipelines: {
        metrics: {
          receivers: ['prometheus'],
          processors: ['memory_limiter', 'resourcedetection/ecs', 'resource/instance', 'batch'],
          exporters: ['prometheusremotewrite'],
        },
      },
    },
  };
  return stringify(config);
}
