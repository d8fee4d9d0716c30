// The fewest distinct coordinates with answers before a logistic (4 parameters) is fitted at all.
// A module of its own, with no imports, so the light first-paint code of /transitions can read it
// without bringing in the fit code and its @stdlib modules.
export const MIN_TRANSITION_POINTS = 5;
