import type { ClientHttp2Session, IncomingHttpHeaders } from "node:http2";
import { importPKCS8, SignJWT } from "jose";
import type { FakeServiceAccount } from "../../../fakes/push/index.ts";

/** An answer: status, headers and the parsed JSON body (or the text when not JSON). */
export type PushResponse = { status: number; headers: Headers; body: unknown };

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<PushResponse> {
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The assertion a service account signs to get an access token (RFC 7523), as Google's clients make it. */
export async function signAssertion(
  account: FakeServiceAccount,
  claims: { scope?: string; aud?: string; iss?: string; lifetimeSeconds?: number } = {},
): Promise<string> {
  const key = await importPKCS8(account.private_key ?? "", "RS256");
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: claims.scope ?? "https://www.googleapis.com/auth/firebase.messaging" })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: account.private_key_id })
    .setIssuer(claims.iss ?? account.client_email)
    .setAudience(claims.aud ?? account.token_uri)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (claims.lifetimeSeconds ?? 3600))
    .sign(key);
}

export function tokenRequest(assertion: string): string {
  return new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString();
}

export const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** An HTTP/2 answer from the fake APNs. */
export type H2Response = { status: number; headers: IncomingHttpHeaders; body: unknown };

/** One HTTP/2 request over a cleartext session (prior knowledge), as an APNs client sends it. */
export function h2Request(
  session: ClientHttp2Session,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer,
): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": path, ...headers });
    let status = 0;
    let responseHeaders: IncomingHttpHeaders = {};
    let text = "";
    stream.setEncoding("utf8");
    stream.on("response", (h) => {
      responseHeaders = h;
      status = Number(h[":status"]);
    });
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("end", () =>
      resolve({ status, headers: responseHeaders, body: text === "" ? undefined : JSON.parse(text) }),
    );
    stream.on("error", reject);
    stream.end(body);
  });
}

/** A provider token as Apple asks for it: ES256, kid = key id, iss = team id, iat. */
export async function providerToken(
  credentials: { teamId: string; keyId: string; privateKey: string | undefined },
  iat = Math.floor(Date.now() / 1000),
): Promise<string> {
  const key = await importPKCS8(credentials.privateKey ?? "", "ES256");
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: credentials.keyId })
    .setIssuer(credentials.teamId)
    .setIssuedAt(iat)
    .sign(key);
}
