// Which credentials a backfill job runs with: the key the workspace gave its connection (`api_key`)
// when it has one, so each tenant backfills with its own provider account; else the deployment's
// env (RESEND_API_KEY, META_ACCESS_TOKEN, …), as on a single-workspace deployment.
import type { Database } from '../../../db';
import { openBackfillCredential } from '../tenancy/connections';
import type { MetricsProvider } from '../metrics-types';
import type { EnvBag } from '../providers/kit/provider';
import type { BackfillProviderClient } from '../providers/kit/backfill-client';

export interface BackfillCredentials {
  env: EnvBag;
  /** True when the connection's own key is in env. */
  fromConnection: boolean;
}

export async function backfillCredentials(
  db: Database,
  job: { workspace_id: string; provider: MetricsProvider },
  client: BackfillProviderClient,
  env: EnvBag,
): Promise<BackfillCredentials> {
  const credential = await openBackfillCredential(job.workspace_id, job.provider, { db, env });
  const [keyVar] = client.envVars;
  if (!credential || !keyVar) return { env, fromConnection: false };
  const account = client.accountVar && credential.externalAccountId ? { [client.accountVar]: credential.externalAccountId } : {};
  return { env: { ...env, [keyVar]: credential.apiKey, ...account }, fromConnection: true };
}
