// promtool, prometheus, amtool, Alertmanager and the black-box exporter come from PATH (upstream's
// name or Debian's), else from the images docker-compose.yml pins: a machine with Node.js and Docker
// runs the observability suites without installing them.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { composeImage } from './docker';
import { REPO_ROOT } from './repo';

const FIXTURE = path.join(__dirname, 'fixtures', 'prometheus-tool.fixture.ts');

/** prometheusTool(tool)'s answer in a process whose PATH holds only `fakes` (and this Node.js); `file` relative to that PATH. */
function commandWith(fakes: Record<string, string>, tool = 'promtool'): { file?: string; args?: string[]; origin?: string; error?: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'prometheus-tools-'));
  try {
    for (const [name, body] of Object.entries(fakes)) {
      writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(path.join(dir, name), 0o755);
    }
    const result = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: REPO_ROOT, env: { PATH: dir, TOOL: tool }, encoding: 'utf8', timeout: 60_000 });
    assert.is(result.status, 0, result.stderr);
    const command = JSON.parse(result.stdout) as { file?: string; args?: string[]; origin?: string; error?: string };
    return command.file?.startsWith(`${dir}${path.sep}`) ? { ...command, file: path.relative(dir, command.file) } : command;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const Tools = suite('prometheusTool()');

Tools('on PATH, the tool runs as it is', () => {
  const command = commandWith({ promtool: 'exit 0' });
  assert.equal(command, { file: 'promtool', args: ['check', 'config', '/srv/prom/prometheus.yml'], origin: 'PATH' });
});

Tools("on PATH under Debian's name (prometheus-alertmanager), Alertmanager runs from there", () => {
  const command = commandWith({ 'prometheus-alertmanager': 'exit 0', docker: '[ "$1" = version ] && echo 28.5.1' }, 'alertmanager');
  assert.equal(command, { file: 'prometheus-alertmanager', args: ['check', 'config', '/srv/prom/prometheus.yml'], origin: 'PATH' });
});

Tools('a binary on PATH that does not answer --version is passed over for the image', () => {
  const command = commandWith({ promtool: 'exit 1', docker: '[ "$1" = version ] && echo 28.5.1' });
  assert.is(command.origin, `docker image ${composeImage('prometheus')}`);
});

Tools("the black-box exporter, missing, runs from the image of compose's blackbox service", () => {
  const command = commandWith({ docker: '[ "$1" = version ] && echo 28.5.1' }, 'blackbox_exporter');
  const image = composeImage('blackbox');
  assert.is(command.origin, `docker image ${image}`);
  const args = command.args ?? [];
  const entrypoint = args.indexOf('--entrypoint');
  assert.equal(args.slice(entrypoint, entrypoint + 3), ['--entrypoint', '/bin/blackbox_exporter', image]);
});

Tools('missing but with a Docker engine, it runs from the Prometheus image compose pins, each host path mounted once, read-only unless written', () => {
  const image = composeImage('prometheus');
  const command = commandWith({ docker: '[ "$1" = version ] && echo 28.5.1' });
  assert.is(command.file, 'docker');
  assert.is(command.origin, `docker image ${image}`);
  const args = command.args ?? [];
  const volumes = args.flatMap((arg, i) => (args[i - 1] === '--volume' ? [arg] : []));
  assert.equal(volumes.sort(), ['/srv/data:/srv/data', '/srv/prom:/srv/prom:ro']);
  const entrypoint = args.indexOf('--entrypoint');
  assert.equal(args.slice(entrypoint, entrypoint + 6), ['--entrypoint', '/bin/promtool', image, 'check', 'config', '/srv/prom/prometheus.yml']);
  assert.ok(args.includes('--rm'));
});

Tools('with neither, one line says how to get it', () => {
  const command = commandWith({ docker: 'exit 1' });
  assert.is(
    command.error,
    `promtool not found (Debian/Ubuntu: apt-get install prometheus; macOS: brew install prometheus; or start Docker to run it from the image docker-compose.yml pins: ${composeImage('prometheus')})`,
  );
});

Tools.run();
