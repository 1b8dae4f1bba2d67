import type { ProviderConnection } from '@/lib/dashboard/operations';
import { CopyButton } from './CopyButton';

/** Per provider: the exact webhook URL to register and whether its secret is set (never its value). */
export function ConnectProviders({ connections }: { connections: ProviderConnection[] }) {
  return (
    <div className="connect-grid">
      {connections.map((c) => {
        const id = `connect-${c.provider}`;
        return (
          <section key={c.provider} className="card connect-card" aria-labelledby={id} data-testid={id}>
            <h3 id={id}>
              {c.label} <span className="muted">({c.channel})</span>
            </h3>
            <p className="label">Webhook URL</p>
            <div className="code-row">
              <code className="url" data-testid="webhook-url">
                {c.webhookUrl}
              </code>
              <CopyButton text={c.webhookUrl} label={`Copy ${c.label} URL`} />
            </div>
            <p data-testid="secret-status">
              <span className={`badge ${c.secretConfigured ? 'ok' : 'warn'}`}>
                {c.secretConfigured ? `Secret configured: ${c.secretKind}` : 'Secret not configured'}
              </span>
            </p>
            <p className="muted small">
              {c.secretConfigured ? 'Read from ' : 'Set '}
              {c.secretEnvVars.map((name, i) => (
                <span key={name}>
                  {i > 0 && ' or '}
                  <code>{name}</code>
                </span>
              ))}
              {c.secretConfigured ? '.' : ' on the server; without it this provider’s events are refused (401) outside development.'}
            </p>
            {c.handshakeEnv.map((h) => (
              <p key={h.name} className="muted small">
                Verification handshake: <code>{h.name}</code> {h.configured ? 'is set' : 'is not set (needed to register the URL)'}.
              </p>
            ))}
          </section>
        );
      })}
    </div>
  );
}
