/* Service worker of the help finder: the overview and the offers already
   opened stay readable without a connection.

   Served by the finder at <finder>/sw.js with the finder as its scope
   (/hilfe, /en/hilfe …). What it keeps, in one cache on this device only:
   - the overview without parameters and the pages of single offers, as last
     fetched (network first: online, people always get the current page);
   - the page's fingerprinted assets (/webassets/…), which never change.
   It never keeps a search or filter result (a URL with parameters), the staff
   and report forms, or anything posted, and it sends nothing anywhere: a
   position used for "in meiner Nähe" never leaves the page. */
'use strict';

var CACHE = 'keck-homeless-finder-1';
var NETWORK_TIMEOUT_MS = 6000;

function scopePath() {
  return new URL(self.registration.scope).pathname.replace(/\/$/, '');
}

/* The overview (no parameters) or an offer's page: nothing else is kept. */
function keepable(url) {
  if (url.origin !== self.location.origin || url.search) { return false; }
  var rest = url.pathname.slice(scopePath().length);
  if (url.pathname.indexOf(scopePath()) !== 0) { return false; }
  return rest === '' || rest === '/' || /^\/[a-z0-9_-]{1,100}$/.test(rest);
}

function assetsOf(html) {
  var out = [], re = /(?:src|href)="(\/[^"]*webassets\/[^"]+)"/g, m;
  while ((m = re.exec(html)) !== null) { out.push(m[1]); }
  return out;
}

/* Keep a page and its assets; drop assets no kept page refers to any more. */
function keep(cache, request, response) {
  return response.clone().text().then(function (html) {
    var assets = assetsOf(html);
    return cache.put(request, response).then(function () {
      return Promise.all(assets.map(function (a) {
        return cache.match(a).then(function (hit) { return hit || cache.add(a); });
      }));
    });
  });
}

self.addEventListener('install', function (event) {
  var overview = new Request(self.registration.scope.replace(/\/$/, ''), { credentials: 'omit' });
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return fetch(overview).then(function (response) {
      return response.ok ? keep(cache, overview, response) : null;
    });
  }).catch(function () { /* offline while installing: next time */ }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf('keck-homeless-finder-') === 0 && n !== CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error('timeout')); }, ms);
    promise.then(function (r) { clearTimeout(timer); resolve(r); },
                 function (e) { clearTimeout(timer); reject(e); });
  });
}

/* The kept copy, marked so the page can say it is offline and since when. */
function offlineCopy(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true });
  }).then(function (hit) {
    if (!hit) { return Response.error(); }
    return hit.text().then(function (html) {
      // visible without the page's script too: un-hide the offline note
      html = html.replace('<body', '<body data-kh-offline="1"')
                 .replace('class="kh-alert kh-offline" role="status" hidden',
                          'class="kh-alert kh-offline" role="status"');
      return new Response(html, {
        status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }
      });
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') { return; }
  var url = new URL(request.url);
  if (url.origin === self.location.origin && url.pathname.indexOf('/webassets/') !== -1) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request);
      });
    }));
    return;
  }
  if (request.mode !== 'navigate' || !keepable(url)) { return; }
  event.respondWith(withTimeout(fetch(request), NETWORK_TIMEOUT_MS).then(function (response) {
    if (response.ok && response.type === 'basic') {
      var copy = response.clone();
      event.waitUntil(caches.open(CACHE).then(function (cache) {
        return keep(cache, request, copy);
      }).catch(function () {}));
    }
    return response;
  }).catch(function () {
    return offlineCopy(request);
  }));
});
