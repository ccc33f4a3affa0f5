import type { z } from "zod";
import type { ResourceTemplate, ResourceTemplateSpec } from "./types.ts";

/** Compiles a resource template spec once, at module scope. */
export function defineResourceTemplate<P extends z.ZodObject>(spec: ResourceTemplateSpec<P>): ResourceTemplate {
  const { pattern, names } = compileTemplate(spec.uriTemplate);
  return Object.freeze({
    feature: spec.feature,
    listing: Object.freeze({
      uriTemplate: spec.uriTemplate,
      name: spec.name,
      title: spec.title,
      description: spec.description,
      mimeType: spec.mimeType,
    }),
    match(uri: string): unknown {
      const m = pattern.exec(uri);
      if (!m) return null;
      const raw: Record<string, string> = {};
      for (const [i, name] of names.entries()) {
        try {
          raw[name] = decodeURIComponent(m[i + 1] ?? "");
        } catch {
          return null;
        }
      }
      const parsed = spec.params.safeParse(raw);
      return parsed.success ? parsed.data : null;
    },
    read: (params, uri, ctx) => spec.read(params as z.output<P>, uri, ctx),
    ...(spec.list ? { list: spec.list } : {}),
  } satisfies ResourceTemplate);
}

/** A regular expression for a level-1 URI template: literal text, and `{name}` for one non-empty path segment. */
function compileTemplate(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  let source = "";
  let rest = template;
  for (let m = /\{([A-Za-z0-9_]+)\}/.exec(rest); m; m = /\{([A-Za-z0-9_]+)\}/.exec(rest)) {
    source += escapeRegExp(rest.slice(0, m.index)) + "([^/?#]+)";
    names.push(m[1] as string);
    rest = rest.slice(m.index + m[0].length);
  }
  return { pattern: new RegExp(`^${source}${escapeRegExp(rest)}$`), names };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
