import { open, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { FLAVOR_FILES, type Flavor } from './flavor-schema.js';

/**
 * MV config flavors: one folder each under a config directory (MV_CONFIG_DIR), holding
 * image_params.yaml, image_prompts.yaml, scene_prompts.yaml and parameters.yaml. The directory is
 * read again on every call, so a folder added or edited is picked up without a restart; a file
 * unchanged since it was last read (same mtime and size) is not parsed again. A broken flavor is
 * reported by name, file and reason and leaves the others usable.
 */

/** The flavors shipped in the repo: default (cinematic) and example (anime). */
export const SHIPPED_FLAVORS_DIR = resolve(import.meta.dirname, '../../config/mv');

export const DEFAULT_FLAVOR = 'default';

/** Folder names that are flavors; anything else (dotfiles, capitals, spaces) is ignored. */
export const FLAVOR_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

// Flavor files are a few hundred bytes; a large one is a mistake, not a look.
const MAX_FILE_BYTES = 64 * 1024;

/** An unknown flavor; `known` lists the ones that load (for the 404). */
export class FlavorNotFoundError extends Error {
  override readonly name = 'FlavorNotFoundError';
  constructor(
    readonly flavor: string,
    readonly known: string[],
  ) {
    super(`Unknown config flavor ${JSON.stringify(flavor.slice(0, 80))}; known flavors: ${known.length > 0 ? known.join(', ') : 'none'}`);
  }
}

/** A flavor whose folder exists but does not load: which file, and why (YAML or schema). */
export class FlavorBrokenError extends Error {
  override readonly name = 'FlavorBrokenError';
  constructor(
    readonly flavor: string,
    readonly file: string,
    readonly reason: string,
  ) {
    super(`Config flavor ${JSON.stringify(flavor)} is broken: ${file}: ${reason}`);
  }
}

export interface BrokenFlavor {
  name: string;
  file: string;
  reason: string;
}

export interface FlavorListing {
  /** The flavors that load, alphabetically. */
  flavors: string[];
  /** `default` if it loads, else the first that does; null when none does. */
  defaultFlavor: string | null;
  broken: BrokenFlavor[];
}

export interface FlavorCatalog {
  list(): Promise<FlavorListing>;
  /**
   * The flavor `name`, or the default one when `name` is omitted. Throws FlavorNotFoundError
   * (no such folder, or no flavor loads) or FlavorBrokenError.
   */
  get(name?: string): Promise<Flavor>;
}

/** Turns a YAML file's text into plain data; throws with the reason it refuses. */
export type YamlParser = (text: string) => unknown;

/**
 * One YAML document, strictly: duplicate keys, several documents, unknown tags and other warnings
 * are refused, and aliases may expand at most 100 times (a "billion laughs" file is refused
 * instead of filling memory). Throws an Error whose message is one line.
 */
export const parseYaml: YamlParser = (text) => {
  // logLevel 'error', not 'silent': yaml drops its multiple-documents error when silent.
  const doc = parseDocument(text, { strict: true, uniqueKeys: true, prettyErrors: true, logLevel: 'error' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new Error(firstLine(problem.message));
  return doc.toJS({ maxAliasCount: 100 });
};

function firstLine(message: string): string {
  // yaml's pretty errors append a source excerpt after the first line.
  return message.split('\n', 1)[0]?.replace(/:$/, '') ?? message;
}

type FileResult = { ok: true; value: unknown } | { ok: false; reason: string };
type FolderResult = { ok: true; flavor: Flavor } | { ok: false; broken: BrokenFlavor };

interface CachedFile {
  mtimeMs: number;
  size: number;
  result: FileResult;
}

const isMissing = (error: unknown) => error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');

function schemaReason(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
}

/**
 * A catalog over `dir` (resolved against the working directory). `parse` replaces the YAML parser
 * (tests count parses with it).
 */
export function createFlavorCatalog(dir: string, options: { parse?: YamlParser } = {}): FlavorCatalog {
  const root = resolve(dir);
  const parse = options.parse ?? parseYaml;
  const cache = new Map<string, CachedFile>();

  function check(text: string, schema: z.ZodType): FileResult {
    let data: unknown;
    try {
      data = parse(text);
    } catch (error) {
      return { ok: false, reason: `invalid YAML: ${error instanceof Error ? error.message : String(error)}` };
    }
    const parsed = schema.safeParse(data ?? {});
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: schemaReason(parsed.error) };
  }

  /** One file, parsed and checked, or why not; a file that cannot be read breaks its flavor only. */
  async function loadFile(path: string, schema: z.ZodType): Promise<FileResult> {
    try {
      const stats = await stat(path);
      if (!stats.isFile()) return { ok: false, reason: 'is not a file' };
      const cached = cache.get(path);
      if (cached && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size) return cached.result;
      const handle = await open(path, 'r');
      try {
        // Keyed by the handle that is read: an edit between stat and read is seen on the next call.
        const { mtimeMs, size } = await handle.stat();
        const result: FileResult =
          size > MAX_FILE_BYTES ? { ok: false, reason: `is ${size} bytes; at most ${MAX_FILE_BYTES} are read` } : check(await handle.readFile('utf8'), schema);
        cache.set(path, { mtimeMs, size, result });
        return result;
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isMissing(error)) return { ok: false, reason: 'missing' };
      return { ok: false, reason: `cannot be read (${error instanceof Error && 'code' in error ? String(error.code) : String(error)})` };
    }
  }

  async function loadFolder(name: string): Promise<FolderResult> {
    const entries = Object.entries(FLAVOR_FILES);
    const results = await Promise.all(entries.map(([, { file, schema }]) => loadFile(join(root, name, file), schema)));
    const parts: Record<string, unknown> = { name };
    for (const [index, [key, { file }]] of entries.entries()) {
      const result = results[index] as FileResult;
      if (!result.ok) return { ok: false, broken: { name, file, reason: result.reason } };
      parts[key] = result.value;
    }
    return { ok: true, flavor: parts as unknown as Flavor };
  }

  /** Every flavor folder under the root, loaded, by name (alphabetical). */
  async function scan(): Promise<Map<string, FolderResult>> {
    const entries = await readdir(root, { withFileTypes: true }).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    });
    const names: string[] = [];
    for (const entry of entries) {
      if (!FLAVOR_NAME_PATTERN.test(entry.name)) continue;
      // Symlinked folders count (mounted configs are often links); stat follows them.
      const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(join(root, entry.name)).then((s) => s.isDirectory(), () => false)));
      if (isFolder) names.push(entry.name);
    }
    names.sort();
    const loaded = await Promise.all(names.map(loadFolder));
    const live = new Set(names.flatMap((name) => Object.values(FLAVOR_FILES).map(({ file }) => join(root, name, file))));
    for (const path of cache.keys()) if (!live.has(path)) cache.delete(path);
    return new Map(names.map((name, index) => [name, loaded[index] as FolderResult]));
  }

  function summarize(folders: Map<string, FolderResult>): FlavorListing {
    const flavors: string[] = [];
    const broken: BrokenFlavor[] = [];
    for (const result of folders.values()) {
      if (result.ok) flavors.push(result.flavor.name);
      else broken.push(result.broken);
    }
    const defaultFlavor = flavors.includes(DEFAULT_FLAVOR) ? DEFAULT_FLAVOR : (flavors[0] ?? null);
    return { flavors, defaultFlavor, broken };
  }

  return {
    async list() {
      return summarize(await scan());
    },
    async get(name) {
      const folders = await scan();
      const listing = summarize(folders);
      // With none loading, the default is still `default`: if that folder is broken, say why.
      const wanted = name ?? listing.defaultFlavor ?? DEFAULT_FLAVOR;
      const result = folders.get(wanted);
      if (!result) throw new FlavorNotFoundError(wanted, listing.flavors);
      if (!result.ok) throw new FlavorBrokenError(result.broken.name, result.broken.file, result.broken.reason);
      return result.flavor;
    },
  };
}
