// Container liveness probe: exit 0 when GET /health answers 200, else 1.
// Runs with the image's own node (distroless has no shell and no curl), needs no dependencies,
// and is what the Dockerfile HEALTHCHECK, compose and the ECS task definition all call:
//   ["CMD", "/nodejs/bin/node", "/app/healthcheck.mjs"]
import http from 'node:http';

// Empty counts as unset, as it does for the service itself.
const port = Number(process.env.PORT || 8080);
const timeoutMs = 2000; // below the HEALTHCHECK --timeout, so the probe reports its own failure

const request = http.get({ host: '127.0.0.1', port, path: '/health', timeout: timeoutMs }, (res) => {
  res.resume();
  process.exitCode = res.statusCode === 200 ? 0 : 1;
  if (process.exitCode !== 0) console.error(`healthcheck: GET /health answered ${res.statusCode}`);
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
request.on('error', (error) => {
  console.error(`healthcheck: ${error.message}`);
  process.exitCode = 1;
});
