import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillTemplate, templatePlaceholders, templateText } from './templates.js';

describe('MV prompt templates', () => {
  it('fills every {name}, repeated ones too, and leaves other braces as text', () => {
    const template = 'Scene {sequence} of {count}: {concept}; again {concept}. Keep {"json": 1}, { } and {Upper}.';
    assert.deepEqual(templatePlaceholders(template), ['sequence', 'count', 'concept']);
    assert.equal(
      fillTemplate(template, { concept: 'a robot', sequence: 2, count: 4 }),
      'Scene 2 of 4: a robot; again a robot. Keep {"json": 1}, { } and {Upper}.',
    );
    // A value that looks like a placeholder is not filled again.
    assert.equal(fillTemplate('{a} {b}', { a: '{b}', b: 'x' }), '{b} x');
  });

  it('names the placeholders a caller left without a value', () => {
    assert.throws(() => fillTemplate('{concept} in {city}', { concept: 'x' }), /template needs a value for \{city\}/);
  });

  it('checks placeholders when the template is loaded', () => {
    const schema = templateText({ allowed: ['description'], required: ['description'] });
    assert.equal(schema.parse('  portrait of {description}\n'), 'portrait of {description}');
    assert.match(schema.safeParse('portrait of {descripton}').error?.issues.map((issue) => issue.message).join('; ') ?? '', /unknown placeholder \{descripton\} \(allowed: \{description\}\); must contain \{description\}/);
    assert.match(templateText().safeParse('plain {x}').error?.message ?? '', /allowed: none/);
  });
});
