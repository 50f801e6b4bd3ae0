// The regions where the managed services this stack needs exist. A region missing here fails at
// `pulumi preview` with a message, instead of halfway through `pulumi up`.

/**
 * Amazon Managed Grafana, from the AWS General Reference page "Amazon Managed Grafana endpoints and
 * quotas" (docs.aws.amazon.com/general/latest/gr/grafana-service.html), read 2026-12-02.
 */
export const MANAGED_GRAFANA_REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1', 'ap-southeast-2',
  'eu-central-1', 'eu-west-1', 'eu-west-2',
];

/**
 * Amazon Managed Service for Prometheus, from the AWS General Reference page "Amazon Managed
 * Service for Prometheus endpoints and quotas" (docs.aws.amazon.com/general/latest/gr/prometheus-service.html).
 * AWS adds regions over time: add one here once that page lists it.
 */
export const MANAGED_PROMETHEUS_REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1', 'ap-southeast-2',
  'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1',
];
