// The providers' public face: the registry and the facts the dashboard shows about each.
export * from './registry';
export type { ConnectionFormFacts } from './kit/definition';
