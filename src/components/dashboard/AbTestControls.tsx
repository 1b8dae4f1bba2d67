import type { AbTestListing } from '@/lib/decision-circuits/metrics/metrics-workspaces';
import { formatCount } from '@/lib/dashboard/format';
import { RANGE_LABELS, RANGE_PRESETS, type ResolvedRange } from '@/lib/dashboard/range';

/** Test and range pickers: a plain GET form (bookmarkable, works without JavaScript). */
export function AbTestControls({
  workspaceId,
  tests,
  selectedId,
  range,
}: {
  workspaceId: string;
  tests: AbTestListing[];
  selectedId: string;
  range: ResolvedRange;
}) {
  return (
    <form className="controls" method="get" action="/dashboard/ab-tests" aria-label="Choose test and range">
      <input type="hidden" name="workspaceId" value={workspaceId} />
      <div className="field grow">
        <label htmlFor="ab-test-select">A/B test</label>
        <select id="ab-test-select" name="abTestId" defaultValue={selectedId}>
          {tests.map((t) => (
            <option key={t.ab_test_id} value={t.ab_test_id}>
              {t.ab_test_id} ({t.variant_count} {t.variant_count === 1 ? 'variant' : 'variants'}, {formatCount(t.email_delivered)} delivered)
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="range-select">Range</label>
        <select id="range-select" name="range" defaultValue={range.preset}>
          {RANGE_PRESETS.map((preset) => (
            <option key={preset} value={preset}>
              {RANGE_LABELS[preset]}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field dates">
        <legend>Dates for “Custom dates” (UTC)</legend>
        <div className="date-pair">
          <span>
            <label htmlFor="range-from">From</label>
            <input id="range-from" type="date" name="from" defaultValue={range.fromDate} aria-describedby={range.error ? 'range-error' : undefined} />
          </span>
          <span>
            <label htmlFor="range-to">To</label>
            <input id="range-to" type="date" name="to" defaultValue={range.toDate} aria-describedby={range.error ? 'range-error' : undefined} />
          </span>
        </div>
      </fieldset>
      <div className="field actions">
        <button type="submit" className="button">
          Show
        </button>
      </div>
      {range.error && (
        <p id="range-error" className="form-error" role="alert">
          {range.error} Showing all data instead.
        </p>
      )}
    </form>
  );
}
