// planCampaign: a whole simulated A/B campaign as data (pure and deterministic for a seed and
// start): the variants, the executor's attribution mappings, and every webhook delivery.
import {
  DEFAULT_CAMPAIGN_OPTIONS,
  MAX_VARIANTS,
  VARIANT_KEYS,
  variantProfile,
  type CampaignOptions,
  type CampaignPlan,
  type MappingRegistration,
  type PlanContext,
  type SimVariant,
} from './campaign-model';
import { packDeliveries } from './deliveries';
import { planEmail } from './email-campaign';
import { createRng } from '../../src/lib/random/seeded-rng';
import { planSocial } from './social-campaign';

/** The attribution route takes at most this many mappings per request. */
export const MAX_MAPPINGS_PER_REQUEST = 1000;
/** The executor sends in this many waves over the first part of the campaign. */
const SEND_WAVES = 6;
const SEND_PHASE_SHARE = 0.15;

export type CampaignInput = Partial<CampaignOptions> & Pick<CampaignOptions, 'seed' | 'startMs'>;

export function resolveCampaignOptions(input: CampaignInput): CampaignOptions {
  const options: CampaignOptions = { ...DEFAULT_CAMPAIGN_OPTIONS, ...input };
  const problems: string[] = [];
  if (!(options.minutes > 0 && options.minutes <= 7 * 24 * 60)) problems.push('minutes must be in (0, 10080]');
  if (!Number.isInteger(options.variants) || options.variants < 1 || options.variants > MAX_VARIANTS) {
    problems.push(`variants must be an integer in 1..${MAX_VARIANTS}`);
  }
  if (!Number.isInteger(options.recipients) || options.recipients < 0) problems.push('recipients must be a non-negative integer');
  if (!Number.isInteger(options.posts) || options.posts < 0) problems.push('posts must be a non-negative integer');
  for (const key of [
    'sendgridShare',
    'selfAttributedShare',
    'lateMappedShare',
    'unmappedShare',
    'retryRate',
    'duplicateRate',
    'protectedShare',
    'scannerShare',
    'scannerAgentShare',
  ] as const) {
    if (!(options[key] >= 0 && options[key] <= 1)) problems.push(`${key} must be in [0, 1]`);
  }
  if ((options.profiles?.length ?? 0) > options.variants) problems.push('profiles must not outnumber the variants');
  for (const profile of options.profiles ?? []) {
    for (const [key, value] of Object.entries(profile)) {
      const countLike = key === 'likes' || key === 'comments' || key === 'shares';
      if (!(typeof value === 'number' && value >= 0 && (countLike || value <= 1)))
        problems.push(`profiles.${key} must be a rate in [0, 1]`);
    }
  }
  if (!(options.engagement >= 0)) problems.push('engagement must be >= 0');
  if (problems.length > 0) throw new Error(`Invalid campaign options: ${problems.join('; ')}`);
  return options;
}

/**
 * The campaign clock start for a run that begins now at `speed`× so that the campaign ends as
 * the run ends: no event is ever dated in the future, and the dashboard shows "the last hour".
 */
export function campaignStartFor(nowMs: number, minutes: number, speed: number): number {
  const durationMs = minutes * 60_000;
  return Math.floor(nowMs + durationMs / speed - durationMs);
}

function groupRegistrations(
  items: { atMs: number; late: boolean; mapping: MappingRegistration['mappings'][number] }[],
): MappingRegistration[] {
  const groups = new Map<string, MappingRegistration>();
  for (const item of items) {
    const atMs = Math.floor(item.atMs);
    const key = `${atMs}:${item.late}`;
    const group = groups.get(key) ?? { atMs, late: item.late, mappings: [] };
    group.mappings.push(item.mapping);
    groups.set(key, group);
  }
  const out: MappingRegistration[] = [];
  for (const group of [...groups.values()].sort((a, b) => a.atMs - b.atMs)) {
    for (let i = 0; i < group.mappings.length; i += MAX_MAPPINGS_PER_REQUEST) {
      out.push({ ...group, mappings: group.mappings.slice(i, i + MAX_MAPPINGS_PER_REQUEST) });
    }
  }
  return out;
}

export function planCampaign(input: CampaignInput): CampaignPlan {
  const options = resolveCampaignOptions(input);
  const rng = createRng(`${options.seed}|${options.startMs}`);
  const runId = rng.hex(8);
  const abTestId = rng.uuid();
  const variants: SimVariant[] = VARIANT_KEYS.slice(0, options.variants).map((key, index) => ({
    key,
    variantId: rng.uuid(),
    circuitExecutionId: `cx_sim_${runId}_${key}`,
    profile: variantProfile(index, rng.fork(`profile-${key}`), options.protectedShare, options.profiles?.[index]),
  }));
  const durationMs = Math.round(options.minutes * 60_000);
  const waves = Array.from({ length: SEND_WAVES }, (_, k) => Math.floor((durationMs * SEND_PHASE_SHARE * k) / SEND_WAVES));
  let eventCounter = 0;
  const ctx: PlanContext = {
    rng,
    options,
    variants,
    abTestId,
    startMs: options.startMs,
    durationMs,
    waves,
    nextEventKey: () => `e${(eventCounter += 1)}`,
  };

  const email = planEmail(ctx);
  const social = planSocial(ctx);
  const drafts = [...email.drafts, ...social.drafts];
  return {
    options,
    runId,
    abTestId,
    startMs: options.startMs,
    endMs: options.startMs + durationMs,
    variants,
    objects: [...email.objects, ...social.objects],
    events: drafts.map((draft) => draft.event),
    registrations: groupRegistrations([...email.registrations, ...social.registrations]),
    deliveries: packDeliveries(rng.fork('deliveries'), drafts, options.startMs, durationMs, options),
    ...(social.insights ? { insights: social.insights } : {}),
  };
}
