// The network: an awsx VPC with, in each availability zone,
//   profile "default": a public subnet (NAT gateways) and a private subnet (tasks and the internal
//                      load balancer), tasks reaching the internet through NAT without public IPs;
//   profile "small":   a public subnet (tasks, with public IPs; no NAT gateway) and an isolated
//                      subnet (the internal load balancer: no route to the internet at all).
// Both have an internet gateway, which CloudFront VPC origins require of the VPC even though their
// traffic does not use it. awsx builds the children in its provider plugin, so unit tests see this
// VPC's inputs, not its subnets.
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import { type NatMode, type Profile } from '../config';

/** Per zone: a /24 for NAT (default) or tasks (small), then a /20 (4091 addresses) for tasks and the load balancer. */
export const PUBLIC_SUBNET_MASK = 24;
export const PRIVATE_SUBNET_MASK = 20;

/** The awsx strategy for each `natGateways` setting. */
export const NAT_STRATEGIES: Readonly<Record<NatMode, awsx.ec2.NatGatewayStrategy>> = {
  single: awsx.ec2.NatGatewayStrategy.Single,
  perAz: awsx.ec2.NatGatewayStrategy.OnePerAz,
};

export interface NetworkArgs {
  /** A private /16; awsx splits it evenly between the zones and carves each zone's subnets in order. */
  vpcCidr: string;
  /** How many availability zones to spread over (2 or 3): the region's first ones. */
  availabilityZones: number;
  profile: Profile;
  /**
   * Profile "default" only. "single": one NAT gateway for the whole VPC (about 33 USD a month plus
   * data). If its zone fails, tasks in the other zones lose outbound access (image pulls, metrics
   * remote-write) but keep serving. "perAz": one per zone, no shared fate, N times the cost.
   */
  natGateways: NatMode;
  /** Tags for the VPC and every child awsx creates (the provider's default tags apply as well). */
  tags: Readonly<Record<string, string>>;
}

export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** Where the internal load balancer lives: private (default) or isolated (small) subnets. */
  public readonly loadBalancerSubnetIds: pulumi.Output<string[]>;
  /** Where the tasks live: private subnets (default) or public ones with public IPs (small). */
  public readonly taskSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:Network', name, {}, opts);
    if (args.availabilityZones < 2) throw new Error('Network: availabilityZones must be at least 2.');
    const small = args.profile === 'small';

    const vpc = new awsx.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: args.vpcCidr,
      numberOfAvailabilityZones: args.availabilityZones,
      // Subnets are laid out in the order below; "Legacy" (awsx's default) would put private first.
      subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
      subnetSpecs: [
        { type: awsx.ec2.SubnetType.Public, cidrMask: PUBLIC_SUBNET_MASK },
        { type: small ? awsx.ec2.SubnetType.Isolated : awsx.ec2.SubnetType.Private, cidrMask: PRIVATE_SUBNET_MASK },
      ],
      natGateways: { strategy: small ? awsx.ec2.NatGatewayStrategy.None : NAT_STRATEGIES[args.natGateways] },
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { ...args.tags },
    }, { parent: this });

    this.vpcId = vpc.vpcId;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.loadBalancerSubnetIds = small ? vpc.isolatedSubnetIds : vpc.privateSubnetIds;
    this.taskSubnetIds = small ? vpc.publicSubnetIds : vpc.privateSubnetIds;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      loadBalancerSubnetIds: this.loadBalancerSubnetIds,
      taskSubnetIds: this.taskSubnetIds,
    });
  }
}
