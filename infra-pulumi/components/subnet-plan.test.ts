// Subnet placement without mocks: zones by ID, and CIDR blocks that never overlap across layouts.
import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { chooseZoneIds, LAYOUTS, subnetPlan, VPC_ORIGIN_UNSUPPORTED_ZONE_IDS } from './subnet-plan';
import { type Profile } from '../config';

const range = (cidr: string): [number, number] => {
  const [address, mask] = cidr.split('/') as [string, string];
  const start = address.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  return [start, start + 2 ** (32 - Number(mask)) - 1];
};
const overlap = (a: string, b: string): boolean => {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
};
const layouts = LAYOUTS.map((layout) => layout.split('-') as [Profile, string]).map(([profile, zones]) => ({ profile, zones: Number(zones) }));
const blocksOf = (vpc: string, l: { profile: Profile; zones: number }) => subnetPlan(vpc, l.profile, l.zones).flatMap((z) => [z.public, z.inner]);

const zones = suite('chooseZoneIds');
// CloudFront Developer Guide, "Supported AWS Regions for VPC origins": the zone IDs without VPC origins,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html#vpc-origins-supported-regions
zones('leaves out the zone IDs VPC origins do not support and picks by ID, not by name order', () => {
  assert.deepEqual(chooseZoneIds(['use1-az6', 'use1-az3', 'use1-az1', 'use1-az2', 'use1-az4', 'use1-az5'], 3), ['use1-az1', 'use1-az2', 'use1-az4']);
  assert.deepEqual(chooseZoneIds(['euw1-az3', 'euw1-az1', 'euw1-az2'], 2), ['euw1-az1', 'euw1-az2']);
  for (const id of VPC_ORIGIN_UNSUPPORTED_ZONE_IDS) assert.ok(!chooseZoneIds([id, 'zz-az8', 'zz-az9'], 2).includes(id), id);
  assert.deepEqual([...VPC_ORIGIN_UNSUPPORTED_ZONE_IDS].sort(), ['apne1-az3', 'cac1-az3', 'use1-az3', 'usw1-az2']);
});
zones('a zone AWS lists no exception for stays usable (Seoul has none)', () => {
  assert.deepEqual(chooseZoneIds(['apne2-az4', 'apne2-az3', 'apne2-az2', 'apne2-az1'], 3), ['apne2-az1', 'apne2-az2', 'apne2-az3']);
  assert.throws(() => chooseZoneIds(['apne2-az1', 'apne2-az4'], 3), /only 2 /);
  assert.deepEqual(chooseZoneIds(['apne2-az2', 'apne2-az4'], 2), ['apne2-az2', 'apne2-az4']);
});
zones('too few usable zones names availabilityZones and says how many there are', () => {
  assert.throws(() => chooseZoneIds(['usw1-az1', 'usw1-az2', 'usw1-az3'], 3), /availabilityZones: 3 requested, .*only 2 .*set availabilityZones to 2/);
});
zones.run();

const plan = suite('subnetPlan');
plan('every layout fits in the VPC, one public /24 and one /20 per zone, none overlapping', () => {
  for (const layout of layouts) {
    const blocks = blocksOf('10.0.0.0/16', layout);
    assert.equal(blocks.length, 2 * layout.zones);
    for (const block of blocks) assert.ok(range(block)[0] >= range('10.0.0.0/16')[0] && range(block)[1] <= range('10.0.0.0/16')[1], block);
    for (const [i, a] of blocks.entries()) for (const b of blocks.slice(i + 1)) assert.ok(!overlap(a, b), `${a} ${b}`);
    assert.deepEqual(subnetPlan('10.0.0.0/16', layout.profile, layout.zones).map((z) => [z.public.split('/')[1], z.inner.split('/')[1]]), Array(layout.zones).fill(['24', '20']));
  }
});
plan('switching profile or zone count places every new subnet beside the old ones (EC2 refuses overlaps)', () => {
  for (const [i, a] of layouts.entries()) {
    for (const b of layouts.slice(i + 1)) {
      for (const x of blocksOf('172.16.0.0/16', a)) for (const y of blocksOf('172.16.0.0/16', b)) assert.ok(!overlap(x, y), `${a.profile}-${a.zones} ${x} / ${b.profile}-${b.zones} ${y}`);
    }
  }
});
plan('blocks are aligned to their size and follow the VPC range', () => {
  assert.deepEqual(subnetPlan('192.168.0.0/16', 'default', 2), [{ inner: '192.168.0.0/20', public: '192.168.48.0/24' }, { inner: '192.168.16.0/20', public: '192.168.49.0/24' }]);
  assert.deepEqual(subnetPlan('10.1.0.0/16', 'small', 3)[2], { inner: '10.1.224.0/20', public: '10.1.242.0/24' });
  for (const layout of layouts) for (const block of blocksOf('10.0.0.0/16', layout)) assert.equal(range(block)[0] % 2 ** (32 - Number(block.split('/')[1])), 0, block);
});
plan.run();
