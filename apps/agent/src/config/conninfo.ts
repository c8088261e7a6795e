/**
 * libpq connection strings: `key=value ...` (values optionally single-quoted, `\` escapes) and
 * `postgresql://user:password@host:port/dbname?key=value` URIs. Null when the text is neither.
 */
export type Conninfo = Record<string, string>;

function parseKeyValues(text: string): Conninfo | null {
  const result: Conninfo = {};
  let i = 0;
  const skipSpaces = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  for (skipSpaces(); i < text.length; skipSpaces()) {
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (!key) return null;
    i += key.length;
    skipSpaces();
    if (text[i] !== '=') return null;
    i++;
    skipSpaces();
    let value = '';
    if (text[i] === "'") {
      for (i++; ; i++) {
        if (i >= text.length) return null;
        const c = text[i] as string;
        if (c === '\\' && i + 1 < text.length) value += text[++i];
        else if (c === "'") break;
        else value += c;
      }
      i++;
    } else {
      for (; i < text.length && !/\s/.test(text[i] as string); i++) {
        const c = text[i] as string;
        value += c === '\\' && i + 1 < text.length ? text[++i] : c;
      }
    }
    result[key] = value;
  }
  return Object.keys(result).length > 0 ? result : null;
}

function parseUri(text: string): Conninfo | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const result: Conninfo = {};
  const decode = (value: string) => decodeURIComponent(value);
  if (url.username) result.user = decode(url.username);
  if (url.password) result.password = decode(url.password);
  if (url.hostname) result.host = decode(url.hostname).replace(/^\[(.*)\]$/, '$1');
  if (url.port) result.port = url.port;
  if (url.pathname.length > 1) result.dbname = decode(url.pathname.slice(1));
  for (const [key, value] of url.searchParams) result[key] = value;
  return result;
}

export function parseConninfo(text: string): Conninfo | null {
  const trimmed = text.trim();
  if (/^postgres(ql)?:\/\//.test(trimmed)) return parseUri(trimmed);
  return parseKeyValues(trimmed);
}
