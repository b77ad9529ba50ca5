import { CAMPAIGN_CATEGORIES, ZCampaignCreate, type TCampaign } from '../lib/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  EmptyState,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, isApiError, post } from '../api/client';
import { keys, useCampaign, useCampaigns, useProviderNames, useTracebacks } from '../api/queries';
import { DateTime, ErrorAlert, Loading, PageTitle, Phone, TracebackStatus } from '../components/common';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { CATEGORY_LABEL } from '../lib/labels';
import { NotFoundPage } from './ErrorPages';

export function CampaignsPage() {
  const campaigns = useCampaigns();
  const [adding, setAdding] = useState(false);
  const items = campaigns.data?.items ?? [];
  return (
    <>
      <PageTitle title="Campaigns" right={<Button onClick={() => setAdding(true)}>Add a campaign</Button>}>
        Campaigns
      </PageTitle>
      <Text c="dimmed" mb="md" maw={720}>
        A campaign groups calls with the same script. Tracebacks opened for its calls are listed on its page.
      </Text>
      {campaigns.isPending && <Loading />}
      {campaigns.isError && <ErrorAlert error={campaigns.error} />}
      {campaigns.isSuccess && items.length === 0 && (
        <EmptyState
          title="No campaigns yet"
          description="Add one to group the tracebacks of one script."
          py="xl"
        />
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
        {items.map((c) => (
          <Card key={c.id} withBorder padding="md">
            <Stack gap={4}>
              <Anchor component={Link} to={`/campaigns/${c.id}`} fw={650}>
                {c.name}
              </Anchor>
              {c.category && (
                <Badge variant="light" color="gray" tt="none" w="fit-content">
                  {CATEGORY_LABEL[c.category] ?? c.category}
                </Badge>
              )}
              <Text size="sm" lineClamp={3}>
                {c.description}
              </Text>
              <Text size="xs" c="dimmed">
                Added <DateTime iso={c.createdAt} dateOnly />
              </Text>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
      {adding && <CampaignForm onClose={() => setAdding(false)} />}
    </>
  );
}

function CampaignForm({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [category, setCategory] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useMutation({
    mutationFn: (body: unknown) => post<TCampaign>('/campaigns', body),
    onSuccess: async (c) => {
      notifications.show({ color: 'teal', title: 'Campaign added', message: c.name });
      onClose();
      await queryClient.invalidateQueries({ queryKey: keys.campaigns });
    },
    onError: (err) => {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { name, description, category: category ?? undefined };
    const parsed = ZCampaignCreate.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      focusFirstError();
      return;
    }
    setErrors({});
    create.mutate(body);
  }
  return (
    <Modal opened onClose={onClose} title="Add a campaign" size="lg">
      <form onSubmit={submit} noValidate aria-label="Add a campaign">
        <Stack>
          {create.error &&
            !(create.error instanceof ApiError && Object.keys(create.error.fieldErrors).length) && (
              <Alert color="red" role="alert">
                {create.error.message}
              </Alert>
            )}
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          <Select
            label="Category"
            data={CAMPAIGN_CATEGORIES.map((c) => ({ value: c, label: CATEGORY_LABEL[c] ?? c }))}
            value={category}
            onChange={setCategory}
            clearable
            error={errors.category}
          />
          <Textarea
            label="Description"
            description="The script, the claim made, why the calls are believed illegal"
            required
            autosize
            minRows={3}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.description}
          />
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add the campaign
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function CampaignPage() {
  const { id = '' } = useParams();
  const campaign = useCampaign(id);
  const list = useTracebacks({ campaignId: id });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const names = useProviderNames(items.map((t) => t.currentProviderId));
  if (campaign.isPending) return <Loading />;
  if (campaign.isError)
    return isApiError(campaign.error, 404) || isApiError(campaign.error, 400) ? (
      <NotFoundPage />
    ) : (
      <ErrorAlert error={campaign.error} />
    );
  const c = campaign.data;
  return (
    <Stack gap="lg">
      <PageTitle
        title={c.name}
        right={
          <Button component={Link} to="/tracebacks/new">
            Open a traceback
          </Button>
        }
      >
        {c.name}
      </PageTitle>
      <Card withBorder>
        {c.category && (
          <Badge variant="light" color="gray" tt="none" mb="xs">
            {CATEGORY_LABEL[c.category] ?? c.category}
          </Badge>
        )}
        <Text style={{ whiteSpace: 'pre-wrap' }}>{c.description}</Text>
      </Card>
      {list.isPending && <Loading label="Loading its tracebacks" />}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">No traceback for this campaign yet.</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped aria-label="Tracebacks of this campaign">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Call</Table.Th>
                <Table.Th>From → to</Table.Th>
                <Table.Th>Now at</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/tracebacks/${t.id}`} size="sm">
                      <DateTime iso={t.call.startedAt} compact />
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      <Phone e164={t.call.callingNumber} /> → <Phone e164={t.call.calledNumber} />
                    </Text>
                  </Table.Td>
                  <Table.Td>{t.currentProviderId ? (names.get(t.currentProviderId) ?? '…') : '—'}</Table.Td>
                  <Table.Td>
                    <TracebackStatus status={t.status} outcome={t.outcome} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {list.hasNextPage && (
        <Button
          variant="light"
          w="fit-content"
          onClick={() => void list.fetchNextPage()}
          loading={list.isFetchingNextPage}
        >
          Show more
        </Button>
      )}
    </Stack>
  );
}
