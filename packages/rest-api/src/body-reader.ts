/**
 * Receives a request body up to a byte limit, whether framed by Content-Length or chunked. Node's parser has
 * already checked the framing; what is left is the size cap (413) and a client that goes away (400).
 */
import type { IncomingMessage } from 'node:http';

export type BodyRead =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly status: 400 | 413 };

/** Methods whose body is read before dispatch; other methods' bodies are discarded by node unread. */
export const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  // Refused before reading a byte; the answer closes the connection, so the unread rest does not matter.
  if (declared > limitBytes) return Promise.resolve({ ok: false, status: 413 });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    const finish = (result: BodyRead) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (receivedBytes > limitBytes) finish({ ok: false, status: 413 });
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, receivedBytes) });
    const onError = () => finish({ ok: false, status: 400 });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
