// Amazon Managed Grafana: a workspace whose IAM role may query the AMP workspace, and - because AMG
// cannot be provisioned from files - the datasource and the dashboards of observability/grafana/
// pushed through the Grafana API with a workspace service-account token (@pulumiverse/grafana).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as grafana from '@pulumiverse/grafana';
import { type GrafanaAuthProvider, type GrafanaVersion } from '../config';
import { readFolder } from './files';

/** The local datasource's uid, so dashboards behave the same locally and in AMG. */
export const DATASOURCE_UID = 'prometheus';

/** The AMG maximum; see tokenRotationName for how a deploy never holds an expired token. */
const TOKEN_SECONDS_TO_LIVE = 30 * 24 * 60 * 60;

/**
 * The service-account token's name carries the current week, so the first deploy of each week
 * mints a fresh 30-day token (create before delete) and the Grafana provider never holds an expired one.
 */
export function tokenRotationName(now: Date): string {
  const weeks = Math.floor(now.getTime() / (7 * 24 * 60 * 60 * 1000));
  return `pulumi-week-${weeks}`;
}

export interface ManagedGrafanaArgs {
  region: string;
  authenticationProviders: readonly GrafanaAuthProvider[];
  grafanaVersion: GrafanaVersion;
  ampWorkspaceArn: pulumi.Input<string>;
  /** The AMP workspace's query endpoint (prometheusEndpoint). */
  prometheusEndpoint: pulumi.Input<string>;
  /** Folder whose *.json files are dashboards, pushed unchanged. */
  dashboardsDir: string;
}

export class ManagedGrafana extends pulumi.ComponentResource {
  public readonly workspaceId: pulumi.Output<string>;
  public readonly url: pulumi.Output<string>;
  public readonly workspaceRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ManagedGrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:ManagedGrafana', name, {}, opts);
    if (args.authenticationProviders.length === 0) throw new Error('ManagedGrafana: at least one authentication provider is required.');
    const dashboards = readFolder(args.dashboardsDir, ['.json'], 'Grafana dashboards');
    const account = aws.getCallerIdentityOutput({}, { parent: this });

    const role = new aws.iam.Role(`${name}-grafana`, {
      assumeRolePolicy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Service: 'grafana.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': account.accountId } },
        }],
      }),
    }, { parent: this });
    new aws.iam.RolePolicy(`${name}-grafana-query`, {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'QueryOwnWorkspace',
          Effect: 'Allow',
          Action: ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata', 'aps:DescribeWorkspace'],
          Resource: args.ampWorkspaceArn,
        }],
      }),
    }, { parent: this });

    const workspace = new aws.grafana.Workspace(`${name}-grafana`, {
      accountAccessType: 'CURRENT_ACCOUNT',
      authenticationProviders: [...args.authenticationProviders],
      permissionType: 'SERVICE_MANAGED',
      dataSources: ['PROMETHEUS'],
      roleArn: role.arn,
      grafanaVersion: args.grafanaVersion,
      description: `Dashboards of ${name}`,
    }, { parent: this });

    const serviceAccount = new aws.grafana.WorkspaceServiceAccount(`${name}-pulumi`, {
      workspaceId: workspace.id,
      name: 'pulumi',
      grafanaRole: 'ADMIN',
    }, { parent: this });
    const token = new aws.grafana.WorkspaceServiceAccountToken(`${name}-pulumi`, {
      workspaceId: workspace.id,
      serviceAccountId: serviceAccount.serviceAccountId,
      name: tokenRotationName(new Date()),
      secondsToLive: TOKEN_SECONDS_TO_LIVE,
    }, { parent: this });

    const url = pulumi.interpolate`https://${workspace.endpoint}`;
    const provider = new grafana.Provider(`${name}-grafana`, { url, auth: token.key }, { parent: this });
    // Grafana-side objects die with the workspace; retaining them on delete means `pulumi destroy`
    // never needs a live token.
    const inWorkspace: pulumi.CustomResourceOptions = { parent: this, provider, retainOnDelete: true };

    const datasource = new grafana.oss.DataSource(`${name}-amp`, {
      type: 'prometheus',
      name: 'Prometheus',
      uid: DATASOURCE_UID,
      isDefault: true,
      url: pulumi.output(args.prometheusEndpoint).apply((endpoint) => endpoint.replace(/\/+$/, '')),
      jsonDataEncoded: JSON.stringify({
        httpMethod: 'POST',
        sigV4Auth: true,
        // "Workspace IAM role" in the AMG console: the role above, no keys.
        sigV4AuthType: 'ec2_iam_role',
        sigV4Region: args.region,
      }),
    }, inWorkspace);

    for (const [dashboardName, configJson] of dashboards) {
      new grafana.oss.Dashboard(`${name}-dashboard-${dashboardName}`, { configJson, overwrite: true }, { ...inWorkspace, dependsOn: [datasource] });
    }

    this.workspaceId = workspace.id;
    this.url = url;
    this.workspaceRoleArn = role.arn;
    this.registerOutputs({ workspaceId: this.workspaceId, url: this.url, workspaceRoleArn: this.workspaceRoleArn });
  }
}
