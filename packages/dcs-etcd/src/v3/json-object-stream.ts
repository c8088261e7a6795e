/** One item of a streamed answer: a parsed JSON object, or why the stream cannot be read any further. */
export type StreamItem = { readonly object: unknown } | { readonly malformed: string };

/** A stream message larger than this is taken for garbage rather than buffered without end. */
const MAX_OBJECT_CHARS = 64 * 1024 * 1024;

/**
 * Splits the text of a streaming gateway answer (`/v3/watch`, `/v3/lease/keepalive`) into its JSON objects.
 * The gateway separates them by newlines, but chunks may end anywhere, also inside an object or a string:
 * this scans braces outside strings, keeping its position across chunks so each character is looked at once.
 */
export class JsonObjectStream {
  #buffer = '';
  /** Where scanning resumes in #buffer. */
  #scanned = 0;
  /** Brace depth at #scanned; 0 between objects. */
  #depth = 0;
  #inString = false;
  #escaped = false;
  #broken = false;

  /** Feeds decoded text (callers decode UTF-8 across chunk ends); returns the objects it completed. */
  push(text: string): StreamItem[] {
    if (this.#broken) return [];
    this.#buffer += text;
    const items: StreamItem[] = [];
    let start = this.#depth === 0 ? this.#scanned : 0;
    for (let i = this.#scanned; i < this.#buffer.length; i++) {
      const c = this.#buffer.charCodeAt(i);
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === 0x5c /* \ */) this.#escaped = true;
        else if (c === 0x22 /* " */) this.#inString = false;
      } else if (this.#depth === 0) {
        if (c === 0x7b /* { */) {
          start = i;
          this.#depth = 1;
        } else if (!isJsonSpace(c)) {
          return this.#fail(items, `unexpected ${JSON.stringify(this.#buffer[i])} between objects`);
        }
      } else if (c === 0x22) this.#inString = true;
      else if (c === 0x7b) this.#depth++;
      else if (c === 0x7d /* } */ && --this.#depth === 0) {
        const item = parse(this.#buffer.slice(start, i + 1));
        items.push(item);
        if ('malformed' in item) return this.#fail(items, item.malformed);
        start = i + 1;
      }
    }
    // Keep only the unfinished object (or nothing between objects).
    this.#buffer = this.#depth === 0 ? '' : this.#buffer.slice(start);
    this.#scanned = this.#buffer.length;
    if (this.#buffer.length > MAX_OBJECT_CHARS) return this.#fail(items, 'stream message too large');
    return items;
  }

  #fail(items: StreamItem[], why: string): StreamItem[] {
    this.#broken = true;
    this.#buffer = '';
    if (!items.some((item) => 'malformed' in item)) items.push({ malformed: why });
    return items;
  }
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function parse(text: string): StreamItem {
  try {
    return { object: JSON.parse(text) as unknown };
  } catch (error) {
    return { malformed: error instanceof Error ? error.message : String(error) };
  }
}
