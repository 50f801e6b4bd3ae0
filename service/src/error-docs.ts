// Writes docs/errors.md from the error table (http/errors.ts): `npm run docs -w service`.
// error-docs.test.ts fails when the committed page differs from what this renders.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ERRORS, type ErrorCode, errorSpec } from './http/errors';

/** docs/errors.md, from service/src. */
export const ERRORS_DOC = path.join(__dirname, '..', '..', 'docs', 'errors.md');

function row(code: ErrorCode): string {
  const spec = errorSpec(code);
  const message = spec.message.replace(/%s/g, '…');
  const fields = spec.detail === undefined ? '' : ` (+ \`${spec.detail}\`)`;
  return `| \`${code}\` | ${spec.status} | \`${message}\`${fields} | ${spec.when.replace(/\|/g, '\\|')} |`;
}

export function renderErrorsDoc(): string {
  return [
    '<!-- Generated from ERRORS in service/src/http/errors.ts by `npm run docs -w service`: edit those, not this page. -->',
    '# Errors',
    '',
    'Every error the service answers is a JSON body with a stable `code` (match on it; it does not change between',
    'releases) and `error`, a message for people that never echoes the request. For example:',
    '',
    '```json',
    '{"code":"INVALID_PARAMETER","error":"size must be an integer from 1 to 100000","parameter":"size"}',
    '```',
    '',
    '| Code | Status | `error` | When |',
    '| --- | --- | --- | --- |',
    ...(Object.keys(ERRORS) as ErrorCode[]).map(row),
    '',
    'Requests that Node\'s HTTP parser rejects (malformed, oversized headers, timeouts) and `CONNECT` get the same',
    'body, and the connection is closed after it.',
    '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(ERRORS_DOC, renderErrorsDoc());
  process.stdout.write(`wrote ${path.relative(process.cwd(), ERRORS_DOC)}\n`);
}
