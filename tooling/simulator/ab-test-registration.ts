// The simulated campaign's A/B test as the registry knows it: named variants (A, B, …), A the
// control, the planned even split and the primary metric of its main channel. Registered before
// any event is sent, as a sender would, so the dashboard and the decision show the simulator's names.
import type { AbTestRegistrationInput } from '../../src/lib/decision-circuits/metrics/ab-tests/registry';
import type { CampaignPlan } from './campaign-model';

const EMAIL_PROVIDERS = new Set(['sendgrid', 'resend']);

/** Null for a one-variant campaign: the registry needs at least two variants. */
export function simulatedAbTestRegistration(plan: CampaignPlan): AbTestRegistrationInput | null {
  if (plan.variants.length < 2) return null;
  const email = plan.options.providers.some((p) => EMAIL_PROVIDERS.has(p));
  return {
    ab_test_id: plan.abTestId,
    name: `Simulated campaign ${plan.runId}`,
    primary_metric: email ? 'unique_open_rate' : 'social_engagement_rate',
    started_at: new Date(plan.startMs).toISOString(),
    variants: plan.variants.map((variant, index) => ({
      variant_id: variant.variantId,
      name: variant.key,
      is_control: index === 0,
      weight: 1,
    })),
  };
}
