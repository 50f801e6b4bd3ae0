// scripts/ci-seed-images.sh with a fake offline-docker: what its `seed` and `status` print and how
// `seed` exits are the cases .ci/run meets (the real tool's seed exits 1 after building a prom/*
// stand-in last, on a machine that had none).
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Run, SCRIPTS_DIR, run, scratch } from './lib/harness';

const IMAGES = ['gcr.io/distroless/nodejs24-debian12:nonroot', 'grafana/grafana:12.1.1', 'prom/prometheus:v3.5.0'];

/** Runs the script against a fake offline-docker whose seed prints `seed` and exits `seedExit`; `present` are the images status finds. */
async function seedWith(seed: string, seedExit: number, present: readonly string[]): Promise<Run & { calls: string[] }> {
  const box = scratch();
  try {
    const status = IMAGES.map((ref) => `${present.includes(ref) ? 'present' : 'missing'}  ${ref}`).join('\n');
    box.fake(
      'offline-docker',
      `case "$1" in
  seed) cat <<'OUT'
${seed}
OUT
  exit ${seedExit} ;;
  status) cat <<'OUT'
${status}
OUT
  ;;
esac`,
    );
    const result = await run(path.join(SCRIPTS_DIR, 'ci-seed-images.sh'), [path.join(box.bin, 'offline-docker'), 'some-dir'], { PATH: process.env.PATH ?? '' });
    return { ...result, calls: box.calls() };
  } finally {
    box.remove();
  }
}

const SEEDED = [
  'present  gcr.io/distroless/nodejs24-debian12:nonroot',
  'missing  grafana/grafana:12.1.1  (no stand-in here: leave this service out of what runs on this machine)',
  "built    prom/prometheus:v3.5.0  (Debian's Prometheus 2.42)",
].join('\n');

const Seed = suite('scripts/ci-seed-images.sh');

Seed('a seed that built every stand-in but exits 1 passes: only an image without a stand-in is missing', async () => {
  const seeded = await seedWith(SEEDED, 1, ['gcr.io/distroless/nodejs24-debian12:nonroot', 'prom/prometheus:v3.5.0']);
  assert.is(seeded.code, 0, seeded.output);
  assert.match(seeded.output, /built {4}prom\/prometheus:v3\.5\.0/);
  assert.equal(seeded.calls, ['offline-docker seed some-dir', 'offline-docker status some-dir']);
});

Seed('an image with a stand-in still missing fails and is named, whatever seed exited with', async () => {
  for (const exit of [0, 1]) {
    const seeded = await seedWith(SEEDED, exit, ['gcr.io/distroless/nodejs24-debian12:nonroot']);
    assert.is(seeded.code, 1, seeded.output);
    assert.match(seeded.output, /no image for prom\/prometheus:v3\.5\.0 after seed/);
    assert.not.match(seeded.output, /no image for .*grafana/);
  }
});

Seed('an image seed never reported is not excused: only a "no stand-in here" line excuses one', async () => {
  const stoppedEarly = 'present  gcr.io/distroless/nodejs24-debian12:nonroot';
  const seeded = await seedWith(stoppedEarly, 0, ['gcr.io/distroless/nodejs24-debian12:nonroot']);
  assert.is(seeded.code, 1, seeded.output);
  assert.match(seeded.output, /no image for grafana\/grafana:12\.1\.1 prom\/prometheus:v3\.5\.0 after seed/);
});

Seed.run();
