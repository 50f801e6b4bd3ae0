// The image jobs as GitLab runs them (gitlab-ci-local, shell executor, a fake `docker` on PATH):
// every build CI runs names the runtime base by a digest, the one Renovate keeps current.
// Renovate's regex manager: https://docs.renovatebot.com/modules/manager/regex/
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needs } from '../support/tools';
import { PROJECT_VARIABLES, SCENARIOS, type Scenario, runJobs, withVariables } from './lib/gitlab-ci-local';
import { SCRIPTS_DIR, fakeBody, scratch } from './lib/harness';
import { REPO_ROOT } from '../support/repo';

const DIGEST_REF = /^(?<image>[^:@\s]+):(?<tag>[^@\s]+)@(?<digest>sha256:[0-9a-f]{64})$/;

/** The value every `docker buildx build` of the given jobs passed as --build-arg RUNTIME_IMAGE. */
async function runtimeImagesBuilt(job: string, scenario: Scenario): Promise<string[]> {
  const box = scratch();
  try {
    box.fake('docker', `FAKE_STATE='${box.state}' INDEX_DIGEST='sha256:${'1'.repeat(64)}' MAIN_DIGEST='sha256:${'2'.repeat(64)}'\n${fakeBody('docker')}`);
    box.fake('sleep', 'exit 0');
    // The job image (docker:<version>-cli) is Alpine: its /bin/sh is busybox ash, which has pipefail.
    box.fake('sh', 'exec busybox sh "$@"');
    const script = fs.readFileSync(path.join(SCRIPTS_DIR, 'ci-image.sh'), 'utf8').replace(/^#!\/bin\/sh\n/, '#!/usr/bin/env sh\n');
    const result = await runJobs([job], withVariables(scenario, { ...PROJECT_VARIABLES, DOCKERHUB_USERNAME: 'acme-ci', DOCKERHUB_TOKEN: 'dckr_pat_test' }), {
      bin: box.bin,
      copy: ['scripts/ci-image.sh'],
      withoutServices: true,
      files: { 'scripts/ci-image.sh': script },
    });
    assert.is(result.code, 0, `${result.stderr}\n${result.stdout}\n${Object.values(result.logs).join('\n')}`);
    const builds = box.calls().filter((call) => call.startsWith('docker buildx build'));
    assert.ok(builds.length > 0, `${job} built nothing:\n${box.calls().join('\n')}`);
    return builds.map((call) => /--build-arg RUNTIME_IMAGE=(\S*)/.exec(call)?.[1] ?? '(none)');
  } finally {
    box.remove();
  }
}

/** The Dockerfile's default runtime base (what a local `docker build` uses). */
function dockerfileDefault(): string {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const value = /^ARG RUNTIME_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
  assert.ok(value, 'the Dockerfile declares ARG RUNTIME_IMAGE');
  return value;
}

const Jobs = needs(['busybox'], suite('the runtime base CI builds on'));

const built: Record<string, string[]> = {};

Jobs('image:build (merge requests) and image:publish (default branch) build on the runtime base pinned by digest', async () => {
  built['image:build'] = await runtimeImagesBuilt('image:build', SCENARIOS.mergeRequest);
  built['image:publish'] = await runtimeImagesBuilt('image:publish', SCENARIOS.defaultBranch);
  for (const [job, images] of Object.entries(built)) {
    for (const image of images) assert.match(image, DIGEST_REF, `${job} passed RUNTIME_IMAGE=${image}`);
  }
  const all = new Set(Object.values(built).flat());
  assert.is(all.size, 1, `one runtime base for every build: ${[...all].join(', ')}`);
  // The same image and tag as a local build, only pinned.
  const pinned = DIGEST_REF.exec([...all][0] ?? '')?.groups;
  assert.is(`${pinned?.image}:${pinned?.tag}`, dockerfileDefault());
});

Jobs('the Dockerfile default stays a tag, so local builds (and local stand-ins of the base) work', () => {
  assert.not.match(dockerfileDefault(), /@sha256:/);
});

Jobs('Renovate finds the pinned runtime base in .gitlab-ci.yml, as the image, tag and digest CI builds with', () => {
  const renovate = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'renovate.json'), 'utf8')) as {
    customManagers?: { customType: string; managerFilePatterns: string[]; matchStrings: string[]; datasourceTemplate?: string }[];
  };
  const ciText = fs.readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8');
  const found: string[] = [];
  for (const manager of renovate.customManagers ?? []) {
    // managerFilePatterns: "/regex/" is a regular expression, anything else a glob (here, only regexes).
    const applies = manager.managerFilePatterns.some((pattern) => /^\/.*\/$/.test(pattern) && new RegExp(pattern.slice(1, -1)).test('.gitlab-ci.yml'));
    if (!applies || manager.customType !== 'regex' || manager.datasourceTemplate !== 'docker') continue;
    for (const matchString of manager.matchStrings) {
      for (const match of ciText.matchAll(new RegExp(matchString, 'g'))) {
        const { depName, currentValue, currentDigest } = match.groups ?? {};
        found.push(`${depName}:${currentValue}@${currentDigest}`);
      }
    }
  }
  const ciBuilds = built['image:publish']?.[0];
  assert.ok(ciBuilds, 'the job test ran first');
  assert.equal(found, [ciBuilds], 'Renovate updates exactly the value CI builds with');
});

Jobs.run();
