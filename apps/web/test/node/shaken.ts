import { ZHopAnswer, ZProviderCreate, ZTracebackOpen, ZUserCreate } from '@hoptrace/contracts';
import {
  actorFor,
  answerHop,
  createProvider,
  createUser,
  login,
  openTraceback,
  systemActor,
  systemClock,
} from '@hoptrace/core';
import { findUser, hopsOf } from '@hoptrace/db';
import { DEST, ORIG, startShakenFixture } from '@hoptrace/shaken/testing';
import type { ShakenPortal } from '../support/shaken';
import { startPortal } from './server';

const PASSWORD = 'shaken-password-0123';

/**
 * A portal of its own for the STIR/SHAKEN browser test: a traceback whose Identity header carries a
 * valid A attestation by a directory provider, verified by the core at open against a test PKI served
 * over loopback (as apps/server/src/shakenTracebacks.http.test.ts does), with its hop to the signer.
 * The shared portal's verifier trusts no test CA, so the traceback is opened here, in process.
 */
export async function startShakenPortal(opts: { spc: string; origid: string }): Promise<ShakenPortal> {
  const fx = await startShakenFixture(opts.spc);
  const portal = await startPortal();
  try {
    const db = portal.db;
    const system = { db, clock: systemClock, actor: systemActor('test') };
    const person = async (input: Record<string, unknown>) => {
      const row = await createUser({ ...system, input: ZUserCreate.parse({ password: PASSWORD, ...input }) });
      const session = await login(system, row.email, PASSWORD);
      if (session?.kind !== 'session') throw new Error(`could not sign ${row.email} in`);
      return { row, token: session.token };
    };
    const terminating = await createProvider({
      ...system,
      input: ZProviderCreate.parse({
        name: 'Larkspur Fictional Telecom',
        ocns: ['5E70'],
        contacts: [{ name: 'Desk', email: 'tb@larkspur.example' }],
      }),
    });
    const signerName = 'Wrenfield Fictional Voice';
    const signer = await createProvider({
      ...system,
      input: ZProviderCreate.parse({
        name: signerName,
        ocns: [opts.spc],
        contacts: [{ name: 'Desk', email: 'tb@wrenfield.example' }],
      }),
    });
    const staff = await person({
      email: 'shaken-analyst@hoptrace.test',
      name: 'Shaken Analyst',
      role: 'analyst',
    });
    const signerUser = await person({
      email: 'desk@wrenfield.example',
      name: 'Wrenfield desk',
      role: 'provider',
      providerId: signer.id,
    });
    const startedAt = new Date(Date.now() - 120_000);
    const tb = await openTraceback({
      ...system,
      actor: actorFor((await findUser(db, staff.row.id))!, 'portal'),
      settings: { shaken: { verifier: fx.verifier(), signerHops: 'auto' } },
      input: ZTracebackOpen.parse({
        call: { startedAt: startedAt.toISOString(), callingNumber: `+${ORIG}`, calledNumber: `+${DEST}` },
        firstProviderId: terminating.id,
        identityHeader: fx.identity({ now: startedAt, origid: opts.origid }),
      }),
    });
    const signerHop = (await hopsOf(db, tb.id)).find((h) => h.line === 'signer');
    if (!signerHop) throw new Error('no hop to the signer was opened');

    // Along the path (decision 0034): a second call, whose terminating provider reports the header it
    // received, signed by the signer; the transit then answers that the call originated with its customer.
    const transit = await createProvider({
      ...system,
      input: ZProviderCreate.parse({
        name: 'Fernhollow Fictional Transit',
        contacts: [{ name: 'Desk', email: 'tb@fernhollow.example' }],
      }),
    });
    const settings = { shaken: { verifier: fx.verifier(), signerHops: 'manual' as const } };
    const staffActor = actorFor((await findUser(db, staff.row.id))!, 'portal');
    const header = fx.identity({ now: startedAt });
    const path = await openTraceback({
      ...system,
      actor: staffActor,
      settings,
      input: ZTracebackOpen.parse({
        call: { startedAt: startedAt.toISOString(), callingNumber: `+${ORIG}`, calledNumber: `+${DEST}` },
        firstProviderId: terminating.id,
      }),
    });
    const [first] = await hopsOf(db, path.id);
    await answerHop({
      ...system,
      actor: staffActor,
      settings,
      hopId: first!.id,
      input: ZHopAnswer.parse({
        kind: 'upstream',
        upstreamProviderId: transit.id,
        received: { identityHeader: header, fromNumber: `+${ORIG}` },
      }),
    });
    const second = (await hopsOf(db, path.id)).find((h) => h.seq === 2)!;
    await answerHop({
      ...system,
      actor: staffActor,
      settings,
      hopId: second.id,
      input: ZHopAnswer.parse({
        kind: 'origin',
        customer: { name: 'Fictional Dialer LLC' },
        action: 'warned',
        received: { identityHeader: 'none' },
      }),
    });
    // A request to the signer on the main path of a third call, for its user to answer in the portal form.
    const formTraceback = await openTraceback({
      ...system,
      actor: staffActor,
      settings,
      input: ZTracebackOpen.parse({
        call: { startedAt: startedAt.toISOString(), callingNumber: `+${ORIG}`, calledNumber: `+${DEST}` },
        firstProviderId: signer.id,
      }),
    });
    const [formHop] = await hopsOf(db, formTraceback.id);
    return {
      url: portal.url,
      form: { tracebackId: formTraceback.id, hopId: formHop!.id, header },
      tracebackId: tb.id,
      pathTracebackId: path.id,
      signerHopId: signerHop.id,
      signer: { id: signer.id, name: signerName },
      tokens: { analyst: staff.token, signer: signerUser.token },
      async close() {
        await portal.close();
        await fx.close();
      },
    };
  } catch (err) {
    await portal.close();
    await fx.close();
    throw err;
  }
}
