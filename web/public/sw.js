// The viewer's service worker: shows the alerts pushed to this browser (web push,
// sent by footage.notify.webpush as JSON: title, body, url, severity, tag) and opens
// the viewer (or the message's link) when one is clicked. It caches nothing: the
// viewer, the API and footage always come from the server.
"use strict";

const DEFAULT_URL = "./#/alerts";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function readPush(data) {
  if (!data) return {};
  try {
    const parsed = data.json();
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return { body: data.text() };
  }
}

self.addEventListener("push", (event) => {
  const message = readPush(event.data);
  const tag = typeof message.tag === "string" && message.tag ? message.tag : undefined;
  const options = {
    body: typeof message.body === "string" ? message.body : "",
    tag,
    renotify: Boolean(tag),
    requireInteraction: message.severity === "critical",
    icon: "icon.svg",
    badge: "icon.svg",
    data: { url: typeof message.url === "string" && message.url ? message.url : DEFAULT_URL },
  };
  const title = typeof message.title === "string" && message.title ? message.title : "CCTV VMS";
  event.waitUntil(self.registration.showNotification(title, options));
});

async function openTarget(url) {
  const scope = self.registration.scope;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const viewer = windows.find((client) => client.url.startsWith(scope));
  if (viewer && url.startsWith(scope)) {
    await viewer.focus();
    return viewer.navigate(url);
  }
  return self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = (event.notification.data && event.notification.data.url) || DEFAULT_URL;
  event.waitUntil(openTarget(new URL(wanted, self.registration.scope).href));
});
