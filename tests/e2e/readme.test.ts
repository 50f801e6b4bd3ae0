// How the e2e suite reads the README (no Docker needed): which commands it takes, and the only
// rewrite it allows itself, leaving out services whose image is missing. Plus the documented
// stop commands, wherever they are written, since Compose v2 needs the profile named on `down`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { REPO_ROOT } from '../support/repo';
import { bashBlocks, localStackSection, parseCompose, planCommand, readmeBlocks, shellWords } from './readme';

const Readme = suite('README local-stack commands');

const NO_GRAFANA = { defaultServices: ['app', 'prometheus', 'alertmanager', 'grafana'], missing: new Set(['grafana']) };
const EVERYTHING = { ...NO_GRAFANA, missing: new Set<string>() };

Readme('takes the fenced bash blocks of the local-stack section only, continuation lines joined, comments dropped', () => {
  const readme = [
    '## Quick start',
    '```bash',
    'npm start',
    '```',
    '## Run it locally with Docker',
    'Text with `docker compose stop app` inline is not a command.',
    '```bash',
    '# a comment line',
    'docker compose up -d          # start',
    'A=1 \\',
    '  docker compose ps',
    '```',
    '```text',
    'not bash',
    '```',
    '## Next',
    '```bash',
    'rm -rf /',
    '```',
  ].join('\n');
  const blocks = bashBlocks(localStackSection(readme));
  assert.equal(blocks.map((block) => block.map((c) => c.text)), [['docker compose up -d          # start', 'A=1 docker compose ps']]);
});

Readme('a missing section is one clear error', () => {
  assert.throws(() => localStackSection('# nothing here\n'), /no "## Run it locally with Docker" section/);
});

Readme('reads words as a shell would split them, and where a comment starts', () => {
  assert.equal(shellWords(`A='x y' docker compose up # note`), { words: ['A=x y', 'docker', 'compose', 'up'], commentAt: 26 });
  assert.equal(shellWords('echo a#b').words, ['echo', 'a#b']);
});

Readme('parses compose subcommands and the services they name, past options and their values', () => {
  assert.equal(parseCompose('docker compose --profile loadgen up -d loadgen'), { subcommand: 'up', services: ['loadgen'] });
  assert.equal(parseCompose('X=1 docker compose -f a.yml -f b.yml up -d grafana'), { subcommand: 'up', services: ['grafana'] });
  assert.equal(parseCompose('docker compose kill -s SIGHUP prometheus alertmanager'), { subcommand: 'kill', services: ['prometheus', 'alertmanager'] });
  assert.equal(parseCompose("docker compose exec grafana grafana cli admin reset-admin-password 'x'"), { subcommand: 'exec', services: ['grafana'] });
  assert.is(parseCompose('curl -s http://127.0.0.1:8080/health'), undefined);
});

Readme('with every image present, every command runs exactly as written', () => {
  for (const text of ['docker compose up --build --wait   # all', 'docker compose exec grafana grafana cli admin reset-admin-password x']) {
    assert.equal(planCommand(text, EVERYTHING), { run: text });
  }
});

Readme('without Grafana: start commands name the other default services, Grafana-only commands are skipped, lists lose it', () => {
  assert.equal(planCommand('docker compose up --build --wait      # everything', NO_GRAFANA), {
    run: 'docker compose up --build --wait app prometheus alertmanager',
    note: 'narrowed to app prometheus alertmanager',
  });
  assert.ok('skip' in planCommand("GRAFANA_ADMIN_PASSWORD='x' docker compose -f docker-compose.yml -f docker-compose.grafana-admin.yml up -d grafana", NO_GRAFANA));
  assert.ok('skip' in planCommand("docker compose exec grafana grafana cli admin reset-admin-password 'x'", NO_GRAFANA));
  assert.equal(planCommand('docker compose logs app grafana', NO_GRAFANA), { run: 'docker compose logs app', note: 'without grafana' });
  for (const unchanged of ['docker compose --profile loadgen up -d loadgen', 'docker compose kill -s SIGHUP prometheus alertmanager', 'docker compose --profile loadgen down -v']) {
    assert.equal(planCommand(unchanged, NO_GRAFANA), { run: unchanged });
  }
});

Readme('the README starts the stack in its first block and stops it in its last', () => {
  const blocks = readmeBlocks();
  assert.ok((blocks[0] ?? []).some((c) => parseCompose(c.text)?.subcommand === 'up'), JSON.stringify(blocks[0]));
  const last = blocks.at(-1) ?? [];
  assert.ok(last.length > 0 && last.every((c) => parseCompose(c.text)?.subcommand === 'down'), JSON.stringify(last));
});

// Compose v2 leaves the containers of a profile that is not enabled running on `down`, and then
// cannot remove the network (docker/compose#8139).
Readme('every documented `docker compose … down` names the loadgen profile (README, docs, compose files)', () => {
  const files = ['README.md', 'docs/testing.md', 'docker-compose.yml', 'docker-compose.grafana-admin.yml'];
  const downs = files.flatMap((file) =>
    readFileSync(path.join(REPO_ROOT, file), 'utf8')
      .split('\n')
      .flatMap((line) => [...line.matchAll(/docker compose[^`#\n]*?\sdown\b[^`\n]*/g)].map((match) => ({ file, command: match[0] }))),
  );
  assert.ok(downs.some((d) => d.file === 'README.md'), 'the README documents no way to stop the stack');
  const without = downs.filter((d) => !/--profile loadgen/.test(d.command));
  assert.equal(without, [], 'documented `down` commands without --profile loadgen');
});

Readme('no documented Grafana fix deletes every volume (`down -v` also deletes Prometheus data)', () => {
  for (const file of ['docker-compose.grafana-admin.yml', 'docker-compose.yml']) {
    assert.not.match(readFileSync(path.join(REPO_ROOT, file), 'utf8'), /down -v/, file);
  }
  const section = localStackSection(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));
  const grafanaPart = section.slice(section.indexOf('**Logging in to Grafana.**'), section.indexOf('**Stop and clean up.**'));
  assert.not.match(grafanaPart, /down -v/);
  assert.match(grafanaPart, /grafana cli admin reset-admin-password/);
});

Readme.run();
