#!/usr/bin/python3
# helpcheck.py [--subset] MAN HELP-FILE - checks that a tool's --help (saved in
# HELP-FILE) and its man page MAN (mdoc) list the same options in the same
# words: every option line of the help ("  -o, --output FILE  Text; default
# stdout") has an item in the man page's OPTIONS whose first sentence is that
# text (case and spacing aside), and, unless --subset (the help of one
# subcommand), every item there is in the help. Prints one line per mismatch
# and "helpcheck: N options agree"; exits 1 on a mismatch.
import re
import subprocess
import sys

subset = len(sys.argv) > 1 and sys.argv[1] == "--subset"
man, helpfile = sys.argv[1 + subset], sys.argv[2 + subset]
norm = lambda s: " ".join(s.split()).lower()

# The help's option lines: (letter or "", long name, text); a text wrapped
# onto indented lines is joined.
opts, last = [], None
for line in open(helpfile, encoding="utf-8"):
    line = line.rstrip("\n")
    m = re.match(r"^  (?:-(\w), |    )--([\w-]+)(?: (\S+))?\s{2,}(\S.*)$", line)
    if m:
        last = [m.group(1) or "", m.group(2), m.group(3), m.group(4)]
        opts.append(last)
    elif last and re.match(r"^ {8,}\S", line):
        last[3] += " " + line.strip()
    else:
        last = None

# The man page's OPTIONS items: header line -> paragraph, rendered as text.
text = subprocess.run(["groff", "-mdoc", "-Tascii", "-rLL=400n", "-rHY=0", man],
                      capture_output=True, text=True, check=True).stdout
text = re.sub(r".\x08", "", text)
sect = re.search(r"^OPTIONS\n(.*?)^\S", text, re.M | re.S)
items, head = {}, None
for line in (sect.group(1) if sect else "").splitlines():
    m = re.match(r"^ {5}(-\S.*?)(?: {2,}(\S.*))?$", line)
    if m:
        head = m.group(1)
        items[head] = m.group(2) or ""
    elif head is not None and line.strip():
        items[head] += " " + line.strip()

bad = good = 0
seen = set()
for letter, name, argname, txt in opts:
    want = [h for h in items if re.search(r"(^|[ ,])--%s\b" % re.escape(name), h) and
            (not letter or re.search(r"(^|[ ,])-%s\b" % letter, h))]
    if not want:
        print("helpcheck: %s: --%s has no item in OPTIONS" % (man, name))
        bad += 1
        continue
    # Several items of one name (--labels FILE, --labels): the one whose
    # argument is the help's, or which has none when the help's has none.
    def arg_of(h):
        m = re.search(r"--%s\b ?([^ ,]*)" % re.escape(name), h)
        return m.group(1).lower() if m else ""
    pick = [h for h in want if arg_of(h) == (argname or "").lower()] or want
    seen.add(pick[0])
    para = norm(items[pick[0]])
    first = re.split(r"(?<=\.) ", para, maxsplit=1)[0].rstrip(".")
    if norm(txt).rstrip(".") != first:
        print("helpcheck: %s: --%s: help says '%s', the man page '%s'" % (man, name, txt, first))
        bad += 1
    else:
        good += 1
for h in items:
    if h not in seen and not subset:
        print("helpcheck: %s: item '%s' is not in --help" % (man, h))
        bad += 1
print("helpcheck: %d options agree" % good)
sys.exit(1 if bad else 0)
