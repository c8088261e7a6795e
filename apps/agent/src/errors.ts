/** Stable error codes of @patroni/agent; callers match on `code`, never on the message. */
export const AgentErrorCode = {
  /** The configuration could not be read or failed validation (the message lists every problem). */
  ConfigInvalid: 'AGENT_CONFIG_INVALID',
  /** The config names a DCS whose package is not installed. */
  DcsPackageMissing: 'AGENT_DCS_PACKAGE_MISSING',
  /** The DCS package is installed but has no factory for the configured section. */
  DcsFactoryMissing: 'AGENT_DCS_FACTORY_MISSING',
  /** No DCS section, or more than one. */
  DcsSectionInvalid: 'AGENT_DCS_SECTION_INVALID',
  /** A patronictl command failed; the message is what Patroni prints after `Error: `. */
  CtlError: 'AGENT_CTL_ERROR',
  /** A patronictl prompt was interrupted or declined in a way Patroni reports as `Aborted!`. */
  CtlAborted: 'AGENT_CTL_ABORTED',
  /** Bad patronictl usage (unknown option, invalid choice): exit code 2. */
  CtlUsage: 'AGENT_CTL_USAGE',
  /** Refusing to run as root. */
  RunningAsRoot: 'AGENT_RUNNING_AS_ROOT',
} as const;
export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

export function isAgentError(error: unknown, code?: AgentErrorCode): error is AgentError {
  return error instanceof AgentError && (code === undefined || error.code === code);
}

/** `Error: <message>` from a patronictl command (exit code 1). */
export function ctlError(message: string): AgentError {
  return new AgentError(AgentErrorCode.CtlError, message);
}
