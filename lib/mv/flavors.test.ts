import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { characterImageRequest, scenePlanRequest, styledScenePrompt } from './flavor-schema.js';
import { FlavorBrokenError, FlavorNotFoundError, SHIPPED_FLAVORS_DIR, createFlavorCatalog, parseYaml } from './flavors.js';
import { fillTemplate } from './templates.js';

/** A fresh copy of the shipped flavors to add, break and edit folders in. */
async function copyOfShipped(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'mv-flavors-')), 'mv');
  await cp(SHIPPED_FLAVORS_DIR, dir, { recursive: true });
  return dir;
}

/** A copy of `default` named `name`, with `file` replaced by `text`. */
async function variant(dir: string, name: string, file?: string, text?: string): Promise<void> {
  await cp(join(dir, 'default'), join(dir, name), { recursive: true });
  if (file !== undefined && text !== undefined) await writeFile(join(dir, name, file), text);
}

const BILLION_LAUGHS = `a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
`;

describe('MV config flavors', () => {
  it('ships default (cinematic, 16:9) and example (anime, 9:16), both valid', async () => {
    const catalog = createFlavorCatalog(SHIPPED_FLAVORS_DIR);
    assert.deepEqual(await catalog.list(), { flavors: ['default', 'example'], defaultFlavor: 'default', broken: [] });

    const cinematic = await catalog.get();
    assert.equal(cinematic.name, 'default');
    assert.deepEqual(cinematic.parameters.video, { resolution: 'hd_1080p', aspect_ratio: '16:9' });
    assert.match(cinematic.scenePrompts.style_suffix ?? '', /cinematic/);

    const anime = await catalog.get('example');
    assert.deepEqual(anime.parameters.video, { resolution: 'hd_720p', aspect_ratio: '9:16' });
    assert.match(anime.scenePrompts.style_suffix ?? '', /anime/);
    assert.notEqual(anime.parameters.scene_duration, cinematic.parameters.scene_duration);
  });

  it("turns a flavor into the scene planner's and the image generator's requests", async () => {
    const flavor = await createFlavorCatalog(SHIPPED_FLAVORS_DIR).get('default');
    const plan = scenePlanRequest(flavor, 'Robot exploring Austin, Texas', 4);
    assert.equal(plan.numScenes, 4);
    assert.match(plan.template, /\{concept\}.*/s);
    assert.equal(plan.parameters.scene_duration, 8);
    const scene = fillTemplate(plan.template, { concept: 'Robot exploring Austin, Texas', sequence: 2, count: 4 });
    assert.match(scene, /^Scene 2 of 4 of a music video about Robot exploring Austin, Texas\./);
    const styled = styledScenePrompt(flavor, 'A robot walks down Congress Avenue.');
    assert.match(styled, /^A robot walks down Congress Avenue, cinematic, /);
    assert.equal(styledScenePrompt(flavor, styled), styled, 'the suffix is added once');

    const image = characterImageRequest(flavor, '  Silver metallic humanoid robot ');
    assert.deepEqual({ width: image.width, height: image.height }, { width: 768, height: 1024 });
    assert.match(image.prompt, /^Full-body character reference of Silver metallic humanoid robot, standing/);
  });

  it('lists a flavor folder added while the catalog is in use, without a restart', async () => {
    const dir = await copyOfShipped();
    const catalog = createFlavorCatalog(dir);
    assert.deepEqual((await catalog.list()).flavors, ['default', 'example']);
    await variant(dir, 'neon_noir', 'parameters.yaml', 'scene_duration: 12\ndefault_num_scenes: 3\nvideo: {resolution: sd_480p, aspect_ratio: "1:1"}\n');
    assert.deepEqual((await catalog.list()).flavors, ['default', 'example', 'neon_noir']);
    assert.equal((await catalog.get('neon_noir')).parameters.scene_duration, 12);

    await rm(join(dir, 'neon_noir'), { recursive: true });
    await assert.rejects(catalog.get('neon_noir'), FlavorNotFoundError);
  });

  it('reports a YAML syntax error and a schema violation by flavor, file and reason; the others still load', async () => {
    const dir = await copyOfShipped();
    await variant(dir, 'bad-syntax', 'scene_prompts.yaml', 'scene_template: [unclosed\nstyle_suffix: x\n');
    await variant(dir, 'bad-schema', 'parameters.yaml', 'scene_duration: 60\ndefault_num_scenes: 4\nvideo: {resolution: hd_720p, aspect_ratio: "21:9"}\n');
    const catalog = createFlavorCatalog(dir);

    const listing = await catalog.list();
    assert.deepEqual(listing.flavors, ['default', 'example']);
    assert.deepEqual(
      listing.broken.map(({ name, file }) => [name, file]),
      [
        ['bad-schema', 'parameters.yaml'],
        ['bad-syntax', 'scene_prompts.yaml'],
      ],
    );
    const [schema, syntax] = listing.broken;
    assert.match(syntax?.reason ?? '', /^invalid YAML: .*line \d+, column \d+$/);
    assert.match(schema?.reason ?? '', /scene_duration: .*15/);
    assert.match(schema?.reason ?? '', /video\.aspect_ratio: /);

    await assert.rejects(catalog.get('bad-syntax'), (error: unknown) => {
      assert.ok(error instanceof FlavorBrokenError);
      assert.equal(error.file, 'scene_prompts.yaml');
      assert.match(error.message, /^Config flavor "bad-syntax" is broken: scene_prompts\.yaml: invalid YAML: /);
      return true;
    });
    await assert.rejects(catalog.get('bad-schema'), /Config flavor "bad-schema" is broken: parameters\.yaml: scene_duration/);
    assert.equal((await catalog.get('example')).name, 'example');
  });

  it('refuses a template placeholder the endpoint cannot fill, a typo in a key, a missing or unreadable file, a duplicate key and a second document', async () => {
    const dir = await copyOfShipped();
    await variant(dir, 'typo-placeholder', 'scene_prompts.yaml', 'scene_template: "Scene {sequence} about {concept} in {mood}"\n');
    await variant(dir, 'typo-key', 'image_params.yaml', 'width: 768\nhieght: 1024\n');
    await variant(dir, 'no-concept', 'scene_prompts.yaml', 'scene_template: "Scene {sequence} of {count}"\n');
    await variant(dir, 'duplicate', 'image_prompts.yaml', 'character_reference_template: "a {description}"\ncharacter_reference_template: "b {description}"\n');
    await variant(dir, 'two-documents', 'parameters.yaml', 'scene_duration: 8\n---\nscene_duration: 9\n');
    await variant(dir, 'missing-file');
    await rm(join(dir, 'missing-file', 'image_prompts.yaml'));
    await variant(dir, 'folder-not-file');
    await rm(join(dir, 'folder-not-file', 'parameters.yaml'));
    await mkdir(join(dir, 'folder-not-file', 'parameters.yaml'));

    const reasons = Object.fromEntries((await createFlavorCatalog(dir).list()).broken.map((b) => [b.name, `${b.file}: ${b.reason}`]));
    assert.match(reasons['typo-placeholder'] ?? '', /^scene_prompts\.yaml: scene_template: unknown placeholder \{mood\} \(allowed: \{concept\}, \{sequence\}, \{count\}\)$/);
    assert.match(reasons['no-concept'] ?? '', /scene_template: must contain \{concept\}/);
    assert.match(reasons['typo-key'] ?? '', /^image_params\.yaml: .*hieght/);
    assert.match(reasons['duplicate'] ?? '', /^image_prompts\.yaml: invalid YAML: .*unique/i);
    assert.match(reasons['two-documents'] ?? '', /^parameters\.yaml: invalid YAML: Source contains multiple documents/);
    assert.equal(reasons['missing-file'], 'image_prompts.yaml: missing');
    assert.equal(reasons['folder-not-file'], 'parameters.yaml: is not a file');
  });

  it('a 404 for an unknown flavor lists the known ones; other folder names are ignored', async () => {
    const dir = await copyOfShipped();
    await variant(dir, 'Capital');
    await variant(dir, '.hidden');
    await writeFile(join(dir, 'notes.txt'), 'not a flavor');
    const catalog = createFlavorCatalog(dir);
    assert.deepEqual(await catalog.list(), { flavors: ['default', 'example'], defaultFlavor: 'default', broken: [] });

    for (const name of ['nope', 'Capital', '../mv/default', '.hidden']) {
      await assert.rejects(catalog.get(name), (error: unknown) => {
        assert.ok(error instanceof FlavorNotFoundError);
        assert.deepEqual(error.known, ['default', 'example']);
        assert.equal(error.message, `Unknown config flavor ${JSON.stringify(name)}; known flavors: default, example`);
        return true;
      });
    }
  });

  it('falls back to the first good flavor when default is broken, and says so when none loads', async () => {
    const dir = await copyOfShipped();
    await writeFile(join(dir, 'default', 'image_params.yaml'), 'width: 100\nheight: 1024\n');
    const catalog = createFlavorCatalog(dir);
    assert.equal((await catalog.list()).defaultFlavor, 'example');
    assert.equal((await catalog.get()).name, 'example');

    await rm(join(dir, 'example'), { recursive: true });
    assert.deepEqual((await catalog.list()).defaultFlavor, null);
    await assert.rejects(catalog.get(), /Config flavor "default" is broken: image_params\.yaml: width: must be at least 256/);

    const empty = createFlavorCatalog(join(dir, 'absent'));
    assert.deepEqual(await empty.list(), { flavors: [], defaultFlavor: null, broken: [] });
    await assert.rejects(empty.get(), /Unknown config flavor "default"; known flavors: none/);
  });

  it('refuses an alias bomb instead of expanding it', async () => {
    assert.throws(() => parseYaml(BILLION_LAUGHS), /Excessive alias count/);
    const dir = await copyOfShipped();
    await variant(dir, 'lols', 'parameters.yaml', BILLION_LAUGHS);
    const [broken] = (await createFlavorCatalog(dir).list()).broken;
    assert.equal(broken?.name, 'lols');
    assert.match(broken?.reason ?? '', /^invalid YAML: Excessive alias count/);
  });

  it('does not parse an unchanged file again, and parses an edited one on the next call', async () => {
    const dir = await copyOfShipped();
    let parses = 0;
    const catalog = createFlavorCatalog(dir, {
      parse: (text) => {
        parses += 1;
        return parseYaml(text);
      },
    });
    await catalog.list();
    assert.equal(parses, 8, 'two flavors of four files');
    await catalog.get('default');
    await catalog.list();
    assert.equal(parses, 8);

    await writeFile(join(dir, 'example', 'parameters.yaml'), 'scene_duration: 7\ndefault_num_scenes: 2\nvideo: {resolution: hd_720p, aspect_ratio: "9:16"}\n');
    assert.equal((await catalog.get('example')).parameters.scene_duration, 7);
    assert.equal(parses, 9);

    await mkdir(join(dir, 'empty'));
    assert.deepEqual((await catalog.list()).broken, [{ name: 'empty', file: 'image_params.yaml', reason: 'missing' }]);
    assert.equal(parses, 9, 'a missing file is not parsed');
  });
});
