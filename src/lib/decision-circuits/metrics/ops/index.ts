// Operations: ingestion health, retention, the operator's gauges, the alerts and an admin's
// actions on an alert channel (test send, secret rotation). The room's public face for the
// routes, the cron jobs and the dashboard.
export * from './health';
export * from './retention';
export * from './operator-gauges';
export * from './alerts/config';
export * from './alerts/evaluate';
export * from './alerts/channel-admin';
