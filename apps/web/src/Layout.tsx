import {
  AppShell,
  Badge,
  Burger,
  Group,
  Menu,
  NavLink,
  Progress,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import {
  Link,
  NavigationType,
  Outlet,
  useLocation,
  useNavigate,
  useNavigation,
  useNavigationType,
} from 'react-router';
import { post } from './api/client';
import { useHops } from './api/queries';
import { IconRoute } from './components/icons';
import { ROLE_LABEL } from './lib/labels';
import { useUser } from './session';
import { InsideMain } from './landmark';

interface NavItem {
  to: string;
  label: string;
  badge?: number | undefined;
}

function useNavItems(): NavItem[] {
  const user = useUser();
  const isProvider = user.role === 'provider';
  // The inbox count shares the inbox's cache entry; only provider users ask for it.
  const inbox = useHops('pending', 50, isProvider);
  const pending = inbox.data?.pages.reduce((n, p) => n + p.items.filter((h) => h.can.answer).length, 0);
  switch (user.role) {
    case 'admin':
    case 'analyst':
      return [
        { to: '/dashboard', label: 'Dashboard' },
        { to: '/tracebacks', label: 'Tracebacks' },
        { to: '/tracebacks/new', label: 'Open a traceback' },
        { to: '/requests', label: 'Agency requests' },
        { to: '/legal', label: 'Legal requests' },
        { to: '/providers', label: 'Providers' },
        { to: '/scorecards', label: 'Scorecards' },
        { to: '/campaigns', label: 'Campaigns' },
        { to: '/calls', label: 'Call records' },
        { to: '/dno', label: 'DNO list' },
        { to: '/notifications', label: 'Emails and webhooks' },
        ...(user.role === 'admin'
          ? [
              { to: '/admin/users', label: 'Users and keys' },
              { to: '/admin/audit', label: 'Audit ledger' },
              { to: '/admin/agencies', label: 'Agencies' },
              { to: '/admin/rmd', label: 'RMD matches' },
            ]
          : []),
        { to: '/profile', label: 'Your profile' },
      ];
    case 'provider':
      return [
        { to: '/inbox', label: 'Inbox', badge: pending },
        { to: '/answered', label: 'Answered' },
        { to: '/my-provider', label: 'Your provider' },
        { to: '/upstreams', label: 'Your upstreams' },
        { to: '/dno', label: 'DNO list' },
        { to: '/my-provider/settings', label: 'Settings' },
        { to: '/profile', label: 'Your profile' },
      ];
    case 'enforcement':
      return [
        { to: '/requests', label: 'Your agency' },
        { to: '/tracebacks', label: 'Referred tracebacks' },
        { to: '/profile', label: 'Your profile' },
      ];
  }
}

/** The most specific nav item that matches the path is the current one. */
function currentItem(items: NavItem[], path: string): string | undefined {
  return items
    .filter((i) => path === i.to || path.startsWith(`${i.to}/`))
    .sort((a, b) => b.to.length - a.to.length)[0]?.to;
}

/**
 * A link to another page opens it at its top, as a browser does between documents (the router keeps
 * the window's scroll otherwise, so a form opened from the foot of the dashboard began half-way down);
 * back and forward keep where the page was, and a change of filters (same page) keeps the list in view.
 */
function useScrollToTopOnNewPage() {
  const { pathname } = useLocation();
  const type = useNavigationType();
  const shown = useRef(pathname);
  useEffect(() => {
    if (shown.current === pathname) return;
    shown.current = pathname;
    if (type !== NavigationType.Pop) window.scrollTo(0, 0);
  }, [pathname, type]);
}

export function Layout() {
  const user = useUser();
  const [opened, { toggle, close }] = useDisclosure();
  const items = useNavItems();
  const location = useLocation();
  const navigation = useNavigation();
  const navigate = useNavigate();
  useScrollToTopOnNewPage();
  const queryClient = useQueryClient();
  const current = currentItem(items, location.pathname);

  async function signOut() {
    await post('/auth/logout').catch(() => undefined);
    queryClient.clear();
    await navigate('/login');
  }

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        {navigation.state === 'loading' && (
          <Progress
            value={100}
            animated
            size="xs"
            radius={0}
            aria-label="Loading page"
            pos="absolute"
            w="100%"
          />
        )}
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
            />
            <UnstyledButton component={Link} to="/" aria-label="hoptrace, start page">
              <Group gap={6} wrap="nowrap">
                <Text c="blue.9" component="span" style={{ display: 'flex' }}>
                  <IconRoute size={22} />
                </Text>
                <Text fw={750} size="lg" c="blue.9">
                  hoptrace
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              {/* Named by what it shows (name and role), as WCAG 2.5.3 asks; it says it opens a menu itself. */}
              <UnstyledButton data-testid="account-menu">
                <Group gap="xs" wrap="nowrap">
                  <Text size="sm" fw={600} visibleFrom="xs" truncate maw={{ xs: 260, md: 480 }}>
                    {user.name}
                  </Text>
                  <Badge variant="light" tt="none">
                    {ROLE_LABEL[user.role]}
                  </Badge>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{user.email}</Menu.Label>
              <Menu.Item component={Link} to="/profile">
                Profile and API keys
              </Menu.Item>
              <Menu.Item onClick={() => void signOut()}>Sign out</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <nav>
          {items.map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              active={current === item.to}
              aria-current={current === item.to ? 'page' : undefined}
              onClick={close}
              rightSection={
                item.badge ? (
                  <Badge size="sm" circle color="red" aria-label={`${item.badge} awaiting your answer`}>
                    {item.badge}
                  </Badge>
                ) : undefined
              }
              variant="light"
              fw={500}
            />
          ))}
        </nav>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <VisuallyHidden aria-live="polite">
          {navigation.state === 'loading' ? 'Loading page' : ''}
        </VisuallyHidden>
        <InsideMain.Provider value={true}>
          <Outlet />
        </InsideMain.Provider>
      </AppShell.Main>
    </AppShell>
  );
}
