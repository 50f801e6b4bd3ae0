// The ADOT collector's configuration, generated from an object so it cannot drift from the
// infrastructure it points at. It reaches the sidecar as the AOT_CONFIG_CONTENT secret (from SSM).
import { stringify } from 'yaml';

/** The collector image; one place holds its exact version. */
export const COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0';

/** The Prometheus job name of the service, the same locally and in the cloud. */
export const SCRAPE_JOB_NAME = 'app';

export interface CollectorConfigArgs {
  region: string;
  /** The AMP workspace's prometheusEndpoint, e.g. https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-…/ */
  prometheusEndpoint: string;
  /** The service's port inside the task (tasks share localhost on Fargate). */
  appPort: number;
  scrapeIntervalSeconds: number;
}

/** Builds the collector's YAML: scrape localhost:<port>/metrics as job "app", remote-write to AMP with SigV4. */
export function collectorConfig(args: CollectorConfigArgs): string {
  const remoteWriteUrl = `${args.prometheusEndpoint.replace(/\/+$/, '')}/api/v1/remote_write`;
  const config = {
    extensions: {
      sigv4auth: { region: args.region, service: 'aps' },
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
            static_configs: [{ targets: [`localhost:${args.appPort}`] }],
          }],
        },
      },
    },
    processors: {
      // Every task scrapes "localhost:8080"; the task ARN becomes the instance label so the
      // series of two tasks never collide in AMP.
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
      extensions: ['sigv4auth'],
      pipelines: {
        metrics: {
          receivers: ['prometheus'],
          processors: ['resourcedetection/ecs', 'resource/instance', 'batch'],
          exporters: ['prometheusremotewrite'],
        },
      },
    },
  };
  return stringify(config);
}
