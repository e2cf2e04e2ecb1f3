// Web push: the viewer installed as a PWA (manifest.webmanifest, sw.js) is told of
// alerts on this device. The service worker shows them; subscribing asks the
// browser for a push subscription with the server's VAPID key (GET /api/push/key)
// and hands it to the server (POST /api/push/subscriptions), which sends to it the
// alerts of a "webpush" channel whose recipient is this user.
import { request } from "./api";

export type PushState = "unsupported" | "off" | "on" | "denied";

/** Whether this browser can receive web push (service workers, the Push API, notifications). */
export function pushSupported(scope: typeof globalThis = globalThis): boolean {
  return "serviceWorker" in scope.navigator && "PushManager" in scope && "Notification" in scope;
}

/** The bytes of a base64url text (the applicationServerKey PushManager.subscribe takes). */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Register the service worker (next to index.html: its scope is the viewer). */
export async function registerWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!pushSupported()) return null;
  try {
    return await navigator.serviceWorker.register("sw.js");
  } catch {
    return null; // an insecure origin (plain http off localhost): no push, the viewer works
  }
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.pushManager.getSubscription() : null;
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  return (await currentSubscription()) ? "on" : "off";
}

/** Ask for notifications, subscribe and tell the server; throws ApiError (503: not set up). */
export async function enablePush(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if ((await Notification.requestPermission()) !== "granted") return "denied";
  const { public_key: key } = await request<{ public_key: string }>("/api/push/key");
  const registration = (await registerWorker()) ?? (await navigator.serviceWorker.ready);
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  await request("/api/push/subscriptions", { method: "POST", body: subscription.toJSON() });
  return "on";
}

/** The server's handle of a subscription: the first 32 hex digits of its endpoint's SHA-256. */
export async function subscriptionId(endpoint: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(endpoint));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, 32);
}

/** Stop alerts on this device: the server forgets it, the browser unsubscribes. */
export async function disablePush(): Promise<PushState> {
  const subscription = await currentSubscription();
  if (subscription) {
    const id = await subscriptionId(subscription.endpoint);
    await request(`/api/push/subscriptions/${id}`, { method: "DELETE" });
    await subscription.unsubscribe();
  }
  return "off";
}
