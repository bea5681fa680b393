import { describe, expect, it } from 'vitest';
import { describeFleet, enginesFrom } from '../../cli/commands/local-up.js';
import { UsageError } from '../../cli/errors.js';

import { generatedFleet, resolveWorkload } from '../../local/rds-sim/workload.js';

describe('local up --engine', () => {
  it('takes repeated options and comma lists, once each, and refuses unknown engines', () => {
    expect(enginesFrom(undefined)).toBeUndefined();
    expect(enginesFrom(['mysql,postgres', 'mysql', ' aurora-postgresql '])).toEqual([
      'mysql',
      'postgres',
      'aurora-postgresql',
    ]);
    expect(() => enginesFrom(['mysql,oracle'])).toThrow(UsageError);
    expect(() => enginesFrom(['oracle'])).toThrow(
      /--engine oracle: unknown engine \(one of aurora-mysql, mysql/,
    );
  });

  it('describes each engine with its clusters or standalone instances', () => {
    const fleet = generatedFleet(
      resolveWorkload({
        engines: ['postgres', 'aurora-mysql'],
        clusters: 1,
        instancesPerCluster: 2,
        standaloneInstances: 1,
      }),
    );
    expect(describeFleet(fleet.instances)).toEqual([
      'aurora-mysql: clusters aurora-audit-1 (instances aurora-audit-1-instance-1, aurora-audit-1-instance-2)',
      'postgres: standalone instances postgres-1',
    ]);
  });
});
