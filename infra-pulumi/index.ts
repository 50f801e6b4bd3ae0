// The stack: read the configuration, compose the components, export what a user needs.
import * as path from 'node:path';
import * as aws from '@pulumi/aws';
import { loadConfig } from './config';
import { Edge } from './components/edge';
import { ManagedGrafana } from './components/grafana';
import { Metrics } from './components/metrics';
import { Network } from './components/network';
import { Service } from './components/service';
import { APP_PORT } from './components/timeouts';

const config = loadConfig();
const name = config.namePrefix;
const observabilityDir = path.join(__dirname, '..', 'observability');

// Every AWS resource goes through this provider, so every taggable one carries the stack's tags.
const provider = new aws.Provider(`${name}-aws`, { region: config.region, defaultTags: { tags: config.tags } });
const opts = { providers: { aws: provider } };

const network = new Network(name, { ...config.network, tags: config.tags }, opts);

const edge = new Edge(name, {
  vpcId: network.vpcId,
  publicSubnetIds: network.publicSubnetIds,
  https: config.https,
}, opts);

const metrics = new Metrics(name, {
  region: config.region,
  rulesDir: path.join(observabilityDir, 'prometheus', 'rules'),
  appPort: APP_PORT,
  scrapeIntervalSeconds: config.metrics.scrapeIntervalSeconds,
  alertEmail: config.metrics.alertEmail,
}, opts);

const service = new Service(name, {
  ...config.service,
  vpcId: network.vpcId,
  privateSubnetIds: network.privateSubnetIds,
  region: config.region,
  albSecurityGroupId: edge.albSecurityGroupId,
  targetGroupArn: edge.targetGroupArn,
  requestCountResourceLabel: edge.requestCountResourceLabel,
  loadBalancerReady: edge.routing,
  ampWorkspaceArn: metrics.workspaceArn,
  collectorConfigParameterArn: metrics.collectorConfigParameterArn,
}, opts);

const managedGrafana = config.grafana.enabled
  ? new ManagedGrafana(name, {
    region: config.region,
    authenticationProviders: config.grafana.authenticationProviders,
    grafanaVersion: config.grafana.version,
    ampWorkspaceArn: metrics.workspaceArn,
    prometheusEndpoint: metrics.prometheusEndpoint,
    dashboardsDir: path.join(observabilityDir, 'grafana', 'dashboards'),
  }, opts)
  : undefined;

/** The public HTTPS URL of the service. */
export const url = edge.url;
export const albDnsName = edge.albDnsName;
export const cloudfrontDistributionId = edge.cloudfrontDistributionId;
export const vpcId = network.vpcId;
export const clusterName = service.clusterName;
export const serviceName = service.serviceName;
export const logGroupName = service.logGroupName;
export const ampWorkspaceId = metrics.workspaceId;
/** Query endpoint of the AMP workspace; remote-write is <ampEndpoint>api/v1/remote_write. */
export const ampEndpoint = metrics.prometheusEndpoint;
export const alertTopicArn = metrics.alertTopicArn;
/** Undefined when `grafana: false`. */
export const grafanaUrl = managedGrafana?.url;
export const grafanaWorkspaceId = managedGrafana?.workspaceId;
