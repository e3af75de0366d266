/* Village search on the plan page: ask the API, list hits, fly to the one clicked.
   Names are user data: they are only ever set with textContent, never as HTML. */
(function () {
  "use strict";
  var form = document.getElementById("village-search");
  if (!form) { return; }
  var list = document.getElementById("search-results");
  var map = window[form.getAttribute("data-map")];
  var marker = null;

  function show(hit) {
    if (!map || hit.lat === null) { return; }
    if (marker) { map.removeLayer(marker); }
    var box = document.createElement("div");
    var title = document.createElement("b");
    title.textContent = hit.name;
    box.appendChild(title);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(hit.county_name + " · " +
      (hit.store_id ? hit.store_id : (hit.unserved_reason || "unserved"))));
    marker = L.circleMarker([hit.lat, hit.lon], { radius: 10, color: "#000", weight: 3,
      fill: false, className: "cc-found" }).addTo(map).bindPopup(box).openPopup();
    map.setView([hit.lat, hit.lon], Math.max(map.getZoom(), 11));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = form.elements.q.value;
    fetch(form.getAttribute("data-api") + "?q=" + encodeURIComponent(q),
          { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        list.textContent = "";
        data.results.forEach(function (hit) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = "#";
          link.textContent = hit.name + " (" + hit.settlement_id + ")";
          link.addEventListener("click", function (e) { e.preventDefault(); show(hit); });
          item.appendChild(link);
          list.appendChild(item);
        });
        if (data.results.length === 1) { show(data.results[0]); }
      });
  });
})();
