import type { TEvidencePackageCreated } from '../lib/contracts';
import { Button } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { downloadFile, post, saveBlob } from '../api/client';
import { IconDownload } from './icons';

const API = '/api/v1';

/**
 * "Download evidence package": builds a signed package (POST `path`) and saves the ZIP the server stored.
 * Shown only where the API says the viewer may build one; hidden when the page is printed.
 */
export function EvidencePackageButton({ path, onBuilt }: { path: string; onBuilt?: () => void }) {
  const build = useMutation({
    mutationFn: async () => {
      const built = await post<TEvidencePackageCreated>(path, {});
      const url = built.downloadUrl.startsWith(API) ? built.downloadUrl.slice(API.length) : built.downloadUrl;
      return { built, blob: await downloadFile(url) };
    },
    onSuccess: ({ built, blob }) => {
      saveBlob(blob, `evidence-${built.id}.zip`);
      notifications.show({
        color: 'teal',
        title: 'Evidence package built',
        message: `SHA-256 ${built.sha256.slice(0, 16)}…; check it with: hoptrace evidence verify evidence-${built.id}.zip`,
      });
      onBuilt?.();
    },
    onError: (err) =>
      notifications.show({
        color: 'red',
        title: 'Could not build the evidence package',
        message: err instanceof Error ? err.message : 'Try again',
      }),
  });
  return (
    <Button
      className="no-print"
      variant="light"
      leftSection={<IconDownload size={16} />}
      loading={build.isPending}
      onClick={() => build.mutate()}
      data-testid="evidence-package"
    >
      Download evidence package
    </Button>
  );
}
