/* The search page: Pagefind UI mounted over the plain form, started from the ?q= of the URL.
   The index is one Pagefind bundle per week of the newest month, per month of the newest year
   and per half of each year before it (pagefind/<year>-<month>-<day>/, pagefind/<year>-<month>/,
   pagefind/<year>-h2/ and -h1/, listed newest first in pagefind/shards.json);
   the UI searches them all at once, the newest bundle's results first.
   Pagefind indexes each page in its own language (its <html lang>), so a bundle holds an index
   per language (shards.json lists them, most pages first): every one of them is merged, each
   searched with its own language's word segmentation, so a Chinese word is found from an
   English page and the other way round.
   Its words come from the page (data-words), in the page's language.
   A file of its own, so the Content-Security-Policy needs no inline script. */
(function () {
  "use strict";
  var root = document.getElementById("search");
  if (!root || typeof window.PagefindUI !== "function") {
    return;  // no index or no JavaScript support: the plain form and the browse links remain
  }
  var words = {};
  try {
    words = JSON.parse(root.getAttribute("data-words") || "{}");
  } catch (error) {
    console.warn("search: unreadable data-words:", error.message);
  }
  var names = words.names || {};
  // Each result shows its metadata as tags, in key order: the date reads best first. Pagefind
  // shows a key as its label, so the keys are renamed to the page's words for them.
  function dateFirst(result) {
    var meta = result.meta || {};
    var ordered = {};
    ["title", "date", "companies"].concat(Object.keys(meta)).forEach(function (key) {
      if (key in meta && !(key in ordered)) {
        ordered[key === "title" ? key : names[key] || key] = meta[key];
      }
    });
    result.meta = ordered;
    return result;
  }
  // Pagefind shows a filter by its name (company, topic, section): show the page's word.
  function nameFilters() {
    var labels = root.querySelectorAll(
      ".pagefind-ui__filter-name, .pagefind-ui__filter-group-label");
    Array.prototype.forEach.call(labels, function (label) {
      var key = label.getAttribute("data-filter") || label.textContent.trim().toLowerCase();
      if (names[key] && label.textContent !== names[key]) {
        label.setAttribute("data-filter", key);
        label.textContent = names[key];
      }
    });
  }
  // The language of an index Pagefind picks for this page, as it does (pagefind.js findIndex):
  // the page's, else its base language, else the one with most pages.
  function pickLanguage(languages) {
    var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
    if (languages.indexOf(lang) >= 0) {
      return lang;
    }
    var base = lang.split("-")[0];
    return languages.indexOf(base) >= 0 ? base : languages[0];
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
      mount(list);
    }
  }).catch(function (error) {
    // The plain form and the browse links remain; say why in the console.
    console.warn("search:", error.message);
  });

  // Every bundle in every language it holds, but the newest one's language for this page,
  // which is the primary index. That bundle's other languages are merged by another spelling
  // of its path ("/pagefind/./<bundle>/"): Pagefind skips a merge whose path the primary's
  // starts with.
  function merges(list) {
    var languages = list.languages || {};
    var found = [];
    list.shards.forEach(function (shard, older) {
      var path = bundle + shard + "/";
      var langs = languages[shard] || [];
      if (!langs.length) {
        if (older > 0) {
          found.push({bundlePath: path, indexWeight: Math.pow(BUNDLE_WEIGHT, older)});
        }
        return;
      }
      var primary = older === 0 ? pickLanguage(langs) : null;
      langs.forEach(function (lang) {
        if (lang !== primary) {
          found.push({bundlePath: older === 0 ? bundle + "./" + shard + "/" : path,
                      language: lang, indexWeight: Math.pow(BUNDLE_WEIGHT, older)});
        }
      });
    });
    return found;
  }

  function mount(list) {
    var query = new URLSearchParams(window.location.search).get("q") || "";
    while (root.firstChild) {
      root.removeChild(root.firstChild);
    }
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle + list.shards[0] + "/",
      mergeIndex: merges(list),
      baseUrl: root.getAttribute("data-base"),
      showImages: false,
      showSubResults: false,
      excerptLength: 24,
      autofocus: !query,
      translations: words.translations || {},
      processResult: dateFirst
    });
    // Pagefind's box has only a placeholder; give it a visible label, as the plain form had.
    var box = root.querySelector(".pagefind-ui__search-input");
    if (box) {
      box.id = "search-q";
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.className = "search-label";
      label.textContent = words.label || "Search stories";
      root.insertBefore(label, root.firstChild);
    }
    if (window.MutationObserver) {
      new MutationObserver(nameFilters).observe(root, {childList: true, subtree: true});
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
