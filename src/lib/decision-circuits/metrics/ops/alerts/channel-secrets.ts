// Channel URLs and webhook secrets at rest: sealed with the connections' keys (a Slack URL is its
// own credential, and any URL names where the server will post). Each ciphertext is bound to its
// workspace, channel and field, so one copied into another row does not open. Rows written before
// sealing existed are sealed on first use (channel creation or an alert run).
import type { Database } from '../../../../db';
import { openSecret, sealSecret, secretFingerprint, type SecretBoxKeys } from '../../../../crypto/secret-box';
import { getLogger } from '../../../../observability/logger';

const associatedData = (workspaceId: string, channelId: string, field: 'url' | 'secret') =>
  `${workspaceId}|alert_channel:${channelId}|${field}`;

export interface SealedChannelColumns {
  url_sealed: string;
  url_origin: string;
  url_fingerprint: string;
  secret_sealed: string | null;
  secret_fingerprint: string | null;
}

/** Scheme, host and port only: paths and queries often carry tokens, and userinfo is dropped. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}

/** What may be shown of a channel's URL and key. */
export function channelFingerprints(
  url: string,
  secret: string | null,
): Pick<SealedChannelColumns, 'url_origin' | 'url_fingerprint' | 'secret_fingerprint'> {
  return {
    url_origin: originOf(url),
    url_fingerprint: secretFingerprint(url),
    secret_fingerprint: secret === null ? null : secretFingerprint(secret),
  };
}

export function sealChannel(
  keys: SecretBoxKeys,
  workspaceId: string,
  channelId: string,
  url: string,
  secret: string | null,
): SealedChannelColumns {
  return {
    ...channelFingerprints(url, secret),
    url_sealed: sealSecret(keys, url, associatedData(workspaceId, channelId, 'url')),
    secret_sealed: secret === null ? null : sealSecret(keys, secret, associatedData(workspaceId, channelId, 'secret')),
  };
}

/** A new webhook secret sealed for the channel (rotation), with its fingerprint. */
export function sealChannelSecret(
  keys: SecretBoxKeys,
  workspaceId: string,
  channelId: string,
  secret: string,
): { secret_sealed: string; secret_fingerprint: string } {
  return {
    secret_sealed: sealSecret(keys, secret, associatedData(workspaceId, channelId, 'secret')),
    secret_fingerprint: secretFingerprint(secret),
  };
}

export interface StoredChannelRow {
  id: string;
  workspace_id: string;
  url: string | null;
  url_sealed: string | null;
  secret: string | null;
  secret_sealed: string | null;
}

/** The channel's URL and secret in the clear, for the one request that uses them. */
export function openChannel(keys: SecretBoxKeys, row: StoredChannelRow): { url: string; secret: string | null } {
  const url = row.url_sealed ? openSecret(keys, row.url_sealed, associatedData(row.workspace_id, row.id, 'url')) : row.url!;
  const secret = row.secret_sealed ? openSecret(keys, row.secret_sealed, associatedData(row.workspace_id, row.id, 'secret')) : row.secret;
  return { url, secret };
}

/**
 * A rotated-out secret (metrics_alert_channel_rotate_secret moves the sealed current secret into
 * the previous column as it is, so it opens with the same binding).
 */
export function openPreviousSecret(
  keys: SecretBoxKeys,
  row: Pick<StoredChannelRow, 'id' | 'workspace_id'>,
  previousSealed: string,
): string {
  return openSecret(keys, previousSealed, associatedData(row.workspace_id, row.id, 'secret'));
}

/** Seals every channel still stored in plain text; answers how many it sealed. */
export async function sealPlainChannels(db: Database, keys: SecretBoxKeys): Promise<number> {
  const plain = await db.query<{ id: string; workspace_id: string; url: string; secret: string | null }>(
    'select id, workspace_id, url, secret from metrics_alert_channels where url is not null',
  );
  let sealed = 0;
  for (const row of plain) {
    const columns = sealChannel(keys, row.workspace_id, row.id, row.url, row.secret);
    const [result] = await db.query<{ sealed: boolean }>('select metrics_alert_channel_seal($1, $2, $3, $4, $5, $6, $7) as sealed', [
      row.id,
      row.url,
      columns.url_sealed,
      columns.url_origin,
      columns.url_fingerprint,
      columns.secret_sealed,
      columns.secret_fingerprint,
    ]);
    if (result?.sealed) sealed += 1;
  }
  if (sealed > 0) getLogger().info({ sealed }, 'alert channels sealed at rest');
  return sealed;
}
