// npm run workspace:create -- --name <name> --owner <user id | email>: creates a workspace owned by
// that user, for deployments where nobody signs in to the dashboard to do it.
import { closeDb, getDb } from '../src/lib/db';
import { createWorkspace, findUserIdByEmail } from '../src/lib/decision-circuits/metrics/tenancy/members';
import { errorMessage, fail, parseCommandLine, usageError } from './lib/cli';

const USAGE = `Usage: npm run workspace:create -- --name <name> --owner <user id | email>

Creates a workspace in DATABASE_URL (else the embedded database under .data/) and makes the
user its owner. The owner is a Supabase Auth user id (UUID), or an email address that Supabase
Auth knows. Prints the new workspace id.

  --name <name>        the workspace's name (1-200 characters)
  --owner <id|email>   who owns it
  -h, --help           this text`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const { values } = parseCommandLine(USAGE, { name: { type: 'string' }, owner: { type: 'string' } });
const name = values.name?.trim() ?? '';
if (name.length < 1 || name.length > 200) usageError(USAGE, '--name is required (1-200 characters)');
if (!values.owner) usageError(USAGE, '--owner is required');

try {
  const db = await getDb();
  const owner = UUID.test(values.owner) ? values.owner.toLowerCase() : await findUserIdByEmail(values.owner, { db });
  if (!owner) fail(`No user with the email ${values.owner}: give the owner's user id (UUID) instead`);
  const workspace = await createWorkspace(owner, name, { db });
  console.error(`Created workspace "${name}" ${workspace.workspace_id}, owned by ${owner}`);
  console.log(workspace.workspace_id);
} catch (error) {
  fail(`Workspace not created: ${errorMessage(error)}`);
} finally {
  await closeDb();
}
