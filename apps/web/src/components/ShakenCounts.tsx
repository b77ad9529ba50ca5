import { Badge, Group, Paper, Skeleton, Text, Title } from '@mantine/core';
import { useProviderShaken } from '../api/queries';
import { FLAG_LABEL } from '../lib/labels';
import { STAFF, useUser } from '../session';
import { ErrorAlert } from './common';
import { INCONSISTENCY_LABEL } from './ShakenPanel';

/** How often this provider's STIR/SHAKEN signatures disagreed with the tracebacks of the calls it signed (staff). */
export function ShakenCounts({ providerId }: { providerId: string }) {
  const user = useUser();
  const staff = STAFF.includes(user.role);
  const counts = useProviderShaken(providerId, staff);
  if (!staff) return null;
  return (
    <Paper withBorder p="md" aria-labelledby="shaken-counts-title">
      <Title order={2} size="h4" mb="sm" id="shaken-counts-title">
        As a STIR/SHAKEN signer
      </Title>
      {counts.isPending && <Skeleton h={40} />}
      {counts.isError && <ErrorAlert error={counts.error} />}
      {counts.data &&
        (counts.data.signed === 0 ? (
          <Text size="sm" c="dimmed">
            No traced call carried this provider&apos;s signature.
          </Text>
        ) : (
          <>
            <Text size="sm" mb="xs">
              Signed {counts.data.signed} traced {counts.data.signed === 1 ? 'call' : 'calls'}
              {Object.entries(counts.data.byAttest)
                .map(([a, n]) => ` · ${n} ${a === 'none' ? 'unattested' : a}`)
                .join('')}
              {counts.data.byVerdict.invalid ? ` · ${counts.data.byVerdict.invalid} invalid` : ''}
            </Text>
            <Group gap="xs">
              {Object.entries(counts.data.inconsistencies).length === 0 ? (
                <Text size="sm" c="dimmed">
                  No inconsistency found.
                </Text>
              ) : (
                Object.entries(counts.data.inconsistencies).map(([code, n]) => (
                  <Badge key={code} color="grape" variant="light" tt="none">
                    {INCONSISTENCY_LABEL[code] ?? code}: {n}
                  </Badge>
                ))
              )}
            </Group>
          </>
        ))}
      {counts.data && Object.keys(counts.data.path).length > 0 && (
        <>
          <Text size="sm" mt="sm" mb="xs" fw={600}>
            Along traced paths (what providers received)
          </Text>
          <Group gap="xs" data-path-counts>
            {Object.entries(counts.data.path).map(([code, n]) => (
              <Badge key={code} color="red" variant="light" tt="none" data-path-count={code}>
                {FLAG_LABEL[code] ?? code}: {n}
              </Badge>
            ))}
          </Group>
        </>
      )}
    </Paper>
  );
}
