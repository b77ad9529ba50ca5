import { ORIGIN_ACTIONS, ZHopAnswer, type THop } from '../lib/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Code,
  Container,
  Grid,
  Group,
  Paper,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useParams } from 'react-router';
import { ApiError, idempotencyKey, isApiError, post, setLinkToken } from '../api/client';
import { keys, useHop, useHops, useProvider } from '../api/queries';
import {
  CallTime,
  Countdown,
  DateTime,
  ErrorAlert,
  Field,
  HopStatus,
  Loading,
  PageTitle,
  Phone,
} from '../components/common';
import {
  AttachmentList,
  AttachmentUploader,
  PdfField,
  pdfProblem,
  uploadAttachment,
  uploadErrorText,
} from '../components/Attachments';
import { ForwardQuestion } from '../components/ForwardQuestion';
import { HopCampaign } from '../components/HopCampaign';
import { IconLock, IconRoute } from '../components/icons';
import { ProviderPicker } from '../components/ProviderPicker';
import { fieldErrorsOf, focusFirstError, type FieldErrors } from '../lib/forms';
import { ACTION_LABEL, answerLabel, CHANNEL_LABEL } from '../lib/labels';
import { useDeadlineZone, useUser } from '../session';
import { ExpiredPage, NotFoundPage } from './ErrorPages';
import { InsideMain } from '../landmark';

type Mode = 'portal' | 'link';

/** `/hop/:id`, where email links land: with the link's token, its page; without, the signed-in view of that hop. */
export function HopLinkEntry() {
  const { id = '' } = useParams();
  const { hash } = useLocation();
  const token = new URLSearchParams(hash.slice(1)).get('t');
  if (!token) return <Navigate to={`/hops/${id}`} replace />;
  return <LinkHopPage id={id} token={token} />;
}

/** One request to this provider, signed in: from the inbox, or /hop/:id without a link token. */
export function HopPage() {
  const { id = '' } = useParams();
  return <HopView id={id} mode="portal" />;
}

/**
 * The page a one-hop email link opens (`/hop/:id#t=…`): straight on the answer
 * form, no sign-in, speaking for that hop only. The token stays in the
 * fragment, which browsers never send to servers.
 */
function LinkHopPage({ id, token }: { id: string; token: string }) {
  // Set before the first request of the page goes out, and dropped when the page is left.
  useState(() => setLinkToken(token));
  useEffect(() => {
    setLinkToken(token);
    return () => setLinkToken(null);
  }, [token]);
  return (
    <Container size="md" py="lg">
      <Group gap={6} mb="lg" c="blue.9">
        <IconRoute size={22} />
        <Text fw={750} size="lg" c="blue.9">
          hoptrace
        </Text>
      </Group>
      <main id="main">
        <InsideMain.Provider value={true}>
          <HopView id={id} mode="link" />
        </InsideMain.Provider>
      </main>
    </Container>
  );
}

function HopView({ id, mode }: { id: string; mode: Mode }) {
  const hop = useHop(id);
  const zone = useDeadlineZone();
  if (hop.isPending) return <Loading label="Loading the request" />;
  if (hop.isError) {
    if (mode === 'link' && isApiError(hop.error, 410)) return <ExpiredPage />;
    if (mode === 'link' && (isApiError(hop.error, 401) || isApiError(hop.error, 403)))
      return <LinkRefused id={id} reason={hop.error.message} />;
    return isApiError(hop.error, 404) || isApiError(hop.error, 400) ? (
      <NotFoundPage />
    ) : (
      <ErrorAlert error={hop.error} />
    );
  }
  const h = hop.data;
  const title = h.forward ? 'Forward request' : 'Traceback request';
  return (
    <Stack gap="lg" maw={960}>
      <PageTitle
        title={title}
        right={
          h.can.answer ? (
            <Countdown dueAt={h.dueAt} size="lg" timeZone={zone} />
          ) : (
            <HopStatus status={h.status} />
          )
        }
      >
        {title}
      </PageTitle>
      {h.signer && <SignerRequest hop={h} signer={h.signer} />}
      {h.forward ? (
        <ForwardQuestion hop={h} forward={h.forward} zone={zone} />
      ) : (
        <CallFacts hop={h} zone={zone} />
      )}
      {h.can.answer ? <AnswerForm hop={h} mode={mode} /> : <GivenAnswer hop={h} mode={mode} />}
      {mode === 'portal' && !h.can.answer && <NextRequest current={h.id} />}
      {(!!h.attachments?.length || (h.can.attach && !h.can.answer)) && (
        <Paper withBorder p="md" aria-labelledby="evidence-title">
          <Title order={2} size="h4" mb="sm" id="evidence-title">
            Evidence
          </Title>
          <Stack gap="md">
            <AttachmentList items={h.attachments} empty="No PDF attached yet." />
            {h.can.attach && !h.can.answer && <AttachmentUploader hopId={h.id} />}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

/**
 * After an answer, the way on for a provider's user: the waiting request due soonest (the inbox's order), or
 * back to the inbox when nothing else waits.
 */
function NextRequest({ current }: { current: string }) {
  const user = useUser();
  const isProvider = user.role === 'provider';
  const pending = useHops('pending', 50, isProvider);
  if (!isProvider || !pending.isSuccess) return null;
  const waiting = pending.data.pages
    .flatMap((p) => p.items)
    .filter((h) => h.can.answer && h.id !== current)
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  const next = waiting[0];
  return (
    <Group data-testid="next-request">
      {next ? (
        <>
          <Button component={Link} to={`/hops/${next.id}`}>
            Next request
          </Button>
          <Text size="sm" c="dimmed">
            {waiting.length} more waiting for your answer
          </Text>
        </>
      ) : (
        <>
          <Text size="sm">Nothing else is waiting for your answer.</Text>
          <Button component={Link} to="/inbox" variant="light">
            Back to your inbox
          </Button>
        </>
      )}
    </Group>
  );
}

/** A link that is not valid, or a provider that wants its people to sign in: the way forward is signing in. */
function LinkRefused({ id, reason }: { id: string; reason: string }) {
  return (
    <Alert color="orange" title="This link cannot be used" role="alert">
      <Text size="sm" mb="sm">
        {reason.charAt(0).toUpperCase() + reason.slice(1)}.
      </Text>
      <Button component="a" href={`/hops/${id}`}>
        Sign in to answer
      </Button>
    </Alert>
  );
}

/**
 * A hop on the signer line: the provider signed the call (STIR/SHAKEN) and is asked to confirm, by the
 * PASSporT's origid, whether the call originated on its network and with which customer.
 */
function SignerRequest({ hop, signer }: { hop: THop; signer: NonNullable<THop['signer']> }) {
  const signedAt = signer.iat === null ? null : new Date(signer.iat * 1000).toISOString();
  const called = signer.destTns.length ? signer.destTns : [hop.call.calledNumber];
  const tn = (n: string) => <Phone e164={n.startsWith('+') ? n : `+${n}`} />;
  return (
    <Alert
      color="indigo"
      variant="light"
      title="You signed this call"
      data-testid="signer-request"
      aria-label="You signed this call"
    >
      <Text size="sm" mb="sm">
        Your STI-AS signed this call
        {signer.attest ? (
          <>
            {' '}
            with <b>attestation {signer.attest}</b>
          </>
        ) : null}
        . Look it up by its origination ID and{' '}
        <b>confirm whether it originated on your network, and with which customer</b>.
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0} spacing="sm">
        <Field label="Origination ID (origid)">
          {signer.origid ? (
            <Code data-testid="signer-origid" style={{ wordBreak: 'break-all' }}>
              {signer.origid}
            </Code>
          ) : (
            '—'
          )}
        </Field>
        <Field label="Attestation">{signer.attest ?? '—'}</Field>
        <Field label="Signed at">
          <DateTime iso={signedAt} />
        </Field>
        <Field label="Calling → called">
          {signer.origTn ? tn(signer.origTn) : <Phone e164={hop.call.callingNumber} />} →{' '}
          {called.map((n, i) => (
            <span key={n}>
              {i > 0 ? ', ' : ''}
              {tn(n)}
            </span>
          ))}
        </Field>
      </SimpleGrid>
    </Alert>
  );
}

/** The call (in UTC, as entered) and the request's times, in the provider's own zone when it is known. */
function CallFacts({ hop, zone }: { hop: THop; zone: string | undefined }) {
  return (
    <Paper withBorder p="md">
      <Text mb="sm">
        {hop.signer ? (
          <>
            For this call, <b>did it originate on your network?</b>
          </>
        ) : (
          <>
            For this call, <b>which provider handed it to you?</b>
          </>
        )}
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0} spacing="sm">
        <Field label="Call time">
          <CallTime iso={hop.call.startedAt} />
        </Field>
        <Field label="Calling number">
          <Phone e164={hop.call.callingNumber} />
        </Field>
        <Field label="Called number">
          <Phone e164={hop.call.calledNumber} />
        </Field>
        {!hop.signer && (
          <Field label="Handed to">{hop.namedBy ? hop.namedBy.providerName : 'You delivered the call'}</Field>
        )}
        <Field label="Requested">
          <DateTime iso={hop.requestedAt} timeZone={zone} />
        </Field>
        <Field label="Counted as received">
          <DateTime iso={hop.receivedAt} timeZone={zone} />
        </Field>
        <Field label="Due">
          <DateTime iso={hop.dueAt} timeZone={zone} />
        </Field>
      </SimpleGrid>
      <HopCampaign campaign={hop.campaign} />
    </Paper>
  );
}

type Kind = 'upstream' | 'origin' | 'not_found';

/** The PDF was refused: the answer was not sent, and the message belongs at the file field. */
class AttachmentError extends Error {}

function AnswerForm({ hop, mode }: { hop: THop; mode: Mode }) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind | null>(null);
  const [upstreamId, setUpstreamId] = useState<string | null>(null);
  const [unlisted, setUnlisted] = useState(false);
  const [np, setNp] = useState({
    name: '',
    country: 'US',
    contactName: '',
    contactEmail: '',
    contactPhone: '',
  });
  const [customer, setCustomer] = useState({ name: '', address: '', contact: '', accountRef: '' });
  const [action, setAction] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  // What the provider received with the call (STIR/SHAKEN along the path, decision 0034); optional.
  const [received, setReceived] = useState({ identity: '', none: false, from: '', pai: '' });
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const attempt = useRef(idempotencyKey());

  // A PDF already sent with an attempt whose answer then failed is not sent twice (attachments are append-only).
  const sent = useRef<File | null>(null);
  const answer = useMutation({
    mutationFn: async (body: unknown) => {
      // The PDF goes first: a final answer (origin, no record) closes the traceback, and a closed one takes none.
      if (file && sent.current !== file) {
        try {
          await uploadAttachment(hop.id, file);
        } catch (err) {
          throw new AttachmentError(uploadErrorText(err));
        }
        sent.current = file;
      }
      return post<THop>(`/hops/${hop.id}/answer`, body, { idempotencyKey: attempt.current });
    },
    onSuccess: async (answered) => {
      queryClient.setQueryData(keys.hop(answered.id), answered);
      notifications.show({
        color: 'teal',
        title: 'Answer sent',
        message: 'Thank you. The consortium has it now.',
      });
      await queryClient.invalidateQueries({ queryKey: ['hops'] });
    },
    onError: (err) => {
      if (err instanceof AttachmentError) {
        setErrors({ attachment: err.message });
        focusFirstError();
        return;
      }
      attempt.current = idempotencyKey();
      if (err instanceof ApiError) setErrors(err.fieldErrors);
    },
  });

  const opt = (s: string) => (s.trim() ? s.trim() : undefined);

  function receivedOf() {
    const r = {
      identityHeader: received.none ? 'none' : opt(received.identity),
      fromNumber: opt(received.from),
      paiNumber: opt(received.pai),
    };
    return Object.values(r).some((v) => v !== undefined) ? { received: r } : {};
  }

  function body() {
    const c = opt(comment);
    switch (kind) {
      case 'upstream':
        return unlisted
          ? {
              kind,
              upstreamProvider: {
                name: np.name,
                country: opt(np.country),
                contactName: opt(np.contactName),
                contactEmail: np.contactEmail.trim(),
                contactPhone: opt(np.contactPhone),
              },
              comment: c,
              ...receivedOf(),
            }
          : { kind, upstreamProviderId: upstreamId ?? undefined, comment: c, ...receivedOf() };
      case 'origin':
        return {
          kind,
          customer: {
            name: customer.name,
            address: opt(customer.address),
            contact: opt(customer.contact),
            accountRef: opt(customer.accountRef),
          },
          action: action ?? undefined,
          comment: c,
          ...receivedOf(),
        };
      case 'not_found':
        return { kind, comment: c };
      case null:
        return null;
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const b = body();
    const fileError = file ? await pdfProblem(file) : null;
    if (!b) {
      setErrors({
        kind: hop.forward ? 'Choose one of the two answers' : 'Choose one of the three answers',
        ...(fileError ? { attachment: fileError } : {}),
      });
      focusFirstError();
      return;
    }
    const parsed = ZHopAnswer.safeParse(b);
    if (!parsed.success || fileError) {
      const found = parsed.success ? {} : fieldErrorsOf(parsed.error.issues);
      if (!parsed.success && kind === 'upstream' && !unlisted && !upstreamId)
        found.upstreamProviderId = 'Choose the provider from the directory, or name one that is not listed';
      if (!parsed.success && kind === 'origin' && !action)
        found.action = 'Say what you did about the traffic';
      if (fileError) found.attachment = fileError;
      setErrors(found);
      focusFirstError();
      return;
    }
    setErrors({});
    answer.mutate(b);
  }

  const formError =
    answer.error &&
    !(answer.error instanceof AttachmentError) &&
    !(answer.error instanceof ApiError && Object.keys(answer.error.fieldErrors).length)
      ? answer.error.message
      : null;

  return (
    <Paper withBorder p="md">
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Your answer">
        <Stack gap="md">
          <Title order={2} size="h4">
            Your answer
          </Title>
          {formError && (
            <Alert color="red" role="alert" title="The answer was not sent">
              {formError}
            </Alert>
          )}
          <Radio.Group
            id="kind"
            label="What do your records show?"
            value={kind}
            onChange={(v) => {
              setKind(v);
              setErrors({});
            }}
            error={errors.kind}
            required
          >
            {hop.forward ? (
              <Stack gap="xs" mt="xs">
                <Radio
                  value="origin"
                  label="Our customer holds this number"
                  description="Give the customer and what you did about the number"
                />
                <Radio
                  value="not_found"
                  label="Not ours"
                  description="No customer of ours holds this number (say where it went, if you know)"
                />
              </Stack>
            ) : hop.signer ? (
              <Stack gap="xs" mt="xs">
                <Radio
                  value="origin"
                  label="Yes, it originated with our customer"
                  description="Give the customer and what you did"
                />
                <Radio
                  value="upstream"
                  label="We signed it, but received it from another provider"
                  description="Name the provider that handed it to you"
                />
                <Radio
                  value="not_found"
                  label="We have no record of this call"
                  description="No call with this origination ID"
                />
              </Stack>
            ) : (
              <Stack gap="xs" mt="xs">
                <Radio
                  value="upstream"
                  label="Another provider handed us the call"
                  description="Name that provider (the upstream)"
                />
                <Radio
                  value="origin"
                  label="We originated it: the caller is our customer"
                  description="Give the customer and what you did"
                />
                <Radio value="not_found" label="We have no record of this call" />
              </Stack>
            )}
          </Radio.Group>

          {kind === 'upstream' && (
            <Stack gap="sm">
              {!unlisted && (
                <ProviderPicker
                  id="upstreamProviderId"
                  label="Upstream provider"
                  description="Search the directory by name, OCN, FRN or RMD number"
                  required
                  value={upstreamId}
                  onChange={setUpstreamId}
                  error={errors.upstreamProviderId}
                  // An RMD filer not in the directory: name it as a new provider, staff confirm the record.
                  onFiler={(f) => {
                    setUnlisted(true);
                    setNp({ ...np, name: f.businessName ?? f.dbaNames[0] ?? '' });
                  }}
                />
              )}
              <Checkbox
                label="The provider is not in the directory: I will name it"
                checked={unlisted}
                onChange={(e) => setUnlisted(e.currentTarget.checked)}
              />
              {unlisted && (
                <Grid>
                  <Grid.Col span={{ base: 12, sm: 8 }}>
                    <TextInput
                      label="Provider name"
                      required
                      value={np.name}
                      onChange={(e) => setNp({ ...np, name: e.currentTarget.value })}
                      error={errors['upstreamProvider.name']}
                    />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <TextInput
                      label="Country"
                      description="Two letters, e.g. US"
                      maxLength={2}
                      value={np.country}
                      onChange={(e) => setNp({ ...np, country: e.currentTarget.value })}
                      error={errors['upstreamProvider.country']}
                    />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <TextInput
                      label="Contact name"
                      value={np.contactName}
                      onChange={(e) => setNp({ ...np, contactName: e.currentTarget.value })}
                      error={errors['upstreamProvider.contactName']}
                    />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <TextInput
                      label="Contact email"
                      type="email"
                      required
                      value={np.contactEmail}
                      onChange={(e) => setNp({ ...np, contactEmail: e.currentTarget.value })}
                      error={errors['upstreamProvider.contactEmail']}
                    />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <TextInput
                      label="Contact phone"
                      type="tel"
                      value={np.contactPhone}
                      onChange={(e) => setNp({ ...np, contactPhone: e.currentTarget.value })}
                      error={errors['upstreamProvider.contactPhone']}
                    />
                  </Grid.Col>
                </Grid>
              )}
            </Stack>
          )}

          {kind === 'origin' && (
            <Stack gap="sm">
              <Alert color="yellow" variant="light" icon={<IconLock />}>
                Customer details go only to consortium staff and to the agencies a traceback is referred to.
                The law permits sharing them to protect networks from fraud (47 U.S.C. 222(d)(2)).
              </Alert>
              <Grid>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <TextInput
                    label="Customer name"
                    required
                    value={customer.name}
                    onChange={(e) => setCustomer({ ...customer, name: e.currentTarget.value })}
                    error={errors['customer.name']}
                  />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <TextInput
                    label="Account reference"
                    value={customer.accountRef}
                    onChange={(e) => setCustomer({ ...customer, accountRef: e.currentTarget.value })}
                    error={errors['customer.accountRef']}
                  />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <Textarea
                    label="Address"
                    autosize
                    minRows={2}
                    value={customer.address}
                    onChange={(e) => setCustomer({ ...customer, address: e.currentTarget.value })}
                    error={errors['customer.address']}
                  />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <Textarea
                    label="Contact (person, email, phone)"
                    autosize
                    minRows={2}
                    value={customer.contact}
                    onChange={(e) => setCustomer({ ...customer, contact: e.currentTarget.value })}
                    error={errors['customer.contact']}
                  />
                </Grid.Col>
              </Grid>
              <Select
                id="action"
                label="What you did about the traffic"
                required
                data={ORIGIN_ACTIONS.map((a) => ({ value: a, label: ACTION_LABEL[a] }))}
                value={action}
                onChange={setAction}
                error={errors.action}
                maw={360}
              />
            </Stack>
          )}

          {(kind === 'upstream' || kind === 'origin') && !hop.forward && (
            <Stack gap="xs" component="fieldset" style={{ border: 0, padding: 0, margin: 0 }}>
              <Text component="legend" size="sm" fw={600}>
                What you received with the call (optional)
              </Text>
              <Text size="xs" c="dimmed">
                From your signalling records: the SIP Identity header as it reached you, and the From and
                P-Asserted-Identity numbers. It is checked at the time of the call.
              </Text>
              <Checkbox
                label="The call came without an Identity header"
                checked={received.none}
                onChange={(e) => setReceived({ ...received, none: e.currentTarget.checked })}
              />
              {!received.none && (
                <Textarea
                  id="received.identityHeader"
                  label="Identity header as received"
                  autosize
                  minRows={2}
                  value={received.identity}
                  onChange={(e) => setReceived({ ...received, identity: e.currentTarget.value })}
                  error={errors['received.identityHeader']}
                  styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
                />
              )}
              <Grid>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <TextInput
                    id="received.fromNumber"
                    label="From number received"
                    value={received.from}
                    onChange={(e) => setReceived({ ...received, from: e.currentTarget.value })}
                    error={errors['received.fromNumber']}
                  />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <TextInput
                    id="received.paiNumber"
                    label="P-Asserted-Identity number received"
                    value={received.pai}
                    onChange={(e) => setReceived({ ...received, pai: e.currentTarget.value })}
                    error={errors['received.paiNumber']}
                  />
                </Grid.Col>
              </Grid>
            </Stack>
          )}

          {kind && (
            <Textarea
              label="Comment"
              description="Optional: anything that helps the next step (trunk, CDR reference, what you blocked)"
              autosize
              minRows={2}
              value={comment}
              onChange={(e) => setComment(e.currentTarget.value)}
              error={errors.comment}
            />
          )}
          <PdfField
            id="attachment"
            file={file}
            onChange={(f) => {
              setFile(f);
              setErrors(({ attachment: _, ...rest }) => rest);
            }}
            error={errors.attachment}
          />
          <Group>
            <Button type="submit" loading={answer.isPending} size="md">
              Send the answer
            </Button>
            {mode === 'portal' && (
              <Anchor component={Link} to="/inbox" size="sm">
                Back to the inbox
              </Anchor>
            )}
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function GivenAnswer({ hop, mode }: { hop: THop; mode: Mode }) {
  const upstream = useProvider(hop.answer?.kind === 'upstream' ? hop.answer.upstreamProviderId : null);
  if (!hop.answer)
    return (
      <Alert color="gray" title="No answer is needed now">
        This request is{' '}
        {hop.status === 'withdrawn' ? 'withdrawn: the traceback moved on without it' : hop.status}.
      </Alert>
    );
  const a = hop.answer;
  return (
    <Paper withBorder p="md" data-testid="given-answer">
      <Group gap="xs" mb="sm">
        <Title order={2} size="h4">
          Your answer
        </Title>
        <Badge color="teal" variant="light" tt="none">
          Sent
        </Badge>
        {hop.late && (
          <Badge color="orange" variant="filled" tt="none">
            Late
          </Badge>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }} component="dl" m={0}>
        <Field label="Answer">{answerLabel(a.kind, !!hop.forward)}</Field>
        {a.kind === 'upstream' && <Field label="Upstream">{upstream.data?.name ?? '…'}</Field>}
        {a.action && <Field label="Action taken">{ACTION_LABEL[a.action]}</Field>}
        <Field label="Answered">
          <DateTime iso={hop.answeredAt} />
          {hop.answeredVia ? ` via ${CHANNEL_LABEL[hop.answeredVia]}` : ''}
        </Field>
      </SimpleGrid>
      {a.comment && (
        <Text size="sm" mt="sm" style={{ whiteSpace: 'pre-wrap' }}>
          “{a.comment}”
        </Text>
      )}
      {mode === 'portal' ? (
        <Button component={Link} to="/inbox" variant="light" mt="md">
          Back to the inbox
        </Button>
      ) : (
        <Text size="sm" mt="md">
          Thank you. Your colleagues can follow this request and the others for your provider by{' '}
          <Anchor href="/login">signing in</Anchor>.
        </Text>
      )}
    </Paper>
  );
}
