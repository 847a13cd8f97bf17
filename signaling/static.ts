/**
 * Static files from one directory (the widget build or the demo), with
 * strong ETags so browsers revalidate cheaply, and no way out of the
 * directory: the router hands over pre-checked path segments and the real
 * path of the file must still lie inside the real path of the directory.
 */
import { extname, join, sep } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
};

/** One path segment we are willing to look up: no dot files, no `..`, no separators. */
const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * The decoded segments of a URL path, or null if any of them could name
 * something outside a served directory (`..`, `%2f`, backslashes, dot files).
 * A trailing slash yields a final "" so the caller can serve the index.
 */
export function pathSegments(pathname: string): string[] | null {
  const parts = pathname.split("/").slice(1);
  const segments: string[] = [];
  for (const [index, part] of parts.entries()) {
    if (part === "" && index === parts.length - 1) break;
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (!SAFE_SEGMENT.test(decoded)) return null;
    segments.push(decoded);
  }
  return segments;
}

export interface StaticDirOptions {
  cacheControl: string;
  /** Lets pages on other origins load these files (the bundle as a module script). */
  cors: boolean;
  /** Sent with every response from the directory (e.g. the demo pages' CSP). */
  headers?: Record<string, string>;
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  etag: string;
  body: Uint8Array<ArrayBuffer>;
}

async function strongEtag(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const base64 = btoa(String.fromCharCode(...digest.subarray(0, 18)));
  return `"${base64.replaceAll("+", "-").replaceAll("/", "_")}"`;
}

/** RFC 9110 §13.1.2: If-None-Match uses weak comparison, and `*` matches any. */
function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag.replace(/^W\//, "") === etag;
  });
}

export class StaticDir {
  #root: string;
  #options: StaticDirOptions;
  /** Keyed by path; revalidated against mtime and size, so a rebuild is picked up. */
  #cache = new Map<string, CachedFile>();

  constructor(root: string, options: StaticDirOptions) {
    this.#root = root;
    this.#options = options;
  }

  /** Headers every response from this directory carries (also 304s and preflights). */
  get baseHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.#options.headers,
      "cache-control": this.#options.cacheControl,
    };
    if (this.#options.cors) headers["access-control-allow-origin"] = "*";
    return headers;
  }

  /** The file at `segments` (an index.html for a directory), or null if there is none. */
  async respond(request: Request, segments: readonly string[]): Promise<Response | null> {
    const file = await this.#find(segments);
    if (!file) return null;
    const cached = await this.#load(file.path, file.info);
    const headers = new Headers({
      ...this.baseHeaders,
      "content-type": CONTENT_TYPES[extname(file.path).toLowerCase()] ??
        "application/octet-stream",
      "etag": cached.etag,
      "x-content-type-options": "nosniff",
    });
    if (matchesEtag(request.headers.get("if-none-match"), cached.etag)) {
      headers.delete("content-type");
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-length", String(cached.body.byteLength));
    const body = request.method === "HEAD" ? null : cached.body;
    return new Response(body, { status: 200, headers });
  }

  async #find(segments: readonly string[]): Promise<{ path: string; info: Deno.FileInfo } | null> {
    let path = join(this.#root, ...segments);
    let info = await stat(path);
    if (info?.isDirectory) {
      path = join(path, "index.html");
      info = await stat(path);
    }
    if (!info?.isFile) return null;
    // A symlink inside the directory must not lead out of it.
    const [realRoot, realPath] = await Promise.all([realPathOf(this.#root), realPathOf(path)]);
    if (!realRoot || !realPath || !realPath.startsWith(realRoot + sep)) return null;
    return { path, info };
  }

  async #load(path: string, info: Deno.FileInfo): Promise<CachedFile> {
    const mtimeMs = info.mtime?.getTime() ?? 0;
    const cached = this.#cache.get(path);
    if (cached && cached.mtimeMs === mtimeMs && cached.size === info.size) return cached;
    const body = await Deno.readFile(path);
    const fresh = { mtimeMs, size: body.byteLength, etag: await strongEtag(body), body };
    this.#cache.set(path, fresh);
    return fresh;
  }
}

async function stat(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch {
    return null;
  }
}

async function realPathOf(path: string): Promise<string | null> {
  try {
    return await Deno.realPath(path);
  } catch {
    return null;
  }
}
