/*
 * Signet's service worker (installable PWA): keeps the app shell and its
 * hashed, immutable assets for offline start; never caches the API.
 */
const CACHE = "signet-shell-v1"
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(["/"]))
      .then(() => self.skipWaiting())
  )
})
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  )
})
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url)
  if (event.request.method !== "GET" || url.origin !== location.origin) return
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/rpc")) return
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(
      caches.match(event.request).then(
        (hit) =>
          hit ??
          fetch(event.request).then((res) => {
            if (res.ok) {
              const copy = res.clone()
              void caches.open(CACHE).then((c) => c.put(event.request, copy))
            }
            return res
          })
      )
    )
    return
  }
  if (event.request.mode === "navigate")
    event.respondWith(fetch(event.request).catch(() => caches.match("/").then((hit) => hit ?? Response.error())))
})
