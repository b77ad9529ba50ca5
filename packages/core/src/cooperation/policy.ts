import { audit } from '../audit';
import {
  COOPERATION_STATUSES,
  ZCooperationPolicy,
  type TCooperationEvidence,
  type TCooperationPolicy,
  type TCooperationPolicyInput,
  type TCooperationStatus,
} from '@hoptrace/contracts';
import { readSetting, writeSetting, type Executor, type Level, type LevelPolicy } from '@hoptrace/db';
import type { CommandContext } from '../context';
import { authorize, policy } from '../policies';

/**
 * The non-cooperation policy (decision 0027), kept in `settings` like the auto-open policy. A policy saved
 * before a field existed reads with that field's default.
 */
export const COOPERATION_POLICY_KEY = 'cooperation.policy';

export async function cooperationPolicy(db: Executor): Promise<TCooperationPolicy> {
  return ZCooperationPolicy.parse((await readSetting<unknown>(db, COOPERATION_POLICY_KEY)) ?? {});
}

export async function readCooperationPolicy(ctx: CommandContext): Promise<TCooperationPolicy> {
  authorize(policy.readScorecards(ctx.actor), 'route');
  return cooperationPolicy(ctx.db);
}

export async function setCooperationPolicy(
  ctx: CommandContext & { input: TCooperationPolicyInput },
): Promise<TCooperationPolicy> {
  authorize(policy.manageCooperationPolicy(ctx.actor), 'route');
  const value = ZCooperationPolicy.parse(ctx.input);
  await ctx.db.transaction(async (tx) => {
    await writeSetting(tx, COOPERATION_POLICY_KEY, value, ctx.clock.now(), ctx.actor.userId);
    await audit(tx, ctx, {
      action: 'settings.changed',
      subject: 'settings',
      subjectId: COOPERATION_POLICY_KEY,
      details: value,
    });
  });
  // Thresholds apply as the table is read; a new window is recomputed by the next read of the table.
  return value;
}

const LEVEL: Record<'none' | 'watch' | 'non_cooperative', Level> = { none: 0, watch: 1, non_cooperative: 2 };
export const statusOfLevel = (level: number): TCooperationStatus =>
  COOPERATION_STATUSES[level] ?? 'cooperative';
export const levelOfStatus = (s: TCooperationStatus): Level => COOPERATION_STATUSES.indexOf(s) as Level;

/** The policy as the scorecard SQL applies it (the same thresholds `assessCooperation` reads). */
export function levelPolicy(p: TCooperationPolicy): LevelPolicy {
  return {
    nonResponsive: p.nonResponsive,
    refused: p.refused,
    noUpstreamNamed: p.noUpstreamNamed,
    origin: p.origin,
    entryPoint: p.entryPoint,
    letters: p.letters,
    rmdAbsent: LEVEL[p.rmdAbsent],
    rmdRemoved: LEVEL[p.rmdRemoved],
  };
}

type Counts = TCooperationEvidence['counts'];
type Reason = TCooperationEvidence['reasons'][number];

const DESCRIBE: Record<keyof Counts, (n: number) => string> = {
  nonResponsive: (n) => `${n} request${n === 1 ? '' : 's'} left unanswered past the deadline`,
  refused: (n) => `${n} request${n === 1 ? '' : 's'} refused`,
  noUpstreamNamed: (n) => `${n} answer${n === 1 ? '' : 's'} naming neither an upstream nor an origin`,
  origin: (n) => `origin of traced traffic ${n} time${n === 1 ? '' : 's'}`,
  entryPoint: (n) => `entry point of traffic from abroad ${n} time${n === 1 ? '' : 's'}`,
  letters: (n) => `${n} cease-and-desist letter${n === 1 ? '' : 's'} on file`,
};

/**
 * The status a policy gives a provider's evidence, with a reason for each criterion that raised it: each
 * counted criterion at or over its `nonCooperativeAt` makes it non-cooperative, at or over `watchAt` puts it
 * on watch; the RMD standing adds its configured level; the worst wins. Pure: the scorecard SQL computes the
 * same level from the same thresholds (a database test holds them together).
 */
export function assessCooperation(
  p: TCooperationPolicy,
  counts: Counts,
  rmd: 'filed' | 'removed' | 'absent' | 'unknown',
): { status: TCooperationStatus; reasons: Reason[] } {
  const reasons: Reason[] = [];
  for (const criterion of Object.keys(DESCRIBE) as Array<keyof Counts>) {
    const t = p[criterion];
    const n = counts[criterion];
    if (t.nonCooperativeAt !== null && n >= t.nonCooperativeAt)
      reasons.push({
        criterion,
        level: 'non_cooperative',
        text: `${DESCRIBE[criterion](n)} (non-cooperative at ${t.nonCooperativeAt})`,
      });
    else if (t.watchAt !== null && n >= t.watchAt)
      reasons.push({ criterion, level: 'watch', text: `${DESCRIBE[criterion](n)} (watch at ${t.watchAt})` });
  }
  const rmdLevel = rmd === 'absent' ? p.rmdAbsent : rmd === 'removed' ? p.rmdRemoved : 'none';
  if (rmdLevel !== 'none')
    reasons.push({
      criterion: 'rmd',
      level: rmdLevel,
      text:
        rmd === 'absent'
          ? 'no filing in the Robocall Mitigation Database'
          : 'removed from the Robocall Mitigation Database',
    });
  const level = Math.max(0, ...reasons.map((r) => LEVEL[r.level]));
  return { status: statusOfLevel(level), reasons };
}
