import type Provider from 'oidc-provider';

import { describeError, log } from '../../provider/logging.ts';
import { recordAudit } from '../audit.ts';
import type { HandoverDeps } from '../handover.ts';
import { deleteUnusedLoginHintTokens, loadCreatedSessionUids } from '../login_hint_token.ts';
import { endSessionByUid } from './end_session.ts';
import { REDEMPTION_REASON } from './reasons.ts';

// Event listeners are not awaited by the emitter: the work in flight is kept per provider so
// that a caller (a test, a graceful shutdown) can wait for it.
const inFlight = new WeakMap<Provider, Set<Promise<void>>>();

function track(provider: Provider, work: Promise<void>): void {
  const pending = inFlight.get(provider) ?? new Set<Promise<void>>();
  inFlight.set(provider, pending);
  pending.add(work);
  void work.finally(() => pending.delete(work));
}

async function endCreatedSessions(provider: Provider, deps: HandoverDeps, grantId: string) {
  for (const uid of await loadCreatedSessionUids(deps.knex, grantId)) {
    if (await endSessionByUid(provider, deps.knex, uid)) {
      const reason = REDEMPTION_REASON.sessionEnded;
      await recordAudit(deps.knex, { event: 'cascade.revoked', reason, grantId });
    }
  }
}

/** What revoking a source grant takes with it: its unused tokens and the sessions they made. */
async function cascade(provider: Provider, deps: HandoverDeps, grantId: string): Promise<void> {
  const removed = await deleteUnusedLoginHintTokens(deps.knex, grantId);
  if (removed > 0) {
    const reason = REDEMPTION_REASON.tokensInvalidated;
    await recordAudit(deps.knex, { event: 'cascade.revoked', reason, grantId });
  }
  if (deps.config.handover.cascadeRevocation) {
    await endCreatedSessions(provider, deps, grantId);
  }
}

function start(provider: Provider, deps: HandoverDeps, grantId: string): void {
  const work = cascade(provider, deps, grantId).catch((error: unknown) => {
    log('error', 'cascade_failed', { grant_id: grantId, error: describeError(error) });
  });
  track(provider, work);
}

/** Listens for revoked and destroyed grants and runs the cascade for each. */
export function installCascade(provider: Provider, deps: HandoverDeps): void {
  provider.on('grant.revoked', (_ctx: unknown, grantId: string) => start(provider, deps, grantId));
  provider.on('grant.destroyed', (grant: { jti: string }) => start(provider, deps, grant.jti));
}

/** Resolves once every cascade started so far on this provider (and any it led to) is done. */
export async function settleCascades(provider: Provider): Promise<void> {
  const pending = inFlight.get(provider);
  while (pending && pending.size > 0) {
    await Promise.all([...pending]);
  }
}
