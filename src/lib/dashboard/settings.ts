// What the settings page shows for one workspace: its members (any member may see them) and, for
// admins and owners only, its pending invitations, its connections with whether each can be
// sent a test event, and its API keys.
import {
  listApiKeys,
  type ApiKeySummary,
  connectionTestSupport,
  type TestEventSupport,
  listConnections,
  type ConnectionView,
  listPendingInvitations,
  type WorkspaceInvitation,
  listMembers,
  type WorkspaceMember,
  WORKSPACE_ROLES,
  type WorkspaceRole,
} from '../decision-circuits/metrics/tenancy';
import type { MetricsProvider } from '../decision-circuits/metrics/metrics-types';
import { type ConnectionFormFacts, METRICS_PROVIDERS, PROVIDER_LABELS, PROVIDERS } from '../decision-circuits/metrics/providers';
import type { DashboardSession } from './session';

export interface SettingsConnection extends ConnectionView {
  label: string;
  test: TestEventSupport;
}

/** One provider in the "add a connection" form: what to ask for, from its definition. */
export type ConnectionFormOption = ConnectionFormFacts & { provider: MetricsProvider };

/** A key as the page lists it, with whether it still works (judged when the page was rendered). */
export interface SettingsApiKey extends ApiKeySummary {
  status: 'active' | 'expired' | 'revoked';
}

function keyStatus(key: ApiKeySummary, now: number): SettingsApiKey['status'] {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at && Date.parse(key.expires_at) <= now) return 'expired';
  return 'active';
}

export interface SettingsView {
  role: WorkspaceRole;
  connectionForms: ConnectionFormOption[];
  canManage: boolean;
  members: WorkspaceMember[];
  /** Pending invitations; empty for viewers and members, who do not see them. */
  invitations: WorkspaceInvitation[];
  /** Null for viewers and members: connections are shown to admins and owners only. */
  connections: SettingsConnection[] | null;
  /** Null for viewers and members: API keys are managed by admins and owners only. */
  apiKeys: SettingsApiKey[] | null;
}

export function roleAtLeast(role: string, minimum: WorkspaceRole): boolean {
  const index = WORKSPACE_ROLES.indexOf(role as WorkspaceRole);
  return index >= 0 && index >= WORKSPACE_ROLES.indexOf(minimum);
}

/** `role` is the caller's role as Postgres listed it (RLS), never something the URL said. */
export async function loadSettingsView(
  session: DashboardSession,
  workspaceId: string,
  role: string,
  baseUrl: string,
): Promise<SettingsView> {
  const canManage = roleAtLeast(role, 'admin');
  const [members, invitations, connections, support, apiKeys] = await Promise.all([
    listMembers(workspaceId, { claims: session.claims }),
    canManage ? listPendingInvitations(workspaceId, { claims: session.claims }) : Promise.resolve([]),
    canManage ? listConnections(workspaceId, baseUrl, { claims: session.claims }) : Promise.resolve(null),
    canManage ? connectionTestSupport(workspaceId) : Promise.resolve(new Map<string, TestEventSupport>()),
    canManage ? listApiKeys(workspaceId, { claims: session.claims }) : Promise.resolve(null),
  ]);
  const now = Date.now();
  return {
    role: role as WorkspaceRole,
    connectionForms: METRICS_PROVIDERS.map((provider) => ({ provider, ...PROVIDERS[provider].connectionForm })),
    canManage,
    members,
    invitations,
    connections:
      connections?.map((c) => ({
        ...c,
        label: PROVIDER_LABELS[c.provider],
        test: support.get(c.connection_id) ?? { available: false, reason: 'This connection is disabled' },
      })) ?? null,
    apiKeys: apiKeys?.map((key) => ({ ...key, status: keyStatus(key, now) })) ?? null,
  };
}
