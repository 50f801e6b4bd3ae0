// The task's two container definitions as plain data: the app and the ADOT collector sidecar. Pure
// functions of their arguments, so what reaches ECS is tested without mocks; TaskDefinition only
// resolves the outputs they need.
import { type LogLevel } from '../config';
import { COLLECTOR_HEALTH_CHECK_COMMAND, COLLECTOR_IMAGE } from './collector-config';
import { APP_PORT, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, LOOPBACK_ADDRESS, METRICS_PORT, stopTimeoutSeconds } from './timeouts';

/** Name of the application container (the target the ALB forwards to). */
export const APP_CONTAINER = 'app';
/** Name of the ADOT collector sidecar. */
export const COLLECTOR_CONTAINER = 'adot-collector';
/** The image's liveness probe (Dockerfile HEALTHCHECK): exec form, a distroless image has no shell. */
export const APP_HEALTH_CHECK_COMMAND: readonly string[] = ['CMD', '/nodejs/bin/node', '/app/healthcheck.mjs'];

export interface AppEnvironmentArgs {
  logLevel: LogLevel;
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
}

/**
 * The app's environment: plain values only (anything secret goes in `secrets`). The public listener
 * binds every interface of the task (the ALB reaches it); the metrics listener binds loopback only,
 * where the collector in the same task scrapes it, so no security-group mistake can expose it.
 */
export function appEnvironment(args: AppEnvironmentArgs): Record<string, string> {
  return {
    PORT: String(APP_PORT),
    HOST: '0.0.0.0',
    METRICS_PORT: String(METRICS_PORT),
    METRICS_HOST: LOOPBACK_ADDRESS,
    LOG_LEVEL: args.logLevel,
    SHUTDOWN_DELAY_MS: String(args.shutdownDelayMs),
    SHUTDOWN_TIMEOUT_MS: String(args.shutdownTimeoutMs),
    KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  };
}

export interface ContainerDefinitionsArgs extends AppEnvironmentArgs {
  image: string;
  /** Secrets Manager secret with registry credentials; none for a public image. */
  imageCredentialsSecretArn: string | undefined;
  /** The collector's YAML (collectorConfig), passed as AOT_CONFIG_CONTENT. */
  collectorYaml: string;
  logGroupName: string;
  region: string;
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  environment: { name: string; value: string }[];
  [key: string]: unknown;
}

const variables = (values: Record<string, string>) => Object.entries(values).map(([name, value]) => ({ name, value }));

/** The app container and the collector sidecar, as ECS's containerDefinitions takes them. */
export function containerDefinitions(args: ContainerDefinitionsArgs): ContainerDefinition[] {
  const logConfiguration = (streamPrefix: string) => ({
    logDriver: 'awslogs',
    options: { 'awslogs-group': args.logGroupName, 'awslogs-region': args.region, 'awslogs-stream-prefix': streamPrefix },
  });
  return [
    {
      name: APP_CONTAINER,
      image: args.image,
      ...(args.imageCredentialsSecretArn !== undefined ? { repositoryCredentials: { credentialsParameter: args.imageCredentialsSecretArn } } : {}),
      essential: true,
      readonlyRootFilesystem: true,
      // tini-like init as PID 1: forwards SIGTERM to node and reaps zombies.
      linuxParameters: { initProcessEnabled: true },
      // The metrics port is not mapped: on awsvpc a port mapping is only what load balancers and
      // Service Connect may target, and the collector reaches it over loopback regardless.
      portMappings: [{ containerPort: APP_PORT, protocol: 'tcp', name: 'http' }],
      environment: variables(appEnvironment(args)),
      healthCheck: { command: APP_HEALTH_CHECK_COMMAND, interval: 15, timeout: 5, retries: 3, startPeriod: 10 },
      // SIGTERM -> the service drains and exits before SHUTDOWN_TIMEOUT_MS; SIGKILL only after this.
      stopTimeout: stopTimeoutSeconds(args.shutdownTimeoutMs),
      // The only writable path; node may need it for temporary files.
      mountPoints: [{ sourceVolume: 'app-tmp', containerPath: '/tmp', readOnly: false }],
      logConfiguration: logConfiguration(APP_CONTAINER),
    },
    {
      name: COLLECTOR_CONTAINER,
      image: COLLECTOR_IMAGE,
      // Losing metrics must not take the service down.
      essential: false,
      readonlyRootFilesystem: true,
      // The collector reads its whole config from this variable (AWS's documented ECS setup).
      environment: variables({ AOT_CONFIG_CONTENT: args.collectorYaml }),
      healthCheck: { command: COLLECTOR_HEALTH_CHECK_COMMAND, interval: 15, timeout: 5, retries: 3, startPeriod: 10 },
      mountPoints: [{ sourceVolume: 'collector-tmp', containerPath: '/tmp', readOnly: false }],
      logConfiguration: logConfiguration(COLLECTOR_CONTAINER),
    },
  ];
}

/** The volumes the definitions mount: one scratch /tmp per container (root file systems are read-only). */
export const TASK_VOLUMES = [{ name: 'app-tmp' }, { name: 'collector-tmp' }];
