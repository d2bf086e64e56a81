// PromQL helpers for the rule and dashboard tests.

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset']);

/** Metric names in a PromQL expression: identifiers outside {} and not followed by ( or a label list. */
export function metricNames(expr: string): string[] {
  const noLabels = expr
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/(^|[^\w:])\d+(\.\d+)?(e[+-]?\d+)?/gi, '$1 ').replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of noLabels.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name as string) || /^\d/.test(name as string)) continue;
    names.push(name as string);
  }
  return names.filter((n) => !/^(e|inf|nan)$/i.test(n));
}

