import restify from 'restify';
import { answer } from './answer';

/**
 * The bare twin of this service: restify 12 with no plugins and the service's own way of
 * answering (`sendRaw`, which skips content negotiation), so service/bare measures only what the
 * service adds (instrumentation, request id, request guard), not a cheaper `send`.
 */
const server = restify.createServer();
server.get(answer.path, (_req, res, next) => {
  res.sendRaw(200, answer.body, { 'Content-Type': answer.contentType, 'Content-Length': String(Buffer.byteLength(answer.body)) });
  next();
});
server.listen(answer.port, '127.0.0.1');
