// The Fargate service: cluster (Container Insights on), the tasks' security group, the ECS service
// behind the target group running a TaskDefinition, and target-tracking autoscaling on CPU and on
// requests per target. Optionally on Fargate Spot (capacity providers instead of a launch type).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { APP_CONTAINER } from './container-definitions';
import { APP_PORT } from './timeouts';

/** A rule of the tasks' security group, as aws.vpc.SecurityGroup{Ingress,Egress}Rule takes it (less the group). */
export interface SecurityGroupRule {
  suffix: string;
  description: string;
  ipProtocol: string;
  fromPort: number;
  toPort: number;
  referencedSecurityGroupId?: pulumi.Input<string>;
  cidrIpv4?: string;
}

/**
 * The tasks' rules: in, the app port from the load balancer's group only; out, HTTPS (image
 * registry, AMP remote-write), through NAT or from public IPs. Nothing else, the metrics port least.
 */
export function taskSecurityGroupRules(loadBalancerSecurityGroupId: pulumi.Input<string>, publicTasks: boolean): { ingress: SecurityGroupRule[]; egress: SecurityGroupRule[] } {
  return {
    ingress: [{ suffix: 'from-alb', description: 'App port from the load balancer', ipProtocol: 'tcp', fromPort: APP_PORT, toPort: APP_PORT, referencedSecurityGroupId: loadBalancerSecurityGroupId }],
    egress: [{
      suffix: 'egress',
      description: publicTasks ? 'HTTPS out: image registry, AMP remote-write' : 'HTTPS out through NAT: image registry, AMP remote-write',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
    }],
  };
}

export interface TargetTracking { suffix: string; predefinedMetricType: string; targetValue: number; resourceLabel?: pulumi.Input<string> }

/** Target tracking on average CPU and on ALB requests per target (scale out after 60 s, in after 300 s). */
export function scalingPolicies(cpuTargetPercent: number, requestsPerTargetPerMinute: number, requestCountResourceLabel: pulumi.Input<string>): TargetTracking[] {
  return [
    { suffix: 'cpu', predefinedMetricType: 'ECSServiceAverageCPUUtilization', targetValue: cpuTargetPercent },
    { suffix: 'requests', predefinedMetricType: 'ALBRequestCountPerTarget', targetValue: requestsPerTargetPerMinute, resourceLabel: requestCountResourceLabel },
  ];
}

export interface FargateServiceArgs {
  vpcId: pulumi.Input<string>;
  /** Private subnets (default profile) or public ones (small profile, publicTasks). */
  subnetIds: pulumi.Input<string[]>;
  /** Give tasks public IPs: the small profile's tasks reach the internet without NAT. */
  publicTasks: boolean;
  /** Run on Fargate Spot (up to about 70% cheaper; AWS may stop a task with a 2-minute warning). */
  fargateSpot: boolean;
  taskDefinitionArn: pulumi.Input<string>;

  minTasks: number;
  maxTasks: number;
  cpuTargetPercent: number;
  requestsPerTargetPerMinute: number;

  /** From LoadBalancer. */
  loadBalancerSecurityGroupId: pulumi.Input<string>;
  targetGroupArn: pulumi.Input<string>;
  requestCountResourceLabel: pulumi.Input<string>;
  /** Listeners and rules that must exist before ECS registers targets (the front's routing). */
  loadBalancerReady: pulumi.Resource[];
}

export class FargateService extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:FargateService', name, {}, opts);

    const cluster = new aws.ecs.Cluster(`${name}-cluster`, {
      settings: [{ name: 'containerInsights', value: 'enabled' }],
    }, { parent: this });
    // The service can name FARGATE_SPOT only once the cluster offers it.
    const capacityProviders = args.fargateSpot
      ? [new aws.ecs.ClusterCapacityProviders(`${name}-capacity`, {
        clusterName: cluster.name,
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      }, { parent: this })]
      : [];

    const securityGroup = new aws.ec2.SecurityGroup(`${name}-task`, {
      vpcId: args.vpcId,
      description: `Tasks of ${name}: the app port from the load balancer only`,
      tags: { Name: `${name}-task` },
    }, { parent: this });
    const rules = taskSecurityGroupRules(args.loadBalancerSecurityGroupId, args.publicTasks);
    for (const { suffix, ...rule } of rules.ingress) new aws.vpc.SecurityGroupIngressRule(`${name}-task-${suffix}`, { securityGroupId: securityGroup.id, ...rule }, { parent: this });
    for (const { suffix, ...rule } of rules.egress) new aws.vpc.SecurityGroupEgressRule(`${name}-task-${suffix}`, { securityGroupId: securityGroup.id, ...rule }, { parent: this });

    const service = new aws.ecs.Service(`${name}-service`, {
      cluster: cluster.arn,
      ...(args.fargateSpot
        ? { capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }
        : { launchType: 'FARGATE' }),
      taskDefinition: args.taskDefinitionArn,
      desiredCount: args.minTasks,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      // A deployment whose tasks never turn healthy is stopped and rolled back ...
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // ... and `pulumi up` waits until the service is steady, so a failed rollout fails the deploy.
      waitForSteadyState: true,
      healthCheckGracePeriodSeconds: 30,
      networkConfiguration: {
        subnets: args.subnetIds,
        securityGroups: [securityGroup.id],
        assignPublicIp: args.publicTasks,
      },
      loadBalancers: [{ targetGroupArn: args.targetGroupArn, containerName: APP_CONTAINER, containerPort: APP_PORT }],
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
    }, {
      parent: this,
      dependsOn: [...args.loadBalancerReady, ...capacityProviders],
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
    for (const policy of scalingPolicies(args.cpuTargetPercent, args.requestsPerTargetPerMinute, args.requestCountResourceLabel)) {
      new aws.appautoscaling.Policy(`${name}-${policy.suffix}`, {
        policyType: 'TargetTrackingScaling',
        serviceNamespace: scalingTarget.serviceNamespace,
        scalableDimension: scalingTarget.scalableDimension,
        resourceId: scalingTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: policy.predefinedMetricType, resourceLabel: policy.resourceLabel },
          targetValue: policy.targetValue,
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      }, { parent: this });
    }

    this.clusterName = cluster.name;
    this.serviceName = service.name;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ clusterName: this.clusterName, serviceName: this.serviceName, securityGroupId: this.securityGroupId });
  }
}
