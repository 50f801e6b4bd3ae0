import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { construct, inputOf, resolved } from '../testing/component';
import { mockSubnetIds } from '../testing/mocks';
import { Network } from './network';

const VPC = 'awsx:ec2:Vpc';
const test = suite('Network');
test('default: NAT, tasks and load balancer in private subnets', async () => {
  const built = await construct('net', () => new Network('net', { vpcCidr: '10.0.0.0/16', availabilityZones: 2, profile: 'default', natGateways: 'single', tags: {} }), [VPC]);
  assert.deepEqual(inputOf(built.one(VPC), 'natGateways'), { strategy: 'Single' });
  assert.deepEqual(await resolved(built.component.taskSubnetIds), mockSubnetIds('Private', 2));
  assert.deepEqual(await resolved(built.component.loadBalancerSubnetIds), mockSubnetIds('Private', 2));
});
test('small: no NAT, tasks in public subnets, the load balancer in isolated ones', async () => {
  const built = await construct('net2', () => new Network('net2', { vpcCidr: '10.0.0.0/16', availabilityZones: 2, profile: 'small', natGateways: 'single', tags: {} }), [VPC]);
  assert.deepEqual(inputOf(built.one(VPC), 'natGateways'), { strategy: 'None' });
  assert.deepEqual(await resolved(built.component.taskSubnetIds), mockSubnetIds('Public', 2));
  assert.deepEqual(await resolved(built.component.loadBalancerSubnetIds), mockSubnetIds('Isolated', 2));
});
test.run();
