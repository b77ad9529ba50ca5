import { Alert } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { request } from '../api/client';

interface Health {
  status: 'ok';
  demo?: 'loading';
}

/**
 * While a first `hoptrace start` fills a new embedded database with the demo, the server already
 * listens: say so on the sign-in page, and go away on its own when the load is done.
 */
export function DemoLoadingNotice() {
  const health = useQuery({
    queryKey: ['health'],
    queryFn: ({ signal }) => request<Health>('GET', '/health', { signal }),
    refetchInterval: (q) => (q.state.data?.demo === 'loading' ? 2000 : false),
  });
  if (health.data?.demo !== 'loading') return null;
  return (
    <Alert color="blue" title="Loading the demo data" role="status">
      hoptrace is filling its new database with fictional demo data, which takes about half a minute. The demo
      users and their passwords appear in the terminal that runs hoptrace when it is done; signing in works
      from then on.
    </Alert>
  );
}
