// The guardrails of a variant against the control, over every look both have guardrail counts for.
import { checkGuardrail, GUARDRAIL_METRICS, type GuardrailCheck, type GuardrailLook, type GuardrailMetric } from './guardrails';
import { looksOf, type Look, type Variant } from './variant-looks';

function guardrailLook(metric: GuardrailMetric, look: Look): { events: number; denominator: number } | null {
  const g = look.guardrails ?? {};
  if (metric === 'bounce_rate')
    return g.bounces === undefined || g.sends === undefined ? null : { events: g.bounces, denominator: g.sends };
  const events = metric === 'complaint_rate' ? g.complaints : g.unsubscribes;
  return events === undefined ? null : { events, denominator: look.trials };
}

/** The guardrail metrics every variant has current counts for. */
export function guardrailMetricsOf(variants: readonly Variant[]): GuardrailMetric[] {
  return GUARDRAIL_METRICS.filter((metric) => variants.every((v) => guardrailLook(metric, looksOf(v).at(-1)!) !== null));
}

export function checkGuardrails(
  control: Variant,
  variant: Variant,
  metrics: readonly GuardrailMetric[],
  level: number,
  minTrials: number,
): GuardrailCheck[] {
  const controlLooks = looksOf(control);
  const variantLooks = looksOf(variant);
  return metrics.flatMap((metric) => {
    const looks: GuardrailLook[] = controlLooks.flatMap((c, i) => {
      const cl = guardrailLook(metric, c);
      const vl = guardrailLook(metric, variantLooks[i]!);
      // Impossible earlier counts (more events than their denominator) do not enter the test.
      return cl && vl && cl.events <= cl.denominator && vl.events <= vl.denominator ? [{ control: cl, variant: vl }] : [];
    });
    const check = checkGuardrail(metric, looks, level, minTrials);
    return check ? [check] : [];
  });
}
