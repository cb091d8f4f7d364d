/* dotsocr viewer: page navigation, box <-> block linking, category toggles, tooltip.
   All listeners are delegated from the document, so a 352-page file costs no
   per-element setup; only the current page's section is displayed. */
(() => {
  "use strict";
  const body = document.body;
  const sections = Array.from(document.querySelectorAll("section.page"));
  const numbers = sections.map((section) => Number(section.dataset.page));
  const listButtons = Array.from(document.querySelectorAll("nav.pages [data-goto]"));
  const input = document.getElementById("page-input");
  const prevButton = document.getElementById("prev");
  const nextButton = document.getElementById("next");
  const selectionLine = document.getElementById("selection");
  const tip = document.getElementById("tip");
  let current = 0;
  let selected = [];
  let hovered = [];

  /* ---- pages ---- */

  function positionOf(number) {
    const exact = numbers.indexOf(number);
    if (exact >= 0) return exact;
    const after = numbers.findIndex((n) => n > number);
    return after < 0 ? numbers.length - 1 : after;
  }

  function prefetch(position) {
    const section = sections[position];
    const image = section && section.querySelector("img.page-image");
    if (image) image.loading = "eager";
  }

  function show(position) {
    if (!sections.length) return;
    position = Math.max(0, Math.min(sections.length - 1, position));
    clearSelection();
    setHover(null);
    sections[current].hidden = true;
    listButtons[current].removeAttribute("aria-current");
    current = position;
    sections[current].hidden = false;
    listButtons[current].setAttribute("aria-current", "page");
    listButtons[current].scrollIntoView({ block: "nearest" });
    input.value = numbers[current];
    prevButton.disabled = current === 0;
    nextButton.disabled = current === sections.length - 1;
    prefetch(current + 1);
    prefetch(current - 1);
    const hash = "#page=" + numbers[current];
    if (location.hash !== hash) {
      try {
        history.replaceState(null, "", hash);
      } catch (error) {
        /* some browsers refuse history changes on file:// URLs; the page still shows */
      }
    }
  }

  function showNumber(number) {
    if (Number.isFinite(number)) show(positionOf(number));
  }

  function pageFromHash() {
    const match = /^#page=(\d+)$/.exec(location.hash);
    return match ? Number(match[1]) : NaN;
  }

  /* ---- selection and hover: a box and its block go together ---- */

  function pair(node) {
    const section = sections[current];
    const index = node.dataset.index;
    return [
      section.querySelector(`.box[data-index="${index}"]`),
      section.querySelector(`.block[data-index="${index}"]`),
    ].filter(Boolean);
  }

  function blockText(block) {
    if (!block) return "";
    /* innerText keeps table cells and lines apart, where textContent runs them together */
    const parts = Array.from(block.children)
      .filter((child) => !child.classList.contains("tag"))
      .map((child) => child.innerText || child.textContent);
    const text = parts.join(" ").replace(/[ \t]+/g, " ").replace(/\s*\n\s*/g, "\n").trim();
    return text.length > 300 ? text.slice(0, 300) + "…" : text;
  }

  function describe(node) {
    return `${Number(node.dataset.index) + 1} · ${node.dataset.cat}`;
  }

  function clearSelection() {
    for (const node of selected) {
      node.classList.remove("selected");
      node.removeAttribute("aria-current");
    }
    selected = [];
    selectionLine.textContent = "";
  }

  function select(node, from) {
    clearSelection();
    selected = pair(node);
    for (const item of selected) {
      item.classList.add("selected");
      item.setAttribute("aria-current", "true");
    }
    const block = selected.find((item) => item.classList.contains("block"));
    const box = selected.find((item) => item.classList.contains("box"));
    const text = blockText(block);
    const line = text.replace(/\n/g, " ");
    selectionLine.textContent = `Selected ${describe(node)}${line ? ": " + line : ""}`;
    const target = from === "box" ? block : box;
    if (target) target.scrollIntoView({ block: "nearest" });
  }

  function setHover(node) {
    for (const item of hovered) item.classList.remove("hover");
    hovered = node ? pair(node) : [];
    for (const item of hovered) item.classList.add("hover");
  }

  function showTip(box, event) {
    const block = sections[current].querySelector(`.block[data-index="${box.dataset.index}"]`);
    const title = document.createElement("b");
    title.textContent = describe(box);
    const text = document.createElement("span");
    text.textContent = blockText(block) || "(no text)";
    tip.replaceChildren(title, text);
    tip.className = "tip cat-" + box.dataset.cat;
    tip.hidden = false;
    moveTip(event);
  }

  function moveTip(event) {
    if (tip.hidden) return;
    const gap = 14;
    let left = event.clientX + gap;
    let top = event.clientY + gap;
    if (left + tip.offsetWidth > innerWidth) left = event.clientX - tip.offsetWidth - gap;
    if (top + tip.offsetHeight > innerHeight) top = event.clientY - tip.offsetHeight - gap;
    tip.style.left = Math.max(0, left) + "px";
    tip.style.top = Math.max(0, top) + "px";
  }

  /* ---- events ---- */

  document.addEventListener("click", (event) => {
    const target = event.target;
    const box = target.closest(".box");
    if (box) return select(box, "box");
    const block = target.closest(".block");
    if (block) return select(block, "block");
    const go = target.closest("[data-goto]");
    if (go) return showNumber(Number(go.dataset.goto));
  });

  document.addEventListener("mouseover", (event) => {
    const node = event.target.closest(".box, .block");
    if (hovered.includes(node)) return;
    setHover(node);
    if (node && node.classList.contains("box")) showTip(node, event);
    else tip.hidden = true;
  });
  document.addEventListener("mousemove", moveTip);

  document.addEventListener("keydown", (event) => {
    /* typing a page number keeps its keys; a focused checkbox does not need arrows */
    if (event.target.matches("input:not([type=checkbox]), textarea, select")) return;
    const node = event.target.closest && event.target.closest(".box, .block");
    if (node && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(node, node.classList.contains("box") ? "box" : "block");
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      show(current - 1);
    } else if (event.key === "ArrowRight" || event.key === "PageDown") {
      show(current + 1);
    } else if (event.key === "Escape") {
      clearSelection();
    }
  });

  prevButton.addEventListener("click", () => show(current - 1));
  nextButton.addEventListener("click", () => show(current + 1));
  input.addEventListener("change", () => showNumber(Number(input.value)));

  for (const toggle of document.querySelectorAll(".toggles input[data-cat]")) {
    toggle.addEventListener("change", () => {
      body.classList.toggle("hide-" + toggle.dataset.cat, !toggle.checked);
    });
  }
  document.getElementById("fit-width").addEventListener("change", (event) => {
    body.classList.toggle("fit-width", event.target.checked);
  });
  document.getElementById("show-numbers").addEventListener("change", (event) => {
    body.classList.toggle("no-numbers", !event.target.checked);
  });
  addEventListener("hashchange", () => showNumber(pageFromHash()));

  const start = pageFromHash();
  show(Number.isFinite(start) ? positionOf(start) : 0);
})();
