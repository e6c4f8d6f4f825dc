// Member and index access, including the placeholder and resource rules: on a resource only name, type and
// apiVersion are known offline; everything else becomes a placeholder naming the path that was read.
import { BicepError } from './errors.js';
import {
  extendPlaceholder,
  handleApiVersion,
  isObject,
  isPlaceholder,
  isResourceHandle,
  ModuleRef,
  typeName,
  type Value,
} from './values.js';

export function readMember(target: Value, property: string, safe: boolean): Value {
  if (target === null) {
    if (safe) return null;
    throw new BicepError(`cannot read '${property}' of null (use '.?' if it may be missing)`);
  }
  if (isResourceHandle(target)) {
    if (property === 'name' || property === 'type') return target[property];
    if (property === 'apiVersion')
      return handleApiVersion(target) ?? extendPlaceholder(target.$resource, '.apiVersion');
    return extendPlaceholder(target.$resource, `.${property}`);
  }
  if (target instanceof ModuleRef) {
    if (property === 'name') return target.name();
    if (property === 'outputs') return target.outputs();
    throw new BicepError(`a module has only 'name' and 'outputs', not '${property}'`);
  }
  if (isPlaceholder(target)) return extendPlaceholder(target, `.${property}`);
  if (isObject(target)) {
    if (Object.hasOwn(target, property)) return target[property] ?? null;
    if (safe) return null;
    const known = Object.keys(target).join(', ');
    throw new BicepError(`property '${property}' does not exist (object has: ${known || 'no properties'})`);
  }
  throw new BicepError(`cannot read '${property}' of a ${typeName(target)}`);
}

export function readIndex(target: Value, index: Value, safe: boolean): Value {
  if (typeof index === 'string' && !Array.isArray(target)) {
    if (isPlaceholder(target) && !/^[A-Za-z_]\w*$/.test(index)) return extendPlaceholder(target, `['${index}']`);
    return readMember(target, index, safe);
  }
  if (target === null && safe) return null;
  if (isPlaceholder(target) && typeof index === 'number') return extendPlaceholder(target, `[${index}]`);
  if (!Array.isArray(target)) throw new BicepError(`cannot index a ${typeName(target)} with ${typeName(index)}`);
  if (typeof index !== 'number') throw new BicepError(`array index must be an int, got ${typeName(index)}`);
  if (index >= 0 && index < target.length) return target[index] ?? null;
  if (safe) return null;
  throw new BicepError(`index ${index} is out of range (length ${target.length})`);
}
