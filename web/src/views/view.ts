// What every page receives, and what it returns: a cleanup run when leaving it.
import type { Me } from "../api";
import type { AppConfig } from "../config";
import type { Route } from "../router";

export interface ViewContext {
  route: Route;
  user: Me | null;
  config: AppConfig;
  /** An error to show on the login page (a failed single sign-on). */
  loginError: string;
  /** Called by the login page once a token is stored. */
  onLoggedIn: () => void;
}

export type Cleanup = () => void;

export type View = (container: HTMLElement, context: ViewContext) => Cleanup;
