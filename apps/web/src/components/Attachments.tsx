import type { TAttachment } from '../lib/contracts';
import { Anchor, Button, FileInput, Group, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, downloadFile, hasLinkToken, qs, saveBlob, uploadFile } from '../api/client';
import { keys } from '../api/queries';
import { DateTime } from './common';

/** The server's default cap; a server set lower still answers 413, shown at the field. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** What is wrong with a file for evidence, in words for the field; null when it is a PDF within the cap. */
export async function pdfProblem(file: File): Promise<string | null> {
  if (file.size === 0) return 'The file is empty';
  if (file.size > MAX_ATTACHMENT_BYTES)
    return `The file is ${formatBytes(file.size)}; the limit is ${formatBytes(MAX_ATTACHMENT_BYTES)}`;
  const head = new Uint8Array(await file.slice(0, 5).arrayBuffer());
  if (String.fromCharCode(...head) !== '%PDF-') return 'Only PDF files can be attached';
  return null;
}

/** A server refusal of an upload, as the message at the file field. */
export function uploadErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 413) return `The file is larger than the server accepts`;
    if (err.status === 415) return 'Only PDF files can be attached';
    return err.fieldErrors['query.name'] ?? err.message;
  }
  return err instanceof Error ? err.message : 'The file could not be sent';
}

export const uploadAttachment = (hopId: string, file: File) =>
  uploadFile<TAttachment>(`/hops/${hopId}/attachments${qs({ name: file.name })}`, file, 'application/pdf');

/** The PDF picker of a form: PDF only, the size shown, the message at the field. */
export function PdfField(props: {
  id: string;
  label?: string;
  file: File | null;
  onChange: (f: File | null) => void;
  error?: string | undefined;
}) {
  const { file } = props;
  return (
    <FileInput
      id={props.id}
      label={props.label ?? 'Evidence (PDF)'}
      description={
        file
          ? `${file.name}: ${formatBytes(file.size)}`
          : `Optional: an LOA, a contract or a call record extract; PDF only, up to ${formatBytes(MAX_ATTACHMENT_BYTES)}`
      }
      placeholder="Choose a PDF"
      accept="application/pdf,.pdf"
      clearable
      value={file}
      onChange={props.onChange}
      error={props.error}
      maw={480}
    />
  );
}

function DownloadLink({ a }: { a: TAttachment }) {
  const [busy, setBusy] = useState(false);
  // Signed in, the session cookie goes with a plain link; a one-hop link's token has to go in a header.
  if (!hasLinkToken())
    return (
      <Anchor href={`/api/v1/attachments/${a.id}`} download={a.name} size="sm" fw={600}>
        {a.name}
      </Anchor>
    );
  return (
    <Anchor
      component="button"
      type="button"
      size="sm"
      fw={600}
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void downloadFile(`/attachments/${a.id}`)
          .then((blob) => saveBlob(blob, a.name))
          .catch((e: unknown) =>
            notifications.show({ color: 'red', title: 'Download failed', message: String(e) }),
          )
          .finally(() => setBusy(false));
      }}
    >
      {a.name}
    </Anchor>
  );
}

/** A hop's attachments with download links; nothing at all when there are none and `empty` is not given. */
export function AttachmentList({ items, empty }: { items: TAttachment[] | undefined; empty?: string }) {
  if (!items?.length)
    return empty ? (
      <Text size="sm" c="dimmed">
        {empty}
      </Text>
    ) : null;
  return (
    <Stack gap={4} component="ul" m={0} p={0} style={{ listStyle: 'none' }} aria-label="Attachments">
      {items.map((a) => (
        <li key={a.id} data-testid="attachment">
          <Group gap={6} wrap="wrap">
            <DownloadLink a={a} />
            <Text span size="xs" c="dimmed">
              {formatBytes(a.size)}, <DateTime iso={a.uploadedAt} compact />
            </Text>
            <Tooltip label={`SHA-256 ${a.sha256}`} withArrow>
              <Text span size="xs" c="dimmed" className="mono-wrap" tabIndex={0}>
                sha256 {a.sha256.slice(0, 12)}…
              </Text>
            </Tooltip>
          </Group>
        </li>
      ))}
    </Stack>
  );
}

/** Adds a PDF to a hop after its answer (or at any time for staff): the answer form sends one with it. */
export function AttachmentUploader({ hopId }: { hopId: string }) {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | undefined>();
  const upload = useMutation({
    mutationFn: (f: File) => uploadAttachment(hopId, f),
    onSuccess: async (a) => {
      setFile(null);
      notifications.show({ color: 'teal', title: 'Attached', message: a.name });
      await queryClient.invalidateQueries({ queryKey: keys.hop(hopId) });
      await queryClient.invalidateQueries({ queryKey: ['traceback'] });
    },
    onError: (err) => setError(uploadErrorText(err)),
  });
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) {
      setError('Choose a PDF to attach');
      document.getElementById(`attach-${hopId}`)?.focus();
      return;
    }
    const problem = await pdfProblem(file);
    setError(problem ?? undefined);
    if (!problem) upload.mutate(file);
  }
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Attach a PDF">
      <Group align="flex-end" gap="sm">
        <PdfField
          id={`attach-${hopId}`}
          label="Add a PDF"
          file={file}
          onChange={(f) => {
            setFile(f);
            setError(undefined);
          }}
          error={error}
        />
        <Button type="submit" variant="light" loading={upload.isPending}>
          Attach
        </Button>
      </Group>
    </form>
  );
}
