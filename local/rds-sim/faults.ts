import { FaultSpecError } from './errors.js';
import type { Fault, FaultController } from './types.js';

/** What a request is, as far as fault matching cares. */
export interface FaultTarget {
  target: 'api' | 'download';
  action?: string;
  instance?: string;
  file?: string;
  version?: 'v13' | 'v19';
}

function applies(f: Fault, req: FaultTarget): boolean {
  if (f.instance !== undefined && f.instance !== req.instance) return false;
  if (f.file !== undefined && (req.file === undefined || !req.file.includes(f.file))) return false;
  switch (f.kind) {
    case 'throttle':
    case 'server-error':
      return f.target === undefined || f.target === req.target;
    case 'empty-listing':
      return req.target === 'api' && req.action === 'DescribeDBLogFiles';
    case 'path-unavailable':
      return req.target === 'download' && f.version === req.version;
    default:
      return req.target === 'download';
  }
}

/** A fault controller that also picks (and counts down) the faults a request triggers. */
export interface FaultRegistry extends FaultController {
  /**
   * The armed faults of these kinds that apply to `req`, in arming order (only the first unless
   * `all`); each fault returned uses up one of its `times`.
   */
  take(req: FaultTarget, kinds: ReadonlyArray<Fault['kind']>, all?: boolean): Fault[];
  /** Armed faults with their ids. */
  entries(): Array<{ id: string; fault: Fault }>;
}

/** Creates the fault registry of one simulator. */
export function createFaultRegistry(initial: Fault[] = []): FaultRegistry {
  const armed = new Map<string, Fault>();
  let next = 1;
  const add = (f: Fault): string => {
    validateFault(f, JSON.stringify(f));
    const id = `fault-${next++}`;
    armed.set(id, { ...f });
    return id;
  };
  for (const f of initial) add(f);
  return {
    add,
    remove: (id) => {
      armed.delete(id);
    },
    clear: () => armed.clear(),
    list: () => [...armed.values()].map((f) => ({ ...f })),
    entries: () => [...armed.entries()].map(([id, fault]) => ({ id, fault: { ...fault } })),
    take(req, kinds, all = false) {
      const hits: Fault[] = [];
      for (const [id, f] of armed) {
        if (!kinds.includes(f.kind) || !applies(f, req)) continue;
        hits.push({ ...f });
        if (f.times !== undefined) {
          f.times -= 1;
          if (f.times <= 0) armed.delete(id);
        }
        if (!all) break;
      }
      return hits;
    },
  };
}

const numericKeys = new Set(['afterBytes', 'bytesPerSecond', 'growBytes', 'times', 'status']);
const required: Partial<Record<Fault['kind'], string[]>> = {
  reset: ['afterBytes'],
  truncate: ['afterBytes'],
  slow: ['bytesPerSecond'],
  'grow-during-download': ['growBytes'],
  'path-unavailable': ['version'],
};
const allowed: Record<Fault['kind'], string[]> = {
  throttle: ['target'],
  'server-error': ['status', 'target'],
  reset: ['afterBytes'],
  truncate: ['afterBytes'],
  slow: ['bytesPerSecond'],
  'empty-listing': [],
  vanish: [],
  'grow-during-download': ['growBytes'],
  'always-fail': [],
  'path-unavailable': ['version', 'status', 'code'],
};

function validateFault(f: Fault, text: string): void {
  const kind = f.kind as string;
  if (!(kind in allowed)) throw new FaultSpecError(`unknown fault kind "${kind}"`, text);
  const rec = f as unknown as Record<string, unknown>;
  for (const key of required[f.kind] ?? []) {
    if (rec[key] === undefined) throw new FaultSpecError(`fault "${kind}" needs ${key}`, text);
  }
  for (const key of numericKeys) {
    const v = rec[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new FaultSpecError(`${key} must be a non-negative number`, text);
    }
  }
  if ('target' in f && f.target !== undefined && f.target !== 'api' && f.target !== 'download') {
    throw new FaultSpecError('target must be api or download', text);
  }
  if (f.kind === 'path-unavailable' && f.version !== 'v13' && f.version !== 'v19') {
    throw new FaultSpecError('version must be v13 or v19', text);
  }
  if (f.kind === 'path-unavailable' && f.status !== undefined && (f.status < 400 || f.status > 599)) {
    throw new FaultSpecError('status must be an HTTP error status (400-599)', text);
  }
  if (f.times !== undefined && f.times < 1) throw new FaultSpecError('times must be at least 1', text);
  if (f.kind === 'slow' && f.bytesPerSecond <= 0)
    throw new FaultSpecError('bytesPerSecond must be > 0', text);
}

/**
 * Parses the CLI syntax `kind[:key=value,...]`, e.g. `throttle:times=3,target=api`,
 * `reset:afterBytes=1000,file=audit.log.0`, `path-unavailable:version=v19`,
 * `path-unavailable:version=v19,status=403,code=AccessDenied`.
 * Common keys: `instance`, `file` (substring), `times`.
 */
export function parseFaultSpec(text: string): Fault {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const kind = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim();
  if (!(kind in allowed)) throw new FaultSpecError(`unknown fault kind "${kind}"`, text);
  const fault: Record<string, unknown> = { kind };
  const rest = colon < 0 ? '' : trimmed.slice(colon + 1);
  const keys = new Set([...allowed[kind as Fault['kind']], 'instance', 'file', 'times']);
  for (const pair of rest.split(',').filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new FaultSpecError(`expected key=value, got "${pair}"`, text);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!keys.has(key)) throw new FaultSpecError(`unknown key "${key}" for fault "${kind}"`, text);
    if (numericKeys.has(key)) {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) throw new FaultSpecError(`${key} must be a number`, text);
      fault[key] = n;
    } else {
      fault[key] = value;
    }
  }
  const parsed = fault as Fault;
  validateFault(parsed, text);
  return parsed;
}
