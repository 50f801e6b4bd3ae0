/**
 * What every hello world answers, handed over by run.ts in the environment: the service's own
 * /health answer (path, body, Content-Type), so every target sends the same bytes of payload.
 */
function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: targets are started by bench/run.ts`);
  return value;
}

export const answer = {
  port: Number(required('PORT')),
  path: required('HEALTH_PATH'),
  body: required('HEALTH_BODY'),
  contentType: required('HEALTH_TYPE'),
} as const;
