import express from 'express';
import { answer } from './answer';

// Express 5 as its README says hello (defaults kept: ETag, X-Powered-By), answering like the service.
const app = express();
app.get(answer.path, (_req, res) => {
  res.type(answer.contentType).send(answer.body);
});
app.listen(answer.port, '127.0.0.1');
