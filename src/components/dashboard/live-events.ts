/** Dispatched on window when a page's live version moves: panels that load their own data reload. */
export const LIVE_CHANGE_EVENT = 'circuits:live-change';
