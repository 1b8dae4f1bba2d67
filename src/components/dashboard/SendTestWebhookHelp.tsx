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

/** The CLI's default target (scripts/webhook-send.ts). */
const CLI_DEFAULT_URL = 'http://localhost:3000';

/** `npm run webhook:send` for this app and workspace, carrying a test and variant so it counts at once. */
export function sampleCli(baseUrl: string, workspaceId: string): string {
  return [
    'npm run webhook:send -- --provider sendgrid --event delivered',
    ...(baseUrl === CLI_DEFAULT_URL ? [] : [`--url ${baseUrl}`]),
    `--workspace ${workspaceId}`,
    `--circuit test-circuit --ab-test ${SAMPLE_AB_TEST_ID} --variant ${SAMPLE_VARIANT_ID}`,
  ].join(' ');
}

/** The "no data yet" instructions: how to get a first event into this workspace. */
export function SendTestWebhookHelp({ baseUrl, workspaceId, headingId }: { baseUrl: string; workspaceId: string; headingId: string }) {
  const cli = sampleCli(baseUrl, workspaceId);
  const curl = sampleCurl(baseUrl, workspaceId);
  return (
    <div className="send-help">
      <h3 id={headingId}>Send a test webhook</h3>
      <ol>
        <li>
          <p>From a checkout of this app, with the provider’s secret in the environment, send a signed test event:</p>
          <div className="code-row">
            <pre>
              <code>{cli}</code>
            </pre>
            <CopyButton text={cli} label="Copy command" />
          </div>
        </li>
        <li>
          <p>
            Or post one with curl. Unsigned events are accepted only by a development server (<code>npm run dev</code>) with no SendGrid
            secret configured; anywhere else sign it, as the command above does. Sending the same <code>sg_event_id</code> again changes
            nothing: retries are never counted twice.
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
        Resend tags) count at once. Others wait until the sender registers the message with{' '}
        <code>POST /api/circuits/metrics/attribution</code>.
      </p>
    </div>
  );
}
