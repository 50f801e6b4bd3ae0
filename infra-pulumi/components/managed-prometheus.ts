// Metrics and alerts in the cloud: an Amazon Managed Service for Prometheus (AMP) workspace, the
// alert rules of observability/prometheus/rules/ (one rule group namespace per file, read from the
// files so the rules promtool tests are the rules that ship), an alert manager definition whose route
// tree and inhibitions are read from observability/alertmanager/alertmanager.yml, the SNS topics its
// receivers publish to (alerts; heartbeat for Watchdog), and AMP's own logs with an alarm on the
// errors of its ruler and alert manager, so a broken rule namespace or SNS delivery is noticed.
// The collector config that writes to the workspace is part of the task definition.
import * as fs from 'node:fs';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ampAlertmanagerDefinition } from './alertmanager-config';
import { readFolder } from './files';

/** CloudWatch metric the AMP log filter counts: ruler and alert manager errors, in a namespace per stack. */
export const ampErrorsMetric = (name: string) => ({ namespace: `ObservableService/${name}`, name: 'AmpRulerAndAlertmanagerErrors' });
/**
 * AMP's vended logs are JSON events `{"workspaceId", "message": {"log", "level", ...}, "component"}`,
 * `component` "ruler" or "alertmanager", `message.level` "ERROR" or "WARN" (AMP logs only those two
 * levels). The examples: https://docs.aws.amazon.com/prometheus/latest/userguide/Troubleshooting-rule-fail-error.html
 * and the same guide's "Troubleshoot alert manager with CloudWatch Logs"; the levels:
 * https://docs.aws.amazon.com/prometheus/latest/userguide/CW-logs.html ("Limitations").
 */
export const AMP_ERROR_FILTER = '{ ($.component = "ruler" || $.component = "alertmanager") && $.message.level = "ERROR" }';

export interface ManagedPrometheusArgs {
  region: string;
  /** Folder whose *.yml / *.yaml files are Prometheus rule files (rules-local/ is not shipped). */
  rulesDir: string;
  /** The local Alertmanager's file: its route and inhibit_rules become the AMP alert manager's. */
  alertmanagerFile: string;
  /** Subscribed to the alert topic when set (AWS mails a confirmation link first). */
  alertEmail: string | undefined;
  /** Days AMP's own logs are kept. */
  logRetentionDays: number;
}

/** An SNS topic that AMP's alert manager (and, with `alarms`, CloudWatch alarms of this account) may publish to. */
export function alertTopic(name: string, workspaceArn: pulumi.Input<string> | undefined, region: string, opts: pulumi.CustomResourceOptions): aws.sns.Topic {
  const topic = new aws.sns.Topic(name, { displayName: name }, opts);
  const account = aws.getCallerIdentityOutput({}, opts);
  const publisher = (sid: string, service: string, sourceArn: pulumi.Input<string>) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: service },
    Action: ['sns:Publish'],
    Resource: topic.arn,
    Condition: { ArnLike: { 'aws:SourceArn': sourceArn }, StringEquals: { 'aws:SourceAccount': account.accountId } },
  });
  new aws.sns.TopicPolicy(name, {
    arn: topic.arn,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        ...(workspaceArn === undefined ? [] : [publisher('AmpAlertmanagerPublishes', 'aps.amazonaws.com', workspaceArn)]),
        // A topic policy replaces the default one, so CloudWatch alarms need their own statement.
        publisher('CloudWatchAlarmsPublish', 'cloudwatch.amazonaws.com', pulumi.interpolate`arn:aws:cloudwatch:${region}:${account.accountId}:alarm:*`),
      ],
    }),
  }, opts);
  return topic;
}

export class ManagedPrometheus extends pulumi.ComponentResource {
  public readonly workspaceId: pulumi.Output<string>;
  public readonly workspaceArn: pulumi.Output<string>;
  /** Query endpoint (Grafana's datasource URL); remote-write is <this>api/v1/remote_write. */
  public readonly prometheusEndpoint: pulumi.Output<string>;
  public readonly alertTopicArn: pulumi.Output<string>;
  /** Where Watchdog's heartbeats go: subscribe a dead man's switch (an HTTPS heartbeat URL) to it. */
  public readonly heartbeatTopicArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: ManagedPrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:ManagedPrometheus', name, {}, opts);
    // One namespace per rule file, named after it.
    const ruleFiles = readFolder(args.rulesDir, ['.yml', '.yaml'], 'Prometheus rule files');
    const alertmanagerFile = fs.readFileSync(args.alertmanagerFile, 'utf8');

    // Vended logs: AMP writes to a group under /aws/vendedlogs/ (no resource-policy size limit), named
    // by its ARN with the `:*` suffix AMP's API requires (pattern `...:log-group:<name>:\*`,
    // https://docs.aws.amazon.com/prometheus/latest/APIReference/API_CloudWatchLogDestination.html);
    // the provider's LogGroup.arn has no suffix.
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-amp-logs`, { name: `/aws/vendedlogs/prometheus/${name}`, retentionInDays: args.logRetentionDays }, { parent: this });
    const workspace = new aws.amp.Workspace(`${name}-amp`, {
      alias: name,
      loggingConfiguration: { logGroupArn: pulumi.interpolate`${logGroup.arn}:*` },
    }, { parent: this });

    for (const [namespace, data] of ruleFiles) {
      new aws.amp.RuleGroupNamespace(`${name}-rules-${namespace}`, { workspaceId: workspace.id, name: namespace, data }, { parent: this });
    }

    const alerts = alertTopic(`${name}-alerts`, workspace.arn, args.region, { parent: this });
    const heartbeat = alertTopic(`${name}-heartbeat`, workspace.arn, args.region, { parent: this });
    if (args.alertEmail !== undefined) {
      new aws.sns.TopicSubscription(`${name}-alerts-email`, { topic: alerts.arn, protocol: 'email', endpoint: args.alertEmail }, { parent: this });
    }
    new aws.amp.AlertManagerDefinition(`${name}-alertmanager`, {
      workspaceId: workspace.id,
      definition: pulumi.all([alerts.arn, heartbeat.arn]).apply(([alertsArn, heartbeatArn]) =>
        ampAlertmanagerDefinition(alertmanagerFile, { alerts: alertsArn, heartbeat: heartbeatArn }, args.region, args.alertmanagerFile)),
    }, { parent: this });

    const metric = ampErrorsMetric(name);
    new aws.cloudwatch.LogMetricFilter(`${name}-amp-errors`, {
      logGroupName: logGroup.name,
      pattern: AMP_ERROR_FILTER,
      metricTransformation: { namespace: metric.namespace, name: metric.name, value: '1' },
    }, { parent: this });
    new aws.cloudwatch.MetricAlarm(`${name}-amp-errors`, {
      alarmDescription: pulumi.interpolate`${name}: the AMP ruler or alert manager logged errors (a rule that fails to evaluate, alerts SNS did not take); read the log group ${logGroup.name}.`,
      namespace: metric.namespace,
      metricName: metric.name,
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [alerts.arn],
    }, { parent: this });

    this.workspaceId = workspace.id;
    this.workspaceArn = workspace.arn;
    this.prometheusEndpoint = workspace.prometheusEndpoint;
    this.alertTopicArn = alerts.arn;
    this.heartbeatTopicArn = heartbeat.arn;
    this.logGroupName = logGroup.name;
    this.registerOutputs({
      workspaceId: this.workspaceId,
      workspaceArn: this.workspaceArn,
      prometheusEndpoint: this.prometheusEndpoint,
      alertTopicArn: this.alertTopicArn,
      heartbeatTopicArn: this.heartbeatTopicArn,
      logGroupName: this.logGroupName,
    });
  }
}
