import type {
  TUserSort,
  TApiKey,
  TAuditHead,
  TAuditHeads,
  TAuditPage,
  TAutoOpenPolicy,
  TCallSource,
  TCallView,
  TCampaignDetail,
  TCampaignRanked,
  TCooperationPolicy,
  TDetermination,
  TScorecard,
  TScorecardPage,
  TUpstreams,
  TDashboard,
  TDnoEntry,
  TNotification,
  TRmdProposal,
  TPublicStatistics,
  TEvent,
  THop,
  THopStatus,
  TProvider,
  TProviderNames,
  TProviderShakenCounts,
  TPublishedNonCooperativeList,
  TReferralList,
  TAgencyList,
  TIssuedLegalRequestList,
  TLegalMatchList,
  TLegalRequest,
  TLegalRequestList,
  TLetterList,
  TTracebackRequestList,
  TRmdChange,
  TRmdFilerPage,
  TResponseTimes,
  TSession,
  TTotpStatus,
  TTraceback,
  TTracebackListItem,
  TUser,
  TUserListItem,
} from '@hoptrace/contracts';
import {
  infiniteQueryOptions,
  keepPreviousData,
  queryOptions,
  useInfiniteQuery,
  useQuery,
} from '@tanstack/react-query';
import { get, isApiError, qs, request } from './client';

/**
 * Every read the portal makes. Each is a query definition (so a route can
 * start it while its code is still downloading) and a hook; keys are shared so
 * a change can refresh exactly what it touched.
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface TracebackFilters {
  /** trace (the API's default), forward, or all. */
  kind?: string | undefined;
  status?: string | undefined;
  /** opened (newest first, the default) or due (soonest deadline first). */
  sort?: string | undefined;
  outcome?: string | undefined;
  campaignId?: string | undefined;
  providerId?: string | undefined;
  number?: string | undefined;
  openedFrom?: string | undefined;
  openedBefore?: string | undefined;
}

export interface CampaignFilters {
  sort: 'recent' | 'volume' | 'growth';
  status?: 'active' | 'candidate' | 'legitimate' | 'all' | undefined;
  q?: string | undefined;
}

export interface CallFilters {
  number?: string | undefined;
  source?: string | undefined;
  campaignId?: string | undefined;
}

export const keys = {
  me: ['me'] as const,
  dashboard: (weeks: number) => ['dashboard', weeks] as const,
  publicStatistics: (year: number | null) => ['public-statistics', year] as const,
  publications: ['public-statistics', 'publications'] as const,
  tracebacks: (filters: TracebackFilters, limit: number) => ['tracebacks', filters, limit] as const,
  traceback: (id: string) => ['traceback', id] as const,
  events: (id: string) => ['events', id] as const,
  hops: (status: THopStatus, limit: number) => ['hops', status, limit] as const,
  hop: (id: string) => ['hop', id] as const,
  providers: (q: string) => ['providers', q] as const,
  provider: (id: string) => ['provider', id] as const,
  providerNames: (ids: string[]) => ['provider-names', ids] as const,
  responseTimes: (id: string, weeks: number) => ['response-times', id, weeks] as const,
  providerShaken: (id: string) => ['provider-shaken', id] as const,
  /** Every campaign read starts with this, so one invalidation refreshes lists, pages and the auto-open plan. */
  campaigns: ['campaigns'] as const,
  campaignNames: ['campaigns', 'names'] as const,
  campaignRanking: (filters: CampaignFilters, limit: number) =>
    ['campaigns', 'ranked', filters, limit] as const,
  campaign: (id: string) => ['campaigns', 'one', id] as const,
  autoOpen: ['campaigns', 'auto-open'] as const,
  calls: (filters: CallFilters, limit: number) => ['calls', filters, limit] as const,
  callSources: ['call-sources'] as const,
  users: (filters: UserFilters) => ['users', filters] as const,
  apiKeys: (userId: string) => ['api-keys', userId] as const,
  totp: ['totp'] as const,
  /** Your sessions (`me`) or a user's (their id): every sessions read starts with `sessions`. */
  sessions: (who: string) => ['sessions', who] as const,
  referrals: (tracebackId: string) => ['referrals', tracebackId] as const,
  tracebackRequests: (status?: string) => ['traceback-requests', status ?? 'all'] as const,
  agencies: ['agencies'] as const,
  /** Every read of the legal process register starts with `legal-requests`. */
  legalRequests: ['legal-requests'] as const,
  legalRequest: (id: string) => ['legal-requests', 'one', id] as const,
  legalMatches: (id: string) => ['legal-requests', 'matches', id] as const,
  issuedLegalRequests: ['legal-requests', 'issued'] as const,
  letters: (providerId: string) => ['letters', providerId] as const,
  /** Every read of the audit ledger starts with `audit`. */
  audit: (filters: AuditFilters) => ['audit', filters] as const,
  auditHeads: ['audit', 'heads'] as const,
  /** Every cooperation read starts with `cooperation`: a review or a policy change refreshes them all. */
  cooperation: ['cooperation'] as const,
  scorecards: (filters: ScorecardFilters) => ['cooperation', 'scorecards', filters] as const,
  scorecard: (id: string) => ['cooperation', 'scorecard', id] as const,
  cooperationPolicy: ['cooperation', 'policy'] as const,
  determinations: (providerId: string) => ['cooperation', 'determinations', providerId] as const,
  upstreams: (id: string, months: number) => ['upstreams', id, months] as const,
  dno: ['dno'] as const,
  rmdProposals: (status: string) => ['rmd-proposals', status] as const,
  notifications: (filters: NotificationFilters) => ['notifications', filters] as const,
};

export interface AuditFilters {
  actor?: string | undefined;
  subject?: string | undefined;
  action?: string | undefined;
}

export interface ScorecardFilters {
  sort: string;
  status?: string | undefined;
  country?: string | undefined;
  q?: string | undefined;
}

/** The scorecard table (staff), sorted and filtered by the server, paged by its keyset cursor. */
export const useScorecards = (filters: ScorecardFilters) =>
  useInfiniteQuery({
    queryKey: keys.scorecards(filters),
    queryFn: ({ pageParam, signal }) =>
      get<TScorecardPage>(`/scorecards${qs({ ...filters, limit: 50, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: Page<unknown>) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });

export const useScorecard = (providerId: string) =>
  useQuery({
    queryKey: keys.scorecard(providerId),
    queryFn: ({ signal }) => get<TScorecard>(`/providers/${providerId}/scorecard`, signal),
  });

export const useCooperationPolicy = () =>
  useQuery({
    queryKey: keys.cooperationPolicy,
    queryFn: ({ signal }) => get<TCooperationPolicy>('/cooperation/policy', signal),
  });

export const useDeterminations = (providerId: string, enabled: boolean) =>
  useQuery({
    queryKey: keys.determinations(providerId),
    queryFn: ({ signal }) =>
      get<Page<TDetermination>>(`/determinations${qs({ providerId, limit: 10 })}`, signal),
    enabled,
  });

export const useUpstreams = (providerId: string, months: number) =>
  useQuery({
    queryKey: keys.upstreams(providerId, months),
    queryFn: ({ signal }) => get<TUpstreams>(`/providers/${providerId}/upstreams${qs({ months })}`, signal),
    placeholderData: keepPreviousData,
  });

const nextCursor = (last: Page<unknown>) => last.nextCursor ?? undefined;

export const q = {
  /** The signed-in user, or null when nobody is. */
  me: () =>
    queryOptions({
      queryKey: keys.me,
      queryFn: async ({ signal }) => {
        try {
          return (await request<{ user: TUser }>('GET', '/auth/me', { signal, quiet401: true })).user;
        } catch (e) {
          if (isApiError(e, 401)) return null;
          throw e;
        }
      },
      staleTime: 5 * 60_000,
    }),
  dashboard: (weeks: number) =>
    queryOptions({
      queryKey: keys.dashboard(weeks),
      queryFn: ({ signal }) => get<TDashboard>(`/stats/dashboard${qs({ weeks })}`, signal),
    }),
  /** `fresh`: past the browser's cache (the answer is cacheable for minutes), as after staff publish. */
  publicStatistics: (year: number | null, fresh = false) =>
    queryOptions({
      queryKey: keys.publicStatistics(year),
      queryFn: ({ signal }) =>
        request<TPublicStatistics>('GET', `/public/statistics${qs({ year: year ?? undefined })}`, {
          signal,
          ...(fresh ? { cache: 'reload' as const } : {}),
        }),
    }),
  tracebacks: (filters: TracebackFilters, limit = 25) =>
    infiniteQueryOptions({
      queryKey: keys.tracebacks(filters, limit),
      queryFn: ({ pageParam, signal }) =>
        get<Page<TTracebackListItem>>(`/tracebacks${qs({ ...filters, limit, cursor: pageParam })}`, signal),
      initialPageParam: undefined as string | undefined,
      getNextPageParam: nextCursor,
    }),
  traceback: (id: string) =>
    queryOptions({
      queryKey: keys.traceback(id),
      queryFn: ({ signal }) => get<TTraceback>(`/tracebacks/${id}`, signal),
    }),
  events: (id: string) =>
    queryOptions({
      queryKey: keys.events(id),
      queryFn: async ({ signal }) =>
        (await get<{ items: TEvent[] }>(`/tracebacks/${id}/events`, signal)).items,
    }),
  hops: (status: THopStatus, limit = 50) =>
    infiniteQueryOptions({
      queryKey: keys.hops(status, limit),
      queryFn: ({ pageParam, signal }) =>
        get<Page<THop>>(`/hops${qs({ status, limit, cursor: pageParam })}`, signal),
      initialPageParam: undefined as string | undefined,
      getNextPageParam: nextCursor,
    }),
  hop: (id: string) =>
    queryOptions({ queryKey: keys.hop(id), queryFn: ({ signal }) => get<THop>(`/hops/${id}`, signal) }),
  legalRequests: () =>
    queryOptions({
      queryKey: keys.legalRequests,
      queryFn: async ({ signal }) => (await get<TLegalRequestList>('/legal-requests', signal)).items,
    }),
  legalRequest: (id: string) =>
    queryOptions({
      queryKey: keys.legalRequest(id),
      queryFn: ({ signal }) => get<TLegalRequest>(`/legal-requests/${id}`, signal),
    }),
  provider: (id: string) =>
    queryOptions({
      queryKey: keys.provider(id),
      queryFn: ({ signal }) => get<TProvider>(`/providers/${id}`, signal),
    }),
  responseTimes: (id: string, weeks: number) =>
    queryOptions({
      queryKey: keys.responseTimes(id, weeks),
      queryFn: ({ signal }) => get<TResponseTimes>(`/providers/${id}/response-times${qs({ weeks })}`, signal),
    }),
  providerShaken: (id: string) =>
    queryOptions({
      queryKey: keys.providerShaken(id),
      queryFn: ({ signal }) => get<TProviderShakenCounts>(`/providers/${id}/shaken`, signal),
    }),
  /** Campaign names for pickers and filters: newest first, active and legitimate ones. */
  campaigns: () =>
    queryOptions({
      queryKey: keys.campaignNames,
      queryFn: ({ signal }) =>
        get<Page<TCampaignRanked>>(`/campaigns${qs({ sort: 'recent', limit: 200 })}`, signal),
      staleTime: 5 * 60_000,
    }),
  campaignNames: ['campaigns', 'names'] as const,
  campaignRanking: (filters: CampaignFilters, limit = 50) =>
    infiniteQueryOptions({
      queryKey: keys.campaignRanking(filters, limit),
      queryFn: ({ pageParam, signal }) =>
        get<Page<TCampaignRanked>>(`/campaigns${qs({ ...filters, limit, cursor: pageParam })}`, signal),
      initialPageParam: undefined as string | undefined,
      getNextPageParam: nextCursor,
    }),
  campaign: (id: string) =>
    queryOptions({
      queryKey: keys.campaign(id),
      queryFn: ({ signal }) => get<TCampaignDetail>(`/campaigns/${id}`, signal),
    }),
  /** The feeds, with the provider each one's calls arrive through (where a traceback of one starts). */
  callSources: () =>
    queryOptions({
      queryKey: keys.callSources,
      queryFn: async ({ signal }) => (await get<{ items: TCallSource[] }>('/call-sources', signal)).items,
      staleTime: 5 * 60_000,
    }),
  calls: (filters: CallFilters, limit = 50) =>
    infiniteQueryOptions({
      queryKey: keys.calls(filters, limit),
      queryFn: ({ pageParam, signal }) =>
        get<Page<TCallView>>(`/calls${qs({ ...filters, limit, cursor: pageParam })}`, signal),
      initialPageParam: undefined as string | undefined,
      getNextPageParam: nextCursor,
    }),
};

export const useMe = () => useQuery(q.me());

export const useDashboard = (weeks: number) =>
  useQuery({ ...q.dashboard(weeks), placeholderData: keepPreviousData, refetchInterval: 60_000 });

export const usePublicStatistics = (year: number | null) =>
  useQuery({ ...q.publicStatistics(year), placeholderData: keepPreviousData });

/** Providers staff named non-cooperative and published (public). */
export const usePublishedNonCooperative = () =>
  useQuery({
    queryKey: ['public-non-cooperative'] as const,
    queryFn: ({ signal }) => get<TPublishedNonCooperativeList>('/public/non-cooperative-providers', signal),
  });

/** The audit ledger's last published head (public); null before the first publication. */
export const usePublicAuditHead = () =>
  useQuery({
    queryKey: ['public-audit-head'] as const,
    queryFn: async ({ signal }) => {
      try {
        return await request<TAuditHead>('GET', '/public/audit-head', { signal });
      } catch (e) {
        if (isApiError(e, 404)) return null;
        throw e;
      }
    },
  });

export const useTracebacks = (filters: TracebackFilters, limit = 25) =>
  useInfiniteQuery({ ...q.tracebacks(filters, limit), placeholderData: keepPreviousData });

export const useTraceback = (id: string) => useQuery(q.traceback(id));
/** A traceback's timeline; with `pollMs`, read again that often while the page is visible. */
export const useTimeline = (id: string, pollMs: number | false = false) =>
  useQuery({ ...q.events(id), refetchInterval: pollMs });

export const useHops = (status: THopStatus, limit = 50, enabled = true) =>
  useInfiniteQuery({
    ...q.hops(status, limit),
    refetchInterval: status === 'pending' ? 60_000 : false,
    enabled,
  });

export const useHop = (id: string) => useQuery(q.hop(id));

export function useProviderSearch(search: string, enabled = true) {
  return useQuery({
    queryKey: keys.providers(search),
    queryFn: ({ signal }) => get<Page<TProvider>>(`/providers${qs({ q: search, limit: 20 })}`, signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** RMD filers matching a search (two characters at least), for the picker to offer after the directory. */
export function useRmdFilerSearch(search: string, enabled = true) {
  return useQuery({
    queryKey: ['rmd-filers', search] as const,
    queryFn: ({ signal }) => get<TRmdFilerPage>(`/rmd/filings${qs({ q: search, limit: 10 })}`, signal),
    placeholderData: keepPreviousData,
    enabled: enabled && search.length >= 2,
  });
}

/** What RMD imports changed in a provider's linked filing. */
export function useProviderRmdChanges(providerId: string | undefined) {
  return useQuery({
    queryKey: ['rmd-changes', providerId] as const,
    queryFn: ({ signal }) => get<{ items: TRmdChange[] }>(`/providers/${providerId}/rmd-changes`, signal),
    enabled: !!providerId,
  });
}

export function useProviderDirectory(search: string) {
  return useInfiniteQuery({
    queryKey: ['directory', search],
    queryFn: ({ pageParam, signal }) =>
      get<Page<TProvider>>(`/providers${qs({ q: search, limit: 50, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: nextCursor,
    placeholderData: keepPreviousData,
  });
}

export const useProvider = (id: string | null | undefined) =>
  useQuery({ ...q.provider(id ?? ''), enabled: !!id });

/** Names for the provider ids a list carries, fetched once per set of ids. */
export function useProviderNames(ids: Array<string | null | undefined>) {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))].sort();
  const query = useQuery({
    queryKey: keys.providerNames(wanted),
    queryFn: ({ signal }) => get<TProviderNames>(`/providers/names${qs({ ids: wanted.join(',') })}`, signal),
    enabled: wanted.length > 0,
    staleTime: 10 * 60_000,
    placeholderData: keepPreviousData,
  });
  return new Map((query.data?.items ?? []).map((p) => [p.id, p.name]));
}

export const useProviderShaken = (providerId: string, enabled = true) =>
  useQuery({ ...q.providerShaken(providerId), enabled });
export const useResponseTimes = (providerId: string, weeks: number) =>
  useQuery({ ...q.responseTimes(providerId, weeks), placeholderData: keepPreviousData });

export const useCampaigns = (enabled = true) => useQuery({ ...q.campaigns(), enabled });

export const useCampaign = (id: string | null | undefined) =>
  useQuery({ ...q.campaign(id ?? ''), enabled: !!id });

export const useCampaignRanking = (filters: CampaignFilters, limit = 50) =>
  useInfiniteQuery({ ...q.campaignRanking(filters, limit), placeholderData: keepPreviousData });

/** Campaigns matching typed words, for the merge picker (ask only while it is open). */
export function useCampaignSearch(search: string, enabled: boolean) {
  return useQuery({
    queryKey: ['campaigns', 'search', search] as const,
    queryFn: ({ signal }) =>
      get<Page<TCampaignRanked>>(
        `/campaigns${qs({ sort: 'recent', status: 'all', q: search, limit: 20 })}`,
        signal,
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export const useAutoOpenPolicy = () =>
  useQuery({
    queryKey: keys.autoOpen,
    queryFn: ({ signal }) => get<TAutoOpenPolicy>('/campaigns/auto-open', signal),
  });

export const useCalls = (filters: CallFilters, enabled = true, limit = 50) =>
  useInfiniteQuery({ ...q.calls(filters, limit), placeholderData: keepPreviousData, enabled });

export interface UserFilters {
  role?: string | undefined;
  q?: string | undefined;
  /** `name`, `email` (A to Z) or the default, newest first. */
  sort?: TUserSort | undefined;
}

export function useUsers(filters: UserFilters) {
  return useInfiniteQuery({
    queryKey: keys.users(filters),
    queryFn: ({ pageParam, signal }) =>
      get<Page<TUserListItem>>(`/users${qs({ ...filters, limit: 50, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: nextCursor,
    placeholderData: keepPreviousData,
  });
}

export interface NotificationFilters {
  channel?: 'email' | 'webhook' | undefined;
  status?: 'pending' | 'sent' | 'dead' | undefined;
}

/** The live DNO list, whole (the API streams it; the portal filters it in the page). */
export const useDnoList = () =>
  useQuery({
    queryKey: keys.dno,
    queryFn: ({ signal }) => get<{ version: number; entries: TDnoEntry[] }>('/dno/list', signal),
  });

export const useRmdProposals = (status: 'pending' | 'accepted' | 'rejected') =>
  useQuery({
    queryKey: keys.rmdProposals(status),
    queryFn: async ({ signal }) =>
      (await get<{ items: TRmdProposal[] }>(`/rmd/proposals${qs({ status, limit: 500 })}`, signal)).items,
  });

/** Emails and webhooks queued or sent, newest first (staff). */
export function useNotifications(filters: NotificationFilters) {
  return useInfiniteQuery({
    queryKey: keys.notifications(filters),
    queryFn: ({ pageParam, signal }) =>
      get<Page<TNotification>>(`/notifications${qs({ ...filters, limit: 50, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: nextCursor,
    placeholderData: keepPreviousData,
  });
}

export function useAudit(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: keys.audit(filters),
    queryFn: ({ pageParam, signal }) =>
      get<TAuditPage>(`/audit${qs({ ...filters, limit: 50, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: nextCursor,
    placeholderData: keepPreviousData,
  });
}

export const useAuditHeads = () =>
  useQuery({ queryKey: keys.auditHeads, queryFn: ({ signal }) => get<TAuditHeads>('/audit/head', signal) });

export function useApiKeys(userId: string | undefined) {
  return useQuery({
    queryKey: keys.apiKeys(userId ?? ''),
    queryFn: async ({ signal }) =>
      (await get<{ items: TApiKey[] }>(`/users/${userId}/api-keys`, signal)).items,
    enabled: !!userId,
  });
}

/** Your second factor: on or off, recovery codes left, and whether your role requires one. */
export const useTotpStatus = () =>
  useQuery({ queryKey: keys.totp, queryFn: ({ signal }) => get<TTotpStatus>('/auth/totp', signal) });

/** Live sessions: yours (no id), or a user's for an admin. */
export const useSessions = (userId?: string) =>
  useQuery({
    queryKey: keys.sessions(userId ?? 'me'),
    queryFn: async ({ signal }) =>
      (await get<{ items: TSession[] }>(userId ? `/users/${userId}/sessions` : '/auth/sessions', signal))
        .items,
  });

/** A traceback's referrals to agencies (staff: all; an enforcement user: its agency's). */
export const useReferrals = (tracebackId: string) =>
  useQuery({
    queryKey: keys.referrals(tracebackId),
    queryFn: ({ signal }) => get<TReferralList>(`/tracebacks/${tracebackId}/referrals`, signal),
  });

/** The agencies directory (staff only: ask only where it is shown — the referral form, users, agencies). */
export const useAgencies = (enabled: boolean) =>
  useQuery({
    queryKey: keys.agencies,
    queryFn: async ({ signal }) => (await get<TAgencyList>('/agencies', signal)).items,
    enabled,
    staleTime: 60_000,
  });

/** Agencies' traceback requests: staff's queue (priority first), or an agency's own (newest first). */
export const useTracebackRequests = (status?: string) =>
  useQuery({
    queryKey: keys.tracebackRequests(status),
    queryFn: async ({ signal }) =>
      (await get<TTracebackRequestList>(`/traceback-requests${status ? `?status=${status}` : ''}`, signal))
        .items,
  });

/** The legal process register (staff), soonest due date first. */
export const useLegalRequests = () => useQuery(q.legalRequests());

export const useLegalRequest = (id: string) => useQuery(q.legalRequest(id));

/** The traces a legal request's scope names, for staff to confirm. */
export const useLegalMatches = (id: string) =>
  useQuery({
    queryKey: keys.legalMatches(id),
    queryFn: ({ signal }) => get<TLegalMatchList>(`/legal-requests/${id}/matches`, signal),
  });

/** Cease-and-desist letters against a provider (staff, and the provider's own users). */
export const useProviderLetters = (providerId: string | undefined) =>
  useQuery({
    queryKey: keys.letters(providerId ?? ''),
    queryFn: ({ signal }) => get<TLetterList>(`/providers/${providerId}/letters`, signal),
    enabled: !!providerId,
  });

/** The legal requests an enforcement user's agency issued, status only. */
export const useIssuedLegalRequests = () =>
  useQuery({
    queryKey: keys.issuedLegalRequests,
    queryFn: async ({ signal }) =>
      (await get<TIssuedLegalRequestList>('/agency/legal-requests', signal)).items,
  });
