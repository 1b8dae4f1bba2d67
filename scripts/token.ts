// npm run token [-- --other] [-- --expires 24h]: prints an access token for the seeded dev user
// (or the second seeded user), signed with SUPABASE_JWT_SECRET or the embedded dev secret.
import { DEV_USER_EMAIL, DEV_USER_ID, DEV_WORKSPACE_ID, OTHER_USER_ID, OTHER_WORKSPACE_ID } from '../src/lib/db/dev-seed';
import { mintAccessToken } from '../tooling/auth/tokens';
import { errorMessage, fail, parseCommandLine } from './lib/cli';

const USAGE = `Usage: npm run token [-- options]

Prints an access token (JWT) for the seeded dev user, for the read APIs:
  curl -H "Authorization: Bearer $(npm run -s token)" ...

  --other              the second seeded user (another workspace), to check isolation
  --expires <span>     lifetime such as 30m, 24h or 7d (default 24h)
  -h, --help           this text`;

const { values } = parseCommandLine(USAGE, { other: { type: 'boolean', default: false }, expires: { type: 'string', default: '24h' } });

const user = values.other
  ? { sub: OTHER_USER_ID, email: 'other@localhost', workspace_id: OTHER_WORKSPACE_ID }
  : { sub: DEV_USER_ID, email: DEV_USER_EMAIL, workspace_id: DEV_WORKSPACE_ID };

try {
  const token = await mintAccessToken(user, { expiresIn: values.expires });
  console.error(`# workspace ${user.workspace_id}, user ${user.sub}, expires in ${values.expires}`);
  console.log(token);
} catch (error) {
  fail(`Could not mint a token (--expires ${values.expires}): ${errorMessage(error)}`);
}
