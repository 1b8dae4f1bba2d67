// npm run token [-- --other] [-- --expires 24h]: prints an access token for the seeded dev user
// (or the second seeded user), signed with SUPABASE_JWT_SECRET or the embedded dev secret.
import { parseArgs } from 'node:util';
import { DEV_USER_EMAIL, DEV_USER_ID, DEV_WORKSPACE_ID, OTHER_USER_ID, OTHER_WORKSPACE_ID } from '../src/lib/db/dev-seed';
import { mintAccessToken } from '../src/lib/auth/tokens';

const { values } = parseArgs({
  options: { other: { type: 'boolean', default: false }, expires: { type: 'string', default: '24h' } },
});

const user = values.other
  ? { sub: OTHER_USER_ID, email: 'other@localhost', workspace_id: OTHER_WORKSPACE_ID }
  : { sub: DEV_USER_ID, email: DEV_USER_EMAIL, workspace_id: DEV_WORKSPACE_ID };

const token = await mintAccessToken(user, { expiresIn: values.expires });
console.error(`# workspace ${user.workspace_id}, user ${user.sub}, expires in ${values.expires}`);
console.log(token);
