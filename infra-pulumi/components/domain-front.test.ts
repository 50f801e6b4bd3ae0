import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { construct } from '../testing/component';
import { inputOf, resolved } from '../testing/helpers';
import { DomainFront, TLS_POLICY } from './domain-front';

const T = {
  listener: 'aws:lb/listener:Listener',
  rule: 'aws:lb/listenerRule:ListenerRule',
  record: 'aws:route53/record:Record',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
};
const loadBalancer = { arn: 'arn:alb', dnsName: 'dom-1.eu-west-1.elb.amazonaws.com', zoneId: 'Z32O12XQLNTSW2', securityGroupId: 'sg-alb', targetGroupArn: 'arn:tg' };

const test = suite('DomainFront');
test('HTTPS with the TLS 1.3 policy, 80 redirects, an alias to the ALB, and only ports 80 and 443 open', async () => {
  const built = await construct('dom', () => new DomainFront('dom', { domainName: 'app.example.com', hostedZone: 'example.com', loadBalancer }), Object.values(T));
  const https = built.ofType(T.listener).find((l) => inputOf(l, 'protocol') === 'HTTPS');
  assert.equal(https && inputOf(https, 'sslPolicy'), TLS_POLICY);
  assert.deepEqual(built.ofType(T.ingress).map((r) => inputOf(r, 'fromPort')).sort(), [443, 80]);
  await resolved(built.component.url);
  assert.equal(await resolved(built.component.url), 'https://app.example.com');
});
test.run();
