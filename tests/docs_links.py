#!/usr/bin/env python3
"""docs_links.py ROOT - checks the documentation's links (README.md and
docs/*.md under ROOT):

  - every relative link resolves: the file or directory exists, and an
    #anchor names a heading of the page it points into (GitHub's anchors:
    the heading's text lower-cased, punctuation dropped, blanks made dashes,
    a repeated one suffixed -1, -2...);
  - every docs/*.md page is linked from README.md;
  - every docs page starts (after its title and one paragraph) with a
    "## Contents" list that links every heading of levels 2 to 4 below it,
    in order, with the heading's own text and nothing else.

Headings and links inside fenced code blocks and inline code are not read.
Then it checks itself: a copy of the pages with one anchor broken, one page
left out of README and one heading left out of its contents must fail with
exactly those three problems. Exit 0 when all hold; otherwise the problems
on stdout and exit 1. Only the standard library.

docs_links.py --anchors FILE prints the anchors of FILE's headings, one a
line (tests/e2e_dashboards.sh checks the alerts' runbook_url with them).
"""
import os
import re
import shutil
import sys
import tempfile

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
# A link (not an image): [text](target), text possibly holding code spans.
LINK = re.compile(r"(?<!!)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")


def mask_code(line):
    """Code spans keep their length but lose the characters links are made of."""

    def blank(m):
        return re.sub(r"[\[\]()]", "x", m.group(0))

    return re.sub(r"(`+)(.+?)\1", blank, line)


def lines_outside_fences(text):
    """(line number, line) of the lines outside ``` and ~~~ fences."""
    fence = None
    for n, line in enumerate(text.split("\n"), 1):
        m = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * len(m.group(1))
                continue
            if m.group(1).startswith(fence):
                fence = None
                continue
        if fence is None:
            yield n, line


def headings(text):
    """[(level, text)] of the Markdown headings (ATX style) outside fences."""
    out = []
    for _, line in lines_outside_fences(text):
        m = HEADING.match(line)
        if m:
            out.append((len(m.group(1)), m.group(2)))
    return out


def slug(title):
    """GitHub's anchor for a heading (before de-duplication)."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link keeps its text
    t = t.replace("`", "").replace("*", "").lower()
    t = re.sub(r"[^\w\- ]", "", t)
    return t.replace(" ", "-")


def slug_list(titles):
    """Anchors of a page's headings in order, repeated ones suffixed -1, -2..."""
    seen, out = {}, []
    for t in titles:
        s = slug(t)
        if s in seen:
            seen[s] += 1
            s = f"{s}-{seen[s]}"
        else:
            seen[s] = 0
        out.append(s)
    return out


def links(text):
    """(line number, text, target) of the links outside code; a link's text
    may run over lines."""
    lines = [""] * text.count("\n") + [""]
    for n, line in lines_outside_fences(text):
        lines[n - 1] = mask_code(line)
    masked = "\n".join(lines)
    for m in LINK.finditer(masked):
        yield masked.count("\n", 0, m.start()) + 1, m.group(1), m.group(2)


def check_toc(name, text, problems):
    hs = headings(text)
    anchors = slug_list([t for _, t in hs])
    want = [(t, a) for (lvl, t), a in zip(hs, anchors) if 2 <= lvl <= 4 and t != "Contents"]
    lines = text.split("\n")
    if not lines or not lines[0].startswith("# "):
        problems.append(f"{name}:1: the page does not start with a title (# ...)")
        return
    try:
        start = lines.index("## Contents")
    except ValueError:
        problems.append(f"{name}: no \"## Contents\" table of contents")
        return
    if [lvl for lvl, _ in hs[:2]] != [1, 2] or hs[1][1] != "Contents":
        problems.append(f"{name}: \"## Contents\" is not the first heading after the title")
    got = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        m = re.match(r"^( *)- \[(.*)\]\(#([^)]+)\)$", line)
        if m:
            got.append((m.group(2), m.group(3)))
        elif line.strip():
            problems.append(f"{name}: a line in the contents that is not an entry: {line!r}")
    if got != want:
        missing = [w for w in want if w not in got]
        extra = [g for g in got if g not in want]
        if not missing and not extra:
            problems.append(f"{name}: the contents list the headings in another order")
        for t, a in missing:
            problems.append(f"{name}: the contents lack heading \"{t}\" (#{a})")
        for t, a in extra:
            problems.append(f"{name}: the contents list \"{t}\" (#{a}), which is not a heading")


def check(root):
    readme = os.path.join(root, "README.md")
    docs = os.path.join(root, "docs")
    pages = sorted(f for f in os.listdir(docs) if f.endswith(".md")) if os.path.isdir(docs) else []
    files = [readme] + [os.path.join(docs, p) for p in pages]
    texts = {f: open(f, encoding="utf-8").read() for f in files}
    anchors = {f: set(slug_list([t for _, t in headings(texts[f])])) for f in files}
    problems = []
    if not pages:
        problems.append("docs/ holds no page")
    for f in files:
        name = os.path.relpath(f, root)
        for n, _, target in links(texts[f]):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
                continue
            path, _, frag = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
            if not os.path.exists(dest):
                problems.append(f"{name}:{n}: {target}: no such file")
                continue
            if not frag:
                continue
            if not dest.endswith(".md"):
                problems.append(f"{name}:{n}: {target}: an anchor into a file that is not Markdown")
                continue
            if dest not in anchors:
                texts[dest] = open(dest, encoding="utf-8").read()
                anchors[dest] = set(slug_list([t for _, t in headings(texts[dest])]))
            if frag not in anchors[dest]:
                problems.append(f"{name}:{n}: {target}: no heading with anchor #{frag}")
    linked = {os.path.normpath(os.path.join(root, t.partition("#")[0])) for _, _, t in links(texts[readme])}
    for p in pages:
        if os.path.join(docs, p) not in linked:
            problems.append(f"README.md does not link docs/{p}")
        check_toc(f"docs/{p}", texts[os.path.join(docs, p)], problems)
    return problems, len(files), sum(1 for f in files for _ in links(texts[f]))


def selftest(root):
    """The checker must catch a broken anchor, an unlinked page, a missing TOC entry."""
    with tempfile.TemporaryDirectory(prefix="dockward-docs-") as tmp:
        shutil.copy(os.path.join(root, "README.md"), tmp)
        shutil.copytree(os.path.join(root, "docs"), os.path.join(tmp, "docs"))
        pages = sorted(os.listdir(os.path.join(tmp, "docs")))
        with open(os.path.join(tmp, "docs", pages[0]), "a", encoding="utf-8") as f:
            f.write("\nSee [nothing](#no-such-heading-anywhere).\n\n## A heading the contents lack\n")
        with open(os.path.join(tmp, "docs", "zz-unlinked.md"), "w", encoding="utf-8") as f:
            f.write("# Unlinked\n\nA page.\n\n## Contents\n\n- [Only](#only)\n\n## Only\n")
        problems, _, _ = check(tmp)
        want = [
            "no heading with anchor #no-such-heading-anywhere",
            "README.md does not link docs/zz-unlinked.md",
            "the contents lack heading \"A heading the contents lack\"",
        ]
        caught = [w for w in want if any(w in p for p in problems)]
        return len(caught) == len(want) and len(problems) == len(want), problems


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--anchors":  # the anchors of one page, a line each
        print("\n".join(slug_list([t for _, t in headings(open(sys.argv[2], encoding="utf-8").read())])))
        return
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    root = os.path.abspath(root)
    problems, nfiles, nlinks = check(root)
    for p in problems:
        print(p)
    print(f"{'ok' if not problems else 'FAIL'} - {nfiles} files, {nlinks} links, {len(problems)} problems")
    ok, seen = selftest(root)
    print(f"{'ok' if ok else 'FAIL'} - the checker catches a broken anchor, an unlinked page and a missing contents entry")
    if not ok:
        for p in seen:
            print(f"       {p}")
    sys.exit(0 if not problems and ok else 1)


if __name__ == "__main__":
    main()
