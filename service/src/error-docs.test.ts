import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRORS } from './http/errors';
import { ERRORS_DOC, renderErrorsDoc } from './error-docs';

const docs = suite('docs/errors.md');

docs('is what the error table renders (run `npm run docs -w service` after changing it)', () => {
  assert.fixture(readFileSync(ERRORS_DOC, 'utf8'), renderErrorsDoc());
});

docs('has one row per code with its status, and no row for a code the table does not have', () => {
  const rows = renderErrorsDoc()
    .split('\n')
    .map((line) => /^\| `([A-Z_]+)` \| (\d{3}) \|/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1], Number(match[2])]);
  assert.equal(rows, Object.entries(ERRORS).map(([code, spec]) => [code, spec.status]));
});

docs.run();
