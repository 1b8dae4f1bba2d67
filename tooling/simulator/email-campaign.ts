// The email half of a simulated campaign: recipients per variant, what happens to each message,
// and the provider events that result: SendGrid and Resend modelled here, any other email provider
// through the simulation its folder provides.
import { hashEmail } from '../../src/lib/decision-circuits/metrics/providers/kit/provider';
import type { MetricsProvider } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { appClassification } from './app-classification';
import type { EmailStep } from './email-simulation';
import { simulationOf } from './provider-simulation';
import {
  mappingFor,
  pickIndices,
  type EventDraft,
  type MappingFate,
  type PlanContext,
  type SimEngagement,
  type SimMapping,
  type SimObject,
  type VariantProfile,
} from './campaign-model';
import {
  CLASS_OF_ACTOR,
  LINKS,
  SCANNER_USER_AGENTS,
  USER_AGENTS,
  type SimulatedEngagement,
} from '../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';
import {
  RESEND_COUNTER,
  SENDGRID_COUNTER,
  newResendMessage,
  newSendGridMessage,
  recipientAddress,
  resendContactUnsubscribed,
  resendEmailEvent,
  sendGridEvent,
  type ResendEventType,
  type SendGridEventKind,
} from './provider-payloads';
import type { Rng } from '../../src/lib/random/seeded-rng';

type Step = EmailStep;

const SECOND_MS = 1000;
const DROP_RATE = 0.005;
const DEFER_RATE = 0.04;

/** The machines in front of one recipient's inbox. */
export interface Inbox {
  /** The privacy proxy that opens every delivered message, or null. */
  proxy: 'apple_proxy' | 'gmail_proxy' | null;
  /** The user agent of the security scanner that follows every link, or null for none. */
  scannerAgent: string | null;
}

export const HUMAN_INBOX: Inbox = { proxy: null, scannerAgent: null };
/** Of the protected inboxes, the share behind Apple's proxy (the rest: Gmail's prefetch). */
const APPLE_SHARE_OF_PROTECTED = 0.85;

/** Who sits in front of a recipient's inbox: drawn once per recipient. */
export function drawInbox(rng: Rng, protectedShare: number, scannerShare: number, scannerAgentShare: number): Inbox {
  const proxy = rng.chance(protectedShare) ? (rng.chance(APPLE_SHARE_OF_PROTECTED) ? 'apple_proxy' : 'gmail_proxy') : null;
  const scannerAgent = rng.chance(scannerShare) ? rng.pick(rng.chance(scannerAgentShare) ? SCANNER_USER_AGENTS : USER_AGENTS) : null;
  return { proxy, scannerAgent };
}

export interface TimelineStep {
  step: Step;
  at: number;
  /** Opens and clicks: who made them. */
  engagement?: SimulatedEngagement;
}

/** What happens to one message after `sendAt` (offsets in ms), cut at the campaign's end. */
export function emailTimeline(
  rng: Rng,
  profile: VariantProfile,
  sendAt: number,
  durationMs: number,
  canDrop: boolean,
  inbox: Inbox = HUMAN_INBOX,
): TimelineStep[] {
  const s = (min: number, max: number) => rng.between(min, max) * SECOND_MS;
  const steps: TimelineStep[] = [];
  if (canDrop && rng.chance(DROP_RATE)) return [{ step: 'dropped', at: sendAt + s(0.2, 3) }];
  steps.push({ step: 'sent', at: sendAt + s(0.2, 3) });
  if (rng.chance(profile.bounce)) {
    steps.push({ step: 'bounced', at: sendAt + s(1, 40) });
  } else {
    let delivered = sendAt + s(1, 30);
    if (rng.chance(DEFER_RATE)) {
      steps.push({ step: 'deferred', at: sendAt + s(1, 10) });
      delivered += s(60, 900);
    }
    steps.push({ step: 'delivered', at: delivered });
    // The proxy fetches the images of every delivered message minutes later, whoever it is for.
    if (inbox.proxy) steps.push({ step: 'opened', at: delivered + s(60, 900), engagement: { actor: inbox.proxy } });
    // The scanner follows every link within seconds of delivery, a second or so apart.
    if (inbox.scannerAgent) {
      let clickAt = delivered + s(2, 20);
      LINKS.forEach((_, link) => {
        steps.push({ step: 'clicked', at: clickAt, engagement: { actor: 'scanner', link, userAgent: inbox.scannerAgent ?? undefined } });
        clickAt += s(0.2, 1.5);
      });
    }
    let engagedAt = delivered;
    const person = () => ({ actor: 'person' as const });
    if (rng.chance(profile.open)) {
      let openAt = delivered + rng.exponential(durationMs * 0.18);
      engagedAt = openAt;
      steps.push({ step: 'opened', at: openAt, engagement: person() });
      // Repeat opens: opens can outnumber deliveries.
      while (rng.chance(0.35)) {
        openAt += rng.exponential(durationMs * 0.1);
        steps.push({ step: 'opened', at: openAt, engagement: person() });
      }
      if (rng.chance(profile.clickGivenOpen)) {
        const clickAt = engagedAt + s(3, 600);
        steps.push({ step: 'clicked', at: clickAt, engagement: { actor: 'person', link: rng.int(0, LINKS.length - 1) } });
        if (rng.chance(0.25))
          steps.push({ step: 'clicked', at: clickAt + s(5, 300), engagement: { actor: 'person', link: rng.int(0, LINKS.length - 1) } });
      }
    }
    if (rng.chance(profile.complaint)) steps.push({ step: 'complained', at: engagedAt + s(10, 900) });
    if (rng.chance(profile.unsubscribe)) steps.push({ step: 'unsubscribed', at: engagedAt + s(10, 900) });
  }
  return steps
    .map((step) => ({ ...step, at: Math.floor(step.at) }))
    .filter((step) => step.at <= durationMs)
    .sort((a, b) => a.at - b.at);
}

const SENDGRID_STEP: Record<Exclude<Step, 'unsubscribed'>, SendGridEventKind> = {
  sent: 'processed',
  dropped: 'dropped',
  deferred: 'deferred',
  delivered: 'delivered',
  bounced: 'bounce',
  opened: 'open',
  clicked: 'click',
  complained: 'spamreport',
};

const RESEND_STEP: Record<Exclude<Step, 'unsubscribed' | 'dropped'>, Exclude<ResendEventType, 'contact.updated'>> = {
  sent: 'email.sent',
  deferred: 'email.delivery_delayed',
  delivered: 'email.delivered',
  bounced: 'email.bounced',
  opened: 'email.opened',
  clicked: 'email.clicked',
  complained: 'email.complained',
};

export interface PlannedPart {
  objects: SimObject[];
  drafts: EventDraft[];
  registrations: { atMs: number; late: boolean; mapping: SimMapping }[];
}

interface Recipient {
  provider: MetricsProvider;
  variantIndex: number;
  email: string;
  wave: number;
  fate: MappingFate;
}

/** Offsets at which late mappings are registered: "the reconciliation job ran". */
export function lateRegistrationTimes(durationMs: number): number[] {
  return [durationMs * 0.6, durationMs * 0.85];
}

export function planEmail(ctx: PlanContext): PlannedPart {
  const { options, durationMs } = ctx;
  const rng = ctx.rng.fork('email');
  const useSendGrid = options.providers.includes('sendgrid');
  // Resend and every email provider whose folder says how to simulate it share what SendGrid leaves.
  const others = options.providers.filter(
    (provider) => provider === 'resend' || (provider !== 'sendgrid' && simulationOf(provider) !== undefined),
  );
  const part: PlannedPart = { objects: [], drafts: [], registrations: [] };
  if (!useSendGrid && others.length === 0) return part;

  const recipients: Recipient[] = [];
  ctx.variants.forEach((_variant, variantIndex) => {
    for (let i = 0; i < options.recipients; i += 1) {
      const provider: MetricsProvider =
        others.length === 0 || (useSendGrid && rng.chance(options.sendgridShare))
          ? 'sendgrid'
          : others.length === 1
            ? (others[0] ?? 'resend')
            : rng.pick(others);
      const email = recipientAddress(rng, recipients.length + 1);
      recipients.push({ provider, variantIndex, email, wave: i % ctx.waves.length, fate: 'on_send' });
    }
  });
  const unmapped = pickIndices(rng, recipients.length, options.unmappedShare, true);
  const mappable = recipients.map((_, i) => i).filter((i) => !unmapped.has(i));
  const late = new Set([...pickIndices(rng, mappable.length, options.lateMappedShare, true)].map((i) => mappable[i] ?? -1));
  const lateTimes = lateRegistrationTimes(durationMs);

  recipients.forEach((recipient, index) => {
    const variant = ctx.variants[recipient.variantIndex];
    if (!variant) return;
    recipient.fate = unmapped.has(index) ? 'never' : late.has(index) ? 'late' : 'on_send';
    const waveAt = ctx.waves[recipient.wave] ?? 0;
    const sendAt = waveAt + rng.between(0, 3) * SECOND_MS;
    const selfAttributed = recipient.fate === 'on_send' && rng.chance(options.selfAttributedShare);
    const circuitContext: Record<string, string> = selfAttributed
      ? { circuit_execution_id: variant.circuitExecutionId, ab_test_id: ctx.abTestId, variant_id: variant.variantId }
      : {};
    const campaignRef = { campaign_ref: `sim-${ctx.abTestId.slice(0, 8)}` };
    const simulation = recipient.provider === 'sendgrid' || recipient.provider === 'resend' ? null : simulationOf(recipient.provider);
    const canDrop = recipient.provider === 'sendgrid' || (simulation?.reportsDrops ?? false);
    const inbox = drawInbox(rng, variant.profile.protectedShare, options.scannerShare, options.scannerAgentShare);
    const steps = emailTimeline(rng, variant.profile, sendAt, durationMs, canDrop, inbox);

    let objectId: string;
    const add = (
      draft: Omit<EventDraft['event'], 'key' | 'provider' | 'engagement'>,
      payload: Record<string, unknown>,
      who?: SimulatedEngagement,
      marked: SimEngagement['marked'] = null,
    ) => {
      const classified = appClassification(recipient.provider, draft.counter, payload);
      const engagement: SimEngagement | undefined =
        who && classified ? { actor: who.actor, truth: CLASS_OF_ACTOR[who.actor], marked, classified } : undefined;
      part.drafts.push({
        event: { key: ctx.nextEventKey(), provider: recipient.provider, ...draft, ...(engagement ? { engagement } : {}) },
        payload,
      });
    };
    if (recipient.provider === 'sendgrid') {
      const message = newSendGridMessage(rng, recipient.email, { ...campaignRef, ...circuitContext });
      objectId = message.xMessageId;
      for (const { step, at, engagement } of steps) {
        const kind: SendGridEventKind =
          step === 'unsubscribed' ? (rng.chance(0.4) ? 'group_unsubscribe' : 'unsubscribe') : SENDGRID_STEP[step];
        const atMs = ctx.startMs + at;
        const payload = sendGridEvent(rng, message, kind, atMs, engagement);
        add(
          { kind, objectId, counter: SENDGRID_COUNTER[kind], quantity: 1, occurredAtMs: Math.floor(atMs / 1000) * 1000 },
          payload,
          engagement,
          // sg_machine_open names Apple's proxy and nothing else; a click carries no flag at all.
          kind === 'open' ? (payload.sg_machine_open === true ? 'machine' : 'human') : null,
        );
      }
    } else if (simulation) {
      const message = simulation.newMessage(rng, recipient.email, ctx.startMs + sendAt, { ...campaignRef, ...circuitContext });
      objectId = message.objectId;
      for (const { step, at, engagement } of steps) {
        for (const event of simulation.events(rng, message, step, ctx.startMs + at, engagement)) {
          const { kind, counter, quantity, occurredAtMs } = event;
          add({ kind, objectId: event.objectId, counter, quantity, occurredAtMs }, event.payload, engagement, event.marked ?? null);
        }
      }
    } else {
      const tags = { ...campaignRef, ...circuitContext };
      const message = newResendMessage(rng, recipient.email, ctx.startMs + sendAt, tags);
      objectId = message.emailId;
      for (const { step, at, engagement } of steps) {
        const atMs = ctx.startMs + at;
        if (step === 'dropped') continue;
        if (step === 'unsubscribed') {
          // Contact-level: no email_id, so it can count nowhere.
          const payload = resendContactUnsubscribed(rng, recipient.email, atMs);
          add({ kind: 'contact.updated', objectId: null, counter: null, quantity: 1, occurredAtMs: atMs }, payload);
          continue;
        }
        const type = RESEND_STEP[step];
        // Resend flags neither machine opens nor scanner clicks.
        add(
          { kind: type, objectId, counter: RESEND_COUNTER[type], quantity: 1, occurredAtMs: atMs },
          resendEmailEvent(rng, message, type, atMs, engagement),
          engagement,
        );
      }
    }

    const object: SimObject = {
      provider: recipient.provider,
      objectId,
      channel: 'email',
      variantKey: variant.key,
      fate: recipient.fate,
      selfAttributed,
      recipientHash: hashEmail(recipient.email),
    };
    part.objects.push(object);
    if (recipient.fate === 'on_send') {
      // The executor registers each wave's messages once the wave is sent.
      part.registrations.push({ atMs: waveAt + 3.5 * SECOND_MS, late: false, mapping: mappingFor(object, variant, ctx.abTestId) });
    } else if (recipient.fate === 'late') {
      part.registrations.push({ atMs: rng.pick(lateTimes), late: true, mapping: mappingFor(object, variant, ctx.abTestId) });
    }
  });
  return part;
}
