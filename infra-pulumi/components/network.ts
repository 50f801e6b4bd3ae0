// The network: an awsx VPC with a public and a private subnet in each availability zone, an internet
// gateway, NAT gateways and the route tables between them. The load balancer lives in the public
// subnets; tasks live in the private ones, reach the internet through NAT and get no public IP.
// awsx builds the children in its provider plugin, so unit tests see this VPC's inputs, not its subnets.
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import { type NatMode } from '../config';

/** Per zone: a /24 for the load balancer and NAT gateways, then a /20 (4091 addresses) for tasks. */
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
  /**
   * "single": one NAT gateway for the whole VPC (about 33 USD a month plus data), the default.
   * If its zone fails, tasks in the other zones lose outbound access (image pulls, metrics
   * remote-write) but keep serving. "perAz": one per zone, no shared fate, N times the cost.
   */
  natGateways: NatMode;
  /** Tags for the VPC and every child awsx creates (the provider's default tags apply as well). */
  tags: Readonly<Record<string, string>>;
}

export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:Network', name, {}, opts);
    if (args.availabilityZones < 2) throw new Error('Network: availabilityZones must be at least 2.');

    const vpc = new awsx.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: args.vpcCidr,
      numberOfAvailabilityZones: args.availabilityZones,
      // Subnets are laid out in the order below; "Legacy" (awsx's default) would put private first.
      subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
      subnetSpecs: [
        { type: awsx.ec2.SubnetType.Public, cidrMask: PUBLIC_SUBNET_MASK },
        { type: awsx.ec2.SubnetType.Private, cidrMask: PRIVATE_SUBNET_MASK },
      ],
      natGateways: { strategy: NAT_STRATEGIES[args.natGateways] },
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { ...args.tags },
    }, { parent: this });

    this.vpcId = vpc.vpcId;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.privateSubnetIds = vpc.privateSubnetIds;
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}
