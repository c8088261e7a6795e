import type { PublishedStatus, RestartRequest, ScheduledRestart } from '@patroni/ha-core';

/** `9.6.24` → 90624, `15.4` → 150004, `15` → 150000: the `server_version_num` a version is compared with. */
export function postgresVersionNum(version: string): number | null {
  const parts = version.split('.').map(Number);
  if (parts.some((p) => !Number.isInteger(p) || p < 0)) return null;
  const [major = 0, minor = 0, patch = 0] = parts;
  return major >= 10 ? major * 10000 + minor : major * 10000 + minor * 100 + patch;
}

/** A validated `POST /restart` body as the loop's ScheduledRestart (also used for an immediate restart). */
export function restartRequestToSchedule(
  request: RestartRequest,
  nowMs: number,
  status: PublishedStatus,
): { ok: true; schedule: ScheduledRestart } | { ok: false; message: string } {
  const versionNum =
    request.postgresVersion === undefined ? null : postgresVersionNum(request.postgresVersion);
  if (request.postgresVersion !== undefined && versionNum === null) {
    return { ok: false, message: `Invalid PostgreSQL version: ${request.postgresVersion}` };
  }
  const atMs = request.schedule ? Date.parse(request.schedule) : nowMs;
  const postmasterStartTime = status.postgres?.query?.postmasterStartTime ?? null;
  const raw: Record<string, unknown> = {
    ...(request.schedule ? { schedule: request.schedule } : {}),
    ...(request.role ? { role: request.role } : {}),
    ...(request.postgresVersion ? { postgres_version: request.postgresVersion } : {}),
    ...(request.timeoutSeconds !== undefined ? { timeout: request.timeoutSeconds } : {}),
    ...(request.restartPending !== undefined ? { restart_pending: request.restartPending } : {}),
    ...(postmasterStartTime ? { postmaster_start_time: postmasterStartTime } : {}),
  };
  return {
    ok: true,
    schedule: {
      atMs,
      raw,
      postmasterStartTime,
      role: request.role ?? null,
      postgresVersionNum: versionNum,
      restartPending: request.restartPending !== undefined,
      timeoutMs: request.timeoutSeconds === undefined ? null : request.timeoutSeconds * 1000,
    },
  };
}
