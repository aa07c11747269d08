// Small page set-up for every page: typeset math with the KaTeX copy served by this site (no CDN,
// works offline), and name the search dialog for screen readers.
const MATH_OPTIONS = {
  delimiters: [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "\\(", right: "\\)", display: false },
    { left: "$", right: "$", display: false },
  ],
  ignoredClasses: ["highlight", "highlight-ipynb", "jp-OutputArea"],
  throwOnError: false,
};
const HAS_MATH = /\$|\\\(|\\\[/;

// Typeset each block of text as it comes near the screen rather than the whole page at once: a
// long lesson has hundreds of formulas, and doing them all on load kept the page busy for seconds
// on a slow phone. Printing typesets whatever is left first.
function typesetMath() {
  if (typeof renderMathInElement !== "function") return;
  const blocks = Array.from(
    document.querySelectorAll(
      "article p, article li, article td, article th, article .arithmatex, article h1, " +
        "article h2, article h3, article h4, .md-nav--secondary .md-nav__link", // headings in the TOC too
    ),
  ).filter((el) => HAS_MATH.test(el.textContent));
  const typeset = (el) => renderMathInElement(el, MATH_OPTIONS);
  if (!("IntersectionObserver" in window)) return blocks.forEach(typeset);

  // Blocks coming near the screen are typeset a few milliseconds at a time, so that no single
  // task keeps the page from answering a tap or a scroll.
  const queue = [];
  const drain = () => {
    const end = performance.now() + 10;
    while (queue.length && performance.now() < end) typeset(queue.shift());
    if (queue.length) setTimeout(drain, 0);
  };
  const observer = new IntersectionObserver(
    (entries) => {
      const idle = queue.length === 0;
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        queue.push(entry.target);
      }
      if (idle && queue.length) setTimeout(drain, 0);
    },
    { rootMargin: "100% 0px" },
  );
  // What is on the first screen is typeset at once, before the page is first drawn, so it does
  // not jump after it appears; the rest, the next screen first, goes through the queue.
  for (const el of blocks) {
    if (el.getBoundingClientRect().top < window.innerHeight) typeset(el);
    else observer.observe(el);
  }
  window.addEventListener("beforeprint", () => {
    observer.disconnect();
    queue.length = 0;
    blocks.forEach(typeset);
  });
}

function nameDialogs() {
  const search = document.querySelector(".md-search[role=dialog]");
  if (search && !search.hasAttribute("aria-label")) {
    search.setAttribute("aria-label", document.documentElement.lang === "zh" ? "搜索" : "Search");
  }
}

// The language menu links each page to its own translation (the i18n plugin works the link out
// when it builds the page). Material would instead look the page up in the other language's
// sitemap, whose addresses carry the configured site_url; served from any other address or port
// that lookup misses and the reader lands on the other language's home page. Follow the link.
function keepLanguageLinks() {
  document.addEventListener(
    "click",
    (event) => {
      if (event.target instanceof Element && event.target.closest("a.md-select__link[hreflang]")) {
        event.stopPropagation();
      }
    },
    true,
  );
}

function setUpPage() {
  typesetMath();
  nameDialogs();
  keepLanguageLinks();
}

// Deferred scripts run once the page is parsed, usually before its first paint: typesetting here
// rather than on Material's document$ (which fires later) keeps the first screen from jumping when
// its formulas change size. The site does not use instant navigation, so each page loads anew.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", setUpPage);
} else {
  setUpPage();
}
