import express from 'express';
import promBundle from 'express-prom-bundle';
import { answer } from './answer';

/**
 * express-hello.ts plus the metrics middleware Express users reach for, exactly as its README's
 * "Sample Usage" sets it up: `promBundle({ includeMethod: true })` before the routes, which
 * serves /metrics on the same app and observes a histogram labelled method and status_code.
 */
const app = express();
app.use(promBundle({ includeMethod: true }));
app.get(answer.path, (_req, res) => {
  res.type(answer.contentType).send(answer.body);
});
app.listen(answer.port, '127.0.0.1');
