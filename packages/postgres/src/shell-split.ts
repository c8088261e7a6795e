/**
 * Splits a command string into argv the way Python's `shlex.split` (POSIX mode) does: whitespace separates,
 * single quotes are literal, double quotes allow `\"`, `\\`, `\$` and `` \` ``, a backslash outside quotes
 * escapes the next character. Throws on an unterminated quote. No shell is involved.
 */
export function shellSplit(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < command.length) {
    const ch = command[i] as string;
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (ch === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in ${JSON.stringify(command)}`);
      word += command.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      const [text, next] = readDoubleQuoted(command, i + 1);
      word += text;
      inWord = true;
      i = next;
    } else if (ch === '\\' && i + 1 < command.length) {
      word += command[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function readDoubleQuoted(command: string, start: number): [string, number] {
  let text = '';
  for (let i = start; i < command.length; i++) {
    const ch = command[i] as string;
    if (ch === '"') return [text, i + 1];
    const next = command[i + 1];
    if (ch === '\\' && next !== undefined && '\\"$`\n'.includes(next)) {
      text += next;
      i++;
    } else text += ch;
  }
  throw new Error(`unterminated quote in ${JSON.stringify(command)}`);
}

/** Strips one level of surrounding quotes the way shlex would read a single token (initdb option values). */
export function unquote(value: string): string {
  const words = shellSplit(value);
  return words.length === 1 ? (words[0] as string) : value;
}
