import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { construct } from '../testing/component';
import { inputOf, resolved } from '../testing/helpers';
import { FargateService, type FargateServiceArgs, scalingPolicies, taskSecurityGroupRules } from './service';
import { APP_PORT } from './timeouts';

const T = { service: 'aws:ecs/service:Service', ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', capacity: 'aws:ecs/clusterCapacityProviders:ClusterCapacityProviders' };
const args: FargateServiceArgs = {
  vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], publicTasks: false, fargateSpot: false, taskDefinitionArn: 'arn:td:1',
  minTasks: 2, maxTasks: 4, cpuTargetPercent: 60, requestsPerTargetPerMinute: 1000,
  loadBalancerSecurityGroupId: 'sg-alb', targetGroupArn: 'arn:tg', requestCountResourceLabel: 'app/x/1/targetgroup/y/2', loadBalancerReady: [],
};

const test = suite('FargateService');
test('the tasks admit only the load balancer, on the app port', async () => {
  const built = await construct('svc', () => new FargateService('svc', args), [T.service, T.ingress]);
  await resolved(built.component.serviceName);
  assert.deepEqual(built.ofType(T.ingress).map((r) => [inputOf(r, 'referencedSecurityGroupId'), inputOf(r, 'fromPort'), inputOf(r, 'toPort')]), [['sg-alb', APP_PORT, APP_PORT]]);
  assert.equal(inputOf(built.one(T.service), 'launchType'), 'FARGATE');
  // The load balancer's group belongs to the LoadBalancer component: the service adds no rule to it.
  const rules = built.resources.filter((r) => r.type.startsWith('aws:vpc/securityGroup'));
  assert.deepEqual(rules.filter((r) => inputOf(r, 'securityGroupId') === 'sg-alb').map((r) => r.name), []);
});
test('public tasks get public IPs; Fargate Spot replaces the launch type with a capacity provider', async () => {
  const built = await construct('svc2', () => new FargateService('svc2', { ...args, publicTasks: true, fargateSpot: true, minTasks: 1, maxTasks: 1 }), [T.service, T.capacity]);
  const service = built.one(T.service);
  assert.equal(inputOf<{ assignPublicIp: boolean }>(service, 'networkConfiguration').assignPublicIp, true);
  assert.equal(inputOf(service, 'launchType'), undefined);
  assert.deepEqual(inputOf(service, 'capacityProviderStrategies'), [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
});
test.run();

const builders = suite('service builders');
builders('the tasks admit the app port from the load balancer\'s group only, and send only HTTPS', () => {
  const { ingress, egress } = taskSecurityGroupRules('sg-alb', false);
  assert.deepEqual(ingress.map((r) => [r.referencedSecurityGroupId, r.cidrIpv4, r.fromPort, r.toPort]), [['sg-alb', undefined, APP_PORT, APP_PORT]]);
  assert.deepEqual(egress.map((r) => [r.cidrIpv4, r.fromPort, r.toPort, r.ipProtocol]), [['0.0.0.0/0', 443, 443, 'tcp']]);
  assert.match(egress[0]?.description ?? '', /through NAT/);
  assert.doesNotMatch(taskSecurityGroupRules('sg-alb', true).egress[0]?.description ?? '', /NAT/);
});
builders('autoscaling tracks CPU and requests per target, the latter on the ALB\'s label', () => {
  assert.deepEqual(scalingPolicies(60, 1000, 'app/x/1/targetgroup/y/2'), [
    { suffix: 'cpu', predefinedMetricType: 'ECSServiceAverageCPUUtilization', targetValue: 60 },
    { suffix: 'requests', predefinedMetricType: 'ALBRequestCountPerTarget', targetValue: 1000, resourceLabel: 'app/x/1/targetgroup/y/2' },
  ]);
});
builders.run();
