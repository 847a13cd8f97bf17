/**
 * The static step of the handler: the bundle (dist/), the demo pages and the
 * demo's fonts, with the methods and CORS each allows.
 */
import type { Config } from "./config.ts";
import { demoPageHeaders } from "./page_headers.ts";
import { pathSegments, StaticDir } from "./static.ts";
import { text } from "./responses.ts";

/** Returns the route for every path that is neither `/ws` nor `/healthz`. */
export function createStaticRoutes(
  config: Config,
): (request: Request, url: URL) => Promise<Response> {
  // The bundle keeps one name across builds, so browsers must revalidate it
  // (cheap with ETags) rather than run a stale copy after a deploy.
  const dist = new StaticDir(config.distDir, { cacheControl: "no-cache", cors: true });
  const demo = new StaticDir(config.demoDir, {
    cacheControl: "no-cache",
    cors: false,
    headers: demoPageHeaders(config.frameAncestors),
  });
  const fonts = new StaticDir(config.fontsDir, { cacheControl: "no-cache", cors: false });

  return async function serveStatic(request, url) {
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          ...dist.baseHeaders,
          "access-control-allow-methods": "GET, HEAD",
          "allow": "GET, HEAD, OPTIONS",
        },
      });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "Method not allowed.", { allow: "GET, HEAD, OPTIONS" });
    }
    const segments = pathSegments(url.pathname);
    let response: Response | null = null;
    if (segments?.[0] === "demo") {
      response = await demo.respond(request, segments.slice(1));
    } else if (segments?.[0] === "fonts") {
      response = await fonts.respond(request, segments.slice(1));
    } else if (segments) {
      // dist/ first: the bundle, its map, its chunks and whatever else the build wrote.
      response = (segments.length > 0 ? await dist.respond(request, segments) : null) ??
        await demo.respond(request, segments);
    }
    return response ?? text(404, "Not found.");
  };
}
