// Amazon Managed Grafana: a workspace whose IAM role may query the AMP workspace, and - because AMG
// cannot be provisioned from files - the datasource and the dashboards of observability/grafana/
// pushed through the Grafana API with a workspace service-account token (@pulumiverse/grafana).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as grafana from '@pulumiverse/grafana';
import { type GrafanaAuthProvider, type GrafanaRoleAssociation, type GrafanaVersion } from '../config';
import { readFolder } from './files';
import { stackRole } from './iam';

/** The local datasource's uid, so dashboards behave the same locally and in AMG. */
export const DATASOURCE_UID = 'prometheus';

/** The core data source plugin, and the AMP plugin AMG 12 needs instead (core Prometheus there has no SigV4). */
export const CORE_PROMETHEUS_TYPE = 'prometheus';
export const AMAZON_PROMETHEUS_TYPE = 'grafana-amazonprometheus-datasource';

/**
 * The data source plugin that can sign AMP queries with SigV4 in a workspace of this version. AWS's
 * AMG guide: from Grafana 12 SigV4 is gone from the core Prometheus plugin, and AMP data sources are
 * the Amazon Managed Service for Prometheus plugin (same sigV4* settings); 9.4 and 10.4 keep core.
 */
export function prometheusDatasourceType(version: GrafanaVersion): string {
  return Number(version.split('.')[0]) >= 12 ? AMAZON_PROMETHEUS_TYPE : CORE_PROMETHEUS_TYPE;
}

interface DashboardNode { [key: string]: unknown }

/**
 * The dashboard with its data-source references moved to `type`: the data-source variable's plugin
 * filter and every `{ type: "prometheus", uid }` reference. Everything else is left as generated.
 */
export function dashboardForDatasourceType(configJson: string, type: string): string {
  if (type === CORE_PROMETHEUS_TYPE) return configJson;
  const retype = (node: unknown, parentKey: string | undefined): unknown => {
    if (Array.isArray(node)) return node.map((item) => retype(item, parentKey));
    if (node === null || typeof node !== 'object') return node;
    const copy: DashboardNode = {};
    for (const [key, value] of Object.entries(node as DashboardNode)) copy[key] = retype(value, key);
    if (parentKey === 'datasource' && copy.type === CORE_PROMETHEUS_TYPE) copy.type = type;
    if (copy.type === 'datasource' && copy.query === CORE_PROMETHEUS_TYPE) copy.query = type;
    return copy;
  };
  return JSON.stringify(retype(JSON.parse(configJson), undefined), null, 2);
}

/**
 * How long the program's service-account token lives. Tokens rotate weekly (tokenRotationName), so 14
 * days covers the rest of any week a token is minted in while leaving a copy of the state readable
 * for at most two weeks (AMG allows up to 30 days: "You can set the time up to 30 days in the future",
 * https://docs.aws.amazon.com/grafana/latest/APIReference/API_CreateWorkspaceServiceAccountToken.html).
 */
export const TOKEN_SECONDS_TO_LIVE = 14 * 24 * 60 * 60;

/**
 * The service-account token's name carries the current week, so the first deploy of each week
 * mints a fresh token (create before delete): whatever time passed since the last deploy, `pulumi up`
 * never hands the Grafana provider an expired token.
 */
export function tokenRotationName(now: Date): string {
  const weeks = Math.floor(now.getTime() / (7 * 24 * 60 * 60 * 1000));
  return `pulumi-week-${weeks}`;
}

/**
 * The role of the program's token. Grafana's Editor role cannot add, edit or delete data sources; of
 * the basic roles only Admin can (Grafana, "Roles and permissions", the comparison of basic roles:
 * https://grafana.com/docs/grafana/latest/administration/roles-and-permissions/#organization-roles).
 * The program provisions a data source, so Admin is the narrowest role that does the job. AMG
 * service accounts take VIEWER, EDITOR or ADMIN
 * (https://docs.aws.amazon.com/grafana/latest/APIReference/API_CreateWorkspaceServiceAccount.html).
 */
export const PROVISIONING_ROLE = 'ADMIN';
export interface ManagedGrafanaArgs {
  region: string;
  authenticationProviders: readonly GrafanaAuthProvider[];
  grafanaVersion: GrafanaVersion;
  /** IAM Identity Center groups and users per workspace role: sign-in needs no console step. */
  roleAssociations: readonly GrafanaRoleAssociation[];
  /** The collector's scrape interval: the data source's minimum step ($__interval never finer). */
  scrapeIntervalSeconds: number;
  permissionsBoundaryArn: string | undefined;
  ampWorkspaceArn: pulumi.Input<string>;
  /** The AMP workspace's query endpoint (prometheusEndpoint). */
  prometheusEndpoint: pulumi.Input<string>;
  /** Folder whose *.json files are dashboards, pushed with only their data-source type adapted. */
  dashboardsDir: string;
}

/** The workspace's IAM role: assumed by AMG in this account, may query this stack's AMP workspace only. */
function workspaceRole(name: string, args: ManagedGrafanaArgs, opts: pulumi.CustomResourceOptions): aws.iam.Role {
  const account = aws.getCallerIdentityOutput({}, opts);
  const role = stackRole(`${name}-grafana`, {
    service: 'grafana.amazonaws.com',
    condition: { StringEquals: { 'aws:SourceAccount': account.accountId } },
    description: `Grafana workspace of ${name}: query its AMP workspace`,
    permissionsBoundaryArn: args.permissionsBoundaryArn,
  }, opts);
  new aws.iam.RolePolicy(`${name}-grafana-query`, {
    role: role.id,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'QueryOwnWorkspace',
        Effect: 'Allow',
        // ListRules and ListAlerts: Grafana's alerting pages read the AMP rules and alerts.
        Action: ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata', 'aps:DescribeWorkspace', 'aps:ListRules', 'aps:ListAlerts'],
        Resource: args.ampWorkspaceArn,
      }],
    }),
  }, opts);
  return role;
}

/**
 * Options that tie a Grafana-side object to its workspace. A replaced workspace (a new auth provider,
 * say) starts empty, so the object is replaced with it (replaceWith) rather than left recorded in
 * state but absent; when the workspace is deleted, the object goes with it and Pulumi calls no Grafana
 * API (deletedWith), so `pulumi destroy` never needs a live token. Deleted on its own otherwise: a
 * dashboard removed from git is removed from Grafana.
 */
export function tiedTo(workspace: pulumi.Resource): Pick<pulumi.CustomResourceOptions, 'deletedWith' | 'replaceWith'> {
  return { deletedWith: workspace, replaceWith: [workspace] };
}

/** The AMP data source and the dashboards of observability/grafana/dashboards/, through the workspace's Grafana API. */
function provision(name: string, args: ManagedGrafanaArgs, dashboards: [string, string][], opts: pulumi.CustomResourceOptions): void {
  const datasourceType = prometheusDatasourceType(args.grafanaVersion);
  const datasource = new grafana.oss.DataSource(`${name}-amp`, {
    type: datasourceType,
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
      timeInterval: `${args.scrapeIntervalSeconds}s`,
    }),
  }, opts);
  for (const [dashboardName, configJson] of dashboards) {
    new grafana.oss.Dashboard(`${name}-dashboard-${dashboardName}`, { configJson: dashboardForDatasourceType(configJson, datasourceType), overwrite: true }, { ...opts, dependsOn: [datasource] });
  }
}

export class ManagedGrafana extends pulumi.ComponentResource {
  public readonly workspaceId: pulumi.Output<string>;
  public readonly url: pulumi.Output<string>;
  public readonly workspaceRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ManagedGrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('observable-service:index:ManagedGrafana', name, {}, opts);
    const dashboards = readFolder(args.dashboardsDir, ['.json'], 'Grafana dashboards');

    const role = workspaceRole(name, args, { parent: this });
    const workspace = new aws.grafana.Workspace(`${name}-grafana`, {
      accountAccessType: 'CURRENT_ACCOUNT',
      authenticationProviders: [...args.authenticationProviders],
      // The program makes and scopes the workspace role itself. AWS's CreateWorkspace reference: the
      // API, CLI and CloudFormation take CUSTOMER_MANAGED only; SERVICE_MANAGED (AMG creating and
      // updating roles and policies) is a console feature.
      permissionType: 'CUSTOMER_MANAGED',
      dataSources: ['PROMETHEUS'],
      roleArn: role.arn,
      grafanaVersion: args.grafanaVersion,
      description: `Dashboards of ${name}`,
    }, { parent: this });

    for (const association of args.roleAssociations) {
      // aws.grafana.RoleAssociation calls grafana:UpdatePermissions (create, delete) and
      // grafana:ListPermissions (read); AMG assigns the users in IAM Identity Center on the caller's behalf.
      new aws.grafana.RoleAssociation(`${name}-grafana-${association.role.toLowerCase()}`, {
        workspaceId: workspace.id,
        role: association.role,
        // Left out rather than empty: an association names groups, users or both.
        groupIds: association.groupIds.length > 0 ? [...association.groupIds] : undefined,
        userIds: association.userIds.length > 0 ? [...association.userIds] : undefined,
      }, { parent: this });
    }

    const serviceAccount = new aws.grafana.WorkspaceServiceAccount(`${name}-pulumi`, {
      workspaceId: workspace.id,
      name: 'pulumi',
      grafanaRole: PROVISIONING_ROLE,
    }, { parent: this });
    const token = new aws.grafana.WorkspaceServiceAccountToken(`${name}-pulumi`, {
      workspaceId: workspace.id,
      serviceAccountId: serviceAccount.serviceAccountId,
      name: tokenRotationName(new Date()),
      secondsToLive: TOKEN_SECONDS_TO_LIVE,
    }, { parent: this });

    const url = pulumi.interpolate`https://${workspace.endpoint}`;
    const provider = new grafana.Provider(`${name}-grafana`, { url, auth: token.key }, { parent: this });
    provision(name, args, dashboards, { parent: this, provider, ...tiedTo(workspace) });

    this.workspaceId = workspace.id;
    this.url = url;
    this.workspaceRoleArn = role.arn;
    this.registerOutputs({ workspaceId: this.workspaceId, url: this.url, workspaceRoleArn: this.workspaceRoleArn });
  }
}
