// The quote page (claims/quote_admin.py): a passage selected in the stored text
// (#snapshot) becomes the Quote of the "Passage" form, which is sent at once, so one
// selection is one action. Without JS the analyst pastes the passage into the form.
(function () {
  "use strict";

  function start() {
    var snapshot = document.getElementById("snapshot");
    var form = document.getElementById("passage-form");
    if (!snapshot || !form) { return; }
    var quote = form.elements.namedItem("quote");
    var sent = false;

    function selectedPassage() {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || selection.rangeCount === 0) { return ""; }
      var range = selection.getRangeAt(0);
      if (!snapshot.contains(range.startContainer) || !snapshot.contains(range.endContainer)) { return ""; }
      return selection.toString().trim();
    }

    function take(event) {
      // Extending a selection with Shift and the arrows: wait until Shift is let go.
      if (event.type === "keyup" && event.shiftKey) { return; }
      var passage = selectedPassage();
      if (!passage || sent) { return; }
      sent = true;
      quote.value = passage;
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }

    snapshot.addEventListener("mouseup", take);
    snapshot.addEventListener("keyup", take);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
