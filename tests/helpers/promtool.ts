// promtool (Debian's prometheus package) checks the scrape and the shipped alerting rules. CI
// installs it; elsewhere its suites skip with this reason, except under CI=true, where they fail.
import { execFileSync } from 'node:child_process';

function findPromtool(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const found = findPromtool();
if (found === null && process.env.CI === 'true')
  throw new Error('promtool is not installed (apt-get install prometheus): CI must run these checks');

export const PROMTOOL = found;
export const PROMTOOL_MISSING = 'promtool is not installed (apt-get install -y --no-install-recommends prometheus)';
