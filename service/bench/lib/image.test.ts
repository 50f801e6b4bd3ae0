import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../tests/support/repo';
import { type ImageCommand, benchCommand, imageCommand, serviceLaunch } from './image';
import { start, stop } from './processes';

const image = suite('the benchmark runs the service as the image does');

const DOCKERFILE = `
ARG NODE_VERSION=24
FROM node:\${NODE_VERSION} AS build
ENV NODE_OPTIONS="--max-old-space-size=4096"
CMD ["node", "--inspect", "build.js"]

FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
ARG VERSION=dev
# a comment between instructions
ENV NODE_ENV=production \\
    NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=96" \\
    PORT=8080 \\
    APP_VERSION="\${VERSION}"
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["/nodejs/bin/node", "--single-threaded-gc"]
CMD ["--max-lazy", "/app/service/dist/main.js"]
`;

image('the runtime stage sets the environment and the flags; an earlier stage does not', () => {
  assert.equal(imageCommand(DOCKERFILE), {
    env: { NODE_ENV: 'production', NODE_OPTIONS: '--max-semi-space-size=4 --max-old-space-size=96', MALLOC_ARENA_MAX: '2' },
    nodeArgs: ['--single-threaded-gc', '--max-lazy'],
    nodeMajor: 24,
  });
});

image("the image's Node.js major comes from ARG NODE_VERSION, with or without a v; none said is none", () => {
  assert.is(imageCommand(DOCKERFILE.replace('NODE_VERSION=24', 'NODE_VERSION=v22.11.0')).nodeMajor, 22);
  assert.is(imageCommand(DOCKERFILE.replace('ARG NODE_VERSION=24\n', '')).nodeMajor, undefined);
});

image("the repository's Dockerfile names the Node.js major its runtime stage is", () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const runtime = /^ARG RUNTIME_IMAGE=\S*nodejs(\d+)-/m.exec(dockerfile)?.[1];
  assert.is(imageCommand(dockerfile).nodeMajor, Number(runtime));
});

image('the last CMD of the stage wins, as in docker', () => {
  const twice = `${DOCKERFILE}\nCMD ["/app/service/dist/main.js"]\n`;
  assert.equal(imageCommand(twice).nodeArgs, ['--single-threaded-gc']);
});

image('a shell-form CMD is refused with the instruction named: a distroless image has no shell', () => {
  assert.throws(() => imageCommand('FROM scratch\nCMD node --max-lazy main.js\n'), /CMD must use the exec form/);
});

image("the repository's image: node accepts every flag where the image puts it", () => {
  const { env, nodeArgs } = imageCommand(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  // Node refuses a flag NODE_OPTIONS does not allow ("... is not allowed in NODE_OPTIONS") and exits 9.
  const result = spawnSync(process.execPath, [...nodeArgs, '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  assert.is(result.status, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as string[]).slice(0, nodeArgs.length), nodeArgs);
});

/** Starts `command` the way the benchmark starts the service, a stand-in in place of dist/main.js; returns its argv and environment. */
async function launched(command: ImageCommand, preloads: readonly string[]): Promise<{ argv: string[]; environ: Map<string, string>; stub: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-launch-'));
  const stub = join(dir, 'main.js');
  writeFileSync(stub, "require('node:http').createServer((_q, s) => s.end('ok')).listen(process.env.PORT, process.env.HOST);\n");
  const target = await start({ name: 'service stand-in', ...serviceLaunch(command, preloads, stub) });
  try {
    const argv = readFileSync(`/proc/${target.child.pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
    const environ = new Map(
      readFileSync(`/proc/${target.child.pid}/environ`, 'utf8')
        .split('\0')
        .filter((entry) => entry.includes('='))
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const),
    );
    return { argv: argv.slice(argv.indexOf(process.execPath) + 1), environ, stub };
  } finally {
    await stop(target);
    rmSync(dir, { recursive: true, force: true });
  }
}

image("the benchmark starts the service with the image's environment and node flags", async () => {
  const command = benchCommand(undefined);
  assert.ok(Object.keys(command.env).length > 0, 'the image sets an environment');
  const { argv, environ, stub } = await launched(command, []);
  assert.equal(argv, [...command.nodeArgs, stub]);
  for (const [name, value] of Object.entries(command.env)) assert.is(environ.get(name), value, name);
});

image("the image's node flags come first, then the benchmark's own, then the service", async () => {
  const extras = ['--no-deprecation', '--no-warnings'];
  const { argv, stub } = await launched({ env: {}, nodeArgs: ['--max-semi-space-size=4', '--stack-size=900'], nodeMajor: 24 }, extras);
  assert.equal(argv, ['--max-semi-space-size=4', '--stack-size=900', ...extras, stub]);
});

image.run();
