// Who opened and clicked in a simulated campaign: people, privacy proxies or scanners, per variant
// and per provider, and how well a classification (the providers' flags, or the app's) finds them.
import type { MetricsProvider } from '../../src/lib/decision-circuits/metrics/metrics-types';
import type { EngagementTruth } from '../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';
import { objectKey, type CampaignPlan } from './campaign-model';
import { countedEvents, type Acknowledgements } from './ground-truth';

export const ENGAGEMENT_CLASSES: readonly EngagementTruth[] = ['human', 'machine', 'bot'];

export interface EngagementTally {
  delivered: number;
  opens: Record<EngagementTruth, number>;
  clicks: Record<EngagementTruth, number>;
  /** Messages with at least one open (click) of any kind: what the unique counters hold. */
  uniqueOpened: number;
  uniqueClicked: number;
  /** Messages with at least one open (click) by a person, whatever came first. */
  uniqueHumanOpened: number;
  uniqueHumanClicked: number;
}

const zeroes = (): Record<EngagementTruth, number> => ({ human: 0, machine: 0, bot: 0 });

function emptyTally(): EngagementTally {
  return {
    delivered: 0,
    opens: zeroes(),
    clicks: zeroes(),
    uniqueOpened: 0,
    uniqueClicked: 0,
    uniqueHumanOpened: 0,
    uniqueHumanClicked: 0,
  };
}

/** Ground-truth tallies of what counts (mapped, delivered at least once), per variant key and per provider. */
export function engagementTallies(
  plan: CampaignPlan,
  acks?: Acknowledgements,
): { byVariant: Map<string, EngagementTally>; byProvider: Map<MetricsProvider, EngagementTally> } {
  const byVariant = new Map(plan.variants.map((v) => [v.key, emptyTally()]));
  const byProvider = new Map<MetricsProvider, EngagementTally>();
  const seen = new Set<string>();
  for (const { event, object, variant } of countedEvents(plan, acks)) {
    if (object.channel !== 'email') continue;
    const tallies = [byVariant.get(variant.key), byProvider.get(event.provider) ?? emptyTally()];
    byProvider.set(event.provider, tallies[1] as EngagementTally);
    const once = (what: string) => {
      const key = `${what}|${objectKey(event.provider, event.objectId)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    const kind = event.counter === 'email_opened' ? 'open' : event.counter === 'email_clicked' ? 'click' : null;
    const truth = event.engagement?.truth;
    const firstAny = kind !== null && once(kind);
    const firstHuman = kind !== null && truth === 'human' && once(`human-${kind}`);
    for (const tally of tallies) {
      if (!tally) continue;
      if (event.counter === 'email_delivered') tally.delivered += event.quantity;
      if (kind === null || !truth) continue;
      (kind === 'open' ? tally.opens : tally.clicks)[truth] += event.quantity;
      if (firstAny) tally[kind === 'open' ? 'uniqueOpened' : 'uniqueClicked'] += 1;
      if (firstHuman) tally[kind === 'open' ? 'uniqueHumanOpened' : 'uniqueHumanClicked'] += 1;
    }
  }
  return { byVariant, byProvider };
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

/** The rates a reader compares: any open (click) per delivered message against a person's. */
export function engagementRates(t: EngagementTally): {
  uniqueOpenRate: number;
  humanOpenRate: number;
  uniqueClickRate: number;
  humanClickRate: number;
  machineShareOfOpens: number;
  botShareOfClicks: number;
} {
  const opens = t.opens.human + t.opens.machine + t.opens.bot;
  const clicks = t.clicks.human + t.clicks.machine + t.clicks.bot;
  return {
    uniqueOpenRate: share(t.uniqueOpened, t.delivered),
    humanOpenRate: share(t.uniqueHumanOpened, t.delivered),
    uniqueClickRate: share(t.uniqueClicked, t.delivered),
    humanClickRate: share(t.uniqueHumanClicked, t.delivered),
    machineShareOfOpens: share(t.opens.machine, opens),
    botShareOfClicks: share(t.clicks.bot, clicks),
  };
}

export interface ClassScore {
  /** Events the classification put in the class, and how many of those truly are. */
  predicted: number;
  truePositives: number;
  /** Events truly in the class. */
  actual: number;
  /** NaN when nothing was predicted (actual) in the class. */
  precision: number;
  recall: number;
}

/** Precision and recall of a classification for one class; `null` predictions (no signal) count as not in it. */
export function scoreClass(
  pairs: Iterable<{ truth: EngagementTruth; predicted: EngagementTruth | null }>,
  cls: EngagementTruth,
): ClassScore {
  let predicted = 0;
  let truePositives = 0;
  let actual = 0;
  for (const { truth, predicted: p } of pairs) {
    if (p === cls) predicted += 1;
    if (truth === cls) actual += 1;
    if (p === cls && truth === cls) truePositives += 1;
  }
  return { predicted, truePositives, actual, precision: truePositives / predicted, recall: truePositives / actual };
}

/** What the providers' own flags say, event by event, against who really opened and clicked. */
export function providerFlagPairs(
  plan: CampaignPlan,
  acks?: Acknowledgements,
): { provider: MetricsProvider; kind: 'open' | 'click'; truth: EngagementTruth; predicted: EngagementTruth | null }[] {
  const out: ReturnType<typeof providerFlagPairs> = [];
  for (const { event } of countedEvents(plan, acks)) {
    if (!event.engagement) continue;
    const kind = event.counter === 'email_opened' ? 'open' : event.counter === 'email_clicked' ? 'click' : null;
    if (kind) out.push({ provider: event.provider, kind, truth: event.engagement.truth, predicted: event.engagement.marked });
  }
  return out;
}

/** Signals that are a provider's own flag; every other signal but `no_provider_signal` is a heuristic. */
const FLAG_SIGNALS = new Set(['sendgrid_machine_open_flag', 'mailgun_client_info_bot', 'mailgun_client_info_no_bot']);

export type DecidedBy = 'flag' | 'heuristic' | 'no signal';

export function decidedBy(signal: string): DecidedBy {
  if (FLAG_SIGNALS.has(signal)) return 'flag';
  return signal === 'no_provider_signal' ? 'no signal' : 'heuristic';
}

/** What the app's classifier says, event by event, against who really opened and clicked (`unknown` counts as no prediction). */
export function appClassPairs(
  plan: CampaignPlan,
  acks?: Acknowledgements,
): { provider: MetricsProvider; kind: 'open' | 'click'; truth: EngagementTruth; predicted: EngagementTruth | null; by: DecidedBy }[] {
  const out: ReturnType<typeof appClassPairs> = [];
  for (const { event } of countedEvents(plan, acks)) {
    if (!event.engagement) continue;
    const kind = event.counter === 'email_opened' ? 'open' : event.counter === 'email_clicked' ? 'click' : null;
    if (!kind) continue;
    const { engagement_class: cls, class_signal: signal } = event.engagement.classified;
    out.push({
      provider: event.provider,
      kind,
      truth: event.engagement.truth,
      predicted: cls === 'unknown' ? null : cls,
      by: decidedBy(signal),
    });
  }
  return out;
}
