import Fastify from 'fastify';
import { answer } from './answer';

// Fastify 5 as its README says hello (logger off, its default), answering like the service.
const app = Fastify();
app.get(answer.path, async (_request, reply) => {
  reply.type(answer.contentType);
  return answer.body;
});
app.listen({ port: answer.port, host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
