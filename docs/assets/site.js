// Small page set-up for every page: typeset math with the KaTeX copy served by this site (no CDN,
// works offline), and name the search dialog for screen readers.
function typesetMath() {
  if (typeof renderMathInElement !== "function") return;
  renderMathInElement(document.body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    ignoredClasses: ["highlight", "highlight-ipynb", "jp-OutputArea"],
    throwOnError: false,
  });
}

function nameDialogs() {
  const search = document.querySelector(".md-search[role=dialog]");
  if (search && !search.hasAttribute("aria-label")) {
    search.setAttribute("aria-label", document.documentElement.lang === "zh" ? "搜索" : "Search");
  }
}

function setUpPage() {
  typesetMath();
  nameDialogs();
}

if (typeof document$ !== "undefined") {
  document$.subscribe(setUpPage);
} else {
  document.addEventListener("DOMContentLoaded", setUpPage);
}
