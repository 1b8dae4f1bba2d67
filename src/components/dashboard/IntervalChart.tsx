import { formatPointDifference } from '@/lib/dashboard/format';
import type { AbTestDecisionReport } from '@/lib/decision-circuits/metrics/ab-tests';

const WIDTH = 480;
const ROW = 36;
const LABEL = 110;
const PAD = 16;

/**
 * Each challenger's lift over the control (percentage points) as a range with its estimate, against
 * a zero line: a range wholly right of zero is a gain, wholly left a loss, across zero not yet clear.
 * The SVG is one image with a title and description; the same numbers are in the table above.
 */
export function IntervalChart({ report, levelText }: { report: AbTestDecisionReport; levelText: string }) {
  const rows = report.variants
    .filter((v) => !v.isControl && v.comparison)
    .map((v) => ({ name: v.name, id: v.variantId, lift: v.comparison!.absoluteLift }));
  if (rows.length === 0) return null;
  const reach = Math.max(0.005, ...rows.flatMap((r) => [Math.abs(r.lift.lower), Math.abs(r.lift.upper)])) * 1.1;
  const plotLeft = LABEL + PAD;
  const plotWidth = WIDTH - plotLeft - PAD;
  const x = (value: number) => plotLeft + ((value + reach) / (2 * reach)) * plotWidth;
  const height = rows.length * ROW + 40;
  const description = rows
    .map(
      (r) =>
        `${r.name}: ${formatPointDifference(r.lift.estimate)}, range ${formatPointDifference(r.lift.lower)} to ${formatPointDifference(r.lift.upper)}`,
    )
    .join('; ');
  return (
    <figure className="interval-chart" data-testid="interval-chart">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby="interval-title interval-desc" preserveAspectRatio="xMinYMin meet">
        <title id="interval-title">{`Lift over the control with its ${levelText} range, percentage points`}</title>
        <desc id="interval-desc">{description}</desc>
        <line className="zero" x1={x(0)} x2={x(0)} y1={8} y2={height - 24} />
        <text className="axis" x={x(0)} y={height - 8} textAnchor="middle">
          0
        </text>
        <text className="axis" x={x(-reach)} y={height - 8} textAnchor="start">
          {formatPointDifference(-reach)}
        </text>
        <text className="axis" x={x(reach)} y={height - 8} textAnchor="end">
          {formatPointDifference(reach)}
        </text>
        {rows.map((r, index) => {
          const y = 20 + index * ROW;
          const tone = r.lift.lower > 0 ? 'gain' : r.lift.upper < 0 ? 'loss' : 'unclear';
          return (
            <g key={r.id} className={`interval ${tone}`} data-variant={r.id}>
              <text className="label" x={LABEL} y={y + 5} textAnchor="end">
                {r.name.length > 16 ? `${r.name.slice(0, 15)}…` : r.name}
              </text>
              <line x1={x(r.lift.lower)} x2={x(r.lift.upper)} y1={y} y2={y} />
              <line x1={x(r.lift.lower)} x2={x(r.lift.lower)} y1={y - 6} y2={y + 6} />
              <line x1={x(r.lift.upper)} x2={x(r.lift.upper)} y1={y - 6} y2={y + 6} />
              <circle cx={x(r.lift.estimate)} cy={y} r={5} />
            </g>
          );
        })}
      </svg>
      <figcaption className="small muted">
        Lift over the control, percentage points, with its {levelText} range: right of 0 is better than the control, left is worse, a range
        that crosses 0 is not clear yet. {description}.
      </figcaption>
    </figure>
  );
}
