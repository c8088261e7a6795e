import type { Logger } from '@patroni/ha-core';
import { pino } from 'pino';
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

const PINO_LEVEL: Record<LogLevelName, string> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  ERROR: 'error',
  CRITICAL: 'fatal',
};
/** pino level number → Python level name and number. */
const PYTHON_LEVEL: Record<number, [string, number]> = {
  20: ['DEBUG', 10],
  30: ['INFO', 20],
  40: ['WARNING', 30],
  50: ['ERROR', 40],
  60: ['CRITICAL', 50],
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

interface PinoLine {
  level: number;
  time: number;
  name?: string;
  msg?: string;
  traceback?: string;
}

/** Turns pino's JSON lines into Patroni's plain or json lines and writes them to the sink. */
function patroniDestination(settings: LogSettings, sink: LogSink) {
  let lastHeartbeat: string | null = null;
  return {
    write(json: string): void {
      const line = JSON.parse(json) as PinoLine;
      const message = line.msg ?? '';
      if (settings.deduplicateHeartbeatLogs) {
        if (HEARTBEAT.test(message)) {
          if (message === lastHeartbeat) return;
          lastHeartbeat = message;
        } else lastHeartbeat = null;
      }
      const [levelName, levelNo] = PYTHON_LEVEL[line.level] ?? ['INFO', 20];
      const event: LogEvent = {
        time: new Date(line.time),
        levelName,
        levelNo,
        loggerName: line.name ?? 'patroni',
        message,
        traceback: line.traceback ?? null,
      };
      sink.write(formatLine(event, settings));
    },
  };
}

function wrap(logger: pino.Logger, name: string, settings: LogSettings): AgentLogger {
  const level = levelFor(name, settings);
  const showTraceback = settings.tracebackLevel === 'ERROR' || level === 'DEBUG';
  const emit =
    (method: 'debug' | 'info' | 'warn' | 'error' | 'fatal') =>
    (message: string, ...args: unknown[]) => {
      const error = args.find((arg): arg is Error => arg instanceof Error);
      const rest = args.filter((arg) => !(arg instanceof Error));
      const text = interpolate(message, rest);
      if (error?.stack && showTraceback) logger[method]({ traceback: error.stack }, text);
      else logger[method](text);
    };
  return {
    name,
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    critical: emit('fatal'),
    child(childName: string): AgentLogger {
      const full = childName.startsWith(`${name}.`) || name === '' ? childName : `${name}.${childName}`;
      const child = logger.child({ name: full }, { level: PINO_LEVEL[levelFor(full, settings)] });
      return wrap(child, full, settings);
    },
  };
}

/**
 * pino-based logging in Patroni's formats (config.md §4.2): plain `%(asctime)s %(levelname)s: %(message)s`
 * lines by default, `log.format`/`log.dateformat` honoured, json with `log.type: json`, per-logger levels,
 * and `<log.dir>/patroni.log` with rotation instead of stderr.
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
  const now = options.now ?? Date.now;
  const base = pino(
    {
      level: PINO_LEVEL[levelFor('patroni', settings)],
      base: null,
      timestamp: () => `,"time":${now()}`,
      formatters: { level: (_label, number) => ({ level: number }) },
    },
    patroniDestination(settings, sink),
  );
  const root = wrap(base.child({ name: 'patroni' }), 'patroni', settings);
  return { root, close: () => sink.close() };
}
