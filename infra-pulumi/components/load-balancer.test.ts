import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { construct } from '../testing/component';
import { inputOf } from '../testing/helpers';
import { LoadBalancer } from './load-balancer';
import { APP_PORT } from './timeouts';

const T = {
  alb: 'aws:lb/loadBalancer:LoadBalancer',
  targetGroup: 'aws:lb/targetGroup:TargetGroup',
  bucket: 'aws:s3/bucket:Bucket',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  egress: 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule',
};
const args = { vpcId: 'vpc-1', vpcCidr: '10.0.0.0/16', subnetIds: ['subnet-a', 'subnet-b'], internal: true, deletionProtection: false, accessLogRetentionDays: 14 };

const test = suite('LoadBalancer');
test('an internal ALB with access logs kept for the configured days, its policy in place before the ALB', async () => {
  const built = await construct('lb', () => new LoadBalancer('lb', args), Object.values(T).filter((t) => t !== T.ingress && t !== T.egress));
  const alb = built.one(T.alb);
  assert.equal(inputOf(alb, 'internal'), true);
  assert.deepEqual(inputOf(alb, 'subnets'), ['subnet-a', 'subnet-b']);
  assert.equal(inputOf<{ enabled: boolean }>(alb, 'accessLogs').enabled, true);
  assert.equal(inputOf<{ expiration: { days: number } }[]>(built.one(T.lifecycle), 'rules')[0]?.expiration.days, 14);
  assert.ok(built.resources.indexOf(built.one(T.bucketPolicy)) < built.resources.indexOf(alb));
  assert.equal(inputOf(built.one(T.targetGroup), 'port'), APP_PORT);
});
test('opens nothing itself (each front adds the ingress its traffic needs) and sends only to the app port inside the VPC', async () => {
  const built = await construct('lb2', () => new LoadBalancer('lb2', args), [T.alb, T.targetGroup, T.egress]);
  assert.equal(built.ofType(T.ingress).length, 0);
  assert.deepEqual(built.ofType(T.egress).map((r) => [inputOf(r, 'securityGroupId'), inputOf(r, 'cidrIpv4'), inputOf(r, 'fromPort'), inputOf(r, 'toPort'), inputOf(r, 'ipProtocol')]), [['lb2-alb-id', '10.0.0.0/16', APP_PORT, APP_PORT, 'tcp']]);
});
test('deletion protection protects the ALB and keeps the log bucket on destroy', async () => {
  const built = await construct('lb3', () => new LoadBalancer('lb3', { ...args, deletionProtection: true }), [T.alb, T.bucket]);
  assert.equal(inputOf(built.one(T.alb), 'enableDeletionProtection'), true);
  assert.equal(inputOf(built.one(T.bucket), 'forceDestroy'), false);
});
test.run();
