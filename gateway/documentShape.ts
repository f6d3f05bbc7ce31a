import { GraphQLError, Lexer, Source, type Token, TokenKind } from "graphql";

/** Bounds on a document's text, checked as it is lexed, before it is parsed. */
export type DocumentBounds = {
  /** Tokens (names, values, punctuation; not comments) a document may hold. */
  maxTokens: number;
  /** Brackets, braces and parentheses open at once, in selections and argument values alike. */
  maxNesting: number;
};

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * Why a document is refused before it is parsed, or undefined when it may be parsed. graphql-js
 * parses and validates by recursion and compares fields pairwise, so a 4 MiB body of aliases,
 * directives, variables or nested list values would cost seconds or overflow the stack before
 * any key is looked at; lexing stops at the first token past a bound. Syntax errors are thrown
 * as the parser would throw them.
 */
export function documentShapeError(source: string | Source, bounds: DocumentBounds): GraphQLError | undefined {
  const lexer = new Lexer(typeof source === "string" ? new Source(source) : source);
  let tokens = 0;
  let nesting = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    tokens += 1;
    if (tokens > bounds.maxTokens) {
      return refusal(
        `query has more than ${bounds.maxTokens} tokens; at most ${bounds.maxTokens} are read (pass large inputs as variables)`,
        "QUERY_TOO_COSTLY",
        lexer.source,
        token,
      );
    }
    if (OPENING.has(token.kind)) nesting += 1;
    else if (CLOSING.has(token.kind)) nesting -= 1;
    if (nesting > bounds.maxNesting) {
      return refusal(
        `query nests brackets, braces and parentheses ${bounds.maxNesting + 1} deep; at most ${bounds.maxNesting} are allowed`,
        "QUERY_TOO_DEEP",
        lexer.source,
        token,
      );
    }
  }
  return undefined;
}

function refusal(message: string, code: string, source: Source, token: Token): GraphQLError {
  return new GraphQLError(message, { source, positions: [token.start], extensions: { code } });
}
