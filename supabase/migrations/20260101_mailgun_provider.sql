-- Mailgun, the sixth provider (src/lib/decision-circuits/metrics/providers/mailgun/): every table
-- that names a provider accepts 'mailgun'. Each CHECK constraint is dropped and added again under
-- the name PostgreSQL gave the inline one. Adding it validates the existing rows (one scan of each
-- table under its lock); on a large ledger add the ledger's constraint NOT VALID and run
-- VALIDATE CONSTRAINT afterwards (same name), which lets writes continue during the scan.
alter table metrics_webhook_events drop constraint if exists metrics_webhook_events_provider_check;
alter table metrics_webhook_events add constraint metrics_webhook_events_provider_check
  check (provider in ('sendgrid', 'resend', 'facebook', 'instagram', 'linkedin', 'mailgun'));

alter table metrics_attribution_map drop constraint if exists metrics_attribution_map_provider_check;
alter table metrics_attribution_map add constraint metrics_attribution_map_provider_check
  check (provider in ('sendgrid', 'resend', 'facebook', 'instagram', 'linkedin', 'mailgun'));

alter table metrics_backfill_jobs drop constraint if exists metrics_backfill_jobs_provider_check;
alter table metrics_backfill_jobs add constraint metrics_backfill_jobs_provider_check
  check (provider in ('sendgrid', 'resend', 'facebook', 'instagram', 'linkedin', 'mailgun'));

alter table metrics_provider_connections drop constraint if exists metrics_provider_connections_provider_check;
alter table metrics_provider_connections add constraint metrics_provider_connections_provider_check
  check (provider in ('sendgrid', 'resend', 'facebook', 'instagram', 'linkedin', 'mailgun'));
