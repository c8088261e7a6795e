import { serializeHistory } from '../model/serialize.js';
import type { HistoryLine } from '../model/types.js';
import type { Ctx } from './context.js';
import { perform, type Step } from './effects.js';

/**
 * The primary keeps `/history` in step with its timeline (dcs.md §3.8): `[]` on timeline 1, else the history
 * file's lines, the newest one with `promoted_at` and my name; 5-element lines already stored are carried over.
 */
export function* updateHistory(ctx: Ctx): Step<void> {
  const timeline = ctx.pg.timeline;
  const stored = ctx.cluster.history;
  if (!timeline) return;
  if (timeline === 1) {
    if (stored && stored.lines.length > 0) yield* perform({ kind: 'dcs.set-history', value: '[]' });
    return;
  }
  const last = stored?.lines[stored.lines.length - 1];
  if (last && last[0] === timeline - 1 && last.length === 5) return;
  const entries = ctx.pg.obs.timelineHistory;
  if (!entries || entries.length === 0) return;
  const previous = new Map(
    (stored?.lines ?? []).filter((l) => l.length === 5).map((l) => [`${l[0]}/${l[1]}`, l]),
  );
  let lines: HistoryLine[] = entries.map((entry) => {
    const known = previous.get(`${entry.parentTimeline}/${entry.switchLsn}`);
    if (known) return known;
    if (entry.parentTimeline === timeline - 1 && entry.fileModifiedAt) {
      return [entry.parentTimeline, entry.switchLsn, entry.reason, entry.fileModifiedAt, ctx.me];
    }
    return [entry.parentTimeline, entry.switchLsn, entry.reason];
  });
  const keep = ctx.config.maxTimelinesHistory;
  if (keep > 0) lines = lines.slice(-keep);
  yield* perform({ kind: 'dcs.set-history', value: serializeHistory(lines) });
}
