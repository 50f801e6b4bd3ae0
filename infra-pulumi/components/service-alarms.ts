// Alarms that see the service the way users do, from outside: a Route 53 health check fetching
// /health over HTTPS from the public URL and matching its body, CloudFront's 5xx rate, and the load
// balancer's 5xx rate and unhealthy targets. They fire when CloudFront, the VPC origin, the ALB, DNS or
// TLS fail, when the service's own metrics (scraped inside the task) see nothing wrong.
// Route 53 health-check and CloudFront metrics exist only in us-east-1 (Route 53 Developer Guide,
// "Monitoring health checks using CloudWatch",
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html; CloudFront
// Developer Guide, "Monitor CloudFront metrics with Amazon CloudWatch",
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/monitoring-using-cloudwatch.html), and an alarm notifies only an SNS topic of its own region: those alarms live in
// us-east-1 with a topic there; the load balancer's alarms live in the stack's region.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { alertTopic } from './managed-prometheus';

/**
 * What the health check asks for and what the body must contain (the service's GET /health). An
 * HTTPS_STR_MATCH check searches the first 5,120 bytes of the body for SearchString:
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html
 */
export const HEALTH_PATH = '/health';
export const HEALTH_BODY = "OK I'm healthy";
/** The region of Route 53 health-check metrics and CloudFront metrics. */
export const METRICS_REGION = 'us-east-1';
/** Route 53 needs at least three checker regions; three keep the requests to /health few. */
export const HEALTH_CHECK_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];
/** Percent of requests answered 5xx, over 5 minutes, above which the edge and ALB alarms fire. */
export const ERROR_RATE_PERCENT = 5;

export interface ServiceAlarmsArgs {
  region: string;
  /** The public HTTPS URL (https://<host>), from the front. */
  url: pulumi.Input<string>;
  /** The CloudFront distribution in front of the service, if any. */
  distributionId: pulumi.Input<string> | undefined;
  loadBalancerArnSuffix: pulumi.Input<string>;
  targetGroupArnSuffix: pulumi.Input<string>;
  /** The stack's alerts topic (in `region`). */
  alertTopicArn: pulumi.Input<string>;
  /** Subscribed to the us-east-1 topic as well, when the stack lives elsewhere. */
  alertEmail: string | undefined;
  /** A provider for us-east-1, with the stack's tags. */
  metricsRegionProvider: pulumi.ProviderResource;
}

type AlarmArgs = Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions'>;

/** Alarm and recovery both notify `topicArn`; no data (no traffic) is not an outage. */
function alarm(name: string, topicArn: pulumi.Input<string>, args: AlarmArgs, opts: pulumi.CustomResourceOptions): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(name, { treatMissingData: 'notBreaching', ...args, alarmActions: [topicArn], okActions: [topicArn] }, opts);
}

/** 100 × (load balancer 5xx + target 5xx) / requests, per 5 minutes. */
function albErrorRate(dimensions: Record<string, pulumi.Input<string>>): aws.types.input.cloudwatch.MetricAlarmMetricQuery[] {
  const metric = (id: string, metricName: string) => ({ id, returnData: false, metric: { namespace: 'AWS/ApplicationELB', metricName, dimensions, period: 300, stat: 'Sum' } });
  return [
    metric('elb5xx', 'HTTPCode_ELB_5XX_Count'),
    metric('target5xx', 'HTTPCode_Target_5XX_Count'),
    metric('requests', 'RequestCount'),
    { id: 'rate', returnData: true, label: '5xx percent', expression: '100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests' },
  ];
}

export class ServiceAlarms extends pulumi.ComponentResource {
  public readonly healthCheckId: pulumi.Output<string>;
  /** The topic the us-east-1 alarms notify (the alerts topic itself when the stack is in us-east-1). */
  public readonly edgeTopicArn: pulumi.Output<string>;

  constructor(name: string, args: ServiceAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:ServiceAlarms', name, {}, opts);
    const inMetricsRegion = { parent: this, provider: args.metricsRegionProvider };
    const edgeTopicArn = args.region === METRICS_REGION ? pulumi.output(args.alertTopicArn) : alertTopic(`${name}-edge-alerts`, undefined, METRICS_REGION, inMetricsRegion).arn;
    if (args.region !== METRICS_REGION && args.alertEmail !== undefined) {
      new aws.sns.TopicSubscription(`${name}-edge-alerts-email`, { topic: edgeTopicArn, protocol: 'email', endpoint: args.alertEmail }, inMetricsRegion);
    }

    // Standard 30 s interval, no latency graphs: the cheapest check that reads the body over HTTPS.
    const healthCheck = new aws.route53.HealthCheck(`${name}-public`, {
      type: 'HTTPS_STR_MATCH',
      fqdn: pulumi.output(args.url).apply((url) => new URL(url).hostname),
      port: 443,
      resourcePath: HEALTH_PATH,
      searchString: HEALTH_BODY,
      enableSni: true,
      requestInterval: 30,
      failureThreshold: 3,
      regions: HEALTH_CHECK_REGIONS,
      tags: { Name: `${name}-public` },
    }, { parent: this });
    alarm(`${name}-public-health`, edgeTopicArn, {
      alarmDescription: `${name}: GET ${HEALTH_PATH} on the public URL fails from outside AWS's network (DNS, TLS, CloudFront, load balancer or service).`,
      namespace: 'AWS/Route53', metricName: 'HealthCheckStatus', dimensions: { HealthCheckId: healthCheck.id },
      statistic: 'Minimum', period: 60, evaluationPeriods: 3, threshold: 1, comparisonOperator: 'LessThanThreshold',
      // No data from Route 53 means the check itself is broken: treat it as down.
      treatMissingData: 'breaching',
    }, inMetricsRegion);
    if (args.distributionId !== undefined) {
      alarm(`${name}-cloudfront-5xx`, edgeTopicArn, {
        alarmDescription: `${name}: more than ${ERROR_RATE_PERCENT}% of viewer requests answered 5xx by CloudFront.`,
        namespace: 'AWS/CloudFront', metricName: '5xxErrorRate', dimensions: { DistributionId: args.distributionId, Region: 'Global' },
        statistic: 'Average', period: 300, evaluationPeriods: 3, datapointsToAlarm: 2, threshold: ERROR_RATE_PERCENT, comparisonOperator: 'GreaterThanThreshold',
      }, inMetricsRegion);
    }
    alarm(`${name}-alb-5xx`, args.alertTopicArn, {
      alarmDescription: `${name}: more than ${ERROR_RATE_PERCENT}% of requests to the load balancer answered 5xx (by it or by the tasks).`,
      metricQueries: albErrorRate({ LoadBalancer: args.loadBalancerArnSuffix }),
      evaluationPeriods: 3, datapointsToAlarm: 2, threshold: ERROR_RATE_PERCENT, comparisonOperator: 'GreaterThanThreshold',
    }, { parent: this });
    alarm(`${name}-alb-unhealthy`, args.alertTopicArn, {
      alarmDescription: `${name}: a target of the load balancer failed its /ready check for 5 minutes.`,
      namespace: 'AWS/ApplicationELB', metricName: 'UnHealthyHostCount', dimensions: { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix },
      statistic: 'Maximum', period: 60, evaluationPeriods: 5, threshold: 0, comparisonOperator: 'GreaterThanThreshold',
    }, { parent: this });

    this.healthCheckId = healthCheck.id;
    this.edgeTopicArn = edgeTopicArn;
    this.registerOutputs({ healthCheckId: this.healthCheckId, edgeTopicArn: this.edgeTopicArn });
  }
}
