// Tenancy: who may see and change a workspace (access, members, invitations, API keys) and the
// provider connections it owns. The room's public face for the routes and the dashboard.
export * from './access';
export * from './members';
export * from './invitations';
export * from './api-keys';
export * from './connections';
export * from './account-claims';
export * from './connection-test';
