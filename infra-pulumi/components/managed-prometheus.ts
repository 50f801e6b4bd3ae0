// Metrics and alerts in the cloud: an Amazon Managed Service for Prometheus (AMP) workspace, the
// alert rules of observability/prometheus/rules/ (one rule group namespace per file, read from the
// files so the rules promtool tests are the rules that ship), an Alertmanager definition routing
// every alert to an SNS topic. The collector config that writes to it is part of the task definition.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { stringify } from 'yaml';
import { readFolder } from './files';

export interface ManagedPrometheusArgs {
  region: string;
  /** Folder whose *.yml / *.yaml files are Prometheus rule files (rules-local/ is not shipped). */
  rulesDir: string;
  /** Subscribed to the alert topic when set (AWS mails a confirmation link first). */
  alertEmail: string | undefined;
}

export class ManagedPrometheus extends pulumi.ComponentResource {
  public readonly workspaceId: pulumi.Output<string>;
  public readonly workspaceArn: pulumi.Output<string>;
  /** Query endpoint (Grafana's datasource URL); remote-write is <this>api/v1/remote_write. */
  public readonly prometheusEndpoint: pulumi.Output<string>;
  public readonly alertTopicArn: pulumi.Output<string>;

  constructor(name: string, args: ManagedPrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:ManagedPrometheus', name, {}, opts);
    // One namespace per rule file, named after it.
    const ruleFiles = readFolder(args.rulesDir, ['.yml', '.yaml'], 'Prometheus rule files');

    const workspace = new aws.amp.Workspace(`${name}-amp`, { alias: name }, { parent: this });

    for (const [namespace, data] of ruleFiles) {
      new aws.amp.RuleGroupNamespace(`${name}-rules-${namespace}`, { workspaceId: workspace.id, name: namespace, data }, { parent: this });
    }

    const topic = new aws.sns.Topic(`${name}-alerts`, { displayName: `${name} alerts` }, { parent: this });
    const account = aws.getCallerIdentityOutput({}, { parent: this });
    new aws.sns.TopicPolicy(`${name}-alerts`, {
      arn: topic.arn,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'AmpAlertmanagerPublishes',
          Effect: 'Allow',
          Principal: { Service: 'aps.amazonaws.com' },
          Action: ['sns:Publish', 'sns:GetTopicAttributes'],
          Resource: topic.arn,
          Condition: {
            ArnEquals: { 'aws:SourceArn': workspace.arn },
            StringEquals: { 'aws:SourceAccount': account.accountId },
          },
        }],
      }),
    }, { parent: this });
    if (args.alertEmail !== undefined) {
      new aws.sns.TopicSubscription(`${name}-alerts-email`, { topic: topic.arn, protocol: 'email', endpoint: args.alertEmail }, { parent: this });
    }

    new aws.amp.AlertManagerDefinition(`${name}-alertmanager`, {
      workspaceId: workspace.id,
      definition: topic.arn.apply((topicArn) => stringify({
        alertmanager_config: stringify({
          route: { receiver: 'sns', group_by: ['alertname', 'severity'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' },
          receivers: [{ name: 'sns', sns_configs: [{ topic_arn: topicArn, sigv4: { region: args.region }, attributes: { severity: '{{ .CommonLabels.severity }}' } }] }],
        }),
      })),
    }, { parent: this });

    this.workspaceId = workspace.id;
    this.workspaceArn = workspace.arn;
    this.prometheusEndpoint = workspace.prometheusEndpoint;
    this.alertTopicArn = topic.arn;
    this.registerOutputs({
      workspaceId: this.workspaceId,
      workspaceArn: this.workspaceArn,
      prometheusEndpoint: this.prometheusEndpoint,
      alertTopicArn: this.alertTopicArn,
    });
  }
}
