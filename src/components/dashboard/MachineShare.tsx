import { machineOpenFlag, type ProviderEngagement } from '@/lib/decision-circuits/metrics/ab-tests';
import { formatCount, formatPercent } from '@/lib/dashboard/format';

const COLUMNS = [
  { key: 'opens_total', label: 'Opens', value: (p: ProviderEngagement) => formatCount(p.opens.total) },
  { key: 'opens_human', label: 'Human', value: (p: ProviderEngagement) => formatCount(p.opens.human) },
  { key: 'opens_machine', label: 'Machine', value: (p: ProviderEngagement) => formatCount(p.opens.machine) },
  { key: 'opens_bot', label: 'Bot', value: (p: ProviderEngagement) => formatCount(p.opens.bot) },
  { key: 'opens_unknown', label: 'Unknown', value: (p: ProviderEngagement) => formatCount(p.opens.unknown) },
  { key: 'machine_open_share', label: 'Machine share', value: machineShare },
  {
    key: 'unknown_open_share',
    label: 'Unknown share',
    value: (p: ProviderEngagement) => (p.opens.total > 0 ? formatPercent(p.unknown_open_share) : '–'),
  },
] as const;

function machineShare(p: ProviderEngagement): string {
  if (p.opens.total === 0) return '–';
  // Every open unknown: the share cannot be told, and 0 % would say no machine opened.
  return p.machine_open_share === null ? 'Cannot tell' : formatPercent(p.machine_open_share);
}

/** Why a provider's machine share is missing or a lower bound, in words; null when nothing needs saying. */
function noteFor(p: ProviderEngagement, label: string): string | null {
  if (p.opens.unknown === 0) return null;
  const unknown = `${formatCount(p.opens.unknown)} of its ${formatCount(p.opens.total)} opens`;
  if (!p.flagsMachineOpens) {
    return `${label} cannot tell machines apart: its open events carry nothing about who opened, so ${unknown} are unknown and its machine share cannot be told (it is not 0 %). None of its opens counts as a human open; its clicks are classified.`;
  }
  const flag = machineOpenFlag(p.provider);
  return `${label}: ${unknown} (${formatPercent(p.unknown_open_share)}) came without ${flag ? `the ${flag} field` : 'a machine signal'}, so they are unknown; the machine share counts only the flagged ones and may be higher.`;
}

/** The machine share of opens per provider for the test in view, with a note where it cannot be told. */
export function MachineShare({
  engagement,
  labels,
  caption,
}: {
  engagement: ProviderEngagement[];
  labels: Record<string, string>;
  caption: string;
}) {
  const labelOf = (p: ProviderEngagement) => labels[p.provider] ?? p.provider;
  const notes = engagement.flatMap((p) => {
    const note = noteFor(p, labelOf(p));
    return note ? [{ provider: p.provider, note }] : [];
  });
  return (
    <section aria-labelledby="machine-share-title" data-testid="machine-share">
      <h4 id="machine-share-title" className="channel-title">
        Who opened, per provider
      </h4>
      <div className="table-scroll" role="region" aria-label="Opens per provider by who made them" tabIndex={0}>
        <table className="data-table stack-on-narrow" role="table" data-testid="machine-share-table">
          <caption>{caption}</caption>
          <thead role="rowgroup">
            <tr role="row">
              <th scope="col" role="columnheader">
                Provider
              </th>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col" role="columnheader" className="num">
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody role="rowgroup">
            {engagement.map((p) => (
              <tr key={p.provider} role="row" data-provider={p.provider}>
                <th scope="row" role="rowheader">
                  {labelOf(p)}
                </th>
                {COLUMNS.map((c) => (
                  <td key={c.key} role="cell" className="num" data-col={c.key} data-label={c.label}>
                    {c.value(p)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {notes.length > 0 && (
        <ul className="small machine-share-notes" aria-label="Where machines cannot be told apart">
          {notes.map(({ provider, note }) => (
            <li key={provider} data-testid={`unknown-note-${provider}`}>
              {note}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
