// VPC with a public and a private subnet in each availability zone. The load balancer lives in the
// public subnets; tasks live in the private ones, reach the internet through NAT and get no public IP.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type NatMode } from '../config';

export interface NetworkArgs {
  /** A /16, carved into /24 public subnets (x.y.0-2.0) and /20 private subnets (x.y.16/32/48.0). */
  vpcCidr: string;
  /** How many availability zones to spread over (2 or 3). */
  availabilityZones: number;
  /**
   * "single": one NAT gateway for the whole VPC (about 33 USD a month plus data), the default.
   * If its zone fails, tasks in the other zones lose outbound access (image pulls, metrics
   * remote-write) but keep serving. "perAz": one per zone, no shared fate, N times the cost.
   */
  natGateways: NatMode;
}

export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string>[];
  public readonly privateSubnetIds: pulumi.Output<string>[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:Network', name, {}, opts);
    if (args.availabilityZones < 2) throw new Error('Network: availabilityZones must be at least 2.');
    const [octetA, octetB] = args.vpcCidr.split('.');

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: args.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: `${name}-vpc` },
    }, { parent: this });

    const zones = aws.getAvailabilityZonesOutput({ state: 'available' }, { parent: this });
    const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${name}-igw` } }, { parent: this });

    const publicRouteTable = new aws.ec2.RouteTable(`${name}-public`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: internetGateway.id }],
      tags: { Name: `${name}-public` },
    }, { parent: this });

    const publicSubnets: aws.ec2.Subnet[] = [];
    const privateSubnets: aws.ec2.Subnet[] = [];
    const natGateways: aws.ec2.NatGateway[] = [];
    for (let i = 0; i < args.availabilityZones; i++) {
      const availabilityZone = zones.names.apply((names) => {
        const zone = names[i];
        if (zone === undefined) throw new Error(`Network: the region has fewer than ${args.availabilityZones} availability zones.`);
        return zone;
      });
      const publicSubnet = new aws.ec2.Subnet(`${name}-public-${i}`, {
        vpcId: vpc.id,
        availabilityZone,
        cidrBlock: `${octetA}.${octetB}.${i}.0/24`,
        // The subnets host only the load balancer and NAT gateways, never tasks.
        mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-public-${i}`, tier: 'public' },
      }, { parent: this });
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: publicSubnet.id, routeTableId: publicRouteTable.id }, { parent: this });
      publicSubnets.push(publicSubnet);

      privateSubnets.push(new aws.ec2.Subnet(`${name}-private-${i}`, {
        vpcId: vpc.id,
        availabilityZone,
        cidrBlock: `${octetA}.${octetB}.${(i + 1) * 16}.0/20`,
        mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-private-${i}`, tier: 'private' },
      }, { parent: this }));

      if (i === 0 || args.natGateways === 'perAz') {
        const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: 'vpc', tags: { Name: `${name}-nat-${i}` } }, { parent: this });
        natGateways.push(new aws.ec2.NatGateway(`${name}-nat-${i}`, {
          allocationId: eip.id,
          subnetId: publicSubnet.id,
          tags: { Name: `${name}-nat-${i}` },
        }, { parent: this, dependsOn: [internetGateway] }));
      }
    }

    privateSubnets.forEach((subnet, i) => {
      const natGateway = natGateways[args.natGateways === 'perAz' ? i : 0];
      if (natGateway === undefined) throw new Error('Network: no NAT gateway for a private subnet.');
      const routeTable = new aws.ec2.RouteTable(`${name}-private-${i}`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: natGateway.id }],
        tags: { Name: `${name}-private-${i}` },
      }, { parent: this });
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routeTable.id }, { parent: this });
    });

    this.vpcId = vpc.id;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}
