// The stack: read the configuration, compose the components, export what a user and CI need.
import * as path from 'node:path';
import * as aws from '@pulumi/aws';
import { loadConfig } from './config';
import { CloudFrontFront } from './components/cloudfront-front';
import { DomainFront } from './components/domain-front';
import { type Front } from './components/front';
import { ManagedGrafana } from './components/grafana';
import { LoadBalancer } from './components/load-balancer';
import { ManagedPrometheus } from './components/managed-prometheus';
import { Network } from './components/network';
import { FargateService } from './components/service';
import { METRICS_REGION, ServiceAlarms } from './components/service-alarms';
import { TaskDefinition } from './components/task-definition';

const config = loadConfig();
const name = config.namePrefix;
const observabilityDir = path.join(__dirname, '..', 'observability');
const permissionsBoundaryArn = config.iam.permissionsBoundaryArn;

// Every AWS resource goes through this provider, so every taggable one carries the stack's tags.
const provider = new aws.Provider(`${name}-aws`, { region: config.region, defaultTags: { tags: config.tags } });
const opts = { providers: { aws: provider } };
// Route 53 health-check and CloudFront metrics exist only in us-east-1: their alarms live there.
const metricsRegionProvider = new aws.Provider(`${name}-aws-${METRICS_REGION}`, { region: METRICS_REGION, defaultTags: { tags: config.tags } });

const network = new Network(name, config.network, opts);

// Internal (only CloudFront's VPC origin reaches it) unless a domain points at it directly.
const internal = config.front.mode === 'cloudfront';
const loadBalancer = new LoadBalancer(name, {
  ...config.loadBalancer,
  vpcId: network.vpcId,
  vpcCidr: config.network.vpcCidr,
  subnetIds: internal ? network.loadBalancerSubnetIds : network.publicSubnetIds,
  internal,
}, opts);
const lb = {
  arn: loadBalancer.arn,
  dnsName: loadBalancer.dnsName,
  zoneId: loadBalancer.zoneId,
  securityGroupId: loadBalancer.securityGroupId,
  targetGroupArn: loadBalancer.targetGroupArn,
};
const front: Front = config.front.mode === 'cloudfront'
  ? new CloudFrontFront(name, { vpcId: network.vpcId, priceClass: config.front.priceClass, loadBalancer: lb }, opts)
  : new DomainFront(name, { domainName: config.front.domainName, hostedZone: config.front.hostedZone, loadBalancer: lb }, opts);

const prometheus = new ManagedPrometheus(name, {
  region: config.region,
  // Only rules/: rules-local/ holds what makes sense next to the local Prometheus and Alertmanager.
  rulesDir: path.join(observabilityDir, 'prometheus', 'rules'),
  alertmanagerFile: path.join(observabilityDir, 'alertmanager', 'alertmanager.yml'),
  logRetentionDays: config.taskDefinition.logRetentionDays,
  ...config.managedPrometheus,
}, opts);

const taskDefinition = new TaskDefinition(name, {
  ...config.taskDefinition,
  region: config.region,
  ampWorkspaceArn: prometheus.workspaceArn,
  ampPrometheusEndpoint: prometheus.prometheusEndpoint,
  permissionsBoundaryArn,
}, opts);

const service = new FargateService(name, {
  ...config.service,
  vpcId: network.vpcId,
  subnetIds: network.taskSubnetIds,
  taskDefinitionArn: taskDefinition.arn,
  loadBalancerSecurityGroupId: loadBalancer.securityGroupId,
  targetGroupArn: loadBalancer.targetGroupArn,
  requestCountResourceLabel: loadBalancer.requestCountResourceLabel,
  loadBalancerReady: front.routing,
}, opts);

new ServiceAlarms(name, {
  region: config.region,
  url: front.url,
  distributionId: front.distributionId,
  loadBalancerArnSuffix: loadBalancer.arnSuffix,
  targetGroupArnSuffix: loadBalancer.targetGroupArnSuffix,
  alertTopicArn: prometheus.alertTopicArn,
  alertEmail: config.managedPrometheus.alertEmail,
  metricsRegionProvider,
}, opts);

const managedGrafana = config.grafana !== undefined
  ? new ManagedGrafana(name, {
    ...config.grafana,
    region: config.region,
    scrapeIntervalSeconds: config.taskDefinition.scrapeIntervalSeconds,
    permissionsBoundaryArn,
    ampWorkspaceArn: prometheus.workspaceArn,
    prometheusEndpoint: prometheus.prometheusEndpoint,
    dashboardsDir: path.join(observabilityDir, 'grafana', 'dashboards'),
  }, opts)
  : undefined;

/** The public HTTPS URL of the service (CI smoke-tests it). */
export const url = front.url;
export const clusterName = service.clusterName;
export const serviceName = service.serviceName;
/** The task definition revision this deploy made the service run (CI checks the rollout reached it). */
export const taskDefinitionArn = taskDefinition.arn;
export const albDnsName = loadBalancer.dnsName;
export const albAccessLogBucket = loadBalancer.accessLogBucket;
export const cloudfrontDistributionId = front.distributionId;
export const vpcId = network.vpcId;
export const logGroupName = taskDefinition.logGroupName;
export const ampWorkspaceId = prometheus.workspaceId;
/** Query endpoint of the AMP workspace; remote-write is <ampEndpoint>api/v1/remote_write. */
export const ampEndpoint = prometheus.prometheusEndpoint;
export const alertTopicArn = prometheus.alertTopicArn;
/** Watchdog's heartbeats, every few minutes: subscribe a dead man's switch (an HTTPS heartbeat URL). */
export const heartbeatTopicArn = prometheus.heartbeatTopicArn;
/** Undefined when Grafana is off. */
export const grafanaUrl = managedGrafana?.url;
export const grafanaWorkspaceId = managedGrafana?.workspaceId;
