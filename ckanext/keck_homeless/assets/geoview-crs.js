/* The coordinate reference systems of our OGC services, for ckanext-geoview's
 * OpenLayers preview (geo_view), registered before its "olpreview" module runs.
 *
 * geo_view reads a WFS feature type's DefaultCRS (ours: EPSG:25832). It knows
 * only the CRSs proj4js ships, asks the third-party service epsg.io for any
 * other, never registers the answer with OpenLayers and falls back to
 * EPSG:4326 — whose GML2 reader it patches with code that only works with
 * the debug build of OpenLayers 2-4, so the WFS preview stayed empty. With
 * the definitions here it requests and reads our features in EPSG:25832 and
 * no visitor's browser contacts epsg.io. The definitions are PROJ's
 * (`pyproj.CRS.from_epsg(n).to_proj4()`; tests/ogc/test_geoview.py checks).
 */
(function () {
  "use strict";
  if (typeof proj4 === "undefined" || typeof ol === "undefined") {
    return;
  }
  var defs = {
    "EPSG:25832": "+proj=utm +zone=32 +ellps=GRS80 +units=m +no_defs",
    "EPSG:4258": "+proj=longlat +ellps=GRS80 +no_defs"
  };
  Object.keys(defs).forEach(function (code) {
    if (!proj4.defs(code)) {
      proj4.defs(code, defs[code]);
    }
  });
  if (ol.proj && ol.proj.proj4 && ol.proj.proj4.register) {
    ol.proj.proj4.register(proj4);
  }
})();
