import * as assert from 'node:assert/strict';
import * as aws from '@pulumi/aws';
import { suite } from 'uvu';
import { ServiceProcess } from '../../tests/support/service-process';
import { construct } from '../testing/component';
import { inputOf, resolved } from '../testing/helpers';
import { ERROR_RATE_PERCENT, HEALTH_BODY, HEALTH_PATH, ServiceAlarms, type ServiceAlarmsArgs } from './service-alarms';

const T = {
  healthCheck: 'aws:route53/healthCheck:HealthCheck',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  topic: 'aws:sns/topic:Topic',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
};
const ALERTS = 'arn:aws:sns:eu-west-1:123456789012:sa-alerts';
function argsWith(overrides: Partial<ServiceAlarmsArgs>, provider: aws.Provider): ServiceAlarmsArgs {
  return {
    region: 'eu-west-1', url: 'https://d111111abcdef8.cloudfront.net', distributionId: 'E2QWRUHAPOMQZL',
    loadBalancerArnSuffix: 'app/sa-alb/50dc6c495c0c9188', targetGroupArnSuffix: 'targetgroup/sa-tg/73e2d6bc24d8a067',
    alertTopicArn: ALERTS, alertEmail: 'oncall@example.com', metricsRegionProvider: provider, ...overrides,
  };
}
const inUsEast1 = (provider: string | undefined) => /::sa[\w-]*-us-east-1::/.test(provider ?? '');

const test = suite('ServiceAlarms');
// Route 53 API reference, HealthCheckConfig: HTTPS_STR_MATCH searches the first 5,120 bytes of the body
// for SearchString, https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html;
// health-check metrics exist only in us-east-1,
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html
test('a Route 53 check fetches /health over HTTPS from the public host and requires the healthy body; its alarm lives in us-east-1', async () => {
  const built = await construct('sa', () => {
    const provider = new aws.Provider('sa-us-east-1', { region: 'us-east-1' });
    return new ServiceAlarms('sa', argsWith({}, provider));
  }, Object.values(T));
  await resolved(built.component.edgeTopicArn);
  const check = built.one(T.healthCheck);
  assert.deepEqual(
    ['type', 'fqdn', 'port', 'resourcePath', 'searchString', 'enableSni', 'requestInterval', 'measureLatency'].map((k) => inputOf(check, k)),
    ['HTTPS_STR_MATCH', 'd111111abcdef8.cloudfront.net', 443, HEALTH_PATH, HEALTH_BODY, true, 30, undefined],
  );
  const health = built.one(T.alarm, '-public-health');
  assert.deepEqual([inputOf(health, 'namespace'), inputOf(health, 'metricName'), inputOf(health, 'dimensions')], ['AWS/Route53', 'HealthCheckStatus', { HealthCheckId: 'sa-public-id' }]);
  assert.deepEqual([inputOf(health, 'comparisonOperator'), inputOf(health, 'threshold')], ['LessThanThreshold', 1]);
  assert.ok(inUsEast1(health.provider), health.provider);
  // The alarm notifies a topic in its own region, which the alert address is subscribed to.
  const edgeTopic = built.one(T.topic, '-edge-alerts');
  assert.ok(inUsEast1(edgeTopic.provider));
  assert.deepEqual(inputOf(health, 'alarmActions'), [`arn:aws:sns:eu-west-1:123456789012:${edgeTopic.name}`]);
  assert.equal(inputOf(built.one(T.subscription), 'endpoint'), 'oncall@example.com');
});

// CloudFront's metrics exist only in us-east-1:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/monitoring-using-cloudwatch.html
test('CloudFront\'s 5xx rate alarms in us-east-1; the load balancer\'s 5xx rate and unhealthy targets alarm in the stack\'s region to its alerts topic', async () => {
  const built = await construct('sb', () => {
    const provider = new aws.Provider('sb-us-east-1', { region: 'us-east-1' });
    return new ServiceAlarms('sb', argsWith({}, provider));
  }, [T.alarm, T.healthCheck, T.topic]);
  await resolved(built.component.edgeTopicArn);
  const cloudfront = built.one(T.alarm, '-cloudfront-5xx');
  assert.deepEqual([inputOf(cloudfront, 'metricName'), inputOf(cloudfront, 'dimensions'), inputOf(cloudfront, 'threshold')], ['5xxErrorRate', { DistributionId: 'E2QWRUHAPOMQZL', Region: 'Global' }, ERROR_RATE_PERCENT]);
  assert.ok(/::sb[\w-]*-us-east-1::/.test(cloudfront.provider ?? ''));
  const alb5xx = built.one(T.alarm, '-alb-5xx');
  const queries = inputOf<{ id: string; expression?: string; metric?: { metricName: string; dimensions: Record<string, string> } }[]>(alb5xx, 'metricQueries');
  assert.deepEqual(queries.filter((q) => q.metric).map((q) => q.metric?.metricName).sort(), ['HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'RequestCount']);
  assert.match(queries.find((q) => q.expression)?.expression ?? '', /^100 \* \(.*elb5xx.*target5xx.*\) \/ requests$/);
  const unhealthy = built.one(T.alarm, '-alb-unhealthy');
  assert.deepEqual(inputOf(unhealthy, 'dimensions'), { LoadBalancer: 'app/sa-alb/50dc6c495c0c9188', TargetGroup: 'targetgroup/sa-tg/73e2d6bc24d8a067' });
  for (const a of [alb5xx, unhealthy]) {
    assert.deepEqual(inputOf(a, 'alarmActions'), [ALERTS], a.name);
    assert.ok(!/us-east-1/.test(a.provider ?? ''), a.name);
  }
});

test('in us-east-1 the alerts topic serves every alarm; without CloudFront there is no CloudFront alarm', async () => {
  const built = await construct('sc', () => {
    const provider = new aws.Provider('sc-us-east-1', { region: 'us-east-1' });
    return new ServiceAlarms('sc', argsWith({ region: 'us-east-1', distributionId: undefined, url: 'https://app.example.com' }, provider));
  }, [T.alarm, T.healthCheck]);
  assert.equal(await resolved(built.component.edgeTopicArn), ALERTS);
  assert.equal(built.ofType(T.topic).length, 0);
  assert.equal(inputOf(built.one(T.healthCheck), 'fqdn'), 'app.example.com');
  assert.deepEqual(built.ofType(T.alarm).map((a) => a.name).sort(), ['sc-alb-5xx', 'sc-alb-unhealthy', 'sc-public-health']);
});
test.run();

// The string the check requires is what the service really answers: started from source, asked over HTTP.
const body = suite('the health check\'s search string');
body('is in the body of GET /health from the running service', async () => {
  const service = await ServiceProcess.start({}, { from: 'source' });
  try {
    const response = await fetch(`http://127.0.0.1:${service.port}${HEALTH_PATH}`);
    assert.equal(response.status, 200);
    const text = await response.text();
    // Route 53 searches the first 5,120 bytes of the body, not characters:
    // https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html
    assert.ok(Buffer.from(text).subarray(0, 5120).includes(HEALTH_BODY), text);
  } finally {
    await service.kill();
  }
});
body.run();
