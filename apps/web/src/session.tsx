import type { TRole, TUser } from '@hoptrace/contracts';
import { Navigate, Outlet, useLocation } from 'react-router';
import { useMe, useProvider } from './api/queries';
import { ErrorAlert, Loading } from './components/common';
import { ForbiddenPage } from './pages/ErrorPages';

export const STAFF: TRole[] = ['admin', 'analyst'];

/** Where each role starts after signing in. */
export function homeOf(user: Pick<TUser, 'role'>): string {
  switch (user.role) {
    case 'admin':
    case 'analyst':
      return '/dashboard';
    case 'provider':
      return '/inbox';
    case 'enforcement':
      return '/requests';
  }
}

/** Set when a request comes back 401 mid-session, so the sign-in page can say why it is shown. */
export const session = { expired: false };

/** Only internal paths are followed after sign-in: `next=//evil.example` must not leave the portal. */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  return next;
}

export function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading label="Signing in" />;
  if (me.isError) return <ErrorAlert error={me.error} title="Could not reach hoptrace" />;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    const params = new URLSearchParams({ next });
    if (session.expired) params.set('expired', '1');
    return <Navigate to={`/login?${params.toString()}`} replace />;
  }
  return <Outlet />;
}

/** Screens by role, as the portal is laid out; what each may read is still the API's decision. */
export function RoleGate({ roles }: { roles: TRole[] }) {
  const me = useMe();
  if (!me.data || !roles.includes(me.data.role)) return <ForbiddenPage />;
  return <Outlet />;
}

export function useUser(): TUser {
  const me = useMe();
  if (!me.data) throw new Error('useUser outside RequireAuth');
  return me.data;
}

export function RoleHome() {
  return <Navigate to={homeOf(useUser())} replace />;
}

/**
 * The zone a provider user's deadlines are shown in: its provider's own (the one its business hours
 * run in). Undefined for anyone else, and for a visitor on a one-hop link: the device's zone then.
 */
export function useDeadlineZone(): string | undefined {
  const me = useMe();
  const provider = useProvider(me.data?.role === 'provider' ? me.data.providerId : null);
  return provider.data?.timezone;
}
