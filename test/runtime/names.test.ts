import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { counterNameProblem } from '../../src/perfdata/index.js';
import { resourceSegment } from '../../src/runtime/collectors/resources.js';
import { camelCase, spaceSegment } from '../../src/runtime/collectors/heap.js';

// Names built from what the runtime reads at run time (resource types, V8 space and field
// names) must always be valid for the region's writer, whatever a future Node reports.
test('property: a counter name built from any resource type is valid', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (type) => {
    const name = `node.resources.${resourceSegment(type)}`;
    assert.equal(counterNameProblem(name), undefined, name);
  }), { numRuns: 3000 });
});

test('property: names built from any snake_case V8 space or field name are valid', () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
  fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (words) => {
    const snake = words.join('_');
    assert.equal(counterNameProblem(`node.heap.${camelCase(snake)}`), undefined);
    const space = `${snake}_space`;
    assert.equal(counterNameProblem(`node.heap.space.${spaceSegment(space)}.used`), undefined);
    assert.ok(!camelCase(snake).includes('_'));
  }), { numRuns: 2000 });
});

test('camelCase and spaceSegment are the regular expressions they replaced, for any text', () => {
  const camel = (t: string) => t.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const text = fc.oneof(fc.string({ unit: 'binary' }), fc.stringMatching(/^[_a-zA-Z0-9]{0,24}$/));
  fc.assert(fc.property(text, (t) => {
    assert.equal(camelCase(t), camel(t));
    assert.equal(spaceSegment(t), camel(t.replace(/_space$/, '')));
  }));
});
