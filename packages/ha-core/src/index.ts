// The public surface of @patroni/ha-core. Each area keeps its own index; add exports there.
export * from './config/index.js';
export * from './dcs/index.js';
export * from './engine/index.js';
export * from './loop/index.js';
export * from './model/index.js';
export * from './ports/index.js';
export * from './schema/index.js';
