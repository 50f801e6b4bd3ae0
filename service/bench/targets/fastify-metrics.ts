import Fastify from 'fastify';
import metricsPlugin from 'fastify-metrics';
import { answer } from './answer';

/**
 * fastify-hello.ts plus fastify-metrics as its README's "Usage" registers it:
 * `register(metricsPlugin, { endpoint: '/metrics' })`, whose defaults collect the default
 * process metrics and, per route, a histogram and a summary labelled method, route, status_code.
 */
async function main(): Promise<void> {
  const app = Fastify();
  // Awaited before the route, as the README does: the plugin instruments routes added after it.
  await app.register(metricsPlugin, { endpoint: '/metrics' });
  app.get(answer.path, async (_request, reply) => {
    reply.type(answer.contentType);
    return answer.body;
  });
  await app.listen({ port: answer.port, host: '127.0.0.1' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
