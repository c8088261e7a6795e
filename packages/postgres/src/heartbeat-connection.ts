import { connect, type LookupFunction, type Socket } from 'node:net';
import type pg from 'pg';

// node:crypto costs ~0.5 MiB RSS; a trust login never needs it.
const crypto = () => process.getBuiltinModule('node:crypto');

/**
 * The agent's own PostgreSQL client: the frontend/backend protocol (v3) spoken directly for simple queries
 * with text results. Named for its first job, the status query (one every loop_wait, where node-postgres's
 * generic machinery costs several times the query itself); it now also serves the other local queries and
 * the one-off connections (withTextConnection), so an agent in steady state never loads node-postgres.
 * Only what those logins need: a unix socket or TCP without TLS; trust, password, md5 or SCRAM-SHA-256;
 * optionally `replication=true`. Anything else is `HeartbeatUnsupported`, and the caller uses node-postgres.
 */

export interface HeartbeatConnectOptions {
  /** A unix socket directory (absolute path) or a TCP host. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly applicationName: string;
  /** The startup `options` parameter (`-c statement_timeout=2000`). */
  readonly options?: string;
  /** A physical replication connection (`replication=true`): IDENTIFY_SYSTEM, TIMELINE_HISTORY. */
  readonly replication?: boolean;
  readonly connectTimeoutMs: number;
}

const LOOPBACK = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
] as const;

/**
 * `localhost` is the loopback interface (RFC 6761 §6.3), IPv4 first then IPv6 (connect tries the next one
 * when the first is refused): the local connection skips the resolver, whose getaddrinfo() call (libuv's
 * thread pool, the NSS modules) costs an agent ~0.9 MiB RSS when nothing else resolves names.
 */
export const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
  const addresses = LOOPBACK.filter((a) => !family || a.family === family);
  if (options.all)
    callback(
      null,
      addresses.map((a) => ({ ...a })),
    );
  else callback(null, addresses[0]?.address ?? '127.0.0.1', addresses[0]?.family ?? 4);
};

/** The server asked for something this client does not speak (TLS, GSSAPI, a password it was not given). */
export class HeartbeatUnsupported extends Error {}

// The node-postgres settings this client understands; any other one is for node-postgres.
const UNDERSTOOD = new Set([
  'host',
  'port',
  'user',
  'password',
  'database',
  'application_name',
  'options',
  'connectionTimeoutMillis',
  'ssl',
]);

/**
 * node-postgres connection settings as this client's options; HeartbeatUnsupported for TLS or any setting
 * it does not know (the caller then uses node-postgres). Defaults as libpq's: localhost, 5432, postgres.
 */
export function connectOptionsOf(
  settings: pg.ClientConfig,
  extra: { readonly replication?: boolean; readonly connectTimeoutMs?: number } = {},
): HeartbeatConnectOptions {
  if (settings.ssl) throw new HeartbeatUnsupported('TLS is configured for the connection');
  for (const [key, value] of Object.entries(settings as Record<string, unknown>))
    if (value !== undefined && !UNDERSTOOD.has(key))
      throw new HeartbeatUnsupported(`the connection setting ${key} is for node-postgres`);
  if (settings.password !== undefined && typeof settings.password !== 'string')
    throw new HeartbeatUnsupported('the password is not a string');
  return {
    host: settings.host ?? 'localhost',
    port: settings.port ?? 5432,
    user: settings.user ?? 'postgres',
    password: settings.password,
    database: settings.database ?? 'postgres',
    applicationName: settings.application_name ?? 'Patroni',
    ...(settings.options ? { options: settings.options } : {}),
    ...(extra.replication ? { replication: true } : {}),
    connectTimeoutMs: extra.connectTimeoutMs ?? settings.connectionTimeoutMillis ?? 3000,
  };
}

/** An ErrorResponse from the server: its SQLSTATE and message, as node-postgres words it. */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** One simple query's answer: column names and text values (null for SQL NULL), last result set only. */
export interface TextResult {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
}

const PROTOCOL_3_0 = 196608;
const AUTH_OK = 0;
const AUTH_CLEARTEXT = 3;
const AUTH_MD5 = 5;
const AUTH_SASL = 10;
const AUTH_SASL_CONTINUE = 11;
const AUTH_SASL_FINAL = 12;

/** One backend message: its type byte and payload. */
interface Message {
  readonly type: number;
  readonly body: Buffer;
}

/** Splits backend messages off a byte stream. */
class MessageReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Message[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const messages: Message[] = [];
    let at = 0;
    while (at + 5 <= this.#pending.length) {
      const length = this.#pending.readInt32BE(at + 1);
      if (length < 4) throw new Error(`malformed message from the server (length ${length})`);
      if (at + 1 + length > this.#pending.length) break;
      messages.push({
        type: this.#pending[at] as number,
        body: this.#pending.subarray(at + 5, at + 1 + length),
      });
      at += 1 + length;
    }
    this.#pending = this.#pending.subarray(at);
    return messages;
  }
}

/** A frontend message: type byte (none for the startup message), length, payload. */
function frame(type: string | null, ...parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  const header = Buffer.alloc(type === null ? 4 : 5);
  if (type !== null) header.write(type, 0, 'latin1');
  header.writeInt32BE(payload.length + 4, type === null ? 0 : 1);
  return Buffer.concat([header, payload]);
}

const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** The fields of an ErrorResponse or NoticeResponse, by their one-letter codes. */
function errorFields(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    fields.set(String.fromCharCode(body[at] as number), body.toString('utf8', at + 1, end));
    at = end + 1;
  }
  return fields;
}

function serverError(body: Buffer): ServerError {
  const fields = errorFields(body);
  return new ServerError(fields.get('M') ?? 'unknown server error', fields.get('C'));
}

/** The client side of SCRAM-SHA-256 (RFC 5802/7677) as PostgreSQL runs it: no channel binding. */
class ScramClient {
  readonly #nonce = crypto().randomBytes(18).toString('base64');
  #clientFirstBare = '';
  #expectedServerSignature: Buffer | null = null;

  constructor(private readonly password: string) {}

  first(): string {
    // PostgreSQL takes the user from the startup message; the SCRAM user name is left empty.
    this.#clientFirstBare = `n=,r=${this.#nonce}`;
    return `n,,${this.#clientFirstBare}`;
  }

  final(serverFirst: string): string {
    const attributes = new Map(serverFirst.split(',').map((part) => [part[0], part.slice(2)] as const));
    const serverNonce = attributes.get('r') ?? '';
    const salt = attributes.get('s');
    const iterations = Number(attributes.get('i'));
    if (!serverNonce.startsWith(this.#nonce) || serverNonce.length === this.#nonce.length)
      throw new Error('SCRAM: the server nonce does not extend ours');
    if (salt === undefined || !Number.isInteger(iterations) || iterations < 1)
      throw new Error('SCRAM: malformed server-first message');
    const salted = crypto().pbkdf2Sync(this.password, Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = crypto().createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${serverNonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] as number) ^ (signature[i] as number);
    this.#expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Throws unless the server proved it knows the password too. */
  verify(serverFinal: string): void {
    const given = /(?:^|,)v=([^,]+)/.exec(serverFinal)?.[1];
    const expected = this.#expectedServerSignature;
    const ok =
      given !== undefined &&
      expected !== null &&
      Buffer.from(given, 'base64').length === expected.length &&
      crypto().timingSafeEqual(Buffer.from(given, 'base64'), expected);
    if (!ok) throw new Error('SCRAM: the server signature does not match');
  }
}

const hmac = (key: Buffer, text: string) => crypto().createHmac('sha256', key).update(text).digest();
const md5hex = (text: Buffer | string) => crypto().createHash('md5').update(text).digest('hex');

/** What the connection is waiting for: the login to finish, or a query's answer. */
type Waiter =
  | { kind: 'login'; resolve: () => void; reject: (error: Error) => void }
  | {
      kind: 'query';
      resolve: (result: TextResult) => void;
      reject: (error: Error) => void;
      columns: string[];
      rows: Array<Array<string | null>>;
      error: Error | null;
    };

export class HeartbeatConnection {
  readonly #socket: Socket;
  readonly #reader = new MessageReader();
  #waiter: Waiter | null = null;
  #scram: ScramClient | null = null;
  #closed: Error | null = null;
  /** Queries run one at a time; this is the tail of the queue. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: HeartbeatConnectOptions,
    readBuffer: Buffer,
  ) {
    const target = options.host.startsWith('/')
      ? { path: `${options.host}/.s.PGSQL.${options.port}` }
      : {
          host: options.host,
          port: options.port,
          ...(options.host.toLowerCase() === 'localhost' ? { lookup: loopbackLookup } : {}),
        };
    this.#socket = connect({
      ...target,
      onread: { buffer: readBuffer, callback: (n) => this.#onBytes(readBuffer.subarray(0, n)) },
    });
    this.#socket.setNoDelay(true);
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.on('close', () => this.#fail(new Error('connection to the server closed')));
  }

  /** Connects and logs in; rejects with HeartbeatUnsupported, ServerError or a connection error. */
  static async open(options: HeartbeatConnectOptions): Promise<HeartbeatConnection> {
    const connection = new HeartbeatConnection(options, Buffer.allocUnsafe(16 * 1024));
    const timer = setTimeout(
      () =>
        connection.#fail(new Error(`timeout expired after ${options.connectTimeoutMs} ms while connecting`)),
      options.connectTimeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        connection.#waiter = { kind: 'login', resolve, reject };
        const params = [
          ['user', options.user],
          ['database', options.database],
          ['application_name', options.applicationName],
          ['client_encoding', 'UTF8'],
          ...(options.options ? [['options', options.options]] : []),
          ...(options.replication ? [['replication', 'true']] : []),
        ];
        connection.#socket.write(
          frame(
            null,
            int32(PROTOCOL_3_0),
            ...params.flatMap(([k, v]) => [cstring(k as string), cstring(v as string)]),
            Buffer.from([0]),
          ),
        );
      });
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen(): boolean {
    return this.#closed === null;
  }

  /** One simple query (no parameters); rejects with ServerError for an SQL error (the connection stays). */
  query(sql: string): Promise<TextResult> {
    const run = this.#queue.then(
      () =>
        new Promise<TextResult>((resolve, reject) => {
          if (this.#closed) return reject(this.#closed);
          this.#waiter = { kind: 'query', resolve, reject, columns: [], rows: [], error: null };
          this.#socket.write(frame('Q', cstring(sql)));
        }),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    if (this.#closed === null) {
      this.#closed = new Error('connection closed');
      if (!this.#socket.destroyed && this.#socket.writable) this.#socket.end(frame('X'));
      this.#socket.destroy();
    }
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    this.#socket.destroy();
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.reject(error);
  }

  #onBytes(chunk: Buffer): boolean {
    try {
      for (const message of this.#reader.push(chunk)) this.#handle(message);
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
    return true;
  }

  #handle({ type, body }: Message): void {
    const waiter = this.#waiter;
    switch (String.fromCharCode(type)) {
      case 'R':
        this.#authenticate(body);
        return;
      case 'E': {
        const error = serverError(body);
        if (waiter?.kind === 'query') waiter.error ??= error;
        else this.#fail(error);
        return;
      }
      case 'T':
        if (waiter?.kind === 'query') {
          waiter.columns = rowDescription(body);
          waiter.rows = [];
        }
        return;
      case 'D':
        if (waiter?.kind === 'query') waiter.rows.push(dataRow(body));
        return;
      case 'Z':
        this.#waiter = null;
        if (waiter?.kind === 'login') waiter.resolve();
        else if (waiter?.kind === 'query') {
          if (waiter.error) waiter.reject(waiter.error);
          else waiter.resolve({ columns: waiter.columns, rows: waiter.rows });
        }
        return;
      case 'C':
      case 'I':
      case 'S':
      case 'K':
      case 'N':
      case 'A':
        return; // completion, parameter status, cancel key, notices: nothing to keep
      default:
        throw new Error(`unexpected message '${String.fromCharCode(type)}' from the server`);
    }
  }

  #authenticate(body: Buffer): void {
    const code = body.readInt32BE(0);
    const password = this.options.password;
    if (code === AUTH_OK) return;
    if (code === AUTH_SASL_CONTINUE || code === AUTH_SASL_FINAL) {
      const data = body.toString('utf8', 4);
      if (this.#scram === null) throw new Error('SCRAM message without a SCRAM exchange');
      if (code === AUTH_SASL_CONTINUE)
        this.#socket.write(frame('p', Buffer.from(this.#scram.final(data), 'utf8')));
      else this.#scram.verify(data);
      return;
    }
    if (code !== AUTH_CLEARTEXT && code !== AUTH_MD5 && code !== AUTH_SASL)
      throw new HeartbeatUnsupported(`authentication method ${code} is not supported here`);
    // Without a configured password node-postgres looks further (PGPASSWORD, the pgpass file).
    if (password === undefined) throw new HeartbeatUnsupported('the server asks for a password');
    // PostgreSQL SASLpreps a SCRAM password (NFKC and more); node-postgres mirrors that, so leave such
    // passwords to it rather than fail the login every cycle.
    if (code === AUTH_SASL && /[^\x20-\x7e]/.test(password))
      throw new HeartbeatUnsupported('a non-ASCII password needs SASLprep');
    if (code === AUTH_CLEARTEXT) {
      this.#socket.write(frame('p', cstring(password)));
    } else if (code === AUTH_MD5) {
      const salt = body.subarray(4, 8);
      const inner = md5hex(`${password}${this.options.user}`);
      this.#socket.write(frame('p', cstring(`md5${md5hex(Buffer.concat([Buffer.from(inner), salt]))}`)));
    } else {
      const mechanisms = body.toString('utf8', 4).split('\0').filter(Boolean);
      if (!mechanisms.includes('SCRAM-SHA-256'))
        throw new HeartbeatUnsupported(`SASL mechanisms ${mechanisms.join(', ')} are not supported here`);
      this.#scram = new ScramClient(password);
      const first = Buffer.from(this.#scram.first(), 'utf8');
      this.#socket.write(frame('p', cstring('SCRAM-SHA-256'), int32(first.length), first));
    }
  }
}

/** RowDescription → column names. */
function rowDescription(body: Buffer): string[] {
  const count = body.readInt16BE(0);
  const names: string[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at);
    names.push(body.toString('utf8', at, end));
    at = end + 1 + 18; // table oid, column number, type oid, type size, type modifier, format
  }
  return names;
}

/** DataRow → text values (null for SQL NULL). */
function dataRow(body: Buffer): Array<string | null> {
  const count = body.readInt16BE(0);
  const values: Array<string | null> = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(at);
    at += 4;
    if (length < 0) values.push(null);
    else {
      values.push(body.toString('utf8', at, at + length));
      at += length;
    }
  }
  return values;
}
