/**
 * The state machine (transitions.ts) as DynamoDB expressions: one conditional UpdateItem per
 * transition, built from the declaration and nothing else. Pure: the store sends what this builds.
 */

import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { type FileKey, keys, stateIndex } from './records.js';
import {
  type ArgsOf,
  type Fragment,
  type From,
  TRANSITIONS,
  type TransitionName,
  targetState,
} from './transitions.js';

/** Expression attribute names and values collected while an expression is built. */
export class ExpressionParts {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};

  /** `#name` for an attribute (every attribute goes through a name: `state` is a reserved word). */
  name(attr: string): string {
    const placeholder = `#${attr}`;
    this.names[placeholder] = attr;
    return placeholder;
  }

  /** `:key` for a value (the same key must always carry the same value). */
  value(key: string, value: unknown): string {
    const placeholder = `:${key}`;
    this.values[placeholder] = value;
    return placeholder;
  }
}

function fragmentExpression(
  fragment: Fragment,
  args: Record<string, unknown>,
  parts: ExpressionParts,
): string {
  return `${parts.name(fragment.attr)} ${fragment.op} ${parts.value(`arg_${fragment.arg}`, args[fragment.arg])}`;
}

/**
 * The condition `(state in from, each with its guard) AND every fragment`. A missing item fails it
 * (its generation compares false), as does any missing attribute a fragment reads.
 */
export function conditionExpression(
  from: readonly From[],
  fragments: readonly Fragment[],
  args: Record<string, unknown>,
  parts: ExpressionParts,
): string {
  const state = parts.name('state');
  const plain = from.filter((entry) => typeof entry === 'string');
  const guarded = from.filter((entry) => typeof entry !== 'string');
  const alternatives: string[] = [];
  if (plain.length > 0) {
    alternatives.push(`${state} IN (${plain.map((s) => parts.value(`from_${s}`, s)).join(', ')})`);
  }
  for (const entry of guarded) {
    alternatives.push(
      `(${state} = ${parts.value(`from_${entry.state}`, entry.state)} AND ${fragmentExpression(entry.when, args, parts)})`,
    );
  }
  return [`(${alternatives.join(' OR ')})`, ...fragments.map((f) => fragmentExpression(f, args, parts))].join(
    ' AND ',
  );
}

/** The UpdateItem for a transition on one file, asking for the item after (or, refused, as it is). */
export function transitionUpdate<N extends TransitionName>(
  table: string,
  name: N,
  file: FileKey,
  args: ArgsOf<N>,
): UpdateCommandInput {
  const transition = TRANSITIONS[name];
  const values = args as unknown as Record<string, unknown>;
  const parts = new ExpressionParts();
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [attr, value] of Object.entries(transition.set ?? {})) {
    if (value === undefined) continue;
    const target = parts.name(attr);
    if ('arg' in value) {
      if (values[value.arg] === undefined) removes.push(target);
      else sets.push(`${target} = ${parts.value(`arg_${value.arg}`, values[value.arg])}`);
    } else if ('value' in value) sets.push(`${target} = ${parts.value(`set_${attr}`, value.value)}`);
    else sets.push(`${target} = ${target} + ${parts.value(`add_${attr}`, value.add)}`);
  }
  for (const attr of transition.remove ?? []) removes.push(parts.name(attr));
  const now = parts.value('arg_now', args.now);
  const to = targetState(name, args);
  if (to !== undefined) {
    sets.push(`${parts.name('state')} = ${parts.value('to', to)}`, `${parts.name('stateSince')} = ${now}`);
    const index = stateIndex(to, args.now, file);
    if (index) {
      sets.push(
        `${parts.name('gsi1pk')} = ${parts.value('gsi1pk', index.gsi1pk)}`,
        `${parts.name('gsi1sk')} = ${parts.value('gsi1sk', index.gsi1sk)}`,
      );
    } else removes.push(parts.name('gsi1pk'), parts.name('gsi1sk'));
  }
  sets.push(`${parts.name('updatedAt')} = ${now}`);
  const condition = conditionExpression(transition.from, transition.when, values, parts);
  return {
    TableName: table,
    Key: keys.activeFile(file),
    UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: parts.names,
    ExpressionAttributeValues: parts.values,
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}
