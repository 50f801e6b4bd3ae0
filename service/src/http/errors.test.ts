import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRORS, httpError } from './errors';
import { withService } from '../testing/harness';
import { header, rawRequest } from '../../../tests/support/raw-http';

const table = suite('the error table');

table('every entry is a 4xx or 5xx with a message; arguments fill %s in order and may name a field', () => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    assert.ok(spec.status >= 400 && spec.status < 600, code);
    assert.ok(spec.message.length > 0, code);
  }
  const err = httpError('INVALID_PARAMETER', 'size', 'an integer from 1 to 100000');
  assert.equal(
    { code: err.code, status: err.status, message: err.message, details: err.details },
    { code: 'INVALID_PARAMETER', status: 400, message: 'size must be an integer from 1 to 100000', details: { parameter: 'size' } },
  );
});

table('413 closes the connection: the rest of an oversized body is never read', () =>
  withService({}, async (service) => {
    const payload =
      'POST /api/work HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n\r\n{"size":';
    const { response } = await rawRequest(service.port, payload);
    assert.is(response?.status, 413);
    assert.is(header(response, 'connection'), 'close');
    assert.equal(JSON.parse(response?.body.toString('utf8') ?? ''), { error: 'body too large' });
  }),
);

table.run();
