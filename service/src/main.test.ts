import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exitCode, spawnService } from './testing/process';

const startup = suite('start-up of the real process');

startup('a port already taken: one fatal line naming the address, exit 1', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  try {
    assert.ok(address !== null && typeof address === 'object');
    const child = spawnService({ HOST: '127.0.0.1', PORT: String(address.port) });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    assert.is(await exitCode(child, 10_000), 1);
    const lines = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.is(lines.length, 1, stdout);
    assert.equal(
      { level: lines[0]?.level, msg: lines[0]?.msg, host: lines[0]?.host, port: lines[0]?.port },
      { level: 'fatal', msg: 'cannot listen', host: '127.0.0.1', port: address.port },
    );
    assert.match(JSON.stringify(lines[0]?.err), /EADDRINUSE/);
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  }
});

startup.run();
