import type { Metadata } from 'next';
import { DashboardNav } from '@/components/dashboard/DashboardNav';
import { WorkspaceNotice } from '@/components/dashboard/WorkspaceNotice';
import { ApiKeysPanel } from '@/components/dashboard/settings/ApiKeysPanel';
import { ConnectionsPanel } from '@/components/dashboard/settings/ConnectionsPanel';
import { CreateWorkspaceForm } from '@/components/dashboard/settings/CreateWorkspaceForm';
import { DefaultWorkspaceButton } from '@/components/dashboard/settings/DefaultWorkspaceButton';
import { MembersPanel } from '@/components/dashboard/settings/MembersPanel';
import { ReceivedInvitations } from '@/components/dashboard/settings/ReceivedInvitations';
import { listReceivedInvitations } from '@/lib/decision-circuits/metrics/tenancy';
import { pageMetadata } from '@/lib/dashboard/metadata';
import type { SearchParams } from '@/lib/dashboard/params';
import type { DashboardSession } from '@/lib/dashboard/session';
import { loadSettingsView, type SettingsView } from '@/lib/dashboard/settings';
import { loadWorkspacePage } from '@/lib/dashboard/workspace-page';

export const metadata: Metadata = pageMetadata('Settings');

const PATH = '/dashboard/settings';

export default async function SettingsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { query, session, selection, baseUrl } = await loadWorkspacePage(PATH, searchParams, ['created']);
  const workspace = selection.current;
  const received = await listReceivedInvitations(session.claims.sub, session.claims.email);

  return (
    <main id="main">
      <DashboardNav current="settings" selection={selection} />
      <h1>Settings</h1>
      <section aria-labelledby="received-invitations-title" id="invitations">
        <h2 id="received-invitations-title">Invitations for you</h2>
        <ReceivedInvitations invitations={received} />
      </section>
      {workspace ? (
        <>
          {query.created && (
            <p className="alert ok" role="status" data-testid="workspace-created">
              Workspace “{workspace.name}” created; you are its owner.
            </p>
          )}
          <p data-testid="settings-workspace">
            Workspace <strong>{workspace.name}</strong> <code>{workspace.id}</code>, your role:{' '}
            <strong data-testid="your-role">{workspace.role}</strong>
            <DefaultWorkspaceButton workspaceId={workspace.id} isDefault={workspace.is_default} />
          </p>
          <SettingsContent
            workspaceId={workspace.id}
            session={session}
            view={await loadSettingsView(session, workspace.id, workspace.role, baseUrl)}
          />
        </>
      ) : (
        <WorkspaceNotice selection={selection} path={PATH} />
      )}
      <section aria-labelledby="create-workspace-title">
        <h2 id="create-workspace-title">Create a workspace</h2>
        <CreateWorkspaceForm />
      </section>
    </main>
  );
}

function SettingsContent({ workspaceId, session, view }: { workspaceId: string; session: DashboardSession; view: SettingsView }) {
  return (
    <>
      <section aria-labelledby="connections-title">
        <h2 id="connections-title">Provider connections</h2>
        {view.connections ? (
          <>
            <p>
              A connection tells this app which provider account sends events for this workspace. Paste its webhook URL in the provider’s
              console, then send a test event to see it arrive. Secrets are stored encrypted and never shown; the fingerprint tells them
              apart.
            </p>
            <ConnectionsPanel workspaceId={workspaceId} connections={view.connections} forms={view.connectionForms} />
          </>
        ) : (
          <p className="card notice" data-testid="connections-admins-only">
            Connections are managed by admins and owners only (your role is {view.role}): they hold the providers’ signing secrets. Ask an
            admin for a webhook URL or a change.
          </p>
        )}
      </section>
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <MembersPanel
          workspaceId={workspaceId}
          members={view.members}
          invitations={view.invitations}
          canManage={view.canManage}
          currentUserId={session.claims.sub}
          currentEmail={session.email}
        />
        <noscript>
          <p className="card notice">Managing members and connections here needs JavaScript; the REST API does the same without it.</p>
        </noscript>
      </section>
      <section aria-labelledby="api-keys-title">
        <h2 id="api-keys-title">API keys</h2>
        {view.apiKeys ? (
          <>
            <p>
              Programs (the email executor registering attribution, A/B code reading decisions, scripts) call the API with a workspace API
              key instead of a person’s session. A key acts in this workspace only, with the scopes you give it; revoke it when the program
              no longer needs it.
            </p>
            <ApiKeysPanel workspaceId={workspaceId} keys={view.apiKeys} />
          </>
        ) : (
          <p className="card notice" data-testid="api-keys-admins-only">
            API keys are managed by admins and owners only (your role is {view.role}). Ask an admin for a key for your program.
          </p>
        )}
      </section>
    </>
  );
}
