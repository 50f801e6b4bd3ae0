import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { construct } from '../testing/component';
import { inputOf, resolved } from '../testing/helpers';
import { MOCK_VPC_ORIGIN_SG_ID } from '../testing/mocks';
import { CloudFrontFront, ORIGIN_HTTP_PORT, VPC_ORIGIN_SECURITY_GROUP } from './cloudfront-front';
import { BLOCKED_PATHS } from './load-balancer';

const T = {
  listener: 'aws:lb/listener:Listener',
  rule: 'aws:lb/listenerRule:ListenerRule',
  vpcOrigin: 'aws:cloudfront/vpcOrigin:VpcOrigin',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  distribution: 'aws:cloudfront/distribution:Distribution',
};
const loadBalancer = { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/cf/1', dnsName: 'internal-cf-1.eu-west-1.elb.amazonaws.com', securityGroupId: 'sg-alb', targetGroupArn: 'arn:tg' };

const test = suite('CloudFrontFront');
test('a VPC origin on the internal ALB\'s HTTP listener; the ALB admits only CloudFront\'s VPC-origin group; /metrics is 403', async () => {
  const built = await construct('cf', () => new CloudFrontFront('cf', { vpcId: 'vpc-1', priceClass: 'PriceClass_100', loadBalancer }), Object.values(T));
  const endpoint = inputOf<{ arn: string; httpPort: number; originProtocolPolicy: string }>(built.one(T.vpcOrigin), 'vpcOriginEndpointConfig');
  assert.deepEqual([endpoint.arn, endpoint.httpPort, endpoint.originProtocolPolicy], [loadBalancer.arn, ORIGIN_HTTP_PORT, 'http-only']);
  const [ingress, ...more] = built.ofType(T.ingress);
  assert.deepEqual(more, []);
  assert.ok(ingress);
  assert.deepEqual([inputOf(ingress, 'securityGroupId'), inputOf(ingress, 'referencedSecurityGroupId'), inputOf(ingress, 'fromPort')], ['sg-alb', MOCK_VPC_ORIGIN_SG_ID, ORIGIN_HTTP_PORT]);
  const lookup = built.calls.find((c) => c.token === 'aws:ec2/getSecurityGroup:getSecurityGroup');
  assert.deepEqual(lookup?.inputs.filters, [{ name: 'group-name', values: [VPC_ORIGIN_SECURITY_GROUP] }, { name: 'vpc-id', values: ['vpc-1'] }]);
  assert.deepEqual(inputOf<{ pathPattern: { values: string[] } }[]>(built.one(T.rule), 'conditions')[0]?.pathPattern.values, BLOCKED_PATHS);
  assert.match(await resolved(built.component.url), /^https:\/\//);
});
// The provider's default is 15 minutes, which VPC origins outlast (terraform-aws-modules/terraform-aws-cloudfront#163).
test('the VPC origin waits 30 minutes to create, update and delete', async () => {
  const built = await construct('cf2', () => new CloudFrontFront('cf2', { vpcId: 'vpc-1', priceClass: 'PriceClass_100', loadBalancer }), [T.vpcOrigin]);
  assert.deepEqual(inputOf(built.one(T.vpcOrigin), 'timeouts'), { create: '30m', update: '30m', delete: '30m' });
});
test.run();
