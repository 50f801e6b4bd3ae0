// The service on ECS Fargate: cluster (Container Insights on), task definition with the app and an
// ADOT collector sidecar, the Fargate service behind the ALB target group, its log group, roles and
// target-tracking autoscaling on CPU and on requests per target.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type CpuArchitecture, type LogLevel } from '../config';
import { COLLECTOR_IMAGE } from './collector-config';
import { APP_PORT, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, stopTimeoutSeconds } from './timeouts';

/** Name of the application container (the target the ALB forwards to). */
export const APP_CONTAINER = 'app';
/** Name of the ADOT collector sidecar. */
export const COLLECTOR_CONTAINER = 'adot-collector';

export interface ServiceArgs {
  vpcId: pulumi.Input<string>;
  /** One private subnet per availability zone; tasks get no public IP. */
  privateSubnetIds: pulumi.Input<string[]>;
  region: string;

  image: string;
  /** Non-root uid[:gid] the app runs as. */
  containerUser: string;
  /** ECS container health check (liveness, /health); must work without a shell or curl. */
  healthCheckCommand: readonly string[];
  cpu: number;
  memory: number;
  cpuArchitecture: CpuArchitecture;
  logLevel: LogLevel;
  logRetentionDays: number;
  /** The service's readiness-drain delay and hard shutdown deadline (SHUTDOWN_DELAY_MS / SHUTDOWN_TIMEOUT_MS). */
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;

  minTasks: number;
  maxTasks: number;
  cpuTargetPercent: number;
  requestsPerTargetPerMinute: number;

  /** From the Edge component. */
  albSecurityGroupId: pulumi.Input<string>;
  targetGroupArn: pulumi.Input<string>;
  requestCountResourceLabel: pulumi.Input<string>;
  /** Listeners and rules that must exist before ECS registers targets (Edge.routing). */
  loadBalancerReady: pulumi.Resource[];

  /** From the Metrics component. */
  ampWorkspaceArn: pulumi.Input<string>;
  collectorConfigParameterArn: pulumi.Input<string>;
}

const ecsTasksTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export class Service extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly taskSecurityGroupId: pulumi.Output<string>;
  public readonly taskRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:Service', name, {}, opts);
    if (args.minTasks < 1 || args.minTasks > args.maxTasks) throw new Error(`Service: need 1 <= minTasks (${args.minTasks}) <= maxTasks (${args.maxTasks}).`);
    if (args.shutdownDelayMs >= args.shutdownTimeoutMs) throw new Error('Service: shutdownDelayMs must be below shutdownTimeoutMs.');
    const stopTimeout = stopTimeoutSeconds(args.shutdownTimeoutMs);

    const cluster = new aws.ecs.Cluster(`${name}-cluster`, {
      settings: [{ name: 'containerInsights', value: 'enabled' }],
    }, { parent: this });

    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, { parent: this });

    // Execution role: what ECS itself needs to start the task (pull the image, write logs, read the collector config).
    const executionRole = new aws.iam.Role(`${name}-execution`, { assumeRolePolicy: ecsTasksTrust }, { parent: this });
    new aws.iam.RolePolicyAttachment(`${name}-execution`, {
      role: executionRole.name,
      policyArn: aws.iam.ManagedPolicy.AmazonECSTaskExecutionRolePolicy,
    }, { parent: this });
    new aws.iam.RolePolicy(`${name}-execution-secrets`, {
      role: executionRole.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'ReadCollectorConfig', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: args.collectorConfigParameterArn }],
      }),
    }, { parent: this });

    // Task role: what the containers may do. Only the collector calls AWS: remote-write to this one workspace.
    const taskRole = new aws.iam.Role(`${name}-task`, { assumeRolePolicy: ecsTasksTrust }, { parent: this });
    new aws.iam.RolePolicy(`${name}-task-remote-write`, {
      role: taskRole.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'RemoteWriteToOwnWorkspace', Effect: 'Allow', Action: ['aps:RemoteWrite'], Resource: args.ampWorkspaceArn }],
      }),
    }, { parent: this });

    const taskSecurityGroup = new aws.ec2.SecurityGroup(`${name}-task`, {
      vpcId: args.vpcId,
      description: `Tasks of ${name}: the app port from the load balancer only`,
      tags: { Name: `${name}-task` },
    }, { parent: this });
    new aws.vpc.SecurityGroupIngressRule(`${name}-task-from-alb`, {
      securityGroupId: taskSecurityGroup.id,
      description: 'App port from the load balancer',
      ipProtocol: 'tcp',
      fromPort: APP_PORT,
      toPort: APP_PORT,
      referencedSecurityGroupId: args.albSecurityGroupId,
    }, { parent: this });
    new aws.vpc.SecurityGroupEgressRule(`${name}-task-egress`, {
      securityGroupId: taskSecurityGroup.id,
      description: 'HTTPS out through NAT: image registry, AMP remote-write, SSM',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
    }, { parent: this });
    new aws.vpc.SecurityGroupEgressRule(`${name}-alb-to-task`, {
      securityGroupId: args.albSecurityGroupId,
      description: 'Load balancer to the app port of the tasks',
      ipProtocol: 'tcp',
      fromPort: APP_PORT,
      toPort: APP_PORT,
      referencedSecurityGroupId: taskSecurityGroup.id,
    }, { parent: this });

    const logConfiguration = (streamPrefix: string) => ({
      logDriver: 'awslogs',
      options: { 'awslogs-group': logGroup.name, 'awslogs-region': args.region, 'awslogs-stream-prefix': streamPrefix },
    });

    // Plain values only: anything secret goes in `secrets` (resolved by ECS from SSM / Secrets Manager).
    const environment: Record<string, string> = {
      PORT: String(APP_PORT),
      HOST: '0.0.0.0',
      LOG_LEVEL: args.logLevel,
      SHUTDOWN_DELAY_MS: String(args.shutdownDelayMs),
      SHUTDOWN_TIMEOUT_MS: String(args.shutdownTimeoutMs),
      KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    };

    const containerDefinitions = pulumi.jsonStringify([
      {
        name: APP_CONTAINER,
        image: args.image,
        essential: true,
        user: args.containerUser,
        readonlyRootFilesystem: true,
        // tini-like init as PID 1: forwards SIGTERM to node and reaps zombies.
        linuxParameters: { initProcessEnabled: true },
        portMappings: [{ containerPort: APP_PORT, protocol: 'tcp', name: 'http' }],
        environment: Object.entries(environment).map(([envName, value]) => ({ name: envName, value })),
        healthCheck: { command: args.healthCheckCommand, interval: 15, timeout: 5, retries: 3, startPeriod: 10 },
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
        secrets: [{ name: 'AOT_CONFIG_CONTENT', valueFrom: args.collectorConfigParameterArn }],
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

    const service = new aws.ecs.Service(`${name}-service`, {
      cluster: cluster.arn,
      launchType: 'FARGATE',
      taskDefinition: taskDefinition.arn,
      desiredCount: args.minTasks,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      // A deployment whose tasks never turn healthy is stopped and rolled back ...
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // ... and `pulumi up` waits until the service is steady, so a failed rollout fails the deploy.
      waitForSteadyState: true,
      healthCheckGracePeriodSeconds: 30,
      networkConfiguration: {
        subnets: args.privateSubnetIds,
        securityGroups: [taskSecurityGroup.id],
        assignPublicIp: false,
      },
      loadBalancers: [{ targetGroupArn: args.targetGroupArn, containerName: APP_CONTAINER, containerPort: APP_PORT }],
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
    }, {
      parent: this,
      dependsOn: args.loadBalancerReady,
      // Autoscaling owns the task count after the first deploy.
      ignoreChanges: ['desiredCount'],
    });

    const scalingTarget = new aws.appautoscaling.Target(`${name}-scaling`, {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
      minCapacity: args.minTasks,
      maxCapacity: args.maxTasks,
    }, { parent: this });
    const targetTracking = (policyName: string, predefinedMetricType: string, targetValue: number, resourceLabel?: pulumi.Input<string>) =>
      new aws.appautoscaling.Policy(`${name}-${policyName}`, {
        policyType: 'TargetTrackingScaling',
        serviceNamespace: scalingTarget.serviceNamespace,
        scalableDimension: scalingTarget.scalableDimension,
        resourceId: scalingTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType, resourceLabel },
          targetValue,
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      }, { parent: this });
    targetTracking('cpu', 'ECSServiceAverageCPUUtilization', args.cpuTargetPercent);
    targetTracking('requests', 'ALBRequestCountPerTarget', args.requestsPerTargetPerMinute, args.requestCountResourceLabel);

    this.clusterName = cluster.name;
    this.serviceName = service.name;
    this.logGroupName = logGroup.name;
    this.taskSecurityGroupId = taskSecurityGroup.id;
    this.taskRoleArn = taskRole.arn;
    this.registerOutputs({
      clusterName: this.clusterName,
      serviceName: this.serviceName,
      logGroupName: this.logGroupName,
      taskSecurityGroupId: this.taskSecurityGroupId,
      taskRoleArn: this.taskRoleArn,
    });
  }
}
