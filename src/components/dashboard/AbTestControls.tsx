import { METHOD_LABELS } from '@/lib/dashboard/ab-tests';
import type { AbTestDefinition } from '@/lib/decision-circuits/metrics/ab-tests';
import { AB_TEST_METHODS, type AbTestMethod } from '@/lib/stats';
import { RANGE_LABELS, RANGE_PRESETS, type ResolvedRange } from '@/lib/dashboard/range';

/** Test, range and method pickers: a plain GET form (bookmarkable, works without JavaScript). */
export function AbTestControls({
  workspaceId,
  tests,
  selectedId,
  range,
  method,
}: {
  workspaceId: string;
  tests: AbTestDefinition[];
  selectedId: string;
  range: ResolvedRange;
  method: AbTestMethod;
}) {
  return (
    <form className="controls" method="get" action="/dashboard/ab-tests" aria-label="Choose test and range">
      <input type="hidden" name="workspaceId" value={workspaceId} />
      <div className="field grow">
        <label htmlFor="ab-test-select">A/B test</label>
        <select id="ab-test-select" name="abTestId" defaultValue={selectedId}>
          {tests.map((t) => (
            <option key={t.ab_test_id} value={t.ab_test_id}>
              {t.name} ({t.variants.length} {t.variants.length === 1 ? 'variant' : 'variants'}
              {t.registered ? '' : ', not registered'})
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
      <div className="field">
        <label htmlFor="method-select">Method</label>
        <select id="method-select" name="method" defaultValue={method}>
          {AB_TEST_METHODS.map((m) => (
            <option key={m} value={m}>
              {METHOD_LABELS[m]}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field dates">
        <legend>Dates for “Custom dates” (UTC)</legend>
        <div className="date-pair">
          <span>
            <label htmlFor="range-from">From</label>
            <input
              id="range-from"
              type="date"
              name="from"
              defaultValue={range.fromDate}
              aria-describedby={range.error ? 'range-error' : undefined}
            />
          </span>
          <span>
            <label htmlFor="range-to">To</label>
            <input
              id="range-to"
              type="date"
              name="to"
              defaultValue={range.toDate}
              aria-describedby={range.error ? 'range-error' : undefined}
            />
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
