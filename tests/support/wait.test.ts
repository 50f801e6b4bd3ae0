// Waiting on a process stops the moment the process exits, with its exit code and stderr: a test
// whose service died fails at once and says why, instead of polling a port until its deadline.
// Each wait below has a probe that never settles and a deadline far beyond the test's timeout, so
// only the process's exit can end it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ended, giveUpIfExited, start } from './child-process';
import { ServiceProcess } from './service-process';
import { GiveUp, waitFor } from './wait';

const FOREVER_MS = 24 * 60 * 60 * 1000;
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const Wait = suite('waiting on a process');

Wait('ends while the probe is still pending when the process exits, with its exit code and stderr', async () => {
  const child = start(process.execPath, ['-e', 'console.error("listen EADDRINUSE: port taken"); process.exit(3)']);
  const error = await rejection(
    waitFor('port 1 to open', never, { deadlineMs: FOREVER_MS, intervalMs: FOREVER_MS, giveUpWhen: ended(child, 'the server') }),
  );
  assert.instance(error, GiveUp);
  assert.match(error.message, /^gave up waiting for port 1 to open: the server exited with exit code 3, stderr:\nlisten EADDRINUSE: port taken$/);
});

Wait('ends during the pause between probes, and names a signal', async () => {
  const child = start(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  let probes = 0;
  const waiting = waitFor(
    'a condition that stays false',
    async () => {
      probes += 1;
      if (probes === 1) child.child.kill('SIGKILL');
      return undefined;
    },
    { deadlineMs: FOREVER_MS, intervalMs: FOREVER_MS, giveUpWhen: ended(child, 'the worker') },
  );
  const error = await rejection(waiting);
  assert.match(error.message, /the worker exited with signal SIGKILL \(nothing on stderr\)$/);
  assert.is(probes, 1);
});

Wait('a process that keeps running leaves the wait to its probe', async () => {
  const child = start(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  try {
    let probes = 0;
    const value = await waitFor('the third probe', async () => (++probes === 3 ? 'done' : undefined), { intervalMs: 1, giveUpWhen: ended(child, 'the worker') });
    assert.is(value, 'done');
  } finally {
    child.child.kill('SIGKILL');
    await child.exited;
  }
});

Wait('giveUpIfExited, for probes, quotes the exit code and stderr too', async () => {
  const child = start(process.execPath, ['-e', 'console.error("bad config"); process.exit(2)']);
  await child.exited;
  try {
    giveUpIfExited(child, 'Prometheus');
    assert.unreachable('a process that exited did not stop the wait');
  } catch (error) {
    assert.instance(error, GiveUp);
    assert.is((error as Error).message, 'Prometheus exited with exit code 2, stderr:\nbad config');
  }
});

Wait('ServiceProcess.start fails as soon as the service exits, with its exit code and its one-line reason', async () => {
  const error = await rejection(ServiceProcess.start({ LOG_LEVEL: 'chatty' }, { from: 'source' }));
  assert.match(error.message, /the service exited with exit code 2/);
  assert.match(error.message, /LOG_LEVEL/);
});

Wait.run();
