// Seeding the browser suites' A/B tests: signed SendGrid batches through the real webhook route.
import { expect } from 'vitest';
import { signSendGridHmac } from '../../tooling/signing';
import { DEV_WORKSPACE_ID, TEST_SECRETS, type AppUnderTest } from '../helpers/app';

/** One variant's messages: sent, of which the first `bounced` bounce; opened and clicked ones follow. */
export interface VariantPlan {
  test: string;
  variant: string;
  sent: number;
  bounced: number;
  opened: number;
  clicked: number;
}

export async function postSendGrid(app: AppUnderTest, events: object[]): Promise<void> {
  const body = JSON.stringify(events);
  const response = await fetch(`${app.url}/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body }) },
    body,
  });
  const answer = await response.text();
  expect(response.status, `${answer}\n${app.server.logs().slice(-3000)}`).toBe(202);
}
