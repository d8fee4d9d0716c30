// The fewest distinct coordinates with answers before a logistic (4 parameters) is fitted at all.
// A module of its own, with no imports, so the light first-paint code of /transitions can read it
// without bringing in the fit code and its @stdlib modules.
export const MIN_TRANSITION_POINTS = 5;

/**
 * The level of every test the transitions table reports (the credibility tests, the onset's
 * familywise level, the change point's): analyzeTransition's default alpha.
 */
export const TRANSITION_ALPHA = 0.05;
