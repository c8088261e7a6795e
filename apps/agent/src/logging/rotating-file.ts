import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** Where formatted log lines go. */
export interface LogSink {
  write(line: string): void;
  close(): void;
}

/** Writes to a stream such as stderr. */
export function streamSink(stream: { write(chunk: string): unknown }): LogSink {
  return { write: (line) => void stream.write(line), close: () => undefined };
}

export interface RotatingFileOptions {
  readonly dir: string;
  /** Rotated files kept (`patroni.log.1` … `patroni.log.<n>`). */
  readonly fileNum: number;
  readonly fileSizeBytes: number;
  /** Applied each time the file is opened; null → from the umask. */
  readonly fileMode: number | null;
}

/**
 * `<dir>/patroni.log` with size-based rotation like Python's RotatingFileHandler: before a write that would
 * pass `fileSizeBytes`, `patroni.log.<i>` becomes `.<i+1>` (the oldest is dropped) and the file starts over.
 * Synchronous writes keep the lines of a crashing agent.
 */
export class RotatingFileSink implements LogSink {
  private fd: number;
  private sizeBytes: number;
  private readonly path: string;

  constructor(private readonly options: RotatingFileOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.path = join(options.dir, 'patroni.log');
    this.fd = this.open();
    this.sizeBytes = fstatSync(this.fd).size;
  }

  private open(): number {
    const fd = openSync(this.path, 'a', this.options.fileMode ?? 0o666);
    if (this.options.fileMode !== null) chmodSync(this.path, this.options.fileMode);
    return fd;
  }

  private rotate(): void {
    closeSync(this.fd);
    if (this.options.fileNum > 0) {
      for (let i = this.options.fileNum - 1; i >= 1; i--) {
        const from = `${this.path}.${i}`;
        if (existsSync(from)) renameSync(from, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.fd = openSync(this.path, this.options.fileNum > 0 ? 'a' : 'w', this.options.fileMode ?? 0o666);
    this.sizeBytes = 0;
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (
      this.options.fileSizeBytes > 0 &&
      this.sizeBytes > 0 &&
      this.sizeBytes + bytes > this.options.fileSizeBytes
    ) {
      this.rotate();
    }
    writeSync(this.fd, line);
    this.sizeBytes += bytes;
  }

  close(): void {
    closeSync(this.fd);
  }
}
