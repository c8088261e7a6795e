import type { Logger } from '@patroni/ha-core';
import type { LogLevelName, LogSettings } from '../config/agent-config.js';
import { formatLine, type LogEvent } from './line-format.js';
import { interpolate } from './python-format.js';
import { type LogSink, RotatingFileSink, streamSink } from './rotating-file.js';

/** ha-core's Logger plus `critical` and named children (`patroni.postmaster`) with their own level. */
export interface AgentLogger extends Logger {
  critical(message: string, ...args: unknown[]): void;
  child(name: string): AgentLogger;
  readonly name: string;
}

export interface Logging {
  /** The root logger (`patroni`). */
  readonly root: AgentLogger;
  /** Flushes nothing (writes are synchronous); closes the log file. */
  close(): void;
}

export interface LoggingOptions {
  /** Where lines go when `log.dir` is unset (stderr in the daemon). */
  readonly stream?: { write(chunk: string): unknown };
  /** Injected clock (epoch ms) for tests. */
  readonly now?: () => number;
}

/** Python's level numbers: a message is written when its number reaches the logger's level. */
const LEVEL_NUMBER: Record<LogLevelName, number> = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
};

const HEARTBEAT = /^(PAUSE: )?no action\. /;

/** The configured level of `name`: its own or its nearest configured ancestor's, else the root level. */
export function levelFor(name: string, settings: Pick<LogSettings, 'level' | 'loggers'>): LogLevelName {
  for (
    let prefix = name;
    prefix !== '';
    prefix = prefix.includes('.') ? prefix.slice(0, prefix.lastIndexOf('.')) : ''
  ) {
    const level = settings.loggers[prefix];
    if (level !== undefined) return level;
  }
  return settings.level;
}

/** Writes events as Patroni's plain or json lines; repeated heartbeat lines are dropped when asked. */
class PatroniLineWriter {
  #lastHeartbeat: string | null = null;

  constructor(
    private readonly settings: LogSettings,
    private readonly sink: LogSink,
  ) {}

  write(event: LogEvent): void {
    if (this.settings.deduplicateHeartbeatLogs) {
      if (HEARTBEAT.test(event.message)) {
        if (event.message === this.#lastHeartbeat) return;
        this.#lastHeartbeat = event.message;
      } else this.#lastHeartbeat = null;
    }
    this.sink.write(formatLine(event, this.settings));
  }
}

function makeLogger(
  name: string,
  settings: LogSettings,
  writer: PatroniLineWriter,
  now: () => number,
): AgentLogger {
  const threshold = LEVEL_NUMBER[levelFor(name, settings)];
  const showTraceback = settings.tracebackLevel === 'ERROR' || threshold === LEVEL_NUMBER.DEBUG;
  const emit =
    (levelName: LogLevelName) =>
    (message: string, ...args: unknown[]) => {
      const levelNo = LEVEL_NUMBER[levelName];
      if (levelNo < threshold) return;
      const error = args.find((arg): arg is Error => arg instanceof Error);
      const rest = args.filter((arg) => !(arg instanceof Error));
      writer.write({
        time: new Date(now()),
        levelName,
        levelNo,
        loggerName: name,
        message: interpolate(message, rest),
        traceback: error?.stack && showTraceback ? error.stack : null,
      });
    };
  return {
    name,
    debug: emit('DEBUG'),
    info: emit('INFO'),
    warn: emit('WARNING'),
    error: emit('ERROR'),
    critical: emit('CRITICAL'),
    child(childName: string): AgentLogger {
      const full = childName.startsWith(`${name}.`) || name === '' ? childName : `${name}.${childName}`;
      return makeLogger(full, settings, writer, now);
    },
  };
}

/**
 * Logging in Patroni's formats (config.md §4.2): plain `%(asctime)s %(levelname)s: %(message)s` lines by
 * default, `log.format`/`log.dateformat` honoured, json with `log.type: json`, per-logger levels, and
 * `<log.dir>/patroni.log` with rotation instead of stderr. Writes are synchronous.
 */
export function createLogging(settings: LogSettings, options: LoggingOptions = {}): Logging {
  const sink: LogSink =
    settings.dir !== null
      ? new RotatingFileSink({
          dir: settings.dir,
          fileNum: settings.fileNum,
          fileSizeBytes: settings.fileSizeBytes,
          fileMode: settings.fileMode,
        })
      : streamSink(options.stream ?? process.stderr);
  const writer = new PatroniLineWriter(settings, sink);
  const root = makeLogger('patroni', settings, writer, options.now ?? Date.now);
  return { root, close: () => sink.close() };
}
