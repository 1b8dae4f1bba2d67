// Operations: ingestion health, retention, the operator's gauges and the alerts. The room's
// public face for the routes, the cron jobs and the dashboard.
export * from './health';
export * from './retention';
export * from './operator-gauges';
export * from './alerts/config';
export * from './alerts/evaluate';
