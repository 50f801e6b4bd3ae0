// fast-check arbitraries for hostile HTTP/1.1 requests as raw bytes: odd methods, request targets
// with broken percent-encoding, NUL, overlong and invalid UTF-8, strange Host values, conflicting
// framing headers, and bodies from valid JSON to junk. Every generated request stays harmless for
// the workload: latency and work size are small when valid, and error_rate is never a valid
// positive number, so any 5xx the service returns to one of these is a fault, not an injected failure.
import http from 'node:http';
import fc from 'fast-check';

export interface HostileRequest {
  method: string;
  bytes: Buffer;
  /** Printable form, for the counterexample fast-check reports. */
  toString(): string;
}

const junkByte = fc.integer({ min: 0, max: 255 }).map((byte) => String.fromCharCode(byte));
const latin1Junk = (maxLength: number) => fc.string({ unit: junkByte, maxLength });
const unicodeJunk = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

/** Text written as UTF-8 bytes (the wire carries bytes; latin1 strings below are written byte for byte). */
const utf8AsLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'HEAD') },
  { weight: 3, arbitrary: fc.constantFrom(...http.METHODS) },
  { weight: 1, arbitrary: fc.constantFrom('get', 'Post', 'GET ', ' GET', 'G\u0000T', 'BREW', '') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) },
  { weight: 1, arbitrary: latin1Junk(8) },
);

const pathBase = fc.constantFrom(
  '/', '/health', '/ready', '/metrics', '/api/work', '/api/work/', '/API/WORK', '//api//work', '/api/work/..',
  '/api/work/../../health', '/api/%77ork', '/api/work%2F', '/%2e%2e/%2e%2e/etc/passwd', '*', '/health?', '/metrics#x',
  'http://127.0.0.1/api/work', 'http://[::1]/health', 'HTTP://127.0.0.1:0/ready', 'api/work', '',
);

const pathJunk = fc.oneof(
  fc.constantFrom(
    '%', '%z', '%zz', '%0', '%00', '%C0%AF', '%C0%80', '%E0%80%AF', '%ED%A0%80', '%F8%88%80%80%80', '%FF%FE', '%25',
    '%%', '%u0041', '..', '.', ';', '%3B', '\u0000', '\t', ' ', '#', '?', '\\', '//', '~',
  ),
  unicodeJunk(6).map(utf8AsLatin1),
  latin1Junk(6),
  fc.constantFrom('\xC3\x28', '\xA0\xA1', '\xE2\x28\xA1', '\xF0\x28\x8C\xBC', '\xC0\xAF'),
  fc.constantFrom('a'.repeat(2_000), '%41'.repeat(600), '/x'.repeat(1_000)),
);

/** Parameter values: valid ones are small (the fuzz must not become a load test); error_rate is never valid and positive. */
const latencyValue = fc.oneof(
  fc.integer({ min: 0, max: 20 }).map(String),
  fc.constantFrom('-1', '5001', '1e9', '1.5', 'abc', '', '0x10', 'NaN', 'Infinity', '-0', '٣', '1%00', '%zz', '9'.repeat(400)),
);
const errorRateValue = fc.constantFrom('0', '0.0', '-0', '-1', '1.5', '2', 'abc', '', 'NaN', '-Infinity', '%zz', '0x1', '1e400', '[]');
const sizeValue = fc.oneof(
  fc.integer({ min: 1, max: 50 }).map(String),
  fc.constantFrom('0', '-5', '100001', '1e6', '3.3', 'many', '', '%00', '1'.repeat(50)),
);

const queryParam = fc.oneof(
  latencyValue.map((value) => `latency_ms=${value}`),
  errorRateValue.map((value) => `error_rate=${value}`),
  sizeValue.map((value) => `size=${value}`),
  fc.tuple(latin1Junk(8), latin1Junk(8)).map(([key, value]) => `${key}=${value}`),
  fc.constantFrom('latency_ms', 'size=', '=', '&', 'latency_ms[]=1', 'latency_ms[a]=1', '__proto__[error_rate]=1', 'constructor[prototype][x]=1'),
);

const target = fc
  .tuple(
    pathBase,
    fc.array(pathJunk, { maxLength: 3 }),
    fc.option(fc.array(queryParam, { maxLength: 5 }), { nil: undefined }),
  )
  .map(([base, junk, query]) => `${base}${junk.join('')}${query === undefined ? '' : `?${query.join('&')}`}`);

const version = fc.oneof(
  { weight: 12, arbitrary: fc.constant('HTTP/1.1') },
  { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.2', 'http/1.1', 'HTTP/1.1 x', 'HTTP/11', '', 'HTTP/9.9') },
);

const hostValue = fc.oneof(
  fc.constantFrom(
    '127.0.0.1', 'localhost', '', ' ', '[::1]', '[::1', '::1]', 'a b', '%', '%zz', 'ex%00ample', 'exa\u0000mple',
    '127.0.0.1:99999', '127.0.0.1:-1', '127.0.0.1:', ':80', '..', '.', 'xn--', '-', '_', '@', 'user@host', 'host/path',
    'a'.repeat(300), `${'a'.repeat(64)}.${'b'.repeat(64)}`, '\u00e9xample', '[]', '[::ffff:127.0.0.1]', '1.2.3.4.5',
    'host:80:80', 'host\\x', '"host"',
  ),
  unicodeJunk(12).map(utf8AsLatin1),
  latin1Junk(12),
);

interface HeaderChoice {
  lines: string[];
}

const headerLines = fc.oneof(
  hostValue.map((value): HeaderChoice => ({ lines: [`Host: ${value}`] })),
  fc.tuple(hostValue, hostValue).map(([a, b]): HeaderChoice => ({ lines: [`Host: ${a}`, `Host: ${b}`] })),
  fc.constantFrom(
    'Content-Type: application/json', 'Content-Type: application/json; charset=utf-16', 'Content-Type: text/plain',
    'Content-Type: application/x-www-form-urlencoded', 'Content-Type: multipart/form-data; boundary=', 'Content-Type: ',
    'Content-Type: application/json\u0000', 'Content-Encoding: gzip', 'Content-Encoding: br, deflate, bogus',
    'Accept: */*', 'Accept: application/json;q=2', 'Accept-Encoding: gzip;q=junk', 'Accept-Version: ~1.0',
    'Accept-Version: not-a-range', 'Expect: 100-continue', 'Expect: 200-ok', 'Connection: Upgrade', 'Upgrade: websocket',
    'Connection: keep-alive, close', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked',
    'Transfer-Encoding: chunked, identity', 'Transfer-Encoding:\tchunked', 'Content-Length: -1', 'Content-Length: 1e3',
    'Content-Length: 0x10', 'Content-Length: 99999999999999999999', 'Content-Length: 5, 6', 'X-Request-Id: ../../',
    'X-Request-Id: ', 'X-Forwarded-For: 1.2.3.4, , ::1', 'X-Forwarded-Proto: gopher', 'Cookie: a=%zz; =; ;',
    'Range: bytes=0-0,-1', 'If-None-Match: *', 'Date: yesterday', 'Authorization: Basic %%%%', ' Leading: space',
    'No-Colon', ': no-name', 'Bad Name: x', 'Obs-Fold: a\r\n b', 'Nul: a\u0000b', 'Cr: a\rb', 'Lf: a\nb',
    `Big: ${'x'.repeat(20_000)}`, `Medium: ${'y'.repeat(4_000)}`,
  ).map((line): HeaderChoice => ({ lines: [line] })),
  fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/), latin1Junk(40)).map(([name, value]): HeaderChoice => ({ lines: [`${name}: ${value}`] })),
  fc.tuple(unicodeJunk(10), unicodeJunk(20)).map(([name, value]): HeaderChoice => ({ lines: [utf8AsLatin1(`${name}: ${value}`)] })),
);

const jsonBody = fc
  .record(
    { latency_ms: latencyValue, error_rate: errorRateValue, size: sizeValue },
    { requiredKeys: [] },
  )
  .chain((params) =>
    fc.constantFrom(
      JSON.stringify(params),
      JSON.stringify(Object.fromEntries(Object.entries(params).map(([key, value]) => [key, Number(value)]))),
      `{"__proto__":{"error_rate":1,"latency_ms":3000}}`,
      `{"constructor":{"prototype":{"error_rate":1}}}`,
      `{"latency_ms":1e999}`,
      `{"latency_ms":${'['.repeat(2_000)}`,
      `{"size":"${'9'.repeat(1_000)}"}`,
      '[1,2,3]', 'null', 'true', '"text"', '{', '{"a":}', '\ufeff{}', '{}'.repeat(3),
    ),
  );

/** A body and how it is framed: honest Content-Length, chunked, or deliberately inconsistent framing. */
const body = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: jsonBody.map((text) => ({ bytes: utf8AsLatin1(text), framing: 'length' as const })) },
  { weight: 2, arbitrary: latin1Junk(200).map((text) => ({ bytes: text, framing: 'length' as const })) },
  { weight: 2, arbitrary: jsonBody.map((text) => ({ bytes: utf8AsLatin1(text), framing: 'chunked' as const })) },
  { weight: 1, arbitrary: latin1Junk(64).map((text) => ({ bytes: text, framing: 'bad-chunked' as const })) },
  { weight: 1, arbitrary: jsonBody.map((text) => ({ bytes: utf8AsLatin1(text), framing: 'short-length' as const })) },
  // A Content-Length larger than the body makes the server wait for bytes that never come: kept rare,
  // the server's request timeout (short in this test) is what ends it.
  { weight: 1, arbitrary: latin1Junk(16).map((text) => ({ bytes: text, framing: 'long-length' as const })) },
);

function frame(payload: { bytes: string; framing: 'length' | 'chunked' | 'bad-chunked' | 'short-length' | 'long-length' }) {
  const { bytes } = payload;
  switch (payload.framing) {
    case 'length':
      return { headers: [`Content-Length: ${Buffer.byteLength(bytes, 'latin1')}`], body: bytes };
    case 'short-length':
      return { headers: [`Content-Length: ${Math.max(0, Buffer.byteLength(bytes, 'latin1') - 3)}`], body: bytes };
    case 'long-length':
      return { headers: [`Content-Length: ${Buffer.byteLength(bytes, 'latin1') + 10}`], body: bytes };
    case 'chunked':
      return {
        headers: ['Transfer-Encoding: chunked'],
        body: `${Buffer.byteLength(bytes, 'latin1').toString(16)}\r\n${bytes}\r\n0\r\n\r\n`,
      };
    case 'bad-chunked':
      return { headers: ['Transfer-Encoding: chunked'], body: `zz\r\n${bytes}\r\n-1\r\n\r\n` };
  }
}

/** Drops control characters (and spaces, unless kept): what would end a request line or header early. */
function withoutControls(text: string, options: { keepSpace: boolean }): string {
  return [...text]
    .filter((char) => {
      const code = char.charCodeAt(0);
      return code !== 0x7f && (code > 0x20 || (options.keepSpace && code === 0x20));
    })
    .join('');
}

/** Bytes an HTTP parser accepts inside a header value or a request target: visible ASCII and obs-text. */
const valueByte = fc
  .oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
  .map((byte) => String.fromCharCode(byte));
const parseableJunk = (maxLength: number) => fc.string({ unit: valueByte, maxLength });

/**
 * Requests an HTTP parser lets through, so they reach the framework and the handlers: known
 * methods, HTTP/1.1, CRLF, token header names; the hostility is in targets, Host, values and bodies.
 */
const parseableRequest = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE'),
  target: fc
    .tuple(
      fc.constantFrom('/', '/health', '/ready', '/metrics', '/api/work', '/api/work/', '/API/WORK', '//api//work', '/api/work/..', '/api/%77ork', '/api/work%2F', '*', 'http://127.0.0.1/api/work', 'http://[::1]/health'),
      // Half the targets are clean, so the handlers (not only the guards) see hostile parameters and bodies.
      fc.oneof(fc.constant([]), fc.array(
        fc.oneof(
          fc.constantFrom('%', '%z', '%zz', '%0', '%00', '%C0%AF', '%C0%80', '%E0%80%AF', '%ED%A0%80', '%F8%88%80%80%80', '%FF%FE', '%25', '%%', '%u0041', '..', ';', '~', '\\'),
          parseableJunk(6),
          unicodeJunk(4).map(utf8AsLatin1).map((text) => withoutControls(text, { keepSpace: false })),
        ),
        { minLength: 1, maxLength: 3 },
      )),
      fc.option(fc.array(queryParam.map((param) => withoutControls(param, { keepSpace: false })), { maxLength: 5 }), { nil: undefined }),
    )
    .map(([base, junk, query]) => `${base}${junk.join('')}${query === undefined ? '' : `?${query.join('&')}`}`),
  version: fc.constant('HTTP/1.1'),
  withHost: fc.constant(false),
  headers: fc.array(
    fc.oneof(
      hostValue.map((value): HeaderChoice => ({ lines: [`Host: ${withoutControls(value, { keepSpace: true })}`] })),
      fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/), parseableJunk(40)).map(([name, value]): HeaderChoice => ({ lines: [`${name}: ${value}`] })),
      fc.constantFrom(
        'Content-Type: application/json', 'Content-Type: application/json; charset=utf-16', 'Content-Type: text/plain',
        'Content-Type: application/x-www-form-urlencoded', 'Content-Type: multipart/form-data; boundary=', 'Content-Type: ',
        'Content-Encoding: gzip', 'Accept: application/json;q=2', 'Accept-Version: not-a-range', 'Expect: 100-continue',
        'X-Request-Id: ../../', 'X-Forwarded-For: 1.2.3.4, , ::1', 'Cookie: a=%zz; =; ;', 'Authorization: Basic %%%%',
      ).map((line): HeaderChoice => ({ lines: [line] })),
    ),
    { maxLength: 5 },
  ),
  body,
  lineEnding: fc.constant('\r\n'),
});

/** Anything goes: junk methods and versions, control bytes, bare CR or LF, header lines that break the grammar. */
const unparseableRequest = fc.record({
  method,
  target,
  version,
  withHost: fc.boolean(),
  headers: fc.array(headerLines, { maxLength: 6 }),
  body,
  lineEnding: fc.oneof({ weight: 6, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\r', '\r\r\n') }),
});

export const hostileRequest: fc.Arbitrary<HostileRequest> = fc
  .oneof({ weight: 3, arbitrary: parseableRequest }, { weight: 1, arbitrary: unparseableRequest })
  .map(({ method: verb, target: requestTarget, version: httpVersion, withHost, headers, body: payload, lineEnding }) => {
    const framed = payload === undefined ? undefined : frame(payload);
    const hasHost = withHost || headers.some((choice) => choice.lines.some((line) => /^host:/i.test(line)));
    const lines = [
      `${verb} ${requestTarget}${httpVersion === '' ? '' : ` ${httpVersion}`}`,
      // HTTP/1.1 requires exactly one Host; most requests get one so they reach the application.
      ...(hasHost ? [] : ['Host: 127.0.0.1']),
      ...headers.flatMap((choice) => choice.lines),
      ...(framed?.headers ?? []),
      'Connection: close',
    ];
    const text = `${lines.join(lineEnding)}${lineEnding}${lineEnding}${framed?.body ?? ''}`;
    const bytes = Buffer.from(text, 'latin1');
    return {
      method: verb,
      bytes,
      toString: () => JSON.stringify(text.length > 600 ? `${text.slice(0, 600)}…(${text.length} bytes)` : text),
    };
  });
