// The Fargate task definition: the app container and an ADOT collector sidecar, their log group,
// and the two roles ECS needs (execution: pull and log; task: what the containers may call).
// Its collector config is rendered into the definition itself, so a new scrape interval or AMP
// workspace makes a new revision and rolls out. Handed to FargateService the way awsx's
// FargateService hands its task definition to a child component.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type CpuArchitecture, type LogLevel } from '../config';
import { COLLECTOR_HEALTH_CHECK_COMMAND, COLLECTOR_IMAGE, collectorConfig, collectorMemoryLimitMib } from './collector-config';
import { stackRole } from './iam';
import { APP_PORT, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, METRICS_PORT, stopTimeoutSeconds } from './timeouts';

/** Name of the application container (the target the ALB forwards to). */
export const APP_CONTAINER = 'app';
/** Name of the ADOT collector sidecar. */
export const COLLECTOR_CONTAINER = 'adot-collector';
/** The image's liveness probe (Dockerfile HEALTHCHECK): exec form, a distroless image has no shell. */
export const APP_HEALTH_CHECK_COMMAND: readonly string[] = ['CMD', '/nodejs/bin/node', '/app/healthcheck.mjs'];
/** The only AWS managed policy the stack attaches (bootstrap: STACK_MANAGED_POLICY_ARNS). */
export const EXECUTION_ROLE_POLICY = 'service-role/AmazonECSTaskExecutionRolePolicy';

export interface TaskDefinitionArgs {
  region: string;
  image: string;
  /** Secrets Manager secret with {"username","password"} for a private registry; none for a public image. */
  imageCredentialsSecretArn: string | undefined;
  cpu: number;
  memory: number;
  cpuArchitecture: CpuArchitecture;
  logLevel: LogLevel;
  logRetentionDays: number;
  /** The service's readiness-drain delay and hard shutdown deadline (SHUTDOWN_DELAY_MS / SHUTDOWN_TIMEOUT_MS). */
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
  scrapeIntervalSeconds: number;
  /** From ManagedPrometheus. */
  ampWorkspaceArn: pulumi.Input<string>;
  ampPrometheusEndpoint: pulumi.Input<string>;
  permissionsBoundaryArn: string | undefined;
}

export class TaskDefinition extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  public readonly family: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: TaskDefinitionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:TaskDefinition', name, {}, opts);
    if (args.shutdownDelayMs >= args.shutdownTimeoutMs) throw new Error('TaskDefinition: shutdownDelayMs must be below shutdownTimeoutMs.');
    const stopTimeout = stopTimeoutSeconds(args.shutdownTimeoutMs);
    const partition = aws.getPartitionOutput({}, { parent: this });

    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, { parent: this });

    // Execution role: what ECS itself needs to start the task (pull the image, write logs).
    const executionRole = stackRole(`${name}-execution`, {
      service: 'ecs-tasks.amazonaws.com',
      description: `ECS starts the tasks of ${name}`,
      permissionsBoundaryArn: args.permissionsBoundaryArn,
    }, { parent: this });
    new aws.iam.RolePolicyAttachment(`${name}-execution`, {
      role: executionRole.name,
      policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/${EXECUTION_ROLE_POLICY}`,
    }, { parent: this });
    if (args.imageCredentialsSecretArn !== undefined) {
      // Exactly that secret. A secret under the account's default key (aws/secretsmanager) needs no
      // kms:Decrypt grant; one under a customer managed key would also need kms:Decrypt on that key.
      new aws.iam.RolePolicy(`${name}-execution-registry`, {
        role: executionRole.id,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'ReadRegistryCredentials', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: args.imageCredentialsSecretArn }],
        }),
      }, { parent: this });
    }

    // Task role: what the containers may do. Only the collector calls AWS: remote-write to this one workspace.
    const taskRole = stackRole(`${name}-task`, {
      service: 'ecs-tasks.amazonaws.com',
      description: `The containers of ${name}: remote-write to its AMP workspace`,
      permissionsBoundaryArn: args.permissionsBoundaryArn,
    }, { parent: this });
    new aws.iam.RolePolicy(`${name}-task-remote-write`, {
      role: taskRole.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'RemoteWriteToOwnWorkspace', Effect: 'Allow', Action: ['aps:RemoteWrite'], Resource: args.ampWorkspaceArn }],
      }),
    }, { parent: this });

    const logConfiguration = (streamPrefix: string) => ({
      logDriver: 'awslogs',
      options: { 'awslogs-group': logGroup.name, 'awslogs-region': args.region, 'awslogs-stream-prefix': streamPrefix },
    });
    const variables = (values: Record<string, pulumi.Input<string>>) => Object.entries(values).map(([envName, value]) => ({ name: envName, value }));

    // Plain values only: anything secret goes in `secrets` (resolved by ECS from Secrets Manager).
    const appEnvironment = {
      PORT: String(APP_PORT),
      // The collector's only way in; no target group, listener or security group names this port.
      METRICS_PORT: String(METRICS_PORT),
      HOST: '0.0.0.0',
      LOG_LEVEL: args.logLevel,
      SHUTDOWN_DELAY_MS: String(args.shutdownDelayMs),
      SHUTDOWN_TIMEOUT_MS: String(args.shutdownTimeoutMs),
      KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    };
    const collectorYaml = pulumi.output(args.ampPrometheusEndpoint).apply((prometheusEndpoint) => collectorConfig({
      region: args.region,
      prometheusEndpoint,
      metricsPort: METRICS_PORT,
      scrapeIntervalSeconds: args.scrapeIntervalSeconds,
      // The app keeps at least three quarters of the task's memory, however far AMP falls behind.
      memoryLimitMib: collectorMemoryLimitMib(args.memory),
    }));

    const containerDefinitions = pulumi.jsonStringify([
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
        environment: variables(appEnvironment),
        healthCheck: { command: APP_HEALTH_CHECK_COMMAND, interval: 15, timeout: 5, retries: 3, startPeriod: 10 },
        // SIGTERM -> the service drains and exits before SHUTDOWN_TIMEOUT_MS; SIGKILL only after this.
        stopTimeout,
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
        environment: variables({ AOT_CONFIG_CONTENT: collectorYaml }),
        healthCheck: { command: COLLECTOR_HEALTH_CHECK_COMMAND, interval: 15, timeout: 5, retries: 3, startPeriod: 10 },
        mountPoints: [{ sourceVolume: 'collector-tmp', containerPath: '/tmp', readOnly: false }],
        logConfiguration: logConfiguration(COLLECTOR_CONTAINER),
      },
    ]);

    const taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, {
      family: name,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(args.cpu),
      memory: String(args.memory),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: args.cpuArchitecture },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      volumes: [{ name: 'app-tmp' }, { name: 'collector-tmp' }],
      containerDefinitions,
    }, { parent: this });

    this.arn = taskDefinition.arn;
    this.family = taskDefinition.family;
    this.logGroupName = logGroup.name;
    this.registerOutputs({ arn: this.arn, family: this.family, logGroupName: this.logGroupName });
  }
}
