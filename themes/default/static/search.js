/* The search page: Pagefind UI mounted over the plain form, started from the ?q= of the URL.
   The index is one Pagefind bundle per week of the newest month, per month of the newest year
   and per half of each year before it (pagefind/<year>-<month>-<day>/, pagefind/<year>-<month>/,
   pagefind/<year>-h2/ and -h1/, listed newest first in pagefind/shards.json);
   the UI searches them all at once, the newest bundle's results first.
   A file of its own, so the Content-Security-Policy needs no inline script. */
(function () {
  "use strict";
  var root = document.getElementById("search");
  if (!root || typeof window.PagefindUI !== "function") {
    return;  // no index or no JavaScript support: the plain form and the browse links remain
  }
  // Each result shows its metadata as tags, in key order: the date reads best first.
  function dateFirst(result) {
    var meta = result.meta || {};
    var ordered = {};
    ["title", "date", "companies"].concat(Object.keys(meta)).forEach(function (key) {
      if (key in meta && !(key in ordered)) {
        ordered[key] = meta[key];
      }
    });
    result.meta = ordered;
    return result;
  }
  // Each older bundle's scores count a millionth of the next one's: a month's or year's
  // results come before older ones, and within a bundle by relevance.
  var BUNDLE_WEIGHT = 1e-6;
  var bundle = root.getAttribute("data-bundle");
  fetch(bundle + "shards.json").then(function (response) {
    if (!response.ok) {
      throw new Error("no search index at " + bundle);
    }
    return response.json();
  }).then(function (list) {
    if (list.shards.length) {
      mount(list.shards.map(function (shard) { return bundle + shard + "/"; }));
    }
  }).catch(function (error) {
    // The plain form and the browse links remain; say why in the console.
    console.warn("search:", error.message);
  });

  function mount(bundles) {
    var query = new URLSearchParams(window.location.search).get("q") || "";
    while (root.firstChild) {
      root.removeChild(root.firstChild);
    }
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundles[0],
      mergeIndex: bundles.slice(1).map(function (path, older) {
        return {bundlePath: path, indexWeight: Math.pow(BUNDLE_WEIGHT, older + 1)};
      }),
      baseUrl: root.getAttribute("data-base"),
      showImages: false,
      showSubResults: false,
      excerptLength: 24,
      autofocus: !query,
      translations: {placeholder: "Search companies, topics, stories"},
      processResult: dateFirst
    });
    // Pagefind's box has only a placeholder; give it a visible label, as the plain form had.
    var box = root.querySelector(".pagefind-ui__search-input");
    if (box) {
      box.id = "search-q";
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.className = "search-label";
      label.textContent = "Search stories";
      root.insertBefore(label, root.firstChild);
    }
    if (query) {
      ui.triggerSearch(query);
    }
  }
  // Keep the address in step with the box, so a search can be bookmarked, shared or reloaded.
  root.addEventListener("input", function (event) {
    var box = event.target;
    if (!box || box.type !== "text" && box.type !== "search") {
      return;
    }
    var url = new URL(window.location.href);
    if (box.value) {
      url.searchParams.set("q", box.value);
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(null, "", url.toString());
  });
})();
