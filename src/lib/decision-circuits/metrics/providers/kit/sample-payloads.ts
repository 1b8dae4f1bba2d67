// What every provider's sample payloads share: seeded recipients, actors and ids on reserved
// example domains and TEST-NET addresses, so samples never name a real person or host.
import type { EventCounter } from '../../metrics-types';
import type { Rng } from '../../../../random/seeded-rng';

const FIRST_NAMES = ['ann', 'bob', 'cy', 'dee', 'eli', 'fay', 'gus', 'hana', 'ivo', 'jun', 'kai', 'lea', 'max', 'nia'];
const DOMAINS = ['example.com', 'example.org', 'example.net'];
export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
export const LINKS = ['https://example.com/offer', 'https://example.com/pricing', 'https://example.com/blog/launch'];
/** User agents of link-checking security gateways, the kind scanner heuristics look for. */
export const SCANNER_USER_AGENTS = [
  'Mozilla/5.0 (compatible; Barracuda Sentinel; +https://barracuda.com)',
  'Mimecast URL Protect/1.0',
  'Proofpoint URL Defense',
  'Microsoft Office Protocol Discovery',
  'python-requests/2.31.0',
];

/**
 * Who caused a simulated open or click: a person, a privacy proxy fetching the images of a
 * protected inbox (Apple Mail Privacy Protection, Gmail's prefetch) or a security scanner
 * following links. What the provider's payload says about it is each provider's own business.
 */
export type SimulatedActor = 'person' | 'apple_proxy' | 'gmail_proxy' | 'scanner';
/** The class an actor belongs to: the ground truth the app's classes are measured against. */
export type EngagementTruth = 'human' | 'machine' | 'bot';
export const CLASS_OF_ACTOR: Readonly<Record<SimulatedActor, EngagementTruth>> = {
  person: 'human',
  apple_proxy: 'machine',
  gmail_proxy: 'machine',
  scanner: 'bot',
};

/** An open or click as the simulator plays it: who, which link (clicks), and a scanner's user agent. */
export interface SimulatedEngagement {
  actor: SimulatedActor;
  /** Index into LINKS (clicks). */
  link?: number;
  /** The scanner's user agent; a browser-like one when the scanner hides (unmarked). */
  userAgent?: string;
}

/** A recipient address on the reserved example domains; `n` keeps it unique within a run. */
export function recipientAddress(rng: Rng, n: number): string {
  return `${rng.pick(FIRST_NAMES)}.${n}.${rng.base62(4).toLowerCase()}@${rng.pick(DOMAINS)}`;
}

/** A TEST-NET address (RFC 5737), as opens and clicks report them. */
export function testNetIp(rng: Rng): string {
  return `${rng.pick(['192.0.2', '198.51.100', '203.0.113'])}.${rng.int(1, 254)}`;
}

/** A payload fragment and what it should add to its object's rollup. */
export interface Expected<T> {
  payload: T;
  counter: EventCounter | null;
  /** +1 per event; -1 for removals and deletions. */
  quantity: number;
}

export interface SocialActor {
  id: string;
  name: string;
  username: string;
  /** LinkedIn member URN. */
  urn: string;
}

const NAMES = ['Ann', 'Bob', 'Cy', 'Dee', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lea', 'Max', 'Nia'];
const COMMENTS = ['Nice!', 'Love this', 'Congrats!', 'Where can I sign up?', 'Great news \u{1F389}', 'Très bien', 'So good'];

/** Ids that never repeat within one sequence: a random base plus a counter. */
export function idSequence(rng: Rng, digits: number): () => string {
  let next = BigInt(rng.digits(digits));
  return () => {
    next += BigInt(rng.int(1, 97));
    return next.toString();
  };
}

export function newSocialActor(rng: Rng, nextId: () => string): SocialActor {
  const name = rng.pick(NAMES);
  return { id: nextId(), name, username: `${name.toLowerCase()}_${rng.base62(5)}`, urn: `urn:li:person:${rng.base62(10)}` };
}

export function randomCommentText(rng: Rng): string {
  return rng.pick(COMMENTS);
}

export function randomReaction(rng: Rng): string {
  return rng.weighted([
    ['like', 70],
    ['love', 18],
    ['haha', 4],
    ['wow', 4],
    ['care', 2],
    ['sad', 1],
    ['angry', 1],
  ]);
}
