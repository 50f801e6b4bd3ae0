// The image's own contract, outside compose: what ECS (or a plain `docker run`) relies on.
// Build arguments reach the OCI labels and the app_build_info metric; the container is healthy
// by its own HEALTHCHECK, runs as uid 65532 with node as PID 1 on a read-only root file system,
// and exits 0 on SIGTERM without an init process.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { needs } from '../support/tools';
import { docker, inspect, runId, waitHealthy } from '../support/docker';
import { get, nodeIn } from './support';

const Image = needs(['docker'], suite('app image'));

const tag = `${runId('e2e-image')}:test`;
const buildArgs = { VERSION: '9.9.9-e2e', REVISION: 'e2e0000000000000000000000000000000000000', SOURCE: 'https://example.com/e2e.git' };
let container = '';
let appUrl = '';

async function startContainer(): Promise<void> {
  await docker([
    'build',
    '--tag',
    tag,
    ...Object.entries(buildArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
    '.',
  ], { timeoutMs: 600_000 });
  // As ECS runs it: no --init, so node is PID 1; read-only; no capabilities; any free host port.
  container = await docker(['run', '--detach', '--read-only', '--cap-drop', 'ALL', '--publish', '127.0.0.1::8080', tag]);
  await waitHealthy(container);
  appUrl = `http://${await docker(['port', container, '8080/tcp'])}`;
}

Image.before(startContainer);
Image.after(async () => {
  if (container !== '') await docker(['rm', '--force', '--volumes', container]);
  await docker(['image', 'rm', '--force', tag]).catch(() => undefined);
});

Image('carries OCI labels from its build arguments', async () => {
  const labels = JSON.parse(await inspect(tag, '{{json .Config.Labels}}')) as Record<string, string>;
  assert.is(labels['org.opencontainers.image.version'], buildArgs.VERSION);
  assert.is(labels['org.opencontainers.image.revision'], buildArgs.REVISION);
  assert.is(labels['org.opencontainers.image.source'], buildArgs.SOURCE);
  assert.is(labels['org.opencontainers.image.title'], 'restify-observable-service');
  assert.is(labels['org.opencontainers.image.licenses'], 'MIT');
});

Image('reports the same version and revision in app_build_info', async () => {
  const metrics = await get(`${appUrl}/metrics`);
  assert.is(metrics.status, 200);
  const buildInfo = metrics.body.split('\n').find((line) => line.startsWith('app_build_info{')) ?? '';
  assert.ok(buildInfo.includes(`version="${buildArgs.VERSION}"`), buildInfo);
  assert.ok(buildInfo.includes(`revision="${buildArgs.REVISION}"`), buildInfo);
});

Image('runs node as PID 1, as uid 65532, on a read-only root file system', async () => {
  assert.is(await inspect(tag, '{{.Config.User}}'), '65532:65532');
  assert.is(await nodeIn(container, 'process.stdout.write(String(process.getuid()))'), '65532');
  const pid1 = await nodeIn(container, "process.stdout.write(require('fs').readFileSync('/proc/1/cmdline', 'utf8').split('\\0').join(' ').trim())");
  assert.is(pid1, '/nodejs/bin/node /app/service/dist/main.js');
  const write = await nodeIn(container, "try { require('fs').writeFileSync('/tmp/probe', 'x'); process.stdout.write('written') } catch (e) { process.stdout.write(e.code) }");
  assert.is(write, 'EROFS');
});

Image('exits 0 on SIGTERM as PID 1 (docker stop)', async () => {
  // 30 s like ECS's default stopTimeout: above the service's own 20 s shutdown deadline.
  await docker(['stop', '--time', '30', container]);
  assert.is(await inspect(container, '{{.State.ExitCode}} {{.State.OOMKilled}}'), '0 false');
});

Image.run();
