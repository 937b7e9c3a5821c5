// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
