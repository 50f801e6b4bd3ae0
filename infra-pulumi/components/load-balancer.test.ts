import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { construct, inputOf } from '../testing/component';
import { LoadBalancer } from './load-balancer';
import { APP_PORT } from './timeouts';

const T = {
  alb: 'aws:lb/loadBalancer:LoadBalancer',
  targetGroup: 'aws:lb/targetGroup:TargetGroup',
  bucket: 'aws:s3/bucket:Bucket',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
};
const args = { vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], internal: true, deletionProtection: false, accessLogRetentionDays: 14 };

const test = suite('LoadBalancer');
test('an internal ALB with access logs kept for the configured days, its policy in place before the ALB', async () => {
  const built = await construct('lb', () => new LoadBalancer('lb', args), Object.values(T).filter((t) => t !== T.ingress));
  const alb = built.one(T.alb);
  assert.equal(inputOf(alb, 'internal'), true);
  assert.deepEqual(inputOf(alb, 'subnets'), ['subnet-a', 'subnet-b']);
  assert.equal(inputOf<{ enabled: boolean }>(alb, 'accessLogs').enabled, true);
  assert.equal(inputOf<{ expiration: { days: number } }[]>(built.one(T.lifecycle), 'rules')[0]?.expiration.days, 14);
  assert.ok(built.resources.indexOf(built.one(T.bucketPolicy)) < built.resources.indexOf(alb));
  assert.equal(inputOf(built.one(T.targetGroup), 'port'), APP_PORT);
});
test('opens nothing itself: each front adds the one ingress rule its traffic needs', async () => {
  const built = await construct('lb2', () => new LoadBalancer('lb2', args), [T.alb, T.targetGroup]);
  assert.equal(built.ofType(T.ingress).length, 0);
});
test('deletion protection protects the ALB and keeps the log bucket on destroy', async () => {
  const built = await construct('lb3', () => new LoadBalancer('lb3', { ...args, deletionProtection: true }), [T.alb, T.bucket]);
  assert.equal(inputOf(built.one(T.alb), 'enableDeletionProtection'), true);
  assert.equal(inputOf(built.one(T.bucket), 'forceDestroy'), false);
});
test.run();
