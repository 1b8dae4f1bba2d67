// Configuration the server can start with but not fully serve: named once at start-up, in one
// JSON line, so an operator sees it before the first request fails. `/api/ready` says the same.
import { encryptionKeysProblem } from './crypto/secret-box';
import { getStartupLogger } from './observability/logger';

export function logConfigurationProblems(env: NodeJS.ProcessEnv = process.env): void {
  const keys = encryptionKeysProblem(env);
  if (keys !== null) {
    getStartupLogger().error(
      { event: 'startup', problem: 'encryption_keys_malformed' },
      `${keys}: connection routes answer 503 and /api/ready is not ready until it is fixed`,
    );
  }
}
