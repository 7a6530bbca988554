/**
 * The OpenAPI 3.1 document of the REST surfaces (OCS Provisioning and nmcuser_oidc). Each adapter
 * describes its own routes from its route table (core knows no adapters); this module only merges
 * those parts into one document, which app.ts builds once at start and serves at GET /openapi.json.
 */

/** A JSON Schema (2020-12, the OpenAPI 3.1 dialect) or a `$ref` to one. */
export type OpenApiSchema = Record<string, unknown>;

/** An OpenAPI operation object; adapters build them, this module does not look inside. */
export type OpenApiOperation = Record<string, unknown>;

export type OpenApiMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

/** A path item: its operations, and parameters shared by all of them. */
export type OpenApiPathItem = { summary?: string; description?: string; parameters?: object[] } & { [method in OpenApiMethod]?: OpenApiOperation };

export interface OpenApiTag {
  name: string;
  description?: string;
}

/** What one adapter contributes: its paths, the tags they use and the components they reference. */
export interface OpenApiPart {
  paths: Record<string, OpenApiPathItem>;
  tags?: readonly OpenApiTag[];
  schemas?: Record<string, OpenApiSchema>;
  /** Response objects shared by several operations (`#/components/responses/<name>`). */
  responses?: Record<string, object>;
}

export interface OpenApiSources {
  version: string;
  parts: readonly OpenApiPart[];
}

/** The security scheme every operation names (`security: [{ basicAuth: [] }]`). */
export const BASIC_AUTH = 'basicAuth';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: OpenApiTag[];
  paths: Record<string, OpenApiPathItem>;
  components: { securitySchemes: Record<string, object>; schemas: Record<string, OpenApiSchema>; responses: Record<string, object> };
}

/** Merges the adapters' parts; a path, tag or schema name defined twice is a programming error. */
export function buildOpenApiDocument(sources: OpenApiSources): OpenApiDocument {
  const paths: Record<string, OpenApiPathItem> = {};
  const schemas: Record<string, OpenApiSchema> = {};
  const responses: Record<string, object> = {};
  const tags: OpenApiTag[] = [];
  for (const part of sources.parts) {
    for (const [path, item] of Object.entries(part.paths)) {
      if (path in paths) throw new Error(`OpenAPI path ${path} is described twice`);
      paths[path] = item;
    }
    for (const [name, schema] of Object.entries(part.schemas ?? {})) {
      if (name in schemas) throw new Error(`OpenAPI schema ${name} is described twice`);
      schemas[name] = schema;
    }
    for (const [name, response] of Object.entries(part.responses ?? {})) {
      if (name in responses) throw new Error(`OpenAPI response ${name} is described twice`);
      responses[name] = response;
    }
    for (const tag of part.tags ?? []) {
      if (tags.some((known) => known.name === tag.name)) throw new Error(`OpenAPI tag ${tag.name} is described twice`);
      tags.push(tag);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Roster',
      version: sources.version,
      description:
        'The REST surfaces of Roster: Nextcloud OCS Provisioning and nmcuser_oidc. The JSON-RPC surface is described by the OpenRPC document at `/openrpc.json`.',
    },
    servers: [{ url: '/' }],
    tags,
    paths,
    components: {
      securitySchemes: {
        [BASIC_AUTH]: {
          type: 'http',
          scheme: 'basic',
          description: 'A user name with its password, personal token or app password. The API token (user `jsonrpc`) is for JSON-RPC only and is refused here.',
        },
      },
      schemas,
      responses,
    },
  };
}
