// The network: a VPC with, in each availability zone,
//   profile "default": a public subnet (NAT gateways) and a private subnet (tasks and the internal
//                      load balancer), tasks reaching the internet through NAT without public IPs;
//   profile "small":   a public subnet (tasks, with public IPs; no NAT gateway) and an isolated
//                      subnet (the internal load balancer: no route to the internet at all).
// Both have an internet gateway, which CloudFront VPC origins require of the VPC even though their
// traffic does not use it. Zones are chosen by zone ID and subnets laid out by subnet-plan.ts; the
// resources are plain EC2 ones, so every subnet and route is visible to the tests.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type NatMode, type Profile } from '../config';
import { chooseZoneIds, subnetPlan, VPC_ORIGIN_UNSUPPORTED_ZONE_IDS } from './subnet-plan';

export interface NetworkArgs {
  /** A private /16; each layout (profile, zone count) takes its own quarter of it. */
  vpcCidr: string;
  /** How many availability zones to spread over (2 or 3), chosen by zone ID. */
  availabilityZones: number;
  profile: Profile;
  /**
   * Profile "default" only. "single": one NAT gateway for the whole VPC (about 33 USD a month plus
   * data). If its zone fails, tasks in the other zones lose outbound access (image pulls, metrics
   * remote-write) but keep serving. "perAz": one per zone, no shared fate, N times the cost.
   */
  natGateways: NatMode;
}

type Subnet = aws.ec2.Subnet;

/** One route table per zone sending 0.0.0.0/0 to a NAT gateway: the zone's own ("perAz") or the first ("single"). */
function natRoutes(name: string, vpcId: pulumi.Input<string>, publicSubnets: Subnet[], privateSubnets: Subnet[], mode: NatMode, opts: pulumi.CustomResourceOptions): void {
  const gateways = publicSubnets.slice(0, mode === 'perAz' ? publicSubnets.length : 1).map((subnet, zone) => {
    const eip = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: 'vpc', tags: { Name: `${name}-nat-${zone}` } }, opts);
    return new aws.ec2.NatGateway(`${name}-nat-${zone}`, { allocationId: eip.id, subnetId: subnet.id, tags: { Name: `${name}-nat-${zone}` } }, opts);
  });
  privateSubnets.forEach((subnet, zone) => {
    const gateway = gateways[Math.min(zone, gateways.length - 1)] as aws.ec2.NatGateway;
    const table = new aws.ec2.RouteTable(`${name}-private-${zone}`, { vpcId, tags: { Name: `${name}-private-${zone}` } }, opts);
    new aws.ec2.Route(`${name}-private-${zone}-out`, { routeTableId: table.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: gateway.id }, opts);
    new aws.ec2.RouteTableAssociation(`${name}-private-${zone}`, { subnetId: subnet.id, routeTableId: table.id }, opts);
  });
}

/** A route table with only the VPC's local route: nothing in these subnets reaches the internet. */
function isolatedRoutes(name: string, vpcId: pulumi.Input<string>, subnets: Subnet[], opts: pulumi.CustomResourceOptions): void {
  const table = new aws.ec2.RouteTable(`${name}-isolated`, { vpcId, tags: { Name: `${name}-isolated` } }, opts);
  subnets.forEach((subnet, zone) => new aws.ec2.RouteTableAssociation(`${name}-isolated-${zone}`, { subnetId: subnet.id, routeTableId: table.id }, opts));
}

const ids = (subnets: Subnet[]): pulumi.Output<string[]> => pulumi.all(subnets.map((s) => s.id));

export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** Where the internal load balancer lives: private (default) or isolated (small) subnets. */
  public readonly loadBalancerSubnetIds: pulumi.Output<string[]>;
  /** Where the tasks live: private subnets (default) or public ones with public IPs (small). */
  public readonly taskSubnetIds: pulumi.Output<string[]>;
  /** The zone IDs the subnets are in, in zone order. */
  public readonly zoneIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:Network', name, {}, opts);
    const small = args.profile === 'small';
    const plan = subnetPlan(args.vpcCidr, args.profile, args.availabilityZones);
    const available = aws.getAvailabilityZonesOutput({
      state: 'available',
      excludeZoneIds: [...VPC_ORIGIN_UNSUPPORTED_ZONE_IDS],
      // Local Zones and Wavelength Zones are opt-in; an ALB and a VPC origin need regular zones.
      filters: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    }, { parent: this });
    const zoneIds = available.zoneIds.apply((found) => chooseZoneIds(found, args.availabilityZones));

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } }, { parent: this });
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: name } }, { parent: this });
    const subnet = (kind: string, zone: number, cidrBlock: string) => new aws.ec2.Subnet(`${name}-${kind}-${zone}`, {
      vpcId: vpc.id,
      cidrBlock,
      availabilityZoneId: zoneIds.apply((zones) => zones[zone] as string),
      // Small-profile tasks get their public IP from ECS (assignPublicIp), nothing else from the subnet.
      mapPublicIpOnLaunch: false,
      tags: { Name: `${name}-${kind}-${zone}` },
    }, { parent: this });
    const publicSubnets = plan.map((zone, i) => subnet('public', i, zone.public));
    const innerSubnets = plan.map((zone, i) => subnet(small ? 'isolated' : 'private', i, zone.inner));

    const publicTable = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: { Name: `${name}-public` } }, { parent: this });
    new aws.ec2.Route(`${name}-public-out`, { routeTableId: publicTable.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: gateway.id }, { parent: this });
    publicSubnets.forEach((s, zone) => new aws.ec2.RouteTableAssociation(`${name}-public-${zone}`, { subnetId: s.id, routeTableId: publicTable.id }, { parent: this }));
    if (small) isolatedRoutes(name, vpc.id, innerSubnets, { parent: this });
    else natRoutes(name, vpc.id, publicSubnets, innerSubnets, args.natGateways, { parent: this });

    this.vpcId = vpc.id;
    this.zoneIds = zoneIds;
    this.publicSubnetIds = ids(publicSubnets);
    this.loadBalancerSubnetIds = ids(innerSubnets);
    this.taskSubnetIds = small ? this.publicSubnetIds : this.loadBalancerSubnetIds;
    this.registerOutputs({
      vpcId: this.vpcId,
      zoneIds: this.zoneIds,
      publicSubnetIds: this.publicSubnetIds,
      loadBalancerSubnetIds: this.loadBalancerSubnetIds,
      taskSubnetIds: this.taskSubnetIds,
    });
  }
}
