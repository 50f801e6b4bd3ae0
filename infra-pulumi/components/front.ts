// What index.ts needs of whichever front carries public HTTPS to the load balancer
// (CloudFrontFront or DomainFront), so it composes them without telling them apart.
import type * as pulumi from '@pulumi/pulumi';

export interface Front {
  /** The public HTTPS URL of the service. */
  readonly url: pulumi.Output<string>;
  /** Listeners, rules and ingress that must exist before ECS registers targets. */
  readonly routing: pulumi.Resource[];
  /** The CloudFront distribution in front of the service; undefined when there is none. */
  readonly distributionId: pulumi.Output<string> | undefined;
}

/** The load balancer a front attaches to (LoadBalancer's outputs). */
export interface FrontLoadBalancer {
  arn: pulumi.Input<string>;
  dnsName: pulumi.Input<string>;
  zoneId: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  targetGroupArn: pulumi.Input<string>;
}
