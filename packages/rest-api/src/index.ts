/** The package's name, as published. */
export const packageName = '@patroni/rest-api';
