// Family-wise error control when several variants are each compared with the control.

/**
 * Holm's step-down adjustment: sort the m p-values ascending, multiply the j-th smallest by
 * (m − j + 1), take the running maximum and cap at 1. Rejecting where the adjusted p < alpha keeps
 * the family-wise error rate at alpha for any dependence between the tests, and is never less
 * powerful than Bonferroni. The output keeps the input order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  order.forEach(({ p, index }, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * p));
    adjusted[index] = runningMax;
  });
  return adjusted;
}
