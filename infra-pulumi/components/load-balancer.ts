// The Application Load Balancer in front of the tasks: its security group (its one egress rule, to
// the app port; each front adds the one ingress rule its traffic needs), the target group on the app
// port, and access logs in an S3 bucket of its own, so requests the balancer refuses (the /metrics
// 403s, bad headers) leave a trace.
// The listeners belong to the fronts (CloudFrontFront, DomainFront): how traffic arrives decides them.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ALB_IDLE_TIMEOUT_SECONDS, APP_PORT, DEREGISTRATION_DELAY_SECONDS, READINESS_INTERVAL_SECONDS } from './timeouts';
import { makeBucketPrivate, tlsOnlyStatement } from './private-bucket';

/** Paths the ALB answers with 403 before any target sees them: a second line behind METRICS_PORT. */
export const BLOCKED_PATHS = ['/metrics', '/metrics/*'];
/** Key prefix of the access logs in their bucket. */
export const ACCESS_LOG_PREFIX = 'alb';

export interface LoadBalancerArgs {
  vpcId: pulumi.Input<string>;
  /** Subnets in at least two zones (availabilityZones is 2 or 3, checked in config.ts). */
  subnetIds: pulumi.Input<string[]>;
  /** The VPC's CIDR block: the load balancer sends to the app port there and nowhere else. */
  vpcCidr: string;
  /** Internal (reached by CloudFront VPC origins only) or internet-facing (domain mode). */
  internal: boolean;
  /** Refuse to delete the load balancer (and keep the log bucket) until this is turned off. */
  deletionProtection: boolean;
  /** Days an access-log object is kept. */
  accessLogRetentionDays: number;
}

const forbidden = { type: 'fixed-response', fixedResponse: { contentType: 'text/plain', messageBody: 'Forbidden', statusCode: '403' } };

/** The first rule of a listener that forwards: /metrics is for the in-task collector only. */
export function blockMetricsRule(name: string, listenerArn: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): aws.lb.ListenerRule {
  return new aws.lb.ListenerRule(name, {
    listenerArn,
    priority: 1,
    conditions: [{ pathPattern: { values: BLOCKED_PATHS } }],
    actions: [forbidden],
  }, opts);
}

/**
 * The access-log bucket: private, SSE-S3 (the only encryption ALBs write with), expiring its objects,
 * writable by the region's Elastic Load Balancing account under this account's prefix only.
 */
function accessLogBucket(name: string, args: LoadBalancerArgs, opts: pulumi.CustomResourceOptions) {
  // --- access logs: ALBs write only with SSE-S3, to a bucket whose policy admits the region's
  // Elastic Load Balancing account (every region this stack accepts predates the service principal).
  const bucket = new aws.s3.Bucket(`${name}-alb-logs`, {
    // With deletion protection off, `pulumi destroy` empties and removes it in one go.
    forceDestroy: !args.deletionProtection,
  }, { ...opts, protect: args.deletionProtection });
  makeBucketPrivate(bucket, { publicAccessBlock: `${name}-alb-logs`, encryption: `${name}-alb-logs` }, opts);
  new aws.s3.BucketLifecycleConfiguration(`${name}-alb-logs`, {
    bucket: bucket.id,
    rules: [{ id: 'expire-access-logs', status: 'Enabled', filter: { prefix: `${ACCESS_LOG_PREFIX}/` }, expiration: { days: args.accessLogRetentionDays } }],
  }, opts);
  const elbAccount = aws.elb.getServiceAccountOutput({}, opts);
  const account = aws.getCallerIdentityOutput({}, opts);
  const bucketPolicy = new aws.s3.BucketPolicy(`${name}-alb-logs`, {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'LoadBalancerWritesAccessLogs',
          Effect: 'Allow',
          Principal: { AWS: elbAccount.arn },
          Action: 's3:PutObject',
          Resource: pulumi.interpolate`${bucket.arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${account.accountId}/*`,
        },
        tlsOnlyStatement(bucket.arn, 'HttpsOnly'),
      ],
    }),
  }, opts);
  return { bucket, bucketPolicy };
}

export class LoadBalancer extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  public readonly dnsName: pulumi.Output<string>;
  public readonly zoneId: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly targetGroupArn: pulumi.Output<string>;
  /** "app/<name>/<id>/targetgroup/<name>/<id>", the label ALBRequestCountPerTarget scaling needs. */
  public readonly requestCountResourceLabel: pulumi.Output<string>;
  /** "app/<name>/<id>" and "targetgroup/<name>/<id>": the dimensions of their CloudWatch metrics. */
  public readonly arnSuffix: pulumi.Output<string>;
  public readonly targetGroupArnSuffix: pulumi.Output<string>;
  public readonly accessLogBucket: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:LoadBalancer', name, {}, opts);

    const securityGroup = new aws.ec2.SecurityGroup(`${name}-alb`, {
      vpcId: args.vpcId,
      description: `Load balancer of ${name}`,
      tags: { Name: `${name}-alb` },
    }, { parent: this });
    // The group's only egress: requests and health checks to the app port inside the VPC. Its
    // ingress comes from the front (CloudFront's VPC-origin group, or 80/443 from anywhere); the
    // tasks' own group admits this group alone.
    new aws.vpc.SecurityGroupEgressRule(`${name}-alb-to-tasks`, {
      securityGroupId: securityGroup.id,
      description: 'Requests and health checks to the app port of the tasks',
      ipProtocol: 'tcp',
      fromPort: APP_PORT,
      toPort: APP_PORT,
      cidrIpv4: args.vpcCidr,
    }, { parent: this });

    const { bucket, bucketPolicy } = accessLogBucket(name, args, { parent: this });

    const loadBalancer = new aws.lb.LoadBalancer(`${name}-alb`, {
      loadBalancerType: 'application',
      internal: args.internal,
      securityGroups: [securityGroup.id],
      subnets: args.subnetIds,
      // Below the service's 65 s keepAliveTimeout (see timeouts.ts), so Node never closes first.
      idleTimeout: ALB_IDLE_TIMEOUT_SECONDS,
      dropInvalidHeaderFields: true,
      enableHttp2: true,
      enableDeletionProtection: args.deletionProtection,
      accessLogs: { bucket: bucket.id, prefix: ACCESS_LOG_PREFIX, enabled: true },
    }, { parent: this, dependsOn: [bucketPolicy] });

    const targetGroup = new aws.lb.TargetGroup(`${name}-tg`, {
      vpcId: args.vpcId,
      targetType: 'ip',
      protocol: 'HTTP',
      port: APP_PORT,
      deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
      healthCheck: {
        // Readiness, not liveness: a draining task answers 503 here and leaves rotation.
        path: '/ready',
        port: String(APP_PORT),
        matcher: '200',
        protocol: 'HTTP',
        interval: READINESS_INTERVAL_SECONDS,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
      },
    }, { parent: this });

    this.arn = loadBalancer.arn;
    this.dnsName = loadBalancer.dnsName;
    this.zoneId = loadBalancer.zoneId;
    this.securityGroupId = securityGroup.id;
    this.targetGroupArn = targetGroup.arn;
    this.requestCountResourceLabel = pulumi.interpolate`${loadBalancer.arnSuffix}/${targetGroup.arnSuffix}`;
    this.arnSuffix = loadBalancer.arnSuffix;
    this.targetGroupArnSuffix = targetGroup.arnSuffix;
    this.accessLogBucket = bucket.id;
    this.registerOutputs({
      arn: this.arn,
      dnsName: this.dnsName,
      securityGroupId: this.securityGroupId,
      targetGroupArn: this.targetGroupArn,
      accessLogBucket: this.accessLogBucket,
    });
  }
}
