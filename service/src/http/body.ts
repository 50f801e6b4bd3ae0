import { type IncomingMessage } from 'node:http';
import { HttpError, httpError } from './errors';
import { MAX_BODY_BYTES } from './limits';

const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

/** Reads and parses a JSON request body; an empty body means "no parameters". */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_CONTENT_TYPE.test(type)) {
    throw httpError('UNSUPPORTED_MEDIA_TYPE');
  }
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw httpError('BODY_TOO_LARGE');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw httpError('BODY_TOO_LARGE');
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw httpError('BODY_INCOMPLETE');
  }
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw httpError('INVALID_PARAMETER', 'body', 'valid JSON');
  }
}
