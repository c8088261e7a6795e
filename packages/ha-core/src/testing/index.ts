/** Test helpers that backends and other packages share: the in-memory DCS and the conformance suite. */
export const testingEntry = '@patroni/ha-core/testing';
