// Where the network's subnets go, as pure functions: which availability zones (by zone ID) and which
// CIDR blocks. Tested without mocks; Network only creates what these return.
import { type Profile } from '../config';

/**
 * Zone IDs where CloudFront VPC origins are not offered, as AWS lists them: "us-east-1 (except AZ
 * use1-az3)", "us-west-1 (except AZ usw1-az2)", "ap-northeast-1 (except AZ apne1-az3)", "ca-central-1
 * (except AZ cac1-az3)"; every other supported Region has no exception. Source: CloudFront Developer
 * Guide, "Supported AWS Regions for VPC origins",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html#vpc-origins-supported-regions
 * Zone names map to IDs differently in every account, so the network picks zones by ID.
 */
export const VPC_ORIGIN_UNSUPPORTED_ZONE_IDS: readonly string[] = ['use1-az3', 'usw1-az2', 'apne1-az3', 'cac1-az3'];

/**
 * The first `count` zone IDs in ID order, without those VPC origins do not support: the same
 * physical zones in every account of a region. One line naming the key when the region has too few.
 */
export function chooseZoneIds(available: readonly string[], count: number): string[] {
  const usable = [...new Set(available)].filter((id) => !VPC_ORIGIN_UNSUPPORTED_ZONE_IDS.includes(id)).sort();
  if (usable.length < count) {
    throw new Error(`availabilityZones: ${count} requested, but this region has only ${usable.length} zones CloudFront VPC origins support (${usable.join(', ')}); set availabilityZones to ${usable.length} or less.`);
  }
  return usable.slice(0, count);
}

/** Every layout the configuration allows; each owns one quarter (a /18) of the VPC's /16. */
export const LAYOUTS: readonly string[] = ['default-2', 'default-3', 'small-2', 'small-3'];
const SLOT_SIZE = 1 << 14;
/** Per zone: a /20 (4091 usable addresses) for tasks and the load balancer... */
export const INNER_SUBNET_MASK = 20;
/** ... and a /24 for the NAT gateway (default) or the tasks (small). */
export const PUBLIC_SUBNET_MASK = 24;

export interface ZoneSubnets {
  /** The public subnet: NAT gateway (default profile) or tasks with public IPs (small). */
  public: string;
  /** The private (default) or isolated (small) subnet: the internal load balancer, and tasks in default. */
  inner: string;
}

const toInt = (address: string): number => address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const toAddress = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/**
 * The CIDR blocks of each zone for one layout (profile and zone count). Each layout lives in its own
 * /18 of the VPC, so switching `profile` or `availabilityZones` on an existing stack creates the new
 * subnets beside the old ones (EC2 refuses overlapping subnets) before Pulumi deletes the old ones.
 */
export function subnetPlan(vpcCidr: string, profile: Profile, zones: number): ZoneSubnets[] {
  const [address, mask] = vpcCidr.split('/');
  const slot = LAYOUTS.indexOf(`${profile}-${zones}`);
  if (mask !== '16' || address === undefined || slot < 0) throw new Error(`subnetPlan: no layout for ${vpcCidr}, ${profile}, ${zones} zones.`);
  const base = toInt(address) + slot * SLOT_SIZE;
  const inner = 1 << (32 - INNER_SUBNET_MASK);
  const publicSize = 1 << (32 - PUBLIC_SUBNET_MASK);
  // The inner /20s first (aligned), then the public /24s after the last possible /20.
  return Array.from({ length: zones }, (_, zone) => ({
    inner: `${toAddress(base + zone * inner)}/${INNER_SUBNET_MASK}`,
    public: `${toAddress(base + 3 * inner + zone * publicSize)}/${PUBLIC_SUBNET_MASK}`,
  }));
}
