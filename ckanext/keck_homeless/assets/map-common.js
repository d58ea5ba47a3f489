/* Shared by the finder, the map previews and the location picker.
   Only the configured base map is requested; without one the map shows the
   markers on a plain background. */
window.keckHomelessMap = (function () {
  'use strict';

  function readConfig(el) {
    try { return JSON.parse(el.getAttribute('data-config') || '{}'); } catch (e) { return {}; }
  }

  function create(el, options) {
    var cfg = readConfig(el);
    var map = L.map(el, Object.assign({ scrollWheelZoom: false, zoomControl: false }, options || {}));
    // Leaflet's own button titles are English; ours come translated in data-config
    L.control.zoom({ zoomInTitle: cfg.zoomIn || 'Zoom in',
                     zoomOutTitle: cfg.zoomOut || 'Zoom out' }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (cfg.wms) {
      L.tileLayer.wms(cfg.wms, {
        layers: cfg.wmsLayers, format: 'image/png', transparent: false,
        attribution: cfg.attribution || ''
      }).addTo(map);
    } else if (cfg.tiles) {
      L.tileLayer(cfg.tiles, { maxZoom: 19, attribution: cfg.attribution || '' }).addTo(map);
    }
    return map;
  }

  function icon(glyph, category) {
    return L.divIcon({
      className: 'kh-marker kh-cat-' + (category || 'none'),
      html: '<span aria-hidden="true">' + String(glyph || '?').replace(/[<>&"]/g, '') + '</span>',
      iconSize: [30, 30], iconAnchor: [15, 15], popupAnchor: [0, -14]
    });
  }

  /* A cluster of n offers: the count, readable at a glance. */
  function clusterIcon(n) {
    var size = n < 10 ? 34 : (n < 100 ? 40 : 46);
    return L.divIcon({
      className: 'kh-cluster',
      html: '<span aria-hidden="true">' + Number(n) + '</span>',
      iconSize: [size, size], iconAnchor: [size / 2, size / 2]
    });
  }

  /* A popup with a link, built from DOM nodes (no HTML injection). */
  function popup(title, label, url, extra) {
    var box = document.createElement('div');
    var a = document.createElement(url ? 'a' : 'strong');
    if (url) { a.href = url; }
    a.textContent = title;
    box.appendChild(a);
    [label, extra].forEach(function (text) {
      if (!text) { return; }
      var p = document.createElement('div');
      p.textContent = text;
      box.appendChild(p);
    });
    return box;
  }

  return { create: create, icon: icon, clusterIcon: clusterIcon, popup: popup };
}());
