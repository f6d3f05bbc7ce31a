import { GraphQLError, Kind, type ValueNode } from "graphql";
import { builder } from "./builder.ts";
import type { Upload } from "./upload.ts";

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  const date = typeof value === "string" && ISO_DATE_TIME.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError(
      `DateTime must be an ISO-8601 date-time with a time zone, such as 2026-11-23T10:00:00Z; got ${JSON.stringify(value)}`,
      { extensions: { code: "BAD_USER_INPUT" } },
    );
  }
  return date;
}

/**
 * In a literal, a plain error lets graphql-js report it as a validation error with its location;
 * a GraphQLError would replace that report.
 */
function parseDateTimeLiteral(value: unknown): Date {
  try {
    return parseDateTime(value);
  } catch (error) {
    throw new TypeError((error as Error).message);
  }
}

builder.scalarType("DateTime", {
  description: "An ISO-8601 date-time with a time zone, e.g. 2026-11-23T10:00:00Z",
  serialize: (value) => (value instanceof Date ? value.toISOString() : parseDateTime(value).toISOString()),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTimeLiteral(node.kind === Kind.STRING ? node.value : undefined),
});

function literalValue(node: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((value) => literalValue(value, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literalValue(field.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[node.name.value];
    default:
      throw new GraphQLError(`JSON cannot hold a ${node.kind}`, { extensions: { code: "BAD_USER_INPUT" } });
  }
}

builder.scalarType("JSON", {
  description: "Any JSON value",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node, variables) => literalValue(node, variables),
});

function isUpload(value: unknown): value is Upload {
  const file = value as Partial<Upload> | null;
  return (
    typeof file === "object" && file !== null && typeof file.stream === "function" && typeof file.name === "string"
  );
}

builder.scalarType("File", {
  description: "An uploaded file: a part of a multipart request (GraphQL multipart request spec)",
  serialize: () => {
    throw new GraphQLError("File is an input-only scalar");
  },
  // Structural: the gateway's streaming multipart parser hands over its own Upload, not a web File.
  parseValue: (value) => {
    if (isUpload(value)) return value;
    throw new GraphQLError("File must be sent as a part of a multipart request", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  },
  parseLiteral: () => {
    throw new TypeError("File cannot be written in a query; send it as a part of a multipart request");
  },
});
