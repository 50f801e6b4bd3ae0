import { type IncomingMessage } from 'node:http';
import { HttpError, httpError } from './errors';

/** Bodies larger than this are refused; /api/work's parameters fit in a few dozen bytes. */
export const MAX_BODY_BYTES = 16_384;

const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

/** Reads and parses a JSON request body; an empty body means "no parameters". */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_CONTENT_TYPE.test(type)) {
    throw httpError('UNSUPPORTED_MEDIA_TYPE');
  }
  if (Number(req.headers['content-length'] ?? 0) > limit) throw httpError('BODY_TOO_LARGE');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw httpError('BODY_TOO_LARGE');
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
