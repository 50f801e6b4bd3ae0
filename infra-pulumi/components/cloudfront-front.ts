// The default front (`httpsMode: cloudfront`): https://<id>.cloudfront.net in front of an internal
// ALB that only CloudFront reaches, through a CloudFront VPC origin. No public load balancer, no
// shared secret header: the ALB has no public address, and its security group admits only the
// group CloudFront creates in the VPC for its VPC-origin network interfaces.
// CloudFront -> ALB is HTTP on the VPC-origin path inside AWS's network (an ALB's own DNS name
// cannot get a certificate); viewers always get HTTPS.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type Front, type FrontLoadBalancer } from './front';
import { blockMetricsRule } from './load-balancer';

/**
 * The security group CloudFront creates in a VPC with its first VPC origin there, carried by the
 * network interfaces VPC-origin traffic comes from (hashicorp/terraform-provider-aws#40683 looks
 * it up by this name and VPC; AWS's VPC origin guide names it).
 */
export const VPC_ORIGIN_SECURITY_GROUP = 'CloudFront-VPCOrigins-Service-SG';
/**
 * Create, update and delete of a VPC origin can outlast the provider's 15-minute default; on a
 * timeout the resource is tainted and replaced on the next run (terraform-aws-modules/
 * terraform-aws-cloudfront#163). 30 minutes each, through the resource's own `timeouts` input (a
 * plugin-framework resource: the bridge reads its timeouts from there, not from customTimeouts).
 */
export const VPC_ORIGIN_TIMEOUTS = { create: '30m', update: '30m', delete: '30m' } as const;
/** The internal listener CloudFront's VPC origin connects to. */
export const ORIGIN_HTTP_PORT = 80;

export interface CloudFrontFrontArgs {
  vpcId: pulumi.Input<string>;
  priceClass: string;
  loadBalancer: Omit<FrontLoadBalancer, 'zoneId'>;
}

export class CloudFrontFront extends pulumi.ComponentResource implements Front {
  public readonly url: pulumi.Output<string>;
  public readonly distributionId: pulumi.Output<string>;
  /** Listener, rules and ingress that must exist before ECS registers targets. */
  public readonly routing: pulumi.Resource[];

  constructor(name: string, args: CloudFrontFrontArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:CloudFrontFront', name, {}, opts);

    const listener = new aws.lb.Listener(`${name}-http`, {
      loadBalancerArn: args.loadBalancer.arn,
      protocol: 'HTTP',
      port: ORIGIN_HTTP_PORT,
      defaultActions: [{ type: 'forward', targetGroupArn: args.loadBalancer.targetGroupArn }],
    }, { parent: this });
    const blockMetrics = blockMetricsRule(`${name}-block-metrics`, listener.arn, { parent: this });

    const vpcOrigin = new aws.cloudfront.VpcOrigin(`${name}-origin`, {
      vpcOriginEndpointConfig: {
        name: `${name}-alb`,
        arn: args.loadBalancer.arn,
        httpPort: ORIGIN_HTTP_PORT,
        httpsPort: 443,
        originProtocolPolicy: 'http-only',
        originSslProtocols: { items: ['TLSv1.2'], quantity: 1 },
      },
      timeouts: { ...VPC_ORIGIN_TIMEOUTS },
    }, { parent: this, dependsOn: [listener], customTimeouts: { ...VPC_ORIGIN_TIMEOUTS } });

    // Exists only once the VPC origin does, so the lookup waits for it.
    const originGroup = aws.ec2.getSecurityGroupOutput({
      filters: [
        { name: 'group-name', values: [VPC_ORIGIN_SECURITY_GROUP] },
        { name: 'vpc-id', values: [pulumi.output(args.vpcId)] },
      ],
    }, { parent: this, dependsOn: [vpcOrigin] });
    const fromCloudfront = new aws.vpc.SecurityGroupIngressRule(`${name}-alb-from-cloudfront`, {
      securityGroupId: args.loadBalancer.securityGroupId,
      description: 'HTTP from CloudFront VPC origin interfaces only',
      ipProtocol: 'tcp',
      fromPort: ORIGIN_HTTP_PORT,
      toPort: ORIGIN_HTTP_PORT,
      referencedSecurityGroupId: originGroup.id,
    }, { parent: this });

    const cachingDisabled = aws.cloudfront.getCachePolicyOutput({ name: 'Managed-CachingDisabled' }, { parent: this });
    const allViewerExceptHost = aws.cloudfront.getOriginRequestPolicyOutput({ name: 'Managed-AllViewerExceptHostHeader' }, { parent: this });
    const originId = 'alb';
    const distribution = new aws.cloudfront.Distribution(`${name}-cdn`, {
      enabled: true,
      comment: `${name}: HTTPS in front of the internal ALB`,
      isIpv6Enabled: true,
      httpVersion: 'http2and3',
      priceClass: args.priceClass,
      origins: [{
        originId,
        domainName: args.loadBalancer.dnsName,
        vpcOriginConfig: {
          vpcOriginId: vpcOrigin.id,
          originReadTimeout: 30,
          // Below the ALB's idle timeout, for the same reason as Node's keep-alive above it.
          originKeepaliveTimeout: 5,
        },
      }],
      defaultCacheBehavior: {
        targetOriginId: originId,
        viewerProtocolPolicy: 'redirect-to-https',
        allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
        cachedMethods: ['GET', 'HEAD'],
        // An API: nothing is cached, every header but Host and every query string reach the origin.
        // No `compress`: CloudFront compresses only under a cache policy that enables gzip or
        // brotli, which CachingDisabled does not.
        cachePolicyId: cachingDisabled.apply((p) => p.id ?? ''),
        originRequestPolicyId: allViewerExceptHost.apply((p) => p.id ?? ''),
      },
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      viewerCertificate: { cloudfrontDefaultCertificate: true },
      waitForDeployment: true,
    }, { parent: this, dependsOn: [fromCloudfront] });

    this.url = pulumi.interpolate`https://${distribution.domainName}`;
    this.distributionId = distribution.id;
    this.routing = [listener, blockMetrics];
    this.registerOutputs({ url: this.url, distributionId: this.distributionId });
  }
}
