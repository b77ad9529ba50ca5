import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ComponentType } from 'react';
import { createBrowserRouter, type LoaderFunctionArgs, type RouteObject } from 'react-router';
import { RouterProvider } from 'react-router/dom';
import { isApiError, setUnauthenticatedHandler } from './api/client';
import { keys, q } from './api/queries';
import { Loading } from './components/common';
import { Layout } from './Layout';
import { CrashPage, ExpiredPage, NotFoundPage } from './pages/ErrorPages';
import { LoginPage } from './pages/LoginPage';
import { RequireAuth, RoleGate, RoleHome, session, STAFF } from './session';
import { cssVariablesResolver, theme } from './theme';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // A 4xx will not change on retry; a network blip or a 5xx might.
      retry: (count, error) => count < 2 && !(isApiError(error) && error.status < 500),
    },
  },
  queryCache: new QueryCache(),
  mutationCache: new MutationCache(),
});

setUnauthenticatedHandler(() => {
  if (queryClient.getQueryData(keys.me)) session.expired = true;
  queryClient.setQueryData(keys.me, null);
});

/** Each screen is its own chunk: a provider answering from a phone never downloads the charts. */
const page =
  (load: () => Promise<Record<string, ComponentType>>, name: string) =>
  async (): Promise<Pick<RouteObject, 'Component'>> => {
    const mod = await load();
    const Component = mod[name];
    if (!Component) throw new Error(`${name} is missing from its module`);
    return { Component };
  };

/**
 * Loaders start a screen's requests while its code is still downloading; the
 * screen then reads them from the cache. They never wait, so a slow request
 * holds up nothing else.
 */
const prefetch =
  (...starts: Array<(args: LoaderFunctionArgs) => Promise<unknown>>) =>
  (args: LoaderFunctionArgs) => {
    for (const start of starts) void start(args);
    return null;
  };
const id = (args: LoaderFunctionArgs) => args.params.id ?? '';

const routes: RouteObject[] = [
  {
    errorElement: <CrashPage />,
    hydrateFallbackElement: <Loading />,
    children: [
      { path: '/login', element: <LoginPage /> },
      { path: '/expired', element: <ExpiredPage /> },
      // Where the one-hop email link lands; it works without signing in, so it sits outside RequireAuth.
      { path: '/hop/:id', lazy: page(() => import('./pages/HopPage'), 'HopLinkEntry') },
      // Public statistics: anyone, signed in or not (decision 0028).
      {
        path: '/statistics',
        loader: prefetch(() => queryClient.prefetchQuery(q.publicStatistics(new Date().getUTCFullYear()))),
        lazy: page(() => import('./pages/StatisticsPage'), 'StatisticsPage'),
      },
      {
        element: <RequireAuth />,
        loader: prefetch(() => queryClient.prefetchQuery(q.me())),
        children: [
          {
            element: <Layout />,
            children: [
              { index: true, element: <RoleHome /> },
              {
                element: <RoleGate roles={STAFF} />,
                children: [
                  {
                    path: '/dashboard',
                    loader: prefetch(() => queryClient.prefetchQuery(q.dashboard(12))),
                    lazy: page(() => import('./pages/DashboardPage'), 'DashboardPage'),
                  },
                  {
                    path: '/tracebacks/new',
                    lazy: page(() => import('./pages/OpenTracebackPage'), 'OpenTracebackPage'),
                  },
                  { path: '/providers', lazy: page(() => import('./pages/ProvidersPage'), 'ProvidersPage') },
                  {
                    path: '/scorecards',
                    lazy: page(() => import('./pages/ScorecardsPage'), 'ScorecardsPage'),
                  },
                  {
                    path: '/providers/:id',
                    loader: prefetch((a) => queryClient.prefetchQuery(q.provider(id(a)))),
                    lazy: page(() => import('./pages/ProviderPage'), 'ProviderPage'),
                  },
                  {
                    path: '/providers/:id/settings',
                    loader: prefetch((a) => queryClient.prefetchQuery(q.provider(id(a)))),
                    lazy: page(() => import('./pages/ProviderSettingsPage'), 'ProviderSettingsPage'),
                  },
                  { path: '/campaigns', lazy: page(() => import('./pages/CampaignsPage'), 'CampaignsPage') },
                  {
                    path: '/campaigns/:id',
                    loader: prefetch((a) => queryClient.prefetchQuery(q.campaign(id(a)))),
                    lazy: page(() => import('./pages/CampaignPage'), 'CampaignPage'),
                  },
                  { path: '/calls', lazy: page(() => import('./pages/CallsPage'), 'CallsPage') },
                  {
                    path: '/legal',
                    loader: prefetch(() => queryClient.prefetchQuery(q.legalRequests())),
                    lazy: page(() => import('./pages/LegalRequestsPage'), 'LegalRequestsPage'),
                  },
                  {
                    path: '/notifications',
                    lazy: page(() => import('./pages/NotificationsPage'), 'NotificationsPage'),
                  },
                  {
                    path: '/legal/:id',
                    loader: prefetch((a) => queryClient.prefetchQuery(q.legalRequest(id(a)))),
                    lazy: page(() => import('./pages/LegalRequestsPage'), 'LegalRequestPage'),
                  },
                ],
              },
              {
                element: <RoleGate roles={[...STAFF, 'enforcement']} />,
                children: [
                  { path: '/requests', lazy: page(() => import('./pages/RequestsPage'), 'RequestsPage') },
                  {
                    path: '/tracebacks',
                    lazy: page(() => import('./pages/TracebacksPage'), 'TracebacksPage'),
                  },
                  {
                    path: '/tracebacks/:id',
                    loader: prefetch(
                      (a) => queryClient.prefetchQuery(q.traceback(id(a))),
                      (a) => queryClient.prefetchQuery(q.events(id(a))),
                    ),
                    lazy: page(() => import('./pages/TracebackPage'), 'TracebackPage'),
                  },
                ],
              },
              {
                element: <RoleGate roles={['admin']} />,
                children: [
                  { path: '/admin/users', lazy: page(() => import('./pages/UsersPage'), 'UsersPage') },
                  { path: '/admin/audit', lazy: page(() => import('./pages/AuditPage'), 'AuditPage') },
                  {
                    path: '/admin/agencies',
                    lazy: page(() => import('./pages/AgenciesPage'), 'AgenciesPage'),
                  },
                  {
                    path: '/admin/rmd',
                    lazy: page(() => import('./pages/RmdProposalsPage'), 'RmdProposalsPage'),
                  },
                ],
              },
              {
                element: <RoleGate roles={['provider']} />,
                children: [
                  {
                    path: '/inbox',
                    loader: prefetch(
                      () => queryClient.prefetchInfiniteQuery(q.hops('pending')),
                      () => queryClient.prefetchInfiniteQuery(q.hops('non_responsive')),
                    ),
                    lazy: page(() => import('./pages/InboxPage'), 'InboxPage'),
                  },
                  { path: '/answered', lazy: page(() => import('./pages/InboxPage'), 'AnsweredPage') },
                  { path: '/upstreams', lazy: page(() => import('./pages/UpstreamsPage'), 'UpstreamsPage') },
                  {
                    path: '/my-provider',
                    lazy: page(() => import('./pages/ProviderPage'), 'MyProviderPage'),
                  },
                  {
                    path: '/my-provider/settings',
                    lazy: page(() => import('./pages/ProviderSettingsPage'), 'MyProviderSettingsPage'),
                  },
                ],
              },
              {
                element: <RoleGate roles={[...STAFF, 'provider']} />,
                children: [
                  { path: '/dno', lazy: page(() => import('./pages/DnoPage'), 'DnoPage') },
                  {
                    path: '/hops/:id',
                    loader: prefetch((a) => queryClient.prefetchQuery(q.hop(id(a)))),
                    lazy: page(() => import('./pages/HopPage'), 'HopPage'),
                  },
                ],
              },
              { path: '/profile', lazy: page(() => import('./pages/ProfilePage'), 'ProfilePage') },
              { path: '*', element: <NotFoundPage /> },
            ],
          },
        ],
      },
    ],
  },
];

const router = createBrowserRouter(routes);

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
