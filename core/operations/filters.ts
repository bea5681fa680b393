/** Which files an operation looks at: everything, one cluster, or one instance (of a cluster). */
export interface FileFilter {
  cluster?: string;
  instance?: string;
}

/** Whether a file (or a message naming one) passes the filter. */
export function matchesFilter(item: { cluster: string; instance: string }, filter: FileFilter): boolean {
  if (filter.cluster !== undefined && item.cluster !== filter.cluster) return false;
  if (filter.instance !== undefined && item.instance !== filter.instance) return false;
  return true;
}

/** The filter as words, for headings and messages: `cluster c1, instance i1` or `all files`. */
export function describeFilter(filter: FileFilter): string {
  const parts = [
    ...(filter.cluster !== undefined ? [`cluster ${filter.cluster}`] : []),
    ...(filter.instance !== undefined ? [`instance ${filter.instance}`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'all clusters';
}
