// npm run member:add -- --workspace <id> --user <user id | email> --role <role>: adds a member (or
// changes their role) from the operator's command line, directly: the operator holds the
// database's credentials, so no invitation is needed here (in the app, admins invite and people
// accept). Keeps at least one owner.
import { closeDb, getDb } from '../src/lib/db';
import { WORKSPACE_ROLES } from '../src/lib/decision-circuits/metrics/tenancy/access';
import { findUserIdByEmail } from '../src/lib/decision-circuits/metrics/tenancy/members';
import { errorMessage, fail, parseCommandLine, usageError } from './lib/cli';

const USAGE = `Usage: npm run member:add -- --workspace <workspace id> --user <user id | email> --role <role>

Adds the user to the workspace with the role, or changes their role if they are a member already,
in DATABASE_URL (else the embedded database under .data/). This is the operator's direct path, with
no invitation; in the app, admins invite by email and the person accepts. Roles: ${WORKSPACE_ROLES.join(', ')}
(viewer reads; member also registers attribution and starts backfills; admin also manages
connections and members; owner also deletes the workspace).

  --workspace <id>     the workspace (UUID)
  --user <id|email>    a Supabase Auth user id (UUID), or an email Supabase Auth knows
  --role <role>        one of ${WORKSPACE_ROLES.join(', ')}
  -h, --help           this text`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const { values } = parseCommandLine(USAGE, { workspace: { type: 'string' }, user: { type: 'string' }, role: { type: 'string' } });
if (!values.workspace || !UUID.test(values.workspace)) usageError(USAGE, '--workspace must be a workspace id (UUID)');
if (!values.user) usageError(USAGE, '--user is required');
const role = WORKSPACE_ROLES.find((r) => r === values.role);
if (!role) usageError(USAGE, `--role must be one of: ${WORKSPACE_ROLES.join(', ')}`);

try {
  const db = await getDb();
  const user = UUID.test(values.user) ? values.user.toLowerCase() : await findUserIdByEmail(values.user, { db });
  if (!user) fail(`No user with the email ${values.user}: give the user id (UUID) instead`);
  await db.query('select metrics_operator_set_member($1, $2, $3)', [values.workspace.toLowerCase(), user, role]);
  console.error(`${user} is now ${role} of workspace ${values.workspace}`);
} catch (error) {
  fail(`Member not added: ${errorMessage(error)}`);
} finally {
  await closeDb();
}
