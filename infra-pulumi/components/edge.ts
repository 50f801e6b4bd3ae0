// The public HTTPS entry: an ALB in the public subnets and, depending on the mode,
//   "cloudfront": CloudFront in front of the ALB (https://<id>.cloudfront.net, no domain needed). The
//                 ALB admits only CloudFront's origin-facing addresses and requests carrying a secret
//                 header that only the distribution sends. CloudFront -> ALB is plain HTTP, because an
//                 ALB's own DNS name cannot get a certificate; viewers always get HTTPS.
//   "domain":     an ACM certificate validated in Route 53, an HTTPS listener on the ALB (TLS 1.3
//                 policy), port 80 redirecting to 443 and an alias record.
// In both modes /metrics answers 403 at the ALB, so Prometheus data never leaves the VPC.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { ALB_IDLE_TIMEOUT_SECONDS, APP_PORT, DEREGISTRATION_DELAY_SECONDS, READINESS_INTERVAL_SECONDS } from './timeouts';

/** The header CloudFront adds to every origin request; the ALB forwards only requests carrying it. */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';
/** Paths the ALB answers with 403 before any target sees them. */
export const BLOCKED_PATHS = ['/metrics', '/metrics/*'];
/** The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only. */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
/** CloudFront's managed prefix list of the addresses it uses to reach origins. */
export const CLOUDFRONT_PREFIX_LIST = 'com.amazonaws.global.cloudfront.origin-facing';

export type EdgeMode =
  | { mode: 'cloudfront'; priceClass: string }
  | { mode: 'domain'; domainName: string; hostedZone: string };

export interface EdgeArgs {
  vpcId: pulumi.Input<string>;
  /** One public subnet in each of at least two availability zones (an ALB needs two). */
  publicSubnetIds: pulumi.Input<string[]>;
  https: EdgeMode;
}

const forbidden = { type: 'fixed-response', fixedResponse: { contentType: 'text/plain', messageBody: 'Forbidden', statusCode: '403' } };

export class Edge extends pulumi.ComponentResource {
  /** The public https:// URL of the service. */
  public readonly url: pulumi.Output<string>;
  public readonly albSecurityGroupId: pulumi.Output<string>;
  public readonly albDnsName: pulumi.Output<string>;
  public readonly targetGroupArn: pulumi.Output<string>;
  /** "app/<name>/<id>/targetgroup/<name>/<id>", the label ALBRequestCountPerTarget scaling needs. */
  public readonly requestCountResourceLabel: pulumi.Output<string>;
  /**
   * The listeners and rules that route to the target group and block /metrics. ECS refuses a
   * target group no listener or rule attaches to the ALB yet, and targets registered before the
   * /metrics block exists would serve /metrics publicly: the service waits for all of them.
   */
  public readonly routing: pulumi.Resource[];
  public readonly cloudfrontDistributionId: pulumi.Output<string> | undefined;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:Edge', name, {}, opts);
    // Known only once the VPC exists, so checked where the ALB consumes the list.
    const publicSubnetIds = pulumi.output(args.publicSubnetIds).apply((ids) => {
      if (ids.length < 2) throw new Error(`Edge: an ALB needs public subnets in at least two availability zones, got ${ids.length}.`);
      return ids;
    });

    const securityGroup = new aws.ec2.SecurityGroup(`${name}-alb`, {
      vpcId: args.vpcId,
      description: `Load balancer of ${name}: ${args.https.mode === 'cloudfront' ? 'CloudFront origin-facing addresses only' : 'HTTP and HTTPS from anywhere'}`,
      tags: { Name: `${name}-alb` },
    }, { parent: this });

    const loadBalancer = new aws.lb.LoadBalancer(`${name}-alb`, {
      loadBalancerType: 'application',
      internal: false,
      securityGroups: [securityGroup.id],
      subnets: publicSubnetIds,
      // Below the service's 65 s keepAliveTimeout (see timeouts.ts), so Node never closes first.
      idleTimeout: ALB_IDLE_TIMEOUT_SECONDS,
      dropInvalidHeaderFields: true,
      enableHttp2: true,
    }, { parent: this });

    const targetGroup = new aws.lb.TargetGroup(`${name}-tg`, {
      vpcId: args.vpcId,
      targetType: 'ip',
      protocol: 'HTTP',
      port: APP_PORT,
      deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
      healthCheck: {
        // Readiness, not liveness: a draining task answers 503 here and leaves rotation.
        path: '/ready',
        matcher: '200',
        protocol: 'HTTP',
        interval: READINESS_INTERVAL_SECONDS,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
      },
    }, { parent: this });

    const forward = { type: 'forward', targetGroupArn: targetGroup.arn };
    const routing: pulumi.Resource[] = [];
    let url: pulumi.Output<string>;

    if (args.https.mode === 'cloudfront') {
      const originFacing = aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_PREFIX_LIST }, { parent: this });
      new aws.vpc.SecurityGroupIngressRule(`${name}-alb-from-cloudfront`, {
        securityGroupId: securityGroup.id,
        description: 'HTTP from CloudFront origin-facing servers only',
        ipProtocol: 'tcp',
        fromPort: 80,
        toPort: 80,
        prefixListId: originFacing.id,
      }, { parent: this });

      // Stored in the state as a secret; rotate with `pulumi up --replace <urn of this resource>`.
      const originSecret = new random.RandomPassword(`${name}-origin-secret`, { length: 40, special: false }, { parent: this });

      // Requests without the secret header (anyone who found the ALB's DNS name) get 403.
      const listener = new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: loadBalancer.arn,
        protocol: 'HTTP',
        port: 80,
        defaultActions: [forbidden],
      }, { parent: this });
      const fromCloudfront = new aws.lb.ListenerRule(`${name}-from-cloudfront`, {
        listenerArn: listener.arn,
        priority: 100,
        conditions: [{ httpHeader: { httpHeaderName: ORIGIN_VERIFY_HEADER, values: [originSecret.result] } }],
        actions: [forward],
      }, { parent: this });
      routing.push(listener, fromCloudfront, this.blockMetrics(name, listener));

      const cachingDisabled = aws.cloudfront.getCachePolicyOutput({ name: 'Managed-CachingDisabled' }, { parent: this });
      const allViewerExceptHost = aws.cloudfront.getOriginRequestPolicyOutput({ name: 'Managed-AllViewerExceptHostHeader' }, { parent: this });
      const originId = 'alb';
      const distribution = new aws.cloudfront.Distribution(`${name}-cdn`, {
        enabled: true,
        comment: `${name}: HTTPS in front of the ALB`,
        isIpv6Enabled: true,
        httpVersion: 'http2and3',
        priceClass: args.https.priceClass,
        origins: [{
          originId,
          domainName: loadBalancer.dnsName,
          customOriginConfig: {
            originProtocolPolicy: 'http-only',
            httpPort: 80,
            httpsPort: 443,
            originSslProtocols: ['TLSv1.2'],
            originReadTimeout: 30,
            // Below the ALB's idle timeout, for the same reason as Node's keep-alive above it.
            originKeepaliveTimeout: 5,
          },
          customHeaders: [{ name: ORIGIN_VERIFY_HEADER, value: originSecret.result }],
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
      }, { parent: this });
      url = pulumi.interpolate`https://${distribution.domainName}`;
      this.cloudfrontDistributionId = distribution.id;
    } else {
      const { domainName, hostedZone } = args.https;
      const zone = aws.route53.getZoneOutput({ name: hostedZone, privateZone: false }, { parent: this });
      for (const port of [80, 443]) {
        new aws.vpc.SecurityGroupIngressRule(`${name}-alb-${port}`, {
          securityGroupId: securityGroup.id,
          description: port === 443 ? 'HTTPS from anywhere' : 'HTTP from anywhere, redirected to HTTPS',
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          cidrIpv4: '0.0.0.0/0',
        }, { parent: this });
      }

      const certificate = new aws.acm.Certificate(`${name}-cert`, { domainName, validationMethod: 'DNS' }, { parent: this });
      // One domain name, so exactly one validation record.
      const validation = certificate.domainValidationOptions.apply((options) => {
        const option = options[0];
        if (option === undefined) throw new Error(`Edge: ACM returned no DNS validation record for ${domainName}.`);
        return option;
      });
      const validationRecord = new aws.route53.Record(`${name}-cert-validation`, {
        zoneId: zone.zoneId,
        name: validation.resourceRecordName,
        type: validation.resourceRecordType,
        records: [validation.resourceRecordValue],
        ttl: 300,
        allowOverwrite: true,
      }, { parent: this });
      const validated = new aws.acm.CertificateValidation(`${name}-cert`, {
        certificateArn: certificate.arn,
        validationRecordFqdns: [validationRecord.fqdn],
      }, { parent: this });

      const https = new aws.lb.Listener(`${name}-https`, {
        loadBalancerArn: loadBalancer.arn,
        protocol: 'HTTPS',
        port: 443,
        sslPolicy: TLS_POLICY,
        certificateArn: validated.certificateArn,
        defaultActions: [forward],
      }, { parent: this });
      const redirect = new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: loadBalancer.arn,
        protocol: 'HTTP',
        port: 80,
        defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
      }, { parent: this });
      routing.push(https, redirect, this.blockMetrics(name, https));

      // A only, no AAAA: the VPC and so the ALB are IPv4-only. CloudFront mode serves IPv6 viewers.
      new aws.route53.Record(`${name}-alias`, {
        zoneId: zone.zoneId,
        name: domainName,
        type: 'A',
        aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
      }, { parent: this });
      url = pulumi.output(`https://${domainName}`);
      this.cloudfrontDistributionId = undefined;
    }

    this.url = url;
    this.albSecurityGroupId = securityGroup.id;
    this.albDnsName = loadBalancer.dnsName;
    this.targetGroupArn = targetGroup.arn;
    this.requestCountResourceLabel = pulumi.interpolate`${loadBalancer.arnSuffix}/${targetGroup.arnSuffix}`;
    this.routing = routing;
    this.registerOutputs({
      url: this.url,
      albSecurityGroupId: this.albSecurityGroupId,
      albDnsName: this.albDnsName,
      targetGroupArn: this.targetGroupArn,
      cloudfrontDistributionId: this.cloudfrontDistributionId,
    });
  }

  /** The first rule of the public listener: /metrics is for the in-task collector only. */
  private blockMetrics(name: string, listener: aws.lb.Listener): aws.lb.ListenerRule {
    return new aws.lb.ListenerRule(`${name}-block-metrics`, {
      listenerArn: listener.arn,
      priority: 1,
      conditions: [{ pathPattern: { values: BLOCKED_PATHS } }],
      actions: [forbidden],
    }, { parent: this });
  }
}
