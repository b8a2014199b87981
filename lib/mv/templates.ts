import { z } from 'zod';

/**
 * Prompt templates of the MV config flavors: `{name}` placeholders (a lowercase identifier in
 * braces), filled at request time. Which placeholders a template may use is checked when the flavor
 * loads (`templateText`), so a typo such as `{conecpt}` breaks that flavor at load, not a request.
 * Braces around anything else (`{ }`, `{"a": 1}`, `{Upper}`) are plain text.
 */

const PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/g;

/** A template's placeholder names, each once, in order of first use: `'{a} {b} {a}'` → `['a', 'b']`. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (match) => match[1] as string))];
}

/**
 * Replaces every `{name}` with `values[name]`. Throws an Error naming the placeholders that have no
 * value: templates are validated at load, so this is a caller's bug, never a user's.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  const missing = templatePlaceholders(template).filter((name) => !Object.hasOwn(values, name));
  if (missing.length > 0) throw new Error(`template needs a value for ${missing.map((name) => `{${name}}`).join(', ')}`);
  return template.replace(PLACEHOLDER, (_, name: string) => String(values[name]));
}

const listed = (names: readonly string[]) => (names.length === 0 ? 'none' : names.map((name) => `{${name}}`).join(', '));

/**
 * A zod schema for a template in a flavor file: trimmed, 1–4000 characters, using only the
 * `allowed` placeholders and every `required` one. With no `allowed`, plain text (no placeholders).
 */
export function templateText(options: { allowed?: readonly string[]; required?: readonly string[] } = {}) {
  const allowed = options.allowed ?? [];
  const required = options.required ?? [];
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(4000, 'must be at most 4000 characters')
    .superRefine((template, ctx) => {
      const used = templatePlaceholders(template);
      const unknown = used.filter((name) => !allowed.includes(name));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder ${listed(unknown)} (allowed: ${listed(allowed)})` });
      }
      const absent = required.filter((name) => !used.includes(name));
      if (absent.length > 0) ctx.addIssue({ code: 'custom', message: `must contain ${listed(absent)}` });
    });
}
