// npm run connection:approve -- --connection <id>: the operator verifies a Facebook, Instagram or
// LinkedIn connection's account claim without a token (deployments that check control themselves,
// e.g. by contract); --list prints the pending claims to review. Runs with the database's own
// credentials; any other verified claim on the account returns to pending.
import { closeDb, getDb } from '../src/lib/db';
import { approveConnectionClaim, listPendingClaims } from '../src/lib/decision-circuits/metrics/tenancy/account-claims';
import { errorMessage, fail, parseCommandLine, usageError } from './lib/cli';

const USAGE = `Usage: npm run connection:approve -- --connection <connection id>
       npm run connection:approve -- --list

Marks the account claim of a Facebook, Instagram or LinkedIn connection verified, in DATABASE_URL
(else the embedded database under .data/): the account's events then go to that connection's
workspace. Another workspace's verified claim on the same account returns to pending. Check that
the workspace controls the account before approving: this skips the provider's own check.

  --connection <id>    the connection (UUID, as --list or GET /api/circuits/metrics/connections shows it)
  --list               print every pending claim (connection, provider, account, workspace, created), oldest first
  -h, --help           this text`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const { values } = parseCommandLine(USAGE, { connection: { type: 'string' }, list: { type: 'boolean', default: false } });
if (values.list && values.connection) usageError(USAGE, 'give either --list or --connection');
if (!values.list && (!values.connection || !UUID.test(values.connection))) usageError(USAGE, '--connection must be a connection id (UUID)');

try {
  const db = await getDb();
  if (values.list) {
    const pending = await listPendingClaims({ db });
    for (const claim of pending)
      console.log([claim.connectionId, claim.provider, claim.account, claim.workspaceId, claim.createdAt].join('\t'));
    console.error(`${pending.length} pending claim(s)`);
  } else {
    const approved = await approveConnectionClaim(values.connection!.toLowerCase(), { db });
    if (!approved) fail(`No Facebook, Instagram or LinkedIn connection ${values.connection}: nothing approved`);
    const superseded = approved.superseded > 0 ? `; ${approved.superseded} other verified claim(s) on it returned to pending` : '';
    console.error(`Verified: ${approved.provider} ${approved.account} now routes to workspace ${approved.workspaceId}${superseded}`);
  }
} catch (error) {
  fail(`Claim not approved: ${errorMessage(error)}`);
} finally {
  await closeDb();
}
