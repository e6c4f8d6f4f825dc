/**
 * Entries of the JSON-valued settings (sources, targets and the objects inside them) reject keys they do not know.
 * zod's default is to drop them, which turns a typo such as `maxAttempts` for `retryAttempts` into a silent default;
 * the message names the stray keys and lists the known ones, so the fix is visible in the start-up error itself.
 */
import { z } from 'zod';

/** The message for keys an entry does not declare; `known` in declaration order, as the docs list them. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const names = keys.map((key) => JSON.stringify(key)).join(', ');
  return `unknown key${keys.length === 1 ? '' : 's'} ${names}; known keys: ${known.join(', ')}`;
}

/** The error map of a strict entry: the unknown-key message for its own keys, zod's own message for anything else. */
function unknownKeysError(known: readonly string[]) {
  return (issue: z.core.$ZodRawIssue) =>
    issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, known) : undefined;
}

/** `z.strictObject` whose unknown-key issue lists the known keys; other issues keep zod's messages. */
export function strictEntry<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.strictObject(shape, { error: unknownKeysError(Object.keys(shape)) });
}

/**
 * The same for an entry schema defined elsewhere (each target type's config fragment): the catalog applies it to every
 * type, so a fragment that is a plain `z.object` is still strict. A clone of the fragment's own definition, so its
 * object-level refinements (a webhook's allowed hosts) keep running.
 */
export function strictEntryOf<Schema extends z.ZodObject>(schema: Schema): Schema {
  const strict = z.core.util.mergeDefs(schema._zod.def, {
    catchall: z.never(),
    error: unknownKeysError(Object.keys(schema.shape)),
  });
  return schema.clone(strict as Schema['_zod']['def']);
}
