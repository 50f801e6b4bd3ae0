import { type Response } from 'restify';

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends a finished body. `sendRaw` skips restify's content negotiation (which answers 406
 * to an odd Accept header); the Content-Length sends it in one piece instead of chunked.
 */
export function send(res: Response, status: number, body: string, contentType: string): void {
  res.sendRaw(status, body, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) });
}
