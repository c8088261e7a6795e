import { createInterface } from 'node:readline';

/** Interactive questions; null means the input ended (Ctrl-D), which patronictl reports as `Aborted!`. */
export interface Prompter {
  /** `text [default]: ` → the answer (the default when empty). */
  prompt(text: string, options?: { default?: string; hidden?: boolean }): Promise<string | null>;
  /** `text [y/N]: ` → true/false. */
  confirm(text: string, defaultYes?: boolean): Promise<boolean | null>;
  /** Stops reading the input. */
  close(): void;
}

/** Reads answers line by line from a stream (stdin), writing the questions to `out`. */
export function linePrompter(input: NodeJS.ReadableStream, out: { write(chunk: string): unknown }): Prompter {
  const lines: string[] = [];
  const waiters: Array<(line: string | null) => void> = [];
  let ended = false;
  let reader: ReturnType<typeof createInterface> | null = null;
  const start = () => {
    if (reader) return;
    reader = createInterface({ input, terminal: false });
    reader.on('line', (line) => {
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    });
    reader.on('close', () => {
      ended = true;
      for (const waiter of waiters.splice(0)) waiter(null);
    });
  };
  const nextLine = (): Promise<string | null> => {
    start();
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.resolve(null);
    return new Promise((resolve) => waiters.push(resolve));
  };
  return {
    async prompt(text, options = {}) {
      const suffix = options.default !== undefined && options.default !== '' ? ` [${options.default}]` : '';
      out.write(`${text}${suffix}: `);
      const line = await nextLine();
      if (line === null) return null;
      return line === '' ? (options.default ?? '') : line;
    },
    async confirm(text, defaultYes = false) {
      for (;;) {
        out.write(`${text} [${defaultYes ? 'Y/n' : 'y/N'}]: `);
        const line = await nextLine();
        if (line === null) return null;
        const answer = line.trim().toLowerCase();
        if (answer === '') return defaultYes;
        if (['y', 'yes'].includes(answer)) return true;
        if (['n', 'no'].includes(answer)) return false;
        out.write('Error: invalid input\n');
      }
    },
    close() {
      reader?.close();
    },
  };
}
