import { createServer } from 'node:http';

// Baseline (a): the cheapest possible answer node:http can give.
const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '11' });
  res.end('hello world');
});
server.listen(Number(process.env.PORT), '127.0.0.1');
