// raw-http.ts is the HTTP client every hostile-input and drain assertion goes through, so it is held
// to Node's own parser (llhttp, through http.request): a stub server writes the same bytes to both,
// and both must read the same status, headers and body, or fail the same way.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatRequest, RawConnection, ResponseParser, type ExchangeResult } from './raw-http';
import { waitFor } from './wait';

/** What the server does after the request: write these pieces in order, then keep, end or reset the connection. */
interface Reply {
  readonly pieces: readonly string[];
  readonly then?: 'keep' | 'end' | 'reset';
}

type Classified = 'complete' | 'garbled' | 'truncated' | 'unanswered';

interface Observed {
  readonly outcome: Classified;
  readonly status?: number;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
}

/** A server that answers the n-th request on each connection with `replies[n]`. */
async function withStub(replies: readonly Reply[], test: (port: number) => Promise<void>): Promise<void> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    let answered = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        buffered = buffered.slice(end + 4);
        const reply = replies[answered++];
        if (reply === undefined) return;
        for (const piece of reply.pieces) socket.write(Buffer.from(piece, 'latin1'));
        if (reply.then === 'end') socket.end();
        if (reply.then === 'reset') socket.resetAndDestroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await test((server.address() as AddressInfo).port);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function fromRaw(result: ExchangeResult): Observed {
  if (result.outcome === 'timeout' || result.outcome === 'refused') throw new Error(`raw-http: ${result.outcome}`);
  const { response } = result;
  if (result.outcome !== 'complete' || response === undefined) return { outcome: result.outcome };
  return { outcome: 'complete', status: response.status, headers: response.headers, body: response.body.toString('latin1') };
}

/** `count` requests one after another on one raw-http connection. */
async function viaRawHttp(port: number, method: string, count: number): Promise<Observed[]> {
  const { connection } = await RawConnection.connect(port);
  if (connection === undefined) throw new Error('raw-http could not connect');
  const observed: Observed[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      observed.push(fromRaw(await connection.send(formatRequest({ method, target: `/${index}` }, { keepAlive: true }), method, 5_000)));
      if (observed.at(-1)?.outcome !== 'complete') break;
    }
  } finally {
    connection.destroy();
  }
  return observed;
}

/** The same through node:http on one keep-alive socket: llhttp's reading of the bytes. */
async function viaNode(port: number, method: string, count: number): Promise<Observed[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const observed: Observed[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      observed.push(await nodeExchange(port, method, `/${index}`, agent));
      if (observed.at(-1)?.outcome !== 'complete') break;
    }
  } finally {
    agent.destroy();
  }
  return observed;
}

function nodeExchange(port: number, method: string, path: string, agent: http.Agent): Promise<Observed> {
  return new Promise((resolve) => {
    let parseError = false;
    let response: http.IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    const noteError = (err: NodeJS.ErrnoException): void => {
      if (err.code?.startsWith('HPE_') === true) parseError = true;
    };
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { connection: 'keep-alive' } }, (res) => {
      response = res;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', noteError);
    });
    req.on('error', noteError);
    // 'close' comes last, after the body or the error: decide then, with everything known.
    req.on('close', () => {
      const settle = (): void => {
        if (parseError) return resolve({ outcome: 'garbled' });
        if (response === undefined) return resolve({ outcome: 'unanswered' });
        if (!response.complete) return resolve({ outcome: 'truncated' });
        const headers: Array<[string, string]> = [];
        for (let at = 0; at < response.rawHeaders.length; at += 2) headers.push([String(response.rawHeaders[at]).toLowerCase(), String(response.rawHeaders[at + 1])]);
        resolve({ outcome: 'complete', status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('latin1') });
      };
      // The response's own end may follow the request's close by a tick.
      if (response === undefined || response.readableEnded || response.destroyed) setImmediate(settle);
      else response.once('close', settle);
    });
    req.end();
  });
}

/** Both clients against the same replies: what raw-http reads must be what llhttp reads. */
async function same(replies: readonly Reply[], { method = 'GET', requests = 1 } = {}): Promise<Observed[]> {
  let raw: Observed[] = [];
  let node: Observed[] = [];
  await withStub(replies, async (port) => {
    raw = await viaRawHttp(port, method, requests);
  });
  await withStub(replies, async (port) => {
    node = await viaNode(port, method, requests);
  });
  assert.equal(raw, node, JSON.stringify(replies).slice(0, 200));
  return raw;
}

const head = (status: string, headers: string[]): string => `HTTP/1.1 ${status}\r\n${headers.map((line) => `${line}\r\n`).join('')}\r\n`;

const framing = suite('raw-http reads well-formed responses as llhttp does');

framing('Content-Length body, headers in order with duplicates kept', async () => {
  const [observed] = await same([{ pieces: [head('200 OK', ['Content-Length: 5', 'X-A: 1', 'x-a: 2']), 'hello'] }]);
  assert.is(observed?.body, 'hello');
  assert.equal(observed?.headers?.filter(([name]) => name === 'x-a'), [['x-a', '1'], ['x-a', '2']]);
});

framing('chunked body across writes, with a chunk extension and trailers', async () => {
  const [observed] = await same([
    { pieces: [head('200 OK', ['Transfer-Encoding: chunked']), '5;ext=1\r\nhel', 'lo\r\n', 'a\r\n0123456789\r\n', '0\r\nX-Trailer: t\r\n\r\n'] },
  ]);
  assert.is(observed?.body, 'hello0123456789');
});

framing('a body read until the connection closes', async () => {
  const [observed] = await same([{ pieces: [head('200 OK', ['Connection: close']), 'until ', 'close'], then: 'end' }]);
  assert.is(observed?.body, 'until close');
});

framing('no body: HEAD with a Content-Length, 204, 304', async () => {
  await same([{ pieces: [head('200 OK', ['Content-Length: 42'])] }], { method: 'HEAD' });
  await same([{ pieces: [head('204 No Content', [])] }]);
  await same([{ pieces: [head('304 Not Modified', ['ETag: "x"'])] }]);
});

framing('an interim 100 Continue before the response', async () => {
  const [observed] = await same([{ pieces: [head('100 Continue', []), head('201 Created', ['Content-Length: 2']), 'ok'] }]);
  assert.is(observed?.status, 201);
});

framing('keep-alive: three exchanges on one connection, the next response written before the client reads', async () => {
  const reply = (body: string): Reply => ({ pieces: [head('200 OK', [`Content-Length: ${body.length}`]) + body] });
  const observed = await same([reply('one'), reply('two'), { pieces: [head('200 OK', ['Transfer-Encoding: chunked']), '5\r\nthree\r\n0\r\n\r\n'] }], {
    requests: 3,
  });
  assert.equal(observed.map((entry) => entry.body), ['one', 'two', 'three']);
});

const failures = suite('raw-http fails where llhttp fails');

framing('the connection closes before any response byte: unanswered', async () => {
  await same([{ pieces: [], then: 'end' }]);
  await same([{ pieces: [], then: 'reset' }]);
});

failures('the connection closes mid-body: truncated', async () => {
  await same([{ pieces: [head('200 OK', ['Content-Length: 10']), 'short'], then: 'end' }]);
  await same([{ pieces: [head('200 OK', ['Transfer-Encoding: chunked']), '5\r\nhel'], then: 'end' }]);
  await same([{ pieces: [head('200 OK', ['Content-Length: 10']), 'short'], then: 'reset' }]);
});

failures('malformed responses: garbled', async () => {
  const cases: Reply[] = [
    { pieces: ['HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'] },
    { pieces: ['HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n'] },
    { pieces: [head('200 OK', ['no colon here', 'Content-Length: 0'])] },
    { pieces: [head('200 OK', ['Content-Length : 0'])] },
    { pieces: [head('200 OK', ['Content-Length: 5x'])] },
    { pieces: [head('200 OK', ['Content-Length: 2', 'Transfer-Encoding: chunked']), '2\r\nok\r\n0\r\n\r\n'] },
    { pieces: [head('200 OK', ['Transfer-Encoding: chunked']), 'zz\r\nok\r\n0\r\n\r\n'] },
  ];
  for (const reply of cases) {
    const [observed] = await same([reply]);
    assert.is(observed?.outcome, 'garbled', JSON.stringify(reply));
  }
});

const parser = suite('ResponseParser on its own');

parser('a response split at every byte parses as in one piece', () => {
  const bytes = Buffer.from(`${head('200 OK', ['Transfer-Encoding: chunked', 'X-B: b'])}3\r\nabc\r\n0\r\n\r\n`, 'latin1');
  const whole = new ResponseParser('GET').push(bytes);
  const split = new ResponseParser('GET');
  let last = split.push(bytes.subarray(0, 1));
  for (let at = 1; at < bytes.length; at += 1) {
    assert.is(last.state, 'partial', `done early at byte ${at}`);
    last = split.push(bytes.subarray(at, at + 1));
  }
  assert.equal(last, whole);
  assert.is(whole.state === 'done' ? whole.response.body.toString('latin1') : '', 'abc');
});

parser('a body without length or chunking is complete only once the connection ends', () => {
  const parsing = new ResponseParser('GET');
  assert.is(parsing.push(Buffer.from(`${head('200 OK', ['Connection: close'])}part`, 'latin1')).state, 'partial');
  assert.is(parsing.push(Buffer.from(' two', 'latin1')).state, 'partial');
  const ended = parsing.end();
  assert.is(ended.state === 'done' ? ended.response.body.toString('latin1') : ended.state, 'part two');
});

const connection = suite('RawConnection ends what the server asked to end');

connection('after a "Connection: close" response the client closes its side, and the connection is done', () =>
  withStub([{ pieces: [head('200 OK', ['Content-Length: 2', 'Connection: close']), 'ok'], then: 'keep' }], async (port) => {
    const { connection: raw } = await RawConnection.connect(port);
    if (raw === undefined) throw new Error('no connection');
    try {
      const result = await raw.send(formatRequest({ method: 'GET', target: '/' }, { keepAlive: true }), 'GET', 5_000);
      assert.is(result.outcome, 'complete');
      assert.not.ok(raw.usable, 'a connection the server closes is not reused');
      await waitFor('the connection to close', async () => (raw.isClosed ? true : undefined), { deadlineMs: 5_000, intervalMs: 10 });
    } finally {
      raw.destroy();
    }
  }),
);

framing.run();
failures.run();
parser.run();
connection.run();
