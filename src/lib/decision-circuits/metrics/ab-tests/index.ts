// A/B tests: the registry, the dashboard's listings and series, and the one decision. The room's
// public face for the routes and the dashboard.
export * from './registry';
export * from './listing';
export * from './decision';
export * from './engagement';
