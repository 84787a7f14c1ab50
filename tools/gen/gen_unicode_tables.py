#!/usr/bin/env python3
"""Writes src/tokenizer/unicode_tables.inc, the Unicode tables of the tokenizer.

Run by hand when the Unicode data changes; the output is committed, so the
build needs no Python:

    python3 tools/gen/gen_unicode_tables.py > src/tokenizer/unicode_tables.inc

Input: Debian's package unicode-data (scripts/setup.sh installs it), which
puts the Unicode Character Database in /usr/share/unicode. Pass another
directory as the first argument to use other data.

The tables classify code points the way llama.cpp's tokenizer does (its
unicode-data.cpp, made by scripts/gen-unicode-data.py): one category flag
from the General_Category in UnicodeData.txt, with code points absent from
the file (Cn) marked "undefined", plus a White_Space flag from PropList.txt.
The regex splits of the byte-level BPE pre-tokenizers (\\p{L}, \\p{N}, \\p{P},
\\s, ...) are decided by these flags alone.
"""

import os
import re
import sys

MAX_CODEPOINT = 0x110000

# Bit layout shared with src/tokenizer/unicode.h (same meaning as llama.cpp's
# unicode_cpt_flags, so the two can be compared side by side).
UNDEFINED = 0x0001
NUMBER = 0x0002
LETTER = 0x0004
SEPARATOR = 0x0008
MARK = 0x0010
PUNCTUATION = 0x0020
SYMBOL = 0x0040
CONTROL = 0x0080
WHITESPACE = 0x0100

CATEGORY_FLAG = {
    "Cn": UNDEFINED,
    "Cc": CONTROL, "Cf": CONTROL, "Co": CONTROL, "Cs": CONTROL,
    "Ll": LETTER, "Lm": LETTER, "Lo": LETTER, "Lt": LETTER, "Lu": LETTER,
    "Mc": MARK, "Me": MARK, "Mn": MARK,
    "Nd": NUMBER, "Nl": NUMBER, "No": NUMBER,
    "Pc": PUNCTUATION, "Pd": PUNCTUATION, "Pe": PUNCTUATION, "Pf": PUNCTUATION,
    "Pi": PUNCTUATION, "Po": PUNCTUATION, "Ps": PUNCTUATION,
    "Sc": SYMBOL, "Sk": SYMBOL, "Sm": SYMBOL, "So": SYMBOL,
    "Zl": SEPARATOR, "Zp": SEPARATOR, "Zs": SEPARATOR,
}

# llama.cpp lists White_Space by hand; PropList.txt must agree with it, or
# the two tokenizers would split whitespace differently.
LLAMA_CPP_WHITESPACE = (set(range(0x09, 0x0E)) | set(range(0x2000, 0x200B)) |
                        {0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000})


def read_unicode_data(path):
    """Yields (code point, category, simple lowercase or None) for every
    assigned code point, expanding the "<..., First>"/"<..., Last>" pairs."""
    first = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            cpt = int(fields[0], 16)
            name, category = fields[1], fields[2]
            lower = int(fields[13], 16) if fields[13] else None
            if name.endswith(", First>"):
                first = cpt
                continue
            if name.endswith(", Last>"):
                for c in range(first, cpt + 1):
                    yield c, category, None
                first = None
                continue
            yield cpt, category, lower


def read_white_space(path):
    """Code points with the White_Space property, and the file's version."""
    result = set()
    version = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"# PropList-([0-9.]+)\.txt", line)
            if m:
                version = m.group(1)
            data = line.split("#")[0].strip()
            if not data:
                continue
            cpts, prop = [s.strip() for s in data.split(";")]
            if prop != "White_Space":
                continue
            lo, _, hi = cpts.partition("..")
            result.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    return result, version


def main():
    ucd = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
    flags = [UNDEFINED] * MAX_CODEPOINT
    lower_to_ascii = []
    for cpt, category, lower in read_unicode_data(os.path.join(ucd, "UnicodeData.txt")):
        flags[cpt] = CATEGORY_FLAG[category]
        if lower is not None and cpt >= 0x80 and lower < 0x80:
            lower_to_ascii.append((cpt, lower))

    white_space, version = read_white_space(os.path.join(ucd, "PropList.txt"))
    if white_space != LLAMA_CPP_WHITESPACE:
        sys.exit("White_Space in PropList.txt differs from llama.cpp's list: %s" %
                 sorted(white_space ^ LLAMA_CPP_WHITESPACE))
    for cpt in white_space:
        flags[cpt] |= WHITESPACE

    # Llama 3's pre-tokenizer matches "'s", "'t", "'re", "'ve", "'m", "'ll"
    # and "'d" case-insensitively with llama.cpp's unicode_tolower. Folding
    # ASCII only is exact as long as no other code point lowercases to one of
    # those letters (today only U+0130 -> i and U+212A -> k reach ASCII).
    for cpt, lower in lower_to_ascii:
        if chr(lower) in "stmdrevl":
            sys.exit("U+%04X lowercases to '%s': unicode.cc's ASCII folding is not enough" %
                     (cpt, chr(lower)))

    ranges = []
    for cpt in range(MAX_CODEPOINT):
        if not ranges or ranges[-1][1] != flags[cpt]:
            ranges.append((cpt, flags[cpt]))

    out = sys.stdout.write
    out("// Generated by tools/gen/gen_unicode_tables.py from the Unicode %s\n" % version)
    out("// Character Database (UnicodeData.txt, PropList.txt). Do not edit: rerun\n")
    out("// the generator instead. Included by unicode.cc only.\n")
    out("//\n")
    out("// {first code point, flags}: the flags (unicode.h) hold from the first code\n")
    out("// point up to the next entry's; the last entry reaches U+10FFFF.\n")
    out("// clang-format off\n")
    out("constexpr char kUnicodeVersion[] = \"%s\";\n\n" % version)
    out("constexpr FlagRange kFlagRanges[] = {\n")
    per_line = 4
    for i in range(0, len(ranges), per_line):
        chunk = ranges[i:i + per_line]
        out("    " + " ".join("{0x%06X, 0x%03X}," % r for r in chunk) + "\n")
    out("};\n")
    out("// clang-format on\n")


if __name__ == "__main__":
    main()
