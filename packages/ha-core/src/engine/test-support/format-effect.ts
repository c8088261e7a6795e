import type { Effect } from '../effects.js';

/** One line per effect, for decision tables and golden transcripts. */
export function formatEffect(effect: Effect): string {
  switch (effect.kind) {
    case 'dcs.set-failover':
      return `${effect.kind} ${JSON.stringify(effect.value)}${effect.version ? ' (cas)' : ''}`;
    case 'dcs.write-sync':
      return `${effect.kind} leader=${effect.leader} standbys=[${effect.standbys.join(',')}]${effect.quorum ? ` quorum=${effect.quorum}` : ''}`;
    case 'dcs.touch-member':
      return `${effect.kind} role=${String(effect.data.role)} state=${String(effect.data.state)}`;
    case 'dcs.initialize':
      return `${effect.kind} ${effect.createNew ? 'create' : 'overwrite'} '${effect.sysid}'`;
    case 'dcs.renew-leader':
      return effect.keepalive ? `${effect.kind} +keepalive` : effect.kind;
    case 'dcs.release-leader':
      return effect.lastLsn === null ? effect.kind : `${effect.kind} lastLsn=${effect.lastLsn}`;
    case 'peers.fetch-status':
    case 'peers.failsafe':
      return `${effect.kind} ${effect.targets.map((t) => t.name).join(',')}`;
    case 'pg.stop':
      return `${effect.kind} ${effect.stop.mode}`;
    case 'pg.start':
      return `${effect.kind} ${effect.start.role} <- ${effect.start.upstream?.name ?? 'none'}`;
    case 'pg.configure-follow':
    case 'pg.check-divergence':
      return `${effect.kind} ${effect.kind === 'pg.configure-follow' ? (effect.upstream?.name ?? 'none') : effect.leader.name}`;
    case 'pg.set-synchronous-standby-names':
      return `${effect.kind} ${effect.value ?? '(none)'}`;
    case 'pg.sync-slots':
      return `${effect.kind} [${Object.keys(effect.desired.slots).sort().join(',')}]`;
    case 'callback':
      return `${effect.kind} ${effect.action} ${effect.role}`;
    case 'action.start': {
      const work = effect.work;
      const start =
        'start' in work && work.start
          ? ` (${work.start.role} <- ${work.start.upstream?.name ?? 'none'})`
          : '';
      return `${effect.kind} ${effect.name}${start}`;
    }
    case 'sleep':
      return `${effect.kind} ${effect.ms}ms`;
    case 'log':
      return `log ${effect.level}: ${effect.message}`;
    default:
      return effect.kind;
  }
}
