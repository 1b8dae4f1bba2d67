import { SERIES_KEYS, variantTitle, type SeriesKey, type VariantView } from '@/lib/dashboard/ab-tests';
import { formatCount, formatUtc } from '@/lib/dashboard/format';

const SERIES: Record<SeriesKey, { label: string; className: string }> = {
  email_sent: { label: 'Sent', className: 's-sent' },
  email_delivered: { label: 'Delivered', className: 's-delivered' },
  email_opened: { label: 'Opened', className: 's-opened' },
  email_clicked: { label: 'Clicked', className: 's-clicked' },
};

/** The hourly table under each chart lists at most this many busy hours. */
const MAX_TABLE_ROWS = 200;
const PLOT_HEIGHT = 100;

/** 1, 2 or 5 × 10^k at or above value, so the axis reads in round numbers. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function shortHour(iso: string): string {
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function ChartLegend() {
  return (
    <ul className="legend" aria-label="Chart legend">
      {SERIES_KEYS.map((key) => (
        <li key={key}>
          <svg width="28" height="10" aria-hidden="true" focusable="false">
            <line x1="0" y1="5" x2="28" y2="5" className={`series ${SERIES[key].className}`} />
          </svg>
          {SERIES[key].label}
        </li>
      ))}
    </ul>
  );
}

/**
 * One variant's hourly counts as inline SVG. The plot stretches to any width (strokes do not
 * scale); axis labels are HTML so they stay readable at 390 px. Every chart of a test shares
 * `yMax`, so heights compare across variants.
 */
export function HourlyChart({ variant, hours, yMax }: { variant: VariantView; hours: string[]; yMax: number }) {
  const width = Math.max(hours.length - 1, 1);
  const y = (value: number) => PLOT_HEIGHT - (value / yMax) * PLOT_HEIGHT;
  const x = (index: number) => (hours.length === 1 ? width / 2 : index);
  const titleId = `chart-${variant.key}-title`;
  const descId = `chart-${variant.key}-desc`;
  const busyHours = hours
    .map((hour, index) => ({ hour, index }))
    .filter(({ index }) => SERIES_KEYS.some((key) => (variant.series[key][index] ?? 0) > 0));
  const peak = busyHours.reduce<{ hour: string; value: number } | null>((best, { hour, index }) => {
    const value = variant.series.email_delivered[index] ?? 0;
    return best === null || value > best.value ? { hour, value } : best;
  }, null);
  const first = hours[0] ?? '';
  const last = hours.at(-1) ?? '';

  return (
    <figure className="chart" data-testid={`chart-${variant.key}`}>
      <figcaption id={titleId}>
        <strong>{variantTitle(variant)}</strong> <span className="muted">hourly, UTC</span>
      </figcaption>
      <div className="chart-body">
        <div className="chart-y" aria-hidden="true">
          <span>{formatCount(yMax)}</span>
          <span>{formatCount(yMax / 2)}</span>
          <span>0</span>
        </div>
        <div className="chart-plot">
          <svg
            viewBox={`0 0 ${width} ${PLOT_HEIGHT}`}
            preserveAspectRatio="none"
            role="img"
            aria-labelledby={titleId}
            aria-describedby={descId}
            focusable="false"
          >
            {[0, PLOT_HEIGHT / 2, PLOT_HEIGHT].map((gy) => (
              <line key={gy} x1="0" x2={width} y1={gy} y2={gy} className="grid" />
            ))}
            {SERIES_KEYS.map((key) => (
              <polyline
                key={key}
                className={`series ${SERIES[key].className}`}
                points={hours.map((_, i) => `${x(i)},${y(variant.series[key][i] ?? 0)}`).join(' ')}
              />
            ))}
            {SERIES_KEYS.map((key) =>
              busyHours
                .filter(({ index }) => (variant.series[key][index] ?? 0) > 0)
                .map(({ hour, index }) => (
                  <path
                    key={`${key}-${hour}`}
                    className={`dot ${SERIES[key].className}`}
                    d={`M${x(index)} ${y(variant.series[key][index] ?? 0)}h0`}
                  >
                    <title>{`${formatUtc(hour)}: ${formatCount(variant.series[key][index] ?? 0)} ${SERIES[key].label.toLowerCase()}`}</title>
                  </path>
                )),
            )}
          </svg>
          <div className="chart-x" aria-hidden="true">
            <span>{first && shortHour(first)}</span>
            <span>{last && shortHour(last)}</span>
          </div>
        </div>
      </div>
      <p id={descId} className="visually-hidden">
        {busyHours.length === 0
          ? `No events from ${formatUtc(first)} to ${formatUtc(last)}.`
          : `${busyHours.length} hours with events from ${formatUtc(first)} to ${formatUtc(last)}; busiest hour ${formatUtc(peak?.hour)} with ${formatCount(peak?.value ?? 0)} delivered. The table below lists every hour with events.`}
      </p>
      {busyHours.length > 0 && (
        <details className="chart-table">
          <summary>Hourly numbers for {variantTitle(variant)}</summary>
          <div className="table-scroll" role="region" aria-label={`Hourly numbers for ${variantTitle(variant)}`} tabIndex={0}>
            <table className="data-table compact">
              <thead>
                <tr>
                  <th scope="col">Hour (UTC)</th>
                  {SERIES_KEYS.map((key) => (
                    <th key={key} scope="col" className="num">
                      {SERIES[key].label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {busyHours.slice(-MAX_TABLE_ROWS).map(({ hour, index }) => (
                  <tr key={hour}>
                    <th scope="row">{formatUtc(hour)}</th>
                    {SERIES_KEYS.map((key) => (
                      <td key={key} className="num">
                        {formatCount(variant.series[key][index] ?? 0)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {busyHours.length > MAX_TABLE_ROWS && (
            <p className="muted">
              Showing the newest {MAX_TABLE_ROWS} of {busyHours.length} hours.
            </p>
          )}
        </details>
      )}
    </figure>
  );
}
