// Pulumi mocks that stand in for AWS: every resource gets an id, an ARN and the computed outputs
// the program reads; every invoke the program makes gets a plausible answer. What the program asked
// for is recorded, so tests can assert on the inputs of every resource.
import type * as pulumi from '@pulumi/pulumi';

export const MOCK_ACCOUNT = '123456789012';
export const MOCK_REGION = 'eu-west-1';
export const MOCK_AMP_WORKSPACE_ID = 'ws-00000000-1111-2222-3333-444444444444';
export const MOCK_AMP_ARN = `arn:aws:aps:${MOCK_REGION}:${MOCK_ACCOUNT}:workspace/${MOCK_AMP_WORKSPACE_ID}`;
export const MOCK_AMP_ENDPOINT = `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/${MOCK_AMP_WORKSPACE_ID}/`;
export const MOCK_CLOUDFRONT_PREFIX_LIST_ID = 'pl-4fa04526';
export const MOCK_CLOUDFRONT_DOMAIN = 'd111111abcdef8.cloudfront.net';
export const MOCK_GRAFANA_ENDPOINT = `g-abcdef0123.grafana-workspace.${MOCK_REGION}.amazonaws.com`;
/** The group CloudFront creates in the VPC with the first VPC origin there. */
export const MOCK_VPC_ORIGIN_SG_ID = 'sg-0c10d0f0a0b0c0d0e';
export const MOCK_ELB_ACCOUNT_ARN = 'arn:aws:iam::156460612806:root';
export const MOCK_ZONE_ID = 'Z0123456789ABCDEFGHIJ';
export const MOCK_VPC_ID = 'vpc-0123456789abcdef0';
export const MOCK_KMS_KEY_ID = '1111-2222';

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** "<provider urn>::<provider id>" for custom resources, when not the default provider. */
  provider: string | undefined;
  custom: boolean;
}

/** The outputs AWS would compute for a resource, beyond echoing its inputs. */
function computedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const service = type.split(':')[1]?.split('/')[0] ?? 'unknown';
  const state: Record<string, unknown> = {
    arn: `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT}:${name}`,
    name: inputs.name ?? `${name}-1234567`,
  };
  switch (type) {
    case 'aws:lb/loadBalancer:LoadBalancer':
      return { ...state, dnsName: `${name}-123456.${MOCK_REGION}.elb.amazonaws.com`, zoneId: 'Z32O12XQLNTSW2', arnSuffix: `app/${name}/50dc6c495c0c9188` };
    case 'aws:lb/targetGroup:TargetGroup':
      return { ...state, arnSuffix: `targetgroup/${name}/73e2d6bc24d8a067` };
    case 'aws:cloudfront/distribution:Distribution':
      return { ...state, domainName: MOCK_CLOUDFRONT_DOMAIN, hostedZoneId: 'Z2FDTNDATAQYW2' };
    case 'aws:amp/workspace:Workspace':
      return { ...state, arn: MOCK_AMP_ARN, prometheusEndpoint: MOCK_AMP_ENDPOINT };
    case 'aws:grafana/workspace:Workspace':
      return { ...state, endpoint: MOCK_GRAFANA_ENDPOINT };
    case 'aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount':
      return { ...state, serviceAccountId: '7' };
    case 'aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken':
      return { ...state, key: 'glsa_mock_token', serviceAccountTokenId: '8' };
    case 'aws:cloudfront/vpcOrigin:VpcOrigin':
      return { ...state, etag: 'ETAG1' };
    case 'aws:acm/certificate:Certificate':
      return {
        ...state,
        domainValidationOptions: [{
          domainName: inputs.domainName,
          resourceRecordName: `_0123456789abcdef.${String(inputs.domainName)}.`,
          resourceRecordType: 'CNAME',
          resourceRecordValue: '_fedcba9876543210.acm-validations.aws.',
        }],
      };
    case 'aws:route53/record:Record':
      return { ...state, fqdn: String(inputs.name).replace(/\.$/, '') };
    // IAM names no region; a policy's ARN holds its path (the bootstrap's CI policies and boundary).
    case 'aws:iam/policy:Policy':
      return { ...state, arn: `arn:aws:iam::${MOCK_ACCOUNT}:policy${String(inputs.path ?? '/')}${name}` };
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return { ...state, arn: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, '')}` };
    case 'aws:kms/key:Key':
      return { ...state, arn: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/${MOCK_KMS_KEY_ID}`, keyId: MOCK_KMS_KEY_ID };
    case 'aws:ecs/taskDefinition:TaskDefinition':
      return { ...state, arn: `arn:aws:ecs:${MOCK_REGION}:${MOCK_ACCOUNT}:task-definition/${String(inputs.family)}:1` };
    default:
      return state;
  }
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
}

/** Outputs a test wants for some types instead of computedState's (e.g. IAM ARNs with their path). */
export type StateOverride = (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown> | undefined;

export function createMocks(recorded: RecordedResource[], calls: RecordedCall[], override?: StateOverride): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
      recorded.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, custom: args.custom ?? false });
      const id = args.type === 'aws:amp/workspace:Workspace' ? MOCK_AMP_WORKSPACE_ID : `${args.name}-id`;
      const computed = override?.(args.type, args.name, args.inputs) ?? computedState(args.type, args.name, args.inputs);
      return { id, state: { ...args.inputs, ...computed } };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      calls.push({ token: args.token, inputs: args.inputs });
      switch (args.token) {
        case 'aws:index/getAvailabilityZones:getAvailabilityZones':
          return { names: ['a', 'b', 'c'].map((z) => `${MOCK_REGION}${z}`), zoneIds: ['euw1-az1', 'euw1-az2', 'euw1-az3'] };
        case 'aws:index/getCallerIdentity:getCallerIdentity':
          return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/test`, userId: 'AIDMOCK' };
        case 'aws:index/getPartition:getPartition':
          return { partition: 'aws', dnsSuffix: 'amazonaws.com' };
        case 'aws:index/getRegion:getRegion':
          return { name: MOCK_REGION, region: MOCK_REGION };
        case 'aws:ec2/getManagedPrefixList:getManagedPrefixList':
          return { id: MOCK_CLOUDFRONT_PREFIX_LIST_ID, name: args.inputs.name, addressFamily: 'IPv4' };
        case 'aws:ec2/getSecurityGroup:getSecurityGroup':
          return { id: MOCK_VPC_ORIGIN_SG_ID, name: 'CloudFront-VPCOrigins-Service-SG', vpcId: MOCK_VPC_ID, filters: args.inputs.filters };
        case 'aws:elb/getServiceAccount:getServiceAccount':
          return { id: '156460612806', arn: MOCK_ELB_ACCOUNT_ARN };
        case 'aws:route53/getZone:getZone':
          return { zoneId: MOCK_ZONE_ID, name: args.inputs.name, id: MOCK_ZONE_ID };
        case 'aws:cloudfront/getCachePolicy:getCachePolicy':
          return { id: `cache-policy-${String(args.inputs.name)}`, name: args.inputs.name };
        case 'aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy':
          return { id: `origin-request-policy-${String(args.inputs.name)}`, name: args.inputs.name };
        default:
          throw new Error(`mocks: no answer for invoke ${args.token}`);
      }
    },
  };
}
