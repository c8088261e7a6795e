/** The public surface of @patroni/rest-api. */
export const packageName = '@patroni/rest-api';

export {
  parseRestApiConfig,
  type RestApiConfig,
  type RestApiConfigInput,
  restApiConfigSchema,
  type ServerTokens,
  type VerifyClient,
} from './config.js';
export { RestApiError, RestApiErrorCode, type RestApiErrorCodeValue } from './errors.js';
export { pyJson } from './py-json.js';
export { createRestApi, type RestApi, type RestApiOptions, type RestApiTimeouts } from './server.js';
export type { ProbedQuery } from './status-document.js';
