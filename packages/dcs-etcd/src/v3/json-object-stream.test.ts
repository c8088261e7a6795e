import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonObjectStream, type StreamItem } from './json-object-stream.js';

/** Messages shaped like a watch stream's, with the characters that trip naive splitters inside strings. */
const MESSAGES = [
  { result: { header: { revision: '3' }, created: true } },
  { result: { events: [{ kv: { key: 'L3NlcnZpY2UveC9h', value: 'e30=', mod_revision: '4' } }] } },
  { result: { note: 'braces } { and "quotes" and \\ backslashes \\" inside', unicode: 'žluťoučký kůň ✓' } },
  { error: { grpc_code: 14, http_code: 503, message: 'etcdserver: no leader' } },
];
const TEXT = MESSAGES.map((m) => `${JSON.stringify(m)}\n`).join('');

const objects = (items: StreamItem[]) => items.map((item) => ('object' in item ? item.object : item));

function feed(chunks: string[]): StreamItem[] {
  const stream = new JsonObjectStream();
  return chunks.flatMap((chunk) => stream.push(chunk));
}

describe('JsonObjectStream (newline-separated JSON objects of a streaming gateway answer)', () => {
  it('returns every object once, whole, wherever the chunks end', () => {
    expect(objects(feed([TEXT]))).toEqual(MESSAGES);
    // Every split into two chunks, and one character at a time.
    for (let cut = 0; cut <= TEXT.length; cut++) {
      expect(objects(feed([TEXT.slice(0, cut), TEXT.slice(cut)]))).toEqual(MESSAGES);
    }
    expect(objects(feed([...TEXT]))).toEqual(MESSAGES);
  });

  it('any split into any number of chunks gives the same objects (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: TEXT.length }), { maxLength: 12 }), (cuts) => {
        const sorted = [...cuts].sort((a, b) => a - b);
        const chunks = [0, ...sorted].map((from, i) => TEXT.slice(from, sorted[i] ?? TEXT.length));
        expect(objects(feed(chunks))).toEqual(MESSAGES);
      }),
    );
  });

  it('objects back to back without a newline, and blank lines, are fine', () => {
    expect(objects(feed(['{"a":1}{"b":2}', '\r\n\n  {"c":', '3}\n']))).toEqual([
      { a: 1 },
      { b: 2 },
      { c: 3 },
    ]);
    expect(feed(['{"a":{"b":'])).toEqual([]);
  });

  it('garbage ends the stream with one malformed item and nothing after it', () => {
    const stream = new JsonObjectStream();
    expect(stream.push('{"a":1}\nnot json {"b":2}')).toEqual([
      { object: { a: 1 } },
      { malformed: expect.stringMatching(/unexpected "n"/) },
    ]);
    expect(stream.push('{"c":3}\n')).toEqual([]);
    expect(feed(['{"a":tru', 'e,}'])).toEqual([{ malformed: expect.any(String) }]);
  });
});
