import * as assert from 'node:assert/strict';
import * as pulumi from '@pulumi/pulumi';
import { suite } from 'uvu';
import { construct } from '../testing/component';
import { inputOf, resolved } from '../testing/helpers';
import { createMocks, type RecordedCall, type RecordedResource } from '../testing/mocks';
import { PROJECT } from '../testing/program';
import { Network } from './network';
import { subnetPlan } from './subnet-plan';

const T = {
  vpc: 'aws:ec2/vpc:Vpc',
  subnet: 'aws:ec2/subnet:Subnet',
  routeTable: 'aws:ec2/routeTable:RouteTable',
  association: 'aws:ec2/routeTableAssociation:RouteTableAssociation',
  route: 'aws:ec2/route:Route',
  nat: 'aws:ec2/natGateway:NatGateway',
  igw: 'aws:ec2/internetGateway:InternetGateway',
};
const AZ_TOKEN = 'aws:index/getAvailabilityZones:getAvailabilityZones';
const base = { vpcCidr: '10.0.0.0/16', availabilityZones: 2, profile: 'default', natGateways: 'single' } as const;

/** The route table each subnet is associated with, and that table's default route target. */
function defaultRouteOf(resources: RecordedResource[], subnet: RecordedResource): Record<string, string> | undefined {
  const association = resources.find((r) => r.type === T.association && inputOf(r, 'subnetId') === `${subnet.name}-id`);
  const table = resources.find((r) => r.type === T.routeTable && `${r.name}-id` === (association && inputOf(association, 'routeTableId')));
  assert.ok(table, `a route table for ${subnet.name}`);
  const route = resources.find((r) => r.type === T.route && inputOf(r, 'routeTableId') === `${table.name}-id` && inputOf(r, 'destinationCidrBlock') === '0.0.0.0/0');
  return route?.inputs as Record<string, string> | undefined;
}

const test = suite('Network');
test('default: tasks and load balancer in private subnets routed through one NAT gateway in a public subnet', async () => {
  const built = await construct('net', () => new Network('net', base), [T.vpc, T.nat, T.association, T.route]);
  const taskSubnets = await resolved(built.component.taskSubnetIds);
  assert.deepEqual(taskSubnets, ['net-private-0-id', 'net-private-1-id']);
  assert.deepEqual(await resolved(built.component.loadBalancerSubnetIds), taskSubnets);
  const nat = built.one(T.nat);
  assert.equal(inputOf(nat, 'subnetId'), 'net-public-0-id');
  for (const name of ['net-private-0', 'net-private-1']) assert.equal(defaultRouteOf(built.resources, built.one(T.subnet, name))?.natGatewayId, 'net-nat-0-id');
  for (const name of ['net-public-0', 'net-public-1']) assert.equal(defaultRouteOf(built.resources, built.one(T.subnet, name))?.gatewayId, `${built.one(T.igw).name}-id`);
  assert.deepEqual(built.ofType(T.subnet).map((s) => inputOf(s, 'cidrBlock')).sort(), subnetPlan('10.0.0.0/16', 'default', 2).flatMap((z) => [z.public, z.inner]).sort());
});
test('natGateways perAz: each private subnet leaves through the NAT gateway of its own zone', async () => {
  const built = await construct('net3', () => new Network('net3', { ...base, availabilityZones: 3, natGateways: 'perAz' }), [T.vpc, T.nat, T.association, T.route]);
  await resolved(built.component.taskSubnetIds);
  assert.equal(built.ofType(T.nat).length, 3);
  for (const zone of [0, 1, 2]) assert.equal(defaultRouteOf(built.resources, built.one(T.subnet, `net3-private-${zone}`))?.natGatewayId, `net3-nat-${zone}-id`);
});
test('small: no NAT; tasks in public subnets, the load balancer in isolated ones with no route out', async () => {
  const built = await construct('net2', () => new Network('net2', { ...base, profile: 'small' }), [T.vpc, T.association, T.routeTable]);
  assert.deepEqual(await resolved(built.component.taskSubnetIds), ['net2-public-0-id', 'net2-public-1-id']);
  assert.deepEqual(await resolved(built.component.loadBalancerSubnetIds), ['net2-isolated-0-id', 'net2-isolated-1-id']);
  assert.equal(built.ofType(T.nat).length, 0);
  for (const name of ['net2-isolated-0', 'net2-isolated-1']) assert.equal(defaultRouteOf(built.resources, built.one(T.subnet, name)), undefined);
});
test.run();

// CloudFront Developer Guide, "Supported AWS Regions for VPC origins": VPC origins are not offered in some
// zone IDs (use1-az3 in us-east-1), and a zone name means a different zone ID in every account.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html#vpc-origins-supported-regions
const zones = suite('Network zones');
zones('subnets are placed by zone ID, skipping IDs VPC origins do not support', async () => {
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  const mocks = createMocks(resources, calls);
  await pulumi.runtime.setMocks({
    newResource: mocks.newResource,
    call: (args) => (args.token === AZ_TOKEN
      ? (calls.push({ token: args.token, inputs: args.inputs }), { names: ['us-east-1a', 'us-east-1b', 'us-east-1c'], zoneIds: ['use1-az4', 'use1-az3', 'use1-az1'] })
      : mocks.call(args)),
  }, PROJECT, 'zones', false);
  const network = new Network('use1', base);
  assert.deepEqual(await resolved(network.zoneIds), ['use1-az1', 'use1-az4']);
  await resolved(network.taskSubnetIds);
  const placed = resources.filter((r) => r.type === T.subnet).map((s) => [s.name, s.inputs.availabilityZoneId, s.inputs.availabilityZone]);
  assert.deepEqual(placed.sort(), [['use1-private-0', 'use1-az1', undefined], ['use1-private-1', 'use1-az4', undefined], ['use1-public-0', 'use1-az1', undefined], ['use1-public-1', 'use1-az4', undefined]]);
  const lookup = calls.find((c) => c.token === AZ_TOKEN);
  assert.ok((lookup?.inputs.excludeZoneIds as string[]).includes('use1-az3'));
  // Let the component finish registering before the next suite replaces these mocks.
  await pulumi.runtime.disconnect();
});
zones.run();
