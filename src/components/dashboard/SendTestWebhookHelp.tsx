import { CopyButton } from './CopyButton';

/** Example ids for the sample event: any UUIDs work; events with the same ids form one test. */
const SAMPLE_AB_TEST_ID = '11111111-1111-4111-8111-111111111111';
const SAMPLE_VARIANT_ID = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

export function sampleCurl(baseUrl: string, workspaceId: string): string {
  const event = {
    event: 'delivered',
    email: 'test@example.com',
    timestamp: 'TIMESTAMP',
    sg_event_id: 'test-event-1',
    sg_message_id: 'test-message-1.filter0001',
    circuit_execution_id: 'test-circuit',
    ab_test_id: SAMPLE_AB_TEST_ID,
    variant_id: SAMPLE_VARIANT_ID,
  };
  const body = JSON.stringify([event]).replace('"TIMESTAMP"', `'"$(date +%s)"'`);
  return [
    `curl -X POST '${baseUrl}/api/webhooks/metrics?provider=sendgrid&workspace_id=${workspaceId}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${body}'`,
  ].join('\n');
}

/**
 * `npm run webhook:send` through a connection's own URL and secret (what a deployed app accepts),
 * carrying a test and variant so it counts at once and shows on the A/B page.
 */
export function sampleCli(): string {
  return [
    'npm run webhook:send -- --provider resend --event email.delivered',
    `--webhook-url "<the connection's webhook_url>" --secret-env SECRET`,
    `--circuit test-circuit --ab-test ${SAMPLE_AB_TEST_ID} --variant ${SAMPLE_VARIANT_ID}`,
  ].join(' ');
}

/** The "no data yet" instructions: how to get a first event into this workspace. */
export function SendTestWebhookHelp({ baseUrl, workspaceId, headingId }: { baseUrl: string; workspaceId: string; headingId: string }) {
  const cli = sampleCli();
  const curl = sampleCurl(baseUrl, workspaceId);
  return (
    <div className="send-help">
      <h3 id={headingId}>Send a test webhook</h3>
      <ol>
        <li>
          <p>
            In <a href="/dashboard/settings">Settings → Connections</a>, connect a provider and press <strong>Send test event</strong>: this
            server signs it as the provider would, and it is counted in this workspace (Operations shows it).
          </p>
        </li>
        <li>
          <p>
            Or, from a checkout of this app, sign one with the connection&rsquo;s own secret, held in a variable so it is never echoed (
            <code>read -rs SECRET; export SECRET</code>). It carries a test and a variant, so it shows on the A/B page at once:
          </p>
          <div className="code-row">
            <pre>
              <code>{cli}</code>
            </pre>
            <CopyButton text={cli} label="Copy command" />
          </div>
        </li>
        <li>
          <p>
            On a development server (<code>npm run dev</code>) with no SendGrid secret configured, an unsigned curl is accepted too;
            anywhere else it is refused (401). Sending the same <code>sg_event_id</code> again changes nothing: retries are never counted
            twice.
          </p>
          <div className="code-row">
            <pre>
              <code>{curl}</code>
            </pre>
            <CopyButton text={curl} label="Copy curl command" />
          </div>
        </li>
      </ol>
      <p className="muted">
        Events that carry <code>circuit_execution_id</code>, <code>ab_test_id</code> and <code>variant_id</code> (SendGrid custom args,
        Resend tags, Mailgun user-variables) count at once. Others wait until the sender registers the message with{' '}
        <code>POST /api/circuits/metrics/attribution</code>.
      </p>
    </div>
  );
}
