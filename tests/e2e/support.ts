// What only the end-to-end suites need on top of tests/support: plain HTTP, and node inside the image.
import { docker } from '../support/docker';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** One GET with a bounded wait; never throws on an HTTP error status. */
export async function get(url: string): Promise<HttpAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** Runs node inside a running container (distroless: no shell, so node is the only tool). */
export function nodeIn(container: string, script: string): Promise<string> {
  return docker(['exec', container, '/nodejs/bin/node', '-e', script]);
}
