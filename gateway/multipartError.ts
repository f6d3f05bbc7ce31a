import { GraphQLError } from "graphql";

/** A multipart request that breaks the GraphQL multipart request spec, or our one-file rule: HTTP 400. */
export function multipartError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST", http: { status: 400 } } });
}
