/**
 * The route template of a request, read from the OpenAPI document's paths (written `:param`, as Express
 * writes them): a request refused before routing (401 by auth, 415, a body parser's 400 or 413) is then
 * logged and counted under the route it asked for, like every other request to that route, instead of
 * as `unmatched`. Only a method and path the document describes get a template.
 */
export type RouteTemplateOf = (method: string, path: string) => string | undefined;

interface Template {
  label: string;
  pattern: RegExp;
  methods: Set<string>;
  literalSegments: number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createRouteTemplates(paths: Record<string, Record<string, unknown>>): RouteTemplateOf {
  const templates: Template[] = Object.entries(paths).map(([path, operations]) => {
    const segments = path.split('/').filter(Boolean);
    const source = segments.map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : escapeRegExp(segment))).join('/');
    return {
      label: path.replace(/\{([^}]+)\}/g, ':$1'),
      // As Express routes: case-insensitive, an optional trailing slash.
      pattern: new RegExp(`^/${source}/?$`, 'i'),
      methods: new Set(Object.keys(operations).map((method) => method.toUpperCase())),
      literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
    };
  });
  // `/v1/users/bulk/preferences` before `/v1/users/{user_id}/preferences`: the literal path wins.
  templates.sort((a, b) => b.literalSegments - a.literalSegments);
  return (method, path) => {
    const asked = method === 'HEAD' ? 'GET' : method;
    return templates.find((template) => template.methods.has(asked) && template.pattern.test(path))?.label;
  };
}
