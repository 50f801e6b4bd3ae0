// The domain front (`httpsMode: domain`): an ACM certificate validated in Route 53, an HTTPS
// listener on the internet-facing ALB (TLS 1.3 policy), port 80 redirecting to 443, and an A alias
// record. No AAAA: the VPC and so the ALB are IPv4-only.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type Front, type FrontLoadBalancer } from './front';
import { blockMetricsRule } from './load-balancer';

/** The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only. */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

export interface DomainFrontArgs {
  domainName: string;
  /** The public Route 53 zone that holds domainName. */
  hostedZone: string;
  loadBalancer: FrontLoadBalancer;
}

export class DomainFront extends pulumi.ComponentResource implements Front {
  public readonly url: pulumi.Output<string>;
  public readonly routing: pulumi.Resource[];
  /** No CloudFront: the load balancer itself is public. */
  public readonly distributionId = undefined;

  constructor(name: string, args: DomainFrontArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:DomainFront', name, {}, opts);
    const { domainName, hostedZone } = args;
    const zone = aws.route53.getZoneOutput({ name: hostedZone, privateZone: false }, { parent: this });

    for (const port of [80, 443]) {
      new aws.vpc.SecurityGroupIngressRule(`${name}-alb-${port}`, {
        securityGroupId: args.loadBalancer.securityGroupId,
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
      if (option === undefined) throw new Error(`DomainFront: ACM returned no DNS validation record for ${domainName}.`);
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
      loadBalancerArn: args.loadBalancer.arn,
      protocol: 'HTTPS',
      port: 443,
      sslPolicy: TLS_POLICY,
      certificateArn: validated.certificateArn,
      defaultActions: [{ type: 'forward', targetGroupArn: args.loadBalancer.targetGroupArn }],
    }, { parent: this });
    const redirect = new aws.lb.Listener(`${name}-http`, {
      loadBalancerArn: args.loadBalancer.arn,
      protocol: 'HTTP',
      port: 80,
      defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
    }, { parent: this });
    const blockMetrics = blockMetricsRule(`${name}-block-metrics`, https.arn, { parent: this });

    new aws.route53.Record(`${name}-alias`, {
      zoneId: zone.zoneId,
      name: domainName,
      type: 'A',
      aliases: [{ name: args.loadBalancer.dnsName, zoneId: args.loadBalancer.zoneId, evaluateTargetHealth: true }],
    }, { parent: this });

    this.url = pulumi.output(`https://${domainName}`);
    this.routing = [https, redirect, blockMetrics];
    this.registerOutputs({ url: this.url });
  }
}
