import { createServer } from 'node:http';
import { answer } from './answer';

// Baseline (a): the cheapest answer node:http can give, with no routing at all.
const length = String(Buffer.byteLength(answer.body));
createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': answer.contentType, 'Content-Length': length });
  res.end(answer.body);
}).listen(answer.port, '127.0.0.1');
