// The interview pages' service worker: what the pages fetch is kept, so that once opened
// they open again without network. Network first (the freshest questionnaire and units when
// there is a network), the kept copy otherwise. Sending answers (POST) is never touched: the
// page queues those itself.
"use strict";

const CACHE = "hailong-interview-v1";
const PAGES = ["/interview/", "/interview/app.js", "/interview/setup.json"];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const url of PAGES) {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok || response.redirected) continue;
      await cache.put(url, response.clone());
      if (url === "/interview/") {
        // The stylesheet's address carries its version: keep the one this page names.
        const found = (await response.text()).match(/href="(\/static\/[^"]+)"/);
        if (found) {
          const sheet = await fetch(found[1].replace(/&amp;/g, "&"));
          if (sheet.ok) await cache.put(found[1].replace(/&amp;/g, "&"), sheet);
        }
      }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok && !response.redirected) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const kept = await cache.match(request) || await cache.match(request, { ignoreSearch: true });
      if (kept) return kept;
      throw error;
    }
  })());
});
