// scripts/ci-image.sh with a fake `docker` on PATH.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needs } from '../support/tools';
import { type Run, SCRIPTS_DIR as scriptsDir, fakeBody, read, run, scratch } from './lib/harness';

const INDEX_DIGEST = `sha256:${'1'.repeat(64)}`;
const MAIN_DIGEST = `sha256:${'2'.repeat(64)}`;

const FAKE_DOCKER = fakeBody('docker');

const RUNTIME_IMAGE = `gcr.io/distroless/nodejs24-debian12:nonroot@sha256:${'e'.repeat(64)}`;

/** Runs ci-image.sh; `flags` are files the fake docker reads from its state folder (name, or name=content). */
async function ciImage(mode: string, env: Record<string, string | undefined>, flags: string[] = []): Promise<Run & { docker: string[]; imageEnv: string; sleeps: number }> {
  const box = scratch();
  try {
    box.fake('docker', FAKE_DOCKER);
    box.fake('sleep', 'exit 0');
    for (const flag of flags) {
      const [name = flag, content = ''] = flag.split('=');
      fs.writeFileSync(path.join(box.state, name), content);
    }
    const merged: Record<string, string> = {
      PATH: `${box.bin}:/usr/bin:/bin`,
      FAKE_STATE: box.state,
      INDEX_DIGEST,
      MAIN_DIGEST,
      CI_COMMIT_SHA: 'c0ffee',
      BINFMT_IMAGE: 'tonistiigi/binfmt:test',
      BUILDKIT_IMAGE: 'moby/buildkit:test',
      TRIVY_IMAGE: 'aquasec/trivy:test',
      DOCKER_REGISTRY_MIRROR: 'https://mirror.gcr.io',
      DOCKERHUB_USERNAME: 'acme-ci',
      DOCKERHUB_TOKEN: 'dckr_pat_test',
      RUNTIME_IMAGE,
    };
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    const result = await run(path.join(scriptsDir, 'ci-image.sh'), [mode], merged, box.dir);
    const calls = box.calls();
    return {
      ...result,
      docker: calls.filter((call) => call.startsWith('docker ')),
      imageEnv: read(path.join(box.dir, 'image.env')),
      sleeps: calls.filter((call) => call.startsWith('sleep ')).length,
    };
  } finally {
    box.remove();
  }
}

const Image = needs(['busybox'], suite('scripts/ci-image.sh'));

Image('a merge request (a fork\'s too) builds both platforms and scans the image without DOCKERHUB_REPO or credentials', async () => {
  const build = await ciImage('build', { DOCKERHUB_REPO: undefined, DOCKERHUB_USERNAME: undefined, DOCKERHUB_TOKEN: undefined, CI_PIPELINE_SOURCE: 'merge_request_event' });
  assert.is(build.code, 0, build.output);
  assert.ok(build.docker.some((call) => call.startsWith('docker buildx build --pull --platform linux/amd64,linux/arm64 ')), build.docker.join('\n'));
  assert.ok(build.docker.some((call) => /buildx build --platform linux\/amd64 --load --tag local\/restify-observable-service:c0ffee/.test(call)));
  const scan = build.docker.find((call) => call.includes('aquasec/trivy:test'));
  assert.ok(scan, 'Trivy scanned the image');
  assert.match(scan, /image --exit-code 1 --ignore-unfixed --no-progress --severity HIGH,CRITICAL local\/restify-observable-service:c0ffee/);
  assert.not.ok(build.docker.some((call) => call.startsWith('docker login') || call.includes('--push')));
});

Image('publish pushes one amd64+arm64 index under :sha and :latest and records the index digest', async () => {
  const publish = await ciImage('publish', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main', CI_PIPELINE_SOURCE: 'push' });
  assert.is(publish.code, 0, publish.output);
  const builds = publish.docker.filter((call) => call.startsWith('docker buildx build'));
  assert.is(builds.length, 1, 'one build');
  assert.match(builds[0] ?? '', /--push --platform linux\/amd64,linux\/arm64 .*--tag acme\/observable-service:c0ffee --tag acme\/observable-service:latest \.$/);
  assert.ok(publish.docker.some((call) => call.includes('--buildkitd-config')), 'BuildKit pulls through the mirror');
  assert.is(publish.imageEnv, `IMAGE_REF=acme/observable-service@${INDEX_DIGEST}\nIMAGE_DIGEST=${INDEX_DIGEST}\n`);
});

Image('publish refuses anything but a push to the default branch', async () => {
  const scheduled = await ciImage('publish', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main', CI_PIPELINE_SOURCE: 'schedule' });
  assert.is(scheduled.code, 1, scheduled.output);
  assert.not.ok(scheduled.docker.some((call) => call.includes('--push')));
});

Image('a vX.Y.Z tag rebuilds nothing and tags the digest the default branch published for the commit', async () => {
  const release = await ciImage('release', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_TAG: 'v1.4.0', CI_PIPELINE_SOURCE: 'push' });
  assert.is(release.code, 0, release.output);
  assert.not.ok(release.docker.some((call) => call.startsWith('docker buildx build ') || call.startsWith('docker build ')), 'no build');
  assert.ok(release.docker.includes('docker buildx imagetools inspect acme/observable-service:c0ffee'));
  assert.ok(release.docker.includes(`docker buildx imagetools create --tag acme/observable-service:1.4.0 acme/observable-service@${MAIN_DIGEST}`), release.docker.join('\n'));
  assert.match(release.imageEnv, new RegExp(`^IMAGE_REF=acme/observable-service@${MAIN_DIGEST}$`, 'm'));
});

Image('a tag pushed before the default branch published its commit waits for the image, then tags it', async () => {
  const release = await ciImage('release', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_TAG: 'v1.4.0' }, ['sha-tag-after=2']);
  assert.is(release.code, 0, release.output);
  assert.is(release.sleeps, 2, 'waited twice');
  assert.match(release.output, /not published yet \(try 1\)/);
  assert.ok(release.docker.includes(`docker buildx imagetools create --tag acme/observable-service:1.4.0 acme/observable-service@${MAIN_DIGEST}`));
});

Image('a tag on a commit the default branch never published fails after a bounded wait, with one line saying to retry', async () => {
  const release = await ciImage('release', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_TAG: 'v1.4.0', RELEASE_WAIT_TRIES: '3' }, ['no-sha-tag']);
  assert.is(release.code, 1, release.output);
  assert.match(release.output, /acme\/observable-service:c0ffee does not exist after 3 tries: retry this job once the default branch's pipeline for c0ffee has published it/);
  assert.is(release.sleeps, 2);
  assert.not.ok(release.docker.some((call) => call.includes('imagetools create')));
});

Image('every build carries the runtime base pinned by digest (build and publish)', async () => {
  const build = await ciImage('build', { CI_PIPELINE_SOURCE: 'merge_request_event' });
  const publish = await ciImage('publish', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main', CI_PIPELINE_SOURCE: 'push' });
  for (const result of [build, publish]) {
    assert.is(result.code, 0, result.output);
    const builds = result.docker.filter((call) => call.startsWith('docker buildx build'));
    assert.ok(builds.length > 0);
    for (const call of builds) assert.ok(call.includes(`--build-arg RUNTIME_IMAGE=${RUNTIME_IMAGE} `), call);
  }
});

Image('a runtime base named by tag, or by one platform\'s manifest, stops the build with one line', async () => {
  for (const mode of ['build', 'publish']) {
    const env = { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main', CI_PIPELINE_SOURCE: 'push' };
    const tag = await ciImage(mode, { ...env, RUNTIME_IMAGE: 'gcr.io/distroless/nodejs24-debian12:nonroot' });
    assert.is(tag.code, 1, tag.output);
    assert.match(tag.output, /RUNTIME_IMAGE must be <image>@sha256:<digest of its multi-platform index>, got 'gcr\.io\/distroless\/nodejs24-debian12:nonroot'/);
    assert.not.ok(tag.docker.some((call) => call.startsWith('docker buildx build')), `${mode} built nothing`);
    const single = await ciImage(mode, env, ['runtime-single']);
    assert.is(single.code, 1, single.output);
    assert.match(single.output, /is not a multi-platform index/);
    assert.not.ok(single.docker.some((call) => call.startsWith('docker buildx build')), `${mode} built nothing`);
  }
});

Image('a dind service that never answers fails after a bounded wait, saying so', async () => {
  const build = await ciImage('build', { DOCKER_WAIT_TRIES: '3' }, ['no-engine']);
  assert.is(build.code, 1, build.output);
  assert.match(build.output, /no Docker engine at .* after 3 tries/);
});

Image.run();
