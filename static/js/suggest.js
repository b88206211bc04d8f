// Suggestions for the list filters' text boxes: as one types a name into a box with
// data-suggest="actors" (topics, materiel), fill its <datalist> from /autocomplete/<kind>/.
// Progressive enhancement: the boxes take a name or slug typed in full without it.
(function () {
  "use strict";
  var script = document.currentScript;
  var urlFor = function (kind) { return script.dataset.url.replace("KIND", kind); };
  var pending = null;

  function fill(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var words = input.value.trim();
    if (!list || words.length < 2) { return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(urlFor(input.dataset.suggest) + "?q=" + encodeURIComponent(words), { signal: pending.signal })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        list.replaceChildren.apply(list, data.results.map(function (record) {
          var option = document.createElement("option");
          option.value = record.slug;
          option.label = record.name;
          return option;
        }));
      })
      .catch(function () { /* aborted by a newer keystroke, or offline: keep what is there */ });
  }

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { fill(input); }, 150);
    });
  });
})();
