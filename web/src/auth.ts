// Session token storage and the Cognito hosted-UI login (Authorization Code + PKCE).

const TOKEN_KEY = "vms.token";
const EXPIRES_KEY = "vms.tokenExpires";
const RETURN_KEY = "vms.returnTo";
const PKCE_KEY = "vms.pkce";

export interface CognitoConfig {
  domain: string;
  clientId: string;
  redirectUri: string;
}

/** The bearer token, or null when absent or expired (an expired one is cleared). */
export function getToken(): string | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const expires = Number(sessionStorage.getItem(EXPIRES_KEY) ?? 0);
  if (token && expires && Date.now() >= expires) {
    clearToken();
    return null;
  }
  return token;
}

/** Store a token; its expiry is `expiresInSeconds` from now or the JWT's own `exp`. */
export function setToken(token: string, expiresInSeconds?: number): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  const expires = expiresInSeconds ? Date.now() + expiresInSeconds * 1000 : jwtExpiry(token);
  if (expires) sessionStorage.setItem(EXPIRES_KEY, String(expires));
  else sessionStorage.removeItem(EXPIRES_KEY);
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(EXPIRES_KEY);
}

const isLoginHash = (hash: string): boolean => hash.startsWith("#/login");

/** Remember the route to come back to after logging in (the login page itself is not one). */
export function rememberReturn(hash: string): void {
  if (hash && !isLoginHash(hash)) sessionStorage.setItem(RETURN_KEY, hash);
}

/** The remembered route (consumed), or the fallback. */
export function takeReturn(fallback: string): string {
  const hash = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return hash && !isLoginHash(hash) ? hash : fallback;
}

function base64urlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  return atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
}

/** A JWT's `exp` in epoch ms, or null for an opaque or malformed token. */
export function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const exp: unknown = JSON.parse(base64urlDecode(payload)).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomString(byteLength = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** RFC 7636 S256 code challenge of a verifier. */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

export function authorizeUrl(config: CognitoConfig, challenge: string, state: string): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: "openid email",
    code_challenge_method: "S256",
    code_challenge: challenge,
    state,
  });
  return `${trimSlash(config.domain)}/oauth2/authorize?${params}`;
}

export function logoutUrl(config: CognitoConfig): string {
  const params = new URLSearchParams({ client_id: config.clientId, logout_uri: config.redirectUri });
  return `${trimSlash(config.domain)}/logout?${params}`;
}

/** Redirect to the hosted UI; the verifier and state wait in sessionStorage. */
export async function startCognitoLogin(config: CognitoConfig): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  location.assign(authorizeUrl(config, await pkceChallenge(verifier), state));
}

/**
 * Finish a hosted-UI redirect whose query is `search` ("?code=...&state=...").
 * Returns false when the URL is not a callback; throws on a failed exchange.
 * The id token (it carries cognito:groups) becomes the bearer token.
 */
export async function completeCognitoLogin(config: CognitoConfig, search: string): Promise<boolean> {
  const query = new URLSearchParams(search);
  const code = query.get("code");
  const error = query.get("error_description") ?? query.get("error");
  if (!code && !error) return false;
  const stored = sessionStorage.getItem(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  if (error) throw new Error(error);
  const pkce = stored ? (JSON.parse(stored) as { verifier: string; state: string }) : null;
  if (!pkce || pkce.state !== query.get("state")) throw new Error("state mismatch");
  const response = await fetch(`${trimSlash(config.domain)}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.clientId,
      code: code ?? "",
      redirect_uri: config.redirectUri,
      code_verifier: pkce.verifier,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    id_token?: string;
    error?: string;
  };
  if (!response.ok || !body.id_token) throw new Error(body.error ?? `HTTP ${response.status}`);
  setToken(body.id_token);
  return true;
}
