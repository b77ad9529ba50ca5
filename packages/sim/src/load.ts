import {
  actorFor,
  createApiKey,
  createCampaign,
  createProvider,
  createUser,
  updateProvider,
  type Actor,
  type CommandContext,
} from '@hoptrace/core';
import type { UserRow } from '@hoptrace/db';
import type { TPeerMap } from './agent/decide';
import type { SimNetwork, SimProvider } from './network';
import { Random } from './random';

export interface LoadedProvider {
  key: string;
  id: string;
  user: UserRow;
  actor: Actor;
  /** The provider user's API key (only when asked for: each is a secret). */
  apiKey?: string;
}

export interface LoadedNetwork {
  providers: Map<string, LoadedProvider>;
  /** Provider key by directory id. */
  keyOf: Map<string, string>;
  campaignIds: Map<string, string>;
  /** Each provider's agent peer map, in directory ids (with the configured share of trunks missing). */
  peerMaps: Map<string, TPeerMap>;
}

export interface LoadOptions {
  /** Create an API key for each provider user (the agents need them). */
  apiKeys?: boolean;
  /** Give providers their traceback contacts now; without, nothing is emailed until `addContacts`. */
  contacts?: boolean;
}

const contactOf = (p: SimProvider) => ({
  name: `${p.name.replace(/ Fictional$/, '')} traceback desk`,
  email: p.email,
});

/** Loads a simulated network into the directory through the core commands: providers, users, keys, campaigns. */
export async function loadNetwork(
  ctx: CommandContext,
  network: SimNetwork,
  opts: LoadOptions = {},
): Promise<LoadedNetwork> {
  const providers = new Map<string, LoadedProvider>();
  const keyOf = new Map<string, string>();
  for (const p of network.providers) {
    const row = await createProvider({
      ...ctx,
      input: {
        name: p.name,
        dbaNames: [],
        country: p.country,
        ocns: [p.ocn],
        timezone: p.timezone,
        contacts: opts.contacts ? [contactOf(p)] : [],
        escalationContacts: [],
        verified: true,
      },
    });
    const user = await createUser({
      ...ctx,
      input: {
        email: `desk@${p.email.split('@')[1]}`,
        name: `${p.name} traceback desk`,
        role: 'provider',
        providerId: row.id,
      },
    });
    const loaded: LoadedProvider = { key: p.key, id: row.id, user, actor: actorFor(user, 'portal') };
    if (opts.apiKeys)
      loaded.apiKey = (
        await createApiKey({ ...ctx, userId: user.id, input: { name: 'agent', scopes: ['api'] } })
      ).key;
    providers.set(p.key, loaded);
    keyOf.set(row.id, p.key);
  }
  const campaignIds = new Map<string, string>();
  for (const c of network.campaigns)
    campaignIds.set(c.key, (await createCampaign({ ...ctx, input: c.input })).id);

  const rnd = new Random(network.config.seed + 7);
  const peerMaps = new Map<string, TPeerMap>();
  for (const p of network.providers) {
    const peers: Record<string, string> = {};
    for (const [upstreamKey, trunk] of Object.entries(p.trunkFrom))
      if (!rnd.chance(network.config.unknownPeerShare)) peers[trunk] = providers.get(upstreamKey)!.id;
    const customers: TPeerMap['customers'] = {};
    for (const c of p.customers)
      customers[c.trunk] = { name: c.name, address: c.address, contact: c.contact, accountRef: c.accountRef };
    peerMaps.set(p.key, { peers, customers, originAction: p.originAction });
  }
  return { providers, keyOf, campaignIds, peerMaps };
}

/** Gives every provider its traceback contact (after a history was loaded without sending mail). */
export async function addContacts(
  ctx: CommandContext,
  network: SimNetwork,
  loaded: LoadedNetwork,
): Promise<void> {
  for (const p of network.providers)
    await updateProvider({
      ...ctx,
      providerId: loaded.providers.get(p.key)!.id,
      input: { contacts: [contactOf(p)] },
    });
}
