// The Fargate task definition: the app container and an ADOT collector sidecar, their log group,
// and the two roles ECS needs (execution: pull and log; task: what the containers may call).
// Its collector config is rendered into the definition itself, so a new scrape interval or AMP
// workspace makes a new revision and rolls out. FargateService takes it as an argument.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type CpuArchitecture, type LogLevel } from '../config';
import { collectorConfig, collectorMemoryLimitMib } from './collector-config';
import { containerDefinitions, TASK_VOLUMES } from './container-definitions';
import { stackRole } from './iam';
import { METRICS_PORT } from './timeouts';

export { APP_CONTAINER, APP_HEALTH_CHECK_COMMAND, COLLECTOR_CONTAINER } from './container-definitions';
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

/** The execution role (ECS pulls the image and writes logs) and the task role (remote-write to one AMP workspace). */
function taskRoles(name: string, args: TaskDefinitionArgs, opts: pulumi.CustomResourceOptions) {
  const partition = aws.getPartitionOutput({}, opts);
  // Execution role: what ECS itself needs to start the task (pull the image, write logs).
  const executionRole = stackRole(`${name}-execution`, {
    service: 'ecs-tasks.amazonaws.com',
    description: `ECS starts the tasks of ${name}`,
    permissionsBoundaryArn: args.permissionsBoundaryArn,
  }, opts);
  new aws.iam.RolePolicyAttachment(`${name}-execution`, {
    role: executionRole.name,
    policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/${EXECUTION_ROLE_POLICY}`,
  }, opts);
  if (args.imageCredentialsSecretArn !== undefined) {
    // Exactly that secret. A secret under the account's default key (aws/secretsmanager) needs no
    // kms:Decrypt grant; one under a customer managed key would also need kms:Decrypt on that key.
    new aws.iam.RolePolicy(`${name}-execution-registry`, {
      role: executionRole.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'ReadRegistryCredentials', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: args.imageCredentialsSecretArn }],
      }),
    }, opts);
  }

  // Task role: what the containers may do. Only the collector calls AWS: remote-write to this one workspace.
  const taskRole = stackRole(`${name}-task`, {
    service: 'ecs-tasks.amazonaws.com',
    description: `The containers of ${name}: remote-write to its AMP workspace`,
    permissionsBoundaryArn: args.permissionsBoundaryArn,
  }, opts);
  new aws.iam.RolePolicy(`${name}-task-remote-write`, {
    role: taskRole.id,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'RemoteWriteToOwnWorkspace', Effect: 'Allow', Action: ['aps:RemoteWrite'], Resource: args.ampWorkspaceArn }],
    }),
  }, opts);
  return { executionRole, taskRole };
}

export class TaskDefinition extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  public readonly family: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: TaskDefinitionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:TaskDefinition', name, {}, opts);
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, { parent: this });

    const { executionRole, taskRole } = taskRoles(name, args, { parent: this });

    const collectorYaml = pulumi.output(args.ampPrometheusEndpoint).apply((prometheusEndpoint) => collectorConfig({
      region: args.region,
      prometheusEndpoint,
      metricsPort: METRICS_PORT,
      scrapeIntervalSeconds: args.scrapeIntervalSeconds,
      // The app keeps at least three quarters of the task's memory, however far AMP falls behind.
      memoryLimitMib: collectorMemoryLimitMib(args.memory),
    }));
    const definitions = pulumi.all([collectorYaml, logGroup.name]).apply(([yaml, logGroupName]) => JSON.stringify(containerDefinitions({
      ...args, collectorYaml: yaml, logGroupName,
    })));

    const taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, {
      family: name,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(args.cpu),
      memory: String(args.memory),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: args.cpuArchitecture },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      volumes: TASK_VOLUMES,
      containerDefinitions: definitions,
    }, { parent: this });

    this.arn = taskDefinition.arn;
    this.family = taskDefinition.family;
    this.logGroupName = logGroup.name;
    this.registerOutputs({ arn: this.arn, family: this.family, logGroupName: this.logGroupName });
  }
}
