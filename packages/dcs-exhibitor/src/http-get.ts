import { get } from 'node:http';

/** Answers larger than this are not an Exhibitor cluster list: stop reading. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * One plain-HTTP GET (Exhibitor speaks no TLS) resolving to status and body text; rejects on connection
 * errors, timeouts and oversized answers. node:http rather than `fetch`, which would load undici
 * (+2 MiB heap) into an agent that needs it for nothing else.
 */
export function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) request.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
