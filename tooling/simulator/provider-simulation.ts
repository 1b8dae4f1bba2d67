// How the campaign simulator plays an email provider it has no packer of its own for (SendGrid's
// and Resend's are in deliveries.ts): the providers that have a simulation, by id.
// Development tooling: the app's provider contract knows nothing of it.
import type { MetricsProvider } from '../../src/lib/decision-circuits/metrics/metrics-types';
import type { EmailSimulation } from './email-simulation';
import { mailgunSimulation } from './mailgun-simulation';

const SIMULATIONS: Partial<Record<MetricsProvider, EmailSimulation>> = { mailgun: mailgunSimulation };

/** The provider's simulation, if the simulator plays it through one. */
export function simulationOf(provider: MetricsProvider): EmailSimulation | undefined {
  return SIMULATIONS[provider];
}
