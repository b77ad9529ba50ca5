import type { THopSummary, TTraceback } from '@hoptrace/contracts';
import { Anchor, Badge, Box, Group, Paper, Stack, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import { useProvider } from '../api/queries';
import { ACTION_LABEL, CHANNEL_LABEL, HOP_FLAG_LABEL } from '../lib/labels';
import { formatPhone } from '../lib/phone';
import { AttachmentList } from './Attachments';
import { DateTime, HopStatus, useNow } from './common';
import { IconArrowDown, IconArrowRight } from './icons';

/** Hops grouped by line of inquiry: the main walk upstream first, then any line beside it (the signer). */
export function linesOf(hops: THopSummary[]): Array<{ line: string; hops: THopSummary[] }> {
  const lines = new Map<string, THopSummary[]>();
  for (const h of [...hops].sort((a, b) => a.seq - b.seq))
    lines.set(h.line, [...(lines.get(h.line) ?? []), h]);
  return [...lines.entries()]
    .sort(([a], [b]) => (a === 'path' ? -1 : b === 'path' ? 1 : a.localeCompare(b)))
    .map(([line, list]) => ({ line, hops: list }));
}

const LINE_TITLE: Record<string, string> = {
  path: 'Path, from the provider that delivered the call upstream',
};

function Badges({ hop, loop, entry, now }: { hop: THopSummary; loop: boolean; entry: boolean; now: number }) {
  const overdue = hop.status === 'pending' && Date.parse(hop.dueAt) <= now;
  return (
    <Group gap={4}>
      <HopStatus status={hop.status} />
      {hop.late && (
        <Tooltip label="Answered after the deadline" withArrow>
          <Badge color="orange" variant="filled" tt="none">
            Late
          </Badge>
        </Tooltip>
      )}
      {overdue && (
        <Tooltip label="The deadline has passed with no answer" withArrow>
          <Badge color="red" variant="filled" tt="none">
            Overdue
          </Badge>
        </Tooltip>
      )}
      {entry && (
        <Tooltip label="The last US provider: it named an upstream outside the US" withArrow>
          <Badge color="indigo" variant="filled" tt="none">
            US entry point
          </Badge>
        </Tooltip>
      )}
      {loop && (
        <Tooltip label="Named an upstream that is already in the path" withArrow>
          <Badge color="grape" variant="filled" tt="none">
            Loop
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

const dateOnly = (iso: string) =>
  new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/**
 * The provider's standing in the FCC Robocall Mitigation Database at the time of the call. A flagged hop
 * says so in words, not by colour alone: whoever handed it traffic should not have.
 */
export function RmdBadge({ rmd, providerId }: { rmd: NonNullable<THopSummary['rmd']>; providerId: string }) {
  // The removal date is the provider's; asked for only when a hop shows a removed filing.
  const provider = useProvider(rmd.status === 'removed' ? providerId : null);
  const removedAt = provider.data?.rmd?.removedAt;
  const [text, tip] =
    rmd.status === 'filed'
      ? ['RMD: filed', 'Filed in the Robocall Mitigation Database at the time of the call']
      : rmd.status === 'removed'
        ? [
            removedAt ? `Removed from RMD since ${dateOnly(removedAt)}` : 'Removed from RMD',
            'Its filing was removed from the Robocall Mitigation Database before the call',
          ]
        : ['Not in RMD', 'Not filed in the Robocall Mitigation Database at the time of the call'];
  return (
    <Tooltip label={tip} withArrow multiline w={240}>
      <Badge
        color={rmd.flagged ? 'red' : 'teal'}
        variant={rmd.flagged ? 'filled' : 'light'}
        tt="none"
        tabIndex={0}
        data-rmd={rmd.status}
        aria-label={`${text}. ${tip}`}
      >
        {rmd.flagged ? `⚠ ${text}` : text}
      </Badge>
    </Tooltip>
  );
}

/**
 * Cease-and-desist letters (FCC, FTC) the hop's provider had received by the day of the call: a red flag
 * like an RMD removal (decision 0029), in words, not colour alone.
 */
export function LetterBadges({ letters }: { letters: NonNullable<THopSummary['letters']> }) {
  if (letters.length === 0) return null;
  return (
    <Group gap={4}>
      {letters.map((l) => (
        <Tooltip
          key={l.id}
          label={`The ${l.issuer} sent this provider a cease-and-desist letter on ${l.issuedOn}, before this call`}
          withArrow
          multiline
          w={260}
        >
          <Badge color="red" variant="filled" tt="none" data-letter={l.issuer}>
            ⚠ {l.issuer} letter {l.issuedOn}
          </Badge>
        </Tooltip>
      ))}
    </Group>
  );
}

/**
 * What the hop's provider received with the call (decision 0034): signed or not, by whom, with which
 * attestation, and the path flags raised here (where the header was dropped or replaced), in words.
 */
export function ReceivedSignalling({ received }: { received: NonNullable<THopSummary['received']> }) {
  const r = received;
  let text: string;
  if (r.identity === 'none') text = 'Received without an Identity header';
  else if (r.identity === null) text = 'Identity header not reported';
  else {
    const by = r.signer?.name ?? (r.spc ? `SPC ${r.spc} (not in the directory)` : 'an unknown signer');
    const verdict = r.verdict === 'valid' ? 'valid' : r.verdict === 'invalid' ? 'invalid' : 'not checked';
    text = `Received signed${r.attest ? ` (${r.attest})` : ''} by ${by}, ${verdict}`;
  }
  const numbers = [
    r.fromNumber ? `From ${formatPhone(r.fromNumber)}` : null,
    r.paiNumber ? `PAI ${formatPhone(r.paiNumber)}` : null,
  ].filter(Boolean);
  return (
    <Stack gap={2} data-received={r.identity ?? 'unreported'}>
      <Text size="xs" fw={600}>
        STIR/SHAKEN: {text}
      </Text>
      {r.reason && (
        <Text size="xs" c="dimmed">
          {r.reason}
        </Text>
      )}
      {r.certificate && (
        <Text size="xs" c="dimmed">
          Certificate valid {r.certificate.notBefore.slice(0, 10)} to {r.certificate.notAfter.slice(0, 10)}
        </Text>
      )}
      {numbers.length > 0 && (
        <Text size="xs" c="dimmed">
          {numbers.join(' · ')}
        </Text>
      )}
      {r.flags.length > 0 && (
        <Group gap={4}>
          {r.flags.map((f) => (
            <Badge key={f.code} color="red" variant="filled" tt="none" data-path-flag={f.code}>
              ⚠ {HOP_FLAG_LABEL[f.code] ?? f.code}
            </Badge>
          ))}
        </Group>
      )}
    </Stack>
  );
}

function Answer({ hop, names, forward }: { hop: THopSummary; names: Map<string, string>; forward: boolean }) {
  const a = hop.answer;
  if (!a) return null;
  const via = hop.answeredVia ? ` (via ${CHANNEL_LABEL[hop.answeredVia]})` : '';
  let text: string;
  if (forward && a.kind === 'origin')
    text = `Our customer: ${a.action ? ACTION_LABEL[a.action] : 'action not given'}`;
  else if (forward && a.kind === 'not_found') text = 'Not ours';
  else
    switch (a.kind) {
      case 'upstream':
        text = `Received it from ${names.get(a.upstreamProviderId ?? '') ?? 'a provider'}`;
        break;
      case 'origin':
        text = `Originated it: ${a.action ? ACTION_LABEL[a.action] : 'action not given'}`;
        break;
      case 'not_found':
        text = 'No record of the call';
        break;
    }
  return (
    <Stack gap={2}>
      <Text size="sm" fw={600}>
        {text}
        <Text span size="sm" c="dimmed" fw={400}>
          {via}
        </Text>
      </Text>
      {a.comment && (
        <Text size="sm" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>
          “{a.comment}”
        </Text>
      )}
    </Stack>
  );
}

function HopCard(props: {
  hop: THopSummary;
  /** A hop of a forward request: asked whose customer holds a number. */
  forward: boolean;
  loop: boolean;
  /** The US entry point of a call from abroad (decision 0035). */
  entry: boolean;
  now: number;
  names: Map<string, string>;
  linkProviders: boolean;
}) {
  const { hop } = props;
  const withdrawn = hop.status === 'withdrawn';
  const flaggedByLetter = (hop.letters?.length ?? 0) > 0;
  const flaggedByPath = (hop.received?.flags.length ?? 0) > 0;
  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      miw={{ md: 230 }}
      maw={{ md: 280 }}
      style={{
        flex: '0 0 auto',
        opacity: withdrawn ? 0.75 : 1,
        borderStyle: withdrawn ? 'dashed' : 'solid',
        borderColor:
          hop.rmd?.flagged || flaggedByLetter || flaggedByPath
            ? 'var(--mantine-color-red-8)'
            : hop.status === 'pending'
              ? 'var(--mantine-color-blue-8)'
              : undefined,
        borderWidth: hop.status === 'pending' || hop.rmd?.flagged || flaggedByLetter || flaggedByPath ? 2 : 1,
      }}
      aria-label={`Hop ${hop.seq}: ${hop.providerName}`}
      data-hop-seq={hop.seq}
      data-hop-status={hop.status}
    >
      <Stack gap={6}>
        <Group gap={6} wrap="nowrap" align="baseline">
          <Text size="xs" c="dimmed" fw={700}>
            {hop.seq}
          </Text>
          {props.linkProviders ? (
            <Anchor component={Link} to={`/providers/${hop.providerId}`} fw={650} size="sm">
              {hop.providerName}
            </Anchor>
          ) : (
            <Text fw={650} size="sm">
              {hop.providerName}
            </Text>
          )}
        </Group>
        <Badges hop={hop} loop={props.loop} entry={props.entry} now={props.now} />
        {hop.rmd && <RmdBadge rmd={hop.rmd} providerId={hop.providerId} />}
        {hop.letters && <LetterBadges letters={hop.letters} />}
        <Box
          component="dl"
          m={0}
          style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 12, rowGap: 2 }}
        >
          <Text size="xs" c="dimmed" component="dt">
            Requested
          </Text>
          <Text size="xs" component="dd" m={0}>
            <DateTime iso={hop.requestedAt} compact />
          </Text>
          <Text size="xs" c="dimmed" component="dt">
            Counted as received
          </Text>
          <Text size="xs" component="dd" m={0}>
            <DateTime iso={hop.receivedAt} compact />
          </Text>
          <Text size="xs" c="dimmed" component="dt">
            Due
          </Text>
          <Text size="xs" component="dd" m={0}>
            <DateTime iso={hop.dueAt} compact />
          </Text>
          <Text size="xs" c="dimmed" component="dt">
            Answered
          </Text>
          <Text size="xs" component="dd" m={0}>
            <DateTime iso={hop.answeredAt} compact />
          </Text>
        </Box>
        <Answer hop={hop} names={props.names} forward={props.forward} />
        {hop.received && <ReceivedSignalling received={hop.received} />}
        <AttachmentList items={hop.attachments} />
      </Stack>
    </Paper>
  );
}

function Arrow() {
  return (
    <Box c="dimmed" style={{ alignSelf: 'center', display: 'flex' }} aria-hidden="true">
      <Box hiddenFrom="md">
        <IconArrowDown size={20} />
      </Box>
      <Box visibleFrom="md">
        <IconArrowRight size={20} />
      </Box>
    </Box>
  );
}

/** The path drawn as a chain of providers: each one named the next as the provider that handed it the call. */
export function PathChain(props: { traceback: TTraceback; loopHopIds: Set<string>; linkProviders: boolean }) {
  const now = useNow();
  const names = new Map(props.traceback.hops.map((h) => [h.providerId, h.providerName]));
  return (
    <Stack gap="lg">
      {linesOf(props.traceback.hops).map(({ line, hops }) => (
        <section key={line} aria-label={LINE_TITLE[line] ?? `Line of inquiry: ${line}`}>
          {line !== 'path' && (
            <Text size="sm" fw={600} mb={4}>
              Line of inquiry: {line}
            </Text>
          )}
          <Box style={{ overflowX: 'auto' }} pb="xs">
            <Box
              component="ol"
              m={0}
              p={0}
              style={{ listStyle: 'none' }}
              data-line={line}
              className="path-chain"
            >
              {hops.map((hop, i) => (
                <li key={hop.id} className="path-step">
                  {i > 0 && <Arrow />}
                  <HopCard
                    hop={hop}
                    forward={props.traceback.kind === 'forward'}
                    loop={props.loopHopIds.has(hop.id)}
                    entry={
                      line === 'path' &&
                      hop.status === 'answered' &&
                      hop.providerId === props.traceback.entryPointProviderId
                    }
                    now={now}
                    names={names}
                    linkProviders={props.linkProviders}
                  />
                </li>
              ))}
            </Box>
          </Box>
        </section>
      ))}
    </Stack>
  );
}
