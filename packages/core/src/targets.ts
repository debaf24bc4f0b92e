import type { MultiLoraConfig, TargetModules } from './config.js';
import { MultiLoraError } from './errors.js';

/**
 * PEFT's target matching: a list entry matches a name equal to it or ending with `.` + entry;
 * a string is a regular expression that must match the whole name. `'all-linear'` is not decided
 * here (it needs the layer's kind): it matches nothing in this function.
 */
export function matchesModule(name: string, targets: TargetModules): boolean {
  if (typeof targets === 'string') {
    if (targets === 'all-linear') return false;
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${targets})$`);
    } catch (e) {
      throw new MultiLoraError('INVALID_CONFIG', `target pattern ${JSON.stringify(targets)} is not a valid regular expression (${(e as Error).message}); pass a valid one or a list of module names.`);
    }
    return pattern.test(name);
  }
  return targets.some((t) => name === t || name.endsWith(`.${t}`));
}

/**
 * Whether module `name` is adapted under `config`: it matches `targetModules` (or `isDefaultTarget`
 * says so where targets are unset or `'all-linear'`), and does not match `excludeModules`.
 */
export function isTargeted(
  name: string,
  config: Pick<MultiLoraConfig, 'targetModules' | 'excludeModules'>,
  isDefaultTarget: () => boolean,
): boolean {
  if (config.excludeModules !== undefined && matchesModule(name, config.excludeModules)) return false;
  const t = config.targetModules;
  if (t === undefined || t === 'all-linear') return isDefaultTarget();
  return matchesModule(name, t);
}

/**
 * The value of a PEFT-style pattern map (`rank_pattern`, `alpha_pattern`) for module `name`, or
 * `fallback`. Like PEFT, a key matches a name that equals it or ends with `.` + key, and otherwise
 * is tried as a regular expression over the whole name; the first matching key wins.
 */
export function patternValue(name: string, patterns: Readonly<Record<string, number>> | undefined, fallback: number): number {
  if (!patterns) return fallback;
  for (const [key, value] of Object.entries(patterns)) {
    if (name === key || name.endsWith(`.${key}`)) return value;
    try {
      if (new RegExp(`^(?:.*\\.)?(?:${key})$`).test(name)) return value;
    } catch {
      // a key that is not a valid regular expression matches by name only
    }
  }
  return fallback;
}
