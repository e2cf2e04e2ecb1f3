// Runtime configuration from config.json next to index.html (optional).
import type { CognitoConfig } from "./auth";

export interface AppConfig {
  apiBase: string;
  auth: "local" | "cognito";
  cognito: CognitoConfig | null;
}

export const DEFAULT_CONFIG: AppConfig = { apiBase: "", auth: "local", cognito: null };

const isNonEmptyString = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0;

/** Validate a parsed config.json; Cognito needs all three of its fields. */
export function normalizeConfig(raw: unknown): AppConfig {
  const config = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const cognito = (config.cognito && typeof config.cognito === "object" ? config.cognito : {}) as Record<
    string,
    unknown
  >;
  const { domain, clientId, redirectUri } = cognito;
  const validCognito =
    isNonEmptyString(domain) && isNonEmptyString(clientId) && isNonEmptyString(redirectUri)
      ? { domain, clientId, redirectUri }
      : null;
  return {
    apiBase: typeof config.apiBase === "string" ? config.apiBase : "",
    auth: config.auth === "cognito" && validCognito ? "cognito" : "local",
    cognito: validCognito,
  };
}

/** Fetch config.json relative to the page; missing or unreadable means the defaults. */
export async function loadConfig(): Promise<AppConfig> {
  try {
    const response = await fetch("config.json", { cache: "no-cache" });
    return response.ok ? normalizeConfig(await response.json()) : DEFAULT_CONFIG;
  } catch {
    return DEFAULT_CONFIG;
  }
}
