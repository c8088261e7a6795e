/** The package's name, as published. */
export const packageName = '@patroni/dcs-zookeeper';
