import { Anchor, Badge, Button, EmptyState, Group, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useProviderDirectory } from '../api/queries';
import { ErrorAlert, Loading, PageTitle } from '../components/common';
import { IconSearch } from '../components/icons';
import { ProviderForm } from '../components/ProviderForm';

export function ProvidersPage() {
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const directory = useProviderDirectory(debounced);
  const [adding, setAdding] = useState(false);
  const navigate = useNavigate();
  const items = directory.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageTitle title="Providers" right={<Button onClick={() => setAdding(true)}>Add a provider</Button>}>
        Provider directory
      </PageTitle>
      <TextInput
        role="searchbox"
        label="Search"
        description="Name, other name, OCN, FRN or RMD filing number; close spellings match too, best matches first"
        leftSection={<IconSearch size={16} />}
        value={q}
        onChange={(e) => {
          setQ(e.currentTarget.value);
          setParams(e.currentTarget.value ? { q: e.currentTarget.value } : {}, { replace: true });
        }}
        maw={480}
        mb="md"
      />
      {directory.isPending && <Loading />}
      {directory.isError && <ErrorAlert error={directory.error} />}
      {directory.isSuccess && items.length === 0 && (
        <EmptyState
          icon={<IconSearch size={28} />}
          title="No provider matches"
          description="Nothing close either: try an OCN or FRN, or add the provider."
          py="xl"
        />
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover aria-label="Providers">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>OCN</Table.Th>
                <Table.Th>Country</Table.Th>
                <Table.Th>Time zone</Table.Th>
                <Table.Th>RMD</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Anchor component={Link} to={`/providers/${p.id}`} size="sm" fw={600}>
                        {p.name}
                      </Anchor>
                      {!p.verified && (
                        <Badge size="xs" color="orange" variant="light" tt="none">
                          Not verified
                        </Badge>
                      )}
                    </Group>
                    {p.dbaNames.length > 0 && (
                      <Text size="xs" c="dimmed">
                        Also {p.dbaNames.join(', ')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td className="tabular">{p.ocns.join(', ') || '—'}</Table.Td>
                  <Table.Td>{p.country}</Table.Td>
                  <Table.Td>{p.timezone}</Table.Td>
                  <Table.Td>
                    {p.rmdNumber ?? (
                      <Text span size="sm" className="warning-text">
                        none on record
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {directory.hasNextPage && (
        <Group justify="center" mt="md">
          <Button
            variant="light"
            onClick={() => void directory.fetchNextPage()}
            loading={directory.isFetchingNextPage}
          >
            Show more
          </Button>
        </Group>
      )}
      {adding && (
        <ProviderForm
          scope="all"
          onClose={() => setAdding(false)}
          onSaved={(p) => void navigate(`/providers/${p.id}`)}
        />
      )}
    </>
  );
}
