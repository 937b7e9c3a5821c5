// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
// After a visit is saved the page returns at its visit section: the saved notice sits just
// above it; focusing it scrolls it into view and has screen readers read it. On "load": the
// browser focuses the #visits fragment target itself once the document is parsed.
window.addEventListener("load", () => {
  const notice = document.getElementById("saved-notice");
  if (notice) {
    notice.focus();
  }
});
